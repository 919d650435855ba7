//! The plan for people: a one-line verdict, the ranked options with what to tap, growth and assumptions.

use std::fmt::Write;

use super::fit::{self, Column, Step};
use super::size::{size, size_beside};
use super::table::{assumption_lines, clean, render, say, say_bold};
use super::view::{EstimateView, GrowthView, OptionView, PlanView, Verdict, WayOut};
use super::Style;
use crate::diagnostic::PlanNote;
use crate::plan::{Method, OptionKind, Plan};

/// The verdict as one line: does it fit, for how long, and if not, the cheapest way out.
pub(crate) fn verdict(view: &PlanView<'_>) -> String {
    let plan = view.plan;
    let e = &plan.estimate;
    // A name told apart by its model and date ends in brackets, where a possessive would not read.
    let backup = if plan.display_name == plan.device {
        format!(
            "{}'s iCloud backup (about {}; {} to {})",
            clean(&plan.display_name),
            size(plan.estimate_bytes),
            size(e.low),
            size(e.high)
        )
    } else {
        format!(
            "the iCloud backup of {}, about {} ({} to {}),",
            clean(&plan.display_name),
            size(plan.estimate_bytes),
            size(e.low),
            size(e.high)
        )
    };
    let (with_used, need, fill) = if plan.used_bytes > 0 {
        (
            format!(" and {} of other iCloud data", size(plan.used_bytes)),
            "need",
            "fill",
        )
    } else {
        (String::new(), "needs", "fills")
    };
    let rate = view
        .growth
        .as_ref()
        .map(|g| format!("at about {} a month", signed(g)));
    let way_out = match view.verdict {
        Verdict::Fits { room_bytes } => {
            let mut line = format!(
                "It fits: {backup}{with_used} {need} {} of your {} plan, leaving {}.",
                size_beside(plan.needed_bytes, plan.tier_bytes),
                plan.tier_name,
                size(room_bytes)
            );
            if let (Some(rate), Some(g)) = (rate, &view.growth) {
                let _ = write!(
                    line,
                    " {}, it {}.",
                    capitalized(&rate),
                    match lasting(plan.lasts_until.as_deref(), &plan.today, !g.shrinking) {
                        Lasting::Never { growing: true } => "lasts over a century".to_string(),
                        Lasting::Never { growing: false } => "shrinks, so it lasts".to_string(),
                        Lasting::Already(month) => format!("has been full since about {month}"),
                        Lasting::In(when, month) => format!("is full {when} ({month})"),
                    }
                );
            }
            return line;
        }
        Verdict::FullSoon { way_out } => {
            let when = match lasting(plan.lasts_until.as_deref(), &plan.today, true) {
                Lasting::Already(month) => format!("since about {month}"),
                Lasting::In(when, month) => format!("{when} ({month})"),
                Lasting::Never { .. } => "later".to_string(),
            };
            let line = format!(
                "It fits at the last backup's size, but not {}: {}, {backup}{with_used} {fill} your {} plan {when}.",
                horizon(plan.horizon_months),
                rate.as_deref().unwrap_or("at its growth"),
                plan.tier_name,
            );
            (line, way_out)
        }
        Verdict::Short {
            short_by_bytes,
            way_out,
        } => (
            format!(
                "Short by {}: {backup}{with_used} {need} {}, and your plan is {}.",
                size(short_by_bytes),
                size_beside(plan.needed_bytes, plan.tier_bytes),
                plan.tier_name
            ),
            way_out,
        ),
    };
    let (short, way_out) = way_out;
    match way_out {
        WayOut::Best(option) => format!("{short} Best way out: {}.", short_summary(option)),
        WayOut::Together => format!(
            "{short} No single option below is enough, but together they are."
        ),
        WayOut::NothingIsEnough { together_bytes } => format!(
            "{short} Not even the largest iCloud plan (12 TB) holds that, and the options below together free \
             only {}.",
            size(together_bytes)
        ),
    }
}

/// An option's summary for the verdict: a plan to buy by its monthly price only, the rest as they are.
fn short_summary(option: &crate::plan::PlanOption) -> String {
    match (&option.kind, &option.tier) {
        (OptionKind::BuyTier, Some(t)) => match &t.monthly {
            Some(monthly) => format!(
                "change to the {} iCloud+ plan ({} {monthly}/month)",
                t.name, t.currency
            ),
            None => format!("change to the {} iCloud+ plan", t.name),
        },
        _ => clean(&option.summary),
    }
}

