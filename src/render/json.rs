//! The `--json` document: one object, exact integers, stable field names and codes (documented in the README).
//!
//! The report types serialize themselves (figures and codes); this writer adds the `message` of every
//! warning, assumption, note, error and skipped folder from [`super::words`], so a script gets the same
//! sentence a person reads.

use serde::Serialize;
use serde_json::{Map, Value};

use super::words;
use crate::attribute::devices::Devices;
use crate::discover::Skipped;
use crate::estimate::Estimate;
use crate::inspect::{self, Inspection};
use crate::plan::Plan;
use crate::scan::{BackupError, ScanReport};

/// Bumped when a field changes meaning or disappears; new fields may be added without a bump.
/// 2: warnings, assumptions and notes are objects with a `code` and a `message` (they were strings);
/// errors are `{path, code, message}` (was `{path, error}`); skipped folders `{path, code, message}` (was
/// `{path, reason}`); a failed command prints a document too, with `path: null` where no path applies.
pub const SCHEMA_VERSION: u32 = 2;

/// An error that is not about one backup (bad arguments, no default folder, nothing to plan for): the
/// `errors` entry of a document whose command could not run.
#[derive(Debug, Clone)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
}

/// Why the command line could not run a command at all, before any backup was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Usage,
    BadPriceFile,
    UnknownCurrency,
    BadPasswordInput,
    BadClock,
    NoDefaultFolder,
    NoThreads,
    /// `report --output` names a file inside a backup folder.
    OutputInBackup,
    /// `report --output` cannot be written.
    CannotWrite,
}

impl Refusal {
    pub const ALL: [Refusal; 9] = [
        Refusal::Usage,
        Refusal::BadPriceFile,
        Refusal::UnknownCurrency,
        Refusal::BadPasswordInput,
        Refusal::BadClock,
        Refusal::NoDefaultFolder,
        Refusal::NoThreads,
        Refusal::OutputInBackup,
        Refusal::CannotWrite,
    ];

    /// The stable code, as in the JSON and the README's Codes table.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Usage => "usage",
            Refusal::BadPriceFile => "bad-price-file",
            Refusal::UnknownCurrency => "unknown-currency",
            Refusal::BadPasswordInput => "bad-password-input",
            Refusal::BadClock => "bad-clock",
            Refusal::NoDefaultFolder => "no-default-folder",
            Refusal::NoThreads => "no-threads",
            Refusal::OutputInBackup => "output-in-backup",
            Refusal::CannotWrite => "cannot-write-output",
        }
    }
}

impl Failure {
    pub fn refused(why: Refusal, message: String) -> Self {
        Failure {
            code: why.code(),
            message,
        }
    }

    /// A library error that stopped the whole command (no default folder, no plan).
    pub fn of_error(e: &crate::Error) -> Self {
        Failure {
            code: e.code(),
            message: e.to_string(),
        }
    }

    /// Why no plan could be made, as [`Failure::of_error`], except that a phone whose backup stayed locked
    /// because the password given was wrong (the scan's error for that backup says so) is told that
    /// (`plan-wrong-password`), not asked for a password it was given (`plan-locked`).
    pub fn of_plan_error(e: &crate::Error, report: &ScanReport) -> Self {
        match e {
            crate::Error::PlanLocked { device, path }
                if report
                    .errors
                    .iter()
                    .any(|x| x.path == *path && x.code == "wrong-password") =>
            {
                Failure {
                    code: "plan-wrong-password",
                    message: format!(
                        "no plan for {device}: the password given for its backup ({}) is wrong; it is the \
                         password chosen for encrypted local backups in Finder or iTunes",
                        path.display()
                    ),
                }
            }
            _ => Self::of_error(e),
        }
    }
}

/// `scan` and `list`: the whole document, ending in a newline; built in memory so stdout never holds half
/// of one.
pub fn scan_json(report: &ScanReport) -> Result<String, serde_json::Error> {
    let mut doc = Map::new();
    doc.insert("schema_version".into(), SCHEMA_VERSION.into());
    let names = Devices::of(report.backups.iter().map(|b| &b.summary));
    let mut backups = Vec::with_capacity(report.backups.len());
    for (i, b) in report.backups.iter().enumerate() {
        let mut value = with_display_name(serde_json::to_value(b)?, names.name(i));
        worded(&mut value["warnings"], &b.summary.warnings, words::warning);
        if let Some(e) = &b.estimate {
            estimate_words(&mut value["estimate"], e);
        }
        backups.push(value);
    }
    doc.insert("backups".into(), Value::Array(backups));
    doc.insert("skipped".into(), skipped(&report.skipped)?);
    doc.insert("errors".into(), errors(&report.errors, &[])?);
    finish(doc)
}

