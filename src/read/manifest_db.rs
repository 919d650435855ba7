//! Streams the rows of an iOS 10+ Manifest.db, opened read-only and immutable so nothing appears beside it.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use rusqlite::{types::ValueRef, Connection, OpenFlags};

use crate::error::{Error, Result};

/// One row of the `Files` table, borrowed from SQLite for the duration of a callback.
#[derive(Debug)]
pub struct ManifestRow<'a> {
    /// The fileID's bytes as stored (40 hex digits in a sound row): only parsed, never shown unchecked.
    pub file_id: &'a [u8],
    pub domain: Cow<'a, str>,
    pub relative_path: Cow<'a, str>,
    pub flags: i64,
    pub blob: &'a [u8],
}

/// A row copied out of the reader's buffers: for comparing two readers row for row.
#[cfg(any(test, feature = "reference"))]
pub type OwnedRow = (Vec<u8>, String, String, i64, Vec<u8>);

#[cfg(any(test, feature = "reference"))]
impl ManifestRow<'_> {
    pub fn owned(&self) -> OwnedRow {
        (
            self.file_id.to_vec(),
            self.domain.to_string(),
            self.relative_path.to_string(),
            self.flags,
            self.blob.to_vec(),
        )
    }
}

/// The `flags` values of the Files table.
pub mod flags {
    pub const FILE: i64 = 1;
    pub const DIRECTORY: i64 = 2;
    pub const SYMLINK: i64 = 4;
}

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Checks the file is a SQLite database before SQLite sees it, to give a precise message.
pub fn check_header(path: &Path) -> Result<()> {
    let mut file = super::file_kind::open_regular(path)?;
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    if read == 0 {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    if read < header.len() || header != *SQLITE_HEADER {
        return Err(Error::NotSqlite {
            path: path.to_path_buf(),
            problem: "it does not start with the SQLite header".into(),
        });
    }
    Ok(())
}

/// Opens `path` read-only and immutable: SQLite takes no lock and never creates `-wal`, `-shm` or a journal,
/// even though real Manifest.db files are in WAL mode.
pub fn open(path: &Path) -> Result<Connection> {
    check_header(path)?;
    let uri = immutable_uri(path).map_err(|e| Error::io(path, e))?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    // No mmap: measured at 1M rows, mapping the 1.2 GB file was slower and put it all in RSS.
    Connection::open_with_flags(uri, flags).map_err(|e| Error::sqlite(path, e))
}

/// Opens an encrypted Manifest.db read-only, decrypting pages on demand as SQLite reads them
/// ([`crate::read::crypto::vfs`]): memory stays flat at any size and the plaintext never touches the disk.
/// Each call gives an independent connection, so several threads may read one file at once.
pub fn open_encrypted(path: &Path, key: &crate::read::crypto::Key) -> Result<Connection> {
    crate::read::crypto::vfs::open(path, key)
}

/// Decrypts a whole encrypted Manifest.db into an in-memory, read-only SQLite database: the plaintext exists
/// only in SQLite's memory, never on disk, but all of it at once (at most 2 GiB). Kept as the reference the
/// page-by-page reader is tested and measured against.
#[cfg(any(test, feature = "reference"))]
pub fn open_encrypted_in_memory(path: &Path, key: &crate::read::crypto::Key) -> Result<Connection> {
    use crate::read::crypto::DecryptingReader;
    let problem = |p: String| Error::damaged_encryption(path, p);
    let reader = DecryptingReader::open(path, key).map_err(|e| problem(e.to_string()))?;
    // Shorter than SQLite's 100-byte header cannot be a database (and 0 bytes would fail as an allocation).
    if reader.plaintext_len() < 100 {
        return Err(problem(format!(
            "it decrypts to {} bytes, too short to be a database",
            reader.plaintext_len()
        )));
    }
    // sqlite3_malloc takes an int: beyond 2 GiB another way is needed (real ones reach 1.55 GB).
    let len = usize::try_from(reader.plaintext_len())
        .ok()
        .filter(|&n| i32::try_from(n).is_ok())
        .ok_or_else(|| {
            problem(format!(
                "{} bytes is too large to decrypt in memory",
                reader.plaintext_len()
            ))
        })?;
    let mut conn = Connection::open_in_memory().map_err(|e| Error::sqlite(path, e))?;
    conn.deserialize_read_exact(rusqlite::MAIN_DB, reader, len, true)
        .map_err(|e| {
            problem(format!(
                "the decrypted database does not open ({e}); the backup may be damaged"
            ))
        })?;
    Ok(conn)
}

/// Which rows of `Files` to read.
#[derive(Debug, Clone)]
pub enum Rows {
    All,
    /// Rows with a rowid in this inclusive range: a slice of the table for one thread.
    Rowids(i64, i64),
    /// Rows with `from <= fileID < to`, found through the primary-key index.
    FileIds(String, String),
}

/// How many of SQLite's virtual-machine steps a query may take per byte of the file. A sound scan of `Files`
/// takes far fewer (one step per 70 bytes, measured in `a_sound_scan_stays_far_inside_the_step_budget`); a file
/// whose interior pages point at the same child again and again would have SQLite walk the same leaves
/// billions of times from a few KB, and a shared overflow chain is read again for every cell naming it.
const STEPS_PER_BYTE: u64 = 4;
/// Small files get this many steps whatever their size.
const MIN_STEPS: u64 = 2_000_000;
/// The budget is counted in calls of the progress handler, one per this many steps.
const STEPS_PER_CALL: i32 = 1_000;

/// A query budget on `conn` for as long as it lives, proportional to the file's size: past it SQLite
/// interrupts the query, which [`Error::sqlite`] reports as a file whose reading never ends.
struct Budget<'c> {
    conn: &'c Connection,
}

