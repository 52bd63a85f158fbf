//! Alignment quality on a deterministic sample of the PAN 2013 text alignment
//! training corpus (skipped when the corpus is not present).

use reprint::align::AlignConfig;
use reprint::text::NormalizeConfig;
use reprint_tools::eval::pan13::Corpus;
use std::path::Path;

const PAN13: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/pan13-train");

#[test]
fn plagdet_on_sample_of_every_subcorpus() {
    let root = Path::new(PAN13);
    if !root.join("pairs").is_file() {
        crate::skip_or_fail(
            "plagdet_on_sample_of_every_subcorpus",
            &format!("{PAN13} not found"),
        );
        return;
    }
    let corpus = Corpus::load(root).expect("corpus loads").sample(40);
    let detections = reprint_tools::eval::detect::detect(
        &corpus,
        &AlignConfig::default(),
        &NormalizeConfig::default(),
    )
    .expect("detection runs");
    let report = corpus.score(&detections);
    for r in &report.rows {
        eprintln!("{} {:?}", r.name, r.score);
    }
    eprintln!("entire {:?}", report.entire.score);
    let floor = |name: &str| match name {
        "02-no-obfuscation" => 0.96,
        "03-random-obfuscation" => 0.88,
        "04-translation-obfuscation" => 0.88,
        "05-summary-obfuscation" => 0.66,
        _ => 0.0,
    };
    for r in &report.rows {
        assert!(
            r.score.plagdet >= floor(&r.name),
            "{}: plagdet {:.4} below floor {}",
            r.name,
            r.score.plagdet,
            floor(&r.name)
        );
    }
    assert!(
        report.entire.score.plagdet >= 0.90,
        "entire {:?}",
        report.entire.score
    );
    // No-plagiarism pairs: almost nothing may be reported.
    let no_plag = report.rows.iter().find(|r| r.name == "01-no-plagiarism");
    if let Some(r) = no_plag {
        assert!(
            r.score.detections <= 3,
            "{} detections on no-plagiarism pairs",
            r.score.detections
        );
    }
}
