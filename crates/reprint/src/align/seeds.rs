//! Seeds: pairs of sentences, one from each document, that look like the same
//! sentence, found two ways.
//!
//! 1. *Sentence similarity*: each sentence is a tf-idf vector of its content-word
//!    stems, where the idf is computed over the sentences of both documents (a word
//!    found in every sentence says nothing). A pair is a seed when both its cosine
//!    and the Dice coefficient of its term sets pass their thresholds: cosine alone
//!    lets one rare shared word through, Dice alone ignores how telling words are.
//! 2. *Exact word n-grams*: a run of `n` identical words (stop words included, at
//!    least two content words) shared by both documents. This catches verbatim copy
//!    whose sentence boundaries differ on the two sides.

use super::prepare::{gram_key, gram_position, term_counts, PreparedDoc, Sentence};
use super::SeedConfig;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by pre-hashed 64-bit keys.
pub(crate) type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// A seed: sentence `a` of the first document resembles sentence `b` of the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Seed {
    /// Sentence index in the first document.
    pub a: u32,
    /// Sentence index in the second document.
    pub b: u32,
}

/// Term weights shared by the two documents of one pair.
pub(crate) struct PairTerms {
    /// Inverse sentence frequency of each term over both documents.
    idf: KeyMap<f64>,
}

impl PairTerms {
    /// Counts, for every content term, how many sentences of `a` and `b` hold it.
    pub fn new(a: &PreparedDoc, b: &PreparedDoc) -> Self {
        let n = (a.sentences().len() + b.sentences().len()).max(1) as f64;
        let (da, db) = (a.sentence_df(), b.sentence_df());
        let mut idf: KeyMap<f64> = KeyMap::default();
        idf.reserve(da.len() + db.len());
        let weight = |d: u32| (n / f64::from(d)).ln().max(0.0) + 0.1;
        // Both lists are sorted by term: merge them.
        let (mut i, mut j) = (0, 0);
        while i < da.len() || j < db.len() {
            let (term, d) = match (da.get(i), db.get(j)) {
                (Some(&(ta, ca)), Some(&(tb, cb))) if ta == tb => {
                    i += 1;
                    j += 1;
                    (ta, ca + cb)
                }
                (Some(&(ta, ca)), Some(&(tb, _))) if ta < tb => {
                    i += 1;
                    (ta, ca)
                }
                (Some(&(ta, ca)), None) => {
                    i += 1;
                    (ta, ca)
                }
                (_, Some(&(tb, cb))) => {
                    j += 1;
                    (tb, cb)
                }
                (None, None) => break,
            };
            idf.insert(term, weight(d));
        }
        PairTerms { idf }
    }

    /// The idf of a term (0 for a term neither document has).
    pub fn idf(&self, term: u64) -> f64 {
        self.idf.get(&term).copied().unwrap_or(0.0)
    }

    /// The tf-idf vector of a sentence, with its Euclidean norm.
    fn vector(&self, s: &Sentence) -> (Vec<(u64, f64)>, f64) {
        let v: Vec<(u64, f64)> = s
            .terms
            .iter()
            .map(|&(t, tf)| (t, f64::from(tf) * self.idf(t)))
            .collect();
        let norm = v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        (v, norm)
    }

    /// Tf-idf cosine and term-set Dice of two sentences.
    pub fn sentence_pair(&self, x: &Sentence, y: &Sentence) -> (f64, f64) {
        let (vx, nx) = self.vector(x);
        let (vy, ny) = self.vector(y);
        if nx == 0.0 || ny == 0.0 {
            return (0.0, 0.0);
        }
        let (dot, shared) = sparse_dot(&vx, &vy);
        let dice = 2.0 * shared as f64 / (vx.len() + vy.len()) as f64;
        (dot / (nx * ny), dice)
    }

    /// True when two sentences' tf-idf cosine and term-set Dice both reach `threshold`.
    pub fn alike(&self, x: &Sentence, y: &Sentence, threshold: f64) -> bool {
        let (cosine, dice) = self.sentence_pair(x, y);
        cosine >= threshold && dice >= threshold
    }

    /// Cosine of the tf-idf vectors of two token ranges (each given by its stems).
    pub fn range_cosine(&self, a: &[u64], b: &[u64]) -> f64 {
        // Sorted (term, weight) vectors: no hashing beyond the idf lookups.
        let weights = |stems: &[u64]| -> Vec<(u64, f64)> {
            term_counts(stems)
                .into_iter()
                .map(|(t, tf)| (t, f64::from(tf) * self.idf(t)))
                .collect()
        };
        let (wa, wb) = (weights(a), weights(b));
        let norm = |v: &[(u64, f64)]| v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        let (na, nb) = (norm(&wa), norm(&wb));
        if na == 0.0 || nb == 0.0 {
            return 0.0;
        }
        sparse_dot(&wa, &wb).0 / (na * nb)
    }
}

