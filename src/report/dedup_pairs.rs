//! `--pairs`: one JSON line per verified pair.
//!
//! ```json
//! {"a": "id1", "b": "id2", "jaccard": 0.91, "containment_a_in_b": 0.95,
//!  "containment_b_in_a": 0.95, "shared_shingles": 412}
//! ```
//! Pairs are ordered by input position of `a`, then `b`; `a` comes first in input.

use crate::error::Result;
use crate::pipeline::dedup::DedupResult;
use crate::report::{round6, write_error};
use serde_json::json;
use std::io::Write;

/// Writes every verified pair as one JSON line.
pub fn write(result: &DedupResult, out: &mut dyn Write) -> Result<()> {
    let err = write_error("the pairs file");
    for p in &result.pairs {
        let line = json!({
            "a": result.docs[p.a as usize].id,
            "b": result.docs[p.b as usize].id,
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
