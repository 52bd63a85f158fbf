//! `dedup` as stages over files: each stage reads Parquet tables, writes its own
//! atomically with a completion marker, and can run alone on one shard of its input
//! (another process, another machine), so that a killed run resumes and a large one
//! spreads. [`run_local`] runs them one after the other in this process; its result
//! is the same as [`super::run`]'s.
//!
//! ```text
//! WORK/dedup.json                    the run: inputs, parameters, fingerprint
//! WORK/sign/part-00000.parquet       sign: one row per record of a part (dedup.sign)
//! WORK/sign/part-00000.sets.arrow    its shingle sets (dedup.sets, Arrow IPC)
//! WORK/sign/part-00000.stats.json    its counts (skipped records, decoded files, …)
//! WORK/sign/part-00000.done          its completion marker
//! WORK/band/rank-0-of-1.parquet      band: candidate pairs of one band-key shard
//! WORK/verify/rank-0-of-1.parquet    verify: candidate pairs at or above the threshold
//! WORK/components/clusters.parquet   components: one row per member of each cluster
//! ```
//!
//! Sharding: records are cut into *parts* of consecutive records
//! ([`DEFAULT_PART_RECORDS`]); the sign rank `R` of `W` signs the parts `p` with
//! `p % W == R` (every rank reads the inputs through, and parses only its parts). The
//! band rank takes the band keys `k` with `k % W == R`, the verify rank the pairs
//! whose first document `a` has `a % W == R`. Components and apply read everything.
//! A document's key in every table is its record number (`record`, counted from 0
//! in reading order over all inputs), so the tables join without reprint.
//! The schemas are in `docs/STAGES.md`.

use super::run::{analyse, build_clusters, Scratch};
use super::sets::{SetLoc, SetRows, SetsWriter, SignSets};
use super::{DedupConfig, DedupResult, DedupStats, DocMeta, KeepPolicy, VerifiedPair};
use crate::cluster::UnionFind;
use crate::document::SortKey;
use crate::error::{Error, Result};
use crate::exec::{MemoryLimit, Observer, Stage};
use crate::input::ingest::{ingest_selected, IngestConfig, InputTally, Item, RecordInfo, Skipped};
use crate::input::Sources;
use crate::minhash::MinHasher;
use crate::table::{read_table, write_json_atomic, FileDigest, Marker, TableKind, TableWriter};
use crate::verify::{score_sets, PairScore, SetsCopy};
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, StringBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, UInt32Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use bitvec::vec::BitVec;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The sign table: one row per record.
pub const SIGN_TABLE: TableKind = TableKind {
    name: "dedup.sign",
    version: 2,
};
/// The band table: candidate pairs.
pub const BAND_TABLE: TableKind = TableKind {
    name: "dedup.band",
    version: 1,
};
/// The verify table: verified pairs with their exact scores.
pub const VERIFY_TABLE: TableKind = TableKind {
    name: "dedup.verify",
    version: 1,
};
/// The components table: cluster members.
pub const CLUSTERS_TABLE: TableKind = TableKind {
    name: "dedup.clusters",
    version: 1,
};

/// Rows per row group of a sign table (about 200 bytes a row with 16 bands; the sets
/// are in the part's sets file), of which the writer keeps one in memory.
const SIGN_ROW_GROUP_ROWS: usize = crate::table::ROW_GROUP_ROWS;
/// Columns of the sign table stored uncompressed and without statistics, besides the
/// band keys: random 64-bit hashes, which zstd cannot shrink and min/max statistics
/// cannot filter on, so compressing them only costs time in every stage.
const SIGN_RAW_COLUMNS: [&str; 1] = ["record_hash"];
/// Rows built up before they are handed to the sign table's writer.
const SIGN_FLUSH_ROWS: usize = 2_048;

/// Records per sign part: the unit of sharding and of resumption. About 2 GB of news
/// text; a part's rows are written as they are made, so it is not held in memory.
pub const DEFAULT_PART_RECORDS: u64 = 1 << 20;

const WORK_FORMAT: &str = "reprint-dedup-work";
const WORK_VERSION: u32 = 2;

/// One shard of a stage's input: rank `rank` of `world` processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    rank: u32,
    world: u32,
}

impl Shard {
    /// The whole input in one process.
    pub const ALL: Shard = Shard { rank: 0, world: 1 };

    /// Rank `rank` of `world`; `world` must be at least 1 and `rank` below it.
    pub fn new(rank: u32, world: u32) -> Result<Shard> {
        if world == 0 || rank >= world {
            return Err(Error::Config(format!(
                "rank {rank} of world size {world}: the rank must be below the world size, which must be at least 1"
            )));
        }
        Ok(Shard { rank, world })
    }

    /// This shard's rank.
    pub fn rank(&self) -> u32 {
        self.rank
    }

    /// The number of shards.
    pub fn world(&self) -> u32 {
        self.world
    }

    pub(crate) fn owns(&self, value: u64) -> bool {
        value % self.world as u64 == self.rank as u64
    }

    fn name(&self) -> String {
        format!("rank-{}-of-{}", self.rank, self.world)
    }
}

/// What the stages after `sign` need of the configuration, recorded in the work
/// folder so that they run from it alone.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StageParams {
    /// LSH bands (band key columns of the sign table).
    pub bands: usize,
    /// Bucket size above which members pair with the first `max_bucket` only.
    pub max_bucket: usize,
    /// Minimum exact Jaccard similarity of a verified pair.
    pub threshold: f64,
    /// Which member of a cluster is kept.
    pub keep: KeepPolicy,
}

/// The run description in `WORK/dedup.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct RunManifest {
    format: String,
    version: u32,
    /// xxh3 of the whole configuration and the input list: parts made under another
    /// one are never mixed in.
    fingerprint: String,
    inputs: Vec<String>,
    part_records: u64,
    params: StageParams,
}

/// The work folder of one staged dedup run.
#[derive(Debug, Clone)]
pub struct WorkDir {
    root: PathBuf,
    manifest: RunManifest,
    /// The sign parts found complete by this process, with the size and modification
    /// time of each of their files then: the stages after sign check the markers once
    /// (reading every table through), not once per stage, unless a file has changed.
    sign_checked: Arc<Mutex<Option<CheckedParts>>>,
}

/// Sign parts whose markers held, and the stamps of their files at that time.
#[derive(Debug, Clone)]
struct CheckedParts {
    parts: Vec<PathBuf>,
    stamps: Vec<(PathBuf, u64, Option<std::time::SystemTime>)>,
}

impl CheckedParts {
    fn stamps_of(parts: &[PathBuf]) -> Vec<(PathBuf, u64, Option<std::time::SystemTime>)> {
        parts
            .iter()
            .flat_map(|table| {
                [
                    table.clone(),
                    sets_path(table),
                    table.with_extension("stats.json"),
                    table.with_extension("done"),
                ]
            })
            .map(|path| {
                let meta = std::fs::metadata(&path).ok();
                let len = meta.as_ref().map_or(u64::MAX, |m| m.len());
                let modified = meta.and_then(|m| m.modified().ok());
                (path, len, modified)
            })
            .collect()
    }

    /// Whether every file is as it was when the markers were checked.
    fn unchanged(&self) -> bool {
        CheckedParts::stamps_of(&self.parts) == self.stamps
    }
}

fn fingerprint(config: &DedupConfig, sources: &Sources, part_records: u64) -> String {
    // The memory limit changes how a run is carried out, not what it computes (and
    // its default depends on the machine): it is left out.
    let config = &DedupConfig {
        memory_limit: MemoryLimit::new(0),
        ..config.clone()
    };
    let inputs: Vec<&str> = sources.list().iter().map(|s| s.display.as_str()).collect();
    let described = format!(
        "{}|{config:?}|{:?}|{inputs:?}|{part_records}",
        env!("CARGO_PKG_VERSION"),
        config.input
    );
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(described.as_bytes()))
}

