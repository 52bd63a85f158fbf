//! `reprint scan --work-dir DIR`: the scan as stages over files, in bounded memory.
//!
//! The in-memory scan ([`crate::scan::run`]) holds every document and the whole
//! n-gram index at once, about 3.5 times the text. Here every stage reads its
//! inputs from the work folder and writes its outputs there (Parquet tables, see
//! `docs/STAGES.md`, and one text store), holding at once only what a
//! [`MemoryLimit`] allows; the result is the same report, byte for byte.
//!
//! 1. **store** (one process): reads the inputs through the one ingest path; writes
//!    every text to `store/texts.bin` ([`TextStore`]), one row per document to
//!    `store/documents.parquet`, and every short line's key to
//!    `store/lines-LLLLL.parquet`, partitioned by key.
//! 2. **boilerplate** (sharded by line partition): lines common to many documents or
//!    repeated inside one → `boilerplate/part-LLLLL.parquet`.
//! 3. **grams** (sharded by block of documents): each document's unmasked n-gram
//!    hashes, partitioned by hash range → `grams/rank-R-of-W.part-PPPPP.parquet`, and
//!    its within-document repeats → `grams/rank-R-of-W.repeats.parquet`.
//! 4. **postings** (sharded by partition): every n-gram found in 2 to `max_df`
//!    documents, with those documents → `postings/part-PPPPP.parquet`.
//! 5. **pairs** (sharded by range of documents, ranges planned so that each fits the
//!    memory limit): pairs sharing at least `min_shared` n-grams →
//!    `pairs/shard-SSSSS-of-NNNNN.parquet`.
//! 6. **align** (sharded by block of pairs): the passages of every pair, texts read
//!    from the store → `align/rank-R-of-W.parquet`.
//! 7. **report** ([`load_result`]): passages and repeats become overlap clusters.
//!
//! Every part is written atomically with a completion marker; a rerun skips the
//! parts already complete, so a killed run resumes where it stopped.

use super::boilerplate::{classify_line, lines, BoilerplateKind, BoilerplateLine};
use super::candidates::Candidate;
use super::clusters::{Edge, Occurrence};
use super::documents::{ScanDocuments, StoredDocuments, StoredText, TextStore, TextStoreWriter};
use super::run::{cluster_passages, index_document, AlignPlan, Masks, RepeatPair};
use super::{ScanConfig, ScanResult, ScanStats};
use crate::align::PreparedDoc;
use crate::dedup::stages::{Shard, StageReport};
use crate::document::{DocDate, Span};
use crate::error::{Error, Result};
use crate::exec::{self, MemoryLimit, Observer, Stage};
use crate::input::ingest::{self, IngestConfig, InputTally, Skipped};
use crate::input::Sources;
use crate::scan::boilerplate::blank_masks;
use crate::table::{
    read_table, read_table_batched, write_json_atomic, FileDigest, Marker, TableKind, TableWriter,
};
use arrow_array::builder::{ListBuilder, UInt32Builder};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch, StringArray,
    UInt32Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

const WORK_FORMAT: &str = "reprint-scan-work";
const WORK_VERSION: u32 = 1;

const DOCUMENTS_TABLE: TableKind = TableKind {
    name: "scan.documents",
    version: 1,
};
const LINES_TABLE: TableKind = TableKind {
    name: "scan.lines",
    version: 1,
};
const BOILERPLATE_TABLE: TableKind = TableKind {
    name: "scan.boilerplate",
    version: 1,
};
const GRAMS_TABLE: TableKind = TableKind {
    name: "scan.grams",
    version: 1,
};
const REPEATS_TABLE: TableKind = TableKind {
    name: "scan.repeats",
    version: 1,
};
const POSTINGS_TABLE: TableKind = TableKind {
    name: "scan.postings",
    version: 1,
};
const PAIRS_TABLE: TableKind = TableKind {
    name: "scan.pairs",
    version: 1,
};
const PASSAGES_TABLE: TableKind = TableKind {
    name: "scan.passages",
    version: 1,
};

/// Share of the memory limit one partition or shard may take once loaded (the
/// rest covers the document metadata, the masks, buffers and the sort).
const PART_SHARE: f64 = 0.3;
/// Documents per block of the grams stage (the unit of its sharding) and of the
/// pair-count histogram (the unit of pair shards), by default.
pub const DEFAULT_BLOCK_DOCS: u32 = 4096;
/// Rows buffered per partition before they are written.
const FLUSH_ROWS: usize = 1 << 16;

/// The stages of a staged scan, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanStage {
    /// Read the inputs into the text store, the documents table and the lines.
    Store,
    /// Find boilerplate lines.
    Boilerplate,
    /// Hash every document's n-grams.
    Grams,
    /// Group n-grams into postings.
    Postings,
    /// Count shared n-grams into candidate pairs.
    Pairs,
    /// Align the candidate pairs.
    Align,
}

/// The run description in `WORK/scan.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct RunManifest {
    format: String,
    version: u32,
    /// xxh3 of the reprint version, the whole configuration and the input list.
    fingerprint: String,
    inputs: Vec<String>,
    /// The memory limit the run was planned under (kept on resume).
    memory_limit: MemoryLimit,
    /// How the stages split their work (kept on resume).
    plan: ScanPlan,
}

/// How a staged scan splits its work, planned from the memory limit when the work
/// folder is made and kept in it, so that a resumed run finds its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScanPlan {
    /// Partitions of the lines table (by line key).
    pub line_partitions: u32,
    /// Partitions of the grams table (by n-gram hash); `None` plans them from the
    /// words the store stage counted.
    pub gram_partitions: Option<u32>,
    /// Most bytes of pair instances one pair shard counts at once.
    pub pair_shard_bytes: u64,
    /// Documents per block: the grams stage shards by block, and pair shards are
    /// made of whole blocks.
    pub block_docs: u32,
}

impl ScanPlan {
    /// The plan for inputs of `input_bytes` on disk under `memory`.
    pub fn for_input(input_bytes: u64, memory: MemoryLimit) -> ScanPlan {
        // A short line costs about 40 bytes once loaded and news has one every 400
        // bytes or so; compressed inputs hold about four times their size in text.
        let text_bytes = input_bytes.saturating_mul(4);
        let share = (memory.bytes() as f64 * PART_SHARE) as u64;
        ScanPlan {
            line_partitions: memory.parts_for(text_bytes / 10, PART_SHARE).min(4096) as u32,
            gram_partitions: None,
            pair_shard_bytes: share,
            block_docs: DEFAULT_BLOCK_DOCS,
        }
    }
}

/// The work folder of one staged scan.
#[derive(Debug, Clone)]
pub struct ScanWork {
    root: PathBuf,
    manifest: RunManifest,
}

fn fingerprint(config: &ScanConfig, sources: &Sources) -> String {
    let inputs: Vec<&str> = sources.list().iter().map(|s| s.display.as_str()).collect();
    let described = format!(
        "{}|{config:?}|{:?}|{inputs:?}",
        env!("CARGO_PKG_VERSION"),
        config.input
    );
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(described.as_bytes()))
}

impl ScanWork {
    /// Opens the work folder of a scan of `sources` under `config`, creating it when
    /// new and planning it under `memory`. A folder made for other inputs or
    /// parameters is [`Error::Incompatible`]; one made under another memory limit
    /// keeps the plan it was made with.
    pub fn create(
        root: &Path,
        config: &ScanConfig,
        sources: &Sources,
        memory: MemoryLimit,
    ) -> Result<ScanWork> {
        let plan = ScanPlan::for_input(sources.total_bytes(), memory);
        ScanWork::create_with_plan(root, config, sources, memory, plan)
    }

    /// [`ScanWork::create`] with a plan of the caller's (tests and tools that want
    /// many small parts).
    pub fn create_with_plan(
        root: &Path,
        config: &ScanConfig,
        sources: &Sources,
        memory: MemoryLimit,
        plan: ScanPlan,
    ) -> Result<ScanWork> {
        config.validate()?;
        std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
        let fp = fingerprint(config, sources);
        let path = root.join("scan.json");
        if path.exists() {
            let existing = ScanWork::open(root)?;
            if existing.manifest.fingerprint != fp {
                return Err(Error::Incompatible {
                    path,
                    message: "this work folder belongs to a scan with other inputs or parameters; \
                              give another --work-dir, or remove this one"
                        .into(),
                });
            }
            return Ok(existing);
        }
        let manifest = RunManifest {
            format: WORK_FORMAT.into(),
            version: WORK_VERSION,
            fingerprint: fp,
            inputs: sources.list().iter().map(|s| s.display.clone()).collect(),
            memory_limit: memory,
            plan,
        };
        write_json_atomic(&path, &manifest)?;
        Ok(ScanWork {
            root: root.to_path_buf(),
            manifest,
        })
    }

