//! Builds the plan for one phone: its iCloud backup against the user's plan, and the ranked ways to fit.

use std::collections::BTreeMap;

use serde::Serialize;

use super::growth::{self, Growth, Point};
use super::losses::loss_of;
use super::select::{choose, Candidate, Loss};
use super::tiers::{cheapest_fitting, tiers, PriceTable, Tier};
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
    /// What iCloud holds besides this phone's backup; `None` when not given (counted as 0, with a note).
    pub used_bytes: Option<u64>,
    /// Device name, UDID or backup folder name; `None` for the newest backup that is not an archived copy.
    pub device: Option<&'a str>,
    pub currency: &'a str,
    pub prices: &'a PriceTable,
}

/// The three ways out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OptionKind {
    ExcludeApps,
    DeleteBackups,
    BuyTier,
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
    /// Bytes of iCloud it frees (for `buy-tier`, the room the bigger plan adds).
    pub frees_bytes: u64,
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
}

/// The plan for one phone. The first fields are the JSON contract of `cloudfit plan --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub device: String,
    pub backup_id: String,
    pub tier_bytes: u64,
    pub used_bytes: u64,
    pub estimate_bytes: u64,
    /// Estimate + used − plan, 0 when it fits.
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
}

/// Plans for the phone `request` names among `backups`.
pub fn advise(backups: &[EstimatedBackup], request: &PlanRequest<'_>) -> Result<Plan> {
    let phone = this_phone(backups, request.device)?;
    let s = &phone.summary;
    let device = display_name(phone);
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
    if request.used_bytes.is_none() {
        notes.push(PlanNote::UsedNotGiven);
    }

    if let Some(note) = used_beyond_tier(used, tier) {
        notes.push(note);
    }

    let mut options = Vec::new();
    if shortfall > 0 {
        options.extend(exclude_apps(&estimate, shortfall, &device, kind));
        options.extend(delete_backups(backups, phone, shortfall, used));
        if let Some(option) = buy_tier(needed, tier, request)? {
            options.push(option);
        }
        options.sort_by_key(|o| (!o.fits, pain(o), std::cmp::Reverse(o.frees_bytes)));
    }

    let recommended = options
        .iter()
        .find_map(|o| o.tier.as_ref())
        .map(|t| (t.name.clone(), t.bytes));
    let mut dated = vec![(tier.name.clone(), tier.bytes)];
    dated.extend(recommended);
    let growth = growth_of(backups, phone, &dated, used);

    Ok(Plan {
        device,
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
    })
}

/// What tells one device's backups from another's: its UDID (archived copies share it), else the folder.
pub fn device_key(s: &crate::attribute::BackupSummary) -> String {
    s.udid
        .clone()
        .unwrap_or_else(|| s.id.clone())
        .to_ascii_uppercase()
}

/// iCloud stops storing once a plan is full, so it can never hold more than the plan: a `used` beyond the tier
/// is a typo or the wrong plan, and the answer is only a what-if.
pub fn used_beyond_tier(used: u64, tier: &Tier) -> Option<PlanNote> {
    (used > tier.bytes).then(|| PlanNote::UsedBeyondTier {
        used_bytes: used,
        tier: tier.name.clone(),
    })
}

/// The backup `plan` plans for: the named device's newest copy, or the newest backup that is not an archived
/// copy.
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
            let wanted = name.trim();
            let matches: Vec<&EstimatedBackup> = backups
                .iter()
                .filter(|b| is_device(&b.summary, wanted))
                .collect();
            newest(matches).ok_or_else(|| no_such_device(backups, wanted))
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

/// Whether a backup is of the device `wanted` names: its name, UDID or backup folder, ignoring case.
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

/// The error for a `--device` that names no backup found.
pub fn no_such_device(backups: &[EstimatedBackup], wanted: &str) -> Error {
    Error::NoSuchDevice {
        wanted: wanted.trim().to_string(),
        known: backups.iter().map(display_name).collect(),
    }
}

fn is_extracted(b: &EstimatedBackup) -> bool {
    matches!(
        b.summary.format,
        Format::ExtractedDomains | Format::ExtractedDevicePaths
    )
}

