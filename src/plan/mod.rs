//! Plans what makes a backup fit in iCloud: leave apps out of the backup (chosen exactly, not greedily),
//! delete old devices' backups, or buy a bigger iCloud+ tier; and how fast the backup grows.

pub mod advise;
pub mod amount;
pub mod growth;
pub mod losses;
pub mod select;
pub mod tiers;

pub use advise::{advise, OptionKind, Plan, PlanItem, PlanOption, PlanRequest, TierOffer};
pub use amount::{parse_bytes, parse_tier};
pub use growth::Growth;
pub use select::{choose, Candidate, Choice, Loss};
pub use tiers::{cheapest_fitting, tiers, Price, PriceTable, Tier};
