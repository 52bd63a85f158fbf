//! Synthetic news dumps with planted near-duplicates, for measuring deduplication.
//!
//! [`generate`] writes a JSON Lines dump of any size built from a [`BasePool`] of real
//! articles, together with its *truth*: every pair of documents in a planted family
//! with the exact Jaccard similarity of their word-shingle sets.
//!
//! # How a dump is made
//! - **Originals.** Original `f` starts from pool article `perm[f mod A]` (a seeded
//!   shuffle of the `A` pool articles). In the first round (`f < A`) it takes the
//!   article's paragraphs up to 70 % of a target length; in later rounds only a
//!   random selection of the article's sentences, shuffled, up to 35 %. The rest is
//!   filled with paragraphs spliced from other random articles until the target
//!   length (uniform between 0.5 and 1.5 times `mean_doc_bytes`) is reached. Two
//!   originals therefore share at most a part of one article and a few spliced
//!   paragraphs, far below any duplicate threshold.
//! - **Copies.** A share `dup_rate` of the documents are planted copies: each is its
//!   family's original with one edit, or two of different kinds (see [`edit`]).
//!   Families have 1 to `max_copies` copies (half of them one).
//! - **Order and ids.** Documents are shuffled; ids are `doc` plus the position, so
//!   neither order nor id gives a family away.
//! - **Truth.** For every family, every pair of members with its exact Jaccard
//!   similarity (case-folded word `shingle_words`-grams), its kind, and whether it
//!   reaches `threshold`. Natural near-duplicates of the base corpus are removed
//!   before generation (see [`pool`]), so pairs outside the families are not
//!   duplicates by construction.
//!
//! Every document is a function of `(seed, family, member)` alone, so output is the
//! same for a given seed, pool and configuration whatever the number of threads.

pub mod edit;
pub mod join;
pub mod pool;

pub use edit::{Edit, EditKind};
pub use pool::{BasePool, PoolConfig, PoolStats};

use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use reprint::error::{Error, Result};
use reprint::minhash::fmix64;
use std::collections::BTreeMap;
use std::io::Write;

/// What to generate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SynthConfig {
    /// Documents in the dump.
    pub docs: usize,
    /// Share of the documents that are planted copies (0 to 0.8).
    pub dup_rate: f64,
    /// Largest number of copies of one original (1 to 255).
    pub max_copies: usize,
    /// Average length of an original in bytes.
    pub mean_doc_bytes: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Words per shingle for the truth's Jaccard values.
    pub shingle_words: usize,
    /// Pairs at or above this exact Jaccard similarity are marked as duplicates.
    pub threshold: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            docs: 10_000,
            dup_rate: 0.25,
            max_copies: 5,
            mean_doc_bytes: 2300,
            seed: 1,
            shingle_words: reprint::shingle::DEFAULT_SHINGLE_WORDS,
            threshold: reprint::dedup::DedupConfig::default().threshold,
        }
    }
}

impl SynthConfig {
    /// Checks the values are in range.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Config(m.to_string()));
        if self.docs == 0 || self.docs > u32::MAX as usize / 2 {
            return bad("the number of documents must be between 1 and 2^31");
        }
        if !(0.0..=0.8).contains(&self.dup_rate) {
            return bad("the duplicate rate must be between 0 and 0.8");
        }
        if !(1..=255).contains(&self.max_copies) {
            return bad("the number of copies per original must be between 1 and 255");
        }
        if self.mean_doc_bytes < 200 {
            return bad("the mean document length must be at least 200 bytes");
        }
        if self.shingle_words == 0 {
            return bad("shingles need at least one word");
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return bad("the threshold must be in (0, 1]");
        }
        Ok(())
    }
}

/// Counts of one kind of planted pair.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct KindStats {
    /// Pairs of this kind.
    pub pairs: usize,
    /// Of those, pairs at or above the threshold.
    pub duplicates: usize,
    /// Mean exact Jaccard similarity.
    pub mean_jaccard: f64,
}

/// What a run of [`generate`] produced.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SynthStats {
    /// The configuration used.
    pub config: SynthConfig,
    /// The base pool's counts.
    pub pool: PoolStats,
    /// Documents written.
    pub docs: usize,
    /// Originals among them.
    pub originals: usize,
    /// Planted copies among them.
    pub copies: usize,
    /// Originals with at least one copy.
    pub families: usize,
    /// Bytes of text written (the `text` fields only).
    pub text_bytes: u64,
    /// Pairs written to the truth (all pairs within families).
    pub planted_pairs: usize,
    /// Of those, pairs at or above the threshold: the duplicates to find.
    pub duplicate_pairs: usize,
    /// Counts per kind: the copy's edits joined with `+` for original–copy pairs,
    /// `siblings` for two copies of one original.
    pub kinds: BTreeMap<String, KindStats>,
}

