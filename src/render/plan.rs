//! The plan for people: a one-line verdict, the ranked options with what to tap, growth and assumptions.

use std::fmt::Write;

use super::size::size;
use super::table::{bold, clean, new_table, trimmed};
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
    let _ = writeln!(out, "{}", bold(&verdict(&view), style));
    out.push('\n');
    let e = &view.estimate;
    let _ = writeln!(
        out,
        "iCloud backup of {}: about {} ({} to {}), from a local backup of {} ({})",
        clean(&plan.device),
        size(e.bytes),
        size(e.low),
        size(e.high),
        size(e.local_bytes),
        clean(&plan.backup_id)
    );
    let _ = writeln!(
        out,
        "Your plan: {} · other iCloud data: {} · needed: {}",
        plan.tier_name,
        size(plan.used_bytes),
        size(plan.needed_bytes)
    );
    if view.tight {
        let _ = writeln!(
            out,
            "It fits on the estimate but not on the high end of its range: little room is left."
        );
    }

    for option in &view.options {
        out.push('\n');
        option_text(&mut out, option, style);
    }

    if let Some(g) = &view.growth {
        out.push('\n');
        let sign = if g.shrinking { "−" } else { "+" };
        let _ = write!(
            out,
            "Growth: {sign}{} a month ({} copies, {} to {})",
            size(g.bytes_per_month),
            g.growth.copies,
            g.growth.from,
            g.growth.to
        );
        if g.growth.full_on.is_empty() {
            out.push_str(".\n");
        } else {
            let dates: Vec<String> = g
                .growth
                .full_on
                .iter()
                .map(|(tier, day)| format!("{tier} full on {day}"))
                .collect();
            let _ = writeln!(out, ": at that rate {}.", dates.join(", "));
        }
    }

    out.push('\n');
    removed_text(&mut out, e, style);
    let _ = writeln!(out, "\nAssumptions:");
    for a in e.assumptions {
        let _ = writeln!(out, "  - {}", super::words::assumption(a));
    }
    for note in view.notes {
        let _ = writeln!(out, "Note: {}", super::words::plan_note(note));
    }
    out
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
    let _ = writeln!(
        out,
        "{}",
        bold(
            &format!("{}. {first}: {amount}, {outcome}", view.rank),
            style
        )
    );
    let _ = writeln!(out, "   {}", clean(&o.how));
    if !o.exact {
        let _ = writeln!(
            out,
            "   (hundreds of similar apps: this set fits, but a slightly better one may exist)"
        );
    }
    if view.items.is_empty() {
        return;
    }
    let mut table = new_table(style, &[view.item_heading, "Size", "Lost", "Why"], 1);
    for item in &view.items {
        table.add_row(vec![
            clean(&item.item.name),
            size(item.item.bytes),
            item.lost.to_string(),
            clean(&item.item.why),
        ]);
    }
    write_indented(out, table, "   ");
}

/// What the estimate left out of the local backup's figure, and why.
fn removed_text(out: &mut String, e: &EstimateView<'_>, style: Style) {
    if e.removed.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Not in the iCloud backup (taken out of the local figure):"
    );
    let mut table = new_table(style, &["Data", "Size", "Why"], 1);
    for r in e.removed {
        table.add_row(vec![r.label.to_string(), size(r.bytes), r.why.to_string()]);
    }
    write_indented(out, table, "  ");
}

/// A table whose second column is a size (right-aligned) and whose later columns are words (left-aligned),
/// written under an option or heading.
fn write_indented(out: &mut String, mut table: comfy_table::Table, indent: &str) {
    for i in 2..table.column_count() {
        if let Some(c) = table.column_mut(i) {
            c.set_cell_alignment(comfy_table::CellAlignment::Left);
        }
    }
    for line in trimmed(&table).lines() {
        let _ = writeln!(out, "{indent}{line}");
    }
}
