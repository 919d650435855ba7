//! Two devices with one name, told apart wherever a person reads a name (list, scan, top, tree, the report,
//! the plan, the unknown-device error) by their model and last backup date; `--device` with that name asks
//! which instead of guessing; archived copies of one device never make its name ambiguous; and a stale
//! backup with this phone's name is flagged before "delete". Every model, date and UDID comes from the
//! generator's specs and record, the models' names from Apple's list (not from cloudfit's table).

use crate::common;

use std::ffi::OsStr;
use std::path::Path;

use cloudfit_synth::{
    self as synth, archive_suffix, unix_from_utc, BackupSpec, ExpectedBackup, SampleSet,
};
use common::{assert_exit, assert_no_panic, cloudfit};
use serde_json::Value;

/// This phone: Maya's iPhone 14 Pro, with an archived copy.
const MAYA: &str = "00008120-001A2B3C4D5E6F70";
/// Maya's old iPhone 12, under the same name, last backed up over a year ago.
const MAYA_OLD: &str = "00008101-000E2C4A1B3D5F60";
/// Sam's iPhone 11, with an archived copy: one name, one device.
const SAM: &str = "00008030-0009783C22EA802E";

/// Apple's names for the product types the specs use ("Identify your iPhone model", support.apple.com/108044).
const MODELS: [(&str, &str); 3] = [
    ("iPhone15,2", "iPhone 14 Pro"),
    ("iPhone13,2", "iPhone 12"),
    ("iPhone12,1", "iPhone 11"),
];

fn model(product_type: &str) -> &'static str {
    MODELS
        .iter()
        .find(|(p, _)| *p == product_type)
        .map(|(_, m)| *m)
        .unwrap_or_else(|| panic!("{product_type} is not in the test's list"))
}

fn specs() -> Vec<BackupSpec> {
    let small = |udid: &str, name: &str, product: &str, at: i64, seed: u64| BackupSpec {
        udid: udid.into(),
        device_name: name.into(),
        product_type: product.into(),
        serial_number: format!("SERIAL{seed}"),
        last_backup: at,
        files: 0,
        avg_file_size: 400,
        seed,
        ..BackupSpec::default()
    };
    let maya = small(
        MAYA,
        "Maya's iPhone",
        "iPhone15,2",
        unix_from_utc(2026, 11, 20, 8, 15, 0),
        1,
    );
    let archived_at = unix_from_utc(2026, 9, 1, 10, 15, 0);
    let maya_archived = BackupSpec {
        last_backup: archived_at,
        archive_suffix: Some(archive_suffix(archived_at)),
        seed: 2,
        ..maya.clone()
    };
    let maya_old = small(
        MAYA_OLD,
        "Maya's iPhone",
        "iPhone13,2",
        unix_from_utc(2025, 10, 13, 19, 0, 0),
        3,
    );
    let sam = small(
        SAM,
        "Sam's iPhone",
        "iPhone12,1",
        unix_from_utc(2026, 6, 14, 21, 5, 30),
        4,
    );
    let sam_at = unix_from_utc(2026, 3, 2, 9, 0, 0);
    let sam_archived = BackupSpec {
        last_backup: sam_at,
        archive_suffix: Some(archive_suffix(sam_at)),
        seed: 5,
        ..sam.clone()
    };
    vec![maya, maya_archived, maya_old, sam, sam_archived]
}

/// The five backups in a temp dir's `Backup`, with the generator's record of each.
fn write() -> (tempfile::TempDir, SampleSet) {
    let tmp = tempfile::tempdir().unwrap();
    let mut set = SampleSet::default();
    for spec in specs() {
        set.backups
            .push(synth::write_backup(&tmp.path().join("Backup"), &spec).unwrap());
    }
    (tmp, set)
}

/// The day of a device's newest backup, from the record.
fn newest_day(set: &SampleSet, udid: &str) -> String {
    set.backups
        .iter()
        .filter(|b| b.udid == udid)
        .map(|b| b.last_backup[..10].to_string())
        .max()
        .unwrap()
}

/// The name a person should read for backup `b`: the plain name, unless another device (another UDID) has it.
fn expected_name(set: &SampleSet, b: &ExpectedBackup) -> String {
    let shared = set
        .backups
        .iter()
        .any(|o| o.udid != b.udid && o.device_name.eq_ignore_ascii_case(&b.device_name));
    if !shared {
        return b.device_name.clone();
    }
    format!(
        "{} ({}, last backup {})",
        b.device_name,
        model(&b.product_type),
        newest_day(set, &b.udid)
    )
}

