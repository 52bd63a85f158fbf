//! Compaction: merging runs of adjacent segments into one, so that an archive fed
//! every day does not become thousands of small segments (every lookup probes every
//! segment).
//!
//! # Merge policy (log-structured, as in LSM trees)
//! A segment's *size* is its file length scaled by its share of live documents. Its
//! *level* is `floor(log_F(size / floor))` (0 below `floor × F`), with `F` the
//! [`MergePolicy::fan_in`] (10) and `floor` [`MergePolicy::floor_bytes`] (4 MiB).
//! Whenever `F` consecutive segments have the same level, the oldest `F` of them
//! are merged into one (of about the next level), and the rule is applied again to
//! the result, so that one compaction performs cascading merges with every output
//! written once. Daily adds of similar size therefore keep at most `F - 1` segments
//! per level, about `(F - 1) × log_F(archive / floor)` in all, and each document is
//! rewritten about `log_F` times over its life. `--all` merges every segment into
//! one (or into as few as the segment limits allow), and rewrites segments of an
//! older format version in the current one.
//!
//! Only *adjacent* segments are merged and documents keep their order, so the
//! archive's storage order is unchanged and `check` answers exactly as before
//! (candidates that tie are ordered by storage position). Documents deleted by
//! `--replace` are dropped from the merged segment; shingles then count only live
//! documents against the document-frequency cap.
//!
//! # Bounded memory
//! The merge streams: texts are copied one document at a time, and the sorted key
//! lists of the inputs are merged with a heap of one cursor per input, writing
//! postings to the new segment and keys and posting offsets to two temporary side
//! files (appended to the segment at the end). Memory is the ids and the document
//! table of the output (about 50 bytes per document), a document renumbering table
//! (4 bytes per input document) and the bucket table (at most 64 MiB); mapped input
//! pages are released as the merge proceeds.
//!
//! # Crash safety
//! Exactly like `index add`: the writer lock excludes other writers, the new
//! segment is written as `*.tmp` (named with the process id tag), fsynced and
//! renamed, then the manifest is replaced atomically, and only then are the old
//! segments deleted. A compaction killed at any moment leaves the old index intact
//! (the next writer removes its leftovers); readers that opened the old snapshot
//! keep reading their mapped segments, and a reader opening meanwhile retries on
//! the new manifest.

use super::format::{
    bucket_bits_for, bucket_of, encode_block_table, section, u32_at, u64_at, BlockHasher, Footer,
    IndexParams, SectionEntry, BLOCK_CHECKED_SECTIONS, DOC_ENTRY_BYTES, FOOTER_BYTES,
    SECTION_COUNT, SEGMENT_HEADER_BYTES, SEGMENT_MAGIC, SEGMENT_VERSION,
};
use super::manifest::{segment_path, sync_dir, Manifest, SegmentEntry, MANIFEST_NAME};
use super::reader::{Index, Segment};
use super::writer::{remove_leftovers, SegmentLimits, WriterLock};
use crate::error::{Error, Result};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::Xxh3;

/// When segments are merged (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergePolicy {
    /// Segments of one level merged at a time, and the size ratio between levels.
    pub fan_in: usize,
    /// Segments smaller than `floor_bytes × fan_in` are all of level 0.
    pub floor_bytes: u64,
}

impl Default for MergePolicy {
    fn default() -> Self {
        MergePolicy {
            fan_in: 10,
            floor_bytes: 4 << 20,
        }
    }
}

/// `index add` applies the merge policy once the index has more segments than this.
pub const AUTO_MERGE_SEGMENTS: usize = 10;

impl MergePolicy {
    /// The level of a segment of `bytes` live bytes.
    pub fn level(&self, bytes: u64) -> u32 {
        let fan_in = self.fan_in.max(2) as u64;
        let mut level = 0;
        let mut bound = self.floor_bytes.max(1).saturating_mul(fan_in);
        while bytes >= bound && bound < u64::MAX {
            level += 1;
            bound = bound.saturating_mul(fan_in);
        }
        level
    }

