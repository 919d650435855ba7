//! When each file was born and last written, by the kind of file it is, as on a real phone.
//!
//! A real phone's camera roll comes in bursts: most photos are taken on a few days (trips, holidays,
//! events) with a thin trickle between. Cooper, Foote, Girgensohn and Wilcox, "Temporal event clustering
//! for digital photo collections" (ACM TOMM 1(3), 2005, doi:10.1145/1083314.1083317; FX Palo Alto's page
//! fxpal.com/publications/automatically-organizing-digital-photographs-using-time-and-content/) organise
//! personal collections by exactly those clusters of capture times. Chat and library databases are
//! created when the phone is set up (or restored) and then grow in place, so they are old and recently
//! written. Message attachments arrive while a chat is active. Caches are rebuilt all the time.
//!
//! Every date is a function of the spec's seed and the backup's date: no wall clock.

use super::rng::{mix64, Rng};

const DAY: i64 = 86_400;
/// The span births are spread over: the two years before the backup.
const WINDOW_DAYS: i64 = 2 * 365;

/// What kind of file a row is, for its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Life {
    /// The camera roll's `n`-th item (and its thumbnails and metadata): born on the `n`-th of the
    /// phone's sorted capture times, so `IMG_0001` is the oldest, as a camera numbers them.
    Camera(u64),
    /// A database or settings file made when the phone was set up, written to ever since.
    Setup,
    /// An attachment of chat `chat` of the app `app` (a salt): born while that chat was active.
    Chat { app: u64, chat: u64 },
    /// A cache: born and written in the last weeks.
    Cache,
    /// Anything else: born anywhere in the window.
    Any,
}

/// The dates one row gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dates {
    pub birth: i64,
    pub modified: i64,
    pub changed: i64,
}

/// A phone's calendar: its window, its setup day and its camera roll's capture times.
#[derive(Debug)]
pub(crate) struct Calendar {
    seed: u64,
    last: i64,
    /// The window's first second: two years before the backup, or 1970.
    start: i64,
    /// The day the phone was set up or restored: before the window.
    setup: i64,
    /// Sorted capture times, one per camera-roll item.
    camera: Vec<i64>,
}

/// A uniform value in `0..n` from one random word (`n == 0` gives 0).
fn below(r: u64, n: i64) -> i64 {
    ((u128::from(r) * n.max(0) as u128) >> 64) as i64
}

/// Which of the window's days, for a word: half uniform, half weighted towards the backup (density rising
/// linearly), so the recent months are somewhat busier than the early ones.
fn recent_day(r: u64, days: i64) -> i64 {
    let u = below(r >> 1, days * days);
    match r & 1 {
        0 => u / days.max(1),
        _ => u.isqrt(),
    }
}

/// A burst of photos: a day out, a weekend, a trip.
struct Event {
    first_day: i64,
    days: i64,
    weight: u64,
}

impl Calendar {
    /// The calendar of a phone whose backup is at `last`, with `camera_items` camera-roll items.
    pub(crate) fn new(seed: u64, last: i64, camera_items: u64) -> Calendar {
        let last = last.max(0);
        let start = (last - WINDOW_DAYS * DAY).max(0);
        let setup = (start - (30 + (mix64(seed ^ 0x5E7A) % 335) as i64) * DAY).max(0);
        let mut cal = Calendar {
            seed,
            last,
            start,
            setup,
            camera: Vec::new(),
        };
        cal.camera = cal.capture_times(camera_items);
        cal
    }

    fn days(&self) -> i64 {
        ((self.last - self.start) / DAY).max(1)
    }

    /// A second of day `day` of the window, between 08:00 and 22:00, never after the backup.
    fn daytime(&self, day: i64, r: u64) -> i64 {
        (self.start + day * DAY + 8 * 3_600 + below(r, 14 * 3_600)).clamp(self.start, self.last)
    }

    /// `count` capture times, sorted: 82 % in a handful of events (1-day outings, long weekends, trips of
    /// one or two weeks), the rest a trickle over the window; both busier towards the backup.
    fn capture_times(&self, count: u64) -> Vec<i64> {
        let mut rng = Rng::derive(self.seed, 0xB1D5);
        let days = self.days();
        // One event in each sixteenth of the window, so no stretch of months is empty; later ones weigh
        // up to five times as much.
        const EVENTS: i64 = 16;
        let events: Vec<Event> = (0..EVENTS)
            .map(|i| {
                let slot = (days / EVENTS).max(1);
                let first_day = (i * days / EVENTS + rng.below(slot as u64) as i64).min(days - 1);
                let len = match rng.below(10) {
                    0..5 => 1,
                    5..8 => 2 + rng.below(3) as i64,
                    _ => 5 + rng.below(10) as i64,
                };
                let len = len.min(days - first_day).max(1);
                let recency = (days + 4 * first_day) as u64;
                Event {
                    first_day,
                    days: len,
                    weight: (2 + len as u64) * (2 + rng.below(3)) * recency,
                }
            })
            .collect();
        let total: u64 = events.iter().map(|e| e.weight).sum();
        let mut times: Vec<i64> = (0..count)
            .map(|_| {
                let day = if rng.chance(820) {
                    let mut pick = rng.below(total);
                    let e = events
                        .iter()
                        .find(|e| {
                            let hit = pick < e.weight;
                            pick = pick.saturating_sub(e.weight);
                            hit
                        })
                        .unwrap_or(&events[0]);
                    e.first_day + rng.below(e.days as u64) as i64
                } else {
                    recent_day(rng.next_u64(), days)
                };
                self.daytime(day, rng.next_u64())
            })
            .collect();
        times.sort_unstable();
        times
    }