impl<'c> Budget<'c> {
    fn new(conn: &'c Connection, path: &Path) -> Self {
        // A file that cannot be sized (an encrypted one is sized the same: its pages are the plaintext's)
        // gets the floor.
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let calls = bytes.saturating_mul(STEPS_PER_BYTE).max(MIN_STEPS) / STEPS_PER_CALL as u64;
        let mut made = 0u64;
        conn.progress_handler(
            STEPS_PER_CALL,
            Some(move || {
                made += 1;
                made > calls
            }),
        );
        Budget { conn }
    }
}

impl Drop for Budget<'_> {
    fn drop(&mut self) {
        self.conn.progress_handler(0, None::<fn() -> bool>);
    }
}

/// Calls `visit` for the chosen rows on an open connection (e.g. a decrypted one); `path` names it in errors.
pub fn for_each_row_in(
    conn: &Connection,
    path: &Path,
    rows: &Rows,
    mut visit: impl FnMut(&ManifestRow<'_>),
) -> Result<u64> {
    let _budget = Budget::new(conn, path);
    const COLUMNS: &str = "SELECT fileID, domain, relativePath, flags, file FROM Files";
    let sql = match rows {
        Rows::All => COLUMNS.to_string(),
        Rows::Rowids(..) => format!("{COLUMNS} WHERE rowid BETWEEN ?1 AND ?2"),
        Rows::FileIds(..) => format!("{COLUMNS} WHERE fileID >= ?1 AND fileID < ?2"),
    };
    let mut stmt = conn.prepare(&sql).map_err(|e| Error::sqlite(path, e))?;
    let mut rows = match rows {
        Rows::All => stmt.query([]),
        Rows::Rowids(first, last) => stmt.query(rusqlite::params![first, last]),
        Rows::FileIds(from, to) => stmt.query(rusqlite::params![from, to]),
    }
    .map_err(|e| Error::sqlite(path, e))?;
    let mut count = 0u64;
    while let Some(row) = rows.next().map_err(|e| Error::sqlite(path, e))? {
        count += 1;
        let flags = match row.get_ref(3) {
            Ok(ValueRef::Integer(i)) => i,
            _ => 0,
        };
        let blob = match row.get_ref(4) {
            Ok(ValueRef::Blob(b)) => b,
            _ => &[],
        };
        visit(&ManifestRow {
            file_id: raw(row.get_ref(0)),
            domain: text(row.get_ref(1)),
            relative_path: text(row.get_ref(2)),
            flags,
            blob,
        });
    }
    Ok(count)
}

/// How many rows `Files` has: SQLite counts them from the smallest index, without reading the rows.
pub fn count_rows(conn: &Connection, path: &Path) -> Result<u64> {
    let _budget = Budget::new(conn, path);
    conn.query_row("SELECT count(*) FROM Files", [], |row| row.get::<_, i64>(0))
        .map(|n| u64::try_from(n).unwrap_or(0))
        .map_err(|e| Error::sqlite(path, e))
}

/// Splits the table into up to `parts` rowid ranges of about equal width (rowids of a real manifest are
/// dense). `None` when the table has no rowids to split by (empty, or not a rowid table).
pub fn rowid_ranges(conn: &Connection, parts: u32) -> Option<Vec<(i64, i64)>> {
    // Two queries: SQLite finds a lone min() or max() of the rowid at one end of the table, but both in one
    // query scan every row.
    let end = |sql: &str| conn.query_row(sql, [], |row| row.get::<_, i64>(0)).ok();
    let first = end("SELECT min(rowid) FROM Files")?;
    let last = end("SELECT max(rowid) FROM Files")?;
    let width = i128::from(last) - i128::from(first) + 1;
    let step = (width / i128::from(parts.max(1))).max(1);
    let mut ranges = Vec::new();
    let mut start = i128::from(first);
    while start <= i128::from(last) {
        let end = (start + step - 1).min(i128::from(last));
        // The last part takes the remainder.
        let end = if ranges.len() + 1 == parts as usize {
            i128::from(last)
        } else {
            end
        };
        ranges.push((start as i64, end as i64));
        start = end + 1;
    }
    Some(ranges)
}

/// A text column's bytes, NULL as empty.
fn raw(value: rusqlite::Result<ValueRef<'_>>) -> &[u8] {
    match value {
        Ok(ValueRef::Text(bytes)) | Ok(ValueRef::Blob(bytes)) => bytes,
        _ => &[],
    }
}

/// A text column as `str`, with invalid UTF-8 replaced (names from a phone are normally valid) and NULL as "".
fn text(value: rusqlite::Result<ValueRef<'_>>) -> Cow<'_, str> {
    match value {
        // `from_utf8` checks ASCII a word at a time; the lossy path is only for the rare bad name.
        Ok(ValueRef::Text(bytes)) | Ok(ValueRef::Blob(bytes)) => match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(bytes),
        },
        _ => Cow::Borrowed(""),
    }
}

/// `file:<percent-encoded absolute path>?mode=ro&immutable=1`: the path may hold spaces (`Application Support`),
/// `?`, `#` or `%`, which a URI must escape.
pub(crate) fn immutable_uri(path: &Path) -> std::io::Result<String> {
    let absolute = std::path::absolute(path)?;
    let mut uri = String::with_capacity(absolute.as_os_str().len() + 32);
    uri.push_str("file:");
    for byte in uri_path(&absolute) {
        if byte.is_ascii_alphanumeric()
            || b"/-._~:".contains(&byte)
            || (cfg!(windows) && byte == b'\\')
        {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    Ok(uri)
}

/// The bytes of an absolute path as the URI's path: on Unix the path's own bytes, so a folder name that is
/// not UTF-8 still opens.
#[cfg(unix)]
fn uri_path(absolute: &Path) -> Vec<u8> {
    std::os::unix::ffi::OsStrExt::as_bytes(absolute.as_os_str()).to_vec()
}

/// On Windows the path stays a Windows path, backslashes and all, right after `file:` (no `//`): SQLite then
/// reads no authority and hands the path to `CreateFileW` as it is, so drive letters (`C:\…`), UNC shares
/// (`\\server\share\…`) and `\\?\` paths all open. A path past `MAX_PATH` (260) is made a `\\?\` path,
/// as the standard library does for its own calls, because SQLite does not.
#[cfg(windows)]
fn uri_path(absolute: &Path) -> Vec<u8> {
    let text = absolute.to_string_lossy();
    let long = text.len() >= 260 && !text.starts_with(r"\\?\");
    let text = match text.strip_prefix(r"\\") {
        _ if !long => text.into_owned(),
        Some(share) => format!(r"\\?\UNC\{share}"),
        None => format!(r"\\?\{text}"),
    };
    text.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn uri_escapes_what_a_uri_must() {
        let uri = immutable_uri(Path::new("/a b/c?d#e%f/Manifest.db")).unwrap();
        assert_eq!(
            uri,
            "file:/a%20b/c%3Fd%23e%25f/Manifest.db?mode=ro&immutable=1"
        );
    }

    #[test]
    #[cfg(windows)]
    fn windows_paths_stay_windows_paths_in_the_uri() {
        let uri = |p: &str| immutable_uri(Path::new(p)).unwrap();
        assert_eq!(
            uri(r"C:\Users\Maya\Apple\MobileSync\Backup\a b#1\Manifest.db"),
            r"file:C:\Users\Maya\Apple\MobileSync\Backup\a%20b%231\Manifest.db?mode=ro&immutable=1"
        );
        assert_eq!(
            uri(r"\\nas\backups\iPhone\Manifest.db"),
            r"file:\\nas\backups\iPhone\Manifest.db?mode=ro&immutable=1"
        );
        assert_eq!(
            uri(r"\\?\D:\Backup\Manifest.db"),
            r"file:\\%3F\D:\Backup\Manifest.db?mode=ro&immutable=1"
        );
        let deep = format!(r"C:\{}\Manifest.db", "d".repeat(300));
        assert!(uri(&deep).starts_with(r"file:\\%3F\C:\ddd"));
        let share = format!(r"\\nas\{}\Manifest.db", "d".repeat(300));
        assert!(uri(&share).starts_with(r"file:\\%3F\UNC\nas\ddd"));
    }

    #[test]
    fn rowid_ranges_cover_the_table_once() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);",
        )
        .unwrap();
        assert_eq!(rowid_ranges(&conn, 4), None);
        for i in 0..10 {
            conn.execute(
                "INSERT INTO Files VALUES (?1, 'HomeDomain', 'x', 1, x'00')",
                [format!("{i:02x}")],
            )
            .unwrap();
        }
        assert_eq!(
            rowid_ranges(&conn, 4).unwrap(),
            vec![(1, 2), (3, 4), (5, 6), (7, 10)]
        );
        assert_eq!(rowid_ranges(&conn, 1).unwrap(), vec![(1, 10)]);
        assert_eq!(rowid_ranges(&conn, 20).unwrap().len(), 10);
        let path = Path::new("Manifest.db");
        let mut seen = 0;
        for (a, b) in rowid_ranges(&conn, 3).unwrap() {
            seen += for_each_row_in(&conn, path, &Rows::Rowids(a, b), |_| {}).unwrap();
        }
        assert_eq!(seen, 10);
        assert_eq!(count_rows(&conn, path).unwrap(), 10);
        let ids = Rows::FileIds("03".into(), "06".into());
        let mut got = Vec::new();
        for_each_row_in(&conn, path, &ids, |row| {
            got.push(String::from_utf8_lossy(row.file_id).into_owned())
        })
        .unwrap();
        assert_eq!(got, ["03", "04", "05"]);
    }

    #[test]
    fn header_check_names_empty_and_foreign_files() {
        let tmp = tempfile::tempdir().unwrap();
        let empty = tmp.path().join("Manifest.db");
        std::fs::write(&empty, b"").unwrap();
        assert!(matches!(check_header(&empty), Err(Error::EmptyFile { .. })));
        std::fs::write(&empty, [0x8a; 4096]).unwrap();
        assert!(matches!(check_header(&empty), Err(Error::NotSqlite { .. })));
        std::fs::write(&empty, b"SQLite").unwrap();
        assert!(matches!(check_header(&empty), Err(Error::NotSqlite { .. })));
    }

    #[test]
    fn reading_leaves_nothing_beside_a_wal_database() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("Manifest.db");
        {
            let conn = Connection::open(&db).unwrap();
            conn.execute_batch(
                "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
                 INSERT INTO Files VALUES ('ab', 'HomeDomain', 'Library', 2, x'00');
                 PRAGMA journal_mode=WAL;",
            )
            .unwrap();
        }
        let before: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        let mut seen = Vec::new();
        let rows = for_each_row_in(&open(&db).unwrap(), &db, &Rows::All, |row| {
            seen.push((row.domain.to_string(), row.flags))
        })
        .unwrap();
        assert_eq!(rows, 1);
        assert_eq!(seen, vec![("HomeDomain".to_string(), 2)]);
        let after: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(before, after);
    }
}

