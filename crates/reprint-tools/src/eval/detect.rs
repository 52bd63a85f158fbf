//! Aligning every pair of the PAN 2013 text alignment corpus, in parallel.
//!
//! Each document is read and prepared once (in parallel), then the pairs are
//! aligned in parallel; detections come back in pair order, so the result does not
//! depend on scheduling.

use crate::eval::pan13::{char_offset, Corpus};
use crate::eval::{Annotation, CharRange};
use rayon::prelude::*;
use reprint::align::{align, AlignConfig, PreparedDoc};
use reprint::error::{Error, Result};
use reprint::text::NormalizeConfig;
use std::collections::HashMap;

/// Aligns all pairs of `corpus` (suspicious document first) and returns the
/// detections in character offsets, ordered by pair.
pub fn detect(
    corpus: &Corpus,
    cfg: &AlignConfig,
    norm: &NormalizeConfig,
) -> Result<Vec<Annotation>> {
    let mut names: Vec<(bool, &str)> = corpus
        .pairs
        .iter()
        .flat_map(|p| [(true, p.susp.as_str()), (false, p.src.as_str())])
        .collect();
    names.sort_unstable();
    names.dedup();
    let texts: Vec<String> = names
        .par_iter()
        .map(|&(is_susp, name)| {
            let path = if is_susp {
                corpus.susp_path(name)
            } else {
                corpus.src_path(name)
            };
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            String::from_utf8(bytes).map_err(|_| Error::Corrupt {
                path: path.clone(),
                message: "invalid UTF-8".into(),
            })
        })
        .collect::<Result<_>>()?;
    let prepared: Vec<PreparedDoc> = texts
        .par_iter()
        .map(|t| PreparedDoc::new(t, norm))
        .collect();
    let index: HashMap<(bool, &str), usize> =
        names.iter().enumerate().map(|(k, &n)| (n, k)).collect();
    let per_pair: Vec<Vec<Annotation>> = corpus
        .pairs
        .par_iter()
        .enumerate()
        .map(|(n, p)| {
            let (Some(&ia), Some(&ib)) = (
                index.get(&(true, p.susp.as_str())),
                index.get(&(false, p.src.as_str())),
            ) else {
                return Vec::new();
            };
            let (a, b) = (&prepared[ia], &prepared[ib]);
            align(a, b, cfg)
                .into_iter()
                .map(|m| {
                    let range = |text: &str, s: reprint::Span| {
                        let offset = char_offset(text, s.start);
                        CharRange {
                            offset,
                            length: text[s.start..s.end].chars().count(),
                        }
                    };
                    Annotation {
                        pair: n,
                        this: range(a.text(), m.a),
                        source: range(b.text(), m.b),
                    }
                })
                .collect()
        })
        .collect();
    Ok(per_pair.into_iter().flatten().collect())
}
