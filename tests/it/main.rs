//! The integration test binary (one binary keeps link time down on small machines).

mod align;
mod check;
mod cli_dedup;
mod cli_synth;
mod fuzz_harness;
mod fuzz_regressions;
mod html_browser;
mod index;
mod pan13;
mod pathological;
mod properties;
mod scan;