    /// The runs of adjacent segments (by position) to merge, given each segment's
    /// live size, oldest first; runs are disjoint and ascending.
    pub fn plan(&self, sizes: &[u64]) -> Vec<Range<usize>> {
        let fan_in = self.fan_in.max(2);
        // Simulated segments: the original positions they cover and their size.
        let mut parts: Vec<(Range<usize>, u64)> = sizes
            .iter()
            .enumerate()
            .map(|(i, &s)| (i..i + 1, s))
            .collect();
        loop {
            let mut merged = false;
            let mut start = 0;
            while start < parts.len() {
                let level = self.level(parts[start].1);
                let mut end = start + 1;
                while end < parts.len() && self.level(parts[end].1) == level {
                    end += 1;
                }
                if end - start >= fan_in {
                    let run = start..start + fan_in;
                    let covered = parts[run.start].0.start..parts[run.end - 1].0.end;
                    let size = parts[run.clone()].iter().map(|p| p.1).sum();
                    parts.splice(run, [(covered, size)]);
                    merged = true;
                    break;
                }
                start = end;
            }
            if !merged {
                break;
            }
        }
        parts
            .into_iter()
            .map(|(r, _)| r)
            .filter(|r| r.len() > 1)
            .collect()
    }
}

/// What to compact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompactOptions {
    /// Merge every segment (and drop every deleted document), whatever the policy.
    pub all: bool,
    /// The policy applied otherwise.
    pub policy: MergePolicy,
}

/// What a compaction did.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct CompactReport {
    /// Segments before.
    pub segments_before: usize,
    /// Segments after.
    pub segments_after: usize,
    /// Input segments rewritten.
    pub merged_segments: usize,
    /// New segments written.
    pub written_segments: usize,
    /// Deleted (replaced) documents dropped.
    pub dropped_documents: u64,
    /// Live documents (unchanged by compaction).
    pub documents: u64,
    /// Bytes of segment files before.
    pub bytes_before: u64,
    /// Bytes of segment files after.
    pub bytes_after: u64,
}

/// Merges segments of the index at `dir` (see the module documentation): by the
/// policy, or all of them with [`CompactOptions::all`]. Takes the writer lock, so
/// it fails at once while an `index add` or another compaction runs; readers are
/// never disturbed. Doing nothing (nothing to merge) is not an error.
pub fn compact(dir: &Path, options: &CompactOptions) -> Result<CompactReport> {
    let _lock = WriterLock::acquire(dir)?;
    let Some(manifest) = Manifest::load(dir)? else {
        return Err(Error::NotAnIndex {
            path: dir.to_path_buf(),
            message: format!("not a reprint index (no {MANIFEST_NAME})"),
        });
    };
    remove_leftovers(dir, &manifest)?;
    let index = Index::open(dir)?;
    let manifest = index.manifest().clone();
    let segments = index.segments();
    let mut report = CompactReport {
        segments_before: segments.len(),
        segments_after: segments.len(),
        documents: index.doc_count(),
        bytes_before: manifest.segments.iter().map(|s| s.file_len).sum(),
        ..CompactReport::default()
    };
    report.bytes_after = report.bytes_before;
    let runs = if options.all {
        let dirty = segments.iter().any(needs_rewrite);
        if segments.len() > 1 || dirty {
            std::iter::once(0..segments.len()).collect()
        } else {
            Vec::new()
        }
    } else {
        let sizes: Vec<u64> = manifest
            .segments
            .iter()
            .map(|s| {
                let live = u64::from(s.doc_count) - s.deleted.len() as u64;
                s.file_len / u64::from(s.doc_count.max(1)) * live
            })
            .collect();
        options.policy.plan(&sizes)
    };
    let groups: Vec<Range<usize>> = runs
        .into_iter()
        .flat_map(|run| split_by_limits(segments, run, &SegmentLimits::default()))
        .filter(|g| g.len() > 1 || needs_rewrite(&segments[g.start]))
        .collect();
    if groups.is_empty() {
        return Ok(report);
    }
    let generation = manifest.generation + 1;
    let mut job = Job {
        dir: dir.to_path_buf(),
        written: Vec::new(),
        committed: false,
    };
    // (input range, output entry), ascending.
    let mut outputs: Vec<(Range<usize>, SegmentEntry)> = Vec::new();
    for (n, group) in groups.iter().enumerate() {
        let name = format!(
            "seg-{generation:016x}-{:08x}-{n:04}.rps",
            std::process::id()
        );
        let entry = merge_group(dir, &index, group.clone(), &name, &mut job)?;
        report.merged_segments += group.len();
        report.dropped_documents += segments[group.clone()]
            .iter()
            .map(|s| u64::from(s.deleted_count()))
            .sum::<u64>();
        outputs.push((group.clone(), entry));
    }
    let mut new_segments = Vec::new();
    let mut next = 0;
    for (range, entry) in outputs {
        new_segments.extend_from_slice(&manifest.segments[next..range.start]);
        if entry.doc_count > 0 {
            new_segments.push(entry);
        }
        next = range.end;
    }
    new_segments.extend_from_slice(&manifest.segments[next..]);
    let new_manifest = Manifest {
        generation,
        params: manifest.params,
        segments: new_segments,
    };
    report.written_segments = job.written.len();
    report.segments_after = new_manifest.segments.len();
    report.bytes_after = new_manifest.segments.iter().map(|s| s.file_len).sum();
    drop(index);
    sync_dir(dir)?;
    new_manifest.store(dir)?;
    job.committed = true;
    remove_leftovers(dir, &new_manifest)?;
    Ok(report)
}

