//! CSV for spreadsheets: every row of a scan, a list or a plan, RFC 4180 quoted, exact integers, with the
//! columns documented in the README (the `*_COLUMNS` below are that contract) and text cells guarded against
//! formula injection.

use std::borrow::Cow;

use serde::{Serialize, Serializer};

use super::view::{ListView, PlanView, ScanView, UsageTable};
use crate::attribute::{BackupState, Format, NameSource, OwnerKind};
use crate::inspect::{Inspection, NodeKind, TopFiles, TreeOf};
use crate::plan::{ItemKind, Loss, OptionKind, Plan, PlanItem};
use crate::read::{Counts, DiskSizes};
use crate::scan::ScanReport;

/// `cloudfit scan --format csv`: one row per (backup, kind of row, id).
pub const SCAN_COLUMNS: [&str; 11] = [
    "backup_id",
    "device_name",
    "kind",
    "id",
    "name",
    "bytes",
    "files",
    "share_percent",
    "app_kind",
    "name_source",
    "icloud_bytes",
];

/// `cloudfit list --format csv`: one row per backup, the JSON's per-backup scalar fields.
pub const LIST_COLUMNS: [&str; 31] = [
    "id",
    "path",
    "udid",
    "device_name",
    "product_type",
    "product_name",
    "ios_version",
    "last_backup",
    "age_days",
    "encrypted",
    "decrypted",
    "state",
    "archived",
    "format",
    "bytes",
    "files",
    "directories",
    "symlinks",
    "disk_bytes",
    "disk_files",
    "disk_sizes",
    "missing_files",
    "missing_bytes",
    "orphans_files",
    "orphans_bytes",
    "resized_files",
    "resized_bytes",
    "estimate_bytes",
    "estimate_low",
    "estimate_high",
    "estimate_local_bytes",
];

/// `cloudfit plan --format csv`: one row per item of each option, one for an option without items (a plan
/// to buy).
pub const PLAN_COLUMNS: [&str; 20] = [
    "option_rank",
    "option_kind",
    "option_fits",
    "option_frees_bytes",
    "option_short_by_bytes",
    "option_exact",
    "item_id",
    "item_name",
    "item_bytes",
    "item_loss",
    "item_why",
    "tier_name",
    "tier_bytes",
    "tier_monthly",
    "tier_yearly",
    "tier_currency",
    "tier_prices_date",
    "option_fits_after_horizon",
    "option_lasts_until",
    "item_what",
];

/// `cloudfit top --format csv`: one row per file listed, per backup.
pub const TOP_COLUMNS: [&str; 10] = [
    "backup_id",
    "device_name",
    "domain",
    "path",
    "app",
    "app_name",
    "category",
    "bytes",
    "modified",
    "on_disk",
];

/// `cloudfit tree --format csv`: the tree in pre-order, one row per node shown and one `more` row per opened
/// node (one with children shown) with something folded; `depth` 0 is the target.
pub const TREE_COLUMNS: [&str; 8] = [
    "backup_id",
    "device_name",
    "depth",
    "kind",
    "id",
    "name",
    "bytes",
    "files",
];

/// A text cell, written through [`guard`]. Names come from a backup's plists, so anyone who made the backup
/// (or handed it over) chooses them.
struct Text<'a>(&'a str);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&guard(self.0))
    }
}

/// OWASP's defence against CSV injection: a cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
/// or a tab or carriage return, which some strip before looking) starts with `'`, which spreadsheets take as
/// "this is text". Only text cells: numbers are written as they are.
fn guard(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[derive(Serialize)]
struct ScanRow<'a> {
    backup_id: Text<'a>,
    device_name: Option<Text<'a>>,
    kind: &'static str,
    id: Text<'a>,
    name: Text<'a>,
    bytes: u64,
    files: u64,
    share_percent: Option<String>,
    app_kind: Option<OwnerKind>,
    name_source: Option<NameSource>,
    icloud_bytes: Option<u64>,
}

/// Every app, data type and domain of every backup whose contents were read, each kind largest first.
pub fn scan_csv(report: &ScanReport) -> Result<String, csv::Error> {
    let mut out = writer(&SCAN_COLUMNS)?;
    // No top-N cut: a spreadsheet gets every row, and no table has a folded row.
    for backup in ScanView::new(report, None).backups {
        let Some(usage) = &backup.usage else {
            continue;
        };
        let summary = &backup.header.backup.summary;
        for table in [&usage.apps, &usage.categories, &usage.domains] {
            write_usage(&mut out, table, &summary.id, summary.device_name.as_deref())?;
        }
    }
    finish(out)
}

