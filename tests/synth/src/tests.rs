//! Checks the written backups against the record by reading them back with SQLite and plist.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use plist::Value;
use rusqlite::{Connection, OpenFlags};

use super::catalog::{file_id, hex_id};
use super::*;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn files_under(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    out.sort();
    Ok(out)
}

fn sample() -> io::Result<(tempfile::TempDir, SampleSet)> {
    let dir = tempfile::tempdir()?;
    let set = write_sample_set(dir.path())?;
    Ok((dir, set))
}

fn open_immutable(db: &Path) -> io::Result<Connection> {
    let uri = format!("file:{}?immutable=1", db.display());
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
    Connection::open_with_flags(uri, flags).map_err(io::Error::other)
}

/// Resolves an MBFile field the way a reader must: inline, or a UID into `$objects`.
fn mb_field(archive: &Value, key: &str) -> Option<Value> {
    let d = archive.as_dictionary()?;
    let objects = d.get("$objects")?.as_array()?;
    let root = d.get("$top")?.as_dictionary()?.get("root")?.as_uid()?.get();
    let mb = objects.get(root as usize)?.as_dictionary()?;
    match mb.get(key)? {
        Value::Uid(u) => objects.get(u.get() as usize).cloned(),
        v => Some(v.clone()),
    }
}

/// An encrypted backup opened the way a reader does it, from the folder and the password.
struct Unlocked {
    /// Usable class keys (keybag records with `WRAP` = 2) by protection class.
    class_keys: BTreeMap<u32, crypto::Key>,
    manifest_db: Vec<u8>,
}

fn be32(v: &[u8]) -> u32 {
    u32::from_be_bytes([v[0], v[1], v[2], v[3]])
}

fn cbc_decrypt(key: &crypto::Key, data: &[u8]) -> io::Result<Vec<u8>> {
    use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
    cbc::Decryptor::<aes::Aes256>::new(key.into(), &[0u8; 16].into())
        .decrypt_padded_vec_mut::<Pkcs7>(data)
        .map_err(|e| io::Error::other(format!("CBC decrypt: {e}")))
}

/// Parses `BackupKeyBag`, derives the passcode key, unwraps the class keys and `ManifestKey`,
/// and decrypts Manifest.db. An error for a wrong password.
fn unlock(folder: &Path, password: &str) -> io::Result<Unlocked> {
    let manifest = Value::from_file(folder.join("Manifest.plist")).map_err(io::Error::other)?;
    let get = |k: &str| {
        manifest
            .as_dictionary()
            .and_then(|d| d.get(k))
            .and_then(Value::as_data)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| io::Error::other(format!("no {k}")))
    };
    let bag = get("BackupKeyBag")?;
    let manifest_key = get("ManifestKey")?;
    let mut header: BTreeMap<[u8; 4], Vec<u8>> = BTreeMap::new();
    let mut records: Vec<BTreeMap<[u8; 4], Vec<u8>>> = Vec::new();
    let mut at = 0;
    while at + 8 <= bag.len() {
        let tag = [bag[at], bag[at + 1], bag[at + 2], bag[at + 3]];
        let len = be32(&bag[at + 4..]) as usize;
        let value = bag[at + 8..at + 8 + len].to_vec();
        at += 8 + len;
        if &tag == b"UUID" && header.contains_key(b"UUID") {
            records.push(BTreeMap::new());
        }
        match records.last_mut() {
            Some(r) => r.insert(tag, value),
            None => header.insert(tag, value),
        };
    }
    assert_eq!(at, bag.len(), "keybag ends on a record boundary");
    assert_eq!(be32(&header[b"VERS"]), 4);
    assert_eq!(be32(&header[b"TYPE"]), 1);
    assert_eq!(be32(&header[b"WRAP"]), 0);
    assert_eq!(be32(&header[b"DPWT"]), 1);
    assert_eq!((header[b"SALT"].len(), header[b"DPSL"].len()), (20, 20));
    assert_eq!((header[b"UUID"].len(), header[b"HMCK"].len()), (16, 40));
    let k = crypto::passcode_key(
        password.as_bytes(),
        &header[b"DPSL"],
        be32(&header[b"DPIC"]),
        &header[b"SALT"],
        be32(&header[b"ITER"]),
    );
    let mut class_keys = BTreeMap::new();
    let mut wraps = BTreeMap::new();
    for r in &records {
        let class = be32(&r[b"CLAS"]);
        let wrap = be32(&r[b"WRAP"]);
        assert_eq!(be32(&r[b"KTYP"]), 0);
        assert_eq!((r[b"UUID"].len(), r[b"WPKY"].len()), (16, 40));
        wraps.insert(class, wrap);
        if wrap & 2 != 0 {
            let key = crypto::unwrap(&k, &r[b"WPKY"])?;
            if wrap == 2 {
                class_keys.insert(class, key);
            }
        }
    }
    assert_eq!(
        wraps.keys().copied().collect::<Vec<_>>(),
        (1..=11).collect::<Vec<_>>()
    );
    assert_eq!((wraps[&7], wraps[&11]), (3, 1));
    let class = u32::from_le_bytes([
        manifest_key[0],
        manifest_key[1],
        manifest_key[2],
        manifest_key[3],
    ]);
    let class_key = class_keys
        .get(&class)
        .ok_or_else(|| io::Error::other("no class key"))?;
    let db_key = crypto::unwrap(class_key, &manifest_key[4..])?;
    let manifest_db = cbc_decrypt(&db_key, &fs::read(folder.join("Manifest.db"))?)?;
    Ok(Unlocked {
        class_keys,
        manifest_db,
    })
}

