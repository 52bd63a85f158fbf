//! Sentence spans (Unicode sentence boundaries, UAX #29), trimmed of white space.

use crate::document::Span;
use unicode_segmentation::UnicodeSegmentation;

/// The sentences of `text` as byte spans, in order, without leading or trailing
/// white space; empty sentences are left out.
pub fn sentence_spans(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    for (start, sentence) in text.split_sentence_bound_indices() {
        let trimmed_start = sentence.len() - sentence.trim_start().len();
        let trimmed = sentence.trim();
        if trimmed.is_empty() {
            continue;
        }
        let s = start + trimmed_start;
        spans.push(Span::new(s, s + trimmed.len()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_trims() {
        let text = "First one. Second one!\n\nThird";
        let spans = sentence_spans(text);
        let s: Vec<_> = spans.iter().map(|sp| &text[sp.start..sp.end]).collect();
        assert_eq!(s, ["First one.", "Second one!", "Third"]);
    }
}
