//! Writes the fuzzers' seed corpora under `tests/fuzz/seeds/<target>/` from synthetic backups.
//!
//! `cargo run --features reference --example fuzz-seeds [-- OUT]` (OUT defaults to `tests/fuzz/seeds`). Every seed is cut
//! from a real-format backup written by [`cloudfit_synth`]: MBFile blobs from a plain and an encrypted
//! Manifest.db, a few records of a Manifest.mbdb, keybags and ManifestKeys of encrypted backups, the three
//! plists, and small Manifest.db files holding real rows. Each is a few KB, so the set stays small in git.
//! The output is the same on every run.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use cloudfit::read::crypto::{self, Keybag};
use cloudfit::read::fuzz::{self, KEYBAG_PASSWORD};
use cloudfit::read::manifest_db::{self, flags, Rows};
use cloudfit_synth::{write_backup, BackupSpec, Format};
use plist::{Dictionary, Value};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "tests/fuzz/seeds".into()),
    );
    let tmp = std::env::temp_dir().join(format!("cloudfit-fuzz-seeds-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let small = BackupSpec {
        files: 1,
        avg_file_size: 1024,
        ..BackupSpec::default()
    };
    let password = String::from_utf8(KEYBAG_PASSWORD.to_vec())?;
    // One round of each PBKDF2: the keybag harness derives the key itself at so few rounds.
    let encrypted = |udid: &str, iter: u32| BackupSpec {
        udid: udid.into(),
        encrypted: true,
        password: Some(password.clone()),
        dpic: 1,
        iter,
        ..small.clone()
    };
    let plain_spec = small.clone();
    let enc_spec = encrypted("00008120-0000000000000E01", 1);
    // More rounds than the harness derives: its class keys meet a fixed key, the wrong-password path.
    let slow_spec = encrypted("00008120-0000000000000E02", 10_000);
    let mbdb_spec = BackupSpec {
        udid: "0123456789abcdef0123456789abcdef01234567".into(),
        format: Format::ManifestMbdb,
        ios_version: "9.3.5".into(),
        ..small.clone()
    };
    for spec in [&plain_spec, &enc_spec, &slow_spec, &mbdb_spec] {
        write_backup(&tmp, spec)?;
    }
    let plain = tmp.join(plain_spec.folder_name());
    let enc = tmp.join(enc_spec.folder_name());
    let slow = tmp.join(slow_spec.folder_name());
    let old = tmp.join(mbdb_spec.folder_name());

    let dir = |target: &str| -> io::Result<PathBuf> {
        let d = out.join(target);
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d)?;
        Ok(d)
    };

    // mbfile: blobs of a file, a folder, a symlink, the largest, and an encrypted backup's file.
    let d = dir("mbfile")?;
    let rows = read_rows(&manifest_db::open(&plain.join("Manifest.db"))?, &plain)?;
    let first = |flag: i64| rows.iter().find(|r| r.0 == flag).map(|r| r.1.clone());
    let largest = rows.iter().max_by_key(|r| r.1.len()).map(|r| r.1.clone());
    for (name, blob) in [
        ("file", first(flags::FILE)),
        ("folder", first(flags::DIRECTORY)),
        ("symlink", first(flags::SYMLINK)),
        ("largest", largest),
    ] {
        fs::write(d.join(name), blob.ok_or(format!("no {name} row"))?)?;
    }
    let key = unlock(&enc)?;
    let conn = manifest_db::open_encrypted(&enc.join("Manifest.db"), &key)?;
    let encrypted_rows = read_rows(&conn, &enc)?;
    let blob = encrypted_rows.iter().find(|r| r.0 == flags::FILE);
    fs::write(
        d.join("encrypted-file"),
        &blob.ok_or("no encrypted file row")?.1,
    )?;

    // mbdb: the header and the first records; records from the middle; records with extended attributes.
    let d = dir("mbdb")?;
    let mbdb = fs::read(old.join("Manifest.mbdb"))?;
    let bounds = record_bounds(&mbdb)?;
    let header = &mbdb[..6];
    let slice = |from: usize, to: usize| [header, &mbdb[bounds[from].0..bounds[to - 1].1]].concat();
    fs::write(d.join("first-records"), slice(0, 6))?;
    let middle = bounds.len() / 2;
    fs::write(d.join("middle-records"), slice(middle, middle + 6))?;
    if let Some(i) = bounds.iter().position(|b| b.2 > 0) {
        fs::write(d.join("extended-attributes"), slice(i, i + 1))?;
    }
    fs::write(d.join("header-only"), header)?;

    // keybag: [ManifestKey length][ManifestKey][BackupKeyBag], as the harness reads them.
    let d = dir("keybag")?;
    for (name, folder, with_key) in [
        ("unlocks", &enc, true),
        ("no-manifest-key", &enc, false),
        ("wrong-key", &slow, true),
    ] {
        let manifest = dict(&folder.join("Manifest.plist"))?;
        let data = |key: &str| {
            manifest
                .get(key)
                .and_then(Value::as_data)
                .ok_or(format!("Manifest.plist has no {key}"))
        };
        let blob = if with_key { data("ManifestKey")? } else { &[] };
        let seed = [
            &[u8::try_from(blob.len())?][..],
            blob,
            data("BackupKeyBag")?,
        ]
        .concat();
        fs::write(d.join(name), seed)?;
    }

    // plists: Manifest.plist, Info.plist and Status.plist in the harness's framing.
    let d = dir("plists")?;
    let read = |folder: &Path, name: &str| fs::read(folder.join(name));
    let (manifest, info, status) = (
        read(&plain, "Manifest.plist")?,
        read(&plain, "Info.plist")?,
        read(&plain, "Status.plist")?,
    );
    fs::write(
        d.join("all-three"),
        frame(0b0111, &manifest, &info, &status)?,
    )?;
    fs::write(
        d.join("encrypted-manifest"),
        frame(0b0101, &read(&enc, "Manifest.plist")?, &[], &status)?,
    )?;
    fs::write(
        d.join("old-device"),
        frame(0b0111, &read(&old, "Manifest.plist")?, &[], &status)?,
    )?;
    // Manifest.plist damaged beside a plain Manifest.db: a warning, details from Info.plist.
    let cut = &manifest[..manifest.len() / 2];
    fs::write(d.join("damaged-manifest"), frame(0b1011, cut, &info, &[])?)?;

    // btree: small Manifest.db files with the real schema and real rows, in 512-byte pages.
    let d = dir("btree")?;
    let schema: String = manifest_db::open(&plain.join("Manifest.db"))?.query_row(
        "SELECT group_concat(sql, ';') FROM sqlite_master WHERE sql IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    let files_only: String = manifest_db::open(&plain.join("Manifest.db"))?.query_row(
        "SELECT sql FROM sqlite_master WHERE name = 'Files'",
        [],
        |r| r.get(0),
    )?;
    let folders: Vec<_> = rows.iter().filter(|r| r.0 == flags::DIRECTORY).collect();
    let symlinks: Vec<_> = rows.iter().filter(|r| r.0 == flags::SYMLINK).collect();
    // Only the Files table and three short rows: the fewer bytes, the likelier a mutation lands in a row.
    small_db(
        &d.join("tiny"),
        &files_only,
        &[folders[0], symlinks[0], folders[1]],
        false,
    )?;
    let files: Vec<_> = rows.iter().filter(|r| r.0 == flags::FILE).collect();
    small_db(
        &d.join("folders"),
        &schema,
        &folders[..6.min(folders.len())],
        false,
    )?;
    // Real file rows overflow a 512-byte page; WAL mode, as on a device.
    small_db(
        &d.join("files-wal"),
        &schema,
        &files[..3.min(files.len())],
        true,
    )?;

    // btree_rows: recipes, not databases (see `fuzz::btree_rows`): a fixed walk through every value kind.
    let d = dir("btree_rows")?;
    let mut state = 0x2545_f491u32;
    let mut lcg = || {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (state >> 24) as u8
    };
    for (name, page_size, len) in [("mixed-512", 0u8, 600usize), ("mixed-4096", 3, 2000)] {
        let mut recipe = vec![page_size];
        recipe.extend((0..len).map(|_| lcg()));
        fs::write(d.join(name), recipe)?;
    }

    // plist_shapes: recipes, not plists (see `fuzz::plist_shapes`).
    let d = dir("plist_shapes")?;
    for (name, recipe) in [
        // A million levels: 15 MB of XML arrays in Manifest.plist, 13 MB of binary dictionaries in Info.plist.
        ("deep-xml-manifest", shape(XML | BY_16, 0, 62_500, 0, 0)),
        ("deep-binary-info", shape(DICTS | BY_16, 1, 62_500, 0, 0)),
        // 511 levels under the top dictionary: at the limit, read. 512 inside iTunesMetadata: one too many.
        ("limit-xml-status", shape(XML | ALTERNATING, 2, 510, 0, 0)),
        ("past-limit-itunes-metadata", shape(0, 3, 511, 0, 0)),
        // Over 2^40 values from 342 bytes in an MBFile's $objects; 1000^3 as its Size.
        ("dag-2-40-mbfile-objects", shape(0, 4, 40, 1, 40)),
        ("dag-mbfile-size", shape(DICTS, 5, 3, 999, 3)),
        ("cycle-mbfile-objects", shape(CYCLE, 4, 4, 2, 0)),
        // A dictionary of 65,536 keys under Lockdown, next to the keybag; a small DAG that fits its bytes.
        ("wide-xml-lockdown", shape(XML | DICTS, 6, 0, 65_535, 0)),
        ("shared-within-budget", shape(CHILD_LAST, 0, 2, 2, 2)),
        // An ordinary shape: read, and the app still named.
        (
            "shallow-xml-itunes-metadata",
            shape(XML | ALTERNATING | DICTS, 3, 2, 3, 0),
        ),
    ] {
        fs::write(d.join(name), recipe)?;
    }
    // Bomb shapes for the byte-level targets too, so mutations start from them: a binary plist of
    // 100,001 nested arrays (about 0.9 MB; `-max_len` must allow it), a DAG of over 2^40 values, 512 levels.
    let deep = |place| fuzz::plist_shape_bytes(&shape(BY_16, place, 6_250, 0, 0));
    let dag = |place| fuzz::plist_shape_bytes(&shape(0, place, 40, 1, 40));
    fs::write(
        out.join("plists/deep-status"),
        frame(0b0111, &manifest, &info, &deep(2))?,
    )?;
    fs::write(
        out.join("plists/dag-manifest"),
        frame(0b0111, &dag(0), &info, &status)?,
    )?;
    let deep_info = fuzz::plist_shape_bytes(&shape(XML, 1, 3_000, 0, 0));
    fs::write(
        out.join("plists/deep-xml-info"),
        frame(0b0111, &manifest, &deep_info, &status)?,
    )?;
    fs::write(out.join("mbfile/deep-objects"), deep(4))?;
    fs::write(out.join("mbfile/dag-objects"), dag(4))?;
    fs::write(
        out.join("mbfile/past-limit-objects"),
        fuzz::plist_shape_bytes(&shape(0, 4, 511, 0, 0)),
    )?;

    fs::remove_dir_all(&tmp)?;
    eprintln!("wrote seeds under {}", out.display());
    Ok(())
}