/// The MBFile's `EncryptionKey` names its own class and unwraps under it; the data file's
/// ciphertext decrypts to `size` zero bytes (in full when small, its first 4 KiB otherwise).
fn check_encrypted_file(
    u: &Unlocked,
    archive: &Value,
    class: u64,
    size: u64,
    data: &[u8],
) -> io::Result<()> {
    let ek = mb_field(archive, "EncryptionKey");
    let ek = ek
        .as_ref()
        .and_then(Value::as_dictionary)
        .and_then(|d| d.get("NS.data"))
        .and_then(Value::as_data)
        .ok_or_else(|| io::Error::other("no EncryptionKey.NS.data"))?;
    assert_eq!(ek.len(), 44);
    let prefix = u32::from_le_bytes([ek[0], ek[1], ek[2], ek[3]]);
    assert_eq!(u64::from(prefix), class);
    let file_key = crypto::unwrap(&u.class_keys[&prefix], &ek[4..])?;
    if padded_len(size) <= 4_096 {
        assert_eq!(cbc_decrypt(&file_key, data)?, vec![0u8; size as usize]);
    } else {
        use aes::cipher::{BlockDecryptMut, KeyIvInit};
        let mut head = data[..4_096].to_vec();
        let mut d = cbc::Decryptor::<aes::Aes256>::new((&file_key).into(), &[0u8; 16].into());
        for block in head.chunks_exact_mut(16) {
            d.decrypt_block_mut(aes::cipher::generic_array::GenericArray::from_mut_slice(
                block,
            ));
        }
        assert!(
            head.iter().all(|&b| b == 0),
            "ciphertext head decrypts to zeros"
        );
    }
    Ok(())
}

