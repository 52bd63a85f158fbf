//! The scan stages as in-memory kernels, for a distributed engine (Spark, Ray) that
//! moves the rows between them with its own shuffle instead of the work folder of
//! [`super::stages`].
//!
//! Each kernel is the code of one stage of the staged scan cut where that stage reads
//! or writes a table, so that a run over an engine gives the report of `reprint scan`
//! byte for byte:
//!
//! - [`read_shard`] / [`read_source`]: the store stage's reading (documents as the one
//!   ingest path makes them), by part, with a [`ReadSummary`] per task that
//!   [`merge_reads`] turns into document numbers (the CLI's: the usable documents in
//!   input order) and the run's input counts;
//! - [`short_lines`] and [`boilerplate_lines`]: the boilerplate stage (lines keyed in
//!   each document; the rows of one key classified);
//! - [`doc_masks`] and [`index_grams`]: the grams stage (each document's unmasked
//!   n-grams and repeats);
//! - [`pair_instances`] and [`sum_pairs`]: the postings and pairs stages (the rows of
//!   whole n-grams into pair counts; the counts of one pair summed and kept when they
//!   reach `min_shared`);
//! - [`PairAligner`]: the align stage for one candidate pair;
//! - [`report`]: the report stage on the gathered rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::boilerplate::{classify_line, lines, BoilerplateLine};
use super::candidates::{is_candidate_run, Candidate};
use super::clusters::{Edge, Occurrence};
use super::run::{cluster_passages, index_document, masked_share, RepeatPair};
use super::{ScanConfig, ScanDocuments, ScanResult, ScanStats};
use crate::align::{align, PreparedDoc};
use crate::dedup::stages::Shard;
use crate::document::{DocDate, Document, Span};
use crate::error::{Error, Result};
use crate::exec::Silent;
use crate::input::ingest::{ingest_selected, IngestConfig, InputTally, Item, Skipped};
use crate::input::Sources;

/// A document as a read task hands it on: its part, its place among the part's
/// usable documents, and the document.
#[derive(Debug)]
pub struct ReadDoc {
    /// The part it belongs to (`record / part_records` for paths; the caller's part
    /// for a batch of records).
    pub part: u64,
    /// Its place among the usable documents of its part, from 0.
    pub pos: u64,
    /// The document as the ingest made it.
    pub doc: Document,
}

/// What one read task saw besides its documents, to be merged on the driver by
/// [`merge_reads`] (serialisable, so that it travels as JSON).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ReadSummary {
    /// Records in the whole input of the task (every path task reads the inputs
    /// through, so every one knows it).
    pub records: u64,
    /// Usable documents of each part the task read.
    pub part_docs: BTreeMap<u64, u64>,
    /// The task's unusable records, by reason.
    pub skipped: Skipped,
    /// Documents with a date field holding no date.
    pub bad_date: u64,
    /// Documents without an outlet when one was asked for.
    pub no_outlet: u64,
    /// Documents from JSON Lines or Parquet records, and those of them whose id came
    /// from the id field (for the check that the id field exists).
    pub line_documents: u64,
    /// See `line_documents`.
    pub ids_from_field: u64,
    /// For each source with a document decoded from another encoding: the record
    /// number of its first such document the task read, and the encoding.
    pub decoded: BTreeMap<u32, (u64, String)>,
    /// Files passed over in folders (the same in every task of a run).
    pub passed_over: BTreeMap<String, u64>,
    /// The fields of the first records (named in the error for a missing field).
    pub present: String,
}

/// The read tasks merged: each part's first document number, and the run's counts.
#[derive(Debug, Clone, Default)]
pub struct ReadTotals {
    /// The number of the first document of each part (parts in order).
    pub offsets: BTreeMap<u64, u64>,
    /// Usable documents.
    pub documents: u64,
    /// Unusable records, by reason.
    pub skipped: Skipped,
    /// Decoded files, unparseable dates, files passed over.
    pub input: InputTally,
}

