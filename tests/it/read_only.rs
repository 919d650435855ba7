//! cloudfit never writes into a backup: every command, on every format, leaves every path, size, mtime, mode
//! and byte as it was, creates nothing beside Manifest.db, and writes nothing under `HOME` or the temp folder.
//!
//! Every run through `common::cloudfit()` is checked this way (see `common::Run`); this file runs each
//! command on each format explicitly, and shows that the snapshot notices each kind of change.

use crate::common;

use std::ffi::OsString;
use std::time::Duration;

use common::{cloudfit, sample, snapshot};

#[test]
fn no_command_changes_or_adds_anything_in_any_format() {
    let (tmp, record) = sample();
    let formats: std::collections::BTreeSet<&str> =
        record.backups.iter().map(|b| b.format.as_str()).collect();
    assert!(formats.contains("manifest-db") && formats.contains("manifest-mbdb"));
    assert!(record.backups.iter().any(|b| b.encrypted));
    let extracted = tempfile::tempdir().unwrap();
    cloudfit_synth::write_extracted_samples(extracted.path(), false).unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let passwords = secrets.path().join("passwords.txt");
    let lines: String = record
        .backups
        .iter()
        .filter_map(|b| Some(format!("{}={}\n", b.udid, b.password.as_deref()?)))
        .collect();
    assert!(!lines.is_empty());
    std::fs::write(&passwords, lines).unwrap();

    let one = tmp.path().join("Backup").join(&record.backups[0].id);
    let root: OsString = tmp.path().into();
    let tree: OsString = extracted.path().into();
    let unlock = || -> Vec<OsString> { vec!["--password-file".into(), passwords.clone().into()] };
    let mut runs: Vec<Vec<OsString>> = Vec::new();
    for path in [&root, &tree, &one.clone().into_os_string()] {
        for command in ["scan", "list", "plan", "top", "tree"] {
            for extra in [
                vec![],
                vec!["--json".into()],
                unlock(),
                vec!["--measure-disk".into()],
            ] {
                let mut args: Vec<OsString> = vec![command.into(), path.clone()];
                if command == "tree" {
                    args.extend(["--type".into(), "photos".into()]);
                }
                args.extend(extra);
                runs.push(args);
            }
        }
    }
    runs.push(vec!["scan".into(), root.clone(), "--all".into()]);
    // The report's page goes to stdout, or to a new file outside every backup (one each: the guard watches
    // the paths that exist when a run starts).
    for (i, path) in [&root, &tree, &one.clone().into_os_string()]
        .into_iter()
        .enumerate()
    {
        let mut args: Vec<OsString> = vec!["report".into(), path.clone()];
        args.extend(unlock());
        runs.push(args.clone());
        let page = secrets.path().join(format!("report-{i}.html"));
        args.extend(["--output".into(), page.into()]);
        runs.push(args);
    }
    runs.push(vec!["scan".into(), one.join("Manifest.db").into()]);
    let plan = [
        "plan".into(),
        root.clone(),
        "--used".into(),
        "4.9999GB".into(),
    ];
    runs.push(plan.to_vec());
    for args in runs {
        // The guard inside `cloudfit()` snapshots every path named and checks HOME and TMPDIR stay empty.
        let output = cloudfit()
            .args(&args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        common::assert_no_panic(&output);
        // Every sample is readable. Without their passwords the encrypted ones are listed locked, which
        // `list` reports as it is and `scan` and `plan` count as not read: exit 1.
        let unlocked = args.iter().any(|a| a == "--password-file");
        let locked_left = args[1] == root && !unlocked && args[0] != "list";
        common::assert_exit(&output, if locked_left { 1 } else { 0 });
    }
}

/// `diff` on a pair of every format (plain, encrypted with and without its password, iOS 4-9, extracted),
/// each way round and in each output, under the guard; and by `--device` over the samples.
#[test]
fn diff_changes_nothing_in_any_format() {
    use crate::diff::{specs, write_pair, Kind, PASSWORD};
    let tmp = tempfile::tempdir().unwrap();
    let secrets = tempfile::tempdir().unwrap();
    let password = secrets.path().join("password.txt");
    std::fs::write(&password, PASSWORD).unwrap();
    let mut runs: Vec<(Vec<OsString>, i32)> = Vec::new();
    for kind in [Kind::Plain, Kind::Encrypted, Kind::Mbdb, Kind::Extracted] {
        let (old, new) = specs(kind, 2, 2);
        let (old, new) = write_pair(&tmp.path().join(format!("{kind:?}")), &old, &new, kind);
        for pair in [[&old, &new], [&new, &old]] {
            for extra in [
                vec![],
                vec!["--json".into()],
                vec!["--format".into(), "csv".into()],
            ] {
                let mut args: Vec<OsString> = vec!["diff".into(), pair[0].into(), pair[1].into()];
                args.extend(extra);
                if kind == Kind::Encrypted {
                    runs.push((args.clone(), 2));
                    args.extend(["--password-file".into(), password.clone().into()]);
                }
                runs.push((args, 0));
            }
        }
    }
    let (sample_dir, _) = sample();
    runs.push((
        vec![
            "diff".into(),
            sample_dir.path().into(),
            "--device".into(),
            "Maya's iPhone".into(),
        ],
        0,
    ));
    for (args, code) in runs {
        let output = cloudfit()
            .args(&args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        common::assert_no_panic(&output);
        common::assert_exit(&output, code);
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

/// The guard is only worth something if it sees every kind of change a careless reader could make. (The
/// Unix snapshot: modes and symlinks are Unix's.)
#[test]
#[cfg(unix)]
fn the_snapshot_notices_every_kind_of_change() {
    use common::assert_unchanged;
    use std::os::unix::fs::PermissionsExt;
    use std::time::SystemTime;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("Backup");
    std::fs::create_dir_all(dir.join("ab")).unwrap();
    let file = dir.join("ab/abcd");
    std::fs::write(&file, b"0123456789").unwrap();
    std::os::unix::fs::symlink("ab", dir.join("link")).unwrap();
    let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
    let restore_mtime = |at: SystemTime| {
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(at)
            .unwrap()
    };
    type Step<'a> = Box<dyn Fn() + 'a>;
    let changes: Vec<(&str, Step, Step)> = vec![
        (
            "same size, same mtime, other bytes",
            Box::new(|| {
                std::fs::write(&file, b"0123456780").unwrap();
                restore_mtime(mtime);
            }),
            Box::new(|| {
                std::fs::write(&file, b"0123456789").unwrap();
                restore_mtime(mtime);
            }),
        ),
        (
            "mtime only",
            Box::new(|| restore_mtime(mtime + Duration::from_nanos(1))),
            Box::new(|| restore_mtime(mtime)),
        ),
        (
            "mode only",
            Box::new(|| {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap()
            }),
            Box::new(|| {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap()
            }),
        ),
        (
            "an empty file beside Manifest.db",
            Box::new(|| std::fs::write(dir.join("Manifest.db-journal"), b"").unwrap()),
            Box::new(|| std::fs::remove_file(dir.join("Manifest.db-journal")).unwrap()),
        ),
        (
            "a symlink pointing elsewhere",
            Box::new(|| {
                std::fs::remove_file(dir.join("link")).unwrap();
                std::os::unix::fs::symlink("ba", dir.join("link")).unwrap();
            }),
            Box::new(|| {
                std::fs::remove_file(dir.join("link")).unwrap();
                std::os::unix::fs::symlink("ab", dir.join("link")).unwrap();
            }),
        ),
    ];
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = snapshot(&dir);
    for (name, change, undo) in changes {
        change();
        let after = snapshot(&dir);
        let caught = std::panic::catch_unwind(|| assert_unchanged(&before, &after, &name));
        assert!(caught.is_err(), "the snapshot missed: {name}");
        undo();
        // A symlink's own mtime moves when it is remade: compare the rest of the tree only.
        let mut again = snapshot(&dir);
        let mut base = before.clone();
        again.remove(&dir.join("link"));
        base.remove(&dir.join("link"));
        again.remove(&dir);
        base.remove(&dir);
        assert_eq!(base, again, "{name} was not undone");
    }
}
