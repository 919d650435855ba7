//! `top` and `tree` against the generator's per-file record (`expected_files`), never against cloudfit's own
//! figures: the largest files with their dates and whether their data is on disk, on every format (plain,
//! encrypted, mbdb, a partial backup, an extracted tree); the trees' sums at every node; and the refusals.

use crate::common;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::Path;

use cloudfit_synth::{
    expected_extracted_files, expected_files, extracted_sample_spec, rfc3339, sample_specs,
    write_extracted, BackupSpec, ExpectedFile, ExtractedLayout,
};
use serde_json::Value;

use common::{cloudfit, sample, sample_passwords};

/// The sample set's specs by folder name.
fn specs() -> BTreeMap<String, BackupSpec> {
    sample_specs()
        .into_iter()
        .map(|s| (s.folder_name(), s))
        .collect()
}

/// The record's files ranked as `top` ranks them: largest first, then by domain and path.
fn ranked(mut files: Vec<ExpectedFile>) -> Vec<ExpectedFile> {
    files.sort_by(|a, b| {
        b.size
            .cmp(&a.size)
            .then_with(|| (&a.domain, &a.path).cmp(&(&b.domain, &b.path)))
    });
    files
}

/// One listed file as compared: domain, path, bytes, modified, on disk, data type, app.
type Listed = (
    String,
    String,
    u64,
    Option<String>,
    bool,
    String,
    Option<String>,
);

