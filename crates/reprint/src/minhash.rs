//! MinHash signatures by one-permutation hashing with optimal densification.
//!
//! # Scheme and why
//! Classic k-mins MinHash hashes every shingle `k` times (128 hash evaluations per
//! shingle). One-permutation hashing (OPH; Li, Owen and Zhang, 2012) hashes each
//! shingle once: the top bits of a 64-bit mixed hash pick one of `k` bins and the low
//! 32 bits are the value kept if it is the bin's minimum. Bins that stay empty (short
//! documents) are filled by *optimal densification* (Shrivastava, ICML 2017): empty
//! bin `i` probes bins `j = h(i, 1), h(i, 2), …` with a seeded hash until it finds a
//! non-empty one and copies its value. The probe sequence depends only on `i` and the
//! seed, so two documents that agree on the underlying bins agree on the copies, and
//! `P[sig_a[i] == sig_b[i]] = J(a, b)` holds for every bin. The cost is one hash per
//! shingle plus O(k) per document instead of O(k) per shingle, and the estimator's
//! variance is at most that of k-mins, `J(1 − J)/k` (tested in `tests/it/properties`).
//!
//! The shingle hash is passed through the murmur3 64-bit finaliser keyed with the
//! seed: a bijection, so distinct shingles never merge, and different seeds give
//! independent-looking signatures.

/// Bin value marking "no shingle" before densification.
const EMPTY: u32 = u32::MAX;

/// The value of a raw bin that no shingle has reached ([`MinHasher::accumulate`]).
pub const EMPTY_BIN: u32 = EMPTY;

/// Signatures up to this length keep a table of each bin's probe order (2 bytes per
/// pair of bins: 32 KB at 128 bins, 2 MB at this limit).
const MAX_RANKED_PERM: usize = 1024;

/// At most this many filled bins are looked up in the rank table (`f² ≤ 4k` never
/// exceeds it up to [`MAX_RANKED_PERM`] bins).
const RANKED_MAX_FILLED: usize = 64;

/// Rank of a bin that a probe sequence does not reach within the attempts tabled.
const UNRANKED: u16 = u16::MAX;

/// The murmur3 64-bit finaliser: a fast bijective mixer.
#[inline]
pub fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// Computes MinHash signatures of a fixed length for a fixed seed.
#[derive(Debug, Clone)]
pub struct MinHasher {
    num_perm: usize,
    key: u64,
    /// `probe_rank[i * num_perm + j]`: the position of bin `j` among the distinct
    /// bins that the probe sequence of bin `i` visits ([`UNRANKED`] if not within
    /// the attempts tabled); empty when `num_perm` exceeds [`MAX_RANKED_PERM`].
    /// With few filled bins (a one-word document fills one), densification then
    /// takes the filled bin of lowest rank instead of probing about `num_perm`
    /// times per empty bin, with the same result.
    probe_rank: Vec<u16>,
}

impl MinHasher {
    /// A hasher producing signatures of `num_perm` values (at least 1).
    pub fn new(num_perm: usize, seed: u64) -> Self {
        let num_perm = num_perm.max(1);
        let key = fmix64(seed ^ 0x9e37_79b9_7f4a_7c15);
        let probe_rank = if num_perm <= MAX_RANKED_PERM {
            probe_ranks(key, num_perm)
        } else {
            Vec::new()
        };
        MinHasher {
            num_perm,
            key,
            probe_rank,
        }
    }

    /// The signature length.
    pub fn num_perm(&self) -> usize {
        self.num_perm
    }

    /// Writes the signature of a shingle multiset into `out` (length `num_perm`).
    /// Returns false, leaving `out` all `u32::MAX`, when there are no shingles.
    pub fn sign_into(&self, shingles: &[u64], out: &mut [u32]) -> bool {
        let k = self.num_perm;
        assert_eq!(out.len(), k, "signature buffer has the wrong length");
        out.fill(EMPTY);
        if shingles.is_empty() {
            return false;
        }
        self.accumulate(shingles, out);
        self.densify(out);
        true
    }

    /// Folds `shingles` into raw bins `bins` (length `num_perm`, [`EMPTY_BIN`] where no
    /// shingle has landed yet) without densifying them: each bin keeps the minimum
    /// value seen. Raw bins can be fed in any number of calls, merged by taking the
    /// minimum of each position (the bins of the union), and turned into the
    /// signature with [`MinHasher::densify_bins`]; the result is the signature
    /// [`MinHasher::sign_into`] gives for all the shingles at once.
    pub fn accumulate(&self, shingles: &[u64], bins: &mut [u32]) {
        let k = self.num_perm;
        assert_eq!(bins.len(), k, "bins buffer has the wrong length");
        // The low 32 bits become the value; to let EMPTY double as a marker, a true
        // value of u32::MAX is stored as u32::MAX - 1 (a 2^-32 distortion).
        for &s in shingles {
            let h = fmix64(s ^ self.key);
            let bin = (((h >> 32) * k as u64) >> 32) as usize;
            let value = (h as u32).min(EMPTY - 1);
            if value < bins[bin] {
                bins[bin] = value;
            }
        }
    }