fn read_with(
    sources: &Sources,
    config: &ScanConfig,
    select: &(dyn Fn(u64) -> bool + Sync),
    part_of: impl Fn(u64) -> u64,
    mut emit: impl FnMut(ReadDoc) -> Result<()>,
) -> Result<ReadSummary> {
    config.validate()?;
    let ingest_config = IngestConfig {
        strict: config.strict,
        ..IngestConfig::default()
    };
    let mut summary = ReadSummary::default();
    let read = ingest_selected(
        sources,
        &config.input,
        &ingest_config,
        select,
        &Silent,
        |_: &mut (), _, doc| doc,
        |item| match item {
            Item::Doc {
                record,
                notes,
                value,
            } => {
                if let Some(encoding) = notes.encoding {
                    summary
                        .decoded
                        .entry(value.origin.source)
                        .or_insert_with(|| (record.ordinal, encoding.to_string()));
                }
                let part = part_of(record.ordinal);
                let n = summary.part_docs.entry(part).or_default();
                let pos = *n;
                *n += 1;
                emit(ReadDoc {
                    part,
                    pos,
                    doc: value,
                })
            }
            Item::Skipped { .. } => Ok(()),
        },
    )?;
    summary.records = read.next_ordinal;
    summary.skipped = read.skipped;
    summary.bad_date = read.tally.bad_date;
    summary.no_outlet = read.tally.no_outlet;
    summary.line_documents = read.tally.line_documents;
    summary.ids_from_field = read.tally.ids_from_field;
    summary.passed_over = read.tally.passed_over;
    summary.present = present_fields(sources);
    Ok(summary)
}

fn present_fields(sources: &Sources) -> String {
    let fields = sources.first_fields(3);
    if fields.is_empty() {
        "no fields".to_string()
    } else {
        fields.join(", ")
    }
}

/// The read stage's shard of the inputs: every record is read through the one ingest
/// path (ids, dates, outlets and bad records as the CLI has them), and the documents
/// of the parts `p` with `p % W == R` (part `p` = records `p·N … p·N+N−1`) are handed
/// to `emit` in input order.
pub fn read_shard(
    sources: &Sources,
    config: &ScanConfig,
    part_records: u64,
    shard: Shard,
    emit: impl FnMut(ReadDoc) -> Result<()>,
) -> Result<ReadSummary> {
    if part_records == 0 {
        return Err(Error::Config("records per part must be at least 1".into()));
    }
    let select = |ordinal: u64| shard.owns(ordinal / part_records);
    read_with(sources, config, &select, |o| o / part_records, emit)
}

/// Every record of `sources` (records handed over in memory: a batch of an engine's
/// table) as the documents of one part, `part`.
pub fn read_source(
    sources: &Sources,
    config: &ScanConfig,
    part: u64,
    emit: impl FnMut(ReadDoc) -> Result<()>,
) -> Result<ReadSummary> {
    read_with(sources, config, &|_| true, |_| part, emit)
}

/// The rows of `batch` (an engine's table: one record per row, its columns the
/// record's fields) as the documents of one part, `part`: each row is read as the
/// JSON object of its columns, exactly as a row of a Parquet file is (see
/// [`crate::input`]), so fields, dates and bad records are the CLI's. `display`
/// names the batch in messages; a row without an id field takes its row number
/// (from 1) in the batch as id, so a table should carry an id column.
pub fn read_batch(
    batch: &arrow_array::RecordBatch,
    display: &str,
    config: &ScanConfig,
    part: u64,
    emit: impl FnMut(ReadDoc) -> Result<()>,
) -> Result<ReadSummary> {
    let mut lines = Vec::new();
    let mut writer = arrow_json::LineDelimitedWriter::new(&mut lines);
    writer
        .write(batch)
        .and_then(|()| writer.finish())
        .map_err(|e| Error::Config(format!("{display}: rows that are not records: {e}")))?;
    let sources = Sources::from_list(vec![crate::input::Source::in_memory(
        lines,
        display,
        crate::input::SourceKind::JsonLines,
    )]);
    read_source(&sources, config, part, emit)
}

/// The encoding a document was decoded from, by the name
/// [`Document::encoding`] gives it (for documents that travelled as rows).
pub fn encoding_named(name: &str) -> Option<&'static str> {
    encoding_rs::Encoding::for_label(name.as_bytes()).map(|e| e.name())
}

