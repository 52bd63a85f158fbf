//! A self-contained HTML report an editor opens in a browser: no network, no
//! external assets, CSS and a few lines of JavaScript inline.
//!
//! Two entry points share one plain data model, documents as `(id, text)` and
//! passages as byte spans into those texts:
//! - [`write_check`]: per article a summary (reused share, one bar per source), then
//!   the article and each source side by side, every matching passage highlighted in
//!   the same colour on both sides, each highlight a link to its counterpart.
//! - [`write_scan`]: a summary and a table of contents (clusters in the most
//!   documents first), then the largest clusters in full (each member with its
//!   context, offsets and its best link similarity), the rest one line each, and the
//!   first documents whole with their clustered passages highlighted. Bounded by
//!   [`ScanHtmlLimits`], so a report of a whole news dump stays a few megabytes.
//!
//! All document text and ids are HTML-escaped: an article containing `<script>`
//! shows the tag as text. Spans are clamped to their text and moved to character
//! boundaries, so a bad span gives a wrong highlight, never a panic.

use super::write_error;
use crate::error::Result;
use crate::scan::attribution::{duration, Attribution};
use std::fmt::Write as _;
use std::io::Write;

/// Highlight colours: light enough to read black text on, distinct side by side.
const PALETTE: [&str; 12] = [
    "#ffd166", "#8ecae6", "#b5e48c", "#f4a3c0", "#cdb4db", "#ffb38a", "#90e0c8", "#e9c46a",
    "#a0c4ff", "#ffadad", "#caffbf", "#d4a373",
];

/// The colour of the `n`-th passage or cluster.
pub fn colour(n: usize) -> &'static str {
    PALETTE[n % PALETTE.len()]
}

/// One passage of an article found in one source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PassageView {
    /// Byte range in the article.
    pub article: (usize, usize),
    /// Byte range in the source.
    pub source: (usize, usize),
    /// Similarity of the two sides, 0..=1.
    pub similarity: f64,
}

/// One source of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceView {
    /// Index of the source in the document list.
    pub doc: usize,
    /// Share of the article covered by this source's passages, 0..=1.
    pub share: f64,
    /// Matching passages, in article order.
    pub passages: Vec<PassageView>,
}

/// One checked article.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleView {
    /// Index of the article in the document list.
    pub doc: usize,
    /// Share of the article found in the archive, 0..=1.
    pub reused_fraction: f64,
    /// Share of the article's words in text found in more archived documents than
    /// `widely_copied_cap` (widely copied, so no source is named), 0..=1.
    pub widely_copied_fraction: f64,
    /// The index's document-frequency cap, for the widely-copied sentence.
    pub widely_copied_cap: u32,
    /// Sources, most covering first.
    pub sources: Vec<SourceView>,
}

/// Writes the report of `reprint check`: `docs` holds articles and sources as
/// `(id, text)`; `articles` refers to them by index.
pub fn write_check(
    out: &mut dyn Write,
    title: &str,
    docs: &[(&str, &str)],
    articles: &[ArticleView],
) -> Result<()> {
    let mut html = String::new();
    head(&mut html, title);
    let _ = write!(
        html,
        "<h1>{}</h1>\n<p class=\"meta\">{} checked.</p>\n",
        escape(title),
        super::prose::count(articles.len() as u64, "article", "articles")
    );
    for (a, article) in articles.iter().enumerate() {
        let Some(&(article_id, article_text)) = docs.get(article.doc) else {
            continue;
        };
        let _ = write!(
            html,
            "<section class=\"article\" id=\"art{a}\">\n<h2>{}</h2>\n\
             <p class=\"summary\"><span class=\"reused\">{}</span> of the article found in \
             {}.</p>\n",
            escape(article_id),
            percent(article.reused_fraction),
            super::prose::count(article.sources.len() as u64, "source", "sources")
        );
        if article.widely_copied_fraction > 0.0 {
            let _ = writeln!(
                html,
                "<p class=\"widely\">{} of its words are in text found in more than {} archived \
                 documents (widely copied).</p>",
                percent(article.widely_copied_fraction),
                article.widely_copied_cap
            );
        }
        if article.sources.is_empty() {
            html.push_str("<p class=\"none\">No reused passages found.</p>\n</section>\n");
            continue;
        }
        html.push_str("<table class=\"sources\">\n<thead><tr><th>Source</th><th>Share of article</th><th>Passages</th></tr></thead>\n<tbody>\n");
        for (s, source) in article.sources.iter().enumerate() {
            let id = docs.get(source.doc).map_or("", |d| d.0);
            let width = (source.share.clamp(0.0, 1.0) * 100.0 * 10.0).round() / 10.0;
            let _ = writeln!(
                html,
                "<tr class=\"source\"><td><a href=\"#art{a}-s{s}\">{}</a></td>\
                 <td><div class=\"bar\"><div style=\"width:{width}%\"></div></div> {}</td>\
                 <td>{}</td></tr>",
                escape(id),
                percent(source.share),
                source.passages.len()
            );
        }
        html.push_str("</tbody>\n</table>\n");
        // Colours run on across sources, so each source's passages look different.
        let mut first_colour = 0;
        for (s, source) in article.sources.iter().enumerate() {
            let base = first_colour;
            first_colour += source.passages.len();
            let (source_id, source_text) = docs.get(source.doc).copied().unwrap_or(("", ""));
            let prefix = format!("art{a}-s{s}");
            let _ = write!(
                html,
                "<section class=\"pair\" id=\"{prefix}\">\n<h3>{} <span class=\"share\">{} of the article</span></h3>\n<div class=\"cols\">\n",
                escape(source_id),
                percent(source.share)
            );
            let article_marks: Vec<Mark> = source
                .passages
                .iter()
                .enumerate()
                .map(|(p, v)| Mark {
                    start: v.article.0,
                    end: v.article.1,
                    colour: colour(base + p),
                    id: format!("{prefix}-p{p}-a"),
                    href: format!("{prefix}-p{p}-s"),
                    title: format!("passage {} · similarity {:.2}", p + 1, v.similarity),
                })
                .collect();
            let source_marks: Vec<Mark> = source
                .passages
                .iter()
                .enumerate()
                .map(|(p, v)| Mark {
                    start: v.source.0,
                    end: v.source.1,
                    colour: colour(base + p),
                    id: format!("{prefix}-p{p}-s"),
                    href: format!("{prefix}-p{p}-a"),
                    title: format!("passage {} · similarity {:.2}", p + 1, v.similarity),
                })
                .collect();
            let _ = write!(
                html,
                "<div class=\"col side-article\"><h4>Article: {}</h4>\n<div class=\"text\">",
                escape(article_id)
            );
            highlight(&mut html, article_text, &article_marks);
            let _ = write!(
                html,
                "</div></div>\n<div class=\"col side-source\"><h4>Source: {}</h4>\n<div class=\"text\">",
                escape(source_id)
            );
            highlight(&mut html, source_text, &source_marks);
            html.push_str("</div></div>\n</div>\n<ol class=\"passages\">\n");
            for (p, v) in source.passages.iter().enumerate() {
                let _ = writeln!(
                    html,
                    "<li><span class=\"swatch\" style=\"background:{}\"></span> \
                     <a href=\"#{prefix}-p{p}-a\">article {}..{}</a> ↔ \
                     <a href=\"#{prefix}-p{p}-s\">source {}..{}</a>, similarity {:.2}</li>",
                    colour(base + p),
                    v.article.0,
                    v.article.1,
                    v.source.0,
                    v.source.1,
                    v.similarity
                );
            }
            html.push_str("</ol>\n</section>\n");
        }
        html.push_str("</section>\n");
    }
    tail(&mut html);
    out.write_all(html.as_bytes())
        .and_then(|_| out.flush())
        .map_err(write_error("the HTML report"))
}

