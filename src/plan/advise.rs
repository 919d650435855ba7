//! Builds the plan for one phone: its iCloud backup against the user's plan, and the ranked ways to fit.

use std::collections::BTreeMap;

use serde::Serialize;

use std::fmt::Write;
use std::time::SystemTime;

use super::growth::{self, BirthsRate, Growth, Outlook, Point};
use super::losses::loss_of;
use super::select::{choose, Candidate, Loss};
use super::tiers::{cheapest_fitting, tiers, PriceTable, Tier};
use crate::attribute::births::{MONTHS, RATE_MONTHS};
use crate::attribute::devices::Devices;
use crate::attribute::{BackupState, Category, Format, OwnerKind};
use crate::diagnostic::PlanNote;
use crate::error::{Error, Result};
use crate::estimate::{Estimate, EstimatedBackup};

/// Apple deletes a device's iCloud backup this long after its last one (support.apple.com/guide/icloud/mm085db3a8d6).
pub const STALE_DAYS: i64 = 180;

/// What the user told `cloudfit plan`.
#[derive(Debug, Clone)]
pub struct PlanRequest<'a> {
    /// The iCloud plan the user has now.
    pub tier: Tier,
    /// False when `--tier` was not given and `tier` is the free plan (said in a note).
    pub tier_given: bool,
    /// What iCloud holds besides this phone's backup; `None` when not given (counted as 0, with a note).
    pub used_bytes: Option<u64>,
    /// The device, as [`Devices::find`] takes it (a name, a UDID or its start, a backup folder); `None` for the
    /// newest backup that is not an archived copy.
    pub device: Option<&'a str>,
    pub currency: &'a str,
    pub prices: &'a PriceTable,
    /// How many months ahead the plan must still fit (0: today).
    pub horizon_months: u32,
    /// Today: growth is projected from the backup's date to here, and the horizon from here.
    pub today: SystemTime,
}

/// The ways out: one of three, or the painless parts of two with the smallest plan that then holds the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OptionKind {
    ExcludeApps,
    DeleteBackups,
    BuyTier,
    Combined,
}

/// What a plan item is: what the phone's Backups screen switches off, or a device's iCloud backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    App,
    PhotoLibrary,
    Backup,
}

/// An app (or the Photo Library) to switch off, or another device's backup to delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanItem {
    pub id: String,
    pub name: String,
    pub bytes: u64,
    pub loss: Loss,
    /// Why the loss is what it is, in plain words.
    pub why: String,
    pub what: ItemKind,
}

/// A tier to buy, with its price from the dated table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierOffer {
    pub name: String,
    pub bytes: u64,
    /// Decimal strings as priced ("2.99"); null when the price table has no price for this tier.
    pub monthly: Option<String>,
    pub yearly: Option<String>,
    pub currency: String,
    pub prices_date: String,
}

/// One way out, ranked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanOption {
    pub kind: OptionKind,
    /// Bytes of iCloud it frees (for `buy-tier`, the room the bigger plan adds; for `combined`, what its
    /// deletions and apps free, the plan it buys aside).
    pub frees_bytes: u64,
    /// Whether it fits at the backup's size.
    pub fits: bool,
    /// 0 when it fits.
    pub short_by_bytes: u64,
    pub items: Vec<PlanItem>,
    pub tier: Option<TierOffer>,
    /// What to do, in words (the renderer adds the sizes).
    pub summary: String,
    /// Where to tap on the phone.
    pub how: String,
    /// False only when the choice of apps hit its work limit (hundreds of near-equal apps): still a set that
    /// fits, maybe not the very best.
    pub exact: bool,
    /// The day it is full again at the growth rate (YYYY-MM-DD; before today when already full); null when it
    /// does not fit even now, or the growth is unknown or never fills it.
    pub lasts_until: Option<String>,
    /// Whether it still fits at the end of the horizon (growth projected from the backup's date).
    pub fits_after_horizon: bool,
}

