//! The real-world inventory (`tests/data/real-inventory-*.tsv`, each row with its public source): every
//! (domain, path) a real backup holds must land in the data type or app the inventory says, with every app
//! of the inventory installed as on the phone it was seen on.

use std::collections::BTreeMap;

use cloudfit::attribute::{attribute, Tally};
use cloudfit::read::{AppCatalog, ManifestFile};

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
    let mut all = rows(include_str!("data/real-inventory-system.tsv"));
    all.extend(rows(include_str!("data/real-inventory-apps.tsv")));
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
    });
    let a = attribute(tally, catalog);
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

#[test]
fn every_inventory_entry_lands_where_the_inventory_says() {
    let rows = inventory();
    assert!(rows.len() >= 250, "{} rows", rows.len());
    // Every app the inventory names is installed, as on the phones it was seen on.
    let mut catalog = AppCatalog::default();
    for row in &rows {
        if let Some(app) = row.expect.strip_prefix("app:") {
            catalog.add_installed(app);
        }
        // An app's own container is on the phone with its groups and extensions.
        if let Some(app) = row.domain.strip_prefix("AppDomain-") {
            catalog.add_installed(app);
        }
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
