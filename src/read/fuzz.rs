//! Fuzz harnesses: one function per parser of bytes from a user's disk, each asserting what must hold.
//!
//! The cargo-fuzz targets in `tests/fuzz/` are one-line calls to these, and `tests/fuzz_replay.rs` runs
//! the committed seeds and regression inputs through them on stable Rust. A harness panics only when a
//! property fails: a parser returning an error is fine, a parser panicking or answering wrongly is not.

use std::path::{Path, PathBuf};

use super::crypto::{self, Keybag, UnlockError};
use super::manifest_db::{self, Rows};
use super::plists::{self, PlistFile};
use super::{bplist, btree, mbdb, mbfile};
use crate::error::Error;

/// One MBFile blob: the fast reader declines or agrees with the `plist` crate wherever the crate reads it,
/// and `decode` gives the crate's answer there.
pub fn mbfile(data: &[u8]) {
    let reference = mbfile::decode_reference(data);
    let fast = bplist::mbfile_size_mode(data);
    let decoded = mbfile::decode(data);
    if let Ok(r) = &reference {
        assert!(r.size <= mbfile::MAX_FILE_SIZE);
        if let Some((size, mode)) = fast {
            // A size the fast reader finds out of range sends `decode` to the reference: not a disagreement.
            if u64::try_from(size).is_ok_and(|s| s <= mbfile::MAX_FILE_SIZE) {
                assert_eq!(size as u64, r.size, "fast and reference sizes differ");
                let mode = mode.and_then(|m| u32::try_from(m).ok()).unwrap_or(0);
                assert_eq!(mode, r.mode, "fast and reference modes differ");
            }
        }
        assert_eq!(decoded.as_ref(), Ok(r), "decode differs from the reference");
    }
    match (&decoded, &reference) {
        // Where the reference refuses, `decode` may still size the record, but only through the fast reader.
        (Ok(d), Err(_)) => {
            let (size, mode) = fast.expect("decode succeeded where neither reader did");
            assert_eq!(size as u64, d.size);
            assert_eq!(
                mode.and_then(|m| u32::try_from(m).ok()).unwrap_or(0),
                d.mode
            );
        }
        (Err(e), _) => assert!(!e.to_string().is_empty()),
        _ => {}
    }
}

/// The smallest record: five null strings (2 bytes each) and the 40 fixed bytes.
const MIN_MBDB_RECORD: usize = 5 * 2 + 40;
/// A string is at most `u16::MAX - 1` bytes; as text each byte becomes at most 3 (U+FFFD for a bad byte).
const MAX_MBDB_TEXT: usize = 3 * (u16::MAX as usize - 1);

/// A whole Manifest.mbdb: records counted as visited, no more records than the bytes can hold, names no
/// longer than a u16 length allows, errors that name the file.
pub fn mbdb(data: &[u8]) {
    let path = Path::new("fuzz/Manifest.mbdb");
    let mut visited = 0u64;
    let result = mbdb::records_from(data, path, |record| {
        visited += 1;
        assert!(record.domain.len() <= MAX_MBDB_TEXT && record.path.len() <= MAX_MBDB_TEXT);
    });
    match result {
        Ok(count) => {
            assert_eq!(count, visited, "the count differs from the records visited");
            let room = data.len().saturating_sub(6) / MIN_MBDB_RECORD;
            assert!(
                count <= room as u64,
                "{count} records in {} bytes",
                data.len()
            );
        }
        Err(Error::Mbdb { path: p, problem }) => {
            assert_eq!(p, path);
            assert!(!problem.is_empty());
        }
        Err(e) => panic!("reading bytes in memory gave an unexpected error: {e}"),
    }
}

/// The password the keybag seeds are locked with, at one round of each PBKDF2.
pub const KEYBAG_PASSWORD: &[u8] = b"fuzz";
/// Keybags asking for more rounds than this are unwrapped with a fixed key instead of a derived one.
const MAX_FUZZ_ROUNDS: u32 = 16;