/// True for a segment worth rewriting on its own: it holds deleted documents, or
/// it is of an older format version.
fn needs_rewrite(segment: &Segment) -> bool {
    segment.deleted_count() > 0 || segment.footer().version < SEGMENT_VERSION
}

/// Cuts a run of segments into groups whose merged segment stays within the
/// format's integer widths and the writer's text limit.
fn split_by_limits(
    segments: &[Segment],
    run: Range<usize>,
    limits: &SegmentLimits,
) -> Vec<Range<usize>> {
    let mut groups = Vec::new();
    let mut start = run.start;
    let (mut text, mut postings, mut docs) = (0u64, 0u64, 0u64);
    for i in run.clone() {
        let f = segments[i].footer();
        let (t, p, d) = (f.sections[section::TEXTS].len, f.posting_count, f.doc_count);
        let over = text + t > limits.max_text_bytes
            || postings + p > u64::from(u32::MAX)
            || docs + d >= u64::from(u32::MAX - 1);
        if over && i > start {
            groups.push(start..i);
            start = i;
            (text, postings, docs) = (0, 0, 0);
        }
        text += t;
        postings += p;
        docs += d;
    }
    if start < run.end {
        groups.push(start..run.end);
    }
    groups
}

/// Files this compaction wrote; removed unless the commit published them.
struct Job {
    dir: PathBuf,
    written: Vec<String>,
    committed: bool,
}

impl Drop for Job {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let published = Manifest::load(&self.dir).ok().flatten();
        for name in &self.written {
            let named = published
                .as_ref()
                .is_some_and(|m| m.segments.iter().any(|s| &s.name == name));
            if !named {
                let _ = fs::remove_file(segment_path(&self.dir, name));
            }
        }
    }
}

/// Temporary files of one merge, removed however the merge ends.
struct Temporaries(Vec<PathBuf>);

impl Drop for Temporaries {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = fs::remove_file(p);
        }
    }
}

/// Input bytes read between two releases of the mapped input pages.
const RELEASE_EVERY_BYTES: u64 = 256 << 20;

/// A side file (keys or posting offsets) written during the merge.
struct SideFile {
    path: PathBuf,
    file: BufWriter<File>,
}

