//! The documents of a scan: held in memory, or kept in a work folder's text store and
//! read by document number when a stage or a report needs their text.
//!
//! A text store (`store/texts.bin`) is a 16-byte header (the magic `RPRTTEXT`, a
//! little-endian `u32` format version and four zero bytes) followed by every
//! document's UTF-8 text, one after another in document order. Where each text starts,
//! its length and its xxh3-64 checksum are in the documents table beside it
//! (`store/documents.parquet`, see `docs/STAGES.md`), so that any tool can cut the
//! texts out, and every read here is checked against its checksum.
//!
//! Texts are read with positioned reads rather than memory-mapped: a mapped page
//! that has been read counts in the process's resident memory until the kernel
//! needs it back, which a scan of a whole collection would fill with the whole text.

use crate::document::{DocDate, Document, Span};
use crate::error::{Error, Result};
use crate::table::FileDigest;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The first bytes of a text store.
pub const TEXT_STORE_MAGIC: &[u8; 8] = b"RPRTTEXT";
/// The text store format this build writes and reads.
pub const TEXT_STORE_VERSION: u32 = 1;
/// Bytes before the first text.
pub const TEXT_STORE_HEADER: u64 = 16;

/// Where one text lies in a text store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredText {
    /// Byte offset of its first byte in the store file.
    pub offset: u64,
    /// Its length in bytes.
    pub bytes: u64,
    /// xxh3-64 of its bytes.
    pub xxh3: u64,
}

/// Writes texts one after another into a text store that appears at its path only
/// when [`TextStoreWriter::finish`] succeeds.
pub struct TextStoreWriter {
    path: PathBuf,
    out: BufWriter<tempfile::NamedTempFile>,
    offset: u64,
}

impl TextStoreWriter {
    /// Starts a store at `path` (written beside it first).
    pub fn create(path: &Path) -> Result<TextStoreWriter> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".reprint-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, e))?;
        let mut out = BufWriter::with_capacity(1 << 20, tmp);
        let mut header = [0u8; TEXT_STORE_HEADER as usize];
        header[..8].copy_from_slice(TEXT_STORE_MAGIC);
        header[8..12].copy_from_slice(&TEXT_STORE_VERSION.to_le_bytes());
        out.write_all(&header).map_err(|e| Error::io(path, e))?;
        Ok(TextStoreWriter {
            path: path.to_path_buf(),
            out,
            offset: TEXT_STORE_HEADER,
        })
    }

    /// Appends a text and says where it went.
    pub fn push(&mut self, text: &str) -> Result<StoredText> {
        self.out
            .write_all(text.as_bytes())
            .map_err(|e| Error::io(&self.path, e))?;
        let stored = StoredText {
            offset: self.offset,
            bytes: text.len() as u64,
            xxh3: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
        };
        self.offset += text.len() as u64;
        Ok(stored)
    }

    /// Closes the store, syncs it, renames it into place and returns its digest.
    pub fn finish(self) -> Result<FileDigest> {
        let path = self.path;
        let tmp = self
            .out
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        tmp.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
        tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        FileDigest::of(&path)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        let n = file.seek_read(&mut buf[done..], offset + done as u64)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        done += n;
    }
    Ok(())
}

/// A text store open for reading, with where each document's text lies.
#[derive(Debug)]
pub struct TextStore {
    path: PathBuf,
    file: File,
    texts: Vec<StoredText>,
}

impl TextStore {
    /// Opens the store at `path` holding `texts` (in document order), checking its
    /// header and that the file holds every text.
    pub fn open(path: &Path, texts: Vec<StoredText>) -> Result<TextStore> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut header = [0u8; TEXT_STORE_HEADER as usize];
        let corrupt = |message: String| Error::Corrupt {
            path: path.to_path_buf(),
            message,
        };
        file.read_exact(&mut header)
            .map_err(|_| corrupt("too short for a text store".into()))?;
        if &header[..8] != TEXT_STORE_MAGIC {
            return Err(corrupt("not a reprint text store".into()));
        }
        let version = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
        if version != TEXT_STORE_VERSION {
            return Err(Error::Incompatible {
                path: path.to_path_buf(),
                message: format!(
                    "text store version {version} (this build reads version {TEXT_STORE_VERSION})"
                ),
            });
        }
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let mut expected = TEXT_STORE_HEADER;
        for t in &texts {
            if t.offset != expected {
                return Err(corrupt(format!(
                    "the documents table places a text at byte {} where {expected} was expected",
                    t.offset
                )));
            }
            expected += t.bytes;
        }
        if size != expected {
            return Err(corrupt(format!(
                "{size} bytes where the documents table accounts for {expected}"
            )));
        }
        Ok(TextStore {
            path: path.to_path_buf(),
            file,
            texts,
        })
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// True when the store holds no text.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// The length of document `d`'s text in bytes.
    pub fn bytes(&self, d: usize) -> u64 {
        self.texts.get(d).map_or(0, |t| t.bytes)
    }

