//! Tables and sentences fit the terminal: `list`, `scan` and `plan` on the committed samples, on a real pty
//! whose window is 60, 80 and 120 columns wide, keep every line within it and still show every byte figure
//! the same command's JSON gives. `--width` does the same on a pipe; without it a pipe gets whole lines.

use crate::common;

use std::ffi::OsString;
use std::path::Path;

use humansize::{format_size, DECIMAL};
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use common::{assert_exit, assert_no_panic, cloudfit};

const WIDTHS: [usize; 3] = [60, 80, 120];

/// The byte figures a command's JSON gives, which its table must show.
type Figures = fn(&Value) -> Vec<u64>;

fn fixture(path: &str) -> OsString {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .into_os_string()
}

fn list_args() -> Vec<OsString> {
    vec!["list".into(), fixture("fixtures/MobileSync")]
}

/// Every app and data type, so every row's figure is shown.
fn scan_args() -> Vec<OsString> {
    vec![
        "scan".into(),
        fixture("fixtures/MobileSync"),
        "--all".into(),
        "--password-file".into(),
        fixture("fixtures/passwords.txt"),
    ]
}

/// Nearly full, so the plan has options with items to show; explained, so every table is there to fit.
fn plan_args() -> Vec<OsString> {
    vec![
        "plan".into(),
        fixture("fixtures/MobileSync"),
        "--tier".into(),
        "5GB".into(),
        "--used".into(),
        "4.99983GB".into(),
        "--explain".into(),
        "--password-file".into(),
        fixture("fixtures/passwords.txt"),
    ]
}

/// The largest files of every backup.
fn top_args() -> Vec<OsString> {
    vec![
        "top".into(),
        fixture("fixtures/MobileSync"),
        "--password-file".into(),
        fixture("fixtures/passwords.txt"),
    ]
}

/// The deepest tree the samples have: their apps, by domain and folder.
fn tree_args() -> Vec<OsString> {
    vec![
        "tree".into(),
        fixture("fixtures/MobileSync"),
        "--type".into(),
        "apps".into(),
        "--depth".into(),
        "4".into(),
        "--password-file".into(),
        fixture("fixtures/passwords.txt"),
    ]
}

fn top_figures(doc: &Value) -> Vec<u64> {
    each(&doc["backups"])
        .flat_map(|b| each(&b["files"]).map(|f| bytes(&f["bytes"])))
        .collect()
}

fn tree_figures(doc: &Value) -> Vec<u64> {
    fn walk(node: &Value, out: &mut Vec<u64>) {
        out.push(bytes(&node["bytes"]));
        each(&node["children"]).for_each(|c| walk(c, out));
        let opened = !node["children"].as_array().unwrap().is_empty();
        if opened && (node["more"]["bytes"] != 0 || node["more"]["files"] != 0) {
            out.push(bytes(&node["more"]["bytes"]));
        }
    }
    let mut out = Vec::new();
    each(&doc["backups"]).for_each(|b| walk(&b["tree"], &mut out));
    out
}

fn bytes(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("not a byte count: {v}"))
}