    /// Opens an existing work folder.
    pub fn open(root: &Path) -> Result<ScanWork> {
        let path = root.join("scan.json");
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let manifest: RunManifest = serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
            path: path.clone(),
            message: format!("not a scan run description: {e}"),
        })?;
        if manifest.format != WORK_FORMAT {
            return Err(Error::Corrupt {
                path,
                message: "not a scan run description".into(),
            });
        }
        if manifest.version != WORK_VERSION {
            return Err(Error::Incompatible {
                path,
                message: format!(
                    "work folder version {} (this build reads version {WORK_VERSION})",
                    manifest.version
                ),
            });
        }
        Ok(ScanWork {
            root: root.to_path_buf(),
            manifest,
        })
    }

    /// Checks that `config` is the configuration the folder was made for (every stage
    /// of one run must be given the same one).
    pub fn check_config(&self, config: &ScanConfig, sources: &Sources) -> Result<()> {
        if fingerprint(config, sources) != self.manifest.fingerprint {
            return Err(Error::Incompatible {
                path: self.root.join("scan.json"),
                message: "this work folder belongs to a scan with other inputs or parameters; \
                          give every stage the same inputs and options"
                    .into(),
            });
        }
        Ok(())
    }

    /// The memory limit the run is planned under.
    pub fn memory_limit(&self) -> MemoryLimit {
        self.manifest.memory_limit
    }

    fn fp(&self) -> &str {
        &self.manifest.fingerprint
    }

    fn stage_dir(&self, stage: &str) -> Result<PathBuf> {
        let dir = self.root.join(stage);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(dir)
    }

    /// The plan the stages follow.
    pub fn plan(&self) -> ScanPlan {
        self.manifest.plan
    }
}

fn owns(shard: Shard, value: u64) -> bool {
    value % shard.world() as u64 == shard.rank() as u64
}

fn shard_name(shard: Shard) -> String {
    format!("rank-{}-of-{}", shard.rank(), shard.world())
}

fn made(made: u64, skipped: u64) -> StageReport {
    StageReport { made, skipped }
}

fn build_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Config(format!("building a {what} batch: {e}"))
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

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn schema(fields: Vec<Field>) -> SchemaRef {
    Arc::new(Schema::new(fields))
}

fn u32_field(name: &str) -> Field {
    Field::new(name, DataType::UInt32, false)
}

fn u64_field(name: &str) -> Field {
    Field::new(name, DataType::UInt64, false)
}

fn incomplete(dir: &Path, what: String) -> Error {
    Error::StageIncomplete {
        path: dir.to_path_buf(),
        message: what,
    }
}

// ---------------------------------------------------------------------------
// 1. store

/// What the store stage counted, in `store/stats.json`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct StoreStats {
    documents: u64,
    skipped: Skipped,
    input: InputTally,
    text_bytes: u64,
    words: u64,
    read_seconds: f64,
}

fn documents_schema() -> SchemaRef {
    schema(vec![
        u32_field("doc"),
        u64_field("record"),
        u32_field("source"),
        u64_field("line"),
        Field::new("id", DataType::Utf8, false),
        Field::new("id_from_field", DataType::Boolean, false),
        u64_field("offset"),
        u64_field("bytes"),
        u64_field("xxh3"),
        Field::new("date", DataType::Utf8, true),
        Field::new("date_seconds", DataType::Int64, true),
        Field::new("date_nanos", DataType::UInt32, true),
        Field::new("encoding", DataType::Utf8, true),
    ])
}

fn lines_schema() -> SchemaRef {
    schema(vec![
        u64_field("key"),
        u32_field("doc"),
        u64_field("start"),
        u64_field("end"),
    ])
}

#[derive(Default)]
struct DocRows {
    doc: Vec<u32>,
    record: Vec<u64>,
    source: Vec<u32>,
    line: Vec<u64>,
    id: Vec<String>,
    id_from_field: Vec<bool>,
    offset: Vec<u64>,
    bytes: Vec<u64>,
    xxh3: Vec<u64>,
    date: Vec<Option<String>>,
    date_seconds: Vec<Option<i64>>,
    date_nanos: Vec<Option<u32>>,
    encoding: Vec<Option<&'static str>>,
}

impl DocRows {
    fn flush(&mut self, writer: &mut TableWriter) -> Result<()> {
        if self.doc.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(self);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt32Array::from(rows.doc)),
            Arc::new(UInt64Array::from(rows.record)),
            Arc::new(UInt32Array::from(rows.source)),
            Arc::new(UInt64Array::from(rows.line)),
            Arc::new(StringArray::from(rows.id)),
            Arc::new(BooleanArray::from(rows.id_from_field)),
            Arc::new(UInt64Array::from(rows.offset)),
            Arc::new(UInt64Array::from(rows.bytes)),
            Arc::new(UInt64Array::from(rows.xxh3)),
            Arc::new(StringArray::from(rows.date)),
            Arc::new(Int64Array::from(rows.date_seconds)),
            Arc::new(UInt32Array::from(rows.date_nanos)),
            Arc::new(StringArray::from(rows.encoding)),
        ];
        let batch = RecordBatch::try_new(documents_schema(), columns)
            .map_err(|e| build_error("documents", e))?;
        writer.write(&batch)
    }
}

/// Rows of one partition of a `(key, doc, start, end)` or `(gram, doc)` table,
/// buffered until [`FLUSH_ROWS`].
struct PartWriter {
    writer: TableWriter,
    schema: SchemaRef,
    keys: Vec<u64>,
    docs: Vec<u32>,
    starts: Vec<u64>,
    ends: Vec<u64>,
}

impl PartWriter {
    fn create(path: &Path, kind: TableKind, schema: SchemaRef) -> Result<PartWriter> {
        // The (gram, doc) tables are hashes read back at once: not worth compressing.
        let writer = if schema.fields().len() == 2 {
            TableWriter::create_uncompressed(path, kind, schema.clone())?
        } else {
            TableWriter::create(path, kind, schema.clone())?
        };
        Ok(PartWriter {
            writer,
            schema,
            keys: Vec::new(),
            docs: Vec::new(),
            starts: Vec::new(),
            ends: Vec::new(),
        })
    }

