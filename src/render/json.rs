//! The `--json` document: one object, exact integers, stable field names (documented in the README).

use serde::Serialize;

use crate::scan::ScanReport;

/// Bumped when a field changes meaning or disappears; new fields may be added without a bump.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    #[serde(flatten)]
    report: &'a ScanReport,
}

/// The whole document, ending in a newline; built in memory so stdout never holds half of one.
pub fn scan_json(report: &ScanReport) -> Result<String, serde_json::Error> {
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        report,
    };
    let mut out = serde_json::to_string_pretty(&doc)?;
    out.push('\n');
    Ok(out)
}
