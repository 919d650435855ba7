//! The per-backup summary: device facts, totals, reconciliation with the disk, and the attribution.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::{AppUsage, Attribution, CategoryUsage, DomainUsage, SubsetUsage};
use crate::diagnostic::Warning;
use crate::discover::BackupDir;
use crate::read::extracted::WalkStats;
use crate::read::{
    product, Counts, DeviceInfo, DiskListing, DiskSizes, ManifestStats, Reconciliation,
};

/// Whether the last backup completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackupState {
    Finished,
    Incomplete,
}

/// The on-disk layout a backup was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// iOS 10 and later: `Manifest.db` and shard folders.
    ManifestDb,
    /// iOS 4–9: `Manifest.mbdb` and data files flat in the backup folder.
    ManifestMbdb,
    /// Extracted by another tool as `<domain>/<relativePath>`.
    ExtractedDomains,
    /// Extracted as device paths (`private/var/mobile/…`).
    ExtractedDevicePaths,
}

/// Everything cloudfit reports about one backup. Field order is the JSON order (see README).
#[derive(Debug, Clone, Serialize)]
pub struct BackupSummary {
    pub id: String,
    #[serde(serialize_with = "crate::discover::serialize_path")]
    pub path: PathBuf,
    pub udid: Option<String>,
    /// Tells an archived copy whose plists name it oddly from another device; not shown.
    #[serde(skip)]
    pub serial_number: Option<String>,
    pub device_name: Option<String>,
    pub product_type: Option<String>,
    pub product_name: Option<String>,
    pub ios_version: Option<String>,
    /// RFC 3339, UTC.
    pub last_backup: Option<String>,
    pub age_days: Option<i64>,
    pub encrypted: bool,
    /// Whether the contents were read: false for an encrypted backup cloudfit cannot open yet.
    pub decrypted: bool,
    pub state: BackupState,
    pub archived: bool,
    pub format: Format,
    /// Regular files in the manifest (sum of MBFile `Size`), missing ones included; null when unread.
    pub bytes: Option<u64>,
    pub files: Option<u64>,
    pub directories: Option<u64>,
    pub symlinks: Option<u64>,
    /// Apparent bytes of every file under the backup folder.
    pub disk_bytes: u64,
    pub disk_files: u64,
    /// How data files were sized for `disk_bytes`: `from-manifest` (named on disk, lengths from the
    /// manifest) or `measured` (a stat each).
    pub disk_sizes: DiskSizes,
    pub missing: Counts,
    pub orphans: Counts,
    /// Files whose length on disk differs from the manifest's (only looked for when measured).
    pub resized: Counts,
    pub apps: Vec<AppUsage>,
    pub categories: Vec<CategoryUsage>,
    /// Slices of data types that Apple's rules treat apart (already counted in `categories`).
    pub subsets: Vec<SubsetUsage>,
    pub domains: Vec<DomainUsage>,
    /// How fast the phone accumulates data, from its files' birth dates; null without them (an extracted
    /// tree, a locked backup).
    pub growth: Option<super::births::Growth>,
    /// Things the user should know that did not stop the scan.
    pub warnings: Vec<Warning>,
    /// Unix seconds of `last_backup`, for sorting and age; not part of the JSON.
    #[serde(skip)]
    pub last_backup_time: Option<SystemTime>,
    /// Its folders and largest files, when the scan was asked to keep them (`top`, `tree`, `report`).
    #[serde(skip)]
    pub inside: Option<std::sync::Arc<super::inside::Inside>>,
}

/// What was read about one backup, gathered for [`summarize`].
pub struct ReadBackup<'a> {
    pub dir: &'a BackupDir,
    /// The plists' facts; empty for an extracted tree, which has no plists.
    pub info: DeviceInfo,
    pub disk: &'a DiskListing,
    pub format: Format,
    pub contents: Contents<'a>,
}

