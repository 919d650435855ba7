//! Fits tables and sentences to a terminal's width: columns shortened, cut with "…", wrapped or dropped in
//! an order each table states, and sentences wrapped at word boundaries with a hanging indent. Widths are
//! display columns (a CJK name or an emoji takes two), never bytes. Without a width, text stays whole.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The narrowest width tables are laid out for: a device name and its size still fit in it, and every
/// table keeps its byte figures.
pub const MIN_WIDTH: usize = 40;

/// Display columns of the widest line of `text`.
pub fn width(text: &str) -> usize {
    text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0)
}

/// One column of a table, with the shorter form [`Step::Shorten`] turns it into.
pub(crate) struct Column {
    pub heading: &'static str,
    /// Right-aligned (a figure), else left.
    pub right: bool,
    /// One per row; may hold several lines once wrapped.
    pub cells: Vec<String>,
    short_heading: Option<&'static str>,
    short_cells: Vec<String>,
}

impl Column {
    pub fn left(heading: &'static str) -> Self {
        Self::new(heading, false)
    }

    pub fn right(heading: &'static str) -> Self {
        Self::new(heading, true)
    }

    fn new(heading: &'static str, right: bool) -> Self {
        Column {
            heading,
            right,
            cells: Vec::new(),
            short_heading: None,
            short_cells: Vec::new(),
        }
    }

    /// A column that can be shortened, under this heading; rows then go in with [`Column::push_both`].
    pub fn or_short(mut self, heading: &'static str) -> Self {
        self.short_heading = Some(heading);
        self
    }

    pub fn push(&mut self, cell: String) {
        self.cells.push(cell);
    }

    /// A row's cell and its short form.
    pub fn push_both(&mut self, cell: String, short: String) {
        self.cells.push(cell);
        self.short_cells.push(short);
    }

    fn width(&self) -> usize {
        self.cells
            .iter()
            .map(|c| width(c))
            .fold(width(self.heading), usize::max)
    }
}

/// One thing a table gives up to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// The column's short form (a folder's short id, a model's short name).
    Shorten(usize),
    /// The column's cells cut with "…" as far as the table needs, to no fewer than `min` columns.
    Truncate { column: usize, min: usize },
    /// The column's cells wrapped at word boundaries as far as the table needs, to no fewer than `min`
    /// columns.
    Wrap { column: usize, min: usize },
    /// The column left out.
    Drop(usize),
}

/// How wide a table is on screen: comfy-table pads each column by one space either side, and the last
/// column's right padding is trimmed.
fn table_width(columns: &[Column], shown: &[bool], indent: usize) -> usize {
    let sum: usize = columns
        .iter()
        .zip(shown)
        .filter(|(_, shown)| **shown)
        .map(|(c, _)| c.width() + 2)
        .sum();
    indent + sum.saturating_sub(1)
}

/// The columns of a table indented by `indent`, after as many of `steps` (in order) as it takes to fit
/// `width`; all of them, whole, without a width. When every step is taken and it is still too wide, it is
/// left wider than `width`: no step drops a figure.
pub(crate) fn fit(
    mut columns: Vec<Column>,
    indent: usize,
    width: Option<usize>,
    steps: &[Step],
) -> Vec<Column> {
    let Some(width) = width else {
        return columns;
    };
    let mut shown = vec![true; columns.len()];
    for &step in steps {
        let over = table_width(&columns, &shown, indent).saturating_sub(width);
        if over == 0 {
            break;
        }
        match step {
            Step::Shorten(i) => {
                if let Some(c) = columns.get_mut(i) {
                    if let Some(heading) = c.short_heading.take() {
                        c.heading = heading;
                        c.cells = std::mem::take(&mut c.short_cells);
                    }
                }
            }
            Step::Truncate { column, min } => {
                narrow(columns.get_mut(column), over, min, truncate);
            }
            Step::Wrap { column, min } => {
                // From the cell's words again, not its lines of an earlier step.
                narrow(columns.get_mut(column), over, min, |t, to| {
                    wrap(&t.replace('\n', " "), to, 0).join("\n")
                });
            }
            Step::Drop(i) => {
                if let Some(s) = shown.get_mut(i) {
                    *s = false;
                }
            }
        }
    }
    columns
        .into_iter()
        .zip(shown)
        .filter_map(|(c, shown)| shown.then_some(c))
        .collect()
}

/// Narrows a column by up to `over` display columns, to no fewer than `min` nor than its heading.
fn narrow(
    column: Option<&mut Column>,
    over: usize,
    min: usize,
    how: impl Fn(&str, usize) -> String,
) {
    let Some(column) = column else { return };
    let now = column.width();
    let to = now.saturating_sub(over).max(min).max(width(column.heading));
    if to < now {
        column.cells = column.cells.iter().map(|c| how(c, to)).collect();
    }
}

