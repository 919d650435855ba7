//! The command line as clap sees it: commands, options, help texts. Nothing here reads a backup; the
//! options become one [`crate::config::Config`] before anything runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use cloudfit::attribute::inside::MAX_DEPTH;
use cloudfit::attribute::Category;
use cloudfit::plan::{self, Tier};

/// Shown under every command's help: how to give passwords without putting them on the command line.
const PASSWORD_HELP: &str = "Encrypted backups: give the password with --password-file, --password-stdin or the \
CLOUDFIT_PASSWORD environment variable; on a terminal cloudfit asks for it. Never as an argument (it would land \
in shell history). Exit codes: 0 every backup read, 1 some failed, 2 nothing could be reported.";

const PLAN_HELP: &str = "Example: cloudfit plan --tier 5GB --used 3.2GB (Settings › [your name] › iCloud shows \
your plan and what uses it). Sizes are decimal, as Apple counts them: 1 GB = 1,000,000,000 bytes. iCloud Photos and \
Messages in iCloud are taken as off unless you say otherwise: a computer backup already leaves them out. Encrypted \
backups: --password-file, --password-stdin or CLOUDFIT_PASSWORD. Exit codes: 0 planned, 1 planned but some \
backups could not be read, 2 no plan could be made.";

/// The estimate's defaults, as `scan --help` and the README state them.
const DEFAULTS_NOTE: &str = "iCloud Photos and Messages in iCloud are taken as off unless --icloud-photos on / \
--messages-in-icloud on say otherwise: a computer backup already leaves them out, so what it holds of photos and \
messages is what iCloud does not";

#[derive(Parser)]
#[command(
    name = "cloudfit",
    version,
    about = "What is filling your iPhone backup, app by app and data type by data type",
    after_help = PASSWORD_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour in tables
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Fit tables and sentences to N columns (40 or more) [default: the terminal's width; whole lines on a
    /// pipe]
    #[arg(long, global = true, value_parser = parse_width, value_name = "N")]
    pub width: Option<usize>,
}

