//! Verbatim runs: stretches copied word for word, found by chaining exact word
//! n-gram matches that lie on one diagonal (the same offset between the two
//! documents).
//!
//! Sentence clustering is tolerant of rewording but coarse: near a verbatim copy
//! it may absorb neighbouring sentences that merely share the topic. When most of
//! a fragment is covered by long verbatim runs, the runs themselves are the better
//! answer: their boundaries are exact to the word.

use super::range::TokenRange;
use super::VerbatimConfig;

/// A verbatim run: the same words at token ranges of equal length in both documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Run {
    /// Tokens in the first document.
    pub a: TokenRange,
    /// Tokens in the second document.
    pub b: TokenRange,
}

/// Matches further apart than this many tokens beyond the n-gram on one diagonal
/// start a new run (stop-word stretches make no n-gram of their own).
const MAX_RUN_GAP_TOKENS: usize = 3;

/// Chains n-gram matches `(token in a, token in b)` of length `n` into runs of at
/// least `cfg.min_words` tokens, sorted by position in the first document.
pub(crate) fn runs(matches: &[(u32, u32)], n: usize, cfg: &VerbatimConfig) -> Vec<Run> {
    let min_tokens = cfg.min_words;
    let mut diag: Vec<(i64, u32, u32)> = matches
        .iter()
        .map(|&(i, j)| (i64::from(j) - i64::from(i), i, j))
        .collect();
    diag.sort_unstable();
    let mut out = Vec::new();
    let mut current: Option<(i64, usize, usize, usize)> = None; // (diagonal, a start, a end, b start)
    let flush = |c: Option<(i64, usize, usize, usize)>, out: &mut Vec<Run>| {
        if let Some((_, s, e, bs)) = c {
            if e - s >= min_tokens {
                out.push(Run {
                    a: TokenRange::new(s, e),
                    b: TokenRange::new(bs, bs + (e - s)),
                });
            }
        }
    };
    for (d, i, j) in diag {
        let (i, j) = (i as usize, j as usize);
        match current {
            Some((cd, s, e, bs)) if cd == d && i <= e + MAX_RUN_GAP_TOKENS => {
                current = Some((cd, s, e.max(i + n), bs));
            }
            _ => {
                flush(current, &mut out);
                current = Some((d, i, i + n, j));
            }
        }
    }
    flush(current, &mut out);
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs of at least eight words.
    fn eight() -> VerbatimConfig {
        VerbatimConfig {
            min_words: 8,
            ..VerbatimConfig::default()
        }
    }

    #[test]
    fn chains_along_one_diagonal() {
        // Matches at a=10..=20 with b = a + 5, plus a stray match elsewhere.
        let mut m: Vec<(u32, u32)> = (10..=20).map(|i| (i, i + 5)).collect();
        m.push((12, 90));
        let r = runs(&m, 4, &eight());
        assert_eq!(
            r,
            vec![Run {
                a: TokenRange::new(10, 24),
                b: TokenRange::new(15, 29)
            }]
        );
    }

    #[test]
    fn short_runs_are_dropped() {
        assert!(runs(&[(1, 1), (2, 2)], 4, &eight()).is_empty());
    }
}
