//! Turns a file's path inside an extracted tree back into the (domain, relative path) a manifest row would
//! give it: `<domain>/<relativePath>` trees as they are, device paths through the device roots of the domain
//! table ([`crate::read::domains`]: Apple's `Domains.plist`, backup-formats notes §6).

use std::sync::LazyLock;

use crate::discover::Layout;
use crate::read::domains::{self, Domain, Kind};

/// One place in a device tree that holds a domain's files: a domain's root, or one of its paths below the root.
struct DevicePrefix {
    /// The path below the tree's root (after `private/`).
    prefix: String,
    /// How many bytes of `prefix` are the domain's root. The rest is already part of the relative path.
    root_len: usize,
    domain: &'static Domain,
}

/// Every domain's device paths, longest first. A path then lands in the most specific domain that claims it:
/// `var/mobile/Media/DCIM` in CameraRollDomain before `var/mobile/Media` in MediaDomain and `var/mobile` in
/// HomeDomain. Built once from the table, so matching a file spells nothing.
static DEVICE_PREFIXES: LazyLock<Vec<DevicePrefix>> = LazyLock::new(|| {
    let mut all: Vec<DevicePrefix> = domains::DOMAINS
        .iter()
        .flat_map(|domain| {
            domain.device_paths.iter().map(move |path| DevicePrefix {
                prefix: match *path {
                    "" => domain.device_root.to_string(),
                    path => format!("{}/{path}", domain.device_root),
                },
                root_len: domain.device_root.len(),
                domain,
            })
        })
        .collect();
    // Two prefixes that both match a path are one inside the other, so the longer one is the more specific.
    all.sort_by_key(|p| std::cmp::Reverse(p.prefix.len()));
    all
});

/// The pseudo-domain of files that lie outside every domain's root; attributed as "Other (unrecognised)".
pub const OUTSIDE: &str = "(outside any domain)";

/// A file's (domain, relative path) from its path below the tree's root; files outside every domain's root
/// get [`OUTSIDE`], so every byte still lands somewhere. `None` only for a real backup's layout.
#[cfg(test)]
pub fn locate(layout: Layout, path: &str) -> Option<(String, String)> {
    let found = locate_parts(layout, path)?;
    Some((found.domain.concat(), found.relative.to_string()))
}

/// Where [`locate`] puts a file, borrowed from its path so the walk spells nothing per file.
pub(super) struct Located<'p> {
    /// The domain's name, in pieces to be joined (`AppDomain`, `-`, `<bundle id>`); unused pieces are empty.
    pub(super) domain: [&'p str; 3],
    pub(super) relative: &'p str,
}

pub(super) fn locate_parts(layout: Layout, path: &str) -> Option<Located<'_>> {
    let outside = || Located {
        domain: [OUTSIDE, "", ""],
        relative: path,
    };
    match layout {
        Layout::Backup => None,
        Layout::ExtractedDomains => Some(match path.split_once('/') {
            // `AppDomain/<bundle id>/…` (exporters that split the domain at its first `-`).
            Some((family, rest)) if domains::family_named(family).is_some() => {
                match rest.split_once('/') {
                    Some((id, relative)) => Located {
                        domain: [family, "-", id],
                        relative,
                    },
                    None => outside(),
                }
            }
            Some((domain, relative)) => Located {
                domain: [domain, "", ""],
                relative,
            },
            // A file an exporter left beside the domain folders: counted, in no domain.
            None => outside(),
        }),
        Layout::ExtractedDevicePaths => {
            let path = path.strip_prefix("private/").unwrap_or(path);
            for prefix in DEVICE_PREFIXES.iter() {
                if let Some(found) = match_prefix(path, prefix) {
                    return Some(found);
                }
            }
            Some(Located {
                domain: [OUTSIDE, "", ""],
                relative: path,
            })
        }
    }
}

