//! Reading documents: files, directories, JSON Lines, Parquet, stdin, gzip and zstd.
//!
//! Input is read in two steps so that a pipeline can read sequentially and parse in
//! parallel: [`RecordReader`] yields [`RawRecord`]s (a whole text file, or one line of
//! a JSON Lines file, as bytes) and [`Sources::parse`] turns one into a [`Document`].
//! Records are numbered in reading order; reading the same sources twice yields the
//! same records, which lets a pipeline make a second pass (for example to copy kept
//! records byte for byte) without holding raw text in memory. Inputs that cannot be
//! read twice (stdin, FIFOs, `/dev/fd/N`) are spooled first to an unlinked temporary
//! file, which disappears with the process whatever way it ends.
//!
//! Problems with single records or directory entries never abort reading: they come
//! back as [`InputIssue`]s naming the file and line, and reading carries on.

pub mod compress;
pub mod date;
pub mod encoding;
pub mod ingest;
pub mod jsonl;
mod parquet;

use crate::document::{Document, Origin};
use crate::error::{Error, InputIssue, IssueKind, Result};
pub use encoding::EncodingChoice;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The id field used when none is chosen.
pub const DEFAULT_ID_FIELD: &str = "id";

/// How records are decoded and mapped onto documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputConfig {
    /// Field holding the document id (string or number); the line number is used when a
    /// record lacks it. `None` means the default, [`DEFAULT_ID_FIELD`], chosen by nobody:
    /// only a field the user chose is an error when no record has it.
    pub id_field: Option<String>,
    /// Field holding the document text.
    pub text_field: String,
    /// Field used by the `keep-by` policy, if any.
    pub keep_by_field: Option<String>,
    /// Field holding a publication date, if any (see [`date`] for the formats).
    pub date_field: Option<String>,
    /// Field holding the outlet (publisher) of a JSON record, if any: its string value.
    pub source_field: Option<String>,
    /// Take the outlet of a document read from a file found in a folder argument from
    /// the first folder below that argument (`ARG/reuters/2024/a.txt` is from
    /// `reuters`); files directly in the argument, files named directly and stdin have
    /// none. A JSON record's `source_field`, when set and present, comes first.
    pub source_from_folder: bool,
    /// The encoding of the input bytes.
    pub encoding: EncodingChoice,
}

impl InputConfig {
    /// The id field in effect (the one place the default is applied).
    pub fn id_field(&self) -> &str {
        self.id_field.as_deref().unwrap_or(DEFAULT_ID_FIELD)
    }

    /// True when documents are to carry an outlet (a source field or folders).
    pub fn wants_outlet(&self) -> bool {
        self.source_field.is_some() || self.source_from_folder
    }
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            id_field: None,
            text_field: "text".into(),
            keep_by_field: None,
            date_field: None,
            source_field: None,
            source_from_folder: false,
            encoding: EncodingChoice::Auto,
        }
    }
}

/// A kind of document file, chosen by name in folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileType {
    /// `.txt`, `.text`: one document per file.
    Txt,
    /// `.md`: one document per file.
    Md,
    /// `.jsonl`, `.ndjson`: one document per line.
    Jsonl,
    /// `.parquet`: one document per row (see [`parquet`](self::parquet)); never
    /// compressed as a whole (its column chunks are).
    Parquet,
}

impl FileType {
    /// The type a file name says, ignoring a `.gz`, `.zst` or `.zstd` suffix
    /// (`.json` is none: a JSON file is not JSON Lines).
    pub fn of_name(name: &str) -> Option<FileType> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".parquet") {
            return Some(FileType::Parquet);
        }
        let base = strip_compression(&lower);
        let ext = base.rsplit_once('.').map(|(_, e)| e)?;
        match ext {
            "txt" | "text" => Some(FileType::Txt),
            "md" => Some(FileType::Md),
            "jsonl" | "ndjson" => Some(FileType::Jsonl),
            _ => None,
        }
    }
}

impl std::str::FromStr for FileType {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "txt" => Ok(FileType::Txt),
            "md" => Ok(FileType::Md),
            "jsonl" => Ok(FileType::Jsonl),
            "parquet" => Ok(FileType::Parquet),
            _ => Err(format!(
                "unknown file type {s:?} (txt, md, jsonl or parquet)"
            )),
        }
    }
}

/// Which files of a folder are read. A file named directly is always read.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Globs matched against the path relative to the folder argument (`/`-separated),
    /// as ripgrep's `-g`: a glob without `/` matches the file name at any depth, `*`
    /// does not cross `/`, and a leading `!` excludes. When any including glob is
    /// given, a file must match one.
    pub globs: Vec<String>,
    /// Document types to read (all when empty).
    pub types: Vec<FileType>,
}

struct Matcher {
    include: Option<globset::GlobSet>,
    exclude: globset::GlobSet,
    types: Vec<FileType>,
}