impl WorkDir {
    /// Opens the work folder of a run of `config` over `sources`, creating it (and
    /// its description) when new. A folder made for other inputs or parameters is
    /// [`Error::Incompatible`]: its parts are never mixed with this run's.
    pub fn create(
        root: &Path,
        config: &DedupConfig,
        sources: &Sources,
        part_records: u64,
    ) -> Result<WorkDir> {
        config.validate()?;
        if part_records == 0 {
            return Err(Error::Config("records per part must be at least 1".into()));
        }
        std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
        let manifest = RunManifest {
            format: WORK_FORMAT.into(),
            version: WORK_VERSION,
            fingerprint: fingerprint(config, sources, part_records),
            inputs: sources.list().iter().map(|s| s.display.clone()).collect(),
            part_records,
            params: StageParams {
                bands: config.lsh_params().bands,
                max_bucket: config.max_bucket,
                threshold: config.threshold,
                keep: config.keep,
            },
        };
        let path = root.join("dedup.json");
        if path.exists() {
            let existing = WorkDir::open(root)?;
            if existing.manifest.fingerprint != manifest.fingerprint {
                return Err(Error::Incompatible {
                    path,
                    message: "this work folder belongs to a run with other inputs or parameters; \
                              give another --work-dir, or remove this one"
                        .into(),
                });
            }
            return Ok(existing);
        }
        write_json_atomic(&path, &manifest)?;
        Ok(WorkDir {
            root: root.to_path_buf(),
            manifest,
            sign_checked: Arc::default(),
        })
    }

    /// Opens an existing work folder (for the stages after `sign`).
    pub fn open(root: &Path) -> Result<WorkDir> {
        let path = root.join("dedup.json");
        let manifest: RunManifest =
            crate::table::read_run_description(&path, "dedup", WORK_FORMAT, WORK_VERSION)?;
        Ok(WorkDir {
            root: root.to_path_buf(),
            manifest,
            sign_checked: Arc::default(),
        })
    }

    /// The parameters the stages after `sign` use.
    pub fn params(&self) -> &StageParams {
        &self.manifest.params
    }

    /// The inputs the run was made from, as the user named them.
    pub fn inputs(&self) -> &[String] {
        &self.manifest.inputs
    }

    fn stage_dir(&self, stage: &str) -> Result<PathBuf> {
        let dir = self.root.join(stage);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(dir)
    }

    fn fp(&self) -> &str {
        &self.manifest.fingerprint
    }
}

fn part_name(part: u64) -> String {
    format!("part-{part:05}")
}

/// What one sign part counted, saved beside its table.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct PartStats {
    /// Parts in the whole run (every rank reads all records, so all agree).
    parts: u64,
    records: u64,
    documents: u64,
    empty_documents: u64,
    input_bytes: u64,
    records_by_source: BTreeMap<u32, u64>,
    skipped: Skipped,
    decoded: BTreeMap<u32, String>,
    bad_date: u64,
    line_documents: u64,
    ids_from_field: u64,
}

impl PartStats {
    fn count_record(&mut self, record: &RecordInfo) {
        self.records += 1;
        self.input_bytes += record.bytes;
        *self.records_by_source.entry(record.source).or_default() += 1;
    }
}

/// What a stage did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageReport {
    /// Parts or shards made by this call.
    pub made: u64,
    /// Parts or shards already complete, skipped.
    pub skipped: u64,
}

fn sign_schema(bands: usize) -> SchemaRef {
    let mut fields = vec![
        Field::new("record", DataType::UInt64, false),
        Field::new("source", DataType::UInt32, false),
        Field::new("record_hash", DataType::UInt64, false),
        Field::new("id", DataType::Utf8, true),
        Field::new("text_bytes", DataType::UInt64, true),
        Field::new("shingles", DataType::UInt32, true),
        Field::new("keep_num", DataType::Float64, true),
        Field::new("keep_str", DataType::Utf8, true),
    ];
    for b in 0..bands {
        fields.push(Field::new(band_column(b), DataType::UInt64, true));
    }
    Arc::new(Schema::new(fields))
}

fn band_column(band: usize) -> String {
    format!("band_{band}")
}

/// Column builders of one sign part, flushed every row group.
struct SignRows {
    schema: SchemaRef,
    record: UInt64Builder,
    source: UInt32Builder,
    hash: UInt64Builder,
    id: StringBuilder,
    text_bytes: UInt64Builder,
    shingles: UInt32Builder,
    keep_num: Float64Builder,
    keep_str: StringBuilder,
    bands: Vec<UInt64Builder>,
    sets: SetRows,
    rows: usize,
}

impl SignRows {
    fn new(bands: usize) -> SignRows {
        SignRows {
            schema: sign_schema(bands),
            record: UInt64Builder::new(),
            source: UInt32Builder::new(),
            hash: UInt64Builder::new(),
            id: StringBuilder::new(),
            text_bytes: UInt64Builder::new(),
            shingles: UInt32Builder::new(),
            keep_num: Float64Builder::new(),
            keep_str: StringBuilder::new(),
            bands: (0..bands).map(|_| UInt64Builder::new()).collect(),
            sets: SetRows::new(),
            rows: 0,
        }
    }

    fn push_record(&mut self, record: u64, source: u32, hash: u64) {
        self.record.append_value(record);
        self.source.append_value(source);
        self.hash.append_value(hash);
        self.rows += 1;
    }

    fn push_doc(&mut self, record: u64, meta: &DocMeta, keys: &[u64], set: &[u32]) {
        self.id.append_value(&meta.id);
        self.text_bytes.append_value(meta.text_bytes as u64);
        self.shingles.append_value(meta.shingles);
        let (num, text) = SortKey::columns(meta.keep_key.as_ref());
        self.keep_num.append_option(num);
        self.keep_str.append_option(text);
        for (b, k) in self.bands.iter_mut().zip(keys) {
            b.append_value(*k);
        }
        self.sets.push(record, set);
    }

    fn push_skipped(&mut self, record: u64) {
        self.id.append_null();
        self.text_bytes.append_null();
        self.shingles.append_null();
        self.keep_num.append_null();
        self.keep_str.append_null();
        for b in &mut self.bands {
            b.append_null();
        }
        self.sets.push_none(record);
    }

    /// The rows built so far: the sign table's and the sets file's.
    fn batch(&mut self) -> Result<(RecordBatch, RecordBatch)> {
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.record.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.hash.finish()),
            Arc::new(self.id.finish()),
            Arc::new(self.text_bytes.finish()),
            Arc::new(self.shingles.finish()),
            Arc::new(self.keep_num.finish()),
            Arc::new(self.keep_str.finish()),
        ];
        for b in &mut self.bands {
            columns.push(Arc::new(b.finish()));
        }
        self.rows = 0;
        let sign = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| Error::Config(format!("building a sign batch: {e}")))?;
        Ok((sign, self.sets.batch()?))
    }
}

/// A sign part being written.
struct OpenPart {
    part: u64,
    writer: BackgroundWriter,
    rows: SignRows,
    stats: PartStats,
    dir: PathBuf,
}

impl OpenPart {
    fn flush(&mut self) -> Result<()> {
        if self.rows.rows > 0 {
            let batch = self.rows.batch()?;
            self.writer.write(batch)?;
        }
        Ok(())
    }

    /// Closes the part's files; its statistics and marker wait for the total.
    fn close(mut self) -> Result<ClosedPart> {
        self.flush()?;
        let files = self.writer.finish()?;
        Ok(ClosedPart {
            part: self.part,
            files,
            stats: self.stats,
            dir: self.dir,
        })
    }
}

/// Batches handed to a sign part's writers (its table and its sets file) on their own
/// thread, so that encoding and writing overlap with the parsing and signing of the
/// next records (the ingest hands records over on one thread, between batches, while
/// the workers wait).
struct BackgroundWriter {
    /// `Some(batches)` to write, `None` to finish the files; writers whose channel
    /// closes without `None` (the part failed) drop their temporary files.
    tx: Option<std::sync::mpsc::SyncSender<Option<(RecordBatch, RecordBatch)>>>,
    handle: Option<std::thread::JoinHandle<Result<Vec<FileDigest>>>>,
}

/// Batches waiting for the writer thread: with 2,048 rows of about 1.6 KB each, a few MB.
const WRITER_QUEUE_BATCHES: usize = 2;

