//! Reads the `Files` table of a plain Manifest.db straight from its b-tree pages: the fast path for large
//! backups. SQLite stays the reference: this reader declines anything it does not fully understand, and
//! tests hold it to SQLite's rows on every generated manifest.
//!
//! Format: <https://www.sqlite.org/fileformat2.html> (b-tree pages, cells, records, overflow pages).

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;

use rusqlite::Connection;

use super::manifest_db::ManifestRow;

/// The reader met something outside what it handles; SQLite reads the table instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declined(pub &'static str);

type Read<T> = std::result::Result<T, Declined>;

/// The columns this reader expects, in this order (the schema every iOS 10+ Manifest.db has).
const COLUMNS: [&str; 5] = ["fileID", "domain", "relativePath", "flags", "file"];
/// Deeper than any real table (a billion rows fit in 5 levels): a deeper walk means a cycle.
const MAX_DEPTH: usize = 40;
/// Consecutive leaf pages read with one system call.
const RUN_PAGES: usize = 64;
/// A row larger than this is left to SQLite (MBFile records are a few hundred bytes).
const MAX_PAYLOAD: usize = 16 << 20;

/// The leaf pages of an open `Files` table, in rowid order.
pub struct FilesTable {
    file: File,
    page_size: usize,
    /// Page size less the bytes reserved at the end of each page.
    usable: usize,
    pages: u64,
    leaves: Vec<u32>,
    /// Pages visited while collecting leaves: more than the file holds means pages are shared or loop.
    visited: u64,
}

impl FilesTable {
    /// Finds the `Files` table through SQLite's own schema and collects its leaf pages. `Ok(None)` when the
    /// database is not laid out as this reader expects.
    pub fn open(path: &Path, conn: &Connection) -> std::io::Result<Option<FilesTable>> {
        let Some((root, page_size)) = schema(conn) else {
            return Ok(None);
        };
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        let mut header = [0u8; 100];
        if read_at(&file, &mut header, 0).is_err() {
            return Ok(None);
        }
        let Some(usable) = usable_size(page_size, header[20]) else {
            return Ok(None);
        };
        let mut table = FilesTable {
            file,
            page_size,
            usable,
            pages: len / page_size as u64,
            leaves: Vec::new(),
            visited: 0,
        };
        let mut page = vec![0u8; page_size];
        match table.collect_leaves(root, 0, &mut page) {
            Ok(()) => Ok(Some(table)),
            Err(_) => Ok(None),
        }
    }

    pub fn leaves(&self) -> &[u32] {
        &self.leaves
    }

    fn read_page(&self, number: u32, buf: &mut [u8]) -> Read<()> {
        if number == 0 || u64::from(number) > self.pages {
            return Err(Declined("a page number beyond the file"));
        }
        read_at(
            &self.file,
            buf,
            (u64::from(number) - 1) * self.page_size as u64,
        )
    }

    /// Walks the interior pages from `number` down, appending leaf page numbers in order.
    fn collect_leaves(&mut self, number: u32, depth: usize, page: &mut Vec<u8>) -> Read<()> {
        self.visited += 1;
        if depth > MAX_DEPTH || self.visited > self.pages {
            return Err(Declined("the b-tree loops"));
        }
        self.read_page(number, page)?;
        let start = if number == 1 { 100 } else { 0 };
        match page.get(start) {
            Some(0x0D) => {
                self.leaves.push(number);
                Ok(())
            }
            Some(0x05) => {
                let cells = usize::from(be16(page, start + 3)?);
                let right = be32(page, start + 8)?;
                let mut children = Vec::with_capacity(cells + 1);
                for i in 0..cells {
                    let at = usize::from(be16(page, start + 12 + 2 * i)?);
                    children.push(be32(page, at)?);
                }
                children.push(right);
                for child in children {
                    self.collect_leaves(child, depth + 1, page)?;
                }
                Ok(())
            }
            _ => Err(Declined("a page of an unexpected kind")),
        }
    }

