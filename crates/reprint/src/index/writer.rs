//! Writing: new documents go into new immutable segment files; a commit publishes
//! them (and any deletions) by replacing the manifest atomically.

use super::format::{
    block_sums, bucket_bits_for, bucket_table, encode_block_table, section, Footer, IndexParams,
    SectionEntry, DOC_ENTRY_BYTES, FOOTER_BYTES, SECTION_COUNT, SEGMENT_HEADER_BYTES,
    SEGMENT_MAGIC, SEGMENT_VERSION,
};
use super::format::{corrupt, incompatible};
use super::manifest::{
    is_segment_name, repair_hint, segment_generation, segment_path, sync_dir, Manifest,
    SegmentEntry, MANIFEST_NAME,
};
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
    /// The id was already there with the very same text (same xxh3-64): nothing to
    /// store, the archive already holds it.
    Identical,
    /// The id was already there with a different text and replacing was not asked
    /// for: the new document was not stored. Callers must report it.
    Conflict,
    /// The id was already there with a different text; the old document was deleted
    /// and the new one stored.
    Replaced,
}

/// Where a live document is: segment (position in the writer's list) and local
/// number, and the checksum of its text.
#[derive(Debug, Clone, Copy)]
struct DocLoc {
    segment: usize,
    local: u32,
    text_hash: u64,
}

/// What a folder holds, as far as creating or opening an index there goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirState {
    /// Nothing at that path: an index may be created.
    Absent,
    /// An empty folder, or one holding only leftovers of an index writer that never
    /// committed (`LOCK`, `*.tmp`): an index may be created.
    Empty,
    /// A folder with a manifest.
    Index,
    /// Segment files but no manifest: an index whose manifest was lost.
    LostManifest {
        /// Segment files found.
        segments: usize,
    },
    /// A file, not a folder.
    NotAFolder,
    /// A folder with other files: never made into an index.
    Foreign {
        /// A few of the names found there, for the message.
        examples: Vec<String>,
    },
}

/// Looks at `dir` to decide whether an index may be created or opened there.
pub fn inspect_dir(dir: &Path) -> Result<DirState> {
    let meta = match fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DirState::Absent),
        Err(e) => return Err(Error::io(dir, e)),
    };
    if !meta.is_dir() {
        return Ok(DirState::NotAFolder);
    }
    let mut names: Vec<String> = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    if names.iter().any(|n| n == MANIFEST_NAME) {
        return Ok(DirState::Index);
    }
    let segments = names.iter().filter(|n| is_segment_name(n)).count();
    if segments > 0 {
        return Ok(DirState::LostManifest { segments });
    }
    let foreign: Vec<String> = names
        .into_iter()
        .filter(|n| n != LOCK_NAME && !is_temporary_name(n))
        .collect();
    if foreign.is_empty() {
        Ok(DirState::Empty)
    } else {
        Ok(DirState::Foreign {
            examples: foreign.into_iter().take(3).collect(),
        })
    }
}

/// The error for a folder an index may not be created or opened in.
fn refusal(dir: &Path, state: DirState) -> Error {
    match state {
        DirState::LostManifest { segments } => corrupt(
            dir,
            format!(
                "no {MANIFEST_NAME}, but {segments} segment file(s): the manifest is lost; \
                 refusing to start a new index over them; {}",
                repair_hint(dir)
            ),
        ),
        DirState::Foreign { examples } => Error::NotAnIndex {
            path: dir.to_path_buf(),
            message: format!(
                "not a reprint index and not empty (holds {}); an index is created only in a \
                 new or empty folder",
                examples.join(", ")
            ),
        },
        DirState::NotAFolder => Error::NotAnIndex {
            path: dir.to_path_buf(),
            message: "is a file, not an index folder".into(),
        },
        DirState::Absent | DirState::Empty | DirState::Index => {
            corrupt(dir, "index folder changed while being opened")
        }
    }
}

/// True for the temporary names this format's writers use (`seg-*.tmp`, `MANIFEST.tmp`).
pub(super) fn is_temporary_name(name: &str) -> bool {
    name.ends_with(".tmp") && (name.starts_with("seg-") || name.starts_with(MANIFEST_NAME))
}

/// Adds documents to an index. Nothing is visible to readers (and nothing of the
/// index changes) until [`IndexWriter::commit`]; dropping the writer without
/// committing removes the files it wrote (and, for an index it was creating, its
/// `LOCK` and the folder it created), and the process dying leaves the index as it
/// was.
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
    /// Segment files this writer renamed into place (removed unless committed).
    written: Vec<String>,
    /// No manifest existed: this writer is creating the index.
    creating: bool,
    /// This writer created the index folder itself.
    created_dir: bool,
    /// The commit published the manifest.
    committed: bool,
}