    fn check(&self, d: usize, bytes: Vec<u8>) -> Result<String> {
        let stored = self.texts[d];
        if xxhash_rust::xxh3::xxh3_64(&bytes) != stored.xxh3 {
            return Err(Error::Corrupt {
                path: self.path.clone(),
                message: format!(
                    "the text of document {d} (bytes {}..{}) does not match its checksum",
                    stored.offset,
                    stored.offset + stored.bytes
                ),
            });
        }
        String::from_utf8(bytes).map_err(|_| Error::Corrupt {
            path: self.path.clone(),
            message: format!("the text of document {d} is not UTF-8"),
        })
    }

    fn out_of_range(&self, d: usize) -> Error {
        Error::Corrupt {
            path: self.path.clone(),
            message: format!(
                "document {d} asked for; the store holds {} texts",
                self.texts.len()
            ),
        }
    }

    /// Reads document `d`'s text.
    pub fn read(&self, d: usize) -> Result<String> {
        let stored = *self.texts.get(d).ok_or_else(|| self.out_of_range(d))?;
        let mut bytes = vec![0u8; stored.bytes as usize];
        read_at(&self.file, &mut bytes, stored.offset).map_err(|e| Error::io(&self.path, e))?;
        self.check(d, bytes)
    }

    /// Reads the texts of documents `range` (which lie one after another) with one
    /// read.
    pub fn read_range(&self, range: Range<usize>) -> Result<Vec<String>> {
        if range.is_empty() {
            return Ok(Vec::new());
        }
        if range.end > self.texts.len() {
            return Err(self.out_of_range(range.end - 1));
        }
        let first = self.texts[range.start].offset;
        let last = self.texts[range.end - 1];
        let mut all = vec![0u8; (last.offset + last.bytes - first) as usize];
        read_at(&self.file, &mut all, first).map_err(|e| Error::io(&self.path, e))?;
        range
            .map(|d| {
                let t = self.texts[d];
                let at = (t.offset - first) as usize;
                self.check(d, all[at..at + t.bytes as usize].to_vec())
            })
            .collect()
    }
}

/// What a stored scan keeps in memory of each document besides its text (which
/// stays in the store).
#[derive(Debug)]
pub(crate) struct StoredDocuments {
    pub(crate) store: TextStore,
    /// Every id, one after another.
    pub(crate) ids: String,
    /// End of each id in `ids`.
    pub(crate) id_ends: Vec<u64>,
    /// Each document's date, when the scan read a date field (empty otherwise).
    pub(crate) dates: Vec<Option<DocDate>>,
    /// `(document, encoding)` of the documents decoded from another encoding, sorted.
    pub(crate) encodings: Vec<(u32, &'static str)>,
    /// Each document's outlet as a number into `outlet_names`, when the scan read
    /// outlets (empty otherwise).
    pub(crate) outlets: Vec<Option<u32>>,
    /// The distinct outlet names, in order of first appearance.
    pub(crate) outlet_names: Vec<String>,
}

/// Documents gathered from a distributed engine: every document's metadata, and the
/// text of only those a report quotes.
#[derive(Debug)]
struct GatheredDocuments {
    /// Every document (the text empty where it was not gathered).
    docs: Vec<Document>,
    /// Each document's text length in bytes.
    bytes: Vec<usize>,
    /// Which documents' texts were gathered.
    has_text: bitvec::vec::BitVec,
}

#[derive(Debug)]
enum Inner {
    Memory(Vec<Document>),
    Stored(Box<StoredDocuments>),
    Gathered(Box<GatheredDocuments>),
}

/// The documents of a scan, in input order, by document number (the `doc` of an
/// [`Occurrence`](crate::scan::Occurrence)).
#[derive(Debug)]
pub struct ScanDocuments(Inner);

impl ScanDocuments {
    /// Documents held in memory.
    pub fn in_memory(documents: Vec<Document>) -> ScanDocuments {
        ScanDocuments(Inner::Memory(documents))
    }

