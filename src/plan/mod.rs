//! Plans what makes a backup fit in iCloud: leave apps out of the backup (chosen exactly, not greedily),
//! delete old devices' backups, or buy a bigger iCloud+ tier; and how fast the backup grows.

pub(crate) mod advise;
pub(crate) mod amount;
pub(crate) mod growth;
pub(crate) mod losses;
pub(crate) mod select;
pub(crate) mod tiers;

pub use advise::{
    advise, device_key, is_device, no_such_device, this_phone, used_beyond_tier, ItemKind,
    OptionKind, Plan, PlanItem, PlanOption, PlanRequest, TierOffer,
};
pub use amount::{parse_bytes, parse_tier};
pub use growth::{BirthsRate, CopiesRate, Growth, Method};
pub use select::Loss;
pub use tiers::{Price, PriceTable, Tier};
