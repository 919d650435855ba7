//! `cloudfit plan` on the committed sample backups: every figure is checked against the generator's record.

use crate::common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use cloudfit_synth::{ExpectedBackup, SampleSet, LEE_PASSWORD, SAM_PASSWORD};
use common::{assert_exit, assert_no_panic, cloudfit};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/MobileSync")
}

fn record() -> SampleSet {
    let text = std::fs::read_to_string(root().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("parse expected.json")
}

fn backup<'a>(set: &'a SampleSet, id: &str) -> &'a ExpectedBackup {
    set.backups.iter().find(|b| b.id == id).expect(id)
}

const MAYA: &str = "00008120-001A2B3C4D5E6F70";
const MAYA_ARCHIVED: &str = "00008120-001A2B3C4D5E6F70-20260901-101500";
const OLD_IPAD: &str = "00008027-000A19C83C02802E";
const OLD_IPHONE: &str = "5d1a3c9e8b7f46021c4e9a0b3d2f7e816a4c0b95";
const GB: u64 = 1_000_000_000;

/// The data types an iCloud backup does not hold: those only local encrypted backups hold, and those that sync
/// with iCloud (as they do by default).
pub const NOT_IN_ICLOUD_BACKUPS: [&str; 11] = [
    "passwords",
    "health",
    "call-history",
    "home",
    "icloud-drive",
    "contacts",
    "calendars",
    "notes",
    "voice-memos",
    // Apple Mail data and the music library are not in iCloud backups (support.apple.com/HT204136).
    "mail",
    "music",
];

/// The iCloud estimate from the record alone: Apple's exclusions, and the syncs assumed on.
fn expected_estimate(b: &ExpectedBackup, icloud_photos: bool, messages_in_icloud: bool) -> u64 {
    let cat = |id: &str| b.categories.get(id).map_or(0, |c| c.bytes);
    let sub = |id: &str| b.subsets.get(id).map_or(0, |c| c.bytes);
    let mut removed: u64 = ["photo-caches", "safari-history", "wifi-networks"]
        .iter()
        .map(|id| sub(id))
        .sum::<u64>()
        + NOT_IN_ICLOUD_BACKUPS.iter().map(|id| cat(id)).sum::<u64>();
    if icloud_photos {
        removed += cat("photos") - sub("photo-caches");
    }
    if messages_in_icloud {
        removed += cat("messages");
    }
    b.bytes.unwrap() - removed
}

/// A password file for both encrypted fixtures.
fn passwords() -> tempfile::NamedTempFile {
    let passwords = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        passwords.path(),
        format!(
            "00008030-0009783C22EA802E={SAM_PASSWORD}\n00008103-001C35A20E91801E={LEE_PASSWORD}\n"
        ),
    )
    .unwrap();
    passwords
}

/// The clock pinned to Maya's last backup (with `--horizon 0` after the arguments): the plan at the backup's own size, with no growth
/// projected, so options are measured against the record's figures alone.
fn at_backup(run: &mut common::Run) -> &mut common::Run {
    let maya = record();
    run.env("CLOUDFIT_NOW", &backup(&maya, MAYA).last_backup)
}

/// `cloudfit plan <fixtures> ARGS --json` with both passwords given, at the backup's size ([`at_backup`]).
fn plan(args: &[&str]) -> (Value, std::process::Output) {
    plan_with(args, true)
}

/// [`plan`], at the backup's size or with the clock and horizon the tests pin otherwise.
fn plan_with(args: &[&str], static_size: bool) -> (Value, std::process::Output) {
    let passwords = passwords();
    let mut run = cloudfit();
    if static_size {
        at_backup(&mut run);
    }
    let output = run
        .arg("plan")
        .arg(root())
        .arg("--password-file")
        .arg(passwords.path())
        .args(args.iter().map(OsStr::new))
        .args(if static_size {
            &["--horizon", "0"][..]
        } else {
            &[][..]
        })
        .arg("--json")
        .output()
        .unwrap();
    assert_no_panic(&output);
    let doc = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (doc, output)
}

/// `cloudfit plan <fixtures> ARGS` as a table, with both passwords given, at the backup's size.
fn text(args: &[&str]) -> (String, std::process::Output) {
    let passwords = passwords();
    let output = at_backup(&mut cloudfit())
        .arg("plan")
        .arg(root())
        .arg("--password-file")
        .arg(passwords.path())
        .args(args.iter().map(OsStr::new))
        .args(["--horizon", "0"])
        .output()
        .unwrap();
    assert_no_panic(&output);
    (String::from_utf8_lossy(&output.stdout).into_owned(), output)
}

/// What a user loses per switchable item of Maya's phone, from the curated list (0 none, 1 redownload, 2 data).
fn loss_class(id: &str) -> u8 {
    match id {
        "ph.telegra.Telegraph"
        | "com.spotify.client"
        | "com.burbn.instagram"
        | "com.google.Gmail" => 0,
        "com.google.Maps" => 1,
        _ => 2,
    }
}

