//! Evaluation of passage alignment against ground truth.
//!
//! [`plagdet`] implements the measures of the PAN plagiarism detection
//! evaluation framework (Potthast, Stein, Barrón-Cedeño and Rosso, 2010, "An
//! Evaluation Framework for Plagiarism Detection"), as the official PAN scripts
//! compute them:
//!
//! - A *case* and a *detection* each cover characters in a suspicious document and
//!   in a source document. A detection *detects* a case when they concern the same
//!   document pair and overlap in both documents.
//! - Macro recall: the mean over cases of the share of the case's characters (both
//!   documents counted together) covered by the detections that detect it.
//! - Macro precision: the mean over detections of the share of the detection's
//!   characters covered by the cases it detects.
//! - Granularity: the mean number of detections per detected case (1 at best).
//! - plagdet = F1 / log2(1 + granularity).
//!
//! [`pan13`] reads the PAN 2013 text alignment corpus and writes detection files.

pub mod detect;
pub mod pan13;

/// A half-open range of characters (Unicode code points, as PAN counts them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CharRange {
    /// First character.
    pub offset: usize,
    /// Number of characters.
    pub length: usize,
}

impl CharRange {
    fn end(&self) -> usize {
        self.offset + self.length
    }

    fn overlaps(&self, other: &CharRange) -> bool {
        other.offset < self.end() && self.offset < other.end()
    }

    fn intersect(&self, other: &CharRange) -> Option<(usize, usize)> {
        let s = self.offset.max(other.offset);
        let e = self.end().min(other.end());
        (s < e).then_some((s, e))
    }
}

/// A plagiarism case or a detection: characters in the suspicious document and in
/// the source document of one pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Annotation {
    /// Index of the document pair the annotation belongs to.
    pub pair: usize,
    /// Characters in the suspicious document.
    pub this: CharRange,
    /// Characters in the source document.
    pub source: CharRange,
}

impl Annotation {
    /// True when `self` and `other` concern the same pair and overlap in both documents.
    pub fn detects(&self, other: &Annotation) -> bool {
        self.pair == other.pair
            && self.this.overlaps(&other.this)
            && self.source.overlaps(&other.source)
    }
}

/// The PAN measures for a set of cases and detections.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Plagdet {
    /// F1 of macro precision and recall, divided by log2(1 + granularity).
    pub plagdet: f64,
    /// Macro-averaged character precision.
    pub precision: f64,
    /// Macro-averaged character recall.
    pub recall: f64,
    /// Mean number of detections per detected case.
    pub granularity: f64,
    /// Number of cases.
    pub cases: usize,
    /// Number of detections.
    pub detections: usize,
}

