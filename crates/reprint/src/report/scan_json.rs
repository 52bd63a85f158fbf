//! `reprint scan --format json`: the whole result as one JSON document.
//!
//! ```json
//! {"schema_version": 1, "reprint_version": "0.1.0",
//!  "documents": [{"doc": "a.txt", "bytes": 2426, "date": null}],
//!  "clusters": [{"kind": "reuse", "cluster": 0, "size": 3, "documents": 2,
//!                "earliest": "a.txt", "original": 0, "core": 0,
//!                "core_similarity": {"min": 0.81, "median": 0.93},
//!                "members": [{"doc": "a.txt", "start": 851, "end": 942, "lag_seconds": 0,
//!                             "text": "...", "outlet": "wire"}],
//!                "links": [{"member_a": 0, "member_b": 2, "similarity": 0.93}]}],
//!  "templates": [{"kind": "template", "template": 0,
//!                 "shape": "[name] said it filed a registration statement …",
//!                 "slot_share": 0.31, "size": 12, "documents": 12, "representative": 3,
//!                 "members": [...], "links": [...]}],
//!  "boilerplate": [{"kind": "repeated_line", "text": "...",
//!                   "members": [{"doc": "b.txt", "start": 2658, "end": 2682}]}],
//!  "attribution": {"outlets": [...], "copied": [...], "lags": {...}, "top_stories": [...]},
//!  "stats": {...}, "config": {...}}
//! ```
//! `start`/`end` are byte offsets into the document's text; `links` index into
//! `members`. `stats` holds counts only, so the report is byte-identical from run to
//! run; timings are in `--summary-json`.

use crate::error::Result;
use crate::report::{round6, summary, write_error, SCHEMA_VERSION};
use crate::scan::attribution::{lag_seconds, Attribution};
use crate::scan::clusters::PassageCluster;
use crate::scan::{BoilerplateItem, ScanCluster, ScanConfig, ScanResult, TemplateCluster};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::json;
use std::io::Write;

/// One cluster as a JSON object, written member by member and link by link (a
/// cluster of a dense collection can hold tens of thousands of members). A
/// `standalone` cluster (a JSON Lines record) starts with `schema_version`.
pub fn cluster_json<'a>(
    result: &'a ScanResult,
    id: usize,
    cluster: &'a ScanCluster,
    standalone: bool,
) -> impl Serialize + 'a {
    ClusterJson {
        result,
        id,
        cluster,
        standalone,
    }
}

struct ClusterJson<'a> {
    result: &'a ScanResult,
    id: usize,
    cluster: &'a ScanCluster,
    standalone: bool,
}

impl Serialize for ClusterJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (result, passage) = (self.result, &self.cluster.passage);
        let earliest = self
            .cluster
            .earliest
            .map(|i| result.documents.id(passage.members[i].doc as usize));
        let original = self.cluster.original;
        let mut map = serializer.serialize_map(Some(10 + usize::from(self.standalone)))?;
        if self.standalone {
            map.serialize_entry("schema_version", &SCHEMA_VERSION)?;
        }
        map.serialize_entry("kind", "reuse")?;
        map.serialize_entry("cluster", &self.id)?;
        map.serialize_entry("size", &passage.members.len())?;
        map.serialize_entry("documents", &passage.document_count())?;
        map.serialize_entry("earliest", &earliest)?;
        map.serialize_entry("original", &original)?;
        map.serialize_entry("core", &self.cluster.core)?;
        map.serialize_entry(
            "core_similarity",
            &self
                .cluster
                .core_similarity()
                .map(|(min, median)| json!({"min": round6(min), "median": round6(median)})),
        )?;
        map.serialize_entry(
            "members",
            &LazyArray {
                len: passage.members.len(),
                element: |k| {
                    let m = &passage.members[k];
                    let d = m.doc as usize;
                    let text = result.documents.quote(d, m.span)?;
                    let mut member = json!({
                        "doc": result.documents.id(d),
                        "start": m.span.start,
                        "end": m.span.end,
                        "lag_seconds": lag_seconds(passage, original, k, &result.documents),
                        "text": text,
                    });
                    if let Some(outlet) = result.documents.outlet(d) {
                        member["outlet"] = json!(outlet);
                    }
                    Ok(member)
                },
            },
        )?;
        map.serialize_entry("links", &links_json(passage))?;
        map.end()
    }
}

/// A cluster's links as a JSON array, written link by link.
fn links_json(passage: &PassageCluster) -> impl Serialize + '_ {
    LazyArray {
        len: passage.links.len(),
        element: |k| {
            let l = &passage.links[k];
            Ok(json!({"member_a": l.a, "member_b": l.b, "similarity": round6(l.similarity)}))
        },
    }
}

/// One template as a JSON object: its shape, how many documents fill it in, and
/// every place (with its text), written member by member.
pub fn template_json<'a>(
    result: &'a ScanResult,
    id: usize,
    template: &'a TemplateCluster,
) -> impl Serialize + 'a {
    TemplateJson {
        result,
        id,
        template,
    }
}

struct TemplateJson<'a> {
    result: &'a ScanResult,
    id: usize,
    template: &'a TemplateCluster,
}

