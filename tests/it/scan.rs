//! `cloudfit scan` and `cloudfit list` on generated sample backups: every figure equals the generator's record.

use crate::common;

use cloudfit_synth::ExpectedBackup;
use common::{assert_backup_matches, cloudfit, find, json, locked, sample};

#[test]
fn scan_json_matches_the_generators_record_for_every_backup() {
    let (tmp, record) = sample();
    let (doc, output) = json(&["scan".as_ref(), tmp.path().as_os_str()]);
    // Without their passwords the two encrypted samples are listed locked and counted as not read.
    assert_eq!(
        output.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let errors = doc["errors"].as_array().unwrap();
    let encrypted: Vec<&ExpectedBackup> = record.backups.iter().filter(|b| b.encrypted).collect();
    assert_eq!(errors.len(), encrypted.len(), "{errors:?}");
    for want in encrypted {
        assert!(
            errors
                .iter()
                .any(|e| e["path"].as_str().unwrap().ends_with(&want.id)
                    && e["message"]
                        .as_str()
                        .unwrap()
                        .contains("is encrypted and was not unlocked")),
            "{errors:?}"
        );
    }
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(
        doc["backups"].as_array().map(Vec::len),
        Some(record.backups.len())
    );
    for want in &record.backups {
        assert_backup_matches(find(&doc, &want.id), &locked(want));
    }
    let skipped: Vec<&str> = doc["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| s["path"].as_str().expect("path"))
        .collect();
    assert_eq!(skipped.len(), record.skipped.len());
    for name in &record.skipped {
        assert!(
            skipped.iter().any(|p| p.ends_with(name.as_str())),
            "{name} not in {skipped:?}"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("skipped") && stderr.contains(name.as_str()),
            "{stderr}"
        );
    }
}

#[test]
fn the_three_breakdowns_each_add_up_to_the_total() {
    let (tmp, _) = sample();
    let (doc, _) = json(&["scan".as_ref(), tmp.path().as_os_str()]);
    for b in doc["backups"].as_array().expect("backups") {
        let Some(total) = b["bytes"].as_u64() else {
            continue;
        };
        let sum = |key: &str| {
            b[key]
                .as_array()
                .expect(key)
                .iter()
                .map(|r| r["bytes"].as_u64().unwrap())
                .sum::<u64>()
        };
        assert_eq!(sum("categories"), total, "{}", b["id"]);
        assert_eq!(sum("domains"), total, "{}", b["id"]);
        let apps_category = b["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "apps")
            .map_or(0, |c| c["bytes"].as_u64().unwrap());
        assert_eq!(sum("apps"), apps_category, "{}", b["id"]);
        // Sorted by bytes, largest first.
        for key in ["apps", "categories", "domains"] {
            let bytes: Vec<u64> = b[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["bytes"].as_u64().unwrap())
                .collect();
            assert!(
                bytes.windows(2).all(|w| w[0] >= w[1]),
                "{key} not sorted: {bytes:?}"
            );
        }
        // Each data type names the (domain, prefix) shares that hold it: at most ten, largest first, each in
        // a domain of the backup; when all of them are listed they add up to the data type.
        let domain_bytes = |name: &str| {
            b["domains"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["domain"] == name)
                .map(|d| d["bytes"].as_u64().unwrap())
        };
        for c in b["categories"].as_array().unwrap() {
            let paths = c["paths"].as_array().expect("paths");
            assert!(!paths.is_empty() && paths.len() <= 10, "{c}");
            let bytes: Vec<u64> = paths.iter().map(|p| p["bytes"].as_u64().unwrap()).collect();
            assert!(bytes.windows(2).all(|w| w[0] >= w[1]), "{c}");
            for p in paths {
                let domain = p["domain"].as_str().unwrap();
                assert!(domain_bytes(domain) >= p["bytes"].as_u64(), "{p}");
            }
            let listed: u64 = bytes.iter().sum();
            let total = c["bytes"].as_u64().unwrap();
            assert!(listed <= total, "{c}");
            if paths.len() < 10 {
                assert_eq!(listed, total, "{}", c["id"]);
            }
        }
    }
}

#[test]
fn a_single_backup_folder_can_be_scanned_directly() {
    let (tmp, record) = sample();
    let want = record
        .backups
        .iter()
        .find(|b| !b.archived && !b.encrypted)
        .expect("a plain backup");
    let path = tmp.path().join("Backup").join(&want.id);
    let (doc, output) = json(&["scan".as_ref(), path.as_os_str()]);
    assert!(output.status.success());
    assert_eq!(doc["backups"].as_array().map(Vec::len), Some(1));
    assert_backup_matches(&doc["backups"][0], &locked(want));
}

#[test]
fn scan_table_shows_the_header_top_rows_and_problems() {
    let (tmp, record) = sample();
    let output = cloudfit()
        .arg("scan")
        .arg(tmp.path())
        .arg("--top")
        .arg("3")
        .output()
        .unwrap();
    // Exit 1: the two encrypted samples stay locked, each named on stderr.
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("is encrypted and was not unlocked").count(),
        2,
        "{stderr}"
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "no colour when piped");
    for b in &record.backups {
        assert!(
            text.contains(&b.device_name),
            "{} missing from\n{text}",
            b.device_name
        );
    }
    assert!(text.contains("iPhone 14 Pro"), "{text}");
    assert!(text.contains("more apps (--all shows them)"), "{text}");
    assert!(text.contains("Missing: 3 files"), "{text}");
    assert!(text.contains("Orphans: 2 files"), "{text}");
    assert!(text.contains("encrypted"), "{text}");

    let all = cloudfit()
        .arg("scan")
        .arg(tmp.path())
        .arg("--all")
        .output()
        .unwrap();
    let all = String::from_utf8(all.stdout).unwrap();
    assert!(!all.contains("more apps"), "{all}");
    let biggest = record
        .backups
        .iter()
        .filter_map(|b| b.apps.values().map(|a| a.files).max())
        .max();
    assert!(biggest.is_some());
}

#[test]
fn list_prints_one_row_per_backup() {
    let (tmp, record) = sample();
    let output = cloudfit().arg("list").arg(tmp.path()).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    // A header line plus one line per backup.
    assert_eq!(text.lines().count(), record.backups.len() + 1, "{text}");
    for b in &record.backups {
        let line = text
            .lines()
            .find(|l| l.contains(b.id.as_str()))
            .unwrap_or_else(|| panic!("{} in\n{text}", b.id));
        assert!(line.contains(b.device_name.as_str()), "{line}");
        assert!(line.contains(b.ios_version.as_str()), "{line}");
        assert!(
            line.contains(if b.encrypted { "yes" } else { "no" }),
            "{line}"
        );
        let state = if b.archived {
            format!("archived, {}", b.state)
        } else {
            b.state.clone()
        };
        assert!(line.contains(&state), "{line}");
    }
    let (doc, _) = json(&["list".as_ref(), tmp.path().as_os_str()]);
    for want in &record.backups {
        let got = find(&doc, &want.id);
        assert_eq!(got["product_type"], want.product_type.as_str());
        let age = got["age_days"].as_i64().expect("age_days");
        let last = humantime::parse_rfc3339(&want.last_backup).unwrap();
        let now = humantime::parse_rfc3339(common::NOW).unwrap();
        assert_eq!(
            age as u64,
            now.duration_since(last).unwrap().as_secs() / 86_400
        );
    }
}

#[test]
fn measure_disk_agrees_with_the_manifest_and_finds_a_file_of_the_wrong_length() {
    let (tmp, record) = sample();
    let want = record
        .backups
        .iter()
        .find(|b| b.format == "manifest-db" && !b.encrypted && b.missing.files > 0)
        .expect("a plain iOS 10+ sample with missing files");
    let dir = tmp.path().join("Backup").join(&want.id);
    let scan = |extra: &[&str]| {
        let mut args: Vec<&std::ffi::OsStr> = vec!["scan".as_ref(), dir.as_os_str()];
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        let (doc, output) = json(&args);
        assert!(output.status.success(), "{output:?}");
        (doc["backups"][0].clone(), output)
    };
    // The generator writes every data file at its manifest length: both ways give the record's figures.
    for extra in [&[][..], &["--measure-disk"][..]] {
        let (got, _) = scan(extra);
        assert_backup_matches(&got, want);
        assert_eq!(got["resized"]["files"], 0);
    }
    assert_eq!(scan(&[]).0["disk_sizes"], "from-manifest");
    assert_eq!(scan(&["--measure-disk"]).0["disk_sizes"], "measured");

    // Cut one data file short, as an interrupted copy would.
    let shard = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().unwrap().len() == 2)
        .find(|p| std::fs::read_dir(p).unwrap().next().is_some())
        .expect("a shard folder with a file");
    let file = std::fs::read_dir(&shard)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::metadata(p).unwrap().len() > 1)
        .expect("a data file");
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(len - 1)
        .unwrap();

    let (named, _) = scan(&[]);
    assert_eq!(named["disk_bytes"].as_u64(), Some(want.disk_bytes));
    assert_eq!(named["resized"]["files"], 0);
    let (measured, output) = scan(&["--measure-disk"]);
    assert_eq!(measured["disk_bytes"].as_u64(), Some(want.disk_bytes - 1));
    assert_eq!(measured["resized"]["files"], 1);
    assert_eq!(measured["resized"]["bytes"].as_u64(), Some(len - 1));
    assert_eq!(measured["missing"], named["missing"]);
    assert_eq!(measured["orphans"], named["orphans"]);
    assert!(measured["warnings"]
        .to_string()
        .contains("1 files differ in length"));
    assert!(output.status.success());
}