fn each(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// `list`: each backup's size, from its manifest where it was read, else on disk.
fn list_figures(doc: &Value) -> Vec<u64> {
    each(&doc["backups"])
        .map(|b| match b["bytes"].as_u64() {
            Some(read) => read,
            None => bytes(&b["disk_bytes"]),
        })
        .collect()
}

/// `scan --all`: each backup's totals, every app and data type, what does not add up, and the estimate
/// with what it leaves out.
fn scan_figures(doc: &Value) -> Vec<u64> {
    let mut figures = Vec::new();
    for b in each(&doc["backups"]) {
        figures.extend(b["bytes"].as_u64());
        figures.push(bytes(&b["disk_bytes"]));
        for list in ["apps", "categories"] {
            figures.extend(each(&b[list]).map(|row| bytes(&row["bytes"])));
        }
        for odd in ["missing", "orphans"] {
            if b[odd]["files"].as_u64() > Some(0) {
                figures.push(bytes(&b[odd]["bytes"]));
            }
        }
        let e = &b["estimate"];
        if e.is_object() {
            figures.extend(["bytes", "low", "high"].map(|k| bytes(&e[k])));
            figures.extend(each(&e["removed"]).map(|r| bytes(&r["bytes"])));
        }
    }
    assert!(figures.len() > 100, "{figures:?}");
    figures
}

/// `plan`: the verdict's figures, the estimate's, each option's and its items', growth, and what the
/// estimate leaves out.
fn plan_figures(doc: &Value) -> Vec<u64> {
    let plan = &doc["plan"];
    let mut figures = vec![bytes(&plan["estimate_bytes"]), bytes(&plan["needed_bytes"])];
    if plan["fits_now"] == false {
        figures.push(bytes(&plan["shortfall_bytes"]));
    }
    figures.push(bytes(&plan["used_bytes"]));
    let e = &plan["estimate"];
    figures.extend(["bytes", "low", "high", "local_bytes"].map(|k| bytes(&e[k])));
    figures.extend(each(&e["removed"]).map(|r| bytes(&r["bytes"])));
    let options: Vec<&Value> = each(&plan["options"]).collect();
    assert!(options.len() >= 2, "{}", plan["options"]);
    for o in options {
        figures.push(bytes(&o["frees_bytes"]));
        if o["fits"] == false {
            figures.push(bytes(&o["short_by_bytes"]));
        }
        figures.extend(each(&o["items"]).map(|i| bytes(&i["bytes"])));
    }
    let growth = plan["growth"]["bytes_per_month"].as_i64().expect("growth");
    figures.push(growth.unsigned_abs());
    figures
}

/// The output as a terminal shows it: without colour codes.
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        out.push_str(&rest[..at]);
        let codes = &rest[at + 2..];
        let end = codes.find('m').map_or(codes.len(), |m| m + 1);
        rest = &codes[end..];
    }
    out.push_str(rest);
    out
}

/// How often `figure` stands on its own in `text` (not as the tail of a larger number, `1.00 kB` in
/// `21.00 kB`, nor with more after it).
fn occurrences(text: &str, figure: &str) -> usize {
    text.match_indices(figure)
        .filter(|&(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + figure.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
                && !after.is_some_and(|c| c.is_alphanumeric())
        })
        .count()
}

/// Every line within `width` display columns, and each figure shown (as the tables write sizes) at least
/// as often as the JSON gives it.
fn assert_fits(text: &str, width: usize, figures: &[u64], what: &str) {
    let text = strip_ansi(text);
    assert!(text.lines().count() > 5, "{what}: {text}");
    for line in text.lines() {
        assert!(
            line.width() <= width,
            "{what}: a line of {} columns at {width}:\n{line}\n\n{text}",
            line.width()
        );
    }
    let mut wanted: std::collections::BTreeMap<String, usize> = Default::default();
    for &figure in figures {
        *wanted.entry(format_size(figure, DECIMAL)).or_default() += 1;
    }
    for (figure, times) in wanted {
        let shown = occurrences(&text, &figure);
        assert!(
            shown >= times,
            "{what}: {figure} shown {shown} times, not {times}:\n{text}"
        );
    }
}

/// The command's figures, from its own JSON.
fn figures_of(args: &[OsString], figures: Figures) -> Vec<u64> {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(OsString::as_os_str).collect();
    let (doc, output) = common::json(&args);
    assert_no_panic(&output);
    figures(&doc)
}

fn on_a_pipe(args: &[OsString], extra: &[&str]) -> (String, std::process::Output) {
    let output = cloudfit().args(args).args(extra).output().expect("run");
    assert_no_panic(&output);
    (String::from_utf8_lossy(&output.stdout).into_owned(), output)
}

#[cfg(unix)]
mod on_a_terminal {
    use super::*;

    /// On a terminal of each width: every line fits, every figure shows, and it is what `--width` gives on
    /// a pipe (so the terminal's size was found, and nothing was lost on the way).
    fn assert_fits_terminals(args: &[OsString], figures: Figures) {
        let figures = figures_of(args, figures);
        for width in WIDTHS {
            let output = cloudfit()
                .args(args)
                .output_on_terminal_of(width as u16)
                .expect("run on a pty");
            assert_no_panic(&output);
            assert_exit(&output, 0);
            let shown = String::from_utf8_lossy(&output.stdout);
            let what = format!("{:?} on a terminal of {width}", args[0]);
            assert_fits(&shown, width, &figures, &what);
            let (piped, _) = on_a_pipe(args, &["--width", &width.to_string()]);
            assert_eq!(shown, piped, "{what}");
        }
    }

