//! Tables for looking inside: a backup's largest files (`top`) and the folders that hold a target's bytes
//! (`tree`, drawn like `dust`, with a bar per row on a terminal).

use std::fmt::Write;

use comfy_table::CellAlignment;

use super::size::{count, share, size};
use super::table::{bold, clean, new_table, trimmed};
use super::Style;
use crate::attribute::BackupSummary;
use crate::inspect::{Inspection, Node, NodeKind, Target, TopFiles, TreeOf};

/// `cloudfit top`: per backup, a heading and its largest files.
pub fn top_table(inspection: &Inspection<'_, TopFiles>, style: Style) -> String {
    let mut out = String::new();
    for (i, looked) in inspection.backups.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let found = &looked.found;
        heading(&mut out, looked.backup, style);
        let _ = writeln!(
            out,
            "{} of {}: {} in {} files",
            match found.files.len() {
                1 => "The largest file".to_string(),
                n => format!("The {n} largest files"),
            },
            target_name(&found.target),
            size(found.target.bytes),
            count(found.target.files)
        );
        if found.files.is_empty() {
            continue;
        }
        out.push('\n');
        // Only a partial backup has files whose data is missing: only then is the column worth its width.
        let partial = found.files.iter().any(|f| !f.on_disk);
        let mut headers = vec!["Size", "Modified", "App or data type", "Domain", "Path"];
        if partial {
            headers.push("On disk");
        }
        let mut table = new_table(style, &headers, usize::MAX);
        if let Some(column) = table.column_mut(0) {
            column.set_cell_alignment(CellAlignment::Right);
        }
        for f in &found.files {
            let owner = match &f.app_name {
                Some(name) => clean(name),
                None => f.category.label().to_string(),
            };
            let mut row = vec![
                size(f.bytes),
                f.modified
                    .as_deref()
                    .and_then(|m| m.get(..10))
                    .unwrap_or("unknown")
                    .to_string(),
                owner,
                clean(&f.domain),
                clean(&f.path),
            ];
            if partial {
                row.push(if f.on_disk { "yes" } else { "missing" }.to_string());
            }
            table.add_row(row);
        }
        out.push_str(&trimmed(&table));
    }
    out
}

/// `cloudfit tree`: per backup, a heading and the tree, one row per node, its share of the target and
/// (on a terminal) a bar.
pub fn tree_table(inspection: &Inspection<'_, TreeOf>, style: Style) -> String {
    let mut out = String::new();
    for (i, looked) in inspection.backups.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let TreeOf { target, tree } = &looked.found;
        heading(&mut out, looked.backup, style);
        let _ = writeln!(
            out,
            "{}: {} in {} files",
            target_name(target),
            size(target.bytes),
            count(target.files)
        );
        out.push('\n');
        let mut headers = vec!["Size", "Share", "Files"];
        if style.color {
            headers.push("");
        }
        headers.push("");
        let mut table = new_table(style, &headers, usize::MAX);
        for column in 0..3 {
            if let Some(c) = table.column_mut(column) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        let mut rows = Vec::new();
        tree_rows(tree, "", "", &mut rows);
        for row in rows {
            let mut cells = vec![
                size(row.bytes),
                share(row.bytes, tree.bytes),
                count(row.files),
            ];
            if style.color {
                cells.push(bar(row.bytes, tree.bytes));
            }
            cells.push(row.label);
            table.add_row(cells);
        }
        out.push_str(&trimmed(&table));
    }
    out
}

/// One printed row of a tree.
struct Row {
    bytes: u64,
    files: u64,
    label: String,
}

/// The rows of `node` and below, in pre-order, each label drawn after the branches that lead to it. The
/// tree's depth is bounded by the scan's (`tree --depth` at most 16 folder levels).
fn tree_rows(node: &Node, lead: &str, branch: &str, rows: &mut Vec<Row>) {
    let name = match node.kind {
        NodeKind::Folder => format!("{}/", clean(&node.name)),
        _ => clean(&node.name),
    };
    rows.push(Row {
        bytes: node.bytes,
        files: node.files,
        label: format!("{lead}{branch}{name}"),
    });
    // The lead of this node's children: its own lead plus a rail where its branch goes on.
    let next_lead = match branch {
        "" => lead.to_string(),
        "└─ " => format!("{lead}   "),
        _ => format!("{lead}│  "),
    };
    let more = node.more.filter(|m| m.files > 0 || m.bytes > 0);
    for (i, child) in node.children.iter().enumerate() {
        let last = i + 1 == node.children.len() && more.is_none();
        tree_rows(child, &next_lead, if last { "└─ " } else { "├─ " }, rows);
    }
    if let Some(more) = more {
        rows.push(Row {
            bytes: more.bytes,
            files: more.files,
            label: format!("{next_lead}└─ … the rest"),
        });
    }
}

/// A bar of up to 20 cells for `part` of `whole`, in eighths of a cell.
fn bar(part: u64, whole: u64) -> String {
    const CELLS: u64 = 20;
    if whole == 0 {
        return String::new();
    }
    let eighths = (u128::from(part) * u128::from(CELLS * 8) / u128::from(whole)) as u64;
    let mut out = "█".repeat((eighths / 8) as usize);
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    out.push_str(PARTS[(eighths % 8) as usize]);
    out
}

fn heading(out: &mut String, b: &BackupSummary, style: Style) {
    let name = clean(b.device_name.as_deref().unwrap_or(&b.id));
    let mut title = name;
    if let Some(model) = &b.product_name {
        let _ = write!(title, " · {}", clean(model));
    }
    if let Some(day) = b.last_backup.as_deref().and_then(|d| d.get(..10)) {
        let _ = write!(title, " · last backup {day}");
    }
    let _ = writeln!(out, "{}", bold(&title, style));
    let _ = writeln!(out, "{}", clean(&b.path.display().to_string()));
}

fn target_name(target: &Target) -> String {
    match (target.kind, &target.id) {
        (NodeKind::App, Some(id)) if *id != target.name => {
            format!("{} ({})", clean(&target.name), clean(id))
        }
        (NodeKind::Backup, _) => "the backup".to_string(),
        _ => clean(&target.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_grow_in_eighths() {
        assert_eq!(bar(0, 100), "");
        assert_eq!(bar(100, 100), "█".repeat(20));
        assert_eq!(bar(50, 100), "█".repeat(10));
        assert_eq!(bar(1, 160), "▏");
        assert_eq!(bar(5, 0), "");
    }
}
