//! Exit codes, documented in the README, and how a run's outcome maps to them.

use cloudfit::scan::ScanReport;

/// Every backup found was read.
pub const OK: u8 = 0;
/// Some backups were reported, some failed (each failure is on stderr).
pub const PARTIAL: u8 = 1;
/// Nothing could be reported: bad usage, no backup, unreadable input.
pub const NOTHING: u8 = 2;

/// 0 when every backup found was reported, 1 when some were and some were not, 2 when none was. A locked
/// backup is reported by `list` (`listing`); for `scan` and `plan` it is an error by then.
pub fn of_report(report: &ScanReport, listing: bool) -> u8 {
    let reported = if listing {
        report.backups.len()
    } else {
        report.read_count()
    };
    of_counts(reported, !report.errors.is_empty())
}

/// 0 when nothing failed, 1 when some backups were reported and some failed, 2 when none was reported.
pub fn of_counts(reported: usize, failed: bool) -> u8 {
    match (reported, failed) {
        (_, false) => OK,
        (0, true) => NOTHING,
        (_, true) => PARTIAL,
    }
}
