//! The integration test binary (one binary keeps link time down on small machines).

mod cli_dedup;
mod cli_synth;
mod html_browser;
mod index;
mod properties;
