//! Reading documents: files, directories, JSON Lines, stdin, gzip and zstd.
//!
//! Input is read in two steps so that a pipeline can read sequentially and parse in
//! parallel: [`RecordReader`] yields [`RawRecord`]s (a whole text file, or one line of
//! a JSON Lines file, as bytes) and [`Sources::parse`] turns one into a [`Document`].
//! Records are numbered in reading order; reading the same sources twice yields the
//! same records, which lets a pipeline make a second pass (for example to copy kept
//! records byte for byte) without holding raw text in memory.
//!
//! Problems with single records never abort reading: they come back as
//! [`InputIssue`]s naming the file and line, and reading carries on.

pub mod compress;
pub mod jsonl;

use crate::document::{Document, Origin};
use crate::error::{Error, InputIssue, IssueKind, Result};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

/// How JSON Lines records are mapped onto documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputConfig {
    /// Field holding the document id (string or number); the line number is used when absent.
    pub id_field: String,
    /// Field holding the document text.
    pub text_field: String,
    /// Field used by the `keep-by` policy, if any.
    pub keep_by_field: Option<String>,
    /// Field holding a publication date, if any.
    pub date_field: Option<String>,
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            id_field: "id".into(),
            text_field: "text".into(),
            keep_by_field: None,
            date_field: None,
        }
    }
}

/// What a source holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// One document per line.
    JsonLines,
    /// The whole file is one document.
    Text,
    /// Decided from the content: JSON Lines when the first non-blank byte is `{` (stdin).
    Sniff,
}

/// One file or stream to read.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where to read the bytes from.
    pub path: PathBuf,
    /// How the user knows it (used in messages).
    pub display: String,
    /// The id given to a whole-file document.
    pub id_base: String,
    /// What it holds.
    pub kind: SourceKind,
}

/// The ordered list of sources named by the input arguments.
#[derive(Debug)]
pub struct Sources {
    sources: Vec<Source>,
    // Keeps a spooled copy of stdin alive (and deletes it on drop).
    _stdin_spool: Option<tempfile::NamedTempFile>,
}

/// One unparsed record: a whole text file or one line of a JSON Lines file.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// Position in reading order, counting from 0.
    pub ordinal: u64,
    /// Where the record came from.
    pub origin: Origin,
    /// The record's bytes (a JSON line without its line terminator).
    pub bytes: Vec<u8>,
}

fn is_jsonl_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let base = lower
        .strip_suffix(".gz")
        .or_else(|| lower.strip_suffix(".zst"))
        .or_else(|| lower.strip_suffix(".zstd"))
        .unwrap_or(&lower);
    base.ends_with(".jsonl") || base.ends_with(".ndjson")
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0
        && entry
            .file_name()
            .to_str()
            .is_some_and(|s| s.starts_with('.'))
}

impl Sources {
    /// Resolves input arguments into sources: files as given, directories walked
    /// recursively in file-name order (hidden entries skipped), `-` for stdin
    /// (spooled to a temporary file so that it can be read more than once).
    ///
    /// A path that does not exist is a fatal error: it is a mistake in the command,
    /// not in the data.
    pub fn discover(args: &[PathBuf]) -> Result<Sources> {
        let mut sources = Vec::new();
        let mut spool = None;
        for arg in args {
            if arg.as_os_str() == "-" {
                if spool.is_some() {
                    return Err(Error::Config("stdin (-) can be named only once".into()));
                }
                let mut file = tempfile::NamedTempFile::new()
                    .map_err(|e| Error::stream("creating a spool file for stdin", e))?;
                std::io::copy(&mut std::io::stdin().lock(), &mut file)
                    .map_err(|e| Error::stream("reading stdin", e))?;
                file.flush()
                    .map_err(|e| Error::stream("spooling stdin", e))?;
                sources.push(Source {
                    path: file.path().to_path_buf(),
                    display: "<stdin>".into(),
                    id_base: "-".into(),
                    kind: SourceKind::Sniff,
                });
                spool = Some(file);
                continue;
            }
            let meta = std::fs::metadata(arg).map_err(|e| Error::io(arg, e))?;
            if meta.is_dir() {
                let walker = walkdir::WalkDir::new(arg)
                    .follow_links(true)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_entry(|e| !is_hidden(e));
                for entry in walker {
                    let entry = entry.map_err(|e| {
                        let path = e.path().unwrap_or(arg).to_path_buf();
                        Error::io(path, e.into())
                    })?;
                    if !entry.file_type().is_file() {
                        continue;
                    }
                    let rel = entry.path().strip_prefix(arg).unwrap_or(entry.path());
                    let id = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    let name = entry.file_name().to_string_lossy();
                    sources.push(Source {
                        path: entry.path().to_path_buf(),
                        display: entry.path().display().to_string(),
                        id_base: id,
                        kind: if is_jsonl_name(&name) {
                            SourceKind::JsonLines
                        } else {
                            SourceKind::Text
                        },
                    });
                }
            } else {
                let name = arg
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                sources.push(Source {
                    path: arg.clone(),
                    display: arg.display().to_string(),
                    id_base: arg.display().to_string(),
                    kind: if is_jsonl_name(&name) {
                        SourceKind::JsonLines
                    } else {
                        SourceKind::Text
                    },
                });
            }
        }
        Ok(Sources {
            sources,
            _stdin_spool: spool,
        })
    }