    fn flush(&mut self) -> Result<()> {
        if self.docs.is_empty() {
            return Ok(());
        }
        let docs = Arc::new(UInt32Array::from(std::mem::take(&mut self.docs)));
        let keys = std::mem::take(&mut self.keys);
        let columns: Vec<ArrayRef> = if self.schema.fields().len() == 2 {
            let grams: UInt32Array = keys.into_iter().map(|k| k as u32).collect();
            vec![Arc::new(grams), docs]
        } else {
            vec![
                Arc::new(UInt64Array::from(keys)),
                docs,
                Arc::new(UInt64Array::from(std::mem::take(&mut self.starts))),
                Arc::new(UInt64Array::from(std::mem::take(&mut self.ends))),
            ]
        };
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| build_error("partition", e))?;
        self.writer.write(&batch)
    }

    fn push_span(&mut self, key: u64, doc: u32, span: Span) -> Result<()> {
        self.keys.push(key);
        self.docs.push(doc);
        self.starts.push(span.start as u64);
        self.ends.push(span.end as u64);
        if self.docs.len() >= FLUSH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn push_gram(&mut self, gram: u32, doc: u32) -> Result<()> {
        self.keys.push(u64::from(gram));
        self.docs.push(doc);
        if self.docs.len() >= FLUSH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<FileDigest> {
        self.flush()?;
        self.writer.finish()
    }
}

fn line_part_name(p: u32) -> String {
    format!("lines-{p:05}")
}

/// The partition of a 64-bit key among `parts` (by range, so that partitions in
/// order hold the keys in order).
fn key_partition(key: u64, parts: u32) -> u32 {
    ((u128::from(key) * u128::from(parts)) >> 64) as u32
}

/// The partition of a 32-bit n-gram hash among `parts` (by range).
fn gram_partition(gram: u32, parts: u32) -> u32 {
    ((u64::from(gram) * u64::from(parts)) >> 32) as u32
}

/// The store stage: reads every record of `sources` once, in order.
pub fn store(
    work: &ScanWork,
    sources: &Sources,
    config: &ScanConfig,
    observer: &dyn Observer,
) -> Result<StageReport> {
    work.check_config(config, sources)?;
    let dir = work.stage_dir("store")?;
    if Marker::is_complete(&dir, "scan.store", "store", work.fp())? {
        return Ok(made(0, 1));
    }
    let started = Instant::now();
    let parts = work.manifest.plan.line_partitions.max(1);
    let mut texts = TextStoreWriter::create(&dir.join("texts.bin"))?;
    let mut docs_writer = TableWriter::create(
        &dir.join("documents.parquet"),
        DOCUMENTS_TABLE,
        documents_schema(),
    )?;
    let mut line_parts: Vec<PartWriter> = (0..parts)
        .map(|p| {
            PartWriter::create(
                &dir.join(format!("{}.parquet", line_part_name(p))),
                LINES_TABLE,
                lines_schema(),
            )
        })
        .collect::<Result<_>>()?;
    let mut rows = DocRows::default();
    let mut stats = StoreStats::default();
    let max_words = config.boilerplate.max_line_words;
    let ingest_config = IngestConfig {
        strict: config.strict,
        ..IngestConfig::default()
    };
    let read = ingest::ingest_selected(
        sources,
        &config.input,
        &ingest_config,
        &|_| true,
        observer,
        |_: &mut (), _, doc| {
            let all = lines(&doc.text, &config.normalize);
            let words: u64 = all.iter().map(|l| l.words as u64).sum();
            let short: Vec<_> = all.into_iter().filter(|l| l.words <= max_words).collect();
            (doc, short, words)
        },
        |item| {
            let ingest::Item::Doc { record, value, .. } = item else {
                return Ok(());
            };
            let (doc, short, words) = value;
            let d = stats.documents as u32;
            let placed = texts.push(&doc.text)?;
            rows.doc.push(d);
            rows.record.push(record.ordinal);
            rows.source.push(doc.origin.source);
            rows.line.push(doc.origin.line);
            rows.id.push(doc.id);
            rows.id_from_field.push(doc.id_from_field);
            rows.offset.push(placed.offset);
            rows.bytes.push(placed.bytes);
            rows.xxh3.push(placed.xxh3);
            rows.date.push(doc.date.as_ref().map(|x| x.text.clone()));
            rows.date_seconds
                .push(doc.date.as_ref().map(|x| x.instant.timestamp()));
            rows.date_nanos.push(
                doc.date
                    .as_ref()
                    .map(|x| x.instant.timestamp_subsec_nanos()),
            );
            rows.encoding.push(doc.encoding);
            if rows.doc.len() >= 8192 {
                rows.flush(&mut docs_writer)?;
            }
            for l in short {
                line_parts[key_partition(l.key, parts) as usize].push_span(l.key, d, l.span)?;
            }
            stats.documents += 1;
            stats.text_bytes += placed.bytes;
            stats.words += words;
            Ok(())
        },
    )?;
    read.tally
        .check_fields(&read.skipped, sources, &config.input)?;
    rows.flush(&mut docs_writer)?;
    // The text store is not in the marker: each text carries its own checksum, checked
    // on every read, and its size is checked against the documents table on open, so
    // that checking the marker does not read the whole text again.
    texts.finish()?;
    let mut files = vec![docs_writer.finish()?];
    for part in line_parts {
        files.push(part.finish()?);
    }
    stats.skipped = read.skipped;
    stats.input = read.tally;
    stats.read_seconds = started.elapsed().as_secs_f64();
    let stats_path = dir.join("stats.json");
    write_json_atomic(&stats_path, &stats)?;
    files.push(FileDigest::of(&stats_path)?);
    Marker::write(&dir, "scan.store", "store", work.fp(), files)?;
    Ok(made(1, 0))
}

/// The store's documents as later stages need them.
struct Stored {
    stats: StoreStats,
    texts: Vec<StoredText>,
}

fn check_store(work: &ScanWork) -> Result<PathBuf> {
    let dir = work.root.join("store");
    if !Marker::is_complete(&dir, "scan.store", "store", work.fp())? {
        return Err(incomplete(
            &dir,
            "the store stage is not complete; run it first".into(),
        ));
    }
    Ok(dir)
}

fn load_stored(work: &ScanWork) -> Result<Stored> {
    let dir = check_store(work)?;
    let stats: StoreStats = read_json(&dir.join("stats.json"))?;
    let path = dir.join("documents.parquet");
    let mut texts = Vec::with_capacity(stats.documents as usize);
    for batch in read_table(&path, DOCUMENTS_TABLE, &["doc", "offset", "bytes", "xxh3"])? {
        let batch = batch?;
        let doc = column::<UInt32Array>(&batch, "doc", &path)?;
        let offset = column::<UInt64Array>(&batch, "offset", &path)?;
        let bytes = column::<UInt64Array>(&batch, "bytes", &path)?;
        let xxh3 = column::<UInt64Array>(&batch, "xxh3", &path)?;
        for i in 0..batch.num_rows() {
            if doc.value(i) as usize != texts.len() {
                return Err(Error::Corrupt {
                    path,
                    message: "documents are not numbered consecutively".into(),
                });
            }
            texts.push(StoredText {
                offset: offset.value(i),
                bytes: bytes.value(i),
                xxh3: xxh3.value(i),
            });
        }
    }
    if texts.len() as u64 != stats.documents {
        return Err(Error::Corrupt {
            path,
            message: format!(
                "{} documents where the store's stats count {}",
                texts.len(),
                stats.documents
            ),
        });
    }
    Ok(Stored { stats, texts })
}

// ---------------------------------------------------------------------------
// 2. boilerplate

fn boilerplate_schema() -> SchemaRef {
    schema(vec![
        u64_field("key"),
        Field::new("kind", DataType::Utf8, false),
        u32_field("doc"),
        u64_field("start"),
        u64_field("end"),
    ])
}

fn kind_name(kind: BoilerplateKind) -> &'static str {
    match kind {
        BoilerplateKind::RepeatedLine => "repeated_line",
        BoilerplateKind::CommonLine => "common_line",
        BoilerplateKind::RepeatedInDocument => "repeated_in_document",
    }
}

fn kind_of(name: &str, path: &Path) -> Result<BoilerplateKind> {
    match name {
        "repeated_line" => Ok(BoilerplateKind::RepeatedLine),
        "common_line" => Ok(BoilerplateKind::CommonLine),
        "repeated_in_document" => Ok(BoilerplateKind::RepeatedInDocument),
        other => Err(Error::Corrupt {
            path: path.to_path_buf(),
            message: format!("unknown boilerplate kind {other:?}"),
        }),
    }
}

fn span_of(start: u64, end: u64, path: &Path) -> Result<Span> {
    if start > end {
        return Err(Error::Corrupt {
            path: path.to_path_buf(),
            message: format!("span {start}..{end} ends before it starts"),
        });
    }
    Ok(Span::new(start as usize, end as usize))
}