/// `text` in at most `max` display columns: cut, with "…" for what was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// A line for the terminal: wrapped to `width` with its continuation lines indented under the text of a
/// list item (`  - `, `1. `), else two spaces deeper than the line; the line as it is without a width.
pub fn sentence(line: &str, width: Option<usize>) -> String {
    let Some(width) = width else {
        return line.to_string();
    };
    let body = line.trim_start_matches(' ');
    let indent = line.len() - body.len();
    let digits = body.len() - body.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let marker = if body.starts_with("- ") {
        2
    } else if digits > 0 && body[digits..].starts_with(". ") {
        digits + 2
    } else {
        2
    };
    wrap(line, width, indent + marker).join("\n")
}

/// `text` broken at spaces into lines of at most `width` display columns, the lines after the first
/// indented by `hang` spaces. A number stays on the line of the word after it (`344.89 kB`, `4 days`), and
/// a separator (`·`, `›`) on the line of the word before it. A word longer than a line (a path) is broken
/// after a `/` or `\` where it can be, else where the line ends.
pub fn wrap(text: &str, width: usize, hang: usize) -> Vec<String> {
    if self::width(text) <= width {
        return vec![text.to_string()];
    }
    let lead = text.len() - text.trim_start_matches(' ').len();
    let (lead, body) = text.split_at(lead);
    let mut lines = Vec::new();
    let mut line = lead.to_string();
    let mut used = lead.len();
    let mut has_word = false;
    for chunk in unbreakable(body) {
        let w = self::width(&chunk);
        if has_word && used + 1 + w <= width {
            line.push(' ');
            line.push_str(&chunk);
            used += 1 + w;
            continue;
        }
        if has_word {
            lines.push(std::mem::replace(&mut line, " ".repeat(hang)));
            used = hang;
        }
        let mut rest = chunk.as_str();
        loop {
            let room = width.saturating_sub(used).max(1);
            if self::width(rest) <= room {
                line.push_str(rest);
                used += self::width(rest);
                break;
            }
            let (head, tail) = split_at_width(rest, room);
            line.push_str(head);
            lines.push(std::mem::replace(&mut line, " ".repeat(hang)));
            used = hang;
            rest = tail;
        }
        has_word = true;
    }
    lines.push(line);
    lines
}

/// The words of `text` grouped where a line must not break: after a number, before a lone separator, and
/// inside a `code span` (a command to type).
fn unbreakable(text: &str) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    let mut tied = false;
    let mut in_code = false;
    for word in text.split(' ') {
        let separator = matches!(word, "·" | "›" | "–" | "—");
        match chunks.last_mut() {
            Some(last) if tied || in_code || separator => {
                last.push(' ');
                last.push_str(word);
            }
            _ => chunks.push(word.to_string()),
        }
        tied = word.ends_with(|c: char| c.is_ascii_digit());
        in_code ^= word.matches('`').count() % 2 == 1;
    }
    chunks
}

