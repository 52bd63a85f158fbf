//! The run: pass 1 through the ingest, LSH candidates, exact verification,
//! clustering and the keep policy, then the second read that writes the
//! deduplicated dump.

use super::{ClusterMember, DedupConfig, DedupResult, DedupStats, DocMeta, DupCluster};
use super::{KeepPolicy, VerifiedPair};
use crate::cluster::UnionFind;
use crate::document::Document;
use crate::error::{Error, Result};
use crate::exec::{Observer, Stage};
use crate::input::ingest::{ingest, record_hash, IngestConfig, InputTally};
use crate::input::{InputConfig, Sources};
use crate::lsh::{band_keys, candidate_pairs, LshParams};
use crate::minhash::MinHasher;
use crate::shingle::{char_shingles, key_shingles, shingle_set, ShingleConfig};
use crate::text::{word_keys, NormalizeConfig};
use crate::verify::{score_sets, SetSource, SetStore, SetStoreWriter};
use bitvec::vec::BitVec;
use std::io::Write;
use std::time::Instant;

/// What pass 1 keeps of one document.
pub(crate) struct Analysed {
    pub(crate) meta: DocMeta,
    pub(crate) set: Vec<u32>,
    pub(crate) keys: Vec<u64>,
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
    doc: Document,
    ordinal: u64,
    config: &DedupConfig,
    lsh: &LshParams,
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
    let hashes = &scratch.hashes;
    let set = shingle_set(hashes);
    let mut keys = Vec::with_capacity(lsh.bands);
    let signature = &mut scratch.signature;
    signature.resize(hasher.num_perm(), 0);
    if hasher.sign_into(hashes, signature) {
        band_keys(signature, lsh, &mut keys);
    } else {
        keys.resize(lsh.bands, 0);
    }
    Analysed {
        meta: DocMeta {
            id: doc.id,
            ordinal,
            text_bytes: doc.text.len(),
            shingles: set.len() as u32,
            keep_key: doc.keep_key,
        },
        set,
        keys,
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

/// Reads, parses, shingles and signs every document through the ingest (record
/// checksums kept for the second read), spilling shingle sets to the store.
fn pass1(
    sources: &Sources,
    config: &DedupConfig,
    lsh: &LshParams,
    observer: &dyn Observer,
    stats: &mut DedupStats,
) -> Result<Pass1> {
    let hasher = MinHasher::new(config.num_perm, config.seed);
    let mut docs = Vec::new();
    let mut keys = Vec::new();
    let mut store = SetStoreWriter::new()?;
    let mut empty_documents = 0u64;
    let ingest_config = IngestConfig {
        batch_bytes: config.batch_bytes,
        strict: config.strict,
        checksums: true,
        ..IngestConfig::default()
    };
    let read = ingest(
        sources,
        &config.input,
        &ingest_config,
        observer,
        |scratch: &mut Scratch, raw, doc| analyse(doc, raw.ordinal, config, lsh, &hasher, scratch),
        |analysed| {
            if analysed.meta.shingles == 0 {
                empty_documents += 1;
            }
            store.push(&analysed.set)?;
            keys.extend_from_slice(&analysed.keys);
            docs.push(analysed.meta);
            Ok(())
        },
    )?;
    stats.empty_documents += empty_documents;
    stats.skipped = read.skipped;
    stats.input = read.tally;
    stats.input_bytes += read.bytes;
    Ok(Pass1 {
        docs,
        keys,
        store: store.finish()?,
        records: read.records,
        record_hashes: read.record_hashes,
        records_by_source: read.records_by_source,
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
    let lsh = config.lsh_params();
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
    } = pass1(sources, config, &lsh, observer, &mut stats)?;
    stats.stage_seconds.read_and_sign = t.elapsed().as_secs_f64();
    stats.documents = docs.len() as u64;

    let t = Instant::now();
    observer.stage_started(Stage::Candidates, None);
    let candidates = candidate_pairs(
        &keys,
        lsh.bands,
        |d| docs[d as usize].shingles > 0,
        config.max_bucket,
    );
    drop(keys);
    observer.stage_finished(Stage::Candidates);
    stats.candidate_pairs = candidates.len() as u64;
    stats.stage_seconds.candidates = t.elapsed().as_secs_f64();

    let t = Instant::now();
    observer.stage_started(Stage::Verify, Some(candidates.len() as u64));
    let pairs: Vec<VerifiedPair> = crate::exec::map_chunks(&candidates, 4096, |chunk| {
        let verified: Vec<VerifiedPair> = chunk
            .iter()
            .filter_map(|&(a, b)| {
                let score = score_sets(store.get(a as usize), store.get(b as usize));
                (score.jaccard >= config.threshold).then_some(VerifiedPair { a, b, score })
            })
            .collect();
        observer.advance(chunk.len() as u64);
        verified
    });
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

    stats.count_clusters(&clusters);
    stats.set_total_seconds(started.elapsed().as_secs_f64());
    let mut document_records = BitVec::repeat(false, records as usize);
    for doc in &docs {
        if let Some(mut bit) = document_records.get_mut(doc.ordinal as usize) {
            *bit = true;
        }
    }
    Ok(DedupResult {
        document_records,
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
    store: &impl SetSource,
    policy: KeepPolicy,
) -> Vec<DupCluster> {
    crate::exec::map_owned(groups, |members| {
        let kept = pick_kept(&members, docs, policy);
        let kept_set = store.set(kept);
        let members = members
            .into_iter()
            .map(|doc| ClusterMember {
                doc,
                score: score_sets(store.set(doc), kept_set),
            })
            .collect();
        DupCluster { kept, members }
    })
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
    // Kept: every document record but the removed members of the clusters.
    let mut kept_ordinals: BitVec = result.document_records.clone();
    kept_ordinals.resize(result.records as usize, false);
    for (i, removed) in result.removed().iter().by_vals().enumerate() {
        if removed {
            if let Some(mut bit) = result
                .docs
                .get(i)
                .and_then(|d| kept_ordinals.get_mut(d.ordinal as usize))
            {
                *bit = false;
            }
        }
    }
    let expected = Expected {
        records: result.records,
        by_source: Some(&result.records_by_source),
    };
    write_records(sources, config, expected, out, observer, |ordinal, hash| {
        let ordinal = ordinal as usize;
        if result.record_hashes.get(ordinal) != Some(&hash) {
            Verdict::Changed
        } else if ordinal < kept_ordinals.len() && kept_ordinals[ordinal] {
            Verdict::Write
        } else {
            Verdict::Leave
        }
    })
}

/// What the second read of [`write_records`] does with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Write it to the deduplicated dump.
    Write,
    /// Leave it out (a removed duplicate, or a record that was no document).
    Leave,
    /// It is not the record the first read saw: stop with [`Error::InputChanged`].
    Changed,
}

/// How many records the first read saw, which the second must see again.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// Records over all sources.
    pub records: u64,
    /// Records of each source, by source index, when the first read counted them.
    pub by_source: Option<&'a [u64]>,
}

/// The second read of a dedup run: every record of `sources` in input order, given to
/// `verdict` as `(record number, record_hash)` and written to `out` when it says so
/// (JSON Lines records byte for byte, whole-file documents as `{"id": ..., "text":
/// ...}` lines). A record `verdict` finds changed, a record past `expected.records`,
/// or a source that yields another count than the first read is
/// [`Error::InputChanged`], raised before that record is written. Returns the number
/// of records written. [`write_deduplicated`] is this with the in-memory result's
/// checksums; an engine's dedup gives the checksums of the cluster members it holds.
pub fn write_records(
    sources: &Sources,
    config: &InputConfig,
    expected: Expected<'_>,
    out: &mut dyn Write,
    observer: &dyn Observer,
    verdict: impl Fn(u64, u64) -> Verdict,
) -> Result<u64> {
    let changed = |source: u32| Error::InputChanged {
        path: sources
            .list()
            .get(source as usize)
            .map_or_else(String::new, |s| s.display.clone()),
    };
    observer.stage_started(Stage::Write, Some(expected.records));
    let write_err = |e| Error::stream("writing the deduplicated output", e);
    let mut written = 0u64;
    let mut by_source = vec![0u64; sources.list().len()];
    let mut records = 0u64;
    for record in sources.records() {
        let Ok(record) = record else { continue };
        observer.advance(1);
        match by_source.get_mut(record.origin.source as usize) {
            Some(n) => *n += 1,
            None => return Err(changed(record.origin.source)),
        }
        records += 1;
        if record.ordinal >= expected.records {
            return Err(changed(record.origin.source));
        }
        match verdict(record.ordinal, record_hash(&record.bytes)) {
            Verdict::Changed => return Err(changed(record.origin.source)),
            Verdict::Leave => continue,
            Verdict::Write => {}
        }
        if record.origin.line > 0 {
            out.write_all(&record.bytes).map_err(write_err)?;
        } else {
            // A whole-file document's id is its file's (the same in both reads).
            let doc = match sources.parse(&record, config) {
                Ok(doc) => doc,
                Err(_) => return Err(changed(record.origin.source)),
            };
            let line = serde_json::json!({"id": doc.id, "text": doc.text});
            serde_json::to_writer(&mut *out, &line)
                .map_err(|e| Error::stream("writing the deduplicated output", e.into()))?;
        }
        out.write_all(b"\n").map_err(write_err)?;
        written += 1;
    }
    let differing = match expected.by_source {
        Some(counts) => (0..by_source.len()).find(|&s| counts.get(s) != Some(&by_source[s])),
        // Fewer records than the first read: the last source is the one that shrank
        // (or any, when none was read).
        None => (records != expected.records).then(|| by_source.len().saturating_sub(1)),
    };
    if let Some(differing) = differing {
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
}