/// The plan for one phone. The first fields are the JSON contract of `cloudfit plan --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// The device's name as its backup gives it.
    pub device: String,
    /// The name a person reads: [`Plan::device`], with the model and last backup date when another device
    /// has the same name.
    pub display_name: String,
    pub backup_id: String,
    pub tier_bytes: u64,
    pub used_bytes: u64,
    pub estimate_bytes: u64,
    /// Estimate + used − plan, 0 when it fits (at the backup's size).
    pub shortfall_bytes: u64,
    pub fits_now: bool,
    pub options: Vec<PlanOption>,
    pub growth: Option<Growth>,
    pub tier_name: String,
    /// Estimate + used.
    pub needed_bytes: u64,
    /// The estimate's range and what it assumes.
    pub estimate: Estimate,
    pub notes: Vec<PlanNote>,
    /// The months ahead the plan must fit.
    pub horizon_months: u32,
    /// What is needed today and at the end of the horizon, at the growth rate (both `needed_bytes` when the
    /// growth is unknown).
    pub needed_today_bytes: u64,
    pub needed_after_horizon_bytes: u64,
    /// Your plan: whether it still fits then, and the day it is full (as for an option).
    pub fits_after_horizon: bool,
    pub lasts_until: Option<String>,
    /// The day growth is projected to and the horizon counted from (YYYY-MM-DD, UTC).
    pub today: String,
}

/// Options that free less than this fraction of the shortfall are left out (unless nothing else is offered):
/// "frees 28.95 kB, still short by 9.00 TB" helps no one.
const NEGLIGIBLE: u64 = 100;

/// Plans for the phone `request` names among `backups`.
pub fn advise(backups: &[EstimatedBackup], request: &PlanRequest<'_>) -> Result<Plan> {
    let phone = this_phone(backups, request.device)?;
    let s = &phone.summary;
    let names = Devices::of(backups.iter().map(|b| &b.summary));
    let device = names.name_of(s);
    let Some(estimate) = phone.estimate.clone() else {
        return Err(Error::PlanLocked {
            device,
            path: s.path.clone(),
        });
    };
    let kind = device_kind(s.product_type.as_deref());
    let tier = &request.tier;
    let used = request.used_bytes.unwrap_or(0);
    let needed = estimate.bytes.saturating_add(used);
    let shortfall = needed.saturating_sub(tier.bytes);

    let mut notes = Vec::new();
    if !request.tier_given {
        notes.push(PlanNote::TierNotGiven {
            tier: tier.name.clone(),
        });
    }
    if request.used_bytes.is_none() {
        notes.push(PlanNote::UsedNotGiven);
    }
    if let Some(note) = used_beyond_tier(used, tier) {
        notes.push(note);
    }

    let (mut growth, drivers) = growth_of(backups, phone);
    if growth.is_none() {
        notes.push(PlanNote::GrowthUnknown);
    }
    let outlook = Outlook {
        per_month: growth.as_ref().map_or(0.0, |g| g.bytes_per_month as f64),
        measured: s.last_backup_time.unwrap_or(request.today),
        today: request.today,
        horizon_months: request.horizon_months,
    };
    let ctx = Context {
        outlook,
        drivers,
        needed,
        capacity: tier.bytes,
        growth_known: growth.is_some(),
    };
    let needed_after_horizon = outlook.need_after_horizon(needed);
    let target = needed_after_horizon.max(needed).saturating_sub(tier.bytes);

    let mut options = Vec::new();
    if target > 0 {
        options.extend(exclude_apps(&estimate, target, &device, kind, &ctx));
        options.extend(delete_backups(backups, phone, target, used, &ctx, &names));
        if let Some(option) = buy_tier(&ctx, tier, request)? {
            options.push(option);
        }
        drop_negligible(&mut options, target);
        // When nothing painless holds on its own, the painless parts together may, or with a smaller plan
        // than buying alone.
        let bought = options
            .iter()
            .find_map(|o| o.tier.as_ref().map(|t| t.bytes));
        if !options.iter().any(|o| o.fits_after_horizon && pain(o) <= 1) {
            let together = combined(&estimate, backups, phone, &ctx, request, &names)?;
            options.extend(together.filter(|c| {
                c.tier
                    .as_ref()
                    .is_none_or(|t| bought.is_none_or(|b| t.bytes < b))
            }));
        }
        options.sort_by_key(|o| {
            (
                !o.fits_after_horizon,
                !o.fits,
                pain(o),
                o.tier.as_ref().map_or(0, |t| t.bytes),
                std::cmp::Reverse(o.frees_bytes),
            )
        });
        notes.extend(same_name_warnings(&mut options, backups, phone, &names));
    }

    if let Some(g) = growth.as_mut() {
        let recommended = options.iter().find_map(|o| o.tier.as_ref());
        let mut dated = vec![(tier.name.clone(), tier.bytes)];
        dated.extend(recommended.map(|t| (t.name.clone(), t.bytes)));
        for (name, bytes) in dated {
            if let Some(day) = outlook.lasts_until(needed, bytes) {
                g.full_on.insert(name, day);
            }
        }
    }

    Ok(Plan {
        device: plain_name(phone),
        display_name: device,
        backup_id: s.id.clone(),
        tier_bytes: tier.bytes,
        used_bytes: used,
        estimate_bytes: estimate.bytes,
        shortfall_bytes: shortfall,
        fits_now: shortfall == 0,
        options,
        growth,
        tier_name: tier.name.clone(),
        needed_bytes: needed,
        estimate,
        notes,
        horizon_months: request.horizon_months,
        needed_today_bytes: outlook.need_at(needed, request.today),
        needed_after_horizon_bytes: needed_after_horizon,
        fits_after_horizon: needed_after_horizon <= tier.bytes && shortfall == 0,
        lasts_until: outlook.lasts_until(needed, tier.bytes),
        today: growth::day(request.today),
    })
}

