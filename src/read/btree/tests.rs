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
    // Nine bytes at most: a ninth byte with its high bit set ends the varint all the same.
    assert_eq!(varint(&[0xFF; 12], 0), Ok((u64::MAX, 9)));
    assert!(varint(&[0xFF; 8], 0).is_err());
}

/// A table over crafted 512-byte pages (page 1 first), for shapes SQLite never writes; `leaves` unset.
fn crafted(dir: &Path, pages: &[Vec<u8>]) -> FilesTable {
    let path = dir.join("crafted.db");
    std::fs::write(&path, pages.concat()).unwrap();
    FilesTable {
        file: File::open(&path).unwrap(),
        page_size: 512,
        usable: 512,
        pages: pages.len() as u64,
        leaves: Vec::new(),
        visited: 0,
    }
}

/// An interior table page: a cell per child in `children` (key 1), then `right`.
fn interior(children: &[u32], right: u32) -> Vec<u8> {
    let mut page = vec![0u8; 512];
    page[0] = 0x05;
    page[3..5].copy_from_slice(&(children.len() as u16).to_be_bytes());
    page[8..12].copy_from_slice(&right.to_be_bytes());
    for (i, child) in children.iter().enumerate() {
        let at = 200 + 8 * i;
        page[12 + 2 * i..14 + 2 * i].copy_from_slice(&(at as u16).to_be_bytes());
        page[at..at + 4].copy_from_slice(&child.to_be_bytes());
        page[at + 4] = 1;
    }
    page
}

/// A leaf table page whose cell pointers are `pointers`, with `cell` written at offset `at`.
fn leaf(pointers: &[u16], at: usize, cell: &[u8]) -> Vec<u8> {
    let mut page = vec![0u8; 512];
    page[0] = 0x0D;
    page[3..5].copy_from_slice(&(pointers.len() as u16).to_be_bytes());
    for (i, p) in pointers.iter().enumerate() {
        page[8 + 2 * i..10 + 2 * i].copy_from_slice(&p.to_be_bytes());
    }
    page[at..at + cell.len()].copy_from_slice(cell);
    page
}

/// SQLite's varint encoding of `v`.
fn encode_varint(v: u64) -> Vec<u8> {
    if v >> 56 != 0 {
        let mut out: Vec<u8> = (0..8)
            .map(|i| ((v >> (57 - 7 * i)) as u8 & 0x7F) | 0x80)
            .collect();
        out.push(v as u8);
        return out;
    }
    let mut out = vec![(v & 0x7F) as u8];
    let mut rest = v >> 7;
    while rest != 0 {
        out.insert(0, (rest & 0x7F) as u8 | 0x80);
        rest >>= 7;
    }
    out
}

#[test]
fn an_interior_page_claiming_65535_cells_is_declined() {
    let tmp = tempfile::tempdir().unwrap();
    // Cell pointers of garbage (0xFFFF, past the page), then ones that stay inside the page but run off
    // its end before 65,535 of them are read.
    for fill in [0xFFu8, 0x00] {
        let mut page = interior(&[], 3);
        page[3..5].copy_from_slice(&[0xFF, 0xFF]);
        page[12..].fill(fill);
        let mut table = crafted(tmp.path(), &[vec![0; 512], page, leaf(&[], 0, &[])]);
        let got = table.collect_leaves(2, 0, &mut vec![0; 512]);
        assert_eq!(
            got,
            Err(Declined("a field beyond its page")),
            "fill {fill:#x}"
        );
        assert!(table.leaves.is_empty());
    }
}

#[test]
fn page_numbers_past_the_file_are_declined() {
    let tmp = tempfile::tempdir().unwrap();
    let pages = [vec![0; 512], interior(&[u32::MAX], 3), leaf(&[], 0, &[])];
    let mut table = crafted(tmp.path(), &pages);
    let mut buf = vec![0; 512];
    for number in [0, 4, u32::MAX] {
        assert_eq!(
            table.read_page(number, &mut buf),
            Err(Declined("a page number beyond the file"))
        );
    }
    assert_eq!(
        table.collect_leaves(2, 0, &mut buf),
        Err(Declined("a page number beyond the file"))
    );
    // Leaves handed in directly: past the end, page 1 (the schema), a run that crosses the end.
    for leaves in [&[u32::MAX][..], &[1], &[3, 4]] {
        assert_eq!(
            table.for_each_row(leaves, |_| {}),
            Err(Declined("a leaf page beyond the file")),
            "{leaves:?}"
        );
    }
}

#[test]
fn interior_pages_shared_many_times_are_declined_within_the_pages_of_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    // Pages 2 to 31 each name the next three times: 3^30 paths to leaf 32, at a depth the depth limit
    // allows. Only the count of pages visited stops the walk.
    let chain = |children: usize| {
        let mut pages = vec![vec![0; 512]];
        pages.extend((3..=32).map(|next| interior(&vec![next; children], next)));
        pages.push(leaf(&[], 0, &[]));
        pages
    };
    let mut table = crafted(tmp.path(), &chain(0));
    assert_eq!(table.collect_leaves(2, 0, &mut vec![0; 512]), Ok(()));
    assert_eq!(table.leaves, [32], "one path: read as it is");
    let mut table = crafted(tmp.path(), &chain(2));
    assert_eq!(
        table.collect_leaves(2, 0, &mut vec![0; 512]),
        Err(Declined("the b-tree loops"))
    );
    assert!(table.visited <= table.pages + 1);
}

