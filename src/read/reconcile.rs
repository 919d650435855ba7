//! Compares the manifest with the disk shard by shard: fingerprints first, and files one by one only in
//! the shards whose fingerprints differ, a bounded batch at a time.

use std::path::Path;

use serde::Serialize;

use super::digest::ShardSet;
use super::{disk, Counts, DiskListing, DiskSizes, FileKey, Manifest, ManifestStats};
use crate::error::Result;

/// How the manifest's files and the data files on disk compare.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// Data files the manifest lists that are on disk, by their length there (measured, or from the
    /// manifest when the disk was only named).
    pub present: Counts,
    /// Files the manifest lists that are absent on disk, by their manifest `Size`.
    pub missing: Counts,
    /// Files on disk that the manifest does not list.
    pub orphans: Counts,
    /// Files whose measured length differs from what the manifest says (only when measured), by the
    /// length on disk.
    pub resized: Counts,
    /// Every data file on disk: the present ones and the orphans named by a fileID.
    pub data_on_disk: Counts,
}

/// At most this many manifest files are held at once while shards are compared file by file.
const BATCH_FILES: u64 = 200_000;

/// Compares shard fingerprints and looks closer where they differ. A shard folder that could not be listed
/// counts as neither missing nor present.
pub fn reconcile(
    manifest: &Manifest<'_>,
    stats: &ManifestStats,
    disk: &DiskListing,
    dir: &Path,
) -> Result<Reconciliation> {
    let measured = disk.sizes == DiskSizes::Measured;
    let mut out = Reconciliation {
        missing: stats.unlocatable,
        orphans: disk.stray,
        ..Reconciliation::default()
    };
    let mut differing = Vec::new();
    for shard in 0..=255u8 {
        if disk.unreadable_shards.contains(&shard) {
            continue;
        }
        let (want, have) = (stats.shards.shard(shard), disk.data.shard(shard));
        if want.same_files(have) && (!measured || want.same_lengths(have)) {
            out.present.merge(Counts {
                files: want.files,
                bytes: if measured { have.bytes } else { want.bytes },
            });
        } else {
            differing.push(shard);
        }
    }
    for batch in batches(&differing, stats, disk) {
        let set = ShardSet::new(batch.iter().copied());
        let mut wanted: Vec<(FileKey, u64, u64)> = Vec::new();
        manifest.files_in(&set, true, &mut |key, size, len| {
            wanted.push((key, size, len))
        })?;
        // The index can miss rows the table scan counted (a fileID stored as a blob sorts after every
        // text; a damaged index): then read the table as the first pass did, so no file drops out.
        let expected: u64 = batch.iter().map(|&s| stats.shards.shard(s).files).sum();
        if wanted.len() as u64 != expected {
            wanted.clear();
            manifest.files_in(&set, false, &mut |key, size, len| {
                wanted.push((key, size, len))
            })?;
        }
        let mut found = disk::data_files_in(dir, &set);
        wanted.sort_unstable_by_key(|f| f.0);
        found.sort_unstable_by_key(|f| f.0);
        compare(&wanted, &found, measured, &mut out);
    }
    out.data_on_disk = out.present;
    out.data_on_disk.merge(Counts {
        files: out.orphans.files.saturating_sub(disk.stray.files),
        bytes: out.orphans.bytes.saturating_sub(disk.stray.bytes),
    });
    Ok(out)
}

/// Groups shards so that each group holds at most [`BATCH_FILES`] files on either side (a single shard
/// may hold more).
fn batches(shards: &[u8], stats: &ManifestStats, disk: &DiskListing) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut held = 0;
    for &shard in shards {
        let files = stats
            .shards
            .shard(shard)
            .files
            .max(disk.data.shard(shard).files);
        match out.last_mut() {
            Some(batch) if held + files <= BATCH_FILES => batch.push(shard),
            _ => {
                out.push(vec![shard]);
                held = 0;
            }
        }
        held += files;
    }
    out
}

/// Merges two key-sorted lists: the manifest's `(key, Size, length on disk)` and the disk's `(key, length)`.
fn compare(
    wanted: &[(FileKey, u64, u64)],
    found: &[(FileKey, u64)],
    measured: bool,
    out: &mut Reconciliation,
) {
    let (mut w, mut f) = (wanted.iter().peekable(), found.iter().peekable());
    loop {
        match (w.peek(), f.peek()) {
            (Some(a), Some(b)) if a.0 == b.0 => {
                out.present.add(if measured { b.1 } else { a.2 });
                if measured && a.2 != b.1 {
                    out.resized.add(b.1);
                }
                w.next();
                f.next();
            }
            (Some(a), Some(b)) if a.0 < b.0 => {
                out.missing.add(a.1);
                w.next();
            }
            (Some(a), None) => {
                out.missing.add(a.1);
                w.next();
            }
            (_, Some(b)) => {
                out.orphans.add(b.1);
                f.next();
            }
            (None, None) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_sorts_files_into_present_missing_orphans_and_resized() {
        let wanted = [([1; 20], 10, 16), ([2; 20], 20, 32), ([4; 20], 40, 48)];
        let found = [([1; 20], 16), ([3; 20], 7), ([4; 20], 50)];
        let mut named = Reconciliation::default();
        compare(&wanted, &found, false, &mut named);
        assert_eq!(
            named.present,
            Counts {
                files: 2,
                bytes: 16 + 48
            }
        );
        assert_eq!(
            named.missing,
            Counts {
                files: 1,
                bytes: 20
            }
        );
        assert_eq!(named.orphans, Counts { files: 1, bytes: 7 });
        assert_eq!(named.resized, Counts::default());

        let mut measured = Reconciliation::default();
        compare(&wanted, &found, true, &mut measured);
        assert_eq!(
            measured.present,
            Counts {
                files: 2,
                bytes: 16 + 50
            }
        );
        assert_eq!(
            measured.resized,
            Counts {
                files: 1,
                bytes: 50
            }
        );
    }

    #[test]
    fn batches_hold_a_bounded_number_of_files() {
        let mut stats = ManifestStats::default();
        let disk = DiskListing::default();
        for shard in [1u8, 2, 3] {
            for i in 0..BATCH_FILES / 2 {
                let mut key = [0u8; 20];
                key[0] = shard;
                key[8..16].copy_from_slice(&i.to_le_bytes());
                stats.shards.add(&key, Some(1));
            }
        }
        assert_eq!(
            batches(&[1, 2, 3, 9], &stats, &disk),
            vec![vec![1, 2], vec![3, 9]]
        );
    }
}
