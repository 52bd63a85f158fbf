//! Who copies whom: the likely original of each reuse cluster, the lag of every
//! copy behind it, and a corpus summary by outlet.
//!
//! The **original** of a cluster is its earliest-dated member (dates from
//! `--date-field`, compared as instants). Members published at the same instant are
//! told apart by containment: the member whose passage is longer holds more of the
//! other's text, and a copy is usually the shorter, trimmed one; then the longer
//! document; then input order. Undated members are never the original, and a cluster
//! without a dated member has none. Every other member in another document is a
//! **copy**; its **lag** is its date minus the original's. Members repeated inside the
//! original's own document are neither.
//!
//! This is a guess from dates and lengths only: a copy of a story that is not in the
//! collection is credited to the earliest member that is, and a wrong or missing
//! date moves the credit.

use crate::error::Result;
use crate::scan::clusters::PassageCluster;
#[cfg(doc)]
use crate::scan::ScanResult;
use crate::scan::{ScanCluster, ScanDocuments};
use std::collections::{BTreeMap, BTreeSet};

/// The lag bins of [`LagSummary::bins`]: upper bounds in seconds (the last bin has
/// none) and labels.
pub const LAG_BINS: [(Option<i64>, &str); 6] = [
    (Some(3_600), "<1h"),
    (Some(6 * 3_600), "1-6h"),
    (Some(24 * 3_600), "6-24h"),
    (Some(3 * 86_400), "1-3d"),
    (Some(7 * 86_400), "3-7d"),
    (None, ">7d"),
];

/// Stories listed in [`Attribution::top_stories`].
pub const TOP_STORIES: usize = 10;

/// Characters of the original's passage quoted per top story.
const QUOTE_CHARS: usize = 120;

/// The original member of a cluster (see the module documentation), or `None` when
/// no member is dated.
pub fn original_member(cluster: &PassageCluster, documents: &ScanDocuments) -> Option<usize> {
    cluster
        .members
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let d = m.doc as usize;
            documents.date(d).map(|date| {
                (
                    date.instant,
                    std::cmp::Reverse(m.span.len()),
                    std::cmp::Reverse(documents.bytes(d)),
                    i,
                )
            })
        })
        .min()
        .map(|(_, _, _, i)| i)
}

/// Seconds member `m` was published after the original `original`, when both are
/// dated.
pub fn lag_seconds(
    cluster: &PassageCluster,
    original: Option<usize>,
    m: usize,
    documents: &ScanDocuments,
) -> Option<i64> {
    let o = documents.date(cluster.members[original?].doc as usize)?;
    let d = documents.date(cluster.members[m].doc as usize)?;
    Some((d.instant - o.instant).num_seconds())
}

/// One outlet's counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutletCounts {
    /// Its name.
    pub outlet: String,
    /// Documents from it.
    pub documents: u64,
    /// Clusters whose original is from it.
    pub originals: u64,
    /// Copies (members of other outlets' or its own originals) from it.
    pub copies: u64,
}

/// One cell of the outlet × outlet table: what `to` copied from originals of `from`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CopyCell {
    /// The original's outlet.
    pub from: String,
    /// The copying member's outlet.
    pub to: String,
    /// Copies.
    pub copies: u64,
    /// Bytes of the copies' passages.
    pub bytes: u64,
}

/// The distribution of the lags of dated copies.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LagSummary {
    /// Dated copies (the count the bins add up to).
    pub copies: u64,
    /// Copies per bin of [`LAG_BINS`], as `(label, count)`.
    pub bins: Vec<(String, u64)>,
    /// The median lag in seconds (nearest rank), when there is a dated copy.
    pub median_seconds: Option<i64>,
    /// The 90th percentile lag in seconds (nearest rank).
    pub p90_seconds: Option<i64>,
}

/// A story copied widely.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Story {
    /// The cluster's number.
    pub cluster: usize,
    /// The original's document id.
    pub original_doc: String,
    /// The original's outlet, when known.
    pub outlet: Option<String>,
    /// Copies.
    pub copies: u64,
    /// Distinct outlets among the copies other than the original's.
    pub outlets: u64,
    /// The start of the original's passage, white space collapsed.
    pub quote: String,
}