/// Outlets shown in the heat map of the attribution section (those with the most
/// copied bytes in or out; the JSON report has them all).
const HEAT_OUTLETS: usize = 20;

/// The colour of a heat map cell holding `share` (0..=1) of the largest cell: from
/// a pale to a dark blue.
fn heat_colour(share: f64) -> String {
    let s = share.clamp(0.0, 1.0);
    let mix = |light: f64, dark: f64| (light + (dark - light) * s).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(239.0, 8.0),
        mix(243.0, 48.0),
        mix(255.0, 107.0)
    )
}

/// The "who copies whom" section: counts, a heat map of copied bytes from the
/// original's outlet (rows) to the copying outlet (columns), and a histogram of lags.
fn attribution_section(html: &mut String, a: &Attribution) {
    use super::prose::count;
    let _ = writeln!(
        html,
        "<h2 id=\"attribution\">Who copies whom</h2>\n<p class=\"meta\">{} with a dated \
         original (the earliest-dated member), {}; {}.</p>",
        count(a.clusters_with_original, "cluster", "clusters"),
        count(a.outlets.len() as u64, "outlet", "outlets"),
        match (a.lags.median_seconds, a.lags.p90_seconds) {
            (Some(m), Some(p)) => format!(
                "copies follow their original by {} at the median, 90% within {}",
                duration(m),
                duration(p)
            ),
            _ => "no dated copies".to_string(),
        }
    );
    // Heat map.
    let mut volume: std::collections::BTreeMap<&str, u64> = Default::default();
    for c in &a.copied {
        *volume.entry(c.from.as_str()).or_default() += c.bytes;
        *volume.entry(c.to.as_str()).or_default() += c.bytes;
    }
    let mut names: Vec<(&str, u64)> = volume.into_iter().collect();
    names.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    names.truncate(HEAT_OUTLETS);
    let mut names: Vec<&str> = names.into_iter().map(|(n, _)| n).collect();
    names.sort_unstable();
    if !names.is_empty() {
        let index = |n: &str| names.iter().position(|x| *x == n);
        let (cell, left, top) = (28usize, 150usize, 130usize);
        let side = cell * names.len();
        let (width, height) = (left + side + 40, top + side + 70);
        let max = a
            .copied
            .iter()
            .filter(|c| index(&c.from).is_some() && index(&c.to).is_some())
            .map(|c| c.bytes)
            .max()
            .unwrap_or(1)
            .max(1);
        let _ = writeln!(
            html,
            "<figure>\n<svg id=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" \
             height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
             aria-label=\"Copied bytes by outlet\" font-size=\"11\" font-family=\"sans-serif\">"
        );
        for (i, n) in names.iter().enumerate() {
            let y = top + i * cell + cell / 2 + 4;
            let x = left + i * cell + cell / 2;
            let _ = writeln!(
                html,
                "<text class=\"row-label\" x=\"{}\" y=\"{y}\" text-anchor=\"end\">{}</text>\
                 <text class=\"col-label\" x=\"{x}\" y=\"{}\" transform=\"rotate(-60 {x} {})\">{}</text>",
                left - 6,
                escape(n),
                top - 6,
                top - 6,
                escape(n)
            );
        }
        for c in &a.copied {
            let (Some(r), Some(k)) = (index(&c.from), index(&c.to)) else {
                continue;
            };
            let _ = writeln!(
                html,
                "<rect class=\"cell\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" \
                 data-from=\"{}\" data-to=\"{}\" data-bytes=\"{}\"><title>{} copied {} ({} bytes) \
                 from originals of {}</title></rect>",
                left + k * cell,
                top + r * cell,
                cell - 1,
                cell - 1,
                heat_colour(c.bytes as f64 / max as f64),
                escape(&c.from),
                escape(&c.to),
                c.bytes,
                escape(&c.to),
                count(c.copies, "copy", "copies"),
                c.bytes,
                escape(&c.from)
            );
        }
        let _ = writeln!(
            html,
            "<rect x=\"{left}\" y=\"{top}\" width=\"{side}\" height=\"{side}\" fill=\"none\" stroke=\"#999\"/>"
        );
        // Legend: a gradient from no bytes to the largest cell.
        let ly = top + side + 24;
        let _ = writeln!(
            html,
            "<defs><linearGradient id=\"heat\"><stop offset=\"0\" stop-color=\"{}\"/>\
             <stop offset=\"1\" stop-color=\"{}\"/></linearGradient></defs>\
             <g class=\"legend\"><rect x=\"{left}\" y=\"{ly}\" width=\"160\" height=\"12\" fill=\"url(#heat)\"/>\
             <text x=\"{left}\" y=\"{}\">0</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max} bytes</text></g>\n\
             <text x=\"6\" y=\"{}\">rows: original's outlet; columns: copying outlet</text>\n</svg>",
            heat_colour(0.0),
            heat_colour(1.0),
            ly + 26,
            left + 160,
            ly + 26,
            ly + 42,
        );
        let _ = writeln!(
            html,
            "<figcaption>Bytes of copied passages from the original's outlet (row) to the \
             copying outlet (column){}.</figcaption>\n</figure>",
            if volume_truncated(a, &names) {
                format!("; the {HEAT_OUTLETS} outlets with the most copied bytes")
            } else {
                String::new()
            }
        );
    }
    // Lag histogram.
    let bins = &a.lags.bins;
    if a.lags.copies > 0 {
        let (bar, gap, plot, base) = (64usize, 12usize, 160usize, 190usize);
        let width = 40 + bins.len() * (bar + gap);
        let height = base + 40;
        let max = bins.iter().map(|b| b.1).max().unwrap_or(1).max(1);
        let _ = writeln!(
            html,
            "<figure>\n<svg id=\"lags\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" \
             height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
             aria-label=\"Lags of copies\" font-size=\"11\" font-family=\"sans-serif\">"
        );
        for (i, (label, n)) in bins.iter().enumerate() {
            let h = (plot as u64 * n / max) as usize;
            let x = 20 + i * (bar + gap);
            let _ = writeln!(
                html,
                "<rect class=\"bar\" x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{}\" fill=\"#3a6ea5\" \
                 data-copies=\"{n}\"><title>{label}: {}</title></rect>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{n}</text>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                base - h,
                h.max(1),
                count(*n, "copy", "copies"),
                x + bar / 2,
                base - h - 4,
                x + bar / 2,
                base + 16,
                escape(label)
            );
        }
        let _ = writeln!(
            html,
            "<line x1=\"16\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#333\"/>\n</svg>\n\
             <figcaption>Lag of each dated copy behind its original.</figcaption>\n</figure>",
            width - 16
        );
    }
    if !a.top_stories.is_empty() {
        html.push_str(
            "<table class=\"contents\">\n<thead><tr><th>Cluster</th><th>Original</th><th>Outlet</th>\
             <th>Copies</th><th>Other outlets</th><th>Passage</th></tr></thead>\n<tbody>\n",
        );
        for s in &a.top_stories {
            let _ = writeln!(
                html,
                "<tr><td><a href=\"#cl{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                s.cluster,
                s.cluster,
                escape(&s.original_doc),
                escape(s.outlet.as_deref().unwrap_or("")),
                s.copies,
                s.outlets,
                escape(&s.quote)
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
}

/// True when the heat map leaves out some outlet with copied bytes.
fn volume_truncated(a: &Attribution, shown: &[&str]) -> bool {
    a.copied
        .iter()
        .any(|c| !shown.contains(&c.from.as_str()) || !shown.contains(&c.to.as_str()))
}

/// One member of a scan cluster: a byte span of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberView {
    /// Index of the document in the document list.
    pub doc: usize,
    /// First byte of the passage.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
}

/// One link of a scan cluster: two members (indices into its member list) and the
/// similarity of their alignment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkView {
    /// One member.
    pub a: usize,
    /// The other.
    pub b: usize,
    /// Similarity of the two passages, 0..=1.
    pub similarity: f64,
}

/// One overlap cluster of a scan, numbered as in the text and JSON reports.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterView {
    /// The cluster's number in the scan's other reports.
    pub number: usize,
    /// Its members.
    pub members: Vec<MemberView>,
    /// Its links.
    pub links: Vec<LinkView>,
    /// The likely original (the earliest-dated member, see
    /// [`crate::scan::attribution`]), when dates are known.
    pub earliest: Option<usize>,
    /// The core member every other member resembles, if known.
    pub core: Option<usize>,
    /// The lowest and the median similarity of the members to the core.
    pub core_similarity: Option<(f64, f64)>,
}

