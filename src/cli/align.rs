//! `reprint align A B`: the passages two text files share.

use anyhow::Context;
use clap::{Args, ValueEnum};
use reprint::align::{align, PreparedDoc};
use reprint::text::NormalizeConfig;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Output format of `reprint align`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlignFormat {
    /// One block per passage: offsets, similarity and both texts.
    Text,
    /// One JSON document with both file names and the passages.
    Json,
}

/// Find the passages two text files share, even when reworded.
#[derive(Debug, Args)]
pub struct AlignArgs {
    /// The first text file.
    pub a: PathBuf,
    /// The second text file.
    pub b: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AlignFormat::Text)]
    pub format: AlignFormat,
    /// Drop passages with fewer words than this on either side.
    #[arg(long, value_name = "N")]
    pub min_words: Option<usize>,
    /// Alignment settings as a JSON object (fields of the library's `AlignConfig`;
    /// missing fields keep their defaults), for tuning experiments.
    #[arg(long, value_name = "JSON")]
    pub align_config: Option<String>,
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{}: invalid UTF-8", path.display()))
}

/// Runs `reprint align`.
pub fn run(args: AlignArgs) -> anyhow::Result<ExitCode> {
    let mut cfg = super::common::align_config(args.align_config.as_deref())?;
    if let Some(n) = args.min_words {
        if n == 0 {
            return Err(super::UsageError("--min-words must be at least 1".into()).into());
        }
        cfg.min_words = n;
    }
    let (ta, tb) = (read(&args.a)?, read(&args.b)?);
    let norm = NormalizeConfig::default();
    let (pa, pb) = (PreparedDoc::new(&ta, &norm), PreparedDoc::new(&tb, &norm));
    let passages = align(&pa, &pb, &cfg);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        AlignFormat::Json => {
            let items: Vec<_> = passages
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "a": {"start": p.a.start, "end": p.a.end, "text": &ta[p.a.start..p.a.end]},
                        "b": {"start": p.b.start, "end": p.b.end, "text": &tb[p.b.start..p.b.end]},
                        "similarity": p.similarity,
                    })
                })
                .collect();
            let doc = serde_json::json!({
                "a": args.a.display().to_string(),
                "b": args.b.display().to_string(),
                "passages": items,
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        AlignFormat::Text => {
            writeln!(
                out,
                "{} passage(s) shared by {} and {}",
                passages.len(),
                args.a.display(),
                args.b.display()
            )?;
            for (k, p) in passages.iter().enumerate() {
                writeln!(out)?;
                writeln!(
                    out,
                    "#{} similarity {:.3}  a {}  b {}",
                    k + 1,
                    p.similarity,
                    p.a,
                    p.b
                )?;
                writeln!(out, "  a: {}", one_line(&ta[p.a.start..p.a.end]))?;
                writeln!(out, "  b: {}", one_line(&tb[p.b.start..p.b.end]))?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Collapses runs of white space so that a passage prints on one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