/// What every option is measured against.
struct Context {
    outlook: Outlook,
    /// Each app's (and the Photo Library's) part of the monthly growth, where births tell it.
    drivers: Drivers,
    /// Estimate + used, at the backup's size.
    needed: u64,
    /// The user's plan.
    capacity: u64,
    growth_known: bool,
}

impl Context {
    /// Whether an option that frees `frees` (and buys `capacity`, else keeps the user's plan) fits at the
    /// backup's size and after the horizon, and until when; `items` it leaves out take their growth along.
    fn outcome(&self, frees: u64, capacity: Option<u64>, items: &[PlanItem]) -> Outcome {
        let capacity = capacity.unwrap_or(self.capacity);
        let need = self.needed.saturating_sub(frees);
        let outlook = self
            .outlook
            .at_rate(self.outlook.per_month * (1.0 - self.drivers.share(items)));
        Outcome {
            fits: need <= capacity,
            short_by_bytes: need.saturating_sub(capacity),
            fits_after_horizon: need <= capacity && outlook.need_after_horizon(need) <= capacity,
            lasts_until: outlook.lasts_until(need, capacity),
        }
    }
}

struct Outcome {
    fits: bool,
    short_by_bytes: u64,
    fits_after_horizon: bool,
    lasts_until: Option<String>,
}

/// Each app's and the Photo Library's part of the births' monthly rate, as the iCloud backup holds them.
#[derive(Debug, Default)]
struct Drivers {
    by_item: BTreeMap<String, f64>,
    total: f64,
}

impl Drivers {
    /// The fraction of the growth `items` account for (0 when births are not known).
    fn share(&self, items: &[PlanItem]) -> f64 {
        if self.total <= 0.0 {
            return 0.0;
        }
        let part: f64 = items.iter().filter_map(|i| self.by_item.get(&i.id)).sum();
        (part / self.total).clamp(0.0, 1.0)
    }
}

/// Leaves out the options that free less than 1% of `target`, unless that would leave none.
fn drop_negligible(options: &mut Vec<PlanOption>, target: u64) {
    let helps =
        |o: &PlanOption| o.kind == OptionKind::BuyTier || o.frees_bytes >= target / NEGLIGIBLE;
    if options.iter().any(helps) {
        options.retain(helps);
    }
}

/// What tells one device's backups from another's: its UDID (archived copies share it), else the folder.
pub fn device_key(s: &crate::attribute::BackupSummary) -> String {
    crate::attribute::devices::device_key(s)
}

/// iCloud stops storing once a plan is full, so it can never hold more than the plan: a `used` beyond the tier
/// is a typo or the wrong plan, and the answer is only a what-if.
pub fn used_beyond_tier(used: u64, tier: &Tier) -> Option<PlanNote> {
    (used > tier.bytes).then(|| PlanNote::UsedBeyondTier {
        used_bytes: used,
        tier: tier.name.clone(),
    })
}

/// The backup `plan` plans for: the named device's newest copy (a name several devices have is refused, see
/// [`Devices::find`]), or the newest backup that is not an archived copy.
pub fn this_phone<'a>(
    backups: &'a [EstimatedBackup],
    device: Option<&str>,
) -> Result<&'a EstimatedBackup> {
    let newest = |list: Vec<&'a EstimatedBackup>| {
        list.into_iter().max_by_key(|b| {
            (
                !b.summary.archived,
                b.summary.last_backup_time,
                b.estimate.is_some(),
            )
        })
    };
    match device {
        Some(name) => {
            let devices = Devices::of(backups.iter().map(|b| &b.summary));
            let matches = devices.find(name)?.into_iter().map(|i| &backups[i]);
            newest(matches.collect()).ok_or_else(|| devices.no_such(name))
        }
        None => {
            // Extracted trees have no device facts; they are planned for only when nothing else was found.
            let real: Vec<&EstimatedBackup> = backups.iter().filter(|b| !is_extracted(b)).collect();
            let pool = if real.is_empty() {
                backups.iter().collect()
            } else {
                real
            };
            newest(pool).ok_or(Error::NothingToPlan)
        }
    }
}

