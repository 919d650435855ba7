//! `diff`'s tables: the two backups, what changed per data type and app, and the files added, removed and
//! grown most.

use std::fmt::Write;

use super::fit::{self, Column, Step};
use super::size::{count, size};
use super::table::{clean, render, say, say_bold};
use super::Style;
use crate::diff::{Change, Diff, Row, Side};
use crate::inspect::NodeKind;

/// A signed size: `+1.20 kB`, `-300 B`, `0 B`.
pub(crate) fn change(delta: i64) -> String {
    let magnitude = size(delta.unsigned_abs());
    match delta {
        d if d > 0 => format!("+{magnitude}"),
        d if d < 0 => format!("-{magnitude}"),
        _ => magnitude,
    }
}

fn side_line(label: &str, s: &Side) -> String {
    let day = s.last_backup.as_deref().and_then(|d| d.get(..10));
    format!(
        "{label} {}: {} in {} files · {}",
        day.unwrap_or("(no date)"),
        size(s.bytes),
        count(s.files),
        clean(&s.path.display().to_string())
    )
}

/// `cloudfit diff`: a heading, the change in a sentence, then tables.
pub fn diff_table(d: &Diff, style: Style) -> String {
    let mut out = String::new();
    let name = |s: &Side| clean(s.device_name.as_deref().unwrap_or(&s.id));
    let mut title = name(&d.new);
    if name(&d.old) != title {
        title = format!("{} → {title}", name(&d.old));
    }
    if let Some(model) = &d.new.product_name {
        let _ = write!(title, " · {}", clean(model));
    }
    say_bold(&mut out, &title, style);
    say(&mut out, &side_line("Old", &d.old), style);
    say(&mut out, &side_line("New", &d.new), style);
    let mut line = format!("Changed by {}", change(d.delta_bytes));
    if let Some(days) = d.days {
        let _ = write!(line, " in {days} days");
    }
    if let Some(per_month) = d.bytes_per_month {
        let _ = write!(line, " ({} a month)", change(per_month));
    }
    let c = &d.changes;
    let _ = write!(
        line,
        ": {} files added ({}), {} removed ({}), {} grown (by {}), {} shrunk (by {}), {} unchanged.",
        count(c.added.files),
        size(c.added.bytes),
        count(c.removed.files),
        size(c.removed.bytes),
        count(c.grown.files),
        size(c.grown.bytes),
        count(c.shrunk.files),
        size(c.shrunk.bytes),
        count(c.unchanged.files)
    );
    say(&mut out, &line, style);
    for (kind, heading) in [(NodeKind::Category, "Data type"), (NodeKind::App, "App")] {
        let changed: Vec<&Row> = d
            .rows
            .iter()
            .filter(|r| r.kind == kind && (r.delta_bytes != 0 || r.old_files != r.new_files))
            .collect();
        if changed.is_empty() {
            continue;
        }
        out.push('\n');
        out.push_str(&rows_table(heading, &changed, style));
    }
    if !d.files.is_empty() {
        out.push('\n');
        out.push_str(&files_table(d, style));
    }
    out
}

fn rows_table(heading: &'static str, rows: &[&Row], style: Style) -> String {
    let mut columns = vec![
        Column::left(heading),
        Column::right("Old"),
        Column::right("New"),
        Column::right("Change"),
        Column::right("Files"),
    ];
    let shown = style.top.unwrap_or(usize::MAX);
    let folded = rows.len().saturating_sub(shown);
    for r in rows.iter().take(shown) {
        let files = format!("{} → {}", count(r.old_files), count(r.new_files));
        let cells = [
            clean(&r.name),
            size(r.old_bytes),
            size(r.new_bytes),
            change(r.delta_bytes),
            files,
        ];
        for (column, cell) in columns.iter_mut().zip(cells) {
            column.push(cell);
        }
    }
    if folded > 0 {
        let rest = &rows[shown..];
        let sum = |f: fn(&Row) -> i64| rest.iter().map(|r| f(r)).sum::<i64>();
        let cells = [
            format!("{folded} more (--all shows them)"),
            String::new(),
            String::new(),
            change(sum(|r| r.delta_bytes)),
            String::new(),
        ];
        for (column, cell) in columns.iter_mut().zip(cells) {
            column.push(cell);
        }
    }
    render(&fit::fit(columns, 0, style.width, &ROW_STEPS), "", style)
}

fn files_table(d: &Diff, style: Style) -> String {
    let mut columns = vec![
        Column::left("File"),
        Column::right("Old"),
        Column::right("New"),
        Column::right("Change"),
        Column::left("Domain"),
        Column::left("Path"),
    ];
    for f in &d.files {
        let what = match f.change {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Grown => "grown",
        };
        let old = f.old_bytes.unwrap_or(0);
        let new = f.new_bytes.unwrap_or(0);
        let cells = [
            what.to_string(),
            f.old_bytes.map_or_else(|| "-".into(), size),
            f.new_bytes.map_or_else(|| "-".into(), size),
            change(crate::diff::delta(old, new)),
            clean(&f.domain),
            clean(&f.path),
        ];
        for (column, cell) in columns.iter_mut().zip(cells) {
            column.push(cell);
        }
    }
    render(&fit::fit(columns, 0, style.width, &FILE_STEPS), "", style)
}

/// The rows' tables cut names, then drop the file counts and the old size.
const ROW_STEPS: [Step; 3] = [
    Step::Truncate { column: 0, min: 12 },
    Step::Drop(4),
    Step::Drop(1),
];

/// The files' table cuts the domain, wraps the path, then drops the domain and the old and new sizes.
const FILE_STEPS: [Step; 6] = [
    Step::Truncate { column: 4, min: 16 },
    Step::Wrap { column: 5, min: 24 },
    Step::Drop(4),
    Step::Drop(1),
    Step::Drop(2),
    Step::Wrap { column: 5, min: 12 },
];
