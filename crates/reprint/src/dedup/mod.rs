//! Document-level near-duplicate detection over a whole dump.
//!
//! Pass 1 streams records from the sources through the one ingest path
//! ([`crate::input::ingest`]): a reader thread reads and decompresses batches while
//! the workers parse, tokenise, shingle and sign each batch; results are gathered in
//! input order. Per document only its id, a few numbers, the LSH band
//! keys and its shingle set (spilled to a temporary file) are kept, so memory does
//! not grow with the raw text. Then LSH candidates are verified exactly on the shingle
//! sets, verified pairs are linked with union-find, and each cluster keeps one
//! document by the keep policy. [`write_deduplicated`] makes a second pass over the
//! sources to copy the kept records byte for byte (a plain sequential read: it only
//! compares checksums and copies bytes, so it does not go through the ingest); pass 1 keeps an xxh3 checksum of
//! every record, and a second read that differs (an input changed during the run)
//! is an error naming the file, before anything of the differing record is written.
//!
//! The job's parts live in `config.rs` (what a run is asked to do), `result.rs`
//! (what it finds) and `run.rs` (the passes), re-exported here.

mod config;
pub mod kernels;
mod result;
mod run;
mod sets;
pub mod stages;

pub use config::{
    in_memory_estimate, DedupConfig, KeepPolicy, COMPRESSED_EXPANSION,
    IN_MEMORY_BYTES_PER_INPUT_BYTE, IN_MEMORY_FIXED_BYTES,
};
pub use result::{
    ClusterMember, DedupResult, DedupStats, DocMeta, DupCluster, StageSeconds, VerifiedPair,
};
pub use run::{document_shingles, run, write_deduplicated, write_records, Expected, Verdict};