/// Whether a backup's name, UDID or backup folder is `wanted`, ignoring case; [`Devices::find`] is what
/// settles which one device that means.
pub fn is_device(s: &crate::attribute::BackupSummary, wanted: &str) -> bool {
    let wanted = wanted.trim();
    s.device_name
        .as_deref()
        .is_some_and(|d| d.eq_ignore_ascii_case(wanted))
        || s.udid
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(wanted))
        || s.id.eq_ignore_ascii_case(wanted)
}

/// The error for a `--device` that names no backup found, listing the devices there are as a person reads them.
pub fn no_such_device(backups: &[EstimatedBackup], wanted: &str) -> Error {
    Devices::of(backups.iter().map(|b| &b.summary)).no_such(wanted)
}

fn is_extracted(b: &EstimatedBackup) -> bool {
    matches!(
        b.summary.format,
        Format::ExtractedDomains | Format::ExtractedDevicePaths
    )
}

/// The device's name as its backup gives it, else the folder's.
fn plain_name(b: &EstimatedBackup) -> String {
    b.summary
        .device_name
        .clone()
        .unwrap_or_else(|| b.summary.id.clone())
}

/// "iPhone", "iPad" or "device", for the steps on the phone.
fn device_kind(product_type: Option<&str>) -> &'static str {
    match product_type {
        Some(p) if p.starts_with("iPhone") => "iPhone",
        Some(p) if p.starts_with("iPad") => "iPad",
        Some(p) if p.starts_with("iPod") => "iPod",
        _ => "device",
    }
}

const BACKUPS_SCREEN: &str = "Settings › [your name] › iCloud › Manage Account Storage › Backups";

/// Everything the Backups screen can switch off: the apps, and the Photo Library (without iCloud Photos the
/// library is in the backup, and the screen has a switch for it).
fn app_items(estimate: &Estimate) -> Vec<PlanItem> {
    let mut items: Vec<PlanItem> = estimate
        .apps
        .iter()
        .filter(|a| a.kind == OwnerKind::App && a.bytes > 0)
        .map(|a| {
            let (loss, why) = loss_of(&a.bundle_id);
            PlanItem {
                id: a.bundle_id.clone(),
                name: a.name.clone(),
                bytes: a.bytes,
                loss,
                why: why.to_string(),
                what: ItemKind::App,
            }
        })
        .collect();
    if let Some(photos) = estimate
        .categories
        .iter()
        .find(|c| c.id == Category::Photos)
    {
        items.push(PlanItem {
            id: PHOTO_LIBRARY.into(),
            name: "Photo Library".into(),
            bytes: photos.bytes,
            loss: Loss::UserData,
            why: "photos not in iCloud Photos or on a computer would be lost with the phone".into(),
            what: ItemKind::PhotoLibrary,
        });
    }
    items
}

/// The Photo Library's item id (an app's is its bundle id).
const PHOTO_LIBRARY: &str = "photo-library";

/// What leaving `items` out of the backup loses, in words.
fn apps_loss(items: &[PlanItem]) -> &'static str {
    match items.iter().map(|i| i.loss).max().unwrap_or(Loss::None) {
        Loss::None => "nothing is lost: their data is in their own clouds",
        Loss::Redownload => "only downloads are lost, and they download again",
        Loss::UserData => "data kept only on the phone would not be backed up",
    }
}

/// Where to switch `items` off on the phone; a long list is named by the items themselves.
fn apps_how(items: &[PlanItem], device: &str, kind: &str) -> String {
    let which = match items {
        [one] => one.name.clone(),
        [a, b] => format!("{} and {}", a.name, b.name),
        many => format!("the {} apps listed", many.len()),
    };
    format!(
        "On {device}: {BACKUPS_SCREEN} › this {kind}; tap Show All Apps, switch off {which} and tap Turn Off & \
         Delete"
    )
}

