//! Backups other tools already extracted into folders: found, walked and attributed like real backups.

use crate::common;

use std::collections::BTreeMap;

use cloudfit_synth::{self as synth, Counts as ExpectedCounts, ExpectedBackup};
use serde_json::Value;

use common::{assert_exit, assert_totals_match, counts, find, json};

fn by_key(rows: &Value, key: &str) -> BTreeMap<String, ExpectedCounts> {
    rows.as_array()
        .expect("array")
        .iter()
        .map(|r| (r[key].as_str().expect("key").to_string(), counts(r)))
        .collect()
}

/// Everything an extracted tree can know: no device facts, no app names (no App Store metadata).
fn assert_tree_matches(got: &Value, want: &ExpectedBackup) {
    let id = &want.id;
    assert_totals_match(got, want);
    assert_eq!(
        by_key(&got["categories"], "id"),
        want.categories,
        "{id} categories"
    );
    assert_eq!(by_key(&got["subsets"], "id"), want.subsets, "{id} subsets");
    assert_eq!(
        by_key(&got["domains"], "domain"),
        want.domains,
        "{id} domains"
    );
    let apps = by_key(&got["apps"], "bundle_id");
    let want_apps: BTreeMap<String, ExpectedCounts> = want
        .apps
        .iter()
        .map(|(k, a)| {
            (
                k.clone(),
                ExpectedCounts {
                    files: a.files,
                    bytes: a.bytes,
                },
            )
        })
        .collect();
    assert_eq!(apps, want_apps, "{id} apps");
}

#[test]
fn both_layouts_are_found_walked_and_attributed_like_the_record() {
    let tmp = tempfile::tempdir().unwrap();
    let record = synth::write_extracted_samples(tmp.path(), true).unwrap();
    let (doc, output) = json(&["scan".as_ref(), tmp.path().as_os_str()]);
    assert_exit(&output, 0);
    assert_eq!(
        doc["backups"].as_array().map(Vec::len),
        Some(record.backups.len())
    );
    for want in &record.backups {
        let got = find(&doc, &want.id);
        assert_tree_matches(got, want);
        // The generator writes a name that is not UTF-8 on Unix only (NTFS names are UTF-16).
        let warnings = got["warnings"].to_string();
        assert_eq!(
            warnings.contains("not valid UTF-8"),
            cfg!(unix),
            "{warnings}"
        );
    }
}

/// Unix only: the committed trees hold symlinks, which git on Windows checks out as small text files (unless
/// `core.symlinks` is on) and Wine shows as their targets.
#[test]
#[cfg(unix)]
fn the_committed_extracted_samples_read_as_recorded() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/extracted");
    let text = std::fs::read_to_string(root.join("expected.json")).unwrap();
    let record: synth::SampleSet = serde_json::from_str(&text).unwrap();
    let (doc, output) = json(&["scan".as_ref(), root.as_os_str()]);
    assert_exit(&output, 0);
    for want in &record.backups {
        let got = find(&doc, &want.id);
        // git keeps no empty folders, so folder counts differ in a clone; everything else must match.
        assert_tree_matches(
            got,
            &ExpectedBackup {
                directories: got["directories"].as_u64(),
                ..want.clone()
            },
        );
    }
}

#[test]
#[cfg(unix)]
fn a_symlink_loop_cannot_trap_the_walk() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("export/HomeDomain/Library");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::create_dir_all(tmp.path().join("export/MediaDomain")).unwrap();
    std::fs::write(tree.join("a.plist"), [0u8; 10]).unwrap();
    std::os::unix::fs::symlink("..", tree.join("loop")).unwrap();
    std::os::unix::fs::symlink(tree.join("missing"), tree.join("dangling")).unwrap();
    let output = common::cloudfit()
        .args(["scan", "--json"])
        .arg(tmp.path().join("export"))
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["backups"][0]["bytes"], 10);
    assert_eq!(doc["backups"][0]["symlinks"], 2);
}

