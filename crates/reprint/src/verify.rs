//! Exact verification of candidate pairs on their shingle sets, and the spill store
//! that keeps those sets on disk while a large dump is processed.

use crate::error::{Error, Result};
use std::io::{BufWriter, Write};

/// Exact similarity scores of a pair of documents `(a, b)`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PairScore {
    /// |A ∩ B| / |A ∪ B|.
    pub jaccard: f64,
    /// |A ∩ B| / |A|: how much of `a` is found in `b`.
    pub containment_a_in_b: f64,
    /// |A ∩ B| / |B|: how much of `b` is found in `a`.
    pub containment_b_in_a: f64,
    /// Shingles in common.
    pub shared_shingles: usize,
}

/// Scores two sorted, repeat-free sets (32-bit shingle fingerprints, or any ordered keys).
pub fn score_sets<T: Ord>(a: &[T], b: &[T]) -> PairScore {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - shared;
    let ratio = |num: usize, den: usize| {
        if den == 0 {
            0.0
        } else {
            num as f64 / den as f64
        }
    };
    PairScore {
        jaccard: ratio(shared, union),
        containment_a_in_b: ratio(shared, a.len()),
        containment_b_in_a: ratio(shared, b.len()),
        shared_shingles: shared,
    }
}

/// Writes shingle sets one document after another to a temporary file, so that
/// memory does not grow with the size of the dump.
pub struct SetStoreWriter {
    file: BufWriter<std::fs::File>,
    offsets: Vec<u64>,
    written: u64,
}

impl SetStoreWriter {
    /// Creates an empty store in the system's temporary directory, as an unlinked file
    /// (it has no name, so it is gone when the process ends, even on Ctrl-C or a crash).
    pub fn new() -> Result<Self> {
        let file = tempfile::tempfile()
            .map_err(|e| Error::stream("creating the shingle spill file", e))?;
        Ok(SetStoreWriter {
            file: BufWriter::with_capacity(1 << 20, file),
            offsets: vec![0],
            written: 0,
        })
    }

    /// Appends the next document's set.
    pub fn push(&mut self, set: &[u32]) -> Result<()> {
        // SAFETY: any initialised u32 is four initialised bytes; the view has the
        // slice's lifetime and length in bytes. The file holds native-endian values,
        // as `get` reads them.
        let bytes = unsafe {
            std::slice::from_raw_parts(set.as_ptr().cast::<u8>(), std::mem::size_of_val(set))
        };
        self.file
            .write_all(bytes)
            .map_err(|e| Error::stream("writing the shingle spill file", e))?;
        self.written += set.len() as u64;
        self.offsets.push(self.written);
        Ok(())
    }

    /// Number of sets written.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True when no set has been written.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Finishes writing and maps the file for reading.
    pub fn finish(self) -> Result<SetStore> {
        let file = self
            .file
            .into_inner()
            .map_err(|e| Error::stream("flushing the shingle spill file", e.into_error()))?;
        let map = if self.written == 0 {
            None
        } else {
            // SAFETY: the file is a private temporary file that nothing else writes
            // while the map is alive.
            Some(unsafe {
                memmap2::Mmap::map(&file)
                    .map_err(|e| Error::stream("mapping the shingle spill file", e))?
            })
        };
        Ok(SetStore {
            map,
            offsets: self.offsets,
        })
    }
}

/// Shingle sets by document number, wherever they are kept.
pub trait SetSource: Sync {
    /// The set of document `doc` (empty when it has none).
    fn set(&self, doc: u32) -> &[u32];
}

impl SetSource for SetStore {
    fn set(&self, doc: u32) -> &[u32] {
        self.get(doc as usize)
    }
}

/// Read access to the shingle sets written by a [`SetStoreWriter`].
pub struct SetStore {
    map: Option<memmap2::Mmap>,
    offsets: Vec<u64>,
}

impl SetStore {
    /// The set of document `doc`.
    pub fn get(&self, doc: usize) -> &[u32] {
        let (start, end) = (self.offsets[doc] as usize, self.offsets[doc + 1] as usize);
        let Some(map) = &self.map else {
            return &[];
        };
        let bytes = &map[start * 4..end * 4];
        // SAFETY: a u32 has no invalid bit patterns, and the map is page-aligned with
        // every set starting at a multiple of 4 bytes, so the middle part is the whole.
        let (head, values, tail) = unsafe { bytes.align_to::<u32>() };
        debug_assert!(head.is_empty() && tail.is_empty());
        values
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True when the store holds no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The sets of some documents, copied onto the heap by a reader of sets on disk: what
/// a block of clusters needs, held only while it is scored, so that resident memory
/// holds that block's sets and nothing else of the files.
pub struct SetsCopy {
    /// The documents, sorted and distinct.
    docs: Vec<u32>,
    /// Where each document's set starts in `values` (and one past the last).
    starts: Vec<usize>,
    values: Vec<u32>,
}

impl SetsCopy {
    /// Reads the sets of `docs` (in any order, repeats allowed) with `read`, which
    /// fills its buffer with the set of a document.
    pub fn read(
        docs: impl IntoIterator<Item = u32>,
        mut read: impl FnMut(u32, &mut Vec<u32>) -> Result<()>,
    ) -> Result<SetsCopy> {
        let mut docs: Vec<u32> = docs.into_iter().collect();
        docs.sort_unstable();
        docs.dedup();
        let mut starts = Vec::with_capacity(docs.len() + 1);
        let mut values = Vec::new();
        let mut buf = Vec::new();
        starts.push(0);
        for &d in &docs {
            read(d, &mut buf)?;
            values.extend_from_slice(&buf);
            starts.push(values.len());
        }
        Ok(SetsCopy {
            docs,
            starts,
            values,
        })
    }
}

impl SetSource for SetsCopy {
    fn set(&self, doc: u32) -> &[u32] {
        match self.docs.binary_search(&doc) {
            Ok(i) => &self.values[self.starts[i]..self.starts[i + 1]],
            Err(_) => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores() {
        let s = score_sets(&[1, 2, 3, 4], &[3, 4, 5]);
        assert_eq!(s.shared_shingles, 2);
        assert!((s.jaccard - 0.4).abs() < 1e-12);
        assert!((s.containment_a_in_b - 0.5).abs() < 1e-12);
        assert!((s.containment_b_in_a - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(score_sets::<u32>(&[], &[]).jaccard, 0.0);
    }

    #[test]
    fn store_round_trip() {
        let mut w = SetStoreWriter::new().unwrap();
        w.push(&[1, 2, 3]).unwrap();
        w.push(&[]).unwrap();
        w.push(&[9]).unwrap();
        let s = w.finish().unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s.get(0), &[1, 2, 3]);
        assert!(s.get(1).is_empty());
        assert_eq!(s.get(2), &[9]);
    }

    #[test]
    fn empty_store() {
        let mut w = SetStoreWriter::new().unwrap();
        w.push(&[]).unwrap();
        let s = w.finish().unwrap();
        assert!(s.get(0).is_empty());
    }
}
