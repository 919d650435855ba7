//! `cloudfit diff`: two backups of one phone (its backup and an earlier copy the generator made of it)
//! compared on every format, held to the generator's own account of what changed between them
//! (`expected_diff`, from the two catalogs), never to cloudfit's output.

use crate::common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use cloudfit_synth::{
    earlier_copy, expected_diff, sample_specs, unix_from_utc, write_backup, write_extracted,
    BackupSpec, ExpectedDiff, ExtractedLayout, Format,
};
use serde_json::Value;

use common::{assert_exit, assert_no_panic, cloudfit};

/// Which kind of pair to write.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Plain,
    Encrypted,
    Mbdb,
    Extracted,
}

pub(crate) const PASSWORD: &str = "open sesame";

/// Maya's phone at a small scale, and its copy of 2026-09-01 with `removed` and `grown` files.
pub(crate) fn specs(kind: Kind, removed: u64, grown: u64) -> (BackupSpec, BackupSpec) {
    let mut new = BackupSpec {
        files: 260,
        avg_file_size: 1_000,
        seed: 77,
        ..sample_specs().swap_remove(0)
    };
    match kind {
        Kind::Encrypted => {
            new.encrypted = true;
            new.password = Some(PASSWORD.into());
            new.dpic = 1_000;
            new.iter = 10;
        }
        Kind::Mbdb => new.format = Format::ManifestMbdb,
        _ => {}
    }
    let at = unix_from_utc(2026, 9, 1, 10, 15, 0);
    let old = earlier_copy(&new, at, removed, grown);
    (old, new)
}

/// Writes the pair under `dir`; returns the two folders.
pub(crate) fn write_pair(
    dir: &Path,
    old: &BackupSpec,
    new: &BackupSpec,
    kind: Kind,
) -> (PathBuf, PathBuf) {
    let parent = dir.join("Backup");
    let place = |spec: &BackupSpec| match kind {
        Kind::Extracted => {
            write_extracted(&parent, spec, ExtractedLayout::Domains).unwrap();
            parent.join(
                spec.extracted_folder_name(ExtractedLayout::Domains)
                    .unwrap(),
            )
        }
        _ => {
            write_backup(&parent, spec).unwrap();
            parent.join(spec.folder_name())
        }
    };
    (place(old), place(new))
}

fn diff_json(args: &[OsString]) -> (Value, std::process::Output) {
    let output = cloudfit()
        .arg("diff")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert_no_panic(&output);
    let doc = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (doc, output)
}

fn os(p: &Path) -> OsString {
    p.as_os_str().to_owned()
}