/// The apps (and Photo Library) to switch off: the exact best set, or when none covers the shortfall, the
/// painless ones as a step towards it.
fn exclude_apps(
    estimate: &Estimate,
    target: u64,
    device: &str,
    kind: &str,
    ctx: &Context,
) -> Option<PlanOption> {
    let items = app_items(estimate);
    let (picked, exact) = match pick(&items, target) {
        Some(best) => best,
        None => {
            let mut painless: Vec<PlanItem> = items
                .into_iter()
                .filter(|i| i.loss <= Loss::Redownload)
                .collect();
            sort_items(&mut painless);
            (painless, true)
        }
    };
    if picked.is_empty() {
        return None;
    }
    let frees: u64 = picked.iter().map(|i| i.bytes).sum();
    let n = picked.len();
    let summary = format!(
        "leave {} out of the iCloud backup ({})",
        if n == 1 {
            picked[0].name.clone()
        } else {
            format!("{n} apps")
        },
        apps_loss(&picked)
    );
    let outcome = ctx.outcome(frees, None, &picked);
    Some(PlanOption {
        kind: OptionKind::ExcludeApps,
        frees_bytes: frees,
        fits: outcome.fits,
        short_by_bytes: outcome.short_by_bytes,
        how: apps_how(&picked, device, kind),
        items: picked,
        tier: None,
        summary,
        exact,
        lasts_until: outcome.lasts_until,
        fits_after_horizon: outcome.fits_after_horizon,
    })
}

/// The best items to give up for `shortfall` (see [`choose`]), largest first, and whether the choice is proven
/// best; `None` when even all of them together are not enough.
fn pick(items: &[PlanItem], shortfall: u64) -> Option<(Vec<PlanItem>, bool)> {
    let candidates: Vec<Candidate> = items
        .iter()
        .map(|i| Candidate {
            id: i.id.clone(),
            bytes: i.bytes,
            loss: i.loss,
        })
        .collect();
    let choice = choose(&candidates, shortfall)?;
    let mut picked: Vec<PlanItem> = choice.picked.iter().map(|&i| items[i].clone()).collect();
    sort_items(&mut picked);
    Some((picked, choice.exact))
}

/// Largest first, then by id, so output is stable.
fn sort_items(items: &mut [PlanItem]) {
    items.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.id.cmp(&b.id)));
}

/// Other devices' backups that are stale (no backup for 180 days) or kept only as archived copies.
fn stale_items(
    backups: &[EstimatedBackup],
    phone: &EstimatedBackup,
    names: &Devices<'_>,
) -> Vec<PlanItem> {
    let key = |b: &EstimatedBackup| device_key(&b.summary);
    let mine = key(phone);
    let mut devices: BTreeMap<String, Vec<&EstimatedBackup>> = BTreeMap::new();
    for b in backups
        .iter()
        .filter(|b| !is_extracted(b) && key(b) != mine)
    {
        devices.entry(key(b)).or_default().push(b);
    }
    let mut items = Vec::new();
    for copies in devices.values() {
        let Some(newest) = copies.iter().max_by_key(|b| b.summary.last_backup_time) else {
            continue;
        };
        let s = &newest.summary;
        let age = s.age_days.unwrap_or(0);
        let archived_only = copies.iter().all(|b| b.summary.archived);
        if age <= STALE_DAYS && !archived_only {
            continue;
        }
        let (bytes, sized) = match &newest.estimate {
            Some(e) => (e.bytes, ""),
            None => (s.disk_bytes, "; sized from its folder, as it is encrypted"),
        };
        let finished = s.state == BackupState::Finished;
        let when = if age > STALE_DAYS {
            format!("not backed up for {age} days (Apple deletes an iCloud backup {STALE_DAYS} days after the last one)")
        } else {
            "kept here only as an archived copy".to_string()
        };
        items.push(PlanItem {
            id: s.id.clone(),
            name: names.name_of(&newest.summary),
            bytes,
            loss: if finished { Loss::None } else { Loss::UserData },
            why: format!(
                "{when}; {}{sized}",
                if finished {
                    "a complete copy stays on this computer"
                } else {
                    "the copy on this computer is incomplete"
                }
            ),
            what: ItemKind::Backup,
        });
    }
    items
}

/// Their iCloud backups are part of `used` (what iCloud holds besides this phone's backup), so deleting them
/// frees at most that: nothing is offered when `used` is 0.
fn delete_backups(
    backups: &[EstimatedBackup],
    phone: &EstimatedBackup,
    target: u64,
    used: u64,
    ctx: &Context,
    names: &Devices<'_>,
) -> Option<PlanOption> {
    if used == 0 {
        return None;
    }
    let mut items = stale_items(backups, phone, names);
    if items.is_empty() {
        return None;
    }
    // The same order as for apps: a backup whose only full copy is here costs nothing; the fewest that cover.
    // When none covers, every one is offered.
    match pick(&items, target) {
        Some((picked, _)) => items = picked,
        None => sort_items(&mut items),
    }
    // The renderer says when the cap applies: the items' sizes then add up to more than this.
    let frees = items.iter().map(|i| i.bytes).sum::<u64>().min(used);
    let names = list(items.iter().map(|i| i.name.as_str()));
    let outcome = ctx.outcome(frees, None, &[]);
    Some(PlanOption {
        kind: OptionKind::DeleteBackups,
        frees_bytes: frees,
        fits: outcome.fits,
        short_by_bytes: outcome.short_by_bytes,
        summary: format!("delete the iCloud backup of {names}, if iCloud still has it"),
        how: delete_how(&names),
        items,
        tier: None,
        exact: true,
        lasts_until: outcome.lasts_until,
        fits_after_horizon: outcome.fits_after_horizon,
    })
}

