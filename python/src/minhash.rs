//! The MinHash core behind `reprint.MinHash`: raw bins of the library's
//! one-permutation MinHash ([`reprint::minhash::MinHasher`]), fed with hashed byte
//! strings and densified into a signature on demand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyList};
use reprint::minhash::{MinHasher, EMPTY_BIN};
use xxhash_rust::xxh3::xxh3_64;

use crate::errors::value_error;

/// Hashers by `(num_perm, seed)`: building one tables its probe order, which costs far
/// more than signing a short text, so every `MinHash` of one shape shares one.
fn shared_hasher(num_perm: usize, seed: u64) -> Arc<MinHasher> {
    type Hashers = Mutex<HashMap<(usize, u64), Arc<MinHasher>>>;
    static HASHERS: OnceLock<Hashers> = OnceLock::new();
    let mut map = HASHERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    map.entry((num_perm, seed))
        .or_insert_with(|| Arc::new(MinHasher::new(num_perm, seed)))
        .clone()
}

/// The largest signature length accepted (the library tables probe orders up to 1024
/// bins; longer signatures work but densify more slowly).
const MAX_NUM_PERM: usize = 1 << 16;

/// Raw MinHash bins and the hasher that fills them; the base class of `reprint.MinHash`.
#[pyclass(subclass, module = "reprint._reprint", name = "MinHashCore")]
pub struct MinHashCore {
    seed: u64,
    hasher: Arc<MinHasher>,
    /// Minimum value per bin before densification ([`EMPTY_BIN`] if none).
    bins: Vec<u32>,
    /// A Python callable mapping `bytes` to an integer, used instead of xxh3.
    hashfunc: Option<Py<PyAny>>,
    /// Number of `update` values folded in (with repeats), for `count()`'s empty case.
    updated: u64,
}

impl MinHashCore {
    /// The densified signature.
    pub fn signature(&self) -> Vec<u32> {
        let mut sig = self.bins.clone();
        self.hasher.densify_bins(&mut sig);
        sig
    }

    /// The signature length.
    pub fn num_perm(&self) -> usize {
        self.bins.len()
    }

    fn check_same_shape(&self, other: &MinHashCore, what: &str) -> PyResult<()> {
        if self.num_perm() != other.num_perm() {
            return Err(value_error(format!(
                "cannot {what} MinHash with different numbers of permutation functions \
                 ({} and {})",
                self.num_perm(),
                other.num_perm()
            )));
        }
        if self.seed != other.seed {
            return Err(value_error(format!(
                "cannot {what} MinHash with different seeds ({} and {})",
                self.seed, other.seed
            )));
        }
        Ok(())
    }

    /// The 64-bit shingle hash of one value: the user's `hashfunc`, or xxh3.
    fn hash_value(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<u64> {
        match &self.hashfunc {
            None => Ok(xxh3_64(&value.extract::<PyBackedBytes>()?)),
            Some(f) => {
                let h = f.call1(py, (value,))?;
                let h = h.bind(py);
                if let Ok(v) = h.extract::<u64>() {
                    Ok(v)
                } else if let Ok(v) = h.extract::<i64>() {
                    Ok(v as u64)
                } else {
                    Err(PyTypeError::new_err(
                        "hashfunc must return an integer that fits in 64 bits",
                    ))
                }
            }
        }
    }
}

#[pymethods]
impl MinHashCore {
    /// `MinHashCore(num_perm=128, seed=1, hashfunc=None)`: an empty MinHash.
    #[new]
    #[pyo3(signature = (num_perm = 128, seed = 1, hashfunc = None))]
    fn new(num_perm: i64, seed: i64, hashfunc: Option<Py<PyAny>>) -> PyResult<Self> {
        if num_perm < 1 || num_perm as usize > MAX_NUM_PERM {
            return Err(value_error(format!(
                "num_perm must be between 1 and {MAX_NUM_PERM}, not {num_perm}"
            )));
        }
        let num_perm = num_perm as usize;
        let seed = seed as u64;
        Ok(MinHashCore {
            seed,
            hasher: shared_hasher(num_perm, seed),
            bins: vec![EMPTY_BIN; num_perm],
            hashfunc,
            updated: 0,
        })
    }

    /// Adds one value (`bytes`, or whatever `hashfunc` accepts) to the set.
    fn update(&mut self, py: Python<'_>, b: &Bound<'_, PyAny>) -> PyResult<()> {
        let h = self.hash_value(py, b)?;
        self.hasher.accumulate(&[h], &mut self.bins);
        self.updated += 1;
        Ok(())
    }

