//! Document-level near-duplicate detection over a whole dump.
//!
//! Pass 1 streams records from the sources: a reader thread reads and decompresses
//! batches while rayon parses, tokenises, shingles and signs each batch; results are
//! gathered in input order. Per document only its id, a few numbers, the LSH band
//! keys and its shingle set (spilled to a temporary file) are kept, so memory does
//! not grow with the raw text. Then LSH candidates are verified exactly on the shingle
//! sets, verified pairs are linked with union-find, and each cluster keeps one
//! document by the keep policy. [`write_deduplicated`] makes a second pass over the
//! sources to copy the kept records byte for byte; pass 1 keeps an xxh3 checksum of
//! every record, and a second read that differs (an input changed during the run)
//! is an error naming the file, before anything of the differing record is written.

use crate::cluster::UnionFind;
use crate::document::{Document, SortKey};
use crate::error::{Error, InputIssue, Result};
use crate::exec::{Observer, Stage};
use crate::input::ingest::{DocNotes, InputTally, Skipped};
use crate::input::{InputConfig, RawRecord, Sources};
use crate::lsh::{band_keys, candidate_pairs, LshParams};
use crate::minhash::MinHasher;
use crate::shingle::{char_shingles, key_shingles, shingle_set, ShingleConfig};
use crate::text::{word_keys, NormalizeConfig};
use crate::verify::{score_sets, PairScore, SetStore, SetStoreWriter};
use bitvec::vec::BitVec;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

pub mod stages;

/// Which document of a cluster is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeepPolicy {
    /// The first in input order.
    First,
    /// The longest text (in bytes); ties go to the first.
    Longest,
    /// The smallest value of the `keep_by_field` of [`InputConfig`] (for example the
    /// earliest date); documents without the field come last; ties go to the first.
    ByField,
}

/// Everything a dedup run needs to know. Build it, call [`DedupConfig::validate`]
/// (done by [`run`] too), then run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DedupConfig {
    /// How records map onto documents.
    #[serde(skip)]
    pub input: InputConfig,
    /// How documents are cut into shingles.
    pub shingle: ShingleConfig,
    /// How words are normalised into keys.
    pub normalize: NormalizeConfig,
    /// MinHash signature length.
    pub num_perm: usize,
    /// Seed of the MinHash hash family.
    pub seed: u64,
    /// LSH banding.
    pub lsh: LshParams,
    /// Minimum exact Jaccard similarity for two documents to be linked.
    pub threshold: f64,
    /// Which document of a cluster is kept.
    pub keep: KeepPolicy,
    /// Stop at the first input issue instead of counting it and going on.
    pub strict: bool,
    /// Buckets larger than this pair their members only with the first `max_bucket`.
    pub max_bucket: usize,
    /// Raw bytes read per parallel batch.
    pub batch_bytes: usize,
}

impl Default for DedupConfig {
    fn default() -> Self {
        let num_perm = 128;
        let threshold = 0.8;
        DedupConfig {
            input: InputConfig::default(),
            shingle: ShingleConfig::default(),
            normalize: NormalizeConfig::default(),
            num_perm,
            seed: 1,
            lsh: LshParams::optimal(
                threshold,
                num_perm,
                crate::lsh::DEFAULT_FP_WEIGHT,
                crate::lsh::DEFAULT_FN_WEIGHT,
            ),
            threshold,
            keep: KeepPolicy::First,
            strict: false,
            max_bucket: 64,
            batch_bytes: 8 << 20,
        }
    }
}

