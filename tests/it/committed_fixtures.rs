//! The sample backups committed under `fixtures/` are what the generator writes today, and read as recorded.

use crate::common;

use std::path::Path;

use cloudfit_synth::{self as synth, SampleSet};

fn committed_record() -> SampleSet {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/MobileSync/expected.json");
    let text = std::fs::read_to_string(&path)
        .expect("fixtures/MobileSync/expected.json; regenerate with the make-backup example");
    serde_json::from_str(&text).expect("parse expected.json")
}

#[test]
fn committed_fixtures_match_a_fresh_generation() {
    let tmp = tempfile::tempdir().unwrap();
    let fresh = synth::write_sample_set(tmp.path()).unwrap();
    assert_eq!(
        fresh,
        committed_record(),
        "fixtures/ is stale: run `cargo run -p cloudfit-synth --bin make-backup -- fixtures/MobileSync --sample` (see README)"
    );
}

#[test]
fn committed_fixtures_scan_to_their_record() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/MobileSync");
    let record = committed_record();
    // The README's password file for the samples: what the record says opens each encrypted one.
    let passwords = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/passwords.txt");
    let lines: Vec<String> = record
        .backups
        .iter()
        .filter_map(|b| Some(format!("{}={}", b.udid, b.password.as_deref()?)))
        .collect();
    assert_eq!(
        std::fs::read_to_string(&passwords).unwrap(),
        lines.join("\n") + "\n",
        "fixtures/passwords.txt"
    );
    let with = ["--password-file".as_ref(), passwords.as_os_str()];
    for given in [true, false] {
        let mut args = vec!["scan".as_ref(), root.as_os_str()];
        if given {
            args.extend(with);
        }
        let (doc, output) = common::json(&args);
        // Without their passwords the two encrypted backups are not read: a partial report, exit 1.
        assert_eq!(
            output.status.code(),
            Some(if given { 0 } else { 1 }),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        for want in &record.backups {
            let got = doc["backups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["id"] == want.id.as_str())
                .unwrap();
            // Scanned without its password, an encrypted backup shows no manifest figures.
            let bytes = want.bytes.filter(|_| given || !want.encrypted);
            assert_eq!(got["bytes"].as_u64(), bytes, "{}", want.id);
            assert_eq!(
                got["disk_bytes"].as_u64(),
                Some(want.disk_bytes),
                "{}",
                want.id
            );
        }
        let locked = doc["errors"].as_array().unwrap().len();
        assert_eq!(locked, if given { 0 } else { 2 }, "{}", doc["errors"]);
    }
}
