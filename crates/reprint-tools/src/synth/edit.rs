//! The edits that turn an original into a planted near-duplicate.
//!
//! Each edit imitates something that happens to news text on its way through
//! syndication: words changed by a copy editor (substitute, insert, delete),
//! sentences moved, the story cut short, a site's header and footer wrapped around it.
//! Strengths are drawn so that the planted pairs spread across the usual duplicate
//! thresholds (exact word-5-gram Jaccard from about 0.55 to 1.0), which is where a
//! near-duplicate detector earns or loses its precision and recall.

use rand::seq::IndexedRandom;
use rand::{Rng, RngExt};
use reprint::text::{sentence_spans, tokenize, NormalizeConfig};

/// The kinds of edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EditKind {
    /// Words replaced by other words.
    Substitute,
    /// Words inserted.
    Insert,
    /// Words deleted.
    Delete,
    /// Sentences moved to other places.
    Reorder,
    /// The tail cut off.
    Truncate,
    /// A header and/or footer added.
    Boilerplate,
}

impl EditKind {
    /// Every kind, in a fixed order.
    pub const ALL: [EditKind; 6] = [
        EditKind::Substitute,
        EditKind::Insert,
        EditKind::Delete,
        EditKind::Reorder,
        EditKind::Truncate,
        EditKind::Boilerplate,
    ];

    /// The kind's name as written in the truth file.
    pub fn name(&self) -> &'static str {
        match self {
            EditKind::Substitute => "substitute",
            EditKind::Insert => "insert",
            EditKind::Delete => "delete",
            EditKind::Reorder => "reorder",
            EditKind::Truncate => "truncate",
            EditKind::Boilerplate => "boilerplate",
        }
    }
}

/// One edit with its strength.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Replace each word with probability `rate` (at least one word).
    Substitute {
        /// Share of words affected.
        rate: f64,
    },
    /// Insert a word after each word with probability `rate` (at least one).
    Insert {
        /// Share of words affected.
        rate: f64,
    },
    /// Delete each word with probability `rate` (at least one, never all).
    Delete {
        /// Share of words affected.
        rate: f64,
    },
    /// Move `moves` sentences to other positions.
    Reorder {
        /// Sentences moved.
        moves: usize,
    },
    /// Keep the share `keep` of the text, cut at a sentence (or word) boundary.
    Truncate {
        /// Share of bytes kept.
        keep: f64,
    },
    /// Wrap the text in a header, a footer, or both.
    Boilerplate {
        /// Add a header line.
        header: bool,
        /// Add a footer.
        footer: bool,
    },
}

const CITIES: &[&str] = &[
    "NEW YORK",
    "LONDON",
    "TOKYO",
    "WASHINGTON",
    "FRANKFURT",
    "CHICAGO",
    "PARIS",
    "SYDNEY",
    "HONG KONG",
    "TORONTO",
    "BRUSSELS",
    "SINGAPORE",
];
const OUTLETS: &[&str] = &[
    "Daily Ledger",
    "Market Wire",
    "Business Courier",
    "Evening Herald",
    "Metro Post",
    "Financial Record",
    "Trade Journal",
    "City Tribune",
];
const NAMES: &[&str] = &[
    "Anna Keller",
    "James Ortiz",
    "Mei Tanaka",
    "Peter Lund",
    "Sara Haddad",
    "Tom Briggs",
    "Olga Petrova",
    "David Osei",
];
const MONTHS: &[&str] = &[
    "Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec",
];

fn header(rng: &mut impl Rng) -> String {
    let city = CITIES.choose(rng).copied().unwrap_or("LONDON");
    let outlet = OUTLETS.choose(rng).copied().unwrap_or("Daily Ledger");
    let month = MONTHS.choose(rng).copied().unwrap_or("May");
    let day = rng.random_range(1..=28);
    match rng.random_range(0..3) {
        0 => format!("{city}, {month} {day} ({outlet}) -"),
        1 => format!(
            "UPDATED {month} {day}. {outlet} | Business | Markets. By {}, {city}.",
            NAMES.choose(rng).copied().unwrap_or("Anna Keller")
        ),
        _ => format!("Advertisement. Story continues below. {outlet} - {city} -"),
    }
}

fn footer(rng: &mut impl Rng) -> String {
    let outlet = OUTLETS.choose(rng).copied().unwrap_or("Daily Ledger");
    let a = NAMES.choose(rng).copied().unwrap_or("Anna Keller");
    let b = NAMES.choose(rng).copied().unwrap_or("Tom Briggs");
    let city = CITIES.choose(rng).copied().unwrap_or("LONDON");
    let year = rng.random_range(1987..=2026);
    match rng.random_range(0..3) {
        0 => format!("Reporting by {a} in {city}; Editing by {b}."),
        1 => format!(
            "Copyright {year} {outlet}. All rights reserved. This material may not be published, broadcast, rewritten or redistributed without permission."
        ),
        _ => format!(
            "Sign up for the {outlet} morning briefing to get the top stories in your inbox. Read more: markets, companies, commodities. Reporting by {a}; Editing by {b}."
        ),
    }
}

