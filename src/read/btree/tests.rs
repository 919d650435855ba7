//! The b-tree reader against SQLite itself, row for row.

use super::*;
use crate::read::manifest_db::{for_each_row_in, OwnedRow, Rows};

/// A database with the real schema and awkward rows: NULLs, text where a blob belongs, integers of every
/// width, rows spilling onto overflow pages, bytes that are not UTF-8.
fn awkward_db(dir: &Path, page_size: u32, rows: usize) -> std::path::PathBuf {
    let path = dir.join(format!("Manifest-{page_size}.db"));
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA page_size = {page_size};
         CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
         CREATE INDEX FilesDomainIdx ON Files(domain);
         CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);"
    ))
    .unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    for i in 0..rows {
        let id = format!("{:040x}", i * 7919);
        let flags: rusqlite::types::Value = match i % 7 {
            0 => rusqlite::types::Value::Null,
            1 => (1i64 << 40).into(),
            2 => (-3i64).into(),
            3 => 2.5f64.into(),
            4 => 300i64.into(),
            _ => 1i64.into(),
        };
        let blob: rusqlite::types::Value = match i % 11 {
            0 => rusqlite::types::Value::Null,
            1 => "text, not a blob".to_string().into(),
            // Larger than a page: spills onto one or more overflow pages.
            2 => vec![i as u8; 3 * page_size as usize + i % 97].into(),
            _ => vec![(i % 251) as u8; 100 + i % 300].into(),
        };
        let path: rusqlite::types::Value = match i % 13 {
            0 => vec![0x66u8, 0xFF, 0x6F].into(), // a blob, not UTF-8
            1 => rusqlite::types::Value::Null,
            _ => format!("Library/Caches/file-{i}.db").into(),
        };
        tx.execute(
            "INSERT INTO Files VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                id,
                format!("AppDomain-com.example.{}", i % 5),
                path,
                flags,
                blob
            ],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    // Rows deleted in the middle leave free pages that must not be read as rows.
    conn.execute("DELETE FROM Files WHERE rowid % 17 = 0", [])
        .unwrap();
    path
}

fn sqlite_rows(conn: &Connection, path: &Path) -> Vec<OwnedRow> {
    let mut rows = Vec::new();
    for_each_row_in(conn, path, &Rows::All, |row| rows.push(row.owned())).unwrap();
    rows
}

#[test]
fn reads_every_row_as_sqlite_does() {
    let tmp = tempfile::tempdir().unwrap();
    for (page_size, rows) in [(512, 3000), (4096, 5000), (65536, 800)] {
        let path = awkward_db(tmp.path(), page_size, rows);
        let conn = crate::read::manifest_db::open(&path).unwrap();
        let table = FilesTable::open(&path, &conn)
            .unwrap()
            .expect("the plain layout");
        assert!(
            table.leaves().len() > 1,
            "page size {page_size}: a multi-level tree"
        );
        let mut fast = Vec::new();
        let count = table
            .for_each_row(table.leaves(), |row| fast.push(row.owned()))
            .unwrap();
        let want = sqlite_rows(&conn, &path);
        assert_eq!(count as usize, want.len());
        assert_eq!(fast, want, "page size {page_size}");

        // Any split of the leaves reads the same rows.
        let (a, b) = table.leaves().split_at(table.leaves().len() / 3);
        let mut split = Vec::new();
        table
            .for_each_row(b, |row| split.push(row.owned()))
            .unwrap();
        let mut first = Vec::new();
        table
            .for_each_row(a, |row| first.push(row.owned()))
            .unwrap();
        first.extend(split);
        assert_eq!(first, want);
    }
}

