//! Which two backups a diff compares: two folders named one by one, or a device's two newest backups.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{DiffError, Which};
use crate::discover::{self, BackupDir};
use crate::error::Error;
use crate::read;

/// What the user named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pair {
    /// `diff OLD NEW`: each one backup folder.
    Folders { old: PathBuf, new: PathBuf },
    /// `diff PATH... --device NAME`: that device's two newest backups there.
    Device { paths: Vec<PathBuf>, device: String },
}

/// A backup to compare, with the date its plists give (none for an extracted tree or damaged plists).
pub(crate) struct Chosen {
    pub dir: BackupDir,
    pub date: Option<SystemTime>,
}

/// The one backup `path` is.
pub(crate) fn one_backup(path: &Path, side: Which) -> Result<Chosen, DiffError> {
    let mut found = discover::discover(&[path.to_path_buf()]);
    if let Some((at, e)) = found.errors.pop() {
        return Err(DiffError::of(Some(side), Some(at), &e));
    }
    let error = match found.backups.len() {
        1 => return Ok(chosen(found.backups.remove(0))),
        0 => Error::NoBackup {
            path: path.to_path_buf(),
        },
        n => Error::DiffNotOneBackup {
            path: path.to_path_buf(),
            found: n,
        },
    };
    Err(DiffError::of(Some(side), Some(path.to_path_buf()), &error))
}

fn chosen(dir: BackupDir) -> Chosen {
    let date = read::plists::read_device_info(&dir.path)
        .ok()
        .and_then(|i| i.last_backup);
    Chosen { dir, date }
}

/// The two newest backups of `device` under `paths`, older first: matched by device name, UDID or folder
/// name (ignoring case), from their plists alone.
pub(crate) fn device_pair(paths: &[PathBuf], device: &str) -> Result<(Chosen, Chosen), DiffError> {
    let found = discover::discover(paths);
    if let Some((at, e)) = found.errors.into_iter().next() {
        return Err(DiffError::of(None, Some(at), &e));
    }
    let wanted = device.trim();
    let mut known = Vec::new();
    let mut matching = Vec::new();
    for dir in found.backups {
        let info = read::plists::read_device_info(&dir.path).ok();
        let name = info.as_ref().and_then(|i| i.device_name.clone());
        let udid = info.as_ref().and_then(|i| i.udid.clone());
        let is = |s: &Option<String>| s.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(wanted));
        let name_shown = name.clone().unwrap_or_else(|| dir.id.clone());
        if !known.contains(&name_shown) {
            known.push(name_shown);
        }
        if is(&name) || is(&udid) || dir.id.eq_ignore_ascii_case(wanted) {
            let date = info.and_then(|i| i.last_backup);
            matching.push(Chosen { dir, date });
        }
    }
    if matching.len() < 2 {
        let error = Error::DiffTooFewBackups {
            wanted: wanted.to_string(),
            found: matching.len(),
            known,
        };
        return Err(DiffError::of(None, None, &error));
    }
    // Newest first; a backup without a date last, then by folder name for a stable choice.
    matching.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then_with(|| a.dir.path.cmp(&b.dir.path))
    });
    matching.truncate(2);
    let old = matching.remove(1);
    let new = matching.remove(0);
    Ok((old, new))
}
