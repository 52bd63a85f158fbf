//! The one ingest path every job reads its records through ([`ingest`]), with its
//! bookkeeping: what a run could not use ([`Skipped`], the one skip policy) and what
//! it noticed about the records it used ([`InputTally`]).
//!
//! A reader thread reads and decompresses records into batches (at most
//! [`IngestConfig::batch_bytes`] raw bytes or [`IngestConfig::batch_records`]
//! records) while the worker threads parse and prepare the previous batch; results
//! go to the job one at a time in input order, so a job's output never depends on
//! the number of threads or the batch size.

use crate::document::Document;
use crate::error::{Error, InputIssue, IssueKind, Result};
use crate::exec::{Observer, Stage};
use crate::input::{InputConfig, RawRecord, Sources};
use std::collections::{BTreeMap, BTreeSet};

/// Raw record bytes read per parallel batch by default: large enough to keep every
/// worker busy, small enough that the few batches in flight stay a small share of a
/// run's memory.
pub const DEFAULT_BATCH_BYTES: usize = 8 << 20;

/// Records read per parallel batch by default (a batch ends at this many records or
/// at [`DEFAULT_BATCH_BYTES`], whichever comes first), so that collections of short
/// records do not make huge batches of per-record results.
pub const DEFAULT_BATCH_RECORDS: usize = 1024;

/// How [`ingest`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestConfig {
    /// A batch ends once it holds this many raw bytes (at least one record).
    pub batch_bytes: usize,
    /// A batch ends once it holds this many records.
    pub batch_records: usize,
    /// Stop at the first input issue (the skip policy of [`Skipped`]).
    pub strict: bool,
    /// Keep the xxh3 checksum of every record's bytes ([`Ingested::record_hashes`]),
    /// so that a second read of the sources can be checked against the first.
    pub checksums: bool,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            batch_bytes: DEFAULT_BATCH_BYTES,
            batch_records: DEFAULT_BATCH_RECORDS,
            strict: false,
            checksums: false,
        }
    }
}

/// What [`ingest`] read, besides the documents it handed to the job.
#[derive(Debug, Clone, Default)]
pub struct Ingested {
    /// Records that could not be used.
    pub skipped: Skipped,
    /// Decoded files, unparseable dates, files passed over.
    pub tally: InputTally,
    /// Records read (documents and records that could not be parsed; not the
    /// issues of files that could not be read).
    pub records: u64,
    /// Records read from each source, by source index.
    pub records_by_source: Vec<u64>,
    /// Bytes of the records read (after decompression).
    pub bytes: u64,
    /// Records in the whole input, selected or not (the number the next record would
    /// have).
    pub next_ordinal: u64,
    /// The [`record_hash`] of every record read, by ordinal, when
    /// [`IngestConfig::checksums`] is set (empty otherwise).
    pub record_hashes: Vec<u64>,
}

/// The checksum of a record's bytes that a second read is checked against.
pub fn record_hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// One record after the parallel step.
enum Prepared<T> {
    Doc { notes: DocNotes, value: T },
    Issue(InputIssue),
}

/// Reads every record of `sources` in order and hands the job each document, in
/// input order.
///
/// `prepare` runs on the worker threads, once per parsed document, with the raw
/// record it came from and a per-thread scratch value (`S::default()` when a thread
/// starts a batch); `consume` runs on the calling thread and receives `prepare`'s
/// results one at a time in input order. Between the two, each document's notes go
/// to the [`InputTally`] and every record that cannot be used goes through
/// the one skip policy of [`Skipped`], interleaved in input order. Progress
/// is reported as [`Stage::Sign`] in raw bytes. After the last record the tally
/// checks the text and id fields ([`InputTally::check_fields`]).
///
/// An error from `consume`, the tally or a strict skip stops the run at once (the
/// reader stops at its next batch).
pub fn ingest<S, T>(
    sources: &Sources,
    input: &InputConfig,
    config: &IngestConfig,
    observer: &dyn Observer,
    prepare: impl Fn(&mut S, &RawRecord, Document) -> T + Sync + Send,
    mut consume: impl FnMut(T) -> Result<()>,
) -> Result<Ingested>
where
    S: Default,
    T: Send,
{
    let out = ingest_selected(
        sources,
        input,
        config,
        &|_| true,
        observer,
        prepare,
        |item| match item {
            Item::Doc { value, .. } => consume(value),
            Item::Skipped { .. } => Ok(()),
        },
    )?;
    out.tally.check_fields(&out.skipped, sources, input)?;
    Ok(out)
}

