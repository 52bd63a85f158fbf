//! One benchmark per stage of the near-duplicate pipeline, on fixed text: the seed
//! articles of `corpus/seeds` and deterministic variants of them. Every benchmark
//! checks its own result first (shingle counts, equal signatures for equal text, the
//! planted pairs among the candidates, their exact Jaccard values, the gold reused
//! passages of `corpus/seeds.gold.json` aligned), so a stage that
//! breaks makes the benchmark fail instead of timing the wrong thing.
//!
//! Run with `cargo bench --bench stages`; a quick check with
//! `cargo bench --bench stages -- --quick`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rand::rngs::Xoshiro256PlusPlus;
use rand::SeedableRng;
use reprint::align::{align, AlignConfig, PreparedDoc};
use reprint::lsh::{band_keys, candidate_pairs, LshParams};
use reprint::minhash::MinHasher;
use reprint::shingle::{key_shingles, shingle_set};
use reprint::text::{word_keys, NormalizeConfig};
use reprint::verify::score_sets;
use reprint_tools::synth::join::{jaccard, shingle_set_u64};
use reprint_tools::synth::Edit;
use std::time::Duration;

const SHINGLE: usize = 5;
const NUM_PERM: usize = 128;
/// Unrelated documents added to the LSH and signing workloads.
const NOISE_DOCS: usize = 500;

/// The seed articles, read from the repository.
fn articles() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/seeds");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus/seeds is part of the repository")
        .map(|e| e.expect("readable corpus entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    let texts: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("seed article is UTF-8"))
        .collect();
    assert_eq!(texts.len(), 5, "expected the five seed articles");
    texts
}

fn vocabulary(texts: &[String]) -> Vec<String> {
    let mut words: Vec<String> = texts
        .iter()
        .flat_map(|t| t.split_whitespace())
        .filter(|w| w.len() >= 3 && w.chars().all(char::is_alphabetic))
        .map(str::to_lowercase)
        .collect();
    words.sort();
    words.dedup();
    words
}

/// The fixed workload: the articles, one planted near-copy of each (1 % of words
/// substituted), then unrelated documents (half the words of an article replaced).
/// Documents `i` and `5 + i` are the planted pairs.
fn workload() -> Vec<String> {
    let base = articles();
    let vocab = vocabulary(&base);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    let mut docs = base.clone();
    for text in &base {
        docs.push(Edit::Substitute { rate: 0.01 }.apply(text, &vocab, &mut rng));
    }
    for i in 0..NOISE_DOCS {
        docs.push(Edit::Substitute { rate: 0.5 }.apply(&base[i % base.len()], &vocab, &mut rng));
    }
    docs
}

fn shingles_of(text: &str, keys: &mut Vec<u64>, out: &mut Vec<u64>) {
    keys.clear();
    out.clear();
    word_keys(text, &NormalizeConfig::default(), keys);
    key_shingles(keys, SHINGLE, out);
}

fn all_shingles(docs: &[String]) -> Vec<Vec<u64>> {
    let mut keys = Vec::new();
    docs.iter()
        .map(|d| {
            let mut out = Vec::new();
            shingles_of(d, &mut keys, &mut out);
            out
        })
        .collect()
}

fn signatures(hasher: &MinHasher, shingles: &[Vec<u64>]) -> Vec<u32> {
    let mut sigs = vec![0u32; shingles.len() * NUM_PERM];
    for (sig, s) in sigs.chunks_exact_mut(NUM_PERM).zip(shingles) {
        assert!(hasher.sign_into(s, sig), "every document has shingles");
    }
    sigs
}

fn bench_shingle(c: &mut Criterion) {
    let docs = articles();
    let bytes: usize = docs.iter().map(String::len).sum();
    // Check: one shingle per window of five words.
    let (mut keys, mut out) = (Vec::new(), Vec::new());
    for d in &docs {
        shingles_of(d, &mut keys, &mut out);
        assert!(keys.len() > 300, "a seed article has hundreds of words");
        assert_eq!(out.len(), keys.len() - SHINGLE + 1);
    }
    let mut group = c.benchmark_group("tokenize_shingle");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("seed_articles", |b| {
        b.iter(|| {
            let mut total = 0;
            for d in &docs {
                shingles_of(black_box(d), &mut keys, &mut out);
                total += out.len();
            }
            total
        })
    });
    group.finish();
}

fn bench_sign(c: &mut Criterion) {
    let docs = workload();
    let shingles = all_shingles(&docs);
    let hasher = MinHasher::new(NUM_PERM, 1);
    // Check: the same words in other case and quote style sign identically, and a
    // planted copy agrees on most positions.
    let shouted = docs[0].to_uppercase().replace('\'', "\u{2019}");
    let (a, b) = (
        hasher.signature(&shingles[0]),
        hasher.signature(&all_shingles(&[shouted])[0]),
    );
    assert!(a.is_some());
    assert_eq!(a, b);
    let copy = hasher.signature(&shingles[5]).expect("copy has shingles");
    let est = reprint::minhash::estimate_jaccard(&a.expect("checked"), &copy);
    assert!(est > 0.6, "estimate {est}");
    let mut group = c.benchmark_group("sign");
    group.throughput(Throughput::Elements(docs.len() as u64));
    group.bench_function("minhash_128", |bch| {
        bch.iter(|| signatures(&hasher, black_box(&shingles)))
    });
    group.finish();
}

fn bench_lsh(c: &mut Criterion) {
    let docs = workload();
    let hasher = MinHasher::new(NUM_PERM, 1);
    let sigs = signatures(&hasher, &all_shingles(&docs));
    let params = LshParams { bands: 16, rows: 8 };
    let run = |sigs: &[u32]| {
        let mut keys = Vec::with_capacity(docs.len() * params.bands);
        for sig in sigs.chunks_exact(NUM_PERM) {
            band_keys(sig, &params, &mut keys);
        }
        candidate_pairs(&keys, params.bands, |_| true, 64)
    };
    // Check: every planted pair is a candidate, and unrelated documents rarely are.
    let pairs = run(&sigs);
    for i in 0..5u32 {
        assert!(pairs.contains(&(i, i + 5)), "planted pair {i} missed");
    }
    assert!(
        pairs.len() < 50,
        "{} candidates among unrelated text",
        pairs.len()
    );
    let mut group = c.benchmark_group("lsh");
    group.throughput(Throughput::Elements(docs.len() as u64));
    group.bench_function("band_and_candidates_16x8", |b| {
        b.iter(|| run(black_box(&sigs)))
    });
    group.finish();
}

fn bench_verify(c: &mut Criterion) {
    let docs = workload();
    let shingles = all_shingles(&docs);
    let sets: Vec<Vec<u32>> = shingles.iter().map(|s| shingle_set(s)).collect();
    // Check: the 32-bit fingerprint sets give the exact 64-bit Jaccard value, and the
    // planted pairs sit above the 0.8 threshold.
    for i in 0..5 {
        let exact = jaccard(
            &shingle_set_u64(&docs[i], SHINGLE),
            &shingle_set_u64(&docs[i + 5], SHINGLE),
        );
        let score = score_sets(&sets[i], &sets[i + 5]);
        assert!(
            (score.jaccard - exact).abs() < 1e-3,
            "{} vs {exact}",
            score.jaccard
        );
        assert!(exact > 0.8 && exact < 1.0, "planted pair {i}: {exact}");
    }
    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(5));
    group.bench_function("planted_pairs", |b| {
        b.iter(|| {
            (0..5)
                .map(|i| score_sets(black_box(&sets[i]), black_box(&sets[i + 5])).jaccard)
                .sum::<f64>()
        })
    });
    group.finish();
}

