//! Locality-sensitive hashing by banding MinHash signatures.
//!
//! A signature of `bands × rows` values is cut into `bands` bands; two documents
//! become a candidate pair when all `rows` values of at least one band agree. For a
//! pair of Jaccard similarity `s`, that happens with probability
//! `P(s) = 1 − (1 − s^rows)^bands`.
//!
//! # Choosing bands and rows
//! For a threshold `t`, [`LshParams::optimal`] minimises
//!
//! ```text
//! w_fp · ∫₀ᵗ P(s) ds  +  w_fn · ∫ₜ¹ (1 − P(s)) ds      subject to bands · rows ≤ num_perm
//! ```
//!
//! (the false-positive and false-negative areas under the S-curve). Every candidate
//! is verified exactly, so a false positive costs only verification time while a
//! false negative is lost for good: the default weights are `w_fp = 0.05`,
//! `w_fn = 0.95`. With 128 values and `t = 0.8` this gives 16 bands × 8 rows, which
//! catches a pair at Jaccard 0.8 with probability 0.95 (equal weights would give
//! 9 × 13 and only 0.40).
//!
//! Buckets are built one band at a time as sorted vectors of `(band key, doc)`, so
//! memory is one band's worth and the candidate list comes out in a deterministic
//! order.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Default weight of the false-positive area.
pub const DEFAULT_FP_WEIGHT: f64 = 0.05;
/// Default weight of the false-negative area.
pub const DEFAULT_FN_WEIGHT: f64 = 0.95;

/// The banding layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LshParams {
    /// Number of bands.
    pub bands: usize,
    /// Signature values per band.
    pub rows: usize,
}

/// How a run's banding layout is chosen.
///
/// The layout depends on the similarity threshold and the signature length, so it
/// is resolved from them when a run starts ([`LshLayout::resolve`]) rather than
/// stored beside them, where it would go stale when either changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LshLayout {
    /// The layout [`LshParams::optimal`] chooses for the threshold and signature
    /// length, with the default weights [`DEFAULT_FP_WEIGHT`] and
    /// [`DEFAULT_FN_WEIGHT`].
    #[default]
    Auto,
    /// Exactly this many bands of this many rows.
    Fixed {
        /// Number of bands.
        bands: usize,
        /// Signature values per band.
        rows: usize,
    },
}

impl LshLayout {
    /// The bands and rows of this layout for `threshold` and `num_perm`.
    pub fn resolve(&self, threshold: f64, num_perm: usize) -> LshParams {
        match *self {
            LshLayout::Auto => {
                LshParams::optimal(threshold, num_perm, DEFAULT_FP_WEIGHT, DEFAULT_FN_WEIGHT)
            }
            LshLayout::Fixed { bands, rows } => LshParams { bands, rows },
        }
    }
}

/// Probability that a pair of Jaccard similarity `s` shares at least one band.
pub fn collision_probability(s: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

/// `∫ₐᵇ f` by composite Simpson's rule on `n` intervals (`n` even): the areas under
/// the collision curve that [`LshParams::optimal`] weighs (smooth polynomials of the
/// similarity, so a few hundred intervals leave an error far below the gaps between
/// layouts' costs).
pub fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let mut sum = f(a) + f(b);
    for i in 1..n {
        let x = a + i as f64 * h;
        sum += if i % 2 == 1 { 4.0 } else { 2.0 } * f(x);
    }
    sum * h / 3.0
}

/// Intervals of the integration in [`LshParams::optimal`].
const OPTIMAL_INTERVALS: usize = 200;

impl LshParams {
    /// The layout minimising the weighted false-positive and false-negative areas
    /// for `threshold` (see the module documentation).
    pub fn optimal(threshold: f64, num_perm: usize, fp_weight: f64, fn_weight: f64) -> LshParams {
        let mut best = (f64::INFINITY, LshParams { bands: 1, rows: 1 });
        for rows in 1..=num_perm {
            for bands in 1..=num_perm / rows {
                let fp = simpson(
                    |s| collision_probability(s, bands, rows),
                    0.0,
                    threshold,
                    OPTIMAL_INTERVALS,
                );
                let fneg = simpson(
                    |s| 1.0 - collision_probability(s, bands, rows),
                    threshold,
                    1.0,
                    OPTIMAL_INTERVALS,
                );
                let cost = fp_weight * fp + fn_weight * fneg;
                if cost < best.0 - 1e-12 {
                    best = (cost, LshParams { bands, rows });
                }
            }
        }
        best.1
    }

    /// Signature values used (`bands × rows`).
    pub fn used_perm(&self) -> usize {
        self.bands * self.rows
    }
}

/// Hashes each band of a signature into one key; `out` receives `bands` keys. The
/// band's values are hashed as little-endian bytes, laid out in a stack buffer up to
/// 64 rows (no allocation per document).
pub fn band_keys(signature: &[u32], params: &LshParams, out: &mut Vec<u64>) {
    let mut small = [0u8; 64 * 4];
    let mut large = Vec::new();
    let len = params.rows * 4;
    let bytes: &mut [u8] = if len <= small.len() {
        &mut small[..len]
    } else {
        large.resize(len, 0u8);
        &mut large
    };
    out.reserve(params.bands);
    for band in 0..params.bands {
        let values = &signature[band * params.rows..(band + 1) * params.rows];
        for (slot, v) in bytes.chunks_exact_mut(4).zip(values) {
            slot.copy_from_slice(&v.to_le_bytes());
        }
        out.push(xxh3_64_with_seed(bytes, band as u64));
    }
}