    /// Calls `visit` for every row on the given leaf pages (a slice of [`FilesTable::leaves`]), in order.
    /// Returns the number of rows.
    pub fn for_each_row(
        &self,
        leaves: &[u32],
        mut visit: impl FnMut(&ManifestRow<'_>),
    ) -> Read<u64> {
        let mut buf = vec![0u8; self.page_size * RUN_PAGES];
        let mut payload = Vec::new();
        let mut overflow = vec![0u8; self.page_size];
        // Each overflow page of a sound table belongs to one row: reading more than the file holds means
        // chains loop or are shared, and a few bytes could otherwise make this read terabytes (every cell
        // of every leaf claiming 16 MiB from a chain that points at itself).
        let mut overflow_left = self.pages;
        let mut rows = 0u64;
        let mut rest = leaves;
        while let Some(&first) = rest.first() {
            // Leaves written in order sit next to each other in the file: read a run of them at once.
            let run = rest
                .iter()
                .take(RUN_PAGES)
                .enumerate()
                .take_while(|&(i, &p)| u64::from(p) == u64::from(first) + i as u64)
                .count();
            let bytes = &mut buf[..run * self.page_size];
            if u64::from(first) + run as u64 - 1 > self.pages || first <= 1 {
                return Err(Declined("a leaf page beyond the file"));
            }
            read_at(
                &self.file,
                bytes,
                (u64::from(first) - 1) * self.page_size as u64,
            )?;
            for page in bytes.chunks_exact(self.page_size) {
                rows += self.leaf_rows(
                    page,
                    &mut payload,
                    &mut overflow,
                    &mut overflow_left,
                    &mut visit,
                )?;
            }
            rest = &rest[run..];
        }
        Ok(rows)
    }

    fn leaf_rows(
        &self,
        page: &[u8],
        payload: &mut Vec<u8>,
        overflow: &mut [u8],
        overflow_left: &mut u64,
        visit: &mut impl FnMut(&ManifestRow<'_>),
    ) -> Read<u64> {
        if page[0] != 0x0D {
            return Err(Declined("a leaf page changed kind"));
        }
        let cells = usize::from(be16(page, 3)?);
        let usable = self.usable;
        // How much of a payload stays on the leaf (the rest goes to overflow pages): fileformat2 §1.6.
        let max_local = usable - 35;
        let min_local = (usable - 12) * 32 / 255 - 23;
        // The cells of a sound page do not overlap, so their local payloads fit in it together. Cell
        // pointers that all name one large cell would otherwise read it (and hand it on) thousands of times.
        let mut local_bytes = 0;
        for i in 0..cells {
            let mut at = usize::from(be16(page, 8 + 2 * i)?);
            let (size, n) = varint(page, at)?;
            at += n;
            let (_rowid, n) = varint(page, at)?;
            at += n;
            let size = usize::try_from(size)
                .ok()
                .filter(|&s| s <= MAX_PAYLOAD)
                .ok_or(Declined("a huge row"))?;
            let local = if size <= max_local {
                size
            } else {
                let k = min_local + (size - min_local) % (usable - 4);
                if k <= max_local {
                    k
                } else {
                    min_local
                }
            };
            local_bytes += local;
            if local_bytes > usable {
                return Err(Declined("cells that overlap"));
            }
            let record: &[u8] = if size <= max_local {
                page.get(at..at + size)
                    .ok_or(Declined("a cell beyond its page"))?
            } else {
                payload.clear();
                payload.extend_from_slice(page.get(at..at + local).ok_or(Declined("a cell"))?);
                let mut next = be32(page, at + local)?;
                // Each overflow page adds usable - 4 bytes, so the loop ends even if the chain cycles; the
                // budget ends it after as many pages as the file holds.
                while payload.len() < size {
                    if next == 0 {
                        return Err(Declined("a broken overflow chain"));
                    }
                    *overflow_left = overflow_left
                        .checked_sub(1)
                        .ok_or(Declined("overflow chains that loop or are shared"))?;
                    self.read_page(next, overflow)?;
                    next = be32(overflow, 0)?;
                    let take = (size - payload.len()).min(usable - 4);
                    payload.extend_from_slice(&overflow[4..4 + take]);
                }
                payload
            };
            visit_record(record, visit)?;
        }
        Ok(cells as u64)
    }
}

/// The bytes of a page that hold cells, from the page size and the header's reserved bytes at the end of
/// each page; `None` outside the format.
fn usable_size(page_size: usize, reserved: u8) -> Option<usize> {
    // SQLite only opens page sizes of 512 to 65,536 bytes, but the buffers here are sized from this one:
    // checked again rather than trusted. The format allows a usable size down to 480 bytes.
    let usable = page_size.checked_sub(usize::from(reserved))?;
    ((512..=65536).contains(&page_size) && usable >= 480).then_some(usable)
}

/// The `Files` table's root page and the page size, if the schema is the one this reader knows.
fn schema(conn: &Connection) -> Option<(u32, usize)> {
    let encoding: String = conn.query_row("PRAGMA encoding", [], |r| r.get(0)).ok()?;
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).ok()?;
    let (root, sql): (i64, String) = conn
        .query_row(
            "SELECT rootpage, sql FROM sqlite_master WHERE type = 'table' AND name = 'Files'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok()?;
    let mut stmt = conn.prepare("PRAGMA table_info(Files)").ok()?;
    // (name, declared type, default, position in the primary key)
    let columns: Vec<(String, String, Option<String>, i64)> = stmt
        .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(4)?, r.get(5)?)))
        .ok()?
        .collect::<rusqlite::Result<_>>()
        .ok()?;
    let names: Vec<&str> = columns.iter().map(|c| c.0.as_str()).collect();
    // SQLite gives a value the record does not hold: a column's DEFAULT for records written before an
    // ALTER TABLE added it, and the rowid for an INTEGER PRIMARY KEY (stored as NULL). Leave both to SQLite.
    let stored_as_read = columns.iter().all(|(_, kind, default, pk)| {
        default.is_none() && (*pk == 0 || !kind.eq_ignore_ascii_case("INTEGER"))
    });
    let plain = encoding == "UTF-8"
        && names == COLUMNS
        && stored_as_read
        && !sql.to_ascii_uppercase().contains("WITHOUT ROWID");
    plain.then_some((u32::try_from(root).ok()?, usize::try_from(page_size).ok()?))
}

