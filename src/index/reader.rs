//! Reading: the manifest names the live segments, each is memory-mapped, checked
//! once when opened, and then answers shingle lookups and document reads.

use super::format::{
    format_error, section, u32_at, u64_at, Footer, IndexParams, DOC_ENTRY_BYTES, FORMAT_VERSION,
};
use super::manifest::{segment_path, Manifest, SegmentEntry, MANIFEST_NAME};
use super::writer::bucket_of;
use crate::error::{Error, Result};
use bitvec::vec::BitVec;
use memmap2::Mmap;
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::xxh3_64;

/// The address of a stored document: segment position and local number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocRef {
    /// Position of the segment in the manifest.
    pub segment: u32,
    /// Number of the document inside its segment.
    pub local: u32,
}

/// A stored document, borrowed from the mapped segment.
#[derive(Debug, Clone, Copy)]
pub struct StoredDoc<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its full text.
    pub text: &'a str,
    /// Its number of word tokens.
    pub word_count: u32,
}

/// What the index knows about one shingle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// No archived document has it.
    Absent,
    /// This many archived documents have it (deleted ones included).
    Found(u32),
    /// More documents than the cap have it: a stock phrase or boilerplate.
    Saturated,
}

/// Figures about an index, for `reprint index stats`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IndexStats {
    /// Format version of the files.
    pub format_version: u32,
    /// Commits so far.
    pub generation: u64,
    /// Live documents.
    pub documents: u64,
    /// Deleted (replaced) documents still occupying space.
    pub deleted_documents: u64,
    /// Segment files.
    pub segments: usize,
    /// Bytes of stored text.
    pub text_bytes: u64,
    /// Distinct shingle keys summed over segments.
    pub keys: u64,
    /// Postings summed over segments.
    pub postings: u64,
    /// Bytes on disk (manifest and segments).
    pub size_bytes: u64,
    /// Engine parameters.
    pub params: IndexParams,
}

/// One open segment.
struct Segment {
    path: PathBuf,
    map: Mmap,
    footer: Footer,
    deleted: BitVec,
}

impl Segment {
    fn open(dir: &Path, entry: &SegmentEntry, params: &IndexParams) -> Result<Segment> {
        let path = segment_path(dir, &entry.name);
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        // SAFETY: segment files are immutable once renamed into place; writers only
        // ever create new files, and removal (after a newer manifest) keeps the
        // mapping valid on Unix.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(&path, e))?;
        let (footer, checksum) = Footer::decode_file(&map, &path)?;
        if checksum != entry.footer_checksum || footer.file_len != entry.file_len {
            return Err(format_error(&path, "segment does not match the manifest"));
        }
        if footer.doc_count != u64::from(entry.doc_count) {
            return Err(format_error(
                &path,
                "document count differs from the manifest",
            ));
        }
        let diff = footer.params.differences(params);
        if !diff.is_empty() {
            return Err(format_error(
                &path,
                format!("segment built with {}", diff.join(", ")),
            ));
        }
        let segment = Segment {
            path,
            map,
            footer,
            deleted: BitVec::new(),
        };
        for number in 1..footer_sections() {
            let s = segment.footer.sections[number];
            if xxh3_64(segment.section(number)) != s.checksum {
                return Err(format_error(
                    &segment.path,
                    format!("checksum mismatch in section {number}"),
                ));
            }
        }
        let mut deleted = BitVec::repeat(false, entry.doc_count as usize);
        for &d in &entry.deleted {
            deleted.set(d as usize, true);
        }
        Ok(Segment { deleted, ..segment })
    }

    fn section(&self, number: usize) -> &[u8] {
        let s = self.footer.sections[number];
        // Bounds were checked against the file length when the footer was decoded.
        &self.map[s.offset as usize..(s.offset + s.len) as usize]
    }

    fn damaged(&self, what: &str) -> Error {
        format_error(&self.path, format!("damaged segment: {what}"))
    }

