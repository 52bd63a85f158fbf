//! Reading: the manifest names the live segments, each is memory-mapped, checked
//! once when opened, and then answers shingle lookups and document reads.

use super::format::{
    block_count, bucket_of, corrupt, incompatible, section, u32_at, u64_at, Footer, IndexParams,
    BLOCK_CHECKED_SECTIONS, CHECK_BLOCK_BYTES, DOC_ENTRY_BYTES, SEGMENT_VERSION,
};
use super::manifest::{
    is_segment_name, repair_hint, segment_path, Manifest, SegmentEntry, MANIFEST_NAME,
};
use crate::error::{Error, Result};
use bitvec::vec::BitVec;
use memmap2::Mmap;
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
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
    /// xxh3-64 of its text, as stored (tells identical texts apart cheaply).
    pub text_hash: u64,
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
    /// Segment format version this build writes.
    pub format_version: u32,
    /// Segments of an older format version (read as they are; checked whole when
    /// opened, so `check` maps all of them; `reprint index compact --all` rewrites
    /// them in the current format).
    pub old_format_segments: usize,
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
pub(super) struct Segment {
    path: PathBuf,
    /// The file, for the positioned reads of lookups (see [`Segment::read_checked`]).
    file: File,
    map: Mmap,
    footer: Footer,
    deleted: BitVec,
    /// Version 2: the block checksums of the index sections, checked on first use.
    blocks: Option<Blocks>,
}