/// One column of a record, as SQLite's typed value would be.
#[derive(Clone, Copy)]
enum Value<'a> {
    Null,
    Int(i64),
    Real,
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

fn visit_record(record: &[u8], visit: &mut impl FnMut(&ManifestRow<'_>)) -> Read<()> {
    let (header_len, mut at) = varint(record, 0)?;
    let header_len = usize::try_from(header_len).map_err(|_| Declined("a record header"))?;
    if header_len > record.len() || header_len < at {
        return Err(Declined("a record header beyond its record"));
    }
    let mut body = header_len;
    // Columns added by a later ALTER TABLE are absent from older records: they read as NULL.
    let mut values = [Value::Null; 5];
    for value in values.iter_mut() {
        if at >= header_len {
            break;
        }
        let (serial, n) = varint(record, at)?;
        at += n;
        let (v, len) = column(record, body, serial)?;
        *value = v;
        body += len;
    }
    let [file_id, domain, relative_path, flags, blob] = values;
    visit(&ManifestRow {
        file_id: bytes(file_id),
        domain: text(bytes(domain)),
        relative_path: text(bytes(relative_path)),
        flags: match flags {
            Value::Int(i) => i,
            _ => 0,
        },
        blob: match blob {
            Value::Blob(b) => b,
            _ => &[],
        },
    });
    Ok(())
}

/// A value of serial type `serial` at `at`, and its length.
fn column(record: &[u8], at: usize, serial: u64) -> Read<(Value<'_>, usize)> {
    let int = |len: usize| -> Read<(Value<'_>, usize)> {
        let bytes = record
            .get(at..at + len)
            .ok_or(Declined("a value beyond its record"))?;
        // Big-endian two's complement of 1 to 8 bytes: sign-extend from the first byte.
        let mut v: i64 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
        for &b in bytes {
            v = (v << 8) | i64::from(b);
        }
        Ok((Value::Int(v), len))
    };
    match serial {
        0 => Ok((Value::Null, 0)),
        1 => int(1),
        2 => int(2),
        3 => int(3),
        4 => int(4),
        5 => int(6),
        6 => int(8),
        7 => Ok((Value::Real, 8)),
        8 => Ok((Value::Int(0), 0)),
        9 => Ok((Value::Int(1), 0)),
        10 | 11 => Err(Declined("a reserved serial type")),
        n => {
            let len = usize::try_from((n - 12) / 2).map_err(|_| Declined("a huge value"))?;
            let bytes = record
                .get(at..at.checked_add(len).ok_or(Declined("a huge value"))?)
                .ok_or(Declined("a value beyond its record"))?;
            Ok((
                if n % 2 == 0 {
                    Value::Blob(bytes)
                } else {
                    Value::Text(bytes)
                },
                len,
            ))
        }
    }
}

/// A text or blob column's bytes; anything else as empty, as the SQLite path reads it.
fn bytes(value: Value<'_>) -> &[u8] {
    match value {
        Value::Text(b) | Value::Blob(b) => b,
        _ => &[],
    }
}

/// As the SQLite path does: valid UTF-8 borrowed, anything else replaced.
fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// An SQLite varint (1 to 9 bytes, big-endian, 7 bits a byte, 8 in the ninth) and its length.
fn varint(data: &[u8], at: usize) -> Read<(u64, usize)> {
    let byte = |i: usize| {
        data.get(at + i)
            .copied()
            .ok_or(Declined("a varint beyond its page"))
    };
    let mut v = 0u64;
    for i in 0..8 {
        let b = byte(i)?;
        v = (v << 7) | u64::from(b & 0x7F);
        if b & 0x80 == 0 {
            return Ok((v, i + 1));
        }
    }
    Ok(((v << 8) | u64::from(byte(8)?), 9))
}

fn be16(data: &[u8], at: usize) -> Read<u16> {
    let b = data
        .get(at..at + 2)
        .ok_or(Declined("a field beyond its page"))?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

fn be32(data: &[u8], at: usize) -> Read<u32> {
    let b = data
        .get(at..at + 4)
        .ok_or(Declined("a field beyond its page"))?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn read_at(file: &File, buf: &mut [u8], offset: u64) -> Read<()> {
    #[cfg(unix)]
    let read = std::os::unix::fs::FileExt::read_exact_at(file, buf, offset);
    #[cfg(windows)]
    let read = {
        let mut done = 0;
        let mut result = Ok(());
        while done < buf.len() {
            match std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            ) {
                Ok(0) => {
                    result = Err(std::io::ErrorKind::UnexpectedEof.into());
                    break;
                }
                Ok(n) => done += n,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        result
    };
    read.map_err(|_| Declined("a page that cannot be read"))
}

#[cfg(test)]
mod tests;