/// A document's date from the parts it travels in as rows: the field's text and
/// the instant as seconds and nanoseconds since the Unix epoch (UTC).
pub fn doc_date(text: String, seconds: i64, nanos: u32) -> Option<DocDate> {
    chrono::DateTime::from_timestamp(seconds, nanos).map(|instant| DocDate { text, instant })
}

/// The documents whose texts [`report`] quotes for these rows: both sides of every
/// passage, the document of every repeat, and the first place of every boilerplate
/// line; sorted, without repeats. A driver gathers these texts and no others.
pub fn report_texts(
    boilerplate: &[BoilerplateLine],
    repeats: &[(u32, RepeatPair)],
    passages: &[((u32, u32), Vec<Edge>)],
) -> Vec<u32> {
    let mut docs: Vec<u32> = boilerplate
        .iter()
        .filter_map(|b| b.places.iter().min().map(|p| p.0))
        .chain(repeats.iter().map(|r| r.0))
        .chain(
            passages
                .iter()
                .filter(|p| !p.1.is_empty())
                .flat_map(|p| [p.0 .0, p.0 .1]),
        )
        .collect();
    docs.sort_unstable();
    docs.dedup();
    docs
}

/// The summaries of every read task of a run merged: the first document number of
/// each part (the CLI's numbering: usable documents in input order), the counts of
/// the report, and the check that the text and id fields exist at all.
pub fn merge_reads(summaries: &[ReadSummary], config: &ScanConfig) -> Result<ReadTotals> {
    let mut totals = ReadTotals::default();
    let mut part_docs: BTreeMap<u64, u64> = BTreeMap::new();
    let mut decoded: BTreeMap<u32, (u64, String)> = BTreeMap::new();
    let (mut line_documents, mut ids_from_field) = (0u64, 0u64);
    for s in summaries {
        for (&p, &n) in &s.part_docs {
            if part_docs.insert(p, n).is_some() {
                return Err(Error::Config(format!(
                    "part {p} was read by two tasks; every part must be read once"
                )));
            }
        }
        totals.skipped.total += s.skipped.total;
        for (reason, n) in &s.skipped.by_reason {
            *totals.skipped.by_reason.entry(reason.clone()).or_default() += n;
        }
        totals.input.bad_date += s.bad_date;
        totals.input.no_outlet += s.no_outlet;
        line_documents += s.line_documents;
        ids_from_field += s.ids_from_field;
        for (&source, first) in &s.decoded {
            match decoded.get(&source) {
                Some(seen) if seen.0 <= first.0 => {}
                _ => {
                    decoded.insert(source, first.clone());
                }
            }
        }
    }
    if let Some(first) = summaries.first() {
        totals.input.passed_over = first.passed_over.clone();
    }
    for (_, encoding) in decoded.into_values() {
        *totals.input.decoded.entry(encoding).or_default() += 1;
    }
    let mut next = 0u64;
    for (p, n) in part_docs {
        totals.offsets.insert(p, next);
        next += n;
    }
    if next > u64::from(u32::MAX) {
        return Err(Error::Config(format!(
            "{next} documents: a scan numbers at most {} documents",
            u32::MAX
        )));
    }
    totals.documents = next;
    totals.input.line_documents = line_documents;
    totals.input.ids_from_field = ids_from_field;
    let present = summaries
        .iter()
        .map(|s| s.present.as_str())
        .find(|p| *p != "no fields")
        .unwrap_or("no fields");
    totals
        .input
        .check_fields_with(&totals.skipped, || present.to_string(), &config.input)?;
    Ok(totals)
}

/// The boilerplate stage's rows of one document: the key and span of each of its
/// lines short enough to be boilerplate.
pub fn short_lines(text: &str, config: &ScanConfig) -> Vec<(u64, Span)> {
    lines(text, &config.normalize)
        .into_iter()
        .filter(|l| l.words <= config.boilerplate.max_line_words)
        .map(|l| (l.key, l.span))
        .collect()
}

/// The boilerplate stage over the rows `(key, doc, span)` of some keys (every row of
/// a key must be there: an engine groups them by key): the boilerplate lines among
/// them, each with its key, in key order.
pub fn boilerplate_lines(
    rows: &mut [(u64, u32, Span)],
    config: &ScanConfig,
) -> Vec<(u64, BoilerplateLine)> {
    crate::exec::sort_unstable(rows);
    rows.chunk_by(|x, y| x.0 == y.0)
        .filter_map(|run| {
            let places = run.iter().map(|r| (r.1, r.2)).collect();
            classify_line(places, &config.boilerplate).map(|line| (run[0].0, line))
        })
        .collect()
}

