//! The `cloudfit` command: parses the arguments into one `Config`, runs the library, prints tables, JSON or
//! CSV, and sets the exit code. With JSON, every exit prints one whole document, failures included.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cloudfit::plan;
use cloudfit::render::json::{Failure, Refusal};
use cloudfit::render::{self, words, Style};
use cloudfit::scan::{self, ScanOptions, ScanReport};

use cli::{Cli, OutputFormat};
use config::{Config, Job, PlanConfig};
use output::{print, warn};

mod cli;
mod compare;
mod config;
mod console;
mod exit;
mod look_inside;
mod manuals;
mod output;
mod passwords;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(usage_error(&e, &args)),
    };
    // These two only print what clap knows: no backup, no Config.
    match &cli.command {
        cli::Command::Completions(args) => return ExitCode::from(manuals::completions(args.shell)),
        cli::Command::Man(args) => return ExitCode::from(manuals::man(args.page)),
        _ => {}
    }
    match Config::from_cli(cli) {
        Ok(config) => ExitCode::from(run(config)),
        Err(not_run) => ExitCode::from(fail(&not_run.failure, not_run.format, not_run.job)),
    }
}

/// clap's message for `--help`, `--version` and mistakes; with `--json` among the arguments, a mistake also
/// gets its JSON document (code `usage`).
fn usage_error(e: &clap::Error, args: &[OsString]) -> u8 {
    let _ = e.print();
    if !e.use_stderr() {
        return exit::OK;
    }
    if cli::asks_for_json(args) {
        let text = e.render().to_string();
        let first = text.lines().next().unwrap_or("invalid arguments");
        let failure = Failure::refused(
            Refusal::Usage,
            first.trim_start_matches("error: ").to_string(),
        );
        // Which command it was, as far as clap can still tell: `plan` prints a plan-shaped document.
        let job = match Cli::command()
            .ignore_errors(true)
            .try_get_matches_from(args)
            .ok()
            .as_ref()
            .and_then(|m| m.subcommand_name())
        {
            Some("plan") => Job::Plan,
            Some("diff") => Job::Diff,
            _ => Job::Scan,
        };
        let _ = print_document(&failure_document(&failure, job), OutputFormat::Json);
    }
    exit::NOTHING
}

/// A command that could not run: the message on stderr and, for JSON, the document saying so.
pub(crate) fn fail(failure: &Failure, format: OutputFormat, job: Job) -> u8 {
    warn(&words::error_message(failure.code, &failure.message));
    let _ = print_document(&failure_document(failure, job), format);
    exit::NOTHING
}

fn failure_document(failure: &Failure, job: Job) -> Option<String> {
    let doc = match job {
        Job::Plan => render::json::plan_json(None, &ScanReport::default(), Some(failure)),
        Job::Diff => render::json::diff_failure_json(failure.code, &failure.message),
        Job::Scan | Job::List | Job::Top | Job::Tree | Job::Report => {
            render::json::failure_json(failure)
        }
    };
    doc.ok()
}

/// Prints a JSON document only when JSON was asked for (a CSV or a table has no way to say "failed").
fn print_document(doc: &Option<String>, format: OutputFormat) -> Result<(), String> {
    match (format, doc) {
        (OutputFormat::Json, Some(doc)) => print(doc),
        _ => Ok(()),
    }
}

