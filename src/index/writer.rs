//! Writing: new documents go into new immutable segment files; a commit publishes
//! them (and any deletions) by replacing the manifest atomically.

use super::format::{
    section, Footer, IndexParams, SectionEntry, DOC_ENTRY_BYTES, FOOTER_BYTES, FORMAT_VERSION,
    SECTION_COUNT, SEGMENT_HEADER_BYTES, SEGMENT_MAGIC,
};
use super::manifest::{is_segment_name, segment_path, sync_dir, Manifest, SegmentEntry};
use super::reader::Index;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

/// When a segment under construction is closed and a new one started; bounds the
/// writer's memory (about 16 bytes per posted shingle) and keeps every offset of
/// the format within its integer width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentLimits {
    /// Most (shingle, document) pairs held in memory before the segment is written.
    pub max_pairs: usize,
    /// Most text bytes in one segment.
    pub max_text_bytes: u64,
}

impl Default for SegmentLimits {
    fn default() -> Self {
        SegmentLimits {
            max_pairs: 24 << 20,
            max_text_bytes: 2 << 30,
        }
    }
}

/// What happened to one added document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    /// A new id: stored.
    Added,
    /// The id was already there and was kept; the new document was not stored.
    SkippedDuplicate,
    /// The id was already there; the old document was deleted and the new one stored.
    Replaced,
}

/// Where a live document is: segment (position in the writer's list) and local number.
#[derive(Debug, Clone, Copy)]
struct DocLoc {
    segment: usize,
    local: u32,
}

/// Adds documents to an index. Nothing is visible to readers (and nothing of the
/// index changes) until [`IndexWriter::commit`]; dropping the writer, or the
/// process dying, leaves the index as it was.
pub struct IndexWriter {
    dir: PathBuf,
    manifest: Manifest,
    /// Old segments followed by the ones written by this writer.
    segments: Vec<SegmentEntry>,
    ids: HashMap<String, DocLoc>,
    building: Option<SegmentBuilder>,
    /// Held while the writer lives: one writer per index at a time.
    _lock: WriterLock,
    next_segment: u32,
    /// Part of this writer's file names (its process id), so that files of a
    /// writer started by mistake at the same time never share a name with ours.
    writer_tag: u32,
    limits: SegmentLimits,
}

impl IndexWriter {
    /// Opens the index at `dir` for writing, creating it (with `params`) when there
    /// is none. An existing index must have been built with `params`, otherwise its
    /// postings could not be compared with the new ones: that is a format error.
    /// Leftovers of an interrupted earlier writer are removed.
    pub fn open(dir: &Path, params: IndexParams) -> Result<IndexWriter> {
        params.validate()?;
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let lock = WriterLock::acquire(dir)?;
        let (manifest, ids) = match Manifest::load(dir)? {
            Some(manifest) => {
                let diff = manifest.params.differences(&params);
                if !diff.is_empty() {
                    return Err(Error::Format {
                        path: dir.to_path_buf(),
                        message: format!("index was built with {}", diff.join(", ")),
                    });
                }
                let index = Index::open(dir)?;
                let mut ids = HashMap::with_capacity(index.doc_count() as usize);
                for (r, doc) in index.live_docs() {
                    let doc = doc?;
                    ids.insert(
                        doc.id.to_owned(),
                        DocLoc {
                            segment: r.segment as usize,
                            local: r.local,
                        },
                    );
                }
                (manifest, ids)
            }
            None => (Manifest::new(params), HashMap::new()),
        };
        remove_leftovers(dir, &manifest)?;
        Ok(IndexWriter {
            dir: dir.to_path_buf(),
            segments: manifest.segments.clone(),
            manifest,
            ids,
            building: None,
            _lock: lock,
            next_segment: 0,
            writer_tag: std::process::id(),
            limits: SegmentLimits::default(),
        })
    }

    /// Changes when segments are closed (tests use tiny segments).
    pub fn set_limits(&mut self, limits: SegmentLimits) {
        self.limits = limits;
    }

    /// The parameters of the index.
    pub fn params(&self) -> &IndexParams {
        &self.manifest.params
    }

