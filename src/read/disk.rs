//! Lists what a backup folder holds on disk: each shard folder read once, in parallel, plus everything else.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::digest::{Digests, ShardSet};
use crate::error::{io_cause, Error, Result};

/// A 40-hex-digit fileID as 20 bytes, so a million of them stay small and sort fast.
pub type FileKey = [u8; 20];

/// Parses a fileID that is exactly 40 lowercase hex digits; anything else is never joined into a path.
pub fn file_key(file_id: impl AsRef<[u8]>) -> Option<FileKey> {
    let bytes = file_id.as_ref();
    if bytes.len() != 40 {
        return None;
    }
    let mut key = [0u8; 20];
    // Every row and every data file goes through here: a table lookup per digit, one check per key.
    let mut bad = 0u8;
    for (out, pair) in key.iter_mut().zip(bytes.chunks_exact(2)) {
        let (high, low) = (HEX[usize::from(pair[0])], HEX[usize::from(pair[1])]);
        bad |= (high | low) & 0x80;
        *out = (high << 4) | (low & 0x0F);
    }
    (bad == 0).then_some(key)
}

/// The value of each lowercase hex digit; 0x80 marks every other byte.
const HEX: [u8; 256] = {
    let mut table = [0x80u8; 256];
    let mut c = 0;
    while c < 256 {
        if let Some(v) = hex_digit(c as u8) {
            table[c] = v;
        }
        c += 1;
    }
    table
};

const fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

enum FlatName {
    Data(FileKey),
    /// Named after a fileID with something added (`<fileID>.upload`): a left-over temporary.
    Stray,
    Other,
}

fn flat_data_name(name: &str) -> FlatName {
    match name.get(..40).and_then(file_key) {
        Some(key) if name.len() == 40 => FlatName::Data(key),
        Some(_) => FlatName::Stray,
        None => FlatName::Other,
    }
}

/// Counts of files and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub files: u64,
    pub bytes: u64,
}

impl Counts {
    // Saturating: sizes come from the user's disk, and a damaged record must not wrap a total around.
    pub fn add(&mut self, bytes: u64) {
        self.files = self.files.saturating_add(1);
        self.bytes = self.bytes.saturating_add(bytes);
    }

    pub fn merge(&mut self, other: Counts) {
        self.files = self.files.saturating_add(other.files);
        self.bytes = self.bytes.saturating_add(other.bytes);
    }
}

/// How data files are sized.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiskSizes {
    /// Named by one `readdir` per shard, no per-file `stat`: their lengths come from the manifest. Fast.
    #[default]
    #[serde(rename = "from-manifest")]
    Named,
    /// Measured with a `stat` per file, as `du` does: exact, and finds files whose length is off.
    Measured,
}

/// What a backup folder holds on disk.
#[derive(Debug, Default)]
pub struct DiskListing {
    /// Data files named by a valid fileID (in shard folders, or flat for iOS 4–9), fingerprinted per shard,
    /// with their lengths when measured.
    pub data: Digests,
    pub sizes: DiskSizes,
    /// Files in shard folders that no fileID names (e.g. `<fileID>.upload` temporaries): orphans by definition.
    pub stray: Counts,
    /// Every regular file that is not a data file (plists, Manifest.db, strays, leftovers), by apparent length.
    pub others: Counts,
    /// A `Snapshot/` folder, left when a backup was interrupted.
    pub has_snapshot_dir: bool,
    /// Folders that could not be read, with the reason; their contents are not counted.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Shard folders (by their two hex digits, as a number) that could not be listed: their files are
    /// neither missing nor orphans, just unknown.
    pub unreadable_shards: Vec<u8>,
    /// Length of a `Manifest.db-wal` beside the database: changes SQLite has not merged into it yet.
    pub manifest_wal_bytes: u64,
}

