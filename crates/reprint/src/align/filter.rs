//! From sentence fragments to final passages: tight word boundaries, overlap
//! resolution, length filter and the similarity score.
//!
//! *Tight boundaries*: a fragment covers whole sentences, but the shared text may
//! start or end inside them (a quote inside a longer sentence). Each side is cut
//! down to the first and last word that begins or ends a word pair (bigram, at
//! least one content word) or word triple also found on the other side; when there is none, to
//! the first and last shared content word. In a reworded fragment (not a near
//! copy) the first or last sentence is often rewritten at its edge: an end moves
//! back to its sentence's edge when few words were cut off and they mostly occur
//! on the other side (`boundaries.snap_max_words`, `boundaries.snap_min_shared`).
//!
//! *Overlaps*: two passages may not claim the same words of the first document.
//! The better one (higher similarity times length) is kept.

use super::extend::{token_range, Fragment};
use super::prepare::{PreparedDoc, STOP};
use super::range::TokenRange;
use super::verbatim::Run;
use super::{AlignConfig, AlignedPassage, BoundaryConfig, PassageConfig};
use crate::document::Span;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;

/// Verbatim runs this close (in tokens, on both sides) merge into one passage.
const MERGE_GAP_TOKENS: usize = 12;

/// A passage being finished: its token ranges on both sides and their similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scored {
    /// Dice coefficient of the two sides' content stems (see [`dice`]).
    similarity: f64,
    /// Tokens in the first document.
    a: TokenRange,
    /// Tokens in the second document.
    b: TokenRange,
}

/// A passage before the length and similarity filters: the token ranges it would
/// report on both sides, and the tight ranges (before any snapping back to sentence
/// edges) the filters judge.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// Reported tokens in the first document.
    a: TokenRange,
    /// Reported tokens in the second document.
    b: TokenRange,
    /// Tight tokens in the first document.
    tight_a: TokenRange,
    /// Tight tokens in the second document.
    tight_b: TokenRange,
}

impl Candidate {
    /// A candidate reported at its tight ranges.
    fn tight(a: TokenRange, b: TokenRange) -> Self {
        Candidate {
            a,
            b,
            tight_a: a,
            tight_b: b,
        }
    }
}

type KeySet = HashSet<u64, BuildHasherDefault<super::seeds::KeyHasher>>;