/// `cloudfit plan --json`: the plan (the fields in the README), the verdict line, and what could not be
/// read. `plan` is null when no plan could be made; `failure` then says why.
pub fn plan_json(
    plan: Option<&Plan>,
    report: &ScanReport,
    failure: Option<&Failure>,
) -> Result<String, serde_json::Error> {
    let mut doc = Map::new();
    doc.insert("schema_version".into(), SCHEMA_VERSION.into());
    let plan_value = match plan {
        Some(plan) => {
            let mut value = serde_json::to_value(plan)?;
            estimate_words(&mut value["estimate"], &plan.estimate);
            worded(&mut value["notes"], &plan.notes, words::plan_note);
            if let Value::Object(map) = &mut value {
                let verdict = super::plan::verdict(&super::view::PlanView::new(plan));
                map.insert("verdict".into(), verdict.into());
            }
            value
        }
        None => Value::Null,
    };
    doc.insert("plan".into(), plan_value);
    doc.insert("skipped".into(), skipped(&report.skipped)?);
    doc.insert(
        "errors".into(),
        errors(
            &report.errors,
            failure.map(std::slice::from_ref).unwrap_or(&[]),
        )?,
    );
    finish(doc)
}

/// The backup facts every `top` and `tree` entry starts with, so a script can tell its backups apart.
#[derive(Serialize)]
struct Looked<'a, T> {
    id: &'a str,
    #[serde(serialize_with = "crate::discover::serialize_path")]
    path: &'a std::path::Path,
    device_name: Option<&'a str>,
    display_name: &'a str,
    product_name: Option<&'a str>,
    last_backup: Option<&'a str>,
    #[serde(flatten)]
    found: &'a T,
}