/// Lists `dir`: the 256 shard folders in parallel (one `read_dir` each, plus a `stat` per file when
/// `sizes` is [`DiskSizes::Measured`]), other entries walked without following symlinks.
pub fn list_backup_dir(dir: &Path, sizes: DiskSizes) -> Result<DiskListing> {
    let measured = sizes == DiskSizes::Measured;
    let mut listing = DiskListing {
        sizes,
        ..DiskListing::default()
    };
    let mut shards = Vec::new();
    let mut others = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let file_type = entry.file_type().map_err(|e| Error::io(&entry.path(), e))?;
        let name = entry.file_name();
        if file_type.is_dir() {
            match shard_number(&name) {
                Some(_) => shards.push(entry.path()),
                None => {
                    listing.has_snapshot_dir |= name == "Snapshot";
                    others.push(entry.path());
                }
            }
        } else if file_type.is_file() {
            // iOS 4–9 backups keep data flat beside the manifest, named by fileID.
            let flat = name.to_str().map(flat_data_name);
            if let (Some(FlatName::Data(key)), false) = (&flat, measured) {
                listing.data.add(key, None);
                continue;
            }
            let len = match entry.metadata() {
                Ok(meta) => meta.len(),
                // Gone since the folder was listed (a backup running now?): it no longer occupies anything.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(&entry.path(), e)),
            };
            match flat {
                Some(FlatName::Data(key)) => listing.data.add(&key, Some(len)),
                Some(FlatName::Stray) => {
                    listing.stray.add(len);
                    listing.others.add(len);
                }
                _ => {
                    listing.others.add(len);
                    if name == "Manifest.db-wal" {
                        listing.manifest_wal_bytes = len;
                    }
                }
            }
        }
    }

    let shard_listings: Vec<ShardListing> = shards
        .par_iter()
        .map(|shard| list_shard(shard, measured))
        .collect();
    for (path, shard) in shards.iter().zip(shard_listings) {
        if !shard.unreadable.is_empty() {
            if let Some(prefix) = path.file_name().and_then(shard_number) {
                listing.unreadable_shards.push(prefix);
            }
        }
        listing.data.merge(&shard.data);
        listing.stray.merge(shard.stray);
        listing.others.merge(shard.stray);
        listing.unreadable.extend(shard.unreadable);
    }
    for other in others {
        walk_other(&other, &mut listing);
    }
    Ok(listing)
}

/// A shard folder's number, if `name` is two lowercase hex digits.
fn shard_number(name: &std::ffi::OsStr) -> Option<u8> {
    let name = name.to_str().filter(|n| n.len() == 2)?;
    let bytes = name.as_bytes();
    Some((hex_digit(bytes[0])? << 4) | hex_digit(bytes[1])?)
}

#[derive(Default)]
struct ShardListing {
    data: Digests,
    stray: Counts,
    unreadable: Vec<(PathBuf, String)>,
}

fn list_shard(shard: &Path, measured: bool) -> ShardListing {
    let mut out = ShardListing::default();
    let number = shard.file_name().and_then(shard_number);
    let entries = match std::fs::read_dir(shard) {
        Ok(entries) => entries,
        Err(e) => {
            out.unreadable.push((shard.to_path_buf(), io_cause(&e)));
            return out;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                out.unreadable.push((shard.to_path_buf(), io_cause(&e)));
                continue;
            }
        };
        // The type comes with the name from readdir: no stat unless lengths are asked for.
        match entry.file_type() {
            Ok(t) if t.is_file() => {}
            Ok(_) => continue,
            Err(e) => {
                out.unreadable.push((entry.path(), io_cause(&e)));
                continue;
            }
        }
        // A fileID in another shard's folder is not where the backup would look for it: a stray.
        let key = entry
            .file_name()
            .to_str()
            .and_then(file_key)
            .filter(|key| Some(key[0]) == number);
        if let (Some(key), false) = (key, measured) {
            out.data.add(&key, None);
            continue;
        }
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            // Gone since the folder was listed: it no longer occupies anything.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                out.unreadable.push((entry.path(), io_cause(&e)));
                continue;
            }
        };
        match key {
            Some(key) => out.data.add(&key, Some(meta.len())),
            None => out.stray.add(meta.len()),
        }
    }
    out
}

