//! The real-world inventory (`tests/data/real-inventory-*.tsv`, each row with its public source): every
//! (domain, path) a real backup holds must land in the data type or app the inventory says, with every app
//! of the inventory installed as on the phone it was seen on. Checked twice: entry by entry through the
//! library, and on a backup the generator writes from the inventory, read by the binary.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use cloudfit::attribute::{attribute, NameSource, Tally};
use cloudfit::read::{AppCatalog, ManifestFile};
use cloudfit_synth::{self as synth, BackupSpec, SpecFile, SpecOwner};
use serde_json::Value;

struct Row {
    domain: String,
    path: String,
    expect: String,
}

fn rows(text: &str) -> Vec<Row> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            assert_eq!(cells.len(), 5, "{l}");
            Row {
                domain: cells[0].into(),
                path: cells[1].into(),
                expect: cells[3].into(),
            }
        })
        .collect()
}

fn inventory() -> Vec<Row> {
    let mut all = rows(include_str!("../data/real-inventory-system.tsv"));
    all.extend(rows(include_str!("../data/real-inventory-apps.tsv")));
    all
}

/// Where one file of `row` lands: `category:<id>` for a data type, `app:<id>` for an app row.
fn placed(row: &Row, catalog: &AppCatalog) -> String {
    let mut tally = Tally::default();
    let path = if row.path.is_empty() {
        "x".to_string()
    } else {
        format!("{}/x", row.path)
    };
    // The path itself may be a file; a file under it is the same data either way.
    tally.add(ManifestFile {
        domain: &row.domain,
        relative_path: &path,
        size: 1,
        ..Default::default()
    });
    let (a, _) = attribute(tally, catalog);
    if let Some(app) = a.apps.first() {
        // A vendor's shared groups are one row, keyed `vendor:<name>`.
        return match app.bundle_id.starts_with("vendor:") {
            true => app.bundle_id.clone(),
            false => format!("app:{}", app.bundle_id),
        };
    }
    let category = a
        .categories
        .iter()
        .find(|c| c.bytes > 0)
        .expect("a data type");
    format!(
        "category:{}",
        serde_json::to_value(category.id).unwrap().as_str().unwrap()
    )
}

/// Every app the inventory names is installed, as on the phones it was seen on, and an app's own
/// container is on the phone with its groups and extensions.
fn installed_apps(rows: &[Row]) -> BTreeSet<String> {
    let mut apps = BTreeSet::new();
    for row in rows {
        if let Some(app) = row.expect.strip_prefix("app:") {
            apps.insert(app.to_string());
        }
        if let Some(app) = row.domain.strip_prefix("AppDomain-") {
            apps.insert(app.to_string());
        }
    }
    apps
}

#[test]
fn every_inventory_entry_lands_where_the_inventory_says() {
    let rows = inventory();
    assert!(rows.len() >= 250, "{} rows", rows.len());
    let mut catalog = AppCatalog::default();
    for app in installed_apps(&rows) {
        catalog.add_installed(&app);
    }
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in &rows {
        let got = placed(row, &catalog);
        if got != row.expect {
            wrong
                .entry(format!("{} -> {got}", row.expect))
                .or_default()
                .push(format!("{} {}", row.domain, row.path));
        }
    }
    let misplaced: usize = wrong.values().map(Vec::len).sum();
    let report: Vec<String> = wrong
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.join(", ")))
        .collect();
    if std::env::var_os("INVENTORY_PRINT").is_some() {
        println!("{}", report.join("\n"));
    }
    println!(
        "{} of {} entries land where the inventory says",
        rows.len() - misplaced,
        rows.len()
    );
    assert_eq!(
        misplaced,
        0,
        "{misplaced} misplaced:\n{}",
        report.join("\n")
    );
}