    #[test]
    fn list_fits_terminals_of_60_80_and_120_columns() {
        assert_fits_terminals(&list_args(), list_figures);
    }

    #[test]
    fn scan_fits_terminals_of_60_80_and_120_columns() {
        assert_fits_terminals(&scan_args(), scan_figures);
    }

    #[test]
    fn plan_fits_terminals_of_60_80_and_120_columns() {
        assert_fits_terminals(&plan_args(), plan_figures);
    }

    #[test]
    fn top_and_tree_fit_terminals_of_60_80_and_120_columns() {
        assert_fits_terminals(&top_args(), top_figures);
        assert_fits_terminals(&tree_args(), tree_figures);
    }

    #[test]
    fn a_terminal_that_does_not_say_its_size_is_as_wide_as_columns_says() {
        let args = list_args();
        let output = cloudfit()
            .args(&args)
            .env("COLUMNS", "70")
            .output_on_terminal_of(0)
            .expect("run on a pty");
        let (piped, _) = on_a_pipe(&args, &["--width", "70"]);
        assert_eq!(String::from_utf8_lossy(&output.stdout), piped);
        // Neither size nor COLUMNS: whole lines, as on a pipe.
        let output = cloudfit()
            .args(&args)
            .output_on_terminal_of(0)
            .expect("run on a pty");
        let (whole, _) = on_a_pipe(&args, &[]);
        assert_eq!(String::from_utf8_lossy(&output.stdout), whole);
        // `--width` over the terminal's own.
        let output = cloudfit()
            .args(&args)
            .args(["--width", "100"])
            .output_on_terminal_of(60)
            .expect("run on a pty");
        let (piped, _) = on_a_pipe(&args, &["--width", "100"]);
        assert_eq!(String::from_utf8_lossy(&output.stdout), piped);
    }
}

#[test]
fn width_fits_a_pipe_to_60_80_and_120_columns() {
    let commands: [(Vec<OsString>, Figures); 5] = [
        (list_args(), list_figures),
        (scan_args(), scan_figures),
        (plan_args(), plan_figures),
        (top_args(), top_figures),
        (tree_args(), tree_figures),
    ];
    for (args, figures) in commands {
        let figures = figures_of(&args, figures);
        for width in WIDTHS {
            let (text, output) = on_a_pipe(&args, &["--width", &width.to_string()]);
            assert_exit(&output, 0);
            let what = format!("{:?} --width {width}", args[0]);
            assert_fits(&text, width, &figures, &what);
        }
    }
}

#[test]
fn a_pipe_keeps_whole_lines_whatever_columns_says() {
    for args in [list_args(), scan_args(), plan_args()] {
        let (whole, _) = on_a_pipe(&args, &[]);
        let output = cloudfit()
            .args(&args)
            .env("COLUMNS", "60")
            .output()
            .expect("run");
        assert_eq!(String::from_utf8_lossy(&output.stdout), whole);
        // Whole: the README's lines, far wider than any terminal's default.
        assert!(whole.lines().any(|l| l.width() > 120), "{whole}");
    }
}

#[test]
fn colour_adds_codes_and_nothing_else() {
    for args in [list_args(), scan_args(), plan_args()] {
        for width in [None, Some("60")] {
            let extra: Vec<&str> = width.into_iter().flat_map(|w| ["--width", w]).collect();
            let (plain, _) = on_a_pipe(&args, &extra);
            let mut coloured = extra.clone();
            coloured.extend(["--color", "always"]);
            let (colour, _) = on_a_pipe(&args, &coloured);
            assert!(colour.contains("\u{1b}[1m"), "{colour}");
            // No bold padding: a header is as wide as without colour, so no line runs past the edge and
            // leaves a blank line under it.
            assert_eq!(strip_ansi(&colour), plain, "{:?} {extra:?}", args[0]);
        }
    }
}

#[test]
fn a_width_under_40_is_a_usage_error() {
    let output = cloudfit()
        .args(list_args())
        .args(["--width", "39"])
        .output()
        .expect("run");
    assert_exit(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at least 40 columns"), "{stderr}");
    assert!(output.stdout.is_empty());
    let output = cloudfit()
        .args(list_args())
        .args(["--width", "40"])
        .output()
        .expect("run");
    assert_exit(&output, 0);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.lines().all(|l| l.width() <= 40), "{text}");
}