#[test]
fn record_sums_are_consistent() -> io::Result<()> {
    let (_dir, set) = sample()?;
    assert_eq!(set.skipped, ["Photos export"]);
    assert_eq!(set.backups.len(), 6);
    for b in &set.backups {
        let want = if b.id.starts_with("5d1a") {
            "manifest-mbdb"
        } else {
            "manifest-db"
        };
        assert_eq!(b.format, want, "{}", b.id);
        // Encrypted or not, the record carries the full figures.
        assert_eq!(b.encrypted, b.password.is_some(), "{}", b.id);
        assert!(b.bytes.is_some() && b.directories.is_some() && b.symlinks.is_some());
        let bytes = b.bytes.unwrap_or_default();
        let files = b.files.unwrap_or_default();
        let cat_bytes: u64 = b.categories.values().map(|c| c.bytes).sum();
        let cat_files: u64 = b.categories.values().map(|c| c.files).sum();
        let dom_bytes: u64 = b.domains.values().map(|c| c.bytes).sum();
        let dom_files: u64 = b.domains.values().map(|c| c.files).sum();
        assert_eq!((cat_bytes, cat_files), (bytes, files), "{}", b.id);
        assert_eq!((dom_bytes, dom_files), (bytes, files), "{}", b.id);
        let app_bytes: u64 = b.apps.values().map(|a| a.bytes).sum();
        let app_files: u64 = b.apps.values().map(|a| a.files).sum();
        let apps = b.categories.get("apps").copied().unwrap_or_default();
        assert_eq!((app_bytes, app_files), (apps.bytes, apps.files), "{}", b.id);
        assert_eq!(b.categories.len(), 32, "{}: every category present", b.id);
        assert_eq!(b.subsets.len(), 3, "{}: every subset present", b.id);
        let top = b
            .categories
            .iter()
            .max_by_key(|(_, c)| c.bytes)
            .map(|(k, _)| k.as_str());
        assert_eq!(top, Some("photos"));
        let top_app = b
            .apps
            .iter()
            .max_by_key(|(_, a)| a.bytes)
            .map(|(k, _)| k.as_str());
        assert_eq!(top_app, Some("net.whatsapp.WhatsApp"));
    }
    let maya = &set.backups[0];
    assert_eq!(maya.id, "00008120-001A2B3C4D5E6F70");
    assert_eq!(maya.device_name, "Maya's iPhone");
    assert_eq!(maya.last_backup, "2026-11-20T08:15:00Z");
    let archived = &set.backups[1];
    assert_eq!(archived.id, "00008120-001A2B3C4D5E6F70-20260901-101500");
    assert!(archived.archived && archived.udid == maya.udid);
    assert!(archived.bytes < maya.bytes && archived.files < maya.files);
    let ipad = &set.backups[2];
    assert_eq!(ipad.state, "incomplete");
    assert_eq!((ipad.missing.files, ipad.orphans.files), (3, 2));
    let (sam, lee) = (&set.backups[3], &set.backups[4]);
    assert_eq!(sam.password.as_deref(), Some(SAM_PASSWORD));
    assert_eq!(lee.password.as_deref(), Some(LEE_PASSWORD));
    assert_eq!(
        (lee.device_name.as_str(), lee.product_type.as_str()),
        ("Lee's iPad", "iPad13,4")
    );
    assert_ne!(sam.udid, lee.udid);
    let old = &set.backups[5];
    assert_eq!(
        (old.device_name.as_str(), old.ios_version.as_str()),
        ("Old iPhone", "9.3.5")
    );
    assert_eq!((old.missing.files, old.orphans.files), (2, 1));
    assert!(!old.encrypted && old.state == "finished");
    let disk: u64 = set.backups.iter().map(|b| b.disk_bytes).sum();
    assert!(disk < 3_700_000, "sample set is {disk} bytes");
    Ok(())
}

#[test]
fn disk_totals_match_the_tree() -> io::Result<()> {
    let (dir, set) = sample()?;
    for b in &set.backups {
        let files = files_under(&dir.path().join("Backup").join(&b.id))?;
        let mut bytes = 0;
        for f in &files {
            bytes += fs::metadata(f)?.len();
        }
        assert_eq!(
            (files.len() as u64, bytes),
            (b.disk_files, b.disk_bytes),
            "{}",
            b.id
        );
    }
    Ok(())
}

#[test]
fn same_spec_same_bytes() -> io::Result<()> {
    let (a, set_a) = sample()?;
    let (b, set_b) = sample()?;
    assert_eq!(set_a, set_b);
    let files_a = files_under(a.path())?;
    let files_b = files_under(b.path())?;
    assert_eq!(files_a.len(), files_b.len());
    for (fa, fb) in files_a.iter().zip(&files_b) {
        assert_eq!(
            fa.strip_prefix(a.path()).ok(),
            fb.strip_prefix(b.path()).ok()
        );
        assert!(fs::read(fa)? == fs::read(fb)?, "{} differs", fa.display());
    }
    Ok(())
}