    /// True when a live document has this id.
    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains_key(id)
    }

    /// Adds one document. `shingles` are its shingle hashes from
    /// [`super::shingle_text`] with this index's parameters, in any order and with
    /// repeats; `word_count` its number of word tokens. With `replace`, a document
    /// with the same id is deleted; without, the new one is skipped.
    pub fn add(
        &mut self,
        id: &str,
        text: &str,
        mut shingles: Vec<u64>,
        word_count: usize,
        replace: bool,
    ) -> Result<AddOutcome> {
        let mut outcome = AddOutcome::Added;
        if let Some(&old) = self.ids.get(id) {
            if !replace {
                return Ok(AddOutcome::SkippedDuplicate);
            }
            if old.segment == self.segments.len() {
                if let Some(b) = self.building.as_mut() {
                    b.deleted.push(old.local);
                }
            } else {
                self.segments[old.segment].deleted.push(old.local);
            }
            outcome = AddOutcome::Replaced;
        }
        if text.len() > u32::MAX as usize || id.len() > u32::MAX as usize {
            return Err(Error::Config(format!(
                "document {id:?} is too large to index"
            )));
        }
        let full = self.building.as_ref().is_some_and(|b| {
            b.pair_count + shingles.len() > self.limits.max_pairs
                || b.text_bytes + text.len() as u64 > self.limits.max_text_bytes
                || b.ids.len() + id.len() > u32::MAX as usize
                || b.doc_count == u32::MAX - 1
        });
        if full {
            self.close_segment()?;
        }
        if self.building.is_none() {
            let name = format!(
                "seg-{:016x}-{:08x}-{:04}.rps",
                self.manifest.generation + 1,
                self.writer_tag,
                self.next_segment
            );
            self.next_segment += 1;
            self.building = Some(SegmentBuilder::create(&self.dir, name)?);
        }
        let Some(builder) = self.building.as_mut() else {
            return Err(Error::Config("no segment under construction".into()));
        };
        shingles.sort_unstable();
        shingles.dedup();
        let local = builder.push(id, text, &shingles, word_count)?;
        self.ids.insert(
            id.to_owned(),
            DocLoc {
                segment: self.segments.len(),
                local,
            },
        );
        Ok(outcome)
    }

    fn close_segment(&mut self) -> Result<()> {
        if let Some(builder) = self.building.take() {
            let entry = builder.finish(&self.manifest.params)?;
            self.segments.push(entry);
        }
        Ok(())
    }

    /// Writes the last segment and publishes everything by replacing the manifest.
    /// Returns the number of live documents afterwards.
    pub fn commit(mut self) -> Result<u64> {
        self.close_segment()?;
        // Segments that end up with every document deleted are dropped.
        let mut segments = std::mem::take(&mut self.segments);
        for s in &mut segments {
            s.deleted.sort_unstable();
            s.deleted.dedup();
        }
        segments.retain(|s| (s.deleted.len() as u32) < s.doc_count);
        let manifest = Manifest {
            generation: self.manifest.generation + 1,
            params: self.manifest.params,
            segments,
        };
        // New segment files were fsynced and renamed in `finish`; make the renames
        // durable before the manifest that names them.
        sync_dir(&self.dir)?;
        manifest.store(&self.dir)?;
        // Files of segments no longer named are garbage now.
        remove_leftovers(&self.dir, &manifest)?;
        Ok(manifest
            .segments
            .iter()
            .map(|s| u64::from(s.doc_count) - s.deleted.len() as u64)
            .sum())
    }
}

/// File name of the writer lock inside the index directory.
pub const LOCK_NAME: &str = "LOCK";

/// An exclusive advisory lock (`flock`) on `<INDEX>/LOCK`, so that a second
/// writer fails at once instead of racing the first. The kernel drops the lock when
/// the process ends, however it ends, so a killed writer never leaves the index
/// locked.
struct WriterLock {
    _file: File,
}

impl WriterLock {
    fn acquire(dir: &Path) -> Result<WriterLock> {
        let path = dir.join(LOCK_NAME);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            // SAFETY: flock on a file descriptor this function owns; no memory is shared.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc != 0 {
                let err = std::io::Error::last_os_error();
                if err.kind() == std::io::ErrorKind::WouldBlock {
                    return Err(Error::Config(format!(
                        "{}: another `reprint index add` is writing this index",
                        dir.display()
                    )));
                }
                return Err(Error::io(&path, err));
            }
        }
        Ok(WriterLock { _file: file })
    }
}

