//! The integration test binary (one binary keeps link time down on small machines).

mod align;
mod check;
mod cli_dedup;
mod cli_synth;
mod html_browser;
mod index;
mod pan13;
mod pathological;
mod properties;
mod scan;
