//! Encrypted backups: read with the right password, refused clearly with a wrong one, listed without one,
//! and no plaintext copy of a database written anywhere.

use crate::common;

use std::path::Path;

use common::{assert_backup_matches, assert_exit, cloudfit, find, locked, sample, snapshot};
use serde_json::Value;

fn encrypted(record: &cloudfit_synth::SampleSet) -> Vec<&cloudfit_synth::ExpectedBackup> {
    let list: Vec<_> = record.backups.iter().filter(|b| b.encrypted).collect();
    assert!(
        list.len() >= 2,
        "the sample set has two encrypted backups with different passwords"
    );
    list
}

fn password_file(dir: &Path, record: &cloudfit_synth::SampleSet) -> std::path::PathBuf {
    let lines: Vec<String> = encrypted(record)
        .iter()
        .map(|b| format!("{}={}", b.udid, b.password.as_deref().unwrap()))
        .collect();
    let path = dir.join("passwords.txt");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn run_json(cmd: &mut common::Run) -> (Value, std::process::Output) {
    let output = cmd.arg("--json").output().unwrap();
    (
        serde_json::from_slice(&output.stdout).unwrap_or(Value::Null),
        output,
    )
}

#[test]
fn with_each_devices_password_every_figure_matches_the_record() {
    let (tmp, record) = sample();
    let secrets = tempfile::tempdir().unwrap();
    let file = password_file(secrets.path(), &record);
    let (doc, output) = run_json(
        cloudfit()
            .arg("scan")
            .arg(tmp.path())
            .arg("--password-file")
            .arg(&file),
    );
    assert_exit(&output, 0);
    for want in &record.backups {
        let got = find(&doc, &want.id);
        assert_backup_matches(got, want);
        assert_eq!(got["decrypted"], true, "{}", want.id);
    }
}

#[test]
fn one_password_for_all_unlocks_its_backup_and_names_the_others() {
    let (tmp, record) = sample();
    let [first, second] = encrypted(&record)[..] else {
        panic!("two encrypted backups")
    };
    let password = first.password.clone().unwrap();
    let (doc, output) = run_json(
        cloudfit()
            .arg("scan")
            .arg(tmp.path())
            .env("CLOUDFIT_PASSWORD", &password),
    );
    assert_eq!(output.status.code(), Some(1), "some reported, one failed");
    assert_backup_matches(find(&doc, &first.id), first);
    // The other is still listed, as without a password, and its failure is one clear line.
    assert_backup_matches(find(&doc, &second.id), &locked(second));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = format!(
        "wrong password for {} ({})",
        second.device_name,
        tmp.path().join("Backup").join(&second.id).display()
    );
    assert!(stderr.contains(&line), "{stderr}");
    assert_eq!(stderr.matches("wrong password").count(), 1, "{stderr}");
    assert!(doc["errors"].to_string().contains("wrong password"));
    // Secrets never appear in output.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains(&password) && !stderr.contains(&password));
}

#[test]
fn the_password_can_come_on_stdin() {
    let (tmp, record) = sample();
    let second = encrypted(&record)[1];
    let password = second.password.clone().unwrap();
    let (doc, _) = run_json(
        cloudfit()
            .arg("scan")
            .arg(tmp.path().join("Backup").join(&second.id))
            .arg("--password-stdin")
            .write_stdin(format!("{password}\n")),
    );
    assert_backup_matches(&doc["backups"][0], second);
}

#[test]
fn without_a_password_the_backup_is_listed_with_a_hint() {
    let (tmp, record) = sample();
    let (doc, output) = run_json(cloudfit().arg("list").arg(tmp.path()));
    assert_eq!(output.status.code(), Some(0));
    for want in encrypted(&record) {
        let got = find(&doc, &want.id);
        assert_backup_matches(got, &locked(want));
        assert_eq!(got["decrypted"], false);
        assert!(
            got["warnings"].to_string().contains("--password-file"),
            "{}",
            got["warnings"]
        );
    }
}

#[test]
fn unlocking_writes_nothing_anywhere() {
    let (tmp, record) = sample();
    let secrets = tempfile::tempdir().unwrap();
    let file = password_file(secrets.path(), &record);
    let scratch = tempfile::tempdir().unwrap();
    let before = snapshot(tmp.path());
    let output = cloudfit()
        .arg("scan")
        .arg(tmp.path())
        .arg("--password-file")
        .arg(&file)
        .env("TMPDIR", scratch.path())
        .env("SQLITE_TMPDIR", scratch.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(before, snapshot(tmp.path()), "the backups are untouched");
    let left: Vec<_> = std::fs::read_dir(scratch.path()).unwrap().collect();
    assert!(
        left.is_empty(),
        "nothing written to the temp folder: {left:?}"
    );
}

/// Replaces the value of a 4-byte keybag tag.
fn set_keybag_int(manifest_plist: &Path, tag: &[u8; 4], value: u32) {
    let mut plist = plist::Value::from_file(manifest_plist).unwrap();
    let dict = plist.as_dictionary_mut().unwrap();
    let mut bag = dict
        .get("BackupKeyBag")
        .and_then(plist::Value::as_data)
        .unwrap()
        .to_vec();
    let mut at = 0;
    while at + 8 <= bag.len() {
        let len = u32::from_be_bytes(bag[at + 4..at + 8].try_into().unwrap()) as usize;
        if &bag[at..at + 4] == tag {
            bag[at + 8..at + 12].copy_from_slice(&value.to_be_bytes());
        }
        at += 8 + len;
    }
    dict.insert("BackupKeyBag".into(), plist::Value::Data(bag));
    plist.to_file_binary(manifest_plist).unwrap();
}

#[test]
fn a_crafted_round_count_is_refused_at_once() {
    let (tmp, record) = sample();
    let want = encrypted(&record)[0];
    let dir = tmp.path().join("Backup").join(&want.id);
    set_keybag_int(&dir.join("Manifest.plist"), b"DPIC", u32::MAX);
    let output = cloudfit()
        .arg("scan")
        .arg(&dir)
        .env("CLOUDFIT_PASSWORD", want.password.as_deref().unwrap())
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "listed without its contents, so nothing was read; the failure is named"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("more than the 50000000 cloudfit allows"),
        "{stderr}"
    );
}

#[test]
fn a_decrypted_copy_is_read_without_a_password() {
    // What `mvt-ios decrypt-backup` leaves: Manifest.plist still says encrypted, Manifest.db is plain.
    let (tmp, record) = sample();
    let plain = record
        .backups
        .iter()
        .find(|b| !b.encrypted && !b.archived && b.format == "manifest-db")
        .unwrap();
    let dir = tmp.path().join("Backup").join(&plain.id);
    let manifest = dir.join("Manifest.plist");
    let mut plist = plist::Value::from_file(&manifest).unwrap();
    let dict = plist.as_dictionary_mut().unwrap();
    dict.insert("IsEncrypted".into(), true.into());
    dict.insert(
        "ManifestKey".into(),
        plist::Value::Data(vec![4, 0, 0, 0].into_iter().chain([0u8; 40]).collect()),
    );
    plist.to_file_binary(&manifest).unwrap();
    let (doc, output) = run_json(cloudfit().arg("scan").arg(&dir));
    assert_exit(&output, 0);
    let got = &doc["backups"][0];
    assert_eq!(got["encrypted"], true);
    assert_eq!(got["decrypted"], true);
    assert_eq!(got["bytes"].as_u64(), plain.bytes);
    assert!(got["warnings"].to_string().contains("decrypted copy"));
}

#[test]
fn an_encrypted_ios9_backup_is_sized_without_a_password() {
    // Before iOS 10 only the files were encrypted, never Manifest.mbdb: sizes need no password.
    let (tmp, record) = sample();
    let old = record
        .backups
        .iter()
        .find(|b| b.format == "manifest-mbdb")
        .expect("an iOS 4-9 sample");
    let dir = tmp.path().join("Backup").join(&old.id);
    let manifest = dir.join("Manifest.plist");
    let old_len = std::fs::metadata(&manifest).unwrap().len();
    let mut plist = plist::Value::from_file(&manifest).unwrap();
    plist
        .as_dictionary_mut()
        .unwrap()
        .insert("IsEncrypted".into(), true.into());
    plist.to_file_binary(&manifest).unwrap();
    let new_len = std::fs::metadata(&manifest).unwrap().len();
    let (doc, output) = run_json(cloudfit().arg("scan").arg(&dir));
    assert_exit(&output, 0);
    // Rewriting Manifest.plist changes its length: the only figure that moves.
    let want = cloudfit_synth::ExpectedBackup {
        encrypted: true,
        disk_bytes: old.disk_bytes - old_len + new_len,
        ..old.clone()
    };
    assert_backup_matches(&doc["backups"][0], &want);
    assert_eq!(doc["backups"][0]["decrypted"], true);
}

#[test]
fn a_password_file_saved_by_notepad_works_and_empty_stdin_is_refused() {
    let (tmp, record) = sample();
    let second = encrypted(&record)[1];
    let secrets = tempfile::tempdir().unwrap();
    // A UTF-8 byte-order mark and CRLF line ends, as Windows editors write.
    let file = secrets.path().join("pw.txt");
    std::fs::write(
        &file,
        format!("\u{feff}{}\r\n", second.password.as_deref().unwrap()),
    )
    .unwrap();
    let (doc, output) = run_json(
        cloudfit()
            .arg("scan")
            .arg(tmp.path().join("Backup").join(&second.id))
            .arg("--password-file")
            .arg(&file),
    );
    assert_exit(&output, 0);
    assert_backup_matches(&doc["backups"][0], second);

    let output = cloudfit()
        .arg("scan")
        .arg(tmp.path())
        .arg("--password-stdin")
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no password on standard input"));
}
