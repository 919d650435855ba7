//! Plans what makes a backup fit in iCloud: which apps to leave out of the backup (exactly, not greedily).
//!
//! The estimate of the iCloud backup and the other options (deleting old backups, buying a tier) come with the
//! rest of the plan; this stage's inputs are plain candidates, so it depends on nothing upstream.

pub mod select;

pub use select::{choose, Candidate, Choice, Loss};
