//! Compares two backups (of one device, usually its backup and an archived copy): per data type, app and
//! domain, and the files added, removed and grown most. Each backup is read once, as a scan reads it, with
//! every file reduced to a key of its place and its size; the two sorted lists are merged in one pass, and
//! only the few files listed are named, found again by key while both backups are still open.

mod merge;
mod names;
mod pair;
mod prints;
mod rows;

use std::path::PathBuf;
use std::time::SystemTime;

use rustc_hash::FxHashSet;
use serde::Serialize;

pub use merge::Changes;
pub use pair::Pair;
pub use rows::{delta, Row};

use crate::attribute::{BackupSummary, Format};
use crate::discover::BackupDir;
use crate::error::Error;
use crate::scan::{scan_backup_with, PerFile, ScanOptions, Source};
use pair::Chosen;
use prints::Prints;

/// An average Gregorian month, in days (365.2425 / 12).
const MONTH_DAYS: f64 = 30.436_875;

/// Which of the two backups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Which {
    Old,
    New,
}

impl Which {
    pub fn word(self) -> &'static str {
        match self {
            Which::Old => "old",
            Which::New => "new",
        }
    }
}

/// One backup compared.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// The folder's name.
    pub id: String,
    #[serde(serialize_with = "crate::discover::serialize_path")]
    pub path: PathBuf,
    pub udid: Option<String>,
    pub device_name: Option<String>,
    pub product_type: Option<String>,
    pub product_name: Option<String>,
    pub ios_version: Option<String>,
    /// RFC 3339, UTC; null for an extracted tree.
    pub last_backup: Option<String>,
    pub archived: bool,
    pub format: Format,
    pub bytes: u64,
    pub files: u64,
}

impl Side {
    fn of(s: &BackupSummary) -> Self {
        Side {
            id: s.id.clone(),
            path: s.path.clone(),
            udid: s.udid.clone(),
            device_name: s.device_name.clone(),
            product_type: s.product_type.clone(),
            product_name: s.product_name.clone(),
            ios_version: s.ios_version.clone(),
            last_backup: s.last_backup.clone(),
            archived: s.archived,
            format: s.format,
            bytes: s.bytes.unwrap_or(0),
            files: s.files.unwrap_or(0),
        }
    }
}

/// How a listed file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Added,
    Removed,
    Grown,
}

/// One file the diff lists: its `Size` in each backup, null where it is absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    pub domain: String,
    pub path: String,
    pub old_bytes: Option<u64>,
    pub new_bytes: Option<u64>,
    pub change: Change,
}

/// Something the reader of a diff should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum Note {
    /// OLD was the newer backup: the two were swapped, so that the change reads forwards in time.
    DiffSwapped,
    /// The two are backups of different devices.
    DiffOtherDevice {
        old_udid: Option<String>,
        new_udid: Option<String>,
    },
}

/// Two backups compared.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub old: Side,
    pub new: Side,
    /// Days from the old backup to the new one (two decimals); null without both dates.
    pub days: Option<f64>,
    pub seconds: Option<i64>,
    /// `new.bytes - old.bytes`.
    pub delta_bytes: i64,
    /// That change per average month (365.2425 / 12 days); null without days.
    pub bytes_per_month: Option<i64>,
    /// Files added, removed, grown, shrunk and unchanged.
    pub changes: Changes,
    /// Every data type, app and domain of either backup, the most grown first.
    pub rows: Vec<Row>,
    /// The `n` largest files added (by new size), removed (by old size) and grown (by growth), in that
    /// order, each largest first.
    pub files: Vec<FileChange>,
    pub notes: Vec<Note>,
}

/// Why no diff was made: the library's error, and which backup it is about, if one.
#[derive(Debug, Clone, Serialize)]
pub struct DiffError {
    #[serde(serialize_with = "serialize_opt_path")]
    pub path: Option<PathBuf>,
    pub code: &'static str,
    pub message: String,
    pub side: Option<Which>,
}

fn serialize_opt_path<S: serde::Serializer>(
    path: &Option<PathBuf>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match path {
        Some(p) => crate::discover::serialize_path(p, s),
        None => s.serialize_none(),
    }
}

impl DiffError {
    pub(crate) fn of(side: Option<Which>, path: Option<PathBuf>, e: &Error) -> Self {
        DiffError {
            path,
            code: e.code(),
            message: e.to_string(),
            side,
        }
    }
}

/// Compares the two backups `pair` names, listing the `n` largest files of each change.
pub fn diff(pair: &Pair, n: usize, options: &ScanOptions<'_>) -> Result<Diff, DiffError> {
    let mut notes = Vec::new();
    let (old, new) = match pair {
        Pair::Folders { old, new } => {
            let old = pair::one_backup(old, Which::Old)?;
            let new = pair::one_backup(new, Which::New)?;
            match (old.date, new.date) {
                (Some(o), Some(n)) if o > n => {
                    notes.push(Note::DiffSwapped);
                    (new, old)
                }
                _ => (old, new),
            }
        }
        Pair::Device { paths, device } => pair::device_pair(paths, device)?,
    };
    let mut diff = compare(&old, &new, n, options)?;
    if diff.old.udid.is_some() && diff.new.udid.is_some() && diff.old.udid != diff.new.udid {
        notes.push(Note::DiffOtherDevice {
            old_udid: diff.old.udid.clone(),
            new_udid: diff.new.udid.clone(),
        });
    }
    diff.notes = notes;
    Ok(diff)
}