#[test]
fn every_app_row_says_where_its_name_came_from() {
    let (tmp, _) = sample();
    let one = tmp.path().join("Backup/00008120-001A2B3C4D5E6F70");
    let (doc, _) = json(&["scan".as_ref(), one.as_os_str()]);
    let apps = doc["backups"][0]["apps"].as_array().unwrap();
    let source = |id: &str| {
        let app = apps
            .iter()
            .find(|a| a["bundle_id"] == id)
            .unwrap_or_else(|| panic!("{id} in {apps:?}"));
        (
            app["name"].as_str().unwrap().to_string(),
            app["name_source"].as_str().unwrap().to_string(),
        )
    };
    let pair = |name: &str, from: &str| (name.to_string(), from.to_string());
    assert_eq!(
        source("net.whatsapp.WhatsApp"),
        pair("WhatsApp Messenger", "itunes-metadata")
    );
    // No App Store metadata (an enterprise app): the .app folder of Manifest.plist's Path.
    assert_eq!(
        source("com.acme.enterprise.Expenses"),
        pair("Expenses", "app-path")
    );
    assert_eq!(
        source("vendor:Google"),
        pair("Shared by Google apps", "known")
    );
    assert_eq!(
        source("com.example.orphan.Widget"),
        pair("com.example.orphan.Widget", "bundle-id")
    );
}
