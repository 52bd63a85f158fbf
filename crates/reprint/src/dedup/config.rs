//! What a dedup run is asked to do: [`DedupConfig`] and its [`KeepPolicy`].

use crate::error::{Error, Result};
use crate::exec::MemoryLimit;
use crate::input::{InputConfig, Sources};
use crate::lsh::{LshLayout, LshParams};
use crate::shingle::ShingleConfig;
use crate::text::NormalizeConfig;

/// Which document of a cluster is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeepPolicy {
    /// The first in input order.
    First,
    /// The longest text (in bytes); ties go to the first.
    Longest,
    /// The smallest value of the `keep_by_field` of [`InputConfig`] (for example the
    /// earliest date); documents without the field come last; ties go to the first.
    ByField,
}

/// Everything a dedup run needs to know. Build it, call [`DedupConfig::validate`]
/// (done by [`run`](super::run) too), then run. It serialises (for summaries)
/// with the resolved LSH layout ([`DedupConfig::lsh_params`]) and without the input
/// settings.
#[derive(Debug, Clone)]
pub struct DedupConfig {
    /// How records map onto documents.
    pub input: InputConfig,
    /// How documents are cut into shingles.
    pub shingle: ShingleConfig,
    /// How words are normalised into keys.
    pub normalize: NormalizeConfig,
    /// MinHash signature length.
    pub num_perm: usize,
    /// Seed of the MinHash hash family.
    pub seed: u64,
    /// LSH banding: by default chosen for `threshold` and `num_perm` when the run
    /// starts (see [`DedupConfig::lsh_params`]).
    pub lsh: LshLayout,
    /// Minimum exact Jaccard similarity for two documents to be linked.
    pub threshold: f64,
    /// Which document of a cluster is kept.
    pub keep: KeepPolicy,
    /// Stop at the first input issue instead of counting it and going on.
    pub strict: bool,
    /// Buckets larger than this pair their members only with the first `max_bucket`.
    pub max_bucket: usize,
    /// Raw bytes read per parallel batch.
    pub batch_bytes: usize,
    /// The memory the run may hold. The in-memory run ([`super::run`]) needs about
    /// [`IN_MEMORY_BYTES_PER_INPUT_BYTE`] of the input; when
    /// [`DedupConfig::fits_in_memory`] says that exceeds this limit, a caller runs the
    /// stages instead ([`super::stages::run_local`]), whose memory stays a few bytes
    /// per document. Not part of what a run computes: the results are the same
    /// whatever the limit.
    pub memory_limit: MemoryLimit,
}

/// Memory the in-memory run holds per byte of input text (decompressed): about
/// 1,650 bytes per document of a news dump of 2,370 bytes per record (band keys 128 B,
/// id and counts, the shingle set of about 1.4 KB in a mapped file), measured at peak
/// resident memory: 175 MB for 100,000 documents (237 MB), 1.62 GB for 1,000,000.
pub const IN_MEMORY_BYTES_PER_INPUT_BYTE: f64 = 0.72;

/// Memory the in-memory run holds whatever the input (threads, batches, buffers).
pub const IN_MEMORY_FIXED_BYTES: u64 = 64 << 20;

/// How many times larger a gzip or zstd input is taken to be once decompressed (news
/// text shrinks 3 to 4 times): the estimate errs toward the staged run.
pub const COMPRESSED_EXPANSION: u64 = 4;

/// Estimated peak memory of the in-memory run over `sources`: the text they hold
/// (compressed files counted [`COMPRESSED_EXPANSION`] times their size) times
/// [`IN_MEMORY_BYTES_PER_INPUT_BYTE`], plus [`IN_MEMORY_FIXED_BYTES`].
pub fn in_memory_estimate(sources: &Sources) -> u64 {
    let text: u64 = sources
        .list()
        .iter()
        .map(|s| {
            let (bytes, magic) = match &s.spool {
                Some(f) => (f.metadata().map_or(0, |m| m.len()), None),
                None => (
                    std::fs::metadata(&s.path).map_or(0, |m| m.len()),
                    leading_bytes(&s.path),
                ),
            };
            let compressed =
                magic.is_some_and(|m| m[..2] == [0x1f, 0x8b] || m == [0x28, 0xb5, 0x2f, 0xfd]);
            if compressed {
                bytes.saturating_mul(COMPRESSED_EXPANSION)
            } else {
                bytes
            }
        })
        .sum();
    (text as f64 * IN_MEMORY_BYTES_PER_INPUT_BYTE) as u64 + IN_MEMORY_FIXED_BYTES
}

