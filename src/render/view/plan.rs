//! The plan's view: the verdict decided, the options ranked with their items, growth, and the notes.

use super::EstimateView;
use crate::diagnostic::PlanNote;
use crate::plan::{Growth, Loss, OptionKind, Plan, PlanItem, PlanOption};

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

/// Does it fit, and if not, the way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// The estimate and the other iCloud data fit the plan, leaving this much room.
    Fits { room_bytes: u64 },
    /// They need this much more than the plan holds.
    Short {
        short_by_bytes: u64,
        way_out: WayOut<'a>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WayOut<'a> {
    /// The first option that fits on its own, by its summary.
    Best(&'a str),
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
    /// The first column of its items: `Backup` or `App`.
    pub item_heading: &'static str,
    pub items: Vec<ItemView<'a>>,
}

/// An app to leave out or a backup to delete.
pub struct ItemView<'a> {
    pub item: &'a PlanItem,
    /// What leaving it out loses, in a word: `nothing`, `downloads` or `data`.
    pub lost: &'static str,
}

/// How fast the phone's backup grows, from its archived copies.
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
    if plan.fits_now {
        return Verdict::Fits {
            room_bytes: plan.tier_bytes.saturating_sub(plan.needed_bytes),
        };
    }
    let together_bytes = plan
        .options
        .iter()
        .filter(|o| o.kind != OptionKind::BuyTier)
        .fold(0u64, |sum, o| sum.saturating_add(o.frees_bytes));
    let way_out = match plan.options.iter().find(|o| o.fits) {
        Some(best) => WayOut::Best(&best.summary),
        None if together_bytes >= plan.shortfall_bytes => WayOut::Together,
        None => WayOut::NothingIsEnough { together_bytes },
    };
    Verdict::Short {
        short_by_bytes: plan.shortfall_bytes,
        way_out,
    }
}

impl<'a> OptionView<'a> {
    fn new(rank: usize, option: &'a PlanOption) -> Self {
        let items = option
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
        OptionView {
            rank,
            option,
            amount: match option.kind {
                OptionKind::BuyTier => "adds",
                _ => "frees",
            },
            item_heading: match option.kind {
                OptionKind::DeleteBackups => "Backup",
                _ => "App",
            },
            items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::Estimate;

    fn plan(shortfall_bytes: u64, options: Vec<PlanOption>) -> Plan {
        Plan {
            device: "Maya's iPhone".into(),
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
        let way_out = WayOut::Best("BuyTier");
        let want = Verdict::Short {
            short_by_bytes: 50,
            way_out,
        };
        assert_eq!(verdict(&short), want);
    }

    fn way_out(p: &Plan) -> WayOut<'_> {
        match verdict(p) {
            Verdict::Short { way_out, .. } => way_out,
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

    #[test]
    fn items_and_amounts_are_worded_by_the_options_kind() {
        let mut apps = option(OptionKind::ExcludeApps, 10, true);
        apps.items = [Loss::None, Loss::Redownload, Loss::UserData]
            .into_iter()
            .map(|loss| PlanItem {
                id: "id".into(),
                name: "name".into(),
                bytes: 1,
                loss,
                why: String::new(),
            })
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
}