fn run(root: &Path, args: &[&str]) -> (String, std::process::Output) {
    let output = cloudfit()
        .args(args.iter().take(1).map(OsStr::new))
        .arg(root)
        .args(args.iter().skip(1).map(OsStr::new))
        .output()
        .unwrap();
    assert_no_panic(&output);
    (String::from_utf8_lossy(&output.stdout).into_owned(), output)
}

fn json(root: &Path, args: &[&str]) -> (Value, std::process::Output) {
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let (stdout, output) = run(root, &with_json);
    let doc = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not one JSON document ({e}): {stdout}"));
    (doc, output)
}

fn record<'a>(set: &'a SampleSet, id: &str) -> &'a ExpectedBackup {
    set.backups.iter().find(|b| b.id == id).expect(id)
}

#[test]
fn the_record_has_what_the_test_needs() {
    // Two devices with one name and different UDIDs and models; archived copies of two devices.
    let set = write().1;
    let mayas: Vec<&ExpectedBackup> = set
        .backups
        .iter()
        .filter(|b| b.device_name == "Maya's iPhone")
        .collect();
    assert_eq!(mayas.len(), 3);
    assert!(mayas.iter().any(|b| b.udid == MAYA_OLD && !b.archived));
    assert_ne!(
        record(&set, MAYA).product_type,
        record(&set, MAYA_OLD).product_type
    );
    assert_eq!(set.backups.iter().filter(|b| b.archived).count(), 2);
    assert_eq!(expected_name(&set, record(&set, SAM)), "Sam's iPhone");
    assert_eq!(
        expected_name(&set, record(&set, MAYA_OLD)),
        "Maya's iPhone (iPhone 12, last backup 2025-10-13)"
    );
}

#[test]
fn list_scan_top_tree_and_the_report_show_the_model_and_date_where_names_are_shared() {
    let (tmp, set) = write();
    let root = tmp.path();

    // JSON: the raw name stays in device_name; display_name is what a person reads.
    let (doc, output) = json(root, &["list"]);
    assert_exit(&output, 0);
    for want in &set.backups {
        let got = common::find(&doc, &want.id);
        assert_eq!(got["device_name"], want.device_name.as_str(), "{}", want.id);
        assert_eq!(
            got["display_name"],
            expected_name(&set, want).as_str(),
            "{}",
            want.id
        );
    }

    // The list's rows: each device's name as expected, Sam's plain (no bracket after it).
    let (list, output) = run(root, &["list"]);
    assert_exit(&output, 0);
    for want in &set.backups {
        let row = list
            .lines()
            .find(|l| l.trim_end().ends_with(&want.id))
            .unwrap_or_else(|| panic!("no row for {}:\n{list}", want.id));
        let name = expected_name(&set, want);
        assert!(row.trim_start().starts_with(&name), "{row}");
        if want.udid == SAM {
            assert!(!row.contains("Sam's iPhone ("), "{row}");
        }
    }

    // Scan's headers: name, model, iOS.
    let (scan, output) = run(root, &["scan"]);
    assert_exit(&output, 0);
    for want in &set.backups {
        let header = format!(
            "{} · {} · iOS {}",
            expected_name(&set, want),
            model(&want.product_type),
            want.ios_version
        );
        assert!(scan.lines().any(|l| l == header), "{header}\n{scan}");
    }
    // Each header appears once per backup of its device: Maya's two copies share theirs.
    let maya = format!("{} · ", expected_name(&set, record(&set, MAYA)));
    assert_eq!(scan.lines().filter(|l| l.starts_with(&maya)).count(), 2);

    // Top's and tree's headers: name, model, that backup's own date.
    for args in [
        &["top", "-n", "1"][..],
        &["tree", "--type", "photos", "--depth", "1"],
    ] {
        let (text, output) = run(root, args);
        assert_exit(&output, 0);
        for want in &set.backups {
            let header = format!(
                "{} · {} · last backup {}",
                expected_name(&set, want),
                model(&want.product_type),
                &want.last_backup[..10]
            );
            assert!(
                text.lines().any(|l| l == header),
                "{args:?}: {header}\n{text}"
            );
        }
        let (doc, _) = json(root, args);
        for want in &set.backups {
            let got = common::find(&doc, &want.id);
            assert_eq!(got["device_name"], want.device_name.as_str());
            assert_eq!(got["display_name"], expected_name(&set, want).as_str());
        }
    }

    // The report draws its headings from display_name (the browser tests check the drawing itself).
    let (doc, output) = json(root, &["report"]);
    assert_exit(&output, 0);
    for want in &set.backups {
        let got = common::find(&doc["scan"], &want.id);
        assert_eq!(got["display_name"], expected_name(&set, want).as_str());
    }
    let (page, _) = run(root, &["report"]);
    let old = expected_name(&set, record(&set, MAYA_OLD));
    assert!(
        page.contains(&format!(
            "\"display_name\":{}",
            serde_json::to_string(&old).unwrap()
        )),
        "the page's data names {old}"
    );
}