fn bigram(x: u64, y: u64) -> u64 {
    (x.rotate_left(29) ^ y).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn trigram(x: u64, y: u64, z: u64) -> u64 {
    bigram(bigram(x, y), z)
}

/// What one side of a fragment offers the other side's boundaries to match.
struct RangeKeys {
    /// Keys of its word pairs (with at least one content word) and word triples.
    phrases: KeySet,
    /// Its content stems.
    content: KeySet,
}

/// The word pair and triple keys and the content stems of a token range.
fn range_keys(doc: &PreparedDoc, r: TokenRange) -> RangeKeys {
    let toks = &doc.tokens()[r.indices()];
    let stems = &doc.stems()[r.indices()];
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
    RangeKeys {
        phrases: bigrams,
        content,
    }
}

/// Narrows the token range `r` of `doc` to the words shared with the other side.
fn tighten(doc: &PreparedDoc, r: TokenRange, other: &RangeKeys) -> TokenRange {
    let toks = doc.tokens();
    let stems = doc.stems();
    let starts_pair = |i: usize| {
        i + 1 < r.end
            && (stems[i] != STOP || stems[i + 1] != STOP)
            && other
                .phrases
                .contains(&bigram(toks[i].key, toks[i + 1].key))
    };
    let starts_triple = |i: usize| {
        i + 2 < r.end
            && other
                .phrases
                .contains(&trigram(toks[i].key, toks[i + 1].key, toks[i + 2].key))
    };
    let first = r.indices().find(|&i| starts_pair(i) || starts_triple(i));
    let last = r.indices().rev().find(|&i| {
        (i > r.start && starts_pair(i - 1)) || (i > r.start + 1 && starts_triple(i - 2))
    });
    if let (Some(f), Some(l)) = (first, last) {
        if f <= l {
            return TokenRange::new(f, l + 1);
        }
    }
    let shared = |i: &usize| stems[*i] != STOP && other.content.contains(&stems[*i]);
    match (r.indices().find(shared), r.indices().rev().find(shared)) {
        (Some(f), Some(l)) => TokenRange::new(f, l + 1),
        _ => r,
    }
}

/// Moves the ends of the tightened range `t` (inside fragment range `r`) back to
/// the edges of their sentences when the words cut off are few and mostly shared
/// with the other side (a reworded first or last sentence).
fn snap(
    doc: &PreparedDoc,
    r: TokenRange,
    t: TokenRange,
    other: &KeySet,
    cfg: &BoundaryConfig,
) -> TokenRange {
    if cfg.snap_max_words == 0 || t.is_empty() {
        return t;
    }
    let stems = doc.stems();
    let ok = |lo: usize, hi: usize| {
        if hi <= lo || hi - lo > cfg.snap_max_words {
            return false;
        }
        let content: Vec<u64> = stems[lo..hi]
            .iter()
            .copied()
            .filter(|&s| s != STOP)
            .collect();
        let shared = content.iter().filter(|s| other.contains(s)).count();
        !content.is_empty() && shared as f64 >= cfg.snap_min_shared * content.len() as f64
    };
    let sentences = doc.sentences();
    let of = |tok: usize| sentences.partition_point(|s| (s.end_token as usize) <= tok);
    let mut out = t;
    if let Some(s) = sentences.get(of(t.start)) {
        let lo = (s.first_token as usize).max(r.start);
        if ok(lo, t.start) {
            out.start = lo;
        }
    }
    if let Some(s) = sentences.get(of(t.end - 1)) {
        let hi = (s.end_token as usize).min(r.end);
        if ok(t.end, hi) {
            out.end = hi;
        }
    }
    out
}

/// Dice coefficient of the distinct content stems of two token ranges.
pub(crate) fn dice(a: &PreparedDoc, ra: TokenRange, b: &PreparedDoc, rb: TokenRange) -> f64 {
    let set = |d: &PreparedDoc, r: TokenRange| -> KeySet {
        d.stems()[r.indices()]
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

fn span(doc: &PreparedDoc, r: TokenRange) -> Span {
    let t = doc.tokens();
    let mut end = t[r.end - 1].end;
    if matches!(doc.text().as_bytes().get(end), Some(b'.' | b'!' | b'?')) {
        end += 1;
    }
    Span::new(t[r.start].start, end)
}

/// Turns fragments into final passages, sorted by start in the first document.
pub(crate) fn passages(
    a: &PreparedDoc,
    b: &PreparedDoc,
    fragments: &[Fragment],
    runs: &[Run],
    cfg: &AlignConfig,
) -> Vec<AlignedPassage> {
    let mut candidates: Vec<Candidate> = Vec::new();
    // Per run: replaces its fragment (Some(true)), lies in a fragment kept as is
    // (Some(false)), or lies in no fragment (None).
    let mut run_role: Vec<Option<bool>> = vec![None; runs.len()];
    for f in fragments {
        let ra = token_range(a, f.a);
        let rb = token_range(b, f.b);
        // Verbatim runs inside the fragment: when they cover most of it, they
        // replace it (exact boundaries, no absorbed neighbours).
        let inside: Vec<usize> = (0..runs.len())
            .filter(|&k| {
                let r = &runs[k];
                ra.contains(r.a) && rb.contains(r.b)
            })
            .collect();
        let covered: usize = inside.iter().map(|&k| runs[k].a.len()).sum();
        // A summary may copy phrases of its source: only runs covering nearly all
        // of it show it to be a copy instead.
        let share = if f.summary {
            cfg.verbatim.share.max(0.8)
        } else {
            cfg.verbatim.share
        };
        let replace = !inside.is_empty() && covered as f64 >= share * ra.len() as f64;
        for &k in &inside {
            if run_role[k] != Some(true) {
                run_role[k] = Some(replace);
            }
        }
        if replace {
            continue;
        }
        let keys_a = range_keys(a, ra);
        let keys_b = range_keys(b, rb);
        let (ta, tb) = (tighten(a, ra, &keys_b), tighten(b, rb, &keys_a));
        if f.cosine < cfg.reworded_max_cosine {
            let sa = snap(a, ra, ta, &keys_b.content, &cfg.boundaries);
            let sb = snap(b, rb, tb, &keys_a.content, &cfg.boundaries);
            candidates.push(Candidate {
                a: sa,
                b: sb,
                tight_a: ta,
                tight_b: tb,
            });
        } else {
            candidates.push(Candidate::tight(ta, tb));
        }
    }
    // Runs replacing fragments, and runs no fragment holds, join the candidates;
    // neighbouring runs in the same order on both sides merge.
    let mut merged: Vec<Run> = Vec::new();
    for (r, role) in runs.iter().zip(&run_role) {
        if *role == Some(false) {
            continue;
        }
        match merged.last_mut() {
            Some(m)
                if r.a.start <= m.a.end + MERGE_GAP_TOKENS
                    && r.b.start >= m.b.start
                    && r.b.start <= m.b.end + MERGE_GAP_TOKENS =>
            {
                m.a.end = m.a.end.max(r.a.end);
                m.b.end = m.b.end.max(r.b.end);
            }
            _ => merged.push(*r),
        }
    }
    candidates.extend(merged.iter().map(|r| Candidate::tight(r.a, r.b)));
    let mut scored: Vec<Scored> = Vec::new();
    for c in candidates {
        if c.tight_a.len() < cfg.min_words || c.tight_b.len() < cfg.min_words {
            continue;
        }
        let shorter = c.tight_a.len().min(c.tight_b.len());
        let tight_sim =
            (shorter < cfg.passages.short_passage_words).then(|| dice(a, c.tight_a, b, c.tight_b));
        if tight_sim.is_some_and(|d| d < cfg.passages.short_passage_similarity) {
            continue;
        }
        // The reported ranges are the tight ones unless an end snapped back.
        let similarity = match tight_sim {
            Some(d) if (c.a, c.b) == (c.tight_a, c.tight_b) => d,
            _ => dice(a, c.a, b, c.b),
        };
        scored.push(Scored {
            similarity,
            a: c.a,
            b: c.b,
        });
    }
    // Overlap resolution on the first document: best first.
    let weight = |s: &Scored| s.similarity * (s.a.len() + s.b.len()) as f64;
    scored.sort_by(|x, y| {
        weight(y)
            .total_cmp(&weight(x))
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    let mut kept: Vec<Scored> = Vec::new();
    for s in scored {
        if kept.iter().any(|k| k.a.overlaps(s.a)) {
            continue;
        }
        kept.push(s);
    }
    if cfg.passages.part_merge_gap_words > 0 {
        kept = merge_parts(kept, a, b, &cfg.passages);
    }
    let mut out: Vec<AlignedPassage> = kept
        .into_iter()
        .map(|s| AlignedPassage {
            a: span(a, s.a),
            b: span(b, s.b),
            similarity: s.similarity,
        })
        .collect();
    out.sort_by(|x, y| x.a.cmp(&y.a).then(x.b.cmp(&y.b)));
    out
}

/// Joins passages that follow each other closely in the first document while
/// their sides in the second spread over a stretch clearly longer than theirs in
/// the first: a summary restates its source in parts, out of order, and a copy with
/// sentences dropped matches its source in pieces. One passage covering both whole
/// stretches is what was reused. Spans in the first document stay disjoint.
fn merge_parts(
    mut kept: Vec<Scored>,
    a: &PreparedDoc,
    b: &PreparedDoc,
    cfg: &PassageConfig,
) -> Vec<Scored> {
    kept.sort_by(|x, y| x.a.cmp(&y.a).then(x.b.cmp(&y.b)));
    let mut out: Vec<Scored> = Vec::with_capacity(kept.len());
    let mut i = 0;
    while i < kept.len() {
        let mut j = i + 1;
        while j < kept.len() && kept[j].a.start <= kept[j - 1].a.end + cfg.part_merge_gap_words {
            j += 1;
        }
        let group = &kept[i..j];
        let ta = TokenRange::new(
            group[0].a.start,
            group.iter().map(|s| s.a.end).max().unwrap_or(0),
        );
        let tb = TokenRange::new(
            group.iter().map(|s| s.b.start).min().unwrap_or(0),
            group.iter().map(|s| s.b.end).max().unwrap_or(0),
        );
        if group.len() >= 2 && ta.len() as f64 <= cfg.part_merge_ratio * tb.len() as f64 {
            out.push(Scored {
                similarity: dice(a, ta, b, tb),
                a: ta,
                b: tb,
            });
        } else {
            out.extend_from_slice(group);
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::NormalizeConfig;

    fn prep(text: &str) -> PreparedDoc<'_> {
        PreparedDoc::new(text, &NormalizeConfig::default())
    }

    #[test]
    fn snap_restores_a_shared_sentence_start_only() {
        let a = prep("Officials said fuel prices rose sharply in the west.");
        let n = a.tokens().len();
        let cfg = BoundaryConfig::default();
        // The two cut-off words occur on the other side: back to the sentence start.
        let (whole, tight) = (TokenRange::new(0, n), TokenRange::new(2, n));
        let other = range_keys(&a, whole).content;
        assert_eq!(snap(&a, whole, tight, &other, &cfg), whole);
        // They do not: the tight start stays.
        assert_eq!(snap(&a, whole, tight, &KeySet::default(), &cfg), tight);
    }

    #[test]
    fn parts_close_in_a_and_spread_in_b_merge() {
        let words: Vec<String> = (0..200).map(|i| format!("w{i}")).collect();
        let text = words.join(" ");
        let (a, b) = (prep(&text), prep(&text));
        let cfg = PassageConfig::default();
        let part = |a: (usize, usize), b: (usize, usize)| Scored {
            similarity: 0.8,
            a: TokenRange::new(a.0, a.1),
            b: TokenRange::new(b.0, b.1),
        };
        // Adjacent in a (10 words apart), 100 words apart in b: one passage.
        let parts = vec![part((0, 20), (0, 20)), part((30, 50), (120, 140))];
        let merged = merge_parts(parts, &a, &b, &cfg);
        assert_eq!(merged.len(), 1);
        assert_eq!(
            (merged[0].a, merged[0].b),
            (TokenRange::new(0, 50), TokenRange::new(0, 140))
        );
        // The same spread in both documents: kept apart.
        let parts = vec![part((0, 20), (0, 20)), part((30, 50), (30, 50))];
        assert_eq!(merge_parts(parts, &a, &b, &cfg).len(), 2);
        // Too far apart in a: kept apart.
        let parts = vec![part((0, 20), (0, 20)), part((90, 110), (150, 170))];
        assert_eq!(merge_parts(parts, &a, &b, &cfg).len(), 2);
    }

    #[test]
    fn tighten_cuts_to_shared_words() {
        let norm = NormalizeConfig::default();
        let a = PreparedDoc::new(
            "Officials said that fuel prices rose sharply in the west, adding nothing.",
            &norm,
        );
        let b = PreparedDoc::new("Fuel prices rose sharply in the west.", &norm);
        let rb = TokenRange::new(0, b.tokens().len());
        let ta = tighten(
            &a,
            TokenRange::new(0, a.tokens().len()),
            &range_keys(&b, rb),
        );
        let t = a.tokens();
        assert_eq!(
            &a.text()[t[ta.start].start..t[ta.end - 1].end],
            "fuel prices rose sharply in the west"
        );
    }
}
