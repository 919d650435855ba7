//! Streams a backup's manifest into per-thread accumulators: Manifest.db in rowid slices read in parallel,
//! Manifest.mbdb in one pass. Also finds the files of chosen shards again, for the reconciliation.

use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;
use rusqlite::Connection;

use super::manifest_db::{self, flags, ManifestRow, Rows};
use super::{
    btree, crypto, disk, mbdb, mbfile, FileKey, ManifestFile, ManifestStats, Progress, ShardSet,
    Ticker,
};
use crate::error::Result;

/// Where the manifest's rows come from.
#[derive(Clone, Copy)]
pub enum ManifestSource<'a> {
    /// A plain `Manifest.db`, opened read-only and immutable.
    Plain(&'a Path),
    /// An encrypted `Manifest.db` and its key: pages are decrypted as SQLite reads them.
    Encrypted(&'a Path, &'a crypto::Key),
    /// An iOS 4–9 `Manifest.mbdb`.
    Mbdb(&'a Path),
}

/// Below this many rows one thread reads the whole table: opening more connections would cost more.
const MIN_ROWS_TO_SPLIT: u64 = 20_000;
/// Slices per thread, so a thread that finishes early (e.g. after the disk listing) can take more.
const SLICES_PER_THREAD: u32 = 4;

/// An open manifest.
pub struct Manifest<'a> {
    source: ManifestSource<'a>,
    /// Whether the data files of a Manifest.db backup are encrypted (and so padded) on disk; an mbdb
    /// says so for each file.
    files_encrypted: bool,
    /// The first connection, kept for the whole read (an encrypted database is decrypted once).
    conn: Option<Mutex<Connection>>,
    /// Whether a plain Manifest.db may be read by the b-tree reader rather than SQLite.
    btree: bool,
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
            btree: true,
        })
    }

    /// Reads rows through SQLite only: the reference the b-tree reader is tested against.
    pub fn sqlite_only(mut self) -> Self {
        self.btree = false;
        self
    }

    fn path(&self) -> &'a Path {
        match self.source {
            ManifestSource::Plain(path)
            | ManifestSource::Encrypted(path, _)
            | ManifestSource::Mbdb(path) => path,
        }
    }

    /// Another connection, to read a slice of the table beside the first: cheap for a plain file, and for
    /// an encrypted one too (its pages are decrypted as they are read).
    fn open_another(&self) -> Result<Connection> {
        match self.source {
            ManifestSource::Plain(path) => manifest_db::open(path),
            ManifestSource::Encrypted(path, key) => manifest_db::open_encrypted(path, key),
            ManifestSource::Mbdb(path) => Err(crate::error::Error::WrongSchema {
                path: path.to_path_buf(),
            }),
        }
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
        let threads = u32::try_from(rayon::current_num_threads()).unwrap_or(1);
        let (total, table) = {
            let conn = lock(main);
            let total = manifest_db::count_rows(&conn, path)?;
            // The b-tree reader for a plain file; SQLite for the rest and whatever the reader declines.
            let table = match self.source {
                ManifestSource::Plain(path) if self.btree => {
                    btree::FilesTable::open(path, &conn).ok().flatten()
                }
                _ => None,
            };
            (total, table)
        };
        progress.total(total);
        if let Some(table) = &table {
            let leaves = table.leaves();
            let per_slice = leaves
                .len()
                .div_ceil((threads * SLICES_PER_THREAD) as usize);
            let parts: Vec<std::result::Result<(ManifestStats, T), btree::Declined>> = leaves
                .par_chunks(per_slice.max(1))
                .map(|leaves| {
                    let mut sink = Sink::new(self, progress, make());
                    let rows = table.for_each_row(leaves, |row| sink.row(row, visit))?;
                    Ok(sink.finish(rows))
                })
                .collect();
            if let Ok(parts) = parts
                .into_iter()
                .collect::<std::result::Result<Vec<_>, _>>()
            {
                return combine(parts.into_iter().map(Ok), make, merge);
            }
            // Declined part-way (a damaged page): SQLite reads it all again, with its own messages.
            progress.total(total);
        }
        let split = total >= MIN_ROWS_TO_SPLIT && threads > 1;
        let slices = split
            .then(|| manifest_db::rowid_ranges(&lock(main), threads * SLICES_PER_THREAD))
            .flatten();
        let Some(slices) = slices else {
            return self.read_rows(&lock(main), &Rows::All, progress, make(), visit);
        };
        let parts: Vec<Result<(ManifestStats, T)>> = slices
            .into_par_iter()
            .map(|(first, last)| {
                let conn = self.open_another()?;
                self.read_rows(&conn, &Rows::Rowids(first, last), progress, make(), visit)
            })
            .collect();
        combine(parts.into_iter(), make, merge)
    }

    fn read_rows<T>(
        &self,
        conn: &Connection,
        rows: &Rows,
        progress: &dyn Progress,
        acc: T,
        visit: &(dyn Fn(&mut T, ManifestFile<'_>) + Sync),
    ) -> Result<(ManifestStats, T)> {
        let mut sink = Sink::new(self, progress, acc);
        let rows =
            manifest_db::for_each_row_in(conn, self.path(), rows, |row| sink.row(row, visit))?;
        Ok(sink.finish(rows))
    }

    fn read_mbdb<T>(
        &self,
        progress: &dyn Progress,
        make: &(dyn Fn() -> T + Sync),
        visit: &(dyn Fn(&mut T, ManifestFile<'_>) + Sync),
    ) -> Result<(ManifestStats, T)> {
        let mut stats = ManifestStats::default();
        let mut acc = make();
        // An mbdb does not say how many records it holds: the count grows without a total.
        progress.total(0);
        let mut ticker = Ticker::new(progress);
        stats.rows = mbdb::for_each_record(self.path(), |record| {
            ticker.tick();
            match record.mode & 0xF000 {
                0x8000 => {
                    // Each record says whether its own file is encrypted.
                    stats.add_file(Some(record.key), record.size, record.encrypted);
                    visit(&mut acc, mbdb_file(record));
                }
                0x4000 => stats.directories += 1,
                0xA000 => stats.symlinks += 1,
                _ => stats.ignored_rows += 1,
            }
        })?;
        Ok((stats, acc))
    }

    /// Calls `visit` with the regular files whose fileID starts with one of `prefixes` (128 bits each),
    /// found through a Manifest.db's fileID index: a few point lookups, not a pass over the table. An mbdb
    /// has no index: every file is visited, and the caller picks.
    pub fn files_by_id(
        &self,
        prefixes: &[u128],
        visit: &mut dyn FnMut(ManifestFile<'_>),
    ) -> Result<()> {
        let Some(main) = &self.conn else {
            mbdb::for_each_record(self.path(), |record| {
                if record.mode & 0xF000 == 0x8000 {
                    visit(mbdb_file(record));
                }
            })?;
            return Ok(());
        };
        let conn = lock(main);
        for &prefix in prefixes {
            // FileIDs starting with the prefix sort from it to the next one; 'g' follows every hex digit.
            let to = prefix
                .checked_add(1)
                .map_or_else(|| "g".to_string(), |next| format!("{next:032x}"));
            let rows = Rows::FileIds(format!("{prefix:032x}"), to);
            manifest_db::for_each_row_in(&conn, self.path(), &rows, |row| {
                if let Row::File(file) = classify(row) {
                    visit(ManifestFile {
                        domain: &row.domain,
                        relative_path: &row.relative_path,
                        size: file.size,
                        key: disk::file_key(row.file_id),
                        modified: file.modified,
                        birth: file.birth,
                    });
                }
            })?;
        }
        Ok(())
    }

    /// Calls `visit` with the key, `Size` and on-disk length of every regular file in the shards of `set`,
    /// by the same rules as [`Manifest::read`]. `by_index` finds a Manifest.db's rows through the fileID
    /// index (fast); otherwise the whole table is scanned, as [`Manifest::read`] does.
    pub fn files_in(
        &self,
        set: &ShardSet,
        by_index: bool,
        visit: &mut dyn FnMut(FileKey, u64, u64),
    ) -> Result<()> {
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
        let rows = match by_index {
            true => Rows::FileIds(format!("{first:02x}"), to),
            false => Rows::All,
        };
        manifest_db::for_each_row_in(&lock(main), self.path(), &rows, |row| {
            if let Row::File(file) = classify(row) {
                keep(disk::file_key(row.file_id), file.size, self.files_encrypted);
            }
        })?;
        Ok(())
    }
}

/// Merges the slices' figures and accumulators in table order.
fn combine<T>(
    parts: impl Iterator<Item = Result<(ManifestStats, T)>>,
    make: &(dyn Fn() -> T + Sync),
    merge: &(dyn Fn(&mut T, T) + Sync),
) -> Result<(ManifestStats, T)> {
    let (mut stats, mut acc) = (ManifestStats::default(), make());
    for part in parts {
        let (more_stats, more) = part?;
        stats.merge(more_stats);
        merge(&mut acc, more);
    }
    Ok((stats, acc))
}

/// Where one slice's rows go: its figures, its accumulator, and its progress.
struct Sink<'m, 'p, T> {
    manifest: &'m Manifest<'m>,
    ticker: Ticker<'p>,
    stats: ManifestStats,
    acc: T,
}

impl<'m, 'p, T> Sink<'m, 'p, T> {
    fn new(manifest: &'m Manifest<'m>, progress: &'p dyn Progress, acc: T) -> Self {
        Sink {
            manifest,
            ticker: Ticker::new(progress),
            stats: ManifestStats::default(),
            acc,
        }
    }

    fn row(&mut self, row: &ManifestRow<'_>, visit: &(dyn Fn(&mut T, ManifestFile<'_>) + Sync)) {
        self.ticker.tick();
        let stats = &mut self.stats;
        match classify(row) {
            Row::Ignored => stats.ignored_rows += 1,
            Row::Directory => stats.directories += 1,
            Row::Symlink => stats.symlinks += 1,
            Row::File(mbfile) => {
                let key = disk::file_key(row.file_id);
                stats.add_file(key, mbfile.size, self.manifest.files_encrypted);
                let file = ManifestFile {
                    domain: &row.domain,
                    relative_path: &row.relative_path,
                    size: mbfile.size,
                    key,
                    modified: mbfile.modified,
                    birth: mbfile.birth,
                };
                visit(&mut self.acc, file);
            }
            Row::Unreadable(e) => stats.problem(|| {
                let id = String::from_utf8_lossy(row.file_id);
                format!("row {id} ({}): {e}", row.domain)
            }),
        }
    }

    fn finish(mut self, rows: u64) -> (ManifestStats, T) {
        self.stats.rows = rows;
        (self.stats, self.acc)
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
    /// A regular file, its MBFile decoded.
    File(mbfile::MbFile),
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
            Ok(file) => Row::File(file),
            Err(e) => Row::Unreadable(e),
        },
        _ => Row::Ignored,
    }
}

/// A regular file's record of an mbdb, as a manifest file. An mbdb has no "unknown" date: a 0 is one.
fn mbdb_file<'a>(record: &mbdb::MbdbRecord<'a>) -> ManifestFile<'a> {
    ManifestFile {
        domain: record.domain,
        relative_path: record.path,
        size: record.size,
        key: Some(record.key),
        modified: Some(record.modified).filter(|&t| t > 0),
        birth: Some(record.birth).filter(|&t| t > 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribute::Tally;
    use crate::read::NoProgress;
    use cloudfit_synth::{sample_specs, write_backup};

    fn read(manifest: &Manifest<'_>) -> (ManifestStats, String) {
        let (stats, tally) = manifest
            .read(
                &NoProgress,
                &Tally::default,
                &|t: &mut Tally, f| t.add(f),
                &|t: &mut Tally, o| t.merge(o),
            )
            .unwrap();
        let mut domains: Vec<String> = tally
            .into_domains()
            .into_iter()
            .map(|d| format!("{d:?}"))
            .collect();
        domains.sort();
        (stats, domains.join("\n"))
    }

    #[test]
    fn the_btree_reader_and_sqlite_agree_on_generated_manifests() {
        let tmp = tempfile::tempdir().unwrap();
        for (seed, files) in [(1, 300), (2, 30_000)] {
            let mut spec = sample_specs().swap_remove(0);
            spec.seed = seed;
            spec.files = files;
            spec.missing = 3;
            spec.orphans = 2;
            let out = tmp.path().join(seed.to_string());
            let record = write_backup(&out, &spec).unwrap();
            let db = out.join(&record.id).join("Manifest.db");
            let fast = Manifest::open(ManifestSource::Plain(&db), false).unwrap();
            {
                let conn = lock(fast.conn.as_ref().unwrap());
                assert!(btree::FilesTable::open(&db, &conn).unwrap().is_some());
            }
            let slow = Manifest::open(ManifestSource::Plain(&db), false)
                .unwrap()
                .sqlite_only();
            let (a, b) = (read(&fast), read(&slow));
            assert_eq!(format!("{:?}", a.0), format!("{:?}", b.0));
            assert_eq!(a.0.shards, b.0.shards);
            assert_eq!(a.1, b.1);
            assert_eq!(Some(a.0.files.files), record.files);
        }
    }
}