/// Where a backup's file figures come from.
pub enum Contents<'a> {
    /// A backup folder whose manifest was read, reconciled with the disk.
    Manifest {
        stats: &'a ManifestStats,
        reconciliation: Reconciliation,
    },
    /// A backup folder whose manifest was not read (encrypted, not unlocked): the plists and the disk.
    Locked,
    /// A tree another tool extracted: no plists, no manifest; what the walk of its files found.
    Extracted { walk: &'a WalkStats },
}

/// Unreadable folders and files named one by one in the warnings; more are counted.
const UNREADABLE_NAMED: usize = 5;

/// The device UDID of the backup in folder `id` and whether it is an archived copy. Finder's archived copies
/// are named `<UDID>-<date>-<time>` ([`discover::archived_base`]); the name only proposes the device, the
/// plists must agree. A copy may carry the whole folder name (suffix and all) as its Unique Identifier:
/// then it is that device's copy too, and its UDID the device's. Copies whose plists name another id are
/// matched by serial number later ([`mark_archived_by_serial`]).
fn archived_identity(id: &str, udid: Option<String>) -> (Option<String>, bool) {
    let Some(udid) = udid else {
        return (None, false);
    };
    // Any suffix after the plists' UDID, as before: the date format is not confirmed.
    let head_is_udid = id
        .get(..udid.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(&udid))
        && id.as_bytes().get(udid.len()) == Some(&b'-')
        && id.len() > udid.len() + 1;
    if head_is_udid {
        return (Some(udid), true);
    }
    match crate::discover::archived_base(id) {
        Some(base)
            if udid.eq_ignore_ascii_case(id)
                || crate::discover::archived_base(&udid)
                    .is_some_and(|b| b.eq_ignore_ascii_case(base)) =>
        {
            (Some(base.to_string()), true)
        }
        _ => (Some(udid), false),
    }
}

/// A folder named as an archived copy of device X whose plists name some other id is still X's copy when its
/// serial number is that of a backup of X: marked archived, with X's UDID.
pub fn mark_archived_by_serial(backups: &mut [&mut BackupSummary]) {
    let devices: Vec<(String, String)> = backups
        .iter()
        .filter_map(|b| Some((b.udid.clone()?, b.serial_number.clone()?)))
        .collect();
    for b in backups.iter_mut().filter(|b| !b.archived) {
        let (Some(base), Some(serial)) = (crate::discover::archived_base(&b.id), &b.serial_number)
        else {
            continue;
        };
        let same_device = devices
            .iter()
            .any(|(udid, s)| udid.eq_ignore_ascii_case(base) && s.eq_ignore_ascii_case(serial));
        if same_device {
            b.udid = Some(base.to_string());
            b.archived = true;
        }
    }
}

