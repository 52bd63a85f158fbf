//! `reprint check`: which archived documents an article copies from, how much, where.

use super::common::{input_files, InputArgs};
use super::output::{self, OutputRequest};
use super::progress::TerminalObserver;
use super::GlobalArgs;
use super::UsageError;
use anstyle::{AnsiColor, Style};
use clap::{Args, ValueEnum};
use reprint::check::{check_sources, CheckRun};
use reprint::check::{ArticleCheck, CheckConfig};
use reprint::index::Index;
use reprint::report::html::{self, ArticleView, PassageView, SourceView};
use reprint::report::prose::count;
use reprint::report::SCHEMA_VERSION;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Check articles against an archive index: reused share, sources, passages.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Index directory (built with `reprint index add`).
    #[arg(value_name = "INDEX")]
    index: PathBuf,

    #[command(flatten)]
    input: InputArgs,

    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Also write a self-contained HTML report (article and sources side by side).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,

    /// Minimum passage length in words.
    #[arg(long, value_name = "WORDS", value_parser = super::common::positive)]
    min_words: Option<usize>,

    /// Align at most this many candidate documents per article.
    #[arg(long, default_value_t = reprint::check::CheckConfig::default().max_candidates, value_name = "N", value_parser = super::common::positive)]
    max_candidates: usize,

    /// Articles of at most this many words also find candidates through their stem pairs (reworded
    /// news briefs); 0 = off.
    #[arg(long, default_value_t = reprint::check::CheckConfig::default().short_article_words, value_name = "WORDS")]
    short_article_words: usize,

    /// Align at most this many of a short article's candidates found through stem pairs only.
    #[arg(long, default_value_t = reprint::check::CheckConfig::default().max_stem_pair_candidates, value_name = "N")]
    max_stem_pair_candidates: usize,

    /// Keep archived documents that are the article itself (same id or identical text) as sources.
    #[arg(long)]
    include_self: bool,

    /// Exit with code 3 when any article's reused fraction exceeds FRACTION (0..=1).
    #[arg(long, value_name = "FRACTION", value_parser = parse_fraction, allow_negative_numbers = true)]
    fail_above: Option<f64>,
}

/// Parses a fraction within 0..=1 (a usage error otherwise).
fn parse_fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "{s} is not within 0..=1 (a fraction: 0.3 means 30%)"
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A readable report.
    Text,
    /// One JSON object per article (JSON Lines).
    Json,
}

impl CheckArgs {
    fn config(&self) -> Result<CheckConfig, UsageError> {
        let mut config = CheckConfig {
            max_candidates: self.max_candidates,
            include_self: self.include_self,
            short_article_words: self.short_article_words,
            max_stem_pair_candidates: self.max_stem_pair_candidates,
            ..CheckConfig::default()
        };
        if let Some(n) = self.min_words {
            config.align.min_words = n;
        }
        config.validate().map_err(|e| UsageError(e.to_string()))?;
        Ok(config)
    }
}