// Flags of a `plist_shapes` recipe (byte 0).
const XML: u8 = 1;
const DICTS: u8 = 1 << 1;
const ALTERNATING: u8 = 2 << 1;
const BY_16: u8 = 1 << 3;
const CHILD_LAST: u8 = 1 << 4;
const CYCLE: u8 = 1 << 5;

/// A `plist_shapes` recipe: flags, where the structure goes, depth − 1, width − 1, levels sharing a child.
fn shape(flags: u8, place: u8, depth: u16, width: u16, shared: u8) -> Vec<u8> {
    let [d0, d1] = depth.to_le_bytes();
    let [w0, w1] = width.to_le_bytes();
    vec![flags, place, d0, d1, w0, w1, shared]
}

/// `(flags, blob, fileID, domain, relativePath)` of every row.
type Row = (i64, Vec<u8>, Vec<u8>, String, String);

fn read_rows(conn: &rusqlite::Connection, folder: &Path) -> Result<Vec<Row>> {
    let mut out = Vec::new();
    manifest_db::for_each_row_in(conn, &folder.join("Manifest.db"), &Rows::All, |r| {
        out.push((
            r.flags,
            r.blob.to_vec(),
            r.file_id.to_vec(),
            r.domain.to_string(),
            r.relative_path.to_string(),
        ))
    })?;
    Ok(out)
}

