//! The integration test binary (one binary keeps link time down on small machines).

mod cli_dedup;
mod index;
mod properties;
