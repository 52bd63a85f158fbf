//! Text analysis: tokens with byte offsets, normalised keys, sentences.
//!
//! The invariant of this module: every offset refers to the original text, on a
//! character boundary. Normalisation affects only the hash keys that later stages
//! compare.

pub mod normalize;
pub mod sentence;
pub mod tokenize;

pub use normalize::{normalize, word_key, NormalizeConfig};
pub use sentence::sentence_spans;
pub use tokenize::{tokenize, word_keys, Token};
