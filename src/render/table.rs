//! Tables for people: one row per backup (`list`), or a backup's apps and data types (`scan`).

use std::fmt::Write;

use comfy_table::{presets, CellAlignment, ContentArrangement, Table};

use super::fit::{self, Column, Step};
use super::size::{count, share, size};
use super::view::{
    BackupView, Contents, EstimateView, LastBackup, ListView, Note, ScanView, UsageTable,
};
use super::Style;
use crate::scan::ScanReport;

/// Fitted columns as a table, each line after `indent`. With colour the header is bold: applied to the laid
/// out line, so that the codes neither count as width nor carry the padding comfy-table adds (bold padding
/// at the end of a header ran past the terminal's edge, a blank line under it).
pub(super) fn render(columns: &[Column], indent: &str, style: Style) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty();
    table.set_header(columns.iter().map(|c| c.heading));
    for (i, c) in columns.iter().enumerate() {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(if c.right {
                CellAlignment::Right
            } else {
                CellAlignment::Left
            });
        }
    }
    let rows = columns.iter().map(|c| c.cells.len()).max().unwrap_or(0);
    for row in 0..rows {
        table.add_row(
            columns
                .iter()
                .map(|c| c.cells.get(row).map_or("", String::as_str)),
        );
    }
    let mut out = String::new();
    // Trimmed: the padding comfy-table leaves at line ends shows up in diffs and pipes.
    for (i, line) in table.to_string().lines().enumerate() {
        let line = line.trim_end();
        if i == 0 {
            let _ = writeln!(out, "{indent}{}", bold(line, style));
        } else {
            let _ = writeln!(out, "{indent}{line}");
        }
    }
    out
}

/// `text` in bold with colour on; leading spaces stay outside the codes.
pub(super) fn bold(text: &str, style: Style) -> String {
    let body = text.trim_start_matches(' ');
    if style.color && !body.is_empty() {
        let b = anstyle::Style::new().bold();
        let lead = &text[..text.len() - body.len()];
        format!("{lead}{}{body}{}", b.render(), b.render_reset())
    } else {
        text.to_string()
    }
}

/// A sentence on lines of its own, wrapped to the width.
pub(super) fn say(out: &mut String, text: &str, style: Style) {
    out.push_str(&fit::sentence(text, style.width));
    out.push('\n');
}