/// "for the next 12 months", "today".
fn horizon(months: u32) -> String {
    match months {
        0 => "today".to_string(),
        1 => "for the next month".to_string(),
        n => format!("for the next {n} months"),
    }
}

/// "+1.1 GB", "−20 MB".
fn signed(g: &GrowthView<'_>) -> String {
    let sign = if g.shrinking { "−" } else { "+" };
    format!("{sign}{}", size(g.bytes_per_month))
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// When something is full at the growth rate.
enum Lasting {
    /// Not within a century (`growing`), or the rate does not grow.
    Never { growing: bool },
    /// Before today: "Sep 2026".
    Already(String),
    /// "in about 3 years", "May 2029".
    In(String, String),
}

fn lasting(until: Option<&str>, today: &str, growing: bool) -> Lasting {
    let Some(until) = until else {
        return Lasting::Never { growing };
    };
    let month = month_words(until);
    if until < today {
        return Lasting::Already(month);
    }
    let when = match months_between(today, until) {
        0 => "within a month".to_string(),
        1 => "in about a month".to_string(),
        n if n < 24 => format!("in about {n} months"),
        n => format!("in about {} years", n / 12),
    };
    Lasting::In(when, month)
}

/// How long an option (or the plan) holds, after "fits; ".
fn lasting_words(l: &Lasting) -> String {
    match l {
        Lasting::Never { growing: true } => "lasts over a century at this rate".to_string(),
        Lasting::Never { growing: false } => "lasts, as it is not growing".to_string(),
        Lasting::Already(month) => format!("full already at this rate (since about {month})"),
        Lasting::In(when, month) => format!("full {when} ({month})"),
    }
}

/// Whole calendar months from one YYYY-MM-DD day to a later one (0 when it is not later).
fn months_between(from: &str, to: &str) -> i64 {
    let parts = |d: &str| -> Option<(i64, i64)> {
        let year: i64 = d.get(..4)?.parse().ok()?;
        let month: i64 = d.get(5..7)?.parse().ok()?;
        let day: i64 = d.get(8..10)?.parse().ok()?;
        Some((year * 12 + month - 1, day))
    };
    match (parts(from), parts(to)) {
        (Some((m1, d1)), Some((m2, d2))) => (m2 - m1 - i64::from(d2 < d1)).max(0),
        _ => 0,
    }
}

/// "2029-05-14" → "May 2029".
fn month_words(day: &str) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let name = day
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| NAMES.get(m.wrapping_sub(1)));
    match (name, day.get(..4)) {
        (Some(name), Some(year)) => format!("{name} {year}"),
        _ => day.to_string(),
    }
}

/// `cloudfit plan` as text: the verdict and the options first; with `explain`, what the estimate leaves out
/// and what it assumes.
pub fn plan_text(plan: &Plan, style: Style, explain: bool) -> String {
    let view = PlanView::new(plan);
    let mut out = String::new();
    say_bold(&mut out, &verdict(&view), style);
    let e = &view.estimate;
    if view.tight {
        say(
            &mut out,
            "It fits on the estimate but not on the high end of its range: little room is left.",
            style,
        );
    }

    // At a glance: the best three, leaving those that do not hold on their own when one does; how to do it
    // for the best one. --explain shows every option in full.
    let any_holds = view.options.iter().any(|o| o.option.fits_after_horizon);
    let mut hidden = 0;
    let mut shown = 0;
    for option in &view.options {
        let brief = !explain && shown > 0;
        if !explain && (shown == GLANCE_OPTIONS || (any_holds && !option.option.fits_after_horizon))
        {
            hidden += 1;
            continue;
        }
        shown += 1;
        out.push('\n');
        option_text(&mut out, option, plan, style, explain, brief);
    }
    let more = match hidden {
        0 => String::new(),
        1 => "1 more option, ".to_string(),
        n => format!("{n} more options, "),
    };
    let each = if shown > 1 { "how to do each, " } else { "" };

    if let Some(g) = &view.growth {
        out.push('\n');
        say(&mut out, &growth_line(g, explain), style);
    }
    // A backup of another device with this phone's name says so in its own row already.
    let notes = view
        .notes
        .iter()
        .filter(|n| !matches!(n, PlanNote::SameNameNotThisPhone { .. }));
    for note in notes {
        say(
            &mut out,
            &format!("Note: {}", super::words::plan_note(note)),
            style,
        );
    }
    if !explain {
        say(
            &mut out,
            &format!("(--explain: {more}{each}what the estimate leaves out and what it assumes)"),
            style,
        );
        return out;
    }
    out.push('\n');
    let line = format!(
        "iCloud backup of {}: about {} ({} to {}), from a local backup of {} ({})",
        clean(&plan.display_name),
        size(e.bytes),
        size(e.low),
        size(e.high),
        size(e.local_bytes),
        clean(&plan.backup_id)
    );
    say(&mut out, &line, style);
    let line = format!(
        "Your plan: {} · other iCloud data: {} · needed: {} · in {} months: {}",
        plan.tier_name,
        size(plan.used_bytes),
        size_beside(plan.needed_bytes, plan.tier_bytes),
        plan.horizon_months,
        size_beside(plan.needed_after_horizon_bytes, plan.tier_bytes),
    );
    say(&mut out, &line, style);
    out.push('\n');
    removed_text(&mut out, e, style);
    out.push('\n');
    assumption_lines(&mut out, e, style);
    out
}