impl BackgroundWriter {
    fn spawn(mut table: TableWriter, mut sets: SetsWriter) -> Result<BackgroundWriter> {
        let (tx, rx) = std::sync::mpsc::sync_channel(WRITER_QUEUE_BATCHES);
        let handle = std::thread::Builder::new()
            .name("reprint-sign-writer".into())
            .spawn(move || {
                for message in rx {
                    match message {
                        Some((rows, set_rows)) => {
                            table.write(&rows)?;
                            sets.write(&set_rows)?;
                        }
                        None => return Ok(vec![table.finish()?, sets.finish()?]),
                    }
                }
                Err(Error::Config("the sign part was abandoned".into()))
            })
            .map_err(|e| Error::stream("starting the sign table writer", e))?;
        Ok(BackgroundWriter {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// Queues a batch; an error of the writer (a full disk) comes back here or from
    /// [`BackgroundWriter::finish`].
    fn write(&mut self, batches: (RecordBatch, RecordBatch)) -> Result<()> {
        let sent = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.send(Some(batches)).is_ok());
        if sent {
            Ok(())
        } else {
            // The thread stopped early: its error says why.
            self.join().and_then(|_| {
                Err(Error::Config(
                    "the sign table writer stopped before its table was complete".into(),
                ))
            })
        }
    }

    fn join(&mut self) -> Result<Vec<FileDigest>> {
        self.tx = None;
        match self.handle.take().map(|h| h.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(Error::Config("the sign table writer failed".into())),
            None => Err(Error::Config(
                "the sign table writer was already closed".into(),
            )),
        }
    }

    /// Waits for every queued batch to be written and the files to be renamed into place.
    fn finish(mut self) -> Result<Vec<FileDigest>> {
        if let Some(tx) = &self.tx {
            // A send that fails means the thread has stopped: join says why.
            let _ = tx.send(None);
        }
        self.join()
    }
}

/// A sign part whose table and sets file are written.
struct ClosedPart {
    part: u64,
    files: Vec<FileDigest>,
    stats: PartStats,
    dir: PathBuf,
}

impl ClosedPart {
    /// Writes the statistics (with the run's part count) and then the marker.
    fn finish(mut self, parts: u64, fp: &str) -> Result<()> {
        let name = part_name(self.part);
        self.stats.parts = parts;
        let stats_path = self.dir.join(format!("{name}.stats.json"));
        write_json_atomic(&stats_path, &self.stats)?;
        self.files.push(FileDigest::of(&stats_path)?);
        Marker::write(&self.dir, SIGN_TABLE.name, &name, fp, self.files)
    }
}

/// The sign stage: every record of this shard's parts becomes a row of
/// `sign/part-NNNNN.parquet` (document id, size, keep key, band keys; a record that
/// cannot be used keeps only its number and checksum) and of
/// `sign/part-NNNNN.sets.arrow` (its shingle fingerprints).
/// Records are read through the one ingest path; parts already complete are skipped
/// (their records are read but not parsed).
pub fn sign(
    work: &WorkDir,
    sources: &Sources,
    config: &DedupConfig,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<StageReport> {
    config.validate()?;
    if fingerprint(config, sources, work.manifest.part_records) != work.fp() {
        return Err(Error::Incompatible {
            path: work.root.join("dedup.json"),
            message: "the work folder belongs to a run with other inputs or parameters".into(),
        });
    }
    let dir = work.stage_dir("sign")?;
    let per_part = work.manifest.part_records;
    let lsh = config.lsh_params();
    let hasher = MinHasher::new(config.num_perm, config.seed);
    let mut report = StageReport::default();
    let complete = complete_parts(&dir, work.fp())?;
    let select = |ordinal: u64| {
        let part = ordinal / per_part;
        shard.owns(part) && !complete.contains(&part)
    };
    // Hashes neither compress nor filter: they are stored plain (see SIGN_RAW_COLUMNS).
    let band_names: Vec<String> = (0..lsh.bands).map(band_column).collect();
    let raw_columns: Vec<&str> = SIGN_RAW_COLUMNS
        .iter()
        .copied()
        .chain(band_names.iter().map(String::as_str))
        .collect();
    let mut finished: Vec<ClosedPart> = Vec::new();
    let mut open: Option<OpenPart> = None;
    let open_part = |part: u64| -> Result<OpenPart> {
        let path = dir.join(format!("{}.parquet", part_name(part)));
        Ok(OpenPart {
            part,
            writer: BackgroundWriter::spawn(
                TableWriter::create_with_raw_columns(
                    &path,
                    SIGN_TABLE,
                    sign_schema(lsh.bands),
                    SIGN_ROW_GROUP_ROWS,
                    &raw_columns,
                )?,
                SetsWriter::create(&sets_path(&path))?,
            )?,
            rows: SignRows::new(lsh.bands),
            stats: PartStats::default(),
            dir: dir.clone(),
        })
    };
    let ingest_config = IngestConfig {
        strict: config.strict,
        ..IngestConfig::default()
    };
    let ingested = ingest_selected(
        sources,
        &config.input,
        &ingest_config,
        &select,
        observer,
        |scratch: &mut Scratch, raw, doc| analyse(doc, raw.ordinal, config, &lsh, &hasher, scratch),
        |item| {
            let at = match &item {
                Item::Doc { record, .. } => record.ordinal,
                Item::Skipped { record, at, .. } => record.map_or(*at, |r| r.ordinal),
            };
            let part = at / per_part;
            if open.as_ref().map(|p| p.part) != Some(part) {
                if let Some(done) = open.take() {
                    finished.push(done.close()?);
                }
                open = Some(open_part(part)?);
            }
            let Some(p) = open.as_mut() else {
                return Ok(());
            };
            match item {
                Item::Doc {
                    record,
                    notes,
                    value,
                } => {
                    p.rows
                        .push_record(record.ordinal, record.source, record.hash);
                    p.stats.count_record(&record);
                    if let Some(encoding) = notes.encoding {
                        p.stats
                            .decoded
                            .entry(notes.origin.source)
                            .or_insert_with(|| encoding.to_string());
                    }
                    p.stats.bad_date += u64::from(notes.bad_date.is_some());
                    if notes.origin.line > 0 {
                        p.stats.line_documents += 1;
                        p.stats.ids_from_field += u64::from(notes.id_from_field);
                    }
                    if value.meta.shingles == 0 {
                        p.stats.empty_documents += 1;
                    }
                    p.stats.documents += 1;
                    p.rows
                        .push_doc(record.ordinal, &value.meta, &value.keys, &value.set);
                }
                Item::Skipped { record, issue, .. } => {
                    if let Some(record) = record {
                        p.rows
                            .push_record(record.ordinal, record.source, record.hash);
                        p.stats.count_record(&record);
                        p.rows.push_skipped(record.ordinal);
                    }
                    p.stats.skipped.count(issue);
                }
            }
            if p.rows.rows >= SIGN_FLUSH_ROWS {
                p.flush()?;
            }
            Ok(())
        },
    )?;
    if let Some(done) = open.take() {
        finished.push(done.close()?);
    }
    // Every rank reads every record, so every rank knows how many parts there are.
    let records = ingested.next_ordinal;
    let parts = records.div_ceil(per_part).max(1);
    // Parts of this shard with no record read at all (an empty input has part 0).
    for part in (0..parts).filter(|&p| select(p * per_part)) {
        if !finished.iter().any(|f| f.part == part) {
            finished.push(open_part(part)?.close()?);
        }
    }
    report.skipped = (0..parts)
        .filter(|&p| shard.owns(p) && complete.contains(&p))
        .count() as u64;
    let made: std::collections::BTreeSet<u64> = finished.iter().map(|f| f.part).collect();
    for part in finished {
        part.finish(parts, work.fp())?;
        report.made += 1;
    }
    // Every part is known sound here when this process wrote it or checked its marker
    // at the start: the later stages of this process need not read them through again.
    if (0..parts).all(|p| made.contains(&p) || complete.contains(&p)) {
        let paths: Vec<PathBuf> = (0..parts)
            .map(|p| dir.join(format!("{}.parquet", part_name(p))))
            .collect();
        let mut checked = work.sign_checked.lock().unwrap_or_else(|e| e.into_inner());
        *checked = Some(CheckedParts {
            stamps: CheckedParts::stamps_of(&paths),
            parts: paths,
        });
    }
    Ok(report)
}

/// The sets file beside a sign part's table.
fn sets_path(table: &Path) -> PathBuf {
    table.with_extension("sets.arrow")
}

/// The parts of a sign folder whose markers hold.
fn complete_parts(dir: &Path, fp: &str) -> Result<std::collections::BTreeSet<u64>> {
    let mut parts = std::collections::BTreeSet::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(parts);
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(number) = name
            .strip_prefix("part-")
            .and_then(|r| r.strip_suffix(".done"))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        if Marker::is_complete(dir, SIGN_TABLE.name, &part_name(number), fp)? {
            parts.insert(number);
        }
    }
    Ok(parts)
}

/// The sign parts of a finished sign stage, in order; an incomplete one is an error
/// naming it. Markers found complete before by this process are not checked again
/// while their files keep their size and modification time.
fn sign_parts(work: &WorkDir) -> Result<Vec<PathBuf>> {
    // A poisoned lock only means a stage panicked elsewhere: the cache is rechecked anyway.
    let mut checked = work.sign_checked.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = checked.as_ref().filter(|c| c.unchanged()) {
        return Ok(c.parts.clone());
    }
    let parts = check_sign_parts(work)?;
    *checked = Some(CheckedParts {
        stamps: CheckedParts::stamps_of(&parts),
        parts: parts.clone(),
    });
    Ok(parts)
}

fn check_sign_parts(work: &WorkDir) -> Result<Vec<PathBuf>> {
    let dir = work.root.join("sign");
    if !Marker::is_complete(&dir, SIGN_TABLE.name, &part_name(0), work.fp())? {
        return Err(Error::StageIncomplete {
            path: dir,
            message: "sign part 0 is not complete; run the sign stage (every rank) first".into(),
        });
    }
    let first = dir.join(format!("{}.stats.json", part_name(0)));
    let stats: PartStats = read_json(&first)?;
    let mut parts = Vec::with_capacity(stats.parts as usize);
    // Checking a marker reads its files through: the parts are checked in parallel.
    let complete = crate::exec::map_indices(stats.parts as usize, |p| {
        Marker::is_complete(&dir, SIGN_TABLE.name, &part_name(p as u64), work.fp())
    });
    for (p, complete) in (0..stats.parts).zip(complete) {
        let name = part_name(p);
        if !complete? {
            return Err(Error::StageIncomplete {
                path: dir.clone(),
                message: format!(
                    "sign part {p} of {} is not complete; run the sign stage (every rank) first",
                    stats.parts
                ),
            });
        }
        parts.push(dir.join(format!("{name}.parquet")));
    }
    Ok(parts)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str, path: &Path) -> Result<&'a T> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or_else(|| Error::Corrupt {
            path: path.to_path_buf(),
            message: format!("column {name:?} is missing or of another type"),
        })
}