    /// Builds sources from an explicit list (used by tests and embedders).
    pub fn from_list(sources: Vec<Source>) -> Sources {
        Sources {
            sources,
            _stdin_spool: None,
        }
    }

    /// The sources in reading order.
    pub fn list(&self) -> &[Source] {
        &self.sources
    }

    /// Total size in bytes of the sources on disk (compressed size for compressed files).
    pub fn total_bytes(&self) -> u64 {
        self.sources
            .iter()
            .filter_map(|s| std::fs::metadata(&s.path).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Starts reading records from the first source.
    pub fn records(&self) -> RecordReader<'_> {
        RecordReader {
            sources: &self.sources,
            next_source: 0,
            current: None,
            ordinal: 0,
            line_buf: Vec::new(),
        }
    }

    /// Turns a raw record into a document.
    pub fn parse(&self, record: &RawRecord, config: &InputConfig) -> Result<Document, InputIssue> {
        let source = &self.sources[record.origin.source as usize];
        let issue = |kind| InputIssue {
            path: source.display.clone(),
            line: (record.origin.line > 0).then_some(record.origin.line),
            kind,
        };
        if record.origin.line == 0 {
            let text = std::str::from_utf8(&record.bytes)
                .map_err(|_| issue(IssueKind::InvalidUtf8))?
                .to_owned();
            return Ok(Document {
                id: source.id_base.clone(),
                text,
                origin: record.origin,
                keep_key: None,
                date: None,
            });
        }
        let single = self.sources.len() == 1;
        let line = record.origin.line;
        jsonl::parse_record(
            &record.bytes,
            record.origin,
            || {
                if single {
                    line.to_string()
                } else {
                    format!("{}:{}", source.id_base, line)
                }
            },
            config,
        )
        .map_err(issue)
    }
}

struct OpenSource {
    reader: Box<dyn BufRead + Send>,
    jsonl: bool,
    line: u64,
    done: bool,
}

/// Iterator over the raw records of all sources, in order.
///
/// Yields `Err` for a source that cannot be opened or fails mid-read, then moves on.
pub struct RecordReader<'a> {
    sources: &'a [Source],
    next_source: usize,
    current: Option<(u32, OpenSource)>,
    ordinal: u64,
    line_buf: Vec<u8>,
}

impl RecordReader<'_> {
    fn unreadable(&self, source: usize, line: Option<u64>, e: std::io::Error) -> InputIssue {
        InputIssue {
            path: self.sources[source].display.clone(),
            line,
            kind: IssueKind::Unreadable(e.to_string()),
        }
    }

    fn open(&mut self, index: usize) -> Result<OpenSource, InputIssue> {
        let source = &self.sources[index];
        let mut reader =
            compress::open(&source.path).map_err(|e| self.unreadable(index, None, e))?;
        let jsonl = match source.kind {
            SourceKind::JsonLines => true,
            SourceKind::Text => false,
            SourceKind::Sniff => {
                let head = reader
                    .fill_buf()
                    .map_err(|e| self.unreadable(index, None, e))?;
                head.iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_some_and(|&b| b == b'{')
            }
        };
        Ok(OpenSource {
            reader,
            jsonl,
            line: 0,
            done: false,
        })
    }

    fn emit(&mut self, source: u32, line: u64, bytes: Vec<u8>) -> RawRecord {
        let record = RawRecord {
            ordinal: self.ordinal,
            origin: Origin { source, line },
            bytes,
        };
        self.ordinal += 1;
        record
    }
}