/// The block table (S7) of a version 2 segment and which blocks have been checked.
struct Blocks {
    /// The block checksums, read from the table when the segment was opened.
    sums: Vec<u64>,
    /// Number of the first block of each of [`BLOCK_CHECKED_SECTIONS`] in the table.
    first: [usize; 4],
    /// One bit per block: checked against its checksum already.
    checked: Vec<AtomicU64>,
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
            return Err(corrupt(&path, "segment does not match the manifest"));
        }
        if footer.doc_count != u64::from(entry.doc_count) {
            return Err(corrupt(&path, "document count differs from the manifest"));
        }
        let diff = footer.params.differences(params);
        if !diff.is_empty() {
            return Err(incompatible(
                &path,
                format!("segment built with {}", diff.join(", ")),
            ));
        }
        let mut segment = Segment::check_sections(path, file, map, footer, false)?;
        if segment.blocks.is_none() {
            // A version 1 segment was just read whole: give those pages back.
            segment.release();
        }
        let mut deleted = BitVec::repeat(false, entry.doc_count as usize);
        for &d in &entry.deleted {
            deleted.set(d as usize, true);
        }
        segment.deleted = deleted;
        Ok(segment)
    }

    /// Maps and checks a segment file on its own, without a manifest: header, footer,
    /// the checksums of S1..S6 and every block checksum (`verify` and `repair` use it).
    /// Returns the segment and its footer checksum.
    pub(super) fn open_file(path: &Path) -> Result<(Segment, u64)> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        // SAFETY: as in `open`; a segment file is never modified in place.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        let (footer, checksum) = Footer::decode_file(&map, path)?;
        let mut segment = Segment::check_sections(path.to_path_buf(), file, map, footer, true)?;
        segment.deleted = BitVec::repeat(false, segment.footer.doc_count as usize);
        Ok((segment, checksum))
    }

    /// Checks the sections a reader trusts from the start. A version 1 segment has
    /// one checksum per section, so S1..S6 are read whole. A version 2 segment has
    /// block checksums for the index sections (S3..S6, the bulk after the texts):
    /// opening checks only the ids, the document table and the block table, and
    /// each block is checked the first time a lookup touches it, so that opening is
    /// fast and a process maps only the pages it uses. `full` checks everything.
    fn check_sections(
        path: PathBuf,
        file: File,
        map: Mmap,
        footer: Footer,
        full: bool,
    ) -> Result<Segment> {
        let mut segment = Segment {
            path,
            file,
            map,
            footer,
            deleted: BitVec::new(),
            blocks: None,
        };
        let whole: &[usize] = match segment.footer.block_table() {
            Some(table) => {
                // Bounds were checked when the footer was decoded.
                let bytes = &segment.map[table.start as usize..table.end as usize];
                let (sums, seal) = bytes.split_at(bytes.len() - 8);
                if u64_at(seal, 0) != Some(xxh3_64(sums)) {
                    return Err(corrupt(
                        &segment.path,
                        "checksum mismatch in the block checksum table",
                    ));
                }
                let mut first = [0usize; 4];
                let mut total = 0usize;
                for (i, &number) in BLOCK_CHECKED_SECTIONS.iter().enumerate() {
                    first[i] = total;
                    total += block_count(segment.footer.sections[number].len) as usize;
                }
                let sums = sums
                    .chunks_exact(8)
                    .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
                    .collect();
                segment.blocks = Some(Blocks {
                    sums,
                    first,
                    checked: (0..total.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
                });
                if full {
                    &[1, 2, 3, 4, 5, 6]
                } else {
                    &[section::IDS, section::DOCS]
                }
            }
            None => &[1, 2, 3, 4, 5, 6],
        };
        for &number in whole {
            let s = segment.footer.sections[number];
            if xxh3_64(segment.section(number)) != s.checksum {
                return Err(corrupt(
                    &segment.path,
                    format!("checksum mismatch in section {number}"),
                ));
            }
        }
        if full && segment.blocks.is_some() {
            for number in BLOCK_CHECKED_SECTIONS {
                let len = segment.section(number).len();
                segment.checked(number, 0..len)?;
            }
        }
        Ok(segment)
    }

    /// Drops this process's mapping of the pages of the segment (see
    /// [`Index::release_pages`]).
    fn release(&self) {
        #[cfg(unix)]
        // SAFETY: MADV_DONTNEED on a read-only shared file mapping only drops
        // page-table entries: the next access faults the very same bytes back in
        // from the file, which is never modified (segments are immutable, and a
        // deleted file lives on while mapped). Borrowed slices stay valid.
        let _ = unsafe {
            self.map
                .unchecked_advise(memmap2::UncheckedAdvice::DontNeed)
        };
    }

    /// Checks the index sections S3..S6 whole (compaction reads them all).
    pub(super) fn check_index_sections(&self) -> Result<()> {
        for number in BLOCK_CHECKED_SECTIONS {
            let s = self.footer.sections[number];
            if xxh3_64(self.section(number)) != s.checksum {
                return Err(corrupt(
                    &self.path,
                    format!("checksum mismatch in section {number}"),
                ));
            }
        }
        Ok(())
    }

    /// Checks the blocks of section `number` that the non-empty `range` lies in against
    /// the block table, once per block (version 2; other sections and version 1 pass).
    /// `hash_of(start, end)` gives the xxh3 of a block's bytes, from the map or a read.
    fn check_blocks(
        &self,
        number: usize,
        range: &Range<usize>,
        mut hash_of: impl FnMut(usize, usize) -> Result<u64>,
    ) -> Result<()> {
        let which = BLOCK_CHECKED_SECTIONS.iter().position(|&s| s == number);
        let (Some(blocks), Some(which), false) = (&self.blocks, which, range.is_empty()) else {
            return Ok(());
        };
        let len = self.footer.sections[number].len as usize;
        for block in range.start / CHECK_BLOCK_BYTES..=(range.end - 1) / CHECK_BLOCK_BYTES {
            let n = blocks.first[which] + block;
            let (word, bit) = (&blocks.checked[n / 64], 1u64 << (n % 64));
            if word.load(AtomicOrdering::Relaxed) & bit != 0 {
                continue;
            }
            let start = block * CHECK_BLOCK_BYTES;
            let hash = hash_of(start, (start + CHECK_BLOCK_BYTES).min(len))?;
            if blocks.sums.get(n) != Some(&hash) {
                return Err(corrupt(
                    &self.path,
                    format!("checksum mismatch in section {number}, block {block}"),
                ));
            }
            word.fetch_or(bit, AtomicOrdering::Relaxed);
        }
        Ok(())
    }

    /// The bytes `range` of section `number`, after checking the blocks they lie in
    /// against the block table (once per block; version 2). Out of range is damage.
    pub(super) fn checked(&self, number: usize, range: Range<usize>) -> Result<&[u8]> {
        let section = self.section(number);
        let Some(bytes) = section.get(range.clone()) else {
            return Err(self.damaged(&format!("reference out of section {number}")));
        };
        self.check_blocks(number, &range, |start, end| {
            Ok(xxh3_64(&section[start..end]))
        })?;
        Ok(bytes)
    }

    /// [`Segment::checked`] into `out` by a positioned read of the file rather than
    /// through the map: a lookup touches a few bytes of four sections, and a page
    /// fault would map the cached pages around each (up to 64 KiB), so that mapped
    /// lookups grew the process by about 100 MB per checked article and spent more
    /// time mapping and letting go of pages than looking up. Blocks are checked the
    /// first time they are read, as with the map.
    fn read_checked(&self, number: usize, range: Range<usize>, out: &mut Vec<u8>) -> Result<()> {
        let s = self.footer.sections[number];
        if range.start > range.end || range.end as u64 > s.len {
            return Err(self.damaged(&format!("reference out of section {number}")));
        }
        let mut block_bytes = Vec::new();
        self.check_blocks(number, &range, |start, end| {
            block_bytes.resize(end - start, 0);
            self.read_at(s.offset + start as u64, &mut block_bytes)?;
            Ok(xxh3_64(&block_bytes))
        })?;
        out.clear();
        out.resize(range.len(), 0);
        if range.is_empty() {
            return Ok(());
        }
        self.read_at(s.offset + range.start as u64, out)
    }

    /// Reads `buf.len()` bytes of the file at `offset` (within the file: the footer's
    /// sections were checked against its length).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            self.file
                .read_exact_at(buf, offset)
                .map_err(|e| Error::io(&self.path, e))
        }
        #[cfg(not(unix))]
        {
            let start = offset as usize;
            let bytes = self
                .map
                .get(start..start + buf.len())
                .ok_or_else(|| self.damaged("read out of the file"))?;
            buf.copy_from_slice(bytes);
            Ok(())
        }
    }

    /// The footer checksum and parameters of the segment.
    pub(super) fn footer(&self) -> &Footer {
        &self.footer
    }

    /// Checks the whole text section against its checksum (opening checks only S1..S6).
    pub(super) fn check_texts(&self) -> Result<()> {
        let s = self.footer.sections[section::TEXTS];
        if xxh3_64(self.section(section::TEXTS)) != s.checksum {
            return Err(corrupt(
                &self.path,
                "checksum mismatch in section 0 (texts)",
            ));
        }
        Ok(())
    }

    /// Number of documents, deleted ones included.
    pub(super) fn doc_count(&self) -> u32 {
        self.footer.doc_count as u32
    }

    /// The bytes of section `number` (bounds checked when the footer was decoded).
    pub(super) fn section(&self, number: usize) -> &[u8] {
        let s = self.footer.sections[number];
        // Bounds were checked against the file length when the footer was decoded.
        &self.map[s.offset as usize..(s.offset + s.len) as usize]
    }

    /// True when document `local` is deleted (replaced) in this snapshot.
    pub(super) fn is_deleted(&self, local: u32) -> bool {
        self.deleted.get(local as usize).is_none_or(|d| *d)
    }

    /// Number of deleted documents.
    pub(super) fn deleted_count(&self) -> u32 {
        self.deleted.count_ones() as u32
    }

    pub(super) fn damaged(&self, what: &str) -> Error {
        corrupt(&self.path, format!("damaged segment: {what}"))
    }

    /// The range of postings of `key`, if the segment has the key (`buf` is scratch
    /// space for the reads).
    fn postings_of(&self, key: u64, buf: &mut Vec<u8>) -> Result<Option<Range<usize>>> {
        let bits = self.footer.bucket_bits;
        let b = bucket_of(key, bits) as usize;
        self.read_checked(section::BUCKETS, b * 4..b * 4 + 8, buf)?;
        let bucket = &buf[..];
        let (Some(lo), Some(hi)) = (u32_at(bucket, 0), u32_at(bucket, 1)) else {
            return Err(self.damaged("bucket table"));
        };
        let (lo, hi) = (lo as usize, hi as usize);
        if lo > hi || hi as u64 > self.footer.key_count {
            return Err(self.damaged("bucket table"));
        }
        self.read_checked(section::KEYS, lo * 8..hi * 8, buf)?;
        let keys = &buf[..];
        let (mut a, mut z) = (0usize, hi - lo);
        while a < z {
            let mid = a + (z - a) / 2;
            let k = u64_at(keys, mid).ok_or_else(|| self.damaged("keys"))?;
            match k.cmp(&key) {
                std::cmp::Ordering::Less => a = mid + 1,
                std::cmp::Ordering::Greater => z = mid,
                std::cmp::Ordering::Equal => {
                    let at = lo + mid;
                    self.read_checked(section::OFFSETS, at * 4..at * 4 + 8, buf)?;
                    let (Some(p), Some(q)) = (u32_at(buf, 0), u32_at(buf, 1)) else {
                        return Err(self.damaged("posting offsets"));
                    };
                    if p > q || u64::from(q) > self.footer.posting_count {
                        return Err(self.damaged("posting offsets"));
                    }
                    return Ok(Some(p as usize..q as usize));
                }
            }
        }
        Ok(None)
    }

    /// The document-table entry of `local`.
    pub(super) fn entry(&self, local: u32) -> Result<&[u8]> {
        let docs = self.section(section::DOCS);
        let at = local as usize * DOC_ENTRY_BYTES;
        docs.get(at..at + DOC_ENTRY_BYTES)
            .ok_or_else(|| self.damaged("document number out of range"))
    }

    /// The id and stored text checksum of `local`, without reading its text (the
    /// document table and ids were checked when the segment was opened).
    pub(super) fn doc_meta(&self, local: u32) -> Result<(&str, u64)> {
        let entry = self.entry(local)?;
        let id_off = u32_at(entry, 3).unwrap_or(u32::MAX);
        let id_len = u32_at(entry, 4).unwrap_or(u32::MAX);
        let text_sum = u64_at(entry, 3).unwrap_or(0);
        let id = self
            .section(section::IDS)
            .get(id_off as usize..(id_off as usize).saturating_add(id_len as usize))
            .ok_or_else(|| self.damaged("id out of range"))?;
        let id = std::str::from_utf8(id).map_err(|_| self.damaged("id is not UTF-8"))?;
        Ok((id, text_sum))
    }

    pub(super) fn doc(&self, local: u32) -> Result<StoredDoc<'_>> {
        let entry = self.entry(local)?;
        let text_off = u64_at(entry, 0).unwrap_or(u64::MAX);
        let text_len = u32_at(entry, 2).unwrap_or(u32::MAX);
        let word_count = u32_at(entry, 5).unwrap_or(0);
        let (id, text_sum) = self.doc_meta(local)?;
        let texts = self.section(section::TEXTS);
        let text = usize::try_from(text_off)
            .ok()
            .and_then(|o| texts.get(o..o.checked_add(text_len as usize)?))
            .ok_or_else(|| self.damaged("text out of range"))?;
        if xxh3_64(text) != text_sum {
            return Err(self.damaged(&format!("checksum mismatch in text of document {local}")));
        }
        let text = std::str::from_utf8(text).map_err(|_| self.damaged("text is not UTF-8"))?;
        Ok(StoredDoc {
            id,
            text,
            word_count,
            text_hash: text_sum,
        })
    }
}