/// The band stage: for each band, documents whose band keys are equal (and, for this
/// shard, `key % world == rank`) are candidate pairs; a bucket larger than
/// `max_bucket` pairs every member with its first `max_bucket` members only.
/// Writes `band/rank-R-of-W.parquet` (`a < b`, sorted, unique).
pub fn band(work: &WorkDir, shard: Shard, observer: &dyn Observer) -> Result<StageReport> {
    let dir = work.stage_dir("band")?;
    let name = shard.name();
    if Marker::is_complete(&dir, BAND_TABLE.name, &name, work.fp())? {
        return Ok(StageReport {
            made: 0,
            skipped: 1,
        });
    }
    let parts = sign_parts(work)?;
    let params = work.params();
    let max_bucket = params.max_bucket;
    observer.stage_started(Stage::Candidates, Some(params.bands as u64));
    let mut pairs: Vec<u128> = Vec::new();
    let mut column_keys: Vec<(u64, u64)> = Vec::new();
    // Which records are non-empty documents (one bit each), read once: each band then
    // reads its key column alone, a row's record number being its place in the parts.
    let mut eligible: BitVec = BitVec::new();
    for path in &parts {
        for batch in read_table(path, SIGN_TABLE, &["record", "shingles"])? {
            let batch = batch?;
            let record = column::<UInt64Array>(&batch, "record", path)?;
            let shingles = column::<UInt32Array>(&batch, "shingles", path)?;
            for i in 0..batch.num_rows() {
                if record.value(i) != eligible.len() as u64 {
                    return Err(Error::Corrupt {
                        path: path.clone(),
                        message: "sign rows are not numbered consecutively".into(),
                    });
                }
                eligible.push(!shingles.is_null(i) && shingles.value(i) > 0);
            }
        }
    }
    for b in 0..params.bands {
        column_keys.clear();
        let band_name = band_column(b);
        let mut record = 0u64;
        for path in &parts {
            for batch in read_table(path, SIGN_TABLE, &[&band_name])? {
                let batch = batch?;
                let keys = column::<UInt64Array>(&batch, &band_name, path)?;
                for i in 0..batch.num_rows() {
                    let r = record;
                    record += 1;
                    if !eligible.get(r as usize).is_some_and(|e| *e) || keys.is_null(i) {
                        continue;
                    }
                    let key = keys.value(i);
                    if shard.owns(key) {
                        column_keys.push((key, r));
                    }
                }
            }
        }
        if record != eligible.len() as u64 {
            return Err(Error::Corrupt {
                path: work.root.join("sign"),
                message: format!("column {band_name} has other rows than the sign tables"),
            });
        }
        crate::exec::sort_unstable(&mut column_keys);
        crate::lsh::bucket_pairs(&column_keys, max_bucket, |a, b| {
            pairs.push(((a as u128) << 64) | b as u128)
        });
        if pairs.len() > 1 << 22 {
            crate::exec::sort_unstable(&mut pairs);
            pairs.dedup();
        }
        observer.advance(1);
    }
    crate::exec::sort_unstable(&mut pairs);
    pairs.dedup();
    let schema = Arc::new(Schema::new(vec![
        Field::new("a", DataType::UInt64, false),
        Field::new("b", DataType::UInt64, false),
    ]));
    let path = dir.join(format!("{name}.parquet"));
    let mut writer = TableWriter::create(&path, BAND_TABLE, schema.clone())?;
    for chunk in pairs.chunks(crate::table::ROW_GROUP_ROWS) {
        let a: UInt64Array = chunk.iter().map(|p| (p >> 64) as u64).collect();
        let b: UInt64Array = chunk.iter().map(|p| *p as u64).collect();
        let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(a), Arc::new(b)])
            .map_err(|e| Error::Config(format!("building a band batch: {e}")))?;
        writer.write(&batch)?;
    }
    let digest = writer.finish()?;
    Marker::write(&dir, BAND_TABLE.name, &name, work.fp(), vec![digest])?;
    observer.stage_finished(Stage::Candidates);
    Ok(StageReport {
        made: 1,
        skipped: 0,
    })
}

/// The complete shards of a sharded stage (`rank-R-of-W`): one world size whose ranks
/// are all complete.
fn complete_shards(work: &WorkDir, stage: &str, kind: TableKind) -> Result<Vec<PathBuf>> {
    let dir = work.root.join(stage);
    let mut worlds: BTreeMap<u32, ()> = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(rest) = name.strip_suffix(".done") {
                if let Some((_, w)) = rest.split_once("-of-") {
                    if let Ok(w) = w.parse::<u32>() {
                        worlds.insert(w, ());
                    }
                }
            }
        }
    }
    for (&w, _) in worlds.iter().rev() {
        let mut paths = Vec::new();
        let mut all = true;
        for r in 0..w {
            let name = format!("rank-{r}-of-{w}");
            if Marker::is_complete(&dir, kind.name, &name, work.fp())? {
                paths.push(dir.join(format!("{name}.parquet")));
            } else {
                all = false;
                break;
            }
        }
        if all {
            return Ok(paths);
        }
    }
    Err(Error::StageIncomplete {
        path: dir,
        message: format!(
            "the {stage} stage is not complete (every rank of one world size); run it first"
        ),
    })
}

/// What the stages after `sign` read of the documents they name: the metadata of
/// those documents only, and (for apply) every record's checksum and whether it is a
/// document. Nothing else of a document is kept, so memory grows with the pairs and
/// clusters, not with the collection.
struct Named {
    /// The records named, sorted and unique.
    records: Vec<u64>,
    /// Metadata of each, in that order.
    meta: Vec<DocMeta>,
}

/// What the checked second read of apply needs of every record.
struct RecordChecks {
    /// The checksum of every record (documents or not), by record number.
    hashes: Vec<u64>,
    /// One bit per record: set when it is a document.
    documents: BitVec,
}

/// The columns of the sign table that [`read_named`] reads.
const META_COLUMNS: [&str; 6] = [
    "record",
    "id",
    "text_bytes",
    "shingles",
    "keep_num",
    "keep_str",
];

