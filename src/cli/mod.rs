//! Command-line front end: flags become validated config structs, the library does
//! the work, and this module alone decides exit codes.
//!
//! Exit codes: 0 success (a broken pipe on output counts as success), 1 runtime
//! error (including bad input under `--strict`), 2 usage error, 3 `check
//! --fail-above` threshold exceeded.

mod align;
mod check;
mod common;
mod dedup;
mod eval;
pub mod index;
mod progress;
mod scan;
mod synth;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit code for runtime errors.
pub const EXIT_ERROR: u8 = 1;
/// Exit code for usage errors (also what clap uses).
pub const EXIT_USAGE: u8 = 2;
/// Exit code of `reprint check --fail-above F` when some article's reused fraction
/// exceeds `F` (the check itself succeeded), so that scripts can gate on it.
pub const EXIT_REUSE_ABOVE: u8 = 3;

/// Find near-duplicate documents and reused passages in text collections.
#[derive(Debug, Parser)]
#[command(name = "reprint", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find near-duplicate documents and write a deduplicated dump.
    Dedup(dedup::DedupArgs),
    /// Find passages reused across a collection, grouped into overlap clusters.
    Scan(scan::ScanArgs),
    /// Find the passages two text files share, even when reworded.
    Align(align::AlignArgs),
    /// Build or inspect an archive index (`index add`, `index stats`).
    Index(index::IndexArgs),
    /// Evaluate passage alignment on a benchmark corpus (PAN 2013).
    Eval(eval::EvalArgs),
    /// Write a synthetic news dump with planted near-duplicates and its truth.
    Synth(synth::SynthArgs),
    /// Check articles against an archive index: reused share, sources and passages.
    Check(check::CheckArgs),
}

/// A usage problem found after parsing (an invalid combination of values).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: anyhow::Result<ExitCode> = match cli.command {
        Command::Dedup(args) => dedup::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Align(args) => align::run(args),
        Command::Index(args) => index::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Synth(args) => synth::run(args),
        Command::Check(args) => check::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => exit_for(err),
    }
}

fn exit_for(err: anyhow::Error) -> ExitCode {
    if is_broken_pipe(&err) {
        return ExitCode::SUCCESS;
    }
    if err.downcast_ref::<UsageError>().is_some() {
        eprintln!("reprint: usage error: {err:#}");
        return ExitCode::from(EXIT_USAGE);
    }
    eprintln!("reprint: error: {err:#}");
    ExitCode::from(EXIT_ERROR)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<reprint::Error>()
                .is_some_and(|e| e.is_broken_pipe())
    })
}
