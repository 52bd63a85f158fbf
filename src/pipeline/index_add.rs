//! `reprint index add` as a pipeline: records are read in order, parsed and shingled in
//! parallel batches, and handed to the [`IndexWriter`] in input order, so the index
//! is the same whatever the number of threads.

use super::{DocNotes, InputTally, Observer, Stage};
use crate::document::Document;
use crate::error::{Error, InputIssue, Result};
use crate::index::{shingle_text, AddOutcome, IndexParams, IndexWriter};
use crate::input::{InputConfig, RawRecord, Sources};
use rayon::prelude::*;
use std::path::Path;

/// Options of one `index add` run.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    /// How JSON Lines records map to documents.
    pub input: InputConfig,
    /// Parameters for a new index; an existing index must match them.
    pub params: IndexParams,
    /// Replace documents whose id is already in the index (otherwise skip them).
    pub replace: bool,
    /// Stop at the first input issue, leaving the index untouched.
    pub strict: bool,
}

/// Totals of an `index add` run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AddSummary {
    /// Documents stored under a new id.
    pub added: u64,
    /// Documents that replaced one with the same id.
    pub replaced: u64,
    /// Documents skipped because their id was present.
    pub skipped_duplicates: u64,
    /// Ids of the documents skipped or replaced, in input order.
    pub duplicate_ids: Vec<String>,
    /// Input records skipped because of an issue.
    pub issues: u64,
    /// Bytes of text stored.
    pub text_bytes: u64,
    /// Live documents in the index after the run.
    pub documents: u64,
}

const BATCH_RECORDS: usize = 2048;
const BATCH_BYTES: usize = 16 << 20;

/// Reads `sources` and adds their documents to the index at `dir` (created when
/// absent), committing once at the end. On error (including a strict run meeting
/// an issue) nothing is committed and the index is as before.
pub fn add_sources(
    dir: &Path,
    sources: &Sources,
    options: &AddOptions,
    observer: &dyn Observer,
) -> Result<AddSummary> {
    let mut writer = IndexWriter::open(dir, options.params)?;
    let params = *writer.params();
    let mut summary = AddSummary::default();
    let mut tally = InputTally::new(sources);
    let mut records = sources.records();
    observer.stage_started(Stage::Sign, Some(sources.total_bytes()));
    loop {
        let mut batch: Vec<std::result::Result<RawRecord, InputIssue>> = Vec::new();
        let mut bytes = 0usize;
        for record in records.by_ref() {
            if let Ok(r) = &record {
                bytes += r.bytes.len();
            }
            batch.push(record);
            if batch.len() >= BATCH_RECORDS || bytes >= BATCH_BYTES {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        type Prepared = std::result::Result<(Document, Vec<u64>, usize), InputIssue>;
        let prepared: Vec<Prepared> = batch
            .into_par_iter()
            .map(|record| {
                let doc = record.and_then(|r| sources.parse(&r, &options.input))?;
                let (tokens, mut shingles) = shingle_text(&doc.text, &params);
                shingles.sort_unstable();
                shingles.dedup();
                Ok((doc, shingles, tokens.len()))
            })
            .collect();
        for item in prepared {
            let (mut doc, shingles, words) = match item {
                Ok(x) => x,
                Err(issue) => {
                    tally.issue(&issue);
                    if options.strict {
                        return Err(Error::Strict(issue));
                    }
                    summary.issues += 1;
                    observer.issue(&issue);
                    continue;
                }
            };
            tally.document(DocNotes::of(&mut doc), sources, options.strict, observer)?;
            match writer.add(&doc.id, &doc.text, shingles, words, options.replace)? {
                AddOutcome::Added => {
                    summary.added += 1;
                    summary.text_bytes += doc.text.len() as u64;
                }
                AddOutcome::Replaced => {
                    summary.replaced += 1;
                    summary.text_bytes += doc.text.len() as u64;
                    summary.duplicate_ids.push(doc.id);
                }
                AddOutcome::SkippedDuplicate => {
                    summary.skipped_duplicates += 1;
                    summary.duplicate_ids.push(doc.id);
                }
            }
        }
        observer.advance(bytes as u64);
    }
    observer.stage_finished(Stage::Sign);
    tally.check_fields(sources, &options.input)?;
    observer.stage_started(Stage::Write, None);
    summary.documents = writer.commit()?;
    observer.stage_finished(Stage::Write);
    Ok(summary)
}
