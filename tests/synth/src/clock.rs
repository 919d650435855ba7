//! UTC calendar arithmetic for fixture timestamps; specs give instants, never the wall clock.

use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch for a UTC civil date and time (proleptic Gregorian).
///
/// Uses Howard Hinnant's `days_from_civil`, which is exact for every date a backup can carry.
pub fn unix_from_utc(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
}

/// The inverse of [`unix_from_utc`]: `(year, month, day, hour, minute, second)`.
pub(crate) fn utc_from_unix(t: i64) -> (i32, u32, u32, u32, u32, u32) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year as i32,
        month as u32,
        day as u32,
        (secs / 3600) as u32,
        ((secs % 3600) / 60) as u32,
        (secs % 60) as u32,
    )
}

/// RFC 3339 in UTC with a `Z` suffix and whole seconds, e.g. `2026-11-20T08:15:00Z`.
pub fn rfc3339(t: i64) -> String {
    let (y, mo, d, h, mi, s) = utc_from_unix(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// The `-YYYYMMDD-HHMMSS` suffix Finder/iTunes appends to an archived backup's folder.
pub fn archive_suffix(t: i64) -> String {
    let (y, mo, d, h, mi, s) = utc_from_unix(t);
    format!("-{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}")
}

/// A plist `Date` for the instant; backups carry none before 1970, so negative input is refused.
pub(crate) fn plist_date(t: i64) -> io::Result<plist::Date> {
    let secs = u64::try_from(t).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("timestamp {t} is before 1970"),
        )
    })?;
    let when: SystemTime = UNIX_EPOCH + Duration::from_secs(secs);
    Ok(plist::Date::from(when))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(unix_from_utc(1970, 1, 1, 0, 0, 0), 0);
        assert_eq!(unix_from_utc(2001, 1, 1, 0, 0, 0), 978_307_200);
        // `date -u -d 2026-11-20T08:15:00Z +%s`
        assert_eq!(unix_from_utc(2026, 11, 20, 8, 15, 0), 1_795_162_500);
        assert_eq!(unix_from_utc(2024, 2, 29, 23, 59, 59), 1_709_251_199);
    }

    #[test]
    fn round_trips_and_formats() {
        for t in [0, 951_782_400, 1_709_251_199, 1_795_162_500, 4_102_444_800] {
            let (y, mo, d, h, mi, s) = utc_from_unix(t);
            assert_eq!(unix_from_utc(y, mo, d, h, mi, s), t);
        }
        let t = unix_from_utc(2026, 9, 1, 10, 15, 0);
        assert_eq!(rfc3339(t), "2026-09-01T10:15:00Z");
        assert_eq!(archive_suffix(t), "-20260901-101500");
    }

    #[test]
    fn agrees_with_the_plist_crate() {
        let t = unix_from_utc(2025, 3, 2, 19, 40, 0);
        let d = plist_date(t).map(|d| d.to_xml_format()).ok();
        assert_eq!(d.as_deref(), Some("2025-03-02T19:40:00Z"));
        assert!(plist_date(-1).is_err());
    }
}
