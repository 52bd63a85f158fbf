//! From sentence fragments to final passages: tight word boundaries, overlap
//! resolution, length filter and the similarity score.
//!
//! *Tight boundaries*: a fragment covers whole sentences, but the shared text may
//! start or end inside them (a quote inside a longer sentence). Each side is cut
//! down to the first and last word that begins or ends a word pair (bigram, at
//! least one content word) or word triple also found on the other side; when there is none, to
//! the first and last shared content word.
//!
//! *Overlaps*: two passages may not claim the same words of the first document.
//! The better one (higher similarity times length) is kept.

use super::extend::{token_range, Fragment};
use super::prepare::{PreparedDoc, STOP};
use super::{AlignConfig, AlignedPassage};
use crate::document::Span;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;

/// A passage being finished: similarity and token ranges on both sides.
type Scored = (f64, (usize, usize), (usize, usize));

type KeySet = HashSet<u64, BuildHasherDefault<super::seeds::KeyHasher>>;

fn bigram(x: u64, y: u64) -> u64 {
    (x.rotate_left(29) ^ y).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn trigram(x: u64, y: u64, z: u64) -> u64 {
    bigram(bigram(x, y), z)
}

/// Bigram keys (with at least one content word) and content stems of a token range.
fn range_keys(doc: &PreparedDoc, r: (usize, usize)) -> (KeySet, KeySet) {
    let toks = &doc.tokens()[r.0..r.1];
    let stems = &doc.stems()[r.0..r.1];
    let mut bigrams = KeySet::default();
    for i in 1..toks.len() {
        if stems[i - 1] != STOP || stems[i] != STOP {
            bigrams.insert(bigram(toks[i - 1].key, toks[i].key));
        }
        if i >= 2 {
            bigrams.insert(trigram(toks[i - 2].key, toks[i - 1].key, toks[i].key));
        }
    }
    let content = stems.iter().copied().filter(|&s| s != STOP).collect();
    (bigrams, content)
}

/// Narrows the token range `r` of `doc` to the words shared with the other side.
fn tighten(doc: &PreparedDoc, r: (usize, usize), other: &(KeySet, KeySet)) -> (usize, usize) {
    let toks = doc.tokens();
    let stems = doc.stems();
    let starts_pair = |i: usize| {
        i + 1 < r.1
            && (stems[i] != STOP || stems[i + 1] != STOP)
            && other.0.contains(&bigram(toks[i].key, toks[i + 1].key))
    };
    let starts_triple = |i: usize| {
        i + 2 < r.1
            && other
                .0
                .contains(&trigram(toks[i].key, toks[i + 1].key, toks[i + 2].key))
    };
    let first = (r.0..r.1).find(|&i| starts_pair(i) || starts_triple(i));
    let last = (r.0..r.1)
        .rev()
        .find(|&i| (i > r.0 && starts_pair(i - 1)) || (i > r.0 + 1 && starts_triple(i - 2)));
    if let (Some(f), Some(l)) = (first, last) {
        if f <= l {
            return (f, l + 1);
        }
    }
    let shared = |i: &usize| stems[*i] != STOP && other.1.contains(&stems[*i]);
    match ((r.0..r.1).find(shared), (r.0..r.1).rev().find(shared)) {
        (Some(f), Some(l)) => (f, l + 1),
        _ => r,
    }
}

/// Dice coefficient of the distinct content stems of two token ranges.
pub(crate) fn dice(
    a: &PreparedDoc,
    ra: (usize, usize),
    b: &PreparedDoc,
    rb: (usize, usize),
) -> f64 {
    let set = |d: &PreparedDoc, r: (usize, usize)| -> KeySet {
        d.stems()[r.0..r.1]
            .iter()
            .copied()
            .filter(|&s| s != STOP)
            .collect()
    };
    let (sa, sb) = (set(a, ra), set(b, rb));
    if sa.is_empty() && sb.is_empty() {
        return 0.0;
    }
    let shared = sa.iter().filter(|k| sb.contains(k)).count();
    2.0 * shared as f64 / (sa.len() + sb.len()) as f64
}

fn span(doc: &PreparedDoc, r: (usize, usize)) -> Span {
    let t = doc.tokens();
    Span::new(t[r.0].start, t[r.1 - 1].end)
}

/// Turns fragments into final passages, sorted by start in the first document.
pub(crate) fn passages(
    a: &PreparedDoc,
    b: &PreparedDoc,
    fragments: &[Fragment],
    cfg: &AlignConfig,
) -> Vec<AlignedPassage> {
    let mut scored: Vec<Scored> = Vec::new();
    for f in fragments {
        let ra = token_range(a, f.a);
        let rb = token_range(b, f.b);
        let keys_a = range_keys(a, ra);
        let keys_b = range_keys(b, rb);
        let ta = tighten(a, ra, &keys_b);
        let tb = tighten(b, rb, &keys_a);
        if ta.1 - ta.0 < cfg.min_words || tb.1 - tb.0 < cfg.min_words {
            continue;
        }
        let sim = dice(a, ta, b, tb);
        scored.push((sim, ta, tb));
    }
    // Overlap resolution on the first document: best first.
    let weight = |s: &Scored| s.0 * ((s.1 .1 - s.1 .0) + (s.2 .1 - s.2 .0)) as f64;
    scored.sort_by(|x, y| {
        weight(y)
            .total_cmp(&weight(x))
            .then(x.1.cmp(&y.1))
            .then(x.2.cmp(&y.2))
    });
    let mut kept: Vec<Scored> = Vec::new();
    for s in scored {
        if kept.iter().any(|k| k.1 .0 < s.1 .1 && s.1 .0 < k.1 .1) {
            continue;
        }
        kept.push(s);
    }
    let mut out: Vec<AlignedPassage> = kept
        .into_iter()
        .map(|(sim, ta, tb)| AlignedPassage {
            a: span(a, ta),
            b: span(b, tb),
            similarity: sim,
        })
        .collect();
    out.sort_by(|x, y| x.a.cmp(&y.a).then(x.b.cmp(&y.b)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::NormalizeConfig;

    #[test]
    fn tighten_cuts_to_shared_words() {
        let norm = NormalizeConfig::default();
        let a = PreparedDoc::new(
            "Officials said that fuel prices rose sharply in the west, adding nothing.",
            &norm,
        );
        let b = PreparedDoc::new("Fuel prices rose sharply in the west.", &norm);
        let rb = (0, b.tokens().len());
        let ta = tighten(&a, (0, a.tokens().len()), &range_keys(&b, rb));
        let t = a.tokens();
        assert_eq!(
            &a.text()[t[ta.0].start..t[ta.1 - 1].end],
            "fuel prices rose sharply in the west"
        );
    }
}
