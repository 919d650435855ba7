//! Writes real-format synthetic iOS backups and a record of exactly what they contain, for tests.
//!
//! A backup is built in three steps: the catalog decides every row (domain, path, kind, size
//! and, for each regular file, the category and app it belongs to); the writers put that on
//! disk in the formats a device and Finder produce; the record sums the catalog into an
//! [`ExpectedBackup`]. The record never comes from reading the backup back, so a reader
//! tested against it is checked against an independent account of the same bytes.
//!
//! Everything is a function of the [`BackupSpec`]: no wall clock, no OS randomness, no hash
//! iteration order. The same spec gives the same record and byte-identical files.

mod births;
mod catalog;
mod clock;
mod content;
mod crypto;
mod earlier;
mod extracted;
mod manifest;
pub use manifest::{CREATE_FILES, CREATE_REST};
mod mbdb;
mod mbfile;
mod plists;
mod record;
mod rng;
mod sample;
mod shards;
#[cfg(test)]
mod tests;

use std::fs;
use std::io;
use std::path::Path;
use std::thread;

pub use clock::{archive_suffix, rfc3339, unix_from_utc};
pub use earlier::{
    earlier_copy, expected_diff, Earlier, ExpectedChange, ExpectedDiff, ExpectedRow,
};
pub use extracted::{
    device_root, expected_extracted_files, extracted_sample_spec, write_extracted,
    write_extracted_samples, ExtractedLayout, DEVICE_TREE_DIR, EXTRACTED_DOMAINS_DIR,
};
pub use record::{Counts, ExpectedApp, ExpectedBackup, SampleSet};
pub use sample::{
    sample_specs, write_sample_set, LEE_PASSWORD, MAYA_GROWN, MAYA_REMOVED, SAM_PASSWORD,
};

/// Whether the device finished the backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupState {
    /// Status.plist `SnapshotState` = `finished`.
    Finished,
    /// Interrupted: `SnapshotState` = `uploading`.
    Incomplete,
}

/// Which manifest a backup has, and with it the folder layout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// iOS 10+: `Manifest.db` (SQLite) and data files in shard folders `<fileID[0:2]>/<fileID>`.
    #[default]
    ManifestDb,
    /// iOS 4–9: `Manifest.mbdb` (binary records) and data files flat at `<fileID>`. Plain only.
    ManifestMbdb,
}

impl Format {
    /// The id the record (and a reader's JSON) uses: `manifest-db` or `manifest-mbdb`.
    pub fn id(self) -> &'static str {
        match self {
            Format::ManifestDb => "manifest-db",
            Format::ManifestMbdb => "manifest-mbdb",
        }
    }

    /// Where a data file named `id` lives, relative to the backup folder.
    pub(crate) fn data_rel(self, id: &str) -> String {
        match self {
            Format::ManifestDb => format!("{}/{id}", &id[..2]),
            Format::ManifestMbdb => id.to_owned(),
        }
    }
}

/// `DPIC` of a device's backup keybag: PBKDF2-HMAC-SHA256 rounds.
pub const DEVICE_DPIC: u32 = 10_000_000;
/// `ITER` of a device's backup keybag: PBKDF2-HMAC-SHA1 rounds.
pub const DEVICE_ITER: u32 = 10_000;

/// Whose bytes a [`SpecFile`] holds, as the record keys them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecOwner {
    /// A data type, by its record id (`maps`, `system`, …).
    Category(String),
    /// An apps-map entry: an installed app's bundle id, or a shared owner such as `vendor:Google`.
    App(String),
}

/// One file a spec names, written with exactly this `Size` and recorded under `owner`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecFile {
    pub domain: String,
    pub path: String,
    pub size: u64,
    pub owner: SpecOwner,
}