pub fn summarize(read: ReadBackup<'_>, attribution: Attribution, now: SystemTime) -> BackupSummary {
    let ReadBackup {
        dir,
        mut info,
        disk,
        format,
        contents,
    } = read;
    let mut warnings = std::mem::take(&mut info.warnings);
    let extracted = matches!(contents, Contents::Extracted { .. });
    if let Contents::Extracted { walk } = &contents {
        warnings.push(Warning::ExtractedTree);
        if let Some(first) = walk.non_utf8_names.first() {
            warnings.push(Warning::NonUtf8Names {
                count: walk.non_utf8_names.len() as u64,
                example: first.display().to_string(),
            });
        }
    }

    // An extracted tree has no snapshot state: it holds whatever the exporter wrote.
    let finished =
        extracted || info.snapshot_state.as_deref() == Some("finished") && !disk.has_snapshot_dir;
    if disk.has_snapshot_dir {
        warnings.push(Warning::SnapshotLeftOver);
    } else if let Some(state) = info.snapshot_state.as_deref().filter(|s| *s != "finished") {
        warnings.push(Warning::NotFinished {
            state: state.to_string(),
        });
    }
    let (udid, archived) = archived_identity(&dir.id, info.udid);
    if disk.manifest_wal_bytes > 0 && matches!(contents, Contents::Manifest { .. }) {
        warnings.push(Warning::WalPending {
            bytes: disk.manifest_wal_bytes,
        });
    }
    // A few named, the rest counted: a tree of unreadable folders must not bury the other warnings.
    for (path, problem) in disk.unreadable.iter().take(UNREADABLE_NAMED) {
        warnings.push(Warning::Unreadable {
            path: path.display().to_string(),
            problem: problem.clone(),
        });
    }
    if disk.unreadable.len() > UNREADABLE_NAMED {
        warnings.push(Warning::MoreUnreadable {
            count: (disk.unreadable.len() - UNREADABLE_NAMED) as u64,
        });
    }

    let mut on_disk = disk.others;
    let mut disk_sizes = disk.sizes;
    let none = Counts::default();
    let (bytes, files, directories, symlinks, missing, orphans, resized) = match &contents {
        // Sized from the file system as it walked: nothing to reconcile.
        Contents::Extracted { walk } => (
            Some(walk.files.bytes),
            Some(walk.files.files),
            Some(walk.directories),
            Some(walk.symlinks),
            none,
            none,
            none,
        ),
        Contents::Manifest {
            stats,
            reconciliation: rec,
        } => {
            if stats.unreadable_rows > 0 {
                warnings.push(Warning::UndecodableRows {
                    rows: stats.unreadable_rows,
                    examples: stats.problems.clone(),
                });
            }
            if rec.resized.files > 0 {
                warnings.push(Warning::Resized {
                    files: rec.resized.files,
                    bytes: rec.resized.bytes,
                });
            }
            on_disk.merge(rec.data_on_disk);
            (
                Some(stats.files.bytes),
                Some(stats.files.files),
                Some(stats.directories),
                Some(stats.symlinks),
                rec.missing,
                rec.orphans,
                rec.resized,
            )
        }
        Contents::Locked => {
            if info.encrypted {
                warnings.push(Warning::Encrypted);
            }
            // Without the manifest the disk is all there is: its data files were measured.
            on_disk.merge(disk.data.total());
            disk_sizes = DiskSizes::Measured;
            (None, None, None, None, none, none, none)
        }
    };

    let product_name = info.product_type.as_deref().map(|pt| {
        product::product_name(pt)
            .map(str::to_string)
            .unwrap_or_else(|| product::device_family(pt).to_string())
    });
    let age_days = info.last_backup.map(|t| match now.duration_since(t) {
        Ok(d) => (d.as_secs() / 86_400) as i64,
        Err(e) => -((e.duration().as_secs() / 86_400) as i64),
    });

    BackupSummary {
        inside: None,
        id: dir.id.clone(),
        path: dir.path.clone(),
        udid,
        serial_number: info.serial_number,
        device_name: info.device_name,
        product_type: info.product_type,
        product_name,
        ios_version: info.ios_version,
        last_backup: info.last_backup.map(rfc3339),
        age_days,
        encrypted: info.encrypted,
        decrypted: !matches!(contents, Contents::Locked),
        state: if finished {
            BackupState::Finished
        } else {
            BackupState::Incomplete
        },
        archived,
        format,
        bytes,
        files,
        directories,
        symlinks,
        disk_bytes: on_disk.bytes,
        disk_files: on_disk.files,
        disk_sizes,
        missing,
        orphans,
        resized,
        growth: attribution.births.as_ref().and_then(|(window, births)| {
            births.growth(window, |id| {
                attribution
                    .apps
                    .iter()
                    .find(|a| a.bundle_id == id)
                    .map_or_else(|| id.to_string(), |a| a.name.clone())
            })
        }),
        apps: attribution.apps,
        categories: attribution.categories,
        subsets: attribution.subsets,
        domains: attribution.domains,
        warnings,
        last_backup_time: info.last_backup,
    }
}

fn rfc3339(t: SystemTime) -> String {
    // Dates before 1970 cannot be formatted by humantime and do not occur in backups; clamp rather than fail.
    let t = t.max(SystemTime::UNIX_EPOCH + Duration::from_secs(0));
    humantime::format_rfc3339_seconds(t).to_string()
}
