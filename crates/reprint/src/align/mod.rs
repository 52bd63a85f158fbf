//! Passage alignment: the passages two documents share, with tight byte spans in
//! both, even when the copy is reworded.
//!
//! The pipeline for one pair (each step in its own private module, named here in
//! code; each reads its group of [`AlignConfig`]):
//!
//! 1. `prepare`: each document is analysed once into a [`PreparedDoc`]: word
//!    tokens with byte offsets, stems of content words, sentences.
//! 2. `seeds` ([`SeedConfig`]): pairs of sentences that look alike (tf-idf cosine
//!    and Dice of content stems, idf over the sentences of both documents), plus
//!    sentence pairs that share an exact word n-gram. A seed much weaker than the
//!    best seed of its sentence is dropped, and a repeated sentence keeps only the
//!    seeds near its neighbours' seeds.
//! 3. `extend` ([`ExtensionConfig`], [`SummaryConfig`]): seeds close together in
//!    both documents are clustered into fragments; fragments that are not similar
//!    as a whole (unless their seeds form a chain in the same order on both sides)
//!    are re-clustered with a smaller gap; reworded fragments grow by moderately
//!    similar neighbouring sentences; a second, wide-gap pass recognises summaries.
//! 4. `verbatim` ([`VerbatimConfig`]): exact n-gram matches on one diagonal chain
//!    into word-for-word runs, which replace the fragments they mostly cover.
//! 5. `filter` ([`BoundaryConfig`], [`PassageConfig`]): each side is cut to the
//!    first and last shared word (a reworded fragment's ends snap back to sentence
//!    edges when little was cut), overlaps in the first document are resolved,
//!    short passages are dropped, and passages close together in the first
//!    document but spread out in the second (the parts of a summary, a copy with
//!    sentences dropped) merge into one.
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

pub(crate) use prepare::{content_stems, is_stopword, STOP};
pub use prepare::{PreparedDoc, MAX_STEM_BYTES};

use crate::document::Span;
use crate::text::NormalizeConfig;
use range::TokenRange;

/// Tunables of [`align`], grouped by the step of the aligner that reads them. The
/// default is meant for news and for the PAN plagiarism corpora alike.
///
/// Deserialised from JSON in this nested shape (`{"seeds": {"min_sentence_cosine":
/// 0.4}}`): a missing field keeps its default, an unknown one (at any level) is an
/// error, so a typo cannot pass silently. The field names of the earlier flat shape
/// are listed, with their place now, in [`FORMER_FIELDS`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlignConfig {
    /// Passages with fewer words than this on either side are dropped (boilerplate
    /// such as "Presentational grey line" is shorter). At the top, not in a group:
    /// it is the floor of what is reported whichever step found a passage, and the
    /// one setting with its own flag (`--min-words`) and its own use outside the
    /// aligner (the repeated-text search of `scan`).
    pub min_words: usize,
    /// Fragments at least this similar (tf-idf cosine) count as copies: their
    /// boundaries are exact and they do not grow (`extension.edge_min_similarity`
    /// and the `boundaries` snapping apply to reworded fragments only). At the top,
    /// not in a group: it sorts fragments for two steps, extension and boundaries,
    /// which must agree on what a copy is.
    pub reworded_max_cosine: f64,
    /// Finding seeds: sentence pairs that look alike, and exact word n-grams.
    pub seeds: SeedConfig,
    /// Clustering seeds into fragments, validating them and growing their edges.
    pub extension: ExtensionConfig,
    /// The wide-gap pass that recognises summaries.
    pub summary: SummaryConfig,
    /// Word-for-word runs that replace the fragments they mostly cover.
    pub verbatim: VerbatimConfig,
    /// Snapping tightened boundaries back to sentence edges.
    pub boundaries: BoundaryConfig,
    /// Filtering short passages and merging the parts of one passage.
    pub passages: PassageConfig,
}