/// [`say`] in bold: each wrapped line on its own, so the codes never count as width.
pub(super) fn say_bold(out: &mut String, text: &str, style: Style) {
    for line in fit::sentence(text, style.width).lines() {
        let _ = writeln!(out, "{}", bold(line, style));
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

// The columns of `list`, in the order they are shown.
const DEVICE: usize = 0;
const MODEL: usize = 1;
const IOS: usize = 2;
const LAST_BACKUP: usize = 3;
const SIZE: usize = 4;
const ENCRYPTED: usize = 5;
const STATE: usize = 6;
const FOLDER: usize = 7;

/// What `list` gives up, in this order, until it fits the width: first the short forms (the folder as a
/// short id, the model without what is in brackets, `Enc`, `archived` for an archived finished copy, the
/// date without its age, a device's name without the model and date that tell it from another of that name,
/// which the Model and Last backup columns still show), then long names cut to 16 columns, then whole
/// columns (iOS, Folder, Model, Encrypted, State, Last backup), and last the device name is cut to what is
/// left. Size is never touched.
const LIST_STEPS: [Step; 15] = [
    Step::Shorten(FOLDER),
    Step::Shorten(MODEL),
    Step::Shorten(ENCRYPTED),
    Step::Shorten(STATE),
    Step::Shorten(LAST_BACKUP),
    Step::Shorten(DEVICE),
    Step::Truncate {
        column: DEVICE,
        min: 16,
    },
    Step::Truncate {
        column: MODEL,
        min: 16,
    },
    Step::Drop(IOS),
    Step::Drop(FOLDER),
    Step::Drop(MODEL),
    Step::Drop(ENCRYPTED),
    Step::Drop(STATE),
    Step::Drop(LAST_BACKUP),
    Step::Truncate {
        column: DEVICE,
        min: 0,
    },
];

/// `cloudfit list`: one row per backup.
pub fn list_table(report: &ScanReport, style: Style) -> String {
    let mut columns = vec![
        Column::left("Device").or_short("Device"),
        Column::left("Model").or_short("Model"),
        Column::left("iOS"),
        Column::left("Last backup").or_short("Last backup"),
        Column::right("Size"),
        Column::left("Encrypted").or_short("Enc"),
        Column::left("State").or_short("State"),
        Column::left("Folder").or_short("Folder"),
    ];
    for row in ListView::new(report).rows {
        let b = &row.backup.summary;
        let model = or_unknown(&b.product_name);
        let encrypted = if b.encrypted { "yes" } else { "no" };
        let day = row.last_backup.as_ref().map_or("unknown", |l| l.day);
        let id = clean(&b.id);
        // Named as the scan heads it, with the model and date where another device has the same name.
        match &b.device_name {
            Some(name) => columns[DEVICE].push_both(clean(&row.title), clean(name)),
            None => columns[DEVICE].push_both("unknown".into(), "unknown".into()),
        }
        let short = short_model(&model).to_string();
        columns[MODEL].push_both(model, short);
        columns[IOS].push(or_unknown(&b.ios_version));
        columns[LAST_BACKUP].push_both(date_and_age(&row.last_backup), day.to_string());
        columns[SIZE].push(headline_size(&row.contents));
        columns[ENCRYPTED].push_both(encrypted.to_string(), encrypted.to_string());
        columns[STATE].push_both(row.state.to_string(), short_state(row.state).to_string());
        let short = short_id(&id);
        columns[FOLDER].push_both(id, short);
    }
    render(&fit::fit(columns, 0, style.width, &LIST_STEPS), "", style)
}

/// A model without what its name says in brackets: `iPad Pro (11-inch) (3rd generation)` → `iPad Pro`.
fn short_model(model: &str) -> &str {
    match model.split_once(" (") {
        Some((name, _)) if !name.is_empty() => name,
        _ => model,
    }
}

/// A state with `finished`, the usual case, left unsaid after `archived`.
fn short_state(state: &str) -> &str {
    state.strip_suffix(", finished").unwrap_or(state)
}

/// A backup folder's name as a short id: its first 8 and last 4 columns, which tell apart two devices of one
/// chip (the same first 8 of a UDID) and a device from its archived copies (a date and time at the end).
fn short_id(id: &str) -> String {
    if fit::width(id) <= 13 {
        return id.to_string();
    }
    let mut tail = Vec::new();
    let mut used = 0;
    for c in id.chars().rev() {
        used += fit::width(c.encode_utf8(&mut [0; 4]));
        if used > 4 {
            break;
        }
        tail.push(c);
    }
    format!(
        "{}{}",
        fit::truncate(id, 9),
        tail.iter().rev().collect::<String>()
    )
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
            estimate_lines(&mut out, e, style);
        }
    }
    out
}

fn backup_section(out: &mut String, view: &BackupView<'_>, style: Style) {
    let header = &view.header;
    let b = &header.backup.summary;
    let title = if header.extracted {
        format!("{} · extracted backup folder", clean(&header.title))
    } else {
        format!(
            "{} · {} · iOS {}",
            clean(&header.title),
            or_unknown(&b.product_name),
            or_unknown(&b.ios_version)
        )
    };
    say_bold(out, &title, style);
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
        say(out, &contents, style);
    } else {
        let line = format!(
            "Last backup {} · {} · {}{}",
            date_and_age(&header.last_backup),
            header.state,
            contents,
            if b.encrypted { " · encrypted" } else { "" }
        );
        say(out, &line, style);
    }
    say(out, &clean(&b.path.display().to_string()), style);
    if let Some(growth) = &b.growth {
        say(out, &growth_line(growth), style);
    }

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
            let line = match note {
                Note::Missing(missing) => format!(
                    "Missing: {} files ({}) are listed in the manifest but not on disk: a partial backup.",
                    count(missing.files),
                    size(missing.bytes)
                ),
                Note::Orphans(orphans) => format!(
                    "Orphans: {} files ({}) are on disk but not in the manifest.",
                    count(orphans.files),
                    size(orphans.bytes)
                ),
                Note::Warning(warning) => {
                    format!("Note: {}", clean(&super::words::warning(warning)))
                }
            };
            say(out, &line, style);
        }
    }
}