/// The boilerplate stage: for each line partition of this shard (`partition % world
/// == rank`), the lines that are boilerplate, with every place they occur.
pub fn boilerplate(
    work: &ScanWork,
    config: &ScanConfig,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<StageReport> {
    let store_dir = check_store(work)?;
    let dir = work.stage_dir("boilerplate")?;
    let parts = work.manifest.plan.line_partitions.max(1);
    let mut report = made(0, 0);
    observer.stage_started(Stage::Candidates, None);
    for p in (0..parts).filter(|&p| owns(shard, u64::from(p))) {
        let name = format!("part-{p:05}");
        if Marker::is_complete(&dir, BOILERPLATE_TABLE.name, &name, work.fp())? {
            report.skipped += 1;
            continue;
        }
        let input = store_dir.join(format!("{}.parquet", line_part_name(p)));
        let mut rows: Vec<(u64, u32, Span)> = Vec::new();
        for batch in read_table(&input, LINES_TABLE, &[])? {
            let batch = batch?;
            let key = column::<UInt64Array>(&batch, "key", &input)?;
            let doc = column::<UInt32Array>(&batch, "doc", &input)?;
            let start = column::<UInt64Array>(&batch, "start", &input)?;
            let end = column::<UInt64Array>(&batch, "end", &input)?;
            for i in 0..batch.num_rows() {
                let span = span_of(start.value(i), end.value(i), &input)?;
                rows.push((key.value(i), doc.value(i), span));
            }
        }
        exec::sort_unstable(&mut rows);
        let path = dir.join(format!("{name}.parquet"));
        let mut writer = TableWriter::create(&path, BOILERPLATE_TABLE, boilerplate_schema())?;
        let (mut keys, mut kinds, mut docs, mut starts, mut ends) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut i = 0;
        while i < rows.len() {
            let key = rows[i].0;
            let mut j = i;
            while j < rows.len() && rows[j].0 == key {
                j += 1;
            }
            let places: Vec<(u32, Span)> = rows[i..j].iter().map(|r| (r.1, r.2)).collect();
            if let Some(line) = classify_line(places, &config.boilerplate) {
                for (d, span) in line.places {
                    keys.push(key);
                    kinds.push(kind_name(line.kind));
                    docs.push(d);
                    starts.push(span.start as u64);
                    ends.push(span.end as u64);
                }
            }
            i = j;
        }
        drop(rows);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt64Array::from(keys)),
            Arc::new(StringArray::from(kinds)),
            Arc::new(UInt32Array::from(docs)),
            Arc::new(UInt64Array::from(starts)),
            Arc::new(UInt64Array::from(ends)),
        ];
        let batch = RecordBatch::try_new(boilerplate_schema(), columns)
            .map_err(|e| build_error("boilerplate", e))?;
        writer.write(&batch)?;
        let digest = writer.finish()?;
        Marker::write(&dir, BOILERPLATE_TABLE.name, &name, work.fp(), vec![digest])?;
        report.made += 1;
    }
    observer.stage_finished(Stage::Candidates);
    Ok(report)
}

/// Every boilerplate line of a finished boilerplate stage, sorted by first place.
fn load_boilerplate(work: &ScanWork) -> Result<Vec<BoilerplateLine>> {
    let dir = work.root.join("boilerplate");
    let mut out = Vec::new();
    for p in 0..work.manifest.plan.line_partitions.max(1) {
        let name = format!("part-{p:05}");
        if !Marker::is_complete(&dir, BOILERPLATE_TABLE.name, &name, work.fp())? {
            return Err(incomplete(
                &dir,
                format!("boilerplate part {p} is not complete; run the boilerplate stage (every rank) first"),
            ));
        }
        let path = dir.join(format!("{name}.parquet"));
        let mut current: Option<(u64, BoilerplateLine)> = None;
        for batch in read_table(&path, BOILERPLATE_TABLE, &[])? {
            let batch = batch?;
            let key = column::<UInt64Array>(&batch, "key", &path)?;
            let kind = column::<StringArray>(&batch, "kind", &path)?;
            let doc = column::<UInt32Array>(&batch, "doc", &path)?;
            let start = column::<UInt64Array>(&batch, "start", &path)?;
            let end = column::<UInt64Array>(&batch, "end", &path)?;
            for i in 0..batch.num_rows() {
                let place = (doc.value(i), span_of(start.value(i), end.value(i), &path)?);
                match &mut current {
                    Some((k, line)) if *k == key.value(i) => line.places.push(place),
                    _ => {
                        if let Some((_, line)) = current.take() {
                            out.push(line);
                        }
                        current = Some((
                            key.value(i),
                            BoilerplateLine {
                                kind: kind_of(kind.value(i), &path)?,
                                places: vec![place],
                            },
                        ));
                    }
                }
            }
        }
        if let Some((_, line)) = current {
            out.push(line);
        }
    }
    out.sort_by_key(|b| b.places[0]);
    Ok(out)
}

fn load_masks(work: &ScanWork, documents: usize) -> Result<Masks> {
    let lines = load_boilerplate(work)?;
    Ok(Masks::from_places(
        documents,
        lines.into_iter().flat_map(|b| b.places).collect(),
    ))
}

// ---------------------------------------------------------------------------
// 3. grams

fn gram_partitions(work: &ScanWork, stats: &StoreStats) -> u32 {
    // One posting (8 bytes once loaded) per word at most.
    let planned = work.manifest.plan.gram_partitions.unwrap_or_else(|| {
        work.manifest
            .memory_limit
            .parts_for(stats.words.saturating_mul(8), PART_SHARE)
            .min(4096) as u32
    });
    planned.max(1)
}

fn grams_schema() -> SchemaRef {
    schema(vec![u32_field("gram"), u32_field("doc")])
}

fn repeats_schema() -> SchemaRef {
    schema(vec![
        u32_field("doc"),
        u64_field("first_start"),
        u64_field("first_end"),
        u64_field("second_start"),
        u64_field("second_end"),
    ])
}

/// The grams stage: for each block ([`ScanPlan::block_docs`]) of this shard
/// (`block % world == rank`), every document's distinct unmasked n-gram hashes
/// (partitioned by hash range) and its within-document repeats.
pub fn grams(
    work: &ScanWork,
    config: &ScanConfig,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<StageReport> {
    let dir = work.stage_dir("grams")?;
    let name = shard_name(shard);
    if Marker::is_complete(&dir, GRAMS_TABLE.name, &name, work.fp())? {
        return Ok(made(0, 1));
    }
    let stored = load_stored(work)?;
    let documents = stored.texts.len();
    let masks = load_masks(work, documents)?;
    let store = TextStore::open(&work.root.join("store").join("texts.bin"), stored.texts)?;
    let parts = gram_partitions(work, &stored.stats);
    let mut writers: Vec<PartWriter> = (0..parts)
        .map(|p| {
            PartWriter::create(
                &dir.join(format!("{name}.part-{p:05}.parquet")),
                GRAMS_TABLE,
                grams_schema(),
            )
        })
        .collect::<Result<_>>()?;
    let repeats_path = dir.join(format!("{name}.repeats.parquet"));
    let mut repeats_writer = TableWriter::create(&repeats_path, REPEATS_TABLE, repeats_schema())?;
    let block_docs = work.plan().block_docs.max(1) as usize;
    let blocks = documents.div_ceil(block_docs);
    observer.stage_started(Stage::Candidates, Some(blocks as u64));
    for b in (0..blocks).filter(|&b| owns(shard, b as u64)) {
        let range = b * block_docs..((b + 1) * block_docs).min(documents);
        let first = range.start;
        let texts = store.read_range(range)?;
        let indexed: Vec<(Vec<u32>, Vec<RepeatPair>)> =
            exec::map_owned(texts.into_iter().enumerate().collect(), |(i, text)| {
                let index = index_document(&text, masks.get(first + i), config);
                let mut grams = index.grams;
                grams.sort_unstable();
                grams.dedup();
                (grams, index.repeats)
            });
        let (mut rd, mut fs, mut fe, mut ss, mut se) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, (grams, repeats)) in indexed.into_iter().enumerate() {
            let d = (first + i) as u32;
            for g in grams {
                writers[gram_partition(g, parts) as usize].push_gram(g, d)?;
            }
            for (a, b) in repeats {
                rd.push(d);
                fs.push(a.start as u64);
                fe.push(a.end as u64);
                ss.push(b.start as u64);
                se.push(b.end as u64);
            }
        }
        if !rd.is_empty() {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(UInt32Array::from(rd)),
                Arc::new(UInt64Array::from(fs)),
                Arc::new(UInt64Array::from(fe)),
                Arc::new(UInt64Array::from(ss)),
                Arc::new(UInt64Array::from(se)),
            ];
            let batch = RecordBatch::try_new(repeats_schema(), columns)
                .map_err(|e| build_error("repeats", e))?;
            repeats_writer.write(&batch)?;
        }
        observer.advance(1);
    }
    let mut files = Vec::with_capacity(parts as usize + 1);
    for w in writers {
        files.push(w.finish()?);
    }
    files.push(repeats_writer.finish()?);
    Marker::write(&dir, GRAMS_TABLE.name, &name, work.fp(), files)?;
    observer.stage_finished(Stage::Candidates);
    Ok(made(1, 0))
}

/// The world size whose ranks have all completed a sharded stage (the largest such).
fn complete_world(work: &ScanWork, stage: &str, kind: TableKind) -> Result<u32> {
    let dir = work.root.join(stage);
    let mut worlds = std::collections::BTreeSet::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(w) = name
                .strip_suffix(".done")
                .and_then(|r| r.split_once("-of-"))
                .and_then(|(_, w)| w.parse::<u32>().ok())
            {
                worlds.insert(w);
            }
        }
    }
    for &w in worlds.iter().rev() {
        let mut all = true;
        for r in 0..w {
            if !Marker::is_complete(&dir, kind.name, &format!("rank-{r}-of-{w}"), work.fp())? {
                all = false;
                break;
            }
        }
        if all {
            return Ok(w);
        }
    }
    Err(incomplete(
        &dir,
        format!("the {stage} stage is not complete (every rank of one world size); run it first"),
    ))
}

