//! Candidate document pairs for passage alignment, from an inverted index of word
//! n-grams.
//!
//! Every document contributes the hashes of its word n-grams (boilerplate lines
//! masked out). Sorting `(hash, doc)` groups the documents sharing each n-gram; an
//! n-gram found in more than `max_df` documents is a stock phrase and is skipped, so
//! phrases common to hundreds of documents cannot make the pair count explode. Pairs
//! sharing at least `min_shared` distinct n-grams become candidates. Never all pairs:
//! the work is proportional to the postings, not to the square of the collection.

use crate::exec;

/// Settings of candidate generation.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CandidateConfig {
    /// Words per indexed n-gram.
    pub ngram_words: usize,
    /// Distinct shared n-grams needed for a pair to be aligned.
    pub min_shared: usize,
    /// N-grams found in more documents than this are ignored.
    pub max_df: usize,
}

impl Default for CandidateConfig {
    fn default() -> Self {
        CandidateConfig {
            ngram_words: crate::shingle::DEFAULT_SHINGLE_WORDS,
            min_shared: 5,
            max_df: 100,
        }
    }
}

/// Whether an n-gram found in `documents` documents makes pairs: at least two, and
/// not more than `max_df` (a stock phrase).
pub fn is_candidate_run(documents: usize, config: &CandidateConfig) -> bool {
    documents >= 2 && documents <= config.max_df
}

/// A candidate pair `a < b` with the number of distinct n-grams they share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// First document.
    pub a: u32,
    /// Second document.
    pub b: u32,
    /// Distinct shared n-grams.
    pub shared: u32,
}

/// Finds candidate pairs. `grams[d]` holds document `d`'s 32-bit n-gram hashes (any
/// order, repeats allowed; consumed, so that their memory is freed as the index
/// grows). A chance collision of two n-gram hashes can only add a candidate, which
/// alignment then rejects; `min_shared` distinct shared hashes make that rare.
/// Output is sorted by `(a, b)`.
///
/// Memory stays proportional to the postings: pairs are counted per document (in
/// parallel), never materialised for the whole collection at once.
pub fn candidate_pairs(grams: Vec<Vec<u32>>, config: &CandidateConfig) -> Vec<Candidate> {
    let documents = grams.len();
    // A posting is `hash << 32 | document`, so that sorting groups each n-gram's
    // documents in ascending order, in 8 bytes per posting.
    let mut postings: Vec<u64> = exec::flat_map_owned(grams, |d, mut unique| {
        unique.sort_unstable();
        unique.dedup();
        unique
            .into_iter()
            .map(move |h| (u64::from(h) << 32) | d as u64)
    });
    exec::sort_unstable(&mut postings);

    // Runs of documents sharing one n-gram (2 to max_df of them), each run's
    // documents ascending.
    let mut run_docs: Vec<u32> = Vec::new();
    let mut run_bounds: Vec<usize> = vec![0];
    let mut start = 0;
    while start < postings.len() {
        let hash = postings[start] >> 32;
        let mut end = start + 1;
        while end < postings.len() && postings[end] >> 32 == hash {
            end += 1;
        }
        let run = &postings[start..end];
        if is_candidate_run(run.len(), config) {
            run_docs.extend(run.iter().map(|&p| p as u32));
            run_bounds.push(run_docs.len());
        }
        start = end;
    }
    drop(postings);

    // Per document, the runs it takes part in (counting sort by document).
    let mut offsets = vec![0usize; documents + 1];
    for &d in &run_docs {
        offsets[d as usize + 1] += 1;
    }
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    let mut fill = offsets.clone();
    let mut doc_runs = vec![0u32; run_docs.len()];
    for r in 0..run_bounds.len() - 1 {
        for &d in &run_docs[run_bounds[r]..run_bounds[r + 1]] {
            doc_runs[fill[d as usize]] = r as u32;
            fill[d as usize] += 1;
        }
    }
    drop(fill);

    // Each document counts its partners with a larger index.
    exec::flat_map_indices_with(documents, Vec::new, |partners: &mut Vec<u32>, d| {
        partners.clear();
        for &r in &doc_runs[offsets[d]..offsets[d + 1]] {
            let docs = &run_docs[run_bounds[r as usize]..run_bounds[r as usize + 1]];
            let after = docs.partition_point(|&e| e <= d as u32);
            partners.extend_from_slice(&docs[after..]);
        }
        partners.sort_unstable();
        let mut out = Vec::new();
        let mut i = 0;
        while i < partners.len() {
            let mut j = i + 1;
            while j < partners.len() && partners[j] == partners[i] {
                j += 1;
            }
            if j - i >= config.min_shared {
                out.push(Candidate {
                    a: d as u32,
                    b: partners[i],
                    shared: (j - i) as u32,
                });
            }
            i = j;
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_grams_make_pairs() {
        let grams = vec![
            vec![1, 2, 3, 9],
            vec![2, 3, 4],
            vec![5, 6],
            vec![1, 2, 3, 3],
        ];
        let cfg = CandidateConfig {
            ngram_words: 4,
            min_shared: 2,
            max_df: 10,
        };
        let pairs = candidate_pairs(grams, &cfg);
        let ab: Vec<_> = pairs.iter().map(|c| (c.a, c.b, c.shared)).collect();
        assert_eq!(ab, [(0, 1, 2), (0, 3, 3), (1, 3, 2)]);
    }

    #[test]
    fn stock_phrases_are_capped() {
        let grams: Vec<Vec<u32>> = (0..10).map(|_| vec![7, 8]).collect();
        let cfg = CandidateConfig {
            ngram_words: 4,
            min_shared: 1,
            max_df: 5,
        };
        assert!(candidate_pairs(grams, &cfg).is_empty());
    }
}
