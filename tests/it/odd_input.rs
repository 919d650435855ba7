//! Odd but real situations: strange folder names, symlinks, damaged sizes, hostile names, closed pipes.
//! Each was once a panic, a hang or a wrong figure.

use crate::common;

use std::process::Stdio;

use common::{assert_exit, assert_no_panic, cloudfit, json, sample};
use plist::{Dictionary, Uid, Value};

fn plain_id(record: &cloudfit_synth::SampleSet) -> String {
    record
        .backups
        .iter()
        .find(|b| !b.encrypted && !b.archived)
        .unwrap()
        .id
        .clone()
}

#[test]
fn a_folder_name_with_non_ascii_characters() {
    let (tmp, record) = sample();
    let from = tmp.path().join("Backup").join(plain_id(&record));
    // Starts like a UDID-length string but cuts through a multi-byte character at the UDID's length.
    let to = tmp
        .path()
        .join("Backup")
        .join("Backup von Mayas iPhone – 2024-01");
    std::fs::rename(&from, &to).unwrap();
    let (doc, output) = json(&["scan".as_ref(), to.as_os_str()]);
    assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(doc["backups"][0]["archived"], false);
}

#[test]
#[cfg(unix)]
fn names_that_are_not_utf8_still_give_a_whole_document() {
    use std::os::unix::ffi::OsStrExt;
    let (tmp, record) = sample();
    let backup = tmp.path().join("Backup");
    std::fs::create_dir(backup.join(std::ffi::OsStr::from_bytes(b"Fotos \xe9t\xe9"))).unwrap();
    let id = plain_id(&record);
    let odd = backup.join(std::ffi::OsStr::from_bytes(b"copy \xff"));
    std::fs::rename(backup.join(&id), &odd).unwrap();
    let (doc, output) = common::scan_sample_json(tmp.path());
    assert_no_panic(&output);
    assert_exit(&output, 0);
    let want = record.backups.iter().find(|b| b.id == id).unwrap();
    let got = doc["backups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["path"].as_str().unwrap().contains("copy \u{FFFD}"));
    assert_eq!(
        got.expect("the renamed backup is read")["bytes"].as_u64(),
        want.bytes
    );
    assert!(doc["skipped"]
        .to_string()
        .contains("Fotos \u{FFFD}t\u{FFFD}"));
}

/// A Mac's backups moved to an external drive, with a symlink left in their place.
#[test]
#[cfg(unix)]
fn a_symlinked_backup_folder_is_followed() {
    let (tmp, record) = sample();
    let elsewhere = tempfile::tempdir().unwrap();
    let root = elsewhere.path().join("MobileSync");
    std::fs::create_dir(&root).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("Backup"), root.join("Backup")).unwrap();
    let (doc, output) = json(&["list".as_ref(), root.as_os_str()]);
    assert_exit(&output, 0);
    assert_eq!(
        doc["backups"].as_array().unwrap().len(),
        record.backups.len()
    );
}