#[test]
fn manifest_db_matches_the_record() -> io::Result<()> {
    let (dir, set) = sample()?;
    let scratch = tempfile::tempdir()?;
    let mut classes_seen = BTreeSet::new();
    for b in set.backups.iter().filter(|b| b.format == "manifest-db") {
        let folder = dir.path().join("Backup").join(&b.id);
        let unlocked = match &b.password {
            Some(password) => Some(unlock(&folder, password)?),
            None => None,
        };
        let db = match &unlocked {
            Some(u) => {
                let plain = scratch.path().join(format!("{}.db", b.id));
                fs::write(&plain, &u.manifest_db)?;
                plain
            }
            None => folder.join("Manifest.db"),
        };
        let header = fs::read(&db)?;
        assert_eq!(&header[..16], b"SQLite format 3\0");
        assert_eq!((header[18], header[19]), (2, 2), "WAL mode in the header");
        assert!(!folder.join("Manifest.db-wal").exists());
        assert!(!folder.join("Manifest.db-shm").exists());

        let conn = open_immutable(&db)?;
        let schema: Vec<String> = {
            let mut st = conn
                .prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid")
                .map_err(io::Error::other)?;
            let rows = st.query_map([], |r| r.get(0)).map_err(io::Error::other)?;
            rows.collect::<Result<_, _>>().map_err(io::Error::other)?
        };
        assert_eq!(
            schema,
            [
                "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)",
                "CREATE INDEX FilesDomainIdx ON Files(domain)",
                "CREATE INDEX FilesRelativePathIdx ON Files(relativePath)",
                "CREATE INDEX FilesFlagsIdx ON Files(flags)",
                "CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)",
            ]
        );

        let mut st = conn
            .prepare("SELECT fileID, domain, relativePath, flags, file FROM Files")
            .map_err(io::Error::other)?;
        type Row = (String, Option<String>, Option<String>, i64, Option<Vec<u8>>);
        let rows: Vec<Row> = st
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .map_err(io::Error::other)?
            .collect::<Result<_, _>>()
            .map_err(io::Error::other)?;
        let mut count = BTreeMap::<i64, u64>::new();
        let mut domains = BTreeMap::<String, Counts>::new();
        let mut missing = 0;
        for (id, domain, path, flags, blob) in rows {
            *count.entry(flags).or_default() += 1;
            let (Some(domain), Some(path), Some(blob)) = (domain, path, blob) else {
                assert_eq!(flags, 16);
                continue;
            };
            assert_eq!(id, hex_id(&file_id(&domain, &path)));
            let archive = Value::from_reader(io::Cursor::new(blob)).map_err(io::Error::other)?;
            let rel = mb_field(&archive, "RelativePath");
            assert_eq!(rel.as_ref().and_then(Value::as_string), Some(path.as_str()));
            let size = mb_field(&archive, "Size").and_then(|v| v.as_unsigned_integer());
            let mode = mb_field(&archive, "Mode").and_then(|v| v.as_unsigned_integer());
            let mode = mode.unwrap_or_default() & 0xF000;
            let class = mb_field(&archive, "ProtectionClass").and_then(|v| v.as_unsigned_integer());
            let encryption_key = mb_field(&archive, "EncryptionKey");
            match flags {
                1 => {
                    assert_eq!(mode, 0x8000);
                    let size = size.unwrap_or(u64::MAX);
                    let class = class.unwrap_or_default();
                    assert!((1..=4).contains(&class), "{path}: class {class}");
                    classes_seen.insert(class);
                    let c = domains.entry(domain).or_default();
                    c.files += 1;
                    c.bytes += size;
                    let data = folder.join(&id[..2]).join(&id);
                    match (fs::metadata(&data), &unlocked) {
                        (Ok(m), None) => {
                            assert_eq!(m.len(), size, "{path}");
                            assert!(encryption_key.is_none(), "{path}");
                        }
                        (Ok(m), Some(u)) => {
                            assert_eq!(m.len(), padded_len(size), "{path}");
                            check_encrypted_file(u, &archive, class, size, &fs::read(&data)?)?;
                        }
                        (Err(_), _) => missing += 1,
                    }
                }
                2 => {
                    assert_eq!((mode, size), (0x4000, Some(0)));
                    assert!(encryption_key.is_none() && class == Some(0));
                }
                4 => {
                    assert_eq!((mode, size), (0xA000, Some(0)));
                    assert!(encryption_key.is_none() && class == Some(0));
                    assert!(mb_field(&archive, "Target").is_some());
                }
                other => panic!("unexpected flags {other}"),
            }
        }
        assert_eq!(count.get(&1).copied(), b.files, "{}", b.id);
        assert_eq!(count.get(&2).copied(), b.directories, "{}", b.id);
        assert_eq!(count.get(&4).copied(), b.symlinks, "{}", b.id);
        assert!(count.get(&16).copied().unwrap_or_default() >= 1);
        assert_eq!(domains, b.domains, "{}", b.id);
        assert_eq!(missing, b.missing.files, "{}", b.id);
    }
    assert_eq!(classes_seen, BTreeSet::from([1, 2, 3, 4]));
    Ok(())
}

