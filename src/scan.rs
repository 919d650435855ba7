//! Runs the stages for every backup found: discover → read → attribute → estimate, one backup's failure not
//! stopping the rest.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::attribute::{self, summary::ReadBackup, BackupSummary, Format, Tally};
use crate::diagnostic::Warning;
use crate::discover::{self, BackupDir, Layout, Skipped};
use crate::error::{Error, Result};
use crate::estimate::{EstimateOptions, EstimatedBackup};
use crate::read::{self, crypto, DeviceInfo, DiskSizes, Manifest, ManifestSource};

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

/// [`attribute::summary::mark_archived_by_serial`] over the estimated backups.
fn mark_archived_by_serial(backups: &mut [EstimatedBackup]) {
    let mut summaries: Vec<_> = backups.iter_mut().map(|b| &mut b.summary).collect();
    attribute::summary::mark_archived_by_serial(&mut summaries);
}

/// Reads one backup: the plists, then the manifest and the disk listing side by side.
pub fn scan_backup(dir: &BackupDir, options: &ScanOptions<'_>) -> Result<BackupSummary> {
    // Whatever failed (its plists missing, its manifest gone), a folder found a moment ago and gone now was
    // moved or deleted mid-scan: that is the news.
    read_backup(dir, options).map_err(|e| match std::fs::symlink_metadata(&dir.path) {
        Err(gone) => vanished_or(&dir.path, gone),
        Ok(_) => e,
    })
}

fn read_backup(dir: &BackupDir, options: &ScanOptions<'_>) -> Result<BackupSummary> {
    if dir.layout != Layout::Backup {
        return scan_extracted(dir, options);
    }
    let info = read::plists::read_device_info(&dir.path)?;
    let manifest_db = dir.path.join("Manifest.db");
    // The format is decided by which manifest exists, never by the iOS version (10.0–10.2 already use
    // Manifest.db). An iOS 4–9 manifest is never encrypted, so it needs no password.
    // A folder, FIFO or device under either name is named for what it is, never opened.
    if !read::file_kind::regular_file(&manifest_db)? {
        let mbdb = dir.path.join("Manifest.mbdb");
        if !read::file_kind::regular_file(&mbdb)? {
            return Err(missing_manifest(&dir.path));
        }
        // As for Manifest.db: 0 bytes is a backup that never got to write its manifest.
        if std::fs::metadata(&mbdb).is_ok_and(|m| m.len() == 0) {
            return Err(Error::EmptyFile { path: mbdb });
        }
        let manifest = Manifest::open(ManifestSource::Mbdb(&mbdb), false)?;
        return read_contents(dir, info, Format::ManifestMbdb, &manifest, options);
    }
    // The IsEncrypted flag alone is not trusted: iOS 10.0–10.1 encrypted backups have no ManifestKey, and
    // decrypted copies (`mvt-ios decrypt-backup`) keep the flag but hold a plain Manifest.db.
    let plain_db = read::manifest_db::check_header(&manifest_db).is_ok();
    let decrypted_copy = info.encrypted && plain_db && info.manifest_key.is_some();
    let mut info = info;
    if decrypted_copy {
        info.warnings.push(Warning::DecryptedCopy);
    }
    let key = match (info.encrypted && !plain_db, &info.manifest_key) {
        (true, Some(_)) => match options.interaction.password(dir, &info) {
            Some(password) => Some(unlock(dir, &info, &password, options.interaction)?),
            None => return summarize_locked(dir, info, options.now),
        },
        _ => None,
    };
    let source = match &key {
        Some(key) => ManifestSource::Encrypted(&manifest_db, key),
        None => ManifestSource::Plain(&manifest_db),
    };
    // A decrypted copy holds decrypted files too; iOS 10.0–10.1 encrypted files under a plain manifest.
    let manifest = Manifest::open(source, info.encrypted && !decrypted_copy)?;
    read_contents(dir, info, Format::ManifestDb, &manifest, options)
}

