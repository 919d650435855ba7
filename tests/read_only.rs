//! cloudfit never writes into a backup: every command leaves every path, size, mtime, mode and byte as it was.

mod common;

use common::{cloudfit, sample, snapshot};

#[test]
fn no_command_changes_or_adds_anything_in_the_backups() {
    let (tmp, record) = sample();
    let before = snapshot(tmp.path());
    let one = tmp.path().join("Backup").join(&record.backups[0].id);
    let runs: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["scan".into(), tmp.path().into()],
        vec!["scan".into(), tmp.path().into(), "--json".into()],
        vec!["scan".into(), tmp.path().into(), "--all".into()],
        vec!["scan".into(), one.clone().into()],
        vec!["list".into(), tmp.path().into()],
        vec!["list".into(), tmp.path().into(), "--json".into()],
        vec!["plan".into(), tmp.path().into()],
        vec![
            "plan".into(),
            tmp.path().into(),
            "--used".into(),
            "4.9999GB".into(),
            "--json".into(),
        ],
    ];
    for args in runs {
        let output = cloudfit().args(&args).output().unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let after = snapshot(tmp.path());
        assert_eq!(before, after, "{args:?} changed the backup tree");
    }
}

#[test]
fn no_sqlite_side_files_appear_even_for_a_damaged_database() {
    let (tmp, record) = sample();
    let plain = record.backups.iter().find(|b| !b.encrypted).unwrap();
    let db = tmp
        .path()
        .join("Backup")
        .join(&plain.id)
        .join("Manifest.db");
    // Chop the database: SQLite may now fail half-way, and must still leave nothing behind.
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..bytes.len() / 2]).unwrap();
    let before = snapshot(tmp.path());
    let _ = cloudfit().arg("scan").arg(tmp.path()).output().unwrap();
    assert_eq!(before, snapshot(tmp.path()));
}