    /// Documents gathered from an engine's tasks: `docs` are every document by number
    /// with its metadata, its text only where `has_text` is set (empty elsewhere), and
    /// `bytes` each text's length. A report that quotes a document whose text was not
    /// gathered fails with an error naming it, so a driver that gathered too little
    /// never writes a wrong report.
    pub fn gathered(
        docs: Vec<Document>,
        bytes: Vec<usize>,
        has_text: bitvec::vec::BitVec,
    ) -> Result<ScanDocuments> {
        if bytes.len() != docs.len() || has_text.len() != docs.len() {
            return Err(Error::Config(format!(
                "{} documents with {} lengths and {} text flags",
                docs.len(),
                bytes.len(),
                has_text.len()
            )));
        }
        for (d, doc) in docs.iter().enumerate() {
            if has_text[d] && doc.text.len() != bytes[d] {
                return Err(Error::Config(format!(
                    "document {d} ({}): a text of {} bytes where {} were counted",
                    doc.id,
                    doc.text.len(),
                    bytes[d]
                )));
            }
        }
        Ok(ScanDocuments(Inner::Gathered(Box::new(
            GatheredDocuments {
                docs,
                bytes,
                has_text,
            },
        ))))
    }

    pub(crate) fn stored(documents: StoredDocuments) -> ScanDocuments {
        ScanDocuments(Inner::Stored(Box::new(documents)))
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        match &self.0 {
            Inner::Memory(d) => d.len(),
            Inner::Stored(s) => s.store.len(),
            Inner::Gathered(g) => g.docs.len(),
        }
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The documents themselves, when they are held in memory.
    pub fn as_slice(&self) -> Option<&[Document]> {
        match &self.0 {
            Inner::Memory(d) => Some(d),
            Inner::Stored(_) | Inner::Gathered(_) => None,
        }
    }

    /// Document `d`'s id.
    pub fn id(&self, d: usize) -> &str {
        match &self.0 {
            Inner::Memory(docs) => docs.get(d).map_or("", |doc| doc.id.as_str()),
            Inner::Gathered(g) => g.docs.get(d).map_or("", |doc| doc.id.as_str()),
            Inner::Stored(s) => {
                let start = if d == 0 {
                    0
                } else {
                    s.id_ends.get(d - 1).copied().unwrap_or(0) as usize
                };
                let end = s.id_ends.get(d).copied().unwrap_or(0) as usize;
                s.ids.get(start..end).unwrap_or("")
            }
        }
    }

    /// The length of document `d`'s text in bytes.
    pub fn bytes(&self, d: usize) -> usize {
        match &self.0 {
            Inner::Memory(docs) => docs.get(d).map_or(0, |doc| doc.text.len()),
            Inner::Stored(s) => s.store.bytes(d) as usize,
            Inner::Gathered(g) => g.bytes.get(d).copied().unwrap_or(0),
        }
    }

    /// Document `d`'s parsed date.
    pub fn date(&self, d: usize) -> Option<&DocDate> {
        match &self.0 {
            Inner::Memory(docs) => docs.get(d).and_then(|doc| doc.date.as_ref()),
            Inner::Gathered(g) => g.docs.get(d).and_then(|doc| doc.date.as_ref()),
            Inner::Stored(s) => s.dates.get(d).and_then(Option::as_ref),
        }
    }

    /// Document `d`'s outlet (`--source-field`, `--source-from-folder`), when known.
    pub fn outlet(&self, d: usize) -> Option<&str> {
        match &self.0 {
            Inner::Memory(docs) => docs.get(d).and_then(|doc| doc.outlet.as_deref()),
            Inner::Gathered(g) => g.docs.get(d).and_then(|doc| doc.outlet.as_deref()),
            Inner::Stored(s) => s
                .outlets
                .get(d)
                .copied()
                .flatten()
                .and_then(|n| s.outlet_names.get(n as usize))
                .map(String::as_str),
        }
    }

    /// The encoding document `d` was decoded from, when it was not UTF-8.
    pub fn encoding(&self, d: usize) -> Option<&'static str> {
        match &self.0 {
            Inner::Memory(docs) => docs.get(d).and_then(|doc| doc.encoding),
            Inner::Gathered(g) => g.docs.get(d).and_then(|doc| doc.encoding),
            Inner::Stored(s) => s
                .encodings
                .binary_search_by_key(&(d as u32), |e| e.0)
                .ok()
                .map(|i| s.encodings[i].1),
        }
    }

