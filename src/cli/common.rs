//! Flags shared by several subcommands and their conversion into library configs.

use super::UsageError;
use clap::Args;
use reprint::input::{EncodingChoice, FileType, InputConfig, Selection, Sources};
use reprint::shingle::ShingleConfig;
use reprint::text::NormalizeConfig;
use std::path::PathBuf;

/// Where documents come from and how records map onto them.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files or directories to read (walked recursively), or `-` for stdin. `.jsonl` and
    /// `.ndjson` files hold one document per line, `.parquet` files one per row; any
    /// other file is one document. In directories only `.txt`, `.text`, `.md`, `.jsonl`,
    /// `.ndjson` (optionally `.gz`/`.zst`/`.zstd`) and `.parquet` files are read; a file
    /// named here is always read. gzip and zstd are recognised by their magic bytes.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,

    /// JSON field holding the document id (string or number; the line number when absent)
    /// [default: id]. A field chosen here that no record has is an error.
    #[arg(long, value_name = "FIELD")]
    pub id_field: Option<String>,

    /// JSON field (Parquet column) holding the document text.
    #[arg(long, value_name = "FIELD", default_value = "text")]
    pub text_field: String,

    /// Encoding of the input: `auto` (UTF-8 when valid, otherwise detected), `utf-8`
    /// (invalid UTF-8 is a bad record), `windows-1252`, `latin-1`, or any WHATWG label.
    #[arg(long, value_name = "ENCODING", default_value = "auto", value_parser = parse_encoding)]
    pub encoding: EncodingChoice,

    /// Read only the files of directories matching GLOB (relative to the directory
    /// argument, as ripgrep's -g; `!GLOB` excludes). Repeatable.
    #[arg(long = "glob", short = 'g', value_name = "GLOB")]
    pub globs: Vec<String>,

    /// Read only these document types from directories: txt (.txt, .text), md, jsonl
    /// (.jsonl, .ndjson), parquet. Repeatable.
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_file_type)]
    pub types: Vec<FileType>,

    /// Fail (exit 1) at the first bad record instead of reporting, counting and skipping it.
    #[arg(long)]
    pub strict: bool,
}

fn parse_encoding(s: &str) -> Result<EncodingChoice, String> {
    s.parse()
}

fn parse_file_type(s: &str) -> Result<FileType, String> {
    s.parse()
}

impl InputArgs {
    /// The library's input config.
    pub fn config(&self) -> InputConfig {
        InputConfig {
            id_field: self.id_field.clone(),
            text_field: self.text_field.clone(),
            keep_by_field: None,
            date_field: None,
            source_field: None,
            source_from_folder: false,
            encoding: self.encoding,
        }
    }

    /// The sources the inputs name, with the folder selection of `--glob` and `--type`.
    pub fn sources(&self) -> anyhow::Result<Sources> {
        let selection = Selection {
            globs: self.globs.clone(),
            types: self.types.clone(),
        };
        Ok(Sources::discover_with(&self.inputs, &selection)?)
    }
}