/// A leaf cell of a `size`-byte row (header: no columns) whose overflow chain starts at `first`.
fn overflowing_cell(size: u64, first: u32) -> Vec<u8> {
    let (usable, size_) = (512, size as usize);
    let (max_local, min_local) = (usable - 35, (usable - 12) * 32 / 255 - 23);
    let k = min_local + (size_ - min_local) % (usable - 4);
    let local = if k <= max_local { k } else { min_local };
    let mut cell = encode_varint(size);
    cell.push(1); // rowid
    cell.push(1); // record header length: no columns
    cell.extend(vec![0; local - 1]);
    cell.extend(first.to_be_bytes());
    cell
}

/// An overflow page: the next page's number, then bytes.
fn overflow_page(next: u32) -> Vec<u8> {
    let mut page = vec![0u8; 512];
    page[..4].copy_from_slice(&next.to_be_bytes());
    page
}

#[test]
fn overflow_chains_that_loop_or_are_shared_are_declined() {
    let tmp = tempfile::tempdir().unwrap();
    // A sound chain: 1,000 bytes, 39 on the leaf and the rest on pages 3 and 4.
    let pages = [
        vec![0; 512],
        leaf(&[300], 300, &overflowing_cell(1000, 3)),
        overflow_page(4),
        overflow_page(0),
    ];
    let table = crafted(tmp.path(), &pages);
    assert_eq!(table.for_each_row(&[2], |_| {}), Ok(1));
    // The same leaf listed twice reads each overflow page twice: as many reads as the file has pages.
    assert_eq!(table.for_each_row(&[2, 2], |_| {}), Ok(2));
    assert_eq!(
        table.for_each_row(&[2, 2, 2], |_| {}),
        Err(Declined("overflow chains that loop or are shared"))
    );
    // 16 MiB from a page that names itself next: 33,000 reads of it without the budget (and as many again
    // for every cell pointer that names the cell); declined after the file's 3 pages.
    let pages = [
        vec![0; 512],
        leaf(&[300], 300, &overflowing_cell(16 << 20, 3)),
        overflow_page(3),
    ];
    let table = crafted(tmp.path(), &pages);
    assert_eq!(
        table.for_each_row(&[2], |_| panic!("a row read from a looping chain")),
        Err(Declined("overflow chains that loop or are shared"))
    );
}

#[test]
fn cells_that_overlap_are_declined() {
    let tmp = tempfile::tempdir().unwrap();
    // A 40-byte record (header: no columns) named by `n` cell pointers: 12 fit in a 512-byte page, 13 do
    // not, and 200 would read the same bytes 200 times.
    let mut cell = vec![40, 1, 1];
    cell.extend([0; 39]);
    for (n, want) in [
        (12, Ok(12)),
        (13, Err(Declined("cells that overlap"))),
        (200, Err(Declined("cells that overlap"))),
    ] {
        let pages = [vec![0; 512], leaf(&vec![450; n], 450, &cell)];
        let table = crafted(tmp.path(), &pages);
        assert_eq!(table.for_each_row(&[2], |_| {}), want, "{n} pointers");
    }
}

#[test]
fn lengths_past_their_bytes_are_declined() {
    let tmp = tempfile::tempdir().unwrap();
    // Row sizes past MAX_PAYLOAD, up to the largest 9-byte varint: left to SQLite, nothing allocated.
    for size in [MAX_PAYLOAD as u64 + 1, u64::MAX] {
        let mut cell = encode_varint(size);
        assert_eq!(varint(&cell, 0), Ok((size, cell.len())));
        cell.extend([1, 1]);
        let table = crafted(tmp.path(), &[vec![0; 512], leaf(&[300], 300, &cell)]);
        assert_eq!(
            table.for_each_row(&[2], |_| {}),
            Err(Declined("a huge row"))
        );
    }
    // A record header longer than the record, and a column of 2^63 bytes.
    let mut visit = |_: &ManifestRow<'_>| panic!("a row from a damaged record");
    assert_eq!(
        visit_record(&[0xFF; 9], &mut visit),
        Err(Declined("a record header beyond its record"))
    );
    let mut record = vec![10];
    record.extend([0xFF; 9]);
    assert_eq!(
        visit_record(&record, &mut visit),
        Err(Declined("a value beyond its record"))
    );
}

#[test]
fn page_sizes_outside_the_format_are_declined() {
    assert_eq!(usable_size(512, 0), Some(512));
    assert_eq!(usable_size(512, 32), Some(480));
    assert_eq!(usable_size(65536, 255), Some(65281));
    for (page_size, reserved) in [(512, 33), (256, 0), (0, 0), (131072, 0), (usize::MAX, 0)] {
        assert_eq!(usable_size(page_size, reserved), None, "{page_size}");
    }
}
