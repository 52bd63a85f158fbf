//! # reprint
//!
//! Finds near-duplicate documents and reused passages in text collections.
//!
//! The pipeline, stage by stage (one module each):
//!
//! 1. [`input`] reads files, directories, JSON Lines, gzip and zstd into [`Document`]s;
//!    bad records become [`InputIssue`]s that name file and line.
//! 2. [`text`] splits text into [`text::Token`]s that keep byte offsets into the original
//!    text; normalisation (NFKC, case folding, quote and dash variants) only builds keys.
//! 3. [`shingle`] hashes word (or character) n-grams.
//! 4. [`minhash`] turns shingle sets into signatures; [`lsh`] bands them into candidate pairs.
//! 5. [`verify`] scores candidates exactly; [`cluster`] links verified pairs with union-find.
//!
//! Each job has one folder holding its config, its result types, its stages and its
//! run: [`dedup`], [`scan`], [`check`] and [`index`] (the archive `reprint check`
//! reads). Every job reads its records through the one ingest path
//! ([`input::ingest`]); [`exec`] owns the worker threads, progress and the order
//! results come back in.
//!
//! ## Glossary
//! - *shingle*: an n-gram of consecutive words, hashed to 64 bits.
//! - *signature*: the MinHash values of a document's shingle set.
//! - *band*: a slice of a signature; equal bands make a candidate pair.
//! - *containment*: the share of one document's shingles found in the other.
//!
//! ## Example
//! ```
//! use reprint::shingle::{shingle_set, word_shingles};
//! use reprint::text::{tokenize, NormalizeConfig};
//! use reprint::verify::score_sets;
//!
//! let set = |t: &str| {
//!     let mut hashes = Vec::new();
//!     word_shingles(&tokenize(t, &NormalizeConfig::default()), 3, &mut hashes);
//!     shingle_set(&hashes)
//! };
//! let a = set("The government said fuel price caps will be restored for six months.");
//! let b = set("The government said on Thursday fuel price caps will be restored for six months.");
//! let score = score_sets(&a, &b);
//! assert!(score.jaccard > 0.5 && score.containment_a_in_b > 0.7);
//! ```

pub mod align;
pub mod check;
pub mod cluster;
pub mod dedup;
pub mod document;
pub mod error;
pub mod exec;
pub mod index;
pub mod input;
pub mod lsh;
pub mod minhash;
pub mod report;
pub mod scan;
pub mod shingle;
pub mod table;
pub mod text;
pub mod verify;

pub use document::{Document, Span};
pub use error::{Error, InputIssue, IssueKind, Result};