/// The pairs of every bucket of `sorted` (band keys with their documents, sorted by
/// key, then document): a bucket of up to `max_bucket` documents (at least 2) yields
/// all its pairs, a larger one pairs every member with its first `max_bucket` only.
/// `pair(a, b)` receives each pair with `a` before `b` in the bucket's order. The one
/// rule for both the in-memory run and the staged band stage.
pub fn bucket_pairs<D: Copy>(sorted: &[(u64, D)], max_bucket: usize, mut pair: impl FnMut(D, D)) {
    let max_bucket = max_bucket.max(2);
    for run in sorted.chunk_by(|x, y| x.0 == y.0) {
        let heads = run.len().min(max_bucket);
        for i in 0..heads {
            for j in i + 1..run.len() {
                pair(run[i].1, run[j].1);
            }
        }
    }
}

/// Finds candidate pairs from the band keys of all documents.
///
/// `keys` holds `bands` keys per document, documents in order; `eligible(doc)` says
/// whether a document takes part (empty documents do not). A bucket of up to
/// `max_bucket` documents yields all its pairs; a larger one (thousands of copies of
/// one text) pairs every member with its first `max_bucket` members only, which keeps
/// the work linear while still linking every true copy. Pairs `(a, b)` have `a < b`,
/// come out sorted and without repeats.
pub fn candidate_pairs(
    keys: &[u64],
    bands: usize,
    eligible: impl Fn(u32) -> bool + Sync,
    max_bucket: usize,
) -> Vec<(u32, u32)> {
    let docs = keys.len() / bands.max(1);
    let mut pairs: Vec<u64> = Vec::new();
    let mut column: Vec<(u64, u32)> = Vec::with_capacity(docs);
    for band in 0..bands {
        column.clear();
        column.extend(
            (0..docs as u32)
                .filter(|&d| eligible(d))
                .map(|d| (keys[d as usize * bands + band], d)),
        );
        crate::exec::sort_unstable(&mut column);
        bucket_pairs(&column, max_bucket, |a, b| {
            pairs.push(((a as u64) << 32) | b as u64)
        });
        // Keep the list compact as it grows across bands.
        if pairs.len() > 1 << 22 {
            crate::exec::sort_unstable(&mut pairs);
            pairs.dedup();
        }
    }
    crate::exec::sort_unstable(&mut pairs);
    pairs.dedup();
    pairs
        .into_iter()
        .map(|p| ((p >> 32) as u32, p as u32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_keys_hash_each_band_as_little_endian_bytes() {
        let signature: Vec<u32> = (0..200u32).map(|v| v.wrapping_mul(0x9E37_79B9)).collect();
        for (bands, rows) in [(16, 8), (9, 13), (1, 1), (2, 70), (3, 0)] {
            let params = LshParams { bands, rows };
            let mut keys = Vec::new();
            band_keys(&signature, &params, &mut keys);
            let expected: Vec<u64> = (0..bands)
                .map(|b| {
                    let bytes: Vec<u8> = signature[b * rows..(b + 1) * rows]
                        .iter()
                        .flat_map(|v| v.to_le_bytes())
                        .collect();
                    xxh3_64_with_seed(&bytes, b as u64)
                })
                .collect();
            assert_eq!(keys, expected, "{bands} x {rows}");
        }
    }

    #[test]
    fn recall_weighted_default_at_0_8() {
        let p = LshParams::optimal(0.8, 128, DEFAULT_FP_WEIGHT, DEFAULT_FN_WEIGHT);
        assert_eq!(p, LshParams { bands: 16, rows: 8 });
        assert!(collision_probability(0.8, p.bands, p.rows) > 0.94);
    }

    #[test]
    fn equal_weights_give_the_classic_layout() {
        let p = LshParams::optimal(0.8, 128, 0.5, 0.5);
        assert_eq!(p, LshParams { bands: 9, rows: 13 });
    }

    #[test]
    fn probability_is_monotone() {
        let mut last = 0.0;
        for i in 0..=100 {
            let p = collision_probability(i as f64 / 100.0, 16, 8);
            assert!(p >= last);
            last = p;
        }
        assert_eq!(collision_probability(1.0, 16, 8), 1.0);
    }

    #[test]
    fn buckets_make_pairs() {
        // docs 0 and 2 share band 0; docs 1 and 2 share band 1; doc 3 is ineligible.
        let keys = vec![10, 20, 11, 21, 10, 21, 10, 21];
        let pairs = candidate_pairs(&keys, 2, |d| d != 3, 10);
        assert_eq!(pairs, vec![(0, 2), (1, 2)]);
    }

    #[test]
    fn big_buckets_are_capped_but_connected() {
        let keys = vec![7u64; 100];
        let pairs = candidate_pairs(&keys, 1, |_| true, 3);
        assert!(pairs.len() < 100 * 99 / 2);
        assert!((1..100).all(|d| pairs.contains(&(0, d))));
    }
}
