//! Property tests of the engine's invariants.

use proptest::prelude::*;
use reprint::cluster::UnionFind;
use reprint::minhash::{estimate_jaccard, MinHasher};
use reprint::shingle::{shingle_set, word_shingles};
use reprint::text::{sentence_spans, tokenize, NormalizeConfig};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Tokens point into the original text on character boundaries, in order,
    /// without overlapping, and normalisation never moves them.
    #[test]
    fn token_spans_are_on_char_boundaries(text in "\\PC{0,200}") {
        for strip in [false, true] {
            let tokens = tokenize(&text, &NormalizeConfig { strip_diacritics: strip });
            let mut last_end = 0;
            for t in &tokens {
                prop_assert!(t.start < t.end);
                prop_assert!(t.start >= last_end);
                prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
                prop_assert!(text[t.start..t.end].chars().any(|c| c.is_alphanumeric()));
                last_end = t.end;
            }
        }
    }

    /// Sentence spans too.
    #[test]
    fn sentence_spans_are_on_char_boundaries(text in "\\PC{0,200}") {
        for s in sentence_spans(&text) {
            prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            prop_assert!(!text[s.start..s.end].trim().is_empty());
        }
    }

    /// Identical documents give identical signatures, whatever the shingle order.
    #[test]
    fn identical_documents_identical_signatures(words in prop::collection::vec("[a-zA-Z]{1,8}", 1..80), seed in any::<u64>()) {
        let text = words.join(" ");
        let mut a = Vec::new();
        word_shingles(&tokenize(&text, &NormalizeConfig::default()), 5, &mut a);
        let mut b = a.clone();
        b.reverse();
        let h = MinHasher::new(128, seed);
        prop_assert_eq!(h.signature(&a), h.signature(&b));
        let upper = text.to_uppercase();
        let mut c = Vec::new();
        word_shingles(&tokenize(&upper, &NormalizeConfig::default()), 5, &mut c);
        prop_assert_eq!(h.signature(&a), h.signature(&c));
    }

    /// Clusters partition the linked documents: every linked document is in exactly
    /// one cluster, both ends of every link share a cluster, and no cluster contains
    /// an unlinked document or joins two parts that no chain of links joins.
    #[test]
    fn clusters_partition_linked_documents(n in 2usize..60, links in prop::collection::vec((0u32..60, 0u32..60), 0..80)) {
        let links: Vec<(u32, u32)> = links.into_iter().filter(|&(a, b)| (a as usize) < n && (b as usize) < n && a != b).collect();
        let mut uf = UnionFind::new(n);
        for &(a, b) in &links { uf.union(a, b); }
        let groups = uf.groups(2);
        let mut seen = vec![None; n];
        for (g, members) in groups.iter().enumerate() {
            prop_assert!(members.len() >= 2);
            for &m in members {
                prop_assert!(seen[m as usize].is_none(), "document in two clusters");
                seen[m as usize] = Some(g);
            }
        }
        let mut linked = vec![false; n];
        for &(a, b) in &links {
            linked[a as usize] = true;
            linked[b as usize] = true;
            prop_assert!(seen[a as usize].is_some() && seen[a as usize] == seen[b as usize]);
        }
        for d in 0..n {
            prop_assert_eq!(linked[d], seen[d].is_some());
        }
        // Each cluster is connected by links alone (a flood fill from its first member).
        for members in &groups {
            let mut reached = vec![members[0]];
            let mut frontier = vec![members[0]];
            while let Some(x) = frontier.pop() {
                for &(a, b) in &links {
                    for (from, to) in [(a, b), (b, a)] {
                        if from == x && !reached.contains(&to) {
                            reached.push(to);
                            frontier.push(to);
                        }
                    }
                }
            }
            prop_assert_eq!(reached.len(), members.len());
        }
    }
}

/// The MinHash estimate's error matches theory: over many seeds, the estimator is
/// unbiased and its variance is at most the k-mins variance `J(1 − J)/k` (with slack
/// for sampling noise).
#[test]
fn minhash_estimate_error_matches_theory() {
    let k = 128;
    for (shared, only_a, only_b) in [
        (900, 100, 100),
        (500, 250, 250),
        (200, 400, 400),
        (40, 5, 5),
        (10, 30, 30),
    ] {
        let a: Vec<u64> = (0..shared + only_a)
            .map(|x| x as u64 * 2_654_435_761)
            .collect();
        let b: Vec<u64> = (0..shared)
            .chain(shared + only_a..shared + only_a + only_b)
            .map(|x| x as u64 * 2_654_435_761)
            .collect();
        let j = shared as f64 / (shared + only_a + only_b) as f64;
        let trials = 400;
        let estimates: Vec<f64> = (0..trials)
            .map(|seed| {
                let h = MinHasher::new(k, seed);
                estimate_jaccard(&h.signature(&a).unwrap(), &h.signature(&b).unwrap())
            })
            .collect();
        let mean = estimates.iter().sum::<f64>() / trials as f64;
        let var = estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (trials - 1) as f64;
        let theory = j * (1.0 - j) / k as f64;
        // Standard error of the mean is sqrt(theory / trials); allow 4 of them.
        let mean_tolerance = 4.0 * (theory / trials as f64).sqrt() + 1e-9;
        assert!(
            (mean - j).abs() <= mean_tolerance,
            "J={j:.3}: mean {mean:.4}, tolerance {mean_tolerance:.4}"
        );
        assert!(
            var <= 1.35 * theory + 1e-9,
            "J={j:.3}: variance {var:.6} vs theory {theory:.6}"
        );
        assert!(
            var >= 0.3 * theory,
            "J={j:.3}: variance {var:.6} suspiciously below theory {theory:.6}"
        );
    }
}

/// Exact shingle sets agree with the word content: a document and itself score 1,
/// unrelated documents score near 0.
#[test]
fn shingle_sets_behave() {
    let norm = NormalizeConfig::default();
    let set = |t: &str| {
        let mut h = Vec::new();
        word_shingles(&tokenize(t, &norm), 3, &mut h);
        shingle_set(&h)
    };
    let a = set("one two three four five six seven");
    let b = set("One, two; three four. Five six seven!");
    assert_eq!(a, b);
    assert!(reprint::verify::score_sets(&a, &set("eight nine ten eleven")).jaccard == 0.0);
}
