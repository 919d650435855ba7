//! How fast a phone accumulates data, from one backup: the bytes of the files born (MBFile `Birth`) in each
//! of the 24 calendar months up to the backup's, per data type and app. It sees only what was kept: files
//! deleted since are not counted, and a database that grows in place (a chat database born years ago) counts
//! at its birth, so the rate is the growth of what the phone still holds.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::category::Category;

/// Months counted, ending with the backup's own (a part month).
pub const MONTHS: usize = 24;
/// The complete months the rate is taken over: the twelve before the backup's month.
pub const RATE_MONTHS: usize = 12;

/// Bytes born per month of the window, oldest first.
pub type PerMonth = [u64; MONTHS];

/// The window of months a backup's births are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The first month counted, as months since January of year 0.
    first: i64,
    /// Where each month starts, and the last one ends, in Unix seconds: a file's month is found by
    /// comparisons, not by a calendar conversion per file (1.5 million of them).
    starts: [i64; MONTHS + 1],
}

impl Window {
    /// The 24 months ending with the month of `last_backup` (Unix seconds, UTC).
    pub fn ending_at(last_backup: i64) -> Self {
        let first = month_of(last_backup) - (MONTHS as i64 - 1);
        let mut starts = [0; MONTHS + 1];
        for (i, start) in starts.iter_mut().enumerate() {
            *start = month_start(first + i as i64);
        }
        Window { first, starts }
    }

    /// The slot of a file born at `birth` (Unix seconds), if that is within the window.
    #[inline]
    pub fn slot(&self, birth: i64) -> Option<usize> {
        if birth < self.starts[0] || birth >= self.starts[MONTHS] {
            return None;
        }
        Some(self.starts[1..].partition_point(|&start| start <= birth))
    }

    /// The month of slot `i`, as `YYYY-MM`.
    pub fn label(&self, i: usize) -> String {
        let month = self.first + i as i64;
        format!(
            "{:04}-{:02}",
            month.div_euclid(12),
            month.rem_euclid(12) + 1
        )
    }
}

/// Months since January of year 0 of a Unix time, in UTC (Howard Hinnant's `civil_from_days`).
pub fn month_of(seconds: i64) -> i64 {
    let days = seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    year * 12 + (month - 1)
}

/// The first second of a month (months since January of year 0), UTC (Howard Hinnant's
/// `days_from_civil`).
fn month_start(month: i64) -> i64 {
    let (year, month) = (month.div_euclid(12), month.rem_euclid(12) + 1);
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400
}

/// What the attribution gathered: births per month, per data type and per app row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Births {
    pub by_category: BTreeMap<Category, PerMonth>,
    pub by_app: BTreeMap<String, PerMonth>,
}