/// `--width`: a whole number of columns, no fewer than tables are laid out for.
fn parse_width(text: &str) -> Result<usize, String> {
    let min = cloudfit::render::fit::MIN_WIDTH;
    match text.parse::<usize>() {
        Ok(n) if n >= min => Ok(n),
        Ok(_) => Err(format!("tables need at least {min} columns")),
        Err(_) => Err(format!(
            "a number of columns is a whole number, {min} or more"
        )),
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Show what fills each backup: top apps and data types by size
    #[command(after_help = PASSWORD_HELP)]
    Scan(ScanArgs),
    /// One line per backup: device, model, iOS, date, size, encryption, state
    #[command(after_help = PASSWORD_HELP)]
    List(CommonArgs),
    /// Estimate this phone's iCloud backup and the cheapest ways to make it fit your iCloud plan
    #[command(after_help = PLAN_HELP)]
    Plan(PlanArgs),
    /// The largest files of each backup, or of one app or data type in it
    #[command(after_help = LOOK_HELP)]
    Top(TopArgs),
    /// The folders that hold an app's, a data type's or a domain's bytes, level by level
    #[command(after_help = LOOK_HELP)]
    Tree(TreeArgs),
    /// Compare two backups: what grew, per data type, app and domain, and the files added, removed and grown
    #[command(after_help = DIFF_HELP)]
    Diff(DiffArgs),
    /// One self-contained HTML page per run: a treemap to click into, the largest files, the iCloud estimate
    #[command(after_help = REPORT_HELP)]
    Report(ReportArgs),
    /// Print the shell completion script for bash, zsh, fish, powershell or elvish
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print the man page (roff): cloudfit(1), or one command's page, e.g. `cloudfit man scan`
    #[command(after_help = MAN_HELP)]
    Man(ManArgs),
}

const COMPLETIONS_HELP: &str = "Where to put it: bash: cloudfit completions bash > \
~/.local/share/bash-completion/completions/cloudfit; zsh: cloudfit completions zsh > ~/.zfunc/_cloudfit (with \
fpath+=~/.zfunc before compinit in ~/.zshrc); fish: cloudfit completions fish > \
~/.config/fish/completions/cloudfit.fish; PowerShell: cloudfit completions powershell >> $PROFILE; elvish: \
cloudfit completions elvish > ~/.config/elvish/lib/cloudfit.elv (and `use cloudfit` in rc.elv).";

const MAN_HELP: &str = "Install: mkdir -p ~/.local/share/man/man1; cloudfit man > ~/.local/share/man/man1/cloudfit.1; \
and for each command, e.g. cloudfit man scan > ~/.local/share/man/man1/cloudfit-scan.1. Then: man cloudfit.";

const LOOK_HELP: &str = "Examples: cloudfit top --type photos; cloudfit tree --app WhatsApp --depth 2. Apps are \
matched by name or bundle id, ignoring case, whole or in part; data type ids are those of `cloudfit scan --json` \
(photos, messages, apps, ...). Encrypted backups: --password-file, --password-stdin or CLOUDFIT_PASSWORD. Exit \
codes: 0 every backup read, 1 some failed, 2 nothing could be reported.";

const DIFF_HELP: &str = "Examples: cloudfit diff OLD NEW (two backup folders: a backup and its archived copy, \
say); cloudfit diff ~/Library/Application\\ Support/MobileSync/Backup --device \"Maya's iPhone\" (that device's two \
newest backups). The older backup is OLD: two given the other way round are swapped, with a note. Encrypted \
backups: --password-file, --password-stdin or CLOUDFIT_PASSWORD. Exit codes: 0 compared, 2 no comparison (one \
side could not be read: the message says which).";

const REPORT_HELP: &str = "Example: cloudfit report --output backup.html, then open backup.html in a browser. The page \
needs no network and loads nothing from anywhere. With --tier and --used it shows the plan too. Encrypted backups: \
--password-file, --password-stdin or CLOUDFIT_PASSWORD.";

/// Which backups to look inside, and at which part of them.
#[derive(Args)]
pub struct LookArgs {
    /// Only this app: its name or bundle id (ignoring case, whole or in part)
    #[arg(long, value_name = "NAME|ID", group = "scope")]
    pub app: Option<String>,
    /// Only this data type, by its id: photos, messages, apps, ... (the ids `cloudfit scan --json` shows)
    #[arg(long = "type", value_name = "ID", value_parser = parse_category, group = "scope")]
    pub category: Option<Category>,
    /// Only the backups of this device: its name, UDID (or its first 4 or more characters) or backup folder;
    /// a name several devices have is refused: add what tells it apart as cloudfit shows it, e.g.
    /// "Maya's iPhone (iPhone 12)" [default: every backup found]
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
}

#[derive(Args)]
pub struct TopArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub look: LookArgs,
    /// How many files per backup (at most 10000)
    #[arg(short = 'n', long = "count", default_value_t = 20, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=10_000))]
    pub count: u16,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("scope").required(true)))]
pub struct TreeArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub look: LookArgs,
    /// Only this domain, by its exact name (e.g. CameraRollDomain, AppDomain-net.whatsapp.WhatsApp)
    #[arg(long, value_name = "DOMAIN", group = "scope")]
    pub domain: Option<String>,
    /// Levels shown below the app, data type or domain (an app's or data type's first level is its domains)
    #[arg(long, default_value_t = 3, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=MAX_DEPTH as i64))]
    pub depth: u8,
    /// Rows per level (at most 1000); the rest is folded into one "more" row
    #[arg(short = 'n', long = "count", default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1_000))]
    pub count: u16,
}

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub estimate: EstimateArgs,
    /// Write the page to FILE instead of standard output (never inside a backup folder)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Your iCloud plan now, to show the plan too (with --used): 5GB, 50GB, 200GB, 2TB, 6TB or 12TB
    #[arg(long, value_parser = parse_tier, value_name = "SIZE", requires = "used")]
    pub tier: Option<Tier>,
    /// What iCloud holds besides this phone's backup, e.g. 3.2GB (with --tier)
    #[arg(long, value_parser = parse_bytes, value_name = "SIZE", requires = "tier")]
    pub used: Option<u64>,
    #[command(flatten)]
    pub choice: PlanChoiceArgs,
}

