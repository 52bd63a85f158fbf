//! `reprint scan --format json`: the whole result as one JSON document.
//!
//! ```json
//! {"documents": [{"id": "a.txt", "bytes": 2426, "date": null}],
//!  "clusters": [{"id": 0, "size": 3, "documents": 2, "earliest": "a.txt",
//!                "members": [{"doc": "a.txt", "start": 851, "end": 942, "text": "..."}],
//!                "links": [{"a": 0, "b": 2, "similarity": 0.93}]}],
//!  "boilerplate": [{"kind": "repeated_line", "text": "...",
//!                   "members": [{"doc": "b.txt", "start": 2658, "end": 2682}]}],
//!  "stats": {...}, "config": {...}}
//! ```
//! `start`/`end` are byte offsets into the original document text; `links` index
//! into `members`.

use crate::error::Result;
use crate::pipeline::scan::{BoilerplateItem, ScanCluster, ScanConfig, ScanResult};
use crate::report::{round6, write_error};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{json, Value};
use std::io::Write;

/// One cluster as a JSON object.
pub fn cluster_json(result: &ScanResult, id: usize, cluster: &ScanCluster) -> Value {
    let members: Vec<Value> = cluster
        .passage
        .members
        .iter()
        .map(|m| {
            let doc = &result.documents[m.doc as usize];
            json!({
                "doc": doc.id,
                "start": m.span.start,
                "end": m.span.end,
                "text": &doc.text[m.span.start..m.span.end],
            })
        })
        .collect();
    let links: Vec<Value> = cluster
        .passage
        .links
        .iter()
        .map(|l| json!({"a": l.a, "b": l.b, "similarity": round6(l.similarity)}))
        .collect();
    json!({
        "id": id,
        "size": cluster.passage.members.len(),
        "documents": cluster.passage.document_count(),
        "earliest": cluster.earliest.map(|i| &result.documents[cluster.passage.members[i].doc as usize].id),
        "members": members,
        "links": links,
    })
}

/// One boilerplate item as a JSON object.
pub fn boilerplate_json(result: &ScanResult, item: &BoilerplateItem) -> Value {
    let first = item.places[0];
    let text = &result.documents[first.doc as usize].text[first.span.start..first.span.end];
    let members: Vec<Value> = item
        .places
        .iter()
        .map(|p| json!({"doc": result.documents[p.doc as usize].id, "start": p.span.start, "end": p.span.end}))
        .collect();
    json!({"kind": item.kind, "text": text, "members": members})
}

/// A JSON array whose elements are built one at a time while it is written, so
/// a large report never exists as one tree in memory.
struct LazyArray<F: Fn(usize) -> Value> {
    len: usize,
    element: F,
}

impl<F: Fn(usize) -> Value> Serialize for LazyArray<F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len))?;
        for i in 0..self.len {
            seq.serialize_element(&(self.element)(i))?;
        }
        seq.end()
    }
}

/// The whole report, serialised field by field (same output as building one
/// `Value` of it, without holding that value: on a dense collection it takes
/// several times the size of the JSON text).
struct Report<'a> {
    result: &'a ScanResult,
    config: &'a ScanConfig,
}

impl Serialize for Report<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let result = self.result;
        let mut map = serializer.serialize_map(Some(6))?;
        map.serialize_entry("version", env!("CARGO_PKG_VERSION"))?;
        map.serialize_entry(
            "documents",
            &LazyArray {
                len: result.documents.len(),
                element: |i| {
                    let d = &result.documents[i];
                    json!({"id": d.id, "bytes": d.text.len(), "date": d.date})
                },
            },
        )?;
        map.serialize_entry(
            "clusters",
            &LazyArray {
                len: result.clusters.len(),
                element: |i| cluster_json(result, i, &result.clusters[i]),
            },
        )?;
        map.serialize_entry(
            "boilerplate",
            &LazyArray {
                len: result.boilerplate.len(),
                element: |i| boilerplate_json(result, &result.boilerplate[i]),
            },
        )?;
        map.serialize_entry("stats", &result.stats)?;
        map.serialize_entry("config", self.config)?;
        map.end()
    }
}

/// Writes the result as pretty-printed JSON, one cluster at a time.
pub fn write(result: &ScanResult, config: &ScanConfig, out: &mut dyn Write) -> Result<()> {
    let err = write_error("the scan report");
    serde_json::to_writer_pretty(&mut *out, &Report { result, config })
        .map_err(|e| err(e.into()))?;
    out.write_all(b"\n").map_err(&err)?;
    out.flush().map_err(&err)
}