impl Matcher {
    fn new(selection: &Selection) -> Result<Matcher> {
        let mut include = globset::GlobSetBuilder::new();
        let mut exclude = globset::GlobSetBuilder::new();
        let mut includes = 0;
        for raw in &selection.globs {
            let (negated, pattern) = match raw.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, raw.as_str()),
            };
            let pattern = pattern.strip_prefix('/').map_or_else(
                || {
                    if pattern.contains('/') {
                        pattern.to_string()
                    } else {
                        format!("**/{pattern}")
                    }
                },
                str::to_string,
            );
            let glob = globset::GlobBuilder::new(&pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| Error::Config(format!("glob {raw:?}: {e}")))?;
            if negated {
                exclude.add(glob);
            } else {
                include.add(glob);
                includes += 1;
            }
        }
        let build = |b: globset::GlobSetBuilder| {
            b.build().map_err(|e| Error::Config(format!("globs: {e}")))
        };
        Ok(Matcher {
            include: if includes > 0 {
                Some(build(include)?)
            } else {
                None
            },
            exclude: build(exclude)?,
            types: selection.types.clone(),
        })
    }

    /// True when the file at `rel` (relative to its folder argument) is to be read.
    fn selects(&self, rel: &str, name: &str) -> bool {
        if self.exclude.is_match(rel) {
            return false;
        }
        let kind = FileType::of_name(name);
        let type_ok = match kind {
            Some(k) => self.types.is_empty() || self.types.contains(&k),
            None => false,
        };
        match &self.include {
            // An including glob reads any matching file; --type still narrows.
            Some(include) => include.is_match(rel) && (self.types.is_empty() || type_ok),
            None => type_ok,
        }
    }
}

fn strip_compression(lower: &str) -> &str {
    lower
        .strip_suffix(".gz")
        .or_else(|| lower.strip_suffix(".zst"))
        .or_else(|| lower.strip_suffix(".zstd"))
        .unwrap_or(lower)
}

/// The key a passed-over file is counted under: its extension (with a compression
/// suffix kept), or `(none)`.
fn extension_key(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let base = strip_compression(&lower);
    let suffix = &lower[base.len()..];
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!(".{ext}{suffix}"),
        _ if !suffix.is_empty() => suffix.to_string(),
        _ => "(none)".to_string(),
    }
}

/// A path as text for ids and messages: UTF-8 as it is, each byte that is not UTF-8
/// written as `\xHH`, so that two different names never give the same id.
pub fn escape_os(name: &OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut bytes = name.as_bytes();
        let mut out = String::with_capacity(bytes.len());
        loop {
            match std::str::from_utf8(bytes) {
                Ok(s) => {
                    out.push_str(s);
                    return out;
                }
                Err(e) => {
                    let (good, rest) = bytes.split_at(e.valid_up_to());
                    out.push_str(std::str::from_utf8(good).unwrap_or_default());
                    let bad = e.error_len().unwrap_or(rest.len());
                    for b in &rest[..bad] {
                        out.push_str(&format!("\\x{b:02X}"));
                    }
                    bytes = &rest[bad..];
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// What a source holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// One document per line.
    JsonLines,
    /// One document per row of a Parquet file.
    Parquet,
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
    /// A spooled copy to read instead of `path` (stdin, a FIFO).
    pub spool: Option<Arc<File>>,
    /// Set for a directory entry that could not be followed: reading it yields this issue.
    pub broken: Option<IssueKind>,
    /// For a file found in a folder argument below a folder of it: the name of the first
    /// folder below the argument (the outlet with `--source-from-folder`).
    pub folder: Option<String>,
    /// The bytes themselves, held in memory, read instead of `path` (records handed
    /// over by an embedding program, such as the Python package, without a file).
    pub memory: Option<InMemory>,
}

/// The bytes of an in-memory [`Source`]: read exactly as a file's bytes are (a
/// compressed stream is decoded, a byte-order mark dropped, JSON Lines split into
/// lines), shared by every reader of the source so that it can be read twice.
#[derive(Clone)]
pub struct InMemory(Arc<Vec<u8>>);

impl InMemory {
    /// The number of bytes held.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when no byte is held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for InMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InMemory({} bytes)", self.0.len())
    }
}

impl AsRef<[u8]> for InMemory {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Source {
    /// A file to read from `path`, named `display` in messages and ids.
    pub fn file(path: impl Into<PathBuf>, display: impl Into<String>, kind: SourceKind) -> Source {
        let display = display.into();
        Source {
            path: path.into(),
            id_base: display.clone(),
            display,
            kind,
            spool: None,
            broken: None,
            folder: None,
            memory: None,
        }
    }

    /// A source whose bytes are `bytes`, held in memory (no file is read or written),
    /// named `display` in messages and ids. Its records are those a file of these bytes
    /// would give: for [`SourceKind::JsonLines`], one per non-blank line, numbered from
    /// 1, each parsed by the one JSON Lines parser; for [`SourceKind::Parquet`], one per
    /// row of the Parquet file these bytes are (a table handed over without a file).
    pub fn in_memory(
        bytes: impl Into<Vec<u8>>,
        display: impl Into<String>,
        kind: SourceKind,
    ) -> Source {
        let display = display.into();
        Source {
            memory: Some(InMemory(Arc::new(bytes.into()))),
            ..Source::file(PathBuf::from(&display), display, kind)
        }
    }
}

/// The ordered list of sources named by the input arguments.
#[derive(Debug)]
pub struct Sources {
    sources: Vec<Source>,
    passed_over: BTreeMap<String, u64>,
}

/// One unparsed record: a whole text file or one line of a JSON Lines file.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// Position in reading order, counting from 0.
    pub ordinal: u64,
    /// Where the record came from.
    pub origin: Origin,
    /// The record's bytes (a JSON line without its line terminator or byte-order mark).
    pub bytes: Vec<u8>,
}

/// The kind of a file named `name` read whole (not a stream).
fn file_kind(name: &str) -> SourceKind {
    match FileType::of_name(name) {
        Some(FileType::Jsonl) => SourceKind::JsonLines,
        Some(FileType::Parquet) => SourceKind::Parquet,
        _ => SourceKind::Text,
    }
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().as_encoded_bytes().starts_with(b".")
}

/// Why a directory entry that is not a regular file is passed over.
fn special_kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "fifo";
        }
        if file_type.is_socket() {
            return "socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "device";
        }
    }
    let _ = file_type;
    "special file"
}

