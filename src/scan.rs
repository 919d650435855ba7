//! Runs the stages for every backup found: discover → read → attribute → estimate, one backup's failure not
//! stopping the rest.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::attribute::births::Window;
use crate::attribute::inside::Keep;
use crate::attribute::summary::{Contents, ReadBackup};
use crate::attribute::{self, BackupSummary, Format, Tally};
use crate::discover::{self, BackupDir, Layout, Skipped};
use crate::error::{Error, Result};
use crate::estimate::{EstimateOptions, EstimatedBackup};
use crate::read::open::{ManifestKind, Opening};
use crate::read::{self, DeviceInfo, DiskSizes, Manifest, ManifestFile};

/// A backup that was found but could not be (fully) reported.
#[derive(Debug, Clone, Serialize)]
pub struct BackupError {
    #[serde(serialize_with = "discover::serialize_path")]
    pub path: PathBuf,
    /// The error's stable code ([`Error::code`]).
    pub code: &'static str,
    /// The library's sentence; the command line may add how to act on it (`render::words`).
    pub message: String,
}

impl BackupError {
    pub fn new(path: PathBuf, error: &Error) -> Self {
        BackupError {
            path,
            code: error.code(),
            message: error.to_string(),
        }
    }
}

/// Everything a `scan` or `list` run found.
#[derive(Debug, Default, Serialize)]
pub struct ScanReport {
    pub backups: Vec<EstimatedBackup>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<BackupError>,
}

impl ScanReport {
    /// Encrypted backups listed without their contents because no password was given (a wrong one is an
    /// error already).
    pub fn locked(&self) -> impl Iterator<Item = &EstimatedBackup> {
        self.backups.iter().filter(|b| {
            b.summary.bytes.is_none() && !self.errors.iter().any(|e| e.path == b.summary.path)
        })
    }

    /// Counts each locked backup as not reported, for a command whose job is to read contents (`scan`,
    /// `plan`): one error each, so that the exit code and `errors` say what a script must know.
    pub fn count_locked_as_errors(&mut self) {
        let locked: Vec<BackupError> = self
            .locked()
            .map(|b| {
                let locked = Error::Locked {
                    device: b
                        .summary
                        .device_name
                        .clone()
                        .unwrap_or(b.summary.id.clone()),
                    path: b.summary.path.clone(),
                };
                BackupError::new(b.summary.path.clone(), &locked)
            })
            .collect();
        self.errors.extend(locked);
    }

    /// How many backups were read to their contents.
    pub fn read_count(&self) -> usize {
        self.backups
            .iter()
            .filter(|b| b.summary.bytes.is_some())
            .count()
    }
}

/// Reads again, asking for passwords this time, the locked backups that `wanted` picks: `plan` asks only for
/// the device it plans for, once it knows which that is.
pub fn read_locked_again(
    report: &mut ScanReport,
    options: &ScanOptions<'_>,
    wanted: impl Fn(&crate::attribute::BackupSummary) -> bool,
) {
    let picked: Vec<PathBuf> = report
        .locked()
        .filter(|b| wanted(&b.summary))
        .map(|b| b.summary.path.clone())
        .collect();
    for path in picked {
        let Some(dir) = discover::discover(std::slice::from_ref(&path))
            .backups
            .into_iter()
            .next()
        else {
            continue;
        };
        match scan_backup(&dir, options) {
            Ok(summary) => {
                if let Some(slot) = report.backups.iter_mut().find(|b| b.summary.path == path) {
                    *slot = EstimatedBackup::new(summary, &options.estimate);
                }
            }
            Err(e) => report.errors.push(BackupError::new(path, &e)),
        }
    }
    mark_archived_by_serial(&mut report.backups);
}

/// What the scan needs from whoever runs it: passwords for encrypted backups, and a word before slow work.
pub trait Interaction: Sync {
    /// The password for an encrypted backup, if the user gave one.
    fn password(&self, _backup: &BackupDir, _info: &DeviceInfo) -> Option<Zeroizing<String>> {
        None
    }
    /// Key derivation is about to run: seconds of CPU on a real backup (a chance to show a spinner).
    fn unlocking(&self, _device: &str) {}
    /// Key derivation has ended.
    fn unlocked(&self) {}
    /// Reading a manifest of `rows` rows (0: not known beforehand, e.g. an extracted tree) has begun: a
    /// chance to show a progress bar.
    fn reading(&self, _device: &str, _rows: u64) {}
    /// `rows` more rows were read; called from any thread.
    fn read_rows(&self, _rows: u64) {}
    /// The manifest has been read.
    fn read_done(&self) {}
}