/// A document's masks from the places of boilerplate lines in it (any order,
/// repeats allowed): sorted and without repeats, as the other kernels take them.
pub fn doc_masks(mut places: Vec<Span>) -> Vec<Span> {
    places.sort_unstable();
    places.dedup();
    places
}

/// The grams stage for one document: its distinct unmasked n-gram hashes (sorted)
/// and its repeats (in the order they were found).
pub fn index_grams(text: &str, masks: &[Span], config: &ScanConfig) -> (Vec<u32>, Vec<RepeatPair>) {
    let index = index_document(text, masks, config);
    let mut grams = index.grams;
    grams.sort_unstable();
    grams.dedup();
    (grams, index.repeats)
}

/// The postings stage over the rows of some n-grams, each `gram << 32 | doc` (every
/// row of an n-gram must be there: an engine groups them by n-gram): for every
/// n-gram found in 2 to `max_df` documents, each pair of its documents once. Returns
/// the pairs `(a, b, n)`, `a < b`, with `n` the number of these n-grams they share,
/// sorted.
pub fn pair_instances(postings: &mut [u64], config: &ScanConfig) -> Vec<(u32, u32, u32)> {
    crate::exec::sort_unstable(postings);
    let mut found: Vec<u64> = Vec::new();
    for run in postings.chunk_by(|x, y| x >> 32 == y >> 32) {
        if !is_candidate_run(run.len(), &config.candidates) {
            continue;
        }
        for (i, &x) in run.iter().enumerate() {
            let a = (x & 0xFFFF_FFFF) << 32;
            found.extend(run[i + 1..].iter().map(|&y| a | (y & 0xFFFF_FFFF)));
        }
    }
    crate::exec::sort_unstable(&mut found);
    found
        .chunk_by(|x, y| x == y)
        .map(|run| ((run[0] >> 32) as u32, run[0] as u32, run.len() as u32))
        .collect()
}

/// The pairs stage over the counts of some pairs (every count of a pair must be
/// there: an engine groups them by pair): the candidate pairs sharing at least
/// `min_shared` n-grams, sorted by `(a, b)`.
pub fn sum_pairs(rows: &mut [(u32, u32, u32)], config: &ScanConfig) -> Vec<Candidate> {
    crate::exec::sort_unstable(rows);
    rows.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1))
        .filter_map(|run| {
            let shared: u64 = run.iter().map(|r| u64::from(r.2)).sum();
            (shared >= config.candidates.min_shared as u64).then(|| Candidate {
                a: run[0].0,
                b: run[0].1,
                shared: shared.min(u64::from(u32::MAX)) as u32,
            })
        })
        .collect()
}

/// The align stage, one candidate pair at a time, keeping the analysis of the last
/// documents it saw: pairs handed over sorted by `a` analyse each `a` once.
pub struct PairAligner<'c> {
    config: &'c ScanConfig,
    cache: Vec<(u32, PreparedDoc<'static>)>,
}

/// Analyses a [`PairAligner`] keeps (the last documents it saw).
const ALIGNER_CACHE: usize = 8;