fn display_name(b: &EstimatedBackup) -> String {
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

/// The apps (and Photo Library) to switch off: the exact best set, or when none covers the shortfall, the
/// painless ones as a step towards it.
fn exclude_apps(
    estimate: &Estimate,
    shortfall: u64,
    device: &str,
    kind: &str,
) -> Option<PlanOption> {
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
            }
        })
        .collect();
    // Without iCloud Photos the library is in the backup, and the Backups screen has a switch for it.
    if let Some(photos) = estimate
        .categories
        .iter()
        .find(|c| c.id == Category::Photos)
    {
        items.push(PlanItem {
            id: "photo-library".into(),
            name: "Photo Library".into(),
            bytes: photos.bytes,
            loss: Loss::UserData,
            why: "photos not in iCloud Photos or on a computer would be lost with the phone".into(),
        });
    }
    let (picked, exact) = match pick(&items, shortfall) {
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
    let worst = picked.iter().map(|i| i.loss).max().unwrap_or(Loss::None);
    let names = list(picked.iter().map(|i| i.name.as_str()));
    let n = picked.len();
    let summary = format!(
        "leave {} out of the iCloud backup ({})",
        if n == 1 {
            names.clone()
        } else {
            format!("{n} apps")
        },
        match worst {
            Loss::None => "nothing is lost: their data is in their own clouds",
            Loss::Redownload => "only downloads are lost, and they download again",
            Loss::UserData => "data kept only on the phone would not be backed up",
        }
    );
    Some(PlanOption {
        kind: OptionKind::ExcludeApps,
        frees_bytes: frees,
        fits: frees >= shortfall,
        short_by_bytes: shortfall.saturating_sub(frees),
        items: picked,
        tier: None,
        summary,
        how: format!(
            "On {device}: {BACKUPS_SCREEN} › this {kind}; tap Show All Apps and switch off {names}, then tap Turn \
             Off & Delete for each"
        ),
        exact,
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
/// Their iCloud backups are part of `used` (what iCloud holds besides this phone's backup), so deleting them
/// frees at most that: nothing is offered when `used` is 0.
fn delete_backups(
    backups: &[EstimatedBackup],
    phone: &EstimatedBackup,
    shortfall: u64,
    used: u64,
) -> Option<PlanOption> {
    if used == 0 {
        return None;
    }
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
            name: display_name(newest),
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
        });
    }
    if items.is_empty() {
        return None;
    }
    // The same order as for apps: a backup whose only full copy is here costs nothing; the fewest that cover.
    // When none covers, every one is offered.
    match pick(&items, shortfall) {
        Some((picked, _)) => items = picked,
        None => sort_items(&mut items),
    }
    let frees: u64 = items.iter().map(|i| i.bytes).sum::<u64>().min(used);
    let names = list(items.iter().map(|i| i.name.as_str()));
    Some(PlanOption {
        kind: OptionKind::DeleteBackups,
        frees_bytes: frees,
        fits: frees >= shortfall,
        short_by_bytes: shortfall.saturating_sub(frees),
        summary: format!("delete the iCloud backup of {names}, if iCloud still has it"),
        how: format!(
            "On any of your devices: {BACKUPS_SCREEN} › {names} › Delete Backup (a device not listed there has no \
             iCloud backup left)"
        ),
        items,
        tier: None,
        exact: true,
    })
}

/// The cheapest plan that holds everything with 10% headroom.
fn buy_tier(needed: u64, current: &Tier, request: &PlanRequest<'_>) -> Result<Option<PlanOption>> {
    // With no plan big enough for the headroom, the largest still holds it today, just without room to grow.
    let (tier, tight) = match cheapest_fitting(needed) {
        Some(t) => (t, false),
        None => match tiers().into_iter().rev().find(|t| t.bytes >= needed) {
            Some(t) => (t, true),
            None => return Ok(None),
        },
    };
    if tier.bytes <= current.bytes {
        return Ok(None);
    }
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
    Ok(Some(PlanOption {
        kind: OptionKind::BuyTier,
        frees_bytes: tier.bytes - current.bytes,
        fits: true,
        short_by_bytes: 0,
        items: Vec::new(),
        summary: format!(
            "change to the {} iCloud+ plan ({cost}; prices of {}){}",
            tier.name,
            request.prices.date,
            if tight {
                ", though it leaves less than 10% to grow"
            } else {
                ""
            }
        ),
        how: format!(
            "Settings › [your name] › iCloud › Manage Account Storage › Change Storage Plan (or Upgrade to \
             iCloud+), then choose {}",
            tier.name
        ),
        tier: Some(TierOffer {
            name: tier.name.clone(),
            bytes: tier.bytes,
            monthly,
            yearly,
            currency: request.currency.to_string(),
            prices_date: request.prices.date.clone(),
        }),
        exact: true,
    }))
}

/// Lower is kinder: nothing lost, then old backups, then downloads, then money, then data at risk.
fn pain(o: &PlanOption) -> u8 {
    let worst = o.items.iter().map(|i| i.loss).max().unwrap_or(Loss::None);
    match (o.kind, worst) {
        (OptionKind::ExcludeApps, Loss::None) => 0,
        (OptionKind::DeleteBackups, Loss::None) => 1,
        (_, Loss::Redownload) => 2,
        (OptionKind::BuyTier, _) => 3,
        _ => 4,
    }
}

fn growth_of(
    backups: &[EstimatedBackup],
    phone: &EstimatedBackup,
    tiers: &[(String, u64)],
    used: u64,
) -> Option<Growth> {
    let udid = phone.summary.udid.as_deref()?;
    let points: Vec<Point> = backups
        .iter()
        .filter(|b| {
            b.summary
                .udid
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(udid))
        })
        .filter_map(|b| {
            Some(Point {
                time: b.summary.last_backup_time?,
                bytes: b.estimate.as_ref()?.bytes,
            })
        })
        .collect();
    if points.len() < 2 {
        return None;
    }
    growth::growth(&points, tiers, used)
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