/// No passwords, no progress: for tests and library users who only read plain backups.
pub struct Quiet;
impl Interaction for Quiet {}

/// How to scan.
pub struct ScanOptions<'a> {
    /// The clock backup ages are measured against.
    pub now: SystemTime,
    pub interaction: &'a dyn Interaction,
    /// What the user says about iCloud Photos and Messages in iCloud.
    pub estimate: EstimateOptions,
    /// Whether data files are only named (fast) or each measured with a stat (as slow as `du`).
    pub disk_sizes: DiskSizes,
    /// What to keep of each backup's folders and largest files, for looking inside; `None` for a scan.
    pub keep: Option<Keep>,
}

/// Finds the backups under `paths` and reads each one; what cannot be read is in `errors`.
pub fn scan_paths(paths: &[PathBuf], options: &ScanOptions<'_>) -> ScanReport {
    let found = discover::discover(paths);
    let mut report = ScanReport {
        skipped: found.skipped,
        errors: found
            .errors
            .into_iter()
            .map(|(path, e)| BackupError::new(path, &e))
            .collect(),
        ..ScanReport::default()
    };
    for dir in &found.backups {
        match scan_backup(dir, options) {
            Ok(summary) => report
                .backups
                .push(EstimatedBackup::new(summary, &options.estimate)),
            Err(e) => {
                // A backup that cannot be unlocked is still listed with what can be seen without the key.
                if matches!(e, Error::WrongPassword { .. } | Error::Encryption { .. }) {
                    if let Ok(summary) = scan_locked(dir, options.now) {
                        report
                            .backups
                            .push(EstimatedBackup::new(summary, &options.estimate));
                    }
                }
                report.errors.push(BackupError::new(dir.path.clone(), &e));
            }
        }
    }
    mark_archived_by_serial(&mut report.backups);
    report
}

/// [`attribute::summary::mark_archived_by_serial`] over the estimated backups (copies found by serial number
/// get their device's UDID).
/// Then each device's growth from its births is compared with its copies' rate.
fn mark_archived_by_serial(backups: &mut [EstimatedBackup]) {
    let mut summaries: Vec<_> = backups.iter_mut().map(|b| &mut b.summary).collect();
    attribute::summary::mark_archived_by_serial(&mut summaries);
    attribute::births::compare_copies(&mut summaries);
}

/// Reads one backup: the plists, then the manifest and the disk listing side by side.
pub fn scan_backup(dir: &BackupDir, options: &ScanOptions<'_>) -> Result<BackupSummary> {
    scan_backup_with(dir, options, &PerFile::NOTHING, |summary, (), _| summary)
}

/// What a caller folds every regular file into, beside the scan's own tally: one accumulator per slice of
/// the manifest, merged in table order.
pub struct PerFile<'a, A> {
    pub make: &'a (dyn Fn() -> A + Sync),
    pub visit: &'a (dyn Fn(&mut A, &ManifestFile<'_>) + Sync),
    pub merge: &'a (dyn Fn(&mut A, A) + Sync),
}

impl PerFile<'static, ()> {
    /// Nothing beside the tally.
    pub const NOTHING: PerFile<'static, ()> = PerFile {
        make: &|| (),
        visit: &|_, _| {},
        merge: &|_, _| {},
    };
}

/// Where a backup just read can be read again while it is still open (an encrypted manifest stays
/// unlocked): its manifest, its extracted tree, or nothing for a backup left locked.
pub enum Source<'a> {
    Manifest(&'a Manifest<'a>),
    Extracted(&'a BackupDir),
    Locked,
}