impl Default for AlignConfig {
    fn default() -> Self {
        AlignConfig {
            min_words: 8,
            reworded_max_cosine: 0.9,
            seeds: SeedConfig::default(),
            extension: ExtensionConfig::default(),
            summary: SummaryConfig::default(),
            verbatim: VerbatimConfig::default(),
            boundaries: BoundaryConfig::default(),
            passages: PassageConfig::default(),
        }
    }
}

/// Settings of the seed step (`seeds.rs`): which sentence pairs, and which shared
/// word n-grams, start a passage.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeedConfig {
    /// Minimum tf-idf cosine for two sentences to be a seed (cosine alone would let
    /// one rare shared word through; see `min_sentence_dice`).
    pub min_sentence_cosine: f64,
    /// Minimum Dice coefficient of content stems for two sentences to be a seed
    /// (Dice alone would ignore how telling the shared words are).
    pub min_sentence_dice: f64,
    /// A seed needs at least this share of the best tf-idf cosine among the seeds
    /// of its sentence (on each side); weaker look-alikes elsewhere are dropped, as
    /// they would only stretch a passage over unrelated text (0 keeps every seed).
    pub best_share: f64,
    /// A sentence whose seeds lie far apart in the other document (a repeated
    /// sentence) keeps only the seeds nearest to those of its neighbours (within
    /// `extension.max_gap_sentences`).
    pub pick_repeated: bool,
    /// Length of the exact word n-grams that also seed, catching verbatim copy whose
    /// sentence boundaries differ on the two sides (0 turns them off, and with them
    /// the verbatim runs built from them).
    pub ngram_words: usize,
}

impl Default for SeedConfig {
    fn default() -> Self {
        SeedConfig {
            min_sentence_cosine: 0.33,
            min_sentence_dice: 0.33,
            best_share: 0.65,
            pick_repeated: true,
            ngram_words: 4,
        }
    }
}

/// Settings of the extension step (`extend.rs`): seeds close together in both
/// documents become fragments, which must be similar as a whole.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtensionConfig {
    /// Sentences allowed between two seeds of one passage (on each side).
    pub max_gap_sentences: u32,
    /// Minimum tf-idf cosine between the two sides of a fragment; weaker fragments
    /// are split with a smaller gap (two passages bridged by a stray seed come
    /// apart) or dropped.
    pub min_passage_cosine: f64,
    /// A fragment whose seeds form a chain of at least this many (each seed after the
    /// previous one in both documents) is kept down to `chain_min_cosine` (0 turns
    /// it off): the order of the matched sentences is evidence that the bag-of-words
    /// cosine misses when rewording adds and drops words.
    pub chain_min_seeds: usize,
    /// Minimum tf-idf cosine of a chained fragment.
    pub chain_min_cosine: f64,
    /// A reworded fragment grows by a neighbouring sentence whose tf-idf cosine and
    /// Dice with a sentence at the other side's fragment (or just beside it) both
    /// reach this: a rewritten first or last sentence often misses the seed
    /// thresholds (0 turns it off).
    pub edge_min_similarity: f64,
}

impl Default for ExtensionConfig {
    fn default() -> Self {
        ExtensionConfig {
            max_gap_sentences: 3,
            min_passage_cosine: 0.38,
            chain_min_seeds: 3,
            chain_min_cosine: 0.3,
            edge_min_similarity: 0.24,
        }
    }
}

