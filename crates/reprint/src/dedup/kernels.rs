//! The dedup stages as in-memory kernels, for a distributed engine (Spark, Ray) that
//! moves the rows between them with its own shuffle instead of the work folder of
//! [`super::stages`].
//!
//! Each kernel is the code of one stage of the staged run, cut at the point where
//! that stage reads or writes a table, so that a run over an engine gives the same
//! clusters as `reprint dedup` bit for bit:
//!
//! - [`Signer::sign`] and [`Signer::sign_shard`]: the sign stage (a document's key,
//!   band keys and shingle set);
//! - [`band_pairs`]: the band stage over the rows of some band buckets;
//! - [`score_pair`]: the verify stage for one candidate pair;
//! - [`clusters`]: the components stage (union-find, the keep policy, the scores of
//!   every member against the kept one);
//! - [`clusters_result`]: a result the report writers take (`--clusters`).
//!
//! A document's key is its record number (`DocMeta::ordinal`), as in every table of
//! the staged run.

use super::run::{analyse, build_clusters, Scratch};
use super::stages::{Shard, StageParams};
use super::{DedupConfig, DedupResult, DedupStats, DocMeta, DupCluster, VerifiedPair};
use crate::cluster::UnionFind;
use crate::document::{Document, Origin, SortKey};
use crate::error::{Error, Result};
use crate::exec::Silent;
use crate::input::ingest::{ingest_selected, IngestConfig, Item, Skipped};
use crate::input::Sources;
use crate::lsh::LshParams;
use crate::minhash::MinHasher;
use crate::verify::{score_sets, PairScore, SetSource};

/// What the sign stage makes of one document.
#[derive(Debug, Clone)]
pub struct SignedDoc {
    /// Its id, record number, length, distinct shingles and keep-by value.
    pub meta: DocMeta,
    /// Its LSH band keys, one per band (all zero for an empty document).
    pub keys: Vec<u64>,
    /// Its shingle set: 32-bit fingerprints, sorted, without repeats.
    pub set: Vec<u32>,
}

/// One record of a sign shard, as [`Signer::sign_shard`] hands it on.
#[derive(Debug, Clone)]
pub enum ShardItem {
    /// A document, signed.
    Doc {
        /// What the sign stage made of it.
        doc: SignedDoc,
        /// The [`crate::input::ingest::record_hash`] of its record's bytes, which a
        /// second read checks before it writes the deduplicated dump.
        hash: u64,
    },
    /// A record (or a file) that could not be used, counted in
    /// [`ShardRead::skipped`] as well: an engine carries it as a row, so that the
    /// run reports it rather than drop it.
    Unusable {
        /// Its record number; `None` for a file that could not be read at all.
        record: Option<u64>,
        /// The kind of problem ([`crate::error::IssueKind::name`]).
        reason: &'static str,
        /// The problem, naming the file and line.
        message: String,
    },
}

/// What [`Signer::sign_shard`] read besides the documents it signed.
#[derive(Debug, Clone, Default)]
pub struct ShardRead {
    /// Records in the whole input (every shard reads the input through, so every
    /// shard knows it).
    pub records: u64,
    /// Records of this shard that could not be used, by reason.
    pub skipped: Skipped,
}

/// The sign stage of a configuration: shingling, MinHash and band keys.
pub struct Signer {
    config: DedupConfig,
    lsh: LshParams,
    hasher: MinHasher,
}

impl Signer {
    /// A signer for `config` (checked first: an invalid configuration is an error).
    pub fn new(config: &DedupConfig) -> Result<Signer> {
        config.validate()?;
        Ok(Signer {
            lsh: config.lsh_params(),
            hasher: MinHasher::new(config.num_perm, config.seed),
            config: config.clone(),
        })
    }

    /// Whether a record that cannot be used stops the run (`strict`) rather than
    /// being counted and passed over.
    pub fn strict(&self) -> bool {
        self.config.strict
    }

    /// What the stages after sign need of the configuration: the number of bands,
    /// the largest bucket paired in full, the threshold and the keep policy.
    pub fn params(&self) -> StageParams {
        StageParams {
            bands: self.lsh.bands,
            max_bucket: self.config.max_bucket,
            threshold: self.config.threshold,
            keep: self.config.keep,
        }
    }