#[test]
fn declines_layouts_it_does_not_know() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, sql) in [
        (
            "without-rowid.db",
            "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB) WITHOUT ROWID;",
        ),
        (
            "reordered.db",
            "CREATE TABLE Files (domain TEXT, fileID TEXT PRIMARY KEY, relativePath TEXT, flags INTEGER, file BLOB);",
        ),
        (
            // flags is the rowid: SQLite reads it from the cell, the record holds NULL.
            "rowid-alias.db",
            "CREATE TABLE Files (fileID TEXT, domain TEXT, relativePath TEXT, flags INTEGER PRIMARY KEY, file BLOB);",
        ),
        (
            // Records written before the ALTER TABLE lack flags and file: SQLite reads the defaults.
            "defaults.db",
            "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT);
             INSERT INTO Files VALUES ('00', 'HomeDomain', 'a');
             ALTER TABLE Files ADD COLUMN flags INTEGER DEFAULT 1;
             ALTER TABLE Files ADD COLUMN file BLOB DEFAULT x'00';",
        ),
        (
            "utf16.db",
            "PRAGMA encoding = 'UTF-16le'; CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);",
        ),
    ] {
        let path = tmp.path().join(name);
        Connection::open(&path).unwrap().execute_batch(sql).unwrap();
        let conn = crate::read::manifest_db::open(&path).unwrap();
        assert!(FilesTable::open(&path, &conn).unwrap().is_none(), "{name}");
    }
}

#[test]
fn damaged_pages_are_declined_not_misread() {
    let tmp = tempfile::tempdir().unwrap();
    let path = awkward_db(tmp.path(), 1024, 2000);
    let good = std::fs::read(&path).unwrap();
    let conn = crate::read::manifest_db::open(&path).unwrap();
    let table = FilesTable::open(&path, &conn).unwrap().unwrap();
    let leaf = table.leaves()[table.leaves().len() / 2] as usize;
    drop(table);
    drop(conn);
    // Every byte of one leaf page's header and cell pointers, set to garbage in turn: never a panic,
    // and a declined read or the same number of cells.
    for offset in 0..64 {
        let mut bad = good.clone();
        bad[(leaf - 1) * 1024 + offset] ^= 0xA5;
        std::fs::write(&path, &bad).unwrap();
        let conn = crate::read::manifest_db::open(&path).unwrap();
        if let Ok(Some(table)) = FilesTable::open(&path, &conn) {
            let _ = table.for_each_row(table.leaves(), |_| {});
        }
    }
    // Truncated after the schema: pages beyond the end are declined.
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let conn = crate::read::manifest_db::open(&path).unwrap();
    if let Ok(Some(table)) = FilesTable::open(&path, &conn) {
        assert!(table.for_each_row(table.leaves(), |_| {}).is_err());
    }
}

#[test]
fn interior_pages_pointing_back_are_declined_quickly() {
    let tmp = tempfile::tempdir().unwrap();
    let path = awkward_db(tmp.path(), 512, 3000);
    let conn = crate::read::manifest_db::open(&path).unwrap();
    let (root, _) = schema(&conn).unwrap();
    drop(conn);
    // Point every child of the root (an interior page) back at the root itself: without a bound on the
    // pages visited, the walk would branch without end.
    let mut bytes = std::fs::read(&path).unwrap();
    let page = (root as usize - 1) * 512;
    assert_eq!(bytes[page], 0x05, "the root is an interior page");
    let cells = usize::from(u16::from_be_bytes([bytes[page + 3], bytes[page + 4]]));
    for i in 0..cells {
        let at = page
            + usize::from(u16::from_be_bytes([
                bytes[page + 12 + 2 * i],
                bytes[page + 13 + 2 * i],
            ]));
        bytes[at..at + 4].copy_from_slice(&root.to_be_bytes());
    }
    bytes[page + 8..page + 12].copy_from_slice(&root.to_be_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let conn = crate::read::manifest_db::open(&path).unwrap();
    assert!(FilesTable::open(&path, &conn).unwrap().is_none());
}

#[test]
fn varints_take_one_to_nine_bytes() {
    assert_eq!(varint(&[0x05], 0), Ok((5, 1)));
    assert_eq!(varint(&[0x81, 0x00], 0), Ok((128, 2)));
    assert_eq!(varint(&[0xFF; 9], 0), Ok((u64::MAX, 9)));
    assert!(varint(&[0x81], 0).is_err());
}