fn write_usage(
    out: &mut csv::Writer<Vec<u8>>,
    table: &UsageTable<'_>,
    backup_id: &str,
    device_name: Option<&str>,
) -> Result<(), csv::Error> {
    for row in &table.rows {
        out.serialize(ScanRow {
            backup_id: Text(backup_id),
            device_name: device_name.map(Text),
            kind: table.kind.id(),
            id: Text(row.id),
            name: Text(row.name),
            bytes: row.bytes,
            files: row.files,
            share_percent: percent(row.bytes, table.total_bytes),
            app_kind: row.app.map(|a| a.kind),
            name_source: row.app.map(|a| a.name_source),
            icloud_bytes: row.icloud_bytes,
        })?;
    }
    Ok(())
}

/// `part` of `total` in percent with two decimals, rounded half up in integers so the figure does not depend
/// on float formatting; `None` for a backup of 0 bytes.
fn percent(part: u64, total: u64) -> Option<String> {
    if total == 0 {
        return None;
    }
    let hundredths = (u128::from(part) * 10_000 + u128::from(total) / 2) / u128::from(total);
    Some(format!("{}.{:02}", hundredths / 100, hundredths % 100))
}

#[derive(Serialize)]
struct ListRow<'a> {
    id: Text<'a>,
    path: Text<'a>,
    udid: Option<Text<'a>>,
    device_name: Option<Text<'a>>,
    product_type: Option<Text<'a>>,
    product_name: Option<Text<'a>>,
    ios_version: Option<Text<'a>>,
    last_backup: Option<Text<'a>>,
    age_days: Option<i64>,
    encrypted: bool,
    decrypted: bool,
    state: BackupState,
    archived: bool,
    format: Format,
    bytes: Option<u64>,
    files: Option<u64>,
    directories: Option<u64>,
    symlinks: Option<u64>,
    disk_bytes: u64,
    disk_files: u64,
    disk_sizes: DiskSizes,
    missing_files: u64,
    missing_bytes: u64,
    orphans_files: u64,
    orphans_bytes: u64,
    resized_files: u64,
    resized_bytes: u64,
    estimate_bytes: Option<u64>,
    estimate_low: Option<u64>,
    estimate_high: Option<u64>,
    estimate_local_bytes: Option<u64>,
}

/// One row per backup, with the report's own values (`state` and `archived` apart, as in the JSON).
pub fn list_csv(report: &ScanReport) -> Result<String, csv::Error> {
    let mut out = writer(&LIST_COLUMNS)?;
    for row in ListView::new(report).rows {
        let b = &row.backup.summary;
        let estimate = row.backup.estimate.as_ref();
        let path = b.path.to_string_lossy();
        out.serialize(ListRow {
            id: Text(&b.id),
            path: Text(&path),
            udid: text(&b.udid),
            device_name: text(&b.device_name),
            product_type: text(&b.product_type),
            product_name: text(&b.product_name),
            ios_version: text(&b.ios_version),
            last_backup: text(&b.last_backup),
            age_days: b.age_days,
            encrypted: b.encrypted,
            decrypted: b.decrypted,
            state: b.state,
            archived: b.archived,
            format: b.format,
            bytes: b.bytes,
            files: b.files,
            directories: b.directories,
            symlinks: b.symlinks,
            disk_bytes: b.disk_bytes,
            disk_files: b.disk_files,
            disk_sizes: b.disk_sizes,
            missing_files: b.missing.files,
            missing_bytes: b.missing.bytes,
            orphans_files: b.orphans.files,
            orphans_bytes: b.orphans.bytes,
            resized_files: b.resized.files,
            resized_bytes: b.resized.bytes,
            estimate_bytes: estimate.map(|e| e.bytes),
            estimate_low: estimate.map(|e| e.low),
            estimate_high: estimate.map(|e| e.high),
            estimate_local_bytes: estimate.map(|e| e.local_bytes),
        })?;
    }
    finish(out)
}

/// An optional text field: an empty cell when absent.
fn text(value: &Option<String>) -> Option<Text<'_>> {
    value.as_deref().map(Text)
}