/// A big-endian reader over one Manifest.mbdb, written here from the format description.
struct Mbdb<'a>(&'a [u8]);

impl Mbdb<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    fn uint(&mut self, n: usize) -> u64 {
        self.take(n).iter().fold(0, |v, &b| v << 8 | u64::from(b))
    }
    fn string(&mut self) -> Option<Vec<u8>> {
        match self.uint(2) {
            0xFFFF => None,
            n => Some(self.take(n as usize).to_vec()),
        }
    }
}

#[test]
fn manifest_mbdb_matches_the_record() -> io::Result<()> {
    let (dir, set) = sample()?;
    let mbdb: Vec<&ExpectedBackup> = set
        .backups
        .iter()
        .filter(|b| b.format == "manifest-mbdb")
        .collect();
    assert_eq!(mbdb.len(), 1);
    for b in mbdb {
        let folder = dir.path().join("Backup").join(&b.id);
        assert!(!folder.join("Manifest.db").exists());
        let bytes = fs::read(folder.join("Manifest.mbdb"))?;
        assert_eq!(&bytes[..6], b"mbdb\x05\x00");
        let mut r = Mbdb(&bytes[6..]);
        let (mut files, mut dirs, mut links, mut missing) = (0u64, 0u64, 0u64, 0u64);
        let mut domains = BTreeMap::<String, Counts>::new();
        let mut ids = BTreeSet::new();
        let mut props_seen = BTreeSet::new();
        let mut keys = BTreeSet::new();
        while !r.0.is_empty() {
            let domain =
                String::from_utf8(r.string().expect("domain")).map_err(io::Error::other)?;
            let path = String::from_utf8(r.string().expect("path")).map_err(io::Error::other)?;
            assert!(!path.contains('\u{e9}'), "{path} is not NFD");
            let target = r.string();
            let hash = r.string();
            assert_eq!(r.string(), None, "EncryptionKey in a plain backup");
            let mode = r.uint(2) & 0xF000;
            let _inode = r.uint(8);
            assert_eq!((r.uint(4), r.uint(4)), (501, 501));
            let _times = (r.uint(4), r.uint(4), r.uint(4));
            let size = r.uint(8);
            let class = r.uint(1);
            let props = r.uint(1);
            for _ in 0..props {
                assert!(r.string().is_some() && r.string().is_some());
            }
            props_seen.insert(props);
            let id = hex_id(&file_id(&domain, &path));
            assert!(
                keys.insert((domain.clone(), path.clone())),
                "{domain}-{path} twice"
            );
            match mode {
                0x8000 => {
                    files += 1;
                    assert!((1..=4).contains(&class) && hash.is_some_and(|h| h.len() == 20));
                    let c = domains.entry(domain).or_default();
                    c.files += 1;
                    c.bytes += size;
                    match fs::metadata(folder.join(&id)) {
                        Ok(m) => assert_eq!(m.len(), size, "{path}"),
                        Err(_) => missing += 1,
                    }
                    ids.insert(id);
                }
                0x4000 => {
                    dirs += 1;
                    assert_eq!((size, class, hash, target), (0, 0, None, None));
                }
                0xA000 => {
                    links += 1;
                    assert_eq!((size, class, hash), (0, 0, None));
                    assert!(target.is_some());
                }
                other => panic!("mode {other:#x}"),
            }
        }
        assert_eq!(Some(files), b.files, "{}", b.id);
        assert_eq!(Some(dirs), b.directories, "{}", b.id);
        assert_eq!(Some(links), b.symlinks, "{}", b.id);
        assert_eq!(domains, b.domains, "{}", b.id);
        assert_eq!(missing, b.missing.files, "{}", b.id);
        assert_eq!(props_seen, BTreeSet::from([0, 1, 2]));
        // Flat: no shard folders; every other file is a plist, the manifest or an orphan.
        let mut orphans = Counts::default();
        for entry in fs::read_dir(&folder)? {
            let entry = entry?;
            assert!(entry.file_type()?.is_file(), "{:?}", entry.path());
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with("plist") && name != "Manifest.mbdb" && !ids.contains(&name) {
                orphans.files += 1;
                orphans.bytes += entry.metadata()?.len();
            }
        }
        assert_eq!(orphans, b.orphans, "{}", b.id);
    }
    Ok(())
}

