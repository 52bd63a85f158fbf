//! What a dedup run finds: documents, verified pairs, clusters and counts.

use crate::document::SortKey;
use crate::input::ingest::{InputTally, Skipped};
use crate::verify::PairScore;
use bitvec::vec::BitVec;

/// What the run keeps of each document.
#[derive(Debug, Clone)]
pub struct DocMeta {
    /// The document id.
    pub id: String,
    /// The record it came from (position in reading order).
    pub ordinal: u64,
    /// Text length in bytes.
    pub text_bytes: usize,
    /// Distinct shingles (0 for an empty document).
    pub shingles: u32,
    /// Value of the keep-by field, if any.
    pub keep_key: Option<SortKey>,
}

/// A candidate pair that passed exact verification; `a < b` are document indices.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedPair {
    /// First document.
    pub a: u32,
    /// Second document.
    pub b: u32,
    /// Exact scores of `a` against `b`.
    pub score: PairScore,
}

/// One member of a duplicate cluster with its scores against the kept document
/// (`a` = the member, `b` = the kept document).
#[derive(Debug, Clone, Copy)]
pub struct ClusterMember {
    /// Document index.
    pub doc: u32,
    /// Scores against the kept document.
    pub score: PairScore,
}

/// A connected component of verified pairs (two or more documents).
#[derive(Debug, Clone)]
pub struct DupCluster {
    /// The kept document.
    pub kept: u32,
    /// All members, the kept one included, in input order.
    pub members: Vec<ClusterMember>,
}

/// Seconds spent per stage.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StageSeconds {
    /// Reading, parsing, shingling, signing.
    pub read_and_sign: f64,
    /// LSH candidate pairs.
    pub candidates: f64,
    /// Exact verification.
    pub verify: f64,
    /// Union-find and keep policy.
    pub cluster: f64,
}

/// Counts and timings of a run, for the summary.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DedupStats {
    /// Documents read (including empty ones).
    pub documents: u64,
    /// Documents with no words (kept as singletons).
    pub empty_documents: u64,
    /// Records or files that could not be used.
    #[serde(flatten)]
    pub skipped: Skipped,
    /// Decoded files, unparseable dates, files passed over.
    #[serde(flatten)]
    pub input: InputTally,
    /// Bytes of raw records read (after decompression).
    pub input_bytes: u64,
    /// Candidate pairs from LSH.
    pub candidate_pairs: u64,
    /// Pairs whose exact Jaccard reached the threshold.
    pub verified_pairs: u64,
    /// Clusters of two or more documents.
    pub clusters: u64,
    /// Documents in those clusters.
    pub documents_in_clusters: u64,
    /// Documents removed (cluster members other than the kept one).
    pub documents_removed: u64,
    /// `documents_removed / documents`.
    pub duplicate_fraction: f64,
    /// Time per stage.
    pub stage_seconds: StageSeconds,
    /// Wall time of the whole analysis.
    pub total_seconds: f64,
    /// Documents per second over the whole analysis.
    pub documents_per_second: f64,
    /// Input megabytes (10⁶ bytes) per second over the whole analysis.
    pub megabytes_per_second: f64,
}

/// The outcome of a dedup run.
#[derive(Debug)]
pub struct DedupResult {
    /// The documents that `pairs` and `clusters` name by index, in input order. The
    /// in-memory run lists every document read; a run read back from its work folder
    /// ([`super::stages::load_result`]) lists only the documents in a verified pair or
    /// a cluster, so that its memory does not hold every document's id and counts.
    /// Which records are documents at all is [`DedupResult::document_records`].
    pub docs: Vec<DocMeta>,
    /// Verified pairs, sorted by `(a, b)`.
    pub pairs: Vec<VerifiedPair>,
    /// Clusters ordered by their first member.
    pub clusters: Vec<DupCluster>,
    /// Counts and timings.
    pub stats: DedupStats,
    /// Records read (documents and skipped records with an ordinal).
    pub records: u64,
    /// The xxh3 checksum of every record's bytes, by ordinal (checks the second read).
    pub record_hashes: Vec<u64>,
    /// One bit per record, by ordinal: set when the record is a document (it was
    /// read, parsed and has an id; skipped records are clear). With the removed
    /// members of the clusters it says which records the deduplicated dump keeps.
    pub document_records: BitVec,
    /// Records read from each source, by source index (names a source that changed).
    pub records_by_source: Vec<u64>,
}

impl DedupStats {
    /// Sets the cluster counts (clusters, documents in them, removed, duplicate
    /// fraction) from the clusters found; `documents` must be set.
    pub(crate) fn count_clusters(&mut self, clusters: &[DupCluster]) {
        self.clusters = clusters.len() as u64;
        self.documents_in_clusters = clusters.iter().map(|c| c.members.len() as u64).sum();
        self.documents_removed = self.documents_in_clusters - self.clusters;
        self.duplicate_fraction = if self.documents == 0 {
            0.0
        } else {
            self.documents_removed as f64 / self.documents as f64
        };
    }

    /// Sets the wall time of the whole analysis and the throughputs derived from it.
    pub(crate) fn set_total_seconds(&mut self, seconds: f64) {
        self.total_seconds = seconds;
        if seconds > 0.0 {
            self.documents_per_second = self.documents as f64 / seconds;
            self.megabytes_per_second = self.input_bytes as f64 / 1e6 / seconds;
        }
    }
}

impl DedupResult {
    /// One bit per document: set when the document is removed as a duplicate.
    pub fn removed(&self) -> BitVec {
        let mut removed = BitVec::repeat(false, self.docs.len());
        for cluster in &self.clusters {
            for m in &cluster.members {
                if m.doc != cluster.kept {
                    removed.set(m.doc as usize, true);
                }
            }
        }
        removed
    }
}