#[derive(Serialize)]
struct PlanRow<'a> {
    option_rank: usize,
    option_kind: OptionKind,
    option_fits: bool,
    option_frees_bytes: u64,
    option_short_by_bytes: u64,
    option_exact: bool,
    item_id: Option<Text<'a>>,
    item_name: Option<Text<'a>>,
    item_bytes: Option<u64>,
    item_loss: Option<Loss>,
    item_why: Option<Text<'a>>,
    tier_name: Option<Text<'a>>,
    tier_bytes: Option<u64>,
    tier_monthly: Option<Text<'a>>,
    tier_yearly: Option<Text<'a>>,
    tier_currency: Option<Text<'a>>,
    tier_prices_date: Option<Text<'a>>,
    option_fits_after_horizon: bool,
    option_lasts_until: Option<Text<'a>>,
    item_what: Option<ItemKind>,
}

/// One row per item of each option, in rank order; an option without items (a bigger plan) is one row.
/// A plan that fits has no options, so only the header.
pub fn plan_csv(plan: &Plan) -> Result<String, csv::Error> {
    let mut out = writer(&PLAN_COLUMNS)?;
    for option in PlanView::new(plan).options {
        let o = option.option;
        let tier = o.tier.as_ref();
        // `None` stands for "no item": the option's own row.
        // Every item, small ones too: the table folds those, a script wants them all.
        let items: Vec<Option<&PlanItem>> = if o.items.is_empty() {
            vec![None]
        } else {
            o.items.iter().map(Some).collect()
        };
        for item in items {
            out.serialize(PlanRow {
                option_rank: option.rank,
                option_kind: o.kind,
                option_fits: o.fits,
                option_frees_bytes: o.frees_bytes,
                option_short_by_bytes: o.short_by_bytes,
                option_exact: o.exact,
                item_id: item.map(|i| Text(&i.id)),
                item_name: item.map(|i| Text(&i.name)),
                item_bytes: item.map(|i| i.bytes),
                item_loss: item.map(|i| i.loss),
                item_why: item.map(|i| Text(&i.why)),
                tier_name: tier.map(|t| Text(&t.name)),
                tier_bytes: tier.map(|t| t.bytes),
                tier_monthly: tier.and_then(|t| t.monthly.as_deref()).map(Text),
                tier_yearly: tier.and_then(|t| t.yearly.as_deref()).map(Text),
                tier_currency: tier.map(|t| Text(&t.currency)),
                tier_prices_date: tier.map(|t| Text(&t.prices_date)),
                option_fits_after_horizon: o.fits_after_horizon,
                option_lasts_until: o.lasts_until.as_deref().map(Text),
                item_what: item.map(|i| i.what),
            })?;
        }
    }
    finish(out)
}

/// A writer with RFC 4180's CRLF line ends, the header already written: a document with no rows still says
/// what its columns are.
/// `cloudfit diff --format csv`: one document, the rows (`section` `row`: every data type, app and domain,
/// the most grown first) then the files (`section` `file`: added, removed, grown).
pub const DIFF_COLUMNS: [&str; 12] = [
    "section",
    "kind",
    "id",
    "name",
    "domain",
    "path",
    "change",
    "old_bytes",
    "new_bytes",
    "delta_bytes",
    "old_files",
    "new_files",
];

#[derive(Serialize)]
struct DiffRow<'a> {
    section: &'static str,
    kind: Option<&'static str>,
    id: Option<Text<'a>>,
    name: Option<Text<'a>>,
    domain: Option<Text<'a>>,
    path: Option<Text<'a>>,
    change: Option<&'static str>,
    old_bytes: Option<u64>,
    new_bytes: Option<u64>,
    delta_bytes: i64,
    old_files: Option<u64>,
    new_files: Option<u64>,
}

