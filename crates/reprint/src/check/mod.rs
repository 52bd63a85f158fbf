//! Checking an article against the archive: which archived documents it copies
//! passages from, how much, and exactly where.
//!
//! For one article:
//! 1. **Candidates.** Its word shingles (the index's parameters) are looked up in the
//!    index; archived documents sharing at least [`CheckConfig::min_shared_shingles`]
//!    distinct shingles are candidates, the [`CheckConfig::max_candidates`] sharing
//!    most are kept. Shingles found in more than the index's document-frequency cap
//!    are not used: they are stock phrases or boilerplate. A short article (at most
//!    [`CheckConfig::short_article_words`] words, a news brief) that rewords its
//!    source keeps too few 5-word shingles of it, so its stem pairs
//!    ([`crate::index::stem_pair_keys`]) are looked up too, when the index posts
//!    them: documents sharing at least [`CheckConfig::min_shared_stem_pairs`]
//!    distinct ones are candidates after those found by shingles, ranked by the
//!    summed rarity (inverse document frequency) of the pairs they share. Alignment
//!    decides, so a chance candidate costs time, never a false passage.
//! 2. **Alignment.** Each candidate is aligned with the article by
//!    [`crate::align::align`], the same rewording-tolerant alignment `scan` uses,
//!    with the candidate as first document (see [`Checker::match_source`]).
//! 3. **Boilerplate.** Short lines repeated inside a document (layout separators,
//!    captions printed twice) are blanked before alignment. A passage whose article
//!    words lie mostly under over-cap shingles (a sign-off, a copyright line, a
//!    standard box repeated in hundreds of archived documents) is dropped.
//! 4. **Coverage.** The reused fraction is measured on words: the share of the
//!    article's word tokens that lie inside at least one kept passage. Words rather
//!    than bytes, so that white space, markup and punctuation do not count.
//! 5. **Widely copied text.** Words under over-cap shingles find no source (the
//!    index does not post them), so text copied verbatim into more archived
//!    documents than the cap would look original; it is counted apart as
//!    [`ArticleCheck::widely_copied_words`].
//! 6. **Self.** An article already archived (same id, or another id with exactly its
//!    text) is not its own source: such documents are left out before step 2 and
//!    listed in [`ArticleCheck::excluded_self`], unless [`CheckConfig::include_self`].
//!
//! Sources are ordered by the number of article words their passages cover (most
//! first), then by id; passages by their position in the article.

mod run;

pub use run::{check_article, check_sources, CheckRun, CheckedArticle};

use crate::align::{align, AlignConfig, PreparedDoc};
use crate::document::Span;
use crate::error::{Error, Result};
use crate::index::{shingle_text, stem_pair_keys, DocRef, Index, Lookup};
use crate::scan::boilerplate::{blank_masks, repeated_line_spans, BoilerplateConfig};
use crate::text::Token;
use std::borrow::Cow;
use xxhash_rust::xxh3::xxh3_64;

