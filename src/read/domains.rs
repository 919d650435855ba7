//! Apple's backup domains in one table: each one's name, whether it is a family, and where the phone keeps it.
//!
//! Discovery recognises an extracted-domains export by these names, the extracted walk maps a device tree back to
//! domains by these roots, and the attribution rules may only name domains listed here (checked when the crate
//! compiles).

/// Whether a row is one domain or a family of them; this also says how an extracted-domains export names its folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One domain, `<name>`. Exports name its folder the same.
    Fixed,
    /// One domain per container, `<name>-<id>`, where the id is a bundle, group or container id. The exporters
    /// named at `discover::Layout::ExtractedDomains` name the folder `<name>-<id>`; greatvovan/ios-backup-browser
    /// splits the domain at its first `-` and writes `<name>/<id>` (`Backup.parse` and `Backup.export` in
    /// `src/ios_backup/backup.py`).
    Family,
}

/// One of Apple's backup domains, or a family of them.
#[derive(Debug, Clone, Copy)]
pub struct Domain {
    /// The domain's name as a manifest row gives it (`HomeDomain`). For a family, the part before the `-`.
    pub name: &'static str,
    pub kind: Kind,
    /// Where the phone keeps the domain's files: its `root` in Domains.plist without the leading `/`. On the phone
    /// `/var` is `/private/var`, so a device tree may show either. A relative path starts below this root. For a
    /// family, this is the folder that holds one folder per container.
    pub device_root: &'static str,
    /// The paths below `device_root` that belong to this domain in a device tree. `""` means the whole root,
    /// except for the longer paths other domains take from it: several domains share `/var/mobile`, and the
    /// longest match wins.
    pub device_paths: &'static [&'static str],
}

/// `device_paths` of a domain that has its root to itself, or takes what the others leave of it.
const WHOLE: &[&str] = &[""];

const fn family(name: &'static str, device_root: &'static str) -> Domain {
    Domain {
        name,
        kind: Kind::Family,
        device_root,
        device_paths: WHOLE,
    }
}

const fn fixed(
    name: &'static str,
    device_root: &'static str,
    device_paths: &'static [&'static str],
) -> Domain {
    Domain {
        name,
        kind: Kind::Fixed,
        device_root,
        device_paths,
    }
}

/// Every domain cloudfit knows. The families come first (see [`FAMILIES`]).
pub const DOMAINS: &[Domain] = &[
    // The families. Real backups' manifests use these names: `AppDomain-`, `AppDomainGroup-` and `AppDomainPlugin-`
    // appear in the iOS 9.3.6 domain listing of vernjan/ctf-writeups (Hackvent 2020 day 23), and
    // `SysContainerDomain-` and `SysSharedContainerDomain-` in the iOS 13 rows of AmnestyTech/investigations#8.
    // The device roots are the container rules of the backup-formats notes, §6, as tabled in
    // tests/data/real-inventory-system.md. On the phone each container folder is named by a UUID; device-tree
    // extractors name it by its id.
    family("AppDomain", "var/mobile/Containers/Data/Application"),
    family("AppDomainGroup", "var/mobile/Containers/Shared/AppGroup"),
    family(
        "AppDomainPlugin",
        "var/mobile/Containers/Data/PluginKitPlugin",
    ),
    family("SysContainerDomain", "var/containers/Data/System"),
    family(
        "SysSharedContainerDomain",
        "var/containers/Shared/SystemGroup",
    ),
    // The fixed domains. Each root is the domain's `root` in Apple's Domains.plist (iOS 16.4, transcribed in
    // PeterBlenessy/traceloupe `tools/data/ios-backup-domains.json`). The paths are the ones Domains.plist lists
    // for the domain (RelativePathsToBackupAndRestore unless a note says otherwise). Domains.plist's BackupDomain
    // has no root ("# empty"), and none of cloudfit's earlier lists had it, so it is not here either.
    //
    // HomeDomain is an allow-list over all of /var/mobile, so it gets whatever the domains below leave.
    fixed("HomeDomain", "var/mobile", WHOLE),
    // Media/Deferred, Media/Memories/… and Media/MediaAnalysis/.backup are not taken: they stay in MediaDomain,
    // as before this table.
    fixed(
        "CameraRollDomain",
        "var/mobile",
        &["Media/DCIM", "Media/PhotoData"],
    ),
    // Library/SMS/Attachments and Library/Recordings are listed as they are. "Media" covers the domain's Media/…
    // paths (Recordings, iTunes_Control, PhotoStreamsData, Vibrations) and everything else in /var/mobile/Media.
    // Its other Library/SMS paths (Parts, StickerCache, Recents) are not taken: they stay in HomeDomain, whose
    // Library/SMS rule gives them the same data type.
    fixed(
        "MediaDomain",
        "var/mobile",
        &["Media", "Library/SMS/Attachments", "Library/Recordings"],
    ),
    // The Ringtones folder comes from RelativePathsToRestoreOnly.
    fixed(
        "TonesDomain",
        "var/mobile",
        &[
            "Media/iTunes_Control/iTunes/Ringtones.plist",
            "Media/iTunes_Control/Ringtones",
        ],
    ),
    fixed("KeyboardDomain", "var/mobile", &["Library/Keyboard"]),
    // Every path it lists is under Library/homed.
    fixed("HomeKitDomain", "var/mobile", &["Library/homed"]),
    // Health comes from RelativePathsToOnlyBackupEncrypted. The other paths listed there (MedicalID,
    // locationd/user.plist) are not taken, so they stay in HomeDomain, as they did before this table.
    fixed("HealthDomain", "var/mobile/Library", &["Health"]),
    fixed("BooksDomain", "var/mobile/Media/Books", WHOLE),
    fixed("KeychainDomain", "var/Keychains", WHOLE),
    fixed("WirelessDomain", "var/wireless", WHOLE),
    fixed("SystemPreferencesDomain", "var/preferences", WHOLE),
    fixed("RootDomain", "var/root", WHOLE),
    fixed("ManagedPreferencesDomain", "var/Managed Preferences", WHOLE),
    fixed("DatabaseDomain", "var/db", WHOLE),
    fixed("InstallDomain", "var/installd", WHOLE),
    fixed("MobileDeviceDomain", "var/MobileDevice", WHOLE),
    fixed("NetworkDomain", "var/networkd", WHOLE),
    fixed("ProtectedDomain", "var/protected", WHOLE),
];