/// One template of a scan (one wording filled in with other names and numbers by
/// many documents), numbered as in the text and JSON reports.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateView {
    /// The template's number in the scan's other reports.
    pub number: usize,
    /// The wording with names and numbers masked.
    pub shape: String,
    /// Documents that fill it in.
    pub documents: usize,
    /// Places it is filled in.
    pub passages: usize,
    /// Share of the shape's words that are names or numbers.
    pub slot_share: f64,
    /// A few of its places, quoted as examples.
    pub examples: Vec<MemberView>,
}

impl ClusterView {
    fn document_count(&self) -> usize {
        let mut docs: Vec<usize> = self.members.iter().map(|m| m.doc).collect();
        docs.sort_unstable();
        docs.dedup();
        docs.len()
    }

    /// (lowest, median, highest) link similarity.
    fn similarity_range(&self) -> Option<(f64, f64, f64)> {
        let mut sims: Vec<f64> = self.links.iter().map(|l| l.similarity).collect();
        if sims.is_empty() {
            return None;
        }
        sims.sort_by(f64::total_cmp);
        Some((sims[0], sims[sims.len() / 2], sims[sims.len() - 1]))
    }
}

/// How much of a large scan the HTML report shows in full. A report of a whole news
/// dump must open in a browser in seconds: the largest clusters come first, in full;
/// the rest are listed one line each; document texts are shown for the first few.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanHtmlLimits {
    /// Clusters shown in full, largest first (`scan --html-max-clusters`).
    pub max_clusters: usize,
    /// Members listed per cluster shown in full.
    pub max_members: usize,
    /// Further clusters listed one line each after those shown in full.
    pub max_summary_rows: usize,
    /// Documents shown whole with their passages highlighted.
    pub max_documents: usize,
}

