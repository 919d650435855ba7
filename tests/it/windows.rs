//! Where iTunes and the Apple Devices app keep backups: Windows paths. Both default folders, paths past
//! `MAX_PATH`, `\\?\` paths, and messages that show a path the way Windows writes it. Run under Wine by
//! `.ci/run` (`.ci/wine/run` is cargo's runner for the Windows target).
#![cfg(windows)]

use crate::common;

use std::path::{Path, PathBuf};

use common::{assert_backup_matches, assert_exit, cloudfit, find, json, sample_passwords};

/// A sample set generated in a short folder, then moved to `to` (which may be too long for SQLite to have
/// written the manifests there itself).
fn sample_at(to: &Path) -> cloudfit_synth::SampleSet {
    let staging = tempfile::tempdir().unwrap();
    let record = cloudfit_synth::write_sample_set(staging.path()).unwrap();
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::rename(staging.path().join("Backup"), to).unwrap();
    record
}

#[test]
fn both_default_folders_are_read_when_no_path_is_given() {
    let tmp = tempfile::tempdir().unwrap();
    let appdata = tmp.path().join("AppData").join("Roaming");
    let profile = tmp.path().join("Users").join("Maya");
    // iTunes from apple.com keeps backups under %APPDATA%, the Store build and Apple Devices under
    // %USERPROFILE%.
    let itunes = sample_at(&appdata.join(r"Apple Computer\MobileSync\Backup"));
    let devices = sample_at(&profile.join(r"Apple\MobileSync\Backup"));
    let output = cloudfit()
        .args(["list", "--json"])
        .env("APPDATA", &appdata)
        .env("USERPROFILE", &profile)
        .output()
        .unwrap();
    assert_exit(&output, 0);
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let listed = doc["backups"].as_array().unwrap();
    assert_eq!(
        listed.len(),
        itunes.backups.len() + devices.backups.len(),
        "{doc}"
    );
    for root in [
        r"Apple Computer\MobileSync\Backup",
        r"Apple\MobileSync\Backup",
    ] {
        assert!(
            listed
                .iter()
                .any(|b| b["path"].as_str().unwrap().contains(root)),
            "nothing listed from {root}: {doc}"
        );
    }
}

/// Scans `root` with the sample passwords and checks every backup against the record.
fn scans_as_recorded(root: &Path, record: &cloudfit_synth::SampleSet) {
    let beside = tempfile::tempdir().unwrap();
    let passwords = sample_passwords(beside.path());
    let (doc, output) = json(&[
        "scan".as_ref(),
        root.as_os_str(),
        "--password-file".as_ref(),
        passwords.as_os_str(),
    ]);
    assert_exit(&output, 0);
    for want in &record.backups {
        assert_backup_matches(find(&doc, &want.id), want);
    }
}

#[test]
fn a_backup_folder_past_260_characters_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let mut deep: PathBuf = tmp.path().to_path_buf();
    for _ in 0..4 {
        deep.push("a".repeat(70));
    }
    let root = deep.join("MobileSync").join("Backup");
    let record = sample_at(&root);
    assert!(root.as_os_str().len() > 300);
    scans_as_recorded(&root, &record);
}

#[test]
fn a_verbatim_path_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("Backup");
    let record = sample_at(&root);
    let verbatim = PathBuf::from(format!(
        r"\\?\{}",
        std::path::absolute(&root).unwrap().display()
    ));
    scans_as_recorded(&verbatim, &record);
}

#[test]
fn messages_show_windows_paths_as_windows_writes_them() {
    let (doc, output) = json(&["scan".as_ref(), r"C:\no such folder\Backup".as_ref()]);
    assert_exit(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(r"C:\no such folder\Backup"), "{stderr}");
    assert!(doc["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains(r"C:\no such folder\Backup"));
}
