//! `--format csv`: read back with a CSV reader, every cell equals the JSON document of the same run, on every
//! committed fixture, and names hostile to CSV and to spreadsheets come back as they were, guarded.

use crate::common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use cloudfit_synth::{self as synth, BackupSpec};
use common::{assert_no_panic, cloudfit};
use serde_json::Value;

const TOP_COLUMNS: &str =
    "backup_id,device_name,domain,path,app,app_name,category,bytes,modified,on_disk";
const TREE_COLUMNS: &str = "backup_id,device_name,depth,kind,id,name,bytes,files";
const SCAN_COLUMNS: &str =
    "backup_id,device_name,kind,id,name,bytes,files,share_percent,app_kind,name_source,icloud_bytes";
const LIST_COLUMNS: &str = "id,path,udid,device_name,product_type,product_name,ios_version,last_backup,\
age_days,encrypted,decrypted,state,archived,format,bytes,files,directories,symlinks,disk_bytes,disk_files,\
disk_sizes,missing_files,missing_bytes,orphans_files,orphans_bytes,resized_files,resized_bytes,\
estimate_bytes,estimate_low,estimate_high,estimate_local_bytes";
const PLAN_COLUMNS: &str = "option_rank,option_kind,option_fits,option_frees_bytes,option_short_by_bytes,\
option_exact,item_id,item_name,item_bytes,item_loss,item_why,tier_name,tier_bytes,tier_monthly,tier_yearly,\
tier_currency,tier_prices_date,option_fits_after_horizon,option_lasts_until,item_what";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A CSV document as an independent reader (the `csv` crate's, strict about equal row lengths) parses it.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn parse(bytes: &[u8]) -> Table {
        // RFC 4180: every record ends in CRLF, the last one too.
        assert!(
            bytes.ends_with(b"\r\n"),
            "{}",
            String::from_utf8_lossy(bytes)
        );
        let mut reader = ::csv::ReaderBuilder::new().from_reader(bytes);
        let header = reader
            .headers()
            .expect("a header row")
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .map(|r| {
                r.expect("a whole record")
                    .iter()
                    .map(str::to_string)
                    .collect()
            })
            .collect();
        Table { header, rows }
    }

    /// Row `row`'s cell in `column`.
    fn cell(&self, row: usize, column: &str) -> &str {
        let at = self
            .header
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| panic!("no column {column}"));
        &self.rows[row][at]
    }
}

/// What a CSV cell must hold for a JSON value: numbers and booleans as JSON writes them, null as an empty
/// cell, text as it is but with `'` in front when a spreadsheet would take it for a formula (OWASP's list).
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{s}"),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("{other} is not one cell"),
    }
}

/// The same command twice, as JSON and as CSV: both must end the same way.
fn both(args: &[&OsStr]) -> (Value, Table) {
    let json = cloudfit()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let csv = cloudfit()
        .args(args)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert_no_panic(&csv);
    assert_eq!(csv.status.code(), json.status.code(), "{args:?}");
    assert_eq!(csv.stderr, json.stderr, "{args:?}");
    let doc = serde_json::from_slice(&json.stdout).expect("one JSON document");
    (doc, Table::parse(&csv.stdout))
}