/// A backup's growth, for the JSON and the scan's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Growth {
    /// The bytes born in the 12 complete months before the backup's month, over 12; or, where the device's
    /// copies disagree with that, their rate (negative when the backup shrank).
    pub bytes_per_month: i64,
    /// `births`: from the files' birth dates in this backup; `copies`: from the device's oldest and newest
    /// copies, which disagree with the births.
    pub method: &'static str,
    /// The births' rate, whichever is used.
    pub births_bytes_per_month: u64,
    /// The rate between the device's oldest and newest copies, on its newest backup when it has two.
    pub from_copies: Option<CopiesRate>,
    /// Whether the two rates agree (within a fifth of the larger); null without copies.
    pub agree: Option<bool>,
    /// The 24 months, oldest first; the last is the backup's own month, counted up to the backup.
    pub months: Vec<MonthBytes>,
    /// Each data type's part of the rate, largest first (apps are in `by_app`); only those that grew.
    pub by_category: Vec<CategoryRate>,
    pub by_app: Vec<AppRate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthBytes {
    pub month: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryRate {
    pub id: Category,
    pub label: &'static str,
    pub bytes_per_month: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppRate {
    pub bundle_id: String,
    pub name: String,
    pub bytes_per_month: u64,
}

/// The rate of one series: its 12 complete months before the last, over 12, rounded.
fn rate(months: &PerMonth) -> u64 {
    let sum: u128 = months[MONTHS - 1 - RATE_MONTHS..MONTHS - 1]
        .iter()
        .map(|&b| u128::from(b))
        .sum();
    let per_month = (sum + RATE_MONTHS as u128 / 2) / RATE_MONTHS as u128;
    u64::try_from(per_month).unwrap_or(u64::MAX)
}

impl Births {
    /// The growth these births show; `None` when no file has a birth date in the window (an extracted tree,
    /// or records without dates).
    pub fn growth(&self, window: &Window, app_name: impl Fn(&str) -> String) -> Option<Growth> {
        let mut total = [0u64; MONTHS];
        for series in self.by_category.values() {
            for (t, b) in total.iter_mut().zip(series) {
                *t = t.saturating_add(*b);
            }
        }
        if total.iter().all(|&b| b == 0) {
            return None;
        }
        let mut by_category: Vec<CategoryRate> = self
            .by_category
            .iter()
            .filter(|(id, _)| **id != Category::Apps)
            .map(|(&id, series)| CategoryRate {
                id,
                label: id.label(),
                bytes_per_month: rate(series),
            })
            .filter(|c| c.bytes_per_month > 0)
            .collect();
        // Stable: equal rates stay in the maps' key order (data type, bundle id).
        by_category.sort_by_key(|c| std::cmp::Reverse(c.bytes_per_month));
        let mut by_app: Vec<AppRate> = self
            .by_app
            .iter()
            .map(|(id, series)| AppRate {
                bundle_id: id.clone(),
                name: app_name(id),
                bytes_per_month: rate(series),
            })
            .filter(|a| a.bytes_per_month > 0)
            .collect();
        by_app.sort_by_key(|a| std::cmp::Reverse(a.bytes_per_month));
        let births = rate(&total);
        Some(Growth {
            bytes_per_month: i64::try_from(births).unwrap_or(i64::MAX),
            method: "births",
            births_bytes_per_month: births,
            from_copies: None,
            agree: None,
            months: total
                .iter()
                .enumerate()
                .map(|(i, &bytes)| MonthBytes {
                    month: window.label(i),
                    bytes,
                })
                .collect(),
            by_category,
            by_app,
        })
    }
}

impl Growth {
    /// Sets the copies' rate beside the births', and uses it when the two disagree: the copies see what births
    /// cannot (files deleted since, databases that grow in place).
    pub fn compare_with(&mut self, copies: CopiesRate) {
        let agree = agree(
            i64::try_from(self.births_bytes_per_month).unwrap_or(i64::MAX),
            copies.bytes_per_month,
        );
        if !agree {
            self.bytes_per_month = copies.bytes_per_month;
            self.method = "copies";
        }
        self.agree = Some(agree);
        self.from_copies = Some(copies);
    }
}

/// An average Gregorian month, in seconds (365.2425 days / 12).
pub const MONTH_SECS: f64 = 2_629_746.0;
/// Two rates agree when they are within this fraction of the larger one. Copies a few weeks apart and twelve
/// months of births measure different spans, so they never match exactly; a gap beyond a fifth means one of
/// the births method's blind spots (files deleted since, databases that grow in place) is large.
const AGREE_WITHIN: f64 = 0.2;
/// 9999-12-31T23:59:59Z: the last instant a YYYY-MM-DD date can show.
pub const LAST_DAY_SECS: u64 = 253_402_300_799;

/// The change between a device's oldest and newest copy, per month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopiesRate {
    pub bytes_per_month: i64,
    pub copies: usize,
    /// The two copies' days, YYYY-MM-DD (UTC).
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
pub fn copies_rate(points: &[Point]) -> Option<CopiesRate> {
    let first = points.iter().min_by_key(|p| p.time)?;
    let last = points.iter().max_by_key(|p| p.time)?;
    let span = last.time.duration_since(first.time).ok()?.as_secs_f64();
    if span < 86_400.0 {
        return None;
    }
    let per_sec = (last.bytes as f64 - first.bytes as f64) / span;
    Some(CopiesRate {
        bytes_per_month: (per_sec * MONTH_SECS).round() as i64,
        copies: points.len(),
        from: day(first.time),
        to: day(last.time),
    })
}

/// Whether two monthly rates agree: within a fifth of the larger, or both zero.
pub fn agree(a: i64, b: i64) -> bool {
    let larger = a.unsigned_abs().max(b.unsigned_abs()) as f64;
    a.abs_diff(b) as f64 <= AGREE_WITHIN * larger
}

/// YYYY-MM-DD in UTC.
pub fn day(t: SystemTime) -> String {
    // A plist can hold any date; humantime formats years 1970–9999 only.
    let t = t
        .max(SystemTime::UNIX_EPOCH)
        .min(SystemTime::UNIX_EPOCH + Duration::from_secs(LAST_DAY_SECS));
    humantime::format_rfc3339_seconds(t).to_string()[..10].to_string()
}

/// Compares each device's births with its copies: the newest backup of every device (by UDID) with two read
/// copies on different days gets the copies' rate beside its own (local bytes, as the births count).
pub fn compare_copies(backups: &mut [&mut super::BackupSummary]) {
    let mut devices: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, b) in backups.iter().enumerate() {
        if let Some(udid) = &b.udid {
            devices
                .entry(udid.to_ascii_uppercase())
                .or_default()
                .push(i);
        }
    }
    for copies in devices.values().filter(|c| c.len() > 1) {
        let points: Vec<Point> = copies
            .iter()
            .filter_map(|&i| {
                Some(Point {
                    time: backups[i].last_backup_time?,
                    bytes: backups[i].bytes?,
                })
            })
            .collect();
        let Some(rate) = copies_rate(&points) else {
            continue;
        };
        let newest = copies
            .iter()
            .copied()
            .filter(|&i| backups[i].bytes.is_some())
            .max_by_key(|&i| backups[i].last_backup_time);
        if let Some(growth) = newest.and_then(|i| backups[i].growth.as_mut()) {
            growth.compare_with(rate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_utc_calendar_months() {
        // 1970-01-01, 2000-02-29 23:59:59, 2000-03-01, 1969-12-31.
        assert_eq!(month_of(0), 1970 * 12);
        assert_eq!(month_of(951_868_799), 2000 * 12 + 1);
        assert_eq!(month_of(951_868_800), 2000 * 12 + 2);
        assert_eq!(month_of(-1), 1969 * 12 + 11);
        let w = Window::ending_at(1_795_000_000); // 2026-11-18
        assert_eq!(w.label(MONTHS - 1), "2026-11");
        assert_eq!(w.label(0), "2024-12");
        assert_eq!(w.slot(1_795_000_000), Some(MONTHS - 1));
        assert_eq!(w.slot(1_795_000_000 + 40 * 86_400), None);
        assert_eq!(w.slot(0), None);
        assert_eq!(w.slot(i64::MIN / 2), None);
        // Every month's first and last second land in it, by comparison as by conversion.
        for i in 0..MONTHS {
            let start = month_start(w.first + i as i64);
            assert_eq!(month_of(start), w.first + i as i64);
            assert_eq!(month_of(start - 1), w.first + i as i64 - 1);
            assert_eq!(w.slot(start), Some(i));
            assert_eq!(w.slot(start + 86_400 * 27), Some(i));
        }
        assert_eq!(month_start(1970 * 12), 0);
        assert_eq!(month_start(2000 * 12 + 2), 951_868_800);
    }

    #[test]
    fn the_rate_is_the_twelve_months_before_the_backup_s() {
        let mut series = [0u64; MONTHS];
        series[MONTHS - 1] = 1_000_000; // the backup's own month: not in the rate
        series[MONTHS - 2] = 1_200;
        series[MONTHS - 13] = 1_200;
        series[MONTHS - 14] = 5_000; // thirteen months back: not in the rate
        assert_eq!(rate(&series), 200);
        let mut births = Births::default();
        births.by_category.insert(Category::Photos, series);
        births.by_app.insert("net.whatsapp.WhatsApp".into(), series);
        let w = Window::ending_at(1_795_000_000);
        let g = births.growth(&w, |id| format!("app {id}")).unwrap();
        assert_eq!(g.bytes_per_month, 200);
        assert_eq!(g.months.len(), MONTHS);
        assert_eq!(g.by_category[0].id, Category::Photos);
        assert_eq!(g.by_app[0].name, "app net.whatsapp.WhatsApp");
        assert_eq!(Births::default().growth(&w, |id| id.into()), None);
    }

    fn at(days: u64, bytes: u64) -> Point {
        Point {
            time: SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600 + days * 86_400),
            bytes,
        }
    }

    #[test]
    fn the_copies_rate_is_the_change_over_their_span() {
        // 2026-01-01 → 2026-03-02 (60 days): +600 MB, so 10 MB a day.
        let c = copies_rate(&[at(60, 1_600_000_000), at(0, 1_000_000_000)]).unwrap();
        assert_eq!(
            c.bytes_per_month,
            (10_000_000.0 * MONTH_SECS / 86_400.0).round() as i64
        );
        assert_eq!(
            (c.from.as_str(), c.to.as_str(), c.copies),
            ("2026-01-01", "2026-03-02", 2)
        );
        let shrank = copies_rate(&[at(0, 2_000), at(30, 1_000)]).unwrap();
        assert!(shrank.bytes_per_month < 0);
        assert_eq!(copies_rate(&[at(0, 1)]), None);
        assert_eq!(copies_rate(&[at(0, 1), at(0, 5)]), None);
    }

    #[test]
    fn copies_that_disagree_with_the_births_are_used() {
        let mut g = Births::default();
        let mut series = [0u64; MONTHS];
        series[MONTHS - 2] = 12_000;
        g.by_category.insert(Category::Photos, series);
        let mut growth = g
            .growth(&Window::ending_at(1_767_225_600), |id| id.to_string())
            .unwrap();
        assert_eq!((growth.bytes_per_month, growth.method), (1_000, "births"));
        let copies = |bytes_per_month| CopiesRate {
            bytes_per_month,
            copies: 2,
            from: "2025-11-01".into(),
            to: "2026-01-01".into(),
        };
        let mut agreeing = growth.clone();
        agreeing.compare_with(copies(1_150));
        assert_eq!(
            (agreeing.bytes_per_month, agreeing.method, agreeing.agree),
            (1_000, "births", Some(true))
        );
        growth.compare_with(copies(-400));
        assert_eq!(
            (growth.bytes_per_month, growth.method, growth.agree),
            (-400, "copies", Some(false))
        );
        assert_eq!(growth.births_bytes_per_month, 1_000);
        assert!(agree(0, 0) && !agree(0, 1) && agree(-100, -90));
    }
}