/// Copies a stream into an unlinked temporary file (gone when the process ends).
fn spool(mut reader: impl Read, what: &str) -> Result<Arc<File>> {
    use std::io::Write;
    let mut file = tempfile::tempfile()
        .map_err(|e| Error::stream(format!("creating a spool file for {what}"), e))?;
    io::copy(&mut reader, &mut file).map_err(|e| Error::stream(format!("reading {what}"), e))?;
    file.flush()
        .map_err(|e| Error::stream(format!("spooling {what}"), e))?;
    Ok(Arc::new(file))
}

/// Reads a spooled file from the start through its own position, so that several
/// readers of one spool never disturb each other.
struct SpoolReader {
    file: Arc<File>,
    pos: u64,
}

impl Read for SpoolReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(&*self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(&*self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// The path as the user gave it, joined with a path below it as ripgrep prints paths:
/// `day1/` and `a/b.txt` give `day1/a/b.txt`.
fn joined_display(arg: &Path, rel: &Path) -> String {
    let base = escape_os(arg.as_os_str());
    let trimmed = base.trim_end_matches('/');
    let rel = rel
        .components()
        .map(|c| escape_os(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/");
    if trimmed.is_empty() && base.starts_with('/') {
        format!("/{rel}")
    } else {
        format!("{trimmed}/{rel}")
    }
}

impl Sources {
    /// [`Sources::discover_with`] reading every document file of folders.
    pub fn discover(args: &[PathBuf]) -> Result<Sources> {
        Sources::discover_with(args, &Selection::default())
    }

    /// Resolves input arguments into sources: files as given (always read), folders
    /// walked recursively in file-name order (hidden entries skipped; only the files
    /// `selection` selects), `-` for stdin. Stdin and other inputs that are not regular
    /// files (FIFOs, `/dev/fd/N`) are spooled so that they can be read more than once.
    ///
    /// Ids are paths as the user gave them: `day1/a.txt` for `a.txt` under the folder
    /// argument `day1/`. A folder entry that cannot be followed becomes a source whose
    /// reading yields an issue; FIFOs, sockets and devices in folders, and files of
    /// other types, are passed over and counted ([`Sources::passed_over`]).
    ///
    /// A path named on the command line that does not exist is a fatal error: it is a
    /// mistake in the command, not in the data.
    pub fn discover_with(args: &[PathBuf], selection: &Selection) -> Result<Sources> {
        let matcher = Matcher::new(selection)?;
        let mut sources = Vec::new();
        let mut passed_over: BTreeMap<String, u64> = BTreeMap::new();
        let mut stdin_named = false;
        for arg in args {
            if arg.as_os_str() == "-" {
                if stdin_named {
                    return Err(Error::Config("stdin (-) can be named only once".into()));
                }
                stdin_named = true;
                let file = spool(io::stdin().lock(), "stdin")?;
                sources.push(Source {
                    spool: Some(file),
                    id_base: "-".into(),
                    ..Source::file(PathBuf::from("-"), "<stdin>", SourceKind::Sniff)
                });
                continue;
            }
            let meta = std::fs::metadata(arg).map_err(|e| Error::io(arg, e))?;
            let display = escape_os(arg.as_os_str());
            let name = arg.file_name().map(escape_os).unwrap_or_default();
            if meta.is_dir() {
                walk_folder(arg, &matcher, &mut sources, &mut passed_over);
            } else if meta.is_file() {
                sources.push(Source::file(arg.clone(), display, file_kind(&name)));
            } else {
                // A FIFO, `<(cmd)`, a device: read once, like stdin.
                let file = File::open(arg).map_err(|e| Error::io(arg, e))?;
                let spooled = spool(file, &display)?;
                // Its name decides when it has a document type (`dump.jsonl`), its
                // content otherwise (`/dev/fd/63`).
                let kind = match FileType::of_name(&name) {
                    Some(FileType::Jsonl) => SourceKind::JsonLines,
                    Some(FileType::Parquet) => SourceKind::Parquet,
                    Some(FileType::Txt | FileType::Md) => SourceKind::Text,
                    None => SourceKind::Sniff,
                };
                sources.push(Source {
                    spool: Some(spooled),
                    ..Source::file(arg.clone(), display, kind)
                });
            }
        }
        Ok(Sources {
            sources,
            passed_over,
        })
    }

    /// Builds sources from an explicit list (used by tests and embedders).
    pub fn from_list(sources: Vec<Source>) -> Sources {
        Sources {
            sources,
            passed_over: BTreeMap::new(),
        }
    }

    /// The sources in reading order.
    pub fn list(&self) -> &[Source] {
        &self.sources
    }

    /// Files found in folders and not read, by extension (`.json`, `(none)`) or kind
    /// (`fifo`, `socket`, `device`).
    pub fn passed_over(&self) -> &BTreeMap<String, u64> {
        &self.passed_over
    }

    /// Total size in bytes of the sources on disk (compressed size for compressed files).
    pub fn total_bytes(&self) -> u64 {
        self.sources
            .iter()
            .filter_map(|s| match (&s.memory, &s.spool) {
                (Some(bytes), _) => Some(bytes.len() as u64),
                (None, Some(f)) => f.metadata().ok().map(|m| m.len()),
                (None, None) => std::fs::metadata(&s.path).ok().map(|m| m.len()),
            })
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
        let (text, encoding) = encoding::decode(&record.bytes, config.encoding).map_err(issue)?;
        let folder_outlet = || {
            config
                .source_from_folder
                .then(|| source.folder.clone())
                .flatten()
        };
        if record.origin.line == 0 {
            let outlet = folder_outlet();
            return Ok(Document {
                encoding,
                missing_outlet: config.wants_outlet() && outlet.is_none(),
                outlet,
                ..Document::new(source.id_base.clone(), text.into_owned(), record.origin)
            });
        }
        let single = self.sources.len() == 1;
        let line = record.origin.line;
        let mut doc = jsonl::parse_record_str(
            &text,
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
        .map_err(issue)?;
        doc.encoding = encoding;
        if doc.outlet.is_none() {
            doc.outlet = folder_outlet();
        }
        doc.missing_outlet = config.wants_outlet() && doc.outlet.is_none();
        Ok(doc)
    }

    /// The field names of the first `records` JSON objects of the JSON Lines sources, in
    /// the order first seen (for a message about a field no record has).
    pub fn first_fields(&self, records: usize) -> Vec<String> {
        let mut fields: Vec<String> = Vec::new();
        let mut seen = 0;
        for record in self.records().flatten() {
            if record.origin.line == 0 {
                continue;
            }
            let Ok(text) = encoding::decode(&record.bytes, EncodingChoice::Auto) else {
                continue;
            };
            if let Ok(serde_json::Value::Object(object)) =
                serde_json::from_str::<serde_json::Value>(&text.0)
            {
                for key in object.keys() {
                    if !fields.contains(key) {
                        fields.push(key.clone());
                    }
                }
                seen += 1;
                if seen >= records {
                    break;
                }
            }
        }
        fields
    }
}

/// Walks one folder argument, adding the selected files to `sources`.
fn walk_folder(
    arg: &Path,
    matcher: &Matcher,
    sources: &mut Vec<Source>,
    passed_over: &mut BTreeMap<String, u64>,
) {
    let walker = walkdir::WalkDir::new(arg)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !is_hidden(e));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(arg);
                let rel = path.strip_prefix(arg).unwrap_or(path);
                let display = joined_display(arg, rel);
                let message = match (e.loop_ancestor(), e.io_error()) {
                    (Some(ancestor), _) => format!(
                        "symbolic link loop back to {}",
                        escape_os(ancestor.as_os_str())
                    ),
                    (None, Some(io))
                        if io.kind() == io::ErrorKind::NotFound
                            && std::fs::symlink_metadata(path)
                                .is_ok_and(|m| m.file_type().is_symlink()) =>
                    {
                        "dangling symbolic link".to_string()
                    }
                    (None, Some(io)) => io.to_string(),
                    (None, None) => e.to_string(),
                };
                sources.push(Source {
                    broken: Some(IssueKind::BadEntry(message)),
                    ..Source::file(path.to_path_buf(), display, SourceKind::Text)
                });
                continue;
            }
        };
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        if !file_type.is_file() {
            *passed_over
                .entry(special_kind(&file_type).to_string())
                .or_default() += 1;
            continue;
        }
        let rel_path = entry.path().strip_prefix(arg).unwrap_or(entry.path());
        let rel = rel_path
            .components()
            .map(|c| escape_os(c.as_os_str()))
            .collect::<Vec<_>>()
            .join("/");
        let name = escape_os(entry.file_name());
        if !matcher.selects(&rel, &name) {
            *passed_over.entry(extension_key(&name)).or_default() += 1;
            continue;
        }
        let mut components = rel_path.components();
        let first = components.next();
        let folder = first
            .filter(|_| components.next().is_some())
            .map(|c| escape_os(c.as_os_str()));
        sources.push(Source {
            folder,
            ..Source::file(
                entry.path().to_path_buf(),
                joined_display(arg, rel_path),
                file_kind(&name),
            )
        });
    }
}

struct OpenSource {
    reader: Box<dyn BufRead + Send>,
    jsonl: bool,
    line: u64,
    done: bool,
    /// The last line ended with `\r`: a `\n` right after it belongs to that line end.
    after_cr: bool,
    /// An error met after the last complete line, returned once that line is out.
    pending: Option<io::Error>,
}

impl OpenSource {
    /// Reads the next line (without its terminator: `\n`, `\r\n` or a lone `\r`) into
    /// `buf`; false at the end. A line cut short by trailing garbage after a
    /// compressed stream is complete (the stream ends there): it is returned and the
    /// error kept for the next call.
    fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if compress::is_trailing_garbage(&e) && !buf.is_empty() => {
                    self.pending = Some(e);
                    return Ok(true);
                }
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(!buf.is_empty());
            }
            if self.after_cr {
                self.after_cr = false;
                if available[0] == b'\n' {
                    self.reader.consume(1);
                    continue;
                }
            }
            match memchr::memchr2(b'\n', b'\r', available) {
                Some(i) => {
                    buf.extend_from_slice(&available[..i]);
                    self.after_cr = available[i] == b'\r';
                    self.reader.consume(i + 1);
                    return Ok(true);
                }
                None => {
                    let n = available.len();
                    buf.extend_from_slice(available);
                    self.reader.consume(n);
                }
            }
        }
    }
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
    fn issue(&self, source: usize, line: Option<u64>, e: io::Error) -> InputIssue {
        let kind = if compress::is_trailing_garbage(&e) {
            IssueKind::TrailingGarbage
        } else {
            IssueKind::Unreadable(e.to_string())
        };
        InputIssue {
            path: self.sources[source].display.clone(),
            line,
            kind,
        }
    }

    fn open(&mut self, index: usize) -> Result<OpenSource, InputIssue> {
        let source = &self.sources[index];
        if let Some(kind) = &source.broken {
            return Err(InputIssue {
                path: source.display.clone(),
                line: None,
                kind: kind.clone(),
            });
        }
        let opened = match (&source.memory, &source.spool, source.kind) {
            (Some(bytes), _, SourceKind::Parquet) => {
                parquet::ParquetLines::open(bytes::Bytes::from_owner(bytes.clone()))
                    .map(|r| Box::new(r) as Box<dyn BufRead + Send>)
            }
            (Some(bytes), _, _) => compress::decode(io::Cursor::new(bytes.clone())),
            (None, spool, kind) => match (spool, kind) {
                (Some(file), SourceKind::Parquet) => file
                    .try_clone()
                    .and_then(parquet::ParquetLines::open)
                    .map(|r| Box::new(r) as Box<dyn BufRead + Send>),
                (None, SourceKind::Parquet) => File::open(&source.path)
                    .and_then(parquet::ParquetLines::open)
                    .map(|r| Box::new(r) as Box<dyn BufRead + Send>),
                (Some(file), _) => compress::decode(SpoolReader {
                    file: Arc::clone(file),
                    pos: 0,
                }),
                (None, _) => compress::open(&source.path),
            },
        };
        let mut reader = opened.map_err(|e| self.issue(index, None, e))?;
        // A byte-order mark is never part of the text.
        let head = reader.fill_buf().map_err(|e| self.issue(index, None, e))?;
        if head.starts_with(encoding::UTF8_BOM) {
            reader.consume(encoding::UTF8_BOM.len());
        }
        let jsonl = match source.kind {
            SourceKind::JsonLines | SourceKind::Parquet => true,
            SourceKind::Text => false,
            SourceKind::Sniff => {
                let head = reader.fill_buf().map_err(|e| self.issue(index, None, e))?;
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
            after_cr: false,
            pending: None,
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
            let (source, open) = self.current.as_mut()?;
            let source = *source;
            if open.done {
                if let Some(e) = open.pending.take() {
                    return Some(Err(self.issue(source as usize, None, e)));
                }
                self.current = None;
                continue;
            }
            if !open.jsonl {
                open.done = true;
                let mut bytes = Vec::new();
                return match open.reader.read_to_end(&mut bytes) {
                    Ok(_) => Some(Ok(self.emit(source, 0, bytes))),
                    // The whole text came before the garbage: keep it, then report.
                    Err(e) if compress::is_trailing_garbage(&e) => {
                        open.pending = Some(e);
                        Some(Ok(self.emit(source, 0, bytes)))
                    }
                    Err(e) => Some(Err(self.issue(source as usize, None, e))),
                };
            }
            self.line_buf.clear();
            open.line += 1;
            let line = open.line;
            match open.next_line(&mut self.line_buf) {
                Ok(false) => {
                    open.done = true;
                    continue;
                }
                Ok(true) => {
                    // A byte-order mark cannot start JSON: one left by concatenating
                    // files is dropped wherever a line starts with it.
                    let bytes = self.line_buf.strip_prefix(encoding::UTF8_BOM);
                    let bytes = bytes.unwrap_or(&self.line_buf[..]);
                    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
                        continue;
                    }
                    let bytes = bytes.to_vec();
                    return Some(Ok(self.emit(source, line, bytes)));
                }
                Err(e) => {
                    open.done = true;
                    let line = (!compress::is_trailing_garbage(&e)).then_some(line);
                    return Some(Err(self.issue(source as usize, line, e)));
                }
            }
        }
    }
}