#[cfg(test)]
mod budget_tests {
    use super::*;

    /// A manifest shaped like a real one: 40-hex fileIDs, domains, paths, and MBFile-sized blobs.
    fn sound_db(dir: &Path, rows: usize) -> std::path::PathBuf {
        let path = dir.join("Manifest.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
             CREATE INDEX FilesDomainIdx ON Files(domain);
             BEGIN;",
        )
        .unwrap();
        for i in 0..rows {
            conn.execute(
                "INSERT INTO Files VALUES (?1, 'AppDomain-net.whatsapp.WhatsApp', ?2, 1, zeroblob(300))",
                rusqlite::params![format!("{i:040x}"), format!("Library/Media/{i}.jpg")],
            )
            .unwrap();
        }
        conn.execute_batch("COMMIT;").unwrap();
        path
    }

    #[test]
    fn a_sound_scan_stays_far_inside_the_step_budget() {
        let tmp = tempfile::tempdir().unwrap();
        let path = sound_db(tmp.path(), 20_000);
        let bytes = std::fs::metadata(&path).unwrap().len();
        let conn = open(&path).unwrap();
        let steps = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = steps.clone();
        conn.progress_handler(
            1,
            Some(move || {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                false
            }),
        );
        let mut rows = 0;
        let mut stmt = conn
            .prepare("SELECT fileID, domain, relativePath, flags, file FROM Files")
            .unwrap();
        let mut q = stmt.query([]).unwrap();
        while q.next().unwrap().is_some() {
            rows += 1;
        }
        drop(q);
        let count: i64 = conn
            .query_row("SELECT count(*) FROM Files", [], |r| r.get(0))
            .unwrap();
        assert_eq!((rows, count), (20_000, 20_000));
        let steps = steps.load(std::sync::atomic::Ordering::Relaxed);
        println!("{steps} steps for {bytes} bytes");
        // Both queries together: at least 20 times inside the budget of the file's bytes.
        assert!(
            steps * 20 < bytes * STEPS_PER_BYTE,
            "{steps} steps for {bytes} bytes"
        );
        // And the readers under the budget read it whole.
        conn.progress_handler(0, None::<fn() -> bool>);
        assert_eq!(
            for_each_row_in(&conn, &path, &Rows::All, |_| {}).unwrap(),
            20_000
        );
        assert_eq!(count_rows(&conn, &path).unwrap(), 20_000);
    }

    #[test]
    fn a_query_past_its_budget_is_a_file_whose_reading_does_not_end() {
        let tmp = tempfile::tempdir().unwrap();
        let path = sound_db(tmp.path(), 100);
        let conn = open(&path).unwrap();
        // The same interruption the budget makes, forced at once.
        conn.progress_handler(1, Some(|| true));
        let err = conn
            .query_row("SELECT count(*) FROM Files", [], |r| r.get::<_, i64>(0))
            .unwrap_err();
        let err = Error::sqlite(&path, err);
        assert!(matches!(err, Error::Runaway { .. }), "{err}");
        assert!(err.to_string().contains("reading it does not end"), "{err}");
    }
}