/// How an article is checked.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// Passage alignment parameters.
    pub align: AlignConfig,
    /// At most this many candidate documents are aligned per article.
    pub max_candidates: usize,
    /// A document is a candidate when it shares at least this many distinct shingles.
    pub min_shared_shingles: usize,
    /// A passage is boilerplate, and dropped, when more than this share of its
    /// article words lie under shingles over the document-frequency cap.
    pub max_boilerplate_share: f64,
    /// Short lines (at most this many words) printed more than once inside one
    /// document, such as layout separators and repeated captions, are blanked in
    /// both texts before alignment, so passages neither match them nor start or end
    /// on them; 0 turns this off.
    pub max_layout_line_words: usize,
    /// Keep archived documents that are the article itself (same id or identical
    /// text) as sources. Off by default: an article already archived would otherwise
    /// be reported as its own 100% source.
    pub include_self: bool,
    /// Articles of at most this many words also find candidates through their stem
    /// pairs (when the index posts them); 0 turns this off. Longer articles keep
    /// enough shingles of a reworded source, and skip the extra lookups.
    pub short_article_words: usize,
    /// A short article's stem-pair candidate shares at least this many distinct
    /// stem pairs with it.
    pub min_shared_stem_pairs: usize,
    /// At most this many candidates found through stem pairs only are aligned per
    /// short article (within [`CheckConfig::max_candidates`]): the rarest-sharing
    /// ones. Most of them are chance candidates that alignment rejects, and each
    /// costs an alignment.
    pub max_stem_pair_candidates: usize,
    /// Of those, only candidates whose summed stem-pair rarity is at least this
    /// share of the best one's are kept (0..=1; 0 keeps all): a reworded source
    /// usually shares far more rare pairs than chance candidates do, and copies of
    /// one story score alike. Off by default: on news briefs cut from the PAN 2013
    /// corpus, 0.5 took a quarter of the CPU time but lost the source of 27 of 1,505
    /// reused briefs (`benches/check/pan_briefs.py`).
    pub min_stem_pair_score_share: f64,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            align: AlignConfig::default(),
            max_candidates: 50,
            min_shared_shingles: 2,
            max_boilerplate_share: 0.5,
            max_layout_line_words: BoilerplateConfig::default().max_line_words,
            include_self: false,
            short_article_words: 400,
            min_shared_stem_pairs: 3,
            max_stem_pair_candidates: 5,
            min_stem_pair_score_share: 0.0,
        }
    }
}

impl CheckConfig {
    /// Checks the values make sense.
    pub fn validate(&self) -> Result<()> {
        if self.max_candidates == 0 {
            return Err(Error::Config("max candidates must be at least 1".into()));
        }
        if self.min_shared_shingles == 0 {
            return Err(Error::Config(
                "min shared shingles must be at least 1".into(),
            ));
        }
        if self.min_shared_stem_pairs == 0 {
            return Err(Error::Config(
                "min shared stem pairs must be at least 1".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.min_stem_pair_score_share) {
            return Err(Error::Config(
                "min stem pair score share must be within 0..=1".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.max_boilerplate_share) {
            return Err(Error::Config(
                "max boilerplate share must be within 0..=1".into(),
            ));
        }
        Ok(())
    }
}

/// One passage of the article found in a source. Offsets are bytes into the
/// original texts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PassageMatch {
    /// First byte in the article.
    pub article_start: usize,
    /// One past the last byte in the article.
    pub article_end: usize,
    /// First byte in the source.
    pub source_start: usize,
    /// One past the last byte in the source.
    pub source_end: usize,
    /// Similarity of the two sides (from the alignment), 0..=1.
    #[serde(serialize_with = "crate::report::serialize_round6")]
    pub similarity: f64,
    /// The article's side of the passage.
    pub text: String,
    /// The source's side of the passage.
    pub source_text: String,
}

/// An archived document the article reuses.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceMatch {
    /// Its id (`doc` in JSON, as everywhere).
    #[serde(rename = "doc")]
    pub id: String,
    /// Where it is in the index (for fetching its text).
    #[serde(skip)]
    pub doc: DocRef,
    /// Article words covered by its passages.
    pub covered_words: usize,
    /// `covered_words` over the article's words.
    #[serde(serialize_with = "crate::report::serialize_round6")]
    pub share: f64,
    /// The passages, by position in the article.
    pub passages: Vec<PassageMatch>,
}

/// Why an archived document was left out as the article itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SelfReason {
    /// It has the article's id.
    #[serde(rename = "same id")]
    SameId,
    /// It has another id but exactly the article's text (same xxh3-64).
    #[serde(rename = "identical text")]
    IdenticalText,
}

impl std::fmt::Display for SelfReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SelfReason::SameId => "same id",
            SelfReason::IdenticalText => "identical text",
        })
    }
}