/// The Manifest.db key of an encrypted backup locked with [`KEYBAG_PASSWORD`].
fn unlock(folder: &Path) -> Result<crypto::Key> {
    let manifest = dict(&folder.join("Manifest.plist"))?;
    let data = |key: &str| {
        manifest
            .get(key)
            .and_then(Value::as_data)
            .ok_or(key.to_string())
    };
    let bag = Keybag::parse(data("BackupKeyBag")?)?;
    let key = crypto::passcode_key(&bag, KEYBAG_PASSWORD)?;
    let class_keys = crypto::unwrap_class_keys(&bag, &key)?;
    Ok(crypto::manifest_key(data("ManifestKey")?, &class_keys)?)
}

fn dict(path: &Path) -> Result<Dictionary> {
    Value::from_file(path)?
        .into_dictionary()
        .ok_or_else(|| format!("{} is not a dictionary", path.display()).into())
}

/// The plists harness's framing: present bits, two u16 LE lengths, then the three plists.
fn frame(present: u8, manifest: &[u8], info: &[u8], status: &[u8]) -> Result<Vec<u8>> {
    let mut out = vec![present];
    out.extend_from_slice(&u16::try_from(manifest.len())?.to_le_bytes());
    out.extend_from_slice(&u16::try_from(info.len())?.to_le_bytes());
    out.extend_from_slice(manifest);
    out.extend_from_slice(info);
    out.extend_from_slice(status);
    Ok(out)
}