/// [`ingest`] that keeps every document, in input order: for jobs that need the whole
/// collection at once (scan, check).
pub fn read_documents(
    sources: &Sources,
    input: &InputConfig,
    config: &IngestConfig,
    observer: &dyn Observer,
) -> Result<(Vec<Document>, Ingested)> {
    let mut docs = Vec::new();
    let read = ingest(
        sources,
        input,
        config,
        observer,
        |_: &mut (), _, doc| doc,
        |doc| {
            docs.push(doc);
            Ok(())
        },
    )?;
    Ok((docs, read))
}

/// What [`ingest_selected`] tells the job of each record it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordInfo {
    /// The record's number in reading order over all sources.
    pub ordinal: u64,
    /// Its source (index into [`Sources::list`]).
    pub source: u32,
    /// The [`record_hash`] of its bytes.
    pub hash: u64,
    /// Its size in bytes (after decompression).
    pub bytes: u64,
}

/// One record as [`ingest_selected`] hands it to the job, in input order.
pub enum Item<'a, T> {
    /// A document, after the tally has taken note of it.
    Doc {
        /// The record it came from.
        record: RecordInfo,
        /// What the tally noted of it (encoding, date).
        notes: &'a DocNotes,
        /// What `prepare` made of it.
        value: T,
    },
    /// A record or file that could not be used, after the skip policy counted it.
    Skipped {
        /// The record, when it was read at all (a file that could not be read has
        /// none).
        record: Option<RecordInfo>,
        /// The number of the record it comes before: where an unreadable file stands.
        at: u64,
        /// Why it could not be used.
        issue: &'a InputIssue,
    },
}

