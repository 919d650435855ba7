//! `top`, `tree` and `report`: the scan's backups looked inside, then printed as tables, JSON or CSV, or
//! drawn as one HTML page.

use std::io::IsTerminal;
use std::path::Path;
use std::time::SystemTime;

use cloudfit::error::io_cause;
use cloudfit::inspect::{self, Inspection};
use cloudfit::plan;
use cloudfit::render::json::{Failure, Refusal};
use cloudfit::render::{self, words, Style};
use cloudfit::scan::ScanReport;

use crate::cli::OutputFormat;
use crate::config::{Job, LookConfig, PlanConfig, ReportConfig};
use crate::exit;
use crate::output::{print, warn};

/// Looks inside every backup read (of `--device`'s only, when given) and prints what was found; a
/// `--device` that names no device, or several, is the command's one error.
pub fn run(
    job: Job,
    look: &LookConfig,
    report: ScanReport,
    format: OutputFormat,
    style: Style,
) -> u8 {
    let device = look.device.as_deref();
    let text = match job {
        Job::Tree => {
            let inspection = match Inspection::of(&report, device, |b| {
                inspect::scope_tree(b, &look.scope, look.depth, look.count)
            }) {
                Ok(inspection) => inspection,
                Err(e) => return crate::fail(&Failure::of_error(&e), format, job),
            };
            tell(&inspection);
            let text = match format {
                OutputFormat::Json => {
                    render::json::inspection_json(&inspection).map_err(|e| e.to_string())
                }
                OutputFormat::Csv => render::csv::tree_csv(&inspection).map_err(|e| e.to_string()),
                OutputFormat::Table => Ok(render::inside::tree_table(&inspection, style)),
            };
            text.map(|t| (t, outcome(&inspection)))
        }
        _ => {
            let inspection = match Inspection::of(&report, device, |b| {
                inspect::largest_files(b, &look.scope, look.count)
            }) {
                Ok(inspection) => inspection,
                Err(e) => return crate::fail(&Failure::of_error(&e), format, job),
            };
            tell(&inspection);
            let text = match format {
                OutputFormat::Json => {
                    render::json::inspection_json(&inspection).map_err(|e| e.to_string())
                }
                OutputFormat::Csv => render::csv::top_csv(&inspection).map_err(|e| e.to_string()),
                OutputFormat::Table => Ok(render::inside::top_table(&inspection, style)),
            };
            text.map(|t| (t, outcome(&inspection)))
        }
    };
    match text.and_then(|(text, code)| print(&text).map(|()| code)) {
        Ok(code) => code,
        Err(e) => {
            warn(&e);
            exit::NOTHING
        }
    }
}

/// The errors of looking inside, on stderr like the scan's.
fn tell<T>(inspection: &Inspection<'_, T>) {
    for failed in inspection.new_errors() {
        warn(&format!("error: {}", words::error(failed)));
    }
}

/// The exit code: as for `scan`, with the backups looked inside as the ones reported.
fn outcome<T>(inspection: &Inspection<'_, T>) -> u8 {
    exit::of_counts(inspection.backups.len(), !inspection.errors.is_empty())
}

/// `cloudfit report`: the page (with `--json`, the data it draws), on stdout or in `--output FILE` (never
/// inside a backup folder), with the plan when `--tier` and `--used` asked for one.
pub fn report(
    to: &ReportConfig,
    plan: Option<&PlanConfig>,
    report: &ScanReport,
    now: SystemTime,
    format: OutputFormat,
) -> u8 {
    let planned = plan.map(|config| {
        plan::advise(&report.backups, &config.request()).map_err(|e| {
            let failure = Failure::of_plan_error(&e, report);
            warn(&words::error_message(failure.code, &failure.message));
            failure
        })
    });
    let generated_at = humantime::format_rfc3339_seconds(now).to_string();
    let page =
        render::json::report_data(report, planned.as_ref().map(|p| p.as_ref()), &generated_at)
            .and_then(|data| match format {
                OutputFormat::Json => serde_json::to_string_pretty(&data).map(|text| text + "\n"),
                _ => render::report::report_html(&data),
            });
    let page = match page {
        Ok(page) => page,
        Err(e) => {
            warn(&format!("cannot write the report: {e}"));
            return exit::NOTHING;
        }
    };
    let written = match &to.output {
        None => {
            if format != OutputFormat::Json && std::io::stdout().is_terminal() {
                warn("the report is an HTML page: save it with --output FILE (or > FILE) and open that in a browser");
            }
            print(&page).map_err(|e| Failure::refused(Refusal::CannotWrite, e))
        }
        Some(path) => write_outside_backups(path, &page, report),
    };
    match written {
        Ok(()) => exit::of_report(report, false),
        Err(failure) => crate::fail(&failure, format, Job::Report),
    }
}

/// Writes the page to `path` unless that lies inside a backup folder: one this run read (an extracted tree
/// included), or any other (a folder holding a backup's Manifest or Info.plist). cloudfit never writes into
/// a backup.
fn write_outside_backups(path: &Path, page: &str, report: &ScanReport) -> Result<(), Failure> {
    let cannot = |problem: String| {
        Failure::refused(
            Refusal::CannotWrite,
            format!("cannot write the report to {}: {problem}", path.display()),
        )
    };
    let io = |e: std::io::Error| cannot(io_cause(&e));
    // Where the page would land, as the system resolves it: an existing file through any symlink, else a new
    // name in its folder.
    let target = match std::fs::canonicalize(path) {
        Ok(existing) => existing,
        Err(_) => {
            let name = path
                .file_name()
                .ok_or_else(|| cannot("it does not name a file".into()))?;
            let folder = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            std::fs::canonicalize(folder).map_err(io)?.join(name)
        }
    };
    let read: Vec<std::path::PathBuf> = report
        .backups
        .iter()
        .filter_map(|b| std::fs::canonicalize(&b.summary.path).ok())
        .filter(|p| p.is_dir())
        .collect();
    let inside = target
        .ancestors()
        .skip(1)
        .find(|folder| cloudfit::discover::is_backup(folder) || read.iter().any(|b| b == folder));
    if let Some(backup) = inside {
        return Err(Failure::refused(
            Refusal::OutputInBackup,
            format!(
                "{} is inside the backup folder {}, and cloudfit never writes into a backup; give a file \
                 elsewhere",
                path.display(),
                backup.display()
            ),
        ));
    }
    std::fs::write(&target, page).map_err(io)
}
