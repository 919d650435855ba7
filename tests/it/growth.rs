//! Growth from one backup: the bytes born in each of the 24 months up to the backup, the rate over the twelve
//! complete months before it, and what drives it, against the generator's per-file record of births.

use crate::common;

use std::collections::BTreeMap;

use cloudfit_synth::{expected_files, sample_specs, unix_from_utc, ExpectedFile};
use serde_json::Value;

use common::{cloudfit, sample, sample_passwords};

/// The start of month `label` (`YYYY-MM`) and of the month after, Unix seconds, from the generator's clock.
fn bounds(label: &str) -> (i64, i64) {
    let (y, m) = label.split_once('-').unwrap();
    let (y, m): (i32, u32) = (y.parse().unwrap(), m.parse().unwrap());
    let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (
        unix_from_utc(y, m, 1, 0, 0, 0),
        unix_from_utc(next.0, next.1, 1, 0, 0, 0),
    )
}

/// Bytes born in each of the document's months, per key, from the record.
fn born(months: &[String], files: &[&ExpectedFile]) -> Vec<u64> {
    months
        .iter()
        .map(|label| {
            let (from, to) = bounds(label);
            files
                .iter()
                .filter(|f| (from..to).contains(&f.birth))
                .map(|f| f.size)
                .sum()
        })
        .collect()
}

/// The twelve months before the last, over twelve, rounded half up.
fn rate(series: &[u64]) -> u64 {
    let n = series.len();
    let sum: u64 = series[n - 13..n - 1].iter().sum();
    (sum + 6) / 12
}

