//! The integration tests, one binary (one link instead of fifteen, as ripgrep and object do). Each module
//! drives the real binary on generated or committed backups; `common` holds the shared helpers and the
//! read-only guard every run goes through.

mod common;

mod bad_input;
mod committed_fixtures;
mod corpus;
mod corpus_extracted;
mod csv;
mod diff;
mod during_scan;
mod encrypted;
mod extracted;
mod growth;
mod inside;
mod inventory;
mod manuals;
mod names;
mod odd_input;
mod plan;
mod prompts;
mod read_only;
mod report;
mod scan;
mod width;
mod windows;
