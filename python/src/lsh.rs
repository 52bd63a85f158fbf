//! The band index behind `reprint.MinHashLSH`, and datasketch's choice of bands and
//! rows.
//!
//! Python keeps the user's keys (any hashable object) and gives each an integer
//! handle; the buckets here map each band's key ([`reprint::lsh::band_keys`]) to the
//! handles whose signatures share it.

use std::collections::HashMap;

use pyo3::prelude::*;
use reprint::lsh::{band_keys, collision_probability, simpson, LshParams};

use crate::errors::value_error;
use crate::minhash::MinHashCore;

/// Intervals of the integration: finer than the library's own search, so that the
/// chosen `(b, r)` is datasketch's (which integrates with scipy's adaptive `quad`).
const INTERVALS: usize = 2000;

/// `optimal_params(threshold, num_perm, false_positive_weight, false_negative_weight)`:
/// the `(b, r)` datasketch's `MinHashLSH` chooses: over `b` bands of `r` rows with
/// `b·r ≤ num_perm` (bands in the outer loop, the first minimum kept), the one
/// minimising the weighted areas of false positives below the threshold and false
/// negatives above it. Runs without the GIL.
#[pyfunction]
pub fn optimal_params(
    py: Python<'_>,
    threshold: f64,
    num_perm: usize,
    false_positive_weight: f64,
    false_negative_weight: f64,
) -> (usize, usize) {
    py.detach(|| {
        let mut best = (f64::INFINITY, (0, 0));
        for b in 1..=num_perm {
            for r in 1..=num_perm / b {
                let fp = simpson(
                    |s| collision_probability(s, b, r),
                    0.0,
                    threshold,
                    INTERVALS,
                );
                let fneg = simpson(
                    |s| 1.0 - collision_probability(s, b, r),
                    threshold,
                    1.0,
                    INTERVALS,
                );
                let error = fp * false_positive_weight + fneg * false_negative_weight;
                if error < best.0 {
                    best = (error, (b, r));
                }
            }
        }
        best.1
    })
}

/// Buckets of band keys to handles, one map per band.
#[pyclass(module = "reprint._reprint", name = "BandIndex")]
pub struct BandIndex {
    params: LshParams,
    num_perm: usize,
    buckets: Vec<HashMap<u64, Vec<u64>>>,
    /// The band keys each handle was filed under (for `remove`).
    keys_of: HashMap<u64, Vec<u64>>,
}

impl BandIndex {
    fn keys(&self, minhash: &MinHashCore) -> PyResult<Vec<u64>> {
        if minhash.num_perm() != self.num_perm {
            return Err(value_error(format!(
                "expecting minhash with length {}, got {}",
                self.num_perm,
                minhash.num_perm()
            )));
        }
        let mut keys = Vec::with_capacity(self.params.bands);
        band_keys(&minhash.signature(), &self.params, &mut keys);
        Ok(keys)
    }
}

#[pymethods]
impl BandIndex {
    /// `BandIndex(b, r, num_perm)`: an empty index of `b` bands of `r` rows over
    /// signatures of `num_perm` values.
    #[new]
    fn new(b: usize, r: usize, num_perm: usize) -> PyResult<Self> {
        if b == 0 || r == 0 || b * r > num_perm {
            return Err(value_error(format!(
                "the product of b and r ({b} × {r}) must be between 1 and num_perm ({num_perm})"
            )));
        }
        Ok(BandIndex {
            params: LshParams { bands: b, rows: r },
            num_perm,
            buckets: vec![HashMap::new(); b],
            keys_of: HashMap::new(),
        })
    }

    /// Files `handle` under the band keys of `minhash`.
    fn insert(
        &mut self,
        py: Python<'_>,
        handle: u64,
        minhash: PyRef<'_, MinHashCore>,
    ) -> PyResult<()> {
        let keys = self.keys(&minhash)?;
        drop(minhash);
        let BandIndex {
            buckets, keys_of, ..
        } = self;
        py.detach(|| {
            for (bucket, key) in buckets.iter_mut().zip(&keys) {
                bucket.entry(*key).or_default().push(handle);
            }
            keys_of.insert(handle, keys);
        });
        Ok(())
    }

    /// The handles sharing at least one band with `minhash`, each once, in the order
    /// they were inserted.
    fn query(&self, py: Python<'_>, minhash: PyRef<'_, MinHashCore>) -> PyResult<Vec<u64>> {
        let keys = self.keys(&minhash)?;
        drop(minhash);
        Ok(py.detach(|| {
            let mut found: Vec<u64> = self
                .buckets
                .iter()
                .zip(&keys)
                .filter_map(|(bucket, key)| bucket.get(key))
                .flatten()
                .copied()
                .collect();
            found.sort_unstable();
            found.dedup();
            found
        }))
    }

    /// Removes `handle` from every bucket; false if it was not filed.
    fn remove(&mut self, handle: u64) -> bool {
        let Some(keys) = self.keys_of.remove(&handle) else {
            return false;
        };
        for (bucket, key) in self.buckets.iter_mut().zip(&keys) {
            if let Some(handles) = bucket.get_mut(key) {
                handles.retain(|&h| h != handle);
                if handles.is_empty() {
                    bucket.remove(key);
                }
            }
        }
        true
    }

    /// The number of handles filed.
    fn __len__(&self) -> usize {
        self.keys_of.len()
    }
}
