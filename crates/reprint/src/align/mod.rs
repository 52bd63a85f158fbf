//! Passage alignment: the passages two documents share, with tight byte spans in
//! both, even when the copy is reworded.
//!
//! The pipeline for one pair (each step in its own file):
//!
//! 1. [`prepare`]: each document is analysed once into a [`PreparedDoc`]: word
//!    tokens with byte offsets, stems of content words, sentences.
//! 2. [`seeds`]: pairs of sentences that look alike (tf-idf cosine and Dice of
//!    content stems, idf over the sentences of both documents), plus sentence pairs
//!    that share an exact word n-gram. A seed much weaker than the best seed of its
//!    sentence is dropped, and a repeated sentence keeps only the seeds near its
//!    neighbours' seeds.
//! 3. [`extend`]: seeds close together in both documents are clustered into
//!    fragments; fragments that are not similar as a whole (unless their seeds
//!    form a chain in the same order on both sides) are re-clustered with a
//!    smaller gap; reworded fragments grow by moderately similar neighbouring
//!    sentences; a second, wide-gap pass recognises summaries.
//! 4. [`filter`]: each side is cut to the first and last shared word (a reworded
//!    fragment's ends snap back to sentence edges when little was cut), overlaps in
//!    the first document are resolved, short passages are dropped, and passages
//!    close together in the first document but spread out in the second (the parts
//!    of a summary, a copy with sentences dropped) merge into one.
//!
//! The approach follows Sanchez-Perez, Sidorov and Gelbukh (PAN 2014: sentence
//! tf-idf seeding, clustering extension with gaps, validation, summary handling),
//! with exact n-gram seeds and word-level boundaries added for verbatim precision.
//!
//! ```
//! use reprint::align::{align, AlignConfig, PreparedDoc};
//! use reprint::text::NormalizeConfig;
//!
//! let norm = NormalizeConfig::default();
//! let a = PreparedDoc::new("Markets were calm. The government said fuel price caps will be restored for six months in all regions. Rain fell.", &norm);
//! let b = PreparedDoc::new("In other news, the government said on Thursday that fuel price caps would be restored for six months in all regions.", &norm);
//! let found = align(&a, &b, &AlignConfig::default());
//! assert_eq!(found.len(), 1);
//! assert!(a.text()[found[0].a.start..found[0].a.end].starts_with("The government said"));
//! ```

mod extend;
mod filter;
mod prepare;
mod range;
mod seeds;
mod verbatim;

pub use prepare::{PreparedDoc, MAX_STEM_BYTES};

use crate::document::Span;

/// Tunables of [`align`]. The default is meant for news and for the PAN
/// plagiarism corpora alike.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlignConfig {
    /// Passages with fewer words than this on either side are dropped (boilerplate
    /// such as "Presentational grey line" is shorter).
    pub min_words: usize,
    /// Minimum tf-idf cosine for two sentences to be a seed.
    pub min_sentence_cosine: f64,
    /// Minimum Dice coefficient of content stems for two sentences to be a seed.
    pub min_sentence_dice: f64,
    /// A seed needs at least this share of the best tf-idf cosine among the seeds
    /// of its sentence (on each side); weaker look-alikes elsewhere are dropped (0
    /// keeps every seed).
    pub seed_best_share: f64,
    /// A sentence whose seeds lie far apart in the other document (a repeated
    /// sentence) keeps only the seeds nearest to those of its neighbours.
    pub pick_repeated_seeds: bool,
    /// Length of the exact word n-grams that also seed (0 turns them off).
    pub seed_ngram_words: usize,
    /// Sentences allowed between two seeds of one passage (on each side).
    pub max_gap_sentences: u32,
    /// Minimum tf-idf cosine between the two sides of a fragment; weaker fragments
    /// are split with a smaller gap or dropped.
    pub min_passage_cosine: f64,
    /// A fragment whose seeds form a chain of at least this many (each seed after the
    /// previous one in both documents) is kept down to `chain_min_cosine` (0 turns
    /// it off): the order of the matched sentences is evidence that the bag-of-words
    /// cosine misses when rewording adds and drops words.
    pub chain_min_seeds: usize,
    /// Minimum tf-idf cosine of a chained fragment.
    pub chain_min_cosine: f64,
    /// Gap of the summary pass (0 or not above `max_gap_sentences` turns it off).
    pub summary_gap_sentences: u32,
    /// A wide-gap fragment counts as a summary when its shorter side has at most
    /// this share of the words of its longer side.
    pub summary_length_ratio: f64,
    /// Word-for-word runs of at least this many words are verbatim runs.
    pub verbatim_min_words: usize,
    /// When verbatim runs cover at least this share of a fragment's words (on its
    /// first document; summaries excepted), the runs replace the fragment (exact boundaries).
    pub verbatim_share: f64,
    /// Minimum tf-idf cosine between the two sides of a summary fragment (a
    /// summary shares fewer words with its source than a copy does).
    pub summary_min_cosine: f64,
    /// Minimum cosine of a summary fragment that covers no ordinary fragment
    /// (nothing else in the pair backs it up).
    pub summary_unbacked_min_cosine: f64,
    /// A summary never replaces an ordinary fragment at least this similar (a
    /// passage that stands on its own is no piece of a summary).
    pub summary_max_part_cosine: f64,
    /// A summary fragment needs seeds in at least this share of the sentences of
    /// its short side (a summary restates nearly every one of its sentences).
    pub summary_min_seeded: f64,
    /// A summary fragment may have at most this many seeded sentences on its long side per seeded
    /// sentence of its short side (0 turns it off; a summary sentence restates a
    /// few source sentences, not a whole repetitive page).
    pub summary_max_fanout: f64,
    /// A summary's long side grows by nearby sentences (within `max_gap_sentences`)
    /// whose cosine and Dice with some sentence of the short side reach this (0
    /// turns it off).
    pub summary_edge_similarity: f64,
    /// Passages whose shorter side has fewer words than this must be near-verbatim
    /// (see `short_passage_similarity`): short reworded matches are mostly chance.
    pub short_passage_words: usize,
    /// Minimum similarity of a passage shorter than `short_passage_words`.
    pub short_passage_similarity: f64,
    /// Fragments at least this similar (tf-idf cosine) count as copies: their
    /// boundaries are exact and they do not grow (`snap_*`, `edge_min_similarity`
    /// apply to reworded fragments only).
    pub reworded_max_cosine: f64,
    /// A tightened boundary moves back out to its sentence's edge when the words
    /// it cut off number at most this many (0 turns it off) ...
    pub snap_max_words: usize,
    /// ... and at least this share of their content words occur on the other side.
    pub snap_min_shared: f64,
    /// A fragment grows by a neighbouring sentence whose tf-idf cosine and Dice
    /// with a sentence at the other side's fragment (or just beside it) both reach
    /// this (0 turns it off; a reworded first or last sentence).
    pub edge_min_similarity: f64,
    /// Passages that follow each other within this many words in the first document
    /// merge into one when, together, their sides in the second document spread over
    /// a much longer stretch (see `part_merge_ratio`): the parts of a summary, or of
    /// a copy with sentences dropped (0 turns it off).
    pub part_merge_gap_words: usize,
    /// Parts merge when their joint span in the first document has at most this share
    /// of the words of their joint span in the second.
    pub part_merge_ratio: f64,
}