impl DedupConfig {
    /// Checks that the parameters make sense together.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(m));
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return bad(format!(
                "threshold must be in (0, 1], got {}",
                self.threshold
            ));
        }
        if self.num_perm == 0 {
            return bad("num_perm must be at least 1".into());
        }
        if self.lsh.bands == 0 || self.lsh.rows == 0 {
            return bad("bands and rows must be at least 1".into());
        }
        if self.lsh.used_perm() > self.num_perm {
            return bad(format!(
                "bands × rows = {} exceeds num_perm = {}",
                self.lsh.used_perm(),
                self.num_perm
            ));
        }
        if self.shingle.n() == 0 {
            return bad("shingle size must be at least 1".into());
        }
        if self.keep == KeepPolicy::ByField && self.input.keep_by_field.is_none() {
            return bad("keep policy by field needs a field name".into());
        }
        Ok(())
    }
}

/// What the run keeps of each document.
#[derive(Debug, Clone)]
pub struct DocMeta {
    /// The document id.
    pub id: String,
    /// The record it came from (position in reading order).
    pub ordinal: u64,
    /// Text length in bytes.
    pub text_bytes: usize,
    /// Distinct shingles (0 for an empty document).
    pub shingles: u32,
    /// Value of the keep-by field, if any.
    pub keep_key: Option<SortKey>,
}

/// A candidate pair that passed exact verification; `a < b` are document indices.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedPair {
    /// First document.
    pub a: u32,
    /// Second document.
    pub b: u32,
    /// Exact scores of `a` against `b`.
    pub score: PairScore,
}

/// One member of a duplicate cluster with its scores against the kept document
/// (`a` = the member, `b` = the kept document).
#[derive(Debug, Clone, Copy)]
pub struct ClusterMember {
    /// Document index.
    pub doc: u32,
    /// Scores against the kept document.
    pub score: PairScore,
}

/// A connected component of verified pairs (two or more documents).
#[derive(Debug, Clone)]
pub struct DupCluster {
    /// The kept document.
    pub kept: u32,
    /// All members, the kept one included, in input order.
    pub members: Vec<ClusterMember>,
}

/// Seconds spent per stage.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StageSeconds {
    /// Reading, parsing, shingling, signing.
    pub read_and_sign: f64,
    /// LSH candidate pairs.
    pub candidates: f64,
    /// Exact verification.
    pub verify: f64,
    /// Union-find and keep policy.
    pub cluster: f64,
}

/// Counts and timings of a run, for the summary.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DedupStats {
    /// Documents read (including empty ones).
    pub documents: u64,
    /// Documents with no words (kept as singletons).
    pub empty_documents: u64,
    /// Records or files that could not be used.
    #[serde(flatten)]
    pub skipped: Skipped,
    /// Decoded files, unparseable dates, files passed over.
    #[serde(flatten)]
    pub input: InputTally,
    /// Bytes of raw records read (after decompression).
    pub input_bytes: u64,
    /// Candidate pairs from LSH.
    pub candidate_pairs: u64,
    /// Pairs whose exact Jaccard reached the threshold.
    pub verified_pairs: u64,
    /// Clusters of two or more documents.
    pub clusters: u64,
    /// Documents in those clusters.
    pub documents_in_clusters: u64,
    /// Documents removed (cluster members other than the kept one).
    pub documents_removed: u64,
    /// `documents_removed / documents`.
    pub duplicate_fraction: f64,
    /// Time per stage.
    pub stage_seconds: StageSeconds,
    /// Wall time of the whole analysis.
    pub total_seconds: f64,
    /// Documents per second over the whole analysis.
    pub documents_per_second: f64,
    /// Input megabytes (10⁶ bytes) per second over the whole analysis.
    pub megabytes_per_second: f64,
}

/// The outcome of a dedup run.
#[derive(Debug)]
pub struct DedupResult {
    /// Every document read, in input order.
    pub docs: Vec<DocMeta>,
    /// Verified pairs, sorted by `(a, b)`.
    pub pairs: Vec<VerifiedPair>,
    /// Clusters ordered by their first member.
    pub clusters: Vec<DupCluster>,
    /// Counts and timings.
    pub stats: DedupStats,
    /// Records read (documents and skipped records with an ordinal).
    pub records: u64,
    /// The xxh3 checksum of every record's bytes, by ordinal (checks the second read).
    pub record_hashes: Vec<u64>,
    /// Records read from each source, by source index (names a source that changed).
    pub records_by_source: Vec<u64>,
}

