//! Reads a backup folder: its plists, its manifest (streamed) and its on-disk listing.

// The reader's own modules are the crate's business; the `reference` feature opens them to the tools that
// test them from outside: the fuzz crate (`tests/fuzz`), the seed writer and the benches' examples. Written
// out in pairs (not by a macro) so that rustfmt and cargo fmt --check still see every file.
#[cfg(feature = "reference")]
pub mod bplist;
#[cfg(not(feature = "reference"))]
pub(crate) mod bplist;
#[cfg(feature = "reference")]
pub mod btree;
#[cfg(not(feature = "reference"))]
pub(crate) mod btree;
#[cfg(feature = "reference")]
pub mod crypto;
#[cfg(not(feature = "reference"))]
pub(crate) mod crypto;
#[cfg(feature = "reference")]
pub mod digest;
#[cfg(not(feature = "reference"))]
pub(crate) mod digest;
#[cfg(feature = "reference")]
pub mod disk;
#[cfg(not(feature = "reference"))]
pub(crate) mod disk;
#[cfg(feature = "reference")]
pub mod domains;
#[cfg(not(feature = "reference"))]
pub(crate) mod domains;
#[cfg(feature = "reference")]
pub mod extracted;
#[cfg(not(feature = "reference"))]
pub(crate) mod extracted;
#[cfg(feature = "reference")]
pub mod file_kind;
#[cfg(not(feature = "reference"))]
pub(crate) mod file_kind;
/// Fuzz harnesses: for the fuzz crate and the seed replay tests, never in the product.
#[cfg(any(test, feature = "reference"))]
pub mod fuzz;
#[cfg(feature = "reference")]
pub mod manifest;
#[cfg(not(feature = "reference"))]
pub(crate) mod manifest;
#[cfg(feature = "reference")]
pub mod manifest_db;
#[cfg(not(feature = "reference"))]
pub(crate) mod manifest_db;
#[cfg(feature = "reference")]
pub mod mbdb;
#[cfg(not(feature = "reference"))]
pub(crate) mod mbdb;
#[cfg(feature = "reference")]
pub mod mbfile;
#[cfg(not(feature = "reference"))]
pub(crate) mod mbfile;
#[cfg(feature = "reference")]
pub mod open;
#[cfg(not(feature = "reference"))]
pub(crate) mod open;
#[cfg(feature = "reference")]
pub mod plist_value;
#[cfg(not(feature = "reference"))]
pub(crate) mod plist_value;
#[cfg(feature = "reference")]
pub mod plists;
#[cfg(not(feature = "reference"))]
pub(crate) mod plists;
#[cfg(feature = "reference")]
pub mod product;
#[cfg(not(feature = "reference"))]
pub(crate) mod product;
#[cfg(feature = "reference")]
pub mod reconcile;
#[cfg(not(feature = "reference"))]
pub(crate) mod reconcile;

use serde::Serialize;

pub use digest::{Digests, ShardSet};
pub use disk::{Counts, DiskListing, DiskSizes, FileKey};
pub use manifest::{Manifest, ManifestSource};
pub use plists::{AppCatalog, DeviceInfo};
pub use reconcile::{reconcile, Reconciliation};

/// One regular file of the manifest, as the attribution stage sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ManifestFile<'a> {
    pub domain: &'a str,
    pub relative_path: &'a str,
    /// MBFile `Size`: the file's logical size on the phone.
    pub size: u64,
    /// The fileID that names its data in the backup folder; `None` in an extracted tree (found by path) or
    /// when the row's fileID is not 40 hex digits.
    pub key: Option<FileKey>,
    /// When it was last changed and first made on the phone, Unix seconds: MBFile `LastModified` and
    /// `Birth`, an mbdb record's times, an extracted file's modification time (its birth there is the day it
    /// was extracted, so `None`).
    pub modified: Option<i64>,
    pub birth: Option<i64>,
}