    /// The range of postings of `key`, if the segment has the key.
    fn postings_of(&self, key: u64) -> Result<Option<Range<usize>>> {
        let bits = self.footer.bucket_bits;
        let buckets = self.section(section::BUCKETS);
        let keys = self.section(section::KEYS);
        let b = bucket_of(key, bits) as usize;
        let (Some(lo), Some(hi)) = (u32_at(buckets, b), u32_at(buckets, b + 1)) else {
            return Err(self.damaged("bucket table"));
        };
        let (mut lo, mut hi) = (lo as usize, hi as usize);
        if lo > hi || hi as u64 > self.footer.key_count {
            return Err(self.damaged("bucket table"));
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let k = u64_at(keys, mid).ok_or_else(|| self.damaged("keys"))?;
            match k.cmp(&key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let offsets = self.section(section::OFFSETS);
                    let (Some(a), Some(b)) = (u32_at(offsets, mid), u32_at(offsets, mid + 1))
                    else {
                        return Err(self.damaged("posting offsets"));
                    };
                    if a > b || u64::from(b) > self.footer.posting_count {
                        return Err(self.damaged("posting offsets"));
                    }
                    return Ok(Some(a as usize..b as usize));
                }
            }
        }
        Ok(None)
    }

    fn doc(&self, local: u32) -> Result<StoredDoc<'_>> {
        let docs = self.section(section::DOCS);
        let at = local as usize * DOC_ENTRY_BYTES;
        let entry = docs
            .get(at..at + DOC_ENTRY_BYTES)
            .ok_or_else(|| self.damaged("document number out of range"))?;
        let text_off = u64_at(entry, 0).unwrap_or(u64::MAX);
        let text_len = u32_at(entry, 2).unwrap_or(u32::MAX);
        let id_off = u32_at(entry, 3).unwrap_or(u32::MAX);
        let id_len = u32_at(entry, 4).unwrap_or(u32::MAX);
        let word_count = u32_at(entry, 5).unwrap_or(0);
        let text_sum = u64_at(entry, 3).unwrap_or(0);
        let texts = self.section(section::TEXTS);
        let ids = self.section(section::IDS);
        let text = usize::try_from(text_off)
            .ok()
            .and_then(|o| texts.get(o..o.checked_add(text_len as usize)?))
            .ok_or_else(|| self.damaged("text out of range"))?;
        if xxh3_64(text) != text_sum {
            return Err(self.damaged(&format!("checksum mismatch in text of document {local}")));
        }
        let id = ids
            .get(id_off as usize..(id_off as usize).saturating_add(id_len as usize))
            .ok_or_else(|| self.damaged("id out of range"))?;
        let text = std::str::from_utf8(text).map_err(|_| self.damaged("text is not UTF-8"))?;
        let id = std::str::from_utf8(id).map_err(|_| self.damaged("id is not UTF-8"))?;
        Ok(StoredDoc {
            id,
            text,
            word_count,
        })
    }
}

fn footer_sections() -> usize {
    super::format::SECTION_COUNT
}

/// An open, read-only index.
pub struct Index {
    dir: PathBuf,
    manifest: Manifest,
    segments: Vec<Segment>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("dir", &self.dir)
            .field("generation", &self.manifest.generation)
            .field("segments", &self.segments.len())
            .finish()
    }
}

impl Index {
    /// Opens the index at `dir`: reads the manifest and maps and checks every segment
    /// it names. A missing index, a damaged or truncated file, or a newer format is an
    /// [`Error::Format`] (or [`Error::Io`]) naming the file.
    pub fn open(dir: &Path) -> Result<Index> {
        let manifest = Manifest::load(dir)?.ok_or_else(|| {
            format_error(
                dir,
                format!(
                    "not a reprint index (no {MANIFEST_NAME}); create one with `reprint index add`"
                ),
            )
        })?;
        let segments = manifest
            .segments
            .iter()
            .map(|entry| Segment::open(dir, entry, &manifest.params))
            .collect::<Result<Vec<_>>>()?;
        Ok(Index {
            dir: dir.to_path_buf(),
            manifest,
            segments,
        })
    }

