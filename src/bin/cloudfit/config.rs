//! One plain `Config`, built once from the command line before any backup is read: every argument problem
//! (a price file, a currency, the clock, a password file) is found here, and nothing after looks at clap.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use cloudfit::estimate::EstimateOptions;
use cloudfit::plan::{PlanRequest, PriceTable, Tier};
use cloudfit::read::DiskSizes;
use cloudfit::render::fit::MIN_WIDTH;
use cloudfit::render::json::{Failure, Refusal};

use cloudfit::attribute::inside::Keep;
use cloudfit::inspect::{self, Scope};

use crate::cli::{
    Cli, ColorChoice, Command, CommonArgs, DiffArgs, EstimateArgs, LookArgs, OnOff, OutputFormat,
    PlanChoiceArgs, ReportArgs,
};
use crate::passwords::Passwords;
use cloudfit::diff::Pair;

/// Which job to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Scan,
    List,
    Plan,
    Top,
    Tree,
    Report,
    Diff,
}

/// What `diff` compares, and how many files of each change it lists.
pub struct DiffConfig {
    pub pair: cloudfit::diff::Pair,
    pub count: usize,
}

/// What `top` and `tree` look inside, and how much they show.
pub struct LookConfig {
    pub scope: Scope,
    /// Only the backups of this device.
    pub device: Option<String>,
    /// Files (`top`) or rows per level (`tree`).
    pub count: usize,
    /// Levels below the target (`tree`).
    pub depth: usize,
}

/// Where `report` writes its page.
pub struct ReportConfig {
    /// `None`: standard output.
    pub output: Option<PathBuf>,
}

/// What `plan` was told.
pub struct PlanConfig {
    pub tier: Tier,
    /// False when `--tier` was not given and `tier` is the free plan.
    pub tier_given: bool,
    pub used: Option<u64>,
    /// Months ahead the plan must fit.
    pub horizon_months: u32,
    /// Growth is projected to today, and the horizon counted from it.
    pub today: SystemTime,
    pub device: Option<String>,
    /// Upper case, and present in `prices`.
    pub currency: String,
    pub prices: PriceTable,
    /// `plan --explain`: the tables of what the estimate leaves out and assumes, besides the plan.
    pub explain: bool,
}

impl PlanConfig {
    /// The plan `plan` or `report` was asked for, its price table read and checked to have the currency.
    fn of(
        tier: Option<Tier>,
        used: Option<u64>,
        choice: &PlanChoiceArgs,
        today: SystemTime,
    ) -> Result<Self, Failure> {
        Ok(PlanConfig {
            prices: price_table(choice.prices.as_deref(), &choice.currency)?,
            tier_given: tier.is_some(),
            tier: tier.unwrap_or_else(Tier::free),
            used,
            horizon_months: choice.horizon,
            today,
            device: choice.device.clone(),
            currency: choice.currency.to_ascii_uppercase(),
            explain: false,
        })
    }

    /// What the library's planner is asked.
    pub fn request(&self) -> PlanRequest<'_> {
        PlanRequest {
            tier: self.tier.clone(),
            tier_given: self.tier_given,
            used_bytes: self.used,
            horizon_months: self.horizon_months,
            today: self.today,
            device: self.device.as_deref(),
            currency: &self.currency,
            prices: &self.prices,
        }
    }
}

/// Everything a run needs, decided from the arguments and the environment.
pub struct Config {
    pub job: Job,
    /// Backup folders, or folders holding them: the arguments, or this OS's default folder.
    pub paths: Vec<PathBuf>,
    pub format: OutputFormat,
    pub color: bool,
    /// Display columns tables and sentences fit; `None` for whole lines.
    pub width: Option<usize>,
    /// Rows per table; `None` for every row.
    pub top: Option<usize>,
    pub quiet: bool,
    pub passwords: Passwords,
    pub disk_sizes: DiskSizes,
    pub estimate: EstimateOptions,
    /// The clock for backup ages; `CLOUDFIT_NOW` pins it.
    pub now: SystemTime,
    /// Set for `plan`, and for `report` with `--tier` and `--used`.
    pub plan: Option<PlanConfig>,
    /// Set for `top` and `tree`.
    pub look: Option<LookConfig>,
    /// Set for `report`.
    pub report: Option<ReportConfig>,
    /// What the scan keeps of each backup's folders and files for looking inside.
    pub keep: Option<Keep>,
    /// Set for `diff`.
    pub diff: Option<DiffConfig>,
}

/// A command that cannot run, with what its failure document needs: the job (`plan` has its own shape) and
/// whether JSON was asked for.
pub struct NotRun {
    pub failure: Failure,
    pub job: Job,
    pub format: OutputFormat,
}

