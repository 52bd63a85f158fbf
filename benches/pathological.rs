//! Pathological documents: each must be analysed in time linear in its length.
//! Alignment (document preparation with stemming, seeds, verbatim runs) and signing
//! (word keys, shingles, MinHash) of one enormous word, letters without spaces, one
//! short word repeated, punctuation only, a line of digits and one sentence repeated,
//! and signing of one-word documents (whose signatures are nearly all densified).
//!
//! Before timing, every input is checked twice: its result (token and sentence
//! counts, passages, signatures) is what it must be, and preparing four times the
//! text takes less than ten times as long (a quadratic step would take sixteen).
//!
//! Run with `cargo bench --bench pathological`; a quick check with
//! `cargo bench --bench pathological -- --quick`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use reprint::align::{align, AlignConfig, PreparedDoc};
use reprint::minhash::MinHasher;
use reprint::shingle::key_shingles;
use reprint::text::{word_keys, NormalizeConfig};
use std::time::{Duration, Instant};

/// Bytes of each pathological input.
const SIZE: usize = 1_000_000;

/// Pseudo-random bytes from `alphabet` (a fixed xorshift sequence).
fn random_text(alphabet: &[u8], len: usize) -> String {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

/// The inputs by name, built at `len` bytes, with the number of tokens each must have
/// (`None`: not fixed by the length).
fn inputs(len: usize) -> Vec<(&'static str, String, Option<usize>)> {
    let sentence = "Fuel prices rose sharply in the western regions today. ";
    vec![
        ("one_word", "ay".repeat(len / 2), Some(1)),
        (
            "letters_no_spaces",
            random_text(b"abcdefghijklmnopqrstuvwxyz", len),
            Some(1),
        ),
        ("the_the_the", "the ".repeat(len / 4), Some(len / 4)),
        (
            "punctuation",
            random_text(b".,;:!?-()[]\"'*&%$#@/", len),
            Some(0),
        ),
        (
            "digits_line",
            random_text(b"0123456789", len) + "\n",
            Some(1),
        ),
        ("no_no_no", "No. ".repeat(len / 4), Some(len / 4)),
        (
            "one_sentence_repeated",
            sentence.repeat(len / sentence.len()),
            Some(9 * (len / sentence.len())),
        ),
    ]
}

fn prepare_and_align(text: &str) -> usize {
    let norm = NormalizeConfig::default();
    let (a, b) = (PreparedDoc::new(text, &norm), PreparedDoc::new(text, &norm));
    align(&a, &b, &AlignConfig::default()).len()
}

fn seconds(f: impl Fn()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

/// Checks one input's result and that four times the input takes less than ten
/// times as long.
fn check(name: &str, small: &str, large: &str, tokens: Option<usize>) {
    let doc = PreparedDoc::new(small, &NormalizeConfig::default());
    if let Some(n) = tokens {
        assert_eq!(doc.tokens().len(), n, "{name}: tokens");
    }
    assert!(doc.tokens().iter().all(|t| t.end <= small.len()));
    // Identical copies of text without 8 distinct aligned words give no passage.
    assert_eq!(prepare_and_align(small), 0, "{name}: passages");
    let t_small = seconds(|| {
        black_box(prepare_and_align(small));
    });
    let t_large = seconds(|| {
        black_box(prepare_and_align(large));
    });
    assert!(
        t_large < 10.0 * t_small.max(0.002),
        "{name}: {t_large:.3} s at 4× the length of {t_small:.3} s"
    );
}

fn bench_align(c: &mut Criterion) {
    let large = inputs(4 * SIZE);
    let mut group = c.benchmark_group("pathological_align");
    for ((name, text, tokens), (_, big, _)) in inputs(SIZE).into_iter().zip(&large) {
        check(name, &text, big, tokens);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| b.iter(|| black_box(prepare_and_align(&text))));
    }
    group.finish();
}

fn bench_sign(c: &mut Criterion) {
    let norm = NormalizeConfig::default();
    let hasher = MinHasher::new(128, 1);
    let mut group = c.benchmark_group("pathological_sign");
    for (name, text, _) in inputs(SIZE) {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            let (mut keys, mut shingles, mut sig) = (Vec::new(), Vec::new(), vec![0u32; 128]);
            b.iter(|| {
                keys.clear();
                shingles.clear();
                word_keys(&text, &norm, &mut keys);
                key_shingles(&keys, 5, &mut shingles);
                black_box(hasher.sign_into(&shingles, &mut sig))
            })
        });
    }
    // One-word documents: one shingle each, 127 of 128 bins densified.
    let words: Vec<String> = (0..10_000).map(|i| format!("w{i}")).collect();
    let one = |w: &str| {
        let mut keys = Vec::new();
        word_keys(w, &norm, &mut keys);
        let mut shingles = Vec::new();
        key_shingles(&keys, 5, &mut shingles);
        hasher.signature(&shingles).expect("a word has a shingle")
    };
    let sig = one("w1");
    assert!(
        sig.iter().all(|&v| v == sig[0]),
        "one shingle fills every bin"
    );
    assert_ne!(one("w1"), one("w2"));
    group.throughput(Throughput::Elements(words.len() as u64));
    group.bench_function("one_word_documents", |b| {
        b.iter(|| words.iter().map(|w| one(w)[0] as u64).sum::<u64>())
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = pathological;
    config = config();
    targets = bench_align, bench_sign
}
criterion_main!(pathological);