/// [`ingest`] over the records whose number `select` accepts (the others are read
/// but neither parsed nor counted; a file that cannot be read counts where the next
/// record would stand), handing the job every selected record as an [`Item`]. The
/// text and id fields are not checked here: over part of the input that check would
/// be wrong, so a job that reads all of it calls [`InputTally::check_fields`] itself.
pub fn ingest_selected<S, T>(
    sources: &Sources,
    input: &InputConfig,
    config: &IngestConfig,
    select: &(dyn Fn(u64) -> bool + Sync),
    observer: &dyn Observer,
    prepare: impl Fn(&mut S, &RawRecord, Document) -> T + Sync + Send,
    mut consume: impl FnMut(Item<'_, T>) -> Result<()>,
) -> Result<Ingested>
where
    S: Default,
    T: Send,
{
    let mut out = Ingested {
        tally: InputTally::new(sources),
        records_by_source: vec![0; sources.list().len()],
        ..Ingested::default()
    };
    observer.stage_started(Stage::Sign, Some(sources.total_bytes()));
    std::thread::scope(|scope| -> Result<()> {
        // One batch waits while the reader fills the next and the workers prepare
        // the current one.
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        scope.spawn(|| read_batches(sources, config, select, tx));
        for (batch, passed_bytes, next) in rx {
            out.next_ordinal = next;
            let mut batch_bytes = 0u64;
            let mut keys = Vec::with_capacity(batch.len());
            for (record, _) in &batch {
                let Ok(raw) = record else {
                    keys.push(None);
                    continue;
                };
                batch_bytes += raw.bytes.len() as u64;
                out.records += 1;
                if let Some(n) = out.records_by_source.get_mut(raw.origin.source as usize) {
                    *n += 1;
                }
                let hash = record_hash(&raw.bytes);
                if config.checksums {
                    out.record_hashes.push(hash);
                }
                keys.push(Some(RecordInfo {
                    ordinal: raw.ordinal,
                    source: raw.origin.source,
                    hash,
                    bytes: raw.bytes.len() as u64,
                }));
            }
            let prepared: Vec<(u64, Prepared<T>)> =
                crate::exec::map_owned_with(batch, S::default, |scratch, (record, at)| {
                    let parsed = record.and_then(|raw| {
                        let doc = sources.parse(&raw, input)?;
                        Ok((raw, doc))
                    });
                    let item = match parsed {
                        Ok((raw, mut doc)) => Prepared::Doc {
                            notes: DocNotes::of(&mut doc),
                            value: prepare(scratch, &raw, doc),
                        },
                        Err(issue) => Prepared::Issue(issue),
                    };
                    (at, item)
                });
            for ((at, item), key) in prepared.into_iter().zip(keys) {
                match item {
                    Prepared::Doc { notes, value } => {
                        out.tally
                            .document(notes.clone(), sources, config.strict, observer)?;
                        let record = key.unwrap_or(RecordInfo {
                            ordinal: at,
                            source: 0,
                            hash: 0,
                            bytes: 0,
                        });
                        consume(Item::Doc {
                            record,
                            notes: &notes,
                            value,
                        })?;
                    }
                    Prepared::Issue(issue) => {
                        out.skipped.record(issue.clone(), config.strict, observer)?;
                        consume(Item::Skipped {
                            record: key,
                            at,
                            issue: &issue,
                        })?;
                    }
                }
            }
            out.bytes += batch_bytes;
            observer.advance(batch_bytes + passed_bytes);
        }
        Ok(())
    })?;
    observer.stage_finished(Stage::Sign);
    Ok(out)
}

/// A batch from the reader: each selected record with the number it stands at, the
/// bytes of the records passed over (for progress) and the next record's number.
type Batch = (
    Vec<(std::result::Result<RawRecord, InputIssue>, u64)>,
    u64,
    u64,
);

/// The reader thread: sends the records of `sources` in batches until they are all
/// read or the receiving side has stopped.
fn read_batches(
    sources: &Sources,
    config: &IngestConfig,
    select: &(dyn Fn(u64) -> bool + Sync),
    tx: std::sync::mpsc::SyncSender<Batch>,
) {
    let mut batch = Vec::new();
    let mut bytes = 0usize;
    let mut passed = 0u64;
    let mut next = 0u64;
    for record in sources.records() {
        let at = match &record {
            Ok(r) => {
                next = r.ordinal + 1;
                r.ordinal
            }
            Err(_) => next,
        };
        if !select(at) {
            if let Ok(r) = &record {
                passed += r.bytes.len() as u64;
            }
            continue;
        }
        if let Ok(r) = &record {
            bytes += r.bytes.len();
        }
        batch.push((record, at));
        if bytes >= config.batch_bytes || batch.len() >= config.batch_records {
            if tx.send((std::mem::take(&mut batch), passed, next)).is_err() {
                return;
            }
            bytes = 0;
            passed = 0;
        }
    }
    // The last batch goes even when empty: it carries the number of records.
    let _ = tx.send((batch, passed, next));
}

/// Records a run could not use: how many, and how many for each reason. Flattened
/// into each pipeline's stats, so that reports show `skipped` and
/// `skipped_by_reason`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    /// All skipped records or files.
    #[serde(rename = "skipped")]
    pub total: u64,
    /// Skipped records by [`crate::error::IssueKind`] name.
    #[serde(rename = "skipped_by_reason")]
    pub by_reason: BTreeMap<String, u64>,
}