    /// Document `d`'s whole text (borrowed when in memory, read from the store
    /// otherwise).
    pub fn text(&self, d: usize) -> Result<Cow<'_, str>> {
        match &self.0 {
            Inner::Memory(docs) => docs
                .get(d)
                .map(|doc| Cow::Borrowed(doc.text.as_str()))
                .ok_or_else(|| Error::Config(format!("no document {d} in this scan"))),
            Inner::Stored(s) => s.store.read(d).map(Cow::Owned),
            Inner::Gathered(g) => match g.docs.get(d) {
                Some(doc) if g.has_text[d] => Ok(Cow::Borrowed(doc.text.as_str())),
                Some(doc) => Err(Error::Config(format!(
                    "the text of document {d} ({}) was not gathered for the report",
                    doc.id
                ))),
                None => Err(Error::Config(format!("no document {d} in this scan"))),
            },
        }
    }

    /// The text of `span` in document `d`.
    pub fn quote(&self, d: usize, span: Span) -> Result<Cow<'_, str>> {
        let bad = || Error::Config(format!("span {span} is not in the text of document {d}"));
        match self.text(d)? {
            Cow::Borrowed(t) => t
                .get(span.start..span.end)
                .map(Cow::Borrowed)
                .ok_or_else(bad),
            Cow::Owned(t) => t
                .get(span.start..span.end)
                .map(|q| Cow::Owned(q.to_string()))
                .ok_or_else(bad),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_of(texts: &[&str]) -> (tempfile::TempDir, TextStore) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("texts.bin");
        let mut w = TextStoreWriter::create(&path).unwrap();
        let placed: Vec<StoredText> = texts.iter().map(|t| w.push(t).unwrap()).collect();
        w.finish().unwrap();
        let store = TextStore::open(&path, placed).unwrap();
        (dir, store)
    }

    #[test]
    fn text_store_reads_back_each_text_and_ranges() {
        let (_dir, store) = store_of(&["first", "", "dritte Straße"]);
        assert_eq!(store.read(0).unwrap(), "first");
        assert_eq!(store.read(1).unwrap(), "");
        assert_eq!(store.read(2).unwrap(), "dritte Straße");
        assert_eq!(store.read_range(1..3).unwrap(), ["", "dritte Straße"]);
        assert!(matches!(store.read(3), Err(Error::Corrupt { .. })));
    }

    #[test]
    fn damaged_text_store_byte_is_reported_as_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("texts.bin");
        let mut w = TextStoreWriter::create(&path).unwrap();
        let placed = vec![w.push("some text").unwrap()];
        w.finish().unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[TEXT_STORE_HEADER as usize + 2] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let store = TextStore::open(&path, placed.clone()).unwrap();
        let err = store.read(0).unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
        bytes[8] = 9;
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            TextStore::open(&path, placed.clone()),
            Err(Error::Incompatible { .. })
        ));
        std::fs::write(&path, b"not a store at all").unwrap();
        assert!(matches!(
            TextStore::open(&path, placed),
            Err(Error::Corrupt { .. })
        ));
    }

    #[test]
    fn truncated_text_store_is_refused_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("texts.bin");
        let mut w = TextStoreWriter::create(&path).unwrap();
        let placed = vec![w.push("some text").unwrap()];
        w.finish().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let err = TextStore::open(&path, placed).unwrap_err();
        assert!(err.to_string().contains("accounts for"), "{err}");
    }
}
