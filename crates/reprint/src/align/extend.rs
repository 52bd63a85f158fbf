//! Extension: grouping seeds into fragments (ranges of sentences on both sides).
//!
//! Seeds that lie close together in *both* documents belong to one passage. The
//! seeds are sorted by their position in one document and cut wherever more than
//! `gap` sentences separate two neighbours; every part is then cut the same way
//! along the other document, and so on until no cut happens on either side. Each
//! final group spans a fragment. A fragment whose two sides are not similar enough
//! as a whole (tf-idf cosine) is clustered again with a smaller gap, so that two
//! real passages bridged by a stray seed come apart again. A reworded fragment then
//! grows by neighbouring sentences that resemble a sentence of the other side at a
//! lower threshold (its rewritten first or last sentence often missed the seed
//! thresholds).
//!
//! Summaries get a second pass: a summary keeps few sentences of a long source
//! text, so its seeds lie far apart on the source side. Clustering with a much
//! larger gap joins them; such a fragment replaces the fragments it covers when its
//! shorter side is much shorter than its longer side (the mark of a summary).

use super::prepare::PreparedDoc;
use super::range::{SentenceRange, TokenRange};
use super::seeds::{PairTerms, Seed};
use super::{AlignConfig, ExtensionConfig, SummaryConfig};

/// A candidate passage in sentence units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fragment {
    /// Its sentences in the first document.
    pub a: SentenceRange,
    /// Its sentences in the second document.
    pub b: SentenceRange,
    /// Cosine of the two sides' tf-idf vectors.
    pub cosine: f64,
    /// Found by the summary pass.
    pub summary: bool,
}

#[derive(Clone, Copy)]
enum Side {
    A,
    B,
}

fn pos(s: &Seed, side: Side) -> u32 {
    match side {
        Side::A => s.a,
        Side::B => s.b,
    }
}

