//! `reprint check` as a pipeline: articles are read through the ingest, checked against the
//! index in parallel, and returned in input order.

use crate::check::{ArticleCheck, CheckConfig, Checker};
use crate::error::Result;
use crate::exec::{Observer, Stage};
use crate::index::Index;
use crate::input::ingest::{read_documents, IngestConfig};
use crate::input::{InputConfig, Sources};

/// One checked article with its text (reports show it).
#[derive(Debug, Clone)]
pub struct CheckedArticle {
    /// The article's full text.
    pub text: String,
    /// What the check found.
    pub result: ArticleCheck,
}

/// Everything a `reprint check` run produced.
#[derive(Debug, Clone, Default)]
pub struct CheckRun {
    /// Checked articles in input order.
    pub articles: Vec<CheckedArticle>,
    /// Input records skipped because of an issue.
    pub issues: u64,
}

/// Checks one article, aligning its candidates in parallel (the candidates of one
/// article are independent; the result is the same as [`Checker::check`]).
pub fn check_article(checker: &Checker<'_>, id: &str, text: &str) -> Result<ArticleCheck> {
    let masked = checker.mask_layout(text);
    let article = checker.prepare(id, text, &masked)?;
    let found: Vec<Option<crate::check::SourceMatch>> =
        crate::exec::map(&article.candidates.docs, |&(doc, _)| {
            checker.match_source(&article, doc)
        })
        .into_iter()
        .collect::<Result<_>>()?;
    Ok(checker.finish(&article, found.into_iter().flatten().collect()))
}

/// Reads the articles of `sources` and checks each against `index`. Bad records are
/// reported to the observer and skipped, or end the run when `strict`.
pub fn check_sources(
    index: &Index,
    sources: &Sources,
    input: &InputConfig,
    config: &CheckConfig,
    strict: bool,
    observer: &dyn Observer,
) -> Result<CheckRun> {
    let checker = Checker::new(index, config.clone())?;
    let mut run = CheckRun::default();
    let ingest_config = IngestConfig {
        strict,
        ..IngestConfig::default()
    };
    let (docs, read) = read_documents(sources, input, &ingest_config, observer)?;
    run.issues = read.skipped.total;
    observer.stage_started(Stage::Align, Some(docs.len() as u64));
    let results: Vec<Result<CheckedArticle>> = crate::exec::map_owned(docs, |doc| {
        let result = check_article(&checker, &doc.id, &doc.text);
        observer.advance(1);
        result.map(|result| CheckedArticle {
            text: doc.text,
            result,
        })
    });
    observer.stage_finished(Stage::Align);
    for r in results {
        run.articles.push(r?);
    }
    Ok(run)
}
