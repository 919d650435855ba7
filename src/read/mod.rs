//! Reads a backup folder: its plists, its manifest (streamed) and its on-disk listing.

pub mod bplist;
pub mod crypto;
pub mod disk;
pub mod extracted;
pub mod manifest_db;
pub mod mbdb;
pub mod mbfile;
pub mod plists;
pub mod product;

use std::path::Path;

use serde::Serialize;

pub use disk::{Counts, DiskListing, FileKey};
pub use plists::{AppCatalog, DeviceInfo};

use crate::error::Result;
use manifest_db::flags;

/// One regular file of the manifest, as the attribution stage sees it.
#[derive(Debug, Clone, Copy)]
pub struct ManifestFile<'a> {
    pub domain: &'a str,
    pub relative_path: &'a str,
    /// MBFile `Size`: the file's logical size on the phone.
    pub size: u64,
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
    /// Regular files by fileID and size, sorted, to compare with the disk listing.
    #[serde(skip)]
    pub keys: Vec<(FileKey, u64)>,
    /// Regular files whose fileID is not 40 hex digits: they cannot be located on disk, so count as missing.
    pub unlocatable: Counts,
}

/// Where the manifest's rows come from.
pub enum ManifestSource<'a> {
    /// A plain `Manifest.db`, opened read-only and immutable.
    Plain(&'a Path),
    /// An encrypted `Manifest.db` and its key: decrypted into memory.
    Encrypted(&'a Path, &'a crypto::Key),
}

/// Streams an iOS 10+ `Manifest.db`, decoding each file row's MBFile and handing regular files to `visit`.
pub fn read_manifest_db(
    source: ManifestSource<'_>,
    mut visit: impl FnMut(ManifestFile<'_>),
) -> Result<ManifestStats> {
    let (conn, path) = match source {
        ManifestSource::Plain(path) => (manifest_db::open(path)?, path),
        ManifestSource::Encrypted(path, key) => (manifest_db::open_encrypted(path, key)?, path),
    };
    let mut stats = ManifestStats::default();
    stats.rows = manifest_db::for_each_row_in(&conn, path, |row| {
        if row.domain.is_empty() {
            stats.ignored_rows += 1;
            return;
        }
        match row.flags {
            flags::DIRECTORY => stats.directories += 1,
            flags::SYMLINK => stats.symlinks += 1,
            flags::FILE => match mbfile::decode(row.blob) {
                Ok(file) => {
                    stats.add_file(disk::file_key(&row.file_id), file.size);
                    visit(ManifestFile {
                        domain: &row.domain,
                        relative_path: &row.relative_path,
                        size: file.size,
                    });
                }
                Err(e) => {
                    stats.unreadable_rows += 1;
                    if stats.problems.len() < SAMPLE_PROBLEMS {
                        stats
                            .problems
                            .push(format!("row {} ({}): {e}", row.file_id, row.domain));
                    }
                }
            },
            _ => stats.ignored_rows += 1,
        }
    })?;
    stats.keys.sort_unstable_by_key(|k| k.0);
    Ok(stats)
}

impl ManifestStats {
    /// Counts a regular file; one without a usable fileID cannot be found on disk, so it counts as missing.
    fn add_file(&mut self, key: Option<FileKey>, size: u64) {
        self.files.add(size);
        match key {
            Some(key) => self.keys.push((key, size)),
            None => self.unlocatable.add(size),
        }
    }
}

/// Streams an iOS 4–9 `Manifest.mbdb`, handing regular files to `visit`; the same figures as for Manifest.db.
pub fn read_manifest_mbdb(
    path: &Path,
    mut visit: impl FnMut(ManifestFile<'_>),
) -> Result<ManifestStats> {
    let mut stats = ManifestStats::default();
    stats.rows = mbdb::for_each_record(path, |record| match record.mode & 0xF000 {
        0x8000 => {
            stats.add_file(Some(record.key), record.size);
            visit(ManifestFile {
                domain: record.domain,
                relative_path: record.path,
                size: record.size,
            });
        }
        0x4000 => stats.directories += 1,
        0xA000 => stats.symlinks += 1,
        _ => stats.ignored_rows += 1,
    })?;
    stats.keys.sort_unstable_by_key(|k| k.0);
    Ok(stats)
}

/// Files the manifest lists that are absent on disk, and files on disk the manifest does not list.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub missing: Counts,
    pub orphans: Counts,
}

/// Merges the two sorted key lists in one pass.
pub fn reconcile(manifest: &ManifestStats, disk: &DiskListing) -> Reconciliation {
    let mut out = Reconciliation {
        missing: manifest.unlocatable,
        orphans: disk.stray,
    };
    // Files of a shard folder that could not be listed may well be there: not missing, just unknown.
    let unknown = |entry: &&(FileKey, u64)| disk.unreadable_shards.contains(&entry.0[0]);
    let (mut m, mut d) = (
        manifest.keys.iter().peekable(),
        disk.data_files.iter().peekable(),
    );
    loop {
        match (m.peek(), d.peek()) {
            (Some(a), Some(b)) if a.0 == b.0 => {
                m.next();
                d.next();
            }
            (Some(a), Some(b)) if a.0 < b.0 => {
                if !unknown(a) {
                    out.missing.add(a.1);
                }
                m.next();
            }
            (Some(_), Some(b)) => {
                out.orphans.add(b.1);
                d.next();
            }
            (Some(a), None) => {
                if !unknown(a) {
                    out.missing.add(a.1);
                }
                m.next();
            }
            (None, Some(b)) => {
                out.orphans.add(b.1);
                d.next();
            }
            (None, None) => break,
        }
    }
    out
}