/// What one synthetic backup should look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSpec {
    /// `8hex-16hex` or 40 hex; names the folder and fills every identifier field.
    pub udid: String,
    /// Manifest.db with shard folders (iOS 10+), or Manifest.mbdb with a flat layout (iOS 4–9).
    pub format: Format,
    pub device_name: String,
    pub product_type: String,
    pub ios_version: String,
    pub build_version: String,
    pub serial_number: String,
    /// Unix seconds (UTC) of the backup; every date and file timestamp derives from it.
    pub last_backup: i64,
    /// Writes a real encrypted backup: a keybag locked with `password`, Manifest.db
    /// AES-256-CBC encrypted under `ManifestKey`, an `EncryptionKey` in every file's MBFile,
    /// and CBC-padded data files (real ciphertext for small files, a ciphertext-sized file
    /// for the rest).
    pub encrypted: bool,
    /// The backup password; required when `encrypted`, refused otherwise.
    pub password: Option<String>,
    /// Keybag `DPIC`: PBKDF2-HMAC-SHA256 rounds over the password (10,000,000 on a device).
    /// Tests use a few thousand; it dominates the cost of opening a backup.
    pub dpic: u32,
    /// Keybag `ITER`: PBKDF2-HMAC-SHA1 rounds over the first round's output (10,000 on a device).
    pub iter: u32,
    pub state: BackupState,
    /// Leave a `Snapshot/` folder behind, as an aborted backup does.
    pub snapshot_dir: bool,
    /// `Some("-20260901-101500")` makes this an archived copy in `<udid><suffix>`.
    pub archive_suffix: Option<String>,
    /// Makes this an earlier copy of a later backup of the same phone ([`earlier_copy`]): that backup's
    /// catalog as it stood at `last_backup`.
    pub earlier: Option<Earlier>,
    /// The generated phone: a fixed set of about 170 files that exercise every rule, pools
    /// that fill `files`, and the apps they belong to. Off, the backup holds only
    /// `spec_files` and `spec_apps`.
    pub phone_content: bool,
    /// Files the caller names, written besides (or instead of) the phone's.
    pub spec_files: Vec<SpecFile>,
    /// Bundle ids installed besides the phone's apps: listed in Info.plist and in Manifest.plist
    /// `Applications` with a `<last label of the id>.app` bundle folder, without iTunesMetadata.
    pub spec_apps: Vec<String>,
    /// Regular files of the phone content in the manifest. Values below the fixed set are
    /// raised to it. `spec_files` come on top.
    pub files: u64,
    /// Average `Size` of a regular file in bytes; sizes keep their proportions at any scale.
    pub avg_file_size: u64,
    /// Rows whose data file is not written.
    pub missing: u64,
    /// Shard files no row names: alternately a stray 40-hex file and a `<fileID>.upload`.
    pub orphans: u64,
    pub seed: u64,
    /// Extracted trees only ([`write_extracted`]): the root folder's name. `None` gives
    /// `<udid>-<layout id>`.
    pub extracted_name: Option<String>,
    /// Extracted trees only: add a few hard links (second names for existing files, counted
    /// once). Off for anything committed to git, which stores a hard link as two files.
    pub extracted_hard_links: bool,
}

impl Default for BackupSpec {
    /// Maya's iPhone at a modest scale; override fields with struct update syntax.
    fn default() -> Self {
        BackupSpec {
            udid: "00008120-001A2B3C4D5E6F70".into(),
            format: Format::ManifestDb,
            device_name: "Maya's iPhone".into(),
            product_type: "iPhone15,2".into(),
            ios_version: "18.1".into(),
            build_version: "22B83".into(),
            serial_number: "F4GXK2L9Q6ND".into(),
            last_backup: unix_from_utc(2026, 11, 20, 8, 15, 0),
            encrypted: false,
            password: None,
            dpic: DEVICE_DPIC,
            iter: DEVICE_ITER,
            state: BackupState::Finished,
            snapshot_dir: false,
            archive_suffix: None,
            earlier: None,
            phone_content: true,
            spec_files: Vec::new(),
            spec_apps: Vec::new(),
            files: 1_000,
            avg_file_size: 64 * 1024,
            missing: 0,
            orphans: 0,
            seed: 1,
            extracted_name: None,
            extracted_hard_links: false,
        }
    }
}

impl BackupSpec {
    /// The backup folder's name: the UDID, plus the archive suffix if any.
    pub fn folder_name(&self) -> String {
        format!(
            "{}{}",
            self.udid,
            self.archive_suffix.as_deref().unwrap_or("")
        )
    }

