//! What a scan, a list and a plan show, decided once for every writer (tables, CSV, and HTML to come): the
//! rows in order, the top-N cut and its roll-up, the notes, the verdict. Sizes stay bytes; writers format them.

use rustc_hash::FxHashMap;

use crate::attribute::devices::Devices;
use crate::attribute::{BackupState, BackupSummary, Format, NameSource, OwnerKind};
use crate::diagnostic::{Assumption, Warning};
use crate::estimate::{Estimate, EstimatedBackup, Removed};
use crate::read::Counts;
use crate::scan::ScanReport;

mod plan;
pub use plan::{GrowthView, OptionView, PlanView, Verdict, WayOut};

/// `cloudfit scan`: one section per backup, in the report's order.
pub struct ScanView<'a> {
    pub backups: Vec<BackupView<'a>>,
}

/// One backup's section: its header, what fills it, what does not add up, and its iCloud estimate.
pub struct BackupView<'a> {
    pub header: BackupHeader<'a>,
    /// The apps, data types and domains; `None` when the contents were not read (a locked backup).
    pub usage: Option<Usage<'a>>,
    pub notes: Vec<Note<'a>>,
    pub estimate: Option<EstimateView<'a>>,
}

/// `cloudfit list`: one row per backup, in the report's order.
pub struct ListView<'a> {
    pub rows: Vec<BackupHeader<'a>>,
}

/// What heads a backup's section (`scan`) or makes its row (`list`): the report's facts, and what is made of
/// them.
pub struct BackupHeader<'a> {
    /// The report's facts about the backup (names, flags, every figure), which writers read as they are.
    pub backup: &'a EstimatedBackup,
    /// An extracted tree has no plists: it is named by its folder, and has no date or state to show.
    pub extracted: bool,
    /// The name a person knows the backup by: the device's (with its model and last backup date when another
    /// device has the same name), else the folder's.
    pub title: String,
    pub last_backup: Option<LastBackup<'a>>,
    /// `finished`, `incomplete`, and `archived, …` for an archived copy.
    pub state: &'static str,
    pub contents: Contents,
}

/// When the last backup was made.
pub struct LastBackup<'a> {
    /// `YYYY-MM-DD`, UTC.
    pub day: &'a str,
    /// Days before the clock the scan ran with; negative for a date in the future.
    pub age_days: i64,
}

/// How big a backup is, by what could be read of it.
pub enum Contents {
    /// The manifest was read: its regular files, and everything the folder holds on disk.
    Read {
        bytes: u64,
        files: u64,
        disk_bytes: u64,
    },
    /// Not read (locked): only what the folder holds on disk.
    OnDisk { disk_bytes: u64, disk_files: u64 },
}

/// A backup's bytes three ways, each largest first. Data types and domains each add up to the backup's
/// total; apps add up to the `apps` data type.
pub struct Usage<'a> {
    pub apps: UsageTable<'a>,
    pub categories: UsageTable<'a>,
    pub domains: UsageTable<'a>,
}

/// One of those three ways: the rows shown, and the rest folded into one.
pub struct UsageTable<'a> {
    pub kind: RowKind,
    pub rows: Vec<UsageRow<'a>>,
    /// The rows past the top-N cut, as one "N more" row; `None` when every row is shown.
    pub folded: Option<Folded>,
    /// The backup's bytes: each row's share is of these.
    pub total_bytes: u64,
}

impl UsageTable<'_> {
    /// Nothing to show: the backup has no rows of this kind.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.folded.is_none()
    }
}

/// What one row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    App,
    Category,
    Domain,
}

impl RowKind {
    /// The machine name of the kind, as the JSON names its list (singular).
    pub fn id(self) -> &'static str {
        match self {
            RowKind::App => "app",
            RowKind::Category => "category",
            RowKind::Domain => "domain",
        }
    }

    /// The heading of the table's first column.
    pub fn heading(self) -> &'static str {
        match self {
            RowKind::App => "App",
            RowKind::Category => "Data type",
            RowKind::Domain => "Domain",
        }
    }

    /// Several rows of this kind, in words ("4 more apps").
    pub fn plural(self) -> &'static str {
        match self {
            RowKind::App => "apps",
            RowKind::Category => "data types",
            RowKind::Domain => "domains",
        }
    }
}

