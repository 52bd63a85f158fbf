//! Text reuse across a collection: passages shared between documents, grouped into
//! overlap clusters, with layout boilerplate kept apart.
//!
//! The stages (run by [`run`]):
//! 1. [`boilerplate`]: short lines repeated inside a document or across many
//!    documents are boilerplate; they are masked out of everything that follows.
//! 2. [`candidates`]: an inverted index of word n-grams with a document-frequency cap
//!    proposes document pairs that share text (never all pairs).
//! 3. [`crate::align`]: each candidate pair is aligned into maximal passages that
//!    tolerate rewording.
//! 4. [`repeats`]: passages repeated inside one document (a pull quote) are found too,
//!    so that they join the cluster of the passage they repeat.
//! 5. [`templates`]: aligned pairs that fill one formula with different names and
//!    numbers are templates, kept apart from reuse.
//! 6. [`clusters`]: occurrences are linked by alignments and by overlap, and each
//!    component is cut into cohesive clusters around core members: one cluster per
//!    reused passage.

//!
//! The job's own parts live in `config.rs` (what a scan is asked to do), `result.rs`
//! (what it finds) and `run.rs` (reading and the stages in order), re-exported here.

pub mod attribution;
pub mod boilerplate;
pub mod candidates;
pub mod clusters;
mod config;
pub mod documents;
pub mod kernels;
pub mod repeats;
mod result;
mod run;
pub mod stages;
pub mod templates;

pub use clusters::Occurrence;
pub use config::ScanConfig;
pub use documents::ScanDocuments;
pub use result::{BoilerplateItem, ScanCluster, ScanResult, ScanStats, TemplateCluster};
pub use run::{estimated_memory, run, scan_documents, IN_MEMORY_BYTES_PER_TEXT_BYTE};
