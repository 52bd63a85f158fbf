//! The integration test binary (one binary keeps link time down on small machines).

mod align;
mod check;
mod cli_dedup;
mod html_browser;
mod index;
mod properties;
mod scan;
