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
//! on the other side (`snap_max_words`, `snap_min_shared`).
//!
//! *Overlaps*: two passages may not claim the same words of the first document.
//! The better one (higher similarity times length) is kept.

use super::extend::{token_range, Fragment};
use super::prepare::{PreparedDoc, STOP};
use super::verbatim::Run;
use super::{AlignConfig, AlignedPassage};
use crate::document::Span;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;

/// Verbatim runs this close (in tokens, on both sides) merge into one passage.
const MERGE_GAP_TOKENS: usize = 12;

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

/// Moves the ends of the tightened range `t` (inside fragment range `r`) back to
/// the edges of their sentences when the words cut off are few and mostly shared
/// with the other side (a reworded first or last sentence).
fn snap(
    doc: &PreparedDoc,
    r: (usize, usize),
    t: (usize, usize),
    other: &KeySet,
    cfg: &AlignConfig,
) -> (usize, usize) {
    if cfg.snap_max_words == 0 || t.0 >= t.1 {
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
    if let Some(s) = sentences.get(of(t.0)) {
        let lo = (s.first_token as usize).max(r.0);
        if ok(lo, t.0) {
            out.0 = lo;
        }
    }
    if let Some(s) = sentences.get(of(t.1 - 1)) {
        let hi = (s.end_token as usize).min(r.1);
        if ok(t.1, hi) {
            out.1 = hi;
        }
    }
    out
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
    let mut end = t[r.1 - 1].end;
    if matches!(doc.text().as_bytes().get(end), Some(b'.' | b'!' | b'?')) {
        end += 1;
    }
    Span::new(t[r.0].start, end)
}

/// Turns fragments into final passages, sorted by start in the first document.
pub(crate) fn passages(
    a: &PreparedDoc,
    b: &PreparedDoc,
    fragments: &[Fragment],
    runs: &[Run],
    cfg: &AlignConfig,
) -> Vec<AlignedPassage> {
    // Token ranges on both sides, and the tight ranges (before any snapping) the
    // length and similarity filters judge.
    type Candidate = (
        (usize, usize),
        (usize, usize),
        (usize, usize),
        (usize, usize),
    );
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
                r.a.0 >= ra.0 && r.a.1 <= ra.1 && r.b.0 >= rb.0 && r.b.1 <= rb.1
            })
            .collect();
        let covered: usize = inside.iter().map(|&k| runs[k].a.1 - runs[k].a.0).sum();
        // A summary may copy phrases of its source: only runs covering nearly all
        // of it show it to be a copy instead.
        let share = if f.summary {
            cfg.verbatim_share.max(0.8)
        } else {
            cfg.verbatim_share
        };
        let replace = !inside.is_empty() && covered as f64 >= share * (ra.1 - ra.0) as f64;
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
            let sa = snap(a, ra, ta, &keys_b.1, cfg);
            let sb = snap(b, rb, tb, &keys_a.1, cfg);
            candidates.push((sa, sb, ta, tb));
        } else {
            candidates.push((ta, tb, ta, tb));
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
                if r.a.0 <= m.a.1 + MERGE_GAP_TOKENS
                    && r.b.0 >= m.b.0
                    && r.b.0 <= m.b.1 + MERGE_GAP_TOKENS =>
            {
                m.a.1 = m.a.1.max(r.a.1);
                m.b.1 = m.b.1.max(r.b.1);
            }
            _ => merged.push(*r),
        }
    }
    candidates.extend(merged.iter().map(|r| (r.a, r.b, r.a, r.b)));
    let mut scored: Vec<Scored> = Vec::new();
    for (ta, tb, tight_a, tight_b) in candidates {
        if tight_a.1 - tight_a.0 < cfg.min_words || tight_b.1 - tight_b.0 < cfg.min_words {
            continue;
        }
        let shorter = (tight_a.1 - tight_a.0).min(tight_b.1 - tight_b.0);
        let tight_sim = (shorter < cfg.short_passage_words).then(|| dice(a, tight_a, b, tight_b));
        if tight_sim.is_some_and(|d| d < cfg.short_passage_similarity) {
            continue;
        }
        // The reported ranges are the tight ones unless an end snapped back.
        let sim = match tight_sim {
            Some(d) if (ta, tb) == (tight_a, tight_b) => d,
            _ => dice(a, ta, b, tb),
        };
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
    if cfg.part_merge_gap_words > 0 {
        kept = merge_parts(kept, a, b, cfg);
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

/// Joins passages that follow each other closely in the first document while
/// their sides in the second spread over a stretch clearly longer than theirs in
/// the first: a summary restates its source in parts, out of order, and a copy with
/// sentences dropped matches its source in pieces. One passage covering both whole
/// stretches is what was reused. Spans in the first document stay disjoint.
fn merge_parts(
    mut kept: Vec<Scored>,
    a: &PreparedDoc,
    b: &PreparedDoc,
    cfg: &AlignConfig,
) -> Vec<Scored> {
    kept.sort_by(|x, y| x.1.cmp(&y.1).then(x.2.cmp(&y.2)));
    let mut out: Vec<Scored> = Vec::with_capacity(kept.len());
    let mut i = 0;
    while i < kept.len() {
        let mut j = i + 1;
        while j < kept.len() && kept[j].1 .0 <= kept[j - 1].1 .1 + cfg.part_merge_gap_words {
            j += 1;
        }
        let group = &kept[i..j];
        let ta = (
            group[0].1 .0,
            group.iter().map(|s| s.1 .1).max().unwrap_or(0),
        );
        let tb = (
            group.iter().map(|s| s.2 .0).min().unwrap_or(0),
            group.iter().map(|s| s.2 .1).max().unwrap_or(0),
        );
        if group.len() >= 2 && (ta.1 - ta.0) as f64 <= cfg.part_merge_ratio * (tb.1 - tb.0) as f64 {
            out.push((dice(a, ta, b, tb), ta, tb));
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
        let cfg = AlignConfig::default();
        // The two cut-off words occur on the other side: back to the sentence start.
        let other = range_keys(&a, (0, n)).1;
        assert_eq!(snap(&a, (0, n), (2, n), &other, &cfg), (0, n));
        // They do not: the tight start stays.
        assert_eq!(snap(&a, (0, n), (2, n), &KeySet::default(), &cfg), (2, n));
    }

    #[test]
    fn parts_close_in_a_and_spread_in_b_merge() {
        let words: Vec<String> = (0..200).map(|i| format!("w{i}")).collect();
        let text = words.join(" ");
        let (a, b) = (prep(&text), prep(&text));
        let cfg = AlignConfig::default();
        // Adjacent in a (10 words apart), 100 words apart in b: one passage.
        let parts = vec![(0.8, (0, 20), (0, 20)), (0.8, (30, 50), (120, 140))];
        let merged = merge_parts(parts, &a, &b, &cfg);
        assert_eq!(merged.len(), 1);
        assert_eq!((merged[0].1, merged[0].2), ((0, 50), (0, 140)));
        // The same spread in both documents: kept apart.
        let parts = vec![(0.8, (0, 20), (0, 20)), (0.8, (30, 50), (30, 50))];
        assert_eq!(merge_parts(parts, &a, &b, &cfg).len(), 2);
        // Too far apart in a: kept apart.
        let parts = vec![(0.8, (0, 20), (0, 20)), (0.8, (90, 110), (150, 170))];
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
        let rb = (0, b.tokens().len());
        let ta = tighten(&a, (0, a.tokens().len()), &range_keys(&b, rb));
        let t = a.tokens();
        assert_eq!(
            &a.text()[t[ta.0].start..t[ta.1 - 1].end],
            "fuel prices rose sharply in the west"
        );
    }
}