fn capitalised_like(word: &str, model: &str) -> String {
    if model.chars().next().is_some_and(char::is_uppercase) {
        let mut chars = word.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    } else {
        word.to_string()
    }
}

fn draw_word(vocabulary: &[String], rng: &mut impl Rng) -> String {
    vocabulary
        .choose(rng)
        .cloned()
        .unwrap_or_else(|| "reportedly".to_string())
}

/// Picks which of `n` items an edit of `rate` touches: each with probability `rate`,
/// at least one; never all of them when `keep_one` is set.
fn pick(n: usize, rate: f64, keep_one: bool, rng: &mut impl Rng) -> Vec<bool> {
    let mut chosen: Vec<bool> = (0..n)
        .map(|_| rng.random_bool(rate.clamp(0.0, 1.0)))
        .collect();
    if n > 0 && !chosen.iter().any(|&c| c) {
        let i = rng.random_range(0..n);
        chosen[i] = true;
    }
    if keep_one && n > 0 && chosen.iter().all(|&c| c) {
        let i = rng.random_range(0..n);
        chosen[i] = false;
    }
    chosen
}

impl Edit {
    /// The edit's kind.
    pub fn kind(&self) -> EditKind {
        match self {
            Edit::Substitute { .. } => EditKind::Substitute,
            Edit::Insert { .. } => EditKind::Insert,
            Edit::Delete { .. } => EditKind::Delete,
            Edit::Reorder { .. } => EditKind::Reorder,
            Edit::Truncate { .. } => EditKind::Truncate,
            Edit::Boilerplate { .. } => EditKind::Boilerplate,
        }
    }

    /// An edit of `kind` with a strength drawn from the range used for planting.
    pub fn random(kind: EditKind, rng: &mut impl Rng) -> Edit {
        match kind {
            EditKind::Substitute => Edit::Substitute {
                rate: rng.random_range(0.003..0.05),
            },
            EditKind::Insert => Edit::Insert {
                rate: rng.random_range(0.003..0.05),
            },
            EditKind::Delete => Edit::Delete {
                rate: rng.random_range(0.003..0.05),
            },
            EditKind::Reorder => Edit::Reorder {
                moves: rng.random_range(1..=4),
            },
            EditKind::Truncate => Edit::Truncate {
                keep: rng.random_range(0.6..0.98),
            },
            EditKind::Boilerplate => {
                let header = rng.random_bool(0.6);
                Edit::Boilerplate {
                    header,
                    footer: !header || rng.random_bool(0.6),
                }
            }
        }
    }

