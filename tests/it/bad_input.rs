//! Bad input gets one clear message naming the file, the right exit code, and no half document on stdout.

use crate::common;

use std::process::Stdio;

use common::{assert_exit, assert_no_panic, cloudfit, find, json, sample};

fn plain_backup(record: &cloudfit_synth::SampleSet) -> &cloudfit_synth::ExpectedBackup {
    record
        .backups
        .iter()
        .find(|b| !b.encrypted && !b.archived)
        .expect("a plain backup")
}

#[test]
fn an_empty_folder_is_exit_2_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let output = cloudfit().arg("scan").arg(tmp.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no iPhone or iPad backup")
            && stderr.contains(&*tmp.path().to_string_lossy()),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_missing_path_is_exit_2_naming_it() {
    let output = cloudfit()
        .args(["scan", "/nonexistent/cloudfit-test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/cloudfit-test"));
}

#[test]
fn no_default_folder_on_linux_says_so_in_one_line() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let output = cloudfit().arg("scan").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("PATH"), "{stderr}");
}

/// Damages the plain backup's `file`, then checks the message and that the other backups are still reported.
fn damaged(file: &str, damage: impl FnOnce(&std::path::Path), expect_in_message: &str) {
    let (tmp, record) = sample();
    let want = plain_backup(&record);
    let path = tmp.path().join("Backup").join(&want.id).join(file);
    damage(&path);

    // Alongside other backups: exit 1, the others still in the JSON.
    let (doc, output) = json(&["scan".as_ref(), tmp.path().as_os_str()]);
    assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(1), "{file}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(expect_in_message), "{file}: {stderr}");
    assert!(
        stderr.contains(&*path.to_string_lossy()),
        "names the file: {stderr}"
    );
    let reported = doc["backups"]
        .as_array()
        .expect("a whole JSON document")
        .len();
    assert_eq!(reported, record.backups.len() - 1);
    assert!(doc["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains(expect_in_message));

    // Alone: exit 2 and nothing on stdout.
    let one = tmp.path().join("Backup").join(&want.id);
    let output = cloudfit().arg("scan").arg(&one).output().unwrap();
    assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(2), "{file}");
    assert!(
        output.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn a_zero_byte_manifest_db() {
    damaged(
        "Manifest.db",
        |p| std::fs::write(p, b"").unwrap(),
        "is 0 bytes",
    );
}

#[test]
fn a_manifest_db_that_is_not_sqlite() {
    damaged(
        "Manifest.db",
        |p| std::fs::write(p, vec![0x5a; 8192]).unwrap(),
        "is not a SQLite database",
    );
}

#[test]
fn a_truncated_manifest_db() {
    damaged(
        "Manifest.db",
        |p| {
            let bytes = std::fs::read(p).unwrap();
            std::fs::write(p, &bytes[..4096.min(bytes.len())]).unwrap();
        },
        "Manifest.db",
    );
}

#[test]
fn a_truncated_manifest_plist_is_a_warning_when_manifest_db_is_plain() {
    let (tmp, record) = sample();
    let want = plain_backup(&record);
    let path = tmp
        .path()
        .join("Backup")
        .join(&want.id)
        .join("Manifest.plist");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let (doc, output) = json(&["scan".as_ref(), tmp.path().as_os_str()]);
    assert_no_panic(&output);
    let got = find(&doc, &want.id);
    assert_eq!(
        got["bytes"].as_u64(),
        want.bytes,
        "the plain Manifest.db is still read"
    );
    let warnings = got["warnings"].to_string();
    assert!(
        warnings
            .contains("Manifest.plist is not a readable property list: it is truncated or damaged"),
        "{warnings}"
    );
}

#[test]
fn a_truncated_manifest_plist_with_an_unreadable_manifest_db_fails_clearly() {
    damaged(
        "Manifest.plist",
        |p| {
            let bytes = std::fs::read(p).unwrap();
            std::fs::write(p, &bytes[..bytes.len() / 2]).unwrap();
            std::fs::write(p.with_file_name("Manifest.db"), vec![0x42; 4096]).unwrap();
        },
        "is not a readable property list: it is truncated or damaged",
    );
}

#[test]
fn a_truncated_info_plist_is_a_warning_not_a_failure() {
    let (tmp, record) = sample();
    let want = plain_backup(&record);
    let info = tmp.path().join("Backup").join(&want.id).join("Info.plist");
    let bytes = std::fs::read(&info).unwrap();
    std::fs::write(&info, &bytes[..bytes.len() / 3]).unwrap();
    let (doc, output) = common::scan_sample_json(tmp.path());
    assert_eq!(output.status.code(), Some(0));
    let got = find(&doc, &want.id);
    assert_eq!(
        got["bytes"].as_u64(),
        want.bytes,
        "figures still come from the manifest"
    );
    assert_eq!(
        got["device_name"],
        want.device_name.as_str(),
        "name falls back to Manifest.plist"
    );
    let warnings = got["warnings"].to_string();
    assert!(warnings.contains("Info.plist"), "{warnings}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let (tmp, _) = sample();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cloudfit"))
        .args(["scan", "--all"])
        .arg(tmp.path())
        .arg("--password-file")
        .arg(common::sample_passwords(tmp.path()))
        .env("CLOUDFIT_NOW", common::NOW)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before anything is written, like `| head -0`
    let output = child.wait_with_output().unwrap();
    assert_no_panic(&output);
    assert_exit(&output, 0);
}
