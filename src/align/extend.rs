//! Extension: grouping seeds into fragments (ranges of sentences on both sides).
//!
//! Seeds that lie close together in *both* documents belong to one passage. The
//! seeds are sorted by their position in one document and cut wherever more than
//! `gap` sentences separate two neighbours; every part is then cut the same way
//! along the other document, and so on until no cut happens on either side. Each
//! final group spans a fragment. A fragment whose two sides are not similar enough
//! as a whole (tf-idf cosine) is clustered again with a smaller gap, so that two
//! real passages bridged by a stray seed come apart again.
//!
//! Summaries get a second pass: a summary keeps few sentences of a long source
//! text, so its seeds lie far apart on the source side. Clustering with a much
//! larger gap joins them; such a fragment replaces the fragments it covers when its
//! shorter side is much shorter than its longer side (the mark of a summary).

use super::prepare::PreparedDoc;
use super::seeds::{PairTerms, Seed};
use super::AlignConfig;

/// A candidate passage in sentence units (inclusive ranges).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fragment {
    /// First and last sentence in the first document.
    pub a: (u32, u32),
    /// First and last sentence in the second document.
    pub b: (u32, u32),
    /// Cosine of the two sides' tf-idf vectors.
    pub cosine: f64,
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

/// Groups seeds until both sides are stable; returns the groups.
fn cluster(seeds: Vec<Seed>, gap: u32) -> Vec<Vec<Seed>> {
    let mut out = Vec::new();
    let mut stack = vec![(seeds, Side::A, false)];
    while let Some((group, side, other_stable)) = stack.pop() {
        let mut parts = split(group, side, gap);
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

/// Token range covered by an inclusive sentence range.
pub(crate) fn token_range(doc: &PreparedDoc, sentences: (u32, u32)) -> (usize, usize) {
    let s = doc.sentences();
    (
        s[sentences.0 as usize].first_token as usize,
        s[sentences.1 as usize].end_token as usize,
    )
}

fn fragment_of(group: &[Seed], a: &PreparedDoc, b: &PreparedDoc, terms: &PairTerms) -> Fragment {
    let amin = group.iter().map(|s| s.a).min().unwrap_or(0);
    let amax = group.iter().map(|s| s.a).max().unwrap_or(0);
    let bmin = group.iter().map(|s| s.b).min().unwrap_or(0);
    let bmax = group.iter().map(|s| s.b).max().unwrap_or(0);
    let (ta0, ta1) = token_range(a, (amin, amax));
    let (tb0, tb1) = token_range(b, (bmin, bmax));
    let cosine = terms.range_cosine(&a.stems()[ta0..ta1], &b.stems()[tb0..tb1]);
    Fragment {
        a: (amin, amax),
        b: (bmin, bmax),
        cosine,
    }
}

/// Clusters with `gap`, validating each group and re-clustering failures with a
/// smaller gap.
fn validated(
    seeds: Vec<Seed>,
    gap: u32,
    a: &PreparedDoc,
    b: &PreparedDoc,
    terms: &PairTerms,
    cfg: &AlignConfig,
    out: &mut Vec<Fragment>,
) {
    let mut work = vec![(seeds, gap)];
    while let Some((group_seeds, g)) = work.pop() {
        for group in cluster(group_seeds, g) {
            let f = fragment_of(&group, a, b, terms);
            if f.cosine >= cfg.min_passage_cosine {
                out.push(f);
            } else if g > 0 && group.len() > 1 {
                work.push((group, g - 1));
            }
        }
    }
}

fn tokens_len(doc: &PreparedDoc, r: (u32, u32)) -> usize {
    let (s, e) = token_range(doc, r);
    e - s
}

fn overlaps(x: (u32, u32), y: (u32, u32)) -> bool {
    x.0 <= y.1 && y.0 <= x.1
}

/// All fragments of a pair, sorted by position in the first document.
pub(crate) fn fragments(
    seeds: Vec<Seed>,
    a: &PreparedDoc,
    b: &PreparedDoc,
    terms: &PairTerms,
    cfg: &AlignConfig,
) -> Vec<Fragment> {
    let mut normal = Vec::new();
    validated(
        seeds.clone(),
        cfg.max_gap_sentences,
        a,
        b,
        terms,
        cfg,
        &mut normal,
    );
    if cfg.summary_gap_sentences > cfg.max_gap_sentences {
        let mut summaries = Vec::new();
        validated(
            seeds,
            cfg.summary_gap_sentences,
            a,
            b,
            terms,
            cfg,
            &mut summaries,
        );
        for s in summaries {
            let (la, lb) = (tokens_len(a, s.a), tokens_len(b, s.b));
            let ratio = la.min(lb) as f64 / la.max(lb).max(1) as f64;
            if ratio >= cfg.summary_length_ratio {
                continue;
            }
            let covered = normal
                .iter()
                .filter(|f| overlaps(f.a, s.a) && overlaps(f.b, s.b))
                .count();
            if covered < 2 && normal.contains(&s) {
                continue;
            }
            normal.retain(|f| !(overlaps(f.a, s.a) && overlaps(f.b, s.b)));
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
        let mut groups = cluster(seeds(&[(0, 0), (1, 1), (2, 40)]), 2);
        groups.sort();
        assert_eq!(groups, vec![seeds(&[(0, 0), (1, 1)]), seeds(&[(2, 40)])]);
    }

    #[test]
    fn gaps_within_limit_join() {
        let groups = cluster(seeds(&[(0, 10), (3, 13), (9, 30)]), 2);
        assert_eq!(groups.len(), 2);
    }
}
