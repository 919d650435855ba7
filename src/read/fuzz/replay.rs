//! Replays the fuzzers' committed seeds and regression inputs through the harnesses, on stable, in `cargo test`.
//!
//! Seeds are under `tests/fuzz/seeds/<target>/` (written by `cargo run --features reference --example fuzz-seeds`); inputs the
//! fuzzers once failed on are under `tests/fuzz/regressions/<target>/`. A harness panics when a property
//! it checks fails, so each input here either passes or names itself in the failure.

use std::fs;
use std::path::{Path, PathBuf};

use crate::read::{btree, crypto, fuzz, manifest_db, mbdb};

type Harness = fn(&[u8]);

const TARGETS: [(&str, Harness); 7] = [
    ("mbfile", fuzz::mbfile),
    ("mbdb", fuzz::mbdb),
    ("keybag", fuzz::keybag),
    ("plists", fuzz::plists),
    ("btree", fuzz::btree),
    ("btree_rows", fuzz::btree_rows),
    ("plist_shapes", fuzz::plist_shapes),
];

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz")
        .join(kind)
        .join(target);
    let mut files: Vec<PathBuf> = match fs::read_dir(&dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    files.retain(|p| p.is_file());
    files.sort();
    files
}

fn replay(kind: &str) -> usize {
    let mut count = 0;
    for (target, harness) in TARGETS {
        for path in inputs(kind, target) {
            let data = fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| harness(&data));
            assert!(outcome.is_ok(), "{target} failed on {}", path.display());
            count += 1;
        }
    }
    count
}

#[test]
fn every_seed_passes_its_harness() {
    for (target, _) in TARGETS {
        assert!(!inputs("seeds", target).is_empty(), "no seeds for {target}");
    }
    assert!(replay("seeds") >= TARGETS.len());
}

#[test]
fn every_regression_input_passes_its_harness() {
    replay("regressions");
}

fn seed(target: &str, name: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz/seeds")
            .join(target)
            .join(name),
    )
    .unwrap()
}

/// The seeds reach deep: a fuzzer starting from them explores past the first check of each parser.
#[test]
fn seeds_are_real_backup_data() {
    let mut dated = 0;
    for path in inputs("seeds", "mbfile") {
        let blob = fs::read(&path).unwrap();
        let fast = crate::read::mbfile::fast(&blob);
        assert!(fast.is_some(), "{}", path.display());
        dated += usize::from(fast.is_some_and(|f| f.modified.is_some() && f.birth.is_some()));
    }
    // The seeds cut from generated backups carry both dates, so the fuzzer reaches the date fields.
    assert!(dated >= 4, "{dated} dated seeds");

    let mut records = 0;
    let count = mbdb::records_from(
        &seed("mbdb", "first-records")[..],
        Path::new("seed"),
        |_| records += 1,
    )
    .unwrap();
    assert_eq!((count, records), (6, 6));

    let data = seed("keybag", "unlocks");
    let (blob, bag) = data[1..].split_at(usize::from(data[0]));
    let bag = crypto::Keybag::parse(bag).unwrap();
    let key = crypto::passcode_key(&bag, fuzz::KEYBAG_PASSWORD).unwrap();
    let class_keys = crypto::unwrap_class_keys(&bag, &key).unwrap();
    crypto::manifest_key(blob, &class_keys).unwrap();

    let plists = seed("plists", "all-three");
    let [manifest, info, status] = fuzz::split_plists(&plists);
    assert!(manifest.is_some() && info.is_some() && status.is_some());

    let tmp = tempfile::tempdir().unwrap();
    for path in inputs("seeds", "btree") {
        let db = tmp.path().join("Manifest.db");
        fs::copy(&path, &db).unwrap();
        let conn = manifest_db::open(&db).unwrap();
        let table = btree::FilesTable::open(&db, &conn).unwrap();
        assert!(table.is_some(), "{}", path.display());
    }
}
