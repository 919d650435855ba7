//! Looks inside a read backup: its largest files and the folders that hold its bytes, for one app, one data
//! type, one domain or the whole backup. Works from what the scan kept ([`crate::attribute::inside`]),
//! never from a list of every path.

mod scope;
mod top;
mod tree;

pub use scope::{Scope, Target};
pub use top::{largest_files, LargeFile, TopFiles};
pub use tree::{backup_tree, scope_tree, Node, NodeKind, TreeOf};

use crate::attribute::devices::Devices;
use crate::attribute::inside::{Inside, Keep};
use crate::attribute::BackupSummary;
use crate::discover::Skipped;
use crate::error::Result;
use crate::scan::{BackupError, ScanReport};

/// What the scan must keep for `top -n files`.
pub fn keep_for_top(files: usize) -> Keep {
    Keep {
        depth: 0,
        files,
        per_folder: 0,
    }
}

/// What the scan must keep for `tree --depth depth -n rows` of `scope`: as many folder levels below each
/// domain's root as the tree shows (all of a domain tree's levels are folders; an app's or a data type's
/// first level is its domains).
pub fn keep_for_tree(scope: &Scope, depth: usize, rows: usize) -> Keep {
    let folder_levels = match scope {
        Scope::Domain(_) => depth,
        _ => depth.saturating_sub(1),
    };
    Keep {
        depth: folder_levels.min(crate::attribute::inside::MAX_DEPTH),
        files: 0,
        per_folder: rows,
    }
}

/// A report's treemap: data types and apps, their domains, then this many folder levels; so many children
/// per level; and so many largest files per backup. Together they bound the page: at most 10^4 nodes per
/// backup, whatever its size.
pub const REPORT_FOLDER_LEVELS: usize = 2;
pub const REPORT_LEVELS: usize = 2 + REPORT_FOLDER_LEVELS;
pub const REPORT_ROWS: usize = 10;
pub const REPORT_FILES: usize = 50;

/// What the scan must keep for a report: its tree and its largest files.
pub fn keep_for_report() -> Keep {
    Keep {
        depth: REPORT_FOLDER_LEVELS,
        files: REPORT_FILES,
        per_folder: REPORT_ROWS,
    }
}

/// What a backup's scan kept for looking inside; `None` when it was not read (locked) or kept nothing.
fn inside_of(backup: &BackupSummary) -> Option<&Inside> {
    backup.inside.as_deref()
}

/// One backup looked inside, and what was found.
#[derive(Debug)]
pub struct Inspected<'a, T> {
    pub backup: &'a BackupSummary,
    /// The device's name as a person reads it among every backup found (see [`Devices::name`]).
    pub name: String,
    pub found: T,
}

/// What looking inside every read backup of a scan gave: the backups it worked for, and the scan's errors
/// plus those of looking (an app that is not in a backup, say).
#[derive(Debug)]
pub struct Inspection<'a, T> {
    pub backups: Vec<Inspected<'a, T>>,
    pub skipped: &'a [Skipped],
    pub errors: Vec<BackupError>,
    /// Where the errors of looking start in `errors` (the scan's come first, and were already told).
    first_new: usize,
}

impl<'a, T> Inspection<'a, T> {
    /// Looks inside each backup of `report` whose contents were read, or only those of the device `device`
    /// names ([`Devices::find`]: a name several devices have is an error, as is one none has).
    pub fn of(
        report: &'a ScanReport,
        device: Option<&str>,
        look: impl Fn(&BackupSummary) -> Result<T>,
    ) -> Result<Self> {
        let names = Devices::of(report.backups.iter().map(|b| &b.summary));
        let wanted = match device {
            Some(device) => names.find(device)?,
            None => (0..report.backups.len()).collect(),
        };
        let mut errors = report.errors.clone();
        let first_new = errors.len();
        let mut backups = Vec::new();
        for i in wanted {
            let b = &report.backups[i];
            if b.summary.bytes.is_none() {
                continue;
            }
            match look(&b.summary) {
                Ok(found) => backups.push(Inspected {
                    backup: &b.summary,
                    name: names.name(i).to_string(),
                    found,
                }),
                Err(e) => errors.push(BackupError::new(b.summary.path.clone(), &e)),
            }
        }
        Ok(Inspection {
            backups,
            skipped: &report.skipped,
            errors,
            first_new,
        })
    }

    /// The errors of looking inside, not the scan's.
    pub fn new_errors(&self) -> &[BackupError] {
        &self.errors[self.first_new..]
    }
}
