//! The readable scan report (the default format).

use crate::error::Result;
use crate::report::prose::{self, count};
use crate::report::write_error;
use crate::scan::attribution::{duration, lag_seconds, Attribution};
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
            let mut tags: Vec<String> = Vec::new();
            if c.original == Some(m_i) {
                tags.push("original".into());
            } else if let Some(lag) = lag_seconds(&c.passage, c.original, m_i, &result.documents) {
                tags.push(format!("+{}", duration(lag)));
            }
            if c.core == m_i {
                tags.push("core".into());
            }
            if let Some(outlet) = result.documents.outlet(d) {
                tags.push(outlet.to_string());
            }
            let source = if tags.is_empty() {
                String::new()
            } else {
                format!("  ({})", tags.join(", "))
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
    if let Some(a) = &result.attribution {
        write_attribution(a, out).map_err(&err)?;
    }
    out.flush().map_err(&err)
}

/// Cells of the outlet table listed in the text report, most bytes first.
const TEXT_CELLS: usize = 10;

/// The short "who copies whom" section.
fn write_attribution(a: &Attribution, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "\nWho copies whom: {} with a dated original, {}",
        count(a.clusters_with_original, "cluster", "clusters"),
        count(a.outlets.len() as u64, "outlet", "outlets"),
    )?;
    let l = &a.lags;
    if let (Some(median), Some(p90)) = (l.median_seconds, l.p90_seconds) {
        let bins: Vec<String> = l.bins.iter().map(|(b, n)| format!("{b} {n}")).collect();
        writeln!(
            out,
            "  lag of {}: median {}, 90% within {} ({})",
            count(l.copies, "dated copy", "dated copies"),
            duration(median),
            duration(p90),
            bins.join(", ")
        )?;
    }
    let mut cells: Vec<_> = a.copied.iter().filter(|c| c.from != c.to).collect();
    cells.sort_by(|x, y| {
        y.bytes
            .cmp(&x.bytes)
            .then(x.from.cmp(&y.from))
            .then(x.to.cmp(&y.to))
    });
    for c in cells.iter().take(TEXT_CELLS) {
        writeln!(
            out,
            "  {} copied from {}: {}, {} bytes",
            c.to,
            c.from,
            count(c.copies, "copy", "copies"),
            c.bytes
        )?;
    }
    for s in &a.top_stories {
        writeln!(
            out,
            "  cluster {}: {} ({}), {} in {}: “{}”",
            s.cluster,
            s.original_doc,
            s.outlet.as_deref().unwrap_or("unknown outlet"),
            count(s.copies, "copy", "copies"),
            count(s.outlets, "other outlet", "other outlets"),
            s.quote
        )?;
    }
    Ok(())
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
