//! Tables for people: one row per backup (`list`), or a backup's apps and data types (`scan`).

use std::fmt::Write;

use comfy_table::{presets, Attribute, Cell, CellAlignment, ContentArrangement, Table};

use super::size::{count, share, size};
use super::view::{
    BackupView, Contents, EstimateView, LastBackup, ListView, Note, ScanView, UsageTable,
};
use super::Style;
use crate::scan::ScanReport;

pub(super) fn new_table(style: Style, headers: &[&str], right_from: usize) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table.set_header(headers.iter().map(|h| {
        let cell = Cell::new(h);
        if style.color {
            cell.add_attribute(Attribute::Bold)
        } else {
            cell
        }
    }));
    for i in right_from..headers.len() {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

pub(super) fn bold(text: &str, style: Style) -> String {
    if style.color {
        let b = anstyle::Style::new().bold();
        format!("{}{text}{}", b.render(), b.render_reset())
    } else {
        text.to_string()
    }
}

/// Names come from plists a backup carries: control characters (escape sequences, newlines) must not reach
/// the terminal, where they could clear the screen or break the table.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

fn or_unknown(value: &Option<String>) -> String {
    clean(value.as_deref().unwrap_or("unknown"))
}

fn date_and_age(last_backup: &Option<LastBackup<'_>>) -> String {
    match last_backup {
        Some(LastBackup { day, age_days }) => {
            let ago = match *age_days {
                0 => "today".to_string(),
                1 => "1 day ago".to_string(),
                n if n < 0 => "in the future".to_string(),
                n => format!("{n} days ago"),
            };
            format!("{day} ({ago})")
        }
        None => "unknown".into(),
    }
}

/// The backup's size for one-line views: what the manifest says when it was read, else what is on disk.
fn headline_size(contents: &Contents) -> String {
    match *contents {
        Contents::Read { bytes, .. } => size(bytes),
        Contents::OnDisk { disk_bytes, .. } => format!("{} on disk", size(disk_bytes)),
    }
}

/// `cloudfit list`: one row per backup.
pub fn list_table(report: &ScanReport, style: Style) -> String {
    let headers = [
        "Device",
        "Model",
        "iOS",
        "Last backup",
        "Size",
        "Encrypted",
        "State",
        "Folder",
    ];
    let mut table = new_table(style, &headers, usize::MAX);
    if let Some(column) = table.column_mut(4) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    for row in ListView::new(report).rows {
        let b = &row.backup.summary;
        table.add_row(vec![
            or_unknown(&b.device_name),
            or_unknown(&b.product_name),
            or_unknown(&b.ios_version),
            date_and_age(&row.last_backup),
            headline_size(&row.contents),
            if b.encrypted { "yes" } else { "no" }.to_string(),
            row.state.to_string(),
            clean(&b.id),
        ]);
    }
    trimmed(&table)
}

/// A table's text without the padding comfy-table leaves at line ends (it shows up in diffs and pipes).
pub(super) fn trimmed(table: &Table) -> String {
    let mut out = String::new();
    for line in table.to_string().lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `cloudfit scan`: per backup a header, the top apps, the top data types, and what does not add up.
pub fn scan_table(report: &ScanReport, style: Style) -> String {
    let mut out = String::new();
    for (i, b) in ScanView::new(report, style.top).backups.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        backup_section(&mut out, b, style);
        if let Some(e) = &b.estimate {
            estimate_lines(&mut out, e);
        }
    }
    out
}

fn backup_section(out: &mut String, view: &BackupView<'_>, style: Style) {
    let header = &view.header;
    let b = &header.backup.summary;
    let title = if header.extracted {
        format!("{} · extracted backup folder", clean(header.title))
    } else {
        format!(
            "{} · {} · iOS {}",
            clean(header.title),
            or_unknown(&b.product_name),
            or_unknown(&b.ios_version)
        )
    };
    let _ = writeln!(out, "{}", bold(&title, style));
    let contents = match header.contents {
        Contents::Read {
            bytes,
            files,
            disk_bytes,
        } => format!(
            "{} in {} files ({} on disk)",
            size(bytes),
            count(files),
            size(disk_bytes)
        ),
        Contents::OnDisk {
            disk_bytes,
            disk_files,
        } => format!(
            "{} on disk in {} files",
            size(disk_bytes),
            count(disk_files)
        ),
    };
    if header.extracted {
        let _ = writeln!(out, "{contents}");
    } else {
        let _ = writeln!(
            out,
            "Last backup {} · {} · {}{}",
            date_and_age(&header.last_backup),
            header.state,
            contents,
            if b.encrypted { " · encrypted" } else { "" }
        );
    }
    let _ = writeln!(out, "{}", clean(&b.path.display().to_string()));

    // The domains are in the view for other writers; a person reads apps and data types.
    if let Some(usage) = &view.usage {
        for table in [&usage.apps, &usage.categories] {
            if !table.is_empty() {
                out.push('\n');
                usage_table(out, table, style);
            }
        }
    }

    if !view.notes.is_empty() {
        out.push('\n');
        for note in &view.notes {
            let _ = match note {
                Note::Missing(missing) => writeln!(
                    out,
                    "Missing: {} files ({}) are listed in the manifest but not on disk: a partial backup.",
                    count(missing.files),
                    size(missing.bytes)
                ),
                Note::Orphans(orphans) => writeln!(
                    out,
                    "Orphans: {} files ({}) are on disk but not in the manifest.",
                    count(orphans.files),
                    size(orphans.bytes)
                ),
                Note::Warning(warning) => {
                    writeln!(out, "Note: {}", clean(&super::words::warning(warning)))
                }
            };
        }
    }
}

/// The iCloud estimate under a backup's tables, with the assumptions it rests on.
fn estimate_lines(out: &mut String, e: &EstimateView<'_>) {
    let _ = writeln!(
        out,
        "\niCloud backup estimate: about {} ({} to {}); `cloudfit plan` shows how to make it fit.",
        size(e.bytes),
        size(e.low),
        size(e.high)
    );
    if !e.removed.is_empty() {
        let parts: Vec<String> = e
            .removed
            .iter()
            .map(|r| format!("{} {}", r.label, size(r.bytes)))
            .collect();
        let _ = writeln!(out, "Not in it: {}.", parts.join(", "));
    }
    let _ = writeln!(out, "Assumptions:");
    for a in e.assumptions {
        let _ = writeln!(out, "  - {}", super::words::assumption(a));
    }
}

fn usage_table(out: &mut String, view: &UsageTable<'_>, style: Style) {
    let total = view.total_bytes;
    let mut table = new_table(style, &[view.kind.heading(), "Size", "Share", "Files"], 1);
    for row in &view.rows {
        table.add_row(vec![
            clean(row.name),
            size(row.bytes),
            share(row.bytes, total),
            count(row.files),
        ]);
    }
    if let Some(rest) = view.folded {
        table.add_row(vec![
            format!(
                "{} more {} (--all shows them)",
                rest.rows,
                view.kind.plural()
            ),
            size(rest.bytes),
            share(rest.bytes, total),
            count(rest.files),
        ]);
    }
    out.push_str(&trimmed(&table));
}
