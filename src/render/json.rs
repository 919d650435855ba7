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

#[derive(Serialize)]
struct PlanDocument<'a> {
    schema_version: u32,
    plan: PlanWithVerdict<'a>,
    skipped: &'a [crate::discover::Skipped],
    errors: &'a [crate::scan::BackupError],
}

#[derive(Serialize)]
struct PlanWithVerdict<'a> {
    #[serde(flatten)]
    plan: &'a crate::plan::Plan,
    verdict: String,
}

/// `cloudfit plan --json`: the plan (the fields in the README), the verdict line, and what could not be read.
pub fn plan_json(
    plan: &crate::plan::Plan,
    report: &ScanReport,
) -> Result<String, serde_json::Error> {
    let doc = PlanDocument {
        schema_version: SCHEMA_VERSION,
        plan: PlanWithVerdict {
            plan,
            verdict: super::plan::verdict(plan),
        },
        skipped: &report.skipped,
        errors: &report.errors,
    };
    let mut out = serde_json::to_string_pretty(&doc)?;
    out.push('\n');
    Ok(out)
}