/// Every row, then every file listed.
pub fn diff_csv(d: &crate::diff::Diff) -> Result<String, csv::Error> {
    use crate::diff::Change;
    let mut out = writer(&DIFF_COLUMNS)?;
    for r in &d.rows {
        out.serialize(DiffRow {
            section: "row",
            kind: Some(match r.kind {
                NodeKind::Category => "category",
                NodeKind::App => "app",
                _ => "domain",
            }),
            id: Some(Text(&r.id)),
            name: Some(Text(&r.name)),
            domain: None,
            path: None,
            change: None,
            old_bytes: Some(r.old_bytes),
            new_bytes: Some(r.new_bytes),
            delta_bytes: r.delta_bytes,
            old_files: Some(r.old_files),
            new_files: Some(r.new_files),
        })?;
    }
    for f in &d.files {
        out.serialize(DiffRow {
            section: "file",
            kind: None,
            id: None,
            name: None,
            domain: Some(Text(&f.domain)),
            path: Some(Text(&f.path)),
            change: Some(match f.change {
                Change::Added => "added",
                Change::Removed => "removed",
                Change::Grown => "grown",
            }),
            old_bytes: f.old_bytes,
            new_bytes: f.new_bytes,
            delta_bytes: crate::diff::delta(f.old_bytes.unwrap_or(0), f.new_bytes.unwrap_or(0)),
            old_files: None,
            new_files: None,
        })?;
    }
    finish(out)
}

fn writer(columns: &[&str]) -> Result<csv::Writer<Vec<u8>>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(columns)?;
    Ok(out)
}

fn finish(out: csv::Writer<Vec<u8>>) -> Result<String, csv::Error> {
    let bytes = out
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    // Every cell was a `&str`, so this holds; still an error rather than a panic.
    String::from_utf8(bytes)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e).into())
}

#[derive(Serialize)]
struct TopRow<'a> {
    backup_id: Text<'a>,
    device_name: Option<Text<'a>>,
    domain: Text<'a>,
    path: Text<'a>,
    app: Option<Text<'a>>,
    app_name: Option<Text<'a>>,
    category: &'static str,
    bytes: u64,
    modified: Option<&'a str>,
    on_disk: bool,
}

/// The files `top` lists, backup by backup, largest first.
pub fn top_csv(inspection: &Inspection<'_, TopFiles>) -> Result<String, csv::Error> {
    let mut out = writer(&TOP_COLUMNS)?;
    for looked in &inspection.backups {
        let b = looked.backup;
        for f in &looked.found.files {
            out.serialize(TopRow {
                backup_id: Text(&b.id),
                device_name: b.device_name.as_deref().map(Text),
                domain: Text(&f.domain),
                path: Text(&f.path),
                app: f.app.as_deref().map(Text),
                app_name: f.app_name.as_deref().map(Text),
                category: f.category.id(),
                bytes: f.bytes,
                modified: f.modified.as_deref(),
                on_disk: f.on_disk,
            })?;
        }
    }
    finish(out)
}

#[derive(Serialize)]
struct TreeRow<'a> {
    backup_id: Text<'a>,
    device_name: Option<Text<'a>>,
    depth: usize,
    kind: &'static str,
    id: Option<Text<'a>>,
    name: Text<'a>,
    bytes: u64,
    files: u64,
}

/// Each backup's tree in pre-order.
pub fn tree_csv(inspection: &Inspection<'_, TreeOf>) -> Result<String, csv::Error> {
    let mut out = writer(&TREE_COLUMNS)?;
    for looked in &inspection.backups {
        let b = looked.backup;
        // Depth-first with an explicit stack: the tree is shallow, but nothing here should recurse on data.
        let mut stack = vec![(0usize, Some(&looked.found.tree), None::<Counts>)];
        while let Some((depth, node, more)) = stack.pop() {
            let row = match (node, more) {
                (Some(node), _) => TreeRow {
                    backup_id: Text(&b.id),
                    device_name: b.device_name.as_deref().map(Text),
                    depth,
                    kind: node_kind(node.kind),
                    id: node.id.as_deref().map(Text),
                    name: Text(&node.name),
                    bytes: node.bytes,
                    files: node.files,
                },
                (None, Some(more)) => TreeRow {
                    backup_id: Text(&b.id),
                    device_name: b.device_name.as_deref().map(Text),
                    depth,
                    kind: "more",
                    id: None,
                    name: Text("more"),
                    bytes: more.bytes,
                    files: more.files,
                },
                (None, None) => continue,
            };
            out.serialize(row)?;
            if let Some(node) = node {
                let folded = node.more.files > 0 || node.more.bytes > 0;
                if let Some(more) = Some(node.more).filter(|_| !node.children.is_empty() && folded)
                {
                    stack.push((depth + 1, None, Some(more)));
                }
                for child in node.children.iter().rev() {
                    stack.push((depth + 1, Some(child), None));
                }
            }
        }
    }
    finish(out)
}