impl Config {
    pub fn from_cli(cli: Cli) -> Result<Config, NotRun> {
        let job = match &cli.command {
            Command::Plan(_) => Job::Plan,
            Command::List(_) => Job::List,
            Command::Top(_) => Job::Top,
            Command::Tree(_) => Job::Tree,
            Command::Report(_) => Job::Report,
            Command::Diff(_) => Job::Diff,
            _ => Job::Scan,
        };
        let format = match &cli.command {
            Command::Scan(args) => format(&args.common),
            Command::List(args) => format(args),
            Command::Plan(args) => format(&args.common),
            Command::Top(args) => format(&args.common),
            Command::Tree(args) => format(&args.common),
            Command::Report(args) => format(&args.common),
            Command::Diff(args) => format(&args.common),
            Command::Completions(_) | Command::Man(_) => OutputFormat::Table,
        };
        Self::build(cli).map_err(|failure| NotRun {
            failure,
            job,
            format,
        })
    }

    fn build(cli: Cli) -> Result<Config, Failure> {
        let (job, common, top, estimate) = match &cli.command {
            Command::Scan(args) => (
                Job::Scan,
                &args.common,
                (!args.all).then_some(args.top),
                estimate_options(&args.estimate),
            ),
            Command::List(args) => (Job::List, args, None, EstimateOptions::default()),
            Command::Top(args) => (Job::Top, &args.common, None, EstimateOptions::default()),
            Command::Tree(args) => (Job::Tree, &args.common, None, EstimateOptions::default()),
            Command::Report(args) => (
                Job::Report,
                &args.common,
                None,
                estimate_options(&args.estimate),
            ),
            Command::Plan(args) => (
                Job::Plan,
                &args.common,
                None,
                estimate_options(&args.estimate),
            ),
            Command::Diff(args) => (
                Job::Diff,
                &args.common,
                (!args.all).then_some(args.top),
                EstimateOptions::default(),
            ),
            // They print what clap knows, before any Config is needed (main.rs).
            Command::Completions(_) | Command::Man(_) => {
                return Err(Failure::refused(
                    Refusal::Usage,
                    "completions and man read no backup".into(),
                ))
            }
        };
        if job == Job::Report && format(common) == OutputFormat::Csv {
            return Err(Failure::refused(
                Refusal::Usage,
                "report writes an HTML page, or with --format json the data it draws; it has no CSV".into(),
            ));
        }
        let now = now()?;
        // Argument problems come before any backup is read, and before a password is asked for.
        let plan = match &cli.command {
            Command::Plan(args) => {
                let mut plan = PlanConfig::of(args.tier.clone(), args.used, &args.choice, now)?;
                plan.explain = args.explain;
                Some(plan)
            }
            Command::Report(ReportArgs {
                tier: Some(tier),
                used,
                choice,
                ..
            }) => Some(PlanConfig::of(Some(tier.clone()), *used, choice, now)?),
            _ => None,
        };
        let look = match &cli.command {
            Command::Top(args) => Some(LookConfig {
                scope: scope(&args.look, None),
                device: args.look.device.clone(),
                count: usize::from(args.count),
                depth: 0,
            }),
            Command::Tree(args) => Some(LookConfig {
                scope: scope(&args.look, args.domain.as_deref()),
                device: args.look.device.clone(),
                count: usize::from(args.count),
                depth: usize::from(args.depth),
            }),
            _ => None,
        };
        let keep = match (&cli.command, &look) {
            (Command::Top(_), Some(look)) => Some(inspect::keep_for_top(look.count)),
            (Command::Tree(_), Some(look)) => {
                Some(inspect::keep_for_tree(&look.scope, look.depth, look.count))
            }
            (Command::Report(_), _) => Some(inspect::keep_for_report()),
            _ => None,
        };
        let report = match &cli.command {
            Command::Report(args) => Some(ReportConfig {
                output: args.output.clone(),
            }),
            _ => None,
        };
        let diff = match &cli.command {
            Command::Diff(args) => Some(diff_config(args)?),
            _ => None,
        };
        let paths = if common.paths.is_empty() {
            default_paths()?
        } else {
            common.paths.clone()
        };
        let mut diff = diff;
        if let Some(DiffConfig {
            pair: Pair::Device { paths: given, .. },
            ..
        }) = &mut diff
        {
            given.clone_from(&paths);
        }
        let passwords =
            Passwords::from_args(common.password_file.as_deref(), common.password_stdin)
                .map_err(|e| Failure::refused(Refusal::BadPasswordInput, format!("{e:#}")))?;
        Ok(Config {
            job,
            paths,
            format: format(common),
            color: color_enabled(cli.color),
            width: cli.width.or_else(terminal_width),
            top,
            quiet: common.quiet,
            passwords,
            disk_sizes: if common.measure_disk {
                DiskSizes::Measured
            } else {
                DiskSizes::Named
            },
            estimate,
            now,
            plan,
            look,
            report,
            keep,
            diff,
        })
    }
}

/// `diff OLD NEW`, or `diff PATH... --device NAME`.
fn diff_config(args: &DiffArgs) -> Result<DiffConfig, Failure> {
    let paths = &args.common.paths;
    let pair = match (&args.device, paths.as_slice()) {
        (Some(device), _) => Pair::Device {
            paths: paths.clone(),
            device: device.clone(),
        },
        (None, [old, new]) => Pair::Folders {
            old: old.clone(),
            new: new.clone(),
        },
        (None, _) => {
            return Err(Failure::refused(
                Refusal::Usage,
                format!(
                    "diff compares two backups: give two backup folders (OLD NEW), or a folder and \
                     --device NAME; {} given",
                    match paths.len() {
                        1 => "one folder was".to_string(),
                        n => format!("{n} folders were"),
                    }
                ),
            ))
        }
    };
    Ok(DiffConfig {
        pair,
        count: usize::from(args.count),
    })
}

