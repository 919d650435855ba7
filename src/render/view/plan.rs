//! The plan's view: the verdict decided, the options ranked with their items, growth, and the notes.

use super::EstimateView;
use crate::diagnostic::PlanNote;
use crate::plan::{Growth, Loss, OptionKind, Plan, PlanItem, PlanOption};

/// Items smaller than this are folded into one "and N small apps" row: a 114 B app is not worth a line.
pub const SMALL_ITEM_BYTES: u64 = 1_000_000;

/// `cloudfit plan`: the verdict, the ranked options, growth, and what the estimate rests on.
pub struct PlanView<'a> {
    /// The plan's facts (device, tier, what is used and needed).
    pub plan: &'a Plan,
    pub verdict: Verdict<'a>,
    /// It fits on the estimate but not on the high end of its range: little room is left.
    pub tight: bool,
    pub estimate: EstimateView<'a>,
    pub options: Vec<OptionView<'a>>,
    pub growth: Option<GrowthView<'a>>,
    pub notes: &'a [PlanNote],
}

/// Does it fit, for how long, and if not, the way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// The estimate and the other iCloud data fit the plan, leaving this much room, and still fit at the end
    /// of the horizon.
    Fits { room_bytes: u64 },
    /// They fit at the backup's size, but not at the end of the horizon.
    FullSoon { way_out: WayOut<'a> },
    /// They need this much more than the plan holds.
    Short {
        short_by_bytes: u64,
        way_out: WayOut<'a>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WayOut<'a> {
    /// The first option that fits on its own (after the horizon if one does).
    Best(&'a PlanOption),
    /// No option fits on its own, but those that free space (not a bigger plan) do together.
    Together,
    /// Not even together: they free only this much, and no plan is big enough.
    NothingIsEnough { together_bytes: u64 },
}

/// One way out, ranked.
pub struct OptionView<'a> {
    /// 1 for the best.
    pub rank: usize,
    pub option: &'a PlanOption,
    /// What its bytes do: a bigger plan `adds` room, the other options `free` it.
    pub amount: &'static str,
    /// The first column of its items: `Backup`, `App`, or `Item` when both are listed.
    pub item_heading: &'static str,
    /// Its items of 1 MB and more (all of them when none is that big, or only one is smaller).
    pub items: Vec<ItemView<'a>>,
    /// The rest, folded into one row: how many, and their bytes.
    pub small: Option<(usize, u64)>,
    /// Its items add up to more than it frees: old devices' iCloud backups are inside `--used`, so deleting
    /// them frees at most that.
    pub capped_by_used: bool,
}

/// An app to leave out or a backup to delete.
pub struct ItemView<'a> {
    pub item: &'a PlanItem,
    /// What leaving it out loses, in a word: `nothing`, `downloads` or `data`.
    pub lost: &'static str,
}

/// How fast the phone's backup grows, and from what.
pub struct GrowthView<'a> {
    pub growth: &'a Growth,
    pub shrinking: bool,
    pub bytes_per_month: u64,
}

impl<'a> PlanView<'a> {
    pub fn new(plan: &'a Plan) -> Self {
        let options = plan
            .options
            .iter()
            .enumerate()
            .map(|(i, option)| OptionView::new(i + 1, option))
            .collect();
        PlanView {
            plan,
            verdict: verdict(plan),
            tight: plan.fits_now
                && plan.estimate.high.saturating_add(plan.used_bytes) > plan.tier_bytes,
            estimate: EstimateView::new(&plan.estimate),
            options,
            growth: plan.growth.as_ref().map(|growth| GrowthView {
                growth,
                shrinking: growth.bytes_per_month < 0,
                bytes_per_month: growth.bytes_per_month.unsigned_abs(),
            }),
            notes: &plan.notes,
        }
    }
}

