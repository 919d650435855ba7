//! Finds backup folders under the paths a user gives (or the OS's default folder) and says what else was skipped.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

/// A folder that looks like one device backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupDir {
    /// The folder's own name (a UDID, or `<UDID>-YYYYMMDD-HHMMSS` for Finder's archived copies).
    pub id: String,
    pub path: PathBuf,
}

/// A folder next to the backups that is not one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// What discovery found under the given paths.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Found {
    pub backups: Vec<BackupDir>,
    pub skipped: Vec<Skipped>,
}

/// Files whose presence makes a folder a backup (any one is enough: a damaged backup is still a backup).
const MARKERS: [&str; 5] = [
    "Manifest.db",
    "Manifest.plist",
    "Manifest.mbdb",
    "Info.plist",
    "Status.plist",
];

/// Whether `dir` itself is a device backup folder.
pub fn is_backup(dir: &Path) -> bool {
    MARKERS.iter().any(|m| dir.join(m).is_file())
}

/// The folders where Finder, iTunes and the Apple Devices app keep backups on this OS, existing or not.
pub fn default_folders() -> Result<Vec<PathBuf>> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if cfg!(target_os = "macos") {
        let home = home.ok_or_else(|| {
            Error::NoDefaultFolder("HOME is not set; pass a backup folder as PATH".into())
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
        "this OS has no default iPhone backup folder; pass one as PATH, e.g. `cloudfit scan ~/MobileSync/Backup`".into(),
    ))
}

/// Finds the backups in each path: a path may be one backup, a folder of backups, or a folder one level above
/// that (e.g. `MobileSync`, which holds `Backup/`). Sub-folders that are not backups are listed as skipped.
pub fn discover(paths: &[PathBuf]) -> Result<Found> {
    let mut found = Found::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if !meta.is_dir() {
            // `cloudfit scan …/Manifest.db` means the backup that file belongs to.
            let marker = path
                .file_name()
                .is_some_and(|n| MARKERS.iter().any(|m| n == *m));
            match path.parent().filter(|_| marker) {
                Some(parent) => {
                    let parent = if parent.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        parent
                    };
                    found.backups.push(backup_dir(parent));
                    continue;
                }
                None => return Err(Error::NoBackup { path: path.clone() }),
            }
        }
        let before = found.backups.len();
        if is_backup(path) {
            found.backups.push(backup_dir(path));
        } else {
            collect_children(path, 2, &mut found)?;
        }
        if found.backups.len() == before {
            return Err(Error::NoBackup { path: path.clone() });
        }
    }
    found.backups.sort_by(|a, b| a.path.cmp(&b.path));
    found.backups.dedup();
    Ok(found)
}

fn backup_dir(path: &Path) -> BackupDir {
    let id = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    BackupDir {
        id,
        path: path.to_path_buf(),
    }
}

/// Looks `depth` levels down for backups; a child that neither is nor holds a backup is skipped.
fn collect_children(dir: &Path, depth: usize, found: &mut Found) -> Result<()> {
    let mut children: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|entry| entry.ok())
        // A symlinked folder is not followed: a backup folder never contains one, and a loop must not hang us.
        .filter(|entry| entry.file_type().map(|t| t.is_dir()).unwrap_or(false))
        .map(|entry| entry.path())
        .collect();
    children.sort();
    for child in children {
        if is_backup(&child) {
            found.backups.push(backup_dir(&child));
            continue;
        }
        let before = found.backups.len();
        if depth > 1 && std::fs::read_dir(&child).is_ok() {
            let mut inner = Found::default();
            collect_children(&child, depth - 1, &mut inner)?;
            if !inner.backups.is_empty() {
                found.backups.append(&mut inner.backups);
                found.skipped.append(&mut inner.skipped);
            }
        }
        if found.backups.len() == before {
            found.skipped.push(Skipped {
                path: child,
                reason: "not a backup (no Manifest.db, Manifest.plist or Info.plist)".into(),
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

        let found = discover(&[root.to_path_buf()]).unwrap();
        assert_eq!(found.backups, vec![backup_dir(&a)]);
        let skipped: Vec<_> = found.skipped.iter().map(|s| s.path.clone()).collect();
        assert_eq!(skipped, vec![root.join("Backup/notes"), root.join("Other")]);

        let direct = discover(std::slice::from_ref(&a)).unwrap();
        assert_eq!(direct.backups.len(), 1);
        assert!(direct.skipped.is_empty());

        let via_file = discover(&[a.join("Manifest.plist")]).unwrap();
        assert_eq!(via_file.backups, vec![backup_dir(&a)]);
    }

    #[test]
    fn a_folder_without_backups_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("empty")).unwrap();
        let err = discover(&[tmp.path().to_path_buf()]).unwrap_err();
        assert!(matches!(err, Error::NoBackup { .. }), "{err}");
    }
}