    /// Adds every value of an iterable of `bytes`; hashing and binning run without
    /// the GIL.
    fn update_batch(&mut self, py: Python<'_>, b: &Bound<'_, PyAny>) -> PyResult<()> {
        let mut hashes = Vec::new();
        if self.hashfunc.is_some() {
            for item in b.try_iter()? {
                hashes.push(self.hash_value(py, &item?)?);
            }
        } else {
            let mut backed = Vec::new();
            for item in b.try_iter()? {
                backed.push(item?.extract::<PyBackedBytes>()?);
            }
            let slices: Vec<&[u8]> = backed.iter().map(|v| &v[..]).collect();
            hashes = py.detach(|| slices.iter().map(|s| xxh3_64(s)).collect());
        }
        let hasher = &self.hasher;
        let bins = &mut self.bins;
        py.detach(|| hasher.accumulate(&hashes, bins));
        self.updated += hashes.len() as u64;
        Ok(())
    }

    /// The estimated Jaccard similarity with `other` (the share of equal signature
    /// values). Raises `ValueError` if the two differ in `num_perm` or `seed`.
    fn jaccard(&self, other: PyRef<'_, MinHashCore>) -> PyResult<f64> {
        self.check_same_shape(&other, "compute Jaccard similarity of")?;
        Ok(reprint::minhash::estimate_jaccard(
            &self.signature(),
            &other.signature(),
        ))
    }

    /// Folds `other` in: afterwards this is the MinHash of the union of both sets.
    /// Raises `ValueError` if the two differ in `num_perm` or `seed`.
    fn merge(&mut self, other: PyRef<'_, MinHashCore>) -> PyResult<()> {
        self.check_same_shape(&other, "merge")?;
        for (mine, theirs) in self.bins.iter_mut().zip(&other.bins) {
            *mine = (*mine).min(*theirs);
        }
        self.updated += other.updated;
        Ok(())
    }

    /// The estimated number of distinct values added (from the raw bins: linear
    /// counting while bins are empty, the mean bin minimum once all are filled).
    fn count(&self) -> f64 {
        let k = self.num_perm() as f64;
        let empty = self.bins.iter().filter(|&&v| v == EMPTY_BIN).count();
        if empty == self.num_perm() {
            return 0.0;
        }
        if empty > 0 {
            return k * (k / empty as f64).ln();
        }
        let scale = (u32::MAX as f64) + 1.0;
        let sum: f64 = self.bins.iter().map(|&v| (v as f64 + 1.0) / scale).sum();
        (k * k / sum - k).max(k)
    }

    /// True when nothing has been added.
    fn is_empty(&self) -> bool {
        self.bins.iter().all(|&v| v == EMPTY_BIN)
    }

    /// The signature length (`num_perm`).
    fn __len__(&self) -> usize {
        self.num_perm()
    }

    /// The signature length.
    #[getter(num_perm)]
    fn get_num_perm(&self) -> usize {
        self.num_perm()
    }

    /// The seed of the hash functions.
    #[getter]
    fn seed(&self) -> u64 {
        self.seed
    }

    /// The hash function given at construction (`None`: xxh3 of the bytes).
    #[getter]
    fn hashfunc(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.hashfunc.as_ref().map(|f| f.clone_ref(py))
    }

    /// The signature as little-endian `uint32` bytes (what `digest()` wraps).
    fn _digest_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let bytes: Vec<u8> = self
            .signature()
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        PyBytes::new(py, &bytes)
    }

    /// The signature as a list of ints.
    fn _digest_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.signature())
    }

    /// The raw bins and update count as bytes (for pickling and `copy()`).
    fn _get_bins<'py>(&self, py: Python<'py>) -> (Bound<'py, PyBytes>, u64) {
        let bytes: Vec<u8> = self.bins.iter().flat_map(|v| v.to_le_bytes()).collect();
        (PyBytes::new(py, &bytes), self.updated)
    }

    /// Restores raw bins saved by `_get_bins`.
    fn _set_bins(&mut self, bins: &[u8], updated: u64) -> PyResult<()> {
        if bins.len() != self.bins.len() * 4 {
            return Err(value_error(format!(
                "MinHash state holds {} bytes of bins, {} expected",
                bins.len(),
                self.bins.len() * 4
            )));
        }
        for (slot, chunk) in self.bins.iter_mut().zip(bins.chunks_exact(4)) {
            *slot = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        self.updated = updated;
        Ok(())
    }
}
