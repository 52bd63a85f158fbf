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
//! 5. [`clusters`]: occurrences are linked by alignments and by overlap into one
//!    cluster per reused passage.

pub mod boilerplate;
pub mod candidates;
pub mod clusters;
pub mod repeats;
mod run;

pub use run::*;