#[test]
fn a_larger_generated_tree_reads_as_recorded_in_both_layouts() {
    // Thousands of folders, so the parallel walk's threads share the tree; hard links counted once.
    let tmp = tempfile::tempdir().unwrap();
    let spec = synth::BackupSpec {
        files: 20_000,
        extracted_hard_links: true,
        ..synth::BackupSpec::default()
    };
    let layouts = [
        synth::ExtractedLayout::Domains,
        synth::ExtractedLayout::DevicePaths,
    ];
    for layout in layouts {
        let parent = tmp.path().join(layout.id());
        let want = synth::write_extracted(&parent, &spec, layout).unwrap();
        let (doc, output) = json(&["scan".as_ref(), parent.join(&want.id).as_os_str()]);
        assert_exit(&output, 0);
        let got = find(&doc, &want.id);
        assert_tree_matches(got, &want);
        assert_eq!(got["directories"].as_u64(), want.directories, "{}", want.id);
    }
}

#[test]
#[cfg(windows)]
fn a_path_longer_than_windows_260_characters_is_walked_and_counted() {
    // Five folders of 80 characters: past MAX_PATH, which the standard library gets round with `\\?\` paths.
    let tmp = tempfile::tempdir().unwrap();
    let export = tmp.path().join("export");
    std::fs::create_dir_all(export.join("MediaDomain")).unwrap();
    let mut dir = export.join("HomeDomain");
    for _ in 0..5 {
        dir = dir.join("d".repeat(80));
    }
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("deep.db"), [0u8; 7]).unwrap();
    assert!(dir.as_os_str().len() > 400);
    assert_deep_tree_reads(&export, 7, 1);
}

/// Scans an extracted tree with a very long path in it: one whole document, with the tree's bytes and files.
fn assert_deep_tree_reads(export: &std::path::Path, bytes: u64, files: u64) {
    let output = common::cloudfit()
        .args(["scan", "--json"])
        .arg(export)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    common::assert_no_panic(&output);
    let doc: Value = serde_json::from_slice(&output.stdout).expect("one whole JSON document");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(doc["backups"][0]["bytes"], bytes, "{stderr}");
    assert_eq!(doc["backups"][0]["files"], files, "{stderr}");
}

#[test]
#[cfg(unix)]
fn a_path_longer_than_the_system_limit_is_walked_and_counted() {
    // 60 folders of 80 characters: the deepest file's path is about 4,900 bytes, past PATH_MAX (4,096).
    let tmp = tempfile::tempdir().unwrap();
    let export = tmp.path().join("export");
    std::fs::create_dir_all(export.join("MediaDomain")).unwrap();
    let mut dir = export.join("HomeDomain");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("top.plist"), [0u8; 3]).unwrap();
    // Built one level at a time relative to the previous one: the whole path is too long for one call.
    let name = "d".repeat(80);
    let mut fd = std::fs::File::open(&dir).unwrap();
    for _ in 0..60 {
        use std::os::fd::AsRawFd;
        let at = format!("/proc/self/fd/{}/{name}", fd.as_raw_fd());
        std::fs::create_dir(&at).unwrap();
        fd = std::fs::File::open(&at).unwrap();
        dir = dir.join(&name);
    }
    use std::os::fd::AsRawFd;
    std::fs::write(
        format!("/proc/self/fd/{}/deep.db", fd.as_raw_fd()),
        [0u8; 7],
    )
    .unwrap();
    assert!(dir.as_os_str().len() > 4096);

    // The read-only guard snapshots relative to open folders, so it checks even this tree.
    assert_deep_tree_reads(&export, 10, 2);
}

/// Names that differ only in case are two files on a case-sensitive disk and one on NTFS or APFS (by
/// default): the walk counts what the folder holds, never merging or splitting names itself.
#[test]
fn names_that_differ_only_in_case_count_as_the_disk_holds_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dcim = tmp
        .path()
        .join("export/CameraRollDomain/Media/DCIM/100APPLE");
    std::fs::create_dir_all(&dcim).unwrap();
    std::fs::create_dir_all(tmp.path().join("export/HomeDomain")).unwrap();
    std::fs::write(dcim.join("IMG_0001.JPG"), [0u8; 10]).unwrap();
    std::fs::write(dcim.join("img_0001.jpg"), [0u8; 4]).unwrap();
    let held: Vec<u64> = std::fs::read_dir(&dcim)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .collect();
    let (doc, output) = json(&["scan".as_ref(), tmp.path().join("export").as_os_str()]);
    assert_exit(&output, 0);
    assert_eq!(doc["backups"][0]["files"], held.len());
    assert_eq!(doc["backups"][0]["bytes"], held.iter().sum::<u64>());
}