/// [`scan_backup`], with every regular file also folded into `per_file`; `then` gets the summary, that
/// accumulator and the backup's [`Source`], before the manifest is closed.
pub fn scan_backup_with<A: Send, R>(
    dir: &BackupDir,
    options: &ScanOptions<'_>,
    per_file: &PerFile<'_, A>,
    then: impl FnOnce(BackupSummary, A, Source<'_>) -> R,
) -> Result<R> {
    // Whatever failed (its plists missing, its manifest gone), a folder found a moment ago and gone now was
    // moved or deleted mid-scan: that is the news.
    read_backup(dir, options, per_file, then).map_err(|e| {
        match std::fs::symlink_metadata(&dir.path) {
            Err(gone) => vanished_or(&dir.path, gone),
            Ok(_) => e,
        }
    })
}

fn read_backup<A: Send, R>(
    dir: &BackupDir,
    options: &ScanOptions<'_>,
    per_file: &PerFile<'_, A>,
    then: impl FnOnce(BackupSummary, A, Source<'_>) -> R,
) -> Result<R> {
    if dir.layout != Layout::Backup {
        let (summary, acc) = scan_extracted(dir, options, per_file)?;
        return Ok(then(summary, acc, Source::Extracted(dir)));
    }
    let info = read::plists::read_device_info(&dir.path)?;
    let keys = KeysFor {
        interaction: options.interaction,
        dir,
    };
    match read::open::open(&dir.path, &dir.id, info, &keys)? {
        Opening::Locked { info } => Ok(then(
            summarize_locked(dir, info, options.now)?,
            (per_file.make)(),
            Source::Locked,
        )),
        Opening::Readable { info, manifest } => {
            let format = match manifest.kind {
                ManifestKind::Db => Format::ManifestDb,
                ManifestKind::Mbdb => Format::ManifestMbdb,
            };
            let opened = Manifest::open(manifest.source(), manifest.files_encrypted)?;
            let (summary, acc) = read_contents(dir, info, format, &opened, options, per_file)?;
            Ok(then(summary, acc, Source::Manifest(&opened)))
        }
    }
}

/// The interaction as unlocking sees it: passwords, and a word before key derivation.
struct KeysFor<'a> {
    interaction: &'a dyn Interaction,
    dir: &'a BackupDir,
}

impl read::open::Keyholder for KeysFor<'_> {
    fn password(&self, info: &DeviceInfo) -> Option<Zeroizing<String>> {
        self.interaction.password(self.dir, info)
    }
    fn deriving(&self, device: &str) {
        self.interaction.unlocking(device);
    }
    fn derived(&self) {
        self.interaction.unlocked();
    }
}

/// Streams the manifest into the tally while the disk is listed on the other core, then reconciles the two
/// and attributes.
fn read_contents<A: Send>(
    dir: &BackupDir,
    info: DeviceInfo,
    format: Format,
    manifest: &Manifest<'_>,
    options: &ScanOptions<'_>,
    per_file: &PerFile<'_, A>,
) -> Result<(BackupSummary, A)> {
    let device = info.device_name.clone().unwrap_or_else(|| dir.id.clone());
    let progress = ProgressOf {
        interaction: options.interaction,
        device: &device,
    };
    // Births are counted in the 24 months up to the backup's date, when the plists give one.
    let window = info
        .last_backup
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .map(Window::ending_at);
    let (disk, read) = rayon::join(
        || read::disk::list_backup_dir(&dir.path, options.disk_sizes),
        || {
            manifest.read(
                &progress,
                &|| (new_tally(options.keep, window), (per_file.make)()),
                &|(tally, acc): &mut (Tally, A), file| {
                    (per_file.visit)(acc, &file);
                    tally.add(file);
                },
                &|(tally, acc): &mut (Tally, A), (other, more)| {
                    tally.merge(other);
                    (per_file.merge)(acc, more);
                },
            )
        },
    );
    options.interaction.read_done();
    let disk = disk.map_err(|e| match e {
        Error::Io { path, err } if path == dir.path => vanished_or(&path, err),
        e => e,
    })?;
    let (stats, (tally, acc)) = read?;
    let reconciliation = read::reconcile(manifest, &stats, &disk, &dir.path)?;
    let (attribution, inside) = attribute::attribute(tally, &info.apps);
    let read = ReadBackup {
        dir,
        info,
        disk: &disk,
        format,
        contents: Contents::Manifest {
            stats: &stats,
            reconciliation,
        },
    };
    let summary = attribute::summary::summarize(read, attribution, options.now);
    Ok((with_inside(summary, inside), acc))
}