impl DedupResult {
    /// One bit per document: set when the document is removed as a duplicate.
    pub fn removed(&self) -> BitVec {
        let mut removed = BitVec::repeat(false, self.docs.len());
        for cluster in &self.clusters {
            for m in &cluster.members {
                if m.doc != cluster.kept {
                    removed.set(m.doc as usize, true);
                }
            }
        }
        removed
    }
}

/// What pass 1 makes of one record.
pub(crate) enum Analysed {
    Doc {
        meta: DocMeta,
        notes: DocNotes,
        set: Vec<u32>,
        keys: Vec<u64>,
    },
    Issue(InputIssue),
}

/// The checksum of a record's bytes that the second read is checked against.
pub(crate) fn record_hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// Shingle hashes of a document under a config, appended to `out`; `keys` is scratch.
pub fn document_shingles(
    text: &str,
    shingle: &ShingleConfig,
    normalize: &NormalizeConfig,
    keys: &mut Vec<u64>,
    out: &mut Vec<u64>,
) {
    match *shingle {
        ShingleConfig::Words(n) => {
            keys.clear();
            word_keys(text, normalize, keys);
            key_shingles(keys, n, out);
        }
        ShingleConfig::Chars(n) => char_shingles(text, n, normalize, out),
    }
}

/// Per-thread buffers reused from one document to the next.
#[derive(Default)]
pub(crate) struct Scratch {
    keys: Vec<u64>,
    hashes: Vec<u64>,
    signature: Vec<u32>,
}

pub(crate) fn analyse(
    mut doc: Document,
    ordinal: u64,
    config: &DedupConfig,
    hasher: &MinHasher,
    scratch: &mut Scratch,
) -> Analysed {
    scratch.hashes.clear();
    document_shingles(
        &doc.text,
        &config.shingle,
        &config.normalize,
        &mut scratch.keys,
        &mut scratch.hashes,
    );
    let notes = DocNotes::of(&mut doc);
    let hashes = &scratch.hashes;
    let set = shingle_set(hashes);
    let mut keys = Vec::with_capacity(config.lsh.bands);
    let signature = &mut scratch.signature;
    signature.resize(hasher.num_perm(), 0);
    if hasher.sign_into(hashes, signature) {
        band_keys(signature, &config.lsh, &mut keys);
    } else {
        keys.resize(config.lsh.bands, 0);
    }
    Analysed::Doc {
        meta: DocMeta {
            id: doc.id,
            ordinal,
            text_bytes: doc.text.len(),
            shingles: set.len() as u32,
            keep_key: doc.keep_key,
        },
        notes,
        set,
        keys,
    }
}