/// Summary lines for what a run noticed about its input: files decoded from other
/// encodings, unparseable dates, files passed over in folders (none when all is plain).
pub fn input_tally_lines(tally: &reprint::input::ingest::InputTally) -> Vec<String> {
    let files = |n: u64| if n == 1 { "file" } else { "files" };
    let listed = |map: &std::collections::BTreeMap<String, u64>| {
        map.iter()
            .map(|(k, n)| {
                if map.len() == 1 {
                    k.clone()
                } else {
                    format!("{n} {k}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = Vec::new();
    if !tally.decoded.is_empty() {
        let n: u64 = tally.decoded.values().sum();
        lines.push(format!(
            "decoded {n} {} ({})",
            files(n),
            listed(&tally.decoded)
        ));
    }
    if tally.bad_date > 0 {
        lines.push(format!(
            "{}, used undated",
            reprint::report::prose::count(tally.bad_date, "unparseable date", "unparseable dates")
        ));
    }
    if !tally.passed_over.is_empty() {
        let n: u64 = tally.passed_over.values().sum();
        lines.push(format!(
            "passed over {n} {} ({})",
            files(n),
            listed(&tally.passed_over)
        ));
    }
    lines
}

/// How text is cut into shingles.
#[derive(Debug, Args)]
pub struct ShingleArgs {
    /// Words per shingle (word n-grams).
    #[arg(long = "shingle", value_name = "N", default_value_t = reprint::shingle::DEFAULT_SHINGLE_WORDS, value_parser = super::common::positive)]
    pub shingle_words: usize,

    /// Use character n-grams of N characters instead of word shingles (for text
    /// written without spaces between words).
    #[arg(long, value_name = "N", value_parser = super::common::positive)]
    pub char_ngrams: Option<usize>,

    /// Also fold diacritics (`café` = `cafe`) when comparing words.
    #[arg(long)]
    pub strip_diacritics: bool,
}

impl ShingleArgs {
    /// The shingle and normalisation configs.
    pub fn config(&self) -> Result<(ShingleConfig, NormalizeConfig), UsageError> {
        // Both counts are at least 1: their parser says so.
        let shingle = match self.char_ngrams {
            Some(n) => ShingleConfig::Chars(n),
            None => ShingleConfig::Words(self.shingle_words),
        };
        Ok((
            shingle,
            NormalizeConfig {
                strip_diacritics: self.strip_diacritics,
            },
        ))
    }
}

/// The files a command reads, for the check that no output overwrites one.
pub fn input_files(sources: &reprint::input::Sources) -> Vec<PathBuf> {
    sources.list().iter().map(|s| s.path.clone()).collect()
}

/// Parses an `--align-config` JSON object into alignment settings, in the grouped
/// shape of the library's `AlignConfig` (`{"seeds": {"min_sentence_cosine": 0.4}}`).
/// Missing fields keep their defaults; unknown fields, at any level, are an error, so
/// a typo does not pass silently. A field name of the earlier flat shape is an error
/// too, one that names its place now.
pub fn align_config(json: Option<&str>) -> Result<reprint::align::AlignConfig, UsageError> {
    let Some(json) = json else {
        return Ok(reprint::align::AlignConfig::default());
    };
    let cfg = serde_json::from_str(json).map_err(|e| {
        let moved = moved_fields(json);
        if !moved.is_empty() {
            return UsageError(format!("--align-config: {}", moved.join("; ")));
        }
        match unknown_group(json) {
            Some(group) => UsageError(format!("--align-config: in `{group}`: {e}")),
            None => UsageError(format!("--align-config: {e}")),
        }
    })?;
    // serde also takes a struct as an array of its fields in order: settings by
    // position would pass a misplaced value silently, so only objects are read.
    if let Some(place) = not_an_object(json) {
        return Err(UsageError(format!(
            "--align-config: {place} must be a JSON object of named fields, \
             e.g. {{\"seeds\":{{\"min_sentence_cosine\":0.4}}}}"
        )));
    }
    Ok(cfg)
}

/// Where `json` holds an array instead of an object of named fields (the settings
/// as a whole, or a group): "the value" or "`seeds`".
fn not_an_object(json: &str) -> Option<String> {
    let given: serde_json::Value = serde_json::from_str(json).ok()?;
    let Some(groups) = given.as_object() else {
        return Some("the value".into());
    };
    groups
        .iter()
        .find(|(_, v)| v.is_array())
        .map(|(group, _)| format!("`{group}`"))
}

/// The group holding the first unknown field of `json`, when that field is nested
/// (serde names the field but not the object it sits in).
fn unknown_group(json: &str) -> Option<String> {
    let given: serde_json::Value = serde_json::from_str(json).ok()?;
    let known = serde_json::to_value(reprint::align::AlignConfig::default()).ok()?;
    let (given, known) = (given.as_object()?, known.as_object()?);
    given.iter().find_map(|(group, fields)| {
        let known_fields = known.get(group)?.as_object()?;
        fields
            .as_object()?
            .keys()
            .any(|f| !known_fields.contains_key(f))
            .then(|| group.clone())
    })
}

/// For each top-level field of `json` named as in the earlier flat `AlignConfig`, a
/// sentence giving its place now and the object to write instead (for
/// `{"min_passage_cosine":0.42}`: `extension.min_passage_cosine`, write
/// `{"extension":{"min_passage_cosine":0.42}}`).
fn moved_fields(json: &str) -> Vec<String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(old, value)| {
            let new = reprint::align::former_field(old)?;
            let (group, field) = new.split_once('.')?;
            let example = serde_json::json!({ group: { field: value } });
            Some(format!("`{old}` is now `{new}`: write {example}"))
        })
        .collect()
}

/// The timings of a run's stats in the one layout every summary uses:
/// `time: read 0.12 s, candidates 0.03 s, total 0.20 s`.
pub fn time_line(stats: &impl serde::Serialize) -> String {
    let (_, seconds, throughput) = reprint::report::summary::split_stats(stats);
    let mut parts: Vec<String> = Vec::new();
    if let serde_json::Value::Object(map) = seconds {
        for (stage, secs) in map {
            parts.push(format!(
                "{} {:.2} s",
                stage.replace('_', " "),
                secs.as_f64().unwrap_or(0.0)
            ));
        }
    }
    let mut line = format!("time: {}", parts.join(", "));
    if let serde_json::Value::Object(map) = throughput {
        let rates: Vec<String> = map
            .iter()
            .map(|(k, v)| {
                let unit = k.trim_end_matches("_per_second").replace("megabytes", "MB");
                format!("{:.1} {unit}/s", v.as_f64().unwrap_or(0.0))
            })
            .collect();
        if !rates.is_empty() {
            line.push_str(&format!(" ({})", rates.join(", ")));
        }
    }
    line
}

/// Parses a whole number of at least `min` for a flag; a negative or smaller number
/// is reported as out of range (not as an unknown flag, which is what a leading `-`
/// would otherwise be taken for).
fn number_at_least(s: &str, min: u64) -> Result<u64, String> {
    let t = s.trim();
    match t.parse::<i128>() {
        Ok(n) if n < i128::from(min) => Err(format!(
            "{t} is out of range: the smallest value allowed is {min}"
        )),
        Ok(n) => u64::try_from(n).map_err(|_| format!("{t} is out of range: too large")),
        Err(_) => Err(format!("{t:?} is not a whole number")),
    }
}

/// With `--stage`, a process runs one stage and writes nothing else: the reports are
/// written by the run without it, which reads the finished stages. The first of
/// `outputs` (flag, value) given is a usage error.
pub fn refuse_outputs_with_stage(outputs: &[(&str, &Option<PathBuf>)]) -> Result<(), UsageError> {
    match outputs.iter().find(|(_, p)| p.is_some()) {
        Some((flag, _)) => Err(UsageError(format!(
            "{flag} is written by the run without --stage (which reads the finished stages)"
        ))),
        None => Ok(()),
    }
}

/// A count that must be at least 1 (`--num-perm`, `--shingle`, `--min-words`, ...).
pub fn positive(s: &str) -> Result<usize, String> {
    number_at_least(s, 1).and_then(|n| usize::try_from(n).map_err(|_| format!("{s} is too large")))
}

/// A count of at least 1 that fits 32 bits (index parameters).
pub fn positive_u32(s: &str) -> Result<u32, String> {
    number_at_least(s, 1)
        .and_then(|n| u32::try_from(n).map_err(|_| format!("{s} is out of range: too large")))
}

/// A count that may be 0.
pub fn count(s: &str) -> Result<usize, String> {
    number_at_least(s, 0).and_then(|n| usize::try_from(n).map_err(|_| format!("{s} is too large")))
}

/// A seed: any whole number from 0 to 2^64 − 1.
pub fn seed(s: &str) -> Result<u64, String> {
    number_at_least(s, 0)
}

/// A memory size for `--memory-limit`: bytes, or a number with a unit (`512MiB`,
/// `2GB`, `1.5 GiB`), at least [`reprint::exec::MIN_MEMORY_LIMIT`].
pub fn memory_limit(s: &str) -> Result<reprint::exec::MemoryLimit, String> {
    let size: bytesize::ByteSize = s
        .trim()
        .parse()
        .map_err(|e| format!("{s:?} is not a memory size such as 2GiB or 512MB: {e}"))?;
    if size.as_u64() < reprint::exec::MIN_MEMORY_LIMIT {
        return Err(format!(
            "{s} is too small: the least memory limit is {}",
            bytesize::ByteSize::b(reprint::exec::MIN_MEMORY_LIMIT)
                .display()
                .iec()
        ));
    }
    Ok(reprint::exec::MemoryLimit::new(size.as_u64()))
}

#[cfg(test)]
mod memory_limit_tests {
    use super::memory_limit;

    #[test]
    fn memory_limit_takes_units_and_refuses_tiny_values() {
        assert_eq!(memory_limit("2GiB").unwrap().bytes(), 2 << 30);
        assert_eq!(memory_limit("512MB").unwrap().bytes(), 512_000_000);
        assert!(memory_limit("1k").unwrap_err().contains("too small"));
        assert!(memory_limit("lots")
            .unwrap_err()
            .contains("not a memory size"));
    }
}