impl Default for ScanHtmlLimits {
    fn default() -> Self {
        ScanHtmlLimits {
            max_clusters: 200,
            max_members: 25,
            max_summary_rows: 2000,
            max_documents: 50,
        }
    }
}

/// Characters of context quoted before and after a member's passage.
const CONTEXT_CHARS: usize = 160;
/// Longest passage quoted in a member entry, in characters.
const PASSAGE_CHARS: usize = 1200;

/// The order of the contents: most documents first, then most members, then number.
fn contents_order(clusters: &[ClusterView], doc_counts: &[usize]) -> Vec<usize> {
    let mut order: Vec<(usize, usize, usize)> = clusters
        .iter()
        .enumerate()
        .map(|(i, c)| (i, doc_counts[i], c.members.len()))
        .collect();
    order.sort_by(|x, y| {
        y.1.cmp(&x.1)
            .then(y.2.cmp(&x.2))
            .then(clusters[x.0].number.cmp(&clusters[y.0].number))
    });
    order.into_iter().map(|(i, _, _)| i).collect()
}

fn similarity_cell(range: Option<(f64, f64, f64)>) -> String {
    match range {
        None => String::new(),
        Some((lo, _, hi)) if format!("{lo:.2}") == format!("{hi:.2}") => format!("{lo:.2}"),
        Some((lo, med, hi)) => format!("{lo:.2}–{hi:.2} (median {med:.2})"),
    }
}

/// The `max_chars` characters of `text` before byte `at`, starting at a word.
fn context_before(text: &str, at: usize, max_chars: usize) -> &str {
    let head = &text[..at];
    let start = head
        .char_indices()
        .rev()
        .nth(max_chars)
        .map_or(0, |(i, _)| i);
    let piece = &head[start..];
    match (start > 0, piece.find(char::is_whitespace)) {
        (true, Some(ws)) => &piece[ws..],
        _ => piece,
    }
}

/// The `max_chars` characters of `text` from byte `at`, ending at a word.
fn context_after(text: &str, at: usize, max_chars: usize) -> &str {
    let tail = &text[at..];
    let end = tail
        .char_indices()
        .nth(max_chars)
        .map_or(tail.len(), |(i, _)| i);
    let piece = &tail[..end];
    match (end < tail.len(), piece.rfind(char::is_whitespace)) {
        (true, Some(ws)) => &piece[..ws],
        _ => piece,
    }
}

/// The documents a scan report quotes: their ids and texts by document number.
pub trait ScanTexts {
    /// Number of documents.
    fn count(&self) -> usize;
    /// Document `d`'s id.
    fn id(&self, d: usize) -> &str;
    /// Document `d`'s text.
    fn text(&self, d: usize) -> Result<std::borrow::Cow<'_, str>>;
}

impl ScanTexts for [(&str, &str)] {
    fn count(&self) -> usize {
        self.len()
    }
    fn id(&self, d: usize) -> &str {
        self.get(d).map_or("", |x| x.0)
    }
    fn text(&self, d: usize) -> Result<std::borrow::Cow<'_, str>> {
        Ok(std::borrow::Cow::Borrowed(self.get(d).map_or("", |x| x.1)))
    }
}

impl ScanTexts for crate::scan::ScanDocuments {
    fn count(&self) -> usize {
        self.len()
    }
    fn id(&self, d: usize) -> &str {
        crate::scan::ScanDocuments::id(self, d)
    }
    fn text(&self, d: usize) -> Result<std::borrow::Cow<'_, str>> {
        crate::scan::ScanDocuments::text(self, d)
    }
}