/// "Growth: about +1.1 GB a month, from …", with the other method's figure where both are known; in full
/// with `explain`.
fn growth_line(g: &GrowthView<'_>, explain: bool) -> String {
    let growth = g.growth;
    let births = growth.from_births.as_ref().map(|b| {
        (
            format!("+{}", size(b.bytes_per_month)),
            format!("the birth dates of its files ({} to {})", b.from, b.to),
        )
    });
    let copies = growth.from_copies.as_ref().map(|c| {
        let sign = if c.bytes_per_month < 0 { "−" } else { "+" };
        (
            format!("{sign}{}", size(c.bytes_per_month.unsigned_abs())),
            format!("its {} copies ({} to {})", c.copies, c.from, c.to),
        )
    });
    let rate = signed(g);
    if !explain {
        let from = match growth.method {
            Method::Births => "its files' birth dates",
            Method::Copies => "its copies",
        };
        let other = match (growth.method, &births, &copies) {
            (Method::Births, _, Some((other, _))) => format!("; its copies say {other}"),
            (Method::Copies, Some((other, _)), _) => format!("; birth dates say {other}"),
            _ => String::new(),
        };
        return format!(
            "Growth: about {rate} a month, from {from} ({} to {}){other}.",
            growth.from, growth.to
        );
    }
    match (growth.method, births, copies) {
        (Method::Births, Some((_, from)), Some((other, copies))) => format!(
            "Growth: about {rate} a month, from {from}; {copies} say {other}, which agrees."
        ),
        (Method::Copies, Some((other, from)), Some((_, copies))) => format!(
            "Growth: about {rate} a month, from {copies}; {from} say {other}, but miss files deleted since and \
             databases that grow in place."
        ),
        (_, Some((_, from)), None) | (_, None, Some((_, from))) => {
            format!("Growth: about {rate} a month, from {from}.")
        }
        _ => format!("Growth: about {rate} a month."),
    }
}

// The columns of an option's items and of what the estimate left out: a name, its size, and (for items)
// what leaving it out loses, then why.
const NAME: usize = 0;

/// What an option's items give up, in this order, until they fit: Why wrapped down to 30 columns, the name
/// wrapped to 16, Why to 16, then both as far as their headings. A row then takes several lines; Size and
/// Lost are never touched.
const ITEM_STEPS: [Step; 5] = wrap_steps(3);

/// Without Why (the short plan): the name wrapped.
const NAME_STEPS: [Step; 1] = [Step::Wrap {
    column: NAME,
    min: 0,
}];

/// The same for what the estimate left out (Data, Size, Why).
const REMOVED_STEPS: [Step; 5] = wrap_steps(2);

const fn wrap_steps(why: usize) -> [Step; 5] {
    [
        Step::Wrap {
            column: why,
            min: 30,
        },
        Step::Wrap {
            column: NAME,
            min: 16,
        },
        Step::Wrap {
            column: why,
            min: 16,
        },
        Step::Wrap {
            column: NAME,
            min: 0,
        },
        Step::Wrap {
            column: why,
            min: 0,
        },
    ]
}

/// Options shown without --explain.
const GLANCE_OPTIONS: usize = 3;

