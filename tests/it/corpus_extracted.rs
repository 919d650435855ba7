//! The bad-input corpus for extracted trees: the two generated samples (domain folders, device paths) with
//! one damage done to the first. Every case ends without a panic, within seconds, with a whole JSON document,
//! the expected exit code, figures and warning, the other tree reported exactly as recorded, and the tree
//! untouched. Unreadable folders are tested as a user without the permission: as root (who may read
//! anything) the binary runs as `nobody`.
//!
//! Unix only: the damages are Unix's (symlink loops, names that are not UTF-8, modes, FIFOs, paths past
//! `PATH_MAX`). Windows' own cases (paths past 260 characters, junctions) are in `tests/it/extracted.rs`.
#![cfg(unix)]

use crate::common;

use std::path::{Path, PathBuf};

use cloudfit_synth::{self as synth, SampleSet};
use serde_json::Value;

use common::{chmod, corpus_scan, error_message};

/// What a case must end with.
enum Outcome {
    /// Read: exit 0, the damaged tree's bytes and files moved by these amounts, and a warning saying `says`.
    Reads {
        bytes: i64,
        files: i64,
        says: Option<&'static str>,
    },
    /// Not read: exit 1, an error naming the tree and saying `says`.
    Fails { says: &'static str },
}

struct Case {
    name: &'static str,
    /// Damages the tree at the path and returns the outcome (some depend on what the damage removed).
    damage: fn(&Path) -> Outcome,
}

/// Bytes and regular files under `dir`, as the walk counts them (no links followed).
fn contents(dir: &Path) -> (i64, i64) {
    let (mut bytes, mut files) = (0, 0);
    for entry in walkdir::WalkDir::new(dir) {
        let meta = entry.unwrap().path().symlink_metadata().unwrap();
        if meta.is_file() {
            bytes += meta.len() as i64;
            files += 1;
        }
    }
    (bytes, files)
}

/// The first folder of the tree that holds files, deepest first among equals: a real app's data.
fn some_folder(tree: &Path) -> PathBuf {
    walkdir::WalkDir::new(tree)
        .min_depth(2)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .find(|d| contents(d).1 > 1)
        .expect("a folder with files")
}

fn cases() -> Vec<Case> {
    use Outcome::*;
    vec![
        Case {
            name: "a symlink back to its parent (a loop)",
            damage: |t| {
                std::os::unix::fs::symlink("..", some_folder(t).join("loop")).unwrap();
                Reads {
                    bytes: 0,
                    files: 0,
                    says: None,
                }
            },
        },
        Case {
            name: "a symlink to itself",
            damage: |t| {
                std::os::unix::fs::symlink("self", some_folder(t).join("self")).unwrap();
                Reads {
                    bytes: 0,
                    files: 0,
                    says: None,
                }
            },
        },
        Case {
            name: "a dangling symlink",
            damage: |t| {
                std::os::unix::fs::symlink("/nonexistent/cloudfit", some_folder(t).join("gone"))
                    .unwrap();
                Reads {
                    bytes: 0,
                    files: 0,
                    says: None,
                }
            },
        },
        Case {
            name: "a symlink to the whole file system",
            damage: |t| {
                std::os::unix::fs::symlink("/", some_folder(t).join("root")).unwrap();
                Reads {
                    bytes: 0,
                    files: 0,
                    says: None,
                }
            },
        },
        Case {
            name: "a file name that is not UTF-8",
            damage: |t| {
                use std::os::unix::ffi::OsStrExt;
                let name = std::ffi::OsStr::from_bytes(b"caf\xe9.jpg");
                std::fs::write(some_folder(t).join(name), [7u8; 11]).unwrap();
                Reads {
                    bytes: 11,
                    files: 1,
                    says: Some("not valid UTF-8"),
                }
            },
        },
        Case {
            name: "a folder name that is not UTF-8",
            damage: |t| {
                use std::os::unix::ffi::OsStrExt;
                let dir = some_folder(t).join(std::ffi::OsStr::from_bytes(b"\xff\xfe"));
                std::fs::create_dir(&dir).unwrap();
                std::fs::write(dir.join("a.db"), [1u8; 5]).unwrap();
                Reads {
                    bytes: 5,
                    files: 1,
                    says: Some("not valid UTF-8"),
                }
            },
        },
        Case {
            name: "a path longer than 4096 bytes",
            damage: |t| {
                use std::os::fd::AsRawFd;
                // Built one level at a time relative to the last: the whole path is too long for one call.
                let name = "d".repeat(100);
                let mut fd = std::fs::File::open(some_folder(t)).unwrap();
                for _ in 0..45 {
                    let at = format!("/proc/self/fd/{}/{name}", fd.as_raw_fd());
                    std::fs::create_dir(&at).unwrap();
                    fd = std::fs::File::open(&at).unwrap();
                }
                std::fs::write(
                    format!("/proc/self/fd/{}/deep.db", fd.as_raw_fd()),
                    [0u8; 9],
                )
                .unwrap();
                Reads {
                    bytes: 9,
                    files: 1,
                    says: None,
                }
            },
        },
        Case {
            name: "a folder nobody may read",
            damage: |t| {
                let dir = some_folder(t);
                let (bytes, files) = contents(&dir);
                chmod(&dir, 0o000);
                Reads {
                    bytes: -bytes,
                    files: -files,
                    says: Some("permission denied"),
                }
            },
        },
        Case {
            name: "a folder that may be listed but not entered",
            damage: |t| {
                let dir = some_folder(t);
                let (bytes, files) = contents(&dir);
                chmod(&dir, 0o644);
                Reads {
                    bytes: -bytes,
                    files: -files,
                    says: Some("permission denied"),
                }
            },
        },
        Case {
            name: "many folders nobody may read (a few named, the rest counted)",
            damage: |t| {
                let dir = some_folder(t);
                for i in 0..20 {
                    let sub = dir.join(format!("locked {i}"));
                    std::fs::create_dir(&sub).unwrap();
                    std::fs::write(sub.join("a.db"), [0u8; 3]).unwrap();
                    chmod(&sub, 0o000);
                }
                Reads {
                    bytes: 0,
                    files: 0,
                    says: Some("15 more folders or files could not be read"),
                }
            },
        },
        Case {
            name: "a file nobody may read (its size is still known)",
            damage: |t| {
                let dir = some_folder(t);
                let file = std::fs::read_dir(&dir)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .find(|p| p.is_file())
                    .unwrap();
                chmod(&file, 0o000);
                Reads {
                    bytes: 0,
                    files: 0,
                    says: None,
                }
            },
        },
        Case {
            name: "a FIFO in the tree",
            damage: |t| {
                let fifo = some_folder(t).join("pipe");
                let made = std::process::Command::new("mkfifo")
                    .arg(&fifo)
                    .status()
                    .unwrap();
                assert!(made.success());
                Reads {
                    bytes: 0,
                    files: 0,
                    says: None,
                }
            },
        },
        Case {
            name: "a 0-byte file",
            damage: |t| {
                std::fs::write(some_folder(t).join("empty.db"), b"").unwrap();
                Reads {
                    bytes: 0,
                    files: 1,
                    says: None,
                }
            },
        },
        Case {
            name: "the whole tree unreadable",
            damage: |t| {
                chmod(t, 0o000);
                Fails {
                    says: "permission denied",
                }
            },
        },
    ]
}

fn run(case: &Case) {
    let name = case.name;
    let tmp = tempfile::tempdir().unwrap();
    let record: SampleSet = synth::write_extracted_samples(tmp.path(), false).unwrap();
    let (damaged, other) = (&record.backups[0], &record.backups[1]);
    let tree = tmp
        .path()
        .join(synth::EXTRACTED_DOMAINS_DIR)
        .join(&damaged.id);
    let outcome = (case.damage)(&tree);

    let (doc, output) = corpus_scan(name, tmp.path(), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // `CORPUS_PRINT=1 cargo test --test it corpus_extracted:: -- --nocapture` shows what a user would read.
    if std::env::var_os("CORPUS_PRINT").is_some() {
        let damaged = doc["backups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == *damaged.id);
        let warnings = damaged.map(|b| &b["warnings"]).unwrap_or(&Value::Null);
        println!(
            "== {name} (exit {:?})\n{stderr}{warnings:#}",
            output.status.code()
        );
    }
    let find = |id: &str| {
        doc["backups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == id)
            .cloned()
    };
    let got_other = find(&other.id).unwrap_or_else(|| panic!("{name}: other tree not reported"));
    assert_eq!(
        got_other["bytes"].as_u64(),
        other.bytes,
        "{name}: other tree"
    );
    assert_eq!(
        got_other["files"].as_u64(),
        other.files,
        "{name}: other tree"
    );
    match outcome {
        Outcome::Reads { bytes, files, says } => {
            assert_eq!(output.status.code(), Some(0), "{name}: {stderr}");
            let got = find(&damaged.id).unwrap_or_else(|| panic!("{name}: not reported"));
            let want_bytes = damaged.bytes.unwrap() as i64 + bytes;
            let want_files = damaged.files.unwrap() as i64 + files;
            assert_eq!(got["bytes"].as_i64(), Some(want_bytes), "{name}: bytes");
            assert_eq!(got["files"].as_i64(), Some(want_files), "{name}: files");
            let warnings = got["warnings"].to_string();
            match says {
                // With --json, warnings go in the document only.
                Some(says) => assert!(warnings.contains(says), "{name}: {warnings}"),
                // Only the note every extracted tree carries.
                None => assert_eq!(
                    got["warnings"].as_array().map(Vec::len),
                    Some(1),
                    "{name}: {warnings}"
                ),
            }
        }
        Outcome::Fails { says } => {
            assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
            let message = error_message(&doc, &damaged.id);
            assert!(message.contains(says), "{name}: {message}");
            assert!(message.contains(&damaged.id), "{name}: {message}");
        }
    }
}

#[test]
fn every_damaged_extracted_tree_ends_cleanly() {
    common::run_cases(&cases(), |case| case.name, run);
}
