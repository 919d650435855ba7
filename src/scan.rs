//! Runs the stages for every backup found: discover → read → attribute, one backup's failure not stopping the rest.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use crate::attribute::{self, summary::ReadBackup, BackupSummary, Tally};
use crate::discover::{self, BackupDir, Skipped};
use crate::error::{Error, Result};
use crate::read;

/// A backup that was found but could not be reported.
#[derive(Debug, Clone, Serialize)]
pub struct BackupError {
    pub path: PathBuf,
    pub error: String,
}

/// Everything a `scan` or `list` run found.
#[derive(Debug, Default, Serialize)]
pub struct ScanReport {
    pub backups: Vec<BackupSummary>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<BackupError>,
}

/// Finds the backups under `paths` and reads each one. Fails only when nothing can be looked at.
pub fn scan_paths(paths: &[PathBuf], now: SystemTime) -> Result<ScanReport> {
    let found = discover::discover(paths)?;
    let mut report = ScanReport {
        skipped: found.skipped,
        ..ScanReport::default()
    };
    for dir in &found.backups {
        match scan_backup(dir, now) {
            Ok(summary) => report.backups.push(summary),
            Err(e) => report.errors.push(BackupError {
                path: dir.path.clone(),
                error: e.to_string(),
            }),
        }
    }
    Ok(report)
}

/// Reads one backup: the plists, then the manifest and the disk listing side by side.
pub fn scan_backup(dir: &BackupDir, now: SystemTime) -> Result<BackupSummary> {
    let info = read::plists::read_device_info(&dir.path)?;
    let manifest_db = dir.path.join("Manifest.db");

    if info.encrypted {
        let disk = read::disk::list_backup_dir(&dir.path)?;
        let read = ReadBackup {
            dir,
            info,
            disk: &disk,
            manifest: None,
        };
        return Ok(attribute::summary::summarize(read, Default::default(), now));
    }
    if !manifest_db.is_file() {
        return Err(missing_manifest(&dir.path));
    }

    let (disk, manifest) = rayon::join(
        || read::disk::list_backup_dir(&dir.path),
        || {
            let mut tally = Tally::default();
            read::read_manifest_db(&manifest_db, |file| tally.add(file)).map(|stats| (stats, tally))
        },
    );
    let disk = disk?;
    let (stats, tally) = manifest?;
    let reconciliation = read::reconcile(&stats, &disk);
    let attribution = attribute::attribute(tally, &info.apps);
    let read = ReadBackup {
        dir,
        info,
        disk: &disk,
        manifest: Some((&stats, reconciliation)),
    };
    Ok(attribute::summary::summarize(read, attribution, now))
}

fn missing_manifest(dir: &Path) -> Error {
    if dir.join("Manifest.mbdb").is_file() {
        Error::Unsupported {
            path: dir.to_path_buf(),
            what:
                "an iOS 4–9 backup (Manifest.mbdb); cloudfit reads iOS 10 and later backups for now"
                    .into(),
        }
    } else {
        Error::Io {
            path: dir.join("Manifest.db"),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the backup has no Manifest.db; it may not have finished: back up again in Finder or iTunes",
            ),
        }
    }
}