/// The document's rows of `kinds` and its files equal the generator's diff; its totals too.
fn assert_diff_matches(doc: &Value, want: &ExpectedDiff, kinds: &[&str]) {
    let d = &doc["diff"];
    let mut got_rows: Vec<(String, String, u64, u64, u64, u64)> = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| kinds.contains(&r["kind"].as_str().unwrap()))
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
                r["old_bytes"].as_u64().unwrap(),
                r["new_bytes"].as_u64().unwrap(),
                r["old_files"].as_u64().unwrap(),
                r["new_files"].as_u64().unwrap(),
            )
        })
        .collect();
    got_rows.sort();
    let mut want_rows: Vec<_> = want
        .rows
        .iter()
        .filter(|r| kinds.contains(&r.kind))
        .map(|r| {
            (
                r.kind.to_string(),
                r.id.clone(),
                r.old_bytes,
                r.new_bytes,
                r.old_files,
                r.new_files,
            )
        })
        .collect();
    want_rows.sort();
    assert_eq!(got_rows, want_rows);
    for r in d["rows"].as_array().unwrap() {
        let delta = r["new_bytes"].as_i64().unwrap() - r["old_bytes"].as_i64().unwrap();
        assert_eq!(r["delta_bytes"].as_i64(), Some(delta), "{r}");
    }

    let mut got_files: Vec<(String, String, Option<u64>, Option<u64>)> = d["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["domain"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["old_bytes"].as_u64(),
                f["new_bytes"].as_u64(),
            )
        })
        .collect();
    got_files.sort();
    // Listed: every file added, removed or grown (the runs here ask for more than there are).
    let want_files: Vec<_> = want
        .files
        .iter()
        .filter(|f| match (f.old, f.new) {
            (Some(o), Some(n)) => n > o,
            _ => true,
        })
        .map(|f| (f.domain.clone(), f.path.clone(), f.old, f.new))
        .collect();
    assert_eq!(got_files, want_files);

    let sum = |pick: &dyn Fn(Option<u64>, Option<u64>) -> Option<u64>| -> (u64, u64) {
        let picked: Vec<u64> = want
            .files
            .iter()
            .filter_map(|f| pick(f.old, f.new))
            .collect();
        (picked.len() as u64, picked.iter().sum())
    };
    let totals = |name: &str| {
        let c = &d["changes"][name];
        (c["files"].as_u64().unwrap(), c["bytes"].as_u64().unwrap())
    };
    assert_eq!(totals("added"), sum(&|o, n| o.is_none().then_some(n?)));
    assert_eq!(totals("removed"), sum(&|o, n| n.is_none().then_some(o?)));
    assert_eq!(
        totals("grown"),
        sum(&|o, n| (n? > o?).then(|| n.unwrap() - o.unwrap()))
    );
    assert_eq!(
        totals("shrunk"),
        sum(&|o, n| (n? < o?).then(|| o.unwrap() - n.unwrap()))
    );
}

/// Rows come the most grown first; files added, then removed, then grown, each the largest first.
fn assert_sorted(doc: &Value) {
    let rows = doc["diff"]["rows"].as_array().unwrap();
    let deltas: Vec<i64> = rows
        .iter()
        .map(|r| r["delta_bytes"].as_i64().unwrap())
        .collect();
    assert!(deltas.windows(2).all(|w| w[0] >= w[1]), "{deltas:?}");
    let files = doc["diff"]["files"].as_array().unwrap();
    let order = |c: &str| {
        ["added", "removed", "grown"]
            .iter()
            .position(|x| *x == c)
            .unwrap()
    };
    let by: Vec<(usize, i64)> = files
        .iter()
        .map(|f| {
            let o = f["old_bytes"].as_i64().unwrap_or(0);
            let n = f["new_bytes"].as_i64().unwrap_or(0);
            (order(f["change"].as_str().unwrap()), -(n - o).abs())
        })
        .collect();
    assert!(by.windows(2).all(|w| w[0] <= w[1]), "{by:?}");
}

fn run_pair(kind: Kind, removed: u64, grown: u64) {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = specs(kind, removed, grown);
    let want = expected_diff(&old, &new).unwrap();
    let (old_dir, new_dir) = write_pair(tmp.path(), &old, &new, kind);
    let mut args = vec![os(&old_dir), os(&new_dir), "-n".into(), "10000".into()];
    if kind == Kind::Encrypted {
        let file = tmp.path().join("password.txt");
        std::fs::write(&file, PASSWORD).unwrap();
        args.extend(["--password-file".into(), file.into()]);
    }
    let (doc, output) = diff_json(&args);
    assert_exit(&output, 0);
    // Extracted trees have no plists: their apps are named by container, not by the phone's app list.
    let kinds: &[&str] = match kind {
        Kind::Extracted => &["domain"],
        _ => &["category", "app", "domain"],
    };
    assert_diff_matches(&doc, &want, kinds);
    assert_sorted(&doc);
    assert!(!want.files.is_empty());
    let d = &doc["diff"];
    assert_eq!(d["old"]["path"].as_str(), old_dir.to_str());
    assert_eq!(d["new"]["path"].as_str(), new_dir.to_str());
    if kind == Kind::Extracted {
        assert!(d["days"].is_null() && d["bytes_per_month"].is_null());
    } else {
        let seconds = new.last_backup - old.last_backup;
        assert_eq!(d["seconds"].as_i64(), Some(seconds));
        let days = (seconds as f64 / 864.0).round() / 100.0;
        assert_eq!(d["days"].as_f64(), Some(days));
        let delta: i64 = want
            .rows
            .iter()
            .filter(|r| r.kind == "category")
            .map(|r| r.new_bytes as i64 - r.old_bytes as i64)
            .sum();
        assert_eq!(d["delta_bytes"].as_i64(), Some(delta));
        let per_month = (delta as f64 * 30.436_875 * 86_400.0 / seconds as f64).round() as i64;
        assert_eq!(d["bytes_per_month"].as_i64(), Some(per_month));
        assert_eq!(d["notes"], serde_json::json!([]));
        assert_eq!(d["old"]["udid"], d["new"]["udid"]);
    }
}