/// Settings of the summary pass (`extend.rs`): a summary keeps few sentences of a
/// long source, so its seeds lie far apart on the source side; clustering with a
/// wide gap joins them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SummaryConfig {
    /// Gap of the summary pass along the long side (0, or not above
    /// `extension.max_gap_sentences`, turns the pass off).
    pub gap_sentences: u32,
    /// A wide-gap fragment counts as a summary when its shorter side has at most
    /// this share of the words of its longer side.
    pub length_ratio: f64,
    /// Minimum tf-idf cosine between the two sides of a summary fragment (a
    /// summary shares fewer words with its source than a copy does).
    pub min_cosine: f64,
    /// Minimum cosine of a summary fragment that covers no ordinary fragment
    /// (nothing else in the pair backs it up).
    pub unbacked_min_cosine: f64,
    /// A summary never replaces an ordinary fragment at least this similar (a
    /// passage that stands on its own is no piece of a summary).
    pub max_part_cosine: f64,
    /// A summary fragment needs seeds in at least this share of the sentences of
    /// its short side (a summary restates nearly every one of its sentences).
    pub min_seeded: f64,
    /// A summary fragment may have at most this many seeded sentences on its long
    /// side per seeded sentence of its short side (0 turns it off; a summary
    /// sentence restates a few source sentences, not a whole repetitive page).
    pub max_fanout: f64,
    /// A summary's long side grows by nearby sentences (within
    /// `extension.max_gap_sentences`) whose cosine and Dice with some sentence of the
    /// short side reach this: a source passage is summarised as a whole, but not
    /// every one of its sentences leaves a seed (0 turns it off).
    pub edge_similarity: f64,
}

impl Default for SummaryConfig {
    fn default() -> Self {
        SummaryConfig {
            gap_sentences: 24,
            length_ratio: 0.3,
            min_cosine: 0.34,
            unbacked_min_cosine: 0.3,
            max_part_cosine: 0.8,
            min_seeded: 0.5,
            max_fanout: 2.0,
            edge_similarity: 0.1,
        }
    }
}

/// Settings of the verbatim step (`verbatim.rs`): chained exact n-gram matches
/// (`seeds.ngram_words` long) form word-for-word runs, whose boundaries are exact to
/// the word where sentence clustering is coarse.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerbatimConfig {
    /// Word-for-word runs of at least this many words are verbatim runs.
    pub min_words: usize,
    /// When verbatim runs cover at least this share of a fragment's words (on its
    /// first document; a summary needs at least 0.8), the runs replace the fragment.
    pub share: f64,
}

impl Default for VerbatimConfig {
    fn default() -> Self {
        VerbatimConfig {
            min_words: 25,
            share: 0.5,
        }
    }
}

/// Settings of the boundary step (`filter.rs`): each side of a fragment is cut to
/// its first and last shared word; in a reworded fragment an end may move back out
/// to its sentence's edge, since a rewritten first or last sentence shares few
/// words word for word.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BoundaryConfig {
    /// A tightened boundary moves back out to its sentence's edge when the words
    /// it cut off number at most this many (0 turns it off) ...
    pub snap_max_words: usize,
    /// ... and at least this share of their content words occur on the other side.
    pub snap_min_shared: f64,
}

impl Default for BoundaryConfig {
    fn default() -> Self {
        BoundaryConfig {
            snap_max_words: 20,
            snap_min_shared: 0.3,
        }
    }
}

/// Settings of the last step (`filter.rs`) on finished passages: short ones must be
/// near-verbatim, and the parts of one reused stretch merge.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PassageConfig {
    /// Passages whose shorter side has fewer words than this must be near-verbatim
    /// (see `short_passage_similarity`): short reworded matches are mostly chance.
    pub short_passage_words: usize,
    /// Minimum similarity of a passage shorter than `short_passage_words`.
    pub short_passage_similarity: f64,
    /// Passages that follow each other within this many words in the first document
    /// merge into one when, together, their sides in the second document spread over
    /// a much longer stretch (see `part_merge_ratio`): the parts of a summary, or of
    /// a copy with sentences dropped (0 turns it off).
    pub part_merge_gap_words: usize,
    /// Parts merge when their joint span in the first document has at most this share
    /// of the words of their joint span in the second.
    pub part_merge_ratio: f64,
}