/// An app, a data type or a domain.
pub struct UsageRow<'a> {
    /// The bundle id (or `vendor:…`), the data type's id, or the domain.
    pub id: &'a str,
    /// What a person calls it: the app's name, the data type's label, or the domain.
    pub name: &'a str,
    pub bytes: u64,
    pub files: u64,
    /// Apps only: what kind of owner the row is, and where its name came from.
    pub app: Option<AppFacts>,
    /// The row's bytes in the estimated iCloud backup: for apps and data types of a backup that was
    /// estimated (0 for a data type the iCloud backup leaves out); `None` for domains, which are not estimated.
    pub icloud_bytes: Option<u64>,
}

#[derive(Debug, Clone, Copy)]
pub struct AppFacts {
    pub kind: OwnerKind,
    pub name_source: NameSource,
}

/// The rows past the cut, added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Folded {
    pub rows: usize,
    pub bytes: u64,
    pub files: u64,
}

/// Something under a backup's tables that the reader should know.
pub enum Note<'a> {
    /// Files the manifest lists that are not on disk: a partial backup.
    Missing(Counts),
    /// Files on disk that the manifest does not list.
    Orphans(Counts),
    /// A warning from the scan (worded by `render::words`).
    Warning(&'a Warning),
}

/// The iCloud estimate, as the scan shows it under a backup and the plan shows it for the phone.
pub struct EstimateView<'a> {
    pub bytes: u64,
    pub low: u64,
    pub high: u64,
    /// The local backup's bytes the estimate starts from.
    pub local_bytes: u64,
    /// What the iCloud backup would not hold ("Not in it"), in the estimate's order.
    pub removed: &'a [Removed],
    pub assumptions: &'a [Assumption],
}

impl<'a> ScanView<'a> {
    /// `top` rows per table before the rest fold into one row; `None` for every row.
    pub fn new(report: &'a ScanReport, top: Option<usize>) -> Self {
        let names = Devices::of(report.backups.iter().map(|b| &b.summary));
        let backups = report
            .backups
            .iter()
            .enumerate()
            .map(|(i, b)| BackupView {
                header: BackupHeader::new(b, names.name(i)),
                usage: usage(b, top),
                notes: notes(&b.summary),
                estimate: b.estimate.as_ref().map(EstimateView::new),
            })
            .collect();
        ScanView { backups }
    }
}

impl<'a> ListView<'a> {
    pub fn new(report: &'a ScanReport) -> Self {
        let names = Devices::of(report.backups.iter().map(|b| &b.summary));
        let rows = report
            .backups
            .iter()
            .enumerate()
            .map(|(i, b)| BackupHeader::new(b, names.name(i)))
            .collect();
        ListView { rows }
    }
}

impl<'a> BackupHeader<'a> {
    /// `title` as [`Devices::name`] gives it.
    fn new(backup: &'a EstimatedBackup, title: &str) -> Self {
        let b = &backup.summary;
        let extracted = matches!(
            b.format,
            Format::ExtractedDomains | Format::ExtractedDevicePaths
        );
        let title = title.to_string();
        let last_backup = match (&b.last_backup, b.age_days) {
            (Some(date), Some(age_days)) => Some(LastBackup {
                day: date.get(..10).unwrap_or(date),
                age_days,
            }),
            _ => None,
        };
        let state = match (b.archived, b.state) {
            (false, BackupState::Finished) => "finished",
            (false, BackupState::Incomplete) => "incomplete",
            (true, BackupState::Finished) => "archived, finished",
            (true, BackupState::Incomplete) => "archived, incomplete",
        };
        // The manifest gives bytes and files together, or neither.
        let contents = match (b.bytes, b.files) {
            (Some(bytes), Some(files)) => Contents::Read {
                bytes,
                files,
                disk_bytes: b.disk_bytes,
            },
            _ => Contents::OnDisk {
                disk_bytes: b.disk_bytes,
                disk_files: b.disk_files,
            },
        };
        BackupHeader {
            backup,
            extracted,
            title,
            last_backup,
            state,
            contents,
        }
    }
}

