//! Word tokens with byte offsets into the original text.

use crate::document::Span;
use crate::text::normalize::{word_key, NormalizeConfig};
use unicode_segmentation::UnicodeSegmentation;

/// One word of a text: where it is (bytes into the original text) and its
/// normalised key. Offsets are never changed by normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// First byte of the word in the original text.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Hash of the normalised word (see [`word_key`]).
    pub key: u64,
}

impl Token {
    /// The token's byte span.
    pub fn span(&self) -> Span {
        Span::new(self.start, self.end)
    }
}

/// Splits `text` into words by the Unicode word-boundary rules (UAX #29), keeping
/// only words that contain a letter or digit, and keys each one.
pub fn tokenize(text: &str, config: &NormalizeConfig) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(text.len() / 6);
    let mut scratch = String::new();
    for (start, word) in text.unicode_word_indices() {
        tokens.push(Token {
            start,
            end: start + word.len(),
            key: word_key(word, config, &mut scratch),
        });
    }
    tokens
}

/// Appends only the keys of the words of `text` to `out`, in order: the same keys as
/// [`tokenize`] without building tokens (document-level stages need no offsets).
pub fn word_keys(text: &str, config: &NormalizeConfig, out: &mut Vec<u64>) {
    let mut scratch = String::new();
    out.extend(
        text.unicode_word_indices()
            .map(|(_, word)| word_key(word, config, &mut scratch)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_point_into_original() {
        let text = "“Once Russians are in your house,” he said — it’s hard.";
        let tokens = tokenize(text, &NormalizeConfig::default());
        let words: Vec<_> = tokens.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(
            words,
            ["Once", "Russians", "are", "in", "your", "house", "he", "said", "it’s", "hard"]
        );
    }

    #[test]
    fn keys_ignore_case_and_quote_style() {
        let a = tokenize("It’s LPG", &NormalizeConfig::default());
        let b = tokenize("it's lpg", &NormalizeConfig::default());
        assert_eq!(
            a.iter().map(|t| t.key).collect::<Vec<_>>(),
            b.iter().map(|t| t.key).collect::<Vec<_>>()
        );
    }

    #[test]
    fn word_keys_match_tokens() {
        let text = "Fuel riots have rocked the government — it’s 3.5% of GDP.";
        let mut keys = Vec::new();
        word_keys(text, &NormalizeConfig::default(), &mut keys);
        let tokens: Vec<u64> = tokenize(text, &NormalizeConfig::default())
            .iter()
            .map(|t| t.key)
            .collect();
        assert_eq!(keys, tokens);
    }

    #[test]
    fn empty_text_has_no_tokens() {
        assert!(tokenize("", &NormalizeConfig::default()).is_empty());
        assert!(tokenize(" \n— ,", &NormalizeConfig::default()).is_empty());
    }
}