fn run(config: Config) -> u8 {
    // Started here, not on first use: rayon's lazily built pool panics when the system refuses threads.
    if let Err(e) = rayon::ThreadPoolBuilder::new().build_global() {
        let failure = Failure::refused(
            Refusal::NoThreads,
            format!("cannot start worker threads: {e}; the system is short of memory or processes"),
        );
        return fail(&failure, config.format, config.job);
    }
    let Config {
        job,
        paths,
        format,
        color,
        width,
        top,
        quiet,
        passwords,
        disk_sizes,
        estimate,
        now,
        plan,
        look,
        report: report_to,
        keep,
        diff,
    } = config;
    let interaction = console::Console::new(passwords, quiet);
    let options = ScanOptions {
        now,
        interaction: &interaction,
        estimate,
        disk_sizes,
        keep,
    };
    // `scan` asks for the password of each backup it reports; `list` never asks; `plan` asks only for the
    // device it plans for, once the plists have said which that is.
    interaction.set_asking(!matches!(job, Job::List | Job::Plan));
    if let Some(diff) = &diff {
        let style = Style { color, top, width };
        return compare::run(diff, &options, format, style);
    }
    let mut report = scan::scan_paths(&paths, &options);
    if let Some(plan) = &plan {
        if interaction.can_prompt() {
            if let Ok(phone) = plan::this_phone(&report.backups, plan.device.as_deref()) {
                let device = plan::device_key(&phone.summary);
                interaction.set_asking(true);
                scan::read_locked_again(&mut report, &options, |s| plan::device_key(s) == device);
            }
        }
    }
    // For `scan` and `plan` a locked backup was not read: it counts as not reported. `list` shows it as it is.
    if job != Job::List {
        report.count_locked_as_errors();
    }
    for skipped in &report.skipped {
        warn(&format!(
            "skipped {}: {}",
            skipped.path.display(),
            words::skipped(skipped)
        ));
    }
    for failed in &report.errors {
        warn(&format!("error: {}", words::error(failed)));
    }

    let style = Style { color, top, width };
    if let Some(look) = &look {
        return look_inside::run(job, look, report, format, style);
    }
    if let Some(to) = &report_to {
        return look_inside::report(to, plan.as_ref(), &report, now, format);
    }
    if let Some(plan) = &plan {
        return plan_for(plan, &report, format, style);
    }
    // A script gets its document even when everything failed (the failures are in `errors`); a person gets
    // the stderr lines above and no empty table.
    let text = match format {
        OutputFormat::Json => render::json::scan_json(&report).map_err(|e| e.to_string()),
        OutputFormat::Csv if job == Job::List => {
            render::csv::list_csv(&report).map_err(|e| e.to_string())
        }
        OutputFormat::Csv => render::csv::scan_csv(&report).map_err(|e| e.to_string()),
        OutputFormat::Table if report.backups.is_empty() => Ok(String::new()),
        OutputFormat::Table if job == Job::List => Ok(render::table::list_table(&report, style)),
        OutputFormat::Table => Ok(render::table::scan_table(&report, style)),
    };
    match text.and_then(|text| print(&text)) {
        Ok(()) => exit::of_report(&report, job == Job::List),
        Err(e) => {
            warn(&e);
            exit::NOTHING
        }
    }
}

/// `cloudfit plan`: plans for the phone and prints the plan; exit 2 when no plan can be made.
pub(crate) fn plan_for(
    config: &PlanConfig,
    report: &ScanReport,
    format: OutputFormat,
    style: Style,
) -> u8 {
    let request = config.request();
    // Impossible on the phone, so surely a typo: said on stderr as well as in the plan's notes.
    if let Some(note) = plan::used_beyond_tier(config.used.unwrap_or(0), &config.tier) {
        warn(&words::plan_note(&note));
    }
    let made = match plan::advise(&report.backups, &request) {
        Ok(made) => made,
        Err(e) => {
            let failure = Failure::of_plan_error(&e, report);
            warn(&words::error_message(failure.code, &failure.message));
            if format == OutputFormat::Json {
                if let Ok(doc) = render::json::plan_json(None, report, Some(&failure)) {
                    let _ = print(&doc);
                }
            }
            return exit::NOTHING;
        }
    };
    let text = match format {
        OutputFormat::Json => {
            render::json::plan_json(Some(&made), report, None).map_err(|e| e.to_string())
        }
        OutputFormat::Csv => render::csv::plan_csv(&made).map_err(|e| e.to_string()),
        OutputFormat::Table => Ok(render::plan::plan_text(&made, style, config.explain)),
    };
    match text.and_then(|text| print(&text)) {
        Ok(()) => exit::of_report(report, false).min(exit::PARTIAL),
        Err(e) => {
            warn(&e);
            exit::NOTHING
        }
    }
}