/// Every subset of Maya's switchable items (apps and the Photo Library), ranked by worst loss, then count,
/// then bytes beyond `need`.
fn best_set_by_brute_force(maya: &ExpectedBackup, need: u64) -> Vec<&str> {
    let mut items: Vec<(&str, u64)> = maya
        .apps
        .iter()
        .filter(|(id, a)| {
            !a.name.starts_with("Shared group") && id.as_str() != "com.example.orphan.Widget"
        })
        .map(|(id, a)| (id.as_str(), a.bytes))
        .collect();
    items.push((
        "photo-library",
        maya.categories["photos"].bytes - maya.subsets["photo-caches"].bytes,
    ));
    // (worst loss, count, bytes beyond `need`) of the best set so far, and its ids.
    type Ranked<'a> = ((u8, u32, u64), Vec<&'a str>);
    let mut best: Option<Ranked> = None;
    for mask in 1u32..(1 << items.len()) {
        let chosen: Vec<&(&str, u64)> = (0..items.len())
            .filter(|i| mask >> i & 1 == 1)
            .map(|i| &items[i])
            .collect();
        let sum: u64 = chosen.iter().map(|c| c.1).sum();
        if sum < need {
            continue;
        }
        let worst = chosen.iter().map(|c| loss_class(c.0)).max().unwrap();
        let key = (worst, mask.count_ones(), sum - need);
        if best.as_ref().is_none_or(|(k, _)| key < *k) {
            let mut ids: Vec<&str> = chosen.iter().map(|c| c.0).collect();
            ids.sort();
            best = Some((key, ids));
        }
    }
    best.expect("some set covers").1
}

/// The plan's option of `kind`, if it offers one.
fn option(doc: &Value, kind: &str) -> Option<Value> {
    doc["plan"]["options"]
        .as_array()?
        .iter()
        .find(|o| o["kind"] == kind)
        .cloned()
}