impl Default for AlignConfig {
    fn default() -> Self {
        AlignConfig {
            min_words: 8,
            min_sentence_cosine: 0.33,
            min_sentence_dice: 0.33,
            seed_best_share: 0.65,
            pick_repeated_seeds: true,
            seed_ngram_words: 4,
            max_gap_sentences: 3,
            min_passage_cosine: 0.38,
            chain_min_seeds: 3,
            chain_min_cosine: 0.3,
            summary_gap_sentences: 24,
            summary_length_ratio: 0.3,
            summary_min_cosine: 0.34,
            verbatim_min_words: 25,
            verbatim_share: 0.5,
            summary_unbacked_min_cosine: 0.3,
            summary_max_part_cosine: 0.8,
            summary_min_seeded: 0.5,
            summary_max_fanout: 2.0,
            summary_edge_similarity: 0.1,
            short_passage_words: 20,
            short_passage_similarity: 0.9,
            reworded_max_cosine: 0.9,
            snap_max_words: 20,
            snap_min_shared: 0.3,
            edge_min_similarity: 0.24,
            part_merge_gap_words: 30,
            part_merge_ratio: 0.7,
        }
    }
}

/// One passage shared by two documents.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct AlignedPassage {
    /// Byte span in the first document, from its first to its last aligned word
    /// (with the full stop, question or exclamation mark right after it).
    pub a: Span,
    /// Byte span in the second document.
    pub b: Span,
    /// Dice coefficient of the distinct content-word stems of the two spans, in
    /// [0, 1]: 1 for verbatim copy, around 0.5 for heavy rewording.
    pub similarity: f64,
}

/// The passages `a` and `b` share, sorted by start in `a`. Spans in `a` do not
/// overlap; spans in `b` may (one source passage quoted twice). Deterministic.
pub fn align(a: &PreparedDoc, b: &PreparedDoc, cfg: &AlignConfig) -> Vec<AlignedPassage> {
    if a.sentences().is_empty() || b.sentences().is_empty() {
        return Vec::new();
    }
    let terms = seeds::PairTerms::new(a, b);
    let mut found = Vec::new();
    seeds::sentence_seeds(a, b, &terms, cfg, &mut found);
    let grams = seeds::gram_matches(a, b, cfg);
    if !grams.is_empty() {
        let sa = seeds::sentence_of_tokens(a);
        let sb = seeds::sentence_of_tokens(b);
        found.extend(grams.iter().map(|&(x, y)| seeds::Seed {
            a: sa[x as usize],
            b: sb[y as usize],
        }));
    }
    found.sort_unstable();
    found.dedup();
    let found = seeds::prune_weaker(found, a, b, &terms, cfg.seed_best_share);
    let found = if cfg.pick_repeated_seeds {
        seeds::pick_repeated(found, cfg.max_gap_sentences)
    } else {
        found
    };
    if found.is_empty() {
        return Vec::new();
    }
    let fragments = extend::fragments(found, a, b, &terms, cfg);
    let runs = verbatim::runs(&grams, cfg.seed_ngram_words, cfg.verbatim_min_words);
    filter::passages(a, b, &fragments, &runs, cfg)
}