/// The error for a pair or cluster member naming a record that is no document.
fn not_a_document(path: &Path, record: u64) -> Error {
    Error::Corrupt {
        path: path.to_path_buf(),
        message: format!("record {record} is named by a pair or cluster but is no document"),
    }
}

/// Reads the metadata of the documents `records` (sorted, unique) from the sign parts
/// in one pass, which ends at the part holding the last of them.
fn read_named(parts: &[PathBuf], records: Vec<u64>) -> Result<Named> {
    let mut meta = Vec::with_capacity(records.len());
    let mut next = 0usize;
    let mut previous: Option<u64> = None;
    for path in parts {
        if next == records.len() {
            break;
        }
        for batch in read_table(path, SIGN_TABLE, &META_COLUMNS)? {
            if next == records.len() {
                break;
            }
            let batch = batch?;
            let record = column::<UInt64Array>(&batch, "record", path)?;
            let id = column::<StringArray>(&batch, "id", path)?;
            let text_bytes = column::<UInt64Array>(&batch, "text_bytes", path)?;
            let shingles = column::<UInt32Array>(&batch, "shingles", path)?;
            let keep_num = column::<Float64Array>(&batch, "keep_num", path)?;
            let keep_str = column::<StringArray>(&batch, "keep_str", path)?;
            for i in 0..batch.num_rows() {
                let r = record.value(i);
                if previous.is_some_and(|p| p >= r) {
                    return Err(Error::Corrupt {
                        path: path.clone(),
                        message: "sign parts are out of record order".into(),
                    });
                }
                previous = Some(r);
                if records.get(next) != Some(&r) {
                    if records.get(next).is_some_and(|&n| n < r) {
                        return Err(not_a_document(path, records[next]));
                    }
                    continue;
                }
                if id.is_null(i) {
                    return Err(not_a_document(path, r));
                }
                next += 1;
                let keep_key = SortKey::from_columns(
                    keep_num.is_valid(i).then(|| keep_num.value(i)),
                    keep_str.is_valid(i).then(|| keep_str.value(i)),
                );
                meta.push(DocMeta {
                    id: id.value(i).to_string(),
                    ordinal: r,
                    text_bytes: text_bytes.value(i) as usize,
                    shingles: shingles.value(i),
                    keep_key,
                });
            }
        }
    }
    if let Some(&missing) = records.get(next) {
        let path = parts.last().cloned().unwrap_or_default();
        return Err(not_a_document(&path, missing));
    }
    Ok(Named { records, meta })
}

/// Reads every record's checksum and document bit from the sign parts (two narrow
/// columns; a record is a document when its `shingles` is not null).
fn read_record_checks(parts: &[PathBuf]) -> Result<RecordChecks> {
    let mut hashes = Vec::new();
    let mut documents = BitVec::new();
    for path in parts {
        for batch in read_table(path, SIGN_TABLE, &["record", "record_hash", "shingles"])? {
            let batch = batch?;
            let record = column::<UInt64Array>(&batch, "record", path)?;
            let hash = column::<UInt64Array>(&batch, "record_hash", path)?;
            let shingles = column::<UInt32Array>(&batch, "shingles", path)?;
            for i in 0..batch.num_rows() {
                if record.value(i) != hashes.len() as u64 {
                    return Err(Error::Corrupt {
                        path: path.clone(),
                        message: "sign rows are not numbered consecutively".into(),
                    });
                }
                hashes.push(hash.value(i));
                documents.push(!shingles.is_null(i));
            }
        }
    }
    Ok(RecordChecks { hashes, documents })
}

/// Sorted, unique record numbers of the ends of `pairs`.
fn pair_records(pairs: &[(u64, u64)]) -> Vec<u64> {
    let mut records: Vec<u64> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    crate::exec::sort_unstable(&mut records);
    records.dedup();
    records
}

/// The position of `record` in `records` (sorted), as a document index.
fn position(records: &[u64], record: u64, path: &Path) -> Result<u32> {
    records
        .binary_search(&record)
        .ok()
        .and_then(|p| u32::try_from(p).ok())
        .ok_or_else(|| not_a_document(path, record))
}

/// The places of the shingle sets of the documents `records` (sorted, unique) in the
/// sign parts' sets files: set `i` is that of `records[i]`.
fn locate_sets(
    work: &WorkDir,
    parts: &[PathBuf],
    records: &[u64],
) -> Result<(SignSets, Vec<SetLoc>)> {
    let paths: Vec<PathBuf> = parts.iter().map(|p| sets_path(p)).collect();
    let sets = SignSets::open(&paths, work.manifest.part_records)?;
    let locs = sets.locate(records)?;
    sets.warm(&locs)?;
    Ok((sets, locs))
}

/// Candidate pairs one verify worker takes at a time.
const VERIFY_CHUNK_PAIRS: usize = 1024;

/// Clusters components scores at a time, their members' sets copied onto the heap (a
/// cluster of a news dump has two or three members).
const COMPONENTS_BLOCK_CLUSTERS: usize = 256;

/// The places of the shingle sets a verify shard read (set `i` is that of
/// `records[i]`), handed on to components when both run in one process, so that the
/// sets files are opened and their offsets read once.
struct LoadedSets {
    records: Vec<u64>,
    sets: SignSets,
    locs: Vec<SetLoc>,
}

fn verify_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("a", DataType::UInt64, false),
        Field::new("b", DataType::UInt64, false),
        Field::new("jaccard", DataType::Float64, false),
        Field::new("containment_a_in_b", DataType::Float64, false),
        Field::new("containment_b_in_a", DataType::Float64, false),
        Field::new("shared_shingles", DataType::UInt64, false),
    ]))
}

/// The verify stage: the candidate pairs of this shard (`a % world == rank`) scored on
/// their exact shingle sets; those at or above the threshold are written to
/// `verify/rank-R-of-W.parquet`, sorted by `(a, b)`.
pub fn verify(work: &WorkDir, shard: Shard, observer: &dyn Observer) -> Result<StageReport> {
    verify_keeping_sets(work, shard, observer).map(|(report, _)| report)
}

