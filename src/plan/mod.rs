//! Plans what makes a backup fit in iCloud: which apps to leave out of the backup (exactly, not greedily), and
//! which iCloud+ tier would hold it at what price.
//!
//! The estimate of the iCloud backup, the "delete old backups" option, growth and the `plan` command come with
//! the rest of the plan; the pieces here take plain values, so they depend on nothing upstream.

pub mod select;
pub mod tiers;

pub use select::{choose, Candidate, Choice, Loss};
pub use tiers::{cheapest_fitting, tiers, Price, PriceTable, Tier};
