//! The plan for people: a one-line verdict, the ranked options with what to tap, growth and assumptions.

use std::fmt::Write;

use super::size::size;
use super::table::{bold, clean, new_table, trimmed};
use super::Style;
use crate::estimate::Estimate;
use crate::plan::{Loss, OptionKind, Plan, PlanOption};

/// One line: does it fit, and if not, the cheapest way out.
pub fn verdict(plan: &Plan) -> String {
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
    if plan.fits_now {
        return format!(
            "It fits: {backup}{with_used} {need} {} of your {} plan, leaving {}.",
            size(plan.needed_bytes),
            plan.tier_name,
            size(plan.tier_bytes.saturating_sub(plan.needed_bytes))
        );
    }
    let short = format!(
        "Short by {}: {backup}{with_used} {need} {}, and your plan is {}.",
        size(plan.shortfall_bytes),
        size(plan.needed_bytes),
        plan.tier_name
    );
    let together: u64 = plan
        .options
        .iter()
        .filter(|o| o.kind != OptionKind::BuyTier)
        .map(|o| o.frees_bytes)
        .sum();
    match plan.options.iter().find(|o| o.fits) {
        Some(best) => format!("{short} Best way out: {}.", clean(&best.summary)),
        None if together >= plan.shortfall_bytes => format!(
            "{short} No single option below is enough, but together they are."
        ),
        None => format!(
            "{short} Not even the largest iCloud plan (12 TB) holds that, and the options below together free \
             only {}.",
            size(together)
        ),
    }
}

/// `cloudfit plan` as text.
pub fn plan_text(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", bold(&verdict(plan), style));
    out.push('\n');
    let e = &plan.estimate;
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
    if plan.fits_now && e.high.saturating_add(plan.used_bytes) > plan.tier_bytes {
        let _ = writeln!(
            out,
            "It fits on the estimate but not on the high end of its range: little room is left."
        );
    }

    for (i, option) in plan.options.iter().enumerate() {
        out.push('\n');
        option_text(&mut out, i + 1, option, style);
    }

    if let Some(g) = &plan.growth {
        out.push('\n');
        let sign = if g.bytes_per_month < 0 { "−" } else { "+" };
        let _ = write!(
            out,
            "Growth: {sign}{} a month ({} copies, {} to {})",
            size(g.bytes_per_month.unsigned_abs()),
            g.copies,
            g.from,
            g.to
        );
        if g.full_on.is_empty() {
            out.push_str(".\n");
        } else {
            let dates: Vec<String> = g
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
    for a in &e.assumptions {
        let _ = writeln!(out, "  - {a}");
    }
    for note in &plan.notes {
        let _ = writeln!(out, "Note: {note}");
    }
    out
}

fn option_text(out: &mut String, rank: usize, o: &PlanOption, style: Style) {
    let outcome = if o.fits {
        "fits".to_string()
    } else {
        format!("still short by {}", size(o.short_by_bytes))
    };
    let amount = match o.kind {
        OptionKind::BuyTier => format!("adds {}", size(o.frees_bytes)),
        _ => format!("frees {}", size(o.frees_bytes)),
    };
    let mut first = clean(&o.summary);
    if let Some(c) = first.get(..1) {
        first = c.to_uppercase() + &first[1..];
    }
    let _ = writeln!(
        out,
        "{}",
        bold(&format!("{rank}. {first}: {amount}, {outcome}"), style)
    );
    let _ = writeln!(out, "   {}", clean(&o.how));
    if !o.exact {
        let _ = writeln!(
            out,
            "   (hundreds of similar apps: this set fits, but a slightly better one may exist)"
        );
    }
    if o.items.is_empty() {
        return;
    }
    let first_column = match o.kind {
        OptionKind::DeleteBackups => "Backup",
        _ => "App",
    };
    let mut table = new_table(style, &[first_column, "Size", "Lost", "Why"], 1);
    for item in &o.items {
        table.add_row(vec![
            clean(&item.name),
            size(item.bytes),
            match item.loss {
                Loss::None => "nothing",
                Loss::Redownload => "downloads",
                Loss::UserData => "data",
            }
            .to_string(),
            clean(&item.why),
        ]);
    }
    write_indented(out, table, "   ");
}

/// What the estimate left out of the local backup's figure, and why.
fn removed_text(out: &mut String, e: &Estimate, style: Style) {
    if e.removed.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Not in the iCloud backup (taken out of the local figure):"
    );
    let mut table = new_table(style, &["Data", "Size", "Why"], 1);
    for r in &e.removed {
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