    /// Densifies raw bins made by [`MinHasher::accumulate`] in place, giving the
    /// signature. Bins that are all [`EMPTY_BIN`] (no shingle) are left as they are.
    pub fn densify_bins(&self, bins: &mut [u32]) {
        assert_eq!(
            bins.len(),
            self.num_perm,
            "bins buffer has the wrong length"
        );
        if bins.iter().any(|&v| v != EMPTY) {
            self.densify(bins);
        }
    }

    /// The signature of a shingle multiset, or `None` when there are no shingles.
    pub fn signature(&self, shingles: &[u64]) -> Option<Vec<u32>> {
        let mut sig = vec![EMPTY; self.num_perm];
        self.sign_into(shingles, &mut sig).then_some(sig)
    }

    /// Fills every empty bin with the value of the first filled bin its probe
    /// sequence reaches. With `f` of `k` bins filled, probing costs about `k / f`
    /// hashes per empty bin and the rank table `f` look-ups: the cheaper one is used
    /// (both give the same signature). No allocation up to [`MAX_RANKED_PERM`] bins.
    fn densify(&self, sig: &mut [u32]) {
        let k = sig.len();
        // Which bins were filled before densification (filling changes `sig`).
        let mut small = [0u64; MAX_RANKED_PERM / 64];
        let mut large = Vec::new();
        let words = k.div_ceil(64);
        let bits: &mut [u64] = if words <= small.len() {
            &mut small[..words]
        } else {
            large.resize(words, 0u64);
            &mut large
        };
        for (j, &v) in sig.iter().enumerate() {
            if v != EMPTY {
                bits[j / 64] |= 1 << (j % 64);
            }
        }
        let filled_count: usize = bits.iter().map(|w| w.count_ones() as usize).sum();
        if filled_count == k {
            return;
        }
        if filled_count == 1 {
            // Every probe sequence ends at the only filled bin (a one-shingle document).
            let value = sig.iter().copied().find(|&v| v != EMPTY).unwrap_or(EMPTY);
            sig.fill(value);
            return;
        }
        let is_filled = |j: usize| bits[j / 64] & (1 << (j % 64)) != 0;
        // The filled bins, listed when the rank table is the cheaper way.
        let mut filled = [0u16; RANKED_MAX_FILLED];
        let ranked = !self.probe_rank.is_empty()
            && filled_count * filled_count <= 4 * k
            && filled_count <= RANKED_MAX_FILLED;
        if ranked {
            for (slot, j) in filled.iter_mut().zip((0..k).filter(|&j| is_filled(j))) {
                *slot = j as u16;
            }
        }
        let filled = &filled[..if ranked { filled_count } else { 0 }];
        for i in 0..k {
            if is_filled(i) {
                continue;
            }
            if ranked {
                let ranks = &self.probe_rank[i * k..(i + 1) * k];
                let best = filled.iter().map(|&j| j as usize).min_by_key(|&j| ranks[j]);
                if let Some(j) = best.filter(|&j| ranks[j] != UNRANKED) {
                    sig[i] = sig[j];
                    continue;
                }
            }
            sig[i] = sig[self.probe(i, k, is_filled)];
        }
    }

    /// The first bin that the probe sequence of bin `i` reaches for which
    /// `is_filled` holds.
    fn probe(&self, i: usize, k: usize, is_filled: impl Fn(usize) -> bool) -> usize {
        // Terminates: the caller has at least one filled bin, and the mixed probe
        // sequence reaches every bin.
        let mut attempt: u64 = 1;
        loop {
            let j = probe_bin(self.key, i, attempt, k);
            if is_filled(j) {
                return j;
            }
            attempt += 1;
        }
    }
}

/// Bin `attempt` of the probe sequence of bin `i` among `k` bins.
#[inline]
fn probe_bin(key: u64, i: usize, attempt: u64, k: usize) -> usize {
    let probe = fmix64(key ^ ((i as u64) << 32) ^ attempt);
    (((probe >> 32) * k as u64) >> 32) as usize
}