fn scope(look: &LookArgs, domain: Option<&str>) -> Scope {
    match (&look.app, look.category, domain) {
        (Some(app), _, _) => Scope::App(app.clone()),
        (_, Some(category), _) => Scope::Type(category),
        (_, _, Some(domain)) => Scope::Domain(domain.to_string()),
        _ => Scope::Whole,
    }
}

fn format(common: &CommonArgs) -> OutputFormat {
    match (common.json, common.format) {
        (true, _) => OutputFormat::Json,
        (false, Some(format)) => format,
        (false, None) => OutputFormat::Table,
    }
}

fn estimate_options(args: &EstimateArgs) -> EstimateOptions {
    EstimateOptions {
        icloud_photos: args.icloud_photos == OnOff::On,
        messages_in_icloud: args.messages_in_icloud == OnOff::On,
    }
}

/// This OS's backup folders that exist; an error naming where it looked when none does.
fn default_paths() -> Result<Vec<PathBuf>, Failure> {
    let defaults = cloudfit::discover::default_folders().map_err(|e| Failure::of_error(&e))?;
    let existing: Vec<PathBuf> = defaults.iter().filter(|p| p.is_dir()).cloned().collect();
    if existing.is_empty() {
        let looked: Vec<String> = defaults.iter().map(|p| p.display().to_string()).collect();
        return Err(Failure::refused(
            Refusal::NoDefaultFolder,
            format!(
                "no backup folder at {}; back up the device in Finder or iTunes first",
                looked.join(" or ")
            ),
        ));
    }
    Ok(existing)
}

/// The built-in price table or `--prices FILE`, checked to have `currency`.
fn price_table(file: Option<&Path>, currency: &str) -> Result<PriceTable, Failure> {
    let table = match file {
        None => PriceTable::built_in(),
        Some(path) => {
            let bad = |what: &str, problem: String| {
                Failure::refused(
                    Refusal::BadPriceFile,
                    format!("cannot {what} the price file {}: {problem}", path.display()),
                )
            };
            let text = read_small_file(path, 1 << 20).map_err(|e| bad("read", e))?;
            PriceTable::from_json(&text).map_err(|e| bad("use", format!("{e:#}")))?
        }
    };
    let currency = currency.to_ascii_uppercase();
    if !table.currencies.contains_key(&currency) {
        let known: Vec<&str> = table.currencies.keys().map(String::as_str).collect();
        return Err(Failure::refused(
            Refusal::UnknownCurrency,
            format!(
                "no prices in {currency:?}; the price table has {} (--prices FILE adds others)",
                known.join(", ")
            ),
        ));
    }
    Ok(table)
}

/// A text file of at most `limit` bytes (a price table is a few hundred bytes; a FIFO or a disk image is refused).
fn read_small_file(path: &Path, limit: u64) -> Result<String, String> {
    use std::io::Read;
    let io = |e: std::io::Error| cloudfit::error::io_cause(&e);
    // Checked before opening: opening a FIFO would block until a writer comes.
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err("it is not a regular file".into());
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut text = String::new();
    file.take(limit + 1)
        .read_to_string(&mut text)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
            _ => io(e),
        })?;
    if text.len() as u64 > limit {
        return Err(format!("it is larger than {limit} bytes"));
    }
    Ok(text)
}

fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
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

/// The width of the terminal stdout is: its window's (a Windows console's too), else `COLUMNS`, which
/// terminals and `script` set; never under [`MIN_WIDTH`]. `None` when stdout is a pipe or a file, where
/// lines stay whole for scripts, or a terminal that says nothing of its size.
fn terminal_width() -> Option<usize> {
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    let columns = terminal_size::terminal_size_of(&stdout)
        .map(|(width, _)| usize::from(width.0))
        .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
        .filter(|&columns| columns > 0)?;
    Some(columns.max(MIN_WIDTH))
}

/// A Windows console shows colour codes as text unless its virtual-terminal mode is on (Windows 10 and
/// later have it): turn it on, and stay plain where it cannot be. Always true elsewhere.
fn ansi_on_this_console() -> bool {
    anstyle_query::windows::enable_ansi_colors().unwrap_or(true)
}

/// The clock for backup ages; `CLOUDFIT_NOW` (RFC 3339) pins it for reproducible output.
fn now() -> Result<SystemTime, Failure> {
    match std::env::var("CLOUDFIT_NOW") {
        Ok(value) => humantime::parse_rfc3339_weak(&value).map_err(|_| {
            Failure::refused(
                Refusal::BadClock,
                format!(
                    "CLOUDFIT_NOW={value:?} is not an RFC 3339 date such as 2026-11-24T12:00:00Z"
                ),
            )
        }),
        Err(_) => Ok(SystemTime::now()),
    }
}