/// An error of reading one side.
fn side_error(side: Which, dir: &BackupDir, e: &Error) -> DiffError {
    DiffError::of(Some(side), Some(dir.path.clone()), e)
}

/// A backup left locked (no password given) was not read: an error for a diff.
fn must_be_read(side: Which, dir: &BackupDir, s: &BackupSummary) -> Result<(), DiffError> {
    match s.bytes {
        Some(_) => Ok(()),
        None => Err(side_error(
            side,
            dir,
            &Error::Locked {
                device: s.device_name.clone().unwrap_or_else(|| s.id.clone()),
                path: s.path.clone(),
            },
        )),
    }
}

/// Reads the old backup, then (still holding it open) the new one, and compares them.
fn compare(
    old: &Chosen,
    new: &Chosen,
    n: usize,
    options: &ScanOptions<'_>,
) -> Result<Diff, DiffError> {
    let per_file = PerFile {
        make: &Prints::default,
        visit: &|p: &mut Prints, f| p.add(f),
        merge: &|p: &mut Prints, more| p.merge(more),
    };
    let (old_dir, new_dir) = (&old.dir, &new.dir);
    let read = scan_backup_with(old_dir, options, &per_file, |old_s, old_p, old_src| {
        must_be_read(Which::Old, old_dir, &old_s)?;
        let read = scan_backup_with(new_dir, options, &per_file, |new_s, new_p, new_src| {
            must_be_read(Which::New, new_dir, &new_s)?;
            let sides = [(old_dir, &old_s, &old_src), (new_dir, &new_s, &new_src)];
            assemble(sides, old_p, new_p, n)
        });
        read.unwrap_or_else(|e| Err(side_error(Which::New, new_dir, &e)))
    });
    read.unwrap_or_else(|e| Err(side_error(Which::Old, old_dir, &e)))
}

type Opened<'a> = (&'a BackupDir, &'a BackupSummary, &'a Source<'a>);

fn assemble(
    [(old_dir, old, old_src), (new_dir, new, new_src)]: [Opened<'_>; 2],
    old_prints: Prints,
    new_prints: Prints,
    n: usize,
) -> Result<Diff, DiffError> {
    let (old_p, new_p) = rayon::join(|| old_prints.sorted(), || new_prints.sorted());
    let changes = merge::merge(&old_p, &new_p, n);
    drop((old_p, new_p));
    let new_wanted: FxHashSet<prints::Key> = changes
        .top_added
        .iter()
        .map(|a| a.0)
        .chain(changes.top_grown.iter().map(|g| g.0))
        .collect();
    let old_wanted: FxHashSet<prints::Key> = changes.top_removed.iter().map(|r| r.0).collect();
    let new_names =
        names::names(new_src, &new_wanted).map_err(|e| side_error(Which::New, new_dir, &e))?;
    let old_names =
        names::names(old_src, &old_wanted).map_err(|e| side_error(Which::Old, old_dir, &e))?;
    let named = |names: &names::Names, key, old_bytes, new_bytes, change| {
        names.get(&key).map(|(domain, path)| FileChange {
            domain: domain.clone(),
            path: path.clone(),
            old_bytes,
            new_bytes,
            change,
        })
    };
    let files = (changes.top_added.iter())
        .filter_map(|&(k, s)| named(&new_names, k, None, Some(s), Change::Added))
        .chain(
            (changes.top_removed.iter())
                .filter_map(|&(k, s)| named(&old_names, k, Some(s), None, Change::Removed)),
        )
        .chain(
            (changes.top_grown.iter())
                .filter_map(|&(k, o, s)| named(&new_names, k, Some(o), Some(s), Change::Grown)),
        )
        .collect();
    let seconds = match (old.last_backup_time, new.last_backup_time) {
        (Some(o), Some(n)) => Some(signed_seconds(o, n)),
        _ => None,
    };
    let days = seconds.map(|s| (s as f64 / 864.0).round() / 100.0);
    let delta_bytes = rows::delta(old.bytes.unwrap_or(0), new.bytes.unwrap_or(0));
    let bytes_per_month = seconds
        .filter(|&s| s > 0)
        .map(|s| (delta_bytes as f64 * MONTH_DAYS * 86_400.0 / s as f64).round() as i64);
    Ok(Diff {
        old: Side::of(old),
        new: Side::of(new),
        days,
        seconds,
        delta_bytes,
        bytes_per_month,
        changes,
        rows: rows::rows(old, new),
        files,
        notes: Vec::new(),
    })
}

/// Seconds from `from` to `to`, negative when `to` is earlier.
fn signed_seconds(from: SystemTime, to: SystemTime) -> i64 {
    let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    match to.duration_since(from) {
        Ok(d) => secs(d),
        Err(e) => -secs(e.duration()),
    }
}