#[derive(Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Compare this device's two newest backups under the PATHs: its name, UDID or backup folder
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// How many files of each change to list: added, removed and grown (at most 10000)
    #[arg(short = 'n', long = "count", default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=10_000))]
    pub count: u16,
    /// Rows per table [default: 15]
    #[arg(long, default_value_t = 15, value_name = "N")]
    pub top: usize,
    /// Show every data type and app that changed
    #[arg(long, conflicts_with = "top")]
    pub all: bool,
}

fn parse_category(text: &str) -> Result<Category, String> {
    Category::from_id(text).ok_or_else(|| {
        let ids: Vec<&str> = Category::ALL.iter().map(|c| c.id()).collect();
        format!("no data type {text:?}; the ids are {}", ids.join(", "))
    })
}

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args)]
pub struct ManArgs {
    /// A command's own page instead of cloudfit(1)
    #[arg(value_enum)]
    pub page: Option<ManPage>,
}

/// The commands that have a page of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ManPage {
    Scan,
    List,
    Plan,
    Top,
    Tree,
    Report,
    Diff,
    Completions,
    Man,
}

impl ManPage {
    /// The command's name, as clap knows it.
    pub fn command_name(self) -> &'static str {
        match self {
            ManPage::Scan => "scan",
            ManPage::List => "list",
            ManPage::Plan => "plan",
            ManPage::Top => "top",
            ManPage::Tree => "tree",
            ManPage::Report => "report",
            ManPage::Diff => "diff",
            ManPage::Completions => "completions",
            ManPage::Man => "man",
        }
    }

    /// The page's name, as `man` finds it.
    pub fn page_name(self) -> &'static str {
        match self {
            ManPage::Scan => "cloudfit-scan",
            ManPage::List => "cloudfit-list",
            ManPage::Plan => "cloudfit-plan",
            ManPage::Top => "cloudfit-top",
            ManPage::Tree => "cloudfit-tree",
            ManPage::Report => "cloudfit-report",
            ManPage::Diff => "cloudfit-diff",
            ManPage::Completions => "cloudfit-completions",
            ManPage::Man => "cloudfit-man",
        }
    }
}

/// What the user says about data kept in iCloud itself; the estimate depends on it.
#[derive(Args)]
pub struct EstimateArgs {
    /// Whether iCloud Photos is on: when on, the photo library is not in the iCloud backup
    #[arg(long, value_enum, default_value_t = OnOff::Off, value_name = "on|off")]
    pub icloud_photos: OnOff,
    /// Whether Messages in iCloud is on: when on, messages are not in the iCloud backup
    #[arg(long, value_enum, default_value_t = OnOff::Off, value_name = "on|off")]
    pub messages_in_icloud: OnOff,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub estimate: EstimateArgs,
    /// Your iCloud plan now: 5GB (free), 50GB, 200GB, 2TB, 6TB or 12TB [default: 5GB, the free plan]
    #[arg(long, value_parser = parse_tier, value_name = "SIZE")]
    pub tier: Option<Tier>,
    /// What iCloud holds besides this phone's backup (photos, Drive, mail, other backups), e.g. 3.2GB [default: 0]
    #[arg(long, value_parser = parse_bytes, value_name = "SIZE")]
    pub used: Option<u64>,
    /// Also print what the estimate leaves out and what it assumes (JSON always carries them)
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub choice: PlanChoiceArgs,
}