/// An archived document left out of the sources because it is the article itself
/// (see [`CheckConfig::include_self`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExcludedSelf {
    /// Its id in the archive (`doc` in JSON).
    #[serde(rename = "doc")]
    pub id: String,
    /// Why it counts as the article.
    pub reason: SelfReason,
}

/// The result of checking one article.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArticleCheck {
    /// The article's id (`doc` in JSON, as everywhere).
    #[serde(rename = "doc")]
    pub article: String,
    /// Word tokens in the article.
    pub words: usize,
    /// Words inside at least one passage.
    pub reused_words: usize,
    /// `reused_words / words` (0 for an empty article).
    #[serde(serialize_with = "crate::report::serialize_round6")]
    pub reused_fraction: f64,
    /// Words under shingles found in more archived documents than the index's
    /// document-frequency cap. Such shingles are not posted, so text copied verbatim
    /// into very many documents finds no source and is not in `reused_words`; this
    /// says how much of the article is such widely copied text (or boilerplate)
    /// rather than original.
    pub widely_copied_words: usize,
    /// `widely_copied_words / words` (0 for an empty article).
    #[serde(serialize_with = "crate::report::serialize_round6")]
    pub widely_copied_fraction: f64,
    /// Candidate documents aligned.
    pub candidates: usize,
    /// Archived documents left out because they are the article itself.
    pub excluded_self: Vec<ExcludedSelf>,
    /// Sources, most covering first.
    pub sources: Vec<SourceMatch>,
}

/// The candidate sources of one article.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidates {
    /// Archived documents with the number of distinct shingles they share with the
    /// article, most sharing first; then, for a short article, those found through
    /// stem pairs only (sharing fewer shingles), rarest shared pairs first.
    pub docs: Vec<(DocRef, u32)>,
    /// The article's word tokens.
    pub tokens: Vec<Token>,
    /// Per token: true where it lies under a shingle over the document-frequency cap.
    pub boilerplate: Vec<bool>,
    /// Documents left out as the article itself.
    pub excluded_self: Vec<ExcludedSelf>,
}

/// Checks articles against one open index.
#[derive(Debug)]
pub struct Checker<'i> {
    index: &'i Index,
    config: CheckConfig,
}

impl<'i> Checker<'i> {
    /// A checker; fails on an invalid configuration.
    pub fn new(index: &'i Index, config: CheckConfig) -> Result<Self> {
        config.validate()?;
        Ok(Checker { index, config })
    }

