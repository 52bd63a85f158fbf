//! Normalisation of words into hash keys.
//!
//! Normalisation only ever produces *keys*: the text itself and every offset into it
//! stay untouched. Two words that a reader would call the same word get the same key:
//! Unicode NFKC (full-width and compatibility forms), case folding, and the many
//! typographic variants of quotes, apostrophes and dashes unified. Stripping
//! diacritics (`café` = `cafe`) is optional because in some languages it merges
//! different words.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use xxhash_rust::xxh3::xxh3_64;

/// Options for building word keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NormalizeConfig {
    /// Remove combining marks after canonical decomposition (`é` becomes `e`).
    pub strip_diacritics: bool,
}

/// Maps typographic variants to one plain ASCII form.
fn unify_punctuation(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}'
        | '\u{FF07}' | '`' | '\u{00B4}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        _ => c,
    }
}

/// Writes the normalised form of `word` into `out` (cleared first).
pub fn normalize_into(word: &str, config: &NormalizeConfig, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
        return;
    }
    for c in word.nfkc() {
        let c = unify_punctuation(c);
        for lower in c.to_lowercase() {
            if config.strip_diacritics {
                for d in std::iter::once(lower).nfd() {
                    if !is_combining_mark(d) {
                        out.push(d);
                    }
                }
            } else {
                out.push(lower);
            }
        }
    }
}

/// The normalised form of `word` as a new string.
pub fn normalize(word: &str, config: &NormalizeConfig) -> String {
    let mut out = String::new();
    normalize_into(word, config, &mut out);
    out
}

/// The 64-bit key of a word: xxh3 of its normalised form. `scratch` avoids an
/// allocation per word on the non-ASCII path.
#[inline]
pub fn word_key(word: &str, config: &NormalizeConfig, scratch: &mut String) -> u64 {
    let bytes = word.as_bytes();
    if bytes.len() <= 64 && word.is_ascii() {
        let mut buf = [0u8; 64];
        for (dst, src) in buf.iter_mut().zip(bytes) {
            *dst = src.to_ascii_lowercase();
        }
        return xxh3_64(&buf[..bytes.len()]);
    }
    normalize_into(word, config, scratch);
    xxh3_64(scratch.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(w: &str) -> u64 {
        word_key(w, &NormalizeConfig::default(), &mut String::new())
    }

    #[test]
    fn case_is_folded() {
        assert_eq!(key("Kazakhstan"), key("KAZAKHSTAN"));
        assert_eq!(key("Ölpreis"), key("ölpreis"));
    }

    #[test]
    fn apostrophes_unify() {
        assert_eq!(key("it’s"), key("it's"));
        assert_eq!(key("it‘s"), key("IT'S"));
        assert_eq!(normalize("don’t", &NormalizeConfig::default()), "don't");
    }

    #[test]
    fn dashes_unify() {
        assert_eq!(normalize("a–b—c", &NormalizeConfig::default()), "a-b-c");
    }

    #[test]
    fn nfkc_applies() {
        assert_eq!(key("ｆｕｅｌ"), key("fuel"));
        assert_eq!(key("ﬁre"), key("fire"));
    }

    #[test]
    fn diacritics_optional() {
        let strip = NormalizeConfig {
            strip_diacritics: true,
        };
        assert_ne!(key("café"), key("cafe"));
        assert_eq!(normalize("Café", &strip), "cafe");
        assert_eq!(normalize("Ölpreis", &strip), "olpreis");
    }

    #[test]
    fn long_ascii_words_match_slow_path() {
        let w = "A".repeat(100);
        assert_eq!(key(&w), xxh3_64(w.to_ascii_lowercase().as_bytes()));
        let short = "Short";
        assert_eq!(key(short), xxh3_64(b"short"));
    }
}