/// Length of the union of half-open intervals.
fn union_len(mut v: Vec<(usize, usize)>) -> usize {
    v.sort_unstable();
    let mut total = 0;
    let mut cur: Option<(usize, usize)> = None;
    for (s, e) in v {
        match cur {
            Some((cs, ce)) if s <= ce => cur = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                cur = Some((s, e));
            }
            None => cur = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = cur {
        total += ce - cs;
    }
    total
}

/// Share of `target`'s characters (both documents) covered by the `others` that
/// overlap it in both documents.
fn covered_share(target: &Annotation, others: &[&Annotation]) -> f64 {
    let hits: Vec<&&Annotation> = others.iter().filter(|o| o.detects(target)).collect();
    let this = union_len(
        hits.iter()
            .filter_map(|o| o.this.intersect(&target.this))
            .collect(),
    );
    let source = union_len(
        hits.iter()
            .filter_map(|o| o.source.intersect(&target.source))
            .collect(),
    );
    let total = target.this.length + target.source.length;
    if total == 0 {
        0.0
    } else {
        (this + source) as f64 / total as f64
    }
}

/// Groups annotations by pair.
fn by_pair(items: &[Annotation]) -> std::collections::HashMap<usize, Vec<&Annotation>> {
    let mut m: std::collections::HashMap<usize, Vec<&Annotation>> = Default::default();
    for a in items {
        m.entry(a.pair).or_default().push(a);
    }
    m
}

/// Computes plagdet, macro precision and recall and granularity, with the PAN
/// conventions for empty sets: no cases and no detections score 1; cases without
/// detections (or the reverse) score 0; granularity is 1 when nothing is detected.
pub fn plagdet(cases: &[Annotation], detections: &[Annotation]) -> Plagdet {
    let cases_by_pair = by_pair(cases);
    let dets_by_pair = by_pair(detections);
    let empty: Vec<&Annotation> = Vec::new();
    let (recall, precision) = if cases.is_empty() && detections.is_empty() {
        (1.0, 1.0)
    } else if cases.is_empty() || detections.is_empty() {
        (0.0, 0.0)
    } else {
        let rec: f64 = cases
            .iter()
            .map(|c| covered_share(c, dets_by_pair.get(&c.pair).unwrap_or(&empty)))
            .sum::<f64>()
            / cases.len() as f64;
        let prec: f64 = detections
            .iter()
            .map(|d| covered_share(d, cases_by_pair.get(&d.pair).unwrap_or(&empty)))
            .sum::<f64>()
            / detections.len() as f64;
        (rec, prec)
    };
    let mut detected = 0usize;
    let mut detection_count = 0usize;
    for c in cases {
        let n = dets_by_pair
            .get(&c.pair)
            .map_or(0, |ds| ds.iter().filter(|d| d.detects(c)).count());
        if n > 0 {
            detected += 1;
            detection_count += n;
        }
    }
    let granularity = if detected == 0 {
        1.0
    } else {
        detection_count as f64 / detected as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Plagdet {
        plagdet: f1 / (1.0 + granularity).log2(),
        precision,
        recall,
        granularity,
        cases: cases.len(),
        detections: detections.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(pair: usize, t: (usize, usize), s: (usize, usize)) -> Annotation {
        Annotation {
            pair,
            this: CharRange {
                offset: t.0,
                length: t.1,
            },
            source: CharRange {
                offset: s.0,
                length: s.1,
            },
        }
    }

    #[test]
    fn perfect_detection_scores_one() {
        let c = [ann(0, (10, 100), (50, 100))];
        let r = plagdet(&c, &c);
        assert_eq!(
            (r.plagdet, r.precision, r.recall, r.granularity),
            (1.0, 1.0, 1.0, 1.0)
        );
    }

    #[test]
    fn half_detection_by_hand() {
        // Case: 100 chars in each document. Detection: first 50 of each, exactly.
        // recall = (50 + 50) / 200 = 0.5, precision = 1, F1 = 2/3, gran 1.
        let r = plagdet(&[ann(0, (0, 100), (0, 100))], &[ann(0, (0, 50), (0, 50))]);
        assert!((r.recall - 0.5).abs() < 1e-12);
        assert!((r.precision - 1.0).abs() < 1e-12);
        assert!((r.plagdet - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn split_detection_pays_granularity() {
        // Two detections cover the case exactly between them: recall 1, precision 1,
        // granularity 2, plagdet = 1 / log2(3).
        let c = [ann(0, (0, 100), (0, 100))];
        let d = [ann(0, (0, 50), (0, 50)), ann(0, (50, 50), (50, 50))];
        let r = plagdet(&c, &d);
        assert!((r.recall - 1.0).abs() < 1e-12);
        assert!((r.granularity - 2.0).abs() < 1e-12);
        assert!((r.plagdet - 1.0 / 3f64.log2()).abs() < 1e-12);
    }

    #[test]
    fn detection_must_overlap_in_both_documents_and_pair() {
        // Overlaps in the suspicious document only: detects nothing.
        let c = [ann(0, (0, 100), (0, 100))];
        let d = [ann(0, (0, 100), (500, 100)), ann(1, (0, 100), (0, 100))];
        let r = plagdet(&c, &d);
        assert_eq!((r.recall, r.precision, r.plagdet), (0.0, 0.0, 0.0));
        assert_eq!(r.granularity, 1.0);
    }

    #[test]
    fn overhanging_detection_by_hand() {
        // Case this 0..100, source 0..100. Detection this 50..150 (100), source 0..100.
        // recall = (50 + 100) / 200 = 0.75; precision = (50 + 100) / 200 = 0.75.
        let r = plagdet(
            &[ann(0, (0, 100), (0, 100))],
            &[ann(0, (50, 100), (0, 100))],
        );
        assert!((r.recall - 0.75).abs() < 1e-12);
        assert!((r.precision - 0.75).abs() < 1e-12);
        // A false detection in another pair halves precision.
        let r = plagdet(
            &[ann(0, (0, 100), (0, 100))],
            &[ann(0, (50, 100), (0, 100)), ann(3, (0, 10), (0, 10))],
        );
        assert!((r.precision - 0.375).abs() < 1e-12);
    }

    #[test]
    fn empty_conventions() {
        assert_eq!(plagdet(&[], &[]).plagdet, 1.0);
        assert_eq!(plagdet(&[], &[ann(0, (0, 1), (0, 1))]).plagdet, 0.0);
        assert_eq!(plagdet(&[ann(0, (0, 1), (0, 1))], &[]).plagdet, 0.0);
    }

    #[test]
    fn overlapping_detections_count_characters_once() {
        let c = [ann(0, (0, 100), (0, 100))];
        let d = [ann(0, (0, 60), (0, 60)), ann(0, (40, 60), (40, 60))];
        let r = plagdet(&c, &d);
        assert!((r.recall - 1.0).abs() < 1e-12);
        assert!((r.granularity - 2.0).abs() < 1e-12);
    }
}
