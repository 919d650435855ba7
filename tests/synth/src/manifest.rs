//! Writes Manifest.db: the Files table (one row per catalog entry) in WAL mode like a device's.

use std::fs;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::catalog::{hex_id, Catalog, Kind};
use super::crypto::{encrypt_cbc, Keys};
use super::mbfile::{xattr_blob, MbFile, MODE_DIR, MODE_FILE, MODE_SYMLINK};
use super::rng::Rng;

/// The schema of iOS 10+ backups, statement for statement.
pub const CREATE_FILES: &str =
    "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);";
/// Created after the rows are in: building an index from sorted data once is several times
/// faster than updating it per row, and `sqlite_schema` still ends up in the device's order.
pub const CREATE_REST: &str = "
CREATE INDEX FilesDomainIdx ON Files(domain);
CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
CREATE INDEX FilesFlagsIdx ON Files(flags);
CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);
";

/// Rows with this flag value and NULL domain, path and blob occur in real backups; readers skip them.
const FLAG_UNKNOWN: i64 = 16;

fn db_err(path: &Path, what: &str, e: rusqlite::Error) -> io::Error {
    io::Error::other(format!("{what} in {}: {e}", path.display()))
}

/// Writes a plain (unencrypted) Manifest.db at `path` and returns its length in bytes. With
/// `keys` (an encrypted backup) every regular file's MBFile carries its wrapped key; the
/// database itself is still plaintext until [`encrypt_in_place`].
///
/// One transaction and one prepared statement for every row; the journal is off while
/// building (a crash just means a fixture to rebuild) and switched to WAL at the end so the
/// header's read/write versions (bytes 18 and 19) are 2, as in real backups. Closing the only
/// connection checkpoints and removes `-wal` and `-shm`.
pub(crate) fn write_plain(
    path: &Path,
    cat: &Catalog,
    seed: u64,
    keys: Option<&Keys>,
) -> io::Result<u64> {
    if path.exists() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} already exists", path.display()),
        ));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|e| db_err(path, "open", e))?;
    conn.execute_batch(
        "PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
         PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;",
    )
    .map_err(|e| db_err(path, "setting build pragmas", e))?;
    conn.execute_batch(CREATE_FILES)
        .map_err(|e| db_err(path, "creating the Files table", e))?;

    let tx = conn
        .transaction()
        .map_err(|e| db_err(path, "begin transaction", e))?;
    {
        let mut insert = tx
            .prepare("INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(|e| db_err(path, "preparing insert", e))?;
        let mut blob = Vec::with_capacity(1024);
        let mut rng = Rng::derive(seed, 2);
        for (i, e) in cat.entries.iter().enumerate() {
            let (flags, mode, target) = match &e.kind {
                Kind::File { .. } => (1i64, MODE_FILE, None),
                Kind::Dir => (2, MODE_DIR, None),
                Kind::Symlink { target } => (4, MODE_SYMLINK, Some(target.as_str())),
            };
            let extended_attributes = if e.meta.xattrs {
                // What Photos and Safari downloads really tag files with.
                let (name, value): (&str, Vec<u8>) = if i % 2 == 0 {
                    ("com.apple.assetsd.UUID", rng.bytes::<16>().to_vec())
                } else {
                    (
                        "com.apple.metadata:kMDItemWhereFroms",
                        b"https://example.org/download".to_vec(),
                    )
                };
                Some(xattr_blob(name, &value)?)
            } else {
                None
            };
            let encryption_key = match (keys, &e.kind) {
                (Some(k), Kind::File { .. }) => {
                    Some(k.encryption_key(e.meta.protection, &k.file_key(&e.file_id))?)
                }
                _ => None,
            };
            let record = MbFile {
                relative_path: &e.path,
                mode,
                size: e.size(),
                protection_class: e.meta.protection,
                birth: e.meta.birth,
                last_modified: e.meta.modified,
                last_status_change: e.meta.changed,
                inode: e.meta.inode,
                // Not the content hash: contents are sparse zeros at any size, and hashing
                // gigabytes would defeat the point. Readers have no business verifying it.
                digest: e.meta.digest.then(|| rng.bytes::<20>()),
                extended_attributes,
                target,
                size_as_uid: e.meta.size_uid,
                encryption_key,
            };
            blob.clear();
            record.encode_into(&mut blob)?;
            let domain = cat.domains[e.domain as usize].as_str();
            insert
                .execute((
                    hex_id(&e.file_id),
                    domain,
                    e.path.as_str(),
                    flags,
                    blob.as_slice(),
                ))
                .map_err(|err| db_err(path, &format!("inserting {domain}-{}", e.path), err))?;
        }
        // Two flag-16 rows; their fileIDs are random, like the real ones look.
        for _ in 0..2 {
            insert
                .execute((
                    rng.hex(40, false),
                    None::<&str>,
                    None::<&str>,
                    FLAG_UNKNOWN,
                    None::<&[u8]>,
                ))
                .map_err(|e| db_err(path, "inserting a flags-16 row", e))?;
        }
    }
    tx.execute_batch(CREATE_REST)
        .map_err(|e| db_err(path, "creating the indexes", e))?;
    tx.commit().map_err(|e| db_err(path, "commit", e))?;

    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(|e| db_err(path, "switching to WAL", e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(io::Error::other(format!(
            "{}: journal_mode is {mode}, not wal",
            path.display()
        )));
    }
    conn.close().map_err(|(_, e)| db_err(path, "closing", e))?;
    Ok(fs::metadata(path)?.len())
}

/// Replaces the plain Manifest.db at `path` with its encryption: the whole file, AES-256-CBC
/// with a zero IV and PKCS#7 padding, under the key `ManifestKey` wraps. Streams through a
/// sibling temporary file, then renames it over the original. Returns the new length,
/// `16 * floor(n / 16) + 16`.
pub(crate) fn encrypt_in_place(path: &Path, keys: &Keys) -> io::Result<u64> {
    let ctx = |what: &str, p: &Path, e: io::Error| {
        io::Error::new(e.kind(), format!("{what} {}: {e}", p.display()))
    };
    let tmp = path.with_extension("db.encrypting");
    let len = {
        let mut input = BufReader::new(fs::File::open(path).map_err(|e| ctx("opening", path, e))?);
        let mut output =
            BufWriter::new(fs::File::create_new(&tmp).map_err(|e| ctx("creating", &tmp, e))?);
        let len = encrypt_cbc(keys.manifest_key(), &mut input, &mut output)
            .map_err(|e| ctx("encrypting into", &tmp, e))?;
        output.flush().map_err(|e| ctx("writing", &tmp, e))?;
        len
    };
    fs::rename(&tmp, path).map_err(|e| ctx("renaming over", path, e))?;
    Ok(len)
}