const STREAM_PLAN: u64 = 1;
const STREAM_PERM: u64 = 2;
const STREAM_ORIGINAL: u64 = 3;
const STREAM_COPY: u64 = 4;

fn rng_for(seed: u64, stream: u64, family: u64, member: u64) -> Xoshiro256PlusPlus {
    let key = fmix64(fmix64(seed ^ stream.rotate_left(56)) ^ family.rotate_left(17)) ^ member;
    Xoshiro256PlusPlus::seed_from_u64(fmix64(key))
}

/// Which document goes where: families, their sizes and the output order.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Copies of each original (family), indexed by family.
    pub copies: Vec<u8>,
    /// `(family, member)` of each output position; member 0 is the original.
    pub slots: Vec<(u32, u8)>,
    /// First index into `member_slots` of each family.
    member_start: Vec<u32>,
    /// Output position of each member, families one after another.
    member_slots: Vec<u32>,
}

impl Plan {
    /// Draws the families and the order for `config`.
    pub fn new(config: &SynthConfig) -> Plan {
        let mut rng = rng_for(config.seed, STREAM_PLAN, 0, 0);
        let copies_total = ((config.docs as f64 * config.dup_rate).round() as usize)
            .min(config.docs.saturating_sub(1));
        let originals = config.docs - copies_total;
        let mut copies = vec![0u8; originals];
        let mut order: Vec<u32> = (0..originals as u32).collect();
        order.shuffle(&mut rng);
        // Half the families get one copy, then fewer and fewer.
        const WEIGHTS: [f64; 5] = [0.5, 0.25, 0.12, 0.08, 0.05];
        let mut remaining = copies_total;
        'fill: while remaining > 0 {
            for &f in &order {
                if remaining == 0 {
                    break 'fill;
                }
                let have = copies[f as usize] as usize;
                if have >= config.max_copies {
                    continue;
                }
                let mut k = 1;
                let mut u: f64 = rng.random();
                for (i, w) in WEIGHTS.iter().enumerate() {
                    if u < *w {
                        k = i + 1;
                        break;
                    }
                    u -= w;
                    k = i + 2;
                }
                let k = k.min(config.max_copies - have).min(remaining);
                copies[f as usize] += k as u8;
                remaining -= k;
            }
        }
        let mut slots: Vec<(u32, u8)> = Vec::with_capacity(config.docs);
        for (f, &c) in copies.iter().enumerate() {
            for m in 0..=c {
                slots.push((f as u32, m));
            }
        }
        slots.shuffle(&mut rng);
        let mut member_start = Vec::with_capacity(originals + 1);
        let mut next = 0u32;
        for &c in &copies {
            member_start.push(next);
            next += c as u32 + 1;
        }
        member_start.push(next);
        let mut member_slots = vec![0u32; config.docs];
        for (slot, &(f, m)) in slots.iter().enumerate() {
            member_slots[(member_start[f as usize] + m as u32) as usize] = slot as u32;
        }
        Plan {
            copies,
            slots,
            member_start,
            member_slots,
        }
    }

    /// The output position of member `member` of family `family`.
    pub fn slot_of(&self, family: u32, member: u8) -> u32 {
        self.member_slots[(self.member_start[family as usize] + member as u32) as usize]
    }
}

/// Builds documents from a pool according to a configuration.
#[derive(Debug)]
pub struct Synthesizer<'a> {
    pool: &'a BasePool,
    config: SynthConfig,
    perm: Vec<u32>,
    id_width: usize,
}

impl<'a> Synthesizer<'a> {
    /// Prepares generation; fails on an invalid configuration or an empty pool.
    pub fn new(pool: &'a BasePool, config: SynthConfig) -> Result<Self> {
        config.validate()?;
        if pool.articles.is_empty() || pool.splice.is_empty() {
            return Err(Error::Config(
                "the base corpus has no usable article (each needs 40 words or more)".into(),
            ));
        }
        let mut perm: Vec<u32> = (0..pool.articles.len() as u32).collect();
        perm.shuffle(&mut rng_for(config.seed, STREAM_PERM, 0, 0));
        let id_width = (config.docs.max(2) - 1).to_string().len();
        Ok(Synthesizer {
            pool,
            config,
            perm,
            id_width,
        })
    }