/// Runs `reprint check`.
pub fn run(args: CheckArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let config = args.config()?;
    let index = Index::open(&args.index)?;
    let sources = args.input.sources()?;
    let mut requests = vec![OutputRequest::new("stdout", "-")];
    if let Some(p) = &args.html {
        requests.push(OutputRequest::new("--html", p));
    }
    let mut outputs = output::prepare(&requests, &input_files(&sources))?.into_iter();
    let mut report_out = outputs
        .next()
        .ok_or_else(|| anyhow::anyhow!("no report output"))?;
    let html_out = outputs.next();
    let observer = TerminalObserver::new(global.quiet);
    let run = check_sources(
        &index,
        &sources,
        &args.input.config(),
        &config,
        args.input.strict,
        &observer,
    )?;
    if let Some(mut html_out) = html_out {
        write_html(&mut html_out, &index, &run)?;
        html_out.commit()?;
    }
    let mut out = report_out.writer();
    match args.format {
        Format::Json => {
            for a in &run.articles {
                let line = JsonLine {
                    schema_version: SCHEMA_VERSION,
                    check: &a.result,
                };
                serde_json::to_writer(&mut out, &line)?;
                writeln!(out)?;
            }
        }
        Format::Text => {
            let colour = global.colour_stdout();
            let max_df = index.params().max_df;
            for a in &run.articles {
                write_text(&mut out, &a.result, max_df, colour)?;
            }
        }
    }
    out.flush()?;
    drop(out);
    report_out.commit()?;
    if run.issues > 0 && !global.quiet {
        eprintln!(
            "reprint: {} skipped",
            count(run.issues, "input record", "input records")
        );
    }
    if let Some(limit) = args.fail_above {
        let above = run
            .articles
            .iter()
            .filter(|a| a.result.reused_fraction > limit)
            .count();
        if above > 0 {
            if !global.quiet {
                eprintln!(
                    "reprint: {} more than {:.1}% (--fail-above {limit})",
                    count(above as u64, "article reuses", "articles reuse"),
                    limit * 100.0
                );
            }
            return Ok(ExitCode::from(super::EXIT_REUSE_ABOVE));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A share as a whole percentage; a small non-zero share is "<1%", never "0%".
fn whole_percent(share: f64) -> String {
    let p = (share * 100.0).round();
    if p == 0.0 && share > 0.0 {
        "<1%".into()
    } else {
        format!("{p:.0}%")
    }
}

fn paint(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_owned()
    }
}

fn bar(share: f64, width: usize) -> String {
    let filled = ((share.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    format!("{}{}", "█".repeat(filled), "·".repeat(width - filled))
}

/// The passage text on one line, shortened in the middle at word boundaries when long.
fn excerpt(text: &str, max_chars: usize) -> String {
    reprint::report::prose::excerpt_ends(text, max_chars)
}

fn write_text(
    out: &mut dyn Write,
    a: &ArticleCheck,
    max_df: u32,
    colour: bool,
) -> anyhow::Result<()> {
    let bold = Style::new().bold();
    let level = if a.reused_fraction >= 0.3 {
        AnsiColor::Red
    } else if a.reused_fraction > 0.0 {
        AnsiColor::Yellow
    } else {
        AnsiColor::Green
    };
    writeln!(
        out,
        "{}: {} reused from {} ({} of {} words)",
        paint(colour, bold, &a.article),
        paint(
            colour,
            Style::new().bold().fg_color(Some(level.into())),
            &format!("{:.1}%", a.reused_fraction * 100.0)
        ),
        count(a.sources.len() as u64, "source", "sources"),
        a.reused_words,
        a.words
    )?;
    if a.widely_copied_words > 0 {
        writeln!(
            out,
            "  {} of its words are in text found in more than {max_df} archived documents \
             (widely copied)",
            whole_percent(a.widely_copied_fraction)
        )?;
    }
    for e in &a.excluded_self {
        writeln!(
            out,
            "  left out {} (the article itself: {}; --include-self keeps it)",
            e.id, e.reason
        )?;
    }
    for s in &a.sources {
        writeln!(
            out,
            "  {:>6}  {}  {}  ({})",
            format!("{:.1}%", s.share * 100.0),
            paint(
                colour,
                Style::new().fg_color(Some(AnsiColor::Red.into())),
                &bar(s.share, 20)
            ),
            s.id,
            count(s.passages.len() as u64, "passage", "passages")
        )?;
    }
    for s in &a.sources {
        writeln!(out)?;
        writeln!(out, "  {}", paint(colour, bold, &s.id))?;
        for (i, p) in s.passages.iter().enumerate() {
            writeln!(
                out,
                "    [{}] article {}..{}  source {}..{}  similarity {:.2}",
                i + 1,
                p.article_start,
                p.article_end,
                p.source_start,
                p.source_end,
                p.similarity
            )?;
            writeln!(
                out,
                "        {}",
                paint(
                    colour,
                    Style::new().fg_color(Some(AnsiColor::Cyan.into())),
                    &excerpt(&p.text, 160)
                )
            )?;
        }
    }
    writeln!(out)?;
    Ok(())
}

/// One line of `check --format json`: the article's result after `schema_version`.
#[derive(serde::Serialize)]
struct JsonLine<'a> {
    schema_version: u32,
    #[serde(flatten)]
    check: &'a ArticleCheck,
}

fn write_html(out: &mut output::Output, index: &Index, run: &CheckRun) -> anyhow::Result<()> {
    // Documents: each article, then each source (fetched from the index once).
    let mut docs: Vec<(String, String)> = Vec::new();
    let mut views = Vec::new();
    let mut source_slot = std::collections::HashMap::new();
    for a in &run.articles {
        let article_doc = docs.len();
        docs.push((a.result.article.clone(), a.text.clone()));
        let mut sources = Vec::new();
        for s in &a.result.sources {
            let slot = match source_slot.get(&s.doc) {
                Some(&slot) => slot,
                None => {
                    let stored = index.doc(s.doc)?;
                    docs.push((stored.id.to_owned(), stored.text.to_owned()));
                    source_slot.insert(s.doc, docs.len() - 1);
                    docs.len() - 1
                }
            };
            sources.push(SourceView {
                doc: slot,
                share: s.share,
                passages: s
                    .passages
                    .iter()
                    .map(|p| PassageView {
                        article: (p.article_start, p.article_end),
                        source: (p.source_start, p.source_end),
                        similarity: p.similarity,
                    })
                    .collect(),
            });
        }
        views.push(ArticleView {
            doc: article_doc,
            reused_fraction: a.result.reused_fraction,
            widely_copied_fraction: a.result.widely_copied_fraction,
            widely_copied_cap: index.params().max_df,
            sources,
        });
    }
    let borrowed: Vec<(&str, &str)> = docs.iter().map(|(i, t)| (i.as_str(), t.as_str())).collect();
    let mut w = out.writer();
    html::write_check(&mut w, "reprint check", &borrowed, &views)?;
    w.flush()?;
    Ok(())
}
