//! The library's error types.
//!
//! Two kinds of failure exist. An [`InputIssue`] is a problem with one record of
//! the input (a malformed JSON line, invalid UTF-8, an unreadable file): the
//! pipeline reports it through its observer, counts it and carries on, unless the
//! run is strict. An [`Error`] stops the run (an output file that cannot be
//! written, an invalid configuration, a strict run meeting its first issue).

use std::fmt;
use std::path::PathBuf;

/// A fatal error: the operation could not complete.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An I/O error on a named file.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error (shown in the message, so not chained as a source).
        cause: std::io::Error,
    },
    /// An I/O error on an unnamed stream (stdout, a pipe).
    #[error("{context}: {cause}")]
    Stream {
        /// What was being done.
        context: String,
        /// The underlying error (shown in the message, so not chained as a source).
        cause: std::io::Error,
    },
    /// The configuration is invalid (caught when a pipeline is built).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A strict run met bad input.
    #[error("{0} (strict mode)")]
    Strict(InputIssue),
    /// An input gave different bytes when it was read again (it changed during the run),
    /// so nothing computed from the first read can be trusted for it.
    #[error("{path}: changed while it was being read (the second read differs from the first)")]
    InputChanged {
        /// The input as the user named it.
        path: String,
    },
    /// The text or id field asked for is in none of the records; `present` lists the
    /// fields the first records do have, to point at the right name.
    #[error("{which} field {field:?} is in no record (the first records have: {present})")]
    FieldNotFound {
        /// `text` or `id`.
        which: &'static str,
        /// The field asked for.
        field: String,
        /// The fields seen in the first records, comma-separated.
        present: String,
    },
    /// An on-disk index or file is damaged: a checksum or magic number does not
    /// match, it is truncated, or its structure is impossible. Distinct from
    /// [`Error::Incompatible`] so that callers can offer a repair rather than an upgrade.
    #[error("{}: {message}", path.display())]
    Corrupt {
        /// The file involved.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// An intact on-disk file that this build cannot use: a newer format version, or
    /// an index built with other engine parameters.
    #[error("{}: {message}", path.display())]
    Incompatible {
        /// The file involved.
        path: PathBuf,
        /// Why it cannot be used.
        message: String,
    },
    /// A stage of a staged run was started before the stage it reads had finished
    /// (every part, or every shard of one world size): the message names what to run.
    #[error("{}: {message}", path.display())]
    StageIncomplete {
        /// The folder of the stage that is missing parts.
        path: PathBuf,
        /// What is missing and what to run.
        message: String,
    },
    /// A path that should be an index is not one: absent, or a folder holding other
    /// files (an index is only ever created in a new or empty folder).
    #[error("{}: {message}", path.display())]
    NotAnIndex {
        /// The path involved.
        path: PathBuf,
        /// What was found there.
        message: String,
    },
    /// A strict `index add` met an id already archived with a different text.
    #[error(
        "{origin}: id {id:?} is already in the index with a different text \
         (strict mode; --replace replaces it)"
    )]
    IdConflict {
        /// The id.
        id: String,
        /// Where the new document came from (file, and line for JSON Lines).
        origin: String,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause: source,
        }
    }

    /// Wraps an I/O error on a stream with a short description.
    pub fn stream(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Stream {
            context: context.into(),
            cause: source,
        }
    }

    /// True when the error is a broken pipe on output (a reader such as `head` went away),
    /// which a command-line front end treats as success.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            Error::Io { cause, .. } | Error::Stream { cause, .. } => {
                cause.kind() == std::io::ErrorKind::BrokenPipe
            }
            _ => false,
        }
    }
}

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What was wrong with one input record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssueKind {
    /// The file or stream could not be opened or read.
    Unreadable(String),
    /// The bytes are not valid UTF-8.
    InvalidUtf8,
    /// A JSON Lines record is not valid JSON.
    MalformedJson(String),
    /// A JSON Lines record is valid JSON but not an object.
    NotAnObject,
    /// The text field is missing or not a string.
    MissingText(String),
    /// The id field has a type that cannot be an id (object, array, boolean).
    BadId(String),
    /// A compressed stream is followed by bytes that are not another compressed member;
    /// every complete record before them has been read.
    TrailingGarbage,
    /// A directory entry could not be followed (symlink loop, dangling link, name too long).
    BadEntry(String),
    /// The date field holds a value that is not a date in an accepted format; the document
    /// is still used, without a date.
    BadDate(String),
    /// Not a problem: the bytes were not UTF-8 and were decoded from this encoding.
    Decoded(&'static str),
}

impl IssueKind {
    /// A short stable name for the kind, used as a key in run summaries.
    pub fn name(&self) -> &'static str {
        match self {
            IssueKind::Unreadable(_) => "unreadable",
            IssueKind::InvalidUtf8 => "invalid_utf8",
            IssueKind::MalformedJson(_) => "malformed_json",
            IssueKind::NotAnObject => "not_an_object",
            IssueKind::MissingText(_) => "missing_text",
            IssueKind::BadId(_) => "bad_id",
            IssueKind::TrailingGarbage => "trailing_garbage",
            IssueKind::BadEntry(_) => "bad_entry",
            IssueKind::BadDate(_) => "bad_date",
            IssueKind::Decoded(_) => "decoded",
        }
    }
}

impl fmt::Display for IssueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IssueKind::Unreadable(e) => write!(f, "cannot read: {e}"),
            IssueKind::InvalidUtf8 => write!(f, "invalid UTF-8"),
            IssueKind::MalformedJson(e) => write!(f, "malformed JSON: {e}"),
            IssueKind::NotAnObject => write!(f, "JSON record is not an object"),
            IssueKind::MissingText(field) => {
                write!(f, "missing or non-string text field {field:?}")
            }
            IssueKind::BadId(field) => {
                write!(f, "id field {field:?} is neither a string nor a number")
            }
            IssueKind::TrailingGarbage => {
                write!(f, "trailing garbage after the compressed stream")
            }
            IssueKind::BadEntry(e) => write!(f, "cannot follow directory entry: {e}"),
            IssueKind::BadDate(value) => write!(f, "unparseable date {value:?}"),
            IssueKind::Decoded(encoding) => write!(f, "not UTF-8: decoded as {encoding}"),
        }
    }
}

/// A problem with one input record, located by file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputIssue {
    /// The file as the user named it (or `<stdin>`).
    pub path: String,
    /// 1-based line number for JSON Lines records; `None` for whole files.
    pub line: Option<u64>,
    /// What was wrong.
    pub kind: IssueKind,
}

impl fmt::Display for InputIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path, line, self.kind),
            None => write!(f, "{}: {}", self.path, self.kind),
        }
    }
}

impl std::error::Error for InputIssue {}