/// The families, which lead the table. Looking up a family then checks five rows, not all of them.
pub const FAMILIES: &[Domain] = DOMAINS.split_at(leading_families()).0;

/// The fixed domains: the rest of the table.
pub const FIXED: &[Domain] = DOMAINS.split_at(leading_families()).1;

const fn leading_families() -> usize {
    let mut n = 0;
    while n < DOMAINS.len() && matches!(DOMAINS[n].kind, Kind::Family) {
        n += 1;
    }
    n
}

/// The family named exactly `name` (`AppDomain`), as a split export names its top folder.
pub fn family_named(name: &str) -> Option<&'static Domain> {
    FAMILIES.iter().find(|f| f.name == name)
}

/// Whether an extracted-domains export's top folder is named for a domain: a fixed domain's name, a family's
/// `<name>-<id>` with a non-empty id, or a family's bare name (exports that split at the first `-`).
pub fn names_export_folder(folder: &str) -> bool {
    FIXED.iter().any(|d| d.name == folder)
        || FAMILIES.iter().any(|f| match folder.strip_prefix(f.name) {
            Some(rest) => rest.is_empty() || (rest.starts_with('-') && rest.len() > 1),
            None => false,
        })
}

/// Whether `domain` is spelled like a domain of the table: a fixed domain's name, or a family's name and a `-`,
/// with or without an id after it. The attribution rules write `SysContainerDomain-` for a whole family and
/// `AppDomain-com.apple.mobilesafari` for one container. A `const fn`, so the rules can be checked as the crate
/// compiles.
pub const fn is_known(domain: &str) -> bool {
    let domain = domain.as_bytes();
    let mut i = 0;
    while i < DOMAINS.len() {
        let name = DOMAINS[i].name.as_bytes();
        let known = match DOMAINS[i].kind {
            Kind::Fixed => domain.len() == name.len() && starts_with(domain, name),
            Kind::Family => {
                domain.len() > name.len() && starts_with(domain, name) && domain[name.len()] == b'-'
            }
        };
        if known {
            return true;
        }
        i += 1;
    }
    false
}

