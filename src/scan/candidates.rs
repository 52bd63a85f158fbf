//! Candidate document pairs for passage alignment, from an inverted index of word
//! n-grams.
//!
//! Every document contributes the hashes of its word n-grams (boilerplate lines
//! masked out). Sorting `(hash, doc)` groups the documents sharing each n-gram; an
//! n-gram found in more than `max_df` documents is a stock phrase and is skipped, so
//! phrases common to hundreds of documents cannot make the pair count explode. Pairs
//! sharing at least `min_shared` distinct n-grams become candidates. Never all pairs:
//! the work is proportional to the postings, not to the square of the collection.

use rayon::prelude::*;

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
            ngram_words: 5,
            min_shared: 5,
            max_df: 100,
        }
    }
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

/// Finds candidate pairs. `grams[d]` holds document `d`'s n-gram hashes (any order,
/// repeats allowed). Output is sorted by `(a, b)`.
pub fn candidate_pairs(grams: &[Vec<u64>], config: &CandidateConfig) -> Vec<Candidate> {
    let mut postings: Vec<(u64, u32)> = grams
        .par_iter()
        .enumerate()
        .flat_map_iter(|(d, hashes)| {
            let mut unique = hashes.clone();
            unique.sort_unstable();
            unique.dedup();
            unique.into_iter().map(move |h| (h, d as u32))
        })
        .collect();
    postings.par_sort_unstable();

    let mut pair_keys: Vec<u64> = Vec::new();
    let mut start = 0;
    while start < postings.len() {
        let hash = postings[start].0;
        let mut end = start + 1;
        while end < postings.len() && postings[end].0 == hash {
            end += 1;
        }
        let run = &postings[start..end];
        if run.len() >= 2 && run.len() <= config.max_df {
            for i in 0..run.len() {
                for j in i + 1..run.len() {
                    pair_keys.push(((run[i].1 as u64) << 32) | run[j].1 as u64);
                }
            }
        }
        start = end;
    }
    drop(postings);
    pair_keys.par_sort_unstable();

    let mut out = Vec::new();
    let mut i = 0;
    while i < pair_keys.len() {
        let mut j = i + 1;
        while j < pair_keys.len() && pair_keys[j] == pair_keys[i] {
            j += 1;
        }
        if j - i >= config.min_shared {
            out.push(Candidate {
                a: (pair_keys[i] >> 32) as u32,
                b: pair_keys[i] as u32,
                shared: (j - i) as u32,
            });
        }
        i = j;
    }
    out
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
        let pairs = candidate_pairs(&grams, &cfg);
        let ab: Vec<_> = pairs.iter().map(|c| (c.a, c.b, c.shared)).collect();
        assert_eq!(ab, [(0, 1, 2), (0, 3, 3), (1, 3, 2)]);
    }

    #[test]
    fn stock_phrases_are_capped() {
        let grams: Vec<Vec<u64>> = (0..10).map(|_| vec![7, 8]).collect();
        let cfg = CandidateConfig {
            ngram_words: 4,
            min_shared: 1,
            max_df: 5,
        };
        assert!(candidate_pairs(&grams, &cfg).is_empty());
    }
}