    /// Signs one document given as its parts: `record` is its key (its place in the
    /// input order), `keep_key` the value it is kept by under `keep = by-field`.
    pub fn sign(
        &self,
        record: u64,
        id: String,
        text: String,
        keep_key: Option<SortKey>,
    ) -> SignedDoc {
        let mut doc = Document::new(id, text, Origin { source: 0, line: 0 });
        doc.keep_key = keep_key;
        let mut scratch = Scratch::default();
        let a = analyse(
            doc,
            record,
            &self.config,
            &self.lsh,
            &self.hasher,
            &mut scratch,
        );
        SignedDoc {
            meta: a.meta,
            keys: a.keys,
            set: a.set,
        }
    }

    /// The sign stage's shard of the inputs, as `reprint dedup --stage sign --rank R
    /// --world-size W` makes it: the inputs are read through the one ingest path
    /// (record numbers, ids and bad records as the CLI has them), and the documents
    /// of the parts `p` with `p % W == R` (part `p` = records `p·N … p·N+N−1`) are
    /// signed and handed to `emit` in record order, with the records of those parts
    /// that could not be used.
    pub fn sign_shard(
        &self,
        sources: &Sources,
        part_records: u64,
        shard: Shard,
        mut emit: impl FnMut(ShardItem) -> Result<()>,
    ) -> Result<ShardRead> {
        if part_records == 0 {
            return Err(Error::Config("records per part must be at least 1".into()));
        }
        let select = |ordinal: u64| shard.owns(ordinal / part_records);
        let ingest_config = IngestConfig {
            strict: self.config.strict,
            ..IngestConfig::default()
        };
        let mut skipped = Skipped::default();
        let ingested = ingest_selected(
            sources,
            &self.config.input,
            &ingest_config,
            &select,
            &Silent,
            |scratch: &mut Scratch, raw, doc| {
                analyse(
                    doc,
                    raw.ordinal,
                    &self.config,
                    &self.lsh,
                    &self.hasher,
                    scratch,
                )
            },
            |item| match item {
                Item::Doc { value, record, .. } => emit(ShardItem::Doc {
                    doc: SignedDoc {
                        meta: value.meta,
                        keys: value.keys,
                        set: value.set,
                    },
                    hash: record.hash,
                }),
                Item::Skipped { issue, record, .. } => {
                    skipped.count(issue);
                    emit(ShardItem::Unusable {
                        record: record.map(|r| r.ordinal),
                        reason: issue.kind.name(),
                        message: issue.to_string(),
                    })
                }
            },
        )?;
        Ok(ShardRead {
            records: ingested.next_ordinal,
            skipped,
        })
    }
}

/// The band stage over the rows `(band, key, record)` of some band buckets (every row
/// of a bucket must be there: an engine groups them by `(band, key)`): documents
/// whose keys are equal in a band are candidate pairs, a bucket larger than
/// `max_bucket` pairing every member with its first `max_bucket` members only, as
/// [`super::stages::band`] does. Returns the pairs `a < b`, sorted and unique. Rows
/// of empty documents must be left out by the caller (they are never candidates).
pub fn band_pairs(rows: &mut [(u32, u64, u64)], max_bucket: usize) -> Vec<(u64, u64)> {
    crate::exec::sort_unstable(rows);
    let mut pairs: Vec<(u64, u64)> = Vec::new();
    let mut column: Vec<(u64, u64)> = Vec::new();
    for band in rows.chunk_by(|x, y| x.0 == y.0) {
        column.clear();
        column.extend(band.iter().map(|&(_, key, record)| (key, record)));
        crate::lsh::bucket_pairs(&column, max_bucket, |a, b| pairs.push((a, b)));
    }
    crate::exec::sort_unstable(&mut pairs);
    pairs.dedup();
    pairs
}

/// The verify stage for one candidate pair: the exact scores of the sets of `a` and
/// `b`, when their Jaccard similarity is at least `threshold`.
pub fn score_pair(a: &[u32], b: &[u32], threshold: f64) -> Option<PairScore> {
    let score = score_sets(a, b);
    (score.jaccard >= threshold).then_some(score)
}