fn read_batches(
    sources: &Sources,
    batch_bytes: usize,
    tx: std::sync::mpsc::SyncSender<Vec<Result<RawRecord, InputIssue>>>,
) {
    let mut batch = Vec::new();
    let mut bytes = 0usize;
    for record in sources.records() {
        if let Ok(r) = &record {
            bytes += r.bytes.len();
        }
        batch.push(record);
        if bytes >= batch_bytes || batch.len() >= 65_536 {
            if tx.send(std::mem::take(&mut batch)).is_err() {
                return;
            }
            bytes = 0;
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(batch);
    }
}

struct Pass1 {
    docs: Vec<DocMeta>,
    keys: Vec<u64>,
    store: SetStore,
    records: u64,
    record_hashes: Vec<u64>,
    records_by_source: Vec<u64>,
}

fn pass1(
    sources: &Sources,
    config: &DedupConfig,
    observer: &dyn Observer,
    stats: &mut DedupStats,
) -> Result<Pass1> {
    let hasher = MinHasher::new(config.num_perm, config.seed);
    let mut docs = Vec::new();
    let mut keys = Vec::new();
    let mut store = SetStoreWriter::new()?;
    let mut records = 0u64;
    let mut record_hashes = Vec::new();
    let mut records_by_source = vec![0u64; sources.list().len()];
    observer.stage_started(Stage::Sign, Some(sources.total_bytes()));
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        scope.spawn(|| read_batches(sources, config.batch_bytes, tx));
        for batch in rx {
            let batch_bytes: usize = batch
                .iter()
                .map(|r| r.as_ref().map_or(0, |r| r.bytes.len()))
                .sum();
            records += batch.iter().filter(|r| r.is_ok()).count() as u64;
            for raw in batch.iter().flatten() {
                records_by_source[raw.origin.source as usize] += 1;
            }
            let analysed: Vec<(Option<u64>, Analysed)> = batch
                .into_par_iter()
                .map_init(Scratch::default, |scratch, record| match record {
                    Ok(raw) => {
                        let hash = record_hash(&raw.bytes);
                        let item = match sources.parse(&raw, &config.input) {
                            Ok(doc) => analyse(doc, raw.ordinal, config, &hasher, scratch),
                            Err(issue) => Analysed::Issue(issue),
                        };
                        (Some(hash), item)
                    }
                    Err(issue) => (None, Analysed::Issue(issue)),
                })
                .collect();
            for (hash, item) in analysed {
                record_hashes.extend(hash);
                match item {
                    Analysed::Doc {
                        meta,
                        notes,
                        set,
                        keys: k,
                    } => {
                        stats
                            .input
                            .document(notes, sources, config.strict, observer)?;
                        if meta.shingles == 0 {
                            stats.empty_documents += 1;
                        }
                        store.push(&set)?;
                        keys.extend_from_slice(&k);
                        docs.push(meta);
                    }
                    Analysed::Issue(issue) => {
                        stats.skipped.record(issue, config.strict, observer)?
                    }
                }
            }
            stats.input_bytes += batch_bytes as u64;
            observer.advance(batch_bytes as u64);
        }
        Ok(())
    })?;
    observer.stage_finished(Stage::Sign);
    stats
        .input
        .check_fields(&stats.skipped, sources, &config.input)?;
    Ok(Pass1 {
        docs,
        keys,
        store: store.finish()?,
        records,
        record_hashes,
        records_by_source,
    })
}

