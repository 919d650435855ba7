//! The `cloudfit` command: parses arguments, runs the library, prints tables or JSON, sets the exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use cloudfit::estimate::{EstimateOptions, DEFAULTS_NOTE};
use cloudfit::plan::{self, PriceTable, Tier};
use cloudfit::read::DiskSizes;
use cloudfit::render::{self, Style};
use cloudfit::scan::{self, ScanOptions, ScanReport};

mod console;
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
    /// Estimate this phone's iCloud backup and the cheapest ways to make it fit your iCloud plan
    #[command(after_help = PLAN_HELP)]
    Plan(PlanArgs),
}

const PLAN_HELP: &str = "Example: cloudfit plan --tier 5GB --used 3.2GB (Settings › [your name] › iCloud shows \
your plan and what uses it). Sizes are decimal, as Apple counts them: 1 GB = 1,000,000,000 bytes. iCloud Photos and \
Messages in iCloud are taken as off unless you say otherwise: a computer backup already leaves them out. Encrypted \
backups: --password-file, --password-stdin or CLOUDFIT_PASSWORD. Exit codes: 0 planned, 1 planned but some \
backups could not be read, 2 no plan could be made.";

/// What the user says about data kept in iCloud itself; the estimate depends on it.
#[derive(Args)]
struct EstimateArgs {
    /// Whether iCloud Photos is on: when on, the photo library is not in the iCloud backup
    #[arg(long, value_enum, default_value_t = OnOff::Off, value_name = "on|off")]
    icloud_photos: OnOff,
    /// Whether Messages in iCloud is on: when on, messages are not in the iCloud backup
    #[arg(long, value_enum, default_value_t = OnOff::Off, value_name = "on|off")]
    messages_in_icloud: OnOff,
}

impl EstimateArgs {
    fn options(&self) -> EstimateOptions {
        EstimateOptions {
            icloud_photos: self.icloud_photos == OnOff::On,
            messages_in_icloud: self.messages_in_icloud == OnOff::On,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Args)]
struct PlanArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    estimate: EstimateArgs,
    /// Your iCloud plan now: 5GB (free), 50GB, 200GB, 2TB, 6TB or 12TB
    #[arg(long, default_value = "5GB", value_parser = parse_tier, value_name = "SIZE")]
    tier: Tier,
    /// What iCloud holds besides this phone's backup (photos, Drive, mail, other backups), e.g. 3.2GB [default: 0]
    #[arg(long, value_parser = parse_bytes, value_name = "SIZE")]
    used: Option<u64>,
    /// The device to plan for: its name, UDID or backup folder [default: the newest backup that is not an archived copy]
    #[arg(long, value_name = "NAME")]
    device: Option<String>,
    /// Currency of the prices: USD, EUR, GBP, INR or JPY (or any in --prices)
    #[arg(long, default_value = "USD", value_name = "CODE")]
    currency: String,
    /// A JSON price table to use instead of the built-in one (its shape is in the README)
    #[arg(long, value_name = "FILE")]
    prices: Option<PathBuf>,
}

fn parse_tier(text: &str) -> Result<Tier, String> {
    plan::parse_tier(text).map_err(|e| e.to_string())
}

fn parse_bytes(text: &str) -> Result<u64, String> {
    plan::parse_bytes(text).map_err(|e| e.to_string())
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
    /// No progress bar or spinner (they appear only on a terminal anyway); warnings still go to stderr
    #[arg(short, long)]
    quiet: bool,
    /// Measure every data file with a stat, as du does (slower): exact disk_bytes, and files whose length
    /// differs from the manifest are found. By default data files are only listed and sized by the manifest
    #[arg(long)]
    measure_disk: bool,
}

#[derive(Args)]
#[command(after_help = DEFAULTS_NOTE)]
struct ScanArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    estimate: EstimateArgs,
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
    // Started here, not on first use: rayon's lazily built pool panics when the system refuses threads.
    rayon::ThreadPoolBuilder::new()
        .build_global()
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot start worker threads: {e}; the system is short of memory or processes"
            )
        })?;
    let (common, top, estimate) = match &cli.command {
        Command::Scan(args) => (
            &args.common,
            (!args.all).then_some(args.top),
            args.estimate.options(),
        ),
        Command::List(args) => (args, None, EstimateOptions::default()),
        Command::Plan(args) => (&args.common, None, args.estimate.options()),
    };
    // Argument problems are found before any backup is read (and before a password is asked for).
    let prices = match &cli.command {
        Command::Plan(args) => Some(price_table(args)?),
        _ => None,
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
    let passwords =
        passwords::Passwords::from_args(common.password_file.as_deref(), common.password_stdin)?;
    let interaction = console::Console::new(passwords, common.quiet);
    let options = ScanOptions {
        now: now()?,
        interaction: &interaction,
        estimate,
        disk_sizes: if common.measure_disk {
            DiskSizes::Measured
        } else {
            DiskSizes::Named
        },
    };
    // `scan` asks for the password of each backup it reports; `list` never asks; `plan` asks only for the
    // device it plans for, once the plists have said which that is.
    interaction.set_asking(matches!(cli.command, Command::Scan(_)));
    let mut report = scan::scan_paths(&paths, &options);
    if let Command::Plan(args) = &cli.command {
        if interaction.can_prompt() {
            if let Ok(phone) = plan::this_phone(&report.backups, args.device.as_deref()) {
                let device = plan::device_key(&phone.summary);
                interaction.set_asking(true);
                scan::read_locked_again(&mut report, &options, |s| plan::device_key(s) == device);
            }
        }
    }
    // For `scan` and `plan` a locked backup was not read: it counts as not reported. `list` shows it as it is.
    if !matches!(cli.command, Command::List(_)) {
        report.count_locked_as_errors();
    }

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
    if let (Command::Plan(args), Some(prices)) = (&cli.command, &prices) {
        return plan(args, prices, &report, style);
    }
    // A script gets its document even when everything failed (the failures are in `errors`); a person gets
    // the stderr lines above and no empty table.
    let text = if common.json {
        Some(render::json::scan_json(&report)?)
    } else if report.backups.is_empty() {
        None
    } else {
        Some(match cli.command {
            Command::Scan(_) => render::table::scan_table(&report, style),
            Command::List(_) | Command::Plan(_) => render::table::list_table(&report, style),
        })
    };
    if let Some(text) = text {
        print(&text)?;
    }
    Ok(exit_code(&report, matches!(cli.command, Command::List(_))))
}

