//! The plan for people: a one-line verdict, the ranked options with what to tap, growth and assumptions.

use std::fmt::Write;

use super::fit::{self, Column, Step};
use super::size::size;
use super::table::{assumption_lines, clean, render, say, say_bold};
use super::view::{EstimateView, OptionView, PlanView, Verdict, WayOut};
use super::Style;
use crate::plan::Plan;

/// The verdict as one line: does it fit, and if not, the cheapest way out.
pub(crate) fn verdict(view: &PlanView<'_>) -> String {
    let plan = view.plan;
    let backup = format!(
        "{}'s iCloud backup (about {})",
        clean(&plan.device),
        size(plan.estimate_bytes)
    );
    let (with_used, need) = if plan.used_bytes > 0 {
        (
            format!(" and {} of other iCloud data", size(plan.used_bytes)),
            "need",
        )
    } else {
        (String::new(), "needs")
    };
    let (short_by_bytes, way_out) = match view.verdict {
        Verdict::Fits { room_bytes } => {
            return format!(
                "It fits: {backup}{with_used} {need} {} of your {} plan, leaving {}.",
                size(plan.needed_bytes),
                plan.tier_name,
                size(room_bytes)
            )
        }
        Verdict::Short {
            short_by_bytes,
            way_out,
        } => (short_by_bytes, way_out),
    };
    let short = format!(
        "Short by {}: {backup}{with_used} {need} {}, and your plan is {}.",
        size(short_by_bytes),
        size(plan.needed_bytes),
        plan.tier_name
    );
    match way_out {
        WayOut::Best(summary) => format!("{short} Best way out: {}.", clean(summary)),
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

/// `cloudfit plan` as text.
pub fn plan_text(plan: &Plan, style: Style) -> String {
    let view = PlanView::new(plan);
    let mut out = String::new();
    say_bold(&mut out, &verdict(&view), style);
    out.push('\n');
    let e = &view.estimate;
    let line = format!(
        "iCloud backup of {}: about {} ({} to {}), from a local backup of {} ({})",
        clean(&plan.device),
        size(e.bytes),
        size(e.low),
        size(e.high),
        size(e.local_bytes),
        clean(&plan.backup_id)
    );
    say(&mut out, &line, style);
    let line = format!(
        "Your plan: {} · other iCloud data: {} · needed: {}",
        plan.tier_name,
        size(plan.used_bytes),
        size(plan.needed_bytes)
    );
    say(&mut out, &line, style);
    if view.tight {
        say(
            &mut out,
            "It fits on the estimate but not on the high end of its range: little room is left.",
            style,
        );
    }

    for option in &view.options {
        out.push('\n');
        option_text(&mut out, option, style);
    }

    if let Some(g) = &view.growth {
        out.push('\n');
        let sign = if g.shrinking { "−" } else { "+" };
        let mut line = format!(
            "Growth: {sign}{} a month ({} copies, {} to {})",
            size(g.bytes_per_month),
            g.growth.copies,
            g.growth.from,
            g.growth.to
        );
        if g.growth.full_on.is_empty() {
            line.push('.');
        } else {
            let dates: Vec<String> = g
                .growth
                .full_on
                .iter()
                .map(|(tier, day)| format!("{tier} full on {day}"))
                .collect();
            let _ = write!(line, ": at that rate {}.", dates.join(", "));
        }
        say(&mut out, &line, style);
    }

    out.push('\n');
    removed_text(&mut out, e, style);
    out.push('\n');
    assumption_lines(&mut out, e, style);
    for note in view.notes {
        say(
            &mut out,
            &format!("Note: {}", super::words::plan_note(note)),
            style,
        );
    }
    out
}

// The columns of an option's items and of what the estimate left out: a name, its size, and (for items)
// what leaving it out loses, then why.
const NAME: usize = 0;

/// What an option's items give up, in this order, until they fit: Why wrapped down to 30 columns, the name
/// wrapped to 16, Why to 16, then both as far as their headings. A row then takes several lines; Size and
/// Lost are never touched.
const ITEM_STEPS: [Step; 5] = wrap_steps(3);

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

fn option_text(out: &mut String, view: &OptionView<'_>, style: Style) {
    let o = view.option;
    let outcome = if o.fits {
        "fits".to_string()
    } else {
        format!("still short by {}", size(o.short_by_bytes))
    };
    let amount = format!("{} {}", view.amount, size(o.frees_bytes));
    let mut first = clean(&o.summary);
    if let Some(c) = first.get(..1) {
        first = c.to_uppercase() + &first[1..];
    }
    let headline = format!("{}. {first}: {amount}, {outcome}", view.rank);
    say_bold(out, &headline, style);
    say(out, &format!("   {}", clean(&o.how)), style);
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
    let mut columns = [
        Column::left(view.item_heading),
        Column::right("Size"),
        Column::left("Lost"),
        Column::left("Why"),
    ];
    for item in &view.items {
        let cells = [
            clean(&item.item.name),
            size(item.item.bytes),
            item.lost.to_string(),
            clean(&item.item.why),
        ];
        for (column, cell) in columns.iter_mut().zip(cells) {
            column.push(cell);
        }
    }
    let indent = "   ";
    let columns = fit::fit(columns.into(), indent.len(), style.width, &ITEM_STEPS);
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