fn pick_kept(members: &[u32], docs: &[DocMeta], policy: KeepPolicy) -> u32 {
    let first = members[0];
    match policy {
        KeepPolicy::First => first,
        KeepPolicy::Longest => members
            .iter()
            .copied()
            .max_by(|&a, &b| {
                docs[a as usize]
                    .text_bytes
                    .cmp(&docs[b as usize].text_bytes)
                    .then(b.cmp(&a))
            })
            .unwrap_or(first),
        KeepPolicy::ByField => members
            .iter()
            .copied()
            .min_by(|&a, &b| {
                let (ka, kb) = (&docs[a as usize].keep_key, &docs[b as usize].keep_key);
                let by_key = match (ka, kb) {
                    (Some(x), Some(y)) => x.cmp_key(y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                };
                by_key.then(a.cmp(&b))
            })
            .unwrap_or(first),
    }
}

/// Finds the near-duplicate clusters of a collection.
pub fn run(
    sources: &Sources,
    config: &DedupConfig,
    observer: &dyn Observer,
) -> Result<DedupResult> {
    config.validate()?;
    let started = Instant::now();
    let mut stats = DedupStats {
        input: InputTally::new(sources),
        ..DedupStats::default()
    };

    let t = Instant::now();
    let Pass1 {
        docs,
        keys,
        store,
        records,
        record_hashes,
        records_by_source,
    } = pass1(sources, config, observer, &mut stats)?;
    stats.stage_seconds.read_and_sign = t.elapsed().as_secs_f64();
    stats.documents = docs.len() as u64;

    let t = Instant::now();
    observer.stage_started(Stage::Candidates, None);
    let candidates = candidate_pairs(
        &keys,
        config.lsh.bands,
        |d| docs[d as usize].shingles > 0,
        config.max_bucket,
    );
    drop(keys);
    observer.stage_finished(Stage::Candidates);
    stats.candidate_pairs = candidates.len() as u64;
    stats.stage_seconds.candidates = t.elapsed().as_secs_f64();

    let t = Instant::now();
    observer.stage_started(Stage::Verify, Some(candidates.len() as u64));
    let pairs: Vec<VerifiedPair> = candidates
        .par_chunks(4096)
        .flat_map_iter(|chunk| {
            let verified: Vec<VerifiedPair> = chunk
                .iter()
                .filter_map(|&(a, b)| {
                    let score = score_sets(store.get(a as usize), store.get(b as usize));
                    (score.jaccard >= config.threshold).then_some(VerifiedPair { a, b, score })
                })
                .collect();
            observer.advance(chunk.len() as u64);
            verified
        })
        .collect();
    observer.stage_finished(Stage::Verify);
    stats.verified_pairs = pairs.len() as u64;
    stats.stage_seconds.verify = t.elapsed().as_secs_f64();

    let t = Instant::now();
    observer.stage_started(Stage::Cluster, None);
    let mut uf = UnionFind::new(docs.len());
    for p in &pairs {
        uf.union(p.a, p.b);
    }
    let clusters = build_clusters(uf.groups(2), &docs, &store, config.keep);
    observer.stage_finished(Stage::Cluster);
    stats.stage_seconds.cluster = t.elapsed().as_secs_f64();

    stats.clusters = clusters.len() as u64;
    stats.documents_in_clusters = clusters.iter().map(|c| c.members.len() as u64).sum();
    stats.documents_removed = stats.documents_in_clusters - stats.clusters;
    stats.duplicate_fraction = if stats.documents == 0 {
        0.0
    } else {
        stats.documents_removed as f64 / stats.documents as f64
    };
    stats.total_seconds = started.elapsed().as_secs_f64();
    if stats.total_seconds > 0.0 {
        stats.documents_per_second = stats.documents as f64 / stats.total_seconds;
        stats.megabytes_per_second = stats.input_bytes as f64 / 1e6 / stats.total_seconds;
    }
    Ok(DedupResult {
        docs,
        pairs,
        clusters,
        stats,
        records,
        record_hashes,
        records_by_source,
    })
}

pub(crate) fn build_clusters(
    groups: Vec<Vec<u32>>,
    docs: &[DocMeta],
    store: &SetStore,
    policy: KeepPolicy,
) -> Vec<DupCluster> {
    groups
        .into_par_iter()
        .map(|members| {
            let kept = pick_kept(&members, docs, policy);
            let kept_set = store.get(kept as usize);
            let members = members
                .into_iter()
                .map(|doc| ClusterMember {
                    doc,
                    score: score_sets(store.get(doc as usize), kept_set),
                })
                .collect();
            DupCluster { kept, members }
        })
        .collect()
}

/// Writes the deduplicated dump: the records of kept documents in input order, JSON
/// Lines records byte for byte, whole-file documents as `{"id": ..., "text": ...}` lines
/// (with the text decoded to UTF-8). Reads the sources a second time, checking every
/// record against its pass-1 checksum: a record that differs, or a source that yields
/// more or fewer records, is [`Error::InputChanged`], raised before that record is
/// written. Returns the number of records written.
pub fn write_deduplicated(
    sources: &Sources,
    config: &InputConfig,
    result: &DedupResult,
    out: &mut dyn Write,
    observer: &dyn Observer,
) -> Result<u64> {
    let changed = |source: u32| Error::InputChanged {
        path: sources
            .list()
            .get(source as usize)
            .map_or_else(String::new, |s| s.display.clone()),
    };
    let removed = result.removed();
    let mut kept_ordinals: BitVec = BitVec::repeat(false, result.records as usize);
    let mut doc_of_ordinal: BTreeMap<u64, u32> = BTreeMap::new();
    for (i, doc) in result.docs.iter().enumerate() {
        if !removed[i] && (doc.ordinal as usize) < kept_ordinals.len() {
            kept_ordinals.set(doc.ordinal as usize, true);
            doc_of_ordinal.insert(doc.ordinal, i as u32);
        }
    }
    observer.stage_started(Stage::Write, Some(result.records));
    let write_err = |e| Error::stream("writing the deduplicated output", e);
    let mut written = 0u64;
    let mut by_source = vec![0u64; result.records_by_source.len()];
    for record in sources.records() {
        let Ok(record) = record else { continue };
        observer.advance(1);
        match by_source.get_mut(record.origin.source as usize) {
            Some(n) => *n += 1,
            None => return Err(changed(record.origin.source)),
        }
        let ordinal = record.ordinal as usize;
        if result.record_hashes.get(ordinal) != Some(&record_hash(&record.bytes)) {
            return Err(changed(record.origin.source));
        }
        if ordinal >= kept_ordinals.len() || !kept_ordinals[ordinal] {
            continue;
        }
        if record.origin.line > 0 {
            out.write_all(&record.bytes).map_err(write_err)?;
        } else {
            let Some(&doc) = doc_of_ordinal.get(&record.ordinal) else {
                continue;
            };
            let text = match sources.parse(&record, config) {
                Ok(doc) => doc.text,
                Err(_) => return Err(changed(record.origin.source)),
            };
            let line = serde_json::json!({"id": result.docs[doc as usize].id, "text": text});
            serde_json::to_writer(&mut *out, &line)
                .map_err(|e| Error::stream("writing the deduplicated output", e.into()))?;
        }
        out.write_all(b"\n").map_err(write_err)?;
        written += 1;
    }
    if let Some(differing) =
        (0..by_source.len()).find(|&s| by_source[s] != result.records_by_source[s])
    {
        return Err(changed(differing as u32));
    }
    out.flush().map_err(write_err)?;
    observer.stage_finished(Stage::Write);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::Silent;
    use crate::input::Sources;
    use std::fs;

    const BASE: &str = "The government said on Thursday that fuel price caps will be restored \
        for six months but the announcement has failed to end the protests which have broadened \
        to include other political grievances across the whole country this week";

    fn dump(lines: &[String]) -> (tempfile::TempDir, Sources) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        fs::write(&path, lines.join("\n")).unwrap();
        let sources = Sources::discover(&[path]).unwrap();
        (dir, sources)
    }

    fn line(id: &str, text: &str) -> String {
        serde_json::json!({"id": id, "text": text}).to_string()
    }

    #[test]
    fn finds_copies_and_keeps_first() {
        let edited = BASE.replace("six", "6");
        let (_d, sources) = dump(&[
            line(
                "a",
                "Something else entirely about the weather in Almaty today",
            ),
            line("b", BASE),
            line("c", &BASE.to_uppercase()),
            line("d", ""),
            line("e", &edited),
        ]);
        let result = run(
            &sources,
            &DedupConfig {
                threshold: 0.6,
                ..Default::default()
            },
            &Silent,
        )
        .unwrap();
        assert_eq!(result.stats.documents, 5);
        assert_eq!(result.stats.empty_documents, 1);
        assert_eq!(result.clusters.len(), 1);
        let c = &result.clusters[0];
        assert_eq!(c.kept, 1);
        assert_eq!(
            c.members.iter().map(|m| m.doc).collect::<Vec<_>>(),
            [1, 2, 4]
        );
        assert_eq!(result.stats.documents_removed, 2);
        let mut out = Vec::new();
        write_deduplicated(
            &sources,
            &InputConfig::default(),
            &result,
            &mut out,
            &Silent,
        )
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        let ids: Vec<String> = out
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(ids, ["a", "b", "d"]);
    }

    #[test]
    fn keep_longest_and_by_field() {
        let longer = format!("{BASE} and more");
        let lines = [
            serde_json::json!({"id": "x", "text": BASE, "date": "2022-01-06"}).to_string(),
            serde_json::json!({"id": "y", "text": longer, "date": "2022-01-05"}).to_string(),
        ];
        let (_d, sources) = dump(&lines);
        let cfg = DedupConfig {
            keep: KeepPolicy::Longest,
            ..Default::default()
        };
        assert_eq!(run(&sources, &cfg, &Silent).unwrap().clusters[0].kept, 1);
        let mut cfg = DedupConfig {
            keep: KeepPolicy::ByField,
            ..Default::default()
        };
        cfg.input.keep_by_field = Some("date".into());
        assert_eq!(run(&sources, &cfg, &Silent).unwrap().clusters[0].kept, 1);
    }

    #[test]
    fn strict_stops_at_first_issue() {
        let (_d, sources) = dump(&[line("a", BASE), "{broken".into()]);
        let lenient = run(&sources, &DedupConfig::default(), &Silent).unwrap();
        assert_eq!(lenient.stats.skipped.total, 1);
        assert_eq!(lenient.stats.skipped.by_reason["malformed_json"], 1);
        let strict = DedupConfig {
            strict: true,
            ..Default::default()
        };
        assert!(matches!(
            run(&sources, &strict, &Silent),
            Err(Error::Strict(_))
        ));
    }

    #[test]
    fn second_read_that_differs_is_an_error_naming_the_file_and_writes_nothing_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        fs::write(
            &path,
            format!("{}\n{}\n", line("a", BASE), line("b", "other")),
        )
        .unwrap();
        let sources = Sources::discover(std::slice::from_ref(&path)).unwrap();
        let result = run(&sources, &DedupConfig::default(), &Silent).unwrap();
        let input = InputConfig::default();
        fs::write(&path, format!("{}\n{}\n", line("a", BASE), line("b", ""))).unwrap();
        let mut out = Vec::new();
        let err = write_deduplicated(&sources, &input, &result, &mut out, &Silent).unwrap_err();
        assert!(matches!(err, Error::InputChanged { .. }), "{err}");
        assert!(err
            .to_string()
            .contains("d.jsonl: changed while it was being read"));
        assert!(!String::from_utf8_lossy(&out).contains("\"b\""));
        // One record fewer is a change too.
        fs::write(&path, format!("{}\n", line("a", BASE))).unwrap();
        let err = write_deduplicated(&sources, &input, &result, &mut Vec::new(), &Silent);
        assert!(matches!(err, Err(Error::InputChanged { .. })));
    }

    #[test]
    fn whole_file_documents_are_written_with_decoded_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.txt");
        fs::write(&path, b"\x93Quoted\x94 text").unwrap();
        let sources = Sources::discover(std::slice::from_ref(&path)).unwrap();
        let result = run(&sources, &DedupConfig::default(), &Silent).unwrap();
        assert_eq!(result.stats.input.decoded["windows-1252"], 1);
        let mut out = Vec::new();
        write_deduplicated(
            &sources,
            &InputConfig::default(),
            &result,
            &mut out,
            &Silent,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["text"], "\u{201c}Quoted\u{201d} text");
    }

    #[test]
    fn invalid_config_is_rejected() {
        let cfg = DedupConfig {
            threshold: 1.5,
            ..Default::default()
        };
        assert!(cfg.validate().is_err());
        let cfg = DedupConfig {
            lsh: LshParams { bands: 20, rows: 8 },
            ..Default::default()
        };
        assert!(cfg.validate().is_err());
    }
}
