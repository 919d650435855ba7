//! `diff`: two backups compared, printed as tables, one JSON document or one CSV document; nothing on stdout
//! but the JSON failure document when one side cannot be read.

use cloudfit::diff;
use cloudfit::render::{self, words, Style};
use cloudfit::scan::ScanOptions;

use crate::cli::OutputFormat;
use crate::config::DiffConfig;
use crate::exit;
use crate::output::{print, warn};

pub fn run(
    config: &DiffConfig,
    options: &ScanOptions<'_>,
    format: OutputFormat,
    style: Style,
) -> u8 {
    let made = match diff::diff(&config.pair, config.count, options) {
        Ok(made) => made,
        Err(e) => {
            warn(&words::error_message(e.code, &words::diff_error(&e)));
            if format == OutputFormat::Json {
                if let Ok(doc) = render::json::diff_json(None, Some(&e)) {
                    let _ = print(&doc);
                }
            }
            return exit::NOTHING;
        }
    };
    for note in &made.notes {
        warn(&words::diff_note(note));
    }
    let text = match format {
        OutputFormat::Json => render::json::diff_json(Some(&made), None).map_err(|e| e.to_string()),
        OutputFormat::Csv => render::csv::diff_csv(&made).map_err(|e| e.to_string()),
        OutputFormat::Table => Ok(render::diff::diff_table(&made, style)),
    };
    match text.and_then(|t| print(&t)) {
        Ok(()) => exit::OK,
        Err(e) => {
            warn(&e);
            exit::NOTHING
        }
    }
}