/// How many sample problems to keep when many rows are bad: enough to act on, not a flood.
const SAMPLE_PROBLEMS: usize = 3;

/// What streaming the manifest found, besides the files handed to the visitor.
#[derive(Debug, Default, Serialize)]
pub struct ManifestStats {
    pub rows: u64,
    pub files: Counts,
    pub directories: u64,
    pub symlinks: u64,
    /// Rows with flags 16, no domain, or an unknown type: not files, never counted.
    pub ignored_rows: u64,
    /// File rows whose MBFile could not be decoded: their bytes are unknown.
    pub unreadable_rows: u64,
    /// A few of the unreadable rows' problems, for the message.
    pub problems: Vec<String>,
    /// Regular files fingerprinted per shard, with the length each should have on disk.
    #[serde(skip)]
    pub shards: Digests,
    /// Regular files whose fileID is not 40 hex digits: they cannot be located on disk, so count as missing.
    pub unlocatable: Counts,
}

impl ManifestStats {
    /// Counts a regular file; one without a usable fileID cannot be found on disk, so it counts as missing.
    fn add_file(&mut self, key: Option<FileKey>, size: u64, encrypted: bool) {
        self.files.add(size);
        match key {
            Some(key) => self.shards.add(&key, Some(disk_len(size, encrypted))),
            None => self.unlocatable.add(size),
        }
    }

    fn problem(&mut self, problem: impl FnOnce() -> String) {
        self.unreadable_rows += 1;
        if self.problems.len() < SAMPLE_PROBLEMS {
            self.problems.push(problem());
        }
    }

    /// Adds the figures of a later slice of the manifest.
    fn merge(&mut self, other: ManifestStats) {
        self.rows += other.rows;
        self.files.merge(other.files);
        self.directories += other.directories;
        self.symlinks += other.symlinks;
        self.ignored_rows += other.ignored_rows;
        self.unreadable_rows += other.unreadable_rows;
        let room = SAMPLE_PROBLEMS.saturating_sub(self.problems.len());
        self.problems.extend(other.problems.into_iter().take(room));
        self.shards.merge(&other.shards);
        self.unlocatable.merge(other.unlocatable);
    }
}

/// The length a file of `size` bytes has in the backup folder: encrypted files are AES-CBC with PKCS#7
/// padding, 1 to 16 bytes more.
pub fn disk_len(size: u64, encrypted: bool) -> u64 {
    if encrypted {
        (size / 16 + 1).saturating_mul(16)
    } else {
        size
    }
}

/// Told how far reading a manifest has got, from any thread.
pub trait Progress: Sync {
    /// The number of rows there are to read; 0 when it is not known beforehand.
    fn total(&self, _rows: u64) {}
    /// `rows` more rows were read.
    fn advance(&self, _rows: u64) {}
}

/// Progress that goes nowhere.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Counts rows for a [`Progress`] and reports them in steps, so threads seldom touch the shared bar; what
/// is left is reported when the ticker is dropped.
pub struct Ticker<'p> {
    progress: &'p dyn Progress,
    unreported: u64,
}

impl<'p> Ticker<'p> {
    /// Rows counted between two reports.
    const STEP: u64 = 16_384;

    pub fn new(progress: &'p dyn Progress) -> Self {
        Ticker {
            progress,
            unreported: 0,
        }
    }

    /// One more row.
    pub fn tick(&mut self) {
        self.unreported += 1;
        if self.unreported == Self::STEP {
            self.progress.advance(self.unreported);
            self.unreported = 0;
        }
    }
}

impl Drop for Ticker<'_> {
    fn drop(&mut self) {
        self.progress.advance(self.unreported);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_files_are_padded_by_one_to_sixteen_bytes() {
        assert_eq!(disk_len(0, true), 16);
        assert_eq!(disk_len(15, true), 16);
        assert_eq!(disk_len(16, true), 32);
        assert_eq!(disk_len(17, false), 17);
        assert_eq!(disk_len(u64::MAX, true), u64::MAX);
    }
}
