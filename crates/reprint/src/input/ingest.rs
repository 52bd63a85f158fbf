//! The one ingest path's bookkeeping: what a run could not use ([`Skipped`], the one
//! skip policy) and what it noticed about the records it used ([`InputTally`]).

use crate::document::Document;
use crate::error::{Error, InputIssue, IssueKind, Result};
use crate::exec::Observer;
use crate::input::{InputConfig, Sources};
use std::collections::{BTreeMap, BTreeSet};

/// Records a run could not use: how many, and how many for each reason. Flattened
/// into each pipeline's stats, so that reports show `skipped` and
/// `skipped_by_reason`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    /// All skipped records or files.
    #[serde(rename = "skipped")]
    pub total: u64,
    /// Skipped records by [`IssueKind`](crate::error::IssueKind) name.
    #[serde(rename = "skipped_by_reason")]
    pub by_reason: BTreeMap<String, u64>,
}

impl Skipped {
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
        self.total += 1;
        *self
            .by_reason
            .entry(issue.kind.name().to_string())
            .or_default() += 1;
        Ok(())
    }
}

/// What [`InputTally::document`] needs of a document (taken from it where it is
/// parsed, so that the document itself can go on to other stages).
#[derive(Debug, Clone)]
pub struct DocNotes {
    pub(crate) origin: crate::document::Origin,
    pub(crate) encoding: Option<&'static str>,
    bad_date: Option<String>,
    id_from_field: bool,
}

impl DocNotes {
    /// Takes the notes of a document (its unparseable date moves out of it).
    pub fn of(doc: &mut Document) -> DocNotes {
        DocNotes {
            origin: doc.origin,
            encoding: doc.encoding,
            bad_date: doc.bad_date.take(),
            id_from_field: doc.id_from_field,
        }
    }
}

/// What a run noticed about its input besides skipped records, flattened into each
/// pipeline's stats: files decoded from other encodings, unparseable dates, files
/// passed over in folders. It also watches for a text or id field that no record has.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct InputTally {
    /// Files (or JSON Lines files with at least one such line) that were not UTF-8 and
    /// were decoded, by encoding.
    pub decoded: BTreeMap<String, u64>,
    /// Documents whose date field held no date in an accepted format (used undated).
    pub bad_date: u64,
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
