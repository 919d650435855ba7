//! Finds backup folders under the paths a user gives (or the OS's default folder) and says what else was skipped.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::read::domains::names_export_folder;

/// Serialises a path as text: a name that is not valid UTF-8 gets U+FFFD where its bad bytes were, rather
/// than failing the whole JSON document.
pub fn serialize_path<S: serde::Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&path.to_string_lossy())
}

/// How a backup folder is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// A Finder/iTunes backup: plists, a manifest, data files named by fileID.
    Backup,
    /// Extracted by another tool as `<domain>/<relativePath>` (pyiosbackup, iOSbackup, dinosec).
    ExtractedDomains,
    /// Extracted as the device's own paths (`private/var/mobile/…`, containers named by bundle id).
    ExtractedDevicePaths,
}

/// A folder that looks like one device backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupDir {
    /// The folder's own name (a UDID, or `<UDID>-YYYYMMDD-HHMMSS` for Finder's archived copies).
    pub id: String,
    #[serde(serialize_with = "serialize_path")]
    pub path: PathBuf,
    pub layout: Layout,
}

/// A folder next to the backups that is not one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    #[serde(serialize_with = "serialize_path")]
    pub path: PathBuf,
    /// Why, as a stable code; `render::words` says it.
    pub code: SkipReason,
}

/// Why a folder beside the backups was passed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// No Manifest.db, Manifest.plist or Info.plist in it.
    NotABackup,
}

/// What discovery found under the given paths.
#[derive(Debug, Default)]
pub struct Found {
    pub backups: Vec<BackupDir>,
    pub skipped: Vec<Skipped>,
    /// Paths that could not be looked at (missing, not a folder, permission denied), with why.
    pub errors: Vec<(PathBuf, Error)>,
}

/// Files whose presence makes a folder a backup (any one is enough: a damaged backup is still a backup).
const MARKERS: [&str; 5] = [
    "Manifest.db",
    "Manifest.plist",
    "Manifest.mbdb",
    "Info.plist",
    "Status.plist",
];

/// The device part of an archived copy's folder name, `<UDID>-<date>-<HHMMSS>` (Practical Mobile Forensics,
/// 4th ed., "Understanding the backup structure"). The exact date digits are UNCONFIRMED, so both
/// `YYYYMMDD` (what our samples write) and ISO `YYYY-MM-DD` are taken; the name only proposes a device, and
/// the plists must agree before a folder counts as an archived copy (attribute/summary.rs). `None` for
/// any other name.
pub fn archived_base(id: &str) -> Option<&str> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let (rest, time) = id.rsplit_once('-')?;
    if !digits(time, 6) {
        return None;
    }
    let (base, date) = rest.rsplit_once('-')?;
    if digits(date, 8) && !base.is_empty() {
        return Some(base);
    }
    // ISO: `<UDID>-YYYY-MM-DD-HHMMSS`.
    let (rest, day) = rest.rsplit_once('-')?;
    let (rest, month) = rest.rsplit_once('-')?;
    let (base, year) = rest.rsplit_once('-')?;
    (digits(year, 4) && digits(month, 2) && digits(day, 2) && !base.is_empty()).then_some(base)
}

/// Whether `dir` itself is a device backup folder.
pub fn is_backup(dir: &Path) -> bool {
    MARKERS.iter().any(|m| dir.join(m).is_file())
}

/// The layout of `dir`, if it is a backup or an extracted one. Extracted trees must look unmistakably like
/// one, so an ordinary folder that happens to hold a `var/mobile` or a `HomeDomain` is not taken for a backup.
pub fn layout_of(dir: &Path) -> Option<Layout> {
    if is_backup(dir) {
        return Some(Layout::Backup);
    }
    // A device tree has the phone's own folders under /var/mobile, not just the path.
    let device_roots = ["Library", "Media", "Containers"];
    let is_device_tree = ["private/var/mobile", "var/mobile"].iter().any(|mobile| {
        let mobile = dir.join(mobile);
        device_roots
            .iter()
            .filter(|r| std::fs::read_dir(mobile.join(r)).is_ok_and(|mut e| e.next().is_some()))
            .count()
            >= 2
    });
    if is_device_tree {
        return Some(Layout::ExtractedDevicePaths);
    }
    // A domain tree: at least two folders named for Apple's domains (read/domains.rs), and they are most of
    // what is there.
    let entries = std::fs::read_dir(dir).ok()?;
    let (mut folders, mut domains) = (0usize, 0usize);
    for entry in entries.filter_map(|e| e.ok()).filter(|e| e.path().is_dir()) {
        folders += 1;
        domains += usize::from(names_export_folder(&entry.file_name().to_string_lossy()));
    }
    (domains >= 2 && domains * 2 >= folders).then_some(Layout::ExtractedDomains)
}