/// The built-in price table or `--prices FILE`, checked to have `--currency`.
fn price_table(args: &PlanArgs) -> Result<PriceTable> {
    let table = match &args.prices {
        None => PriceTable::built_in(),
        Some(path) => {
            let text = read_small_file(path, 1 << 20)
                .with_context(|| format!("cannot read the price file {}", path.display()))?;
            PriceTable::from_json(&text)
                .with_context(|| format!("cannot use the price file {}", path.display()))?
        }
    };
    let currency = args.currency.to_ascii_uppercase();
    if !table.currencies.contains_key(&currency) {
        let known: Vec<&str> = table.currencies.keys().map(String::as_str).collect();
        anyhow::bail!(
            "no prices in {currency:?}; the price table has {} (--prices FILE adds others)",
            known.join(", ")
        );
    }
    Ok(table)
}

/// A text file of at most `limit` bytes (a price table is a few hundred bytes; a FIFO or a disk image is refused).
fn read_small_file(path: &std::path::Path, limit: u64) -> Result<String> {
    use std::io::Read;
    // Checked before opening: opening a FIFO would block until a writer comes.
    if !std::fs::metadata(path)?.is_file() {
        anyhow::bail!("it is not a regular file");
    }
    let file = std::fs::File::open(path)?;
    let mut text = String::new();
    file.take(limit + 1).read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        anyhow::bail!("it is larger than {limit} bytes");
    }
    Ok(text)
}

/// `cloudfit plan`: plans for the phone and prints the plan; exit 2 when no plan can be made.
fn plan(args: &PlanArgs, prices: &PriceTable, report: &ScanReport, style: Style) -> Result<u8> {
    let currency = args.currency.to_ascii_uppercase();
    let request = plan::PlanRequest {
        tier: args.tier.clone(),
        used_bytes: args.used,
        device: args.device.as_deref(),
        currency: &currency,
        prices,
    };
    // Impossible on the phone, so surely a typo: said on stderr as well as in the plan's notes.
    if let Some(note) = plan::used_beyond_tier(args.used.unwrap_or(0), &args.tier) {
        warn(&note);
    }
    let made = match plan::advise(&report.backups, &request) {
        Ok(made) => made,
        Err(e) => {
            warn(&e.to_string());
            return Ok(exit::NOTHING);
        }
    };
    let text = if args.common.json {
        render::json::plan_json(&made, report)?
    } else {
        render::plan::plan_text(&made, style)
    };
    print(&text)?;
    Ok(exit_code(report, false).min(exit::PARTIAL))
}

/// One line on stderr; a closed stderr is no reason to crash. Names from a backup's plists may hold control
/// characters: they never reach the terminal.
fn warn(message: &str) {
    let message = render::table::clean(message);
    let _ = writeln!(std::io::stderr().lock(), "cloudfit: {message}");
}

/// 0 when every backup found was reported, 1 when some were and some were not, 2 when none was. A locked
/// backup is reported by `list` (`listing`); for `scan` and `plan` it is an error by then.
fn exit_code(report: &ScanReport, listing: bool) -> u8 {
    let reported = if listing {
        report.backups.len()
    } else {
        report.read_count()
    };
    match (reported, report.errors.is_empty()) {
        (_, true) => exit::OK,
        (0, false) => exit::NOTHING,
        (_, false) => exit::PARTIAL,
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
            ColorChoice::Always => {
                let _ = ansi_on_this_console();
                true
            }
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
                    && ansi_on_this_console()
            }
        }
    }
}

/// A Windows console shows colour codes as text unless its virtual-terminal mode is on (Windows 10 and
/// later have it): turn it on, and stay plain where it cannot be. Always true elsewhere.
fn ansi_on_this_console() -> bool {
    anstyle_query::windows::enable_ansi_colors().unwrap_or(true)
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
