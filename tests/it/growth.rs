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
        assert_eq!(growth["bytes_per_month"], rate(&want), "{id}");
        assert_eq!(growth["method"], "births");
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
