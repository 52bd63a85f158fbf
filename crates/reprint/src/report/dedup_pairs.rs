//! `--pairs`: one JSON line per verified pair.
//!
//! ```json
//! {"schema_version": 1, "doc_a": "id1", "doc_b": "id2", "jaccard": 0.91,
//!  "containment_a_in_b": 0.95, "containment_b_in_a": 0.95, "shared_shingles": 412}
//! ```
//! Pairs are ordered by input position of `doc_a`, then `doc_b`; `doc_a` comes first
//! in input.

use crate::dedup::DedupResult;
use crate::error::Result;
use crate::report::{round6, write_error, SCHEMA_VERSION};
use serde_json::json;
use std::io::Write;

/// Writes every verified pair as one JSON line.
pub fn write(result: &DedupResult, out: &mut dyn Write) -> Result<()> {
    let err = write_error("the pairs file");
    for p in &result.pairs {
        let line = json!({
            "schema_version": SCHEMA_VERSION,
            "doc_a": result.docs[p.a as usize].id,
            "doc_b": result.docs[p.b as usize].id,
            "jaccard": round6(p.score.jaccard),
            "containment_a_in_b": round6(p.score.containment_a_in_b),
            "containment_b_in_a": round6(p.score.containment_b_in_a),
            "shared_shingles": p.score.shared_shingles,
        });
        serde_json::to_writer(&mut *out, &line).map_err(|e| err(e.into()))?;
        out.write_all(b"\n").map_err(&err)?;
    }
    out.flush().map_err(&err)
}