/// [`verify`], also giving back the sets it loaded (none when the shard was complete).
fn verify_keeping_sets(
    work: &WorkDir,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<(StageReport, Option<LoadedSets>)> {
    let dir = work.stage_dir("verify")?;
    let name = shard.name();
    if Marker::is_complete(&dir, VERIFY_TABLE.name, &name, work.fp())? {
        let report = StageReport {
            made: 0,
            skipped: 1,
        };
        return Ok((report, None));
    }
    let bands = complete_shards(work, "band", BAND_TABLE)?;
    let parts = sign_parts(work)?;
    let mut candidates: Vec<(u64, u64)> = Vec::new();
    for path in &bands {
        for batch in read_table(path, BAND_TABLE, &[])? {
            let batch = batch?;
            let a = column::<UInt64Array>(&batch, "a", path)?;
            let b = column::<UInt64Array>(&batch, "b", path)?;
            for (&a, &b) in a.values().iter().zip(b.values().iter()) {
                if shard.owns(a) {
                    candidates.push((a, b));
                }
            }
        }
    }
    crate::exec::sort_unstable(&mut candidates);
    candidates.dedup();
    // Documents are numbered by their place among the records the pairs name.
    let records = pair_records(&candidates);
    let band_path = bands.first().cloned().unwrap_or_default();
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(candidates.len());
    for &(a, b) in &candidates {
        pairs.push((
            position(&records, a, &band_path)?,
            position(&records, b, &band_path)?,
        ));
    }
    drop(candidates);
    let (sets, locs) = locate_sets(work, &parts, &records)?;
    observer.stage_started(Stage::Verify, Some(pairs.len() as u64));
    let threshold = work.params().threshold;
    let mut verified: Vec<(u32, u32, PairScore)> = Vec::new();
    // The sets are read from the sets files pair by pair (positioned reads), the `a`
    // side once for its run of pairs (the pairs are sorted), so that resident memory
    // holds two sets per worker.
    let scored = crate::exec::map_chunks(&pairs, VERIFY_CHUNK_PAIRS, |chunk| {
        let (mut set_a, mut set_b) = (Vec::new(), Vec::new());
        let mut current = None;
        let mut out = Vec::new();
        for &(a, b) in chunk {
            if current != Some(a) {
                if let Err(e) = sets.read_into(locs[a as usize], &mut set_a) {
                    return vec![Err(e)];
                }
                current = Some(a);
            }
            if let Err(e) = sets.read_into(locs[b as usize], &mut set_b) {
                return vec![Err(e)];
            }
            let s = score_sets(&set_a, &set_b);
            if s.jaccard >= threshold {
                out.push(Ok((a, b, s)));
            }
        }
        observer.advance(chunk.len() as u64);
        out
    });
    for v in scored {
        verified.push(v?);
    }
    let schema = verify_schema();
    let path = dir.join(format!("{name}.parquet"));
    let mut writer = TableWriter::create(&path, VERIFY_TABLE, schema.clone())?;
    for chunk in verified.chunks(crate::table::ROW_GROUP_ROWS) {
        let rec = |p: u32| records[p as usize];
        let cols: Vec<ArrayRef> = vec![
            Arc::new(chunk.iter().map(|p| rec(p.0)).collect::<UInt64Array>()),
            Arc::new(chunk.iter().map(|p| rec(p.1)).collect::<UInt64Array>()),
            Arc::new(chunk.iter().map(|p| p.2.jaccard).collect::<Float64Array>()),
            Arc::new(
                chunk
                    .iter()
                    .map(|p| p.2.containment_a_in_b)
                    .collect::<Float64Array>(),
            ),
            Arc::new(
                chunk
                    .iter()
                    .map(|p| p.2.containment_b_in_a)
                    .collect::<Float64Array>(),
            ),
            Arc::new(
                chunk
                    .iter()
                    .map(|p| p.2.shared_shingles as u64)
                    .collect::<UInt64Array>(),
            ),
        ];
        let batch = RecordBatch::try_new(schema.clone(), cols)
            .map_err(|e| Error::Config(format!("building a verify batch: {e}")))?;
        writer.write(&batch)?;
    }
    let digest = writer.finish()?;
    let stats_path = dir.join(format!("{name}.stats.json"));
    let stats = VerifyStats {
        candidate_pairs: pairs.len() as u64,
    };
    write_json_atomic(&stats_path, &stats)?;
    let stats = FileDigest::of(&stats_path)?;
    Marker::write(
        &dir,
        VERIFY_TABLE.name,
        &name,
        work.fp(),
        vec![digest, stats],
    )?;
    observer.stage_finished(Stage::Verify);
    let report = StageReport {
        made: 1,
        skipped: 0,
    };
    Ok((
        report,
        Some(LoadedSets {
            records,
            sets,
            locs,
        }),
    ))
}

/// What a verify shard counted.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct VerifyStats {
    /// Distinct candidate pairs of the shard (a pair found in several bands counts once).
    candidate_pairs: u64,
}

/// The scores of a pair read without them.
const NO_SCORE: PairScore = PairScore {
    jaccard: 0.0,
    containment_a_in_b: 0.0,
    containment_b_in_a: 0.0,
    shared_shingles: 0,
};

/// A verified pair as read back: record numbers and scores.
struct RecordPair {
    a: u64,
    b: u64,
    score: PairScore,
}

/// Verified pairs of every verify shard, by record number, sorted by `(a, b)`; with
/// `scores` false only `a` and `b` are read (the scores are zero).
fn load_pairs(work: &WorkDir, scores: bool) -> Result<Vec<RecordPair>> {
    let mut pairs = Vec::new();
    let columns: &[&str] = if scores { &[] } else { &["a", "b"] };
    for path in complete_shards(work, "verify", VERIFY_TABLE)? {
        for batch in read_table(&path, VERIFY_TABLE, columns)? {
            let batch = batch?;
            let a = column::<UInt64Array>(&batch, "a", &path)?;
            let b = column::<UInt64Array>(&batch, "b", &path)?;
            if !scores {
                pairs.extend(
                    a.values()
                        .iter()
                        .zip(b.values().iter())
                        .map(|(&a, &b)| RecordPair {
                            a,
                            b,
                            score: NO_SCORE,
                        }),
                );
                continue;
            }
            let j = column::<Float64Array>(&batch, "jaccard", &path)?;
            let cab = column::<Float64Array>(&batch, "containment_a_in_b", &path)?;
            let cba = column::<Float64Array>(&batch, "containment_b_in_a", &path)?;
            let shared = column::<UInt64Array>(&batch, "shared_shingles", &path)?;
            for i in 0..batch.num_rows() {
                pairs.push(RecordPair {
                    a: a.value(i),
                    b: b.value(i),
                    score: PairScore {
                        jaccard: j.value(i),
                        containment_a_in_b: cab.value(i),
                        containment_b_in_a: cba.value(i),
                        shared_shingles: shared.value(i) as usize,
                    },
                });
            }
        }
    }
    pairs.sort_unstable_by_key(|p| (p.a, p.b));
    Ok(pairs)
}

/// The components stage: verified pairs linked into clusters (union-find), the kept
/// member chosen by the keep policy, each member scored against it. Writes
/// `components/clusters.parquet`: one row per member (`cluster` numbered from 0 in
/// the order of first members, `record`, `id`, `kept`, and the scores against the
/// kept member).
pub fn components(work: &WorkDir, observer: &dyn Observer) -> Result<StageReport> {
    components_with_sets(work, observer, None).map(|(report, _)| report)
}

/// [`components`], with the sets verify loaded when it ran in this process (they hold
/// every cluster member's set), so that they are not read again; it gives back the
/// metadata it read of the documents in verified pairs (none when it was complete),
/// which is what the result needs of them.
fn components_with_sets(
    work: &WorkDir,
    observer: &dyn Observer,
    loaded: Option<&LoadedSets>,
) -> Result<(StageReport, Option<Named>)> {
    let dir = work.stage_dir("components")?;
    let name = "clusters";
    if Marker::is_complete(&dir, CLUSTERS_TABLE.name, name, work.fp())? {
        let report = StageReport {
            made: 0,
            skipped: 1,
        };
        return Ok((report, None));
    }
    let parts = sign_parts(work)?;
    let pairs: Vec<(u64, u64)> = load_pairs(work, false)?
        .into_iter()
        .map(|p| (p.a, p.b))
        .collect();
    // Only documents in a verified pair can be in a cluster: they are numbered by
    // their place among those, and the union-find holds them alone.
    let records = pair_records(&pairs);
    observer.stage_started(Stage::Cluster, None);
    let mut uf = UnionFind::new(records.len());
    let verify_path = work.root.join("verify");
    for &(a, b) in &pairs {
        uf.union(
            position(&records, a, &verify_path)?,
            position(&records, b, &verify_path)?,
        );
    }
    drop(pairs);
    let groups = uf.groups(2);
    drop(uf);
    let named = read_named(&parts, records)?;
    let records = &named.records;
    // The places verify found, when it ran here and its documents cover these
    // (every document of a verified pair was in a candidate pair of verify's).
    let reused = loaded.and_then(|l| {
        records
            .iter()
            .map(|r| l.records.binary_search(r).ok().map(|s| l.locs[s]))
            .collect::<Option<Vec<SetLoc>>>()
            .map(|locs| (&l.sets, locs))
    });
    let own;
    let (sets, locs) = match reused {
        Some(found) => found,
        None => {
            let (opened, locs) = locate_sets(work, &parts, records)?;
            own = opened;
            (&own, locs)
        }
    };
    // In blocks of clusters, each block's sets copied onto the heap with positioned
    // reads while it is scored.
    let mut clusters = Vec::with_capacity(groups.len());
    let mut groups = groups.into_iter().peekable();
    while groups.peek().is_some() {
        let block: Vec<Vec<u32>> = groups.by_ref().take(COMPONENTS_BLOCK_CLUSTERS).collect();
        let copy = SetsCopy::read(block.iter().flatten().copied(), |d, buf| {
            sets.read_into(locs[d as usize], buf)
        })?;
        clusters.extend(build_clusters(
            block,
            &named.meta,
            &copy,
            work.params().keep,
        ));
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("cluster", DataType::UInt64, false),
        Field::new("record", DataType::UInt64, false),
        Field::new("id", DataType::Utf8, false),
        Field::new("kept", DataType::Boolean, false),
        Field::new("jaccard", DataType::Float64, false),
        Field::new("containment_a_in_b", DataType::Float64, false),
        Field::new("containment_b_in_a", DataType::Float64, false),
        Field::new("shared_shingles", DataType::UInt64, false),
    ]));
    let path = dir.join(format!("{name}.parquet"));
    let mut writer = TableWriter::create(&path, CLUSTERS_TABLE, schema.clone())?;
    let mut rows = ClusterRows::default();
    for (c, cluster) in clusters.iter().enumerate() {
        for m in &cluster.members {
            let meta = &named.meta[m.doc as usize];
            rows.cluster.append_value(c as u64);
            rows.record.append_value(meta.ordinal);
            rows.id.append_value(&meta.id);
            rows.kept.append_value(m.doc == cluster.kept);
            rows.jaccard.append_value(m.score.jaccard);
            rows.cab.append_value(m.score.containment_a_in_b);
            rows.cba.append_value(m.score.containment_b_in_a);
            rows.shared.append_value(m.score.shared_shingles as u64);
            rows.n += 1;
            if rows.n >= crate::table::ROW_GROUP_ROWS {
                writer.write(&rows.batch(&schema)?)?;
            }
        }
    }
    if rows.n > 0 {
        writer.write(&rows.batch(&schema)?)?;
    }
    let digest = writer.finish()?;
    Marker::write(&dir, CLUSTERS_TABLE.name, name, work.fp(), vec![digest])?;
    observer.stage_finished(Stage::Cluster);
    let report = StageReport {
        made: 1,
        skipped: 0,
    };
    Ok((report, Some(named)))
}