impl<'c> PairAligner<'c> {
    /// An aligner with `config`'s alignment settings.
    pub fn new(config: &'c ScanConfig) -> PairAligner<'c> {
        PairAligner {
            config,
            cache: Vec::new(),
        }
    }

    /// Makes sure `doc`'s analysis is kept, evicting the oldest one that is not
    /// `keep`'s (the other side of the pair being aligned).
    fn prepare(&mut self, doc: u32, text: &str, masks: &[Span], keep: u32) {
        if self.position(doc).is_some() {
            return;
        }
        if self.cache.len() >= ALIGNER_CACHE {
            if let Some(old) = self.cache.iter().position(|(d, _)| *d != keep) {
                self.cache.remove(old);
            }
        }
        let blanked = super::boilerplate::blank_masks(text, masks).into_owned();
        self.cache
            .push((doc, PreparedDoc::owned(blanked, &self.config.normalize)));
    }

    fn position(&self, doc: u32) -> Option<usize> {
        self.cache.iter().position(|(d, _)| *d == doc)
    }

    /// The passages of the pair `a < b` (texts and masks as the other kernels have
    /// them), in the order alignment gives them, leaving out those that lie mostly
    /// on boilerplate.
    pub fn align(&mut self, a: (u32, &str, &[Span]), b: (u32, &str, &[Span])) -> Vec<Edge> {
        self.prepare(a.0, a.1, a.2, b.0);
        self.prepare(b.0, b.1, b.2, a.0);
        let (Some(ia), Some(ib)) = (self.position(a.0), self.position(b.0)) else {
            unreachable!("both analyses were just kept");
        };
        align(&self.cache[ia].1, &self.cache[ib].1, &self.config.align)
            .into_iter()
            .filter(|p| masked_share(&p.a, a.2) < 0.5 && masked_share(&p.b, b.2) < 0.5)
            .map(|p| Edge {
                x: Occurrence {
                    doc: a.0,
                    span: p.a,
                },
                y: Occurrence {
                    doc: b.0,
                    span: p.b,
                },
                similarity: p.similarity,
            })
            .collect()
    }
}

/// The report stage on the rows the engine gathered: `documents` (every document,
/// by number; the texts of those that passages, repeats and boilerplate name),
/// the boilerplate lines, every repeat (`(doc, first, second)`), every pair's
/// passages (pairs in `(a, b)` order, each pair's passages in alignment order), the
/// number of candidate pairs and the merged reads. The result is the staged
/// scan's for the same input and settings.
pub fn report(
    documents: ScanDocuments,
    mut boilerplate: Vec<BoilerplateLine>,
    mut repeats: Vec<(u32, RepeatPair)>,
    passages: Vec<((u32, u32), Vec<Edge>)>,
    candidate_pairs: u64,
    totals: &ReadTotals,
    config: &ScanConfig,
) -> Result<ScanResult> {
    let started = std::time::Instant::now();
    if documents.len() as u64 != totals.documents {
        return Err(Error::Config(format!(
            "{} documents gathered where the reads counted {}",
            documents.len(),
            totals.documents
        )));
    }
    if passages.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(Error::Config(
            "the passages are not in (a, b) order, one entry per pair".into(),
        ));
    }
    boilerplate.sort_by_key(|b| b.places[0]);
    repeats.sort_by_key(|r| r.0);
    let mut stats = ScanStats {
        documents: totals.documents,
        skipped: totals.skipped.clone(),
        input: totals.input.clone(),
        candidate_pairs,
        ..ScanStats::default()
    };
    let mut edges = Vec::new();
    for (_, found) in passages {
        if !found.is_empty() {
            stats.pairs_with_passages += 1;
        }
        stats.passages += found.len() as u64;
        edges.extend(found);
    }
    let clustered = cluster_passages(edges, repeats.into_iter(), boilerplate, config, &documents)?;
    stats.cluster_seconds = started.elapsed().as_secs_f64();
    stats.total_seconds = stats.cluster_seconds;
    Ok(clustered.into_result(documents, stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::InputConfig;

    fn corpus(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(name)
    }

    /// Every kernel in the order an engine runs them, the shuffles done by sorting
    /// and grouping in memory, against the CLI's in-memory scan.
    fn through_kernels(sources: &Sources, config: &ScanConfig, world: u32) -> ScanResult {
        let mut docs: Vec<ReadDoc> = Vec::new();
        let mut summaries = Vec::new();
        for r in 0..world {
            let shard = Shard::new(r, world).unwrap();
            summaries.push(
                read_shard(sources, config, 2, shard, |d| {
                    docs.push(d);
                    Ok(())
                })
                .unwrap(),
            );
        }
        let totals = merge_reads(&summaries, config).unwrap();
        let mut numbered: Vec<(u32, Document)> = docs
            .into_iter()
            .map(|d| ((totals.offsets[&d.part] + d.pos) as u32, d.doc))
            .collect();
        numbered.sort_by_key(|d| d.0);
        let mut lines: Vec<(u64, u32, Span)> = Vec::new();
        for (d, doc) in &numbered {
            lines.extend(
                short_lines(&doc.text, config)
                    .into_iter()
                    .map(|(k, s)| (k, *d, s)),
            );
        }
        lines.reverse(); // the engine's order is any order
        let boiler = boilerplate_lines(&mut lines, config);
        let mut places: Vec<Vec<Span>> = vec![Vec::new(); numbered.len()];
        for (_, line) in &boiler {
            for &(d, s) in &line.places {
                places[d as usize].push(s);
            }
        }
        let masks: Vec<Vec<Span>> = places.into_iter().map(doc_masks).collect();
        let mut postings = Vec::new();
        let mut repeats = Vec::new();
        for (d, doc) in &numbered {
            let (grams, reps) = index_grams(&doc.text, &masks[*d as usize], config);
            postings.extend(grams.iter().map(|&g| (u64::from(g) << 32) | u64::from(*d)));
            repeats.extend(reps.into_iter().map(|r| (*d, r)));
        }
        // Two "partitions" of n-grams by hash, each counted on its own.
        let (mut low, mut high): (Vec<u64>, Vec<u64>) =
            postings.into_iter().partition(|x| (x >> 32) < (1 << 31));
        let mut counts = pair_instances(&mut low, config);
        counts.extend(pair_instances(&mut high, config));
        let candidates = sum_pairs(&mut counts, config);
        let mut aligner = PairAligner::new(config);
        let passages: Vec<((u32, u32), Vec<Edge>)> = candidates
            .iter()
            .map(|c| {
                let (a, b) = (&numbered[c.a as usize].1, &numbered[c.b as usize].1);
                (
                    (c.a, c.b),
                    aligner.align(
                        (c.a, &a.text, &masks[c.a as usize]),
                        (c.b, &b.text, &masks[c.b as usize]),
                    ),
                )
            })
            .collect();
        let boiler: Vec<BoilerplateLine> = boiler.into_iter().map(|b| b.1).collect();
        // As a driver gathers them: every document's metadata, the quoted texts only.
        let wanted = report_texts(&boiler, &repeats, &passages);
        let bytes: Vec<usize> = numbered.iter().map(|d| d.1.text.len()).collect();
        let mut has_text = bitvec::vec::BitVec::repeat(false, numbered.len());
        let docs: Vec<Document> = numbered
            .into_iter()
            .map(|(d, mut doc)| {
                if wanted.binary_search(&d).is_ok() {
                    has_text.set(d as usize, true);
                } else {
                    doc.text = String::new();
                }
                doc
            })
            .collect();
        let documents = ScanDocuments::gathered(docs, bytes, has_text).unwrap();
        report(
            documents,
            boiler,
            repeats,
            passages,
            candidates.len() as u64,
            &totals,
            config,
        )
        .unwrap()
    }

    fn json(result: &ScanResult, config: &ScanConfig) -> String {
        let mut out = Vec::new();
        crate::report::scan_json::write(result, config, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn kernels_give_the_scan_of_the_seeds() {
        let sources = Sources::discover(&[corpus("corpus/seeds")]).unwrap();
        let config = ScanConfig::default();
        let want = crate::scan::run(&sources, &config, &Silent).unwrap();
        for world in [1, 3] {
            let got = through_kernels(&sources, &config, world);
            assert_eq!(json(&got, &config), json(&want, &config), "world {world}");
            assert!(got.clusters.len() >= 3);
        }
    }

    #[test]
    fn kernels_give_the_scan_of_dated_records_with_bad_ones() {
        let dir = tempfile::tempdir().unwrap();
        let seeds: Vec<String> = std::fs::read_dir(corpus("corpus/seeds"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        let mut lines = Vec::new();
        for (i, text) in seeds.iter().enumerate() {
            let date = format!("2022-01-0{}T10:00:00Z", i + 1);
            lines.push(serde_json::json!({"id": format!("s{i}"), "text": text, "date": date, "outlet": format!("o{}", i % 2)}).to_string());
            lines.push("{not json".to_string());
            lines.push(
                serde_json::json!({"id": format!("x{i}"), "text": text, "date": "someday"})
                    .to_string(),
            );
        }
        let path = dir.path().join("d.jsonl");
        std::fs::write(&path, lines.join("\n")).unwrap();
        let sources = Sources::discover(&[path]).unwrap();
        let config = ScanConfig {
            input: InputConfig {
                date_field: Some("date".into()),
                source_field: Some("outlet".into()),
                ..InputConfig::default()
            },
            ..ScanConfig::default()
        };
        let want = crate::scan::run(&sources, &config, &Silent).unwrap();
        assert!(want.stats.skipped.total > 0 && want.stats.input.bad_date > 0);
        for world in [1, 2, 4] {
            let got = through_kernels(&sources, &config, world);
            assert_eq!(json(&got, &config), json(&want, &config), "world {world}");
        }
    }

    #[test]
    fn a_batch_of_rows_reads_as_the_same_records_in_a_file() {
        use arrow_array::{ArrayRef, RecordBatch, StringArray};
        let rows = [("a", Some("first text")), ("b", None), ("c", Some("third"))];
        let batch = RecordBatch::try_from_iter([
            (
                "id",
                std::sync::Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0)))
                    as ArrayRef,
            ),
            (
                "text",
                std::sync::Arc::new(rows.iter().map(|r| r.1).collect::<StringArray>()) as ArrayRef,
            ),
        ])
        .unwrap();
        let config = ScanConfig::default();
        let mut docs = Vec::new();
        let summary = read_batch(&batch, "batch 7", &config, 7, |d| {
            docs.push((d.part, d.pos, d.doc.id, d.doc.text));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            docs,
            [
                (7, 0, "a".to_string(), "first text".to_string()),
                (7, 1, "c".to_string(), "third".to_string())
            ]
        );
        assert_eq!(summary.records, 3);
        assert_eq!(summary.skipped.total, 1);
        assert_eq!(summary.part_docs[&7], 2);
    }

    #[test]
    fn a_missing_text_field_is_an_error_after_the_merge() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        std::fs::write(
            &path,
            "{\"id\": 1, \"body\": \"a\"}\n{\"id\": 2, \"body\": \"b\"}\n",
        )
        .unwrap();
        let sources = Sources::discover(&[path]).unwrap();
        let config = ScanConfig::default();
        let summaries: Vec<ReadSummary> = (0..2)
            .map(|r| {
                read_shard(&sources, &config, 1, Shard::new(r, 2).unwrap(), |_| Ok(())).unwrap()
            })
            .collect();
        let err = merge_reads(&summaries, &config).unwrap_err();
        assert!(err.to_string().contains("body"), "{err}");
    }

    #[test]
    fn an_aligner_that_evicts_analyses_aligns_each_pair_with_its_own_texts() {
        let config = ScanConfig::default();
        let base = "The ministry said the protests in Almaty had ended after the troops \
                    arrived and the airport reopened on Friday morning";
        let texts: Vec<String> = (0..3 * ALIGNER_CACHE)
            .map(|i| format!("{}{base} for the {i} time.", "word ".repeat(i)))
            .collect();
        let mut kept = PairAligner::new(&config);
        // Pairs in (a, b) order, as the engine hands them over: each `a` with more
        // partners than the aligner keeps analyses.
        for x in 0..3 {
            for y in x + 1..texts.len() {
                let (sx, sy) = (&texts[x], &texts[y]);
                let got = kept.align((x as u32, sx, &[]), (y as u32, sy, &[]));
                let want =
                    PairAligner::new(&config).align((x as u32, sx, &[]), (y as u32, sy, &[]));
                assert_eq!(got, want, "pair {x} {y}");
                assert!(got
                    .iter()
                    .all(|e| e.x.span.end <= sx.len() && e.y.span.end <= sy.len()));
            }
        }
    }

    #[test]
    fn pair_counts_are_summed_across_partitions() {
        let config = ScanConfig::default();
        let mut rows = vec![(1, 2, 1), (0, 5, 2), (1, 2, 1), (1, 2, 1), (0, 5, 1)];
        let pairs = sum_pairs(&mut rows, &config);
        let min = config.candidates.min_shared as u32;
        let want: Vec<(u32, u32, u32)> = [(0, 5, 3), (1, 2, 3)]
            .into_iter()
            .filter(|p| p.2 >= min)
            .collect();
        let got: Vec<(u32, u32, u32)> = pairs.iter().map(|c| (c.a, c.b, c.shared)).collect();
        assert_eq!(got, want);
    }
}