impl Skipped {
    /// Counts an issue by reason, nothing more (the policy is [`Skipped::record`]).
    pub(crate) fn count(&mut self, issue: &InputIssue) {
        self.total += 1;
        *self
            .by_reason
            .entry(issue.kind.name().to_string())
            .or_default() += 1;
    }

    /// The one policy for a record that cannot be used: with `strict` the run stops
    /// with [`Error::Strict`]; otherwise the observer hears of it, it is counted by
    /// reason, and the run carries on.
    pub(crate) fn record(
        &mut self,
        issue: InputIssue,
        strict: bool,
        observer: &dyn Observer,
    ) -> Result<()> {
        if strict {
            return Err(Error::Strict(issue));
        }
        observer.issue(&issue);
        self.count(&issue);
        Ok(())
    }
}

/// What [`InputTally::document`] needs of a document (taken from it where it is
/// parsed, so that the document itself can go on to other stages).
#[derive(Debug, Clone)]
pub struct DocNotes {
    pub(crate) origin: crate::document::Origin,
    pub(crate) encoding: Option<&'static str>,
    pub(crate) bad_date: Option<String>,
    pub(crate) missing_outlet: bool,
    pub(crate) id_from_field: bool,
}

impl DocNotes {
    /// Takes the notes of a document (its unparseable date moves out of it).
    pub fn of(doc: &mut Document) -> DocNotes {
        DocNotes {
            origin: doc.origin,
            encoding: doc.encoding,
            bad_date: doc.bad_date.take(),
            missing_outlet: doc.missing_outlet,
            id_from_field: doc.id_from_field,
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What a run noticed about its input besides skipped records, flattened into each
/// pipeline's stats: files decoded from other encodings, unparseable dates, files
/// passed over in folders. It also watches for a text or id field that no record has.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InputTally {
    /// Files (or JSON Lines files with at least one such line) that were not UTF-8 and
    /// were decoded, by encoding.
    pub decoded: BTreeMap<String, u64>,
    /// Documents whose date field held no date in an accepted format (used undated).
    pub bad_date: u64,
    /// Documents without an outlet when one was asked for (`--source-field`,
    /// `--source-from-folder`); listed only when not zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub no_outlet: u64,
    /// Files found in folders and not read, by extension or kind.
    pub passed_over: BTreeMap<String, u64>,
    #[serde(skip)]
    pub(crate) decoded_sources: BTreeSet<u32>,
    #[serde(skip)]
    pub(crate) line_documents: u64,
    #[serde(skip)]
    pub(crate) ids_from_field: u64,
}

impl InputTally {
    /// A tally starting with the files `sources` passed over.
    pub fn new(sources: &Sources) -> InputTally {
        InputTally {
            passed_over: sources.passed_over().clone(),
            ..InputTally::default()
        }
    }

    /// Takes note of a document about to be used: its encoding (a warning per file)
    /// and an unparseable date (a warning and a count, or an error when `strict`).
    pub fn document(
        &mut self,
        doc: DocNotes,
        sources: &Sources,
        strict: bool,
        observer: &dyn Observer,
    ) -> Result<()> {
        let path = || {
            sources
                .list()
                .get(doc.origin.source as usize)
                .map_or_else(String::new, |s| s.display.clone())
        };
        if let Some(encoding) = doc.encoding {
            if self.decoded_sources.insert(doc.origin.source) {
                *self.decoded.entry(encoding.to_string()).or_default() += 1;
                observer.warning(&InputIssue {
                    path: path(),
                    line: None,
                    kind: IssueKind::Decoded(encoding),
                });
            }
        }
        if let Some(value) = doc.bad_date {
            let issue = InputIssue {
                path: path(),
                line: (doc.origin.line > 0).then_some(doc.origin.line),
                kind: IssueKind::BadDate(value),
            };
            if strict {
                return Err(Error::Strict(issue));
            }
            observer.warning(&issue);
            self.bad_date += 1;
        }
        self.no_outlet += u64::from(doc.missing_outlet);
        if doc.origin.line > 0 {
            self.line_documents += 1;
            self.ids_from_field += u64::from(doc.id_from_field);
        }
        Ok(())
    }

    /// After reading: a text field that no JSON Lines record has (every record lacked
    /// it), or an id field the user chose that no record has (every id fell back to the
    /// line number), is an error listing the fields the first records do have.
    /// `skipped` is the run's count of records it could not use.
    pub fn check_fields(
        &self,
        skipped: &Skipped,
        sources: &Sources,
        config: &InputConfig,
    ) -> Result<()> {
        let present = || {
            let fields = sources.first_fields(3);
            if fields.is_empty() {
                "no fields".to_string()
            } else {
                fields.join(", ")
            }
        };
        self.check_fields_with(skipped, present, config)
    }

    /// [`InputTally::check_fields`] with the fields of the first records given by
    /// `present` (a run whose reading was split over tasks merges their tallies and
    /// checks once).
    pub fn check_fields_with(
        &self,
        skipped: &Skipped,
        present: impl Fn() -> String,
        config: &InputConfig,
    ) -> Result<()> {
        let missing_text = skipped
            .by_reason
            .get(IssueKind::MissingText(String::new()).name())
            .copied()
            .unwrap_or(0);
        if self.line_documents == 0 && missing_text > 0 {
            return Err(Error::FieldNotFound {
                which: "text",
                field: config.text_field.clone(),
                present: present(),
            });
        }
        if let Some(field) = &config.id_field {
            if self.line_documents > 0 && self.ids_from_field == 0 {
                return Err(Error::FieldNotFound {
                    which: "id",
                    field: field.clone(),
                    present: present(),
                });
            }
        }
        Ok(())
    }
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

    #[test]
    fn documents_reach_the_job_in_input_order_whatever_the_batch_size() {
        let mut lines: Vec<String> = (0..50)
            .map(|i| serde_json::json!({"id": format!("d{i}"), "text": "x".repeat(i)}).to_string())
            .collect();
        lines[7] = "{broken".into();
        let (_d, sources) = dump(&lines);
        for (batch_bytes, batch_records) in [(1, 1000), (1 << 20, 3), (1 << 20, 1000)] {
            let config = IngestConfig {
                batch_bytes,
                batch_records,
                checksums: true,
                ..IngestConfig::default()
            };
            let mut ids = Vec::new();
            let read = ingest(
                &sources,
                &InputConfig::default(),
                &config,
                &Silent,
                |_: &mut (), raw, doc| (raw.ordinal, doc.id),
                |item| {
                    ids.push(item);
                    Ok(())
                },
            )
            .unwrap();
            let expected: Vec<(u64, String)> = (0..50u64)
                .filter(|&i| i != 7)
                .map(|i| (i, format!("d{i}")))
                .collect();
            assert_eq!(
                ids, expected,
                "{batch_bytes} bytes, {batch_records} records"
            );
            assert_eq!(read.records, 50);
            assert_eq!(read.records_by_source, [50]);
            assert_eq!(read.skipped.by_reason["malformed_json"], 1);
            assert_eq!(read.record_hashes.len(), 50);
            assert_eq!(read.record_hashes[3], record_hash(lines[3].as_bytes()));
        }
    }

    #[test]
    fn strict_ingest_stops_at_the_first_bad_record() {
        let (_d, sources) = dump(&[
            serde_json::json!({"id": "a", "text": "one"}).to_string(),
            "{broken".into(),
        ]);
        let config = IngestConfig {
            strict: true,
            ..IngestConfig::default()
        };
        let result = ingest(
            &sources,
            &InputConfig::default(),
            &config,
            &Silent,
            |_: &mut (), _, doc| doc,
            |_| Ok(()),
        );
        assert!(matches!(result, Err(Error::Strict(_))));
    }
}