/// The corpus summary of who copies whom.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attribution {
    /// Clusters with an original (a dated member).
    pub clusters_with_original: u64,
    /// Every outlet of the collection, by name.
    pub outlets: Vec<OutletCounts>,
    /// The outlet × outlet table, non-empty cells only, by `from` then `to`.
    pub copied: Vec<CopyCell>,
    /// Copies whose original or own outlet is unknown: their count and bytes (in no
    /// cell of `copied`).
    pub copied_unknown_outlet: (u64, u64),
    /// The lags of dated copies.
    pub lags: LagSummary,
    /// Up to [`TOP_STORIES`] clusters by copying outlets, then copies, then number.
    pub top_stories: Vec<Story>,
}

/// The nearest-rank `p` quantile of sorted values.
fn nearest_rank(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// The bin of [`LAG_BINS`] a lag falls in.
pub fn lag_bin(seconds: i64) -> usize {
    LAG_BINS
        .iter()
        .position(|(upper, _)| upper.is_none_or(|u| seconds < u))
        .unwrap_or(LAG_BINS.len() - 1)
}

/// The summary of a scan's reuse clusters (numbered by their place in `clusters`),
/// or `None` when no document has a date or an outlet. Computed once per scan, as
/// [`ScanResult::attribution`], for every report to read.
pub fn summarize(docs: &ScanDocuments, clusters: &[ScanCluster]) -> Result<Option<Attribution>> {
    let mut outlets: BTreeMap<&str, OutletCounts> = BTreeMap::new();
    let mut any = false;
    for d in 0..docs.len() {
        any |= docs.date(d).is_some();
        if let Some(o) = docs.outlet(d) {
            any = true;
            outlets
                .entry(o)
                .or_insert_with(|| OutletCounts {
                    outlet: o.to_string(),
                    documents: 0,
                    originals: 0,
                    copies: 0,
                })
                .documents += 1;
        }
    }
    if !any {
        return Ok(None);
    }
    let mut cells: BTreeMap<(&str, &str), (u64, u64)> = BTreeMap::new();
    let mut unknown = (0u64, 0u64);
    let mut lags = Vec::new();
    let mut stories = Vec::new();
    let mut with_original = 0u64;
    for (number, c) in clusters.iter().enumerate() {
        let Some(o) = c.original else { continue };
        with_original += 1;
        let passage = &c.passage;
        let o_doc = passage.members[o].doc as usize;
        let o_outlet = docs.outlet(o_doc);
        if let Some(name) = o_outlet {
            if let Some(counts) = outlets.get_mut(name) {
                counts.originals += 1;
            }
        }
        let mut copies = 0u64;
        let mut copying: BTreeSet<&str> = BTreeSet::new();
        for (i, m) in passage.members.iter().enumerate() {
            let d = m.doc as usize;
            if i == o || d == o_doc {
                continue;
            }
            copies += 1;
            let bytes = m.span.len() as u64;
            let to = docs.outlet(d);
            if let Some(name) = to {
                if let Some(counts) = outlets.get_mut(name) {
                    counts.copies += 1;
                }
                if Some(name) != o_outlet {
                    copying.insert(name);
                }
            }
            match (o_outlet, to) {
                (Some(from), Some(to)) => {
                    let cell = cells.entry((from, to)).or_default();
                    cell.0 += 1;
                    cell.1 += bytes;
                }
                _ => {
                    unknown.0 += 1;
                    unknown.1 += bytes;
                }
            }
            if let Some(lag) = lag_seconds(passage, Some(o), i, docs) {
                lags.push(lag);
            }
        }
        if copies > 0 {
            stories.push((copying.len() as u64, copies, number));
        }
    }
    lags.sort_unstable();
    let mut bins = vec![0u64; LAG_BINS.len()];
    for &lag in &lags {
        bins[lag_bin(lag)] += 1;
    }
    stories.sort_by(|x, y| y.0.cmp(&x.0).then(y.1.cmp(&x.1)).then(x.2.cmp(&y.2)));
    let mut top_stories = Vec::new();
    for &(outlets, copies, number) in stories.iter().take(TOP_STORIES) {
        let c = &clusters[number];
        let m = c.passage.members[c.original.unwrap_or(0)];
        let d = m.doc as usize;
        let quote = crate::report::prose::excerpt(&docs.quote(d, m.span)?, QUOTE_CHARS);
        top_stories.push(Story {
            cluster: number,
            original_doc: docs.id(d).to_string(),
            outlet: docs.outlet(d).map(str::to_string),
            copies,
            outlets,
            quote,
        });
    }
    Ok(Some(Attribution {
        clusters_with_original: with_original,
        outlets: outlets.into_values().collect(),
        copied: cells
            .into_iter()
            .map(|((from, to), (copies, bytes))| CopyCell {
                from: from.to_string(),
                to: to.to_string(),
                copies,
                bytes,
            })
            .collect(),
        copied_unknown_outlet: unknown,
        lags: LagSummary {
            copies: lags.len() as u64,
            bins: LAG_BINS
                .iter()
                .zip(bins)
                .map(|((_, label), n)| (label.to_string(), n))
                .collect(),
            median_seconds: nearest_rank(&lags, 0.5),
            p90_seconds: nearest_rank(&lags, 0.9),
        },
        top_stories,
    }))
}

/// A number of seconds as a short readable duration (`45s`, `12m`, `3.5h`, `2.1d`).
pub fn duration(seconds: i64) -> String {
    let s = seconds.abs() as f64;
    let sign = if seconds < 0 { "-" } else { "" };
    if s < 60.0 {
        format!("{sign}{seconds}s", seconds = seconds.abs())
    } else if s < 3_600.0 {
        format!("{sign}{:.0}m", s / 60.0)
    } else if s < 86_400.0 {
        format!("{sign}{:.1}h", s / 3_600.0)
    } else {
        format!("{sign}{:.1}d", s / 86_400.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{DocDate, Document, Origin, Span};
    use crate::scan::clusters::{Link, Occurrence};

    fn doc(id: &str, text: &str, date: Option<&str>, outlet: Option<&str>) -> Document {
        Document {
            date: date.map(|t| DocDate {
                text: t.to_string(),
                instant: crate::input::date::parse_value(&serde_json::json!(t))
                    .unwrap()
                    .unwrap()
                    .1,
            }),
            outlet: outlet.map(str::to_string),
            ..Document::new(id, text, Origin { source: 0, line: 1 })
        }
    }

    fn cluster(spans: &[(u32, usize, usize)]) -> PassageCluster {
        PassageCluster {
            members: spans
                .iter()
                .map(|&(doc, s, e)| Occurrence {
                    doc,
                    span: Span::new(s, e),
                })
                .collect(),
            links: vec![Link {
                a: 0,
                b: 1,
                similarity: 1.0,
            }],
        }
    }

    #[test]
    fn earliest_wins_and_same_instant_goes_to_the_longer_passage() {
        let docs = ScanDocuments::in_memory(vec![
            doc("a", &"x".repeat(100), Some("2024-01-01T10:00:00Z"), None),
            doc("b", &"x".repeat(100), Some("2024-01-01T09:00:00Z"), None),
            doc("c", &"x".repeat(100), None, None),
        ]);
        let c = cluster(&[(0, 0, 50), (1, 0, 40), (2, 0, 90)]);
        assert_eq!(original_member(&c, &docs), Some(1));
        assert_eq!(lag_seconds(&c, Some(1), 0, &docs), Some(3600));
        assert_eq!(lag_seconds(&c, Some(1), 2, &docs), None);
        let docs = ScanDocuments::in_memory(vec![
            doc("a", &"x".repeat(100), Some("2024-01-01T10:00:00Z"), None),
            doc("b", &"x".repeat(100), Some("2024-01-01T10:00:00Z"), None),
        ]);
        assert_eq!(
            original_member(&cluster(&[(0, 0, 40), (1, 0, 60)]), &docs),
            Some(1)
        );
        assert_eq!(
            original_member(&cluster(&[(0, 0, 60), (1, 0, 60)]), &docs),
            Some(0)
        );
        let undated = ScanDocuments::in_memory(vec![
            doc("a", "xx", None, Some("p")),
            doc("b", "xx", None, Some("q")),
        ]);
        assert_eq!(
            original_member(&cluster(&[(0, 0, 1), (1, 0, 1)]), &undated),
            None
        );
    }

    #[test]
    fn lag_bins_and_nearest_rank() {
        assert_eq!(lag_bin(0), 0);
        assert_eq!(lag_bin(3_599), 0);
        assert_eq!(lag_bin(3_600), 1);
        assert_eq!(lag_bin(86_400), 3);
        assert_eq!(lag_bin(7 * 86_400), 5);
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 0.5), Some(2));
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 0.9), Some(4));
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert_eq!(duration(90), "2m");
        assert_eq!(duration(5_400), "1.5h");
    }
}
