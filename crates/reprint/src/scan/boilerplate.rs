//! Layout boilerplate: short lines that repeat inside one document ("Presentational
//! grey line", a photo caption printed three times) or across many documents of a
//! collection ("Reuter", "Sign up for our newsletter"). Such lines are not reuse
//! between articles: they are listed separately and kept out of passage clusters.

use crate::document::Span;
use crate::text::{tokenize, NormalizeConfig};
use std::borrow::Cow;
use std::collections::HashMap;
use xxhash_rust::xxh3::xxh3_64;

/// A line of a document: its span (trimmed) and the key of its normalised words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// Trimmed byte span of the line.
    pub span: Span,
    /// Hash of the line's normalised words (equal for lines that differ only in
    /// case, punctuation or spacing).
    pub key: u64,
    /// Words on the line.
    pub words: usize,
}

/// The non-blank lines of `text` with their keys.
pub fn lines(text: &str, normalize: &NormalizeConfig) -> Vec<Line> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        let lead = raw.len() - raw.trim_start().len();
        let span = Span::new(start + lead, start + lead + trimmed.len());
        let tokens = tokenize(trimmed, normalize);
        if tokens.is_empty() {
            continue;
        }
        let keys: Vec<u8> = tokens.iter().flat_map(|t| t.key.to_le_bytes()).collect();
        out.push(Line {
            span,
            key: xxh3_64(&keys),
            words: tokens.len(),
        });
    }
    out
}

/// `text` with every masked span blanked out with spaces: byte offsets stay valid,
/// and alignment can neither match nor start or end a passage inside boilerplate.
/// Borrowed unchanged when there is nothing to mask.
pub fn blank_masks<'t>(text: &'t str, masks: &[Span]) -> Cow<'t, str> {
    if masks.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for m in masks {
        bytes[m.start..m.end].fill(b' ');
    }
    // Masks lie on character boundaries, so replacing whole characters by spaces
    // keeps the text valid UTF-8; fall back to the original if that ever fails.
    match String::from_utf8(bytes) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(text),
    }
}

/// [`blank_masks`] on a text the caller owns: blanked in place, without a copy.
pub fn blank_masks_owned(text: String, masks: &[Span]) -> String {
    match blank_masks(&text, masks) {
        Cow::Borrowed(_) => text,
        Cow::Owned(blanked) => blanked,
    }
}

/// Spans of the short lines (at most `max_line_words` words) that occur more than
/// once in `text`: layout artefacts and repeated captions, sorted by position.
pub fn repeated_line_spans(
    text: &str,
    normalize: &NormalizeConfig,
    max_line_words: usize,
) -> Vec<Span> {
    let all = lines(text, normalize);
    let mut count: HashMap<u64, usize> = HashMap::new();
    for l in all.iter().filter(|l| l.words <= max_line_words) {
        *count.entry(l.key).or_default() += 1;
    }
    all.iter()
        .filter(|l| l.words <= max_line_words && count[&l.key] > 1)
        .map(|l| l.span)
        .collect()
}

/// Why a span is boilerplate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BoilerplateKind {
    /// A short line printed more than once in the same document.
    RepeatedLine,
    /// A short line found in many documents of the collection.
    CommonLine,
    /// A longer passage repeated inside one document and found in no other.
    RepeatedInDocument,
}

/// Settings of line-level boilerplate detection.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BoilerplateConfig {
    /// Lines with more words than this are never boilerplate lines.
    pub max_line_words: usize,
    /// A short line found in at least this many documents is boilerplate.
    pub min_documents: usize,
}

impl Default for BoilerplateConfig {
    fn default() -> Self {
        BoilerplateConfig {
            max_line_words: 20,
            min_documents: 20,
        }
    }
}

/// A group of boilerplate lines sharing one key, with every place they occur.
#[derive(Debug, Clone, PartialEq)]
pub struct BoilerplateLine {
    /// Why these lines are boilerplate.
    pub kind: BoilerplateKind,
    /// `(document index, span)` of every occurrence, in document order.
    pub places: Vec<(u32, Span)>,
}

/// Finds boilerplate lines across a collection, given every document's lines.
pub fn find_boilerplate_lines(
    docs: &[Vec<Line>],
    config: &BoilerplateConfig,
) -> Vec<BoilerplateLine> {
    // key -> occurrences
    let mut by_key: HashMap<u64, Vec<(u32, Span)>> = HashMap::new();
    for (d, lines) in docs.iter().enumerate() {
        for line in lines.iter().filter(|l| l.words <= config.max_line_words) {
            by_key
                .entry(line.key)
                .or_default()
                .push((d as u32, line.span));
        }
    }
    let mut out: Vec<BoilerplateLine> = by_key
        .into_values()
        .filter_map(|places| classify_line(places, config))
        .collect();
    out.sort_by_key(|b| b.places[0]);
    out
}

/// What the short lines sharing one key are, given every place they occur (in
/// document order, then position): boilerplate of some kind, or `None`. The one
/// rule of [`find_boilerplate_lines`] and of the staged scan's boilerplate stage.
pub fn classify_line(
    places: Vec<(u32, Span)>,
    config: &BoilerplateConfig,
) -> Option<BoilerplateLine> {
    let mut docs_with: Vec<u32> = places.iter().map(|p| p.0).collect();
    docs_with.dedup();
    let repeated_in_one = docs_with.len() < places.len();
    let kind = if docs_with.len() >= config.min_documents.max(2) {
        BoilerplateKind::CommonLine
    } else if repeated_in_one {
        BoilerplateKind::RepeatedLine
    } else {
        return None;
    };
    Some(BoilerplateLine { kind, places })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_and_keyed() {
        let text = "  Hello, World \n\n— \nhello world";
        let ls = lines(text, &NormalizeConfig::default());
        assert_eq!(ls.len(), 2);
        assert_eq!(&text[ls[0].span.start..ls[0].span.end], "Hello, World");
        assert_eq!(ls[0].key, ls[1].key);
    }

    #[test]
    fn blanking_keeps_offsets() {
        let text = "Grey – line\nStory text";
        let blanked = blank_masks(text, &[Span::new(0, 13)]);
        assert_eq!(blanked.len(), text.len());
        assert_eq!(&blanked[14..], "Story text");
        assert!(blanked[..14].trim().is_empty());
    }

    #[test]
    fn repeated_lines_of_one_text() {
        let text = "Grey line\nA story.\nGrey line\nEnd.";
        let spans = repeated_line_spans(text, &NormalizeConfig::default(), 20);
        assert_eq!(spans, vec![Span::new(0, 9), Span::new(19, 28)]);
    }

    #[test]
    fn repeated_and_common_lines() {
        let norm = NormalizeConfig::default();
        let docs: Vec<Vec<Line>> = vec![
            lines("Grey line\nStory one has its own words.\nGrey line", &norm),
            lines("Reuter\nA different story.", &norm),
            lines("Another story.\nReuter", &norm),
            lines("Reuter", &norm),
        ];
        let found = find_boilerplate_lines(
            &docs,
            &BoilerplateConfig {
                max_line_words: 20,
                min_documents: 3,
            },
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].kind, BoilerplateKind::RepeatedLine);
        assert_eq!(found[0].places.len(), 2);
        assert_eq!(found[1].kind, BoilerplateKind::CommonLine);
        assert_eq!(found[1].places.len(), 3);
    }
}