/// `<[u8]>::starts_with`, which is not a `const fn`.
const fn starts_with(bytes: &[u8], prefix: &[u8]) -> bool {
    if bytes.len() < prefix.len() {
        return false;
    }
    let mut i = 0;
    while i < prefix.len() {
        if bytes[i] != prefix[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_a_domain_splits_at_its_first_dash() {
        let mut seen = HashSet::new();
        for d in DOMAINS {
            assert!(seen.insert(d.name), "{} is listed twice", d.name);
            // `<family>-<id>` must split back into the family and the id at its first `-`, as
            // ios-backup-browser splits it and as `is_known` reads it; a family's name ends without `-`.
            assert!(
                !d.name.is_empty() && !d.name.contains(['-', '/']),
                "{}",
                d.name
            );
            assert!(d.name.contains("Domain"), "{}", d.name);
        }
    }

    #[test]
    fn the_families_lead_the_table() {
        assert_eq!(FAMILIES.len() + FIXED.len(), DOMAINS.len());
        assert!(FAMILIES.iter().all(|d| d.kind == Kind::Family));
        assert!(
            FIXED.iter().all(|d| d.kind == Kind::Fixed),
            "a family listed after the first fixed domain would be missed by `family_named`"
        );
        let names: Vec<_> = FAMILIES.iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "AppDomain",
                "AppDomainGroup",
                "AppDomainPlugin",
                "SysContainerDomain",
                "SysSharedContainerDomain"
            ]
        );
    }

    #[test]
    fn device_roots_and_paths_are_clean_relative_paths() {
        let clean = |p: &str| p.split('/').all(|c| !c.is_empty() && c != "." && c != "..");
        for d in DOMAINS {
            let root = d.device_root;
            assert!(
                root.starts_with("var/") && clean(root),
                "{}: root {root:?} must be relative, below var/, without a trailing /",
                d.name
            );
            assert!(!d.device_paths.is_empty(), "{} has no device path", d.name);
            for p in d.device_paths {
                assert!(p.is_empty() || clean(p), "{}: path {p:?}", d.name);
            }
            if d.kind == Kind::Family {
                assert_eq!(
                    d.device_paths, WHOLE,
                    "{}: a family takes its whole root",
                    d.name
                );
            }
        }
    }

    #[test]
    fn no_two_domains_claim_the_same_device_path() {
        let mut seen = HashSet::new();
        for d in DOMAINS {
            for p in d.device_paths {
                let full = if p.is_empty() {
                    d.device_root.to_string()
                } else {
                    format!("{}/{p}", d.device_root)
                };
                assert!(seen.insert(full.clone()), "{full} is claimed twice");
            }
        }
    }

    #[test]
    fn roots_are_those_of_domains_plist() {
        // Spot checks against traceloupe's transcription: the domains whose root is not just /var/<folder>.
        let root = |name: &str| DOMAINS.iter().find(|d| d.name == name).unwrap().device_root;
        assert_eq!(root("HomeDomain"), "var/mobile");
        assert_eq!(root("CameraRollDomain"), "var/mobile");
        assert_eq!(root("HealthDomain"), "var/mobile/Library");
        assert_eq!(root("BooksDomain"), "var/mobile/Media/Books");
        assert_eq!(root("ManagedPreferencesDomain"), "var/Managed Preferences");
        assert_eq!(
            FIXED.len(),
            18,
            "Domains.plist of iOS 16.4 has 18 domains with a root"
        );
    }

    #[test]
    fn export_folders_are_recognised_by_name() {
        for d in FIXED {
            assert!(names_export_folder(d.name), "{}", d.name);
            assert!(!names_export_folder(&format!("{}-x", d.name)), "{}", d.name);
        }
        for f in FAMILIES {
            assert!(names_export_folder(f.name), "{}", f.name);
            assert!(names_export_folder(&format!("{}-com.example", f.name)));
            assert!(!names_export_folder(&format!("{}-", f.name)), "no id");
            assert_eq!(family_named(f.name).map(|d| d.name), Some(f.name));
        }
        for not in [
            "HomeDomainX",
            "AppDomainX-y",
            "BackupDomain",
            "FutureDomain",
            "Library",
            "",
        ] {
            assert!(!names_export_folder(not), "{not}");
        }
        assert!(family_named("HomeDomain").is_none());
        assert!(family_named("AppDomain-com.example").is_none());
    }

    #[test]
    fn rules_may_name_fixed_domains_families_and_containers() {
        for ok in [
            "HomeDomain",
            "ProtectedDomain",
            "SysContainerDomain-",
            "AppDomainGroup-group.com.apple.notes",
            "SysSharedContainerDomain-systemgroup.com.apple.media.shared.books",
        ] {
            assert!(is_known(ok), "{ok}");
        }
        for not in [
            "",
            "HomeDomian",
            "HomeDomain-x",
            "AppDomain",
            "AppDomainX-y",
            "BackupDomain",
            "FutureDomain",
        ] {
            assert!(!is_known(not), "{not}");
        }
    }
}
