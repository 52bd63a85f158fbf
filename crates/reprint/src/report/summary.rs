//! `--summary-json` of `dedup` and `scan`: one JSON document with the run's counts,
//! timings, throughput and configuration, in one layout for every command:
//!
//! ```json
//! {"schema_version": 1, "reprint_version": "0.1.0", "command": "scan",
//!  "stats": {"documents": 5, "skipped": 0, "...": "..."},
//!  "seconds": {"read": 0.01, "candidates": 0.0, "align": 0.02, "cluster": 0.0, "total": 0.03},
//!  "throughput": {"documents_per_second": 160.2},
//!  "config": {"...": "..."}}
//! ```
//! Timings live here only: a report (`scan --format json`, `dedup --clusters`) is
//! byte-identical from run to run, while a summary is a record of one run.

use crate::error::Result;
use crate::report::{write_error, SCHEMA_VERSION};
use serde::Serialize;
use serde_json::{Map, Value};
use std::io::Write;

/// Splits a stats object into counts, seconds and throughput: a key ending in
/// `_seconds` (or an object under `stage_seconds`) is a timing, named without the
/// suffix; a key ending in `_per_second` is a throughput; every other key is a count.
pub fn split_stats(stats: &impl Serialize) -> (Value, Value, Value) {
    let mut counts = Map::new();
    let mut seconds = Map::new();
    let mut throughput = Map::new();
    let mut total = None;
    if let Ok(Value::Object(map)) = serde_json::to_value(stats) {
        for (key, value) in map {
            if key == "stage_seconds" {
                if let Value::Object(stages) = value {
                    seconds.extend(stages);
                }
            } else if key == "total_seconds" {
                total = Some(value);
            } else if let Some(stage) = key.strip_suffix("_seconds") {
                seconds.insert(stage.to_owned(), value);
            } else if key.ends_with("_per_second") {
                throughput.insert(key, value);
            } else {
                counts.insert(key, value);
            }
        }
    }
    if let Some(total) = total {
        seconds.insert("total".into(), total);
    }
    (
        Value::Object(counts),
        Value::Object(seconds),
        Value::Object(throughput),
    )
}

/// The counts of a stats object, without timings (what a report carries).
pub fn counts_only(stats: &impl Serialize) -> Value {
    split_stats(stats).0
}

/// Every non-integer number of a JSON value rounded to 6 decimals, the precision
/// of every float in every report.
fn rounded(value: Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => n
            .as_f64()
            .and_then(|x| serde_json::Number::from_f64(crate::report::round6(x)))
            .map_or(Value::Number(n), Value::Number),
        Value::Array(v) => Value::Array(v.into_iter().map(rounded).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, rounded(v))).collect()),
        other => other,
    }
}

/// The summary document of one run of `command`.
pub fn to_json(command: &str, stats: &impl Serialize, config: &impl Serialize) -> Value {
    let (counts, seconds, throughput) = split_stats(stats);
    rounded(serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "reprint_version": env!("CARGO_PKG_VERSION"),
        "command": command,
        "stats": counts,
        "seconds": seconds,
        "throughput": throughput,
        "config": config,
    }))
}

/// Writes the summary document as pretty-printed JSON.
pub fn write(
    command: &str,
    stats: &impl Serialize,
    config: &impl Serialize,
    out: &mut dyn Write,
) -> Result<()> {
    let err = write_error("the summary file");
    serde_json::to_writer_pretty(&mut *out, &to_json(command, stats, config))
        .map_err(|e| err(e.into()))?;
    out.write_all(b"\n").map_err(&err)?;
    out.flush().map_err(&err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Stats {
        documents: u64,
        read_seconds: f64,
        total_seconds: f64,
        documents_per_second: f64,
        stage_seconds: Stages,
    }

    #[derive(Serialize)]
    struct Stages {
        verify: f64,
    }

    #[test]
    fn timings_are_split_from_counts() {
        let (counts, seconds, throughput) = split_stats(&Stats {
            documents: 3,
            read_seconds: 0.5,
            total_seconds: 1.0,
            documents_per_second: 3.0,
            stage_seconds: Stages { verify: 0.25 },
        });
        assert_eq!(counts, serde_json::json!({"documents": 3}));
        assert_eq!(
            seconds,
            serde_json::json!({"read": 0.5, "verify": 0.25, "total": 1.0})
        );
        assert_eq!(throughput, serde_json::json!({"documents_per_second": 3.0}));
    }
}