/// `word` cut so that its head takes at most `room` display columns (at least one character, so a line
/// always moves on): after the last path separator in the second half of that room, else where it ends.
fn split_at_width(word: &str, room: usize) -> (&str, &str) {
    let mut used = 0;
    let mut end = 0;
    let mut after_separator = None;
    for (i, c) in word.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > room && end > 0 {
            break;
        }
        used += w;
        end = i + c.len_utf8();
        if matches!(c, '/' | '\\') && used * 2 >= room {
            after_separator = Some(end);
        }
    }
    word.split_at(after_separator.unwrap_or(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_display_columns() {
        assert_eq!(width("微信"), 4);
        assert_eq!(width("Maya’s iPhone…"), 14);
        assert_eq!(width("short\na longer line"), 13);
    }

    #[test]
    fn truncation_counts_display_columns_and_ends_with_an_ellipsis() {
        assert_eq!(truncate("Spotify - Music and Podcasts", 12), "Spotify - M…");
        assert_eq!(width(&truncate("Spotify - Music and Podcasts", 12)), 12);
        assert_eq!(truncate("Keynote", 7), "Keynote");
        // A wide character that would overrun is left out whole, not split.
        assert_eq!(truncate("微信微信", 6), "微信…");
        assert_eq!(truncate("微信微信", 4), "微…");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn sentences_wrap_at_words_with_a_hanging_indent() {
        let text = "Not in it: Photo thumbnails and library caches 4.56 kB, Safari history 1.46 kB, Mail 8 B.";
        let lines = wrap(text, 30, 2);
        assert_eq!(
            lines,
            [
                "Not in it: Photo thumbnails",
                "  and library caches 4.56 kB,",
                "  Safari history 1.46 kB, Mail",
                "  8 B."
            ]
        );
        assert!(lines.iter().all(|l| width(l) <= 30));
        // A `  - ` item continues under its text.
        let item = sentence(
            "  - iCloud Photos: off (the default; say --icloud-photos on)",
            Some(30),
        );
        assert_eq!(
            item,
            "  - iCloud Photos: off (the\n    default; say\n    --icloud-photos on)"
        );
        // A numbered item continues under its text; a line under it, two deeper than itself.
        let option = "12. Leave Photo Library out of the iCloud backup: frees 129.85 kB, fits";
        assert_eq!(
            sentence(option, Some(40)),
            "12. Leave Photo Library out of the\n    iCloud backup: frees 129.85 kB, fits"
        );
        assert_eq!(
            sentence(
                "   Settings › [your name] › iCloud › Manage Account Storage",
                Some(40)
            ),
            "   Settings › [your name] › iCloud ›\n     Manage Account Storage"
        );
        // Whole without a width, and when it fits.
        assert_eq!(sentence(text, None), text);
        assert_eq!(sentence(text, Some(200)), text);
    }

    #[test]
    fn numbers_stay_with_their_units_separators_with_what_they_follow_and_commands_whole() {
        let line = "Last backup 2026-06-14 (162 days ago) · finished · 142.33 kB in 178 files";
        let lines = wrap(line, 40, 2);
        assert_eq!(
            lines,
            [
                "Last backup 2026-06-14 (162 days ago) ·",
                "  finished · 142.33 kB in 178 files"
            ]
        );
        let lines = wrap("frees 134.73 kB", 11, 0);
        assert_eq!(lines, ["frees", "134.73 kB"]);
        let line = "about 281.59 kB; `cloudfit plan` shows how";
        assert_eq!(
            wrap(line, 24, 2),
            ["about 281.59 kB;", "  `cloudfit plan` shows", "  how"]
        );
    }

    #[test]
    fn a_word_longer_than_a_line_breaks_after_a_slash() {
        let path =
            "/home/maya/Library/Application Support/MobileSync/Backup/00008120-001A2B3C4D5E6F70";
        let lines = wrap(path, 40, 2);
        assert!(lines.iter().all(|l| width(l) <= 40), "{lines:?}");
        assert_eq!(lines[0], "/home/maya/Library/Application");
        assert_eq!(lines[1], "  Support/MobileSync/Backup/");
        assert_eq!(lines[2], "  00008120-001A2B3C4D5E6F70");
        // No separator: where the line ends.
        assert_eq!(wrap("abcdefghij", 4, 0), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("微信微信", 3, 0), ["微", "信", "微", "信"]);
    }

    fn table(widths: &[(&'static str, usize)]) -> Vec<Column> {
        widths
            .iter()
            .map(|&(heading, w)| {
                let mut c = Column::left(heading);
                c.push("x".repeat(w));
                c
            })
            .collect()
    }

    fn headings(columns: &[Column]) -> Vec<&str> {
        columns.iter().map(|c| c.heading).collect()
    }

    #[test]
    fn columns_give_way_in_the_order_the_steps_say_until_the_table_fits() {
        // Widths 10 + 20 + 5 + 8, each padded by two, less the trimmed last pad: 50.
        let columns = || {
            let mut columns = table(&[("Name", 10), ("Model", 20), ("iOS", 5), ("Size", 8)]);
            columns[1] = Column::left("Model").or_short("Mod");
            columns[1].push_both("y".repeat(20), "y".repeat(6));
            columns
        };
        let steps = [
            Step::Shorten(1),
            Step::Drop(2),
            Step::Drop(1),
            Step::Truncate { column: 0, min: 0 },
        ];
        assert_eq!(table_width(&columns(), &[true; 4], 0), 50);
        let fitted = |width| fit(columns(), 0, Some(width), &steps);
        assert_eq!(headings(&fitted(50)), ["Name", "Model", "iOS", "Size"]);
        assert_eq!(headings(&fitted(49)), ["Name", "Mod", "iOS", "Size"]);
        assert_eq!(fitted(49)[1].cells, ["yyyyyy"]);
        assert_eq!(headings(&fitted(30)), ["Name", "Mod", "Size"]);
        assert_eq!(headings(&fitted(21)), ["Name", "Size"]);
        // Last, the name is cut; a figure never is, so a table can stay too wide.
        let cut = fitted(18);
        assert_eq!(cut[0].cells, ["xxxxxx…"]);
        assert_eq!(table_width(&cut, &[true; 2], 0), 18);
        assert_eq!(fitted(4)[0].cells, ["xxx…"]);
        assert_eq!(table_width(&fitted(4), &[true; 2], 0), 15);
        // Without a width nothing changes.
        assert_eq!(fit(columns(), 0, None, &steps).len(), 4);
    }

    #[test]
    fn wrapping_a_column_narrows_it_as_far_as_the_table_needs() {
        let mut why = Column::left("Why");
        why.push("not backed up for 631 days (Apple deletes it)".into());
        let mut columns = table(&[("App", 8)]);
        columns.push(why);
        // Indent 3, App 8 + 2, Why 45 + 1: 59.
        let fitted = fit(columns, 3, Some(40), &[Step::Wrap { column: 1, min: 10 }]);
        // 19 too wide: Why goes from 45 to 26 columns.
        assert_eq!(
            fitted[1].cells,
            ["not backed up for 631 days\n(Apple deletes it)"]
        );
        assert_eq!(table_width(&fitted, &[true; 2], 3), 40);
    }
}
