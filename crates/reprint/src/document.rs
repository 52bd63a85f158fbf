//! Documents, their identities and byte spans into their text.

use std::cmp::Ordering;
use std::fmt;

/// A half-open byte range `[start, end)` into a document's original text.
///
/// Spans always lie on UTF-8 character boundaries of the text they point into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// Creates a span; `start <= end` is the caller's promise.
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Span { start, end }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True for an empty span.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Bytes shared with another span.
    pub fn overlap(&self, other: &Span) -> usize {
        self.end
            .min(other.end)
            .saturating_sub(self.start.max(other.start))
    }

    /// The smallest span covering both.
    pub fn union(&self, other: &Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// Where a document came from: the index of its source (file or stream) and its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    /// Index into the run's list of sources.
    pub source: u32,
    /// 1-based line for JSON Lines records, 0 for a whole-file document.
    pub line: u64,
}

/// A value a document can be ordered by when choosing which duplicate to keep
/// (`--keep-by FIELD`): numbers order numerically, strings lexicographically
/// (ISO dates therefore order by time), and numbers come before strings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum SortKey {
    /// A JSON number.
    Num(f64),
    /// A JSON string.
    Str(String),
}

impl SortKey {
    /// The key as the two nullable columns tables store it in (`keep_num`, `keep_str`).
    pub fn columns(key: Option<&SortKey>) -> (Option<f64>, Option<&str>) {
        match key {
            Some(SortKey::Num(n)) => (Some(*n), None),
            Some(SortKey::Str(s)) => (None, Some(s)),
            None => (None, None),
        }
    }

    /// The key back from those columns (the number first when both are set).
    pub fn from_columns(num: Option<f64>, text: Option<&str>) -> Option<SortKey> {
        match (num, text) {
            (Some(n), _) => Some(SortKey::Num(n)),
            (None, Some(s)) => Some(SortKey::Str(s.to_string())),
            (None, None) => None,
        }
    }

    /// Total order used by the keep policy.
    pub fn cmp_key(&self, other: &SortKey) -> Ordering {
        match (self, other) {
            (SortKey::Num(a), SortKey::Num(b)) => a.total_cmp(b),
            (SortKey::Str(a), SortKey::Str(b)) => a.cmp(b),
            (SortKey::Num(_), SortKey::Str(_)) => Ordering::Less,
            (SortKey::Str(_), SortKey::Num(_)) => Ordering::Greater,
        }
    }

    /// Builds a key from a JSON value, if it is a number or a string.
    pub fn from_json(value: &serde_json::Value) -> Option<SortKey> {
        match value {
            serde_json::Value::Number(n) => n.as_f64().map(SortKey::Num),
            serde_json::Value::String(s) => Some(SortKey::Str(s.clone())),
            _ => None,
        }
    }
}

/// A publication date: the value as it was in the record (reports show it) and the
/// UTC instant it was parsed into (comparisons use only the instant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocDate {
    /// The field's value as written (a number is written in decimal).
    pub text: String,
    /// The instant, in UTC (a value without a time zone is taken as UTC).
    pub instant: chrono::DateTime<chrono::Utc>,
}

/// One document: its id, its text, where it came from, and optional metadata.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document's id (from the id field, the line number, or the file path).
    pub id: String,
    /// The full text (decoded to UTF-8; byte offsets refer to it).
    pub text: String,
    /// Where it came from.
    pub origin: Origin,
    /// The value of the `--keep-by` field, when one was asked for and present.
    pub keep_key: Option<SortKey>,
    /// The parsed `--date-field`, when one was asked for, present and parseable.
    pub date: Option<DocDate>,
    /// The date field's value when it was present but not a date in an accepted format
    /// (the pipeline reports and counts it; the document is used without a date).
    pub bad_date: Option<String>,
    /// The outlet that published it (from `--source-field`, or the folder with
    /// `--source-from-folder`), when one was asked for and known.
    pub outlet: Option<String>,
    /// True when an outlet was asked for and this document has none (the pipeline
    /// counts it; the document is used without an outlet).
    pub missing_outlet: bool,
    /// The encoding the bytes were decoded from, when they were not UTF-8.
    pub encoding: Option<&'static str>,
    /// True when the id came from the record's id field (not the line number or path),
    /// so that a run can tell an id field no record has.
    pub id_from_field: bool,
}

impl Document {
    /// A UTF-8 document without metadata.
    pub fn new(id: impl Into<String>, text: impl Into<String>, origin: Origin) -> Document {
        Document {
            id: id.into(),
            text: text.into(),
            origin,
            keep_key: None,
            date: None,
            bad_date: None,
            outlet: None,
            missing_outlet: false,
            encoding: None,
            id_from_field: false,
        }
    }
}
