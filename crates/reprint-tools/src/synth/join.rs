//! Exact word-shingle sets and an exact all-pairs similarity join.
//!
//! The generator needs *exact* Jaccard values, not estimates: the truth of a
//! benchmark must not share the approximation of the tools it judges. The join finds
//! every pair of sets at or above a Jaccard threshold with prefix filtering (Chaudhuri,
//! Ganti and Kaushik, 2006; Bayardo, Ma and Srikant, 2007): with tokens ordered rarest
//! first, two sets `x`, `y` with `J(x, y) ≥ t` must share a token among the first
//! `|x| − ⌈t·|x|⌉ + 1` tokens of `x`. Candidates are then scored exactly, so the result
//! is complete and exact.

use reprint::shingle::word_shingles;
use reprint::text::{tokenize, NormalizeConfig};
use std::collections::HashMap;

/// The set of word `n`-gram hashes of `text` (case-folded words, Unicode word
/// boundaries): 64-bit hashes, sorted and without repeats.
pub fn shingle_set_u64(text: &str, n: usize) -> Vec<u64> {
    let mut hashes = Vec::new();
    word_shingles(&tokenize(text, &NormalizeConfig::default()), n, &mut hashes);
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// Exact Jaccard similarity of two sorted, repeat-free sets (0 when both are empty).
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    reprint::verify::score_sets(a, b).jaccard
}

/// A pair of set indices `(a, b)`, `a < b`, and their exact Jaccard similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimilarPair {
    /// Index of the first set.
    pub a: u32,
    /// Index of the second set (greater than `a`).
    pub b: u32,
    /// Exact Jaccard similarity.
    pub jaccard: f64,
}

/// Every pair of non-empty sets with exact Jaccard similarity `≥ threshold`
/// (`0 < threshold ≤ 1`), sorted by `(a, b)`.
pub fn similar_pairs(sets: &[Vec<u64>], threshold: f64) -> Vec<SimilarPair> {
    let threshold = threshold.clamp(1e-9, 1.0);
    let mut frequency: HashMap<u64, u32> = HashMap::new();
    for set in sets {
        for &token in set {
            *frequency.entry(token).or_insert(0) += 1;
        }
    }
    // Rank tokens rarest first (ties by value, for a deterministic order).
    let mut order: Vec<(u32, u64)> = frequency.iter().map(|(&t, &f)| (f, t)).collect();
    order.sort_unstable();
    let rank: HashMap<u64, u32> = order
        .iter()
        .enumerate()
        .map(|(r, &(_, t))| (t, r as u32))
        .collect();
    let ranked: Vec<Vec<u32>> = sets
        .iter()
        .map(|set| {
            let mut r: Vec<u32> = set.iter().map(|t| rank[t]).collect();
            r.sort_unstable();
            r
        })
        .collect();
    let mut index: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut pairs = Vec::new();
    let mut seen: Vec<u32> = vec![u32::MAX; sets.len()];
    for (doc, tokens) in ranked.iter().enumerate() {
        let len = tokens.len();
        if len == 0 {
            continue;
        }
        let prefix = len - (threshold * len as f64).ceil() as usize + 1;
        for token in &tokens[..prefix.min(len)] {
            if let Some(list) = index.get(token) {
                for &other in list {
                    if seen[other as usize] == doc as u32 {
                        continue;
                    }
                    seen[other as usize] = doc as u32;
                    let other_tokens = &ranked[other as usize];
                    let (small, large) = (len.min(other_tokens.len()), len.max(other_tokens.len()));
                    if (small as f64) < threshold * large as f64 - 1e-9 {
                        continue;
                    }
                    let shared = reprint::verify::score_sets(tokens, other_tokens).shared_shingles;
                    let j = shared as f64 / (len + other_tokens.len() - shared) as f64;
                    if j >= threshold {
                        pairs.push(SimilarPair {
                            a: other,
                            b: doc as u32,
                            jaccard: j,
                        });
                    }
                }
            }
        }
        for token in &tokens[..prefix.min(len)] {
            index.entry(*token).or_default().push(doc as u32);
        }
    }
    pairs.sort_by_key(|p| (p.a, p.b));
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaccard_of_sets() {
        assert_eq!(jaccard(&[1, 2, 3, 4], &[3, 4, 5]), 0.4);
        assert_eq!(jaccard(&[], &[]), 0.0);
    }

    #[test]
    fn shingle_sets_fold_case() {
        let a = shingle_set_u64("The price of crude oil rose today", 5);
        let b = shingle_set_u64("the PRICE of crude oil rose, today!", 5);
        assert_eq!(a.len(), 3);
        assert_eq!(a, b);
    }

    #[test]
    fn join_matches_brute_force() {
        // Sets drawn from overlapping ranges give a spread of similarities.
        let sets: Vec<Vec<u64>> = (0..60u64)
            .map(|i| {
                let start = (i * 7) % 50;
                let len = 20 + (i % 13);
                let mut s: Vec<u64> = (start..start + len).collect();
                if i % 5 == 0 {
                    s.push(1000 + i);
                }
                s
            })
            .collect();
        for threshold in [0.3, 0.5, 0.8, 1.0] {
            let got = similar_pairs(&sets, threshold);
            let mut want = Vec::new();
            for a in 0..sets.len() {
                for b in a + 1..sets.len() {
                    let j = jaccard(&sets[a], &sets[b]);
                    if j >= threshold {
                        want.push(SimilarPair {
                            a: a as u32,
                            b: b as u32,
                            jaccard: j,
                        });
                    }
                }
            }
            assert_eq!(got, want, "threshold {threshold}");
            assert!(!want.is_empty() || threshold == 1.0);
        }
    }
}
