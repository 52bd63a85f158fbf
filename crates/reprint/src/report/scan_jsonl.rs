//! `reprint scan --format jsonl`: one reuse cluster per line, in the same shape as
//! the `clusters` entries of the JSON format with `schema_version` first (templates
//! and boilerplate are not included: they are in the JSON format).

use crate::error::Result;
use crate::report::scan_json::cluster_json;
use crate::report::write_error;
use crate::scan::ScanResult;
use std::io::Write;

/// Writes one JSON line per cluster.
pub fn write(result: &ScanResult, out: &mut dyn Write) -> Result<()> {
    let err = write_error("the scan report");
    for (i, c) in result.clusters.iter().enumerate() {
        serde_json::to_writer(&mut *out, &cluster_json(result, i, c, true))
            .map_err(|e| err(e.into()))?;
        out.write_all(b"\n").map_err(&err)?;
    }
    out.flush().map_err(&err)
}