    /// The first day and length of stretch `k` of a chat's activity (a few weeks each).
    fn stretch(&self, app: u64, chat: u64, k: u64) -> (i64, i64) {
        let r = mix64(self.seed ^ mix64(app ^ mix64(chat * 8 + k)));
        let len = 14 + (r >> 40) as i64 % 29;
        let days = self.days();
        let first = (recent_day(r, days) - len / 2).clamp(0, (days - len).max(0));
        (first, len.min(days))
    }

    /// A row's dates from four random words (every row draws four, whatever its kind).
    pub(crate) fn dates(&self, life: Life, r: [u64; 4]) -> Dates {
        let last = self.last;
        let (birth, modified) = match life {
            Life::Camera(n) => {
                let birth = self
                    .camera
                    .get(n as usize)
                    .copied()
                    .unwrap_or_else(|| self.daytime(recent_day(r[0], self.days()), r[1]));
                // Photos are not edited in place: a few are (an edit writes the original's record again).
                let modified = match r[2] % 40 {
                    0 => birth + below(r[1], (last - birth).min(60 * DAY) + 1),
                    _ => birth,
                };
                (birth, modified)
            }
            Life::Setup => {
                let birth = (self.setup + below(r[0], 3 * DAY)).min(last);
                let modified = (last - below(r[1], 7 * DAY)).max(birth);
                (birth, modified)
            }
            Life::Chat { app, chat } => {
                let (first, len) = self.stretch(app, chat, r[2] % 3);
                let birth = self.daytime(first + below(r[0], len), r[1]);
                (birth, birth)
            }
            Life::Cache => {
                let birth = (last - below(r[0], 30 * DAY)).max(0);
                (birth, birth + below(r[1], last - birth + 1))
            }
            Life::Any => {
                let birth = last - below(r[0], last - self.start + 1);
                (birth, birth + below(r[1], last - birth + 1))
            }
        };
        let changed = modified + below(r[3], (last - modified).clamp(0, 3_600) + 1);
        Dates {
            birth,
            modified,
            changed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unix_from_utc;

    fn cal(items: u64) -> Calendar {
        Calendar::new(7, unix_from_utc(2026, 11, 20, 8, 15, 0), items)
    }

    #[test]
    fn capture_times_are_sorted_inside_the_window() {
        let c = cal(5_000);
        assert_eq!(c.camera.len(), 5_000);
        assert!(c.camera.windows(2).all(|w| w[0] <= w[1]));
        assert!(c.camera.iter().all(|&t| (c.start..=c.last).contains(&t)));
        assert!(c.setup < c.start);
    }

    #[test]
    fn recent_months_are_busier() {
        let last = unix_from_utc(2026, 11, 20, 8, 15, 0);
        let shares: Vec<usize> = (0..40)
            .map(|seed| {
                let c = Calendar::new(seed, last, 2_000);
                let mid = c.start + (c.last - c.start) / 2;
                c.camera.iter().filter(|&&t| t >= mid).count()
            })
            .collect();
        let busier = shares.iter().filter(|&&late| late > 1_000).count();
        assert!(
            busier >= 30,
            "the later year is busier for {busier} of 40 phones: {shares:?}"
        );
        let mean = shares.iter().sum::<usize>() / shares.len();
        assert!(mean > 1_150, "{mean} of 2,000 in the later year on average");
    }

    #[test]
    fn every_kind_stays_in_order_and_before_the_backup() {
        let c = cal(10);
        let mut rng = Rng::new(3);
        for life in [
            Life::Camera(3),
            Life::Camera(99),
            Life::Setup,
            Life::Chat { app: 1, chat: 4 },
            Life::Cache,
            Life::Any,
        ] {
            for _ in 0..1_000 {
                let r = [
                    rng.next_u64(),
                    rng.next_u64(),
                    rng.next_u64(),
                    rng.next_u64(),
                ];
                let d = c.dates(life, r);
                assert!(0 <= d.birth && d.birth <= d.modified, "{life:?} {d:?}");
                assert!(
                    d.modified <= d.changed && d.changed <= c.last,
                    "{life:?} {d:?}"
                );
            }
        }
    }

    #[test]
    fn a_backup_near_1970_keeps_every_date_non_negative() {
        let c = Calendar::new(1, 5 * DAY, 20);
        assert_eq!((c.start, c.setup), (0, 0));
        let d = c.dates(Life::Setup, [u64::MAX; 4]);
        assert!(d.birth >= 0 && d.changed <= 5 * DAY);
    }
}
