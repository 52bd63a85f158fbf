//! Collection-level runs: the only place that knows about parallelism and ordering.

pub mod pan13;