/// Shingle sets held in memory, by document index.
struct Sets<'a>(&'a [Vec<u32>]);

impl SetSource for Sets<'_> {
    fn set(&self, doc: u32) -> &[u32] {
        self.0.get(doc as usize).map_or(&[][..], Vec::as_slice)
    }
}

/// The components stage: the verified pairs `(a, b)` (record numbers, in any order,
/// repeats allowed) linked into clusters by union-find, each cluster's kept member
/// chosen by `params.keep` and every member scored against it, as
/// [`super::stages::components`] does. `docs` and `sets` are the documents the pairs
/// name, each once, sorted by record number, with their shingle sets; cluster
/// members are indices into `docs`. A pair naming a record `docs` lacks is
/// [`Error::Config`].
pub fn clusters(
    pairs: &[(u64, u64)],
    docs: &[DocMeta],
    sets: &[Vec<u32>],
    params: &StageParams,
) -> Result<Vec<DupCluster>> {
    if docs.len() != sets.len() {
        return Err(Error::Config(format!(
            "{} documents but {} shingle sets",
            docs.len(),
            sets.len()
        )));
    }
    if docs.windows(2).any(|w| w[0].ordinal >= w[1].ordinal) {
        return Err(Error::Config(
            "cluster documents are not sorted by record number, or repeat one".into(),
        ));
    }
    let position = |record: u64| -> Result<u32> {
        docs.binary_search_by_key(&record, |d| d.ordinal)
            .map(|p| p as u32)
            .map_err(|_| Error::Config(format!("record {record} of a pair has no document")))
    };
    let mut uf = UnionFind::new(docs.len());
    for &(a, b) in pairs {
        uf.union(position(a)?, position(b)?);
    }
    let groups = uf.groups(2);
    Ok(build_clusters(groups, docs, &Sets(sets), params.keep))
}

/// A result holding only documents and clusters, for the writers of reports that
/// read nothing else ([`crate::report::dedup_clusters`]).
pub fn clusters_result(docs: Vec<DocMeta>, clusters: Vec<DupCluster>) -> DedupResult {
    report_result(docs, Vec::new(), clusters)
}

