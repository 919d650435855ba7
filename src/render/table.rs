//! Tables for people: one row per backup (`list`), or a backup's apps and data types (`scan`).

use std::fmt::Write;

use comfy_table::{presets, Attribute, Cell, CellAlignment, ContentArrangement, Table};

use super::size::{count, share, size};
use super::Style;
use crate::attribute::{BackupState, BackupSummary, Format};
use crate::estimate::Estimate;
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

/// The state column: archived copies first, then whether the backup finished.
fn state(b: &BackupSummary) -> String {
    let base = match b.state {
        BackupState::Finished => "finished",
        BackupState::Incomplete => "incomplete",
    };
    if b.archived {
        format!("archived, {base}")
    } else {
        base.to_string()
    }
}

fn date_and_age(b: &BackupSummary) -> String {
    match (&b.last_backup, b.age_days) {
        (Some(date), Some(age)) => {
            let day = date.get(..10).unwrap_or(date);
            let ago = match age {
                0 => "today".to_string(),
                1 => "1 day ago".to_string(),
                n if n < 0 => "in the future".to_string(),
                n => format!("{n} days ago"),
            };
            format!("{day} ({ago})")
        }
        _ => "unknown".into(),
    }
}

/// The backup's size for one-line views: what the manifest says when it was read, else what is on disk.
fn headline_size(b: &BackupSummary) -> String {
    match b.bytes {
        Some(bytes) => size(bytes),
        None => format!("{} on disk", size(b.disk_bytes)),
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
    for b in report.backups.iter().map(|b| &b.summary) {
        table.add_row(vec![
            or_unknown(&b.device_name),
            or_unknown(&b.product_name),
            or_unknown(&b.ios_version),
            date_and_age(b),
            headline_size(b),
            if b.encrypted { "yes" } else { "no" }.to_string(),
            state(b),
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
    for (i, b) in report.backups.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        backup_section(&mut out, &b.summary, style);
        if let Some(e) = &b.estimate {
            estimate_lines(&mut out, e);
        }
    }
    out
}

fn backup_section(out: &mut String, b: &BackupSummary, style: Style) {
    // An extracted tree has no plists: say what it is instead of a row of "unknown".
    let extracted = matches!(
        b.format,
        Format::ExtractedDomains | Format::ExtractedDevicePaths
    );
    let title = if extracted {
        format!("{} · extracted backup folder", clean(&b.id))
    } else {
        format!(
            "{} · {} · iOS {}",
            clean(b.device_name.as_deref().unwrap_or(&b.id)),
            or_unknown(&b.product_name),
            or_unknown(&b.ios_version)
        )
    };
    let _ = writeln!(out, "{}", bold(&title, style));
    let contents = match (b.bytes, b.files) {
        (Some(bytes), Some(files)) => format!(
            "{} in {} files ({} on disk)",
            size(bytes),
            count(files),
            size(b.disk_bytes)
        ),
        _ => format!(
            "{} on disk in {} files",
            size(b.disk_bytes),
            count(b.disk_files)
        ),
    };
    if extracted {
        let _ = writeln!(out, "{contents}");
    } else {
        let _ = writeln!(
            out,
            "Last backup {} · {} · {}{}",
            date_and_age(b),
            state(b),
            contents,
            if b.encrypted { " · encrypted" } else { "" }
        );
    }
    let _ = writeln!(out, "{}", clean(&b.path.display().to_string()));

    if let Some(total) = b.bytes {
        if !b.apps.is_empty() {
            out.push('\n');
            let rows = b.apps.iter().map(|a| (a.name.as_str(), a.bytes, a.files));
            usage_table(out, "App", "apps", rows, b.apps.len(), total, style);
        }
        if !b.categories.is_empty() {
            out.push('\n');
            let rows = b.categories.iter().map(|c| (c.label, c.bytes, c.files));
            usage_table(
                out,
                "Data type",
                "data types",
                rows,
                b.categories.len(),
                total,
                style,
            );
        }
    }

    let mut notes = Vec::new();
    if b.missing.files > 0 {
        notes.push(format!(
            "Missing: {} files ({}) are listed in the manifest but not on disk: a partial backup.",
            count(b.missing.files),
            size(b.missing.bytes)
        ));
    }
    if b.orphans.files > 0 {
        notes.push(format!(
            "Orphans: {} files ({}) are on disk but not in the manifest.",
            count(b.orphans.files),
            size(b.orphans.bytes)
        ));
    }
    notes.extend(b.warnings.iter().map(|w| format!("Note: {}", clean(w))));
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            let _ = writeln!(out, "{note}");
        }
    }
}

/// The iCloud estimate under a backup's tables, with the assumptions it rests on.
fn estimate_lines(out: &mut String, e: &Estimate) {
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
    for a in &e.assumptions {
        let _ = writeln!(out, "  - {a}");
    }
}

fn usage_table<'a>(
    out: &mut String,
    first: &str,
    plural: &str,
    rows: impl Iterator<Item = (&'a str, u64, u64)>,
    len: usize,
    total: u64,
    style: Style,
) {
    let mut table = new_table(style, &[first, "Size", "Share", "Files"], 1);
    let shown = style.top.unwrap_or(usize::MAX).min(len);
    let (mut rest_bytes, mut rest_files) = (0u64, 0u64);
    for (i, (name, bytes, files)) in rows.enumerate() {
        if i < shown {
            table.add_row(vec![
                clean(name),
                size(bytes),
                share(bytes, total),
                count(files),
            ]);
        } else {
            rest_bytes = rest_bytes.saturating_add(bytes);
            rest_files = rest_files.saturating_add(files);
        }
    }
    if shown < len {
        table.add_row(vec![
            format!("{} more {plural} (--all shows them)", len - shown),
            size(rest_bytes),
            share(rest_bytes, total),
            count(rest_files),
        ]);
    }
    out.push_str(&trimmed(&table));
}