#[test]
fn a_plain_pair_differs_as_the_generator_made_it() {
    run_pair(Kind::Plain, 5, 4);
}

#[test]
fn a_pair_made_from_births_alone_has_only_added_files() {
    run_pair(Kind::Plain, 0, 0);
}

#[test]
fn an_encrypted_pair_differs_as_the_generator_made_it() {
    run_pair(Kind::Encrypted, 3, 2);
}

#[test]
fn an_ios9_pair_differs_as_the_generator_made_it() {
    run_pair(Kind::Mbdb, 3, 2);
}

#[test]
fn an_extracted_pair_differs_as_the_generator_made_it() {
    run_pair(Kind::Extracted, 3, 2);
}

/// The sample's Maya pair: by folders, by `--device` (the backup and its archived copy), and the committed
/// fixtures, each against the sample's specs.
#[test]
fn the_samples_maya_pair_differs_as_recorded_by_folder_and_by_device() {
    let specs = sample_specs();
    let (new, old) = (&specs[0], &specs[1]);
    let want = expected_diff(old, new).unwrap();
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/MobileSync");
    let (tmp, _) = common::sample();
    for root in [tmp.path(), committed.as_path()] {
        let backups = root.join("Backup");
        let by_folder = vec![
            os(&backups.join(old.folder_name())),
            os(&backups.join(new.folder_name())),
            "-n".into(),
            "1000".into(),
        ];
        let by_device = vec![
            os(root),
            "--device".into(),
            "maya's iphone".into(),
            "-n".into(),
            "1000".into(),
        ];
        for args in [by_folder, by_device] {
            let (doc, output) = diff_json(&args);
            assert_exit(&output, 0);
            assert_diff_matches(&doc, &want, &["category", "app", "domain"]);
            assert_sorted(&doc);
            assert_eq!(
                doc["diff"]["old"]["id"].as_str(),
                Some(old.folder_name().as_str())
            );
            assert_eq!(
                doc["diff"]["new"]["id"].as_str(),
                Some(new.folder_name().as_str())
            );
            assert_eq!(doc["diff"]["old"]["archived"], true);
        }
    }
}

#[test]
fn n_bounds_each_list_to_its_largest_changes() {
    let specs = sample_specs();
    let (new, old) = (&specs[0], &specs[1]);
    let want = expected_diff(old, new).unwrap();
    let (tmp, _) = common::sample();
    let backups = tmp.path().join("Backup");
    let args = vec![
        os(&backups.join(old.folder_name())),
        os(&backups.join(new.folder_name())),
        "-n".into(),
        "2".into(),
    ];
    let (doc, output) = diff_json(&args);
    assert_exit(&output, 0);
    let files = doc["diff"]["files"].as_array().unwrap();
    for change in ["added", "removed", "grown"] {
        let listed: Vec<&Value> = files.iter().filter(|f| f["change"] == change).collect();
        let by = |o: Option<u64>, n: Option<u64>| n.unwrap_or(0).abs_diff(o.unwrap_or(0));
        let all: Vec<u64> = want
            .files
            .iter()
            .filter(|f| match change {
                "added" => f.old.is_none(),
                "removed" => f.new.is_none(),
                _ => f.old.zip(f.new).is_some_and(|(o, n)| n > o),
            })
            .map(|f| by(f.old, f.new))
            .collect();
        assert_eq!(listed.len(), all.len().min(2), "{change}");
        let mut largest = all.clone();
        largest.sort_unstable_by(|a, b| b.cmp(a));
        let got: Vec<u64> = listed
            .iter()
            .map(|f| by(f["old_bytes"].as_u64(), f["new_bytes"].as_u64()))
            .collect();
        assert_eq!(got, largest[..got.len()], "{change}");
    }
}

