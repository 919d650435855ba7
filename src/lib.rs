//! cloudfit: what fills an iPhone or iPad backup, attributed to apps and data types.
//!
//! The modules follow the data, one way: [`discover`] finds backup folders, [`read`] reads their plists,
//! manifest and disk listing, [`attribute`] turns those into per-app and per-data-type figures, and
//! [`render`] turns figures into tables and JSON. [`scan`] runs the stages; [`synth`] writes
//! real-format synthetic backups for tests and benchmarks.

pub mod attribute;
pub mod discover;
pub mod error;
pub mod estimate;
pub mod plan;
pub mod read;
pub mod render;
pub mod scan;
pub mod synth;

pub use error::{Error, Result};