#[derive(Default)]
struct ClusterRows {
    cluster: UInt64Builder,
    record: UInt64Builder,
    id: StringBuilder,
    kept: BooleanBuilder,
    jaccard: Float64Builder,
    cab: Float64Builder,
    cba: Float64Builder,
    shared: UInt64Builder,
    n: usize,
}

impl ClusterRows {
    fn batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch> {
        self.n = 0;
        RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(self.cluster.finish()),
                Arc::new(self.record.finish()),
                Arc::new(self.id.finish()),
                Arc::new(self.kept.finish()),
                Arc::new(self.jaccard.finish()),
                Arc::new(self.cab.finish()),
                Arc::new(self.cba.finish()),
                Arc::new(self.shared.finish()),
            ],
        )
        .map_err(|e| Error::Config(format!("building a clusters batch: {e}")))
    }
}

/// One row of the clusters table as read back.
struct MemberRow {
    cluster: usize,
    record: u64,
    kept: bool,
    score: PairScore,
}

/// Reads a finished run back into the [`DedupResult`] the report writers and
/// [`super::write_deduplicated`] take (the apply stage): pairs from verify, clusters
/// from components, and from the sign parts every record's checksum and document bit
/// and the metadata of the documents the pairs and clusters name. The result's
/// `docs` lists those named documents only (see [`DedupResult::docs`]), so memory
/// holds 8 bytes and one bit per record, not a document's id and counts.
pub fn load_result(work: &WorkDir, sources: &Sources) -> Result<DedupResult> {
    load_result_with(work, sources, None)
}

/// [`load_result`], with the metadata components read when it ran in this process.
fn load_result_with(
    work: &WorkDir,
    sources: &Sources,
    named: Option<Named>,
) -> Result<DedupResult> {
    let parts = sign_parts(work)?;
    let record_pairs = load_pairs(work, true)?;
    let clusters_dir = work.root.join("components");
    let clusters_path = clusters_dir.join("clusters.parquet");
    if !Marker::is_complete(&clusters_dir, CLUSTERS_TABLE.name, "clusters", work.fp())? {
        return Err(Error::StageIncomplete {
            path: clusters_dir,
            message: "the components stage is not complete; run it first".into(),
        });
    }
    let mut rows: Vec<MemberRow> = Vec::new();
    for batch in read_table(&clusters_path, CLUSTERS_TABLE, &[])? {
        let batch = batch?;
        let p = &clusters_path;
        let cluster = column::<UInt64Array>(&batch, "cluster", p)?;
        let record = column::<UInt64Array>(&batch, "record", p)?;
        let kept = column::<BooleanArray>(&batch, "kept", p)?;
        let j = column::<Float64Array>(&batch, "jaccard", p)?;
        let cab = column::<Float64Array>(&batch, "containment_a_in_b", p)?;
        let cba = column::<Float64Array>(&batch, "containment_b_in_a", p)?;
        let shared = column::<UInt64Array>(&batch, "shared_shingles", p)?;
        for i in 0..batch.num_rows() {
            rows.push(MemberRow {
                cluster: cluster.value(i) as usize,
                record: record.value(i),
                kept: kept.value(i),
                score: PairScore {
                    jaccard: j.value(i),
                    containment_a_in_b: cab.value(i),
                    containment_b_in_a: cba.value(i),
                    shared_shingles: shared.value(i) as usize,
                },
            });
        }
    }
    let mut named_records: Vec<u64> = record_pairs
        .iter()
        .flat_map(|p| [p.a, p.b])
        .chain(rows.iter().map(|r| r.record))
        .collect();
    crate::exec::sort_unstable(&mut named_records);
    named_records.dedup();
    // Every member of a cluster is in a verified pair and the other way round, so the
    // documents components read are these; otherwise they are read again.
    let named = match named.filter(|n| n.records == named_records) {
        Some(named) => named,
        None => read_named(&parts, named_records)?,
    };
    let named_records = &named.records;
    let checks = read_record_checks(&parts)?;
    let verify_path = work.root.join("verify");
    let mut pairs = Vec::with_capacity(record_pairs.len());
    for p in record_pairs {
        pairs.push(VerifiedPair {
            a: position(named_records, p.a, &verify_path)?,
            b: position(named_records, p.b, &verify_path)?,
            score: p.score,
        });
    }
    let mut clusters: Vec<super::DupCluster> = Vec::new();
    for row in rows {
        let doc = position(named_records, row.record, &clusters_path)?;
        if row.cluster == clusters.len() {
            clusters.push(super::DupCluster {
                kept: doc,
                members: Vec::new(),
            });
        } else if row.cluster + 1 != clusters.len() {
            return Err(Error::Corrupt {
                path: clusters_path.clone(),
                message: "cluster rows are out of order".into(),
            });
        }
        let last = clusters.len() - 1;
        if row.kept {
            clusters[last].kept = doc;
        }
        clusters[last].members.push(super::ClusterMember {
            doc,
            score: row.score,
        });
    }
    let mut stats = DedupStats {
        input: InputTally::new(sources),
        ..DedupStats::default()
    };
    let mut records_by_source = vec![0u64; sources.list().len()];
    let mut decoded_seen = std::collections::BTreeSet::new();
    let mut records = 0u64;
    let dir = work.root.join("sign");
    for p in 0..parts.len() {
        let part: PartStats = read_json(&dir.join(format!("{}.stats.json", part_name(p as u64))))?;
        records += part.records;
        stats.documents += part.documents;
        stats.empty_documents += part.empty_documents;
        stats.input_bytes += part.input_bytes;
        for (s, n) in part.records_by_source {
            if let Some(slot) = records_by_source.get_mut(s as usize) {
                *slot += n;
            }
        }
        stats.skipped.total += part.skipped.total;
        for (k, n) in part.skipped.by_reason {
            *stats.skipped.by_reason.entry(k).or_default() += n;
        }
        for (source, encoding) in part.decoded {
            if decoded_seen.insert(source) {
                *stats.input.decoded.entry(encoding).or_default() += 1;
            }
        }
        stats.input.bad_date += part.bad_date;
        stats.input.line_documents += part.line_documents;
        stats.input.ids_from_field += part.ids_from_field;
    }
    if checks.documents.count_ones() as u64 != stats.documents {
        return Err(Error::Corrupt {
            path: dir,
            message: "the sign tables and their statistics count other documents".into(),
        });
    }
    stats.verified_pairs = pairs.len() as u64;
    stats.count_clusters(&clusters);
    let mut candidates = 0u64;
    for path in complete_shards(work, "verify", VERIFY_TABLE)? {
        let stats: VerifyStats = read_json(&path.with_extension("stats.json"))?;
        candidates += stats.candidate_pairs;
    }
    stats.candidate_pairs = candidates;
    Ok(DedupResult {
        docs: named.meta,
        pairs,
        clusters,
        stats,
        records,
        record_hashes: checks.hashes,
        document_records: checks.documents,
        records_by_source,
    })
}

