//! The base pool: real articles cut into paragraphs, with a vocabulary for word edits.
//!
//! A base corpus such as a news archive already holds near-duplicates of its own
//! (corrections, repeated notices, the same wire story filed twice). Left in, they
//! would become duplicates that the truth does not list and every tool would be
//! charged with false positives for finding them. The pool therefore drops every
//! article whose word-shingle set has exact Jaccard similarity at or above
//! [`PoolConfig::natural_threshold`] with an earlier article, and drops repeated
//! paragraphs from the material that originals are spliced from.

use crate::synth::join::{shingle_set_u64, similar_pairs};
use reprint::document::Document;
use reprint::text::tokenize::Token;
use reprint::text::{tokenize, NormalizeConfig};
use std::collections::HashSet;
use xxhash_rust::xxh3::xxh3_64;

/// How base articles are admitted into the pool.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolConfig {
    /// Articles with fewer words are left out (tables of figures, one-line notices).
    pub min_article_words: usize,
    /// Paragraphs with fewer words are not used for splicing.
    pub min_paragraph_words: usize,
    /// Shingle size used to find natural near-duplicates.
    pub shingle_words: usize,
    /// Articles at or above this exact Jaccard similarity to an earlier one are left out.
    pub natural_threshold: f64,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            min_article_words: 40,
            min_paragraph_words: 12,
            shingle_words: reprint::shingle::DEFAULT_SHINGLE_WORDS,
            natural_threshold: 0.5,
        }
    }
}

/// One article of the pool.
#[derive(Debug, Clone)]
pub struct Article {
    /// The id it had in the base corpus.
    pub id: String,
    /// Its date, when the base corpus had one.
    pub date: Option<String>,
    /// Its paragraphs, white space collapsed, in order.
    pub paragraphs: Vec<String>,
}

/// What was read and what was left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PoolStats {
    /// Documents offered.
    pub base_documents: usize,
    /// Left out for having fewer than `min_article_words` words.
    pub too_short: usize,
    /// Left out as near-duplicates of an earlier article.
    pub natural_duplicates: usize,
    /// Articles kept.
    pub articles: usize,
    /// Distinct paragraphs available for splicing.
    pub splice_paragraphs: usize,
    /// Distinct words available for substitutions and insertions.
    pub vocabulary: usize,
}

/// Articles, splice material and vocabulary that synthetic documents are built from.
#[derive(Debug, Clone)]
pub struct BasePool {
    /// The kept articles, in base-corpus order.
    pub articles: Vec<Article>,
    /// `(article, paragraph)` of every distinct paragraph long enough to splice.
    pub splice: Vec<(u32, u32)>,
    /// Distinct alphabetic words of at least three letters, sorted.
    pub vocabulary: Vec<String>,
    /// Counts of what was kept and left out.
    pub stats: PoolStats,
}

/// Splits an article into paragraphs (blank lines, or a line break followed by an
/// indent as in wire copy) and collapses white space; a closing sign-off line such as
/// `Reuter` is dropped.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, out: &mut Vec<String>| {
        if !current.is_empty() {
            out.push(std::mem::take(current));
        }
    };
    for line in text.lines() {
        let starts_new = line.trim().is_empty() || line.starts_with(char::is_whitespace);
        if starts_new {
            flush(&mut current, &mut out);
        }
        for word in line.split_whitespace() {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
    }
    flush(&mut current, &mut out);
    if out
        .last()
        .is_some_and(|p| p.eq_ignore_ascii_case("reuter") || p.eq_ignore_ascii_case("reuters"))
    {
        out.pop();
    }
    out
}

fn word_count(text: &str) -> usize {
    tokenize(text, &NormalizeConfig::default()).len()
}