#[test]
fn growth_is_the_record_s_births_per_month() {
    let (tmp, record) = sample();
    let passwords = sample_passwords(tmp.path());
    let specs: BTreeMap<String, _> = sample_specs()
        .into_iter()
        .map(|s| (s.folder_name(), s))
        .collect();
    let output = cloudfit()
        .arg("scan")
        .arg(tmp.path())
        .arg("--password-file")
        .arg(&passwords)
        .arg("--json")
        .output()
        .unwrap();
    common::assert_exit(&output, 0);
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut checked = 0;
    let mut checked_copies = 0;
    for b in doc["backups"].as_array().unwrap() {
        let id = b["id"].as_str().unwrap();
        let files = expected_files(&specs[id]).unwrap();
        let growth = &b["growth"];
        let months: Vec<String> = growth["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["month"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(months.len(), 24, "{id}");
        // The last month is the backup's own.
        assert_eq!(months[23], b["last_backup"].as_str().unwrap()[..7], "{id}");
        let all: Vec<&ExpectedFile> = files.iter().collect();
        let want = born(&months, &all);
        let got: Vec<u64> = growth["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["bytes"].as_u64().unwrap())
            .collect();
        assert_eq!(got, want, "{id}");
        assert!(
            want.iter().sum::<u64>() > 0,
            "{id}: the record has births in the window"
        );
        let births = rate(&want);
        assert_eq!(growth["births_bytes_per_month"], births, "{id}");
        // The device's newest backup, when it has an older copy, compares with the copies' local bytes.
        let copies: Vec<_> = record
            .backups
            .iter()
            .filter(|c| c.udid == specs[id].udid)
            .collect();
        let newest = copies
            .iter()
            .max_by(|a, b| a.last_backup.cmp(&b.last_backup))
            .unwrap();
        if copies.len() > 1 && newest.id == id {
            let oldest = copies
                .iter()
                .min_by(|a, b| a.last_backup.cmp(&b.last_backup))
                .unwrap();
            let secs = crate::plan::seconds_between(&oldest.last_backup, &newest.last_backup);
            let change = newest.bytes.unwrap() as f64 - oldest.bytes.unwrap() as f64;
            let per_month = (change / secs * 2_629_746.0).round() as i64;
            let c = &growth["from_copies"];
            assert_eq!(c["bytes_per_month"], per_month, "{id}: {c}");
            assert_eq!(c["copies"], copies.len(), "{id}");
            let agree = per_month.abs_diff(births as i64) as f64
                <= 0.2 * per_month.unsigned_abs().max(births) as f64;
            assert_eq!(growth["agree"], agree, "{id}");
            let (method, used) = if agree {
                ("births", births as i64)
            } else {
                ("copies", per_month)
            };
            assert_eq!(growth["method"], method, "{id}");
            assert_eq!(growth["bytes_per_month"], used, "{id}");
            checked_copies += 1;
        } else {
            assert_eq!(growth["from_copies"], Value::Null, "{id}");
            assert_eq!(growth["bytes_per_month"], births, "{id}");
            assert_eq!(growth["method"], "births");
        }
        for c in growth["by_category"].as_array().unwrap() {
            let of: Vec<&ExpectedFile> = files.iter().filter(|f| f.category == c["id"]).collect();
            assert_eq!(
                c["bytes_per_month"],
                rate(&born(&months, &of)),
                "{id} {}",
                c["id"]
            );
        }
        for a in growth["by_app"].as_array().unwrap() {
            let of: Vec<&ExpectedFile> = files
                .iter()
                .filter(|f| f.app.as_deref() == a["bundle_id"].as_str())
                .collect();
            assert_eq!(
                a["bytes_per_month"],
                rate(&born(&months, &of)),
                "{id} {}",
                a["bundle_id"]
            );
        }
        // Every data type that grew is listed (apps by app).
        let mut categories: Vec<&str> = files.iter().map(|f| f.category.as_str()).collect();
        categories.sort();
        categories.dedup();
        for category in categories.into_iter().filter(|c| *c != "apps") {
            let of: Vec<&ExpectedFile> = files.iter().filter(|f| f.category == category).collect();
            let listed = growth["by_category"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == category);
            assert_eq!(listed, rate(&born(&months, &of)) > 0, "{id} {category}");
        }
        checked += 1;
    }
    assert_eq!(checked, record.backups.len());
    assert_eq!(
        checked_copies, 1,
        "Maya's newest backup and its archived copy"
    );
}

#[test]
fn the_scan_says_how_fast_it_grows_and_an_extracted_tree_cannot() {
    let (tmp, record) = sample();
    let maya = common::plain_current(&record);
    let dir = tmp.path().join("Backup").join(&maya.id);
    let (doc, _) = common::json(&["scan".as_ref(), dir.as_os_str()]);
    let growth = &doc["backups"][0]["growth"];
    let output = cloudfit().arg("scan").arg(&dir).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let rate = humansize::format_size(
        growth["bytes_per_month"].as_u64().unwrap(),
        humansize::DECIMAL,
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("Grows about"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains(&format!("Grows about {rate} a month")),
        "{line}"
    );
    let months = growth["months"].as_array().unwrap();
    assert!(
        line.contains(months[11]["month"].as_str().unwrap()),
        "{line}"
    );
    assert!(
        line.contains(months[22]["month"].as_str().unwrap()),
        "{line}"
    );

    let extracted = tempfile::tempdir().unwrap();
    cloudfit_synth::write_extracted_samples(extracted.path(), false).unwrap();
    let (doc, _) = common::json(&["scan".as_ref(), extracted.path().as_os_str()]);
    for b in doc["backups"].as_array().unwrap() {
        assert!(
            b["growth"].is_null(),
            "an extracted file's birth is its extraction"
        );
    }
}

/// The twelve `YYYY-MM` months before the month of an RFC 3339 date.
fn rate_months(last_backup: &str) -> Vec<String> {
    let year: i32 = last_backup[..4].parse().unwrap();
    let month: i32 = last_backup[5..7].parse().unwrap();
    let index = year * 12 + month - 1;
    (index - 12..index)
        .map(|i| format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1))
        .collect()
}

/// What part of a data type the iCloud backup keeps, from the record and Apple's rules as the plan tests state
/// them (tests/it/plan.rs `expected_estimate`): none of what only local backups or syncs hold, photos without
/// their caches, Safari without its history, the system without Wi-Fi networks.
fn kept(b: &cloudfit_synth::ExpectedBackup, category: &str) -> f64 {
    if crate::plan::NOT_IN_ICLOUD_BACKUPS.contains(&category) {
        return 0.0;
    }
    let total = b.categories.get(category).map_or(0, |c| c.bytes);
    let subset = match category {
        "photos" => "photo-caches",
        "safari" => "safari-history",
        "system" => "wifi-networks",
        _ => return 1.0,
    };
    let part = b.subsets.get(subset).map_or(0, |c| c.bytes);
    if total == 0 {
        1.0
    } else {
        (total - part) as f64 / total as f64
    }
}

#[test]
fn the_plan_grows_at_the_icloud_part_of_the_births_or_at_the_copies_rate() {
    let (tmp, record) = sample();
    let passwords = sample_passwords(tmp.path());
    let specs: BTreeMap<String, _> = sample_specs()
        .into_iter()
        .map(|s| (s.folder_name(), s))
        .collect();
    for (device, id) in [
        ("Maya's iPhone", "00008120-001A2B3C4D5E6F70"),
        ("Lee's iPad", "00008103-001C35A20E91801E"),
    ] {
        let b = record.backups.iter().find(|b| b.id == id).unwrap();
        let files = expected_files(&specs[id]).unwrap();
        let months = rate_months(&b.last_backup);
        let (from, _) = bounds(&months[0]);
        let (_, to) = bounds(&months[11]);
        let born = |f: &&ExpectedFile| (from..to).contains(&f.birth);
        let per_month = |of: &[&ExpectedFile]| (of.iter().map(|f| f.size).sum::<u64>() + 6) / 12;
        let mut want = 0.0;
        let mut categories: Vec<&str> = files.iter().map(|f| f.category.as_str()).collect();
        categories.sort();
        categories.dedup();
        for c in categories.into_iter().filter(|c| *c != "apps") {
            let of: Vec<&ExpectedFile> = files
                .iter()
                .filter(born)
                .filter(|f| f.category == c)
                .collect();
            want += per_month(&of) as f64 * kept(b, c);
        }
        for app in b.apps.keys() {
            let of: Vec<&ExpectedFile> = files
                .iter()
                .filter(born)
                .filter(|f| f.app.as_deref() == Some(app.as_str()))
                .collect();
            want += per_month(&of) as f64;
        }
        let output = cloudfit()
            .arg("plan")
            .arg(tmp.path())
            .arg("--password-file")
            .arg(&passwords)
            .args(["--device", device, "--json"])
            .output()
            .unwrap();
        common::assert_exit(&output, 0);
        let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
        let g = &doc["plan"]["growth"];
        let births = &g["from_births"];
        let got = births["bytes_per_month"].as_u64().unwrap() as f64;
        assert!(
            (got - want).abs() <= 1.0,
            "{device}: {got} vs {want:.1}\n{g}"
        );
        assert_eq!(births["from"], months[0].as_str(), "{device}");
        assert_eq!(births["to"], months[11].as_str(), "{device}");
        // Where both are known, the copies' rate is used only when the two disagree by more than a fifth.
        match g["from_copies"]["bytes_per_month"].as_i64() {
            Some(copies) => {
                let larger = copies.unsigned_abs().max(got as u64) as f64;
                let agree = (copies as f64 - got).abs() <= 0.2 * larger;
                assert_eq!(g["agree"], agree, "{device}: {g}");
                let (method, rate) = if agree {
                    ("births", got as i64)
                } else {
                    ("copies", copies)
                };
                assert_eq!(g["method"], method, "{device}: {g}");
                assert_eq!(g["bytes_per_month"].as_i64(), Some(rate), "{device}: {g}");
            }
            None => {
                assert_eq!(device, "Lee's iPad", "only Maya has two copies");
                assert_eq!(g["method"], "births");
                assert_eq!(g["bytes_per_month"].as_u64(), Some(got as u64));
            }
        }
    }
}

#[test]
fn both_methods_agree_on_a_copy_pair_made_from_the_same_plan_of_births() {
    use cloudfit_synth::{earlier_copy, write_backup, BackupSpec};
    // The backup at the start of a month and its copy twelve months before, nothing deleted or grown in
    // place since: the copies' change is exactly the bytes born in the births' twelve months.
    let new = BackupSpec {
        last_backup: unix_from_utc(2026, 11, 1, 0, 0, 0),
        files: 400,
        avg_file_size: 2_000,
        seed: 18,
        ..BackupSpec::default()
    };
    let old = earlier_copy(&new, unix_from_utc(2025, 11, 1, 0, 0, 0), 0, 0);
    let tmp = tempfile::tempdir().unwrap();
    let parent = tmp.path().join("Backup");
    write_backup(&parent, &new).unwrap();
    write_backup(&parent, &old).unwrap();
    let files = expected_files(&new).unwrap();
    let window = unix_from_utc(2025, 11, 1, 0, 0, 0)..unix_from_utc(2026, 11, 1, 0, 0, 0);
    let born: u64 = files
        .iter()
        .filter(|f| window.contains(&f.birth))
        .map(|f| f.size)
        .sum();
    assert!(
        born > 100_000,
        "the record has births in the window: {born}"
    );

    let output = cloudfit()
        .arg("scan")
        .arg(&parent)
        .arg("--json")
        .output()
        .unwrap();
    common::assert_exit(&output, 0);
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let b = doc["backups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == new.folder_name())
        .unwrap();
    let g = &b["growth"];
    assert_eq!(g["births_bytes_per_month"], (born + 6) / 12, "{g}");
    // 365 days of change over an average month of 365.2425 / 12 days.
    let copies = g["from_copies"]["bytes_per_month"].as_f64().unwrap();
    let want = born as f64 / (365.0 * 86_400.0) * 2_629_746.0;
    assert!((copies - want).abs() <= 1.0, "{copies} vs {want}");
    assert!((copies / (born as f64 / 12.0) - 1.0).abs() < 0.001);
    assert_eq!(
        (&g["agree"], &g["method"]),
        (&true.into(), &"births".into()),
        "{g}"
    );

    // The plan's rates (of the iCloud backup) agree too.
    let output = cloudfit()
        .arg("plan")
        .arg(&parent)
        .arg("--json")
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let g = &doc["plan"]["growth"];
    assert_eq!(
        (&g["agree"], &g["method"]),
        (&true.into(), &"births".into()),
        "{g}"
    );
}