fn node_kind(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Backup => "backup",
        NodeKind::Category => "category",
        NodeKind::App => "app",
        NodeKind::Domain => "domain",
        NodeKind::Folder => "folder",
        NodeKind::File => "file",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_prefixes_what_a_spreadsheet_would_run() {
        for text in ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(guard(text), format!("'{text}"), "{text:?}");
        }
        for text in ["Maya's iPhone", "a=b", "", " =x", "'quoted", "\nx", "微信"] {
            assert_eq!(guard(text), text, "{text:?}");
        }
    }

    #[test]
    fn guarded_cells_keep_their_quotes_and_line_breaks() {
        let mut out = writer(&["name"]).unwrap();
        out.serialize((Text("=a,\"b\"\nc"),)).unwrap();
        out.serialize((Text("plain"),)).unwrap();
        assert_eq!(
            finish(out).unwrap(),
            "name\r\n\"'=a,\"\"b\"\"\nc\"\r\nplain\r\n"
        );
    }

    #[test]
    fn percent_rounds_half_up_in_hundredths() {
        assert_eq!(percent(1, 3).as_deref(), Some("33.33"));
        assert_eq!(percent(2, 3).as_deref(), Some("66.67"));
        assert_eq!(percent(1, 200_000).as_deref(), Some("0.00"));
        assert_eq!(percent(1, 20_000).as_deref(), Some("0.01"));
        assert_eq!(percent(7, 7).as_deref(), Some("100.00"));
        assert_eq!(percent(u64::MAX, u64::MAX).as_deref(), Some("100.00"));
        assert_eq!(percent(5, 0), None);
    }

    /// The header each row type would write for itself: its fields, in order.
    fn own_header<T: Serialize>(row: T) -> String {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.serialize(row).unwrap();
        let text = String::from_utf8(out.into_inner().unwrap()).unwrap();
        text.lines().next().unwrap().to_string()
    }

    #[test]
    fn each_row_type_has_the_documented_columns_in_order() {
        let scan = ScanRow {
            backup_id: Text("b"),
            device_name: None,
            kind: "app",
            id: Text("i"),
            name: Text("n"),
            bytes: 1,
            files: 1,
            share_percent: None,
            app_kind: None,
            name_source: None,
            icloud_bytes: None,
        };
        assert_eq!(own_header(scan), SCAN_COLUMNS.join(","));
        let list = ListRow {
            id: Text("b"),
            path: Text("p"),
            udid: None,
            device_name: None,
            product_type: None,
            product_name: None,
            ios_version: None,
            last_backup: None,
            age_days: None,
            encrypted: false,
            decrypted: false,
            state: BackupState::Finished,
            archived: false,
            format: Format::ManifestDb,
            bytes: None,
            files: None,
            directories: None,
            symlinks: None,
            disk_bytes: 0,
            disk_files: 0,
            disk_sizes: DiskSizes::Named,
            missing_files: 0,
            missing_bytes: 0,
            orphans_files: 0,
            orphans_bytes: 0,
            resized_files: 0,
            resized_bytes: 0,
            estimate_bytes: None,
            estimate_low: None,
            estimate_high: None,
            estimate_local_bytes: None,
        };
        assert_eq!(own_header(list), LIST_COLUMNS.join(","));
        let plan = PlanRow {
            option_rank: 1,
            option_kind: OptionKind::BuyTier,
            option_fits: true,
            option_frees_bytes: 0,
            option_short_by_bytes: 0,
            option_exact: true,
            item_id: None,
            item_name: None,
            item_bytes: None,
            item_loss: None,
            item_why: None,
            tier_name: None,
            tier_bytes: None,
            tier_monthly: None,
            tier_yearly: None,
            tier_currency: None,
            tier_prices_date: None,
            option_fits_after_horizon: true,
            option_lasts_until: None,
            item_what: None,
        };
        assert_eq!(own_header(plan), PLAN_COLUMNS.join(","));
    }

    #[test]
    fn the_readme_documents_every_column() {
        let readme = include_str!("../../README.md");
        for columns in [
            &SCAN_COLUMNS[..],
            &LIST_COLUMNS,
            &PLAN_COLUMNS,
            &TOP_COLUMNS,
            &TREE_COLUMNS,
        ] {
            let header = columns.join(",");
            assert!(readme.contains(&header), "README lacks `{header}`");
        }
    }
}
