//! Fuzz harnesses: one function per parser of bytes from a user's disk, each asserting what must hold.
//!
//! The cargo-fuzz targets in `tests/fuzz/` are one-line calls to these, and `replay.rs` (a unit test, so part
//! of `cargo test`) runs the committed seeds and regression inputs through them on stable Rust. A harness panics only when a
//! property fails: a parser returning an error is fine, a parser panicking or answering wrongly is not.

use std::path::{Path, PathBuf};

use super::crypto::{self, Keybag, UnlockError};
use super::manifest_db::{self, Rows};
use super::plist_value::{self, Refused, MAX_DEPTH};
use super::plists::{self, PlistFile};
use super::{btree, mbdb, mbfile};
use crate::error::Error;

/// One MBFile blob: the fast reader declines or agrees with the `plist` crate wherever the crate reads it,
/// and `decode` gives the crate's answer there.
pub fn mbfile(data: &[u8]) {
    let reference = mbfile::decode_reference(data);
    let fast = mbfile::fast(data);
    let decoded = mbfile::decode(data);
    if let Ok(r) = &reference {
        assert!(r.size <= mbfile::MAX_FILE_SIZE);
        if let Some(fast) = &fast {
            assert_eq!(fast, r, "the fast reader and the reference differ");
        }
        assert_eq!(decoded.as_ref(), Ok(r), "decode differs from the reference");
    }
    match (&decoded, &reference) {
        // Where the reference refuses, `decode` may still size the record, but only through the fast reader.
        (Ok(d), Err(_)) => {
            assert_eq!(
                fast.as_ref(),
                Some(d),
                "decode succeeded where neither reader did"
            )
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
    let plain_db = data.first().is_some_and(|b| b & 8 != 0);
    check_plists(split_plists(data), plain_db);
}

/// [`plists`] on three plists of any size; the device info when the reading did not stop.
fn check_plists(parts: [Option<&[u8]>; 3], plain_db: bool) -> Option<plists::DeviceInfo> {
    let names = ["Manifest.plist", "Info.plist", "Status.plist"];
    let paths: Vec<PathBuf> = names.iter().map(|n| Path::new("fuzz").join(n)).collect();
    for part in parts.iter().flatten() {
        if let Some(name) = plists::item_name(part) {
            assert!(!name.is_empty() && name.trim() == name);
        }
    }
    let file = |i: usize| PlistFile {
        path: &paths[i],
        bytes: Ok(parts[i].map(<[u8]>::to_vec)),
    };
    match plists::device_info(file(0), file(1), file(2), || plain_db) {
        Ok(info) => {
            for warning in info.warnings.iter().map(crate::render::words::warning) {
                assert!(
                    names.iter().any(|n| warning.contains(n)),
                    "a warning names no plist: {warning}"
                );
            }
            if let Some(name) = info.apps.names.values().next() {
                assert!(!name.is_empty());
            }
            return Some(info);
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
    None
}

/// Deepest structure a [`plist_shapes`] recipe builds, and the most entries it spreads over all its levels.
const MAX_SHAPE_DEPTH: usize = 1_000_000;
const MAX_SHAPE_ENTRIES: usize = 1 << 16;
/// The app the built Info.plist names, and the `Size` and `Mode` of the built MBFile.
const SHAPE_APP: &str = "com.fuzz.app";
const SHAPE_SIZE: u64 = 1234;
const SHAPE_MODE: u32 = 0o100644;

/// Plists of shapes no byte flip reaches, built from a recipe of 7 bytes (missing bytes read as 0):
///
/// - byte 0, bits: 0 XML (else binary; MBFiles are always binary); 1–2 arrays, dictionaries, or the two
///   alternating from an array or from a dictionary; 3 depth in steps of 16; 4 each level's child last
///   among its entries (else first); 5 the innermost level refers back to the top, a cycle (binary only);
///   6 Manifest.db is plainly SQLite.
/// - byte 1, where the structure goes (mod 7): 0 Manifest.plist `Applications`, 1 Info.plist `Installed
///   Applications`, 2 Status.plist `SnapshotState`, 3 a plist inside Info.plist `Applications › id ›
///   iTunesMetadata`, 4 an MBFile's `$objects`, 5 an MBFile's `Size`, 6 Manifest.plist `Lockdown`. Every
///   Manifest.plist holds a keybag that unlocks with [`KEYBAG_PASSWORD`].
/// - bytes 2–3, u16 LE: depth − 1 (up to 10^6), nested collections one inside the other.
/// - bytes 4–5, u16 LE: width − 1, the entries of each level (up to 65,536, and as many over all levels).
/// - byte 6: how many levels from the top share their child (binary only): every entry is a reference to
///   the one next level, so 40 levels of width 2 expand to 2^40 values from a few hundred bytes.
///
/// The plist holding the structure must be accepted by `plist_value::parse` exactly when it nests at most
/// [`MAX_DEPTH`] deep and expands to at most one value per byte (plus one), with every value of the built
/// shape, and otherwise refused as too deep (first), as too many values, or (a cycle) for any reason. The
/// files then go through [`plists`]' checks, [`mbfile`] and [`keybag`]: a refused plist is a complaint
/// naming it (or, for iTunesMetadata, no app name), an accepted one none; an MBFile's `Size` is read or
/// refused as its plist is.
pub fn plist_shapes(data: &[u8]) {
    let built = ShapeRecipe::decode(data).build();
    let (recipe, bytes) = (&built.recipe, &built.bytes);
    let parsed = plist_value::parse(bytes);
    if recipe.cycle {
        assert!(parsed.is_err(), "a cyclic plist was read");
    } else {
        let (values, depth) = built.graph.shapes()[built.holder];
        let want = if depth > MAX_DEPTH {
            Err(Refused::TooDeep)
        } else if values > bytes.len() as u64 + 1 {
            Err(Refused::TooManyValues { bytes: bytes.len() })
        } else {
            Ok((values, depth))
        };
        let got = parsed.as_ref().map(measure).map_err(Clone::clone);
        assert_eq!(got, want, "{depth} levels, {values} values");
    }
    let refused = parsed.err();
    let accepted = refused.is_none();

    if let Place::MbFileObjects | Place::MbFileSize = recipe.place {
        let want = match refused {
            Some(refused) => Err(mbfile::MbFileError::NotPlist(refused.to_string())),
            None if recipe.place == Place::MbFileSize => {
                Err(mbfile::MbFileError::BadSize("not an integer"))
            }
            None => Ok(mbfile::MbFile {
                size: SHAPE_SIZE,
                mode: SHAPE_MODE,
                ..mbfile::MbFile::default()
            }),
        };
        assert_eq!(mbfile::decode_reference(bytes), want);
        mbfile(bytes);
        return;
    }
    // The plists around the structure, written as the recipe says.
    let write = |build: &dyn Fn(&mut Graph) -> usize| {
        let mut graph = Graph::default();
        let root = build(&mut graph);
        graph.write(root, recipe.xml)
    };
    let in_manifest = matches!(recipe.place, Place::Manifest | Place::Lockdown);
    let manifest = match in_manifest {
        true => bytes.clone(),
        false => write(&|g| manifest_plist(g, None)),
    };
    let info = match recipe.place {
        Place::Info => bytes.clone(),
        Place::ItunesMetadata => write(&|g| info_plist(g, None, bytes)),
        _ => {
            let metadata = write(&|g| metadata_plist(g, None));
            write(&|g| info_plist(g, None, &metadata))
        }
    };
    let status = match recipe.place {
        Place::Status => bytes.clone(),
        _ => write(&|g| status_plist(g, None)),
    };
    let parts = [Some(&manifest[..]), Some(&info[..]), Some(&status[..])];
    let Some(info) = check_plists(parts, recipe.plain_db) else {
        // Only a refused Manifest.plist beside a Manifest.db that may be encrypted stops the reading.
        assert!(in_manifest && !accepted && !recipe.plain_db);
        return;
    };
    if recipe.place == Place::ItunesMetadata {
        assert!(info.warnings.is_empty(), "{:?}", info.warnings);
        assert_eq!(info.apps.names.contains_key(SHAPE_APP), accepted);
    } else {
        let holder = ["Manifest.plist", "Info.plist", "Status.plist"][match recipe.place {
            Place::Info => 1,
            Place::Status => 2,
            _ => 0,
        }];
        assert_eq!(info.warnings.is_empty(), accepted, "{:?}", info.warnings);
        assert!(info
            .warnings
            .iter()
            .all(|w| crate::render::words::warning(w).contains(holder)));
    }
    // A Manifest.plist that was read gives its keybag and ManifestKey to the unlock chain unchanged.
    let (manifest_key, bag) = unlockable_keybag();
    if in_manifest && !accepted {
        assert!(info.keybag.is_none());
    } else {
        assert!(info.encrypted);
        assert_eq!(info.keybag.as_ref(), Some(bag));
        assert_eq!(info.manifest_key.as_ref(), Some(manifest_key));
        keybag(&[&[manifest_key.len() as u8][..], manifest_key, bag].concat());
    }
}

/// The bytes of the plist (or MBFile) a [`plist_shapes`] recipe puts its structure in: seeds for the
/// byte-level targets.
pub fn plist_shape_bytes(recipe: &[u8]) -> Vec<u8> {
    ShapeRecipe::decode(recipe).build().bytes
}

/// Where a [`plist_shapes`] recipe puts its structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Manifest,
    Info,
    Status,
    ItunesMetadata,
    MbFileObjects,
    MbFileSize,
    Lockdown,
}

/// A decoded [`plist_shapes`] recipe.
#[derive(Debug)]
struct ShapeRecipe {
    xml: bool,
    /// 0 arrays, 1 dictionaries, 2 and 3 alternating from an array or a dictionary at the top.
    kind: u8,
    child_last: bool,
    cycle: bool,
    plain_db: bool,
    place: Place,
    depth: usize,
    width: usize,
    shared: usize,
}

/// A built recipe: the graph of the plist holding the structure, its root, and its bytes.
struct BuiltShape {
    recipe: ShapeRecipe,
    graph: Graph,
    holder: usize,
    bytes: Vec<u8>,
}

impl ShapeRecipe {
    fn decode(data: &[u8]) -> Self {
        let byte = |i: usize| data.get(i).copied().unwrap_or(0);
        let u16_at = |i: usize| usize::from(u16::from_le_bytes([byte(i), byte(i + 1)]));
        let flags = byte(0);
        let place = [
            Place::Manifest,
            Place::Info,
            Place::Status,
            Place::ItunesMetadata,
            Place::MbFileObjects,
            Place::MbFileSize,
            Place::Lockdown,
        ][usize::from(byte(1) % 7)];
        let mbfile = matches!(place, Place::MbFileObjects | Place::MbFileSize);
        let xml = flags & 1 != 0 && !mbfile;
        let step = if flags & 8 != 0 { 16 } else { 1 };
        let depth = (1 + u16_at(2) * step).min(MAX_SHAPE_DEPTH);
        ShapeRecipe {
            xml,
            kind: (flags >> 1) & 3,
            child_last: flags & 16 != 0,
            cycle: flags & 32 != 0 && !xml,
            plain_db: flags & 64 != 0,
            place,
            depth,
            width: (1 + u16_at(4)).min((MAX_SHAPE_ENTRIES / depth).max(1)),
            shared: if xml { 0 } else { usize::from(byte(6)) },
        }
    }

    fn build(self) -> BuiltShape {
        let mut g = Graph::default();
        let shape = self.structure(&mut g);
        let holder = match self.place {
            Place::Manifest => manifest_plist(&mut g, Some(("Applications", shape))),
            Place::Lockdown => manifest_plist(&mut g, Some(("Lockdown", shape))),
            Place::Info => info_plist(&mut g, Some(("Installed Applications", shape)), &[]),
            Place::Status => status_plist(&mut g, Some(("SnapshotState", shape))),
            Place::ItunesMetadata => metadata_plist(&mut g, Some(("Shape", shape))),
            Place::MbFileObjects | Place::MbFileSize => {
                mbfile_archive(&mut g, shape, self.place == Place::MbFileSize)
            }
        };
        let bytes = g.write(holder, self.xml);
        BuiltShape {
            recipe: self,
            graph: g,
            holder,
            bytes,
        }
    }

    /// The nested collections, innermost first; returns the top one.
    fn structure(&self, g: &mut Graph) -> usize {
        let leaves = [
            g.add(Obj::Int(7)),
            g.str("leaf"),
            g.add(Obj::Bool(true)),
            g.add(Obj::Data(vec![0xF0, 0x0D])),
        ];
        let keys: Vec<usize> = match self.kind {
            0 => Vec::new(),
            _ => (0..self.width).map(|i| g.str(&format!("k{i}"))).collect(),
        };
        let child_at = if self.child_last { self.width - 1 } else { 0 };
        let (mut child, mut innermost) = (None, 0);
        for level in (0..self.depth).rev() {
            let entries = (0..self.width).map(|i| match child {
                Some(c) if level < self.shared || i == child_at => c,
                _ => leaves[i % leaves.len()],
            });
            let dict = match self.kind {
                0 => false,
                1 => true,
                kind => (level % 2 == 0) == (kind == 3),
            };
            let obj = match dict {
                true => Obj::Dict(keys.iter().copied().zip(entries).collect()),
                false => Obj::Array(entries.collect()),
            };
            let id = g.add(obj);
            if child.is_none() {
                innermost = id;
            }
            child = Some(id);
        }
        let top = child.expect("at least one level");
        if self.cycle {
            match &mut g.0[innermost] {
                Obj::Array(items) => items[0] = top,
                Obj::Dict(entries) => entries[0].1 = top,
                _ => unreachable!("levels are collections"),
            }
        }
        top
    }
}

/// Values in `value` as the crate's reader counts them (a dictionary key is one), and the collections
/// nested deepest; without recursion.
fn measure(value: &plist::Value) -> (u64, usize) {
    let (mut values, mut deepest) = (0u64, 0);
    let mut todo = vec![(value, 0)];
    while let Some((value, depth)) = todo.pop() {
        values += 1;
        match value {
            plist::Value::Array(items) => todo.extend(items.iter().map(|v| (v, depth + 1))),
            plist::Value::Dictionary(dict) => {
                values += dict.len() as u64;
                todo.extend(dict.values().map(|v| (v, depth + 1)));
            }
            _ => continue,
        }
        deepest = deepest.max(depth + 1);
    }
    (values, deepest)
}

/// `entries` with the structure under its key: in place of the entry of that name, else second.
fn with_shape(
    mut entries: Vec<(&'static str, usize)>,
    shape: Option<(&'static str, usize)>,
) -> Vec<(&'static str, usize)> {
    if let Some((key, id)) = shape {
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = id,
            None => entries.insert(1, (key, id)),
        }
    }
    entries
}

/// An encrypted backup's Manifest.plist: the keybag, then `Lockdown`, `IsEncrypted` and `ManifestKey`.
fn manifest_plist(g: &mut Graph, shape: Option<(&'static str, usize)>) -> usize {
    let (manifest_key, bag) = unlockable_keybag();
    let bag = g.add(Obj::Data(bag.clone()));
    let (udid, name) = (g.str("00008120-000000000000F022"), g.str("Fuzz iPhone"));
    let lockdown = g.dict(vec![("UniqueDeviceID", udid), ("DeviceName", name)]);
    let encrypted = g.add(Obj::Bool(true));
    let manifest_key = g.add(Obj::Data(manifest_key.clone()));
    let entries = vec![
        ("BackupKeyBag", bag),
        ("Lockdown", lockdown),
        ("IsEncrypted", encrypted),
        ("ManifestKey", manifest_key),
    ];
    g.dict(with_shape(entries, shape))
}

/// Info.plist naming one installed app, whose iTunesMetadata is `metadata`.
fn info_plist(g: &mut Graph, shape: Option<(&'static str, usize)>, metadata: &[u8]) -> usize {
    let (name, app) = (g.str("Fuzz iPhone"), g.str(SHAPE_APP));
    let installed = g.add(Obj::Array(vec![app]));
    let metadata = g.add(Obj::Data(metadata.to_vec()));
    let entry = g.dict(vec![("iTunesMetadata", metadata)]);
    let apps = g.dict(vec![(SHAPE_APP, entry)]);
    let entries = vec![
        ("Device Name", name),
        ("Installed Applications", installed),
        ("Applications", apps),
    ];
    g.dict(with_shape(entries, shape))
}

/// The plist of an app's iTunesMetadata, naming it.
fn metadata_plist(g: &mut Graph, shape: Option<(&'static str, usize)>) -> usize {
    let name = g.str("Fuzz App");
    g.dict(with_shape(vec![("itemName", name)], shape))
}

fn status_plist(g: &mut Graph, shape: Option<(&'static str, usize)>) -> usize {
    let state = g.str("finished");
    g.dict(with_shape(vec![("SnapshotState", state)], shape))
}

/// An MBFile archive whose `$objects` end with the structure, or whose `Size` is the structure.
fn mbfile_archive(g: &mut Graph, shape: usize, as_size: bool) -> usize {
    let null = g.str("$null");
    let size = if as_size {
        shape
    } else {
        g.add(Obj::Int(SHAPE_SIZE))
    };
    let mode = g.add(Obj::Int(SHAPE_MODE.into()));
    let file = g.dict(vec![("Size", size), ("Mode", mode)]);
    let mut objects = vec![null, file];
    if !as_size {
        objects.push(shape);
    }
    let objects = g.add(Obj::Array(objects));
    let root = g.add(Obj::Uid(1));
    let top = g.dict(vec![("root", root)]);
    let (version, archiver) = (g.add(Obj::Int(100_000)), g.str("NSKeyedArchiver"));
    let entries = vec![
        ("$version", version),
        ("$archiver", archiver),
        ("$top", top),
        ("$objects", objects),
    ];
    g.dict(entries)
}

/// `(ManifestKey, BackupKeyBag)` of a keybag that unlocks with [`KEYBAG_PASSWORD`] at one round of each
/// PBKDF2: one class key (class 4), which wraps the Manifest.db key.
fn unlockable_keybag() -> &'static (Vec<u8>, Vec<u8>) {
    static KEYS: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let (salt, dp_salt) = ([0x5A; 20], [0xD5; 20]);
        let derive = Keybag {
            salt: salt.to_vec(),
            iterations: 1,
            dp_salt: Some(dp_salt.to_vec()),
            dp_iterations: Some(1),
            ..Keybag::default()
        };
        let password_key = crypto::passcode_key(&derive, KEYBAG_PASSWORD).expect("one round");
        let wrap = |kek: &[u8; 32], key: &[u8; 32]| {
            let mut out = vec![0; 40];
            aes_kw::KekAes256::from(*kek)
                .wrap(key, &mut out)
                .expect("a 32-byte key wraps");
            out
        };
        let class_key = [0xC4; 32];
        let one = 1u32.to_be_bytes();
        let mut bag = Vec::new();
        for (tag, value) in [
            (b"VERS", &4u32.to_be_bytes()[..]),
            (b"UUID", &[0x11; 16]),
            (b"SALT", &salt),
            (b"ITER", &one),
            (b"DPIC", &one),
            (b"DPSL", &dp_salt),
            (b"UUID", &[0x22; 16]),
            (b"CLAS", &4u32.to_be_bytes()),
            (b"WRAP", &crypto::keybag::WRAP_PASSCODE.to_be_bytes()),
            (b"KTYP", &0u32.to_be_bytes()),
            (b"WPKY", &wrap(&password_key, &class_key)),
        ] {
            bag.extend_from_slice(tag);
            bag.extend_from_slice(&(value.len() as u32).to_be_bytes());
            bag.extend_from_slice(value);
        }
        let manifest_key = [&4u32.to_le_bytes()[..], &wrap(&class_key, &[0xDB; 32])].concat();
        (manifest_key, bag)
    })
}

/// One object of a plist being built; collections hold the indices of other objects.
enum Obj {
    Array(Vec<usize>),
    Dict(Vec<(usize, usize)>),
    Str(String),
    Int(u64),
    Bool(bool),
    Data(Vec<u8>),
    Uid(u64),
}

/// A plist as a graph of objects, each referring only to earlier ones (but for the edge a cyclic recipe
/// adds). Written as binary it keeps the references, so one object may be reached from many places; as
/// XML every reference is written out in full.
#[derive(Default)]
struct Graph(Vec<Obj>);

impl Graph {
    fn add(&mut self, obj: Obj) -> usize {
        self.0.push(obj);
        self.0.len() - 1
    }

    /// A string; the builders' strings need no XML escaping.
    fn str(&mut self, s: &str) -> usize {
        self.add(Obj::Str(s.into()))
    }

    fn dict(&mut self, entries: Vec<(&str, usize)>) -> usize {
        let entries = entries.into_iter().map(|(k, v)| (self.str(k), v)).collect();
        self.add(Obj::Dict(entries))
    }

    /// For each object: the values the crate's reader gives for it with every reference followed
    /// (saturating), and the collections nested in it. Only for a graph without a cycle.
    fn shapes(&self) -> Vec<(u64, usize)> {
        let mut out: Vec<(u64, usize)> = Vec::with_capacity(self.0.len());
        for obj in &self.0 {
            let children: Box<dyn Iterator<Item = usize>> = match obj {
                Obj::Array(items) => Box::new(items.iter().copied()),
                Obj::Dict(entries) => Box::new(entries.iter().flat_map(|&(k, v)| [k, v])),
                _ => {
                    out.push((1, 0));
                    continue;
                }
            };
            let (values, depth) = children.fold((1u64, 0), |(n, d), child| {
                (n.saturating_add(out[child].0), d.max(out[child].1))
            });
            out.push((values, depth + 1));
        }
        out
    }

    fn write(&self, root: usize, xml: bool) -> Vec<u8> {
        if xml {
            self.xml(root)
        } else {
            self.binary(root)
        }
    }

    /// A binary plist (`bplist00`): the objects in order, the offset table, the trailer.
    fn binary(&self, root: usize) -> Vec<u8> {
        fn width(v: u64) -> usize {
            [1, 2, 4, 8]
                [usize::from(v > 0xFF) + usize::from(v > 0xFFFF) + usize::from(v > 0xFFFF_FFFF)]
        }
        fn be(out: &mut Vec<u8>, v: u64, width: usize) {
            out.extend_from_slice(&v.to_be_bytes()[8 - width..]);
        }
        fn int(out: &mut Vec<u8>, v: u64) {
            out.push(0x10 | width(v).trailing_zeros() as u8);
            be(out, v, width(v));
        }
        fn head(out: &mut Vec<u8>, kind: u8, len: usize) {
            if len < 15 {
                out.push(kind | len as u8);
            } else {
                out.push(kind | 0x0F);
                int(out, len as u64);
            }
        }
        let ref_size = width(self.0.len() as u64);
        let mut out = b"bplist00".to_vec();
        let mut offsets = Vec::with_capacity(self.0.len());
        for obj in &self.0 {
            offsets.push(out.len() as u64);
            match obj {
                Obj::Array(items) => {
                    head(&mut out, 0xA0, items.len());
                    items.iter().for_each(|&i| be(&mut out, i as u64, ref_size));
                }
                Obj::Dict(entries) => {
                    head(&mut out, 0xD0, entries.len());
                    entries
                        .iter()
                        .for_each(|&(k, _)| be(&mut out, k as u64, ref_size));
                    entries
                        .iter()
                        .for_each(|&(_, v)| be(&mut out, v as u64, ref_size));
                }
                Obj::Str(s) => {
                    head(&mut out, 0x50, s.len());
                    out.extend_from_slice(s.as_bytes());
                }
                Obj::Data(d) => {
                    head(&mut out, 0x40, d.len());
                    out.extend_from_slice(d);
                }
                Obj::Int(v) => int(&mut out, *v),
                Obj::Bool(b) => out.push(0x08 | u8::from(*b)),
                Obj::Uid(v) => {
                    out.push(0x80 | (width(*v) - 1) as u8);
                    be(&mut out, *v, width(*v));
                }
            }
        }
        let table = out.len() as u64;
        let offset_size = width(table);
        offsets.iter().for_each(|&o| be(&mut out, o, offset_size));
        out.extend_from_slice(&[0, 0, 0, 0, 0, 0, offset_size as u8, ref_size as u8]);
        for v in [self.0.len() as u64, root as u64, table] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out
    }

    /// An XML plist, written without recursion. Only for a graph without a cycle or UIDs.
    fn xml(&self, root: usize) -> Vec<u8> {
        use std::fmt::Write as _;
        enum Step {
            Value(usize),
            Key(usize),
            Close(&'static str),
        }
        let mut out = String::from(concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<plist version="1.0">"#
        ));
        let mut todo = vec![Step::Value(root)];
        while let Some(step) = todo.pop() {
            let (id, key) = match step {
                Step::Close(tag) => {
                    out.push_str(tag);
                    continue;
                }
                Step::Key(id) => (id, true),
                Step::Value(id) => (id, false),
            };
            let _ = match &self.0[id] {
                Obj::Str(s) if key => write!(out, "<key>{s}</key>"),
                Obj::Str(s) => write!(out, "<string>{s}</string>"),
                Obj::Int(v) => write!(out, "<integer>{v}</integer>"),
                Obj::Bool(b) => write!(out, "<{b}/>"),
                Obj::Data(d) => write!(out, "<data>{}</data>", base64(d)),
                Obj::Array(items) => {
                    todo.push(Step::Close("</array>"));
                    todo.extend(items.iter().rev().map(|&i| Step::Value(i)));
                    write!(out, "<array>")
                }
                Obj::Dict(entries) => {
                    todo.push(Step::Close("</dict>"));
                    for &(k, v) in entries.iter().rev() {
                        todo.extend([Step::Value(v), Step::Key(k)]);
                    }
                    write!(out, "<dict>")
                }
                Obj::Uid(_) => unreachable!("UIDs are only in MBFiles, which are binary"),
            };
        }
        out.push_str("</plist>");
        out.into_bytes()
    }
}

/// Standard base64 with padding, for XML `<data>`.
fn base64(data: &[u8]) -> String {
    const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(match i <= chunk.len() {
                true => char::from(DIGITS[(n >> (18 - 6 * i)) as usize & 63]),
                false => '=',
            });
        }
    }
    out
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

/// The schema of a real Manifest.db (its `Files` table, then the indexes and `Properties`), as iOS writes it.
/// The generator (`tests/synth`) has its own copy: it shares no code with the library it checks.
const MANIFEST_SCHEMA: (&str, &str) = (
    "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);",
    "CREATE INDEX FilesDomainIdx ON Files(domain);
     CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
     CREATE INDEX FilesFlagsIdx ON Files(flags);
     CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);",
);

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
            MANIFEST_SCHEMA.0,
            MANIFEST_SCHEMA.1
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

#[cfg(test)]
mod replay;