/// Removes temporary files and segment files the manifest does not name.
fn remove_leftovers(dir: &Path, manifest: &Manifest) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let orphan = is_segment_name(name) && !manifest.segments.iter().any(|s| s.name == name);
        let temp =
            name.ends_with(".tmp") && (name.starts_with("seg-") || name.starts_with("MANIFEST"));
        if orphan || temp {
            let path = entry.path();
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// One segment being written: texts stream straight into a temporary file, ids,
/// the document table and the (shingle, document) pairs stay in memory until
/// [`SegmentBuilder::finish`].
struct SegmentBuilder {
    name: String,
    tmp_path: PathBuf,
    final_path: PathBuf,
    file: BufWriter<File>,
    text_hasher: Xxh3,
    text_bytes: u64,
    ids: Vec<u8>,
    docs: Vec<u8>,
    /// (shingle, document) pairs, partitioned by the top byte of the shingle so
    /// that [`SegmentBuilder::finish`] sorts 256 small runs instead of one large
    /// one (fewer comparisons, cache-sized work) and concatenates them in order.
    pairs: Vec<Vec<(u64, u32)>>,
    pair_count: usize,
    doc_count: u32,
    deleted: Vec<u32>,
}

impl SegmentBuilder {
    fn create(dir: &Path, name: String) -> Result<Self> {
        let final_path = segment_path(dir, &name);
        let tmp_path = dir.join(format!("{name}.tmp"));
        let file = File::create(&tmp_path).map_err(|e| Error::io(&tmp_path, e))?;
        let mut file = BufWriter::with_capacity(1 << 20, file);
        let mut header = [0u8; SEGMENT_HEADER_BYTES];
        header[0..8].copy_from_slice(&SEGMENT_MAGIC);
        header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        file.write_all(&header)
            .map_err(|e| Error::io(&tmp_path, e))?;
        Ok(SegmentBuilder {
            name,
            tmp_path,
            final_path,
            file,
            text_hasher: Xxh3::new(),
            text_bytes: 0,
            ids: Vec::new(),
            docs: Vec::new(),
            pairs: vec![Vec::new(); PARTITIONS],
            pair_count: 0,
            doc_count: 0,
            deleted: Vec::new(),
        })
    }

    fn push(&mut self, id: &str, text: &str, shingles: &[u64], word_count: usize) -> Result<u32> {
        let local = self.doc_count;
        self.file
            .write_all(text.as_bytes())
            .map_err(|e| Error::io(&self.tmp_path, e))?;
        self.text_hasher.update(text.as_bytes());
        let mut entry = [0u8; DOC_ENTRY_BYTES];
        entry[0..8].copy_from_slice(&self.text_bytes.to_le_bytes());
        entry[8..12].copy_from_slice(&(text.len() as u32).to_le_bytes());
        entry[12..16].copy_from_slice(&(self.ids.len() as u32).to_le_bytes());
        entry[16..20].copy_from_slice(&(id.len() as u32).to_le_bytes());
        entry[20..24].copy_from_slice(&(word_count.min(u32::MAX as usize) as u32).to_le_bytes());
        entry[24..32].copy_from_slice(&xxh3_64(text.as_bytes()).to_le_bytes());
        self.docs.extend_from_slice(&entry);
        self.ids.extend_from_slice(id.as_bytes());
        self.text_bytes += text.len() as u64;
        for &h in shingles {
            self.pairs[(h >> 56) as usize].push((h, local));
        }
        self.pair_count += shingles.len();
        self.doc_count += 1;
        Ok(local)
    }

    /// Writes the remaining sections and the footer, fsyncs and renames the file to
    /// its final name.
    fn finish(mut self, params: &IndexParams) -> Result<SegmentEntry> {
        let mut sections = [SectionEntry::default(); SECTION_COUNT];
        sections[section::TEXTS] = SectionEntry {
            offset: SEGMENT_HEADER_BYTES as u64,
            len: self.text_bytes,
            checksum: self.text_hasher.digest(),
        };
        let mut pos = SEGMENT_HEADER_BYTES as u64 + self.text_bytes;

        // Pairs sorted by (shingle, document): each run is one key's postings.
        let mut keys: Vec<u8> = Vec::new();
        let mut offsets: Vec<u8> = Vec::new();
        let mut postings: Vec<u8> = Vec::with_capacity(self.pair_count * 4);
        let mut key_list: Vec<u64> = Vec::new();
        let mut posting_count: u64 = 0;
        for mut part in std::mem::take(&mut self.pairs) {
            part.sort_unstable();
            for run in part.chunk_by(|x, y| x.0 == y.0) {
                let key = run[0].0;
                keys.extend_from_slice(&key.to_le_bytes());
                key_list.push(key);
                offsets.extend_from_slice(&(posting_count as u32).to_le_bytes());
                if run.len() as u64 <= u64::from(params.max_df) {
                    for &(_, doc) in run {
                        postings.extend_from_slice(&doc.to_le_bytes());
                    }
                    posting_count += run.len() as u64;
                }
            }
        }
        offsets.extend_from_slice(&(posting_count as u32).to_le_bytes());

        let key_count = key_list.len() as u64;
        let bucket_bits = bucket_bits_for(key_count);
        let buckets = bucket_table(&key_list, bucket_bits);
        drop(key_list);

        let ids = std::mem::take(&mut self.ids);
        let docs = std::mem::take(&mut self.docs);
        let parts: [(usize, &[u8]); 6] = [
            (section::IDS, &ids),
            (section::DOCS, &docs),
            (section::BUCKETS, &buckets),
            (section::KEYS, &keys),
            (section::OFFSETS, &offsets),
            (section::POSTINGS, &postings),
        ];
        for (number, bytes) in parts {
            let pad = (8 - pos % 8) % 8;
            self.write(&[0u8; 8][..pad as usize])?;
            pos += pad;
            self.write(bytes)?;
            sections[number] = SectionEntry {
                offset: pos,
                len: bytes.len() as u64,
                checksum: xxh3_64(bytes),
            };
            pos += bytes.len() as u64;
        }
        let footer = Footer {
            doc_count: u64::from(self.doc_count),
            key_count,
            posting_count,
            bucket_bits,
            params: *params,
            sections,
            file_len: pos + FOOTER_BYTES as u64,
        };
        let (footer_bytes, footer_checksum) = footer.encode();
        self.write(&footer_bytes)?;
        let file = self
            .file
            .into_inner()
            .map_err(|e| Error::io(&self.tmp_path, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.tmp_path, e))?;
        drop(file);
        fs::rename(&self.tmp_path, &self.final_path).map_err(|e| Error::io(&self.final_path, e))?;
        Ok(SegmentEntry {
            name: self.name,
            file_len: footer.file_len,
            footer_checksum,
            doc_count: self.doc_count,
            deleted: self.deleted,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(|e| Error::io(&self.tmp_path, e))
    }
}

/// Partitions of the pair buffer (by the top byte of the shingle hash).
const PARTITIONS: usize = 256;

/// Bucket bits for a key count: about eight keys per bucket, so a lookup is one
/// table read plus a binary search over a cache line or two.
pub fn bucket_bits_for(key_count: u64) -> u32 {
    if key_count < 16 {
        return 0;
    }
    (63 - key_count.leading_zeros()).saturating_sub(3).min(24)
}

/// The bucket table (S3) of sorted keys.
fn bucket_table(keys: &[u64], bits: u32) -> Vec<u8> {
    let buckets = 1usize << bits;
    let mut out = Vec::with_capacity((buckets + 1) * 4);
    let mut k = 0usize;
    for b in 0..buckets {
        while k < keys.len() && bucket_of(keys[k], bits) < b as u64 {
            k += 1;
        }
        out.extend_from_slice(&(k as u32).to_le_bytes());
    }
    out.extend_from_slice(&(keys.len() as u32).to_le_bytes());
    out
}

/// The bucket of a key: its top `bits` bits.
#[inline]
pub fn bucket_of(key: u64, bits: u32) -> u64 {
    if bits == 0 {
        0
    } else {
        key >> (64 - bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_point_at_first_key_of_each_prefix() {
        let keys = [0u64, 1 << 62, (1 << 63) + 5, u64::MAX];
        let table = bucket_table(&keys, 2);
        let v: Vec<u32> = table
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(v, [0, 1, 2, 3, 4]);
        assert_eq!(bucket_bits_for(10), 0);
        assert_eq!(bucket_bits_for(1 << 20), 17);
    }
}