/// A result holding only documents, verified pairs and clusters, for the writers of
/// reports that read nothing else ([`crate::report::dedup_clusters`],
/// [`crate::report::dedup_pairs`]).
pub fn report_result(
    docs: Vec<DocMeta>,
    pairs: Vec<VerifiedPair>,
    clusters: Vec<DupCluster>,
) -> DedupResult {
    let mut stats = DedupStats::default();
    stats.count_clusters(&clusters);
    DedupResult {
        docs,
        pairs,
        clusters,
        stats,
        records: 0,
        record_hashes: Vec::new(),
        document_records: Default::default(),
        records_by_source: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::stages::{run_local, DEFAULT_PART_RECORDS};
    use crate::exec::Silent;
    use std::collections::BTreeMap;

    fn dump(lines: &[String]) -> (tempfile::TempDir, Sources) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let sources = Sources::discover(&[path]).unwrap();
        (dir, sources)
    }

    fn corpus() -> Vec<String> {
        let base = "the central bank raised interest rates by half a point on thursday \
                    citing persistent inflation in food and energy prices across the region";
        let other = "heavy rain flooded the old town overnight and the river rose above \
                     its banks for the first time in a decade residents said";
        vec![
            format!(r#"{{"id":"a","text":"{base}"}}"#),
            format!(r#"{{"id":"b","text":"{other}"}}"#),
            r#"{"id":"bad"#.to_string(),
            format!(r#"{{"id":"c","text":"{base} officials said"}}"#),
            r#"{"id":"e","text":""}"#.to_string(),
            format!(r#"{{"id":"d","text":"{other} on friday"}}"#),
            format!(r#"{{"id":"f","text":"{base}"}}"#),
        ]
    }

    /// The kernels chained by hand, as an engine chains them, give the clusters of the
    /// staged run (ids, kept members and scores), whatever the sharding of sign.
    #[test]
    fn kernels_chained_equal_the_staged_run() {
        let (dir, sources) = dump(&corpus());
        let config = DedupConfig {
            threshold: 0.5,
            ..DedupConfig::default()
        };
        let expected = run_local(
            &dir.path().join("work"),
            &sources,
            &config,
            DEFAULT_PART_RECORDS,
            &Silent,
        )
        .unwrap();
        let signer = Signer::new(&config).unwrap();
        let mut signed = Vec::new();
        let mut unusable = Vec::new();
        let mut skipped = 0;
        for rank in 0..3 {
            let read = signer
                .sign_shard(&sources, 2, Shard::new(rank, 3).unwrap(), |item| {
                    match item {
                        ShardItem::Doc { doc, .. } => signed.push(doc),
                        ShardItem::Unusable { record, reason, .. } => {
                            unusable.push((record, reason))
                        }
                    }
                    Ok(())
                })
                .unwrap();
            assert_eq!(read.records, 7);
            skipped += read.skipped.total;
        }
        assert_eq!(skipped, 1);
        assert_eq!(unusable.len(), 1);
        signed.sort_by_key(|d| d.meta.ordinal);
        let params = signer.params();
        let mut rows: Vec<(u32, u64, u64)> = signed
            .iter()
            .filter(|d| d.meta.shingles > 0)
            .flat_map(|d| {
                d.keys
                    .iter()
                    .enumerate()
                    .map(|(b, &k)| (b as u32, k, d.meta.ordinal))
            })
            .collect();
        let candidates = band_pairs(&mut rows, params.max_bucket);
        let by_record: BTreeMap<u64, &SignedDoc> =
            signed.iter().map(|d| (d.meta.ordinal, d)).collect();
        let verified: Vec<(u64, u64)> = candidates
            .into_iter()
            .filter(|(a, b)| {
                score_pair(&by_record[a].set, &by_record[b].set, params.threshold).is_some()
            })
            .collect();
        let mut named: Vec<u64> = verified.iter().flat_map(|&(a, b)| [a, b]).collect();
        named.sort_unstable();
        named.dedup();
        let docs: Vec<DocMeta> = named.iter().map(|r| by_record[r].meta.clone()).collect();
        let sets: Vec<Vec<u32>> = named.iter().map(|r| by_record[r].set.clone()).collect();
        let got = clusters(&verified, &docs, &sets, &params).unwrap();
        let result = clusters_result(docs, got);
        let (mut want, mut have) = (Vec::new(), Vec::new());
        crate::report::dedup_clusters::write(&expected, &mut want).unwrap();
        crate::report::dedup_clusters::write(&result, &mut have).unwrap();
        assert_eq!(
            String::from_utf8(have).unwrap(),
            String::from_utf8(want).unwrap()
        );
        assert_eq!(result.clusters.len(), 2);
    }

    #[test]
    fn band_pairs_caps_a_large_bucket_and_leaves_other_bands_apart() {
        // Band 0: one bucket of four; band 1: key 7 holds 1 and 2 only.
        let mut rows = vec![
            (0, 5, 3),
            (0, 5, 1),
            (0, 5, 2),
            (0, 5, 0),
            (1, 7, 2),
            (1, 7, 1),
            (1, 8, 3),
        ];
        assert_eq!(
            band_pairs(&mut rows, 2),
            vec![(0, 1), (0, 2), (0, 3), (1, 2), (1, 3)]
        );
        let mut rows = vec![(0, 5, 3), (1, 5, 1)];
        assert!(band_pairs(&mut rows, 64).is_empty());
    }

    #[test]
    fn clusters_refuses_pairs_naming_unknown_or_unsorted_documents() {
        let meta = |ordinal: u64| DocMeta {
            id: ordinal.to_string(),
            ordinal,
            text_bytes: 1,
            shingles: 1,
            keep_key: None,
        };
        let params = Signer::new(&DedupConfig::default()).unwrap().params();
        let docs = vec![meta(1), meta(4)];
        let sets = vec![vec![1], vec![1]];
        assert!(clusters(&[(1, 5)], &docs, &sets, &params).is_err());
        assert!(clusters(&[(1, 4)], &[meta(4), meta(1)], &sets, &params).is_err());
        assert!(clusters(&[(1, 4)], &docs, &sets[..1], &params).is_err());
        let got = clusters(&[(1, 4), (1, 4)], &docs, &sets, &params).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].kept, 0);
    }
}