/// "Grows about 1.1 GB a month, mostly Photos & Videos and WhatsApp (files born Nov 2025 to Oct 2026)":
/// the rate, the two data types or apps that drive it most, and the months it is taken from.
fn growth_line(growth: &crate::attribute::births::Growth) -> String {
    let mut drivers: Vec<(u64, &str)> = growth
        .by_category
        .iter()
        .map(|c| (c.bytes_per_month, c.label))
        .chain(
            growth
                .by_app
                .iter()
                .map(|a| (a.bytes_per_month, a.name.as_str())),
        )
        .collect();
    drivers.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let names: Vec<String> = drivers
        .iter()
        .take(2)
        .map(|(_, name)| clean(name))
        .collect();
    let mostly = match names.as_slice() {
        [] => String::new(),
        [one] => format!(", mostly {one}"),
        [one, two, ..] => format!(", mostly {one} and {two}"),
    };
    // The rate's twelve months: the ones before the backup's own.
    let month = |i: usize| growth.months.get(i).map_or("?", |m| m.month.as_str());
    let last = growth.months.len().saturating_sub(2);
    let born = format!(
        "files born {} to {}, still on the phone",
        month(last.saturating_sub(11)),
        month(last)
    );
    let signed = |rate: i64| {
        let sign = if rate < 0 { "−" } else { "" };
        format!("{sign}{}", size(rate.unsigned_abs()))
    };
    match &growth.from_copies {
        Some(c) if growth.method == "copies" => format!(
            "Grows about {} a month (its copies of {} and {}); births of the files still on the phone ({} to \
             {}) say {}{mostly}.",
            signed(c.bytes_per_month),
            c.from,
            c.to,
            month(last.saturating_sub(11)),
            month(last),
            size(growth.births_bytes_per_month)
        ),
        Some(c) => format!(
            "Grows about {} a month{mostly} ({born}; its copies of {} and {} agree: {}).",
            signed(growth.bytes_per_month),
            c.from,
            c.to,
            signed(c.bytes_per_month)
        ),
        None => format!(
            "Grows about {} a month{mostly} ({born}).",
            signed(growth.bytes_per_month)
        ),
    }
}

/// The iCloud estimate under a backup's tables, with the assumptions it rests on.
fn estimate_lines(out: &mut String, e: &EstimateView<'_>, style: Style) {
    out.push('\n');
    let line = format!(
        "iCloud backup estimate: about {} ({} to {}); `cloudfit plan` shows how to make it fit.",
        size(e.bytes),
        size(e.low),
        size(e.high)
    );
    say(out, &line, style);
    if !e.removed.is_empty() {
        let parts: Vec<String> = e
            .removed
            .iter()
            .map(|r| format!("{} {}", r.label, size(r.bytes)))
            .collect();
        say(out, &format!("Not in it: {}.", parts.join(", ")), style);
    }
    assumption_lines(out, e, style);
}

/// The assumptions an estimate rests on, one item each.
pub(super) fn assumption_lines(out: &mut String, e: &EstimateView<'_>, style: Style) {
    let _ = writeln!(out, "Assumptions:");
    for a in e.assumptions {
        say(out, &format!("  - {}", super::words::assumption(a)), style);
    }
}

