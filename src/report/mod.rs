//! Output formats, one exporter per file.
//!
//! Exporters write plain data (JSON, JSON Lines, text, HTML) to any `Write`; they
//! never decide where output goes or whether a terminal is attached.

pub mod dedup_clusters;
pub mod dedup_pairs;
pub mod dedup_summary;
pub mod html;
pub mod scan_json;
pub mod scan_jsonl;
pub mod scan_text;

use crate::error::Error;

/// Maps an I/O error while writing a report to a library error.
pub(crate) fn write_error(what: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::stream(format!("writing {what}"), e)
}

/// Rounds a score to 6 decimals so reports stay readable and byte-stable.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
