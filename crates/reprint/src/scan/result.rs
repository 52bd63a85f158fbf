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
    /// The likely original: the earliest-dated member, same-instant ties to the
    /// longer passage, then the longer document, then input order (see
    /// [`crate::scan::attribution`]); `None` when no member is dated.
    pub original: Option<usize>,
    /// The core member every other member was aligned with (see
    /// [`crate::scan::clusters::cohesive_split`]).
    pub core: usize,
    /// Similarity of every other member to the core, in member order.
    pub core_similarities: Vec<f64>,
}

impl ScanCluster {
    /// The lowest and the median similarity of the members to the core (the mean of
    /// the two middle values for an even count), or `None` for a cluster of one.
    pub fn core_similarity(&self) -> Option<(f64, f64)> {
        let mut s = self.core_similarities.clone();
        if s.is_empty() {
            return None;
        }
        s.sort_by(f64::total_cmp);
        let mid = s.len() / 2;
        let median = if s.len() % 2 == 1 {
            s[mid]
        } else {
            (s[mid - 1] + s[mid]) / 2.0
        };
        Some((s[0], median))
    }
}

/// A template: one wording that many documents fill in with their own names and
/// numbers (see [`crate::scan::templates`]). Not reuse.
#[derive(Debug, Clone)]
pub struct TemplateCluster {
    /// Where it is filled in, and the template pairs that link the places.
    pub passage: PassageCluster,
    /// The member whose wording gives the shape (the one with the most links).
    pub representative: usize,
    /// The representative's wording with names written `[name]` and numbers `[number]`.
    pub shape: String,
    /// Share of the representative's words that are names or numbers.
    pub slot_share: f64,
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
    /// Templates listed.
    pub templates: u64,
    /// Aligned passage pairs judged template pairs (not reuse).
    pub template_pairs: u64,
    /// Members of overlap components that resembled no core and were left out of
    /// every cluster.
    pub loose_members: u64,
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
    /// Templates, listed separately.
    pub templates: Vec<TemplateCluster>,
    /// Boilerplate, listed separately.
    pub boilerplate: Vec<BoilerplateItem>,
    /// Who copies whom (see [`crate::scan::attribution`]), when documents carry
    /// dates or outlets.
    pub attribution: Option<crate::scan::attribution::Attribution>,
    /// Counts and timings.
    pub stats: ScanStats,
}
