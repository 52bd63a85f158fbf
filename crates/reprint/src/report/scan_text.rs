//! The readable scan report (the default format).

use crate::error::Result;
use crate::report::prose::{self, count};
use crate::report::write_error;
use crate::scan::ScanResult;
use std::io::Write;

/// Longest excerpt quoted per member, in characters.
const EXCERPT_CHARS: usize = 240;

/// White space collapsed, cut at a word boundary within `EXCERPT_CHARS` characters.
pub fn excerpt(text: &str) -> String {
    prose::excerpt(text, EXCERPT_CHARS)
}

/// Writes clusters (members with offsets and excerpts, similarities, the core and
/// how much the members resemble it), templates (their shape and counts) and
/// boilerplate.
pub fn write(result: &ScanResult, out: &mut dyn Write) -> Result<()> {
    let err = write_error("the scan report");
    let s = &result.stats;
    writeln!(
        out,
        "{} across {} ({} aligned)\n",
        count(
            result.clusters.len() as u64,
            "reused passage",
            "reused passages"
        ),
        count(s.documents, "document", "documents"),
        count(s.candidate_pairs, "candidate pair", "candidate pairs"),
    )
    .map_err(&err)?;
    for (i, c) in result.clusters.iter().enumerate() {
        let similarity = prose::similarity(c.passage.links.iter().map(|l| l.similarity));
        // With two members the one link is the similarity to the core.
        let to_core = match c.core_similarity() {
            Some((min, median)) if c.passage.members.len() > 2 => {
                format!("; to the core at least {min:.2}, median {median:.2}")
            }
            _ => String::new(),
        };
        writeln!(
            out,
            "Cluster {i}: {} in {}, {similarity}{to_core}",
            count(c.passage.members.len() as u64, "passage", "passages"),
            count(c.passage.document_count() as u64, "document", "documents"),
        )
        .map_err(&err)?;
        for (m_i, m) in c.passage.members.iter().enumerate() {
            let d = m.doc as usize;
            let source = match (c.earliest == Some(m_i), c.core == m_i) {
                (true, true) => "  (earliest, core)",
                (true, false) => "  (earliest)",
                (false, true) => "  (core)",
                (false, false) => "",
            };
            writeln!(
                out,
                "  [{m_i}] {} {}..{}{source}",
                result.documents.id(d),
                m.span.start,
                m.span.end
            )
            .map_err(&err)?;
            writeln!(
                out,
                "      “{}”",
                excerpt(&result.documents.quote(d, m.span)?)
            )
            .map_err(&err)?;
        }
        writeln!(out).map_err(&err)?;
    }
    if !result.templates.is_empty() {
        writeln!(
            out,
            "Templates (one wording, other names and numbers; not counted as reuse): {}",
            count(result.templates.len() as u64, "template", "templates")
        )
        .map_err(&err)?;
        for (i, t) in result.templates.iter().enumerate() {
            writeln!(
                out,
                "  Template {i}: {} in {}, {:.0}% names and numbers",
                count(t.passage.members.len() as u64, "passage", "passages"),
                count(t.passage.document_count() as u64, "document", "documents"),
                t.slot_share * 100.0,
            )
            .map_err(&err)?;
            writeln!(out, "      “{}”", excerpt(&t.shape)).map_err(&err)?;
        }
        writeln!(out).map_err(&err)?;
    }
    if !result.boilerplate.is_empty() {
        writeln!(
            out,
            "Boilerplate (not counted as reuse): {}",
            count(result.boilerplate.len() as u64, "item", "items")
        )
        .map_err(&err)?;
        for b in &result.boilerplate {
            let first = b.places[0];
            let kind = serde_json::to_value(b.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            writeln!(
                out,
                "  {kind} ×{}: “{}”",
                b.places.len(),
                excerpt(&result.documents.quote(first.doc as usize, first.span)?)
            )
            .map_err(&err)?;
        }
    }
    out.flush().map_err(&err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_collapse_and_cut() {
        assert_eq!(excerpt("a\n\n b  c"), "a b c");
        let long = "x".repeat(500);
        assert_eq!(excerpt(&long).chars().count(), EXCERPT_CHARS);
        let words = "word ".repeat(100);
        assert!(excerpt(&words).ends_with("word…"), "{}", excerpt(&words));
    }
}