/// Reads every document of the sources into memory through the one ingest path
/// ([`ingest::read_documents`]), returning the documents and every record that could
/// not be used (counted and skipped, never stopping the read).
///
/// Meant for small collections (the two texts of `align`, a benchmark's base pool,
/// tests); the jobs stream instead. A text or id field that no record has is still an
/// error.
pub fn read_all(
    sources: &Sources,
    config: &InputConfig,
) -> crate::error::Result<(Vec<Document>, Vec<InputIssue>)> {
    /// Keeps the issues the ingest reports.
    #[derive(Default)]
    struct Collect(std::sync::Mutex<Vec<InputIssue>>);
    impl crate::exec::Observer for Collect {
        fn issue(&self, issue: &InputIssue) {
            if let Ok(mut issues) = self.0.lock() {
                issues.push(issue.clone());
            }
        }
    }
    let collect = Collect::default();
    let (docs, _) =
        ingest::read_documents(sources, config, &ingest::IngestConfig::default(), &collect)?;
    let issues = collect.0.into_inner().unwrap_or_default();
    Ok((docs, issues))
}

/// The id a whole-file document gets when `path` is named directly.
pub fn file_id(path: &Path) -> String {
    escape_os(path.as_os_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn jsonl_names() {
        assert_eq!(file_kind("a.jsonl"), SourceKind::JsonLines);
        assert_eq!(file_kind("a.NDJSON.gz"), SourceKind::JsonLines);
        assert_eq!(file_kind("a.jsonl.zst"), SourceKind::JsonLines);
        assert_ne!(file_kind("a.txt"), SourceKind::JsonLines);
        assert_ne!(file_kind("a.json"), SourceKind::JsonLines);
        assert_eq!(file_kind("a.parquet"), SourceKind::Parquet);
        assert_eq!(file_kind("A.PARQUET"), SourceKind::Parquet);
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
        let (docs, issues) = read_all(&sources, &InputConfig::default()).unwrap();
        assert!(issues.is_empty());
        let ids: Vec<_> = docs.iter().map(|d| d.id.clone()).collect();
        let base = dir.path().display().to_string();
        assert_eq!(
            ids,
            [
                format!("{base}/b.txt"),
                "1".to_string(),
                format!("{base}/c.jsonl:3"),
                format!("{base}/sub/a.txt"),
            ]
        );
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
        let (docs, issues) = read_all(&sources, &InputConfig::default()).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].text, "b");
        assert_eq!(docs[1].id, "4");
        assert_eq!(issues.len(), 2);
        assert_eq!(issues[0].line, Some(2));
        assert!(issues[0].to_string().contains("d.jsonl:2: malformed JSON"));
        let utf8 = InputConfig {
            encoding: "utf-8".parse().unwrap(),
            ..InputConfig::default()
        };
        let (_, issues) = read_all(&sources, &utf8).unwrap();
        assert_eq!(issues[1].kind, IssueKind::InvalidUtf8);
    }

    fn ids(sources: &Sources) -> Vec<String> {
        let (docs, issues) = read_all(sources, &InputConfig::default()).unwrap();
        assert!(issues.is_empty(), "{issues:?}");
        docs.into_iter().map(|d| d.id).collect()
    }

    #[test]
    fn bom_in_jsonl_file_keeps_first_record() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.jsonl");
        fs::write(
            &p,
            b"\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"}\n",
        )
        .unwrap();
        let sources = Sources::discover(&[p]).unwrap();
        assert_eq!(ids(&sources), ["a", "b"]);
        let raw: Vec<_> = sources.records().map(|r| r.unwrap().bytes).collect();
        assert_eq!(
            raw[0], br#"{"id":"a","text":"x"}"#,
            "the BOM is not part of the record"
        );
    }

    #[test]
    fn bom_inside_concatenated_jsonl_keeps_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.jsonl");
        fs::write(
            &p,
            b"{\"id\":\"a\",\"text\":\"x\"}\n\xEF\xBB\xBF{\"id\":\"b\",\"text\":\"y\"}\n",
        )
        .unwrap();
        assert_eq!(ids(&Sources::discover(&[p]).unwrap()), ["a", "b"]);
    }

    #[test]
    fn bom_before_jsonl_on_a_stream_is_still_sniffed_as_jsonl() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("stream");
        fs::write(&p, b"\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"x\"}\n").unwrap();
        let sources = Sources::from_list(vec![Source::file(&p, "<stdin>", SourceKind::Sniff)]);
        assert_eq!(ids(&sources), ["a"]);
    }

    #[test]
    fn bom_in_text_file_is_not_part_of_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        fs::write(&p, b"\xEF\xBB\xBFHello").unwrap();
        let (docs, _) =
            read_all(&Sources::discover(&[p]).unwrap(), &InputConfig::default()).unwrap();
        assert_eq!(docs[0].text, "Hello");
    }

    #[test]
    fn cr_only_line_ends_split_jsonl_records() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.jsonl");
        fs::write(
            &p,
            "{\"text\":\"a\"}\r{\"text\":\"b\"}\r\n{\"text\":\"c\"}\n\r{\"text\":\"d\"}",
        )
        .unwrap();
        let sources = Sources::discover(&[p]).unwrap();
        let lines: Vec<u64> = sources.records().map(|r| r.unwrap().origin.line).collect();
        assert_eq!(
            lines,
            [1, 2, 3, 5],
            "\\r\\n is one line end, a lone \\r another"
        );
        assert_eq!(ids(&sources), ["1", "2", "3", "5"]);
    }

    #[test]
    fn gzip_followed_by_garbage_keeps_last_record_then_reports() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"{\"text\":\"a\"}\n{\"text\":\"b\"}")
            .unwrap();
        let mut gz = enc.finish().unwrap();
        gz.extend_from_slice(b"\x00garbage");
        fs::write(&p, gz).unwrap();
        let (docs, issues) =
            read_all(&Sources::discover(&[p]).unwrap(), &InputConfig::default()).unwrap();
        assert_eq!(
            docs.iter().map(|d| d.text.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].kind, IssueKind::TrailingGarbage);
    }

    #[test]
    fn gzip_text_file_followed_by_garbage_keeps_the_text_then_reports() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"whole text").unwrap();
        let mut gz = enc.finish().unwrap();
        gz.extend_from_slice(b"junk");
        fs::write(&p, gz).unwrap();
        let (docs, issues) =
            read_all(&Sources::discover(&[p]).unwrap(), &InputConfig::default()).unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].text, "whole text");
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].kind, IssueKind::TrailingGarbage);
        assert_eq!(issues[0].line, None);
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_file_names_keep_distinct_ids() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        for name in [&b"a\xe9.txt"[..], b"a\xe8.txt"] {
            fs::write(dir.path().join(OsStr::from_bytes(name)), "x").unwrap();
        }
        let sources = Sources::discover(&[dir.path().to_path_buf()]).unwrap();
        let ids = ids(&sources);
        let base = dir.path().display().to_string();
        assert_eq!(
            ids,
            [format!("{base}/a\\xE8.txt"), format!("{base}/a\\xE9.txt")]
        );
    }

    #[test]
    fn folder_ids_keep_the_folder_as_named_so_they_do_not_collide() {
        let dir = tempfile::tempdir().unwrap();
        for day in ["day1", "day2"] {
            fs::create_dir(dir.path().join(day)).unwrap();
            fs::write(dir.path().join(day).join("article1.txt"), day).unwrap();
        }
        let base = dir.path().display().to_string();
        let args = [
            PathBuf::from(format!("{base}/day1/")),
            PathBuf::from(format!("{base}/day2")),
        ];
        let sources = Sources::discover(&args).unwrap();
        assert_eq!(
            ids(&sources),
            [
                format!("{base}/day1/article1.txt"),
                format!("{base}/day2/article1.txt")
            ]
        );
        assert_eq!(joined_display(Path::new("/"), Path::new("a.txt")), "/a.txt");
        assert_eq!(
            joined_display(Path::new("."), Path::new("s/a.txt")),
            "./s/a.txt"
        );
    }

    fn folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        for name in [
            "a.txt",
            "b.md",
            "c.jsonl",
            "d.txt.gz",
            "e.json",
            "sub/f.text",
            "g",
        ] {
            let text: &[u8] = if name.ends_with("jsonl") {
                b"{\"text\":\"x\"}\n"
            } else {
                b"x"
            };
            fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    fn names(sources: &Sources) -> Vec<String> {
        sources
            .list()
            .iter()
            .map(|s| s.display.rsplit('/').next().unwrap().to_string())
            .collect()
    }

    #[test]
    fn folders_read_only_document_types_and_count_the_rest() {
        let dir = folder();
        let sources = Sources::discover(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(
            names(&sources),
            ["a.txt", "b.md", "c.jsonl", "d.txt.gz", "f.text"]
        );
        let passed: Vec<_> = sources
            .passed_over()
            .iter()
            .map(|(k, n)| (k.as_str(), *n))
            .collect();
        assert_eq!(passed, [("(none)", 1), (".json", 1)]);
        // Named directly, any file is read.
        let named = Sources::discover(&[dir.path().join("e.json")]).unwrap();
        assert_eq!(named.list().len(), 1);
    }

    #[test]
    fn glob_and_type_choose_folder_files() {
        let dir = folder();
        let arg = [dir.path().to_path_buf()];
        let pick = |globs: &[&str], types: &[FileType]| {
            let selection = Selection {
                globs: globs.iter().map(|g| g.to_string()).collect(),
                types: types.to_vec(),
            };
            names(&Sources::discover_with(&arg, &selection).unwrap())
        };
        assert_eq!(pick(&[], &[FileType::Txt]), ["a.txt", "d.txt.gz", "f.text"]);
        assert_eq!(pick(&["!sub/**"], &[FileType::Txt]), ["a.txt", "d.txt.gz"]);
        assert_eq!(pick(&["*.json", "g"], &[]), ["e.json", "g"]);
        assert_eq!(
            pick(&["f*"], &[]),
            ["f.text"],
            "a glob without / matches names at any depth"
        );
        assert_eq!(pick(&["/f*"], &[]), Vec::<String>::new());
        assert_eq!(pick(&["sub/*"], &[FileType::Md]), Vec::<String>::new());
        assert!(Sources::discover_with(
            &arg,
            &Selection {
                globs: vec!["a[".into()],
                types: vec![]
            }
        )
        .is_err());
    }

    #[cfg(unix)]
    #[test]
    fn bad_directory_entries_are_issues_and_reading_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "a").unwrap();
        std::os::unix::fs::symlink("nowhere.txt", dir.path().join("b.txt")).unwrap();
        std::os::unix::fs::symlink(".", dir.path().join("c")).unwrap();
        fs::write(dir.path().join("d.txt"), "d").unwrap();
        let sources = Sources::discover(&[dir.path().to_path_buf()]).unwrap();
        let (docs, issues) = read_all(&sources, &InputConfig::default()).unwrap();
        assert_eq!(
            docs.iter().map(|d| d.text.as_str()).collect::<Vec<_>>(),
            ["a", "d"]
        );
        let kinds: Vec<_> = issues.iter().map(|i| i.to_string()).collect();
        assert_eq!(issues.len(), 2, "{kinds:?}");
        assert!(
            kinds[0].ends_with("b.txt: cannot follow directory entry: dangling symbolic link"),
            "{kinds:?}"
        );
        assert!(kinds[1].contains("symbolic link loop"), "{kinds:?}");
    }

    #[cfg(unix)]
    fn mkfifo(path: &Path) {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[cfg(unix)]
    #[test]
    fn fifo_in_folder_is_passed_over_and_named_fifo_is_spooled() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "a").unwrap();
        let fifo = dir.path().join("p.jsonl");
        mkfifo(&fifo);
        let sources = Sources::discover(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(names(&sources), ["a.txt"]);
        assert_eq!(sources.passed_over().get("fifo"), Some(&1));

        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::write(fifo, "{\"id\":\"x\",\"text\":\"t\"}\n").unwrap())
        };
        let sources = Sources::discover(std::slice::from_ref(&fifo)).unwrap();
        writer.join().unwrap();
        assert_eq!(ids(&sources), ["x"]);
        assert_eq!(ids(&sources), ["x"], "a spooled input reads the same twice");
    }

    #[cfg(unix)]
    #[test]
    fn named_fifo_with_a_text_name_is_one_text_document() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("p.txt");
        mkfifo(&fifo);
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::write(fifo, "{\"looks\": \"like json\"}\n").unwrap())
        };
        let sources = Sources::discover(std::slice::from_ref(&fifo)).unwrap();
        writer.join().unwrap();
        let (docs, issues) = read_all(&sources, &InputConfig::default()).unwrap();
        assert!(issues.is_empty());
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].text, "{\"looks\": \"like json\"}\n");
    }

    #[test]
    fn missing_path_is_fatal() {
        assert!(Sources::discover(&[PathBuf::from("/no/such/reprint/input")]).is_err());
    }

    #[test]
    fn in_memory_bytes_read_as_the_same_bytes_in_a_file() {
        let bytes: &[u8] =
            b"\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"x\"}\n{oops\n\n{\"text\":\"y\"}\r\n{\"id\":7}\n";
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.jsonl");
        fs::write(&p, bytes).unwrap();
        let from_file =
            Sources::from_list(vec![Source::file(&p, "<records>", SourceKind::JsonLines)]);
        let in_memory = Sources::from_list(vec![Source::in_memory(
            bytes.to_vec(),
            "<records>",
            SourceKind::JsonLines,
        )]);
        assert_eq!(in_memory.total_bytes(), bytes.len() as u64);
        let config = InputConfig::default();
        let (file_docs, file_issues) = read_all(&from_file, &config).unwrap();
        let (docs, issues) = read_all(&in_memory, &config).unwrap();
        let summary = |docs: &[Document]| {
            docs.iter()
                .map(|d| (d.id.clone(), d.text.clone(), d.origin.line))
                .collect::<Vec<_>>()
        };
        assert_eq!(summary(&docs), summary(&file_docs));
        assert_eq!(
            summary(&docs),
            [("a".into(), "x".into(), 1), ("4".into(), "y".into(), 4)]
        );
        let messages =
            |issues: &[InputIssue]| issues.iter().map(|i| i.to_string()).collect::<Vec<_>>();
        assert_eq!(messages(&issues), messages(&file_issues));
        assert_eq!(issues.len(), 2);
        assert!(
            issues[0]
                .to_string()
                .starts_with("<records>:2: malformed JSON"),
            "{issues:?}"
        );
        assert_eq!(issues[1].line, Some(5));
        assert_eq!(issues[1].kind, IssueKind::MissingText("text".into()));
        let (again, _) = read_all(&in_memory, &config).unwrap();
        assert_eq!(
            summary(&again),
            summary(&docs),
            "an in-memory source reads the same twice"
        );
        assert!(format!("{:?}", in_memory.list()[0])
            .contains(&format!("InMemory({} bytes)", bytes.len())));
    }

    #[test]
    fn in_memory_compressed_and_text_and_parquet() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"{\"text\":\"a\"}\n{\"text\":\"b\"}")
            .unwrap();
        let gz = enc.finish().unwrap();
        let sources = Sources::from_list(vec![
            Source::in_memory(gz, "gz", SourceKind::JsonLines),
            Source::in_memory(&b"{\"a whole\": \"text\"}"[..], "whole", SourceKind::Text),
            Source::in_memory(&b"PAR1"[..], "table", SourceKind::Parquet),
        ]);
        let (docs, issues) = read_all(&sources, &InputConfig::default()).unwrap();
        let ids: Vec<_> = docs
            .iter()
            .map(|d| (d.id.as_str(), d.text.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                ("gz:1", "a"),
                ("gz:2", "b"),
                ("whole", "{\"a whole\": \"text\"}")
            ]
        );
        assert_eq!(issues.len(), 1);
        assert!(issues[0].to_string().starts_with("table: "), "{issues:?}");
        assert!(matches!(issues[0].kind, IssueKind::Unreadable(_)));
    }

    #[test]
    fn in_memory_parquet_reads_as_the_file_of_those_bytes() {
        use arrow_array::{RecordBatch, StringArray};
        use std::sync::Arc;
        let batch = RecordBatch::try_from_iter([
            (
                "id",
                Arc::new(StringArray::from(vec!["a", "b"])) as arrow_array::ArrayRef,
            ),
            (
                "text",
                Arc::new(StringArray::from(vec![Some("first"), None])) as _,
            ),
        ])
        .unwrap();
        let mut bytes = Vec::new();
        let mut w =
            ::parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        fs::write(&path, &bytes).unwrap();
        let from_memory =
            Sources::from_list(vec![Source::in_memory(bytes, "t", SourceKind::Parquet)]);
        let from_file = Sources::discover(&[path]).unwrap();
        let lines = |s: &Sources| -> Vec<(u64, Vec<u8>)> {
            s.records()
                .map(|r| r.unwrap())
                .map(|r| (r.origin.line, r.bytes))
                .collect()
        };
        assert_eq!(lines(&from_memory), lines(&from_file));
        let (docs, issues) = read_all(&from_memory, &InputConfig::default()).unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!((docs[0].id.as_str(), docs[0].text.as_str()), ("a", "first"));
        assert_eq!(issues.len(), 1, "the row without a text: {issues:?}");
        assert!(issues[0].to_string().starts_with("t:2: "), "{issues:?}");
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