fn delete_how(names: &str) -> String {
    format!(
        "On any of your devices: {BACKUPS_SCREEN} › {names} › Delete Backup (not listed there: no iCloud backup \
         is left)"
    )
}

/// A stale backup offered for deletion that has this phone's name but is another device: said first in its
/// item's Why and in the notes (`same-name-not-this-phone`), so that nobody deletes the wrong "Maya's iPhone".
fn same_name_warnings(
    options: &mut [PlanOption],
    backups: &[EstimatedBackup],
    phone: &EstimatedBackup,
    names: &Devices<'_>,
) -> Vec<PlanNote> {
    let Some(me) = names.index_of(&phone.summary) else {
        return Vec::new();
    };
    let kind = device_kind(phone.summary.product_type.as_deref());
    let mut notes = Vec::new();
    let items = options
        .iter_mut()
        .flat_map(|o| o.items.iter_mut())
        .filter(|i| i.what == ItemKind::Backup);
    let mut warned = std::collections::BTreeSet::new();
    for item in items {
        let Some(other) = backups.iter().position(|b| b.summary.id == item.id) else {
            continue;
        };
        if !names.same_name_other_device(me, other) {
            continue;
        }
        let (model, day) = names.model_and_day(other);
        let what = match model {
            Some(model) => format!("{} {model}", article(model)),
            None => "another device".to_string(),
        };
        let when = day.map_or_else(String::new, |day| format!(", last backed up {day}"));
        item.why = format!(
            "not this {kind}: {what} with the same name{when} — check the model in Settings › [your name] \
             before deleting; {}",
            item.why
        );
        // The same backup may be in two options (alone, and together with apps): one note for it.
        if !warned.insert(item.id.clone()) {
            continue;
        }
        notes.push(PlanNote::SameNameNotThisPhone {
            backup_id: item.id.clone(),
            name: item.name.clone(),
            model: model.map(str::to_string),
            last_backup: day.map(str::to_string),
        });
    }
    notes
}

/// "an" before a vowel ("an iPhone 12", "an iPad Air"), else "a".
fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// The cheapest plan that still holds everything at the end of the horizon (with 10% headroom when the
/// growth is unknown).
fn buy_tier(
    ctx: &Context,
    current: &Tier,
    request: &PlanRequest<'_>,
) -> Result<Option<PlanOption>> {
    let Some((tier, tight)) = tier_for(ctx.needed, &ctx.outlook, ctx.growth_known) else {
        return Ok(None);
    };
    if tier.bytes <= current.bytes {
        return Ok(None);
    }
    let offer = offer(&tier, request)?;
    let outcome = ctx.outcome(0, Some(tier.bytes), &[]);
    let short_of_room = match (tight, ctx.growth_known) {
        (false, _) => "",
        (true, true) => ", though at this rate it is full before the horizon",
        (true, false) => ", though it leaves less than 10% to grow",
    };
    Ok(Some(PlanOption {
        kind: OptionKind::BuyTier,
        frees_bytes: tier.bytes - current.bytes,
        fits: outcome.fits,
        short_by_bytes: outcome.short_by_bytes,
        items: Vec::new(),
        summary: format!("change to {}{short_of_room}", offer.words),
        how: buy_how(&tier),
        tier: Some(offer.offer),
        exact: true,
        lasts_until: outcome.lasts_until,
        fits_after_horizon: outcome.fits_after_horizon,
    }))
}

/// The smallest tier that holds `need` (at the backup's size) at the end of the horizon, or with 10% headroom
/// when the growth is unknown; else the largest that holds it at the backup's size, marked tight.
fn tier_for(need: u64, outlook: &Outlook, growth_known: bool) -> Option<(Tier, bool)> {
    let found = if growth_known {
        let later = outlook.need_after_horizon(need).max(need);
        tiers().into_iter().find(|t| t.bytes >= later)
    } else {
        cheapest_fitting(need)
    };
    match found {
        Some(t) => Some((t, false)),
        None => tiers()
            .into_iter()
            .rev()
            .find(|t| t.bytes >= need)
            .map(|t| (t, true)),
    }
}