impl Serialize for TemplateJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (result, passage) = (self.result, &self.template.passage);
        let mut map = serializer.serialize_map(Some(9))?;
        map.serialize_entry("kind", "template")?;
        map.serialize_entry("template", &self.id)?;
        map.serialize_entry("shape", &self.template.shape)?;
        map.serialize_entry("slot_share", &round6(self.template.slot_share))?;
        map.serialize_entry("size", &passage.members.len())?;
        map.serialize_entry("documents", &passage.document_count())?;
        map.serialize_entry("representative", &self.template.representative)?;
        map.serialize_entry(
            "members",
            &LazyArray {
                len: passage.members.len(),
                element: |k| {
                    let m = &passage.members[k];
                    let d = m.doc as usize;
                    let text = result.documents.quote(d, m.span)?;
                    Ok(json!({
                        "doc": result.documents.id(d),
                        "start": m.span.start,
                        "end": m.span.end,
                        "text": text,
                    }))
                },
            },
        )?;
        map.serialize_entry("links", &links_json(passage))?;
        map.end()
    }
}

/// One boilerplate item as a JSON object, written place by place.
pub fn boilerplate_json<'a>(
    result: &'a ScanResult,
    item: &'a BoilerplateItem,
) -> impl Serialize + 'a {
    BoilerplateJson { result, item }
}

struct BoilerplateJson<'a> {
    result: &'a ScanResult,
    item: &'a BoilerplateItem,
}

impl Serialize for BoilerplateJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (result, item) = (self.result, self.item);
        let first = item.places[0];
        let text = result
            .documents
            .quote(first.doc as usize, first.span)
            .map_err(serde::ser::Error::custom)?;
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("kind", &item.kind)?;
        map.serialize_entry("text", &text)?;
        map.serialize_entry(
            "members",
            &LazyArray {
                len: item.places.len(),
                element: |k| {
                    let p = &item.places[k];
                    Ok(json!({"doc": result.documents.id(p.doc as usize), "start": p.span.start, "end": p.span.end}))
                },
            },
        )?;
        map.end()
    }
}

/// A JSON array whose elements are built one at a time while it is written, so
/// a large report never exists as one tree in memory. An element that cannot be
/// built (a text that cannot be read from a store) stops the report with its error.
struct LazyArray<T: Serialize, F: Fn(usize) -> Result<T>> {
    len: usize,
    element: F,
}

impl<T: Serialize, F: Fn(usize) -> Result<T>> Serialize for LazyArray<T, F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len))?;
        for i in 0..self.len {
            let element = (self.element)(i).map_err(serde::ser::Error::custom)?;
            seq.serialize_element(&element)?;
        }
        seq.end()
    }
}

/// The whole report, serialised field by field (the same output as building one
/// `serde_json::Value` of it, without holding that value: on a dense collection it
/// takes several times the size of the JSON text).
struct Report<'a> {
    result: &'a ScanResult,
    config: &'a ScanConfig,
}

/// The corpus summary of who copies whom as JSON (see [`crate::scan::attribution`]).
pub fn attribution_json(a: &Attribution) -> serde_json::Value {
    json!({
        "clusters_with_original": a.clusters_with_original,
        "outlets": a.outlets,
        "copied": a.copied,
        "copied_unknown_outlet": {
            "copies": a.copied_unknown_outlet.0,
            "bytes": a.copied_unknown_outlet.1,
        },
        "lags": {
            "copies": a.lags.copies,
            "bins": a.lags.bins.iter().map(|(label, n)| json!({"lag": label, "copies": n})).collect::<Vec<_>>(),
            "median_seconds": a.lags.median_seconds,
            "p90_seconds": a.lags.p90_seconds,
        },
        "top_stories": a.top_stories,
    })
}

impl Serialize for Report<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let result = self.result;
        let mut map = serializer.serialize_map(Some(9))?;
        map.serialize_entry("schema_version", &SCHEMA_VERSION)?;
        map.serialize_entry("reprint_version", env!("CARGO_PKG_VERSION"))?;
        map.serialize_entry(
            "documents",
            &LazyArray {
                len: result.documents.len(),
                element: |i| {
                    let docs = &result.documents;
                    let mut entry = json!({
                        "doc": docs.id(i),
                        "bytes": docs.bytes(i),
                        "date": docs.date(i).map(|date| &date.text),
                    });
                    if let Some(encoding) = docs.encoding(i) {
                        entry["encoding"] = json!(encoding);
                    }
                    if let Some(outlet) = docs.outlet(i) {
                        entry["outlet"] = json!(outlet);
                    }
                    Ok(entry)
                },
            },
        )?;
        map.serialize_entry(
            "clusters",
            &LazyArray {
                len: result.clusters.len(),
                element: |i| Ok(cluster_json(result, i, &result.clusters[i], false)),
            },
        )?;
        map.serialize_entry(
            "templates",
            &LazyArray {
                len: result.templates.len(),
                element: |i| Ok(template_json(result, i, &result.templates[i])),
            },
        )?;
        map.serialize_entry(
            "boilerplate",
            &LazyArray {
                len: result.boilerplate.len(),
                element: |i| Ok(boilerplate_json(result, &result.boilerplate[i])),
            },
        )?;
        map.serialize_entry(
            "attribution",
            &self.result.attribution.as_ref().map(attribution_json),
        )?;
        map.serialize_entry("stats", &summary::counts_only(&result.stats))?;
        map.serialize_entry("config", self.config)?;
        map.end()
    }
}

/// Writes the result as pretty-printed JSON, one cluster at a time.
pub fn write(result: &ScanResult, config: &ScanConfig, out: &mut dyn Write) -> Result<()> {
    let err = write_error("the scan report");
    let report = Report { result, config };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(|e| err(e.into()))?;
    out.write_all(b"\n").map_err(&err)?;
    out.flush().map_err(&err)
}
