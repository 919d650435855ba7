//! Backups that vanish or change while cloudfit reads them: the folder is moved away between discovery and
//! reading, shard folders and files are deleted, and (stress) a second thread keeps changing the tree while
//! the binary scans it. Nothing may panic, every run ends with a whole document, and what went wrong is said.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use cloudfit::discover::{discover, BackupDir};
use cloudfit::scan::{scan_backup, Quiet, ScanOptions};
use cloudfit::Error;

use common::{assert_no_panic, sample, NOW};

fn options() -> ScanOptions<'static> {
    ScanOptions {
        now: SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000),
        interaction: &Quiet,
        estimate: Default::default(),
        disk_sizes: Default::default(),
        keep: None,
    }
}

fn found(root: &Path) -> Vec<BackupDir> {
    let found = discover(&[root.to_path_buf()]);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    found.backups
}

fn plain(dirs: &[BackupDir]) -> &BackupDir {
    dirs.iter()
        .find(|d| d.id == "00008120-001A2B3C4D5E6F70")
        .expect("Maya's backup")
}

#[test]
fn a_backup_moved_away_after_discovery_is_said_to_have_disappeared() {
    let (tmp, _) = sample();
    let dirs = found(tmp.path());
    let dir = plain(&dirs);
    std::fs::rename(&dir.path, tmp.path().join("moved")).unwrap();
    let e = scan_backup(dir, &options()).expect_err("it is gone");
    assert!(matches!(e, Error::Vanished { .. }), "{e}");
    let message = e.to_string();
    assert!(message.contains(&*dir.path.to_string_lossy()), "{message}");
    assert!(message.contains("run cloudfit again"), "{message}");
}

#[test]
fn an_extracted_tree_moved_away_after_discovery_is_said_to_have_disappeared() {
    let tmp = tempfile::tempdir().unwrap();
    cloudfit_synth::write_extracted_samples(tmp.path(), false).unwrap();
    let dirs = found(tmp.path());
    assert!(!dirs.is_empty());
    for dir in &dirs {
        std::fs::remove_dir_all(&dir.path).unwrap();
        let e = scan_backup(dir, &options()).expect_err("it is gone");
        assert!(matches!(e, Error::Vanished { .. }), "{e}");
    }
}

#[test]
fn shard_folders_deleted_after_discovery_count_as_missing_files() {
    let (tmp, record) = sample();
    let dirs = found(tmp.path());
    let dir = plain(&dirs);
    let want = record.backups.iter().find(|b| b.id == dir.id).unwrap();
    let mut removed = 0u64;
    for shard in ["00", "3f", "a0", "ff"] {
        let path = dir.path.join(shard);
        if path.is_dir() {
            removed += std::fs::read_dir(&path).unwrap().count() as u64;
            std::fs::remove_dir_all(&path).unwrap();
        }
    }
    assert!(removed > 0, "the sample has files in those shards");
    let summary = scan_backup(dir, &options()).expect("still readable");
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(
        json["missing"]["files"].as_u64(),
        Some(want.missing.files + removed),
        "{json}"
    );
}

/// Copies a tree (symlinks as links), for restoring what the stress thread breaks.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_symlink() {
            let link = std::fs::read_link(entry.path()).unwrap();
            #[cfg(unix)]
            std::os::unix::fs::symlink(link, &target).unwrap();
            #[cfg(windows)]
            std::os::windows::fs::symlink_file(link, &target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs the binary again and again on `root` while `change` keeps altering it on another thread. Every run
/// must end within seconds without a panic, with exit 0 or 1 and a whole JSON document on stdout.
fn scan_while_changing(root: &Path, change: impl Fn(u64) + Sync) -> (u64, BTreeSet<String>) {
    let stop = AtomicBool::new(false);
    let mut runs = 0;
    let mut messages = BTreeSet::new();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut step = 0;
            while !stop.load(Ordering::Relaxed) {
                change(step);
                step += 1;
            }
        });
        // Set however the loop ends: a failed assertion in it must fail the test, not leave the changing
        // thread running and the scope waiting for it forever.
        let _stop = StopOnDrop(&stop);
        let started = Instant::now();
        while runs < 5 || started.elapsed() < Duration::from_secs(4) {
            // Not through the read-only guard: this test changes the tree itself, on purpose.
            let output = assert_cmd::Command::cargo_bin("cloudfit")
                .unwrap()
                .env("CLOUDFIT_NOW", NOW)
                .args(["scan", "--json"])
                .arg(root)
                .timeout(Duration::from_secs(30))
                .output()
                .unwrap();
            assert_no_panic(&output);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                matches!(output.status.code(), Some(0..=2)),
                "{:?}: {stderr}",
                output.status
            );
            let doc: serde_json::Value = serde_json::from_slice(&output.stdout)
                .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}); {stderr}"));
            assert!(doc["backups"].is_array(), "{doc}");
            runs += 1;
            // Each error names the path it is about, inside the folder scanned.
            for error in doc["errors"].as_array().into_iter().flatten() {
                let path = error["path"].as_str().expect("error path");
                assert!(path.starts_with(&*root.to_string_lossy()), "{error}");
                // Temp-dir names differ from run to run: keep the message's shape only.
                let message = error["message"].as_str().expect("error message");
                messages.insert(message.replace(&*root.to_string_lossy(), "ROOT"));
            }
        }
    });
    (runs, messages)
}

struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "under Wine 8, running the binary through assert_cmd with a timeout fails with os error 6 \
              (Invalid handle) in this test before the scan reports anything"
)]
fn a_finder_backup_changing_during_the_scan_never_breaks_a_run() {
    let (tmp, _) = sample();
    let dirs = found(tmp.path());
    let dir = plain(&dirs).path.clone();
    let spare = tempfile::tempdir().unwrap();
    let pristine = spare.path().join("copy");
    copy_tree(&dir, &pristine);
    let moved: PathBuf = dir.with_extension("moved");
    let (runs, messages) = scan_while_changing(tmp.path(), |step| match step % 4 {
        // The whole backup moved away and back.
        0 => {
            let _ = std::fs::rename(&dir, &moved);
            std::thread::sleep(Duration::from_millis(3));
            let _ = std::fs::rename(&moved, &dir);
        }
        // Shard folders deleted, then restored.
        1 => {
            for shard in ["0a", "5c", "b7", "e2"] {
                let _ = std::fs::remove_dir_all(dir.join(shard));
            }
            std::thread::sleep(Duration::from_millis(3));
            for shard in ["0a", "5c", "b7", "e2"] {
                if pristine.join(shard).is_dir() && !dir.join(shard).exists() {
                    copy_tree(&pristine.join(shard), &dir.join(shard));
                }
            }
        }
        // Manifest.db replaced by a new copy, as a running backup does (write beside, rename over).
        2 => {
            let next = dir.join("Manifest.db.next");
            let _ = std::fs::copy(pristine.join("Manifest.db"), &next);
            let _ = std::fs::rename(&next, dir.join("Manifest.db"));
        }
        // Manifest.plist gone for a moment.
        _ => {
            let _ = std::fs::remove_file(dir.join("Manifest.plist"));
            std::thread::sleep(Duration::from_millis(2));
            let _ = std::fs::copy(pristine.join("Manifest.plist"), dir.join("Manifest.plist"));
        }
    });
    assert!(runs >= 5, "{runs} runs");
    eprintln!("{runs} runs while the backup changed; errors seen: {messages:#?}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "under Wine 8, running the binary through assert_cmd with a timeout fails with os error 6 \
              (Invalid handle) in this test before the scan reports anything"
)]
fn an_extracted_tree_changing_during_the_scan_never_breaks_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    cloudfit_synth::write_extracted_samples(tmp.path(), false).unwrap();
    let dirs = found(tmp.path());
    let tree = dirs[0].path.clone();
    // A folder with some depth to move around and delete.
    let victim = std::fs::read_dir(&tree)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .expect("a folder in the tree");
    let spare = tempfile::tempdir().unwrap();
    let pristine = spare.path().join("copy");
    copy_tree(&victim, &pristine);
    let aside = tmp.path().join("aside");
    let (runs, messages) = scan_while_changing(tmp.path(), |step| {
        if step % 2 == 0 {
            let _ = std::fs::rename(&victim, &aside);
            std::thread::sleep(Duration::from_millis(2));
            let _ = std::fs::rename(&aside, &victim);
        } else {
            let _ = std::fs::remove_dir_all(&victim);
            std::thread::sleep(Duration::from_millis(2));
            copy_tree(&pristine, &victim);
        }
    });
    assert!(runs >= 5, "{runs} runs");
    eprintln!("{runs} runs while the tree changed; errors seen: {messages:#?}");
}