/// Dot product of two sparse vectors sorted by term, and the number of terms they
/// share.
fn sparse_dot(x: &[(u64, f64)], y: &[(u64, f64)]) -> (f64, usize) {
    let (mut i, mut j, mut dot, mut shared) = (0, 0, 0.0, 0usize);
    while i < x.len() && j < y.len() {
        match x[i].0.cmp(&y[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += x[i].1 * y[j].1;
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (dot, shared)
}

/// A term held by more sentences of the second document than this does not, on its
/// own, make sentences candidates (it still counts in the cosine and Dice of
/// candidates found through other terms). Without the cap, a page of one sentence
/// repeated thousands of times would compare every sentence with every other.
pub(crate) const MAX_TERM_SENTENCES: usize = 64;

/// Sentence pairs whose tf-idf cosine and term-set Dice both pass the thresholds.
/// Candidates are the pairs sharing a term held by at most [`MAX_TERM_SENTENCES`]
/// sentences of `b`, so the work is linear in the length of `a` for any text.
pub(crate) fn sentence_seeds(
    a: &PreparedDoc,
    b: &PreparedDoc,
    terms: &PairTerms,
    cfg: &SeedConfig,
    out: &mut Vec<Seed>,
) {
    // Inverted index of the second document's sentences.
    let mut postings: KeyMap<Vec<(u32, f64)>> = KeyMap::default();
    let mut norms_b = Vec::with_capacity(b.sentences().len());
    for (j, s) in b.sentences().iter().enumerate() {
        let (v, norm) = terms.vector(s);
        norms_b.push(norm);
        for (t, w) in v {
            postings.entry(t).or_default().push((j as u32, w));
        }
    }
    let mut dot = vec![0.0f64; b.sentences().len()];
    let mut shared = vec![0u32; b.sentences().len()];
    let mut touched: Vec<u32> = Vec::new();
    // Terms of the current sentence over the cap, with their weights.
    let mut frequent: Vec<(u64, f64)> = Vec::new();
    for (i, s) in a.sentences().iter().enumerate() {
        let (v, norm_a) = terms.vector(s);
        if norm_a == 0.0 {
            continue;
        }
        frequent.clear();
        for &(t, w) in &v {
            match postings.get(&t) {
                Some(list) if list.len() > MAX_TERM_SENTENCES => frequent.push((t, w)),
                Some(list) => {
                    for &(j, wb) in list {
                        let ju = j as usize;
                        if shared[ju] == 0 {
                            touched.push(j);
                        }
                        shared[ju] += 1;
                        dot[ju] += w * wb;
                    }
                }
                None => {}
            }
        }
        touched.sort_unstable();
        for &j in &touched {
            let ju = j as usize;
            let other = &b.sentences()[ju];
            for &(t, w) in &frequent {
                if let Ok(k) = other.terms.binary_search_by_key(&t, |&(t, _)| t) {
                    shared[ju] += 1;
                    dot[ju] += w * f64::from(other.terms[k].1) * terms.idf(t);
                }
            }
            let cos = if norms_b[ju] > 0.0 {
                dot[ju] / (norm_a * norms_b[ju])
            } else {
                0.0
            };
            let len_sum = s.terms.len() + other.terms.len();
            let dice = 2.0 * f64::from(shared[ju]) / len_sum as f64;
            if cos >= cfg.min_sentence_cosine && dice >= cfg.min_sentence_dice {
                out.push(Seed { a: i as u32, b: j });
            }
            dot[ju] = 0.0;
            shared[ju] = 0;
        }
        touched.clear();
    }
}

/// Drops the seeds of a sentence that are much weaker than that sentence's best
/// seed. A sentence restated once is matched best by its restatement; a weaker
/// look-alike elsewhere (a stock sentence, another sentence on the same subject)
/// would only stretch the passage over unrelated text. A seed needs at least
/// `share` of the best tf-idf cosine among the seeds of its sentence in `a`, then
/// among those of its sentence in `b` (0 keeps every seed).
pub(crate) fn prune_weaker(
    seeds: Vec<Seed>,
    a: &PreparedDoc,
    b: &PreparedDoc,
    terms: &PairTerms,
    share: f64,
) -> Vec<Seed> {
    if share <= 0.0 || seeds.len() < 2 {
        return seeds;
    }
    // Only seeds sharing a sentence with another seed are compared; the others
    // (most seeds of a verbatim copy) need no cosine.
    let (mut per_a, mut per_b) = (
        vec![0u32; a.sentences().len()],
        vec![0u32; b.sentences().len()],
    );
    for s in &seeds {
        per_a[s.a as usize] += 1;
        per_b[s.b as usize] += 1;
    }
    let scored: Vec<(Seed, f64)> = seeds
        .into_iter()
        .map(|s| {
            if per_a[s.a as usize] < 2 && per_b[s.b as usize] < 2 {
                return (s, 1.0);
            }
            let x = &a.sentences()[s.a as usize];
            let y = &b.sentences()[s.b as usize];
            (s, terms.sentence_pair(x, y).0)
        })
        .collect();
    // Keeps the seeds within `share` of the best one of their sentence on one side.
    let strong = |items: Vec<(Seed, f64)>, n: usize, side: fn(&Seed) -> u32| {
        let mut best = vec![0.0f64; n];
        for (s, c) in &items {
            let slot = &mut best[side(s) as usize];
            *slot = slot.max(*c);
        }
        items
            .into_iter()
            .filter(|(s, c)| *c >= share * best[side(s) as usize])
            .collect::<Vec<_>>()
    };
    let scored = strong(scored, a.sentences().len(), |s| s.a);
    let scored = strong(scored, b.sentences().len(), |s| s.b);
    scored.into_iter().map(|(s, _)| s).collect()
}

/// A sentence repeated in one document (a stock line, a pull quote) seeds with
/// every copy of its counterpart. Where the seeds of one sentence lie more than
/// `gap` sentences apart in the other document, only those nearest to the seeds of
/// the neighbouring sentences (within `gap`) stay; a sentence with no seeded
/// neighbour keeps them all. Applied along `a`, then along `b`.
pub(crate) fn pick_repeated(seeds: Vec<Seed>, gap: u32) -> Vec<Seed> {
    let reach = gap + 1;
    // `v` holds (sentence on the side being checked, sentence on the other side).
    let pass = |mut v: Vec<(u32, u32)>| -> Vec<(u32, u32)> {
        v.sort_unstable();
        let mut out = Vec::with_capacity(v.len());
        let mut i = 0;
        while i < v.len() {
            let x = v[i].0;
            let j = i + v[i..].partition_point(|p| p.0 == x);
            let group = &v[i..j];
            let spread = group[group.len() - 1].1 - group[0].1;
            // Seeds of the neighbouring sentences: sorted, so one contiguous range.
            let near: Vec<u32> = if spread > reach {
                let lo = v.partition_point(|p| p.0.saturating_add(reach) < x);
                let hi = v.partition_point(|p| p.0 <= x.saturating_add(reach));
                v[lo..hi].iter().filter(|p| p.0 != x).map(|p| p.1).collect()
            } else {
                Vec::new()
            };
            if near.is_empty() {
                out.extend_from_slice(group);
            } else {
                let dist = |y: u32| near.iter().map(|&n| n.abs_diff(y)).min().unwrap_or(0);
                let best = group.iter().map(|p| dist(p.1)).min().unwrap_or(0);
                out.extend(group.iter().filter(|p| dist(p.1) <= best + reach));
            }
            i = j;
        }
        out
    };
    let along_a = pass(seeds.iter().map(|s| (s.a, s.b)).collect());
    let along_b = pass(along_a.into_iter().map(|(x, y)| (y, x)).collect());
    let mut out: Vec<Seed> = along_b.into_iter().map(|(b, a)| Seed { a, b }).collect();
    out.sort_unstable();
    out
}

/// Exact matches of word n-grams between the documents, as token index pairs
/// `(first token in a, first token in b)`. N-grams that occur more than
/// `max_occurrences` times in either document are skipped (formulas, lists).
pub(crate) fn gram_matches(a: &PreparedDoc, b: &PreparedDoc, cfg: &SeedConfig) -> Vec<(u32, u32)> {
    let ga = a.grams(cfg.ngram_words);
    let gb = b.grams(cfg.ngram_words);
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < ga.len() && j < gb.len() {
        let (ka, kb) = (gram_key(ga[i]), gram_key(gb[j]));
        match ka.cmp(&kb) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let i_end = i + ga[i..].partition_point(|&g| gram_key(g) == ka);
                let j_end = j + gb[j..].partition_point(|&g| gram_key(g) == ka);
                if i_end - i <= MAX_GRAM_OCCURRENCES && j_end - j <= MAX_GRAM_OCCURRENCES {
                    for &x in &ga[i..i_end] {
                        for &y in &gb[j..j_end] {
                            out.push((gram_position(x), gram_position(y)));
                        }
                    }
                }
                i = i_end;
                j = j_end;
            }
        }
    }
    out.sort_unstable();
    out
}

/// N-grams repeated more often than this in one document are not used as seeds.
const MAX_GRAM_OCCURRENCES: usize = 4;

/// The sentence holding each token.
pub(crate) fn sentence_of_tokens(doc: &PreparedDoc) -> Vec<u32> {
    let mut out = vec![0u32; doc.tokens().len()];
    for (k, s) in doc.sentences().iter().enumerate() {
        for slot in &mut out[s.first_token as usize..s.end_token as usize] {
            *slot = k as u32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::NormalizeConfig;

    fn prep(t: &str) -> PreparedDoc<'_> {
        PreparedDoc::new(t, &NormalizeConfig::default())
    }

    #[test]
    fn reworded_sentence_is_a_seed() {
        let a = prep("The weather was cold and windy in the capital city. Fuel prices rose sharply across the western regions of the country on Monday. Markets closed early.");
        let b = prep("Nobody expected such a dramatic change in the policy. On Monday fuel prices rose very sharply in the western regions of the country. Schools opened late.");
        let terms = PairTerms::new(&a, &b);
        let mut seeds = Vec::new();
        sentence_seeds(&a, &b, &terms, &SeedConfig::default(), &mut seeds);
        assert_eq!(seeds, vec![Seed { a: 1, b: 1 }]);
    }

    #[test]
    fn a_sentence_repeated_past_the_cap_seeds_nothing_by_itself() {
        let line = "Fuel prices rose sharply across the western regions on Monday. ";
        let many = line.repeat(MAX_TERM_SENTENCES + 1);
        let (a, b) = (prep(line), prep(&many));
        let terms = PairTerms::new(&a, &b);
        let mut seeds = Vec::new();
        sentence_seeds(&a, &b, &terms, &SeedConfig::default(), &mut seeds);
        assert!(seeds.is_empty());
        // At the cap, every copy is a seed.
        let some = line.repeat(MAX_TERM_SENTENCES);
        let b = prep(&some);
        let terms = PairTerms::new(&a, &b);
        sentence_seeds(&a, &b, &terms, &SeedConfig::default(), &mut seeds);
        assert_eq!(seeds.len(), MAX_TERM_SENTENCES);
    }

    #[test]
    fn frequent_terms_still_count_for_candidates_found_otherwise() {
        // "prices" and "rose" are in every filler sentence of `b`, past the cap; the
        // reworded sentence is found through its rarer words, and its cosine and
        // Dice include the frequent ones.
        let filler = "Prices rose in Paris and Rome today. ".repeat(MAX_TERM_SENTENCES + 1);
        let a = prep("Fuel prices rose sharply across the western regions on Monday.");
        let text_b = format!("{filler}On Monday fuel prices rose in western regions.");
        let b = prep(&text_b);
        let terms = PairTerms::new(&a, &b);
        let mut seeds = Vec::new();
        sentence_seeds(&a, &b, &terms, &SeedConfig::default(), &mut seeds);
        let last = b.sentences().len() as u32 - 1;
        assert_eq!(seeds, vec![Seed { a: 0, b: last }]);
        let (cosine, dice) = terms.sentence_pair(&a.sentences()[0], &b.sentences()[last as usize]);
        assert!(cosine >= 0.33 && dice >= 0.33);
    }

    #[test]
    fn weaker_look_alikes_are_pruned() {
        let a = prep("Fuel prices rose sharply across the western regions on Monday.");
        let b = prep("Fuel prices rose sharply across the western regions on Monday. Prices of bread rose in the regions too, officials said.");
        let terms = PairTerms::new(&a, &b);
        let seeds = vec![Seed { a: 0, b: 0 }, Seed { a: 0, b: 1 }];
        assert_eq!(
            prune_weaker(seeds.clone(), &a, &b, &terms, 0.65),
            vec![Seed { a: 0, b: 0 }]
        );
        assert_eq!(prune_weaker(seeds.clone(), &a, &b, &terms, 0.0), seeds);
    }

    #[test]
    fn repeated_sentences_keep_the_copy_near_their_neighbours() {
        let s = |a, b| Seed { a, b };
        // Sentence 5 of `a` matches sentence 6 and its repeat 30 of `b`; its
        // neighbours are matched around 4..7.
        let seeds = vec![s(4, 5), s(5, 6), s(5, 30), s(6, 7)];
        assert_eq!(pick_repeated(seeds, 3), vec![s(4, 5), s(5, 6), s(6, 7)]);
        // Alone, a sentence keeps every copy; close seeds are not repeats.
        assert_eq!(pick_repeated(vec![s(5, 6), s(5, 30)], 3).len(), 2);
        assert_eq!(pick_repeated(vec![s(4, 5), s(5, 6), s(5, 8)], 3).len(), 3);
    }

    #[test]
    fn shared_ngrams_are_found() {
        let a = prep("alpha beta gamma delta epsilon zeta");
        let b = prep("one two beta gamma delta epsilon three");
        let cfg = SeedConfig {
            ngram_words: 3,
            ..SeedConfig::default()
        };
        assert_eq!(gram_matches(&a, &b, &cfg), vec![(1, 2), (2, 3)]);
    }
}
