//! The `cloudfit` command: parses arguments, runs the library, prints tables or JSON, sets the exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use cloudfit::render::{self, Style};
use cloudfit::scan::{self, ScanOptions, ScanReport};

mod passwords;

/// Exit codes, documented in the README.
mod exit {
    /// Every backup found was read.
    pub const OK: u8 = 0;
    /// Some backups were reported, some failed (each failure is on stderr).
    pub const PARTIAL: u8 = 1;
    /// Nothing could be reported: bad usage, no backup, unreadable input.
    pub const NOTHING: u8 = 2;
}

/// Shown under every command's help: how to give passwords without putting them on the command line.
const PASSWORD_HELP: &str = "Encrypted backups: give the password with --password-file, --password-stdin or the \
CLOUDFIT_PASSWORD environment variable; on a terminal cloudfit asks for it. Never as an argument (it would land \
in shell history). Exit codes: 0 every backup read, 1 some failed, 2 nothing could be reported.";

#[derive(Parser)]
#[command(
    name = "cloudfit",
    version,
    about = "What is filling your iPhone backup, app by app and data type by data type",
    after_help = PASSWORD_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour in tables
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
}

#[derive(Subcommand)]
enum Command {
    /// Show what fills each backup: top apps and data types by size
    #[command(after_help = PASSWORD_HELP)]
    Scan(ScanArgs),
    /// One line per backup: device, model, iOS, date, size, encryption, state
    #[command(after_help = PASSWORD_HELP)]
    List(CommonArgs),
}

#[derive(Args)]
struct CommonArgs {
    /// Backup folders, or folders holding them (default: this OS's MobileSync/Backup folder)
    paths: Vec<PathBuf>,
    /// Print one JSON document for scripts (exact byte counts; fields in the README)
    #[arg(long)]
    json: bool,
    /// Password of encrypted backups: a file holding it, or lines `UDID=password` for several devices
    #[arg(long, value_name = "FILE", conflicts_with = "password_stdin")]
    password_file: Option<PathBuf>,
    /// Read the password of encrypted backups from the first line of standard input
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Args)]
struct ScanArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Rows per table
    #[arg(long, default_value_t = 15, value_name = "N")]
    top: usize,
    /// Show every app and data type
    #[arg(long, conflicts_with = "top")]
    all: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::NOTHING
            } else {
                exit::OK
            });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            warn(&format!("{e:#}"));
            ExitCode::from(exit::NOTHING)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    let (common, top) = match &cli.command {
        Command::Scan(args) => (&args.common, (!args.all).then_some(args.top)),
        Command::List(args) => (args, None),
    };
    let paths = if common.paths.is_empty() {
        let defaults = cloudfit::discover::default_folders()?;
        let existing: Vec<PathBuf> = defaults.iter().filter(|p| p.is_dir()).cloned().collect();
        if existing.is_empty() {
            let looked: Vec<String> = defaults.iter().map(|p| p.display().to_string()).collect();
            anyhow::bail!(
                "no backup folder at {}; back up the device in Finder or iTunes first, or pass a folder as PATH",
                looked.join(" or ")
            );
        }
        existing
    } else {
        common.paths.clone()
    };
    let interaction =
        passwords::Passwords::from_args(common.password_file.as_deref(), common.password_stdin)?;
    let options = ScanOptions {
        now: now()?,
        interaction: &interaction,
    };
    let report = scan::scan_paths(&paths, &options);

    for skipped in &report.skipped {
        warn(&format!(
            "skipped {}: {}",
            skipped.path.display(),
            skipped.reason
        ));
    }
    for failed in &report.errors {
        warn(&format!("error: {}", failed.error));
    }

    let style = Style {
        color: cli.color.enabled(),
        top,
    };
    // A script gets its document even when everything failed (the failures are in `errors`); a person gets
    // the stderr lines above and no empty table.
    let text = if common.json {
        Some(render::json::scan_json(&report)?)
    } else if report.backups.is_empty() {
        None
    } else {
        Some(match cli.command {
            Command::Scan(_) => render::table::scan_table(&report, style),
            Command::List(_) => render::table::list_table(&report, style),
        })
    };
    if let Some(text) = text {
        print(&text)?;
    }
    Ok(exit_code(&report))
}

/// One line on stderr; a closed stderr is no reason to crash.
fn warn(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "cloudfit: {message}");
}

fn exit_code(report: &ScanReport) -> u8 {
    match (report.backups.is_empty(), report.errors.is_empty()) {
        (_, true) => exit::OK,
        (false, false) => exit::PARTIAL,
        (true, false) => exit::NOTHING,
    }
}

/// Writes all of stdout at once; a reader that went away (`| head`) is not an error.
fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

/// When to colour tables.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

/// The clock for backup ages; `CLOUDFIT_NOW` (RFC 3339) pins it for reproducible output.
fn now() -> Result<SystemTime> {
    match std::env::var("CLOUDFIT_NOW") {
        Ok(value) => humantime::parse_rfc3339_weak(&value).with_context(|| {
            format!("CLOUDFIT_NOW={value:?} is not an RFC 3339 date such as 2026-11-24T12:00:00Z")
        }),
        Err(_) => Ok(SystemTime::now()),
    }
}