/// The CSV holds the JSON's rows and files, cell by cell.
#[test]
fn csv_and_json_agree_cell_by_cell() {
    let specs = sample_specs();
    let (new, old) = (&specs[0], &specs[1]);
    let (tmp, _) = common::sample();
    let backups = tmp.path().join("Backup");
    let args = [
        os(&backups.join(old.folder_name())),
        os(&backups.join(new.folder_name())),
    ];
    let (doc, _) = diff_json(&args);
    let output = cloudfit()
        .arg("diff")
        .args(&args)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert_exit(&output, 0);
    let mut reader = csv::Reader::from_reader(&output.stdout[..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "section",
            "kind",
            "id",
            "name",
            "domain",
            "path",
            "change",
            "old_bytes",
            "new_bytes",
            "delta_bytes",
            "old_files",
            "new_files"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let cell = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let rows = doc["diff"]["rows"].as_array().unwrap();
    let files = doc["diff"]["files"].as_array().unwrap();
    assert_eq!(records.len(), rows.len() + files.len());
    for (record, row) in records.iter().zip(rows) {
        assert_eq!(&record[0], "row");
        for (i, field) in [(1, "kind"), (2, "id"), (3, "name"), (7, "old_bytes")]
            .into_iter()
            .chain([
                (8, "new_bytes"),
                (9, "delta_bytes"),
                (10, "old_files"),
                (11, "new_files"),
            ])
        {
            assert_eq!(
                record[i].trim_start_matches('\''),
                cell(&row[field]),
                "{field}"
            );
        }
    }
    for (record, file) in records[rows.len()..].iter().zip(files) {
        assert_eq!(&record[0], "file");
        for (i, field) in [
            (4, "domain"),
            (5, "path"),
            (6, "change"),
            (7, "old_bytes"),
            (8, "new_bytes"),
        ] {
            assert_eq!(&record[i], cell(&file[field]), "{field}");
        }
        let delta =
            file["new_bytes"].as_i64().unwrap_or(0) - file["old_bytes"].as_i64().unwrap_or(0);
        assert_eq!(&record[9], delta.to_string());
    }
}

#[test]
fn the_table_names_both_backups_and_the_change() {
    let (tmp, record) = common::sample();
    let backups = tmp.path().join("Backup");
    let old = record.backups.iter().find(|b| b.archived).unwrap();
    let new = common::plain_current(&record);
    let output = cloudfit()
        .arg("diff")
        .arg(backups.join(&old.id))
        .arg(backups.join(&new.id))
        .output()
        .unwrap();
    assert_exit(&output, 0);
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(
        text.starts_with("Maya's iPhone · iPhone 14 Pro\n"),
        "{text}"
    );
    assert!(
        text.contains("Old 2026-09-01") && text.contains("New 2026-11-20"),
        "{text}"
    );
    assert!(
        text.contains(" Data type ") && text.contains(" App ") && text.contains(" File "),
        "{text}"
    );
    assert!(text.contains("Library/SMS/sms.db"), "{text}");
    assert!(output.stderr.is_empty(), "{output:?}");
}

/// OLD newer than NEW: swapped, with a note; backups of two devices: compared, with a note.
#[test]
fn a_pair_given_backwards_is_swapped_and_two_devices_are_noted() {
    let (tmp, record) = common::sample();
    let backups = tmp.path().join("Backup");
    let old = record.backups.iter().find(|b| b.archived).unwrap();
    let new = common::plain_current(&record);
    let (doc, output) = diff_json(&[os(&backups.join(&new.id)), os(&backups.join(&old.id))]);
    assert_exit(&output, 0);
    assert_eq!(doc["diff"]["old"]["id"].as_str(), Some(old.id.as_str()));
    assert_eq!(doc["diff"]["notes"][0]["code"], "diff-swapped");
    assert!(String::from_utf8_lossy(&output.stderr).contains("other way round"));

    let ipad = record
        .backups
        .iter()
        .find(|b| b.device_name == "Old iPad")
        .unwrap();
    let (doc, output) = diff_json(&[os(&backups.join(&ipad.id)), os(&backups.join(&new.id))]);
    assert_exit(&output, 0);
    let notes = doc["diff"]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["code"], "diff-other-device");
    assert_eq!(notes[0]["new_udid"], new.udid.as_str());
    common::assert_codes_documented(&doc);
}

/// One side that cannot be read: the error names that side, with the side's own code, exit 2, and no half
/// comparison (nothing on stdout for a table or CSV, a document with `diff: null` for JSON).
#[test]
fn a_side_that_cannot_be_read_is_named_and_nothing_is_compared() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = specs(Kind::Encrypted, 1, 1);
    let (old_dir, new_dir) = write_pair(tmp.path(), &old, &new, Kind::Encrypted);
    let empty = tmp.path().join("not a backup");
    std::fs::create_dir(&empty).unwrap();
    let plain = tmp.path().join("plain");
    let (p_old, p_new) = specs(Kind::Plain, 1, 1);
    let (plain_old, plain_new) = write_pair(&plain, &p_old, &p_new, Kind::Plain);
    std::fs::write(plain_new.join("Manifest.db"), b"not a database at all").unwrap();
    let wrong = tmp.path().join("wrong.txt");
    std::fs::write(&wrong, "not it").unwrap();
    let cases: Vec<(Vec<OsString>, &str, &str)> = vec![
        (vec![os(&old_dir), os(&new_dir)], "old", "locked"),
        (
            vec![
                os(&old_dir),
                os(&new_dir),
                "--password-file".into(),
                os(&wrong),
            ],
            "old",
            "wrong-password",
        ),
        (vec![os(&plain_old), os(&empty)], "new", "no-backup"),
        (vec![os(&empty), os(&plain_old)], "old", "no-backup"),
        (vec![os(&plain_old), os(&plain_new)], "new", "not-sqlite"),
        (
            vec![os(&plain_old), os(&tmp.path().join("gone"))],
            "new",
            "not-found",
        ),
    ];
    for (args, side, code) in cases {
        let (doc, output) = diff_json(&args);
        assert_exit(&output, 2);
        assert!(doc["diff"].is_null(), "{doc}");
        let errors = doc["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{doc}");
        assert_eq!(errors[0]["side"], side, "{doc}");
        assert_eq!(errors[0]["code"], code, "{doc}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&format!("the {side} backup")), "{stderr}");
        common::assert_codes_documented(&doc);
        for format in [&["--format", "table"][..], &["--format", "csv"]] {
            let output = cloudfit()
                .arg("diff")
                .args(&args)
                .args(format)
                .output()
                .unwrap();
            assert_no_panic(&output);
            assert_exit(&output, 2);
            assert!(output.stdout.is_empty(), "{output:?}");
        }
    }
}

#[test]
fn a_device_with_fewer_than_two_backups_is_refused() {
    let (tmp, _) = common::sample();
    for device in ["Old iPad", "nobody"] {
        let (doc, output) = diff_json(&[os(tmp.path()), "--device".into(), device.into()]);
        assert_exit(&output, 2);
        assert!(doc["diff"].is_null());
        assert_eq!(doc["errors"][0]["code"], "diff-too-few-backups", "{doc}");
        assert!(doc["errors"][0]["side"].is_null());
    }
    // One folder without --device is a usage error.
    let (doc, output) = diff_json(&[os(tmp.path())]);
    assert_exit(&output, 2);
    assert_eq!(doc["errors"][0]["code"], "usage", "{doc}");
    assert!(doc["diff"].is_null());
}