    /// The index checked against.
    pub fn index(&self) -> &'i Index {
        self.index
    }

    /// The candidate sources of an article and its boilerplate mask; unless
    /// [`CheckConfig::include_self`], archived documents with the id `article_id` or
    /// exactly the article's text are left out (and listed) before the
    /// [`CheckConfig::max_candidates`] sharing most are kept.
    pub fn candidates_for(&self, article_id: &str, text: &str) -> Result<Candidates> {
        self.find_candidates((!self.config.include_self).then_some(article_id), text)
    }

    /// The candidate sources of a text and its boilerplate mask (no document is
    /// left out as the text itself).
    pub fn candidates(&self, text: &str) -> Result<Candidates> {
        self.find_candidates(None, text)
    }

    fn find_candidates(&self, exclude_self: Option<&str>, text: &str) -> Result<Candidates> {
        let params = self.index.params();
        let (tokens, mut hashes) = shingle_text(text, params);
        let n = params.shingle_words as usize;
        let mut common = vec![false; tokens.len()];
        let mut order: Vec<(u64, usize)> =
            hashes.drain(..).enumerate().map(|(i, h)| (h, i)).collect();
        order.sort_unstable();
        // Every (distinct shingle, document) hit; sorted, runs are per-document counts.
        let mut hits: Vec<DocRef> = Vec::new();
        let mut refs = Vec::new();
        let mut i = 0;
        while i < order.len() {
            let key = order[i].0;
            let mut j = i;
            while j < order.len() && order[j].0 == key {
                j += 1;
            }
            refs.clear();
            match self.index.lookup(key, &mut refs)? {
                Lookup::Saturated => {
                    for &(_, window) in &order[i..j] {
                        let end = (window + n).min(tokens.len());
                        common[window..end].iter_mut().for_each(|c| *c = true);
                    }
                }
                Lookup::Found(_) => hits.extend_from_slice(&refs),
                Lookup::Absent => {}
            }
            i = j;
        }
        hits.sort_unstable();
        let mut candidates: Vec<(DocRef, u32)> = Vec::new();
        for run in hits.chunk_by(|x, y| x == y) {
            if run.len() >= self.config.min_shared_shingles {
                candidates.push((run[0], run.len() as u32));
            }
        }
        candidates.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if tokens.len() <= self.config.short_article_words && params.has_stem_pairs() {
            let mut found: Vec<DocRef> = candidates.iter().map(|c| c.0).collect();
            found.sort_unstable();
            let mut added = 0;
            for doc in self.stem_pair_candidates(exclude_self, text, &tokens)? {
                if added == self.config.max_stem_pair_candidates {
                    break;
                }
                if found.binary_search(&doc).is_err() {
                    added += 1;
                    let shared = hits.partition_point(|h| *h < doc);
                    let shared = hits[shared..].partition_point(|h| *h == doc);
                    candidates.push((doc, shared as u32));
                }
            }
        }
        let mut excluded_self = Vec::new();
        if let Some(article_id) = exclude_self {
            let text_hash = xxh3_64(text.as_bytes());
            let mut kept = Vec::with_capacity(candidates.len().min(self.config.max_candidates));
            for (doc, shared) in candidates {
                if kept.len() == self.config.max_candidates {
                    break;
                }
                let (id, hash) = self.index.doc_meta(doc)?;
                let reason = if id == article_id {
                    Some(SelfReason::SameId)
                } else if hash == text_hash {
                    Some(SelfReason::IdenticalText)
                } else {
                    None
                };
                match reason {
                    Some(reason) => excluded_self.push(ExcludedSelf {
                        id: id.to_owned(),
                        reason,
                    }),
                    None => kept.push((doc, shared)),
                }
            }
            candidates = kept;
        }
        candidates.truncate(self.config.max_candidates);
        Ok(Candidates {
            docs: candidates,
            tokens,
            boilerplate: common,
            excluded_self,
        })
    }

    /// Archived documents sharing at least [`CheckConfig::min_shared_stem_pairs`]
    /// distinct stem pairs with `text` (`tokens` are its tokens), most first by the
    /// summed rarity of the shared pairs (`ln(1 + documents / df)` each), then by
    /// position; those scoring under [`CheckConfig::min_stem_pair_score_share`] of
    /// the best are left out (the best other than the article itself, when
    /// `exclude_self` names its id). Pairs over the document-frequency cap are not posted and count
    /// for nothing (unlike shingles, they do not mark text as widely copied: a
    /// common pair of words is no sign of copying).
    fn stem_pair_candidates(
        &self,
        exclude_self: Option<&str>,
        text: &str,
        tokens: &[Token],
    ) -> Result<Vec<DocRef>> {
        let mut keys = stem_pair_keys(text, tokens, self.index.params());
        keys.sort_unstable();
        keys.dedup();
        let docs = self.index.doc_count().max(1) as f64;
        let mut hits: Vec<(DocRef, f64)> = Vec::new();
        let mut refs = Vec::new();
        for key in keys {
            refs.clear();
            if let Lookup::Found(df) = self.index.lookup(key, &mut refs)? {
                let weight = (docs / f64::from(df.max(1))).ln_1p();
                hits.extend(refs.iter().map(|&doc| (doc, weight)));
            }
        }
        // Stable: within a document the weights stay in key order, so their sum is
        // the same on every run.
        hits.sort_by_key(|h| h.0);
        let mut scored: Vec<(DocRef, f64)> = hits
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|run| run.len() >= self.config.min_shared_stem_pairs)
            .map(|run| (run[0].0, run.iter().map(|h| h.1).sum()))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        // The best candidate that is not the article itself (left out later) sets the floor.
        let mut floor = 0.0;
        let text_hash = xxh3_64(text.as_bytes());
        for &(doc, score) in &scored {
            let is_self = match exclude_self {
                Some(article_id) => {
                    let (id, hash) = self.index.doc_meta(doc)?;
                    id == article_id || hash == text_hash
                }
                None => false,
            };
            if !is_self {
                floor = score * self.config.min_stem_pair_score_share;
                break;
            }
        }
        scored.retain(|c| c.1 >= floor);
        Ok(scored.into_iter().map(|(doc, _)| doc).collect())
    }

    /// `text` with its repeated short lines blanked (offsets unchanged), as
    /// alignment sees it (see [`CheckConfig::max_layout_line_words`]).
    pub fn mask_layout<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.config.max_layout_line_words == 0 {
            return Cow::Borrowed(text);
        }
        let spans = repeated_line_spans(
            text,
            &self.index.params().normalize,
            self.config.max_layout_line_words,
        );
        blank_masks(text, &spans)
    }

    /// Looks up an article's candidates and analyses it for alignment: the first
    /// step of [`Checker::check`], done once per article. `masked` is
    /// [`Checker::mask_layout`] of `text`.
    pub fn prepare<'t>(
        &self,
        article_id: &str,
        text: &'t str,
        masked: &'t str,
    ) -> Result<PreparedArticle<'t>> {
        let candidates = self.candidates_for(article_id, text)?;
        let prepared = PreparedDoc::new(masked, &self.index.params().normalize);
        Ok(PreparedArticle {
            id: article_id.to_owned(),
            text,
            candidates,
            prepared,
        })
    }

    /// Aligns the article with one candidate; `None` when no passage survives.
    /// Candidates are independent of each other, so a caller may run them in
    /// parallel.
    pub fn match_source(
        &self,
        article: &PreparedArticle<'_>,
        doc_ref: DocRef,
    ) -> Result<Option<SourceMatch>> {
        let doc = self.index.doc(doc_ref)?;
        let masked = self.mask_layout(doc.text);
        let other = PreparedDoc::new(&masked, &self.index.params().normalize);
        let tokens = &article.candidates.tokens;
        let boilerplate = &article.candidates.boilerplate;
        let text = article.text;
        // The source goes first: alignment resolves overlapping passages on its first
        // document, and an article may well quote one source passage twice or cover
        // two source passages with one paragraph of its own.
        let mut passages: Vec<PassageMatch> = align(&other, &article.prepared, &self.config.align)
            .into_iter()
            .filter(|p| {
                let (words, under) = words_in(tokens, boilerplate, p.b);
                words > 0 && (under as f64) <= self.config.max_boilerplate_share * words as f64
            })
            .map(|p| PassageMatch {
                article_start: p.b.start,
                article_end: p.b.end,
                source_start: p.a.start,
                source_end: p.a.end,
                similarity: p.similarity,
                text: text.get(p.b.start..p.b.end).unwrap_or_default().to_owned(),
                source_text: doc
                    .text
                    .get(p.a.start..p.a.end)
                    .unwrap_or_default()
                    .to_owned(),
            })
            .collect();
        if passages.is_empty() {
            return Ok(None);
        }
        passages.sort_by(|x, y| {
            (x.article_start, x.article_end, x.source_start).cmp(&(
                y.article_start,
                y.article_end,
                y.source_start,
            ))
        });
        let spans: Vec<Span> = passages
            .iter()
            .map(|p| Span::new(p.article_start, p.article_end))
            .collect();
        let covered_words = covered(tokens, &spans);
        Ok(Some(SourceMatch {
            id: doc.id.to_owned(),
            doc: doc_ref,
            covered_words,
            share: ratio(covered_words, tokens.len()),
            passages,
        }))
    }

    /// Orders the sources and measures coverage: the last step of [`Checker::check`].
    pub fn finish(
        &self,
        article: &PreparedArticle<'_>,
        mut sources: Vec<SourceMatch>,
    ) -> ArticleCheck {
        let tokens = &article.candidates.tokens;
        sources.sort_by(|a, b| {
            b.covered_words
                .cmp(&a.covered_words)
                .then_with(|| a.id.cmp(&b.id))
        });
        let all: Vec<Span> = sources
            .iter()
            .flat_map(|s| {
                s.passages
                    .iter()
                    .map(|p| Span::new(p.article_start, p.article_end))
            })
            .collect();
        let reused_words = covered(tokens, &all);
        let widely_copied_words = article
            .candidates
            .boilerplate
            .iter()
            .filter(|&&b| b)
            .count();
        ArticleCheck {
            article: article.id.clone(),
            words: tokens.len(),
            reused_words,
            reused_fraction: ratio(reused_words, tokens.len()),
            widely_copied_words,
            widely_copied_fraction: ratio(widely_copied_words, tokens.len()),
            candidates: article.candidates.docs.len(),
            excluded_self: article.candidates.excluded_self.clone(),
            sources,
        }
    }

    /// Checks one article, candidates one after another.
    pub fn check(&self, article_id: &str, text: &str) -> Result<ArticleCheck> {
        let masked = self.mask_layout(text);
        let article = self.prepare(article_id, text, &masked)?;
        let mut sources = Vec::new();
        for &(doc_ref, _) in &article.candidates.docs {
            if let Some(source) = self.match_source(&article, doc_ref)? {
                sources.push(source);
            }
        }
        Ok(self.finish(&article, sources))
    }
}