struct Offer {
    offer: TierOffer,
    /// "the 50 GB iCloud+ plan (USD 0.99/month, 11.88/year; prices of 2026-01-12)".
    words: String,
}

fn offer(tier: &Tier, request: &PlanRequest<'_>) -> Result<Offer> {
    let price = request
        .prices
        .price(&tier.name, request.currency)
        .map_err(|e| Error::Prices(e.to_string()))?;
    let (monthly, yearly) = match &price {
        Some(p) => (Some(p.monthly.clone()), Some(p.yearly.clone())),
        None => (None, None),
    };
    let cost = match &price {
        Some(p) => format!("{} {}/month, {}/year", p.currency, p.monthly, p.yearly),
        None => format!("no {} price for it in the price table", request.currency),
    };
    Ok(Offer {
        words: format!(
            "the {} iCloud+ plan ({cost}; prices of {})",
            tier.name, request.prices.date
        ),
        offer: TierOffer {
            name: tier.name.clone(),
            bytes: tier.bytes,
            monthly,
            yearly,
            currency: request.currency.to_string(),
            prices_date: request.prices.date.clone(),
        },
    })
}

fn buy_how(tier: &Tier) -> String {
    format!(
        "Settings › [your name] › iCloud › Manage Account Storage › Change Storage Plan (or Upgrade to iCloud+), \
         then choose {}",
        tier.name
    )
}

/// When no single option holds: the painless parts of all of them (old backups with a complete copy here,
/// apps whose data is in their own clouds) and, if that is not enough, the smallest plan that then holds the
/// rest. `None` when it would be one of the options already given, or even it does not hold.
fn combined(
    estimate: &Estimate,
    backups: &[EstimatedBackup],
    phone: &EstimatedBackup,
    ctx: &Context,
    request: &PlanRequest<'_>,
    names: &Devices<'_>,
) -> Result<Option<PlanOption>> {
    let device = names.name_of(&phone.summary);
    let kind = device_kind(phone.summary.product_type.as_deref());
    let used = request.used_bytes.unwrap_or(0);
    let mut gone: Vec<PlanItem> = if used > 0 {
        stale_items(backups, phone, names)
            .into_iter()
            .filter(|i| i.loss == Loss::None)
            .collect()
    } else {
        Vec::new()
    };
    sort_items(&mut gone);
    let mut apps: Vec<PlanItem> = app_items(estimate)
        .into_iter()
        .filter(|i| i.loss == Loss::None)
        .collect();
    sort_items(&mut apps);
    let deleted = gone.iter().map(|i| i.bytes).sum::<u64>().min(used);
    let left_out: u64 = apps.iter().map(|i| i.bytes).sum();
    let frees = deleted.saturating_add(left_out);
    if frees == 0 {
        return Ok(None);
    }
    let rest = ctx.outcome(frees, None, &apps);
    let tier = if rest.fits_after_horizon {
        None
    } else {
        let need = ctx.needed - frees;
        let outlook = ctx
            .outlook
            .at_rate(ctx.outlook.per_month * (1.0 - ctx.drivers.share(&apps)));
        match tier_for(need, &outlook, ctx.growth_known) {
            Some((t, false)) if t.bytes > request.tier.bytes => Some(t),
            _ => return Ok(None),
        }
    };
    let parts =
        usize::from(!gone.is_empty()) + usize::from(!apps.is_empty()) + usize::from(tier.is_some());
    if parts < 2 {
        return Ok(None);
    }
    let outcome = ctx.outcome(frees, tier.as_ref().map(|t| t.bytes), &apps);
    let mut what = Vec::new();
    let mut how = Vec::new();
    if !gone.is_empty() {
        let names = list(gone.iter().map(|i| i.name.as_str()));
        what.push(format!("delete the iCloud backup of {names}"));
        how.push(format!("tap {names} › Delete Backup"));
    }
    if !apps.is_empty() {
        what.push(format!(
            "leave {} out of the iCloud backup (nothing is lost)",
            if apps.len() == 1 {
                apps[0].name.clone()
            } else {
                format!("{} apps", apps.len())
            }
        ));
        let which = if apps.len() == 1 {
            apps[0].name.clone()
        } else {
            format!("the {} apps listed", apps.len())
        };
        how.push(format!(
            "on {device}, tap this {kind} › Show All Apps, switch off {which} and tap Turn Off & Delete"
        ));
    }
    let mut how = format!("{BACKUPS_SCREEN}: {}", how.join("; then "));
    let offer = match &tier {
        Some(t) => {
            let o = offer(t, request)?;
            what.push(format!("change to {}", o.words));
            let _ = write!(how, "; then {}", buy_how(t));
            Some(o.offer)
        }
        None => None,
    };
    let mut items = gone;
    items.extend(apps);
    Ok(Some(PlanOption {
        kind: OptionKind::Combined,
        frees_bytes: frees,
        fits: outcome.fits,
        short_by_bytes: outcome.short_by_bytes,
        items,
        tier: offer,
        summary: format!("together: {}", list(what.iter().map(String::as_str))),
        how,
        exact: true,
        lasts_until: outcome.lasts_until,
        fits_after_horizon: outcome.fits_after_horizon,
    }))
}

