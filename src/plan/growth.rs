//! How fast a device's backup grows, read from its archived copies, and when a plan fills at that rate.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;

/// An average Gregorian month, in seconds (365.2425 days / 12).
const MONTH_SECS: f64 = 2_629_746.0;
/// Dates further out than this are not worth printing.
const HORIZON_YEARS: f64 = 100.0;
/// 9999-12-31T23:59:59Z: the last instant a YYYY-MM-DD date can show.
const LAST_DAY_SECS: u64 = 253_402_300_799;

/// The growth of one device's backup between its oldest and newest copies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Growth {
    /// Negative when the backup shrank.
    pub bytes_per_month: i64,
    /// Plan name → the day (YYYY-MM-DD, UTC) it fills at this rate; plans already full or never filled are
    /// absent.
    pub full_on: BTreeMap<String, String>,
    /// The copies the rate comes from: how many, and the first and last date.
    pub copies: usize,
    pub from: String,
    pub to: String,
}

/// A dated size of one copy.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    pub time: SystemTime,
    pub bytes: u64,
}

/// The rate from the oldest to the newest copy; `None` with fewer than two copies on different days.
/// `tiers` are (name, bytes) to date; `other_bytes` is what iCloud holds besides the backup.
pub fn growth(points: &[Point], tiers: &[(String, u64)], other_bytes: u64) -> Option<Growth> {
    let first = points.iter().min_by_key(|p| p.time)?;
    let last = points.iter().max_by_key(|p| p.time)?;
    let span = last.time.duration_since(first.time).ok()?.as_secs_f64();
    if span < 86_400.0 {
        return None;
    }
    let per_sec = (last.bytes as f64 - first.bytes as f64) / span;
    let needed_now = last.bytes.saturating_add(other_bytes);
    let mut full_on = BTreeMap::new();
    if per_sec > 0.0 {
        for (name, bytes) in tiers {
            let Some(room) = bytes.checked_sub(needed_now).filter(|r| *r > 0) else {
                continue;
            };
            let secs = room as f64 / per_sec;
            if secs < HORIZON_YEARS * 365.25 * 86_400.0 {
                let when = last.time + Duration::from_secs_f64(secs);
                if when <= SystemTime::UNIX_EPOCH + Duration::from_secs(LAST_DAY_SECS) {
                    full_on.insert(name.clone(), day(when));
                }
            }
        }
    }
    Some(Growth {
        bytes_per_month: (per_sec * MONTH_SECS).round() as i64,
        full_on,
        copies: points.len(),
        from: day(first.time),
        to: day(last.time),
    })
}

/// YYYY-MM-DD in UTC.
pub fn day(t: SystemTime) -> String {
    // A plist can hold any date; humantime formats years 1970–9999 only.
    let t = t
        .max(SystemTime::UNIX_EPOCH)
        .min(SystemTime::UNIX_EPOCH + Duration::from_secs(LAST_DAY_SECS));
    humantime::format_rfc3339_seconds(t).to_string()[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(days: u64, bytes: u64) -> Point {
        Point {
            time: SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600 + days * 86_400),
            bytes,
        }
    }

    #[test]
    fn rate_and_fill_dates() {
        // 2026-01-01 → 2026-03-02 (60 days): +600 MB, so 10 MB a day.
        let points = [at(60, 1_600_000_000), at(0, 1_000_000_000)];
        let tiers = [
            ("5 GB".to_string(), 5_000_000_000),
            ("1 GB".to_string(), 1_000_000_000),
        ];
        let g = growth(&points, &tiers, 400_000_000).unwrap();
        assert_eq!(
            g.bytes_per_month,
            (10_000_000.0 * MONTH_SECS / 86_400.0).round() as i64
        );
        assert_eq!(
            (g.from.as_str(), g.to.as_str(), g.copies),
            ("2026-01-01", "2026-03-02", 2)
        );
        // 5 GB − 2 GB needed = 3 GB at 10 MB a day: 300 days after 2026-03-02.
        assert_eq!(
            g.full_on.get("5 GB").map(String::as_str),
            Some("2026-12-27")
        );
        assert!(!g.full_on.contains_key("1 GB"), "already full");
    }

    #[test]
    fn shrinking_or_single_copies_have_no_fill_dates() {
        let g = growth(&[at(0, 2_000), at(30, 1_000)], &[("5 GB".into(), 5_000)], 0).unwrap();
        assert!(g.bytes_per_month < 0);
        assert!(g.full_on.is_empty());
        assert_eq!(growth(&[at(0, 1)], &[], 0), None);
        assert_eq!(growth(&[at(0, 1), at(0, 5)], &[], 0), None);
    }

    #[test]
    fn dates_past_year_9999_do_not_panic() {
        let late = |secs: u64, bytes| Point {
            time: SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
            bytes,
        };
        let points = [
            late(LAST_DAY_SECS - 20 * 86_400, 1_000),
            late(LAST_DAY_SECS - 86_400, 2_000),
        ];
        let g = growth(&points, &[("5 GB".into(), 5_000_000_000)], 0).unwrap();
        assert!(g.full_on.is_empty());
        assert_eq!(g.to, "9999-12-30");
        assert_eq!(
            day(SystemTime::UNIX_EPOCH + Duration::from_secs(LAST_DAY_SECS * 2)),
            "9999-12-31"
        );
    }
}
