//! `reprint index add` as a pipeline: records are read through the ingest, parsed and
//! shingled in parallel batches, and handed to the [`IndexWriter`] in input order, so the index
//! is the same whatever the number of threads.

use crate::document::Document;
use crate::error::{Error, Result};
use crate::exec::{Observer, Stage};
use crate::index::{ensure_outside, index_keys, AddOutcome, IndexParams, IndexWriter};
use crate::input::ingest::{ingest, IngestConfig};
use crate::input::{InputConfig, Sources};
use std::path::Path;

/// Options of one `index add` run.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    /// How JSON Lines records map to documents.
    pub input: InputConfig,
    /// Parameters for a new index; an existing index must match them.
    pub params: IndexParams,
    /// Replace documents whose id is already in the index with a different text
    /// (otherwise they are conflicts: reported and not stored).
    pub replace: bool,
    /// Stop at the first input issue or id conflict, leaving the index untouched.
    pub strict: bool,
}

/// Totals of an `index add` run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AddSummary {
    /// Documents stored under a new id.
    pub added: u64,
    /// Documents that replaced one with the same id and a different text.
    pub replaced: u64,
    /// Documents whose id was already archived with the very same text: not stored
    /// again ("already archived, identical").
    pub identical: u64,
    /// Documents whose id was already archived with a different text, not stored
    /// because replacing was not asked for.
    pub conflicts: u64,
    /// Ids of the conflicting documents with where they came from, in input order.
    pub conflict_ids: Vec<(String, String)>,
    /// Ids of the replaced documents, in input order.
    pub replaced_ids: Vec<String>,
    /// Input records skipped because of an issue.
    pub issues: u64,
    /// Bytes of text stored.
    pub text_bytes: u64,
    /// Live documents in the index after the run.
    pub documents: u64,
}

/// Where a document came from, as the user named it: `file` or `file:line`.
fn origin_of(sources: &Sources, doc: &Document) -> String {
    let file = sources
        .list()
        .get(doc.origin.source as usize)
        .map_or("<input>", |s| s.display.as_str());
    if doc.origin.line > 0 {
        format!("{file}:{}", doc.origin.line)
    } else {
        file.to_owned()
    }
}

/// Reads `sources` and adds their documents to the index at `dir` (created when
/// absent, see [`IndexWriter::open`]), committing once at the end. Inputs inside
/// the index folder are refused before anything is read. On error (including a
/// strict run meeting an input issue or an id conflict) nothing is committed, this
/// run's files are removed and the index is as before.
pub fn add_sources(
    dir: &Path,
    sources: &Sources,
    options: &AddOptions,
    observer: &dyn Observer,
) -> Result<AddSummary> {
    let paths: Vec<std::path::PathBuf> = sources.list().iter().map(|s| s.path.clone()).collect();
    ensure_outside(dir, &paths)?;
    let mut writer = IndexWriter::open(dir, options.params)?;
    let params = *writer.params();
    let mut summary = AddSummary::default();
    let ingest_config = IngestConfig {
        strict: options.strict,
        ..IngestConfig::default()
    };
    let read = ingest(
        sources,
        &options.input,
        &ingest_config,
        observer,
        |_: &mut (), _, doc| {
            let (tokens, mut shingles) = index_keys(&doc.text, &params);
            shingles.sort_unstable();
            shingles.dedup();
            (doc, shingles, tokens.len())
        },
        |(doc, shingles, words)| {
            match writer.add(&doc.id, &doc.text, shingles, words, options.replace)? {
                AddOutcome::Added => {
                    summary.added += 1;
                    summary.text_bytes += doc.text.len() as u64;
                }
                AddOutcome::Replaced => {
                    summary.replaced += 1;
                    summary.text_bytes += doc.text.len() as u64;
                    summary.replaced_ids.push(doc.id);
                }
                AddOutcome::Identical => summary.identical += 1,
                AddOutcome::Conflict => {
                    let origin = origin_of(sources, &doc);
                    if options.strict {
                        return Err(Error::IdConflict { id: doc.id, origin });
                    }
                    summary.conflicts += 1;
                    summary.conflict_ids.push((doc.id, origin));
                }
            }
            Ok(())
        },
    )?;
    summary.issues = read.skipped.total;
    observer.stage_started(Stage::Write, None);
    summary.documents = writer.commit()?;
    observer.stage_finished(Stage::Write);
    Ok(summary)
}