    /// Applies the edit to `text`. `vocabulary` supplies words for substitutions and
    /// insertions (an empty vocabulary falls back to a fixed word).
    pub fn apply(&self, text: &str, vocabulary: &[String], rng: &mut impl Rng) -> String {
        match *self {
            Edit::Substitute { rate } | Edit::Insert { rate } | Edit::Delete { rate } => {
                let tokens = tokenize(text, &NormalizeConfig::default());
                let chosen = pick(tokens.len(), rate, matches!(self, Edit::Delete { .. }), rng);
                let mut out = String::with_capacity(text.len() + 64);
                let mut copied_to = 0;
                for (token, &hit) in tokens.iter().zip(&chosen) {
                    if !hit {
                        continue;
                    }
                    let word = &text[token.start..token.end];
                    match self {
                        Edit::Substitute { .. } => {
                            out.push_str(&text[copied_to..token.start]);
                            let mut new = draw_word(vocabulary, rng);
                            if new.eq_ignore_ascii_case(word) {
                                new = format!("{new}s");
                            }
                            out.push_str(&capitalised_like(&new, word));
                            copied_to = token.end;
                        }
                        Edit::Insert { .. } => {
                            out.push_str(&text[copied_to..token.end]);
                            out.push(' ');
                            out.push_str(&draw_word(vocabulary, rng));
                            copied_to = token.end;
                        }
                        _ => {
                            out.push_str(&text[copied_to..token.start]);
                            // Swallow the white space after the deleted word.
                            let rest = &text[token.end..];
                            copied_to = token.end + (rest.len() - rest.trim_start().len());
                        }
                    }
                }
                out.push_str(&text[copied_to..]);
                out
            }
            Edit::Reorder { moves } => {
                let spans = sentence_spans(text);
                if spans.len() < 2 {
                    return text.to_string();
                }
                let mut sentences: Vec<&str> =
                    spans.iter().map(|s| &text[s.start..s.end]).collect();
                let original = sentences.clone();
                for _ in 0..moves {
                    let from = rng.random_range(0..sentences.len());
                    let sentence = sentences.remove(from);
                    let mut to = rng.random_range(0..=sentences.len());
                    if to == from {
                        to = (to + 1) % (sentences.len() + 1);
                    }
                    sentences.insert(to, sentence);
                }
                if sentences == original {
                    sentences.swap(0, 1);
                }
                sentences.join(" ")
            }
            Edit::Truncate { keep } => {
                let want = (text.len() as f64 * keep.clamp(0.0, 1.0)) as usize;
                let spans = sentence_spans(text);
                // The sentence end closest to the wanted length, if any is not the end.
                let cut = spans
                    .iter()
                    .map(|s| s.end)
                    .filter(|&end| end < text.trim_end().len())
                    .min_by_key(|&end| end.abs_diff(want));
                let cut = match cut {
                    Some(end) => end,
                    None => {
                        let tokens = tokenize(text, &NormalizeConfig::default());
                        let keep_tokens = ((tokens.len() as f64 * keep) as usize)
                            .clamp(1, tokens.len().saturating_sub(1).max(1));
                        tokens.get(keep_tokens - 1).map_or(text.len(), |t| t.end)
                    }
                };
                text[..cut].to_string()
            }
            Edit::Boilerplate {
                header: h,
                footer: f,
            } => {
                let mut out = String::with_capacity(text.len() + 256);
                if h {
                    out.push_str(&header(rng));
                    out.push(' ');
                }
                out.push_str(text);
                if f {
                    out.push_str("\n\n");
                    out.push_str(&footer(rng));
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::join::{jaccard, shingle_set_u64};
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::SeedableRng;

    const TEXT: &str = "Showers continued throughout the week in the Bahia cocoa zone, alleviating the drought since early January. The dry period means the temporao will be late this year. Arrivals for the week ended February 22 were 155,221 bags of 60 kilos. Comissaria Smith said there is still some doubt as to how much old crop cocoa is still available. Bean shippers were reluctant to offer nearby shipment.";

    fn vocab() -> Vec<String> {
        ["harvest", "tonnes", "exporters", "weather"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn words(text: &str) -> Vec<String> {
        tokenize(text, &NormalizeConfig::default())
            .iter()
            .map(|t| text[t.start..t.end].to_lowercase())
            .collect()
    }

    fn apply(edit: Edit, seed: u64) -> String {
        edit.apply(TEXT, &vocab(), &mut Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    #[test]
    fn substitute_keeps_word_count_and_changes_words() {
        let out = apply(Edit::Substitute { rate: 0.1 }, 1);
        let (a, b) = (words(TEXT), words(&out));
        assert_eq!(a.len(), b.len());
        let changed = a.iter().zip(&b).filter(|(x, y)| x != y).count();
        assert!(changed >= 1 && changed < a.len() / 3, "{changed} changed");
        assert!(b.iter().any(|w| vocab().contains(w)));
    }

    #[test]
    fn insert_and_delete_change_word_count() {
        let n = words(TEXT).len();
        let inserted = words(&apply(Edit::Insert { rate: 0.05 }, 2)).len();
        let deleted = words(&apply(Edit::Delete { rate: 0.05 }, 3)).len();
        assert!(inserted > n, "{inserted} vs {n}");
        assert!(deleted < n && deleted > n / 2, "{deleted} vs {n}");
        // Deleting everything is never allowed.
        assert!(!words(&apply(Edit::Delete { rate: 1.0 }, 4)).is_empty());
    }

    #[test]
    fn rate_zero_still_edits_one_word() {
        let out = apply(Edit::Substitute { rate: 0.0 }, 5);
        assert_ne!(out, TEXT);
    }

    #[test]
    fn reorder_keeps_the_words_but_not_the_order() {
        let out = apply(Edit::Reorder { moves: 2 }, 6);
        let (mut a, mut b) = (words(TEXT), words(&out));
        assert_ne!(a, b);
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }

    #[test]
    fn truncate_cuts_at_a_sentence_end() {
        let out = apply(Edit::Truncate { keep: 0.6 }, 7);
        assert!(TEXT.starts_with(&out));
        assert!(out.ends_with('.'));
        assert!(out.len() < TEXT.len() && out.len() > TEXT.len() / 3);
    }

    #[test]
    fn boilerplate_wraps_the_text() {
        let out = apply(
            Edit::Boilerplate {
                header: true,
                footer: true,
            },
            8,
        );
        assert!(out.contains(TEXT));
        assert!(!out.starts_with(TEXT) && !out.ends_with(TEXT));
    }

    #[test]
    fn random_strengths_spread_around_the_threshold() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let base = shingle_set_u64(TEXT, 5);
        for kind in EditKind::ALL {
            let edit = Edit::random(kind, &mut rng);
            assert_eq!(edit.kind(), kind);
            let j = jaccard(
                &base,
                &shingle_set_u64(&edit.apply(TEXT, &vocab(), &mut rng), 5),
            );
            assert!(j > 0.2 && j < 1.0, "{kind:?}: {j}");
        }
    }

    #[test]
    fn same_seed_same_result() {
        for kind in EditKind::ALL {
            let edit = Edit::random(kind, &mut Xoshiro256PlusPlus::seed_from_u64(10));
            let a = edit.apply(TEXT, &vocab(), &mut Xoshiro256PlusPlus::seed_from_u64(11));
            let b = edit.apply(TEXT, &vocab(), &mut Xoshiro256PlusPlus::seed_from_u64(11));
            assert_eq!(a, b);
        }
    }
}
