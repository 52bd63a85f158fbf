//! `reprint align A B`: the passages two text files share.

use super::GlobalArgs;
use super::UsageError;
use clap::{Args, ValueEnum};
use reprint::align::{align, PreparedDoc};
use reprint::input::{read_all, InputConfig, Sources};
use reprint::report::prose::count;
use reprint::report::{round6, SCHEMA_VERSION};
use reprint::text::NormalizeConfig;
use std::io::Write;
use std::path::{Path, PathBuf};
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
    /// The first text file (`-` for stdin; gzip and zstd are read transparently).
    #[arg(required_unless_present = "print_config")]
    pub a: Option<PathBuf>,
    /// The second text file (`-` for stdin).
    #[arg(required_unless_present = "print_config")]
    pub b: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AlignFormat::Text)]
    pub format: AlignFormat,
    /// Drop passages with fewer words than this on either side.
    #[arg(long, value_name = "N", value_parser = super::common::positive)]
    pub min_words: Option<usize>,
    /// Alignment settings as a JSON object grouped by step, e.g.
    /// '{"extension":{"min_passage_cosine":0.42}}' (the library's `AlignConfig`;
    /// missing fields keep their defaults; see --print-config), for tuning experiments.
    #[arg(long, value_name = "JSON")]
    pub align_config: Option<String>,
    /// Print the alignment settings as JSON (the defaults, with --align-config and
    /// --min-words applied) and exit, aligning nothing; the output is valid
    /// --align-config input.
    #[arg(long, conflicts_with_all = ["a", "b", "format"])]
    pub print_config: bool,
}

/// Reads the two documents through the one ingest path (decompression, encodings,
/// `-` for stdin). Each input must hold exactly one document; a problem with either
/// is an error, since there is nothing to align without it.
fn read_pair(a: &Path, b: &Path) -> anyhow::Result<(String, String)> {
    let sources = Sources::discover(&[a.to_path_buf(), b.to_path_buf()])?;
    if sources.list().len() != 2 {
        return Err(UsageError(
            "align takes two documents: two files (or one of them -), not folders".into(),
        )
        .into());
    }
    let (docs, issues) = read_all(&sources, &InputConfig::default())?;
    if let Some(issue) = issues.first() {
        return Err(anyhow::anyhow!("{issue}"));
    }
    let mut texts: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    for d in docs {
        texts[(d.origin.source as usize).min(1)].push(d.text);
    }
    let [ta, tb] = texts;
    let one = |mut t: Vec<String>, p: &Path| match t.len() {
        1 => Ok(t.remove(0)),
        n => Err(anyhow::anyhow!(
            "{}: holds {n} documents; align takes one document per input",
            p.display()
        )),
    };
    Ok((one(ta, a)?, one(tb, b)?))
}

/// Runs `reprint align`.
pub fn run(args: AlignArgs, _global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let mut cfg = super::common::align_config(args.align_config.as_deref())?;
    if let Some(n) = args.min_words {
        cfg.min_words = n;
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (Some(path_a), Some(path_b)) = (&args.a, &args.b) else {
        // Without both files, clap has checked that --print-config was given.
        serde_json::to_writer_pretty(&mut out, &cfg)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    };
    let (ta, tb) = read_pair(path_a, path_b)?;
    let norm = NormalizeConfig::default();
    let (pa, pb) = (PreparedDoc::new(&ta, &norm), PreparedDoc::new(&tb, &norm));
    let passages = align(&pa, &pb, &cfg);
    match args.format {
        AlignFormat::Json => {
            let items: Vec<_> = passages
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "a": {"start": p.a.start, "end": p.a.end, "text": &ta[p.a.start..p.a.end]},
                        "b": {"start": p.b.start, "end": p.b.end, "text": &tb[p.b.start..p.b.end]},
                        "similarity": round6(p.similarity),
                    })
                })
                .collect();
            let doc = serde_json::json!({
                "schema_version": SCHEMA_VERSION,
                "doc_a": path_a.display().to_string(),
                "doc_b": path_b.display().to_string(),
                "passages": items,
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        AlignFormat::Text => {
            writeln!(
                out,
                "{} shared by {} and {}",
                count(passages.len() as u64, "passage", "passages"),
                path_a.display(),
                path_b.display()
            )?;
            for (k, p) in passages.iter().enumerate() {
                writeln!(out)?;
                writeln!(
                    out,
                    "#{} similarity {:.2}  a {}  b {}",
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