    /// The directory of the index.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The engine parameters the index was built with.
    pub fn params(&self) -> &IndexParams {
        &self.manifest.params
    }

    /// Checks that a query uses the index's parameters: articles must be hashed the
    /// way the archive was, otherwise lookups would silently find nothing.
    pub fn ensure_params(&self, query: &IndexParams) -> Result<()> {
        let diff = self.manifest.params.differences(query);
        if diff.is_empty() {
            Ok(())
        } else {
            Err(format_error(
                &self.dir,
                format!(
                    "index was built with {}; check with the index's parameters",
                    diff.join(", ")
                ),
            ))
        }
    }

    /// Number of live documents.
    pub fn doc_count(&self) -> u64 {
        self.segments
            .iter()
            .map(|s| s.footer.doc_count - s.deleted.count_ones() as u64)
            .sum()
    }

    /// Looks up a shingle: appends the live documents that have it to `out` (in
    /// segment, then document order) and says how common it is. A shingle over the
    /// document-frequency cap appends nothing.
    pub fn lookup(&self, key: u64, out: &mut Vec<DocRef>) -> Result<Lookup> {
        let start = out.len();
        let mut df: u64 = 0;
        for (number, segment) in self.segments.iter().enumerate() {
            let Some(range) = segment.postings_of(key)? else {
                continue;
            };
            if range.is_empty() {
                out.truncate(start);
                return Ok(Lookup::Saturated);
            }
            df += range.len() as u64;
            if df > u64::from(self.manifest.params.max_df) {
                out.truncate(start);
                return Ok(Lookup::Saturated);
            }
            let postings = segment.section(section::POSTINGS);
            for i in range {
                let local = u32_at(postings, i).ok_or_else(|| segment.damaged("postings"))?;
                match segment.deleted.get(local as usize) {
                    Some(deleted) if !*deleted => out.push(DocRef {
                        segment: number as u32,
                        local,
                    }),
                    Some(_) => {}
                    None => return Err(segment.damaged("posting names no document")),
                }
            }
        }
        Ok(if df == 0 {
            Lookup::Absent
        } else {
            Lookup::Found(df as u32)
        })
    }

    /// Reads a stored document, checking its text against its checksum.
    pub fn doc(&self, r: DocRef) -> Result<StoredDoc<'_>> {
        let segment = self
            .segments
            .get(r.segment as usize)
            .ok_or_else(|| format_error(&self.dir, "document reference out of range"))?;
        segment.doc(r.local)
    }

    /// Every live document in storage order.
    pub fn live_docs(&self) -> impl Iterator<Item = (DocRef, Result<StoredDoc<'_>>)> + '_ {
        self.segments
            .iter()
            .enumerate()
            .flat_map(|(number, segment)| {
                (0..segment.footer.doc_count as u32)
                    .filter(|&local| !segment.deleted[local as usize])
                    .map(move |local| {
                        (
                            DocRef {
                                segment: number as u32,
                                local,
                            },
                            segment.doc(local),
                        )
                    })
            })
    }

    /// Figures about the index.
    pub fn stats(&self) -> IndexStats {
        let manifest_bytes = std::fs::metadata(self.dir.join(MANIFEST_NAME))
            .map(|m| m.len())
            .unwrap_or(0);
        IndexStats {
            format_version: FORMAT_VERSION,
            generation: self.manifest.generation,
            documents: self.doc_count(),
            deleted_documents: self
                .segments
                .iter()
                .map(|s| s.deleted.count_ones() as u64)
                .sum(),
            segments: self.segments.len(),
            text_bytes: self
                .segments
                .iter()
                .map(|s| s.footer.sections[section::TEXTS].len)
                .sum(),
            keys: self.segments.iter().map(|s| s.footer.key_count).sum(),
            postings: self.segments.iter().map(|s| s.footer.posting_count).sum(),
            size_bytes: manifest_bytes
                + self.segments.iter().map(|s| s.footer.file_len).sum::<u64>(),
            params: self.manifest.params,
        }
    }
}