    /// The root folder of an extracted tree written from this spec.
    pub fn extracted_folder_name(&self, layout: ExtractedLayout) -> io::Result<String> {
        match &self.extracted_name {
            None => Ok(format!("{}-{}", self.folder_name(), layout.id())),
            Some(n) if n.is_empty() || n == "." || n == ".." || n.contains(['/', '\\']) => {
                Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("extracted folder name {n:?} is not a folder name"),
                ))
            }
            Some(n) => Ok(n.clone()),
        }
    }

    fn validate(&self) -> io::Result<()> {
        let bad = |why: String| Err(io::Error::new(io::ErrorKind::InvalidInput, why));
        if self.udid.is_empty()
            || !self
                .udid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return bad(format!(
                "UDID {:?} is not a folder-safe identifier",
                self.udid
            ));
        }
        if let Some(s) = &self.archive_suffix {
            if s.contains(['/', '\\']) || s.contains("..") {
                return bad(format!("archive suffix {s:?} is not a folder-name suffix"));
            }
        }
        match (self.encrypted, &self.password) {
            (true, None) => return bad("an encrypted backup needs a password".into()),
            (true, Some(p)) if p.is_empty() => {
                return bad("an encrypted backup needs a non-empty password".into())
            }
            (false, Some(_)) => return bad("a password was given for a plain backup".into()),
            _ => {}
        }
        if self.encrypted && self.format == Format::ManifestMbdb {
            return bad("the generator writes Manifest.mbdb backups unencrypted only".into());
        }
        if self.encrypted && (self.dpic == 0 || self.iter == 0) {
            return bad(format!(
                "iteration counts must be at least 1 (DPIC {}, ITER {})",
                self.dpic, self.iter
            ));
        }
        earlier::validate(self)?;
        if self.last_backup < 0 {
            return bad(format!("last_backup {} is before 1970", self.last_backup));
        }
        let mut seen = std::collections::HashSet::new();
        for f in &self.spec_files {
            if let SpecOwner::Category(id) = &f.owner {
                if catalog::Category::from_id(id).is_none() {
                    return bad(format!("{id:?} is not a category id"));
                }
            }
            if let Some(app) = f.domain.strip_prefix("AppDomain-") {
                let phone = self.phone_content && content::APPS.iter().any(|a| a.id == app);
                if !phone && !self.spec_apps.iter().any(|a| a == app) {
                    return bad(format!("{} is not an installed app", f.domain));
                }
            }
            if !seen.insert((&f.domain, &f.path)) {
                return bad(format!("{} {} is named twice", f.domain, f.path));
            }
        }
        Ok(())
    }

    fn shape(&self) -> catalog::Shape {
        catalog::Shape {
            phone_content: self.phone_content,
            spec_files: self.spec_files.clone(),
            files: self.files,
            avg_file_size: self.avg_file_size,
            seed: self.seed,
            last_backup: self.last_backup,
            earlier: self.earlier,
        }
    }
}

/// AES-CBC with PKCS#7 always adds 1 to 16 bytes: `16 * floor(n / 16) + 16`.
pub(crate) fn padded_len(n: u64) -> u64 {
    n / 16 * 16 + 16
}

fn write_new(path: &Path, bytes: &[u8]) -> io::Result<u64> {
    fs::write(path, bytes)
        .map_err(|e| io::Error::new(e.kind(), format!("writing {}: {e}", path.display())))?;
    Ok(bytes.len() as u64)
}

/// One regular file as the generator writes it: the per-file record that looking inside a backup (its
/// largest files, its folders) is checked against. Not part of [`ExpectedBackup`], which stays small enough
/// to commit; computed again from the spec, as the writer computes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedFile {
    pub domain: String,
    pub path: String,
    /// MBFile `Size`.
    pub size: u64,
    /// MBFile `LastModified` and `Birth` (Unix seconds); the mbdb record's first and third times.
    pub modified: i64,
    pub birth: i64,
    /// Whether its data file was written (a partial backup leaves some out).
    pub on_disk: bool,
    /// The data type id it is counted in, and the key of the apps map it rolls into, if any.
    pub category: String,
    pub app: Option<String>,
}

/// Every regular file [`write_backup`] writes for `spec`, in catalog order.
pub fn expected_files(spec: &BackupSpec) -> io::Result<Vec<ExpectedFile>> {
    spec.validate()?;
    let mut cat = catalog::build(&spec.shape());
    if spec.format == Format::ManifestMbdb {
        mbdb::decompose_paths(&mut cat);
    }
    let plan = shards::plan(&cat, spec)?;
    Ok(cat
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_file())
        .map(|(i, e)| {
            let label = cat.labels[e.label as usize];
            ExpectedFile {
                domain: cat.domains[e.domain as usize].clone(),
                path: e.path.clone(),
                size: e.size(),
                modified: e.meta.modified,
                birth: e.meta.birth,
                on_disk: !plan.missing.contains(&i),
                category: label.category.id().to_string(),
                app: label.owner.map(|o| cat.owners[o as usize].key.clone()),
            }
        })
        .collect())
}