/// The part of the file names of this process's writers that no other writer shares
/// (`-<process id, 8 hex digits>-`): a front end that is interrupted can remove the
/// `*.tmp` files holding it, and nothing else.
pub fn process_file_tag() -> String {
    format!("-{:08x}-", std::process::id())
}

impl IndexWriter {
    /// Opens the index at `dir` for writing. An index is created (with `params`)
    /// only at a path that does not exist or is an empty folder; a folder holding
    /// other files is an [`Error::NotAnIndex`], and one holding segment files but
    /// no manifest (or a damaged manifest) an [`Error::Corrupt`] that says how to
    /// recover: nothing there is ever deleted or overwritten. An existing index must
    /// have been built with `params`, otherwise its postings could not be compared
    /// with the new ones: that is an [`Error::Incompatible`]. Leftovers of an
    /// interrupted earlier writer that are provably garbage (temporary files,
    /// segment files of a generation the manifest has superseded) are removed.
    pub fn open(dir: &Path, params: IndexParams) -> Result<IndexWriter> {
        params.validate()?;
        let mut created_dir = false;
        match inspect_dir(dir)? {
            DirState::Absent => {
                if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                }
                // Only the run that actually created the folder may remove it again.
                match fs::create_dir(dir) {
                    Ok(()) => created_dir = true,
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(Error::io(dir, e)),
                }
            }
            DirState::Empty | DirState::Index => {}
            // Refused before the lock file is created: nothing is written there.
            refused => return Err(refusal(dir, refused)),
        }
        let lock = match WriterLock::acquire(dir) {
            Ok(lock) => lock,
            Err(e) => {
                // Another writer holding the lock (a `Config` error) owns the folder
                // now; otherwise nobody can be using what this run created.
                if created_dir && !matches!(e, Error::Config(_)) {
                    let _ = fs::remove_file(dir.join(LOCK_NAME));
                    let _ = fs::remove_dir(dir);
                }
                return Err(e);
            }
        };
        // From here on, dropping `writer` undoes what this run created.
        let mut writer = IndexWriter {
            dir: dir.to_path_buf(),
            segments: Vec::new(),
            manifest: Manifest::new(params),
            ids: HashMap::new(),
            building: None,
            _lock: lock,
            next_segment: 0,
            writer_tag: std::process::id(),
            limits: SegmentLimits::default(),
            written: Vec::new(),
            creating: false,
            created_dir,
            committed: false,
        };
        // Inspected again under the lock: another writer may have just committed.
        match inspect_dir(dir)? {
            DirState::Absent | DirState::Empty => writer.creating = true,
            DirState::Index => {}
            refused => return Err(refusal(dir, refused)),
        }
        if !writer.creating {
            let Some(manifest) = Manifest::load(dir)? else {
                return Err(corrupt(dir, format!("{MANIFEST_NAME} vanished")));
            };
            let diff = manifest.params.differences(&params);
            if !diff.is_empty() {
                return Err(incompatible(
                    dir,
                    format!("index was built with {}", diff.join(", ")),
                ));
            }
            let index = Index::open(dir)?;
            let mut ids = HashMap::with_capacity(index.doc_count() as usize);
            for item in index.live_doc_ids() {
                let (r, id, text_hash) = item?;
                ids.insert(
                    id.to_owned(),
                    DocLoc {
                        segment: r.segment as usize,
                        local: r.local,
                        text_hash,
                    },
                );
            }
            writer.segments = manifest.segments.clone();
            writer.manifest = manifest;
            writer.ids = ids;
        }
        remove_leftovers(dir, &writer.manifest)?;
        Ok(writer)
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

