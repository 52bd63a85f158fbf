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

use crate::align::PreparedDoc;
use crate::dedup::stages::{Shard, StageReport};
use crate::document::{DocDate, Span};
use crate::error::{Error, Result};
use crate::exec::{self, MemoryLimit, Observer, Stage};
use crate::input::ingest::{self, IngestConfig, InputTally, Skipped};
use crate::input::Sources;
use crate::scan::boilerplate::blank_masks_owned;
use crate::scan::boilerplate::{classify_line, lines, BoilerplateKind, BoilerplateLine};
use crate::scan::candidates::Candidate;
use crate::scan::clusters::{Edge, Occurrence};
use crate::scan::documents::{
    ScanDocuments, StoredDocuments, StoredText, TextStore, TextStoreWriter,
};
use crate::scan::run::{cluster_passages, index_document, AlignPlan, Analyses, Masks, RepeatPair};
use crate::scan::{ScanConfig, ScanResult, ScanStats};
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

mod align;
mod boilerplate;
mod grams;
mod pairs;
mod postings;
mod report;
mod store;

use boilerplate::*;
use grams::*;
use pairs::*;
use postings::*;
use store::*;

pub use align::align;
pub use boilerplate::boilerplate;
pub use grams::grams;
pub use pairs::pairs;
pub use postings::postings;
pub use report::{load_result, StageSeconds};
pub use store::store;

const WORK_FORMAT: &str = "reprint-scan-work";
const WORK_VERSION: u32 = 1;

const DOCUMENTS_TABLE: TableKind = TableKind {
    name: "scan.documents",
    version: 2,
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
/// Share of the memory limit the align stage's analyses may take between blocks (the
/// stage holds little else: the analyses of the block at hand take at most 20%).
const ANALYSES_SHARE: f64 = 0.5;
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
    /// Most bytes of document analyses the align stage keeps from one block of pairs
    /// to the next (those used again the latest are freed first, and made again).
    pub analyses_bytes: u64,
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
            analyses_bytes: (memory.bytes() as f64 * ANALYSES_SHARE) as u64,
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
        let manifest: RunManifest =
            crate::table::read_run_description(&path, "scan", WORK_FORMAT, WORK_VERSION)?;
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
            analyses_bytes: 0,
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
        // With no room for analyses between blocks, documents were analysed again.
        let align: align::AlignStats =
            read_json(&root.join("align/rank-0-of-2.stats.json")).unwrap();
        assert!(align.analyses > align.documents, "{align:?}");
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