impl Default for PassageConfig {
    fn default() -> Self {
        PassageConfig {
            short_passage_words: 20,
            short_passage_similarity: 0.9,
            part_merge_gap_words: 30,
            part_merge_ratio: 0.7,
        }
    }
}

/// The field names of the earlier, flat [`AlignConfig`] that moved into a group,
/// each with its place now (`group.field`), so that a front end reading old
/// settings can say where a setting went instead of only rejecting it.
/// `min_words` and `reworded_max_cosine` did not move.
pub const FORMER_FIELDS: &[(&str, &str)] = &[
    ("min_sentence_cosine", "seeds.min_sentence_cosine"),
    ("min_sentence_dice", "seeds.min_sentence_dice"),
    ("seed_best_share", "seeds.best_share"),
    ("pick_repeated_seeds", "seeds.pick_repeated"),
    ("seed_ngram_words", "seeds.ngram_words"),
    ("max_gap_sentences", "extension.max_gap_sentences"),
    ("min_passage_cosine", "extension.min_passage_cosine"),
    ("chain_min_seeds", "extension.chain_min_seeds"),
    ("chain_min_cosine", "extension.chain_min_cosine"),
    ("edge_min_similarity", "extension.edge_min_similarity"),
    ("summary_gap_sentences", "summary.gap_sentences"),
    ("summary_length_ratio", "summary.length_ratio"),
    ("summary_min_cosine", "summary.min_cosine"),
    ("summary_unbacked_min_cosine", "summary.unbacked_min_cosine"),
    ("summary_max_part_cosine", "summary.max_part_cosine"),
    ("summary_min_seeded", "summary.min_seeded"),
    ("summary_max_fanout", "summary.max_fanout"),
    ("summary_edge_similarity", "summary.edge_similarity"),
    ("verbatim_min_words", "verbatim.min_words"),
    ("verbatim_share", "verbatim.share"),
    ("snap_max_words", "boundaries.snap_max_words"),
    ("snap_min_shared", "boundaries.snap_min_shared"),
    ("short_passage_words", "passages.short_passage_words"),
    (
        "short_passage_similarity",
        "passages.short_passage_similarity",
    ),
    ("part_merge_gap_words", "passages.part_merge_gap_words"),
    ("part_merge_ratio", "passages.part_merge_ratio"),
];

/// The place now (`group.field`) of a field name of the earlier, flat
/// [`AlignConfig`], if it moved (see [`FORMER_FIELDS`]).
pub fn former_field(name: &str) -> Option<&'static str> {
    FORMER_FIELDS
        .iter()
        .find(|(old, _)| *old == name)
        .map(|(_, new)| *new)
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
    seeds::sentence_seeds(a, b, &terms, &cfg.seeds, &mut found);
    let grams = seeds::gram_matches(a, b, &cfg.seeds);
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
    let found = seeds::prune_weaker(found, a, b, &terms, cfg.seeds.best_share);
    let found = if cfg.seeds.pick_repeated {
        seeds::pick_repeated(found, cfg.extension.max_gap_sentences)
    } else {
        found
    };
    if found.is_empty() {
        return Vec::new();
    }
    let fragments = extend::fragments(found, a, b, &terms, cfg);
    let runs = verbatim::runs(&grams, cfg.seeds.ngram_words, &cfg.verbatim);
    filter::passages(a, b, &fragments, &runs, cfg)
}

