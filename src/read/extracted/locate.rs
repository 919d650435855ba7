//! Turns a file's path inside an extracted tree back into the (domain, relative path) a manifest row would
//! give it: `<domain>/<relativePath>` trees as they are, device paths through the domain roots of Apple's
//! `Domains.plist` (backup-formats notes §6).

use crate::discover::Layout;

/// Device roots of the backup domains (Domains.plist, iOS 16.4), longest first: (path prefix below the tree's
/// root, domain, how much of the prefix is the domain's root rather than part of the relative path).
/// `*` stands for one path component that completes the domain's name (a bundle or group id).
const DEVICE_ROOTS: &[(&str, &str, &str)] = &[
    (
        "var/mobile/Containers/Data/Application/*",
        "AppDomain-",
        "var/mobile/Containers/Data/Application/*",
    ),
    (
        "var/mobile/Containers/Shared/AppGroup/*",
        "AppDomainGroup-",
        "var/mobile/Containers/Shared/AppGroup/*",
    ),
    (
        "var/mobile/Containers/Data/PluginKitPlugin/*",
        "AppDomainPlugin-",
        "var/mobile/Containers/Data/PluginKitPlugin/*",
    ),
    (
        "var/containers/Data/System/*",
        "SysContainerDomain-",
        "var/containers/Data/System/*",
    ),
    (
        "var/containers/Shared/SystemGroup/*",
        "SysSharedContainerDomain-",
        "var/containers/Shared/SystemGroup/*",
    ),
    (
        "var/mobile/Media/iTunes_Control/iTunes/Ringtones.plist",
        "TonesDomain",
        "var/mobile",
    ),
    (
        "var/mobile/Media/iTunes_Control/Ringtones",
        "TonesDomain",
        "var/mobile",
    ),
    (
        "var/mobile/Library/SMS/Attachments",
        "MediaDomain",
        "var/mobile",
    ),
    ("var/mobile/Library/Recordings", "MediaDomain", "var/mobile"),
    (
        "var/mobile/Library/Keyboard",
        "KeyboardDomain",
        "var/mobile",
    ),
    (
        "var/mobile/Library/Health",
        "HealthDomain",
        "var/mobile/Library",
    ),
    ("var/mobile/Library/homed", "HomeKitDomain", "var/mobile"),
    (
        "var/mobile/Media/PhotoData",
        "CameraRollDomain",
        "var/mobile",
    ),
    (
        "var/mobile/Media/Books",
        "BooksDomain",
        "var/mobile/Media/Books",
    ),
    ("var/mobile/Media/DCIM", "CameraRollDomain", "var/mobile"),
    (
        "var/Managed Preferences",
        "ManagedPreferencesDomain",
        "var/Managed Preferences",
    ),
    ("var/mobile/Media", "MediaDomain", "var/mobile"),
    ("var/MobileDevice", "MobileDeviceDomain", "var/MobileDevice"),
    (
        "var/preferences",
        "SystemPreferencesDomain",
        "var/preferences",
    ),
    ("var/protected", "ProtectedDomain", "var/protected"),
    ("var/Keychains", "KeychainDomain", "var/Keychains"),
    ("var/installd", "InstallDomain", "var/installd"),
    ("var/networkd", "NetworkDomain", "var/networkd"),
    ("var/wireless", "WirelessDomain", "var/wireless"),
    ("var/mobile", "HomeDomain", "var/mobile"),
    ("var/root", "RootDomain", "var/root"),
    ("var/db", "DatabaseDomain", "var/db"),
];

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
            Some((family, rest)) if crate::discover::DOMAIN_FAMILIES.contains(&family) => {
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
            for (prefix, domain, root) in DEVICE_ROOTS {
                if let Some(found) = match_root(path, prefix, domain, root) {
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

fn match_root<'p>(
    path: &'p str,
    prefix: &str,
    domain: &'static str,
    root: &str,
) -> Option<Located<'p>> {
    let (fixed, wildcard) = match prefix.strip_suffix("/*") {
        Some(fixed) => (fixed, true),
        None => (prefix, false),
    };
    let rest = path.strip_prefix(fixed)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    if wildcard {
        // The next component names the container: it completes the domain name.
        let rest = rest.strip_prefix('/')?;
        let (id, relative) = rest.split_once('/')?;
        return Some(Located {
            domain: [domain, id, ""],
            relative,
        });
    }
    let relative = path.strip_prefix(root)?.trim_start_matches('/');
    Some(Located {
        domain: [domain, "", ""],
        relative,
    })
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
}
