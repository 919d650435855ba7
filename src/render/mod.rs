//! Turns reports into text for people (tables, the HTML report) and for scripts (JSON, CSV). The only place sizes
//! become text.

pub mod csv;
pub mod diff;
pub mod fit;
pub mod inside;
pub mod json;
pub mod plan;
pub mod report;
pub(crate) mod size;
pub mod table;
pub(crate) mod view;
pub mod words;

/// How tables should look.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// ANSI colour and bold: only on a terminal and without `NO_COLOR`; decided by the binary.
    pub color: bool,
    /// Rows per table; `None` for every row.
    pub top: Option<usize>,
    /// Display columns the text must fit (a terminal's width); `None` for whole lines (a pipe, a file).
    pub width: Option<usize>,
}