// ---------------------------------------------------------------------------
// 4. postings

/// What one postings part counted, in `postings/part-PPPPP.stats.json`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct PostingsStats {
    /// Partitions of the grams stage (every part says the same).
    partitions: u32,
    /// N-grams kept (found in 2 to `max_df` documents).
    grams: u64,
    /// Pair instances (one per pair of documents per shared n-gram) counted by the
    /// block ([`ScanPlan::block_docs`]) of the pair's first document.
    instances: Vec<u64>,
}

fn postings_schema() -> SchemaRef {
    schema(vec![
        u32_field("gram"),
        Field::new(
            "docs",
            DataType::List(Arc::new(Field::new("item", DataType::UInt32, false))),
            false,
        ),
    ])
}

/// The postings stage: for each gram partition of this shard (`partition % world ==
/// rank`), the n-grams found in 2 to `max_df` documents, each with its documents in
/// ascending order.
pub fn postings(
    work: &ScanWork,
    config: &ScanConfig,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<StageReport> {
    let dir = work.stage_dir("postings")?;
    let stored = load_stored(work)?;
    let documents = stored.texts.len();
    let block_docs = work.plan().block_docs.max(1) as usize;
    let parts = gram_partitions(work, &stored.stats);
    let world = complete_world(work, "grams", GRAMS_TABLE)?;
    let grams_dir = work.root.join("grams");
    let mut report = made(0, 0);
    observer.stage_started(Stage::Candidates, None);
    for p in (0..parts).filter(|&p| owns(shard, u64::from(p))) {
        let name = format!("part-{p:05}");
        if Marker::is_complete(&dir, POSTINGS_TABLE.name, &name, work.fp())? {
            report.skipped += 1;
            continue;
        }
        let paths: Vec<PathBuf> = (0..world)
            .map(|r| grams_dir.join(format!("rank-{r}-of-{world}.part-{p:05}.parquet")))
            .collect();
        let mut postings: Vec<u64> = Vec::new();
        for path in &paths {
            let table = read_table(path, GRAMS_TABLE, &[])?;
            postings.reserve_exact(table.rows() as usize);
            for batch in table {
                let batch = batch?;
                let gram = column::<UInt32Array>(&batch, "gram", path)?;
                let doc = column::<UInt32Array>(&batch, "doc", path)?;
                postings.extend(
                    gram.values()
                        .iter()
                        .zip(doc.values().iter())
                        .map(|(&g, &d)| (u64::from(g) << 32) | u64::from(d)),
                );
            }
        }
        exec::sort_unstable(&mut postings);
        let mut stats = PostingsStats {
            partitions: parts,
            grams: 0,
            instances: vec![0; documents.div_ceil(block_docs)],
        };
        let path = dir.join(format!("{name}.parquet"));
        let mut writer =
            TableWriter::create_uncompressed(&path, POSTINGS_TABLE, postings_schema())?;
        let mut grams: Vec<u32> = Vec::new();
        let mut lists = ListBuilder::new(UInt32Builder::new()).with_field(Arc::new(Field::new(
            "item",
            DataType::UInt32,
            false,
        )));
        let mut start = 0;
        while start < postings.len() {
            let hash = postings[start] >> 32;
            let mut end = start + 1;
            while end < postings.len() && postings[end] >> 32 == hash {
                end += 1;
            }
            let run = &postings[start..end];
            if super::candidates::is_candidate_run(run.len(), &config.candidates) {
                grams.push(hash as u32);
                for (i, &x) in run.iter().enumerate() {
                    let d = x as u32;
                    lists.values().append_value(d);
                    stats.instances[d as usize / block_docs] += (run.len() - 1 - i) as u64;
                }
                lists.append(true);
                stats.grams += 1;
                if grams.len() >= FLUSH_ROWS / 8 {
                    write_postings(&mut writer, &mut grams, &mut lists)?;
                }
            }
            start = end;
        }
        drop(postings);
        write_postings(&mut writer, &mut grams, &mut lists)?;
        let digest = writer.finish()?;
        let stats_path = dir.join(format!("{name}.stats.json"));
        write_json_atomic(&stats_path, &stats)?;
        let stats_digest = FileDigest::of(&stats_path)?;
        Marker::write(
            &dir,
            POSTINGS_TABLE.name,
            &name,
            work.fp(),
            vec![digest, stats_digest],
        )?;
        report.made += 1;
    }
    observer.stage_finished(Stage::Candidates);
    Ok(report)
}

fn write_postings(
    writer: &mut TableWriter,
    grams: &mut Vec<u32>,
    lists: &mut ListBuilder<UInt32Builder>,
) -> Result<()> {
    if grams.is_empty() {
        return Ok(());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(UInt32Array::from(std::mem::take(grams))),
        Arc::new(lists.finish()),
    ];
    let batch =
        RecordBatch::try_new(postings_schema(), columns).map_err(|e| build_error("postings", e))?;
    writer.write(&batch)
}

/// The postings parts of a finished postings stage with their stats.
fn postings_parts(work: &ScanWork) -> Result<(Vec<PathBuf>, Vec<u64>)> {
    let dir = work.root.join("postings");
    let stored = load_stored(work)?;
    let parts = gram_partitions(work, &stored.stats);
    let mut paths = Vec::with_capacity(parts as usize);
    let block_docs = work.plan().block_docs.max(1) as usize;
    let mut instances = vec![0u64; stored.texts.len().div_ceil(block_docs)];
    for p in 0..parts {
        let name = format!("part-{p:05}");
        if !Marker::is_complete(&dir, POSTINGS_TABLE.name, &name, work.fp())? {
            return Err(incomplete(
                &dir,
                format!("postings part {p} of {parts} is not complete; run the postings stage (every rank) first"),
            ));
        }
        let stats: PostingsStats = read_json(&dir.join(format!("{name}.stats.json")))?;
        if stats.instances.len() != instances.len() {
            return Err(Error::Corrupt {
                path: dir.join(format!("{name}.stats.json")),
                message: "pair counts for another number of documents".into(),
            });
        }
        for (total, n) in instances.iter_mut().zip(stats.instances) {
            *total += n;
        }
        paths.push(dir.join(format!("{name}.parquet")));
    }
    Ok((paths, instances))
}

// ---------------------------------------------------------------------------
// 5. pairs

/// Document ranges of the pair shards: consecutive histogram blocks whose pair
/// instances (8 bytes each while counted) fit the share of the memory limit.
fn pair_shards(
    instances: &[u64],
    documents: usize,
    block_docs: usize,
    share: u64,
) -> Vec<(usize, usize)> {
    let budget = (share / 8).max(1);
    let mut shards = Vec::new();
    let mut start = 0usize;
    let mut sum = 0u64;
    for (b, &n) in instances.iter().enumerate() {
        if b > start && sum + n > budget {
            shards.push((start * block_docs, b * block_docs));
            start = b;
            sum = 0;
        }
        sum += n;
    }
    shards.push((
        (start * block_docs).min(documents),
        documents.max(start * block_docs),
    ));
    shards
}

fn pairs_schema() -> SchemaRef {
    schema(vec![u32_field("a"), u32_field("b"), u32_field("shared")])
}

fn pair_shard_name(s: usize, of: usize) -> String {
    format!("shard-{s:05}-of-{of:05}")
}

/// The pairs stage: for each document range of this shard (`shard % world == rank`),
/// the pairs `a < b` with `a` in the range sharing at least `min_shared` n-grams,
/// sorted by `(a, b)`.
pub fn pairs(
    work: &ScanWork,
    config: &ScanConfig,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<StageReport> {
    let dir = work.stage_dir("pairs")?;
    let (parts, instances) = postings_parts(work)?;
    let documents = load_stored(work)?.texts.len();
    let block_docs = work.plan().block_docs.max(1) as usize;
    let shards = pair_shards(
        &instances,
        documents,
        block_docs,
        work.plan().pair_shard_bytes,
    );
    write_json_atomic(&dir.join("plan.json"), &shards)?;
    let mut report = made(0, 0);
    observer.stage_started(Stage::Candidates, Some(shards.len() as u64));
    for (s, &(lo, hi)) in shards.iter().enumerate() {
        if !owns(shard, s as u64) {
            continue;
        }
        let name = pair_shard_name(s, shards.len());
        if Marker::is_complete(&dir, PAIRS_TABLE.name, &name, work.fp())? {
            report.skipped += 1;
            continue;
        }
        let (lo32, hi32) = (lo as u32, hi as u32);
        let expected: u64 = instances
            .get(lo / block_docs..hi.div_ceil(block_docs).min(instances.len()))
            .map_or(0, |b| b.iter().sum());
        let mut found: Vec<u64> = Vec::with_capacity(expected as usize);
        for path in &parts {
            for batch in read_table(path, POSTINGS_TABLE, &["docs"])? {
                let batch = batch?;
                let lists = column::<ListArray>(&batch, "docs", path)?;
                let values = lists
                    .values()
                    .as_any()
                    .downcast_ref::<UInt32Array>()
                    .ok_or_else(|| Error::Corrupt {
                        path: path.clone(),
                        message: "column \"docs\" is not a list of 32-bit integers".into(),
                    })?;
                let offsets = lists.value_offsets();
                for r in 0..lists.len() {
                    let docs = &values.values()[offsets[r] as usize..offsets[r + 1] as usize];
                    let first = docs.partition_point(|&d| d < lo32);
                    let last = docs.partition_point(|&d| d < hi32);
                    for i in first..last {
                        let a = u64::from(docs[i]) << 32;
                        found.extend(docs[i + 1..].iter().map(|&b| a | u64::from(b)));
                    }
                }
            }
        }
        exec::sort_unstable(&mut found);
        let (mut a, mut b, mut shared) = (Vec::new(), Vec::new(), Vec::new());
        let mut i = 0;
        while i < found.len() {
            let mut j = i + 1;
            while j < found.len() && found[j] == found[i] {
                j += 1;
            }
            if j - i >= config.candidates.min_shared {
                a.push((found[i] >> 32) as u32);
                b.push(found[i] as u32);
                shared.push((j - i) as u32);
            }
            i = j;
        }
        drop(found);
        let path = dir.join(format!("{name}.parquet"));
        let mut writer = TableWriter::create(&path, PAIRS_TABLE, pairs_schema())?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt32Array::from(a)),
            Arc::new(UInt32Array::from(b)),
            Arc::new(UInt32Array::from(shared)),
        ];
        let batch =
            RecordBatch::try_new(pairs_schema(), columns).map_err(|e| build_error("pairs", e))?;
        writer.write(&batch)?;
        let digest = writer.finish()?;
        Marker::write(&dir, PAIRS_TABLE.name, &name, work.fp(), vec![digest])?;
        report.made += 1;
        observer.advance(1);
    }
    observer.stage_finished(Stage::Candidates);
    Ok(report)
}

