//! Streams a backup's manifest into per-thread accumulators: Manifest.db in rowid slices read in parallel,
//! Manifest.mbdb in one pass. Also finds the files of chosen shards again, for the reconciliation.

use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;
use rusqlite::Connection;

use super::manifest_db::{self, flags, ManifestRow, Rows};
use super::{crypto, disk, mbdb, mbfile, FileKey, ManifestFile, ManifestStats, Progress, ShardSet};
use crate::error::Result;

/// Where the manifest's rows come from.
#[derive(Clone, Copy)]
pub enum ManifestSource<'a> {
    /// A plain `Manifest.db`, opened read-only and immutable.
    Plain(&'a Path),
    /// An encrypted `Manifest.db` and its key.
    Encrypted(&'a Path, &'a crypto::Key),
    /// An iOS 4–9 `Manifest.mbdb`.
    Mbdb(&'a Path),
}

/// Below this many rows one thread reads the whole table: opening more connections would cost more.
const MIN_ROWS_TO_SPLIT: u64 = 20_000;
/// Slices per thread, so a thread that finishes early (e.g. after the disk listing) can take more.
const SLICES_PER_THREAD: u32 = 4;
/// Rows read between two progress reports.
const PROGRESS_STEP: u64 = 16_384;

/// An open manifest.
pub struct Manifest<'a> {
    source: ManifestSource<'a>,
    /// Whether the data files of a Manifest.db backup are encrypted (and so padded) on disk; an mbdb
    /// says so for each file.
    files_encrypted: bool,
    /// The first connection, kept for the whole read (an encrypted database is decrypted once).
    conn: Option<Mutex<Connection>>,
}

impl<'a> Manifest<'a> {
    /// Opens the manifest (checks it is one); `files_encrypted` says whether data files are padded on disk.
    pub fn open(source: ManifestSource<'a>, files_encrypted: bool) -> Result<Self> {
        let conn = match source {
            ManifestSource::Plain(path) => Some(manifest_db::open(path)?),
            ManifestSource::Encrypted(path, key) => Some(manifest_db::open_encrypted(path, key)?),
            ManifestSource::Mbdb(_) => None,
        };
        Ok(Manifest {
            source,
            files_encrypted,
            conn: conn.map(Mutex::new),
        })
    }

