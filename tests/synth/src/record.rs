//! The record of what the generator wrote, summed from its catalog so tests can check a reader.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::catalog::{Catalog, Category, Kind};

/// A file count and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub files: u64,
    pub bytes: u64,
}

impl Counts {
    fn add(&mut self, bytes: u64) {
        self.files += 1;
        self.bytes += bytes;
    }
}

/// One entry of the apps map: a third-party app with every domain whose bytes roll into it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedApp {
    /// `iTunesMetadata.itemName`, else the bundle id; `Shared group <id>` for unowned groups.
    pub name: String,
    pub bytes: u64,
    pub files: u64,
    pub domains: BTreeSet<String>,
}

/// Everything a reader should find in one backup folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedBackup {
    /// The folder name.
    pub id: String,
    /// `manifest-db` (Manifest.db, shard folders) or `manifest-mbdb` (Manifest.mbdb, flat).
    pub format: String,
    pub udid: String,
    pub device_name: String,
    pub product_type: String,
    pub ios_version: String,
    /// RFC 3339 UTC; the same instant as Info.plist `Last Backup Date`.
    pub last_backup: String,
    pub encrypted: bool,
    /// The password that opens an encrypted backup; `None` for a plain one.
    pub password: Option<String>,
    /// `finished` or `incomplete`.
    pub state: String,
    pub archived: bool,
    /// Sum of `Size` over regular-file rows, missing data files included. Always `Some`, for
    /// encrypted backups too: the figures a reader that has the password must find (one
    /// without it finds none).
    pub bytes: Option<u64>,
    pub files: Option<u64>,
    pub directories: Option<u64>,
    pub symlinks: Option<u64>,
    /// Apparent length of every regular file anywhere under the folder.
    pub disk_bytes: u64,
    pub disk_files: u64,
    /// Manifest rows whose data file was deliberately not written.
    pub missing: Counts,
    /// Data files (in shard folders, or flat beside an mbdb) that no manifest row names.
    pub orphans: Counts,
    /// Like the figures above, filled for encrypted backups too.
    pub apps: BTreeMap<String, ExpectedApp>,
    /// Category id to counts, only categories with at least one file.
    pub categories: BTreeMap<String, Counts>,
    /// Subset id (a slice of a category Apple's rules treat apart) to counts, only non-empty ones.
    #[serde(default)]
    pub subsets: BTreeMap<String, Counts>,
    /// Domain to regular-file counts, only domains with at least one regular file.
    pub domains: BTreeMap<String, Counts>,
}

/// The committed sample: every backup written, and the folders beside them that are not backups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleSet {
    pub backups: Vec<ExpectedBackup>,
    pub skipped: Vec<String>,
}

/// Manifest-level sums of a catalog: what the rows say, independent of what reached disk.
#[derive(Debug, Clone, Default)]
pub(crate) struct ManifestSums {
    pub files: u64,
    pub bytes: u64,
    pub directories: u64,
    pub symlinks: u64,
    pub apps: BTreeMap<String, ExpectedApp>,
    pub categories: BTreeMap<String, Counts>,
    pub subsets: BTreeMap<String, Counts>,
    pub domains: BTreeMap<String, Counts>,
}

pub(crate) fn manifest_sums(cat: &Catalog) -> ManifestSums {
    let mut sums = ManifestSums::default();
    let mut by_cat: BTreeMap<Category, Counts> = BTreeMap::new();
    for e in &cat.entries {
        let size = match e.kind {
            Kind::File { size } => size,
            Kind::Dir => {
                sums.directories += 1;
                continue;
            }
            Kind::Symlink { .. } => {
                sums.symlinks += 1;
                continue;
            }
        };
        sums.files += 1;
        sums.bytes += size;
        let domain = &cat.domains[e.domain as usize];
        sums.domains.entry(domain.clone()).or_default().add(size);
        let label = cat.labels[e.label as usize];
        by_cat.entry(label.category).or_default().add(size);
        if let Some(subset) = label.subset {
            sums.subsets
                .entry(subset.id().to_owned())
                .or_default()
                .add(size);
        }
        if let Some(o) = label.owner {
            let owner = &cat.owners[o as usize];
            let app = sums
                .apps
                .entry(owner.key.clone())
                .or_insert_with(|| ExpectedApp {
                    name: owner.name.clone(),
                    ..ExpectedApp::default()
                });
            app.bytes += size;
            app.files += 1;
            if !app.domains.contains(domain) {
                app.domains.insert(domain.clone());
            }
        }
    }
    sums.categories = by_cat
        .into_iter()
        .map(|(c, n)| (c.id().to_owned(), n))
        .collect();
    sums
}

#[cfg(test)]
mod tests {
    use super::super::catalog::{build, Shape};
    use super::*;

    #[test]
    fn sums_partition_the_bytes() {
        let cat = build(&Shape {
            phone_content: true,
            spec_files: Vec::new(),
            files: 2_000,
            avg_file_size: 10_000,
            seed: 3,
            last_backup: 1_795_162_500,
            earlier: None,
        });
        let s = manifest_sums(&cat);
        let by_cat: u64 = s.categories.values().map(|c| c.bytes).sum();
        let by_domain: u64 = s.domains.values().map(|c| c.bytes).sum();
        let files_by_cat: u64 = s.categories.values().map(|c| c.files).sum();
        assert_eq!(by_cat, s.bytes);
        assert_eq!(by_domain, s.bytes);
        assert_eq!(files_by_cat, s.files);
        let apps: u64 = s.apps.values().map(|a| a.bytes).sum();
        assert_eq!(Some(apps), s.categories.get("apps").map(|c| c.bytes));
        let wa = s.apps.get("net.whatsapp.WhatsApp");
        let wa_domains: Vec<&str> = wa
            .map(|a| a.domains.iter().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            wa_domains,
            [
                "AppDomain-net.whatsapp.WhatsApp",
                "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
                "AppDomainPlugin-net.whatsapp.WhatsApp.ShareExtension",
            ]
        );
        assert_eq!(
            s.apps.get("vendor:Google").map(|a| a.name.as_str()),
            Some("Shared by Google apps")
        );
        assert_eq!(
            s.apps.get("com.tencent.xin").map(|a| a.name.as_str()),
            Some("微信")
        );
        assert_eq!(
            s.apps
                .get("com.acme.enterprise.Expenses")
                .map(|a| a.name.as_str()),
            Some("Expenses"),
            "no iTunesMetadata: the .app folder names it"
        );
        let ig = s.apps.get("com.burbn.instagram");
        assert!(ig.is_some_and(|a| a.domains.contains("AppDomainGroup-group.com.burbn.shared")));
        for not_an_app in ["com.apple.mobilesafari", "com.apple.VoiceMemos"] {
            assert!(!s.apps.contains_key(not_an_app));
        }
        assert!(s.apps.contains_key("com.apple.Keynote"));
        assert!(!s.domains.contains_key("DatabaseDomain"));
    }
}
