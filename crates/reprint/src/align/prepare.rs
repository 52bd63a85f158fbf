//! Analysing one document for alignment: tokens, content-word stems, sentences.
//!
//! A [`PreparedDoc`] is built once per document and reused for every pair it takes
//! part in, so the costly steps (word and sentence segmentation, stemming) are paid
//! once. Offsets stay byte offsets into the original text.

use crate::text::normalize::normalize_into;
use crate::text::{sentence_spans, tokenize, NormalizeConfig, Token};
use rust_stemmers::{Algorithm, Stemmer};
use xxhash_rust::xxh3::xxh3_64;

/// Marks a token that carries no content (a stop word): it takes part in exact
/// word n-gram matching but not in sentence similarity.
pub(crate) const STOP: u64 = 0;

/// Sentences with fewer content words than this are joined to the next sentence
/// (headings, "Note:", list bullets carry too little evidence on their own).
const MIN_SENTENCE_TERMS: usize = 4;

/// Words longer than this many bytes (after normalisation) are not stemmed: their
/// key is their normalised form. No English word comes near it, and the Snowball
/// stemmer takes time quadratic in a word's length, so one megabyte-long "word" (a
/// base64 blob, a run of letters without spaces) would otherwise take minutes.
pub const MAX_STEM_BYTES: usize = 64;

/// Whether `word` (normalised: lower case) is one of the common English function
/// words left out of the sentence vectors (the template masking reads them too).
pub(crate) fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

/// Common English function words. They match everywhere, so they are left out of
/// the sentence vectors; exact n-gram seeds still see them.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "s",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// One sentence: a range of token indices and its content terms.
#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    /// First token index.
    pub first_token: u32,
    /// One past the last token index.
    pub end_token: u32,
    /// Distinct content-term keys with their counts, sorted by key.
    pub terms: Vec<(u64, u32)>,
}

/// Word n-gram length whose hashes are computed once per document (the default
/// of `SeedConfig::ngram_words`); other lengths are hashed per pair.
pub(crate) const PREPARED_GRAM_WORDS: usize = 4;

/// A document analysed once for alignment.
#[derive(Debug, Clone)]
pub struct PreparedDoc<'a> {
    text: std::borrow::Cow<'a, str>,
    tokens: Vec<Token>,
    /// Per token: the key of its stem, or [`STOP`] for a stop word.
    stems: Vec<u64>,
    sentences: Vec<Sentence>,
    /// Sorted [packed](pack_gram) [`PREPARED_GRAM_WORDS`]-word n-grams.
    grams: Vec<u64>,
    /// Every content term with the number of sentences holding it, sorted by term.
    sentence_df: Vec<(u64, u32)>,
}

impl<'a> PreparedDoc<'a> {
    /// Tokenises `text` (keys built with `norm`), stems content words (English
    /// Snowball stemmer; other languages pass mostly unchanged) and groups tokens
    /// into sentences.
    pub fn new(text: &'a str, norm: &NormalizeConfig) -> Self {
        PreparedDoc::from_cow(std::borrow::Cow::Borrowed(text), norm)
    }

    /// [`PreparedDoc::new`] owning its text (a text read from a store for one stage).
    pub fn owned(text: String, norm: &NormalizeConfig) -> PreparedDoc<'static> {
        PreparedDoc::from_cow(std::borrow::Cow::Owned(text), norm)
    }

    fn from_cow(text: std::borrow::Cow<'a, str>, norm: &NormalizeConfig) -> Self {
        let tokens = tokenize(&text, norm);
        let stems = content_stems(&text, &tokens, norm);
        let sentences = group_sentences(&text, &tokens, &stems);
        let grams = gram_hashes(&tokens, &stems, PREPARED_GRAM_WORDS);
        // Each sentence lists a term once: counting the listings counts sentences.
        let listed: Vec<u64> = sentences
            .iter()
            .flat_map(|s| s.terms.iter().map(|&(t, _)| t))
            .collect();
        let sentence_df = term_counts(&listed);
        PreparedDoc {
            text,
            tokens,
            stems,
            sentences,
            grams,
            sentence_df,
        }
    }

    /// Every word `n`-gram with at least two content words, [packed](pack_gram)
    /// and sorted (computed once for the usual `n`).
    pub(crate) fn grams(&self, n: usize) -> std::borrow::Cow<'_, [u64]> {
        if n == PREPARED_GRAM_WORDS {
            std::borrow::Cow::Borrowed(&self.grams)
        } else {
            std::borrow::Cow::Owned(gram_hashes(&self.tokens, &self.stems, n))
        }
    }

    /// Every content term with the number of sentences holding it, sorted by term.
    pub(crate) fn sentence_df(&self) -> &[(u64, u32)] {
        &self.sentence_df
    }

    /// Bytes this analysis holds on the heap (its text when it owns it, tokens, stems,
    /// sentences, n-grams): what a caller that keeps many of them counts against its
    /// memory budget.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let text = match &self.text {
            std::borrow::Cow::Owned(t) => t.capacity(),
            std::borrow::Cow::Borrowed(_) => 0,
        };
        let sentences: usize = self
            .sentences
            .iter()
            .map(|s| size_of::<Sentence>() + s.terms.capacity() * size_of::<(u64, u32)>())
            .sum();
        text + self.tokens.capacity() * size_of::<Token>()
            + self.stems.capacity() * size_of::<u64>()
            + sentences
            + self.grams.capacity() * size_of::<u64>()
            + self.sentence_df.capacity() * size_of::<(u64, u32)>()
    }

    /// The original text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The word tokens, with byte offsets into [`text`](Self::text).
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// Per token, the stem key or [`STOP`].
    pub(crate) fn stems(&self) -> &[u64] {
        &self.stems
    }

    /// The sentences (each holding at least one token).
    pub(crate) fn sentences(&self) -> &[Sentence] {
        &self.sentences
    }
}