/// An open, read-only index.
pub struct Index {
    dir: PathBuf,
    manifest: Manifest,
    segments: Vec<Segment>,
    /// Segment probes since the last look at the mapped memory (see
    /// [`Index::release_pages`]).
    probes: AtomicU64,
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
    /// it names. A damaged or truncated file is an [`Error::Corrupt`], a newer format
    /// or other parameters an [`Error::Incompatible`], a path holding no index an
    /// [`Error::NotAnIndex`], each naming the file.
    ///
    /// The result is one consistent snapshot even while a writer commits: a commit
    /// replaces the manifest and then deletes the segments it no longer names, so a
    /// segment named by the manifest read here may vanish before it is mapped. Then
    /// the manifest is read again and the open retried (a bounded number of times);
    /// once mapped, a segment stays readable even if it is deleted.
    pub fn open(dir: &Path) -> Result<Index> {
        let mut attempt = 0;
        loop {
            let manifest = match Manifest::load(dir)? {
                Some(m) => m,
                None => return Err(missing_manifest(dir)),
            };
            let opened = manifest
                .segments
                .iter()
                .map(|entry| Segment::open(dir, entry, &manifest.params))
                .collect::<Result<Vec<_>>>();
            match opened {
                Ok(segments) => {
                    return Ok(Index {
                        dir: dir.to_path_buf(),
                        manifest,
                        segments,
                        probes: AtomicU64::new(0),
                    })
                }
                Err(Error::Io { cause, .. })
                    if cause.kind() == std::io::ErrorKind::NotFound
                        && attempt < OPEN_RETRIES
                        && manifest_changed(dir, &manifest) =>
                {
                    attempt += 1;
                }
                Err(Error::Io { path, cause }) if cause.kind() == std::io::ErrorKind::NotFound => {
                    return Err(corrupt(
                        &path,
                        format!(
                            "segment named by the manifest is missing; {}",
                            repair_hint(dir)
                        ),
                    ))
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The open segments, in manifest order.
    pub(super) fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The manifest this snapshot was opened from.
    pub(super) fn manifest(&self) -> &Manifest {
        &self.manifest
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
            Err(incompatible(
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
        self.count_probes(self.segments.len() as u64);
        let start = out.len();
        let mut df: u64 = 0;
        let mut buf = Vec::new();
        for (number, segment) in self.segments.iter().enumerate() {
            let Some(range) = segment.postings_of(key, &mut buf)? else {
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
            segment.read_checked(section::POSTINGS, range.start * 4..range.end * 4, &mut buf)?;
            for chunk in buf.chunks_exact(4) {
                let local = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
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

    /// Counts segment probes; every [`PROBES_PER_MEMORY_LOOK`] of them, releases
    /// the mapped pages when they exceed [`MAPPED_BYTES_BUDGET`].
    fn count_probes(&self, n: u64) {
        let before = self.probes.fetch_add(n, AtomicOrdering::Relaxed);
        if before / PROBES_PER_MEMORY_LOOK != (before + n) / PROBES_PER_MEMORY_LOOK
            && crate::exec::mapped_resident_bytes().is_none_or(|b| b > MAPPED_BYTES_BUDGET)
        {
            self.release_pages();
        }
    }

    /// Drops this process's mappings of the segment pages it has touched, so that
    /// its resident memory stays bounded however large the archive (the pages stay
    /// in the kernel's page cache, and the next access maps them again). Lookups
    /// call it by themselves when the mapped memory passes [`MAPPED_BYTES_BUDGET`];
    /// compaction calls it as it streams through its inputs.
    pub fn release_pages(&self) {
        for segment in &self.segments {
            segment.release();
        }
    }

    /// Reads a stored document, checking its text against its checksum.
    pub fn doc(&self, r: DocRef) -> Result<StoredDoc<'_>> {
        let segment = self
            .segments
            .get(r.segment as usize)
            .ok_or_else(|| corrupt(&self.dir, "document reference out of range"))?;
        segment.doc(r.local)
    }

    /// The id and stored text checksum (xxh3-64) of a document, without reading its
    /// text: enough to tell whether it is a given article or holds the same text.
    pub fn doc_meta(&self, r: DocRef) -> Result<(&str, u64)> {
        let segment = self
            .segments
            .get(r.segment as usize)
            .ok_or_else(|| corrupt(&self.dir, "document reference out of range"))?;
        segment.doc_meta(r.local)
    }

    /// Every live document's address, id and stored text checksum, in storage
    /// order, without reading texts (fast even for a large archive).
    pub fn live_doc_ids(&self) -> impl Iterator<Item = Result<(DocRef, &str, u64)>> + '_ {
        self.live_refs().map(|r| {
            self.segments[r.segment as usize]
                .doc_meta(r.local)
                .map(|(id, hash)| (r, id, hash))
        })
    }

    fn live_refs(&self) -> impl Iterator<Item = DocRef> + '_ {
        self.segments
            .iter()
            .enumerate()
            .flat_map(|(number, segment)| {
                (0..segment.footer.doc_count as u32)
                    .filter(|&local| !segment.deleted[local as usize])
                    .map(move |local| DocRef {
                        segment: number as u32,
                        local,
                    })
            })
    }

    /// The generation (commit count) of the snapshot this reader sees.
    pub fn generation(&self) -> u64 {
        self.manifest.generation
    }

    /// Every live document in storage order.
    pub fn live_docs(&self) -> impl Iterator<Item = (DocRef, Result<StoredDoc<'_>>)> + '_ {
        self.live_refs()
            .map(|r| (r, self.segments[r.segment as usize].doc(r.local)))
    }

    /// Figures about the index.
    pub fn stats(&self) -> IndexStats {
        let manifest_bytes = std::fs::metadata(self.dir.join(MANIFEST_NAME))
            .map(|m| m.len())
            .unwrap_or(0);
        IndexStats {
            format_version: SEGMENT_VERSION,
            old_format_segments: self
                .segments
                .iter()
                .filter(|s| s.footer.version < SEGMENT_VERSION)
                .count(),
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

/// Segment probes between two looks at the process's mapped resident memory. A
/// probe can map up to four fault-around windows (64 KiB each on Linux), so this
/// bounds the overshoot past the budget to about 128 MiB; a look (reading
/// `/proc/self/statm`) costs a few microseconds, once or twice per article.
pub const PROBES_PER_MEMORY_LOOK: u64 = 512;

/// Mapped segment pages resident in this process above which lookups release them
/// ([`Index::release_pages`]): keeps `check` well under 1 GB whatever the archive.
pub const MAPPED_BYTES_BUDGET: u64 = 384 << 20;

/// How often [`Index::open`] re-reads a manifest replaced while it was opening.
const OPEN_RETRIES: u32 = 20;

/// True when the manifest on disk is no longer `seen` (a commit replaced it).
fn manifest_changed(dir: &Path, seen: &Manifest) -> bool {
    !matches!(Manifest::load(dir), Ok(Some(now)) if now == *seen)
}

/// The error for a folder without a manifest: damage when segment files are there
/// (the manifest was lost), otherwise simply no index.
fn missing_manifest(dir: &Path) -> Error {
    let segments = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_str().is_some_and(is_segment_name))
                .count()
        })
        .unwrap_or(0);
    if segments > 0 {
        corrupt(
            dir,
            format!(
                "no {MANIFEST_NAME}, but {segments} segment file(s): the manifest is lost; {}",
                repair_hint(dir)
            ),
        )
    } else {
        Error::NotAnIndex {
            path: dir.to_path_buf(),
            message: format!(
                "not a reprint index (no {MANIFEST_NAME}); create one with `reprint index add`"
            ),
        }
    }
}