/// The similarity [`align`] reports for two passages taken whole: the Dice
/// coefficient of the distinct content-word stems of `a` and `b`, in [0, 1]. Scan
/// uses it to compare a copy with a cluster's core when alignment never paired the
/// two directly (each was aligned only with other copies).
pub fn passage_similarity(a: &str, b: &str, norm: &NormalizeConfig) -> f64 {
    let (pa, pb) = (PreparedDoc::new(a, norm), PreparedDoc::new(b, norm));
    let whole = |d: &PreparedDoc| TokenRange::new(0, d.tokens().len());
    filter::dice(&pa, whole(&pa), &pb, whole(&pb))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flat settings and their defaults before they were grouped, written out
    /// once more: the grouped default must hold the very same values.
    const FLAT_DEFAULTS: &[(&str, &str)] = &[
        ("min_words", "8"),
        ("min_sentence_cosine", "0.33"),
        ("min_sentence_dice", "0.33"),
        ("seed_best_share", "0.65"),
        ("pick_repeated_seeds", "true"),
        ("seed_ngram_words", "4"),
        ("max_gap_sentences", "3"),
        ("min_passage_cosine", "0.38"),
        ("chain_min_seeds", "3"),
        ("chain_min_cosine", "0.3"),
        ("summary_gap_sentences", "24"),
        ("summary_length_ratio", "0.3"),
        ("summary_min_cosine", "0.34"),
        ("verbatim_min_words", "25"),
        ("verbatim_share", "0.5"),
        ("summary_unbacked_min_cosine", "0.3"),
        ("summary_max_part_cosine", "0.8"),
        ("summary_min_seeded", "0.5"),
        ("summary_max_fanout", "2.0"),
        ("summary_edge_similarity", "0.1"),
        ("short_passage_words", "20"),
        ("short_passage_similarity", "0.9"),
        ("reworded_max_cosine", "0.9"),
        ("snap_max_words", "20"),
        ("snap_min_shared", "0.3"),
        ("edge_min_similarity", "0.24"),
        ("part_merge_gap_words", "30"),
        ("part_merge_ratio", "0.7"),
    ];

    /// The leaves of a JSON object as `group.field` paths.
    fn leaves(v: &serde_json::Value, prefix: &str, out: &mut Vec<(String, serde_json::Value)>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, x) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    leaves(x, &path, out);
                }
            }
            _ => out.push((prefix.to_string(), v.clone())),
        }
    }

    #[test]
    fn grouped_defaults_equal_the_former_flat_defaults() {
        let grouped = serde_json::to_value(AlignConfig::default()).unwrap();
        let mut now = Vec::new();
        leaves(&grouped, "", &mut now);
        // Every setting is accounted for, once.
        assert_eq!(now.len(), FLAT_DEFAULTS.len());
        for (old, value) in FLAT_DEFAULTS {
            let path = former_field(old).unwrap_or(old);
            let expected: serde_json::Value = serde_json::from_str(value).unwrap();
            let found = now.iter().find(|(p, _)| p == path);
            assert_eq!(found.map(|(_, v)| v), Some(&expected), "{old} -> {path}");
        }
    }

    #[test]
    fn every_former_field_names_an_existing_place() {
        let grouped = serde_json::to_value(AlignConfig::default()).unwrap();
        for (old, new) in FORMER_FIELDS {
            let (group, field) = new.split_once('.').unwrap();
            assert!(grouped[group].get(field).is_some(), "{old} -> {new}");
            // The old name is no field at the top any more.
            assert!(grouped.get(old).is_none(), "{old}");
        }
    }

    #[test]
    fn nested_unknown_fields_are_rejected() {
        let ok: AlignConfig =
            serde_json::from_str(r#"{"seeds": {"min_sentence_cosine": 0.4}}"#).unwrap();
        assert_eq!(ok.seeds.min_sentence_cosine, 0.4);
        assert_eq!(
            AlignConfig {
                seeds: SeedConfig {
                    min_sentence_cosine: 0.33,
                    ..ok.seeds.clone()
                },
                ..ok
            },
            AlignConfig::default()
        );
        let err = serde_json::from_str::<AlignConfig>(r#"{"seeds": {"min_sentence_cosin": 0.4}}"#)
            .unwrap_err();
        assert!(err.to_string().contains("min_sentence_cosin"), "{err}");
        assert!(serde_json::from_str::<AlignConfig>(r#"{"min_passage_cosine": 0.4}"#).is_err());
    }
}