/// Cuts `seeds` along `side` wherever more than `gap` sentences lie between neighbours.
fn split(mut seeds: Vec<Seed>, side: Side, gap: u32) -> Vec<Vec<Seed>> {
    seeds.sort_unstable_by_key(|s| (pos(s, side), pos(s, other(side))));
    let mut parts = Vec::new();
    let mut current: Vec<Seed> = Vec::new();
    for s in seeds {
        if let Some(last) = current.last() {
            if pos(&s, side) > pos(last, side) + gap + 1 {
                parts.push(std::mem::take(&mut current));
            }
        }
        current.push(s);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

fn other(side: Side) -> Side {
    match side {
        Side::A => Side::B,
        Side::B => Side::A,
    }
}

/// Groups seeds until both sides are stable; returns the groups. `gap` is
/// `(gap along a, gap along b)`.
fn cluster(seeds: Vec<Seed>, gap: (u32, u32)) -> Vec<Vec<Seed>> {
    let mut out = Vec::new();
    let mut stack = vec![(seeds, Side::A, false)];
    while let Some((group, side, other_stable)) = stack.pop() {
        let g = match side {
            Side::A => gap.0,
            Side::B => gap.1,
        };
        let mut parts = split(group, side, g);
        if parts.len() == 1 {
            let only = parts.pop().unwrap_or_default();
            if other_stable {
                out.push(only);
            } else {
                stack.push((only, other(side), true));
            }
        } else {
            for p in parts {
                stack.push((p, other(side), false));
            }
        }
    }
    out
}

/// The tokens a sentence range covers.
pub(crate) fn token_range(doc: &PreparedDoc, sentences: SentenceRange) -> TokenRange {
    let s = doc.sentences();
    TokenRange::new(
        s[sentences.first as usize].first_token as usize,
        s[sentences.last as usize].end_token as usize,
    )
}

/// Tf-idf cosine of the tokens two sentence ranges cover.
fn sides_cosine(
    a: &PreparedDoc,
    ra: SentenceRange,
    b: &PreparedDoc,
    rb: SentenceRange,
    terms: &PairTerms,
) -> f64 {
    let (ta, tb) = (token_range(a, ra), token_range(b, rb));
    terms.range_cosine(&a.stems()[ta.indices()], &b.stems()[tb.indices()])
}

fn fragment_of(group: &[Seed], a: &PreparedDoc, b: &PreparedDoc, terms: &PairTerms) -> Fragment {
    let amin = group.iter().map(|s| s.a).min().unwrap_or(0);
    let amax = group.iter().map(|s| s.a).max().unwrap_or(0);
    let bmin = group.iter().map(|s| s.b).min().unwrap_or(0);
    let bmax = group.iter().map(|s| s.b).max().unwrap_or(0);
    let (ra, rb) = (
        SentenceRange::new(amin, amax),
        SentenceRange::new(bmin, bmax),
    );
    Fragment {
        a: ra,
        b: rb,
        cosine: sides_cosine(a, ra, b, rb, terms),
        summary: false,
    }
}

/// True when `group` has at least `min_seeds` seeds and each seed lies after the
/// previous one in both documents: the same sentences in the same order, which
/// chance seldom produces even when rewording has added and dropped many words.
fn is_chain(group: &[Seed], min_seeds: usize) -> bool {
    if min_seeds == 0 || group.len() < min_seeds {
        return false;
    }
    let mut v: Vec<(u32, u32)> = group.iter().map(|s| (s.a, s.b)).collect();
    v.sort_unstable();
    v.windows(2).all(|w| w[1].0 > w[0].0 && w[1].1 > w[0].1)
}

/// Clusters with `gap`, validating each group and re-clustering failures with a
/// smaller gap. A group passes with `min_cosine`, or with `cfg.chain_min_cosine`
/// when its seeds form a chain (see [`is_chain`]).
#[allow(clippy::too_many_arguments)]
fn validated(
    seeds: Vec<Seed>,
    gap: (u32, u32),
    min_cosine: f64,
    a: &PreparedDoc,
    b: &PreparedDoc,
    terms: &PairTerms,
    cfg: &ExtensionConfig,
    out: &mut Vec<Fragment>,
) {
    let chain_cosine = cfg.chain_min_cosine.min(min_cosine);
    let mut work = vec![(seeds, gap)];
    while let Some((group_seeds, g)) = work.pop() {
        for group in cluster(group_seeds, g) {
            let f = fragment_of(&group, a, b, terms);
            let passes = f.cosine >= min_cosine
                || (f.cosine >= chain_cosine && is_chain(&group, cfg.chain_min_seeds));
            if passes {
                out.push(f);
            } else if (g.0 > 0 || g.1 > 0) && group.len() > 1 {
                work.push((group, (g.0.saturating_sub(1), g.1.saturating_sub(1))));
            }
        }
    }
}

/// True when a wide-gap fragment looks like a summary: its short side is much
/// shorter than its long side, most sentences of the short side are seeds, and
/// the long side has not many more seeded sentences than the short side.
fn is_summary(
    s: &Fragment,
    a_is_short: bool,
    seeds: &[Seed],
    a: &PreparedDoc,
    b: &PreparedDoc,
    cfg: &SummaryConfig,
) -> bool {
    let (la, lb) = (token_range(a, s.a).len(), token_range(b, s.b).len());
    let (short, long) = if a_is_short { (la, lb) } else { (lb, la) };
    if short as f64 >= cfg.length_ratio * long as f64 {
        return false;
    }
    let inside: Vec<&Seed> = seeds
        .iter()
        .filter(|x| {
            s.a.overlaps(SentenceRange::single(x.a)) && s.b.overlaps(SentenceRange::single(x.b))
        })
        .collect();
    let seeded = |on_a: bool| {
        let mut seeded: Vec<u32> = inside
            .iter()
            .map(|x| if on_a { x.a } else { x.b })
            .collect();
        seeded.sort_unstable();
        seeded.dedup();
        seeded.len() as f64
    };
    let short_range = if a_is_short { s.a } else { s.b };
    let (short_seeded, long_seeded) = (seeded(a_is_short), seeded(!a_is_short));
    short_seeded >= cfg.min_seeded * f64::from(short_range.len())
        && (cfg.max_fanout <= 0.0 || long_seeded <= cfg.max_fanout * short_seeded)
}

/// Grows an ordinary fragment by neighbouring sentences that resemble a sentence
/// of the other side's fragment (or the sentence just beside it) at the lower
/// threshold `cfg.edge_min_similarity`.
fn grow_edges(
    f: &mut Fragment,
    a: &PreparedDoc,
    b: &PreparedDoc,
    terms: &PairTerms,
    cfg: &ExtensionConfig,
) {
    let th = cfg.edge_min_similarity;
    let (na, nb) = (a.sentences().len() as u32, b.sentences().len() as u32);
    let near = |r: SentenceRange, n: u32| {
        SentenceRange::new(r.first.saturating_sub(1), (r.last + 1).min(n - 1))
    };
    // Finds a partner of sentence `k` of `doc` among `range` of `other`.
    let partner = |doc: &PreparedDoc, k: u32, other: &PreparedDoc, range: SentenceRange| {
        let x = &doc.sentences()[k as usize];
        (range.first..=range.last).find(|&j| terms.alike(x, &other.sentences()[j as usize], th))
    };
    let start = *f;
    for _ in 0..8 {
        let before = *f;
        let mut candidates: Vec<(u32, bool)> = Vec::new(); // (sentence, on a)
        if f.a.first > 0 {
            candidates.push((f.a.first - 1, true));
        }
        if f.a.last + 1 < na {
            candidates.push((f.a.last + 1, true));
        }
        if f.b.first > 0 {
            candidates.push((f.b.first - 1, false));
        }
        if f.b.last + 1 < nb {
            candidates.push((f.b.last + 1, false));
        }
        for (k, on_a) in candidates {
            let found = if on_a {
                partner(a, k, b, near(f.b, nb)).map(|j| (k, j))
            } else {
                partner(b, k, a, near(f.a, na)).map(|j| (j, k))
            };
            if let Some((i, j)) = found {
                f.a = f.a.including(i);
                f.b = f.b.including(j);
            }
        }
        if *f == before {
            break;
        }
    }
    if *f != start {
        f.cosine = sides_cosine(a, f.a, b, f.b, terms);
    }
}

/// Grows the long side of a summary fragment by sentences up to `gap` (the
/// extension's `max_gap_sentences`) beyond either end that resemble some sentence of
/// its short side at `cfg.edge_similarity` (a source passage is summarised as a
/// whole, but not every one of its sentences leaves a seed).
fn grow_summary(
    f: &mut Fragment,
    a_is_short: bool,
    a: &PreparedDoc,
    b: &PreparedDoc,
    terms: &PairTerms,
    cfg: &SummaryConfig,
    gap: u32,
) {
    let th = cfg.edge_similarity;
    let (short_doc, long_doc) = if a_is_short { (a, b) } else { (b, a) };
    let (short, mut long) = if a_is_short { (f.a, f.b) } else { (f.b, f.a) };
    let n = long_doc.sentences().len() as u32;
    let resembles = |k: u32| {
        let x = &long_doc.sentences()[k as usize];
        (short.first..=short.last).any(|j| terms.alike(x, &short_doc.sentences()[j as usize], th))
    };
    let reach = gap + 1;
    loop {
        let before = long;
        if let Some(k) = (long.first.saturating_sub(reach)..long.first).find(|&k| resembles(k)) {
            long.first = k;
        }
        let hi = (long.last + reach).min(n.saturating_sub(1));
        if let Some(k) = (long.last + 1..=hi).rev().find(|&k| resembles(k)) {
            long.last = k;
        }
        if long == before {
            break;
        }
    }
    if a_is_short {
        f.b = long;
    } else {
        f.a = long;
    }
}

/// All fragments of a pair, sorted by position in the first document: the
/// extension step (`cfg.extension`), then the summary pass (`cfg.summary`).
pub(crate) fn fragments(
    seeds: Vec<Seed>,
    a: &PreparedDoc,
    b: &PreparedDoc,
    terms: &PairTerms,
    cfg: &AlignConfig,
) -> Vec<Fragment> {
    let (ext, sum) = (&cfg.extension, &cfg.summary);
    let mut normal = Vec::new();
    let gap = ext.max_gap_sentences;
    validated(
        seeds.clone(),
        (gap, gap),
        ext.min_passage_cosine,
        a,
        b,
        terms,
        ext,
        &mut normal,
    );
    if ext.edge_min_similarity > 0.0 {
        for f in normal
            .iter_mut()
            .filter(|f| f.cosine < cfg.reworded_max_cosine)
        {
            grow_edges(f, a, b, terms, ext);
        }
    }
    if sum.gap_sentences > gap {
        let wide = sum.gap_sentences;
        // A summary is short on one side only: the wide gap applies along the long side.
        let mut summaries = Vec::new();
        for a_is_short in [true, false] {
            let gaps = if a_is_short { (gap, wide) } else { (wide, gap) };
            let mut found = Vec::new();
            validated(
                seeds.clone(),
                gaps,
                sum.min_cosine,
                a,
                b,
                terms,
                ext,
                &mut found,
            );
            summaries.extend(found.into_iter().map(|f| (f, a_is_short)));
        }
        for (s, a_is_short) in summaries {
            if !is_summary(&s, a_is_short, &seeds, a, b, sum) {
                continue;
            }
            let covered = normal
                .iter()
                .filter(|f| f.a.overlaps(s.a) && f.b.overlaps(s.b))
                .count();
            // A summary splits into several ordinary fragments; one ordinary
            // fragment widened by stray seeds is not a summary.
            // With no ordinary fragment at all to back it, the summary needs a
            // higher similarity.
            let unbacked = covered == 0 && s.cosine < sum.unbacked_min_cosine;
            // A summary does not swallow a passage that stands well on its own.
            let swallows_strong = normal
                .iter()
                .any(|f| f.a.overlaps(s.a) && f.b.overlaps(s.b) && f.cosine >= sum.max_part_cosine);
            if covered == 1 || unbacked || swallows_strong || normal.contains(&s) {
                continue;
            }
            normal.retain(|f| !(f.a.overlaps(s.a) && f.b.overlaps(s.b)));
            let mut s = Fragment { summary: true, ..s };
            if sum.edge_similarity > 0.0 {
                grow_summary(&mut s, a_is_short, a, b, terms, sum, gap);
            }
            normal.push(s);
        }
    }
    normal.sort_by(|x, y| x.a.cmp(&y.a).then(x.b.cmp(&y.b)));
    normal.dedup();
    normal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds(v: &[(u32, u32)]) -> Vec<Seed> {
        v.iter().map(|&(a, b)| Seed { a, b }).collect()
    }

    #[test]
    fn clusters_need_closeness_on_both_sides() {
        // Close in a, but the third seed is far away in b.
        let mut groups = cluster(seeds(&[(0, 0), (1, 1), (2, 40)]), (2, 2));
        groups.sort();
        assert_eq!(groups, vec![seeds(&[(0, 0), (1, 1)]), seeds(&[(2, 40)])]);
    }

    #[test]
    fn chains_advance_in_both_documents() {
        assert!(is_chain(&seeds(&[(77, 10), (78, 11), (80, 13)]), 3));
        // Too short, or out of order on one side, or one sentence seeded twice.
        assert!(!is_chain(&seeds(&[(77, 10), (78, 11)]), 3));
        assert!(!is_chain(&seeds(&[(77, 12), (78, 11), (80, 13)]), 3));
        assert!(!is_chain(&seeds(&[(77, 10), (77, 11), (80, 13)]), 3));
        assert!(!is_chain(&seeds(&[(77, 10), (78, 11), (80, 13)]), 0));
    }

    #[test]
    fn gaps_within_limit_join() {
        let groups = cluster(seeds(&[(0, 10), (3, 13), (9, 30)]), (2, 2));
        assert_eq!(groups.len(), 2);
    }
}
