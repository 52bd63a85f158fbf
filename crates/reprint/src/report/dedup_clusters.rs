//! `--clusters`: one JSON line per duplicate cluster.
//!
//! ```json
//! {"schema_version": 1, "cluster": 0, "size": 3, "kept": "a",
//!  "members": [{"doc": "a", "kept": true, "jaccard": 1.0,
//!               "containment_in_kept": 1.0, "kept_containment": 1.0}, ...]}
//! ```
//! Every member is listed, the kept one included, in input order, with its exact
//! scores against the kept document: `jaccard`, `containment_in_kept` (share of the
//! member's shingles found in the kept document) and `kept_containment` (share of
//! the kept document's shingles found in the member).

use crate::dedup::DedupResult;
use crate::error::Result;
use crate::report::{round6, write_error, SCHEMA_VERSION};
use serde_json::json;
use std::io::Write;

/// Writes every cluster of two or more documents as one JSON line.
pub fn write(result: &DedupResult, out: &mut dyn Write) -> Result<()> {
    let err = write_error("the clusters file");
    for (n, cluster) in result.clusters.iter().enumerate() {
        let members: Vec<_> = cluster
            .members
            .iter()
            .map(|m| {
                json!({
                    "doc": result.docs[m.doc as usize].id,
                    "kept": m.doc == cluster.kept,
                    "jaccard": round6(m.score.jaccard),
                    "containment_in_kept": round6(m.score.containment_a_in_b),
                    "kept_containment": round6(m.score.containment_b_in_a),
                })
            })
            .collect();
        let line = json!({
            "schema_version": SCHEMA_VERSION,
            "cluster": n,
            "size": cluster.members.len(),
            "kept": result.docs[cluster.kept as usize].id,
            "members": members,
        });
        serde_json::to_writer(&mut *out, &line).map_err(|e| err(e.into()))?;
        out.write_all(b"\n").map_err(&err)?;
    }
    out.flush().map_err(&err)
}