/// Writes `parent/<spec.folder_name()>/` and returns the record of what it holds.
///
/// Refuses to write into an existing folder, so a record never describes a mix of runs.
/// Manifest.db and the data files are written on two threads at once. For an encrypted
/// spec the password's key derivation runs first (seconds at a device's iteration counts).
pub fn write_backup(parent: &Path, spec: &BackupSpec) -> io::Result<ExpectedBackup> {
    spec.validate()?;
    let keys = match (&spec.password, spec.encrypted) {
        (Some(password), true) => Some(crypto::Keys::generate(
            spec.seed, password, spec.dpic, spec.iter,
        )?),
        _ => None,
    };
    let keys = keys.as_ref();
    let folder = parent.join(spec.folder_name());
    fs::create_dir_all(parent)?;
    fs::create_dir(&folder)
        .map_err(|e| io::Error::new(e.kind(), format!("creating {}: {e}", folder.display())))?;

    let mut cat = catalog::build(&spec.shape());
    if spec.format == Format::ManifestMbdb {
        // Old devices store names decomposed; the NFC spelling of a name they also hold goes.
        mbdb::decompose_paths(&mut cat);
    }
    let plan = shards::plan(&cat, spec)?;

    let db_path = folder.join(match spec.format {
        Format::ManifestDb => "Manifest.db",
        Format::ManifestMbdb => "Manifest.mbdb",
    });
    let db_len = thread::scope(|s| {
        // Creating the data files is mostly kernel time; it overlaps with SQLite's CPU time.
        let data = s.spawn(|| shards::write_data(&folder, &cat, &plan, spec, keys));
        let db = match spec.format {
            Format::ManifestDb => manifest::write_plain(&db_path, &cat, spec.seed, keys),
            Format::ManifestMbdb => mbdb::write(&db_path, &cat, spec.seed),
        };
        let data = data
            .join()
            .map_err(|_| io::Error::other("the data-file writer thread panicked"))?;
        data.and(db)
    })?;
    // The length comes from the file SQLite wrote: page layout is SQLite's business, not the
    // catalog's. Everything else in the record is computed, not measured.
    let db_len = match keys {
        Some(keys) => manifest::encrypt_in_place(&db_path, keys)?,
        None => db_len,
    };
    shards::write_extras(&folder, &plan, spec)?;

    let mut disk_bytes = db_len;
    disk_bytes += write_new(&folder.join("Info.plist"), &plists::info(spec)?)?;
    disk_bytes += write_new(
        &folder.join("Manifest.plist"),
        &plists::manifest(spec, &cat, keys)?,
    )?;
    disk_bytes += write_new(&folder.join("Status.plist"), &plists::status(spec)?)?;
    let mut disk_files = 4;

    for (i, e) in cat.entries.iter().enumerate() {
        if e.is_file() && !plan.missing.contains(&i) {
            disk_files += 1;
            disk_bytes += shards::disk_len(e.size(), spec.encrypted);
        }
    }
    for x in plan.orphans.iter().chain(&plan.snapshot) {
        disk_files += 1;
        disk_bytes += x.len;
    }

    // The figures are what a reader finds in the (decrypted) Manifest.db or the Manifest.mbdb:
    // the same for an encrypted backup as for a plain one. A reader without the password
    // cannot know them.
    let sums = record::manifest_sums(&cat);
    Ok(ExpectedBackup {
        id: spec.folder_name(),
        format: spec.format.id().into(),
        udid: spec.udid.clone(),
        device_name: spec.device_name.clone(),
        product_type: spec.product_type.clone(),
        ios_version: spec.ios_version.clone(),
        last_backup: rfc3339(spec.last_backup),
        encrypted: spec.encrypted,
        password: spec.password.clone(),
        state: match spec.state {
            BackupState::Finished => "finished".into(),
            BackupState::Incomplete => "incomplete".into(),
        },
        archived: spec.archive_suffix.is_some(),
        bytes: Some(sums.bytes),
        files: Some(sums.files),
        directories: Some(sums.directories),
        symlinks: Some(sums.symlinks),
        disk_bytes,
        disk_files,
        missing: plan.missing_counts(&cat),
        orphans: plan.orphan_counts(),
        apps: sums.apps,
        categories: sums.categories,
        subsets: sums.subsets,
        domains: sums.domains,
    })
}