/// The three tables of a backup whose contents were read, each cut at `top`.
fn usage(backup: &EstimatedBackup, top: Option<usize>) -> Option<Usage<'_>> {
    let b = &backup.summary;
    let total_bytes = b.bytes?;
    let estimate = backup.estimate.as_ref();
    let app_estimates: FxHashMap<&str, u64> = estimate
        .map(|e| {
            e.apps
                .iter()
                .map(|a| (a.bundle_id.as_str(), a.bytes))
                .collect()
        })
        .unwrap_or_default();
    let apps = b.apps.iter().map(|a| UsageRow {
        id: &a.bundle_id,
        name: &a.name,
        bytes: a.bytes,
        files: a.files,
        app: Some(AppFacts {
            kind: a.kind,
            name_source: a.name_source,
        }),
        icloud_bytes: estimate.map(|_| {
            app_estimates
                .get(a.bundle_id.as_str())
                .copied()
                .unwrap_or(0)
        }),
    });
    let categories = b.categories.iter().map(|c| UsageRow {
        id: c.id.id(),
        name: c.label,
        bytes: c.bytes,
        files: c.files,
        app: None,
        // The estimate leaves out the data types the iCloud backup would not hold at all.
        icloud_bytes: estimate.map(|e| {
            e.categories
                .iter()
                .find(|ce| ce.id == c.id)
                .map_or(0, |ce| ce.bytes)
        }),
    });
    let domains = b.domains.iter().map(|d| UsageRow {
        id: &d.domain,
        name: &d.domain,
        bytes: d.bytes,
        files: d.files,
        app: None,
        icloud_bytes: None,
    });
    Some(Usage {
        apps: cut(RowKind::App, apps, top, total_bytes),
        categories: cut(RowKind::Category, categories, top, total_bytes),
        domains: cut(RowKind::Domain, domains, top, total_bytes),
    })
}

/// The first `top` rows, and the rest added up into one.
fn cut<'a>(
    kind: RowKind,
    rows: impl Iterator<Item = UsageRow<'a>>,
    top: Option<usize>,
    total_bytes: u64,
) -> UsageTable<'a> {
    let top = top.unwrap_or(usize::MAX);
    let mut shown = Vec::new();
    let mut folded: Option<Folded> = None;
    for row in rows {
        if shown.len() < top {
            shown.push(row);
            continue;
        }
        let rest = folded.get_or_insert(Folded {
            rows: 0,
            bytes: 0,
            files: 0,
        });
        rest.rows += 1;
        rest.bytes = rest.bytes.saturating_add(row.bytes);
        rest.files = rest.files.saturating_add(row.files);
    }
    UsageTable {
        kind,
        rows: shown,
        folded,
        total_bytes,
    }
}

/// What does not add up (missing and orphan files), then the scan's warnings.
fn notes(b: &BackupSummary) -> Vec<Note<'_>> {
    let mut notes = Vec::new();
    if b.missing.files > 0 {
        notes.push(Note::Missing(b.missing));
    }
    if b.orphans.files > 0 {
        notes.push(Note::Orphans(b.orphans));
    }
    notes.extend(b.warnings.iter().map(Note::Warning));
    notes
}

impl<'a> EstimateView<'a> {
    fn new(e: &'a Estimate) -> Self {
        EstimateView {
            bytes: e.bytes,
            low: e.low,
            high: e.high,
            local_bytes: e.local_bytes,
            removed: &e.removed,
            assumptions: &e.assumptions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(bytes: u64) -> UsageRow<'static> {
        UsageRow {
            id: "id",
            name: "name",
            bytes,
            files: 1,
            app: None,
            icloud_bytes: None,
        }
    }

    #[test]
    fn the_cut_folds_every_row_past_top_into_one() {
        let rows = || [50, 30, 15, 5].into_iter().map(row);
        let table = cut(RowKind::App, rows(), Some(2), 100);
        let shown: Vec<u64> = table.rows.iter().map(|r| r.bytes).collect();
        assert_eq!(shown, [50, 30]);
        let folded = Folded {
            rows: 2,
            bytes: 20,
            files: 2,
        };
        assert_eq!(table.folded, Some(folded));
        assert!(cut(RowKind::App, rows(), None, 100).folded.is_none());
        assert!(cut(RowKind::App, rows(), Some(4), 100).folded.is_none());
        // `--top 0` still has something to show: the roll-up of everything.
        let none_shown = cut(RowKind::App, rows(), Some(0), 100);
        assert!(none_shown.rows.is_empty() && !none_shown.is_empty());
        assert!(cut(RowKind::Domain, std::iter::empty(), Some(3), 0).is_empty());
    }
}
