//! What a scan finds: reuse clusters, boilerplate and counts.

use crate::input::ingest::{InputTally, Skipped};
use crate::scan::boilerplate::BoilerplateKind;
use crate::scan::clusters::{Occurrence, PassageCluster};
use crate::scan::documents::ScanDocuments;

/// A reuse cluster with its likely source.
#[derive(Debug, Clone)]
pub struct ScanCluster {
    /// Members and links.
    pub passage: PassageCluster,
    /// The member in the earliest-dated document, when documents carry dates.
    pub earliest: Option<usize>,
}

/// Boilerplate kept out of the clusters.
#[derive(Debug, Clone)]
pub struct BoilerplateItem {
    /// Why it is boilerplate.
    pub kind: BoilerplateKind,
    /// Every place it occurs.
    pub places: Vec<Occurrence>,
}

/// Counts and timings of a scan.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ScanStats {
    /// Documents read.
    pub documents: u64,
    /// Records or files that could not be used.
    #[serde(flatten)]
    pub skipped: Skipped,
    /// Decoded files, unparseable dates, files passed over.
    #[serde(flatten)]
    pub input: InputTally,
    /// Candidate document pairs aligned.
    pub candidate_pairs: u64,
    /// Pairs in which alignment found at least one passage.
    pub pairs_with_passages: u64,
    /// Aligned passage pairs.
    pub passages: u64,
    /// Reuse clusters reported.
    pub clusters: u64,
    /// Boilerplate items listed.
    pub boilerplate: u64,
    /// Seconds reading and parsing.
    pub read_seconds: f64,
    /// Seconds for boilerplate, index and candidates.
    pub candidate_seconds: f64,
    /// Seconds aligning.
    pub align_seconds: f64,
    /// Seconds clustering.
    pub cluster_seconds: f64,
    /// Total seconds.
    pub total_seconds: f64,
}

/// The outcome of a scan.
#[derive(Debug)]
pub struct ScanResult {
    /// The documents, in input order (reports quote their text): in memory, or in
    /// the text store of a staged scan's work folder.
    pub documents: ScanDocuments,
    /// Reuse clusters (members in two or more documents).
    pub clusters: Vec<ScanCluster>,
    /// Boilerplate, listed separately.
    pub boilerplate: Vec<BoilerplateItem>,
    /// Counts and timings.
    pub stats: ScanStats,
}