/// Per token of `text` (from [`tokenize`] with `norm`): the key of its stem
/// (English Snowball stemmer over the normalised word), or [`STOP`] for a stop
/// word. The one definition of a content-word stem, shared by alignment and the
/// archive index's stem-pair keys.
pub(crate) fn content_stems(text: &str, tokens: &[Token], norm: &NormalizeConfig) -> Vec<u64> {
    let stemmer = Stemmer::create(Algorithm::English);
    let mut scratch = String::new();
    tokens
        .iter()
        .map(|t| {
            normalize_into(&text[t.start..t.end], norm, &mut scratch);
            if STOPWORDS.binary_search(&scratch.as_str()).is_ok() {
                return STOP;
            }
            let key = stem_key(&stemmer, &scratch);
            if key == STOP {
                1
            } else {
                key
            }
        })
        .collect()
}

/// The key of a normalised content word: the hash of its stem, or of the word
/// itself when it is longer than [`MAX_STEM_BYTES`].
fn stem_key(stemmer: &Stemmer, normalised: &str) -> u64 {
    if normalised.len() > MAX_STEM_BYTES {
        xxh3_64(normalised.as_bytes())
    } else {
        xxh3_64(stemmer.stem(normalised).as_bytes())
    }
}

/// Bits of a packed n-gram that hold its first token's index.
const GRAM_POSITION_BITS: u32 = 24;

/// An n-gram in 8 bytes: the upper 40 bits of its hash, then the index of its first
/// token. Sorting packed n-grams groups equal n-grams (a chance collision of 40-bit
/// hashes within one pair of documents is negligible: it can only add one seed).
pub(crate) fn pack_gram(hash: u64, position: usize) -> u64 {
    (hash & !((1u64 << GRAM_POSITION_BITS) - 1)) | position as u64
}

/// The hash part of a packed n-gram.
pub(crate) fn gram_key(packed: u64) -> u64 {
    packed >> GRAM_POSITION_BITS
}

/// The first token of a packed n-gram.
pub(crate) fn gram_position(packed: u64) -> u32 {
    (packed & ((1u64 << GRAM_POSITION_BITS) - 1)) as u32
}

/// Every word n-gram with at least two content words (stop words count as words,
/// not as content), [packed](pack_gram) and sorted. Only n-grams starting in the
/// first 2^24 tokens (some 100 MB of text) are seeds; sentence seeds cover the rest.
fn gram_hashes(tokens: &[Token], stems: &[u64], n: usize) -> Vec<u64> {
    if n == 0 || tokens.len() < n {
        return Vec::new();
    }
    let tokens = &tokens[..tokens.len().min((1 << GRAM_POSITION_BITS) + n - 1)];
    let mut out = Vec::with_capacity(tokens.len());
    let mut content = stems[..n - 1].iter().filter(|&&s| s != STOP).count();
    for i in 0..=tokens.len() - n {
        content += usize::from(stems[i + n - 1] != STOP);
        if content >= 2.min(n) {
            let mut h: u64 = 0x51_7C_C1_B7_27_22_0A_95;
            for t in &tokens[i..i + n] {
                h = (h.rotate_left(23) ^ t.key).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            }
            out.push(pack_gram(h, i));
        }
        content -= usize::from(stems[i] != STOP);
    }
    out.sort_unstable();
    out
}