/// Every candidate pair of a finished pairs stage, sorted by `(a, b)`.
fn load_pairs(work: &ScanWork) -> Result<Vec<Candidate>> {
    let dir = work.root.join("pairs");
    let plan_path = dir.join("plan.json");
    if !plan_path.exists() {
        return Err(incomplete(
            &dir,
            "the pairs stage has not run; run it first".into(),
        ));
    }
    let shards: Vec<(usize, usize)> = read_json(&plan_path)?;
    let mut out = Vec::new();
    for s in 0..shards.len() {
        let name = pair_shard_name(s, shards.len());
        if !Marker::is_complete(&dir, PAIRS_TABLE.name, &name, work.fp())? {
            return Err(incomplete(
                &dir,
                format!(
                    "pair shard {s} of {} is not complete; run the pairs stage (every rank) first",
                    shards.len()
                ),
            ));
        }
        let path = dir.join(format!("{name}.parquet"));
        for batch in read_table(&path, PAIRS_TABLE, &[])? {
            let batch = batch?;
            let a = column::<UInt32Array>(&batch, "a", &path)?;
            let b = column::<UInt32Array>(&batch, "b", &path)?;
            let shared = column::<UInt32Array>(&batch, "shared", &path)?;
            for i in 0..batch.num_rows() {
                out.push(Candidate {
                    a: a.value(i),
                    b: b.value(i),
                    shared: shared.value(i),
                });
            }
        }
    }
    if out.windows(2).any(|w| (w[0].a, w[0].b) >= (w[1].a, w[1].b)) {
        return Err(Error::Corrupt {
            path: dir,
            message: "candidate pairs are out of order".into(),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// 6. align

fn passages_schema() -> SchemaRef {
    schema(vec![
        u64_field("pair"),
        u32_field("x_doc"),
        u64_field("x_start"),
        u64_field("x_end"),
        u32_field("y_doc"),
        u64_field("y_start"),
        u64_field("y_end"),
        Field::new("similarity", DataType::Float64, false),
    ])
}

/// The align stage: the blocks of candidate pairs of this shard (`block % world ==
/// rank`, blocks as the in-memory scan makes them), each pair's passages with the
/// pair's number (its position in `(a, b)` order).
pub fn align(
    work: &ScanWork,
    config: &ScanConfig,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<StageReport> {
    let dir = work.stage_dir("align")?;
    let name = shard_name(shard);
    if Marker::is_complete(&dir, PASSAGES_TABLE.name, &name, work.fp())? {
        return Ok(made(0, 1));
    }
    let stored = load_stored(work)?;
    let documents = stored.texts.len();
    let masks = load_masks(work, documents)?;
    let store = TextStore::open(&work.root.join("store").join("texts.bin"), stored.texts)?;
    let candidates = load_pairs(work)?;
    let plan = AlignPlan::new(&candidates, documents, config.align_block_pairs);
    let owned: Vec<(usize, &[usize])> = plan
        .blocks()
        .enumerate()
        .filter(|(n, _)| owns(shard, *n as u64))
        .collect();
    let pairs: u64 = owned.iter().map(|(_, b)| b.len() as u64).sum();
    observer.stage_started(Stage::Align, Some(pairs));
    let last = plan.last_blocks(&candidates, |n| owns(shard, n as u64));
    let mut prepared: Vec<Option<Box<PreparedDoc<'static>>>> = Vec::new();
    prepared.resize_with(documents, || None);
    let path = dir.join(format!("{name}.parquet"));
    let mut writer = TableWriter::create(&path, PASSAGES_TABLE, passages_schema())?;
    for (n, block) in owned {
        let aligned = plan.align_block(
            n,
            block,
            &candidates,
            &mut prepared,
            &last,
            |fresh| {
                exec::map(fresh, |&d| {
                    let text = store.read(d as usize)?;
                    let blanked = blank_masks(&text, masks.get(d as usize)).into_owned();
                    Ok((
                        d,
                        Some(Box::new(PreparedDoc::owned(blanked, &config.normalize))),
                    ))
                })
                .into_iter()
                .collect()
            },
            &masks,
            config,
            observer,
        )?;
        let mut rows: (Vec<u64>, Vec<u32>, Vec<u64>, Vec<u64>) = Default::default();
        let mut ys: (Vec<u32>, Vec<u64>, Vec<u64>, Vec<f64>) = Default::default();
        for (k, edges) in aligned {
            for e in edges {
                rows.0.push(k as u64);
                rows.1.push(e.x.doc);
                rows.2.push(e.x.span.start as u64);
                rows.3.push(e.x.span.end as u64);
                ys.0.push(e.y.doc);
                ys.1.push(e.y.span.start as u64);
                ys.2.push(e.y.span.end as u64);
                ys.3.push(e.similarity);
            }
        }
        if rows.0.is_empty() {
            continue;
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt64Array::from(rows.0)),
            Arc::new(UInt32Array::from(rows.1)),
            Arc::new(UInt64Array::from(rows.2)),
            Arc::new(UInt64Array::from(rows.3)),
            Arc::new(UInt32Array::from(ys.0)),
            Arc::new(UInt64Array::from(ys.1)),
            Arc::new(UInt64Array::from(ys.2)),
            Arc::new(Float64Array::from(ys.3)),
        ];
        let batch = RecordBatch::try_new(passages_schema(), columns)
            .map_err(|e| build_error("passages", e))?;
        writer.write(&batch)?;
    }
    let digest = writer.finish()?;
    Marker::write(&dir, PASSAGES_TABLE.name, &name, work.fp(), vec![digest])?;
    observer.stage_finished(Stage::Align);
    Ok(made(1, 0))
}

// ---------------------------------------------------------------------------
// 7. report

/// Seconds per part of a staged run, as [`run_local`] measured them (zero for the
/// stages run elsewhere).
#[derive(Debug, Clone, Copy, Default)]
pub struct StageSeconds {
    /// The store stage.
    pub read: f64,
    /// Boilerplate, grams, postings and pairs.
    pub candidates: f64,
    /// The align stage.
    pub align: f64,
}

/// The scan's result from a work folder whose stages are all complete: the same
/// result as the in-memory scan, with the texts left in the store.
pub fn load_result(
    work: &ScanWork,
    config: &ScanConfig,
    seconds: StageSeconds,
) -> Result<ScanResult> {
    let started = Instant::now();
    let stored = load_stored(work)?;
    let documents = stored.texts.len();
    let boiler_lines = load_boilerplate(work)?;
    let candidates = load_pairs(work)?;
    let dir = work.root.join("align");
    let world = complete_world(work, "align", PASSAGES_TABLE)?;
    let mut keyed: Vec<(u64, Edge)> = Vec::new();
    for r in 0..world {
        let path = dir.join(format!("rank-{r}-of-{world}.parquet"));
        for batch in read_table(&path, PASSAGES_TABLE, &[])? {
            let batch = batch?;
            let pair = column::<UInt64Array>(&batch, "pair", &path)?;
            let xd = column::<UInt32Array>(&batch, "x_doc", &path)?;
            let xs = column::<UInt64Array>(&batch, "x_start", &path)?;
            let xe = column::<UInt64Array>(&batch, "x_end", &path)?;
            let yd = column::<UInt32Array>(&batch, "y_doc", &path)?;
            let ys = column::<UInt64Array>(&batch, "y_start", &path)?;
            let ye = column::<UInt64Array>(&batch, "y_end", &path)?;
            let sim = column::<Float64Array>(&batch, "similarity", &path)?;
            for i in 0..batch.num_rows() {
                keyed.push((
                    pair.value(i),
                    Edge {
                        x: Occurrence {
                            doc: xd.value(i),
                            span: span_of(xs.value(i), xe.value(i), &path)?,
                        },
                        y: Occurrence {
                            doc: yd.value(i),
                            span: span_of(ys.value(i), ye.value(i), &path)?,
                        },
                        similarity: sim.value(i),
                    },
                ));
            }
        }
    }
    // Stable: a pair's passages keep the order alignment gave them.
    keyed.sort_by_key(|(k, _)| *k);
    let mut stats = ScanStats {
        documents: documents as u64,
        skipped: stored.stats.skipped.clone(),
        input: stored.stats.input.clone(),
        candidate_pairs: candidates.len() as u64,
        passages: keyed.len() as u64,
        ..ScanStats::default()
    };
    drop(candidates);
    let mut previous = None;
    for (k, _) in &keyed {
        if previous != Some(*k) {
            stats.pairs_with_passages += 1;
            previous = Some(*k);
        }
    }
    let edges: Vec<Edge> = keyed.into_iter().map(|(_, e)| e).collect();
    let repeats = load_repeats(work)?;
    let docs = load_documents(work, stored)?;
    let (clusters, boilerplate) = cluster_passages(
        edges,
        repeats.into_iter(),
        boiler_lines,
        config.min_overlap,
        |d| docs.dates.get(d).and_then(Option::as_ref),
    );
    stats.clusters = clusters.len() as u64;
    stats.boilerplate = boilerplate.len() as u64;
    stats.read_seconds = seconds.read;
    stats.candidate_seconds = seconds.candidates;
    stats.align_seconds = seconds.align;
    stats.cluster_seconds = started.elapsed().as_secs_f64();
    stats.total_seconds = seconds.read + seconds.candidates + seconds.align + stats.cluster_seconds;
    Ok(ScanResult {
        documents: ScanDocuments::stored(docs),
        clusters,
        boilerplate,
        stats,
    })
}

/// Every within-document repeat, in document order (each document's in the order
/// they were found).
fn load_repeats(work: &ScanWork) -> Result<Vec<(u32, RepeatPair)>> {
    let dir = work.root.join("grams");
    let world = complete_world(work, "grams", GRAMS_TABLE)?;
    let mut out = Vec::new();
    for r in 0..world {
        let path = dir.join(format!("rank-{r}-of-{world}.repeats.parquet"));
        for batch in read_table(&path, REPEATS_TABLE, &[])? {
            let batch = batch?;
            let doc = column::<UInt32Array>(&batch, "doc", &path)?;
            let fs = column::<UInt64Array>(&batch, "first_start", &path)?;
            let fe = column::<UInt64Array>(&batch, "first_end", &path)?;
            let ss = column::<UInt64Array>(&batch, "second_start", &path)?;
            let se = column::<UInt64Array>(&batch, "second_end", &path)?;
            for i in 0..batch.num_rows() {
                out.push((
                    doc.value(i),
                    (
                        span_of(fs.value(i), fe.value(i), &path)?,
                        span_of(ss.value(i), se.value(i), &path)?,
                    ),
                ));
            }
        }
    }
    out.sort_by_key(|r| r.0);
    Ok(out)
}

fn load_documents(work: &ScanWork, stored: Stored) -> Result<StoredDocuments> {
    let path = work.root.join("store").join("documents.parquet");
    let mut ids = String::new();
    let mut id_ends = Vec::with_capacity(stored.texts.len());
    let mut dates: Vec<Option<DocDate>> = Vec::new();
    let mut encodings = Vec::new();
    let mut any_date = false;
    for batch in read_table_batched(
        &path,
        DOCUMENTS_TABLE,
        &[
            "doc",
            "id",
            "date",
            "date_seconds",
            "date_nanos",
            "encoding",
        ],
        8192,
    )? {
        let batch = batch?;
        let doc = column::<UInt32Array>(&batch, "doc", &path)?;
        let id = column::<StringArray>(&batch, "id", &path)?;
        let date = column::<StringArray>(&batch, "date", &path)?;
        let seconds = column::<Int64Array>(&batch, "date_seconds", &path)?;
        let nanos = column::<UInt32Array>(&batch, "date_nanos", &path)?;
        let encoding = column::<StringArray>(&batch, "encoding", &path)?;
        for i in 0..batch.num_rows() {
            ids.push_str(id.value(i));
            id_ends.push(ids.len() as u64);
            let parsed = if date.is_null(i) || seconds.is_null(i) || nanos.is_null(i) {
                None
            } else {
                let instant = chrono::DateTime::from_timestamp(seconds.value(i), nanos.value(i))
                    .ok_or_else(|| Error::Corrupt {
                        path: path.clone(),
                        message: format!("document {} has a date out of range", doc.value(i)),
                    })?;
                Some(DocDate {
                    text: date.value(i).to_string(),
                    instant,
                })
            };
            if parsed.is_some() && !any_date {
                any_date = true;
                dates.resize_with(id_ends.len() - 1, || None);
            }
            if any_date {
                dates.push(parsed);
            }
            if !encoding.is_null(i) {
                let name = encoding_rs::Encoding::for_label(encoding.value(i).as_bytes())
                    .map(|e| e.name())
                    .ok_or_else(|| Error::Corrupt {
                        path: path.clone(),
                        message: format!("unknown encoding {:?}", encoding.value(i)),
                    })?;
                encodings.push((doc.value(i), name));
            }
        }
    }
    let store = TextStore::open(&work.root.join("store").join("texts.bin"), stored.texts)?;
    Ok(StoredDocuments {
        store,
        ids,
        id_ends,
        dates,
        encodings,
    })
}

/// Runs one stage for one shard.
pub fn run_stage(
    work: &ScanWork,
    stage: ScanStage,
    sources: &Sources,
    config: &ScanConfig,
    shard: Shard,
    observer: &dyn Observer,
) -> Result<StageReport> {
    work.check_config(config, sources)?;
    match stage {
        ScanStage::Store => {
            if shard.world() != 1 {
                return Err(Error::Config(
                    "the store stage reads the inputs in one process: run it with world size 1"
                        .into(),
                ));
            }
            store(work, sources, config, observer)
        }
        ScanStage::Boilerplate => boilerplate(work, config, shard, observer),
        ScanStage::Grams => grams(work, config, shard, observer),
        ScanStage::Postings => postings(work, config, shard, observer),
        ScanStage::Pairs => pairs(work, config, shard, observer),
        ScanStage::Align => align(work, config, shard, observer),
    }
}

/// Runs every stage in this process (skipping the parts already complete) and
/// returns the result.
pub fn run_local(
    root: &Path,
    sources: &Sources,
    config: &ScanConfig,
    memory: MemoryLimit,
    observer: &dyn Observer,
) -> Result<ScanResult> {
    let work = ScanWork::create(root, config, sources, memory)?;
    let mut seconds = StageSeconds::default();
    let t = Instant::now();
    store(&work, sources, config, observer)?;
    seconds.read = t.elapsed().as_secs_f64();
    let t = Instant::now();
    boilerplate(&work, config, Shard::ALL, observer)?;
    grams(&work, config, Shard::ALL, observer)?;
    postings(&work, config, Shard::ALL, observer)?;
    pairs(&work, config, Shard::ALL, observer)?;
    seconds.candidates = t.elapsed().as_secs_f64();
    let t = Instant::now();
    align(&work, config, Shard::ALL, observer)?;
    seconds.align = t.elapsed().as_secs_f64();
    load_result(&work, config, seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_shards_cover_every_document_once() {
        let instances = [5, 5, 5, 100, 0];
        let docs = 4 * 16 + 10;
        let shards = pair_shards(&instances, docs, 16, 8 * 10);
        assert_eq!(shards.first().unwrap().0, 0);
        assert_eq!(shards.last().unwrap().1, docs);
        for w in shards.windows(2) {
            assert_eq!(w[0].1, w[1].0);
        }
        assert_eq!(shards.len(), 4, "{shards:?}");
        assert_eq!(pair_shards(&[], 0, 16, 64), vec![(0, 0)]);
    }

    #[test]
    fn partitions_by_range_keep_key_order() {
        assert_eq!(key_partition(0, 7), 0);
        assert_eq!(key_partition(u64::MAX, 7), 6);
        assert_eq!(gram_partition(u32::MAX, 16), 15);
        assert!(gram_partition(1 << 31, 2) == 1 && gram_partition((1 << 31) - 1, 2) == 0);
    }

    /// Deterministic news-like documents: shared paragraphs (some reworded), a
    /// common sign-off line, a line repeated inside some documents and dates.
    fn collection(dir: &Path) -> Sources {
        let words: Vec<String> = (0..400).map(|i| format!("w{i}x")).collect();
        let mut seed = 12345u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let mut paragraph = |n: usize| -> String {
            (0..n)
                .map(|_| words[next() % words.len()].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let shared: Vec<String> = (0..6).map(|_| paragraph(45)).collect();
        let mut out = String::new();
        for d in 0..70 {
            let mut text = String::new();
            if d % 9 == 0 {
                text.push_str("Photo caption here\n");
            }
            text.push_str(&paragraph(60));
            text.push_str("\n\n");
            if d % 3 == 0 {
                text.push_str(&shared[d % 6]);
                text.push_str("\n\n");
            }
            if d % 5 == 1 {
                let reworded = shared[(d + 1) % 6].replacen("w1", "changed", 3);
                text.push_str(&reworded);
                text.push_str("\n\n");
            }
            text.push_str(&paragraph(50));
            if d % 9 == 0 {
                text.push_str("\nPhoto caption here");
            }
            text.push_str("\nSign up for our newsletter today");
            let record = serde_json::json!({
                "id": format!("doc-{d}"),
                "date": format!("2022-01-{:02}", 1 + d % 28),
                "text": text,
            });
            out.push_str(&record.to_string());
            out.push('\n');
        }
        out.push_str("{not json\n");
        let path = dir.join("in.jsonl");
        std::fs::write(&path, out).unwrap();
        Sources::discover(&[path]).unwrap()
    }

    fn config() -> ScanConfig {
        let mut config = ScanConfig::default();
        config.input.date_field = Some("date".into());
        config.boilerplate.min_documents = 10;
        config.align_block_pairs = 3;
        config
    }

    fn report(result: &ScanResult, config: &ScanConfig) -> String {
        let mut out = Vec::new();
        crate::report::scan_json::write(result, config, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn small_plan() -> ScanPlan {
        ScanPlan {
            line_partitions: 3,
            gram_partitions: Some(5),
            pair_shard_bytes: 8 * 40,
            block_docs: 8,
        }
    }

    #[test]
    fn staged_scan_report_is_byte_identical_to_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let sources = collection(dir.path());
        let config = config();
        let memory = crate::scan::run(&sources, &config, &crate::exec::Silent).unwrap();
        assert!(
            memory.clusters.len() >= 4,
            "{} clusters",
            memory.clusters.len()
        );
        assert!(memory.boilerplate.len() >= 2);
        assert_eq!(memory.stats.skipped.total, 1);
        let expected = report(&memory, &config);

        let root = dir.path().join("work");
        let work =
            ScanWork::create_with_plan(&root, &config, &sources, MemoryLimit::new(0), small_plan())
                .unwrap();
        // Every sharded stage by two ranks, as separate processes would.
        let silent = &crate::exec::Silent;
        run_stage(
            &work,
            ScanStage::Store,
            &sources,
            &config,
            Shard::ALL,
            silent,
        )
        .unwrap();
        for stage in [
            ScanStage::Boilerplate,
            ScanStage::Grams,
            ScanStage::Postings,
            ScanStage::Pairs,
            ScanStage::Align,
        ] {
            for rank in [1, 0] {
                let shard = Shard::new(rank, 2).unwrap();
                run_stage(&work, stage, &sources, &config, shard, silent).unwrap();
            }
        }
        let plan: Vec<(usize, usize)> = read_json(&root.join("pairs/plan.json")).unwrap();
        assert!(plan.len() >= 3, "pair shards {plan:?}");
        let staged = load_result(&work, &config, StageSeconds::default()).unwrap();
        assert_eq!(report(&staged, &config), expected);
        assert_eq!(staged.stats.skipped.total, 1);

        // One process, the default plan.
        let again = run_local(
            &dir.path().join("work-local"),
            &sources,
            &config,
            MemoryLimit::new(0),
            silent,
        )
        .unwrap();
        assert_eq!(report(&again, &config), expected);
    }

    #[test]
    fn killed_staged_scan_resumes_from_complete_parts() {
        let dir = tempfile::tempdir().unwrap();
        let sources = collection(dir.path());
        let config = config();
        let root = dir.path().join("work");
        let silent = &crate::exec::Silent;
        let work =
            ScanWork::create_with_plan(&root, &config, &sources, MemoryLimit::new(0), small_plan())
                .unwrap();
        store(&work, &sources, &config, silent).unwrap();
        boilerplate(&work, &config, Shard::ALL, silent).unwrap();
        // A grams part half written: its table exists, its marker does not.
        grams(&work, &config, Shard::ALL, silent).unwrap();
        std::fs::remove_file(root.join("grams/rank-0-of-1.done")).unwrap();
        std::fs::write(
            root.join("grams/rank-0-of-1.part-00002.parquet"),
            b"partial",
        )
        .unwrap();
        // Later stages refuse to run on an incomplete one.
        let err = postings(&work, &config, Shard::ALL, silent).unwrap_err();
        assert!(matches!(err, Error::StageIncomplete { .. }), "{err}");
        let resumed =
            run_local(&root, &sources, &config, MemoryLimit::new(1 << 40), silent).unwrap();
        let memory = crate::scan::run(&sources, &config, silent).unwrap();
        assert_eq!(report(&resumed, &config), report(&memory, &config));
        // A second run over the complete folder redoes nothing.
        let report_again = store(&work, &sources, &config, silent).unwrap();
        assert_eq!((report_again.made, report_again.skipped), (0, 1));
        // Another configuration is refused.
        let mut other = config.clone();
        other.candidates.min_shared = 7;
        let err = ScanWork::create(&root, &other, &sources, MemoryLimit::new(0)).unwrap_err();
        assert!(matches!(err, Error::Incompatible { .. }), "{err}");
    }

    #[test]
    fn damaged_stage_table_is_reported_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let sources = collection(dir.path());
        let config = config();
        let root = dir.path().join("work");
        let silent = &crate::exec::Silent;
        run_local(&root, &sources, &config, MemoryLimit::new(0), silent).unwrap();
        let work = ScanWork::open(&root).unwrap();
        // A pairs table replaced behind the marker's back: the marker no longer holds.
        let pairs_dir = root.join("pairs");
        let table = std::fs::read_dir(&pairs_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "parquet"))
            .unwrap();
        std::fs::write(&table, b"garbage").unwrap();
        let err = load_result(&work, &config, StageSeconds::default()).unwrap_err();
        assert!(matches!(err, Error::StageIncomplete { .. }), "{err}");
    }
}
