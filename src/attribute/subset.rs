//! Parts of a data type that Apple's backup rules treat apart from the rest of it (Domains.plist).

use serde::Serialize;

use super::category::Category;

/// A path-level slice of one data type. The scan reports these alongside the data types so the iCloud
/// estimate can remove exactly them: Domains.plist keeps photo caches out of iCloud backups
/// (`RelativePathsNotToBackupToService`), and Safari history and Wi-Fi networks are only in encrypted
/// computer backups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Subset {
    /// `Media/PhotoData/Thumbnails`, `Metadata` and `CPL`: caches the Photos app rebuilds.
    PhotoCaches,
    /// `Library/Safari/History.db` and its journal files.
    SafariHistory,
    /// The Wi-Fi network lists under `SystemConfiguration`.
    WifiNetworks,
}

impl Subset {
    pub const ALL: [Subset; 3] = [
        Subset::PhotoCaches,
        Subset::SafariHistory,
        Subset::WifiNetworks,
    ];

    /// The stable id used in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Subset::PhotoCaches => "photo-caches",
            Subset::SafariHistory => "safari-history",
            Subset::WifiNetworks => "wifi-networks",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Subset::PhotoCaches => "Photo thumbnails and library caches",
            Subset::SafariHistory => "Safari history",
            Subset::WifiNetworks => "Wi-Fi networks",
        }
    }

    /// The data type the subset is part of.
    pub const fn category(self) -> Category {
        match self {
            Subset::PhotoCaches => Category::Photos,
            Subset::SafariHistory => Category::Safari,
            Subset::WifiNetworks => Category::System,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_serde_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for s in Subset::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.id());
            assert!(seen.insert(s.id()));
        }
    }
}