/// A tally that keeps what `keep` asks for, if anything, and counts births in `window`, if any.
fn new_tally(keep: Option<Keep>, window: Option<Window>) -> Tally {
    let tally = keep.map_or_else(Tally::default, Tally::keeping);
    match window {
        Some(window) => tally.with_births(window),
        None => tally,
    }
}

fn with_inside(
    mut summary: BackupSummary,
    inside: Option<attribute::inside::Inside>,
) -> BackupSummary {
    summary.inside = inside.map(std::sync::Arc::new);
    summary
}

/// Forwards a manifest's reading progress to the interaction, naming the device.
struct ProgressOf<'a> {
    interaction: &'a dyn Interaction,
    device: &'a str,
}

impl read::Progress for ProgressOf<'_> {
    fn total(&self, rows: u64) {
        self.interaction.reading(self.device, rows);
    }
    fn advance(&self, rows: u64) {
        self.interaction.read_rows(rows);
    }
}

/// A tree another tool extracted: no plists and no manifest, so sizes come from the file system and the
/// domain from each path.
fn scan_extracted<A: Send>(
    dir: &BackupDir,
    options: &ScanOptions<'_>,
    per_file: &PerFile<'_, A>,
) -> Result<(BackupSummary, A)> {
    let now = options.now;
    let progress = ProgressOf {
        interaction: options.interaction,
        device: &dir.id,
    };
    read::Progress::total(&progress, 0);
    // Each thread's tally carries its own ticker, so progress costs no shared counter per file.
    let (mut walk, (tally, _, acc)) = read::extracted::walk(
        &dir.path,
        dir.layout,
        // No backup date, so no window: an extracted file's birth is the day it was extracted anyway.
        &|| {
            let tally = new_tally(options.keep, None);
            (tally, read::Ticker::new(&progress), (per_file.make)())
        },
        &|(tally, ticker, acc): &mut (Tally, read::Ticker<'_>, A), file| {
            (per_file.visit)(acc, &file);
            tally.add(file);
            ticker.tick();
        },
        &|(tally, _, acc): &mut (Tally, read::Ticker<'_>, A), (other, _, more)| {
            tally.merge(other);
            (per_file.merge)(acc, more);
        },
    );
    options.interaction.read_done();
    if let Some(e) = walk.root_error {
        return Err(vanished_or(&dir.path, e));
    }
    let (attribution, inside) = attribute::attribute(tally, &read::AppCatalog::default());
    let disk = read::DiskListing {
        others: walk.files,
        sizes: DiskSizes::Measured,
        // Moved to the listing, where the summary reads it for every layout.
        unreadable: std::mem::take(&mut walk.unreadable),
        ..read::DiskListing::default()
    };
    let format = match dir.layout {
        Layout::ExtractedDevicePaths => Format::ExtractedDevicePaths,
        _ => Format::ExtractedDomains,
    };
    let read = ReadBackup {
        dir,
        // No plists: no device facts.
        info: DeviceInfo::default(),
        disk: &disk,
        format,
        contents: Contents::Extracted { walk: &walk },
    };
    let summary = attribute::summary::summarize(read, attribution, now);
    Ok((with_inside(summary, inside), acc))
}

/// A backup folder that was there when discovered and is gone now was moved or deleted during the scan.
fn vanished_or(path: &Path, e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::Vanished {
            path: path.to_path_buf(),
        },
        _ => Error::io(path, e),
    }
}

/// What can be said of a backup without reading its manifest: device facts and what it occupies on disk.
fn scan_locked(dir: &BackupDir, now: SystemTime) -> Result<BackupSummary> {
    let info = read::plists::read_device_info(&dir.path)?;
    summarize_locked(dir, info, now)
}

/// Without the manifest, data files can only be sized by measuring each one.
fn summarize_locked(dir: &BackupDir, info: DeviceInfo, now: SystemTime) -> Result<BackupSummary> {
    let disk = read::disk::list_backup_dir(&dir.path, DiskSizes::Measured)?;
    let read = ReadBackup {
        dir,
        disk: &disk,
        info,
        format: Format::ManifestDb,
        contents: Contents::Locked,
    };
    Ok(attribute::summary::summarize(read, Default::default(), now))
}