/// A keybag followed by a ManifestKey blob: `[blob length u8][blob][keybag]`. Parses the keybag, and if
/// it parses, runs the unlock chain (password key, class keys, Manifest.db key) to an answer.
pub fn keybag(data: &[u8]) {
    let (blob, bag) = match data.split_first() {
        Some((&len, rest)) if usize::from(len) <= rest.len() => rest.split_at(usize::from(len)),
        _ => (&[][..], data),
    };
    let Ok(bag) = Keybag::parse(bag) else {
        return;
    };
    assert!(!bag.salt.is_empty() && bag.iterations > 0);
    assert!(bag
        .class_keys
        .iter()
        .any(|k| k.wrap & crypto::keybag::WRAP_PASSCODE != 0));
    let cheap =
        bag.iterations <= MAX_FUZZ_ROUNDS && bag.dp_iterations.unwrap_or(0) <= MAX_FUZZ_ROUNDS;
    let key = if cheap {
        crypto::passcode_key(&bag, KEYBAG_PASSWORD).expect("a few rounds are allowed")
    } else {
        // Absurd counts are refused before any work; the others would take seconds per input.
        let absurd = bag.iterations > crypto::MAX_ITERATIONS
            || bag.dp_iterations.unwrap_or(0) > crypto::MAX_DP_ITERATIONS;
        if absurd {
            assert!(matches!(
                crypto::passcode_key(&bag, KEYBAG_PASSWORD),
                Err(UnlockError::TooManyRounds { .. })
            ));
        }
        zeroize::Zeroizing::new([0x5A; 32])
    };
    let class_keys = match crypto::unwrap_class_keys(&bag, &key) {
        Ok(keys) => keys,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    match crypto::manifest_key(blob, &class_keys) {
        Ok(_) => assert_eq!(blob.len(), 44),
        Err(UnlockError::BadManifestKey(len)) => assert_eq!(len, blob.len()),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// Splits fuzz bytes into three plists: `[present bits u8][len u16 LE][len u16 LE]` then the bytes of
/// Manifest.plist, Info.plist and Status.plist (the last takes the rest). A plist whose bit is clear is missing.
pub fn split_plists(data: &[u8]) -> [Option<&[u8]>; 3] {
    let (&present, mut rest) = data.split_first().unwrap_or((&0, &[]));
    let mut take = |n: usize| {
        let (head, tail) = rest.split_at(n.min(rest.len()));
        rest = tail;
        head
    };
    let len = |b: &[u8]| {
        usize::from(u16::from_le_bytes([
            b.first().copied().unwrap_or(0),
            b.get(1).copied().unwrap_or(0),
        ]))
    };
    let lens = take(4);
    let (first, second) = (
        len(&lens[..lens.len().min(2)]),
        len(lens.get(2..).unwrap_or(&[])),
    );
    let parts = [take(first), take(second), take(usize::MAX)];
    let mut out = [None; 3];
    for (i, part) in parts.into_iter().enumerate() {
        if present & (1 << i) != 0 {
            out[i] = Some(part);
        }
    }
    out
}

/// The three plists of a backup folder (see [`split_plists`]), through the code `read_device_info` runs.
/// Bit 3 of the first byte says whether Manifest.db is plainly SQLite. Errors are the project's, about
/// Manifest.plist; warnings name the plist they are about.
pub fn plists(data: &[u8]) {
    let names = ["Manifest.plist", "Info.plist", "Status.plist"];
    let paths: Vec<PathBuf> = names.iter().map(|n| Path::new("fuzz").join(n)).collect();
    let parts = split_plists(data);
    for part in parts.iter().flatten() {
        if let Some(name) = plists::item_name(part) {
            assert!(!name.is_empty() && name.trim() == name);
        }
    }
    let file = |i: usize| PlistFile {
        path: &paths[i],
        bytes: Ok(parts[i].map(<[u8]>::to_vec)),
    };
    let plain_db = data.first().is_some_and(|b| b & 8 != 0);
    match plists::device_info(file(0), file(1), file(2), || plain_db) {
        Ok(info) => {
            for warning in &info.warnings {
                assert!(
                    names.iter().any(|n| warning.contains(n)),
                    "a warning names no plist: {warning}"
                );
            }
            if let Some(name) = info.apps.names.values().next() {
                assert!(!name.is_empty());
            }
        }
        Err(Error::Plist { path, problem }) => {
            assert_eq!(path, paths[0]);
            assert!(!problem.is_empty());
            assert!(!plain_db);
        }
        Err(Error::EmptyFile { path }) => {
            assert_eq!(path, paths[0]);
            assert!(!plain_db);
        }
        Err(e) => panic!("an unexpected error from plists in memory: {e}"),
    }
}

/// A whole Manifest.db, written to a temporary file and opened as cloudfit opens one: wherever the b-tree
/// reader and SQLite both read the `Files` table, they read the same rows.
pub fn btree(data: &[u8]) {
    let path = scratch_db("bytes");
    std::fs::write(&path, data).expect("writing the temporary Manifest.db");
    btree_at(&path);
    let _ = std::fs::remove_file(&path);
}

/// A temporary database path of one harness, per process and thread: rewritten for each input and removed
/// after it.
fn scratch_db(harness: &str) -> PathBuf {
    let thread = format!("{:?}", std::thread::current().id()).replace(['(', ')'], "");
    std::env::temp_dir().join(format!(
        "cloudfit-fuzz-{harness}-{}-{thread}.db",
        std::process::id()
    ))
}

/// Compares the two readers on the database at `path`; returns whether both read it.
fn btree_at(path: &Path) -> bool {
    let Ok(conn) = manifest_db::open(path) else {
        return false;
    };
    let Ok(Some(table)) = btree::FilesTable::open(path, &conn) else {
        return false;
    };
    let mut fast = Vec::new();
    let Ok(count) = table.for_each_row(table.leaves(), |row| fast.push(row.owned())) else {
        return false;
    };
    assert_eq!(count as usize, fast.len());
    let mut reference = Vec::new();
    if manifest_db::for_each_row_in(&conn, path, &Rows::All, |row| reference.push(row.owned()))
        .is_ok()
    {
        assert_eq!(
            fast, reference,
            "the b-tree reader and SQLite read different rows"
        );
        return true;
    }
    false
}

/// Rows made from the fuzz bytes and written by SQLite itself into a sound Manifest.db with the real schema:
/// every value type in every column, integers of every width, rows spilling onto overflow pages, deleted
/// rows, page sizes from 512 to 65,536 bytes. The b-tree reader must read such a database, and read every
/// row as SQLite does. Byte flips in a whole file rarely reach a row's values; this target starts there.
pub fn btree_rows(data: &[u8]) {
    let mut bytes = data.iter().copied();
    let mut next = || bytes.next();
    let page_size = 512u32 << (next().unwrap_or(0) % 8);
    let path = scratch_db("rows");
    let _ = std::fs::remove_file(&path);
    {
        let conn = rusqlite::Connection::open(&path).expect("a scratch database");
        conn.execute_batch(&format!(
            "PRAGMA page_size = {page_size}; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; {} {}",
            crate::synth::CREATE_FILES,
            crate::synth::CREATE_REST
        ))
        .expect("the schema");
        let mut insert = conn
            .prepare("INSERT OR IGNORE INTO Files VALUES (?1, ?2, ?3, ?4, ?5)")
            .expect("insert");
        let mut rows = 0;
        while let Some(tag) = next() {
            if rows == 300 {
                break;
            }
            let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(5);
            for column in 0..5u8 {
                values.push(fuzz_value(tag.rotate_left(u32::from(column)), &mut next));
            }
            insert
                .execute(rusqlite::params_from_iter(values))
                .expect("insert a row");
            rows += 1;
        }
        drop(insert);
        // Deleted rows leave freeblocks and fragments in the leaf pages.
        if let Some(every) = next().filter(|n| n % 4 == 0 && *n > 0) {
            conn.execute(
                "DELETE FROM Files WHERE rowid % ?1 = 0",
                [i64::from(every % 7 + 2)],
            )
            .expect("delete");
        }
    }
    assert!(
        btree_at(&path),
        "the b-tree reader declined a sound database"
    );
    let _ = std::fs::remove_file(&path);
}

/// One value of any SQLite type, its size and content drawn from the fuzz bytes.
fn fuzz_value(tag: u8, next: &mut impl FnMut() -> Option<u8>) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    let mut take = |n: usize| -> Vec<u8> { (0..n).map_while(|_| next()).collect() };
    match tag % 7 {
        0 => Value::Null,
        // 0 and 1 have serial types of their own (8 and 9), with no bytes in the record.
        1 => Value::Integer(i64::from(tag & 1)),
        2 => {
            // 1 to 8 bytes, sign-extended: every integer serial type (1 to 6).
            let raw = take(usize::from(tag >> 5) + 1);
            let mut value = if raw.first().is_some_and(|b| b & 0x80 != 0) {
                -1i64
            } else {
                0
            };
            for byte in raw {
                value = (value << 8) | i64::from(byte);
            }
            Value::Integer(value)
        }
        3 => {
            let raw = take(8);
            let mut buf = [0u8; 8];
            buf[..raw.len()].copy_from_slice(&raw);
            Value::Real(f64::from_be_bytes(buf))
        }
        4 => {
            let len = take(1).first().map_or(0, |&n| usize::from(n));
            Value::Text(String::from_utf8_lossy(&take(len)).into_owned())
        }
        5 => {
            let len = take(1).first().map_or(0, |&n| usize::from(n));
            Value::Blob(take(len))
        }
        // Large: overflow pages at every page size up to 16 KiB.
        _ => {
            let len = take(1).first().map_or(0, |&n| usize::from(n) * 97);
            let seed = take(1).first().copied().unwrap_or(0);
            Value::Blob((0..len).map(|i| seed.wrapping_add(i as u8)).collect())
        }
    }
}