/// The data files of the shards in `set`, each with its measured length: the close look at shards whose
/// fingerprints differ from the manifest's. Entries that cannot be read are left out (the first listing
/// already reported them).
pub fn data_files_in(dir: &Path, set: &ShardSet) -> Vec<(FileKey, u64)> {
    let mut files = Vec::new();
    let Ok(top) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in top.flatten() {
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        if file_type.is_dir() {
            if let Some(n) = shard_number(&name).filter(|&n| set.contains_shard(n)) {
                let Ok(inner) = std::fs::read_dir(entry.path()) else {
                    continue;
                };
                for file in inner.flatten() {
                    // As the listing does: a fileID of another shard is a stray, counted there.
                    let key = file
                        .file_name()
                        .to_str()
                        .and_then(file_key)
                        .filter(|key| key[0] == n);
                    if let (Some(key), Ok(meta)) = (key, file.metadata()) {
                        if meta.is_file() {
                            files.push((key, meta.len()));
                        }
                    }
                }
            }
        } else if file_type.is_file() {
            if let Some(FlatName::Data(key)) = name.to_str().map(flat_data_name) {
                if let (true, Ok(meta)) = (set.contains(&key), entry.metadata()) {
                    files.push((key, meta.len()));
                }
            }
        }
    }
    files
}

fn walk_other(dir: &Path, listing: &mut DiskListing) {
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        match entry {
            Ok(entry) if entry.file_type().is_file() => match entry.metadata() {
                Ok(meta) => listing.others.add(meta.len()),
                Err(e) => listing.unreadable.push((
                    entry.path().to_path_buf(),
                    e.io_error().map_or_else(|| e.to_string(), io_cause),
                )),
            },
            Ok(_) => {}
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                let cause = e.io_error().map_or_else(|| e.to_string(), io_cause);
                listing.unreadable.push((path, cause));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_keys_are_exactly_forty_lowercase_hex() {
        let id = "3d0d7e5fb2ce288813306e4d4636395e047a3d28";
        assert_eq!(file_key(id).unwrap()[0], 0x3d);
        assert_eq!(file_key(id.to_uppercase()), None);
        assert_eq!(file_key("../../../../etc/passwd"), None);
        assert_eq!(file_key(&id[..39]), None);
        assert_eq!(file_key("3d0d7e5fb2ce288813306e4d4636395e047a3d2g"), None);
    }

    #[test]
    fn lists_shards_strays_and_other_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let id = "3d0d7e5fb2ce288813306e4d4636395e047a3d28";
        std::fs::create_dir(dir.join("3d")).unwrap();
        std::fs::write(dir.join("3d").join(id), [0u8; 10]).unwrap();
        std::fs::write(dir.join("3d").join(format!("{id}.upload")), [0u8; 3]).unwrap();
        std::fs::create_dir_all(dir.join("Snapshot/3d")).unwrap();
        std::fs::write(dir.join("Snapshot/3d/x"), [0u8; 5]).unwrap();
        std::fs::write(dir.join("Info.plist"), [0u8; 7]).unwrap();

        for sizes in [DiskSizes::Named, DiskSizes::Measured] {
            let listing = list_backup_dir(dir, sizes).unwrap();
            let key = file_key(id).unwrap();
            let mut want = Digests::default();
            want.add(&key, (sizes == DiskSizes::Measured).then_some(10));
            assert_eq!(listing.data, want);
            assert_eq!(listing.stray, Counts { files: 1, bytes: 3 });
            assert_eq!(
                listing.others,
                Counts {
                    files: 3,
                    bytes: 15
                }
            );
            assert!(listing.has_snapshot_dir);
            assert_eq!(data_files_in(dir, &ShardSet::new([0x3d])), vec![(key, 10)]);
            assert!(data_files_in(dir, &ShardSet::new([0x3e])).is_empty());
        }
    }

    #[test]
    fn a_data_file_in_another_shards_folder_is_a_stray() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let id = "3d0d7e5fb2ce288813306e4d4636395e047a3d28";
        std::fs::create_dir(dir.join("01")).unwrap();
        std::fs::write(dir.join("01").join(id), [0u8; 10]).unwrap();
        for sizes in [DiskSizes::Named, DiskSizes::Measured] {
            let listing = list_backup_dir(dir, sizes).unwrap();
            assert_eq!(listing.data, Digests::default());
            assert_eq!(
                listing.stray,
                Counts {
                    files: 1,
                    bytes: 10
                }
            );
            // The close look at either shard agrees: not a data file of 3d, nor of 01.
            assert!(data_files_in(dir, &ShardSet::new([0x01, 0x3d])).is_empty());
        }
    }
}
