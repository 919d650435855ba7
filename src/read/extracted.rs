//! Walks backups that other tools already extracted into ordinary folders, in parallel, and turns each file's
//! path back into a (domain, relative path) so it can be attributed like a manifest row.
//!
//! Layouts (backup-formats notes §7): `<domain>/<relativePath>` (pyiosbackup `unback`, iOSbackup, dinosec), and
//! device paths (`private/var/mobile/…`, Backup2FS), mapped back with the domain roots of Apple's
//! `Domains.plist` (§6). Sizes come from the file system: hard links count once, symlinks are never followed
//! (so a link loop cannot trap the walk), and folders that cannot be read are listed, not fatal.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use super::{Counts, ManifestFile};
use crate::discover::Layout;

/// What the walk found besides the files handed to the sinks.
#[derive(Debug, Default)]
pub struct WalkStats {
    pub files: Counts,
    pub directories: u64,
    pub symlinks: u64,
    /// Names that are not valid UTF-8: counted under a lossy spelling.
    pub non_utf8_names: Vec<PathBuf>,
    /// Folders or files that could not be read, with why.
    pub unreadable: Vec<(PathBuf, String)>,
}

impl WalkStats {
    fn merge(&mut self, other: WalkStats) {
        self.files.merge(other.files);
        self.directories += other.directories;
        self.symlinks += other.symlinks;
        self.non_utf8_names.extend(other.non_utf8_names);
        self.unreadable.extend(other.unreadable);
    }
}

/// Walks `root` in parallel. Each rayon task fills its own sink (made by `new_sink`, fed by `add`); sinks are
/// combined with `merge`, so nothing is shared on the per-file path but the hard-link set.
pub fn walk<S: Send>(
    root: &Path,
    layout: Layout,
    new_sink: &(dyn Fn() -> S + Sync),
    add: &(dyn Fn(&mut S, ManifestFile<'_>) + Sync),
    merge: &(dyn Fn(&mut S, S) + Sync),
) -> (WalkStats, S) {
    let walker = Walker {
        layout,
        new_sink,
        add,
        merge,
        seen_links: Mutex::new(HashSet::new()),
    };
    // The walk recurses once per folder level; a deep tree (thousands of levels) needs more than the
    // default thread stack, so it runs in a pool of its own with a large one (reserved, not committed).
    match rayon::ThreadPoolBuilder::new()
        .stack_size(WALK_STACK_BYTES)
        .build()
    {
        Ok(pool) => pool.install(|| walker.dir(root, String::new())),
        Err(_) => walker.dir(root, String::new()),
    }
}

/// Enough for the deepest tree Linux paths allow (about 2,000 levels) even in a debug build.
const WALK_STACK_BYTES: usize = 256 << 20;

struct Walker<'a, S> {
    layout: Layout,
    new_sink: &'a (dyn Fn() -> S + Sync),
    add: &'a (dyn Fn(&mut S, ManifestFile<'_>) + Sync),
    merge: &'a (dyn Fn(&mut S, S) + Sync),
    /// (device, inode) of files with more than one link, so each is counted once.
    seen_links: Mutex<HashSet<(u64, u64)>>,
}

impl<S: Send> Walker<'_, S> {
    /// `relative` is the folder's path below the root, `/`-separated, empty for the root.
    fn dir(&self, dir: &Path, relative: String) -> (WalkStats, S) {
        let mut stats = WalkStats::default();
        let mut sink = (self.new_sink)();
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                stats.unreadable.push((dir.to_path_buf(), e.to_string()));
                return (stats, sink);
            }
        };
        let mut subdirs = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    stats.unreadable.push((dir.to_path_buf(), e.to_string()));
                    continue;
                }
            };
            let os_name = entry.file_name();
            let name = match os_name.to_str() {
                Some(name) => name.to_string(),
                None => {
                    stats.non_utf8_names.push(entry.path());
                    os_name.to_string_lossy().into_owned()
                }
            };
            let path = if relative.is_empty() {
                name
            } else {
                format!("{relative}/{name}")
            };
            // Never follows a symlink: `file_type` and `symlink_metadata` describe the link itself.
            let meta = match entry.path().symlink_metadata() {
                Ok(meta) => meta,
                Err(e) => {
                    stats.unreadable.push((entry.path(), e.to_string()));
                    continue;
                }
            };
            if meta.file_type().is_symlink() {
                stats.symlinks += 1;
            } else if meta.is_dir() {
                stats.directories += 1;
                subdirs.push((entry.path(), path));
            } else if meta.is_file() {
                if meta.nlink() > 1 {
                    let first = self
                        .seen_links
                        .lock()
                        .map(|mut s| s.insert((meta.dev(), meta.ino())));
                    if matches!(first, Ok(false)) {
                        continue;
                    }
                }
                stats.files.add(meta.len());
                if let Some((domain, relative_path)) = locate(self.layout, &path) {
                    (self.add)(
                        &mut sink,
                        ManifestFile {
                            domain: &domain,
                            relative_path: &relative_path,
                            size: meta.len(),
                        },
                    );
                }
            }
        }
        let children: Vec<(WalkStats, S)> = subdirs
            .into_par_iter()
            .map(|(dir, rel)| self.dir(&dir, rel))
            .collect();
        for (child_stats, child_sink) in children {
            stats.merge(child_stats);
            (self.merge)(&mut sink, child_sink);
        }
        (stats, sink)
    }
}

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
pub fn locate(layout: Layout, path: &str) -> Option<(String, String)> {
    match layout {
        Layout::Backup => None,
        Layout::ExtractedDomains => Some(match path.split_once('/') {
            // `AppDomain/<bundle id>/…` (exporters that split the domain at its first `-`).
            Some((family, rest)) if crate::discover::DOMAIN_FAMILIES.contains(&family) => {
                match rest.split_once('/') {
                    Some((id, relative)) => (format!("{family}-{id}"), relative.to_string()),
                    None => (OUTSIDE.to_string(), path.to_string()),
                }
            }
            Some((domain, rest)) => (domain.to_string(), rest.to_string()),
            // A file an exporter left beside the domain folders: counted, in no domain.
            None => (OUTSIDE.to_string(), path.to_string()),
        }),
        Layout::ExtractedDevicePaths => {
            let path = path.strip_prefix("private/").unwrap_or(path);
            for (prefix, domain, root) in DEVICE_ROOTS {
                if let Some(found) = match_root(path, prefix, domain, root) {
                    return Some(found);
                }
            }
            Some((OUTSIDE.to_string(), path.to_string()))
        }
    }
}

fn match_root(path: &str, prefix: &str, domain: &str, root: &str) -> Option<(String, String)> {
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
        return Some((format!("{domain}{id}"), relative.to_string()));
    }
    let relative = path.strip_prefix(root)?.trim_start_matches('/');
    Some((domain.to_string(), relative.to_string()))
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
