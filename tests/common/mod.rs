//! Shared helpers for the integration tests: sample backups, the binary, and tree snapshots.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use sha1::{Digest, Sha1};

use cloudfit::synth::{self, Counts as ExpectedCounts, ExpectedBackup, SampleSet};
use serde_json::Value;

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

pub fn counts(v: &Value) -> ExpectedCounts {
    ExpectedCounts {
        files: v["files"].as_u64().expect("files"),
        bytes: v["bytes"].as_u64().expect("bytes"),
    }
}

pub fn find<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["backups"]
        .as_array()
        .expect("backups array")
        .iter()
        .find(|b| b["id"] == id)
        .unwrap_or_else(|| panic!("backup {id} not reported"))
}

pub fn assert_backup_matches(got: &Value, want: &ExpectedBackup) {
    let id = &want.id;
    assert_eq!(got["udid"], want.udid.as_str(), "{id} udid");
    assert_eq!(
        got["device_name"],
        want.device_name.as_str(),
        "{id} device_name"
    );
    assert_eq!(
        got["product_type"],
        want.product_type.as_str(),
        "{id} product_type"
    );
    assert_eq!(
        got["ios_version"],
        want.ios_version.as_str(),
        "{id} ios_version"
    );
    assert_eq!(
        got["last_backup"],
        want.last_backup.as_str(),
        "{id} last_backup"
    );
    assert_eq!(got["encrypted"], want.encrypted, "{id} encrypted");
    assert_eq!(got["state"], want.state.as_str(), "{id} state");
    assert_eq!(got["archived"], want.archived, "{id} archived");
    assert_totals_match(got, want);
    assert_eq!(counts(&got["missing"]), want.missing, "{id} missing");
    assert_eq!(counts(&got["orphans"]), want.orphans, "{id} orphans");

    let apps: BTreeMap<String, (String, ExpectedCounts, BTreeSet<String>)> = got["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .map(|a| {
            let domains = a["domains"].as_array().expect("domains");
            (
                a["bundle_id"].as_str().expect("bundle_id").to_string(),
                (
                    a["name"].as_str().expect("name").to_string(),
                    counts(a),
                    domains
                        .iter()
                        .map(|d| d.as_str().expect("domain").to_string())
                        .collect(),
                ),
            )
        })
        .collect();
    let want_apps: BTreeMap<String, (String, ExpectedCounts, BTreeSet<String>)> = want
        .apps
        .iter()
        .map(|(id, a)| {
            let c = ExpectedCounts {
                files: a.files,
                bytes: a.bytes,
            };
            (id.clone(), (a.name.clone(), c, a.domains.clone()))
        })
        .collect();
    assert_eq!(apps, want_apps, "{id} apps");

    let categories: BTreeMap<String, ExpectedCounts> = got["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| (c["id"].as_str().expect("id").to_string(), counts(c)))
        .collect();
    assert_eq!(categories, want.categories, "{id} categories");

    let subsets: BTreeMap<String, ExpectedCounts> = got["subsets"]
        .as_array()
        .expect("subsets")
        .iter()
        .map(|c| (c["id"].as_str().expect("id").to_string(), counts(c)))
        .collect();
    assert_eq!(subsets, want.subsets, "{id} subsets");

    let domains: BTreeMap<String, ExpectedCounts> = got["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .map(|d| (d["domain"].as_str().expect("domain").to_string(), counts(d)))
        .collect();
    assert_eq!(domains, want.domains, "{id} domains");
}

/// What a scan without the password must show of a backup: an encrypted one has no manifest figures.
pub fn locked(want: &ExpectedBackup) -> ExpectedBackup {
    if !want.encrypted {
        return want.clone();
    }
    ExpectedBackup {
        bytes: None,
        files: None,
        directories: None,
        symlinks: None,
        apps: Default::default(),
        categories: Default::default(),
        subsets: Default::default(),
        domains: Default::default(),
        ..want.clone()
    }
}

/// Exit code 101 is a Rust panic: never acceptable, whatever the input.
pub fn assert_no_panic(output: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(101), "panicked: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The figures every layout knows: format, manifest totals and what the folder holds on disk.
pub fn assert_totals_match(got: &Value, want: &ExpectedBackup) {
    let id = &want.id;
    assert_eq!(got["format"], want.format.as_str(), "{id} format");
    assert_eq!(got["bytes"].as_u64(), want.bytes, "{id} bytes");
    assert_eq!(got["files"].as_u64(), want.files, "{id} files");
    assert_eq!(
        got["directories"].as_u64(),
        want.directories,
        "{id} directories"
    );
    assert_eq!(got["symlinks"].as_u64(), want.symlinks, "{id} symlinks");
    assert_eq!(
        got["disk_bytes"].as_u64(),
        Some(want.disk_bytes),
        "{id} disk_bytes"
    );
    assert_eq!(
        got["disk_files"].as_u64(),
        Some(want.disk_files),
        "{id} disk_files"
    );
}

/// The exit code, with stderr in the failure message.
pub fn assert_exit(output: &std::process::Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
