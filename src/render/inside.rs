//! Tables for looking inside: a backup's largest files (`top`) and the folders that hold a target's bytes
//! (`tree`, drawn like `dust`, with a bar per row on a terminal).

use std::fmt::Write;

use super::fit::{self, Column, Step};
use super::size::{count, share, size};
use super::table::{clean, render, say, say_bold};
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
        heading(&mut out, looked.backup, &looked.name, style);
        let line = format!(
            "{} of {}: {} in {} files",
            match found.files.len() {
                1 => "The largest file".to_string(),
                n => format!("The {n} largest files"),
            },
            target_name(&found.target),
            size(found.target.bytes),
            count(found.target.files)
        );
        say(&mut out, &line, style);
        if found.files.is_empty() {
            continue;
        }
        out.push('\n');
        let mut columns = vec![
            Column::right("Size"),
            Column::left("Modified"),
            Column::left("App or data type"),
            Column::left("Domain"),
            Column::left("Path"),
        ];
        // Only a partial backup has files whose data is missing: only then is the column worth its width.
        let partial = found.files.iter().any(|f| !f.on_disk);
        if partial {
            columns.push(Column::left("On disk"));
        }
        for f in &found.files {
            let owner = match &f.app_name {
                Some(name) => clean(name),
                None => f.category.label().to_string(),
            };
            let day = f.modified.as_deref().and_then(|m| m.get(..10));
            let mut cells = vec![
                size(f.bytes),
                day.unwrap_or("unknown").to_string(),
                owner,
                clean(&f.domain),
                clean(&f.path),
            ];
            if partial {
                cells.push(if f.on_disk { "yes" } else { "missing" }.to_string());
            }
            for (column, cell) in columns.iter_mut().zip(cells) {
                column.push(cell);
            }
        }
        out.push_str(&render(
            &fit::fit(columns, 0, style.width, &TOP_STEPS),
            "",
            style,
        ));
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
        heading(&mut out, looked.backup, &looked.name, style);
        let line = format!(
            "{}: {} in {} files",
            target_name(target),
            size(target.bytes),
            count(target.files)
        );
        say(&mut out, &line, style);
        out.push('\n');
        let mut columns = vec![
            Column::right("Size"),
            Column::right("Share"),
            Column::right("Files"),
            Column::left(""),
            Column::left(""),
        ];
        let mut rows = Vec::new();
        tree_rows(tree, "", "", &mut rows);
        for row in rows {
            let bar = match style.color {
                true => bar(row.bytes, tree.bytes),
                false => String::new(),
            };
            let cells = [
                size(row.bytes),
                share(row.bytes, tree.bytes),
                count(row.files),
                bar,
                row.label,
            ];
            for (column, cell) in columns.iter_mut().zip(cells) {
                column.push(cell);
            }
        }
        // No bars off a terminal: the column goes before anything is fitted.
        let steps: &[Step] = match style.color {
            true => &TREE_STEPS_WITH_BARS,
            false => {
                columns.remove(BAR);
                &TREE_STEPS
            }
        };
        out.push_str(&render(
            &fit::fit(columns, 0, style.width, steps),
            "",
            style,
        ));
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
    // What an opened node folded; a node not opened shows no rows below it at all.
    let more =
        Some(node.more).filter(|m| !node.children.is_empty() && (m.files > 0 || m.bytes > 0));
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

/// The backup's device (`name`, as [`crate::attribute::devices::Devices::name`] gives it), model and date,
/// then its folder.
fn heading(out: &mut String, b: &BackupSummary, name: &str, style: Style) {
    let mut title = clean(name);
    if let Some(model) = &b.product_name {
        let _ = write!(title, " · {}", clean(model));
    }
    if let Some(day) = b.last_backup.as_deref().and_then(|d| d.get(..10)) {
        let _ = write!(title, " · last backup {day}");
    }
    say_bold(out, &title, style);
    say(out, &clean(&b.path.display().to_string()), style);
}

/// What `top`'s table gives up to fit, in order: the domain and the owner cut, the path wrapped (after a
/// `/`), then the domain and the date left out, and last the owner and the path narrowed further. Sizes
/// always stay.
const TOP_STEPS: [Step; 7] = [
    Step::Truncate { column: 3, min: 16 },
    Step::Truncate { column: 2, min: 14 },
    Step::Wrap { column: 4, min: 24 },
    Step::Drop(3),
    Step::Drop(1),
    Step::Truncate { column: 2, min: 8 },
    Step::Wrap { column: 4, min: 12 },
];

/// The tree's bar column, when there is one.
const BAR: usize = 3;

/// What `tree`'s table gives up to fit, in order: names cut (the branches stay), then the file count and
/// the share. Sizes always stay.
const TREE_STEPS: [Step; 3] = [
    Step::Truncate { column: 3, min: 20 },
    Step::Drop(2),
    Step::Drop(1),
];

/// The same with bars (a terminal): the bars go first.
const TREE_STEPS_WITH_BARS: [Step; 4] = [
    Step::Drop(BAR),
    Step::Truncate { column: 4, min: 20 },
    Step::Drop(2),
    Step::Drop(1),
];

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