/// Where `path` lies in the domain of `device`, if it lies below `device.prefix`. A family's container folder
/// must hold the file, or the path is left to a shorter prefix.
fn match_prefix<'p>(path: &'p str, device: &DevicePrefix) -> Option<Located<'p>> {
    let rest = path.strip_prefix(device.prefix.as_str())?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let name = device.domain.name;
    match device.domain.kind {
        Kind::Family => {
            // The next component names the container: it completes the domain name.
            let (id, relative) = rest.strip_prefix('/')?.split_once('/')?;
            Some(Located {
                domain: [name, "-", id],
                relative,
            })
        }
        Kind::Fixed => Some(Located {
            domain: [name, "", ""],
            relative: path[device.root_len..].trim_start_matches('/'),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(path: &str) -> (String, String) {
        locate(Layout::ExtractedDevicePaths, path).unwrap()
    }

    #[test]
    fn device_paths_map_back_to_domains() {
        let d = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            device("private/var/mobile/Library/SMS/sms.db"),
            d("HomeDomain", "Library/SMS/sms.db")
        );
        assert_eq!(
            device("var/mobile/Media/DCIM/100APPLE/IMG_1.HEIC"),
            d("CameraRollDomain", "Media/DCIM/100APPLE/IMG_1.HEIC")
        );
        assert_eq!(
            device("private/var/mobile/Library/Health/healthdb.sqlite"),
            d("HealthDomain", "Health/healthdb.sqlite")
        );
        assert_eq!(
            device("private/var/mobile/Containers/Shared/AppGroup/group.net.whatsapp.WhatsApp.shared/ChatStorage.sqlite"),
            d("AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ChatStorage.sqlite")
        );
        assert_eq!(
            device("private/var/Keychains/keychain-backup.plist"),
            d("KeychainDomain", "keychain-backup.plist")
        );
        assert_eq!(
            device("private/var/mobile/Media/Books/Purchases/a.epub"),
            d("BooksDomain", "Purchases/a.epub")
        );
        assert_eq!(device("private/var/mobileX/a"), d(OUTSIDE, "var/mobileX/a"));
        assert_eq!(
            locate(Layout::ExtractedDomains, "HomeDomain/Library/SMS/sms.db").unwrap(),
            d("HomeDomain", "Library/SMS/sms.db")
        );
        assert_eq!(
            locate(Layout::ExtractedDomains, "notes.txt").unwrap(),
            d(OUTSIDE, "notes.txt")
        );
        assert_eq!(
            locate(
                Layout::ExtractedDomains,
                "AppDomain/net.whatsapp.WhatsApp/Documents/x"
            )
            .unwrap(),
            d("AppDomain-net.whatsapp.WhatsApp", "Documents/x")
        );
    }

    #[test]
    fn every_device_path_of_the_table_maps_back_to_its_domain() {
        for domain in domains::DOMAINS {
            for path in domain.device_paths {
                let below_root = match *path {
                    "" => "f".to_string(),
                    path => format!("{path}/f"),
                };
                let (file, want) = match domain.kind {
                    Kind::Fixed => (
                        format!("{}/{below_root}", domain.device_root),
                        (domain.name.to_string(), below_root),
                    ),
                    Kind::Family => (
                        format!("{}/com.example.id/{below_root}", domain.device_root),
                        (format!("{}-com.example.id", domain.name), below_root),
                    ),
                };
                assert_eq!(device(&file), want, "{file}");
                assert_eq!(device(&format!("private/{file}")), want, "private/{file}");
            }
        }
    }

    #[test]
    fn a_container_folder_without_files_in_it_is_left_to_the_domain_around_it() {
        let d = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            device("private/var/mobile/Containers/Data/Application/loose-file"),
            d("HomeDomain", "Containers/Data/Application/loose-file")
        );
        assert_eq!(
            device("private/var/containers/Shared/SystemGroup/x"),
            d(OUTSIDE, "var/containers/Shared/SystemGroup/x")
        );
        assert_eq!(
            device("private/var/mobile/Library/HealthKit/x"),
            d("HomeDomain", "Library/HealthKit/x")
        );
    }
}