/// Which device a plan is for, and how its prices are told: the same for `plan` and `report`.
#[derive(Args)]
pub struct PlanChoiceArgs {
    /// The device to plan for: its name, UDID (or its first 4 or more characters) or backup folder; a name
    /// several devices have is refused: add what tells it apart as cloudfit shows it, e.g. "Maya's iPhone
    /// (iPhone 12)" [default: the newest backup that is not an archived copy]
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// Currency of the prices: USD, EUR, GBP, INR or JPY (or any in --prices)
    #[arg(long, default_value = "USD", value_name = "CODE")]
    pub currency: String,
    /// A JSON price table to use instead of the built-in one (its shape is in the README)
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Months ahead the plan must still fit, at the backup's growth rate (0: today only)
    #[arg(long, default_value_t = 12, value_name = "MONTHS", value_parser = clap::value_parser!(u32).range(0..=120))]
    pub horizon: u32,
}

fn parse_tier(text: &str) -> Result<Tier, String> {
    plan::parse_tier(text).map_err(|e| e.to_string())
}

fn parse_bytes(text: &str) -> Result<u64, String> {
    plan::parse_bytes(text).map_err(|e| e.to_string())
}

#[derive(Args)]
pub struct CommonArgs {
    /// Backup folders, or folders holding them (default: this OS's MobileSync/Backup folder)
    pub paths: Vec<PathBuf>,
    /// How to print: tables for people, or one JSON or CSV document for scripts (exact byte counts; fields and
    /// columns in the README)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<OutputFormat>,
    /// The same as --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Password of encrypted backups: a file holding it, or lines `UDID=password` for several devices
    #[arg(long, value_name = "FILE", conflicts_with = "password_stdin")]
    pub password_file: Option<PathBuf>,
    /// Read the password of encrypted backups from the first line of standard input
    #[arg(long)]
    pub password_stdin: bool,
    /// No progress bar or spinner (they appear only on a terminal anyway); warnings still go to stderr
    #[arg(short, long)]
    pub quiet: bool,
    /// Measure every data file with a stat, as du does (slower): exact disk_bytes, and files whose length
    /// differs from the manifest are found. By default data files are only listed and sized by the manifest
    #[arg(long)]
    pub measure_disk: bool,
}

#[derive(Args)]
#[command(after_help = DEFAULTS_NOTE)]
pub struct ScanArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub estimate: EstimateArgs,
    /// Rows per table
    #[arg(long, default_value_t = 15, value_name = "N")]
    pub top: usize,
    /// Show every app and data type
    #[arg(long, conflicts_with = "top")]
    pub all: bool,
}

/// How the result is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Tables and sentences for people
    Table,
    /// One JSON document (the fields in the README)
    Json,
    /// One CSV document with a header row (the columns in the README)
    Csv,
}

/// When to colour tables.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set
    Auto,
    Always,
    Never,
}

/// Whether the raw arguments ask for JSON: a mistyped command line still gets its JSON document, so a script
/// never has to parse clap's usage text.
pub fn asks_for_json(args: &[std::ffi::OsString]) -> bool {
    let mut args = args.iter().map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        match arg.as_ref() {
            "--json" | "--format=json" => return true,
            "--format" if args.next().as_deref() == Some("json") => return true,
            "--" => return false,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_found_among_the_raw_arguments() {
        let asks = |line: &str| asks_for_json(&line.split(' ').map(Into::into).collect::<Vec<_>>());
        assert!(asks("cloudfit scan --json --bogus"));
        assert!(asks("cloudfit list --format json"));
        assert!(asks("cloudfit plan --tier 7GB --format=json"));
        assert!(!asks("cloudfit scan --format csv"));
        assert!(!asks("cloudfit scan -- --json"));
    }

    #[test]
    fn a_width_is_a_number_of_columns_no_fewer_than_tables_need() {
        assert_eq!(parse_width("80"), Ok(80));
        assert_eq!(parse_width("40"), Ok(40));
        assert!(parse_width("39").unwrap_err().contains("at least 40"));
        assert!(parse_width("wide").is_err());
        assert!(parse_width("-1").is_err());
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