/// `top --json` and `tree --json`: per backup looked inside, its facts and what was found there
/// (`target` and `files`, or `target` and `tree`), then what was skipped and what failed.
pub fn inspection_json<T: Serialize>(
    inspection: &Inspection<'_, T>,
) -> Result<String, serde_json::Error> {
    let mut doc = Map::new();
    doc.insert("schema_version".into(), SCHEMA_VERSION.into());
    let backups = inspection
        .backups
        .iter()
        .map(|i| {
            serde_json::to_value(Looked {
                id: &i.backup.id,
                path: &i.backup.path,
                device_name: i.backup.device_name.as_deref(),
                display_name: &i.name,
                product_name: i.backup.product_name.as_deref(),
                last_backup: i.backup.last_backup.as_deref(),
                found: &i.found,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    doc.insert("backups".into(), Value::Array(backups));
    doc.insert("skipped".into(), skipped(inspection.skipped)?);
    doc.insert("errors".into(), errors(&inspection.errors, &[])?);
    finish(doc)
}

/// What `cloudfit report` draws, as one JSON value for the page to read: the `scan --json` document, the
/// `plan --json` document when a plan was asked for (its failure included), and per backup read, its tree
/// (data types and apps, domains, folders) and its largest files. `generated_at` is RFC 3339.
pub fn report_data(
    report: &ScanReport,
    plan: Option<Result<&Plan, &Failure>>,
    generated_at: &str,
) -> Result<Value, serde_json::Error> {
    let mut doc = Map::new();
    doc.insert("schema_version".into(), SCHEMA_VERSION.into());
    doc.insert("generated_at".into(), generated_at.into());
    doc.insert("scan".into(), serde_json::from_str(&scan_json(report)?)?);
    let plan = match plan {
        None => Value::Null,
        Some(Ok(plan)) => serde_json::from_str(&plan_json(Some(plan), report, None)?)?,
        Some(Err(failure)) => serde_json::from_str(&plan_json(None, report, Some(failure))?)?,
    };
    doc.insert("plan".into(), plan);
    let mut inside = Vec::new();
    for b in report.backups.iter().filter(|b| b.summary.bytes.is_some()) {
        let b = &b.summary;
        let tree = inspect::backup_tree(b, inspect::REPORT_LEVELS, inspect::REPORT_ROWS);
        let files = inspect::largest_files(b, &inspect::Scope::Whole, inspect::REPORT_FILES)
            .map(|top| top.files)
            .unwrap_or_default();
        inside.push(serde_json::json!({
            "path": b.path.to_string_lossy(),
            "tree": tree,
            "files": files,
        }));
    }
    doc.insert("inside".into(), Value::Array(inside));
    Ok(Value::Object(doc))
}

/// The document of a `scan` or `list` that could not start: no backups, one error.
pub fn failure_json(failure: &Failure) -> Result<String, serde_json::Error> {
    let mut doc = Map::new();
    doc.insert("schema_version".into(), SCHEMA_VERSION.into());
    doc.insert("backups".into(), Value::Array(Vec::new()));
    doc.insert("skipped".into(), Value::Array(Vec::new()));
    doc.insert("errors".into(), errors(&[], std::slice::from_ref(failure))?);
    finish(doc)
}

/// A backup's object with `display_name` (the name a person reads, see [`Devices::name`]) after
/// `device_name`.
fn with_display_name(value: Value, name: &str) -> Value {
    let Value::Object(fields) = value else {
        return value;
    };
    let mut out = Map::with_capacity(fields.len() + 1);
    for (key, field) in fields {
        let after = key == "device_name";
        out.insert(key, field);
        if after {
            out.insert("display_name".into(), name.into());
        }
    }
    Value::Object(out)
}

/// `cloudfit diff --json`: `diff` (null when no comparison was made) and `errors` (the side that could not
/// be read, with `side`: `old` or `new`).
pub fn diff_json(
    diff: Option<&crate::diff::Diff>,
    error: Option<&crate::diff::DiffError>,
) -> Result<String, serde_json::Error> {
    let mut doc = Map::new();
    doc.insert("schema_version".into(), SCHEMA_VERSION.into());
    let value = match diff {
        Some(d) => {
            let mut value = serde_json::to_value(d)?;
            worded(&mut value["notes"], &d.notes, words::diff_note);
            value
        }
        None => Value::Null,
    };
    doc.insert("diff".into(), value);
    let mut errors = Vec::new();
    if let Some(e) = error {
        let mut value = serde_json::to_value(e)?;
        value["message"] = words::diff_error(e).into();
        errors.push(value);
    }
    doc.insert("errors".into(), Value::Array(errors));
    finish(doc)
}

/// The document of a `diff` that could not start (its arguments).
pub fn diff_failure_json(code: &'static str, message: &str) -> Result<String, serde_json::Error> {
    diff_json(
        None,
        Some(&crate::diff::DiffError {
            path: None,
            code,
            message: message.to_string(),
            side: None,
        }),
    )
}

fn finish(doc: Map<String, Value>) -> Result<String, serde_json::Error> {
    let mut out = serde_json::to_string_pretty(&Value::Object(doc))?;
    out.push('\n');
    Ok(out)
}

fn estimate_words(value: &mut Value, e: &Estimate) {
    worded(&mut value["assumptions"], &e.assumptions, words::assumption);
}

/// Adds `message` to each object of the array `value`, from the typed item it was serialized from.
fn worded<T>(value: &mut Value, items: &[T], word: impl Fn(&T) -> String) {
    if let Value::Array(objects) = value {
        for (object, item) in objects.iter_mut().zip(items) {
            if let Value::Object(map) = object {
                map.insert("message".into(), word(item).into());
            }
        }
    }
}

fn skipped(list: &[Skipped]) -> Result<Value, serde_json::Error> {
    let mut value = serde_json::to_value(list)?;
    worded(&mut value, list, words::skipped);
    Ok(value)
}

#[derive(Serialize)]
struct ErrorObject<'a> {
    path: Option<&'a str>,
    code: &'a str,
    message: String,
}

fn errors(list: &[BackupError], failures: &[Failure]) -> Result<Value, serde_json::Error> {
    let mut out = Vec::with_capacity(list.len() + failures.len());
    for e in list {
        let mut value = serde_json::to_value(e)?;
        if let Value::Object(map) = &mut value {
            map.insert("message".into(), words::error(e).into());
        }
        out.push(value);
    }
    for f in failures {
        out.push(serde_json::to_value(ErrorObject {
            path: None,
            code: f.code,
            message: words::error_message(f.code, &f.message),
        })?);
    }
    Ok(Value::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_code_is_documented() {
        let readme = include_str!("../../README.md");
        for why in Refusal::ALL {
            assert!(readme.contains(&format!("`{}`", why.code())), "{why:?}");
        }
    }
}