#[test]
fn mbdb_paths_are_nfd_and_unique() {
    let mut cat = catalog::build(&catalog::Shape {
        phone_content: true,
        spec_files: Vec::new(),
        files: 200,
        avg_file_size: 500,
        seed: 9,
        last_backup: 1_559_383_200,
        earlier: None,
    });
    let before = cat.entries.len();
    mbdb::decompose_paths(&mut cat);
    // The NFC "Café menu.pdf" is the NFD one on an old device: one row fewer.
    assert_eq!(cat.entries.len(), before - 1);
    let ids: BTreeSet<[u8; 20]> = cat.entries.iter().map(|e| e.file_id).collect();
    assert_eq!(ids.len(), cat.entries.len());
    for e in &cat.entries {
        assert!(mbdb::nfd(&e.path).is_none(), "{}", e.path);
        assert_eq!(e.file_id, file_id(&cat.domains[e.domain as usize], &e.path));
    }
    assert!(cat.entries.windows(2).all(|w| w[0].file_id < w[1].file_id));
}

#[test]
fn encrypted_backups_are_opaque_and_block_aligned() -> io::Result<()> {
    let (dir, set) = sample()?;
    let encrypted: Vec<&ExpectedBackup> = set.backups.iter().filter(|b| b.encrypted).collect();
    assert_eq!(encrypted.len(), 2);
    for b in encrypted {
        let folder = dir.path().join("Backup").join(&b.id);
        let db = fs::read(folder.join("Manifest.db"))?;
        assert!(!db.starts_with(b"SQLite format 3"));
        assert_eq!(db.len() % 16, 0);
        for f in files_under(&folder)? {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.len() == 40 {
                assert_eq!(fs::metadata(&f)?.len() % 16, 0, "{}", f.display());
            }
        }
        let manifest = Value::from_file(folder.join("Manifest.plist")).map_err(io::Error::other)?;
        let d = manifest.as_dictionary();
        assert_eq!(
            d.and_then(|d| d.get("IsEncrypted"))
                .and_then(Value::as_boolean),
            Some(true)
        );
        let key = d
            .and_then(|d| d.get("ManifestKey"))
            .and_then(Value::as_data);
        assert!(key.is_some_and(|k| k.len() == 44 && k[..4] == [4, 0, 0, 0]));
        assert!(unlock(&folder, "not the password").is_err(), "{}", b.id);
    }
    Ok(())
}