/// The first four bytes of a file (to tell gzip and zstd by their magic numbers).
fn leading_bytes(path: &std::path::Path) -> Option<[u8; 4]> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .ok()?
        .read_exact(&mut magic)
        .ok()?;
    Some(magic)
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            input: InputConfig::default(),
            shingle: ShingleConfig::default(),
            normalize: NormalizeConfig::default(),
            num_perm: 128,
            seed: 1,
            lsh: LshLayout::Auto,
            threshold: 0.8,
            keep: KeepPolicy::First,
            strict: false,
            max_bucket: 64,
            batch_bytes: crate::input::ingest::DEFAULT_BATCH_BYTES,
            memory_limit: MemoryLimit::default(),
        }
    }
}

impl serde::Serialize for DedupConfig {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Resolved<'a> {
            shingle: &'a ShingleConfig,
            normalize: &'a NormalizeConfig,
            num_perm: usize,
            seed: u64,
            lsh: LshParams,
            threshold: f64,
            keep: KeepPolicy,
            strict: bool,
            max_bucket: usize,
            batch_bytes: usize,
        }
        Resolved {
            shingle: &self.shingle,
            normalize: &self.normalize,
            num_perm: self.num_perm,
            seed: self.seed,
            lsh: self.lsh_params(),
            threshold: self.threshold,
            keep: self.keep,
            strict: self.strict,
            max_bucket: self.max_bucket,
            batch_bytes: self.batch_bytes,
        }
        .serialize(serializer)
    }
}

impl DedupConfig {
    /// The bands and rows the run uses: the fixed layout, or the one chosen for
    /// `threshold` and `num_perm`.
    pub fn lsh_params(&self) -> LshParams {
        self.lsh.resolve(self.threshold, self.num_perm)
    }

    /// Whether the in-memory run over `sources` fits [`DedupConfig::memory_limit`], by
    /// [`in_memory_estimate`].
    pub fn fits_in_memory(&self, sources: &Sources) -> bool {
        in_memory_estimate(sources) <= self.memory_limit.bytes()
    }

    /// Checks that the parameters make sense together (the one place the threshold
    /// range and the LSH layout are checked).
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(m));
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return bad(format!(
                "threshold must be in (0, 1], got {}",
                self.threshold
            ));
        }
        if self.num_perm == 0 {
            return bad("num_perm must be at least 1".into());
        }
        let lsh = self.lsh_params();
        if lsh.bands == 0 || lsh.rows == 0 {
            return bad("bands and rows must be at least 1".into());
        }
        if lsh.used_perm() > self.num_perm {
            return bad(format!(
                "bands × rows = {} exceeds num_perm = {}",
                lsh.used_perm(),
                self.num_perm
            ));
        }
        if self.shingle.n() == 0 {
            return bad("shingle size must be at least 1".into());
        }
        if self.keep == KeepPolicy::ByField && self.input.keep_by_field.is_none() {
            return bad("keep policy by field needs a field name".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_config_is_rejected() {
        let cfg = DedupConfig {
            threshold: 1.5,
            ..Default::default()
        };
        assert!(cfg.validate().is_err());
        let cfg = DedupConfig {
            lsh: LshLayout::Fixed { bands: 20, rows: 8 },
            ..Default::default()
        };
        assert!(cfg.validate().is_err());
    }

    #[test]
    fn threshold_set_without_bands_gets_bands_for_that_threshold() {
        let default = DedupConfig::default().lsh_params();
        assert_eq!(default, LshParams { bands: 16, rows: 8 });
        let cfg = DedupConfig {
            threshold: 0.5,
            ..Default::default()
        };
        let lsh = cfg.lsh_params();
        assert_eq!(
            lsh,
            LshParams::optimal(
                0.5,
                128,
                crate::lsh::DEFAULT_FP_WEIGHT,
                crate::lsh::DEFAULT_FN_WEIGHT
            )
        );
        assert_ne!(lsh, default);
        assert!(crate::lsh::collision_probability(0.5, lsh.bands, lsh.rows) > 0.9);
        let summary = serde_json::to_value(&cfg).unwrap();
        assert_eq!(summary["lsh"]["bands"], lsh.bands);
        assert_eq!(summary["lsh"]["rows"], lsh.rows);
        // An explicit layout is kept whatever the threshold.
        let fixed = DedupConfig {
            threshold: 0.5,
            lsh: LshLayout::Fixed { bands: 4, rows: 2 },
            ..Default::default()
        };
        assert_eq!(fixed.lsh_params(), LshParams { bands: 4, rows: 2 });
    }
}
