//! Passages repeated inside one document (a pull quote and the paragraph it comes
//! from, a caption printed twice), found as runs of word n-grams that occur twice.

use crate::document::Span;
use crate::shingle::hash_keys;
use crate::text::Token;
use std::collections::HashMap;

/// Two places of one document holding the same run of words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    /// The earlier occurrence.
    pub first: Span,
    /// The later occurrence.
    pub second: Span,
}

/// Finds repeated runs of at least `min_words` words (`n`-gram seeds, `n <= min_words`).
/// Overlapping occurrences (a phrase repeating itself) are ignored.
pub fn find_repeats(tokens: &[Token], n: usize, min_words: usize) -> Vec<Repeat> {
    let n = n.max(1);
    if tokens.len() < n * 2 {
        return Vec::new();
    }
    let keys: Vec<u64> = tokens.iter().map(|t| t.key).collect();
    let mut first_at: HashMap<u64, usize> = HashMap::new();
    // (earlier position, later position) of equal n-grams.
    let mut hits: Vec<(usize, usize)> = Vec::new();
    for (p, window) in keys.windows(n).enumerate() {
        let h = hash_keys(window);
        match first_at.get(&h) {
            Some(&q) if q + n <= p => hits.push((q, p)),
            Some(_) => {}
            None => {
                first_at.insert(h, p);
            }
        }
    }
    // Chain diagonal runs: (q, p), (q+1, p+1), ...
    hits.sort_unstable_by_key(|&(q, p)| (p - q, q));
    let mut out = Vec::new();
    let mut i = 0;
    while i < hits.len() {
        let (q0, p0) = hits[i];
        let mut j = i + 1;
        while j < hits.len() && hits[j].1 - hits[j].0 == p0 - q0 && hits[j].0 == hits[j - 1].0 + 1 {
            j += 1;
        }
        let run = j - i; // n-grams in the run
        let words = run + n - 1;
        if words >= min_words {
            let (q_end, p_end) = (q0 + words - 1, p0 + words - 1);
            if q_end < p0 {
                out.push(Repeat {
                    first: Span::new(tokens[q0].start, tokens[q_end].end),
                    second: Span::new(tokens[p0].start, tokens[p_end].end),
                });
            }
        }
        i = j;
    }
    out.sort_unstable_by_key(|r| (r.first, r.second));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{tokenize, NormalizeConfig};

    #[test]
    fn pull_quote_and_body() {
        let text = "‘Once Russians are in your house, it’s sometimes very difficult to get them to leave’ \
            Blinken said: “One lesson of recent history is that once Russians are in your house, \
            it’s sometimes very difficult to get them to leave,”";
        let tokens = tokenize(text, &NormalizeConfig::default());
        let reps = find_repeats(&tokens, 4, 8);
        assert_eq!(reps.len(), 1);
        let r = reps[0];
        assert!(text[r.first.start..r.first.end].starts_with("Once Russians"));
        assert!(text[r.second.start..r.second.end].starts_with("once Russians"));
        assert!(text[r.second.start..r.second.end].ends_with("to leave"));
    }

    #[test]
    fn short_repeats_are_ignored() {
        let tokens = tokenize(
            "grey line here. grey line here.",
            &NormalizeConfig::default(),
        );
        assert!(find_repeats(&tokens, 2, 8).is_empty());
    }
}