fn verdict(plan: &Plan) -> Verdict<'_> {
    if plan.fits_now && plan.fits_after_horizon {
        return Verdict::Fits {
            room_bytes: plan.tier_bytes.saturating_sub(plan.needed_bytes),
        };
    }
    let together_bytes = plan
        .options
        .iter()
        .filter(|o| matches!(o.kind, OptionKind::ExcludeApps | OptionKind::DeleteBackups))
        .fold(0u64, |sum, o| sum.saturating_add(o.frees_bytes));
    let short_by = plan
        .needed_after_horizon_bytes
        .max(plan.needed_bytes)
        .saturating_sub(plan.tier_bytes);
    let best = plan
        .options
        .iter()
        .find(|o| o.fits_after_horizon)
        .or_else(|| plan.options.iter().find(|o| o.fits));
    let way_out = match best {
        Some(best) => WayOut::Best(best),
        None if together_bytes >= short_by => WayOut::Together,
        None => WayOut::NothingIsEnough { together_bytes },
    };
    if plan.fits_now {
        Verdict::FullSoon { way_out }
    } else {
        Verdict::Short {
            short_by_bytes: plan.shortfall_bytes,
            way_out,
        }
    }
}

impl<'a> OptionView<'a> {
    fn new(rank: usize, option: &'a PlanOption) -> Self {
        let all: Vec<ItemView<'a>> = option
            .items
            .iter()
            .map(|item| ItemView {
                item,
                lost: match item.loss {
                    Loss::None => "nothing",
                    Loss::Redownload => "downloads",
                    Loss::UserData => "data",
                },
            })
            .collect();
        let (big, small): (Vec<ItemView<'a>>, Vec<ItemView<'a>>) = all
            .into_iter()
            .partition(|i| i.item.bytes >= SMALL_ITEM_BYTES);
        let (items, small) = if big.is_empty() || small.len() < 2 {
            let mut items = big;
            items.extend(small);
            (items, None)
        } else {
            let bytes = small.iter().map(|i| i.item.bytes).sum();
            (big, Some((small.len(), bytes)))
        };
        let listed: u64 = option.items.iter().map(|i| i.bytes).sum();
        OptionView {
            rank,
            option,
            amount: match option.kind {
                OptionKind::BuyTier => "adds",
                _ => "frees",
            },
            item_heading: match option.kind {
                OptionKind::DeleteBackups => "Backup",
                OptionKind::Combined => "Item",
                _ => "App",
            },
            items,
            small,
            capped_by_used: option.kind == OptionKind::DeleteBackups && listed > option.frees_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::Estimate;
    use crate::plan::ItemKind;

    fn plan(shortfall_bytes: u64, options: Vec<PlanOption>) -> Plan {
        Plan {
            device: "Maya's iPhone".into(),
            display_name: "Maya's iPhone".into(),
            backup_id: "id".into(),
            tier_bytes: 1_000,
            used_bytes: 900,
            estimate_bytes: 100 + shortfall_bytes,
            shortfall_bytes,
            fits_now: shortfall_bytes == 0,
            options,
            growth: None,
            tier_name: "1 kB".into(),
            needed_bytes: 1_000 + shortfall_bytes,
            estimate: Estimate {
                bytes: 100 + shortfall_bytes,
                low: 95,
                high: 2_000,
                local_bytes: 3_000,
                assumptions: Vec::new(),
                removed: Vec::new(),
                apps: Vec::new(),
                categories: Vec::new(),
            },
            notes: Vec::new(),
            horizon_months: 12,
            needed_today_bytes: 1_000 + shortfall_bytes,
            needed_after_horizon_bytes: 1_000 + shortfall_bytes,
            fits_after_horizon: shortfall_bytes == 0,
            lasts_until: None,
            today: "2026-12-01".into(),
        }
    }

    fn option(kind: OptionKind, frees_bytes: u64, fits: bool) -> PlanOption {
        PlanOption {
            kind,
            frees_bytes,
            fits,
            short_by_bytes: 0,
            items: Vec::new(),
            tier: None,
            summary: format!("{kind:?}"),
            how: String::new(),
            exact: true,
            lasts_until: None,
            fits_after_horizon: fits,
        }
    }

    #[test]
    fn the_verdict_names_the_first_option_that_fits() {
        let fits = plan(0, Vec::new());
        assert_eq!(verdict(&fits), Verdict::Fits { room_bytes: 0 });
        // Fits on the estimate, not on the high end of the range.
        assert!(PlanView::new(&fits).tight);
        let options = vec![
            option(OptionKind::ExcludeApps, 10, false),
            option(OptionKind::BuyTier, 10_000, true),
            option(OptionKind::DeleteBackups, 60, true),
        ];
        let short = plan(50, options);
        let want = Verdict::Short {
            short_by_bytes: 50,
            way_out: WayOut::Best(&short.options[1]),
        };
        assert_eq!(verdict(&short), want);
    }

    #[test]
    fn a_plan_that_fits_now_but_not_after_the_horizon_is_full_soon() {
        let mut p = plan(0, vec![option(OptionKind::BuyTier, 10_000, true)]);
        p.fits_after_horizon = false;
        p.needed_after_horizon_bytes = 1_500;
        // One that fits now but not later is the way out only when none lasts.
        let mut later = option(OptionKind::DeleteBackups, 600, true);
        later.fits_after_horizon = false;
        later.summary = "later".into();
        p.options.insert(0, later);
        assert_eq!(
            verdict(&p),
            Verdict::FullSoon {
                way_out: WayOut::Best(&p.options[1])
            }
        );
    }

    fn way_out(p: &Plan) -> WayOut<'_> {
        match verdict(p) {
            Verdict::Short { way_out, .. } | Verdict::FullSoon { way_out } => way_out,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn without_an_option_that_fits_the_verdict_says_whether_they_do_together() {
        // A bigger plan is not one of those that add up: only one plan can be bought.
        let options = |second| {
            vec![
                option(OptionKind::ExcludeApps, 30, false),
                option(OptionKind::DeleteBackups, second, false),
                option(OptionKind::BuyTier, 40, false),
            ]
        };
        assert_eq!(way_out(&plan(50, options(20))), WayOut::Together);
        assert_eq!(
            way_out(&plan(50, options(19))),
            WayOut::NothingIsEnough { together_bytes: 49 }
        );
    }

    fn item(bytes: u64, loss: Loss) -> PlanItem {
        PlanItem {
            id: format!("id{bytes}"),
            name: "name".into(),
            bytes,
            loss,
            why: String::new(),
            what: ItemKind::App,
        }
    }

    #[test]
    fn items_and_amounts_are_worded_by_the_options_kind() {
        let mut apps = option(OptionKind::ExcludeApps, 10, true);
        apps.items = [Loss::None, Loss::Redownload, Loss::UserData]
            .into_iter()
            .map(|loss| item(1, loss))
            .collect();
        let view = OptionView::new(2, &apps);
        let lost: Vec<&str> = view.items.iter().map(|i| i.lost).collect();
        assert_eq!(lost, ["nothing", "downloads", "data"]);
        assert_eq!(
            (view.rank, view.amount, view.item_heading),
            (2, "frees", "App")
        );
        let backups = option(OptionKind::DeleteBackups, 10, true);
        let view = OptionView::new(1, &backups);
        assert_eq!((view.amount, view.item_heading), ("frees", "Backup"));
        let tier = option(OptionKind::BuyTier, 10, true);
        assert_eq!(OptionView::new(1, &tier).amount, "adds");
    }

    #[test]
    fn small_items_fold_into_one_row_beside_big_ones() {
        let mut apps = option(OptionKind::ExcludeApps, 10, true);
        apps.items = vec![
            item(5_000_000, Loss::None),
            item(999_999, Loss::None),
            item(114, Loss::None),
        ];
        let view = OptionView::new(1, &apps);
        assert_eq!(view.items.len(), 1);
        assert_eq!(view.small, Some((2, 1_000_113)));
        // One small item is shown as itself; so are small items with nothing big beside them.
        apps.items.truncate(2);
        assert_eq!(OptionView::new(1, &apps).small, None);
        apps.items.remove(0);
        apps.items.push(item(5, Loss::None));
        let view = OptionView::new(1, &apps);
        assert_eq!((view.items.len(), view.small), (2, None));
    }

    #[test]
    fn deleting_backups_frees_at_most_what_used_holds() {
        let mut backups = option(OptionKind::DeleteBackups, 1_000, true);
        backups.items = vec![item(5_550, Loss::None), item(2_750, Loss::None)];
        assert!(OptionView::new(1, &backups).capped_by_used);
        backups.frees_bytes = 8_300;
        assert!(!OptionView::new(1, &backups).capped_by_used);
    }
}
