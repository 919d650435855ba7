//! cloudfit: what fills an iPhone or iPad backup, attributed to apps and data types.
//!
//! The modules follow the data, one way: [`discover`] finds backup folders, [`read`] reads their plists,
//! manifest and disk listing, [`attribute`] turns those into per-app and per-data-type figures, [`inspect`] looks inside them (largest
//! files, folder trees), [`diff`] compares two backups, and
//! [`render`] turns figures into tables and JSON. [`scan`] runs the stages. The backups the tests read are
//! written by a crate of their own, `cloudfit-synth` (`tests/synth`), which shares no code with this one.

pub mod attribute;
pub mod diagnostic;
pub mod diff;
pub mod discover;
pub mod error;
pub mod estimate;
pub mod inspect;
pub mod plan;
pub mod read;
pub mod render;
pub mod scan;

pub use error::{Error, Result};