/// Every app, data type and domain of every backup is one row, in the JSON's order, with the JSON's figures.
fn assert_scan_equals_json(args: &[&OsStr]) -> (Value, Table) {
    let (doc, csv) = both(args);
    assert_eq!(csv.header.join(","), SCAN_COLUMNS);
    let mut row = 0;
    for b in doc["backups"].as_array().unwrap() {
        let estimate = &b["estimate"];
        for (list, kind, id_field, name_field) in [
            ("apps", "app", "bundle_id", "name"),
            ("categories", "category", "id", "label"),
            ("domains", "domain", "domain", "domain"),
        ] {
            for r in b[list].as_array().unwrap() {
                let at = |column: &str| csv.cell(row, column).to_string();
                let what = format!("{} {kind} {}", b["id"], r[id_field]);
                assert_eq!(at("backup_id"), cell(&b["id"]), "{what}");
                assert_eq!(at("device_name"), cell(&b["device_name"]), "{what}");
                assert_eq!(at("kind"), kind, "{what}");
                assert_eq!(at("id"), cell(&r[id_field]), "{what}");
                assert_eq!(at("name"), cell(&r[name_field]), "{what}");
                assert_eq!(at("bytes"), cell(&r["bytes"]), "{what}");
                assert_eq!(at("files"), cell(&r["files"]), "{what}");
                let share: f64 = at("share_percent").parse().unwrap();
                let exact = r["bytes"].as_f64().unwrap() * 100.0 / b["bytes"].as_f64().unwrap();
                assert!(
                    (share - exact).abs() <= 0.005 + 1e-9,
                    "{what}: {share} {exact}"
                );
                let (app_kind, name_source) = match kind {
                    "app" => (cell(&r["kind"]), cell(&r["name_source"])),
                    _ => (String::new(), String::new()),
                };
                assert_eq!(at("app_kind"), app_kind, "{what}");
                assert_eq!(at("name_source"), name_source, "{what}");
                // The iCloud figure of the row, from the JSON's estimate: a data type it leaves out holds 0.
                let in_icloud = |list: &str, key: &str| {
                    estimate[list]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|e| e[key] == r[id_field])
                        .map_or("0".to_string(), |e| cell(&e["bytes"]))
                };
                let icloud = match kind {
                    _ if estimate.is_null() => String::new(),
                    "app" => in_icloud("apps", "bundle_id"),
                    "category" => in_icloud("categories", "id"),
                    _ => String::new(),
                };
                assert_eq!(at("icloud_bytes"), icloud, "{what}");
                row += 1;
            }
        }
    }
    assert_eq!(csv.rows.len(), row, "one row per app, data type and domain");
    (doc, csv)
}

/// One row per backup, each column the JSON's field of that name (`missing_files` is `missing.files`,
/// `estimate_low` is `estimate.low`).
fn assert_list_equals_json(args: &[&OsStr]) -> (Value, Table) {
    let (doc, csv) = both(args);
    assert_eq!(csv.header.join(","), LIST_COLUMNS);
    let backups = doc["backups"].as_array().unwrap();
    assert_eq!(csv.rows.len(), backups.len());
    for (row, b) in backups.iter().enumerate() {
        for column in LIST_COLUMNS.split(',') {
            let want = match column.split_once('_') {
                Some((outer @ ("missing" | "orphans" | "resized"), inner)) => &b[outer][inner],
                Some(("estimate", inner)) => &b["estimate"][inner],
                _ => &b[column],
            };
            assert_eq!(csv.cell(row, column), cell(want), "{} {column}", b["id"]);
        }
    }
    (doc, csv)
}

/// One row per item of each option, in rank order, and one for an option without items.
fn assert_plan_equals_json(args: &[&OsStr]) -> (Value, Table) {
    let (doc, csv) = both(args);
    assert_eq!(csv.header.join(","), PLAN_COLUMNS);
    let mut row = 0;
    for (i, o) in doc["plan"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let items = o["items"].as_array().unwrap();
        let none = [Value::Null];
        let items = if items.is_empty() { &none[..] } else { items };
        for item in items {
            let what = format!("option {} item {}", i + 1, item["id"]);
            let at = |column: &str| csv.cell(row, column).to_string();
            assert_eq!(at("option_rank"), (i + 1).to_string(), "{what}");
            for field in [
                "kind",
                "fits",
                "frees_bytes",
                "short_by_bytes",
                "exact",
                "fits_after_horizon",
                "lasts_until",
            ] {
                assert_eq!(
                    at(&format!("option_{field}")),
                    cell(&o[field]),
                    "{what} {field}"
                );
            }
            for field in ["id", "name", "bytes", "loss", "why", "what"] {
                assert_eq!(
                    at(&format!("item_{field}")),
                    cell(&item[field]),
                    "{what} {field}"
                );
            }
            for field in [
                "name",
                "bytes",
                "monthly",
                "yearly",
                "currency",
                "prices_date",
            ] {
                let want = cell(&o["tier"][field]);
                assert_eq!(at(&format!("tier_{field}")), want, "{what} {field}");
            }
            row += 1;
        }
    }
    assert_eq!(csv.rows.len(), row, "one row per option item");
    (doc, csv)
}

/// `command` then `rest`, as arguments.
fn with<'a>(command: &'a [&'a str], rest: &[&'a OsStr]) -> Vec<&'a OsStr> {
    command
        .iter()
        .map(OsStr::new)
        .chain(rest.iter().copied())
        .collect()
}