/// Maps sentence byte spans to token ranges, joining too-short sentences to the next.
fn group_sentences(text: &str, tokens: &[Token], stems: &[u64]) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut t = 0usize;
    let mut pending_start: Option<usize> = None;
    // Content words from `pending_start` (or the current sentence) to `t`, counted
    // as tokens are passed: recounting a growing run of joined short sentences would
    // be quadratic ("No. No. No. ..." joins into one sentence).
    let mut content = 0usize;
    let spans = sentence_spans(text);
    for (k, span) in spans.iter().enumerate() {
        let first = t;
        while t < tokens.len() && tokens[t].start < span.end {
            content += usize::from(stems[t] != STOP);
            t += 1;
        }
        if t == first {
            continue;
        }
        let start = pending_start.unwrap_or(first);
        if content < MIN_SENTENCE_TERMS && k + 1 < spans.len() {
            pending_start = Some(start);
            continue;
        }
        pending_start = None;
        content = 0;
        out.push(make_sentence(start, t, stems));
    }
    if let Some(start) = pending_start {
        if start < tokens.len() {
            out.push(make_sentence(start, tokens.len(), stems));
        }
    }
    out
}

/// The distinct content terms among `stems` with their counts, sorted by term.
pub(crate) fn term_counts(stems: &[u64]) -> Vec<(u64, u32)> {
    let mut keys: Vec<u64> = stems.iter().copied().filter(|&s| s != STOP).collect();
    keys.sort_unstable();
    let mut terms: Vec<(u64, u32)> = Vec::with_capacity(keys.len());
    for k in keys {
        match terms.last_mut() {
            Some((last, n)) if *last == k => *n += 1,
            _ => terms.push((k, 1)),
        }
    }
    terms
}

fn make_sentence(first: usize, end: usize, stems: &[u64]) -> Sentence {
    Sentence {
        first_token: first as u32,
        end_token: end as u32,
        terms: term_counts(&stems[first..end]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn short_sentences_join_the_next() {
        let text = "Note: The committee approved the new budget for public schools today.";
        let doc = PreparedDoc::new(text, &NormalizeConfig::default());
        assert_eq!(doc.sentences().len(), 1);
        assert_eq!(doc.sentences()[0].first_token, 0);
        assert_eq!(doc.sentences()[0].end_token as usize, doc.tokens().len());
    }

    #[test]
    fn stems_unify_inflections() {
        let doc = PreparedDoc::new("protesters protested", &NormalizeConfig::default());
        assert_eq!(doc.stems()[0], doc.stems()[1]);
        let doc = PreparedDoc::new("the of", &NormalizeConfig::default());
        assert!(doc.stems().iter().all(|&s| s == STOP));
    }

    #[test]
    fn over_long_word_is_keyed_by_itself_not_its_stem() {
        // "ayayay...ing" would lose its suffix to the stemmer; over the cap it is
        // kept whole (and the stemmer is never run on it).
        let word = format!("{}ing", "ay".repeat(MAX_STEM_BYTES));
        let doc = PreparedDoc::new(&word, &NormalizeConfig::default());
        assert_eq!(doc.stems(), [xxh3_64(word.as_bytes())]);
        let upper = word.to_uppercase();
        let doc = PreparedDoc::new(&upper, &NormalizeConfig::default());
        assert_eq!(doc.stems(), [xxh3_64(word.as_bytes())]);
    }

    #[test]
    fn word_at_the_cap_is_still_stemmed() {
        let word = format!("{}ing", "a".repeat(MAX_STEM_BYTES - 3));
        let doc = PreparedDoc::new(&word, &NormalizeConfig::default());
        assert_ne!(doc.stems(), [xxh3_64(word.as_bytes())]);
    }

    #[test]
    fn one_megabyte_word_prepares_quickly_into_one_sentence() {
        let text = "ay".repeat(100_000);
        let doc = PreparedDoc::new(&text, &NormalizeConfig::default());
        assert_eq!(doc.tokens().len(), 1);
        assert_eq!(doc.sentences().len(), 1);
    }

    #[test]
    fn many_short_sentences_join_into_one() {
        // "No" is a stop word: every "No." joins the next, down to the last one.
        let text = "No. ".repeat(20_000);
        let doc = PreparedDoc::new(&text, &NormalizeConfig::default());
        assert_eq!(doc.sentences().len(), 1);
        assert_eq!(doc.sentences()[0].end_token as usize, doc.tokens().len());
        // Joined sentences close as soon as they hold enough content words.
        let text = "Red. Green. Blue. Black. White. Grey. Pink. Gold.";
        let doc = PreparedDoc::new(text, &NormalizeConfig::default());
        let ends: Vec<u32> = doc.sentences().iter().map(|s| s.end_token).collect();
        assert_eq!(ends, [4, 8]);
    }

    #[test]
    fn empty_text_is_fine() {
        let doc = PreparedDoc::new("", &NormalizeConfig::default());
        assert!(doc.tokens().is_empty() && doc.sentences().is_empty());
    }
}
