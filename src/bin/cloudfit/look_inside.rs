//! `top` and `tree`: the scan's backups looked inside, then printed as tables, JSON or CSV.

use cloudfit::inspect::{self, Inspection};
use cloudfit::plan;
use cloudfit::render::json::Failure;
use cloudfit::render::{self, words, Style};
use cloudfit::scan::ScanReport;

use crate::cli::OutputFormat;
use crate::config::{Job, LookConfig};
use crate::exit;
use crate::output::{print, warn};

/// Looks inside every backup read (of `--device`'s only, when given) and prints what was found.
pub fn run(
    job: Job,
    look: &LookConfig,
    mut report: ScanReport,
    format: OutputFormat,
    style: Style,
) -> u8 {
    if let Some(device) = &look.device {
        if !report
            .backups
            .iter()
            .any(|b| plan::is_device(&b.summary, device))
        {
            let failure = Failure::of_error(&plan::no_such_device(&report.backups, device));
            return crate::fail(&failure, format, job);
        }
        report
            .backups
            .retain(|b| plan::is_device(&b.summary, device));
    }
    let text = match job {
        Job::Tree => {
            let inspection = Inspection::of(&report, |b| {
                inspect::scope_tree(b, &look.scope, look.depth, look.count)
            });
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
            let inspection = Inspection::of(&report, |b| {
                inspect::largest_files(b, &look.scope, look.count)
            });
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