/// The rank table of [`MinHasher::probe_rank`]: for each bin, the order in which its
/// probe sequence first visits every bin (about `k ln k` attempts per bin; bins
/// not seen within `64 k` attempts stay [`UNRANKED`] and are probed for).
fn probe_ranks(key: u64, k: usize) -> Vec<u16> {
    let mut ranks = vec![UNRANKED; k * k];
    for i in 0..k {
        let row = &mut ranks[i * k..(i + 1) * k];
        let mut seen = 0usize;
        let mut attempt: u64 = 1;
        while seen < k && attempt <= 64 * k as u64 {
            let j = probe_bin(key, i, attempt, k);
            if row[j] == UNRANKED {
                row[j] = seen as u16;
                seen += 1;
            }
            attempt += 1;
        }
    }
    ranks
}

/// The MinHash estimate of Jaccard similarity: the fraction of equal positions.
pub fn estimate_jaccard(a: &[u32], b: &[u32]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    if a.is_empty() {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_sets_identical_signatures() {
        let h = MinHasher::new(128, 7);
        let set: Vec<u64> = (0..500).collect();
        let mut rev = set.clone();
        rev.reverse();
        assert_eq!(h.signature(&set), h.signature(&rev));
    }

    #[test]
    fn empty_set_has_no_signature() {
        assert!(MinHasher::new(64, 1).signature(&[]).is_none());
    }

    #[test]
    fn tiny_sets_are_densified() {
        let h = MinHasher::new(128, 3);
        let sig = h.signature(&[42]).unwrap();
        assert!(sig.iter().all(|&v| v == sig[0]));
        let sig2 = h.signature(&[42, 43]).unwrap();
        assert!(sig2.iter().all(|&v| v != EMPTY));
    }

    /// Densification by plain probing, as defined in the module documentation.
    fn densify_by_probing(h: &MinHasher, shingles: &[u64]) -> Vec<u32> {
        let k = h.num_perm;
        let mut sig = vec![EMPTY; k];
        for &s in shingles {
            let x = fmix64(s ^ h.key);
            let bin = (((x >> 32) * k as u64) >> 32) as usize;
            sig[bin] = sig[bin].min((x as u32).min(EMPTY - 1));
        }
        let filled: Vec<bool> = sig.iter().map(|&v| v != EMPTY).collect();
        for i in 0..k {
            if !filled[i] {
                let j = h.probe(i, k, |j| filled[j]);
                sig[i] = sig[j];
            }
        }
        sig
    }

    #[test]
    fn rank_table_densifies_like_probing() {
        for (k, seed) in [(128, 1), (128, 9), (64, 2), (200, 3), (1, 4)] {
            let h = MinHasher::new(k, seed);
            for n in [1u64, 2, 3, 5, 11, 23, 40, 90] {
                let set: Vec<u64> = (0..n).map(|x| x * 7919 + seed).collect();
                assert_eq!(
                    h.signature(&set).unwrap(),
                    densify_by_probing(&h, &set),
                    "k {k}, {n} shingles"
                );
            }
        }
    }

    #[test]
    fn long_signatures_densify_without_rank_table() {
        let h = MinHasher::new(MAX_RANKED_PERM + 1, 5);
        assert!(h.probe_rank.is_empty());
        assert_eq!(
            h.signature(&[3, 4]).unwrap(),
            densify_by_probing(&h, &[3, 4])
        );
    }

    #[test]
    fn accumulated_bins_densify_to_the_signature() {
        let h = MinHasher::new(128, 5);
        let a: Vec<u64> = (0..300).collect();
        let b: Vec<u64> = (200..700).collect();
        let mut bins = vec![EMPTY_BIN; 128];
        h.accumulate(&a[..10], &mut bins);
        h.accumulate(&a[10..], &mut bins);
        let mut other = vec![EMPTY_BIN; 128];
        h.accumulate(&b, &mut other);
        let mut union: Vec<u32> = bins.iter().zip(&other).map(|(x, y)| *x.min(y)).collect();
        h.densify_bins(&mut bins);
        assert_eq!(Some(bins), h.signature(&a));
        h.densify_bins(&mut union);
        let all: Vec<u64> = (0..700).collect();
        assert_eq!(Some(union), h.signature(&all));
        let mut empty = vec![EMPTY_BIN; 128];
        h.densify_bins(&mut empty);
        assert!(empty.iter().all(|&v| v == EMPTY_BIN));
    }

    #[test]
    fn seed_changes_signature() {
        let set: Vec<u64> = (0..100).collect();
        assert_ne!(
            MinHasher::new(32, 1).signature(&set),
            MinHasher::new(32, 2).signature(&set)
        );
    }

    #[test]
    fn estimate_tracks_jaccard() {
        let h = MinHasher::new(256, 11);
        let a: Vec<u64> = (0..1000).collect();
        let b: Vec<u64> = (500..1500).collect(); // J = 500/1500
        let est = estimate_jaccard(&h.signature(&a).unwrap(), &h.signature(&b).unwrap());
        assert!((est - 1.0 / 3.0).abs() < 0.1, "estimate {est}");
    }
}