#[test]
fn one_bad_path_does_not_hide_the_good_ones() {
    let (tmp, record) = sample();
    let (doc, output) = json(&[
        "scan".as_ref(),
        tmp.path().as_os_str(),
        "/nonexistent/cloudfit".as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        doc["backups"].as_array().unwrap().len(),
        record.backups.len()
    );
    assert!(doc["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("/nonexistent/cloudfit"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no such file or folder"), "{stderr}");
    assert_eq!(
        stderr.matches("no such file").count(),
        1,
        "the cause is said once: {stderr}"
    );
}

#[test]
fn json_is_printed_even_when_everything_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let (doc, output) = json(&["scan".as_ref(), tmp.path().as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(doc["backups"].as_array().map(Vec::len), Some(0));
    assert!(doc["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("holds no iPhone or iPad backup"));
    let file = tmp.path().join("plain.txt");
    std::fs::write(&file, b"x").unwrap();
    let output = cloudfit().arg("scan").arg(&file).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a folder"));
}

/// Rewrites the MBFile `Size` of the first `n` regular files of a backup's Manifest.db.
fn set_sizes(db: &std::path::Path, n: usize, size: i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let ids: Vec<String> = conn
        .prepare("SELECT fileID FROM Files WHERE flags = 1 LIMIT ?1")
        .unwrap()
        .query_map([n as i64], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for id in ids {
        let mut file = Dictionary::new();
        file.insert("Size".into(), size.into());
        file.insert("Mode".into(), 0o100644.into());
        let mut top = Dictionary::new();
        top.insert("root".into(), Value::Uid(Uid::new(1)));
        let mut root = Dictionary::new();
        root.insert("$top".into(), Value::Dictionary(top));
        root.insert(
            "$objects".into(),
            Value::Array(vec!["$null".into(), Value::Dictionary(file)]),
        );
        let mut blob = Vec::new();
        Value::Dictionary(root).to_writer_binary(&mut blob).unwrap();
        conn.execute(
            "UPDATE Files SET file = ?1 WHERE fileID = ?2",
            rusqlite::params![blob, id],
        )
        .unwrap();
    }
    conn.execute_batch("PRAGMA journal_mode=DELETE").unwrap();
}

#[test]
fn absurd_sizes_are_unreadable_rows_not_overflows() {
    let (tmp, record) = sample();
    let id = plain_id(&record);
    set_sizes(
        &tmp.path().join("Backup").join(&id).join("Manifest.db"),
        3,
        i64::MAX,
    );
    let (doc, output) = json(&[
        "scan".as_ref(),
        tmp.path().join("Backup").join(&id).as_os_str(),
    ]);
    assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(0));
    let got = &doc["backups"][0];
    assert!(
        got["bytes"].as_u64().unwrap() < 1_000_000_000,
        "{}",
        got["bytes"]
    );
    assert!(
        got["warnings"]
            .to_string()
            .contains("3 manifest rows could not be decoded"),
        "{}",
        got["warnings"]
    );
}

#[test]
fn control_characters_in_names_do_not_reach_the_terminal() {
    let (tmp, record) = sample();
    let id = plain_id(&record);
    let info = tmp.path().join("Backup").join(&id).join("Info.plist");
    let mut plist = Value::from_file(&info).unwrap();
    plist
        .as_dictionary_mut()
        .unwrap()
        .insert("Device Name".into(), "Maya\u{1b}[2J\nSecond line".into());
    plist.to_file_xml(&info).unwrap();
    let output = cloudfit().arg("list").arg(tmp.path()).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert_eq!(text.lines().count(), record.backups.len() + 1, "{text}");
}

#[test]
fn a_wal_file_beside_the_manifest_is_reported() {
    let (tmp, record) = sample();
    let dir = tmp.path().join("Backup").join(plain_id(&record));
    std::fs::write(dir.join("Manifest.db-wal"), vec![0u8; 4096]).unwrap();
    let (doc, _) = json(&["scan".as_ref(), dir.as_os_str()]);
    assert!(doc["backups"][0]["warnings"]
        .to_string()
        .contains("Manifest.db-wal holds 4096 bytes"));
}

#[test]
#[cfg(unix)]
fn a_fifo_named_like_a_plist_does_not_hang() {
    let (tmp, record) = sample();
    let dir = tmp.path().join("Backup").join(plain_id(&record));
    std::fs::remove_file(dir.join("Status.plist")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(dir.join("Status.plist"))
        .status()
        .unwrap();
    assert!(status.success());
    let output = cloudfit()
        .arg("list")
        .arg(&dir)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_no_panic(&output);
    assert_exit(&output, 0);
}

#[test]
fn a_closed_stderr_is_not_a_crash() {
    let (tmp, _) = sample();
    for i in 0..300 {
        std::fs::create_dir(tmp.path().join("Backup").join(format!("not a backup {i}"))).unwrap();
    }
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cloudfit"))
        .arg("list")
        .arg(tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_ne!(status.code(), Some(101));
}

#[test]
fn a_data_file_in_another_shards_folder_is_counted_once() {
    let (tmp, record) = sample();
    let dir = tmp.path().join("Backup").join(plain_id(&record));
    let shards: Vec<std::path::PathBuf> = {
        let mut s: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir() && p.file_name().unwrap().len() == 2)
            .collect();
        s.sort();
        s
    };
    let first_file = |shard: &std::path::Path| {
        let mut f: Vec<_> = std::fs::read_dir(shard)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        f.sort();
        f.remove(0)
    };
    // One file moved into the next shard's folder, and that shard made to differ by losing a file.
    let moved = first_file(&shards[0]);
    let lost = first_file(&shards[1]);
    std::fs::remove_file(&lost).unwrap();
    std::fs::rename(&moved, shards[1].join(moved.file_name().unwrap())).unwrap();
    let on_disk = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter(|e| e.as_ref().unwrap().file_type().is_file())
        .count() as u64;
    for measure in [false, true] {
        let mut args = vec!["scan".as_ref(), dir.as_os_str()];
        if measure {
            args.push("--measure-disk".as_ref());
        }
        let (doc, output) = json(&args);
        assert_exit(&output, 0);
        let backup = &doc["backups"][0];
        assert_eq!(
            backup["disk_files"].as_u64(),
            Some(on_disk),
            "measure {measure}"
        );
        // Where the backup looks for it, the moved file is missing; where it sits, it is an orphan.
        assert_eq!(backup["missing"]["files"].as_u64(), Some(2));
        assert_eq!(backup["orphans"]["files"].as_u64(), Some(1));
    }
}

#[test]
fn a_file_id_stored_as_a_blob_is_still_found_when_its_shard_differs() {
    let (tmp, record) = sample();
    let dir = tmp.path().join("Backup").join(plain_id(&record));
    let conn = rusqlite::Connection::open(dir.join("Manifest.db")).unwrap();
    // A blob sorts after every text, so a fileID range query through the index never returns it.
    conn.execute(
        "UPDATE Files SET fileID = CAST(fileID AS BLOB) WHERE fileID < '8'",
        [],
    )
    .unwrap();
    drop(conn);
    let id: String = rusqlite::Connection::open(dir.join("Manifest.db"))
        .unwrap()
        .query_row(
            "SELECT CAST(fileID AS TEXT) FROM Files WHERE typeof(fileID) = 'blob' AND flags = 1 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let _ = std::fs::remove_file(dir.join("Manifest.db-wal"));
    let _ = std::fs::remove_file(dir.join("Manifest.db-shm"));
    std::fs::remove_file(dir.join(&id[..2]).join(&id)).unwrap();
    let (doc, output) = json(&["scan".as_ref(), dir.as_os_str()]);
    assert_exit(&output, 0);
    let backup = &doc["backups"][0];
    assert_eq!(backup["missing"]["files"].as_u64(), Some(1));
    assert_eq!(backup["orphans"]["files"].as_u64(), Some(0));
}