    /// Adds one document. `shingles` are its keys from [`super::index_keys`]
    /// with this index's parameters, in any order and with
    /// repeats; `word_count` its number of word tokens. A document whose id is
    /// already live with the same text is [`AddOutcome::Identical`] and not stored;
    /// with a different text it is a [`AddOutcome::Conflict`] (not stored), or with
    /// `replace` the old document is deleted and the new one stored.
    pub fn add(
        &mut self,
        id: &str,
        text: &str,
        mut shingles: Vec<u64>,
        word_count: usize,
        replace: bool,
    ) -> Result<AddOutcome> {
        let mut outcome = AddOutcome::Added;
        let text_hash = xxh3_64(text.as_bytes());
        if let Some(&old) = self.ids.get(id) {
            if old.text_hash == text_hash {
                return Ok(AddOutcome::Identical);
            }
            if !replace {
                return Ok(AddOutcome::Conflict);
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
        let local = builder.push(id, text, text_hash, &shingles, word_count)?;
        self.ids.insert(
            id.to_owned(),
            DocLoc {
                segment: self.segments.len(),
                local,
                text_hash,
            },
        );
        Ok(outcome)
    }

    fn close_segment(&mut self) -> Result<()> {
        if let Some(builder) = self.building.take() {
            let entry = builder.finish(&self.manifest.params)?;
            self.written.push(entry.name.clone());
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
        self.committed = true;
        // Files of segments no longer named are garbage now.
        remove_leftovers(&self.dir, &manifest)?;
        Ok(manifest
            .segments
            .iter()
            .map(|s| u64::from(s.doc_count) - s.deleted.len() as u64)
            .sum())
    }
}

impl Drop for IndexWriter {
    /// An uncommitted writer removes what it wrote: the segment under construction,
    /// the segments it finished (unless a manifest on disk names them: a commit that
    /// failed after publishing), and, when it was creating the index, its `LOCK` and
    /// the folder it created, which then hold nothing of value.
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        if let Some(builder) = self.building.take() {
            let tmp = builder.tmp_path.clone();
            drop(builder);
            let _ = fs::remove_file(tmp);
        }
        let published = Manifest::load(&self.dir).ok().flatten();
        let named = |name: &str| {
            published
                .as_ref()
                .is_some_and(|m| m.segments.iter().any(|s| s.name == name))
        };
        for name in &self.written {
            if !named(name) {
                let _ = fs::remove_file(segment_path(&self.dir, name));
            }
        }
        let _ = fs::remove_file(self.dir.join(format!("{MANIFEST_NAME}.tmp")));
        if self.creating && published.is_none() {
            let _ = fs::remove_file(self.dir.join(LOCK_NAME));
            if self.created_dir {
                // Only succeeds when empty: nothing but this run's files was there.
                let _ = fs::remove_dir(&self.dir);
            }
        }
    }
}

/// File name of the writer lock inside the index directory.
pub const LOCK_NAME: &str = "LOCK";

/// An exclusive advisory lock (`flock`) on `<INDEX>/LOCK`, so that a second
/// writer fails at once instead of racing the first. The kernel drops the lock when
/// the process ends, however it ends, so a killed writer never leaves the index
/// locked.
pub(super) struct WriterLock {
    _file: File,
}

impl WriterLock {
    pub(super) fn acquire(dir: &Path) -> Result<WriterLock> {
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
                        "{}: another writer (`reprint index add` or `reprint index compact`) is \
                         writing this index",
                        dir.display()
                    )));
                }
                return Err(Error::io(&path, err));
            }
        }
        Ok(WriterLock { _file: file })
    }
}

/// Removes what is provably garbage of this index's own writers: temporary files
/// (`seg-*.tmp`, `MANIFEST.tmp`) and segment files the manifest does not name whose
/// generation it has superseded (replaced segments, or segments of a commit that was
/// interrupted before a later one succeeded). Segment files of a newer generation
/// than the manifest's are left alone: nothing proves them garbage.
pub(super) fn remove_leftovers(dir: &Path, manifest: &Manifest) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let superseded = is_segment_name(name)
            && segment_generation(name).is_some_and(|g| g <= manifest.generation)
            && !manifest.segments.iter().any(|s| s.name == name);
        if superseded || is_temporary_name(name) {
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
        header[8..12].copy_from_slice(&SEGMENT_VERSION.to_le_bytes());
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

    fn push(
        &mut self,
        id: &str,
        text: &str,
        text_hash: u64,
        shingles: &[u64],
        word_count: usize,
    ) -> Result<u32> {
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
        entry[24..32].copy_from_slice(&text_hash.to_le_bytes());
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
        // S7: block checksums of the index sections, right before the footer.
        let table = encode_block_table(&[
            block_sums(&buckets),
            block_sums(&keys),
            block_sums(&offsets),
            block_sums(&postings),
        ]);
        let pad = (8 - pos % 8) % 8;
        self.write(&[0u8; 8][..pad as usize])?;
        pos += pad;
        self.write(&table)?;
        pos += table.len() as u64;
        let footer = Footer {
            doc_count: u64::from(self.doc_count),
            key_count,
            posting_count,
            bucket_bits,
            params: *params,
            sections,
            file_len: pos + FOOTER_BYTES as u64,
            version: SEGMENT_VERSION,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_temporary_files_and_superseded_unlisted_segments_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let name = |g: u64| format!("seg-{g:016x}-00000001-0000.rps");
        let manifest = Manifest {
            generation: 2,
            params: IndexParams::default(),
            segments: vec![SegmentEntry {
                name: name(2),
                file_len: 0,
                footer_checksum: 0,
                doc_count: 1,
                deleted: Vec::new(),
            }],
        };
        let files = [
            name(1),
            name(2),
            name(3),
            format!("{}.tmp", name(3)),
            "MANIFEST.tmp".to_owned(),
            "notes.txt".to_owned(),
        ];
        for f in &files {
            fs::write(dir.path().join(f), b"x").unwrap();
        }
        remove_leftovers(dir.path(), &manifest).unwrap();
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        // Listed, newer than the manifest (nothing proves it garbage), not ours.
        assert_eq!(left, ["notes.txt".to_owned(), name(2), name(3)]);
    }
}
