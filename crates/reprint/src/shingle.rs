//! Shingles: overlapping word n-grams (or character n-grams) hashed to 64 bits.
//!
//! Word shingles are built from the normalised word keys of [`crate::text`], so two
//! texts that differ only in case, quote style or spacing give the same shingles.
//! Character n-grams serve text written without spaces between words.

use crate::text::normalize::NormalizeConfig;
use crate::text::tokenize::Token;
use unicode_normalization::UnicodeNormalization;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

/// Words per shingle unless chosen otherwise: the one default of the shingle size of
/// every job (dedup's shingles, scan's candidate n-grams, the archive index's lookup
/// shingles, synth's truth). Five words are long enough that shared shingles are
/// rarely chance phrases, short enough that a small edit breaks few of them.
pub const DEFAULT_SHINGLE_WORDS: usize = 5;

/// How a document is cut into shingles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "n", rename_all = "snake_case")]
pub enum ShingleConfig {
    /// Word n-grams of this many words.
    Words(usize),
    /// Character n-grams of this many characters (white space skipped).
    Chars(usize),
}

impl Default for ShingleConfig {
    fn default() -> Self {
        ShingleConfig::Words(DEFAULT_SHINGLE_WORDS)
    }
}

impl ShingleConfig {
    /// The n of the n-grams.
    pub fn n(&self) -> usize {
        match *self {
            ShingleConfig::Words(n) | ShingleConfig::Chars(n) => n,
        }
    }
}

/// Hash of a run of word keys.
#[inline]
pub fn hash_keys(keys: &[u64]) -> u64 {
    let mut buf = [0u8; 8 * 16];
    if keys.len() <= 16 {
        for (chunk, key) in buf.chunks_exact_mut(8).zip(keys) {
            chunk.copy_from_slice(&key.to_le_bytes());
        }
        xxh3_64(&buf[..keys.len() * 8])
    } else {
        let bytes: Vec<u8> = keys.iter().flat_map(|k| k.to_le_bytes()).collect();
        xxh3_64(&bytes)
    }
}

/// Appends the hashes of all word n-grams of `tokens` to `out`. A text with fewer
/// than `n` words (but at least one) gives a single shingle of all its words, so that
/// short texts can still be compared.
pub fn word_shingles(tokens: &[Token], n: usize, out: &mut Vec<u64>) {
    let keys: Vec<u64> = tokens.iter().map(|t| t.key).collect();
    key_shingles(&keys, n, out);
}

/// [`word_shingles`] over bare word keys (see [`crate::text::word_keys`]).
pub fn key_shingles(keys: &[u64], n: usize, out: &mut Vec<u64>) {
    let n = n.max(1);
    if keys.is_empty() {
        return;
    }
    if keys.len() < n {
        out.push(hash_keys(keys));
        return;
    }
    out.extend(keys.windows(n).map(hash_keys));
}

/// Appends the hashes of all character n-grams of `text` to `out`, over the
/// normalised characters with white space removed.
pub fn char_shingles(text: &str, n: usize, config: &NormalizeConfig, out: &mut Vec<u64>) {
    let n = n.max(1);
    let mut chars: Vec<u32> = Vec::with_capacity(text.len());
    let mut scratch = String::new();
    let mut one = [0u8; 4];
    for c in text.chars() {
        if c.is_whitespace() {
            continue;
        }
        if c.is_ascii() {
            chars.push(c.to_ascii_lowercase() as u32);
        } else {
            crate::text::normalize::normalize_into(c.encode_utf8(&mut one), config, &mut scratch);
            chars.extend(scratch.nfc().map(|c| c as u32));
        }
    }
    if chars.is_empty() {
        return;
    }
    let hash = |w: &[u32]| {
        let bytes: Vec<u8> = w.iter().flat_map(|c| c.to_le_bytes()).collect();
        xxh3_64_with_seed(&bytes, 0x6368_6172)
    };
    if chars.len() < n {
        out.push(hash(&chars));
        return;
    }
    out.extend(chars.windows(n).map(hash));
}

/// The exact shingle set used for verification: 32-bit fingerprints, sorted and
/// without repeats. 32 bits keep the set small; two distinct shingles of one pair of
/// news articles share a fingerprint with probability about 10⁻⁵, which moves a
/// Jaccard score by at most one shingle's worth.
pub fn shingle_set(hashes: &[u64]) -> Vec<u32> {
    let mut set: Vec<u32> = hashes.iter().map(|h| (h >> 32) as u32).collect();
    set.sort_unstable();
    set.dedup();
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn shingles(text: &str, n: usize) -> Vec<u64> {
        let mut out = Vec::new();
        word_shingles(&tokenize(text, &NormalizeConfig::default()), n, &mut out);
        out
    }

    #[test]
    fn counts() {
        assert_eq!(shingles("a b c d e f g", 5).len(), 3);
        assert_eq!(shingles("a b", 5).len(), 1);
        assert!(shingles("", 5).is_empty());
    }

    #[test]
    fn insensitive_to_case_and_punctuation() {
        assert_eq!(
            shingles("The Fuel price, it’s doubled!", 3),
            shingles("the fuel price it's DOUBLED", 3)
        );
    }

    #[test]
    fn order_matters() {
        assert_ne!(shingles("a b c", 3), shingles("c b a", 3));
    }

    #[test]
    fn char_ngrams_ignore_spaces() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        char_shingles("東京 都庁", 2, &NormalizeConfig::default(), &mut a);
        char_shingles("東京都庁", 2, &NormalizeConfig::default(), &mut b);
        assert_eq!(a, b);
        assert_eq!(a.len(), 3);
    }

    #[test]
    fn sets_are_sorted_unique() {
        let set = shingle_set(&shingles("a b a b a b a b", 2));
        assert_eq!(set.len(), 2);
        assert!(set.windows(2).all(|w| w[0] < w[1]));
    }
}