    fn path(&self) -> &'a Path {
        match self.source {
            ManifestSource::Plain(path)
            | ManifestSource::Encrypted(path, _)
            | ManifestSource::Mbdb(path) => path,
        }
    }

    /// Whether more connections can be opened cheaply, to read slices of the table side by side.
    fn can_split(&self) -> bool {
        matches!(self.source, ManifestSource::Plain(_))
    }

    /// Streams every regular file to `visit`, into accumulators made by `make` (one per slice) and merged
    /// in table order with `merge`.
    pub fn read<T: Send>(
        &self,
        progress: &dyn Progress,
        make: &(dyn Fn() -> T + Sync),
        visit: &(dyn Fn(&mut T, ManifestFile<'_>) + Sync),
        merge: &(dyn Fn(&mut T, T) + Sync),
    ) -> Result<(ManifestStats, T)> {
        let Some(main) = &self.conn else {
            return self.read_mbdb(progress, make, visit);
        };
        let path = self.path();
        let slices = {
            let conn = lock(main);
            let total = manifest_db::count_rows(&conn, path)?;
            progress.total(total);
            let threads = u32::try_from(rayon::current_num_threads()).unwrap_or(1);
            match self.can_split() && total >= MIN_ROWS_TO_SPLIT && threads > 1 {
                true => manifest_db::rowid_ranges(&conn, threads * SLICES_PER_THREAD),
                false => None,
            }
        };
        let Some(slices) = slices else {
            return self.read_rows(&lock(main), &Rows::All, progress, make, visit);
        };
        let parts: Vec<Result<(ManifestStats, T)>> = slices
            .into_par_iter()
            .map(|(first, last)| {
                let conn = manifest_db::open(path)?;
                self.read_rows(&conn, &Rows::Rowids(first, last), progress, make, visit)
            })
            .collect();
        let mut parts = parts.into_iter();
        let (mut stats, mut acc) = match parts.next() {
            Some(first) => first?,
            None => (ManifestStats::default(), make()),
        };
        for part in parts {
            let (more_stats, more) = part?;
            stats.merge(more_stats);
            merge(&mut acc, more);
        }
        Ok((stats, acc))
    }

    fn read_rows<T>(
        &self,
        conn: &Connection,
        rows: &Rows,
        progress: &dyn Progress,
        make: &(dyn Fn() -> T + Sync),
        visit: &(dyn Fn(&mut T, ManifestFile<'_>) + Sync),
    ) -> Result<(ManifestStats, T)> {
        let mut stats = ManifestStats::default();
        let mut acc = make();
        let mut unreported = 0;
        stats.rows = manifest_db::for_each_row_in(conn, self.path(), rows, |row| {
            unreported += 1;
            if unreported == PROGRESS_STEP {
                progress.advance(unreported);
                unreported = 0;
            }
            match classify(row) {
                Row::Ignored => stats.ignored_rows += 1,
                Row::Directory => stats.directories += 1,
                Row::Symlink => stats.symlinks += 1,
                Row::File(size) => {
                    stats.add_file(disk::file_key(&row.file_id), size, self.files_encrypted);
                    let file = ManifestFile {
                        domain: &row.domain,
                        relative_path: &row.relative_path,
                        size,
                    };
                    visit(&mut acc, file);
                }
                Row::Unreadable(e) => {
                    stats.problem(|| format!("row {} ({}): {e}", row.file_id, row.domain))
                }
            }
        })?;
        progress.advance(unreported);
        Ok((stats, acc))
    }

    fn read_mbdb<T>(
        &self,
        progress: &dyn Progress,
        make: &(dyn Fn() -> T + Sync),
        visit: &(dyn Fn(&mut T, ManifestFile<'_>) + Sync),
    ) -> Result<(ManifestStats, T)> {
        let mut stats = ManifestStats::default();
        let mut acc = make();
        stats.rows = mbdb::for_each_record(self.path(), |record| match record.mode & 0xF000 {
            0x8000 => {
                // Each record says whether its own file is encrypted.
                stats.add_file(Some(record.key), record.size, record.encrypted);
                let file = ManifestFile {
                    domain: record.domain,
                    relative_path: record.path,
                    size: record.size,
                };
                visit(&mut acc, file);
            }
            0x4000 => stats.directories += 1,
            0xA000 => stats.symlinks += 1,
            _ => stats.ignored_rows += 1,
        })?;
        progress.advance(stats.rows);
        Ok((stats, acc))
    }

    /// Calls `visit` with the key, `Size` and on-disk length of every regular file in the shards of `set`,
    /// by the same rules as [`Manifest::read`].
    pub fn files_in(&self, set: &ShardSet, visit: &mut dyn FnMut(FileKey, u64, u64)) -> Result<()> {
        let mut keep = |key: Option<FileKey>, size: u64, encrypted: bool| {
            if let Some(key) = key.filter(|k| set.contains(k)) {
                visit(key, size, super::disk_len(size, encrypted));
            }
        };
        let Some(main) = &self.conn else {
            mbdb::for_each_record(self.path(), |record| {
                if record.mode & 0xF000 == 0x8000 {
                    keep(Some(record.key), record.size, record.encrypted);
                }
            })?;
            return Ok(());
        };
        let Some((first, last)) = set.bounds() else {
            return Ok(());
        };
        // FileIDs in shards first..=last sort between "<first>" and "<last + 1>"; 'g' follows 'f'.
        let to = match last {
            0xff => "g".to_string(),
            n => format!("{:02x}", n + 1),
        };
        let rows = Rows::FileIds(format!("{first:02x}"), to);
        manifest_db::for_each_row_in(&lock(main), self.path(), &rows, |row| {
            if let Row::File(size) = classify(row) {
                keep(disk::file_key(&row.file_id), size, self.files_encrypted);
            }
        })?;
        Ok(())
    }
}

/// A poisoned lock only means another reader panicked; the connection itself is still sound to read.
fn lock(conn: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a `Files` row is.
enum Row {
    /// Flags 16, no domain, or an unknown type: not a file, never counted.
    Ignored,
    Directory,
    Symlink,
    /// A regular file of this `Size`.
    File(u64),
    /// A file row whose MBFile could not be decoded.
    Unreadable(mbfile::MbFileError),
}

fn classify(row: &ManifestRow<'_>) -> Row {
    if row.domain.is_empty() {
        return Row::Ignored;
    }
    match row.flags {
        flags::DIRECTORY => Row::Directory,
        flags::SYMLINK => Row::Symlink,
        flags::FILE => match mbfile::decode(row.blob) {
            Ok(file) => Row::File(file.size),
            Err(e) => Row::Unreadable(e),
        },
        _ => Row::Ignored,
    }
}