impl BasePool {
    /// Builds the pool from base documents (see the module documentation).
    pub fn build(docs: &[Document], config: &PoolConfig) -> BasePool {
        let mut stats = PoolStats {
            base_documents: docs.len(),
            ..PoolStats::default()
        };
        let mut candidates: Vec<Article> = Vec::new();
        for doc in docs {
            if word_count(&doc.text) < config.min_article_words {
                stats.too_short += 1;
                continue;
            }
            let paragraphs = paragraphs(&doc.text);
            if paragraphs.is_empty() {
                stats.too_short += 1;
                continue;
            }
            candidates.push(Article {
                id: doc.id.clone(),
                date: doc.date.as_ref().map(|d| d.text.clone()),
                paragraphs,
            });
        }
        let sets: Vec<Vec<u64>> = candidates
            .iter()
            .map(|a| shingle_set_u64(&a.paragraphs.join("\n\n"), config.shingle_words))
            .collect();
        let mut dropped = vec![false; candidates.len()];
        for pair in similar_pairs(&sets, config.natural_threshold) {
            // Drop the later article of every similar pair: conservative for chains.
            dropped[pair.b as usize] = true;
        }
        stats.natural_duplicates = dropped.iter().filter(|&&d| d).count();
        let articles: Vec<Article> = candidates
            .into_iter()
            .zip(&dropped)
            .filter(|(_, &d)| !d)
            .map(|(a, _)| a)
            .collect();
        stats.articles = articles.len();

        let mut seen_paragraphs = HashSet::new();
        let mut splice = Vec::new();
        let mut vocabulary = HashSet::new();
        for (ai, article) in articles.iter().enumerate() {
            for (pi, paragraph) in article.paragraphs.iter().enumerate() {
                let tokens: Vec<Token> = tokenize(paragraph, &NormalizeConfig::default());
                for t in &tokens {
                    let word = &paragraph[t.start..t.end];
                    if word.len() >= 3 && word.chars().all(char::is_alphabetic) {
                        vocabulary.insert(word.to_lowercase());
                    }
                }
                if tokens.len() < config.min_paragraph_words {
                    continue;
                }
                let key = xxh3_64(paragraph.to_lowercase().as_bytes());
                if seen_paragraphs.insert(key) {
                    splice.push((ai as u32, pi as u32));
                }
            }
        }
        let mut vocabulary: Vec<String> = vocabulary.into_iter().collect();
        vocabulary.sort_unstable();
        stats.splice_paragraphs = splice.len();
        stats.vocabulary = vocabulary.len();
        BasePool {
            articles,
            splice,
            vocabulary,
            stats,
        }
    }

    /// The text of paragraph `paragraph` of article `article`.
    pub fn paragraph(&self, article: u32, paragraph: u32) -> &str {
        &self.articles[article as usize].paragraphs[paragraph as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reprint::document::Origin;

    fn doc(id: &str, text: &str) -> Document {
        Document::new(id, text, Origin { source: 0, line: 1 })
    }

    #[test]
    fn wire_paragraphs() {
        let text = "Showers continued in\nthe zone, said the review.\n    The dry period\nmeans delay.\n\nLast one.\n Reuter";
        assert_eq!(
            paragraphs(text),
            [
                "Showers continued in the zone, said the review.",
                "The dry period means delay.",
                "Last one."
            ]
        );
    }

    #[test]
    fn natural_duplicates_and_short_articles_are_left_out() {
        let long: String = (0..60).map(|i| format!("word{i} ")).collect();
        let near = format!("{long} and one more");
        let other: String = (0..60).map(|i| format!("fox{i} jumps ")).collect();
        let docs = [
            doc("a", &long),
            doc("b", "too short"),
            doc("c", &near),
            doc("d", &other),
        ];
        let pool = BasePool::build(&docs, &PoolConfig::default());
        let ids: Vec<_> = pool.articles.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a", "d"]);
        assert_eq!(pool.stats.too_short, 1);
        assert_eq!(pool.stats.natural_duplicates, 1);
        assert_eq!(pool.splice.len(), 2);
        assert_eq!(pool.vocabulary, ["jumps"]);
    }
}
