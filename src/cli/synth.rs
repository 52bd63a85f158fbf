//! `reprint synth`: write a synthetic news dump with planted near-duplicates and its truth.

use super::common::input_files;
use super::output::{self, OutputRequest};
use super::GlobalArgs;
use clap::Args;
use reprint::input::{read_all, InputConfig, Sources};
use reprint_tools::synth::{generate, BasePool, PoolConfig, SynthConfig};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::UsageError;

/// Write a synthetic news dump with planted near-duplicates, and the truth to score a
/// deduplicator against.
///
/// Originals are built from real base articles (spliced and shuffled to reach any
/// size); a share of the documents are copies with word edits, moved sentences,
/// truncation or added boilerplate. The truth lists every pair inside a planted family
/// with its exact word-shingle Jaccard similarity. Same seed, same output.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Base corpus: JSON Lines files (optionally .gz/.zst), text files or directories.
    #[arg(required = true, value_name = "BASE")]
    base: Vec<PathBuf>,
    /// Number of documents to write (suffixes k and m allowed: 100k, 1m).
    #[arg(long, default_value = "10k", value_parser = parse_count)]
    docs: usize,
    /// Where to write the dump (JSON Lines: id, date, text).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Where to write the truth (JSON Lines: a, b, family, kind, jaccard, duplicate).
    #[arg(long, value_name = "FILE")]
    truth: PathBuf,
    /// Where to write a JSON summary of the run (counts per edit kind, pool counts).
    #[arg(long, value_name = "FILE")]
    summary_json: Option<PathBuf>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = SynthConfig::default().seed, value_parser = super::common::seed)]
    seed: u64,
    /// Share of the documents that are planted copies.
    #[arg(long, default_value_t = SynthConfig::default().dup_rate)]
    dup_rate: f64,
    /// Largest number of copies of one original.
    #[arg(long, default_value_t = SynthConfig::default().max_copies, value_parser = super::common::positive)]
    max_copies: usize,
    /// Average length of an original in bytes.
    #[arg(long, default_value_t = SynthConfig::default().mean_doc_bytes, value_parser = super::common::positive)]
    mean_bytes: usize,
    /// Words per shingle for the truth's Jaccard values.
    #[arg(long, default_value_t = SynthConfig::default().shingle_words, value_parser = super::common::positive)]
    shingle: usize,
    /// Pairs at or above this exact Jaccard similarity are marked as duplicates.
    #[arg(long, default_value_t = SynthConfig::default().threshold)]
    threshold: f64,
    /// Base articles at or above this Jaccard similarity to an earlier one are left out.
    #[arg(long, default_value_t = PoolConfig::default().natural_threshold)]
    natural_threshold: f64,
    /// JSON field of the base corpus holding the id.
    #[arg(long, default_value = "id")]
    id_field: String,
    /// JSON field of the base corpus holding the text.
    #[arg(long, default_value = "text")]
    text_field: String,
    /// JSON field of the base corpus holding the date.
    #[arg(long, default_value = "date")]
    date_field: String,
}

fn parse_count(s: &str) -> Result<usize, String> {
    let lower = s.trim().to_ascii_lowercase();
    let (digits, factor) = match lower.as_bytes().last() {
        Some(b'k') => (&lower[..lower.len() - 1], 1_000),
        Some(b'm') => (&lower[..lower.len() - 1], 1_000_000),
        _ => (lower.as_str(), 1),
    };
    let n: usize = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a count (examples: 5000, 100k, 1m)"))?;
    n.checked_mul(factor)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("'{s}' is not a positive count"))
}

/// Runs `reprint synth`.
pub fn run(args: SynthArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let config = SynthConfig {
        docs: args.docs,
        dup_rate: args.dup_rate,
        max_copies: args.max_copies,
        mean_doc_bytes: args.mean_bytes,
        seed: args.seed,
        shingle_words: args.shingle,
        threshold: args.threshold,
    };
    config.validate().map_err(|e| UsageError(e.to_string()))?;
    if !(args.natural_threshold > 0.0 && args.natural_threshold <= 1.0) {
        return Err(UsageError("--natural-threshold must be in (0, 1]".into()).into());
    }
    let started = std::time::Instant::now();
    let sources = Sources::discover(&args.base)?;
    let mut requests = vec![
        OutputRequest::new("--output", &args.output),
        OutputRequest::new("--truth", &args.truth),
    ];
    if let Some(p) = &args.summary_json {
        requests.push(OutputRequest::new("--summary-json", p));
    }
    let mut outputs = output::prepare(&requests, &input_files(&sources))?;
    let input = InputConfig {
        id_field: Some(args.id_field),
        text_field: args.text_field,
        date_field: Some(args.date_field),
        ..InputConfig::default()
    };
    let (docs, issues) = read_all(&sources, &input)?;
    if !global.quiet {
        for issue in issues.iter().take(5) {
            eprintln!("reprint: warning: {issue}");
        }
        if issues.len() > 5 {
            eprintln!("reprint: warning: {} more input issues", issues.len() - 5);
        }
    }
    let pool = BasePool::build(
        &docs,
        &PoolConfig {
            shingle_words: args.shingle,
            natural_threshold: args.natural_threshold,
            ..PoolConfig::default()
        },
    );
    drop(docs);
    let (dump_out, rest) = outputs.split_at_mut(1);
    let stats = {
        let mut out = dump_out[0].writer();
        let mut truth = rest[0].writer();
        let stats = generate(&pool, &config, &mut out, &mut truth)?;
        out.flush()?;
        truth.flush()?;
        stats
    };
    if !global.quiet {
        eprintln!(
        "reprint synth: {} documents ({} originals, {} copies in {} families), {:.1} MB of text, \
         {} planted pairs ({} at Jaccard >= {}); pool {} articles of {} ({} too short, {} natural \
         near-duplicates left out); {:.1} s",
        stats.docs,
        stats.originals,
        stats.copies,
        stats.families,
        stats.text_bytes as f64 / 1e6,
        stats.planted_pairs,
        stats.duplicate_pairs,
        config.threshold,
        stats.pool.articles,
        stats.pool.base_documents,
        stats.pool.too_short,
        stats.pool.natural_duplicates,
        started.elapsed().as_secs_f64()
    );
    }
    if let Some(summary) = outputs.get_mut(2) {
        let mut w = summary.writer();
        serde_json::to_writer_pretty(&mut w, &reprint::report::Versioned::new(&stats))?;
        w.flush()?;
    }
    for out in outputs {
        out.commit()?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_with_suffixes() {
        assert_eq!(parse_count("10k"), Ok(10_000));
        assert_eq!(parse_count("1M"), Ok(1_000_000));
        assert_eq!(parse_count("2500"), Ok(2500));
        assert!(parse_count("0").is_err());
        assert!(parse_count("ten").is_err());
    }
}
