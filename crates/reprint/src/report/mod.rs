//! Output formats, one exporter per file.
//!
//! Exporters write plain data (JSON, JSON Lines, text, HTML) to any `Write`; they
//! never decide where output goes or whether a terminal is attached.

pub mod dedup_clusters;
pub mod dedup_pairs;
pub mod html;
pub mod prose;
pub mod scan_json;
pub mod scan_jsonl;
pub mod scan_text;
pub mod summary;

use crate::error::Error;

/// Version of the JSON schemas of every report reprint writes (the `schema_version`
/// field of each JSON document or JSON Lines record). Raised whenever a field is
/// renamed or removed or changes meaning; adding a field does not raise it. The
/// schemas are documented in `docs/SCHEMAS.md`.
pub const SCHEMA_VERSION: u32 = 1;

/// Maps an I/O error while writing a report to a library error.
pub(crate) fn write_error(what: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::stream(format!("writing {what}"), e)
}

/// Rounds a score to 6 decimals so reports stay readable and byte-stable: every
/// similarity, Jaccard, containment and share in every JSON report has this precision.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Serialises a score rounded by [`round6`] (for `#[serde(serialize_with)]`).
pub fn serialize_round6<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round6(*x))
}

/// A JSON document with `schema_version` (and `reprint_version`) before the fields of
/// `body`, which must serialise as an object: the envelope of every JSON document
/// reprint writes that has no writer of its own.
#[derive(serde::Serialize)]
pub struct Versioned<'a, T: serde::Serialize> {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The version of reprint that wrote it.
    pub reprint_version: &'static str,
    /// The document's own fields.
    #[serde(flatten)]
    pub body: &'a T,
}

impl<'a, T: serde::Serialize> Versioned<'a, T> {
    /// Wraps `body`.
    pub fn new(body: &'a T) -> Self {
        Versioned {
            schema_version: SCHEMA_VERSION,
            reprint_version: env!("CARGO_PKG_VERSION"),
            body,
        }
    }
}
