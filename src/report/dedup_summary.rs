//! `--summary-json`: the run's counts, timings and configuration as one JSON document.

use crate::error::Result;
use crate::pipeline::dedup::{DedupConfig, DedupResult};
use crate::report::write_error;
use serde_json::json;
use std::io::Write;

/// The summary as a JSON value: `{"stats": {...}, "config": {...}, "version": "..."}`.
pub fn to_json(result: &DedupResult, config: &DedupConfig) -> serde_json::Value {
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "stats": result.stats,
        "config": config,
    })
}

/// Writes the summary as pretty-printed JSON.
pub fn write(result: &DedupResult, config: &DedupConfig, out: &mut dyn Write) -> Result<()> {
    let err = write_error("the summary file");
    serde_json::to_writer_pretty(&mut *out, &to_json(result, config)).map_err(|e| err(e.into()))?;
    out.write_all(b"\n").map_err(&err)?;
    out.flush().map_err(&err)
}