/// The folders where Finder, iTunes and the Apple Devices app keep backups on this OS, existing or not.
pub fn default_folders() -> Result<Vec<PathBuf>> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if cfg!(target_os = "macos") {
        let home = home.ok_or_else(|| {
            Error::NoDefaultFolder("HOME is not set, so there is no default backup folder".into())
        })?;
        return Ok(vec![
            home.join("Library/Application Support/MobileSync/Backup")
        ]);
    }
    if cfg!(windows) {
        let mut out = Vec::new();
        if let Some(appdata) = std::env::var_os("APPDATA") {
            out.push(PathBuf::from(appdata).join(r"Apple Computer\MobileSync\Backup"));
        }
        if let Some(profile) = std::env::var_os("USERPROFILE") {
            // The Microsoft Store build of iTunes and the Apple Devices app keep backups here.
            out.push(PathBuf::from(profile).join(r"Apple\MobileSync\Backup"));
        }
        return Ok(out);
    }
    Err(Error::NoDefaultFolder(
        "this OS has no default iPhone backup folder".into(),
    ))
}

/// Finds the backups in each path: a path may be one backup, a folder of backups, or a folder one level above
/// that (e.g. `MobileSync`, which holds `Backup/`). Sub-folders that are not backups are listed as skipped; a
/// path that cannot be looked at is listed in `errors` and the others are still searched.
pub fn discover(paths: &[PathBuf]) -> Found {
    let mut found = Found::default();
    for path in paths {
        if let Err(e) = discover_one(path, &mut found) {
            found.errors.push((path.clone(), e));
        }
    }
    found.backups.sort_by(|a, b| a.path.cmp(&b.path));
    found.backups.dedup();
    found
}

