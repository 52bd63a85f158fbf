//! Tools around reprint that are not part of its library: synthetic benchmark dumps
//! with a known truth ([`synth`]) and the PAN 2013 text-alignment evaluation
//! ([`eval`]). The `reprint synth` and `reprint eval` commands, the benchmarks and the
//! tests use them; the crate is not published.

pub mod eval;
pub mod synth;