/// An article ready to be aligned with its candidates.
#[derive(Debug)]
pub struct PreparedArticle<'t> {
    /// The article's id.
    pub id: String,
    /// Its text.
    pub text: &'t str,
    /// Its candidate sources and boilerplate mask.
    pub candidates: Candidates,
    /// Its analysis for alignment (of the text with layout lines blanked).
    pub prepared: PreparedDoc<'t>,
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// Words of `tokens` inside `span`, and how many of them are marked in `mask`.
fn words_in(tokens: &[Token], mask: &[bool], span: Span) -> (usize, usize) {
    let first = tokens.partition_point(|t| t.start < span.start);
    let mut words = 0;
    let mut marked = 0;
    for (t, &m) in tokens[first..].iter().zip(&mask[first..]) {
        if t.end > span.end {
            break;
        }
        words += 1;
        marked += usize::from(m);
    }
    (words, marked)
}

/// Words of `tokens` inside at least one of `spans`.
fn covered(tokens: &[Token], spans: &[Span]) -> usize {
    let mut spans = spans.to_vec();
    spans.sort_unstable();
    let mut merged: Vec<Span> = Vec::new();
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => merged.push(s),
        }
    }
    merged
        .iter()
        .map(|s| {
            let first = tokens.partition_point(|t| t.start < s.start);
            let end = tokens.partition_point(|t| t.end <= s.end);
            end.saturating_sub(first)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{tokenize, NormalizeConfig};

    #[test]
    fn coverage_counts_each_word_once() {
        let text = "one two three four five six";
        let tokens = tokenize(text, &NormalizeConfig::default());
        assert_eq!(covered(&tokens, &[Span::new(0, 13), Span::new(4, 18)]), 4);
        assert_eq!(covered(&tokens, &[Span::new(19, 28)]), 2);
        assert_eq!(covered(&tokens, &[]), 0);
        let mask = [false, true, true, false, false, false];
        assert_eq!(words_in(&tokens, &mask, Span::new(0, 13)), (3, 2));
    }
}