impl Iterator for RecordReader<'_> {
    type Item = Result<RawRecord, InputIssue>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.current.is_none() {
                if self.next_source >= self.sources.len() {
                    return None;
                }
                let index = self.next_source;
                self.next_source += 1;
                match self.open(index) {
                    Ok(open) => self.current = Some((index as u32, open)),
                    Err(issue) => return Some(Err(issue)),
                }
            }
            let (source, open) = self.current.as_mut().expect("current source is open");
            let source = *source;
            if open.done {
                self.current = None;
                continue;
            }
            if !open.jsonl {
                open.done = true;
                let mut bytes = Vec::new();
                return match open.reader.read_to_end(&mut bytes) {
                    Ok(_) => Some(Ok(self.emit(source, 0, bytes))),
                    Err(e) => Some(Err(self.unreadable(source as usize, None, e))),
                };
            }
            self.line_buf.clear();
            open.line += 1;
            let line = open.line;
            match open.reader.read_until(b'\n', &mut self.line_buf) {
                Ok(0) => {
                    open.done = true;
                    continue;
                }
                Ok(_) => {
                    let mut end = self.line_buf.len();
                    if self.line_buf[end - 1] == b'\n' {
                        end -= 1;
                        if end > 0 && self.line_buf[end - 1] == b'\r' {
                            end -= 1;
                        }
                    }
                    let bytes = &self.line_buf[..end];
                    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
                        continue;
                    }
                    let bytes = bytes.to_vec();
                    return Some(Ok(self.emit(source, line, bytes)));
                }
                Err(e) => {
                    open.done = true;
                    return Some(Err(self.unreadable(source as usize, Some(line), e)));
                }
            }
        }
    }
}

/// Reads every document of the sources into memory, returning documents and issues.
///
/// Meant for small collections (a scan of a few thousand articles, tests); the dedup
/// pipeline streams instead.
pub fn read_all(sources: &Sources, config: &InputConfig) -> (Vec<Document>, Vec<InputIssue>) {
    let mut docs = Vec::new();
    let mut issues = Vec::new();
    for record in sources.records() {
        match record.and_then(|r| sources.parse(&r, config)) {
            Ok(doc) => docs.push(doc),
            Err(issue) => issues.push(issue),
        }
    }
    (docs, issues)
}

/// The id a whole-file document gets when `path` is named directly.
pub fn file_id(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn jsonl_names() {
        assert!(is_jsonl_name("a.jsonl"));
        assert!(is_jsonl_name("a.NDJSON.gz"));
        assert!(is_jsonl_name("a.jsonl.zst"));
        assert!(!is_jsonl_name("a.txt"));
        assert!(!is_jsonl_name("a.json"));
    }

    #[test]
    fn directory_walk_is_sorted_and_relative() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("b.txt"), "bee").unwrap();
        fs::write(dir.path().join("sub/a.txt"), "ay").unwrap();
        fs::write(dir.path().join(".hidden"), "no").unwrap();
        fs::write(
            dir.path().join("c.jsonl"),
            "{\"id\":1,\"text\":\"x\"}\n\n{\"text\":\"y\"}\n",
        )
        .unwrap();
        let sources = Sources::discover(&[dir.path().to_path_buf()]).unwrap();
        let (docs, issues) = read_all(&sources, &InputConfig::default());
        assert!(issues.is_empty());
        let ids: Vec<_> = docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["b.txt", "1", "c.jsonl:3", "sub/a.txt"]);
    }

    #[test]
    fn bad_lines_are_reported_and_reading_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.jsonl");
        fs::write(
            &p,
            b"{\"text\":\"a\"}\n{oops\n\xff\xfe\n{\"text\":\"b\"}\r\n",
        )
        .unwrap();
        let sources = Sources::discover(&[p]).unwrap();
        let (docs, issues) = read_all(&sources, &InputConfig::default());
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].text, "b");
        assert_eq!(docs[1].id, "4");
        assert_eq!(issues.len(), 2);
        assert_eq!(issues[0].line, Some(2));
        assert!(issues[0].to_string().contains("d.jsonl:2: malformed JSON"));
        assert_eq!(issues[1].kind, IssueKind::InvalidUtf8);
    }

    #[test]
    fn missing_path_is_fatal() {
        assert!(Sources::discover(&[PathBuf::from("/no/such/reprint/input")]).is_err());
    }

    #[test]
    fn records_are_repeatable() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.jsonl");
        fs::write(&p, "{\"text\":\"a\"}\n\n{\"text\":\"b\"}\n").unwrap();
        let sources = Sources::discover(&[p]).unwrap();
        let a: Vec<_> = sources.records().map(|r| r.unwrap().ordinal).collect();
        let b: Vec<_> = sources.records().map(|r| r.unwrap().origin.line).collect();
        assert_eq!(a, [0, 1]);
        assert_eq!(b, [1, 3]);
    }
}