/// Streams the manifest into the tally while the disk is listed on the other core, then reconciles the two
/// and attributes.
fn read_contents(
    dir: &BackupDir,
    info: DeviceInfo,
    format: Format,
    manifest: &Manifest<'_>,
    options: &ScanOptions<'_>,
) -> Result<BackupSummary> {
    let device = info.device_name.clone().unwrap_or_else(|| dir.id.clone());
    let progress = ProgressOf {
        interaction: options.interaction,
        device: &device,
    };
    let (disk, read) = rayon::join(
        || read::disk::list_backup_dir(&dir.path, options.disk_sizes),
        || {
            manifest.read(
                &progress,
                &Tally::default,
                &|tally: &mut Tally, file| tally.add(file),
                &|tally: &mut Tally, other| tally.merge(other),
            )
        },
    );
    options.interaction.read_done();
    let disk = disk.map_err(|e| match e {
        Error::Io { path, err } if path == dir.path => vanished_or(&path, err),
        e => e,
    })?;
    let (stats, tally) = read?;
    let reconciliation = read::reconcile(manifest, &stats, &disk, &dir.path)?;
    let attribution = attribute::attribute(tally, &info.apps);
    let read = ReadBackup {
        dir,
        info,
        disk: &disk,
        format,
        manifest: Some((&stats, reconciliation)),
    };
    Ok(attribute::summary::summarize(
        read,
        attribution,
        options.now,
    ))
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
fn scan_extracted(dir: &BackupDir, options: &ScanOptions<'_>) -> Result<BackupSummary> {
    let now = options.now;
    let progress = ProgressOf {
        interaction: options.interaction,
        device: &dir.id,
    };
    read::Progress::total(&progress, 0);
    // Each thread's tally carries its own ticker, so progress costs no shared counter per file.
    let (walk, (tally, _)) = read::extracted::walk(
        &dir.path,
        dir.layout,
        &|| (Tally::default(), read::Ticker::new(&progress)),
        &|(tally, ticker): &mut (Tally, read::Ticker<'_>), file| {
            tally.add(file);
            ticker.tick();
        },
        &|(tally, _): &mut (Tally, read::Ticker<'_>), (other, _)| tally.merge(other),
    );
    options.interaction.read_done();
    if let Some(e) = walk.root_error {
        return Err(vanished_or(&dir.path, e));
    }
    let attribution = attribute::attribute(tally, &read::AppCatalog::default());
    let mut info = DeviceInfo {
        // An extracted tree has no snapshot state: it holds whatever the exporter wrote.
        snapshot_state: Some("finished".into()),
        ..DeviceInfo::default()
    };
    info.warnings.push(Warning::ExtractedTree);
    if let Some(first) = walk.non_utf8_names.first() {
        info.warnings.push(Warning::NonUtf8Names {
            count: walk.non_utf8_names.len() as u64,
            example: first.display().to_string(),
        });
    }
    let disk = read::DiskListing {
        others: walk.files,
        sizes: DiskSizes::Measured,
        unreadable: walk.unreadable,
        ..read::DiskListing::default()
    };
    let stats = read::ManifestStats {
        rows: walk.files.files + walk.directories + walk.symlinks,
        files: walk.files,
        directories: walk.directories,
        symlinks: walk.symlinks,
        ..read::ManifestStats::default()
    };
    let format = match dir.layout {
        Layout::ExtractedDevicePaths => Format::ExtractedDevicePaths,
        _ => Format::ExtractedDomains,
    };
    let read = ReadBackup {
        dir,
        info,
        disk: &disk,
        format,
        manifest: Some((&stats, read::Reconciliation::default())),
    };
    Ok(attribute::summary::summarize(read, attribution, now))
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
pub fn scan_locked(dir: &BackupDir, now: SystemTime) -> Result<BackupSummary> {
    let info = read::plists::read_device_info(&dir.path)?;
    summarize_locked(dir, info, now)
}

/// Without the manifest, data files can only be sized by measuring each one.
fn summarize_locked(dir: &BackupDir, info: DeviceInfo, now: SystemTime) -> Result<BackupSummary> {
    let disk = read::disk::list_backup_dir(&dir.path, DiskSizes::Measured)?;
    let read = ReadBackup {
        dir,
        info,
        disk: &disk,
        format: Format::ManifestDb,
        manifest: None,
    };
    Ok(attribute::summary::summarize(read, Default::default(), now))
}

/// Password → class keys → the Manifest.db key.
fn unlock(
    dir: &BackupDir,
    info: &DeviceInfo,
    password: &str,
    interaction: &dyn Interaction,
) -> Result<crypto::Key> {
    let manifest_plist = dir.path.join("Manifest.plist");
    let problem = |p: String| Error::damaged_encryption(&manifest_plist, p);
    let bag = info
        .keybag
        .as_deref()
        .ok_or_else(|| problem("it has no BackupKeyBag".into()))?;
    let bag = crypto::Keybag::parse(bag).map_err(|e| problem(e.to_string()))?;
    let device = info.device_name.clone().unwrap_or_else(|| dir.id.clone());
    interaction.unlocking(&device);
    let derived = crypto::passcode_key(&bag, password.as_bytes());
    interaction.unlocked();
    let wrong = |e: crypto::UnlockError| match e {
        crypto::UnlockError::WrongPassword => Error::WrongPassword {
            device: device.clone(),
            path: dir.path.clone(),
        },
        other => problem(other.to_string()),
    };
    let class_keys = crypto::unwrap_class_keys(&bag, &derived.map_err(wrong)?).map_err(wrong)?;
    let manifest_key = info.manifest_key.as_deref().unwrap_or_default();
    crypto::manifest_key(manifest_key, &class_keys).map_err(wrong)
}

fn missing_manifest(dir: &Path) -> Error {
    Error::Io {
        path: dir.join("Manifest.db"),
        err: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the backup has no Manifest.db or Manifest.mbdb; it may not have finished: back up again in Finder or iTunes",
        ),
    }
}
