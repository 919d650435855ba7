//! The estimate of generated backups, checked against the generator's own record of what it wrote.

use std::collections::BTreeMap;
use std::time::SystemTime;

use super::*;
use crate::discover;
use crate::scan::{scan_backup, Quiet, ScanOptions};
use cloudfit_synth::{sample_specs, write_backup, ExpectedBackup};

/// A generated Maya's iPhone at `files` files, its record and its summary as cloudfit reads it.
fn generated(files: u64) -> (ExpectedBackup, BackupSummary) {
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = sample_specs().swap_remove(0);
    spec.files = files;
    let record = write_backup(tmp.path(), &spec).unwrap();
    let found = discover::discover(&[tmp.path().join(&record.id)]);
    let options = ScanOptions {
        now: SystemTime::now(),
        interaction: &Quiet,
        estimate: EstimateOptions::default(),
        disk_sizes: Default::default(),
        keep: None,
    };
    let summary = scan_backup(&found.backups[0], &options).unwrap();
    (record, summary)
}

/// What the estimate must take out, from the record alone: (what, bytes, certain).
fn expected_removed(
    record: &ExpectedBackup,
    options: &EstimateOptions,
) -> BTreeMap<String, (u64, bool)> {
    let cat = |id: &str| record.categories.get(id).map_or(0, |c| c.bytes);
    let sub = |id: &str| record.subsets.get(id).map_or(0, |c| c.bytes);
    let mut want = BTreeMap::new();
    for id in ["photo-caches", "safari-history", "wifi-networks"] {
        want.insert(id.to_string(), (sub(id), true));
    }
    for id in [
        "passwords",
        "health",
        "call-history",
        "home",
        "icloud-drive",
        // Apple Mail data and the music library (support.apple.com/HT204136).
        "mail",
        "music",
    ] {
        want.insert(id.to_string(), (cat(id), true));
    }
    for id in ["contacts", "calendars", "notes", "voice-memos"] {
        want.insert(id.to_string(), (cat(id), false));
    }
    if options.icloud_photos {
        want.insert("photos".into(), (cat("photos") - sub("photo-caches"), true));
    }
    if options.messages_in_icloud {
        want.insert("messages".into(), (cat("messages"), true));
    }
    want.retain(|_, (bytes, _)| *bytes > 0);
    want
}

fn check(record: &ExpectedBackup, summary: &BackupSummary, options: EstimateOptions) -> Estimate {
    let e = estimate(summary, &options).expect("a plain backup has an estimate");
    let got: BTreeMap<String, (u64, bool)> = e
        .removed
        .iter()
        .map(|r| (r.what.to_string(), (r.bytes, r.certain)))
        .collect();
    let want = expected_removed(record, &options);
    assert_eq!(got, want, "{options:?}");

    let local = record.bytes.unwrap();
    let certain: u64 = want.values().filter(|w| w.1).map(|w| w.0).sum();
    let assumed: u64 = want.values().filter(|w| !w.1).map(|w| w.0).sum();
    assert_eq!(e.local_bytes, local);
    assert_eq!(e.bytes, local - certain - assumed);
    assert!(
        e.low < e.bytes && e.bytes < e.high,
        "{} {} {}",
        e.low,
        e.bytes,
        e.high
    );
    assert_eq!(e.high, (local - certain) + (local - certain) / 20);
    assert_eq!(e.low, e.bytes - e.bytes / 20);
    // What is left adds up: data types to the estimate, apps to the apps data type.
    assert_eq!(e.categories.iter().map(|c| c.bytes).sum::<u64>(), e.bytes);
    let apps = e
        .categories
        .iter()
        .find(|c| c.id == Category::Apps)
        .map(|c| c.bytes);
    assert_eq!(Some(e.apps.iter().map(|a| a.bytes).sum::<u64>()), apps);
    assert_eq!(apps, record.categories.get("apps").map(|c| c.bytes));
    e
}

#[test]
fn removes_what_icloud_does_not_hold_and_no_more() {
    let (record, summary) = generated(400);
    let e = check(&record, &summary, EstimateOptions::default());
    assert!(e
        .assumptions
        .contains(&crate::diagnostic::Assumption::IcloudPhotos { on: false }));
    assert!(e
        .assumptions
        .contains(&crate::diagnostic::Assumption::MessagesInIcloud { on: false }));
    // Photos stay, less their caches; messages stay whole.
    let left = |id: Category| e.categories.iter().find(|c| c.id == id).map(|c| c.bytes);
    assert_eq!(
        left(Category::Photos),
        Some(record.categories["photos"].bytes - record.subsets["photo-caches"].bytes)
    );
    assert_eq!(
        left(Category::Messages),
        Some(record.categories["messages"].bytes)
    );
    assert_eq!(left(Category::Health), None);
}

#[test]
fn the_users_icloud_settings_take_out_photos_and_messages() {
    let (record, summary) = generated(400);
    for (icloud_photos, messages_in_icloud) in [(true, false), (false, true), (true, true)] {
        let options = EstimateOptions {
            icloud_photos,
            messages_in_icloud,
        };
        let e = check(&record, &summary, options);
        let has = |id: Category| e.categories.iter().any(|c| c.id == id);
        assert_eq!(has(Category::Photos), !icloud_photos);
        assert_eq!(has(Category::Messages), !messages_in_icloud);
        assert!(e
            .assumptions
            .contains(&crate::diagnostic::Assumption::IcloudPhotos { on: icloud_photos }));
        assert!(e
            .assumptions
            .contains(&crate::diagnostic::Assumption::MessagesInIcloud {
                on: messages_in_icloud
            }));
    }
}

#[test]
fn scales_with_the_backup() {
    // A bigger backup: the pools (thumbnails, voice memos, notes media) grow, the rules still hold exactly.
    let (record, summary) = generated(5_000);
    check(&record, &summary, EstimateOptions::default());
}

#[test]
fn a_locked_backup_has_no_estimate() {
    let (_, mut summary) = generated(200);
    summary.bytes = None;
    assert_eq!(estimate(&summary, &EstimateOptions::default()), None);
}
