//! Which part of a backup to look inside, and which of its shares that takes in.

use std::path::Path;

use serde::Serialize;

use super::NodeKind;
use crate::attribute::inside::{DomainInside, PlacedShare};
use crate::attribute::{AppUsage, BackupSummary, Category};
use crate::error::{Error, Result};

/// What the user asked to look inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every file of the backup.
    Whole,
    /// An app, by name or bundle id (case-insensitive, whole or in part).
    App(String),
    /// A data type.
    Type(Category),
    /// A domain, by its exact name.
    Domain(String),
}

/// A scope settled against one backup: what it is called there, and which shares it takes in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// `backup`, `app`, `category` or `domain`.
    pub kind: NodeKind,
    /// The bundle id, data type id or domain; null for the whole backup.
    pub id: Option<String>,
    pub name: String,
    /// Its regular files, all of them; filled in by whoever looks inside.
    pub bytes: u64,
    pub files: u64,
}

impl Scope {
    /// Settles the scope in `backup`: which app `--app` means, whether the domain is there.
    pub(crate) fn settle(&self, backup: &BackupSummary) -> Result<Target> {
        let (kind, id, name) = match self {
            Scope::Whole => (NodeKind::Backup, None, backup_name(backup)),
            Scope::App(query) => {
                let app = find_app(&backup.apps, query, &backup.path)?;
                (NodeKind::App, Some(app.bundle_id.clone()), app.name.clone())
            }
            Scope::Type(category) => (
                NodeKind::Category,
                Some(category.id().to_string()),
                category.label().to_string(),
            ),
            Scope::Domain(domain) => {
                if !backup.domains.iter().any(|d| d.domain == *domain) {
                    return Err(Error::NoSuchDomain {
                        domain: domain.clone(),
                        path: backup.path.clone(),
                    });
                }
                (NodeKind::Domain, Some(domain.clone()), domain.clone())
            }
        };
        Ok(Target {
            kind,
            id,
            name,
            bytes: 0,
            files: 0,
        })
    }
}

impl Target {
    /// Whether the share `share` of `domain` is part of the target.
    pub(crate) fn takes(&self, domain: &DomainInside, share: &PlacedShare) -> bool {
        let id = self.id.as_deref();
        match self.kind {
            NodeKind::App => domain.app.as_deref() == id,
            NodeKind::Category => Some(share.category.id()) == id,
            NodeKind::Domain => Some(domain.domain.as_str()) == id,
            _ => true,
        }
    }
}

/// The device's name as the backup gives it, else the folder's.
pub(crate) fn backup_name(backup: &BackupSummary) -> String {
    backup
        .device_name
        .clone()
        .unwrap_or_else(|| backup.id.clone())
}

/// How many of several matching apps an error names; the rest are counted.
const NAMED_MATCHES: usize = 10;

/// The one app row `query` names, ignoring case: its whole bundle id, else its whole name, else either in
/// part. A bundle id is unique, so it always picks one: the way out the ambiguity error points to.
fn find_app<'a>(apps: &'a [AppUsage], query: &str, path: &Path) -> Result<&'a AppUsage> {
    let query_lower = query.trim().to_lowercase();
    let matching = |test: &dyn Fn(&AppUsage) -> bool| -> Vec<&'a AppUsage> {
        apps.iter().filter(|a| test(a)).collect()
    };
    let mut matches = matching(&|a| a.bundle_id.to_lowercase() == query_lower);
    if matches.is_empty() {
        matches = matching(&|a| a.name.to_lowercase() == query_lower);
    }
    if matches.is_empty() && !query_lower.is_empty() {
        matches = matching(&|a| {
            a.bundle_id.to_lowercase().contains(&query_lower)
                || a.name.to_lowercase().contains(&query_lower)
        });
    }
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::NoSuchApp {
            query: query.to_string(),
            path: path.to_path_buf(),
        }),
        several => Err(Error::AmbiguousApp {
            query: query.to_string(),
            path: path.to_path_buf(),
            matches: several
                .iter()
                .take(NAMED_MATCHES)
                .map(|a| format!("{} ({})", a.name, a.bundle_id))
                .chain(
                    (several.len() > NAMED_MATCHES)
                        .then(|| format!("and {} more", several.len() - NAMED_MATCHES)),
                )
                .collect(),
            count: several.len(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribute::{NameSource, OwnerKind};

    fn app(id: &str, name: &str) -> AppUsage {
        AppUsage {
            bundle_id: id.into(),
            name: name.into(),
            name_source: NameSource::Known,
            kind: OwnerKind::App,
            bytes: 1,
            files: 1,
            domains: vec![],
        }
    }

    #[test]
    fn apps_are_found_whole_first_then_in_part_and_several_are_refused() {
        let apps = [
            app("net.whatsapp.WhatsApp", "WhatsApp Messenger"),
            app("net.whatsapp.WhatsAppSMB", "WhatsApp Business"),
            app("com.burbn.instagram", "Instagram"),
        ];
        let path = Path::new("backup");
        let find = |q: &str| find_app(&apps, q, path).ok().map(|a| a.bundle_id.as_str());
        assert_eq!(find("instagram"), Some("com.burbn.instagram"));
        assert_eq!(find("NET.WHATSAPP.WHATSAPP"), Some("net.whatsapp.WhatsApp"));
        assert_eq!(find("whatsapp business"), Some("net.whatsapp.WhatsAppSMB"));
        match find_app(&apps, "whatsapp", path) {
            Err(Error::AmbiguousApp { matches, .. }) => assert_eq!(matches.len(), 2),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            find_app(&apps, "tiktok", path),
            Err(Error::NoSuchApp { .. })
        ));
        assert!(matches!(
            find_app(&apps, " ", path),
            Err(Error::NoSuchApp { .. })
        ));
        // A bundle id that is also another app's name: the bundle id wins, as the error advises.
        let apps = [app("Notes", "My Notes"), app("com.x.notes", "Notes")];
        assert_eq!(
            find_app(&apps, "notes", path).ok().map(|a| a.name.as_str()),
            Some("My Notes")
        );
        // Many matches: ten named, the rest counted.
        let many: Vec<AppUsage> = (0..25)
            .map(|i| app(&format!("com.a.app{i}"), &format!("App {i}")))
            .collect();
        match find_app(&many, "app", path) {
            Err(Error::AmbiguousApp { matches, count, .. }) => {
                assert_eq!(count, 25);
                assert_eq!(matches.len(), 11);
                assert_eq!(matches[10], "and 15 more");
            }
            other => panic!("{other:?}"),
        }
    }
}