fn discover_one(path: &Path, found: &mut Found) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_dir() {
        // `cloudfit scan …/Manifest.db` means the backup that file belongs to.
        let marker = path
            .file_name()
            .is_some_and(|n| MARKERS.iter().any(|m| n == *m));
        return match path.parent().filter(|_| marker) {
            Some(parent) => {
                let parent = if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                };
                found.backups.push(backup_dir(parent, Layout::Backup));
                Ok(())
            }
            None => Err(Error::NotAFolder {
                path: path.to_path_buf(),
            }),
        };
    }
    if let Some(layout) = layout_of(path) {
        found.backups.push(backup_dir(path, layout));
        return Ok(());
    }
    let before = (found.backups.len(), found.errors.len());
    collect_children(path, 2, found)?;
    if (found.backups.len(), found.errors.len()) == before {
        return Err(Error::NoBackup {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

fn backup_dir(path: &Path, layout: Layout) -> BackupDir {
    let id = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    BackupDir {
        id,
        path: path.to_path_buf(),
        layout,
    }
}

/// Looks `depth` levels down for backups; a child that neither is nor holds a backup is skipped, and one that
/// cannot be read is an error (it may well be a backup).
fn collect_children(dir: &Path, depth: usize, found: &mut Found) -> Result<()> {
    let mut children: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        // Symlinked folders are followed (a backup moved to another disk is often linked back); the depth
        // limit keeps a link loop from going anywhere.
        .filter(|path| path.is_dir())
        .collect();
    children.sort();
    for child in children {
        if let Some(layout) = layout_of(&child) {
            found.backups.push(backup_dir(&child, layout));
            continue;
        }
        match std::fs::read_dir(&child) {
            Ok(_) => {}
            // Listed a moment ago and gone now: moved or deleted while we looked, so not a backup to report.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                found.errors.push((child.clone(), Error::io(&child, e)));
                continue;
            }
        }
        let before = found.backups.len();
        if depth > 1 {
            let mut inner = Found::default();
            match collect_children(&child, depth - 1, &mut inner) {
                Ok(()) => {}
                Err(Error::Io { err, .. }) if err.kind() == std::io::ErrorKind::NotFound => {
                    continue
                }
                Err(e) => return Err(e),
            }
            if !inner.backups.is_empty() || !inner.errors.is_empty() {
                found.backups.append(&mut inner.backups);
                found.skipped.append(&mut inner.skipped);
                found.errors.append(&mut inner.errors);
            }
        }
        if found.backups.len() == before {
            found.skipped.push(Skipped {
                path: child,
                code: SkipReason::NotABackup,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_backups_one_and_two_levels_down_and_skips_others() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let a = root.join("Backup/00008120-001A2B3C4D5E6F70");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::write(a.join("Manifest.plist"), b"x").unwrap();
        std::fs::create_dir_all(root.join("Backup/notes")).unwrap();
        std::fs::create_dir_all(root.join("Other")).unwrap();

        let found = discover(&[root.to_path_buf()]);
        assert_eq!(found.backups, vec![backup_dir(&a, Layout::Backup)]);
        let skipped: Vec<_> = found.skipped.iter().map(|s| s.path.clone()).collect();
        assert_eq!(skipped, vec![root.join("Backup/notes"), root.join("Other")]);

        let direct = discover(std::slice::from_ref(&a));
        assert_eq!(direct.backups.len(), 1);
        assert!(direct.skipped.is_empty());

        let via_file = discover(&[a.join("Manifest.plist")]);
        assert_eq!(via_file.backups, vec![backup_dir(&a, Layout::Backup)]);
    }

    #[test]
    fn ordinary_folders_are_not_taken_for_extracted_backups() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(home.join("var/mobile")).unwrap();
        std::fs::create_dir_all(home.join("Documents")).unwrap();
        std::fs::create_dir_all(home.join("Projects/HomeDomain")).unwrap();
        assert_eq!(layout_of(&home), None);
        assert_eq!(
            layout_of(&home.join("Projects")),
            None,
            "one folder named HomeDomain is not a backup"
        );

        let tree = tmp.path().join("export");
        for d in [
            "HomeDomain/Library",
            "AppDomain/net.whatsapp.WhatsApp",
            "MediaDomain/Media",
        ] {
            std::fs::create_dir_all(tree.join(d)).unwrap();
        }
        assert_eq!(layout_of(&tree), Some(Layout::ExtractedDomains));
        let device = tmp.path().join("device");
        for d in [
            "private/var/mobile/Library/SMS",
            "private/var/mobile/Media/DCIM",
        ] {
            std::fs::create_dir_all(device.join(d)).unwrap();
        }
        assert_eq!(layout_of(&device), Some(Layout::ExtractedDevicePaths));
    }

    #[test]
    fn archived_copies_are_named_after_their_device() {
        let udid = "00008120-001A2B3C4D5E6F70";
        assert_eq!(
            archived_base(&format!("{udid}-20260901-101500")),
            Some(udid)
        );
        assert_eq!(
            archived_base(&format!("{udid}-2026-09-01-101500")),
            Some(udid)
        );
        let old = "5d1a3c9e8b7f46021c4e9a0b3d2f7e816a4c0b95";
        assert_eq!(archived_base(&format!("{old}-20150102-030405")), Some(old));
        for not in [
            udid,
            "-20260901-101500",
            "x-2026091-101500",
            "x-20260901-1015",
            "x-20260901-10150a",
        ] {
            assert_eq!(archived_base(not), None, "{not}");
        }
    }

    #[test]
    fn a_folder_without_backups_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("empty")).unwrap();
        let found = discover(&[tmp.path().to_path_buf(), tmp.path().join("nope")]);
        assert!(found.backups.is_empty());
        assert!(
            matches!(found.errors[0].1, Error::NoBackup { .. }),
            "{}",
            found.errors[0].1
        );
        assert!(
            matches!(found.errors[1].1, Error::Io { .. }),
            "{}",
            found.errors[1].1
        );
    }
}
