//! How fast a device's iCloud backup grows — from its archived copies, or from the birth dates of the files in
//! its newest backup — and how long a plan holds at that rate.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::attribute::births::LAST_DAY_SECS;
pub use crate::attribute::births::{agree, copies_rate, day, CopiesRate, Point, MONTH_SECS};

/// Dates further out than this are not worth printing.
const HORIZON_YEARS: f64 = 100.0;

/// Which figures the plan's rate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// The files born in the 12 months before the newest backup's month.
    Births,
    /// The oldest and the newest copy of the backup.
    Copies,
}

/// The growth of one device's iCloud backup, and the day plans fill at that rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Growth {
    /// The rate the plan uses, per month; negative when the backup shrank.
    pub bytes_per_month: i64,
    pub method: Method,
    /// Plan name → the day (YYYY-MM-DD, UTC) it fills at this rate; plans already full or never filled are
    /// absent.
    pub full_on: BTreeMap<String, String>,
    /// The copies the copies' rate comes from (0 without two copies on different days).
    pub copies: usize,
    /// The span the rate was measured over: the two copies' days, or the first and last day of the births'
    /// twelve months.
    pub from: String,
    pub to: String,
    /// Both rates, where each is known, so a reader can compare them.
    pub from_births: Option<BirthsRate>,
    pub from_copies: Option<CopiesRate>,
    /// Whether the two rates agree (within a fifth of the larger); null unless both are known.
    pub agree: Option<bool>,
}

/// The bytes born in twelve months, over 12, as the iCloud backup would hold them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BirthsRate {
    pub bytes_per_month: u64,
    /// The first and last month counted, `YYYY-MM`.
    pub from: String,
    pub to: String,
}

/// The plan's growth from what is known: the copies' rate when the two disagree (they see deletions and
/// databases growing in place, which births cannot), else the births' (a year of data, per app).
pub fn combine(births: Option<BirthsRate>, copies: Option<CopiesRate>) -> Option<Growth> {
    let agree = match (&births, &copies) {
        (Some(b), Some(c)) => Some(agree(b.bytes_per_month as i64, c.bytes_per_month)),
        _ => None,
    };
    let (bytes_per_month, method, from, to) = match (&births, &copies) {
        (Some(b), _) if agree != Some(false) => (
            b.bytes_per_month as i64,
            Method::Births,
            format!("{}-01", b.from),
            last_day_of(&b.to),
        ),
        (_, Some(c)) => (
            c.bytes_per_month,
            Method::Copies,
            c.from.clone(),
            c.to.clone(),
        ),
        _ => return None,
    };
    Some(Growth {
        bytes_per_month,
        method,
        full_on: BTreeMap::new(),
        copies: copies.as_ref().map_or(0, |c| c.copies),
        from,
        to,
        from_births: births,
        from_copies: copies,
        agree,
    })
}

/// The last day of a `YYYY-MM` month, as `YYYY-MM-DD`.
fn last_day_of(month: &str) -> String {
    let parsed = month
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i64>().ok()?, m.parse::<u32>().ok()?)));
    let Some((year, m)) = parsed.filter(|(_, m)| (1..=12).contains(m)) else {
        return month.to_string();
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    format!("{month}-{days:02}")
}

/// Projects what a backup needs over time: its need at the backup's date grows at a rate per month, and
/// dates are counted from today (the backup may be weeks old), with the horizon the user plans for.
#[derive(Debug, Clone, Copy)]
pub struct Outlook {
    /// Bytes per month; 0 when the growth is unknown.
    pub per_month: f64,
    /// The backup's date, where its need was measured.
    pub measured: SystemTime,
    pub today: SystemTime,
    pub horizon_months: u32,
}

impl Outlook {
    /// The same outlook at another rate (an option that also takes away part of the growth).
    pub fn at_rate(self, per_month: f64) -> Self {
        Outlook { per_month, ..self }
    }

    /// The end of the horizon: today plus that many months.
    pub fn horizon_end(&self) -> SystemTime {
        let ahead = Duration::from_secs_f64(f64::from(self.horizon_months) * MONTH_SECS);
        self.today.checked_add(ahead).unwrap_or(self.today)
    }

    /// What `need` (at the backup's date) has grown to at `t`.
    pub fn need_at(&self, need: u64, t: SystemTime) -> u64 {
        let months = match t.duration_since(self.measured) {
            Ok(d) => d.as_secs_f64() / MONTH_SECS,
            Err(e) => -e.duration().as_secs_f64() / MONTH_SECS,
        };
        // A float-to-integer cast saturates: below 0 is 0, beyond u64 is u64::MAX.
        (need as f64 + self.per_month * months).round() as u64
    }

    /// The need at the end of the horizon.
    pub fn need_after_horizon(&self, need: u64) -> u64 {
        self.need_at(need, self.horizon_end())
    }

