//! Lists what a backup folder holds on disk: each shard folder read once, in parallel, plus everything else.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};

/// A 40-hex-digit fileID as 20 bytes, so a million of them stay small and sort fast.
pub type FileKey = [u8; 20];

/// Parses a fileID that is exactly 40 lowercase hex digits; anything else is never joined into a path.
pub fn file_key(file_id: &str) -> Option<FileKey> {
    let bytes = file_id.as_bytes();
    if bytes.len() != 40 {
        return None;
    }
    let mut key = [0u8; 20];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        key[i] = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
    }
    Some(key)
}

fn hex_digit(c: u8) -> Option<u8> {
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

/// What a backup folder holds on disk.
#[derive(Debug, Default)]
pub struct DiskListing {
    /// Data files in shard folders named by a valid fileID, with their length, sorted by key.
    pub data_files: Vec<(FileKey, u64)>,
    /// Files in shard folders that no fileID names (e.g. `<fileID>.upload` temporaries): orphans by definition.
    pub stray: Counts,
    /// Every regular file under the folder (plists, Manifest.db, data, leftovers), by apparent length.
    pub total: Counts,
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

/// Lists `dir`: the 256 shard folders in parallel (one `read_dir` each), other entries walked without
/// following symlinks.
pub fn list_backup_dir(dir: &Path) -> Result<DiskListing> {
    let mut listing = DiskListing::default();
    let mut shards = Vec::new();
    let mut others = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let file_type = entry.file_type().map_err(|e| Error::io(&entry.path(), e))?;
        let name = entry.file_name();
        if file_type.is_dir() {
            let shard = name
                .to_str()
                .filter(|n| n.len() == 2 && n.bytes().all(|c| hex_digit(c).is_some()));
            match shard {
                Some(_) => shards.push(entry.path()),
                None => {
                    listing.has_snapshot_dir |= name == "Snapshot";
                    others.push(entry.path());
                }
            }
        } else if file_type.is_file() {
            let len = entry
                .metadata()
                .map_err(|e| Error::io(&entry.path(), e))?
                .len();
            listing.total.add(len);
            if name == "Manifest.db-wal" {
                listing.manifest_wal_bytes = len;
            }
            // iOS 4–9 backups keep data flat beside the manifest, named by fileID.
            match name.to_str().map(flat_data_name) {
                Some(FlatName::Data(key)) => listing.data_files.push((key, len)),
                Some(FlatName::Stray) => listing.stray.add(len),
                _ => {}
            }
        }
    }

    let shard_listings: Vec<ShardListing> =
        shards.par_iter().map(|shard| list_shard(shard)).collect();
    for (path, shard) in shards.iter().zip(shard_listings) {
        if !shard.unreadable.is_empty() {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if let Ok(prefix) = u8::from_str_radix(name, 16) {
                listing.unreadable_shards.push(prefix);
            }
        }
        listing.total.merge(shard.total);
        listing.stray.merge(shard.stray);
        listing.data_files.extend(shard.data_files);
        listing.unreadable.extend(shard.unreadable);
    }
    for other in others {
        walk_other(&other, &mut listing);
    }
    listing.data_files.par_sort_unstable_by_key(|k| k.0);
    Ok(listing)
}

#[derive(Default)]
struct ShardListing {
    data_files: Vec<(FileKey, u64)>,
    stray: Counts,
    total: Counts,
    unreadable: Vec<(PathBuf, String)>,
}

fn list_shard(shard: &Path) -> ShardListing {
    let mut out = ShardListing::default();
    let entries = match std::fs::read_dir(shard) {
        Ok(entries) => entries,
        Err(e) => {
            out.unreadable.push((shard.to_path_buf(), e.to_string()));
            return out;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                out.unreadable.push((shard.to_path_buf(), e.to_string()));
                continue;
            }
        };
        let Ok(meta) = entry.metadata() else {
            out.unreadable.push((entry.path(), "cannot stat".into()));
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let len = meta.len();
        out.total.add(len);
        match entry.file_name().to_str().and_then(file_key) {
            Some(key) => out.data_files.push((key, len)),
            None => out.stray.add(len),
        }
    }
    out
}

fn walk_other(dir: &Path, listing: &mut DiskListing) {
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        match entry {
            Ok(entry) if entry.file_type().is_file() => match entry.metadata() {
                Ok(meta) => listing.total.add(meta.len()),
                Err(e) => listing
                    .unreadable
                    .push((entry.path().to_path_buf(), e.to_string())),
            },
            Ok(_) => {}
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                listing.unreadable.push((path, e.to_string()));
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
        assert_eq!(file_key(&id.to_uppercase()), None);
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

        let listing = list_backup_dir(dir).unwrap();
        assert_eq!(listing.data_files, vec![(file_key(id).unwrap(), 10)]);
        assert_eq!(listing.stray, Counts { files: 1, bytes: 3 });
        assert_eq!(
            listing.total,
            Counts {
                files: 4,
                bytes: 25
            }
        );
        assert!(listing.has_snapshot_dir);
    }
}