    /// The id of the document at output position `slot`.
    pub fn id(&self, slot: u32) -> String {
        format!("doc{:0width$}", slot, width = self.id_width)
    }

    /// The text and date of original `family`.
    pub fn original(&self, family: u32) -> (String, Option<&'a str>) {
        let pool = self.pool;
        let mut rng = rng_for(self.config.seed, STREAM_ORIGINAL, family as u64, 0);
        let mean = self.config.mean_doc_bytes as f64;
        let target = rng.random_range(0.5 * mean..1.5 * mean) as usize;
        let articles = self.perm.len();
        let primary = self.perm[family as usize % articles];
        let article = &pool.articles[primary as usize];
        let mut parts: Vec<&str> = Vec::new();
        let mut len = 0;
        if (family as usize) < articles {
            let cap = target * 7 / 10;
            for p in &article.paragraphs {
                if len > 0 && len + p.len() > cap {
                    break;
                }
                parts.push(p);
                len += p.len() + 2;
            }
        } else {
            let cap = target * 35 / 100;
            let mut sentences: Vec<&str> = Vec::new();
            for p in &article.paragraphs {
                sentences.extend(
                    reprint::text::sentence_spans(p)
                        .iter()
                        .map(|s| &p[s.start..s.end]),
                );
            }
            sentences.shuffle(&mut rng);
            for s in sentences {
                if len > 0 && len + s.len() > cap {
                    break;
                }
                parts.push(s);
                len += s.len() + 1;
            }
        }
        let mut text = parts.join(if (family as usize) < articles {
            "\n\n"
        } else {
            " "
        });
        while text.len() < target {
            let &(a, p) = pool
                .splice
                .get(rng.random_range(0..pool.splice.len()))
                .unwrap_or(&(0, 0));
            if a == primary {
                continue;
            }
            let paragraph = pool.paragraph(a, p);
            if text.len() + paragraph.len() / 2 > target && text.len() > target / 2 {
                break;
            }
            text.push_str("\n\n");
            text.push_str(paragraph);
        }
        (text, article.date.as_deref())
    }

    /// The edits of copy `member` (1 or more) of family `family`, applied to its original.
    pub fn copy(&self, family: u32, member: u8, original: &str) -> (String, Vec<EditKind>) {
        let mut rng = rng_for(self.config.seed, STREAM_COPY, family as u64, member as u64);
        let first = EditKind::ALL[rng.random_range(0..EditKind::ALL.len())];
        let mut kinds = vec![first];
        if rng.random_bool(0.4) {
            let second = EditKind::ALL[rng.random_range(0..EditKind::ALL.len())];
            if second != first {
                kinds.push(second);
            }
        }
        let mut text = original.to_string();
        for &kind in &kinds {
            let edit = Edit::random(kind, &mut rng);
            text = edit.apply(&text, &self.pool.vocabulary, &mut rng);
        }
        (text, kinds)
    }

    /// All members of a family: the original's text, date, then the copies' texts and edits.
    pub fn family(
        &self,
        family: u32,
        copies: u8,
    ) -> (Vec<(String, Vec<EditKind>)>, Option<&'a str>) {
        let (original, date) = self.original(family);
        let mut members = Vec::with_capacity(copies as usize + 1);
        for m in 1..=copies {
            members.push(self.copy(family, m, &original));
        }
        members.insert(0, (original, Vec::new()));
        (members, date)
    }
}

#[derive(serde::Serialize)]
struct DocRecord<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    text: &'a str,
}

/// One line of the truth file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TruthPair {
    /// Version of this record's schema ([`reprint::report::SCHEMA_VERSION`]).
    #[serde(default = "schema_version")]
    pub schema_version: u32,
    /// Id of one document (the original, or the lower-numbered copy).
    #[serde(rename = "doc_a")]
    pub a: String,
    /// Id of the other.
    #[serde(rename = "doc_b")]
    pub b: String,
    /// Index of the family.
    pub family: u32,
    /// How `b` differs from `a`: the copy's edits joined with `+`, or `siblings`.
    pub kind: String,
    /// Exact Jaccard similarity of the two word-shingle sets.
    pub jaccard: f64,
    /// Whether `jaccard` reaches the configured threshold.
    pub duplicate: bool,
}

fn schema_version() -> u32 {
    reprint::report::SCHEMA_VERSION
}

fn kind_name(kinds: &[EditKind]) -> String {
    kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join("+")
}