    /// The day `need` reaches `capacity` at this rate (YYYY-MM-DD, UTC), counted from the backup's date so
    /// it may be before today ("already full"); `None` when it does not fit even at the backup's date, or
    /// never fills (no growth, or further out than a century).
    pub fn lasts_until(&self, need: u64, capacity: u64) -> Option<String> {
        let room = capacity.checked_sub(need)?;
        if self.per_month <= 0.0 {
            return None;
        }
        let secs = room as f64 / self.per_month * MONTH_SECS;
        if secs >= HORIZON_YEARS * 365.25 * 86_400.0 {
            return None;
        }
        let when = self.measured.checked_add(Duration::from_secs_f64(secs))?;
        (when <= SystemTime::UNIX_EPOCH + Duration::from_secs(LAST_DAY_SECS)).then(|| day(when))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAN_1_2026: u64 = 1_767_225_600;

    fn at(days: u64, bytes: u64) -> Point {
        Point {
            time: SystemTime::UNIX_EPOCH + Duration::from_secs(JAN_1_2026 + days * 86_400),
            bytes,
        }
    }

    fn outlook(per_month: f64, today_days: u64, horizon_months: u32) -> Outlook {
        Outlook {
            per_month,
            measured: at(0, 0).time,
            today: at(today_days, 0).time,
            horizon_months,
        }
    }

    fn births(bytes_per_month: u64) -> BirthsRate {
        BirthsRate {
            bytes_per_month,
            from: "2025-02".into(),
            to: "2026-01".into(),
        }
    }

    fn copies(bytes_per_month: i64) -> CopiesRate {
        CopiesRate {
            bytes_per_month,
            copies: 2,
            from: "2025-12-01".into(),
            to: "2026-02-01".into(),
        }
    }

    #[test]
    fn births_are_used_unless_the_copies_disagree() {
        let g = combine(Some(births(1_000)), None).unwrap();
        assert_eq!(
            (g.method, g.bytes_per_month, g.agree),
            (Method::Births, 1_000, None)
        );
        assert_eq!(
            (g.from.as_str(), g.to.as_str()),
            ("2025-02-01", "2026-01-31")
        );
        // Within a fifth of the larger: they agree, and births (a year, per app) are kept.
        let g = combine(Some(births(1_000)), Some(copies(1_200))).unwrap();
        assert_eq!(
            (g.method, g.bytes_per_month, g.agree),
            (Method::Births, 1_000, Some(true))
        );
        // Beyond: the copies saw what births cannot (deletions, databases growing in place).
        let g = combine(Some(births(1_000)), Some(copies(1_300))).unwrap();
        assert_eq!(
            (g.method, g.bytes_per_month, g.agree),
            (Method::Copies, 1_300, Some(false))
        );
        assert_eq!((g.from.as_str(), g.copies), ("2025-12-01", 2));
        let g = combine(None, Some(copies(-5))).unwrap();
        assert_eq!((g.method, g.bytes_per_month), (Method::Copies, -5));
        assert_eq!(combine(None, None), None);
    }

    #[test]
    fn months_end_on_their_last_day() {
        assert_eq!(last_day_of("2024-02"), "2024-02-29");
        assert_eq!(last_day_of("2100-02"), "2100-02-28");
        assert_eq!(last_day_of("2026-11"), "2026-11-30");
        assert_eq!(last_day_of("2026-12"), "2026-12-31");
        assert_eq!(last_day_of("junk"), "junk");
    }

    #[test]
    fn the_need_grows_from_the_backups_date_and_the_horizon_from_today() {
        let month = MONTH_SECS / 86_400.0;
        // Measured on day 0, today is a month later, 12 months ahead: 13 months of growth.
        let o = outlook(100.0, month.round() as u64, 12);
        let after = o.need_after_horizon(1_000);
        assert!((after as i64 - 2_300).abs() <= 1, "{after}");
        assert_eq!(o.at_rate(0.0).need_after_horizon(1_000), 1_000);
        assert_eq!(o.at_rate(-1e12).need_after_horizon(1_000), 0);
        // Horizon 0: today's need.
        let o = outlook(100.0, (3.0 * month).round() as u64, 0);
        assert!((o.need_after_horizon(1_000) as i64 - 1_300).abs() <= 1);
    }

    #[test]
    fn a_plan_lasts_until_the_need_reaches_it() {
        // 3 GB of room at 100 MB a month: 30 months after the backup, which may already be past.
        let o = outlook(100e6, 0, 12);
        let until = o.lasts_until(2_000_000_000, 5_000_000_000).unwrap();
        let want = SystemTime::UNIX_EPOCH
            + Duration::from_secs(JAN_1_2026)
            + Duration::from_secs_f64(30.0 * MONTH_SECS);
        assert_eq!(until, day(want));
        assert_eq!(o.lasts_until(6_000_000_000, 5_000_000_000), None, "full");
        assert_eq!(o.at_rate(0.0).lasts_until(1, 5), None, "never fills");
        assert_eq!(o.at_rate(1e-9).lasts_until(1, 5_000), None, "a century");
    }

    #[test]
    fn dates_past_year_9999_do_not_panic() {
        let o = Outlook {
            per_month: 1.0,
            measured: SystemTime::UNIX_EPOCH + Duration::from_secs(LAST_DAY_SECS - 86_400),
            today: SystemTime::UNIX_EPOCH + Duration::from_secs(LAST_DAY_SECS - 86_400),
            horizon_months: 12,
        };
        assert_eq!(o.lasts_until(0, 1_000), None);
        assert_eq!(
            day(SystemTime::UNIX_EPOCH + Duration::from_secs(LAST_DAY_SECS * 2)),
            "9999-12-31"
        );
    }
}
