//! Rolls app containers (`AppDomain-`, `AppDomainGroup-`, `AppDomainPlugin-`) up into the app that owns them.

/// The three kinds of app container a backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    App,
    Group,
    Plugin,
}

/// Splits `AppDomainGroup-group.x.y` into its kind and id; `None` for other domains.
pub fn app_container(domain: &str) -> Option<(ContainerKind, &str)> {
    // Order matters: `AppDomain-` is a prefix of neither of the others, but check the longer names first anyway.
    if let Some(id) = domain.strip_prefix("AppDomainGroup-") {
        Some((ContainerKind::Group, id))
    } else if let Some(id) = domain.strip_prefix("AppDomainPlugin-") {
        Some((ContainerKind::Plugin, id))
    } else {
        domain
            .strip_prefix("AppDomain-")
            .map(|id| (ContainerKind::App, id))
    }
}

/// Who a container's bytes belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// An installed app, by bundle id.
    App(String),
    /// An app group no single installed app can be said to own.
    SharedGroup(String),
    /// An extension whose app is not installed.
    Extension(String),
}

/// What kind of owner an apps row is: only apps have a switch on the phone's Backups screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OwnerKind {
    App,
    SharedGroup,
    Extension,
}

impl Owner {
    pub fn kind(&self) -> OwnerKind {
        match self {
            Owner::App(_) => OwnerKind::App,
            Owner::SharedGroup(_) => OwnerKind::SharedGroup,
            Owner::Extension(_) => OwnerKind::Extension,
        }
    }

    /// The id the owner's row is keyed by.
    pub fn id(&self) -> &str {
        match self {
            Owner::App(id) | Owner::SharedGroup(id) | Owner::Extension(id) => id,
        }
    }
}

/// Finds owners among the installed apps (sorted bundle ids).
pub struct OwnerFinder<'a> {
    installed: &'a [String],
}

impl<'a> OwnerFinder<'a> {
    pub fn new(installed: &'a [String]) -> Self {
        OwnerFinder { installed }
    }

    pub fn owner(&self, kind: ContainerKind, id: &str) -> Owner {
        match kind {
            ContainerKind::App => Owner::App(id.to_string()),
            // An extension id is normally `<app id>.<Name>`.
            ContainerKind::Plugin => match self.longest(|app| label_prefix(app, id)) {
                Some(app) => Owner::App(app.to_string()),
                None => Owner::Extension(id.to_string()),
            },
            ContainerKind::Group => self.group_owner(id),
        }
    }

    /// Group ids are free-form (`group.<anything>`): first an app id at its start or inside it at label
    /// boundaries, then a vendor prefix (first two labels) that exactly one installed app shares.
    fn group_owner(&self, group: &str) -> Owner {
        let bare = group.strip_prefix("group.").unwrap_or(group);
        if let Some(app) = self.longest(|app| label_prefix(app, bare)) {
            return Owner::App(app.to_string());
        }
        if let Some(app) = self.longest(|app| contains_labels(bare, app)) {
            return Owner::App(app.to_string());
        }
        if let Some(group_vendor) = vendor(bare) {
            let mut sharing = self
                .installed
                .iter()
                .filter(|app| vendor(app) == Some(group_vendor));
            if let (Some(app), None) = (sharing.next(), sharing.next()) {
                return Owner::App(app.clone());
            }
        }
        Owner::SharedGroup(group.to_string())
    }

    fn longest(&self, matches: impl Fn(&str) -> bool) -> Option<&'a str> {
        self.installed
            .iter()
            .map(String::as_str)
            .filter(|app| matches(app))
            .max_by_key(|app| app.len())
    }
}

/// `app` equals `id` or is its leading labels (`net.whatsapp.WhatsApp` of `net.whatsapp.WhatsApp.Share`).
fn label_prefix(app: &str, id: &str) -> bool {
    id.strip_prefix(app)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// `app` appears in `id` as whole labels, anywhere.
fn contains_labels(id: &str, app: &str) -> bool {
    id.match_indices(app).any(|(at, _)| {
        let before_ok = at == 0 || id.as_bytes()[at - 1] == b'.';
        let end = at + app.len();
        let after_ok = end == id.len() || id.as_bytes()[end] == b'.';
        before_ok && after_ok
    })
}

/// The first two labels (`com.burbn` of `com.burbn.instagram`), when there are more than two.
fn vendor(id: &str) -> Option<&str> {
    let first = id.find('.')?;
    let second = first + 1 + id[first + 1..].find('.')?;
    Some(&id[..second])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finder_apps() -> Vec<String> {
        let mut apps: Vec<String> = [
            "com.burbn.instagram",
            "net.whatsapp.WhatsApp",
            "com.google.Gmail",
            "com.google.Maps",
            "ph.telegra.Telegraph",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        apps.sort();
        apps
    }

    #[test]
    fn extensions_go_to_the_longest_app_prefix() {
        let apps = finder_apps();
        let f = OwnerFinder::new(&apps);
        assert_eq!(
            f.owner(
                ContainerKind::Plugin,
                "net.whatsapp.WhatsApp.ShareExtension"
            ),
            Owner::App("net.whatsapp.WhatsApp".into())
        );
        assert_eq!(
            f.owner(ContainerKind::Plugin, "net.whatsapp.WhatsAppX.Share"),
            Owner::Extension("net.whatsapp.WhatsAppX.Share".into())
        );
    }

    #[test]
    fn groups_by_app_id_then_unique_vendor_else_shared() {
        let apps = finder_apps();
        let f = OwnerFinder::new(&apps);
        let owner = |g: &str| f.owner(ContainerKind::Group, g);
        assert_eq!(
            owner("group.com.burbn.instagram"),
            Owner::App("com.burbn.instagram".into())
        );
        assert_eq!(
            owner("group.net.whatsapp.WhatsApp.shared"),
            Owner::App("net.whatsapp.WhatsApp".into())
        );
        assert_eq!(
            owner("group.com.burbn.shared"),
            Owner::App("com.burbn.instagram".into())
        );
        assert_eq!(
            owner("group.x.ph.telegra.Telegraph"),
            Owner::App("ph.telegra.Telegraph".into())
        );
        assert_eq!(
            owner("group.com.google.common"),
            Owner::SharedGroup("group.com.google.common".into())
        );
        assert_eq!(owner("group.solo"), Owner::SharedGroup("group.solo".into()));
    }

    #[test]
    fn splits_container_domains() {
        assert_eq!(
            app_container("AppDomain-com.a.b"),
            Some((ContainerKind::App, "com.a.b"))
        );
        assert_eq!(
            app_container("AppDomainGroup-group.a"),
            Some((ContainerKind::Group, "group.a"))
        );
        assert_eq!(
            app_container("AppDomainPlugin-com.a.b.W"),
            Some((ContainerKind::Plugin, "com.a.b.W"))
        );
        assert_eq!(app_container("HomeDomain"), None);
    }
}