/// One member of a gold passage: the article's index and its byte range.
type GoldMember = (usize, (usize, usize));

/// The reused passages of `corpus/seeds.gold.json` marked as required: for each,
/// `((doc_a, span_a), (doc_b, span_b))` for every two members in different articles.
fn gold_pairs() -> Vec<(GoldMember, GoldMember)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/seeds.gold.json");
    let gold: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("gold file is readable"))
            .expect("gold file is JSON");
    let doc_index = |name: &str| -> usize {
        name.get(..3)
            .and_then(|n| n.parse().ok())
            .expect("seed file names start with their number")
    };
    let mut out = Vec::new();
    for cluster in gold["clusters"].as_array().expect("clusters") {
        if cluster["required"] != serde_json::Value::Bool(true) {
            continue;
        }
        let members: Vec<GoldMember> = cluster["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| {
                let at = |k: &str| m[k].as_u64().expect("byte offset") as usize;
                (
                    doc_index(m["doc"].as_str().expect("doc")),
                    (at("start"), at("end")),
                )
            })
            .collect();
        for (i, x) in members.iter().enumerate() {
            for y in &members[i + 1..] {
                if x.0 != y.0 {
                    let (x, y) = if x.0 < y.0 { (x, y) } else { (y, x) };
                    out.push((*x, *y));
                }
            }
        }
    }
    out
}

fn overlaps(span: reprint::Span, (start, end): (usize, usize)) -> bool {
    span.start < end && start < span.end
}

fn bench_align(c: &mut Criterion) {
    let texts = articles();
    let norm = NormalizeConfig::default();
    let cfg = AlignConfig::default();
    let gold = gold_pairs();
    let mut pairs: Vec<(usize, usize)> = gold.iter().map(|(x, y)| (x.0, y.0)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    // Check: every required reused passage of the gold file is aligned.
    let prepared: Vec<PreparedDoc> = texts.iter().map(|t| PreparedDoc::new(t, &norm)).collect();
    for &((da, sa), (db, sb)) in &gold {
        let found = align(&prepared[da], &prepared[db], &cfg);
        assert!(
            found.iter().any(|p| overlaps(p.a, sa) && overlaps(p.b, sb)),
            "gold passage {da}:{sa:?} / {db}:{sb:?} not aligned; found {found:?}"
        );
    }
    let mut group = c.benchmark_group("align");
    group.throughput(Throughput::Elements(pairs.len() as u64));
    group.bench_function("prepare_and_align_gold_pairs", |b| {
        b.iter(|| {
            pairs
                .iter()
                .map(|&(x, y)| {
                    let a = PreparedDoc::new(black_box(&texts[x]), &norm);
                    let b = PreparedDoc::new(black_box(&texts[y]), &norm);
                    align(&a, &b, &cfg).len()
                })
                .sum::<usize>()
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = stages;
    config = config();
    targets = bench_shingle, bench_sign, bench_lsh, bench_verify, bench_align
}
criterion_main!(stages);