/// Lower is kinder: nothing lost, then old backups, then downloads, then money, then data at risk.
fn pain(o: &PlanOption) -> u8 {
    let worst = o.items.iter().map(|i| i.loss).max().unwrap_or(Loss::None);
    match (o.kind, worst) {
        (OptionKind::Combined, _) if o.tier.is_some() => 3,
        (OptionKind::Combined, _) => 1,
        (OptionKind::ExcludeApps, Loss::None) => 0,
        (OptionKind::DeleteBackups, Loss::None) => 1,
        (_, Loss::Redownload) => 2,
        (OptionKind::BuyTier, _) => 3,
        _ => 4,
    }
}

/// How fast the phone's iCloud backup grows: from the births in its device's newest backup (even when the plan
/// is for an older copy), and from the device's copies where there are two; with each app's part of it.
fn growth_of(backups: &[EstimatedBackup], phone: &EstimatedBackup) -> (Option<Growth>, Drivers) {
    let same: Vec<&EstimatedBackup> = match phone.summary.udid.as_deref() {
        Some(udid) => backups
            .iter()
            .filter(|b| {
                b.summary
                    .udid
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(udid))
            })
            .collect(),
        None => vec![phone],
    };
    let points: Vec<Point> = same
        .iter()
        .filter_map(|b| {
            Some(Point {
                time: b.summary.last_backup_time?,
                bytes: b.estimate.as_ref()?.bytes,
            })
        })
        .collect();
    let newest = same
        .iter()
        .filter(|b| b.estimate.is_some() && b.summary.growth.is_some())
        .max_by_key(|b| b.summary.last_backup_time);
    let (births, drivers) = match newest.and_then(|b| icloud_births(b)) {
        Some((rate, drivers)) => (Some(rate), drivers),
        None => (None, Drivers::default()),
    };
    (
        growth::combine(births, growth::copies_rate(&points)),
        drivers,
    )
}

/// The births' rate as the iCloud backup would hold it: each data type's and app's rate times the part of its
/// bytes the estimate keeps (Health births count nothing, photos lose their caches' part).
fn icloud_births(b: &EstimatedBackup) -> Option<(BirthsRate, Drivers)> {
    let g = b.summary.growth.as_ref()?;
    let e = b.estimate.as_ref()?;
    let ratio = |kept: u64, local: u64| {
        if local == 0 {
            1.0
        } else {
            kept as f64 / local as f64
        }
    };
    let mut drivers = Drivers::default();
    for c in &g.by_category {
        let kept = e
            .categories
            .iter()
            .find(|x| x.id == c.id)
            .map_or(0.0, |x| ratio(x.bytes, x.local_bytes));
        let rate = c.bytes_per_month as f64 * kept;
        drivers.total += rate;
        if c.id == Category::Photos {
            drivers.by_item.insert(PHOTO_LIBRARY.into(), rate);
        }
    }
    for a in &g.by_app {
        let local = b
            .summary
            .apps
            .iter()
            .find(|x| x.bundle_id == a.bundle_id)
            .map_or(0, |x| x.bytes);
        let kept = e
            .apps
            .iter()
            .find(|x| x.bundle_id == a.bundle_id)
            .map_or(0, |x| x.bytes);
        let rate = a.bytes_per_month as f64 * ratio(kept, local);
        drivers.total += rate;
        drivers.by_item.insert(a.bundle_id.clone(), rate);
    }
    let month = |i: usize| g.months.get(i).map(|m| m.month.clone());
    let rate = BirthsRate {
        bytes_per_month: drivers.total.round() as u64,
        from: month(MONTHS - 1 - RATE_MONTHS)?,
        to: month(MONTHS - 2)?,
    };
    Some((rate, drivers))
}

/// "A", "A and B", "A, B and C".
fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}