/// Runs every stage in this process, in a work folder (resuming the parts already
/// complete there), and reads the result back: the local executor behind
/// `reprint dedup --work-dir`.
///
/// Stages already complete in the folder (made by sharded runs of any world size, or
/// by an earlier, killed run) are not made again.
pub fn run_local(
    root: &Path,
    sources: &Sources,
    config: &DedupConfig,
    part_records: u64,
    observer: &dyn Observer,
) -> Result<DedupResult> {
    let started = Instant::now();
    let work = WorkDir::create(root, config, sources, part_records)?;
    let t = Instant::now();
    sign(&work, sources, config, Shard::ALL, observer)?;
    let sign_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    if complete_shards(&work, "band", BAND_TABLE).is_err() {
        band(&work, Shard::ALL, observer)?;
    }
    let band_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut loaded = None;
    if complete_shards(&work, "verify", VERIFY_TABLE).is_err() {
        loaded = verify_keeping_sets(&work, Shard::ALL, observer)?.1;
    }
    let verify_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (_, named) = components_with_sets(&work, observer, loaded.as_ref())?;
    drop(loaded);
    let mut result = load_result_with(&work, sources, named)?;
    result
        .stats
        .input
        .check_fields(&result.stats.skipped, sources, &config.input)?;
    let s = &mut result.stats;
    s.stage_seconds.read_and_sign = sign_seconds;
    s.stage_seconds.candidates = band_seconds;
    s.stage_seconds.verify = verify_seconds;
    s.stage_seconds.cluster = t.elapsed().as_secs_f64();
    s.set_total_seconds(started.elapsed().as_secs_f64());
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::Silent;

    fn dump(lines: &[String]) -> (tempfile::TempDir, Sources) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        std::fs::write(&path, lines.join("\n")).unwrap();
        let sources = Sources::discover(&[path]).unwrap();
        (dir, sources)
    }

    fn corpus() -> Vec<String> {
        let base = "the quick brown fox jumps over the lazy dog while the farmer sleeps in the sun near the river bank";
        let mut lines = Vec::new();
        for i in 0..40 {
            let text = if i % 3 == 0 {
                format!("{base} copy")
            } else {
                format!(
                    "unique story number {i} about {} things happening in town {}",
                    i * 7,
                    i * 13
                )
            };
            lines.push(serde_json::json!({"id": format!("d{i}"), "text": text}).to_string());
        }
        lines.push("{not json".into());
        lines.push(serde_json::json!({"id": "empty", "text": ""}).to_string());
        lines
    }

    /// The same documents, pairs and clusters, compared by id and record number (a
    /// result read back lists only the documents its pairs and clusters name).
    fn same(a: &DedupResult, b: &DedupResult) {
        assert_eq!(a.stats.documents, b.stats.documents);
        assert_eq!(a.document_records, b.document_records);
        assert_eq!(a.record_hashes, b.record_hashes);
        assert_eq!(a.records, b.records);
        assert_eq!(a.records_by_source, b.records_by_source);
        let doc = |r: &DedupResult, d: u32| {
            let m = &r.docs[d as usize];
            (m.ordinal, m.id.clone(), m.text_bytes, m.shingles)
        };
        type Doc = (u64, String, usize, u32);
        let pairs = |r: &DedupResult| -> Vec<(Doc, Doc, f64)> {
            r.pairs
                .iter()
                .map(|p| (doc(r, p.a), doc(r, p.b), p.score.jaccard))
                .collect()
        };
        assert_eq!(pairs(a), pairs(b));
        let clusters = |r: &DedupResult| -> Vec<(Doc, Vec<(Doc, f64)>)> {
            r.clusters
                .iter()
                .map(|c| {
                    let members = c
                        .members
                        .iter()
                        .map(|m| (doc(r, m.doc), m.score.jaccard))
                        .collect();
                    (doc(r, c.kept), members)
                })
                .collect()
        };
        assert_eq!(clusters(a), clusters(b));
        assert_eq!(a.stats.candidate_pairs, b.stats.candidate_pairs);
        assert_eq!(a.stats.skipped, b.stats.skipped);
        assert_eq!(a.stats.empty_documents, b.stats.empty_documents);
    }

    #[test]
    fn staged_run_equals_in_memory_run() {
        let (_d, sources) = dump(&corpus());
        let config = DedupConfig::default();
        let memory = super::super::run(&sources, &config, &Silent).unwrap();
        let work = tempfile::tempdir().unwrap();
        let staged = run_local(
            work.path(),
            &sources,
            &config,
            DEFAULT_PART_RECORDS,
            &Silent,
        )
        .unwrap();
        same(&memory, &staged);
        assert!(!staged.clusters.is_empty());
    }

    #[test]
    fn sharded_stages_in_any_order_equal_one_shard() {
        let (_d, sources) = dump(&corpus());
        let config = DedupConfig::default();
        let memory = super::super::run(&sources, &config, &Silent).unwrap();
        let root = tempfile::tempdir().unwrap();
        // Parts of 7 records, three sign ranks run last-first, two band and verify ranks.
        let work = WorkDir::create(root.path(), &config, &sources, 7).unwrap();
        for r in (0..3).rev() {
            sign(&work, &sources, &config, Shard::new(r, 3).unwrap(), &Silent).unwrap();
        }
        assert!(band(&work, Shard::ALL, &Silent).is_ok());
        for r in 0..2 {
            band(&work, Shard::new(r, 2).unwrap(), &Silent).unwrap();
            verify(&work, Shard::new(r, 2).unwrap(), &Silent).unwrap();
        }
        components(&work, &Silent).unwrap();
        let staged = load_result(&work, &sources).unwrap();
        same(&memory, &staged);
    }

    #[test]
    fn rerun_skips_complete_parts_and_redoes_a_damaged_one() {
        let (_d, sources) = dump(&corpus());
        let config = DedupConfig::default();
        let root = tempfile::tempdir().unwrap();
        let work = WorkDir::create(root.path(), &config, &sources, 10).unwrap();
        let first = sign(&work, &sources, &config, Shard::ALL, &Silent).unwrap();
        assert_eq!(
            first,
            StageReport {
                made: 5,
                skipped: 0
            }
        );
        let again = sign(&work, &sources, &config, Shard::ALL, &Silent).unwrap();
        assert_eq!(
            again,
            StageReport {
                made: 0,
                skipped: 5
            }
        );
        // A part whose table was cut short (a crash in the middle of a copy) is made again.
        let table = root.path().join("sign/part-00002.parquet");
        let bytes = std::fs::read(&table).unwrap();
        std::fs::write(&table, &bytes[..bytes.len() / 2]).unwrap();
        let repaired = sign(&work, &sources, &config, Shard::ALL, &Silent).unwrap();
        assert_eq!(
            repaired,
            StageReport {
                made: 1,
                skipped: 4
            }
        );
        let memory = super::super::run(&sources, &config, &Silent).unwrap();
        let staged = run_local(
            root.path(),
            &sources,
            &config,
            DEFAULT_PART_RECORDS,
            &Silent,
        );
        // The part size differs from run_local's default: the folder is refused, not mixed.
        assert!(matches!(staged, Err(Error::Incompatible { .. })));
        band(&work, Shard::ALL, &Silent).unwrap();
        verify(&work, Shard::ALL, &Silent).unwrap();
        components(&work, &Silent).unwrap();
        same(&memory, &load_result(&work, &sources).unwrap());
    }

    #[test]
    fn later_stage_before_its_input_is_an_error_naming_the_stage() {
        let (_d, sources) = dump(&corpus());
        let config = DedupConfig::default();
        let root = tempfile::tempdir().unwrap();
        let work = WorkDir::create(root.path(), &config, &sources, 10).unwrap();
        sign(&work, &sources, &config, Shard::new(0, 2).unwrap(), &Silent).unwrap();
        let err = band(&work, Shard::ALL, &Silent).unwrap_err().to_string();
        assert!(err.contains("sign part 1"), "{err}");
        sign(&work, &sources, &config, Shard::new(1, 2).unwrap(), &Silent).unwrap();
        let err = verify(&work, Shard::ALL, &Silent).unwrap_err().to_string();
        assert!(err.contains("band stage"), "{err}");
    }

    #[test]
    fn bad_shard_is_a_config_error() {
        assert!(Shard::new(2, 2).is_err());
        assert!(Shard::new(0, 0).is_err());
        assert!(Shard::new(1, 2).is_ok());
    }
}