#[test]
fn plists_agree_with_each_other_and_the_record() -> io::Result<()> {
    let (dir, set) = sample()?;
    for b in &set.backups {
        let folder = dir.path().join("Backup").join(&b.id);
        let info = Value::from_file(folder.join("Info.plist")).map_err(io::Error::other)?;
        let manifest = Value::from_file(folder.join("Manifest.plist")).map_err(io::Error::other)?;
        let status = Value::from_file(folder.join("Status.plist")).map_err(io::Error::other)?;
        let get = |v: &Value, k: &str| v.as_dictionary().and_then(|d| d.get(k)).cloned();
        let date = get(&info, "Last Backup Date").and_then(|v| v.as_date());
        assert_eq!(date.map(|d| d.to_xml_format()), Some(b.last_backup.clone()));
        let name = get(&info, "Device Name");
        assert_eq!(
            name.as_ref().and_then(Value::as_string),
            Some(b.device_name.as_str())
        );
        let state = get(&status, "SnapshotState");
        let want = if b.state == "finished" {
            "finished"
        } else {
            "uploading"
        };
        assert_eq!(state.as_ref().and_then(Value::as_string), Some(want));

        let installed: BTreeSet<String> = get(&info, "Installed Applications")
            .and_then(Value::into_array)
            .unwrap_or_default()
            .into_iter()
            .filter_map(Value::into_string)
            .collect();
        let apps = get(&manifest, "Applications").and_then(Value::into_dictionary);
        let data_apps: BTreeSet<String> = apps
            .iter()
            .flat_map(|d| d.iter())
            .filter(|(_, v)| {
                get(v, "ContainerContentClass")
                    .and_then(Value::into_string)
                    .as_deref()
                    == Some("Data/Application")
            })
            .map(|(k, _)| k.clone())
            .collect();
        assert_eq!(installed, data_apps);
        let app_domains: BTreeSet<String> = b
            .domains
            .keys()
            .filter_map(|d| d.strip_prefix("AppDomain-"))
            .map(str::to_owned)
            .collect();
        // An earlier copy lists the phone's apps of today; an app whose files were all born since has none
        // in it yet.
        match b.archived {
            true => assert!(app_domains.is_subset(&installed), "{}", b.id),
            false => assert_eq!(installed, app_domains),
        }
    }
    Ok(())
}

#[test]
fn refuses_to_overwrite() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let spec = BackupSpec {
        files: 0,
        avg_file_size: 100,
        ..BackupSpec::default()
    };
    write_backup(dir.path(), &spec)?;
    let again = write_backup(dir.path(), &spec);
    assert!(again.is_err_and(|e| e.kind() == io::ErrorKind::AlreadyExists));
    Ok(())
}

#[test]
fn encrypted_specs_need_a_password_and_plain_ones_refuse_one() {
    let dir = std::env::temp_dir();
    for spec in [
        BackupSpec {
            encrypted: true,
            ..BackupSpec::default()
        },
        BackupSpec {
            encrypted: true,
            password: Some(String::new()),
            ..BackupSpec::default()
        },
        BackupSpec {
            password: Some("pw".into()),
            ..BackupSpec::default()
        },
        BackupSpec {
            encrypted: true,
            password: Some("pw".into()),
            dpic: 0,
            ..BackupSpec::default()
        },
        BackupSpec {
            format: Format::ManifestMbdb,
            encrypted: true,
            password: Some("pw".into()),
            ..BackupSpec::default()
        },
    ] {
        let r = write_backup(&dir, &spec);
        assert!(r.is_err_and(|e| e.kind() == io::ErrorKind::InvalidInput));
    }
}

#[test]
fn rejects_unsafe_names() {
    let dir = std::env::temp_dir();
    for spec in [
        BackupSpec {
            udid: "../escape".into(),
            ..BackupSpec::default()
        },
        BackupSpec {
            archive_suffix: Some("/x".into()),
            ..BackupSpec::default()
        },
    ] {
        let r = write_backup(&dir, &spec);
        assert!(r.is_err_and(|e| e.kind() == io::ErrorKind::InvalidInput));
    }
}