#[test]
fn a_shared_name_given_to_device_is_refused_with_the_ways_to_pick_one() {
    let (tmp, set) = write();
    let root = tmp.path();
    let maya = expected_name(&set, record(&set, MAYA));
    let old = expected_name(&set, record(&set, MAYA_OLD));

    for args in [
        &["plan", "--device", "maya's iphone"][..],
        &["top", "--device", "Maya's iPhone"],
        &["tree", "--type", "photos", "--device", "Maya's iPhone"],
        // A start of a UDID both devices' share.
        &["plan", "--device", "0000"],
    ] {
        let (stdout, output) = run(root, args);
        assert_exit(&output, 2);
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Each candidate as a person reads it, with the UDID to pick it by.
        for (name, udid) in [(&maya, MAYA), (&old, MAYA_OLD)] {
            assert!(
                stderr.contains(&format!("{name}, UDID {udid}")),
                "{args:?}: {stderr}"
            );
        }
        assert!(stderr.contains("4 characters or more"), "{stderr}");
        let (doc, output) = json(root, args);
        assert_exit(&output, 2);
        let error = doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"].is_null())
            .unwrap_or_else(|| panic!("{args:?}: {doc}"));
        assert_eq!(error["code"], "ambiguous-device", "{args:?}");
        common::assert_codes_documented(&doc);
        if args[0] == "plan" {
            assert!(doc["plan"].is_null());
        } else {
            assert_eq!(doc["backups"].as_array().unwrap().len(), 0);
        }
    }

    // The report asked for a plan for such a name: no plan, and the page says why.
    let (doc, output) = json(
        root,
        &[
            "report",
            "--tier",
            "5GB",
            "--used",
            "1GB",
            "--device",
            "Maya's iPhone",
        ],
    );
    assert_exit(&output, 0);
    assert!(doc["plan"]["plan"].is_null());
    assert_eq!(doc["plan"]["errors"][0]["code"], "ambiguous-device");

    // Each way the error offers picks the one meant, never the newest of the two silently.
    let old_prefix = &MAYA_OLD[..MAYA_OLD.find('-').unwrap()];
    for (wanted, backup_id) in [
        (old_prefix, MAYA_OLD),
        // Seven characters: the first six are also the start of this phone's UDID.
        (&MAYA_OLD[..7], MAYA_OLD),
        (MAYA_OLD, MAYA_OLD),
        (old.as_str(), MAYA_OLD),
        ("Maya's iPhone (iPhone 12)", MAYA_OLD),
        ("maya's iphone (iphone 14 pro)", MAYA),
        (maya.as_str(), MAYA),
        (&MAYA.to_lowercase(), MAYA),
    ] {
        let (doc, output) = json(root, &["plan", "--device", wanted]);
        assert_exit(&output, 0);
        assert_eq!(doc["plan"]["backup_id"], backup_id, "{wanted}");
        assert_eq!(doc["plan"]["device"], "Maya's iPhone", "{wanted}");
        let want = record(&set, backup_id);
        assert_eq!(
            doc["plan"]["display_name"],
            expected_name(&set, want).as_str()
        );
    }
    let (doc, output) = json(root, &["top", "-n", "1", "--device", old_prefix]);
    assert_exit(&output, 0);
    let ids: Vec<&str> = doc["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [MAYA_OLD]);

    // Archived copies of one device share its UDID: its name is not ambiguous, the newest copy is planned
    // for, and top looks inside every copy.
    let (doc, output) = json(root, &["plan", "--device", "SAM'S IPHONE"]);
    assert_exit(&output, 0);
    assert_eq!(doc["plan"]["backup_id"], SAM);
    assert_eq!(doc["plan"]["display_name"], "Sam's iPhone");
    let (doc, output) = json(root, &["top", "-n", "1", "--device", "Sam's iPhone"]);
    assert_exit(&output, 0);
    let mut ids: Vec<&str> = doc["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut want: Vec<&str> = set
        .backups
        .iter()
        .filter(|b| b.udid == SAM)
        .map(|b| b.id.as_str())
        .collect();
    want.sort();
    assert_eq!(ids, want);

    // A name no device has lists each device once, as a person reads it.
    let (stdout, output) = run(root, &["plan", "--device", "Nobody's Phone"]);
    assert_exit(&output, 2);
    assert!(stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("no backup of a device named \"Nobody's Phone\""))
        .unwrap_or_else(|| panic!("{stderr}"));
    let known = line.split("the backups found are of: ").nth(1).unwrap();
    // One entry per device, as a person reads it (the names hold commas: counted, not split).
    let names = [maya.as_str(), old.as_str(), "Sam's iPhone"];
    for name in names {
        assert_eq!(known.matches(name).count(), 1, "{name}: {line}");
    }
    let separators = ", ".len() * (names.len() - 1);
    assert_eq!(
        known.len(),
        names.iter().map(|n| n.len()).sum::<usize>() + separators,
        "{line}"
    );
    // Too short a start is not taken for a UDID.
    let (_, output) = run(root, &["plan", "--device", &MAYA_OLD[..3]]);
    assert_exit(&output, 2);
}

#[test]
fn the_plan_names_the_phone_and_warns_before_deleting_a_backup_with_its_name() {
    let (tmp, set) = write();
    let root = tmp.path();
    let this = expected_name(&set, record(&set, MAYA));
    let old = record(&set, MAYA_OLD);
    let old_name = expected_name(&set, old);
    let old_day = &old.last_backup[..10];
    let args = ["plan", "--tier", "5GB", "--used", "4.99999GB"];

    let (doc, output) = json(root, &args);
    assert_exit(&output, 0);
    let plan = &doc["plan"];
    assert_eq!(
        plan["backup_id"], MAYA,
        "the newest backup that is not a copy"
    );
    assert_eq!(plan["device"], "Maya's iPhone");
    assert_eq!(plan["display_name"], this.as_str());
    assert!(
        plan["verdict"].as_str().unwrap().contains(&this),
        "{}",
        plan["verdict"]
    );
    let delete = plan["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "delete-backups")
        .unwrap_or_else(|| panic!("no delete-backups option: {}", plan["options"]));
    let items = delete["items"].as_array().unwrap();
    // The old iPhone 12 is the only stale device; the archived copies are this phone's and Sam's.
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item["id"], MAYA_OLD);
    assert_eq!(item["name"], old_name.as_str());
    let warning = format!(
        "not this iPhone: an {} with the same name, last backed up {old_day}",
        model(&old.product_type)
    );
    let why = item["why"].as_str().unwrap();
    assert!(why.starts_with(&warning), "{why}");
    assert!(why.contains("check the model in Settings"), "{why}");
    assert!(delete["summary"].as_str().unwrap().contains(&old_name));
    assert!(
        delete["how"]
            .as_str()
            .unwrap()
            .contains(&format!("Backups › {old_name} › Delete Backup")),
        "{}",
        delete["how"]
    );
    let note = plan["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["code"] == "same-name-not-this-phone")
        .unwrap_or_else(|| panic!("{}", plan["notes"]));
    assert_eq!(note["backup_id"], MAYA_OLD);
    assert_eq!(note["model"], model(&old.product_type));
    assert_eq!(note["last_backup"], old_day);
    assert!(note["message"].as_str().unwrap().contains(&old_name));
    common::assert_codes_documented(&doc);
    // The apps option's steps name this phone as the user reads it.
    let apps = plan["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "exclude-apps")
        .unwrap();
    assert!(apps["how"]
        .as_str()
        .unwrap()
        .starts_with(&format!("On {this}:")));

    // The table (explained, so every option has its how-to): the device line, the option's heading, its how-to
    // line and the row's warning.
    let explained = [&args[..], &["--explain"]].concat();
    let (text, output) = run(root, &explained);
    assert_exit(&output, 0);
    assert!(
        text.contains(&format!("iCloud backup of {this}: about ")),
        "{text}"
    );
    assert!(text.contains(&format!(
        "the iCloud backup of {old_name}, if iCloud still has it"
    )));
    assert!(text.contains(&format!("Backups › {old_name} › Delete Backup")));
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with(&old_name) && l.contains("not this iPhone"))
        .unwrap_or_else(|| panic!("no warned row:\n{text}"));
    assert!(row.contains(&warning), "{row}");
    // Said in its row, once for each option that lists it (alone, and together with apps): no Note line
    // repeats it.
    let listing = plan["options"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| {
            o["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"] == MAYA_OLD)
        })
        .count();
    assert!(listing >= 1);
    assert_eq!(text.matches("not this").count(), listing, "{text}");

    // Planning for the old one: the phone's own backup is not stale, so nothing to delete, nothing warned.
    let (doc, output) = json(root, &[&args[..], &["--device", &old_name]].concat());
    assert_exit(&output, 0);
    assert_eq!(doc["plan"]["backup_id"], MAYA_OLD);
    assert!(!doc["plan"].to_string().contains("same-name-not-this-phone"));
}