/// `(start, end, extended attribute count)` of each record of a Manifest.mbdb.
fn record_bounds(data: &[u8]) -> Result<Vec<(usize, usize, u8)>> {
    let mut at = 6;
    let mut out = Vec::new();
    let skip = |at: &mut usize| -> Result<()> {
        let len = data.get(*at..*at + 2).ok_or("a truncated Manifest.mbdb")?;
        let len = u16::from_be_bytes([len[0], len[1]]);
        *at += 2 + if len == 0xFFFF { 0 } else { usize::from(len) };
        Ok(())
    };
    while at < data.len() {
        let start = at;
        for _ in 0..5 {
            skip(&mut at)?;
        }
        let properties = *data.get(at + 39).ok_or("a truncated Manifest.mbdb")?;
        at += 40;
        for _ in 0..2 * u16::from(properties) {
            skip(&mut at)?;
        }
        out.push((start, at, properties));
    }
    Ok(out)
}

/// A Manifest.db with the real schema and these rows, in 512-byte pages.
fn small_db(path: &Path, schema: &str, rows: &[&Row], wal: bool) -> Result<()> {
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(&format!("PRAGMA page_size = 512; {schema};"))?;
    for (flags, blob, file_id, domain, relative_path) in rows {
        conn.execute(
            "INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![String::from_utf8_lossy(file_id), domain, relative_path, flags, blob],
        )?;
    }
    if wal {
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA wal_checkpoint(TRUNCATE);")?;
    }
    conn.close().map_err(|(_, e)| e)?;
    for side in ["-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(side);
        let _ = fs::remove_file(PathBuf::from(p));
    }
    Ok(())
}