/// One option: its headline, what to tap (unless `brief`), and its items (with why, when `explain`).
fn option_text(
    out: &mut String,
    view: &OptionView<'_>,
    plan: &Plan,
    style: Style,
    explain: bool,
    brief: bool,
) {
    let o = view.option;
    let mut outcome = if o.fits {
        "fits".to_string()
    } else {
        format!("still short by {}", size(o.short_by_bytes))
    };
    if let (Some(g), true) = (&plan.growth, o.fits) {
        let _ = write!(
            outcome,
            "; {}",
            lasting_words(&lasting(
                o.lasts_until.as_deref(),
                &plan.today,
                g.bytes_per_month > 0
            ))
        );
    }
    let amount = match (o.kind, &o.tier) {
        (OptionKind::Combined, Some(t)) => format!(
            "frees {}, and {} holds the rest",
            size(o.frees_bytes),
            t.name
        ),
        _ => format!("{} {}", view.amount, size(o.frees_bytes)),
    };
    let headline = format!(
        "{}. {}: {amount}, {outcome}",
        view.rank,
        capitalized(&clean(&o.summary))
    );
    say_bold(out, &headline, style);
    if view.capped_by_used {
        say(
            out,
            &format!(
                "   Their iCloud backups are part of the {} of other iCloud data you gave (--used), so deleting them \
                 frees at most that.",
                size(plan.used_bytes)
            ),
            style,
        );
    }
    if !brief {
        say(out, &format!("   {}", clean(&o.how)), style);
    }
    if !o.exact {
        say(
            out,
            "   (hundreds of similar apps: this set fits, but a slightly better one may exist)",
            style,
        );
    }
    if view.items.is_empty() {
        return;
    }
    let mut columns = vec![
        Column::left(view.item_heading),
        Column::right("Size"),
        Column::left("Lost"),
    ];
    if explain {
        columns.push(Column::left("Why"));
    }
    for item in &view.items {
        let mut cells = vec![
            clean(&item.item.name),
            size(item.item.bytes),
            item.lost.to_string(),
        ];
        if explain {
            cells.push(clean(&item.item.why));
        }
        for (column, cell) in columns.iter_mut().zip(cells) {
            column.push(cell);
        }
    }
    if let Some((n, bytes)) = view.small {
        let cells = [
            format!(
                "and {n} small {}",
                if view.item_heading == "Backup" {
                    "backups"
                } else {
                    "apps"
                }
            ),
            size(bytes),
            String::new(),
            String::new(),
        ];
        for (column, cell) in columns.iter_mut().zip(cells) {
            column.push(cell);
        }
    }
    let indent = "   ";
    let steps: &[Step] = if explain { &ITEM_STEPS } else { &NAME_STEPS };
    let columns = fit::fit(columns, indent.len(), style.width, steps);
    out.push_str(&render(&columns, indent, style));
}

/// What the estimate left out of the local backup's figure, and why.
fn removed_text(out: &mut String, e: &EstimateView<'_>, style: Style) {
    if e.removed.is_empty() {
        return;
    }
    say(
        out,
        "Not in the iCloud backup (taken out of the local figure):",
        style,
    );
    let mut columns = [
        Column::left("Data"),
        Column::right("Size"),
        Column::left("Why"),
    ];
    for r in e.removed {
        let cells = [r.label.to_string(), size(r.bytes), r.why.to_string()];
        for (column, cell) in columns.iter_mut().zip(cells) {
            column.push(cell);
        }
    }
    let indent = "  ";
    let columns = fit::fit(columns.into(), indent.len(), style.width, &REMOVED_STEPS);
    out.push_str(&render(&columns, indent, style));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn how_long_it_lasts_is_said_in_months_then_years_from_today() {
        let words = |until: Option<&str>| lasting_words(&lasting(until, "2026-12-01", true));
        assert_eq!(words(Some("2026-12-20")), "full within a month (Dec 2026)");
        assert_eq!(
            words(Some("2027-01-20")),
            "full in about a month (Jan 2027)"
        );
        assert_eq!(
            words(Some("2027-05-14")),
            "full in about 5 months (May 2027)"
        );
        assert_eq!(
            words(Some("2029-05-14")),
            "full in about 2 years (May 2029)"
        );
        assert_eq!(
            words(Some("2026-09-03")),
            "full already at this rate (since about Sep 2026)"
        );
        assert_eq!(words(None), "lasts over a century at this rate");
        assert_eq!(
            lasting_words(&lasting(None, "2026-12-01", false)),
            "lasts, as it is not growing"
        );
    }

    #[test]
    fn months_and_their_names() {
        assert_eq!(months_between("2026-12-01", "2027-12-01"), 12);
        assert_eq!(months_between("2026-12-20", "2027-01-10"), 0);
        assert_eq!(months_between("2026-12-20", "2027-01-20"), 1);
        assert_eq!(months_between("2027-01-10", "2026-12-20"), 0);
        assert_eq!(months_between("junk", "2026-12-20"), 0);
        assert_eq!(month_words("2029-05-14"), "May 2029");
        assert_eq!(month_words("2029-13-14"), "2029-13-14");
        assert_eq!(horizon(0), "today");
        assert_eq!(horizon(12), "for the next 12 months");
    }
}