/// Writes a dump (`docs`, JSON Lines with `id`, `date` when known, `text`) and its
/// truth (`truth`, JSON Lines of [`TruthPair`], families in order).
pub fn generate(
    pool: &BasePool,
    config: &SynthConfig,
    docs: &mut dyn Write,
    truth: &mut dyn Write,
) -> Result<SynthStats> {
    let synth = Synthesizer::new(pool, config.clone())?;
    let plan = Plan::new(config);
    let write_err = |what: &str| {
        let what = what.to_string();
        move |e| Error::stream(format!("writing the {what}"), e)
    };

    const BATCH: usize = 1 << 14;
    let mut text_bytes = 0u64;
    for batch in plan.slots.chunks(BATCH).enumerate() {
        let (batch_index, slots) = batch;
        let chunks: Vec<(Vec<u8>, u64)> = slots
            .par_chunks(512)
            .enumerate()
            .map(|(chunk_index, chunk)| {
                let mut out = Vec::with_capacity(chunk.len() * (config.mean_doc_bytes + 64));
                let mut bytes = 0u64;
                for (i, &(family, member)) in chunk.iter().enumerate() {
                    let slot = (batch_index * BATCH + chunk_index * 512 + i) as u32;
                    let (original, date) = synth.original(family);
                    let text = if member == 0 {
                        original
                    } else {
                        synth.copy(family, member, &original).0
                    };
                    bytes += text.len() as u64;
                    let id = synth.id(slot);
                    let record = DocRecord {
                        id: &id,
                        date,
                        text: &text,
                    };
                    // Serialising plain strings into a Vec cannot fail.
                    if serde_json::to_writer(&mut out, &record).is_ok() {
                        out.push(b'\n');
                    }
                }
                (out, bytes)
            })
            .collect();
        for (chunk, bytes) in chunks {
            docs.write_all(&chunk).map_err(write_err("documents"))?;
            text_bytes += bytes;
        }
    }
    docs.flush().map_err(write_err("documents"))?;

    let families: Vec<u32> = (0..plan.copies.len() as u32)
        .filter(|&f| plan.copies[f as usize] > 0)
        .collect();
    let mut kinds: BTreeMap<String, KindStats> = BTreeMap::new();
    let (mut planted_pairs, mut duplicate_pairs) = (0, 0);
    for batch in families.chunks(BATCH) {
        let pairs: Vec<Vec<TruthPair>> = batch
            .par_iter()
            .map(|&family| {
                let copies = plan.copies[family as usize];
                let (members, _) = synth.family(family, copies);
                let sets: Vec<Vec<u64>> = members
                    .iter()
                    .map(|(text, _)| join::shingle_set_u64(text, config.shingle_words))
                    .collect();
                let mut out = Vec::new();
                for i in 0..members.len() {
                    for j in i + 1..members.len() {
                        let jaccard = join::jaccard(&sets[i], &sets[j]);
                        out.push(TruthPair {
                            schema_version: schema_version(),
                            a: synth.id(plan.slot_of(family, i as u8)),
                            b: synth.id(plan.slot_of(family, j as u8)),
                            family,
                            kind: if i == 0 {
                                kind_name(&members[j].1)
                            } else {
                                "siblings".to_string()
                            },
                            jaccard,
                            duplicate: jaccard >= config.threshold,
                        });
                    }
                }
                out
            })
            .collect();
        for pair in pairs.iter().flatten() {
            serde_json::to_writer(&mut *truth, pair)
                .map_err(|e| Error::stream("writing the truth", e.into()))?;
            truth.write_all(b"\n").map_err(write_err("truth"))?;
            planted_pairs += 1;
            duplicate_pairs += pair.duplicate as usize;
            let entry = kinds.entry(pair.kind.clone()).or_default();
            entry.pairs += 1;
            entry.duplicates += pair.duplicate as usize;
            entry.mean_jaccard += pair.jaccard;
        }
    }
    truth.flush().map_err(write_err("truth"))?;
    for entry in kinds.values_mut() {
        entry.mean_jaccard /= entry.pairs.max(1) as f64;
    }
    let copies = plan.copies.iter().map(|&c| c as usize).sum();
    Ok(SynthStats {
        config: config.clone(),
        pool: pool.stats.clone(),
        docs: config.docs,
        originals: plan.copies.len(),
        copies,
        families: families.len(),
        text_bytes,
        planted_pairs,
        duplicate_pairs,
        kinds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reprint::document::{Document, Origin};

    fn base() -> BasePool {
        let topics = [
            "oil", "wheat", "copper", "banks", "shipping", "coffee", "rates", "steel", "gold",
            "sugar", "bonds", "cars",
        ];
        let docs: Vec<Document> = topics
            .iter()
            .enumerate()
            .map(|(i, topic)| {
                let paragraphs: Vec<String> = (0..6)
                    .map(|p| {
                        (0..4)
                            .map(|s| {
                                format!(
                                    "Traders in {topic} market number {i} said paragraph {p} sentence {s} was about {topic} prices and volume {}.",
                                    i * 100 + p * 10 + s
                                )
                            })
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect();
                let date = format!("1987-03-{:02}", i + 1);
                Document {
                    date: reprint::input::date::parse_text(&date).map(|instant| {
                        reprint::document::DocDate {
                            text: date.clone(),
                            instant,
                        }
                    }),
                    ..Document::new(
                        format!("base{i}"),
                        paragraphs.join("\n\n"),
                        Origin {
                            source: 0,
                            line: i as u64 + 1,
                        },
                    )
                }
            })
            .collect();
        BasePool::build(&docs, &PoolConfig::default())
    }

    fn run(config: &SynthConfig) -> (String, String, SynthStats) {
        let pool = base();
        let (mut docs, mut truth) = (Vec::new(), Vec::new());
        let stats = generate(&pool, config, &mut docs, &mut truth).unwrap();
        (
            String::from_utf8(docs).unwrap(),
            String::from_utf8(truth).unwrap(),
            stats,
        )
    }

    fn config(docs: usize, seed: u64) -> SynthConfig {
        SynthConfig {
            docs,
            seed,
            mean_doc_bytes: 1000,
            ..SynthConfig::default()
        }
    }

    #[test]
    fn same_seed_same_dump_and_truth() {
        let a = run(&config(300, 7));
        let b = run(&config(300, 7));
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, b.1);
        let c = run(&config(300, 8));
        assert_ne!(a.0, c.0);
    }

    #[test]
    fn counts_ids_and_truth_agree() {
        let (docs, truth, stats) = run(&config(400, 3));
        let lines: Vec<serde_json::Value> = docs
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 400);
        assert_eq!(stats.copies, 100);
        assert_eq!(stats.originals, 300);
        let ids: std::collections::HashSet<&str> =
            lines.iter().map(|v| v["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 400);
        assert!(lines.iter().all(|v| v["date"].is_string()));
        let pairs: Vec<TruthPair> = truth
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(pairs.len(), stats.planted_pairs);
        assert!(pairs.len() >= stats.copies);
        assert!(pairs
            .iter()
            .all(|p| ids.contains(p.a.as_str()) && ids.contains(p.b.as_str())));
        // The truth's Jaccard values are those of the written texts.
        let text_of = |id: &str| {
            lines
                .iter()
                .find(|v| v["id"] == id)
                .and_then(|v| v["text"].as_str())
                .unwrap()
                .to_string()
        };
        for p in pairs.iter().take(20) {
            let j = join::jaccard(
                &join::shingle_set_u64(&text_of(&p.a), 5),
                &join::shingle_set_u64(&text_of(&p.b), 5),
            );
            // JSON keeps 17 significant digits; the last may differ after parsing.
            assert!((j - p.jaccard).abs() < 1e-12, "{j} vs {}", p.jaccard);
            assert_eq!(p.duplicate, j >= 0.8);
        }
        assert!(stats.duplicate_pairs > 0 && stats.duplicate_pairs < stats.planted_pairs);
    }

    #[test]
    fn originals_are_not_near_duplicates_of_each_other() {
        let pool = base();
        let synth = Synthesizer::new(&pool, config(60, 5)).unwrap();
        let sets: Vec<Vec<u64>> = (0..60)
            .map(|f| join::shingle_set_u64(&synth.original(f).0, 5))
            .collect();
        assert!(join::similar_pairs(&sets, 0.8).is_empty());
    }

    #[test]
    fn originals_reach_the_mean_length() {
        let pool = base();
        let synth = Synthesizer::new(&pool, config(100, 5)).unwrap();
        let total: usize = (0..100).map(|f| synth.original(f).0.len()).sum();
        let mean = total / 100;
        assert!((800..1300).contains(&mean), "mean {mean}");
    }

    #[test]
    fn bad_config_and_empty_pool_are_errors() {
        let pool = base();
        let mut c = config(10, 1);
        c.dup_rate = 0.9;
        assert!(Synthesizer::new(&pool, c).is_err());
        let empty = BasePool::build(&[], &PoolConfig::default());
        assert!(Synthesizer::new(&empty, config(10, 1)).is_err());
    }
}
