//! Shared helpers for the integration tests: sample backups, the binary, and tree snapshots.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use sha1::{Digest, Sha1};

use cloudfit::synth::{self, SampleSet};

/// A fixed clock so ages in the output do not drift with the date the tests run.
pub const NOW: &str = "2026-11-24T12:00:00Z";

/// A fresh copy of the generated sample set in a temp dir, with the generator's record of it.
pub fn sample() -> (tempfile::TempDir, SampleSet) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let record = synth::write_sample_set(tmp.path()).expect("write sample set");
    (tmp, record)
}

/// The binary, with the clock pinned and colour off.
pub fn cloudfit() -> Command {
    let mut cmd = Command::cargo_bin("cloudfit").expect("binary");
    cmd.env("CLOUDFIT_NOW", NOW).env("NO_COLOR", "1");
    cmd
}

/// Runs `cloudfit ARGS --json` and parses stdout.
pub fn json(args: &[&std::ffi::OsStr]) -> (serde_json::Value, std::process::Output) {
    let output = cloudfit().args(args).arg("--json").output().expect("run");
    let value = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (value, output)
}

/// Every path under `root` with its size, mtime, mode and content hash.
pub type Snapshot = BTreeMap<PathBuf, (u64, i64, i64, u32, String)>;

pub fn snapshot(root: &Path) -> Snapshot {
    let mut out = Snapshot::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = entry.expect("walk");
        let meta = entry.path().symlink_metadata().expect("stat");
        let hash = if meta.is_file() {
            let bytes = std::fs::read(entry.path()).expect("read");
            format!("{:x}", Sha1::digest(&bytes))
        } else {
            String::new()
        };
        out.insert(
            entry.path().to_path_buf(),
            (
                meta.len(),
                meta.mtime(),
                meta.mtime_nsec(),
                meta.mode(),
                hash,
            ),
        );
    }
    out
}