/// What a scan found, as the HTML report shows it.
#[derive(Debug, Clone, Copy)]
pub struct ScanView<'a> {
    /// Clusters in their report order.
    pub clusters: &'a [ClusterView],
    /// Templates in theirs (a section of their own after the clusters: they are not
    /// reuse).
    pub templates: &'a [TemplateView],
    /// The number of boilerplate items (listed in the other formats).
    pub boilerplate: usize,
    /// The who-copies-whom summary, when documents carry dates or outlets (a section
    /// with a heat map of the outlet table and a histogram of lags).
    pub attribution: Option<&'a Attribution>,
}

/// Writes the report of a scan: `docs` their ids and texts, `view` what the scan
/// found. A summary, the attribution section and a table of contents (largest
/// clusters first) come first; `limits` bound how much is shown in full.
pub fn write_scan(
    out: &mut dyn Write,
    title: &str,
    docs: &(impl ScanTexts + ?Sized),
    view: &ScanView<'_>,
    limits: &ScanHtmlLimits,
) -> Result<()> {
    use super::prose::count;
    let ScanView {
        clusters,
        templates,
        boilerplate,
        attribution,
    } = *view;
    let doc_counts: Vec<usize> = clusters.iter().map(ClusterView::document_count).collect();
    let order = contents_order(clusters, &doc_counts);
    let shown = order.len().min(limits.max_clusters);
    let passages: usize = clusters.iter().map(|c| c.members.len()).sum();
    let mut html = String::new();
    head(&mut html, title);
    let _ = write!(
        html,
        "<h1>{}</h1>\n<p class=\"meta\">{}, {} of reused passages ({}), {}{} listed apart.</p>\n",
        escape(title),
        count(docs.count() as u64, "document", "documents"),
        count(clusters.len() as u64, "cluster", "clusters"),
        count(passages as u64, "passage", "passages"),
        if templates.is_empty() {
            String::new()
        } else {
            format!(
                "<a href=\"#templates\">{}</a> and ",
                count(templates.len() as u64, "template", "templates")
            )
        },
        count(boilerplate as u64, "boilerplate item", "boilerplate items"),
    );
    if shown < clusters.len() {
        let _ = writeln!(
            html,
            "<p class=\"meta\">The {shown} clusters in the most documents are shown in full; \
             the other {} are listed at the end{}.</p>",
            clusters.len() - shown,
            if clusters.len() - shown > limits.max_summary_rows {
                " (the first of them; the JSON report has all)"
            } else {
                ""
            }
        );
    }
    if let Some(a) = attribution {
        attribution_section(&mut html, a);
    }
    if !clusters.is_empty() {
        html.push_str(
            "<h2 id=\"contents\">Contents</h2>\n<table class=\"contents\">\n<thead><tr><th>Cluster</th>\
             <th>Documents</th><th>Passages</th><th>Similarity</th><th>Passage</th></tr></thead>\n<tbody>\n",
        );
        for &i in &order[..shown] {
            contents_row(&mut html, docs, &clusters[i], doc_counts[i], true)?;
        }
        html.push_str("</tbody>\n</table>\n");
    }
    // Marks per document, only for documents shown whole.
    let mut doc_shown: Vec<Option<usize>> = vec![None; docs.count()];
    let mut shown_docs: Vec<usize> = Vec::new();
    let mut marks: Vec<Vec<Mark>> = Vec::new();
    for &i in &order[..shown] {
        let c = &clusters[i];
        let n = c.number;
        let colour = colour(n);
        let range = c.similarity_range();
        let _ = write!(
            html,
            "<section class=\"cluster\" id=\"cl{n}\">\n<h2><span class=\"swatch\" style=\"background:{colour}\"></span> \
             Cluster {n} <span class=\"share\">{} in {}{}</span></h2>\n",
            count(c.members.len() as u64, "passage", "passages"),
            count(doc_counts[i] as u64, "document", "documents"),
            match range {
                Some(_) => format!(", similarity {}", similarity_cell(range)),
                None => String::new(),
            }
        );
        if let Some(e) = c.earliest.and_then(|e| c.members.get(e)) {
            let id = docs.id(e.doc);
            let _ = writeln!(
                html,
                "<p class=\"meta\">Likely original (earliest-dated): {}</p>",
                escape(id)
            );
        }
        if let (Some(core), Some((min, median))) = (c.core, c.core_similarity) {
            let _ = writeln!(
                html,
                "<p class=\"meta\">Every member resembles the core [{core}]: similarity to it \
                 {min:.2} at least, median {median:.2}.</p>"
            );
        }
        // Best similarity of each member to another, and to which.
        let mut best: Vec<Option<(f64, usize)>> = vec![None; c.members.len()];
        for l in &c.links {
            for (x, y) in [(l.a, l.b), (l.b, l.a)] {
                if let Some(slot) = best.get_mut(x) {
                    if slot.is_none_or(|(s, _)| l.similarity > s) {
                        *slot = Some((l.similarity, y));
                    }
                }
            }
        }
        html.push_str("<ol class=\"members\" start=\"0\">\n");
        for (m, member) in c.members.iter().enumerate().take(limits.max_members) {
            if member.doc >= docs.count() {
                continue;
            }
            let id = docs.id(member.doc);
            let text = docs.text(member.doc)?;
            let text: &str = &text;
            let (start, end) = clamp_span(text, member.start, member.end);
            let slot = match doc_shown[member.doc] {
                Some(slot) => Some(slot),
                None if shown_docs.len() < limits.max_documents => {
                    doc_shown[member.doc] = Some(shown_docs.len());
                    shown_docs.push(member.doc);
                    marks.push(Vec::new());
                    Some(shown_docs.len() - 1)
                }
                None => None,
            };
            let anchor = format!("d{}-c{n}-m{m}", member.doc);
            let id_html = match slot {
                Some(slot) => {
                    marks[slot].push(Mark {
                        start,
                        end,
                        colour,
                        id: anchor.clone(),
                        href: format!("cl{n}"),
                        title: format!("cluster {n}"),
                    });
                    format!("<a href=\"#{anchor}\">{}</a>", escape(id))
                }
                None => escape(id),
            };
            let sim = match best[m] {
                Some((s, other)) => format!(" · similarity {s:.2} to [{other}]"),
                None => String::new(),
            };
            let passage = &text[start..end];
            let passage_html = if passage.chars().count() > PASSAGE_CHARS {
                escape(&super::prose::excerpt_ends(passage, PASSAGE_CHARS))
            } else {
                escape(passage)
            };
            let _ = writeln!(
                html,
                "<li>{id_html} <span class=\"offsets\">{start}..{end}{sim}</span>\
                 <blockquote style=\"border-color:{colour}\"><span class=\"ctx\">{}</span>\
                 <mark style=\"background:{colour}\">{passage_html}</mark><span class=\"ctx\">{}</span></blockquote></li>",
                escape(context_before(text, start, CONTEXT_CHARS)),
                escape(context_after(text, end, CONTEXT_CHARS)),
            );
        }
        html.push_str("</ol>\n");
        if c.members.len() > limits.max_members {
            let _ = writeln!(
                html,
                "<p class=\"meta\">… and {} (see the JSON report).</p>",
                count(
                    (c.members.len() - limits.max_members) as u64,
                    "more passage",
                    "more passages"
                )
            );
        }
        html.push_str("</section>\n");
    }
    if shown < clusters.len() {
        let _ = write!(
            html,
            "<h2 id=\"more\">More clusters</h2>\n<table class=\"contents more\">\n<thead><tr><th>Cluster</th>\
             <th>Documents</th><th>Passages</th><th>Similarity</th><th>Passage</th></tr></thead>\n<tbody>\n"
        );
        for &i in order[shown..].iter().take(limits.max_summary_rows) {
            contents_row(&mut html, docs, &clusters[i], doc_counts[i], false)?;
        }
        html.push_str("</tbody>\n</table>\n");
        let rest = clusters.len() - shown;
        if rest > limits.max_summary_rows {
            let _ = writeln!(
                html,
                "<p class=\"meta\">… and {} (see the JSON report).</p>",
                count(
                    (rest - limits.max_summary_rows) as u64,
                    "more cluster",
                    "more clusters"
                )
            );
        }
    }
    if !templates.is_empty() {
        write_templates(&mut html, docs, templates, limits)?;
    }
    if !shown_docs.is_empty() {
        html.push_str("<h2>Documents</h2>\n");
        for (slot, &d) in shown_docs.iter().enumerate() {
            let (id, text) = (docs.id(d), docs.text(d)?);
            let _ = write!(
                html,
                "<section class=\"document\" id=\"d{d}\">\n<h3>{}</h3>\n<div class=\"text\">",
                escape(id)
            );
            highlight(&mut html, &text, &marks[slot]);
            html.push_str("</div>\n</section>\n");
        }
        let with_members = {
            let mut v: Vec<usize> = clusters
                .iter()
                .flat_map(|c| c.members.iter().map(|m| m.doc))
                .collect();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        if with_members > shown_docs.len() {
            let _ = writeln!(
                html,
                "<p class=\"meta\">{} with reused passages not shown whole.</p>",
                count(
                    (with_members - shown_docs.len()) as u64,
                    "other document",
                    "other documents"
                )
            );
        }
    }
    tail(&mut html);
    out.write_all(html.as_bytes())
        .and_then(|_| out.flush())
        .map_err(write_error("the HTML report"))
}

/// The templates section: one row per template (its shape, documents, passages and
/// share of names and numbers) with a few of its places quoted, the templates in the
/// most documents first, as many as clusters are shown in full.
fn write_templates(
    html: &mut String,
    docs: &(impl ScanTexts + ?Sized),
    templates: &[TemplateView],
    limits: &ScanHtmlLimits,
) -> Result<()> {
    use super::prose::count;
    let mut order: Vec<usize> = (0..templates.len()).collect();
    order.sort_by(|&x, &y| {
        let (a, b) = (&templates[x], &templates[y]);
        b.documents
            .cmp(&a.documents)
            .then(b.passages.cmp(&a.passages))
            .then(a.number.cmp(&b.number))
    });
    let _ = write!(
        html,
        "<section class=\"templates\" id=\"templates\">\n<h2>Templates</h2>\n<p class=\"meta\">\
         {}: one wording that documents fill in with their own names and numbers. Not \
         counted as reuse.</p>\n<table class=\"contents templates\">\n<thead><tr><th>Template</th>\
         <th>Documents</th><th>Passages</th><th>Names and numbers</th><th>Shape</th>\
         <th>For example</th></tr></thead>\n<tbody>\n",
        count(templates.len() as u64, "template", "templates")
    );
    for &i in order.iter().take(limits.max_clusters) {
        let t = &templates[i];
        let mut examples = String::new();
        for m in t.examples.iter().filter(|m| m.doc < docs.count()).take(3) {
            let text = docs.text(m.doc)?;
            let (start, end) = clamp_span(&text, m.start, m.end);
            let _ = write!(
                examples,
                "<div class=\"example\">{}: {}</div>",
                escape(docs.id(m.doc)),
                escape(&super::prose::excerpt(&text[start..end], 160))
            );
        }
        let _ = writeln!(
            html,
            "<tr id=\"tp{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"shape\">{}</td><td>{examples}</td></tr>",
            t.number,
            t.number,
            t.documents,
            t.passages,
            percent(t.slot_share),
            escape(&super::prose::excerpt(&t.shape, 400)),
        );
    }
    html.push_str("</tbody>\n</table>\n");
    if templates.len() > limits.max_clusters {
        let _ = writeln!(
            html,
            "<p class=\"meta\">… and {} (see the JSON report).</p>",
            count(
                (templates.len() - limits.max_clusters) as u64,
                "more template",
                "more templates"
            )
        );
    }
    html.push_str("</section>\n");
    Ok(())
}

/// One row of the contents: number (a link when the cluster is shown in full),
/// documents, passages, similarity and the first member's passage.
fn contents_row(
    html: &mut String,
    docs: &(impl ScanTexts + ?Sized),
    c: &ClusterView,
    documents: usize,
    linked: bool,
) -> Result<()> {
    let n = c.number;
    let first = match c.members.first() {
        Some(m) if m.doc < docs.count() => {
            let text = docs.text(m.doc)?;
            let (s, e) = clamp_span(&text, m.start, m.end);
            super::prose::excerpt(&text[s..e], 140)
        }
        _ => String::new(),
    };
    let label = if linked {
        format!("<a href=\"#cl{n}\">{n}</a>")
    } else {
        n.to_string()
    };
    let _ = writeln!(
        html,
        "<tr><td><span class=\"swatch\" style=\"background:{}\"></span> {label}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        colour(n),
        documents,
        c.members.len(),
        similarity_cell(c.similarity_range()),
        escape(&first)
    );
    Ok(())
}

/// A highlighted span: its colour, its own anchor and the anchor it links to.
#[derive(Debug, Clone)]
struct Mark {
    start: usize,
    end: usize,
    colour: &'static str,
    id: String,
    href: String,
    title: String,
}

/// Writes `text` escaped, with each mark's bytes wrapped in a coloured link.
/// Overlapping marks are cut at every boundary; each piece takes the colour of the
/// earliest-listed mark covering it, and a mark's anchor sits on its first piece.
fn highlight(html: &mut String, text: &str, marks: &[Mark]) {
    let spans: Vec<(usize, usize)> = marks
        .iter()
        .map(|m| clamp_span(text, m.start, m.end))
        .collect();
    let mut cuts: Vec<usize> = vec![0, text.len()];
    for &(s, e) in &spans {
        cuts.push(s);
        cuts.push(e);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut anchored = vec![false; marks.len()];
    for w in cuts.windows(2) {
        let (s, e) = (w[0], w[1]);
        if s == e {
            continue;
        }
        let piece = escape(&text[s..e]);
        let cover = spans
            .iter()
            .position(|&(ms, me)| ms <= s && e <= me && ms < me);
        match cover {
            None => html.push_str(&piece),
            Some(k) => {
                let m = &marks[k];
                let id = if anchored[k] {
                    String::new()
                } else {
                    anchored[k] = true;
                    format!(" id=\"{}\"", m.id)
                };
                let _ = write!(
                    html,
                    "<a class=\"hl\"{id} href=\"#{}\" data-target=\"{}\" title=\"{}\" style=\"background:{}\">{piece}</a>",
                    m.href,
                    m.href,
                    escape(&m.title),
                    m.colour
                );
            }
        }
    }
}

/// A span clamped to the text, its ends moved outward to character boundaries.
fn clamp_span(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut s = start.min(text.len());
    let mut e = end.min(text.len()).max(s);
    while !text.is_char_boundary(s) {
        s -= 1;
    }
    while !text.is_char_boundary(e) {
        e += 1;
    }
    (s, e)
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn percent(x: f64) -> String {
    format!("{:.1}%", (x * 100.0).clamp(0.0, 100.0))
}

fn head(html: &mut String, title: &str) {
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        escape(title)
    );
}

fn tail(html: &mut String) {
    let _ = write!(html, "<script>\n{SCRIPT}</script>\n</body>\n</html>\n");
}

const CSS: &str = "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1400px;padding:1em 2em;color:#222;background:#fafafa}
h1{font-size:1.5em;margin:.2em 0}h2{border-bottom:2px solid #ccc;padding-bottom:.2em;margin-top:1.5em}
h3{margin:1.2em 0 .4em}h4{margin:.2em 0 .4em;font-size:.95em;color:#555;overflow-wrap:anywhere}
.meta,.share,.offsets{color:#666;font-size:.9em;font-weight:normal}
.summary .reused{font-size:1.4em;font-weight:bold}
table.sources,table.contents{border-collapse:collapse;margin:.5em 0 1em}table.sources td,table.sources th,table.contents td,table.contents th{padding:.25em .8em;text-align:left;border-bottom:1px solid #ddd;vertical-align:top}
table.contents td:nth-child(2),table.contents td:nth-child(3){text-align:right}table.contents td:nth-child(4){white-space:nowrap}
.ctx{color:#777}mark{color:inherit;border-radius:2px}
.bar{display:inline-block;width:220px;height:.8em;background:#e4e4e4;vertical-align:middle;border-radius:2px}
.bar div{height:100%;background:#d1495b;border-radius:2px}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.col{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.5em .8em}
.col .text{max-height:32em;overflow:auto;position:relative}
.text{white-space:pre-wrap;overflow-wrap:anywhere;font-family:Georgia,serif}
a.hl{color:inherit;text-decoration:none;border-radius:2px;cursor:pointer}
a.hl:target,a.hl.flash{outline:3px solid #d1495b}
.swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;vertical-align:middle}
blockquote{margin:.3em 0 .8em;padding:.2em .8em;border-left:6px solid;background:#fff;white-space:pre-wrap}
.none{color:#2a7d2a}
";

const SCRIPT: &str = "// Open each side-by-side column at its first highlighted passage.
document.querySelectorAll('.col .text').forEach(function(box){
  var first=box.querySelector('a.hl');
  if(first)box.scrollTop=Math.max(0,first.offsetTop-48);
});
document.addEventListener('click',function(e){
  var a=e.target.closest&&e.target.closest('a.hl');
  if(!a)return;
  var t=document.getElementById(a.getAttribute('data-target'));
  if(!t)return;
  e.preventDefault();
  t.scrollIntoView({block:'center'});
  t.classList.add('flash');
  setTimeout(function(){t.classList.remove('flash');},1200);
});
";

#[cfg(test)]
mod tests {
    use super::*;

    fn check_report(docs: &[(&str, &str)], articles: &[ArticleView]) -> String {
        let mut out = Vec::new();
        write_check(&mut out, "Check", docs, articles).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_is_escaped() {
        let docs = [
            ("a<b>", "Hello <script>alert(1)</script> world & more"),
            ("src", "<script>alert(1)</script> world"),
        ];
        let html = check_report(
            &docs,
            &[ArticleView {
                doc: 0,
                reused_fraction: 0.5,
                widely_copied_fraction: 0.25,
                widely_copied_cap: 100,
                sources: vec![SourceView {
                    doc: 1,
                    share: 0.5,
                    passages: vec![PassageView {
                        article: (6, 37),
                        source: (0, 31),
                        similarity: 1.0,
                    }],
                }],
            }],
        );
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("a&lt;b&gt;"));
        assert_eq!(
            html.matches("<script>").count(),
            1,
            "only the report's own script"
        );
    }

    #[test]
    fn overlapping_and_bad_spans_do_not_panic() {
        let mut html = String::new();
        let mark = |s, e, n: usize| Mark {
            start: s,
            end: e,
            colour: colour(n),
            id: format!("m{n}"),
            href: "x".into(),
            title: String::new(),
        };
        highlight(
            &mut html,
            "héllo wörld",
            &[mark(0, 5, 0), mark(2, 9, 1), mark(50, 90, 2), mark(7, 3, 3)],
        );
        assert!(html.contains("id=\"m0\""));
        assert!(html.contains("id=\"m1\""));
        assert!(html.contains("wörld") || html.contains("w"));
    }

    #[test]
    fn snapshot_small_check_report() {
        let docs = [
            (
                "article-1",
                "The minister said fuel caps return. Prices doubled on Sunday.",
            ),
            (
                "archive/42",
                "Earlier: prices doubled on Sunday, drawing protests. The minister said fuel caps return.",
            ),
        ];
        let html = check_report(
            &docs,
            &[ArticleView {
                doc: 0,
                reused_fraction: 0.9,
                widely_copied_fraction: 0.0,
                widely_copied_cap: 100,
                sources: vec![SourceView {
                    doc: 1,
                    share: 0.9,
                    passages: vec![
                        PassageView {
                            article: (0, 35),
                            source: (53, 88),
                            similarity: 1.0,
                        },
                        PassageView {
                            article: (36, 61),
                            source: (9, 33),
                            similarity: 0.93,
                        },
                    ],
                }],
            }],
        );
        insta::assert_snapshot!(html);
    }

    #[test]
    fn snapshot_small_scan_report() {
        let docs = [
            ("one", "Alpha beta gamma delta."),
            ("two", "Zeta: alpha beta gamma delta!"),
        ];
        let mut out = Vec::new();
        let cluster = ClusterView {
            number: 0,
            members: vec![
                MemberView {
                    doc: 0,
                    start: 0,
                    end: 22,
                },
                MemberView {
                    doc: 1,
                    start: 6,
                    end: 28,
                },
            ],
            links: vec![LinkView {
                a: 0,
                b: 1,
                similarity: 1.0,
            }],
            earliest: None,
            core: Some(0),
            core_similarity: Some((1.0, 1.0)),
        };
        let template = TemplateView {
            number: 0,
            shape: "[name] beta <gamma>".into(),
            documents: 2,
            passages: 2,
            slot_share: 0.25,
            examples: vec![MemberView {
                doc: 1,
                start: 0,
                end: 4,
            }],
        };
        write_scan(
            &mut out,
            "Scan",
            &docs[..],
            &ScanView {
                clusters: &[cluster],
                templates: &[template],
                boilerplate: 0,
                attribution: None,
            },
            &ScanHtmlLimits::default(),
        )
        .unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }
}