/// An option's item ids, sorted.
fn item_ids(option: &Value) -> Vec<&str> {
    let mut ids: Vec<&str> = option["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

#[test]
fn a_backup_that_fits_says_so_and_stops() {
    let set = record();
    let maya = backup(&set, MAYA);
    let (doc, output) = plan(&["--tier", "5GB", "--used", "3.2GB"]);
    assert_exit(&output, 0);
    let p = &doc["plan"];
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(p["device"], "Maya's iPhone");
    assert_eq!(p["backup_id"], MAYA, "the newest copy that is not archived");
    let estimate = expected_estimate(maya, false, false);
    assert_eq!(u(&p["estimate_bytes"]), estimate);
    assert_eq!(u(&p["tier_bytes"]), 5 * GB);
    assert_eq!(u(&p["used_bytes"]), 3_200_000_000);
    assert_eq!(u(&p["shortfall_bytes"]), 0);
    assert_eq!(p["fits_now"], true);
    assert_eq!(p["options"].as_array().map(Vec::len), Some(0));

    let (out, output) = text(&["--tier", "5GB", "--used", "3.2GB"]);
    assert_exit(&output, 0);
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("It fits: Maya's iPhone's iCloud backup"),
        "{first}"
    );
    assert!(first.contains("of your 5 GB plan"), "{first}");
    assert!(!out.contains("1. "), "no options when it fits:\n{out}");
    // The assumptions and what the estimate leaves out are behind --explain.
    assert!(!out.contains("iCloud Photos: off"), "{out}");
    assert!(out.contains("(--explain: "), "{out}");
    let (out, _) = text(&["--tier", "5GB", "--used", "3.2GB", "--explain"]);
    assert!(out.contains("iCloud Photos: off (the default"), "{out}");
    assert!(out.contains("Not in the iCloud backup"), "{out}");
}

#[test]
fn each_options_arithmetic_adds_up() {
    let set = record();
    let maya = backup(&set, MAYA);
    let estimate = expected_estimate(maya, false, false);
    // Leave 100 kB too little room.
    let used = 5 * GB - estimate + 100_000;
    let (doc, output) = plan(&["--tier", "5GB", "--used", &format!("{used}B")]);
    assert_exit(&output, 0);
    let p = &doc["plan"];
    assert_eq!(u(&p["shortfall_bytes"]), 100_000);
    assert_eq!(p["fits_now"], false);
    let options = p["options"].as_array().unwrap();
    assert!((2..=4).contains(&options.len()), "{options:?}");
    let kinds: Vec<&str> = options
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    for kind in ["exclude-apps", "delete-backups", "buy-tier"] {
        assert!(kinds.contains(&kind), "{kinds:?}");
    }
    for o in options {
        let frees = u(&o["frees_bytes"]);
        let items = o["items"].as_array().unwrap();
        if o["kind"] != "buy-tier" {
            assert_eq!(
                frees,
                items.iter().map(|i| u(&i["bytes"])).sum::<u64>(),
                "{o}"
            );
        }
        assert_eq!(o["fits"], frees >= 100_000, "{o}");
        assert_eq!(
            u(&o["short_by_bytes"]),
            100_000u64.saturating_sub(frees),
            "{o}"
        );
    }
    // Fitting options come first.
    let fits: Vec<bool> = options
        .iter()
        .map(|o| o["fits"].as_bool().unwrap())
        .collect();
    assert!(fits.windows(2).all(|w| w[0] >= w[1]), "{fits:?}");

    // Apps: sizes are the record's, and the set is the best one, found here by brute force over the record.
    let apps = option(&doc, "exclude-apps").unwrap();
    assert_eq!(item_ids(&apps), best_set_by_brute_force(maya, 100_000));

    // Old devices: the two that have not backed up for 180 days, each sized by its own estimate. Old iPhone
    // (a complete copy here, nothing lost) is too small alone, so the fewest that cover is Old iPad alone.
    let delete = option(&doc, "delete-backups").unwrap();
    let items = delete["items"].as_array().unwrap();
    let old_ipad = expected_estimate(backup(&set, OLD_IPAD), false, false);
    let old_iphone = expected_estimate(backup(&set, OLD_IPHONE), false, false);
    assert!(old_iphone < 100_000 && old_ipad >= 100_000);
    assert_eq!(items.len(), 1, "{delete}");
    assert_eq!(items[0]["id"], OLD_IPAD);
    assert_eq!(u(&items[0]["bytes"]), old_ipad);
    assert_eq!(items[0]["loss"], "user-data", "its copy here is incomplete");

    // A plan: 50 GB holds it with 10% headroom; priced from the dated table.
    let buy = option(&doc, "buy-tier").unwrap();
    let tier = &buy["tier"];
    assert_eq!(tier["name"], "50 GB");
    assert_eq!(u(&tier["bytes"]), 50 * GB);
    assert_eq!(tier["monthly"], "0.99");
    assert_eq!(tier["yearly"], "11.88");
    assert_eq!(tier["currency"], "USD");
    assert_eq!(tier["prices_date"], "2026-01-12");
    assert_eq!(u(&buy["frees_bytes"]), 45 * GB);

    let (out, _) = text(&["--tier", "5GB", "--used", &format!("{used}B")]);
    assert!(out.starts_with("Short by 100 kB"), "{out}");
    assert!(out.contains("Best way out:"), "{out}");
    assert!(out.contains("prices of 2026-01-12"), "{out}");
    assert!(
        out.contains("Settings › [your name] › iCloud › Manage Account Storage"),
        "{out}"
    );
    assert!(out.contains("\n1. ") && out.contains("\n2. "), "{out}");

    // A smaller shortfall: Old iPhone's backup alone covers it and costs nothing, so it is the one offered.
    let used = 5 * GB - estimate + old_iphone - 5;
    let (doc, _) = plan(&["--used", &format!("{used}B")]);
    let delete = option(&doc, "delete-backups").unwrap();
    assert_eq!(delete["items"].as_array().unwrap().len(), 1, "{delete}");
    assert_eq!(delete["items"][0]["id"], OLD_IPHONE);
    assert_eq!(delete["items"][0]["loss"], "none");
}

#[test]
fn the_painless_apps_are_chosen_first() {
    let set = record();
    let maya = backup(&set, MAYA);
    let estimate = expected_estimate(maya, false, false);
    // Spotify alone (the largest app whose data is in its own cloud) covers this shortfall.
    let spotify = maya.apps["com.spotify.client"].bytes;
    let used = 5 * GB - estimate + spotify - 10;
    let (doc, _) = plan(&["--used", &format!("{used}B")]);
    let apps = option(&doc, "exclude-apps").unwrap();
    let items = apps["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{apps}");
    assert_eq!(items[0]["id"], "com.spotify.client");
    assert_eq!(items[0]["loss"], "none");
    assert_eq!(
        doc["plan"]["options"][0]["kind"], "exclude-apps",
        "nothing lost ranks first"
    );
}

#[test]
fn too_big_for_any_plan_reads_well() {
    let (doc, output) = plan(&["--tier", "2TB", "--used", "12TB"]);
    assert_exit(&output, 0);
    let options = doc["plan"]["options"].as_array().unwrap();
    assert!(
        options.iter().all(|o| o["kind"] != "buy-tier"),
        "{options:?}"
    );
    assert!(options.iter().all(|o| o["fits"] == false));
    let (out, _) = text(&["--tier", "2TB", "--used", "12TB"]);
    let first = out.lines().next().unwrap();
    assert!(
        first.contains("Not even the largest iCloud plan (12 TB)"),
        "{first}"
    );
}

#[test]
fn growth_comes_from_the_archived_copy() {
    let set = record();
    let new = expected_estimate(backup(&set, MAYA), false, false) as f64;
    let old = expected_estimate(backup(&set, MAYA_ARCHIVED), false, false) as f64;
    // 2026-09-01T10:15:00Z → 2026-11-20T08:15:00Z.
    let secs = (79.0 * 86_400.0) + (22.0 * 3_600.0);
    let per_month = ((new - old) / secs * 2_629_746.0).round() as i64;
    let (doc, _) = plan(&["--used", "4.9GB"]);
    let c = &doc["plan"]["growth"]["from_copies"];
    assert_eq!(c["bytes_per_month"].as_i64(), Some(per_month), "{c}");
    assert_eq!(c["from"], "2026-09-01");
    assert_eq!(c["to"], "2026-11-20");
    assert_eq!(c["copies"], 2);
    // The same figures when the plan is for the archived copy: growth comes from the device's copies and its
    // newest backup's births.
    let (archived, _) = plan(&["--used", "4.9GB", "--device", MAYA_ARCHIVED]);
    assert_eq!(archived["plan"]["backup_id"], MAYA_ARCHIVED);
    assert_eq!(archived["plan"]["growth"], doc["plan"]["growth"]);
    // Without a second copy there is no copies' rate: births alone.
    let (doc, _) = plan(&["--device", "Lee's iPad"]);
    let g = &doc["plan"]["growth"];
    assert_eq!(g["from_copies"], Value::Null, "{g}");
    assert_eq!(
        (&g["method"], &g["copies"]),
        (&"births".into(), &0.into()),
        "{g}"
    );
}

#[test]
fn the_users_settings_and_devices() {
    let set = record();
    // iCloud Photos on: the library is not in the backup, so it is not a candidate either.
    let (doc, _) = plan(&[
        "--icloud-photos",
        "on",
        "--messages-in-icloud",
        "on",
        "--used",
        "4.99999GB",
    ]);
    let p = &doc["plan"];
    assert_eq!(
        u(&p["estimate_bytes"]),
        expected_estimate(backup(&set, MAYA), true, true)
    );
    let apps = option(&doc, "exclude-apps");
    assert!(apps.is_none_or(|o| o["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["id"] != "photo-library")));

    // Another device by name; an encrypted one with its password.
    let (doc, output) = plan(&["--device", "sam's iphone"]);
    assert_exit(&output, 0);
    assert_eq!(doc["plan"]["backup_id"], "00008030-0009783C22EA802E");
    let sam = backup(&set, "00008030-0009783C22EA802E");
    assert_eq!(
        u(&doc["plan"]["estimate_bytes"]),
        expected_estimate(sam, false, false)
    );

    // An unknown device names the ones there are.
    let (_, output) = text(&["--device", "Nobody's Phone"]);
    assert_exit(&output, 2);
    assert!(output.stdout.is_empty());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("no backup of a device named \"Nobody's Phone\"")
            && err.contains("Maya's iPhone"),
        "{err}"
    );

    // A locked device asks for its password.
    let output = cloudfit()
        .args([
            "plan".as_ref(),
            root().as_os_str(),
            "--device".as_ref(),
            "Lee's iPad".as_ref(),
        ])
        .output()
        .unwrap();
    assert_exit(&output, 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("give its password"));

    // A wrong password is called that, not asked for again.
    let secrets = tempfile::tempdir().unwrap();
    let wrong = secrets.path().join("passwords.txt");
    std::fs::write(&wrong, "00008103-001C35A20E91801E=not it\n").unwrap();
    let output = cloudfit()
        .args([
            "plan".as_ref(),
            root().as_os_str(),
            "--device".as_ref(),
            "Lee's iPad".as_ref(),
        ])
        .arg("--password-file")
        .arg(&wrong)
        .arg("--json")
        .output()
        .unwrap();
    assert_exit(&output, 2);
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let failure = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"].is_null())
        .unwrap();
    assert_eq!(failure["code"], "plan-wrong-password");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr.lines().find(|l| l.contains("no plan for")).unwrap();
    assert!(
        line.contains("is wrong") && !line.contains("give its password"),
        "{line}"
    );
}

#[test]
fn prices_currency_and_bad_arguments() {
    let (doc, _) = plan(&["--used", "4.99999GB", "--currency", "gbp", "--tier", "5GB"]);
    let buy = option(&doc, "buy-tier").unwrap();
    assert_eq!(buy["tier"]["currency"], "GBP");
    assert_eq!(buy["tier"]["monthly"], "0.99");

    let prices = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        prices.path(),
        r#"{"date":"2026-11-01","source":"my bill","currencies":{"CHF":{"50 GB":"1.00","200 GB":"3.00"}}}"#,
    )
    .unwrap();
    let path = prices.path().to_str().unwrap();
    let (doc, output) = plan(&["--used", "4.99999GB", "--currency", "CHF", "--prices", path]);
    assert_exit(&output, 0);
    let buy = option(&doc, "buy-tier").unwrap();
    assert_eq!(buy["tier"]["monthly"], "1.00");
    assert_eq!(buy["tier"]["yearly"], "12.00");
    assert_eq!(buy["tier"]["prices_date"], "2026-11-01");

    for (args, message, code) in [
        (
            vec!["--currency", "XYZ"],
            "no prices in \"XYZ\"",
            "unknown-currency",
        ),
        (vec!["--tier", "100GB"], "is not an iCloud plan", "usage"),
        (vec!["--used", "lots"], "is not a size", "usage"),
        (
            vec!["--prices", "/nonexistent/prices.json"],
            "cannot read the price file",
            "bad-price-file",
        ),
    ] {
        let (_, output) = text(&args);
        assert_exit(&output, 2);
        assert!(output.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
        // A script gets one document saying the same, with a code to act on.
        let (doc, output) = plan(&args);
        assert_exit(&output, 2);
        assert_eq!(doc["plan"], Value::Null, "{args:?}");
        let errors = doc["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{args:?}: {errors:?}");
        assert_eq!(errors[0]["code"], code, "{args:?}");
        assert_eq!(errors[0]["path"], Value::Null, "{args:?}");
        assert!(
            errors[0]["message"].as_str().unwrap().contains(message),
            "{args:?}: {errors:?}"
        );
    }
}

#[test]
fn scan_json_carries_each_backups_estimate() {
    let set = record();
    let (doc, output) = common::json(&["scan".as_ref(), root().as_os_str()]);
    // The two encrypted fixtures stay locked without their passwords: not read, so exit 1.
    assert_exit(&output, 1);
    for want in &set.backups {
        let got = common::find(&doc, &want.id);
        let e = &got["estimate"];
        if want.encrypted {
            assert_eq!(*e, Value::Null, "{}: locked, no estimate", want.id);
            continue;
        }
        let bytes = u(&e["bytes"]);
        assert_eq!(bytes, expected_estimate(want, false, false), "{}", want.id);
        assert_eq!(u(&e["local_bytes"]), want.bytes.unwrap());
        assert!(u(&e["low"]) <= bytes && bytes <= u(&e["high"]));
        let removed: u64 = e["removed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| u(&r["bytes"]))
            .sum();
        assert_eq!(bytes + removed, want.bytes.unwrap(), "{}", want.id);
        assert!(e["removed"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["why"].as_str().is_some_and(|w| !w.is_empty())));
        assert!(e["assumptions"].as_array().unwrap().len() >= 3);
    }
}

#[test]
fn review_findings_stay_fixed() {
    // Old devices' iCloud backups are part of --used: with nothing else in iCloud, deleting them frees nothing.
    let (doc, _) = plan(&["--tier", "5GB"]);
    assert!(doc["plan"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["kind"] != "delete-backups"));

    // 11.5 TB fits in 12 TB, only without 10% to grow: the plan is still offered.
    let (doc, output) = plan(&["--tier", "2TB", "--used", "11.5TB"]);
    assert_exit(&output, 0);
    let buy = option(&doc, "buy-tier");
    assert_eq!(
        buy.map(|b| b["tier"]["name"].clone()),
        Some(Value::from("12 TB"))
    );

    // Price files: too many decimals, unknown tiers, bad dates are refused with a message; a FIFO is not opened.
    for body in [
        r#"{"date":"2026-11-01","source":"s","currencies":{"CHF":{"50 GB":"0.00000000000000000001"}}}"#,
        r#"{"date":"2026-11-01","source":"s","currencies":{"CHF":{"50GB":"1.00"}}}"#,
        r#"{"date":"soon","source":"s","currencies":{"CHF":{"50 GB":"1.00"}}}"#,
        r#"{"date":"2026-11-01","source":"s","currencies":{"CHF":{"50 GB":"1."}}}"#,
    ] {
        let prices = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(prices.path(), body).unwrap();
        let (_, output) = text(&[
            "--used",
            "4.9999GB",
            "--currency",
            "chf",
            "--prices",
            prices.path().to_str().unwrap(),
        ]);
        assert_exit(&output, 2);
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("cannot use the price file"),
            "{body}"
        );
    }
    // A FIFO as the price file (Unix: Windows has none).
    #[cfg(unix)]
    {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("prices.json");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let (_, output) = text(&["--prices", fifo.to_str().unwrap()]);
        assert_exit(&output, 2);
    }
}

#[test]
fn a_size_without_a_unit_is_refused_not_read_as_bytes() {
    for bare in ["3.2", "5", "200"] {
        let (doc, output) = plan(&["--used", bare]);
        assert_exit(&output, 2);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said = format!("{bare:?} has no unit: say {bare}GB");
        assert!(stderr.contains(&said), "{stderr}");
        // With --json the mistake is a document too, never clap's text on stdout.
        assert_eq!(doc["plan"], Value::Null);
        assert_eq!(doc["errors"][0]["code"], "usage");
        assert!(doc["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&said));
    }
    // 0 needs no unit; bytes are written with B.
    for zero in ["0", "0B", "12345B"] {
        let (_, output) = plan(&["--used", zero]);
        assert_exit(&output, 0);
    }
}

#[test]
fn more_used_than_the_plan_holds_is_said_and_still_answered() {
    let (doc, output) = plan(&["--tier", "5GB", "--used", "9TB"]);
    assert_exit(&output, 0);
    let said = "--used (9 TB) is more than the 5 GB plan holds, which iCloud does not allow";
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches(said).count(), 1, "{stderr}");
    let notes = doc["plan"]["notes"].to_string();
    assert!(notes.contains(said), "{notes}");
    // Still a what-if answer: short by the whole difference.
    assert_eq!(
        u(&doc["plan"]["shortfall_bytes"]),
        u(&doc["plan"]["estimate_bytes"]) + 9_000_000_000_000 - 5 * GB
    );
    // Exactly what the plan holds is possible: no such note.
    let (doc, output) = plan(&["--tier", "5GB", "--used", "5GB"]);
    assert!(!String::from_utf8_lossy(&output.stderr).contains("iCloud does not allow"));
    assert!(!doc["plan"]["notes"].to_string().contains("does not allow"));
}

/// The sample set with the archived copy of Maya's iPhone renamed in its own plists: its Manifest.plist
/// loses the UDID and its Info.plist names `unique_id`.
fn archived_copy_named(unique_id: &str) -> tempfile::TempDir {
    let (tmp, _) = common::sample();
    let dir = tmp.path().join("Backup").join(MAYA_ARCHIVED);
    let manifest = dir.join("Manifest.plist");
    let mut plist = plist::Value::from_file(&manifest).unwrap();
    plist.as_dictionary_mut().unwrap()["Lockdown"]
        .as_dictionary_mut()
        .unwrap()
        .remove("UniqueDeviceID");
    plist.to_file_binary(&manifest).unwrap();
    let info = dir.join("Info.plist");
    let mut plist = plist::Value::from_file(&info).unwrap();
    let d = plist.as_dictionary_mut().unwrap();
    d.insert("Unique Identifier".into(), unique_id.into());
    d.remove("Target Identifier");
    plist.to_file_xml(&info).unwrap();
    tmp
}

#[test]
fn an_archived_copy_is_known_by_its_folder_and_plists_whatever_its_unique_identifier() {
    let set = record();
    let growth = {
        let (doc, _) = plan(&["--used", "4.9GB"]);
        doc["plan"]["growth"].clone()
    };
    // The folder's suffix carried into the Unique Identifier, and an id that is another's entirely but
    // with the same serial number: both are Maya's archived copy.
    for unique_id in [
        MAYA_ARCHIVED.to_uppercase(),
        "FFFF0000-0000000000000001".into(),
    ] {
        let tmp = archived_copy_named(&unique_id);
        let passwords = common::sample_passwords(tmp.path());
        let run = |command: &str, extra: &[&str]| {
            let output = cloudfit()
                .arg(command)
                .arg(tmp.path())
                .arg("--password-file")
                .arg(&passwords)
                .args(extra)
                .arg("--json")
                .output()
                .unwrap();
            assert_no_panic(&output);
            let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
            (doc, output)
        };
        let (doc, _) = run("scan", &[]);
        let copy = common::find(&doc, MAYA_ARCHIVED);
        assert_eq!(copy["archived"], true, "{unique_id}");
        assert_eq!(copy["udid"], MAYA, "{unique_id}");

        let (doc, output) = run("plan", &["--used", "4.9GB"]);
        assert_exit(&output, 0);
        let p = &doc["plan"];
        assert_eq!(p["backup_id"], MAYA, "{unique_id}");
        assert_eq!(
            p["growth"], growth,
            "{unique_id}: the copy still feeds growth"
        );
        // Never "delete the iCloud backup of Maya's iPhone" while planning for Maya's iPhone.
        assert!(
            !p["options"].to_string().contains(MAYA_ARCHIVED),
            "{unique_id}: {}",
            p["options"]
        );
    }
    assert!(set
        .backups
        .iter()
        .any(|b| b.id == MAYA_ARCHIVED && b.archived));
}

/// Seconds from one RFC 3339 UTC instant of the record to another.
pub fn seconds_between(from: &str, to: &str) -> f64 {
    let unix = |t: &str| {
        let n = |r: std::ops::Range<usize>| t[r].parse::<u32>().unwrap();
        cloudfit_synth::unix_from_utc(
            n(0..4) as i32,
            n(5..7),
            n(8..10),
            n(11..13),
            n(14..16),
            n(17..19),
        )
    };
    (unix(to) - unix(from)) as f64
}

#[test]
fn the_horizon_changes_the_plan_exactly_when_the_projected_need_crosses_the_tier() {
    const MONTH: f64 = 2_629_746.0;
    let set = record();
    let maya = backup(&set, MAYA);
    let estimate = expected_estimate(maya, false, false) as f64;
    // The rate itself is checked against the record in growth.rs; here, what the plan does with it.
    let (doc, _) = plan_with(&["--used", "1GB"], false);
    let rate = doc["plan"]["growth"]["bytes_per_month"].as_f64().unwrap();
    assert!(rate > 1_000.0, "{}", doc["plan"]["growth"]);
    let since = seconds_between(&maya.last_backup, common::NOW) / MONTH;
    // Full half-way through the seventh month from today.
    let used = (5e9 - estimate - rate * (since + 6.5)).round();
    let used_arg = format!("{used}B");
    let need_after = |months: f64| estimate + used + rate * (since + months);
    for (horizon, holds) in [(0, true), (6, true), (7, false), (24, false)] {
        let h = horizon.to_string();
        let (doc, output) = plan_with(
            &["--tier", "5GB", "--used", &used_arg, "--horizon", &h],
            false,
        );
        assert_exit(&output, 0);
        let p = &doc["plan"];
        assert_eq!(p["fits_now"], true, "{horizon}");
        assert_eq!(p["horizon_months"], horizon, "{horizon}");
        let projected = u(&p["needed_after_horizon_bytes"]) as f64;
        assert!(
            (projected - need_after(f64::from(horizon))).abs() <= 2.0,
            "{horizon}: {projected} vs {}",
            need_after(f64::from(horizon))
        );
        assert_eq!(p["fits_after_horizon"], holds, "{horizon}: {p}");
        let buy = option(&doc, "buy-tier");
        if holds {
            assert!(
                p["options"].as_array().unwrap().is_empty(),
                "{horizon}: {p}"
            );
        } else {
            let buy = buy.unwrap_or_else(|| panic!("{horizon}: {p}"));
            assert_eq!(buy["tier"]["name"], "50 GB", "{horizon}");
            assert_eq!(buy["fits_after_horizon"], true, "{horizon}");
            // 45 GB of room at tens of kB a month: full beyond a century, so no date.
            assert_eq!(buy["lasts_until"], Value::Null, "{horizon}");
        }
        // The day the 5 GB plan fills: half-way through the seventh month, counted from the backup's date.
        let full = p["lasts_until"].as_str().unwrap();
        let day = seconds_between(&maya.last_backup, &format!("{full}T12:00:00Z")) / MONTH;
        assert!((day - (since + 6.5)).abs() < 1.0 / 30.0 + 0.02, "{full}");
    }
    let (_, output) = plan_with(&["--horizon", "121"], false);
    assert_exit(&output, 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--horizon"));
}

#[test]
fn the_painless_parts_together_are_offered_when_no_painless_option_holds_alone() {
    let set = record();
    let maya = backup(&set, MAYA);
    let estimate = expected_estimate(maya, false, false);
    let old_iphone = expected_estimate(backup(&set, OLD_IPHONE), false, false);
    let painless: Vec<(&str, u64)> = maya
        .apps
        .iter()
        .filter(|(id, _)| loss_class(id) == 0)
        .map(|(id, a)| (id.as_str(), a.bytes))
        .collect();
    let together = old_iphone + painless.iter().map(|(_, b)| b).sum::<u64>();
    // More than Old iPhone's backup or the painless apps free alone, and not more than both.
    let shortfall = (old_iphone.max(together - old_iphone) + together) / 2;
    let used = 5 * GB - estimate + shortfall;
    let (doc, _) = plan(&["--tier", "5GB", "--used", &format!("{used}B")]);
    let p = &doc["plan"];
    assert_eq!(u(&p["shortfall_bytes"]), shortfall);
    let first = &p["options"][0];
    assert_eq!(first["kind"], "combined", "nothing lost ranks first: {p}");
    assert_eq!(u(&first["frees_bytes"]), together);
    assert_eq!(first["fits"], true);
    assert_eq!(first["tier"], Value::Null, "no plan to buy");
    let ids = item_ids(first);
    let mut want: Vec<&str> = painless.iter().map(|(id, _)| *id).collect();
    want.push(OLD_IPHONE);
    want.sort();
    assert_eq!(ids, want);
    assert!(first["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["loss"] == "none"));
    // Leaving nothing out that loses data: it is not offered when a painless option holds alone.
    let used = 5 * GB - estimate + old_iphone - 5;
    let (doc, _) = plan(&["--used", &format!("{used}B")]);
    assert!(option(&doc, "combined").is_none(), "{}", doc["plan"]);
}

#[test]
fn the_plan_reads_at_a_glance_in_24_lines_at_80_columns() {
    for used in ["1GB", "4.99983GB", "4.9997GB", "4.9999GB"] {
        let passwords = passwords();
        let output = cloudfit()
            .arg("plan")
            .arg(root())
            .arg("--password-file")
            .arg(passwords.path())
            .args(["--tier", "5GB", "--used", used, "--width", "80"])
            .output()
            .unwrap();
        assert_exit(&output, 0);
        let out = String::from_utf8_lossy(&output.stdout);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines.len() <= 24,
            "--used {used}: {} lines:\n{out}",
            lines.len()
        );
        assert!(
            lines
                .iter()
                .all(|l| unicode_width::UnicodeWidthStr::width(*l) <= 80),
            "{out}"
        );
        assert!(!out.contains("Not in the iCloud backup"), "{out}");
        assert!(out.contains("(--explain: "), "{out}");
    }
}

#[test]
fn together_with_a_smaller_plan_beats_buying_alone() {
    use cloudfit_synth::{unix_from_utc, write_backup, BackupSpec, SpecFile, SpecOwner};
    const GB: u64 = 1_000_000_000;
    let file = |domain: &str, path: &str, size: u64, owner: SpecOwner| SpecFile {
        domain: domain.into(),
        path: path.into(),
        size,
        owner,
    };
    let app = |id: &str| SpecOwner::App(id.into());
    // This phone: WhatsApp's chats (only on the phone) and Spotify's downloads (its own cloud has them);
    // sparse files, so hundreds of GB cost nothing on disk.
    let phone = BackupSpec {
        phone_content: false,
        spec_apps: vec!["net.whatsapp.WhatsApp".into(), "com.spotify.client".into()],
        spec_files: vec![
            file(
                "AppDomain-net.whatsapp.WhatsApp",
                "Documents/ChatStorage.sqlite",
                155 * GB,
                app("net.whatsapp.WhatsApp"),
            ),
            file(
                "AppDomain-com.spotify.client",
                "Documents/offline.bnk",
                10 * GB,
                app("com.spotify.client"),
            ),
        ],
        ..BackupSpec::default()
    };
    // An old phone not backed up for two years, whose complete copy is here.
    let old = BackupSpec {
        udid: "00008030-000A1B2C3D4E5F60".into(),
        device_name: "Old iPhone".into(),
        product_type: "iPhone12,1".into(),
        last_backup: unix_from_utc(2024, 11, 1, 9, 0, 0),
        phone_content: false,
        spec_files: vec![file(
            "CameraRollDomain",
            "Media/DCIM/100APPLE/IMG_0001.HEIC",
            10 * GB,
            SpecOwner::Category("photos".into()),
        )],
        ..BackupSpec::default()
    };
    let tmp = tempfile::tempdir().unwrap();
    let parent = tmp.path().join("Backup");
    let phone_record = write_backup(&parent, &phone).unwrap();
    write_backup(&parent, &old).unwrap();
    // 165 GB of backup and 40 GB of other iCloud data (the old phone's 10 GB among them) on a 50 GB plan:
    // buying alone takes 2 TB; the old backup and Spotify together leave 185 GB, which 200 GB holds.
    // Without the read-only guard, which would hash 175 GB of sparse zeros: plan's guard runs on every
    // format in read_only.rs.
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("cloudfit"))
        .env("CLOUDFIT_NOW", &phone_record.last_backup)
        .env("NO_COLOR", "1")
        .arg("plan")
        .arg(&parent)
        .args([
            "--tier",
            "50GB",
            "--used",
            "40GB",
            "--horizon",
            "0",
            "--json",
        ])
        .output()
        .unwrap();
    assert_exit(&output, 0);
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    common::assert_codes_documented(&doc);
    let p = &doc["plan"];
    assert_eq!(u(&p["needed_bytes"]), 205 * GB, "{p}");
    let buy = option(&doc, "buy-tier").unwrap();
    assert_eq!(buy["tier"]["name"], "2 TB");
    let together = option(&doc, "combined").unwrap_or_else(|| panic!("{p}"));
    assert_eq!(together["tier"]["name"], "200 GB", "{together}");
    assert_eq!(u(&together["frees_bytes"]), 20 * GB);
    assert_eq!(
        (&together["fits"], &together["fits_after_horizon"]),
        (&true.into(), &true.into())
    );
    assert_eq!(
        item_ids(&together),
        ["00008030-000A1B2C3D4E5F60", "com.spotify.client"]
    );
    // The cheaper plan ranks before buying alone; WhatsApp's chats, lost if left out, come later still.
    let kinds: Vec<&str> = p["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    let at = |kind: &str| kinds.iter().position(|k| *k == kind).unwrap();
    assert!(at("combined") < at("buy-tier"), "{kinds:?}");
}