// The columns of an apps or data types table.
const NAME: usize = 0;
const SHARE: usize = 2;
const FILES: usize = 3;

/// What an apps or data types table gives up, in this order, until it fits: the roll-up row's shorter label
/// (`24 more (--all shows them)`), names cut with "…" to 20 columns, then the Files column, then Share,
/// then names cut to what is left. Size is never touched.
const USAGE_STEPS: [Step; 5] = [
    Step::Shorten(NAME),
    Step::Truncate {
        column: NAME,
        min: 20,
    },
    Step::Drop(FILES),
    Step::Drop(SHARE),
    Step::Truncate {
        column: NAME,
        min: 0,
    },
];

fn usage_table(out: &mut String, view: &UsageTable<'_>, style: Style) {
    let total = view.total_bytes;
    let heading = view.kind.heading();
    let mut columns = vec![
        Column::left(heading).or_short(heading),
        Column::right("Size"),
        Column::right("Share"),
        Column::right("Files"),
    ];
    let mut row = |name: String, short: String, bytes: u64, files: u64| {
        columns[NAME].push_both(name, short);
        for (column, cell) in
            columns[1..]
                .iter_mut()
                .zip([size(bytes), share(bytes, total), count(files)])
        {
            column.push(cell);
        }
    };
    for r in &view.rows {
        let name = clean(r.name);
        row(name.clone(), name, r.bytes, r.files);
    }
    if let Some(rest) = view.folded {
        let n = rest.rows;
        let name = format!("{n} more {} (--all shows them)", view.kind.plural());
        row(
            name,
            format!("{n} more (--all shows them)"),
            rest.bytes,
            rest.files,
        );
    }
    out.push_str(&render(
        &fit::fit(columns, 0, style.width, &USAGE_STEPS),
        "",
        style,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_keep_what_tells_rows_apart() {
        assert_eq!(
            short_model("iPad Pro (11-inch) (3rd generation)"),
            "iPad Pro"
        );
        assert_eq!(short_model("iPhone 14 Pro"), "iPhone 14 Pro");
        assert_eq!(short_model("(unknown)"), "(unknown)");
        assert_eq!(short_state("archived, finished"), "archived");
        assert_eq!(short_state("archived, incomplete"), "archived, incomplete");
        assert_eq!(short_state("finished"), "finished");
        // Two devices of one chip, and a device and its archived copy.
        assert_eq!(short_id("00008120-001A2B3C4D5E6F70"), "00008120…6F70");
        assert_eq!(
            short_id("00008120-001A2B3C4D5E6F70-20260901-101500"),
            "00008120…1500"
        );
        assert_eq!(
            short_id("5d1a3c9e8b7f46021c4e9a0b3d2f7e816a4c0b95"),
            "5d1a3c9e…0b95"
        );
        assert_eq!(short_id("Maya export"), "Maya export");
        assert_eq!(fit::width(&short_id("微信微信微信微信微信")), 13);
    }

    #[test]
    fn a_bold_header_is_as_wide_as_a_plain_one() {
        let columns = || {
            let mut name = Column::left("App");
            name.push("Photo Library".into());
            let mut why = Column::left("Why");
            why.push("photos not in iCloud Photos would be lost".into());
            vec![name, why]
        };
        let plain = Style {
            color: false,
            top: None,
            width: None,
        };
        let colour = Style {
            color: true,
            ..plain
        };
        let shown = render(&columns(), "   ", colour);
        let header = shown.lines().next().unwrap();
        // The codes go around the headings alone: no bold padding runs on past the last one.
        // The indent, then comfy-table's left padding.
        assert_eq!(header, "    \u{1b}[1mApp            Why\u{1b}[0m");
        let stripped = header.replace("\u{1b}[1m", "").replace("\u{1b}[0m", "");
        assert_eq!(
            stripped,
            render(&columns(), "   ", plain).lines().next().unwrap()
        );
    }
}