#[test]
fn every_inventory_app_has_a_human_name_without_help_from_the_backup() {
    // Like the iOS 14 backup of issue 14: no iTunesMetadata and no bundle path, so only the known table can
    // name an app.
    let rows = inventory();
    let mut catalog = AppCatalog::default();
    let apps = installed_apps(&rows);
    for app in &apps {
        catalog.add_installed(app);
    }
    let mut tally = Tally::default();
    for app in &apps {
        tally.add(ManifestFile {
            domain: &format!("AppDomain-{app}"),
            relative_path: "x",
            size: 1,
            ..Default::default()
        });
    }
    let (a, _) = attribute(tally, &catalog);
    let unnamed: Vec<&str> = a
        .apps
        .iter()
        .filter(|app| app.name_source != NameSource::Known)
        .map(|app| app.bundle_id.as_str())
        .collect();
    // Apple's apps that are a data type (Maps, Music …) have no app row; every other one is named.
    assert!(a.apps.len() > 60, "{} app rows", a.apps.len());
    assert_eq!(unnamed, Vec::<&str>::new(), "apps only known by their id");
}

/// The generator's spec for a backup that holds one file inside each inventory entry, owned as the
/// inventory says, with every app of the inventory installed. Each file has its own size, so a file in
/// the wrong row shows in two rows' sums.
fn inventory_spec(rows: &[Row]) -> BackupSpec {
    let spec_files = rows
        .iter()
        .enumerate()
        .map(|(n, row)| {
            // A file inside the entry: the entry's path may be a folder or a file on the phone, and two
            // entries may be a folder and a file in it.
            let name = format!("inventory-{n:03}.bin");
            let path = match row.path.as_str() {
                "" => name,
                p => format!("{p}/{name}"),
            };
            let owner = match row.expect.split_once(':') {
                Some(("category", id)) => SpecOwner::Category(id.to_string()),
                Some(("app", id)) => SpecOwner::App(id.to_string()),
                _ => SpecOwner::App(row.expect.clone()),
            };
            SpecFile {
                domain: row.domain.clone(),
                path,
                size: 1_000 + 37 * n as u64 + (n as u64 * n as u64) % 101,
                owner,
            }
        })
        .collect();
    BackupSpec {
        udid: "00008110-000E1D2C3B4A5F60".into(),
        device_name: "Inventory iPhone".into(),
        phone_content: false,
        spec_files,
        spec_apps: installed_apps(rows).into_iter().collect(),
        ..BackupSpec::default()
    }
}

fn by_key(rows: &Value, key: &str) -> BTreeMap<String, (u64, u64)> {
    rows.as_array()
        .expect("array")
        .iter()
        .map(|r| {
            let counts = (r["bytes"].as_u64().unwrap(), r["files"].as_u64().unwrap());
            (r[key].as_str().unwrap().to_string(), counts)
        })
        .collect()
}

#[test]
fn a_backup_generated_from_the_inventory_reads_as_the_inventory_says() {
    let rows = inventory();
    let tmp = tempfile::tempdir().unwrap();
    let record = synth::write_backup(&tmp.path().join("Backup"), &inventory_spec(&rows)).unwrap();
    assert_eq!(record.files, Some(rows.len() as u64));
    let (doc, output) = common::json(&["scan".as_ref(), tmp.path().as_os_str()]);
    common::assert_exit(&output, 0);
    let got = common::find(&doc, &record.id);
    common::assert_totals_match(got, &record);

    let want: BTreeMap<String, (u64, u64)> = record
        .categories
        .iter()
        .map(|(id, c)| (id.clone(), (c.bytes, c.files)))
        .collect();
    let categories: BTreeMap<String, (u64, u64)> = by_key(&got["categories"], "id")
        .into_iter()
        .filter(|(_, (_, files))| *files > 0)
        .collect();
    assert_eq!(categories, want, "data types");

    // Apps by bundle id (and vendor key), with every domain in its row; names are the next test's.
    let want: BTreeMap<String, (u64, u64, BTreeSet<String>)> = record
        .apps
        .iter()
        .map(|(id, a)| (id.clone(), (a.bytes, a.files, a.domains.clone())))
        .collect();
    let apps: BTreeMap<String, (u64, u64, BTreeSet<String>)> = got["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let domains = a["domains"].as_array().unwrap().iter();
            let domains = domains.map(|d| d.as_str().unwrap().to_string()).collect();
            let (bytes, files) = (a["bytes"].as_u64().unwrap(), a["files"].as_u64().unwrap());
            (
                a["bundle_id"].as_str().unwrap().to_string(),
                (bytes, files, domains),
            )
        })
        .collect();
    assert_eq!(apps, want, "apps");
    for app in got["apps"].as_array().unwrap() {
        assert_ne!(app["name_source"], "bundle-id", "{app}");
    }
}