/// What `top --json` lists for one backup, as comparable tuples.
fn listed(backup: &Value) -> Vec<Listed> {
    backup["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["domain"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["bytes"].as_u64().unwrap(),
                f["modified"].as_str().map(str::to_string),
                f["on_disk"].as_bool().unwrap(),
                f["category"].as_str().unwrap().to_string(),
                f["app"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn expected(files: &[ExpectedFile], n: usize) -> Vec<Listed> {
    files
        .iter()
        .take(n)
        .map(|f| {
            (
                f.domain.clone(),
                f.path.clone(),
                f.size,
                Some(rfc3339(f.modified)),
                f.on_disk,
                f.category.clone(),
                f.app.clone(),
            )
        })
        .collect()
}

fn run_json(args: &[OsString]) -> Value {
    let output = cloudfit().args(args).output().unwrap();
    common::assert_exit(&output, 0);
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn top_lists_the_record_s_largest_files_in_every_format() {
    let (tmp, record) = sample();
    let passwords = sample_passwords(tmp.path());
    let specs = specs();
    // Plain, encrypted (two passwords), mbdb, partial (missing data files), an archived copy.
    assert!(record.backups.iter().any(|b| b.missing.files > 0));
    assert!(record.backups.iter().any(|b| b.format == "manifest-mbdb"));
    let doc = run_json(&[
        "top".into(),
        tmp.path().into(),
        "--password-file".into(),
        passwords.into(),
        "-n".into(),
        "25".into(),
        "--json".into(),
    ]);
    let backups = doc["backups"].as_array().unwrap();
    assert_eq!(backups.len(), record.backups.len());
    let mut missing_seen = 0;
    for b in backups {
        let spec = &specs[b["id"].as_str().unwrap()];
        let files = ranked(expected_files(spec).unwrap());
        assert_eq!(listed(b), expected(&files, 25), "{}", spec.folder_name());
        assert_eq!(b["target"]["kind"], "backup");
        assert_eq!(b["target"]["files"], files.len() as u64);
        assert_eq!(
            b["target"]["bytes"],
            files.iter().map(|f| f.size).sum::<u64>()
        );
        missing_seen += listed(b).iter().filter(|f| !f.4).count();
    }
    // The partial backups' missing files are among the largest: `on_disk` is exercised both ways.
    assert!(missing_seen > 0);
}

#[test]
fn top_narrows_to_an_app_or_a_data_type() {
    let (tmp, record) = sample();
    let maya = common::plain_current(&record);
    let dir = tmp.path().join("Backup").join(&maya.id);
    let files = ranked(expected_files(&specs()[&maya.id]).unwrap());
    for (flag, value) in [
        ("--type", "photos"),
        ("--app", "net.whatsapp.WhatsApp"),
        ("--app", "whatsapp messenger"),
    ] {
        let doc = run_json(&[
            "top".into(),
            dir.clone().into(),
            flag.into(),
            value.into(),
            "-n".into(),
            "4".into(),
            "--json".into(),
        ]);
        let wanted: Vec<ExpectedFile> = files
            .iter()
            .filter(|f| match flag {
                "--type" => f.category == value,
                _ => f.app.as_deref() == Some("net.whatsapp.WhatsApp"),
            })
            .cloned()
            .collect();
        assert!(wanted.len() > 4, "{flag} {value}");
        let b = &doc["backups"][0];
        assert_eq!(listed(b), expected(&wanted, 4), "{flag} {value}");
        assert_eq!(
            b["target"]["bytes"],
            wanted.iter().map(|f| f.size).sum::<u64>()
        );
        assert_eq!(b["target"]["files"], wanted.len() as u64);
    }
}

#[test]
fn top_reads_an_extracted_tree_with_its_files_own_dates() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = extracted_sample_spec("Maya export", false);
    write_extracted(tmp.path(), &spec, ExtractedLayout::Domains).unwrap();
    let root = tmp.path().join("Maya export");
    let placed = expected_extracted_files(&spec, ExtractedLayout::Domains).unwrap();
    let files = ranked(placed.iter().map(|(f, _)| f.clone()).collect());
    let doc = run_json(&[
        "top".into(),
        root.clone().into(),
        "-n".into(),
        "10".into(),
        "--json".into(),
    ]);
    let b = &doc["backups"][0];
    let got = listed(b);
    let want = expected(&files, 10);
    assert_eq!(got.len(), 10);
    for (got, want) in got.iter().zip(&want) {
        // Everything but the date, which is the file's own modification time here (the walk's stat).
        assert_eq!(
            (&got.0, &got.1, got.2, got.4),
            (&want.0, &want.1, want.2, true)
        );
        let place = &placed
            .iter()
            .find(|(f, _)| f.domain == got.0 && f.path == got.1)
            .unwrap()
            .1;
        let mtime = std::fs::metadata(root.join(place))
            .unwrap()
            .modified()
            .unwrap();
        let seconds = mtime
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert_eq!(got.3.as_deref(), Some(rfc3339(seconds).as_str()));
    }
}

/// Checks a `tree --json` node and everything below it against the record's files `files` (those of the
/// target), `domain` and `prefix` saying where the node is; returns how many nodes were checked.
fn check_node(
    node: &Value,
    files: &[&ExpectedFile],
    domain: Option<&str>,
    prefix: Option<&str>,
) -> usize {
    let under: Vec<&ExpectedFile> = files
        .iter()
        .copied()
        .filter(|f| domain.is_none_or(|d| f.domain == d))
        .filter(|f| match prefix {
            None | Some("") => true,
            Some(p) => f.path == p || f.path.starts_with(&format!("{p}/")),
        })
        .collect();
    let name = node["name"].as_str().unwrap();
    assert_eq!(
        node["bytes"],
        under.iter().map(|f| f.size).sum::<u64>(),
        "{name}"
    );
    assert_eq!(node["files"], under.len() as u64, "{name}");
    let children = node["children"].as_array().unwrap();
    // At every node, opened or not, the children plus what they do not show are exactly the node.
    let more = &node["more"];
    let sum = |key: &str| {
        children
            .iter()
            .map(|c| c[key].as_u64().unwrap())
            .sum::<u64>()
            + more[key].as_u64().unwrap()
    };
    assert_eq!(sum("bytes"), node["bytes"].as_u64().unwrap(), "{name}");
    assert_eq!(sum("files"), node["files"].as_u64().unwrap(), "{name}");
    let mut checked = 1;
    for child in children {
        let id = child["id"].as_str();
        checked += match child["kind"].as_str().unwrap() {
            "domain" => check_node(child, &under, id, None),
            _ => check_node(child, &under, domain, id),
        };
    }
    checked
}

#[test]
fn tree_sums_match_the_record_at_every_node() {
    let (tmp, record) = sample();
    let passwords = sample_passwords(tmp.path());
    let specs = specs();
    for (flag, value) in [
        ("--type", "photos"),
        ("--type", "apps"),
        ("--app", "WhatsApp"),
        ("--domain", "HomeDomain"),
        ("--domain", "CameraRollDomain"),
    ] {
        let doc = run_json(&[
            "tree".into(),
            tmp.path().into(),
            "--password-file".into(),
            passwords.clone().into(),
            flag.into(),
            value.into(),
            "--depth".into(),
            "4".into(),
            "-n".into(),
            "3".into(),
            "--json".into(),
        ]);
        let mut checked = 0;
        for b in doc["backups"].as_array().unwrap() {
            let files = expected_files(&specs[b["id"].as_str().unwrap()]).unwrap();
            let target: Vec<&ExpectedFile> = files
                .iter()
                .filter(|f| match flag {
                    "--type" => f.category == value,
                    "--app" => f.app.as_deref() == Some("net.whatsapp.WhatsApp"),
                    _ => f.domain == value,
                })
                .collect();
            let tree = &b["tree"];
            assert_eq!(b["target"]["bytes"], tree["bytes"]);
            let domain = (flag == "--domain").then_some(value);
            checked += check_node(tree, &target, domain, domain.map(|_| ""));
        }
        assert!(
            checked > record.backups.len() * 4,
            "{flag} {value}: {checked} nodes"
        );
    }
}

#[test]
fn tree_folds_the_rest_and_keeps_depth() {
    let (tmp, record) = sample();
    let maya = common::plain_current(&record);
    let dir = tmp.path().join("Backup").join(&maya.id);
    let doc = run_json(&[
        "tree".into(),
        dir.into(),
        "--type".into(),
        "apps".into(),
        "--depth".into(),
        "1".into(),
        "-n".into(),
        "2".into(),
        "--json".into(),
    ]);
    let tree = &doc["backups"][0]["tree"];
    let children = tree["children"].as_array().unwrap();
    assert_eq!(children.len(), 2);
    assert!(tree["more"]["bytes"].as_u64().unwrap() > 0);
    // Depth 1: the domains are shown, not opened: all of each is in its `more`.
    assert!(children.iter().all(|c| c["kind"] == "domain"
        && c["more"]["bytes"] == c["bytes"]
        && c["more"]["files"] == c["files"]
        && c["children"].as_array().unwrap().is_empty()));
    assert!(children[0]["bytes"].as_u64() >= children[1]["bytes"].as_u64());
}

#[test]
fn what_is_not_there_is_refused_with_its_code() {
    let (tmp, record) = sample();
    let maya = common::plain_current(&record);
    let dir: OsString = tmp.path().join("Backup").join(&maya.id).into();
    for (args, code) in [
        (vec!["tree", "--app", "no such app"], "no-such-app"),
        (vec!["top", "--app", "no such app"], "no-such-app"),
        (vec!["tree", "--domain", "NoSuchDomain"], "no-such-domain"),
        // Two apps' names hold an "a": several matches are listed and refused.
        (vec!["tree", "--app", "a"], "ambiguous-app"),
    ] {
        let mut all: Vec<OsString> = args.iter().map(OsString::from).collect();
        all.insert(1, dir.clone());
        all.push("--json".into());
        let output = cloudfit().args(&all).output().unwrap();
        common::assert_exit(&output, 2);
        let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(doc["errors"][0]["code"], code, "{args:?}");
        assert_eq!(doc["backups"].as_array().unwrap().len(), 0);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&maya.id), "{stderr}");
    }
    // A data type that does not exist is a usage error that lists the ids; tree needs a target.
    for args in [
        vec!["top", "--type", "selfies"],
        vec!["tree"],
        vec!["tree", "--app", "x", "--type", "photos"],
    ] {
        let output = cloudfit().args(&args).arg(&dir).output().unwrap();
        common::assert_exit(&output, 2);
        assert!(output.stdout.is_empty());
    }
    let output = cloudfit()
        .args(["top", "--type", "selfies"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("photos, messages"));
}

#[test]
fn top_and_tree_tables_show_the_record_s_figures() {
    let (tmp, record) = sample();
    let maya = common::plain_current(&record);
    let dir: &Path = &tmp.path().join("Backup").join(&maya.id);
    let files = ranked(expected_files(&specs()[&maya.id]).unwrap());
    let output = cloudfit()
        .args(["top", "-n", "3"])
        .arg(dir)
        .output()
        .unwrap();
    common::assert_exit(&output, 0);
    let text = String::from_utf8(output.stdout).unwrap();
    for f in &files[..3] {
        let line = text
            .lines()
            .find(|l| l.contains(&f.path))
            .unwrap_or_else(|| panic!("{} in\n{text}", f.path));
        assert!(
            line.contains(&humansize::format_size(f.size, humansize::DECIMAL)),
            "{line}"
        );
        assert!(line.contains(&rfc3339(f.modified)[..10]), "{line}");
    }
    let output = cloudfit()
        .args(["tree", "--domain", "CameraRollDomain"])
        .arg(dir)
        .output()
        .unwrap();
    common::assert_exit(&output, 0);
    let text = String::from_utf8(output.stdout).unwrap();
    let camera: u64 = files
        .iter()
        .filter(|f| f.domain == "CameraRollDomain")
        .map(|f| f.size)
        .sum();
    let root = text
        .lines()
        .find(|l| l.trim_end().ends_with("CameraRollDomain") && !l.contains("domain"))
        .unwrap();
    assert!(
        root.contains(&humansize::format_size(camera, humansize::DECIMAL)),
        "{text}"
    );
    assert!(text.contains("└─ "), "{text}");
}

#[test]
fn device_picks_that_device_s_backups_and_an_unknown_one_is_refused() {
    let (tmp, record) = sample();
    let passwords = sample_passwords(tmp.path());
    let maya: Vec<&str> = record
        .backups
        .iter()
        .filter(|b| b.device_name == "Maya's iPhone")
        .map(|b| b.id.as_str())
        .collect();
    assert_eq!(maya.len(), 2, "the current backup and its archived copy");
    let doc = run_json(&[
        "top".into(),
        tmp.path().into(),
        "--password-file".into(),
        passwords.clone().into(),
        "--device".into(),
        "maya's iphone".into(),
        "--json".into(),
    ]);
    let ids: Vec<&str> = doc["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, maya);
    let output = cloudfit()
        .args([
            "tree",
            "--type",
            "photos",
            "--device",
            "Nobody's Phone",
            "--json",
        ])
        .arg(tmp.path())
        .arg("--password-file")
        .arg(&passwords)
        .output()
        .unwrap();
    common::assert_exit(&output, 2);
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["errors"][0]["code"], "no-such-device");
    assert!(String::from_utf8_lossy(&output.stderr).contains("Maya's iPhone"));
}

#[test]
fn report_never_writes_into_a_backup_and_json_gives_its_data() {
    let (tmp, record) = sample();
    let maya = common::plain_current(&record);
    let dir = tmp.path().join("Backup").join(&maya.id);
    // Inside the backup folder itself, and inside it by another name (`..`): refused, nothing written.
    for page in [
        dir.join("report.html"),
        dir.join("../").join(&maya.id).join("x.html"),
    ] {
        let output = cloudfit()
            .arg("report")
            .arg(tmp.path())
            .arg("--output")
            .arg(&page)
            .arg("--json")
            .output()
            .unwrap();
        common::assert_exit(&output, 2);
        let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(doc["errors"][0]["code"], "output-in-backup");
        assert!(!page.exists());
    }
    // A backup this run does not read is a backup all the same.
    let other = record.backups.iter().find(|b| b.id != maya.id).unwrap();
    let page = tmp.path().join("Backup").join(&other.id).join("r.html");
    let output = cloudfit()
        .arg("report")
        .arg(&dir)
        .arg("--output")
        .arg(&page)
        .output()
        .unwrap();
    common::assert_exit(&output, 2);
    assert!(!page.exists());
    // A name outside that leads inside: the symlink is followed, and refused, the manifest untouched.
    #[cfg(unix)]
    {
        let elsewhere = tempfile::tempdir().unwrap();
        let link = elsewhere.path().join("r.html");
        std::os::unix::fs::symlink(dir.join("Manifest.db"), &link).unwrap();
        let output = cloudfit()
            .arg("report")
            .arg(&dir)
            .arg("--output")
            .arg(&link)
            .arg("--json")
            .output()
            .unwrap();
        common::assert_exit(&output, 2);
        let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(doc["errors"][0]["code"], "output-in-backup");
    }
    let output = cloudfit()
        .args(["report", "--format", "csv"])
        .arg(&dir)
        .output()
        .unwrap();
    common::assert_exit(&output, 2);
    assert!(output.stdout.is_empty());
    // With --json, the data the page draws: the scan document, and the tree and files of each backup read.
    let data = run_json(&["report".into(), dir.clone().into(), "--json".into()]);
    assert_eq!(data["scan"]["backups"][0]["id"], maya.id.as_str());
    assert!(data["plan"].is_null());
    let inside = &data["inside"][0];
    assert_eq!(inside["tree"]["bytes"], maya.bytes.unwrap());
    let files = ranked(expected_files(&specs()[&maya.id]).unwrap());
    assert_eq!(listed(inside), expected(&files, 50));
}