impl SideFile {
    fn create(path: PathBuf) -> Result<Self> {
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        Ok(SideFile {
            path,
            file: BufWriter::with_capacity(1 << 20, file),
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Flushes and reopens the file for reading from the start.
    fn into_reader(self) -> Result<BufReader<File>> {
        let SideFile { path, file } = self;
        let file = file
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        drop(file);
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        Ok(BufReader::with_capacity(1 << 20, file))
    }
}

/// A segment file being written section by section, each section 8-aligned and
/// checksummed as it streams.
struct SegmentFile {
    path: PathBuf,
    file: BufWriter<File>,
    pos: u64,
    sections: [SectionEntry; SECTION_COUNT],
    open: Option<(usize, u64, Xxh3, Option<BlockHasher>)>,
    /// Block checksums of [`BLOCK_CHECKED_SECTIONS`] (S7).
    block_sums: [Vec<u64>; 4],
}

impl SegmentFile {
    fn create(path: PathBuf) -> Result<Self> {
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut out = SegmentFile {
            path,
            file: BufWriter::with_capacity(1 << 20, file),
            pos: 0,
            sections: [SectionEntry::default(); SECTION_COUNT],
            open: None,
            block_sums: Default::default(),
        };
        let mut header = [0u8; SEGMENT_HEADER_BYTES];
        header[0..8].copy_from_slice(&SEGMENT_MAGIC);
        header[8..12].copy_from_slice(&SEGMENT_VERSION.to_le_bytes());
        out.raw(&header)?;
        Ok(out)
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(|e| Error::io(&self.path, e))?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn begin(&mut self, number: usize) -> Result<()> {
        let pad = ((8 - self.pos % 8) % 8) as usize;
        self.raw(&[0u8; 8][..pad])?;
        let blocks = BLOCK_CHECKED_SECTIONS
            .contains(&number)
            .then(BlockHasher::default);
        self.open = Some((number, self.pos, Xxh3::new(), blocks));
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if let Some((_, _, hasher, blocks)) = self.open.as_mut() {
            hasher.update(bytes);
            if let Some(b) = blocks {
                b.update(bytes);
            }
        }
        self.raw(bytes)
    }

    fn end(&mut self) {
        if let Some((number, start, hasher, blocks)) = self.open.take() {
            self.sections[number] = SectionEntry {
                offset: start,
                len: self.pos - start,
                checksum: hasher.digest(),
            };
            if let (Some(b), Some(i)) = (
                blocks,
                BLOCK_CHECKED_SECTIONS.iter().position(|&s| s == number),
            ) {
                self.block_sums[i] = b.finish();
            }
        }
    }

    fn put(&mut self, number: usize, bytes: &[u8]) -> Result<()> {
        self.begin(number)?;
        self.write(bytes)?;
        self.end();
        Ok(())
    }

    /// Copies a side file into the open section.
    fn copy_from(&mut self, mut reader: impl Read, what: &Path) -> Result<()> {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = reader.read(&mut buf).map_err(|e| Error::io(what, e))?;
            if n == 0 {
                return Ok(());
            }
            self.write(&buf[..n])?;
        }
    }

    /// Writes the footer, fsyncs and renames the file to `final_path`.
    fn finish(mut self, mut footer: Footer, final_path: &Path) -> Result<(u64, u64)> {
        // S7, the block checksum table, right before the footer.
        let pad = ((8 - self.pos % 8) % 8) as usize;
        self.raw(&[0u8; 8][..pad])?;
        let table = encode_block_table(&self.block_sums);
        self.raw(&table)?;
        footer.sections = self.sections;
        footer.version = SEGMENT_VERSION;
        footer.file_len = self.pos + FOOTER_BYTES as u64;
        let (bytes, checksum) = footer.encode();
        self.raw(&bytes)?;
        let file = self
            .file
            .into_inner()
            .map_err(|e| Error::io(&self.path, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.path, e))?;
        drop(file);
        fs::rename(&self.path, final_path).map_err(|e| Error::io(final_path, e))?;
        Ok((footer.file_len, checksum))
    }
}

/// One input's position in the merge of sorted keys.
struct Cursor<'s> {
    segment: &'s Segment,
    keys: &'s [u8],
    offsets: &'s [u8],
    postings: &'s [u8],
    next: usize,
    count: usize,
    last: Option<u64>,
}

impl<'s> Cursor<'s> {
    fn new(segment: &'s Segment) -> Self {
        Cursor {
            segment,
            keys: segment.section(section::KEYS),
            offsets: segment.section(section::OFFSETS),
            postings: segment.section(section::POSTINGS),
            next: 0,
            count: segment.footer().key_count as usize,
            last: None,
        }
    }

    /// The next key, checked to be ascending.
    fn key(&mut self) -> Result<Option<u64>> {
        if self.next >= self.count {
            return Ok(None);
        }
        let key = u64_at(self.keys, self.next).ok_or_else(|| self.segment.damaged("keys"))?;
        if self.last.is_some_and(|l| l >= key) {
            return Err(self.segment.damaged("keys out of order"));
        }
        self.last = Some(key);
        Ok(Some(key))
    }

    /// The postings of the current key (empty: over the cap), then advances.
    fn take_postings(&mut self) -> Result<&'s [u8]> {
        let i = self.next;
        self.next += 1;
        let (Some(a), Some(b)) = (u32_at(self.offsets, i), u32_at(self.offsets, i + 1)) else {
            return Err(self.segment.damaged("posting offsets"));
        };
        let (a, b) = (a as usize * 4, b as usize * 4);
        if a > b {
            return Err(self.segment.damaged("posting offsets"));
        }
        self.postings
            .get(a..b)
            .ok_or_else(|| self.segment.damaged("posting offsets"))
    }
}

/// Merges the segments `group` of `index` into one new segment named `name`.
fn merge_group(
    dir: &Path,
    index: &Index,
    group: Range<usize>,
    name: &str,
    job: &mut Job,
) -> Result<SegmentEntry> {
    let params: IndexParams = *index.params();
    let inputs = &index.segments()[group];
    let final_path = segment_path(dir, name);
    let tmp = dir.join(format!("{name}.tmp"));
    let keys_path = dir.join(format!("{name}.keys.tmp"));
    let offsets_path = dir.join(format!("{name}.offsets.tmp"));
    let _temporaries = Temporaries(vec![tmp.clone(), keys_path.clone(), offsets_path.clone()]);
    // The merge reads the index sections whole: they are checked whole first.
    for segment in inputs {
        segment.check_index_sections()?;
        index.release_pages();
    }
    let mut out = SegmentFile::create(tmp)?;
    let mut read_bytes: u64 = 0;
    let mut release = |n: u64| {
        read_bytes += n;
        if read_bytes >= RELEASE_EVERY_BYTES {
            read_bytes = 0;
            index.release_pages();
        }
    };

    // S0: texts, one live document at a time (checked against their checksums).
    let mut renumber: Vec<Vec<u32>> = Vec::with_capacity(inputs.len());
    let mut ids: Vec<u8> = Vec::new();
    let mut docs: Vec<u8> = Vec::new();
    let mut doc_count: u32 = 0;
    let mut text_bytes: u64 = 0;
    out.begin(section::TEXTS)?;
    for segment in inputs {
        let mut map = Vec::with_capacity(segment.doc_count() as usize);
        for local in 0..segment.doc_count() {
            if segment.is_deleted(local) {
                map.push(u32::MAX);
                continue;
            }
            let doc = segment.doc(local)?;
            out.write(doc.text.as_bytes())?;
            let mut entry = [0u8; DOC_ENTRY_BYTES];
            entry[0..8].copy_from_slice(&text_bytes.to_le_bytes());
            entry[8..12].copy_from_slice(&(doc.text.len() as u32).to_le_bytes());
            entry[12..16].copy_from_slice(&(ids.len() as u32).to_le_bytes());
            entry[16..20].copy_from_slice(&(doc.id.len() as u32).to_le_bytes());
            entry[20..24].copy_from_slice(&doc.word_count.to_le_bytes());
            entry[24..32].copy_from_slice(&doc.text_hash.to_le_bytes());
            docs.extend_from_slice(&entry);
            ids.extend_from_slice(doc.id.as_bytes());
            text_bytes += doc.text.len() as u64;
            map.push(doc_count);
            doc_count += 1;
            release(doc.text.len() as u64);
        }
        renumber.push(map);
    }
    out.end();
    out.put(section::IDS, &ids)?;
    drop(ids);
    out.put(section::DOCS, &docs)?;
    drop(docs);

    // S6: postings, by a heap merge of the inputs' sorted keys; keys and offsets go
    // to side files meanwhile.
    let mut keys_file = SideFile::create(keys_path)?;
    let mut offsets_file = SideFile::create(offsets_path)?;
    let mut cursors: Vec<Cursor<'_>> = inputs.iter().map(Cursor::new).collect();
    let mut heap: BinaryHeap<Reverse<(u64, usize)>> = BinaryHeap::new();
    for (i, c) in cursors.iter_mut().enumerate() {
        if let Some(k) = c.key()? {
            heap.push(Reverse((k, i)));
        }
    }
    let mut key_count: u64 = 0;
    let mut posting_count: u64 = 0;
    let mut merged: Vec<u32> = Vec::new();
    let mut posting_bytes: Vec<u8> = Vec::new();
    out.begin(section::POSTINGS)?;
    while let Some(Reverse((key, first))) = heap.pop() {
        let mut members = vec![first];
        while let Some(&Reverse((k, i))) = heap.peek() {
            if k != key {
                break;
            }
            heap.pop();
            members.push(i);
        }
        // Heap order puts equal keys in input order: new numbers stay ascending.
        members.sort_unstable();
        merged.clear();
        let mut saturated = false;
        for &i in &members {
            let c = &mut cursors[i];
            let list = c.take_postings()?;
            release(list.len() as u64 + 12);
            if list.is_empty() {
                saturated = true;
            }
            if !saturated {
                for chunk in list.chunks_exact(4) {
                    let local = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
                    let new = renumber[i]
                        .get(local as usize)
                        .copied()
                        .ok_or_else(|| c.segment.damaged("posting names no document"))?;
                    if new != u32::MAX {
                        merged.push(new);
                    }
                }
            }
            if let Some(k) = c.key()? {
                heap.push(Reverse((k, i)));
            }
        }
        if merged.len() as u64 > u64::from(params.max_df) {
            saturated = true;
        }
        if !saturated && merged.is_empty() {
            // Only deleted documents had it.
            continue;
        }
        keys_file.write(&key.to_le_bytes())?;
        offsets_file.write(&(posting_count as u32).to_le_bytes())?;
        key_count += 1;
        if !saturated {
            posting_bytes.clear();
            for d in &merged {
                posting_bytes.extend_from_slice(&d.to_le_bytes());
            }
            out.write(&posting_bytes)?;
            posting_count += merged.len() as u64;
        }
    }
    out.end();
    offsets_file.write(&(posting_count as u32).to_le_bytes())?;
    drop(cursors);
    index.release_pages();
    let keys_path = keys_file.path.clone();
    let offsets_path = offsets_file.path.clone();

    // S3: the bucket table, from one pass over the sorted keys.
    let bucket_bits = bucket_bits_for(key_count);
    let buckets = 1u64 << bucket_bits;
    let mut keys = keys_file.into_reader()?;
    out.begin(section::BUCKETS)?;
    let mut b: u64 = 0;
    let mut word = [0u8; 8];
    let mut table: Vec<u8> = Vec::with_capacity(1 << 16);
    for i in 0..key_count {
        keys.read_exact(&mut word)
            .map_err(|e| Error::io(&keys_path, e))?;
        let kb = bucket_of(u64::from_le_bytes(word), bucket_bits);
        while b <= kb && b < buckets {
            table.extend_from_slice(&(i as u32).to_le_bytes());
            b += 1;
        }
        if table.len() >= 1 << 16 {
            out.write(&table)?;
            table.clear();
        }
    }
    while b <= buckets {
        table.extend_from_slice(&(key_count as u32).to_le_bytes());
        b += 1;
    }
    out.write(&table)?;
    out.end();

    // S4 keys and S5 offsets, copied from the side files.
    let keys = File::open(&keys_path).map_err(|e| Error::io(&keys_path, e))?;
    out.begin(section::KEYS)?;
    out.copy_from(BufReader::with_capacity(1 << 20, keys), &keys_path)?;
    out.end();
    let offsets = offsets_file.into_reader()?;
    out.begin(section::OFFSETS)?;
    out.copy_from(offsets, &offsets_path)?;
    out.end();

    let footer = Footer {
        doc_count: u64::from(doc_count),
        key_count,
        posting_count,
        bucket_bits,
        params,
        sections: [SectionEntry::default(); SECTION_COUNT],
        file_len: 0,
        version: SEGMENT_VERSION,
    };
    job.written.push(name.to_owned());
    let (file_len, footer_checksum) = out.finish(footer, &final_path)?;
    Ok(SegmentEntry {
        name: name.to_owned(),
        file_len,
        footer_checksum,
        doc_count,
        deleted: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_merges_ten_segments_of_one_level_and_cascades() {
        let p = MergePolicy {
            fan_in: 10,
            floor_bytes: 100,
        };
        assert_eq!(p.level(50), 0);
        assert_eq!(p.level(999), 0);
        assert_eq!(p.level(1000), 1);
        assert_eq!(p.level(10_000), 2);
        // Nine small segments: nothing to do.
        assert!(p.plan(&[10; 9]).is_empty());
        // Ten: merged into one.
        assert_eq!(p.plan(&[10; 10]), vec![0..10]);
        // 9 of level 1, then 10 small ones whose merge is of level 1 too: one merge
        // of all nineteen (the cascade), every output written once.
        let mut sizes = vec![1000; 9];
        sizes.extend([100; 10]);
        assert_eq!(p.plan(&sizes), vec![0..19]);
        // A big old segment is left alone while small new ones merge.
        let mut sizes = vec![1_000_000];
        sizes.extend([10; 12]);
        assert_eq!(p.plan(&sizes), vec![1..11]);
    }
}