#[test]
fn scan_and_list_csv_equal_the_json_on_every_committed_fixture() {
    let mobile_sync = fixtures().join("MobileSync");
    let passwords = fixtures().join("passwords.txt");
    let extracted = fixtures().join("extracted");
    // With the passwords every backup is read; without them two stay locked (exit 1), with no rows of their
    // own in the scan and their on-disk figures in the list.
    let runs: [Vec<&OsStr>; 3] = [
        vec![
            mobile_sync.as_os_str(),
            "--password-file".as_ref(),
            passwords.as_os_str(),
        ],
        vec![mobile_sync.as_os_str()],
        vec![extracted.as_os_str()],
    ];
    let mut rows = 0;
    for run in &runs {
        let (doc, csv) = assert_scan_equals_json(&with(&["scan"], run));
        assert!(!doc["backups"].as_array().unwrap().is_empty());
        rows += csv.rows.len();
        assert_list_equals_json(&with(&["list"], run));
    }
    assert!(rows > 500, "{rows} rows");
}

#[test]
fn plan_csv_equals_the_json_with_one_row_per_option_item() {
    let mobile_sync = fixtures().join("MobileSync");
    let passwords = fixtures().join("passwords.txt");
    let fixture: [&OsStr; 3] = [
        mobile_sync.as_os_str(),
        "--password-file".as_ref(),
        passwords.as_os_str(),
    ];
    // It fits (no options: the header alone); short, with every kind of option; and so short that nothing is
    // enough (12 TB more than the largest plan: no plan to buy).
    let (mut item_rows, mut tier_rows) = (0, 0);
    for used in ["1GB", "4.9999GB", "12TB"] {
        let (doc, csv) = assert_plan_equals_json(&with(&["plan", "--used", used], &fixture));
        let fits = doc["plan"]["fits_now"].as_bool().unwrap();
        assert_eq!(fits, used == "1GB");
        assert_eq!(csv.rows.is_empty(), fits, "--used {used}");
        for r in 0..csv.rows.len() {
            match csv.cell(r, "option_kind") {
                "buy-tier" => tier_rows += 1,
                _ => item_rows += 1,
            }
        }
    }
    assert!(item_rows > 3 && tier_rows == 1, "{item_rows} {tier_rows}");
    // A plan that cannot be made prints nothing, as with --json.
    let output = cloudfit()
        .args(with(
            &["plan", "--device", "no such phone", "--format", "csv"],
            &fixture,
        ))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn the_header_is_printed_even_when_nothing_was_read_and_json_and_csv_exclude_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    for (command, columns) in [("scan", SCAN_COLUMNS), ("list", LIST_COLUMNS)] {
        let (doc, csv) = both(&[OsStr::new(command), tmp.path().as_os_str()]);
        // The JSON says why: the folder holds no backup (exit 2).
        assert_eq!(doc["errors"][0]["code"], "no-backup");
        assert!(doc["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("holds no iPhone or iPad backup"));
        assert_eq!(csv.header.join(","), columns);
        assert!(csv.rows.is_empty());
    }
    let output = cloudfit()
        .args(["scan", "--json", "--format", "csv"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot be used with"));
    // --json was said, so a script still gets its document: the usage error, nothing else.
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["errors"][0]["code"], "usage");
    assert_eq!(doc["backups"].as_array().map(Vec::len), Some(0));
}

/// Commas, quotes and line breaks for the CSV quoting; a formula payload for the spreadsheet guard.
const PAYLOAD: &str = "=cmd|' /C calc'!A0";

#[test]
fn hostile_names_round_trip_with_the_guard_only_where_a_formula_would_start() {
    let tmp = tempfile::tempdir().unwrap();
    // The device name starts with the payload (a spreadsheet would run it); the app's name holds it further in.
    let device_name = format!("{PAYLOAD}, Maya's \"work\"\nphone");
    let app_name = format!("Chat, \"Pro\"\r\nedition {PAYLOAD}");
    let spec = BackupSpec {
        device_name: device_name.clone(),
        ..BackupSpec::default()
    };
    synth::write_backup(tmp.path(), &spec).unwrap();
    let backup = tmp.path().join(spec.folder_name());
    let app_id = "net.whatsapp.WhatsApp";
    common::rename_app(&backup.join("Info.plist"), app_id, &app_name);

    let (doc, csv) = assert_scan_equals_json(&[OsStr::new("scan"), backup.as_os_str()]);
    // The JSON, the reference, has the names as written.
    assert_eq!(doc["backups"][0]["device_name"], device_name.as_str());
    let app = (0..csv.rows.len())
        .find(|&r| csv.cell(r, "kind") == "app" && csv.cell(r, "id") == app_id)
        .expect("the renamed app's row");
    assert_eq!(csv.cell(app, "name"), app_name);
    assert_eq!(csv.cell(app, "name_source"), "itunes-metadata");
    for r in 0..csv.rows.len() {
        assert_eq!(csv.cell(r, "device_name"), format!("'{device_name}"));
    }

    let (_, list) = assert_list_equals_json(&[OsStr::new("list"), backup.as_os_str()]);
    assert_eq!(list.cell(0, "device_name"), format!("'{device_name}"));
}

/// Gives app `id` the App Store name `name` in Info.plist (its iTunesMetadata, a binary plist in the plist).

#[test]
fn top_and_tree_csv_equal_the_json() {
    let mobile_sync = fixtures().join("MobileSync");
    let passwords = fixtures().join("passwords.txt");
    let read_all = [
        mobile_sync.as_os_str(),
        "--password-file".as_ref(),
        passwords.as_os_str(),
    ];
    let (doc, csv) = both(&with(&["top", "-n", "7"], &read_all));
    assert_eq!(csv.header.join(","), TOP_COLUMNS);
    let mut row = 0;
    for b in doc["backups"].as_array().unwrap() {
        for f in b["files"].as_array().unwrap() {
            assert_eq!(csv.cell(row, "backup_id"), cell(&b["id"]));
            assert_eq!(csv.cell(row, "device_name"), cell(&b["device_name"]));
            for column in TOP_COLUMNS.split(',').skip(2) {
                assert_eq!(
                    csv.cell(row, column),
                    cell(&f[column]),
                    "row {row} {column}"
                );
            }
            row += 1;
        }
    }
    assert_eq!(row, csv.rows.len());
    assert!(row >= 7 * 6, "{row} rows");

    // The tree in pre-order: each node, then its children, then a `more` row for what was folded.
    let (doc, csv) = both(&with(&["tree", "--type", "apps", "-n", "2"], &read_all));
    assert_eq!(csv.header.join(","), TREE_COLUMNS);
    let mut want: Vec<(usize, String, String, String, u64, u64)> = Vec::new();
    fn walk(node: &Value, depth: usize, out: &mut Vec<(usize, String, String, String, u64, u64)>) {
        out.push((
            depth,
            cell(&node["kind"]),
            cell(&node["id"]),
            cell(&node["name"]),
            node["bytes"].as_u64().unwrap(),
            node["files"].as_u64().unwrap(),
        ));
        let children = node["children"].as_array().unwrap();
        for child in children {
            walk(child, depth + 1, out);
        }
        // A `more` row under an opened node only.
        let more = &node["more"];
        if !children.is_empty() && (more["bytes"] != 0 || more["files"] != 0) {
            let (bytes, files) = (
                more["bytes"].as_u64().unwrap(),
                more["files"].as_u64().unwrap(),
            );
            out.push((
                depth + 1,
                "more".into(),
                String::new(),
                "more".into(),
                bytes,
                files,
            ));
        }
    }
    let mut backup_of_row = Vec::new();
    for b in doc["backups"].as_array().unwrap() {
        let before = want.len();
        walk(&b["tree"], 0, &mut want);
        backup_of_row.extend(std::iter::repeat_n(cell(&b["id"]), want.len() - before));
    }
    assert!(
        want.iter().any(|w| w.1 == "more"),
        "something is folded at -n 2"
    );
    assert_eq!(want.len(), csv.rows.len());
    for (row, w) in want.iter().enumerate() {
        let got = (
            csv.cell(row, "depth").parse::<usize>().unwrap(),
            csv.cell(row, "kind").to_string(),
            csv.cell(row, "id").to_string(),
            csv.cell(row, "name").to_string(),
            csv.cell(row, "bytes").parse::<u64>().unwrap(),
            csv.cell(row, "files").parse::<u64>().unwrap(),
        );
        assert_eq!(&got, w, "row {row}");
        assert_eq!(csv.cell(row, "backup_id"), backup_of_row[row]);
    }
}
