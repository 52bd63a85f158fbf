//! Running the stages over whole collections.
//!
//! This is the one place that knows about parallelism (rayon), the order results come
//! back in, and progress. Stages elsewhere are plain functions from one item to a
//! value; here they are applied to batches of records in parallel and their results
//! gathered in input order, so output is deterministic whatever the thread count.

use crate::error::{Error, InputIssue, Result};

/// Sets how many worker threads every pipeline of this process uses (0 = one per
/// core, the default). Call it once, before the first run; a second call fails.
pub fn set_threads(threads: usize) -> Result<()> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| Error::Config(format!("cannot set up {threads} worker threads: {e}")))
}

/// The stages a long run reports progress for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Reading, parsing, shingling and signing documents (progress in input bytes).
    Sign,
    /// Building LSH buckets and collecting candidate pairs (progress in bands).
    Candidates,
    /// Exact verification of candidate pairs (progress in pairs).
    Verify,
    /// Linking verified pairs into clusters.
    Cluster,
    /// Writing outputs (progress in records).
    Write,
    /// Aligning passages between candidate document pairs (progress in pairs).
    Align,
}

impl Stage {
    /// A short lower-case name for summaries.
    pub fn name(&self) -> &'static str {
        match self {
            Stage::Sign => "read_and_sign",
            Stage::Candidates => "candidates",
            Stage::Verify => "verify",
            Stage::Cluster => "cluster",
            Stage::Write => "write",
            Stage::Align => "align",
        }
    }
}

/// Receives progress and input issues from a running pipeline.
///
/// The library never prints: a command-line front end implements this with progress
/// bars and messages, an embedding program with whatever it likes.
pub trait Observer: Sync {
    /// A stage starts; `total` is its amount of work when known.
    fn stage_started(&self, _stage: Stage, _total: Option<u64>) {}
    /// `amount` more units of the current stage are done.
    fn advance(&self, _amount: u64) {}
    /// The current stage is finished.
    fn stage_finished(&self, _stage: Stage) {}
    /// A record could not be used (it has been counted and skipped).
    fn issue(&self, _issue: &InputIssue) {}
    /// A record was used but deserves a word: it was decoded from another encoding
    /// than UTF-8 ([`IssueKind::Decoded`], once per file), or its date could not be
    /// parsed ([`IssueKind::BadDate`]; it has been counted).
    fn warning(&self, _warning: &InputIssue) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Observer for Silent {}
