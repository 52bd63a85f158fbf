//! Templates: the same wording filled in with different names and numbers.
//!
//! Newswire repeats formulas ("X said it filed a registration statement with the
//! Securities and Exchange Commission covering …", "… board has approved a
//! three-for-two stock split …") that hundreds of different stories fill in. The
//! aligner rightly finds the shared wording, but two such passages are not one
//! story copied: they are two stories written to one pattern.
//!
//! Each aligned passage pair is judged by its *slots*: the words that name or count
//! something (a word with a digit, and a capitalised word that is not a function
//! word), keyed as the tokenizer keys them. A copy keeps its names and numbers; a
//! template changes them, and differs where they stand: its word 3-grams agree
//! better once slots are masked than as written (a copy with words replaced at
//! random loses as much either way). A pair whose two sides have at least
//! `min_slots` distinct slot words between them, share less than
//! `max_slot_agreement` of them and gain at least `min_shape_gain` from masking is a
//! template pair. A cohesive cluster in `min_documents` or more documents most of
//! whose members are in that relation to its core is a template as well. Template pairs never
//! link reuse clusters; they are grouped on their own (see
//! [`crate::scan::clusters::overlap_clusters`]) into templates, each reported with its
//! shape (the wording with slots masked) and how many documents fill it in.

use crate::align::is_stopword;
use crate::text::normalize::normalize_into;
use crate::text::{tokenize, NormalizeConfig};

/// Settings of template detection.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TemplateConfig {
    /// Tell templates apart from reuse (`--no-templates` turns it off: every aligned
    /// pair is then reuse, as before templates were recognised).
    pub enabled: bool,
    /// Two passages sharing less than this share of their distinct slot words
    /// (names and numbers; shared slot words over those of the side with fewer, so
    /// that a passage reported with one sentence more still agrees with its copy)
    /// fill their wording with other names and numbers. A copy, even a corrected one, keeps most of them; a formula filled
    /// in by another story keeps only its fixed names ("Securities and Exchange
    /// Commission").
    pub max_slot_agreement: f64,
    /// A passage pair is a template pair when, besides, its word 3-grams agree by at
    /// least this much more once slots are masked than as written: the two differ
    /// where names and numbers stand, not elsewhere (a copy with words replaced at
    /// random loses as much of its masked shape as of its words).
    pub min_shape_gain: f64,
    /// Fewer distinct slot words than this on the two sides together say too little
    /// to judge: the pair is reuse.
    pub min_slots: usize,
    /// A cohesive cluster in at least this many documents most of whose members
    /// fill the core's wording with other names and numbers (slot agreement with the
    /// core under `max_slot_agreement`, shape gain at least `min_cluster_shape_gain`)
    /// is a template too: it catches the formulas whose pairs differ in more than
    /// their slots one by one.
    pub min_documents: usize,
    /// The shape gain a cluster member needs over its core to count as filling the
    /// core's wording with other names and numbers.
    pub min_cluster_shape_gain: f64,
    /// The slot agreement with its core under which a cluster member counts as
    /// filling the core's wording with other names and numbers. Looser than
    /// `max_slot_agreement`: one formula filled in by many stories keeps its fixed
    /// names and the common figures (a currency, a year, a price) in most members,
    /// while copies of one story keep nearly all of theirs.
    pub max_cluster_slot_agreement: f64,
}

impl Default for TemplateConfig {
    fn default() -> Self {
        TemplateConfig {
            enabled: true,
            max_slot_agreement: 0.5,
            min_shape_gain: 0.1,
            min_slots: 3,
            min_documents: 4,
            min_cluster_shape_gain: 0.03,
            max_cluster_slot_agreement: 0.6,
        }
    }
}

/// What a slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    /// A capitalised word that is not a function word (a name, a place, a month).
    Name,
    /// A word with a digit (an amount, a date, a figure).
    Number,
}

/// The slot kind of one word as written, or `None` for wording (function words are
/// recognised in lower case, whatever the scan's normalisation).
pub fn slot_kind(word: &str, scratch: &mut String) -> Option<SlotKind> {
    if word.chars().any(|c| c.is_numeric()) {
        return Some(SlotKind::Number);
    }
    if !word.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    normalize_into(word, &NormalizeConfig::default(), scratch);
    (!is_stopword(scratch)).then_some(SlotKind::Name)
}

/// What template detection compares of one passage: its distinct slot words, its
/// word 3-grams as written and its word 3-grams with slots masked (sorted hashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotProfile {
    slots: Vec<u64>,
    raw_grams: Vec<u64>,
    shape_grams: Vec<u64>,
}

/// Keys standing for a masked slot in the shape (no word key is this small a
/// number in practice, and a clash only merges two 3-grams).
const NAME_SLOT: u64 = 1;
const NUMBER_SLOT: u64 = 2;

impl SlotProfile {
    /// The profile of `text`, from the tokenizer's tokens.
    pub fn new(text: &str, normalize: &NormalizeConfig) -> SlotProfile {
        let mut scratch = String::new();
        let tokens = tokenize(text, normalize);
        let mut slots = Vec::new();
        let mut raw = Vec::with_capacity(tokens.len());
        let mut shape: Vec<u64> = Vec::with_capacity(tokens.len());
        for t in &tokens {
            raw.push(t.key);
            match slot_kind(&text[t.start..t.end], &mut scratch) {
                Some(SlotKind::Name) => {
                    slots.push(t.key);
                    if shape.last() != Some(&NAME_SLOT) {
                        shape.push(NAME_SLOT);
                    }
                }
                Some(SlotKind::Number) => {
                    slots.push(t.key);
                    shape.push(NUMBER_SLOT);
                }
                None => shape.push(t.key),
            }
        }
        slots.sort_unstable();
        slots.dedup();
        SlotProfile {
            slots,
            raw_grams: trigrams(&raw),
            shape_grams: trigrams(&shape),
        }
    }

    /// The share of the distinct slot words of the side with fewer that the other
    /// side has too (0 when one side has none), and how many distinct slot words
    /// there are between them.
    pub fn slot_agreement(&self, other: &SlotProfile) -> (f64, usize) {
        let (_, union) = jaccard(&self.slots, &other.slots);
        let fewer = self.slots.len().min(other.slots.len());
        if fewer == 0 {
            return (if union == 0 { 1.0 } else { 0.0 }, union);
        }
        let shared = self.slots.len() + other.slots.len() - union;
        (shared as f64 / fewer as f64, union)
    }

    /// How much more the two passages' word 3-grams agree (Jaccard) once slots are
    /// masked than as written.
    pub fn shape_gain(&self, other: &SlotProfile) -> f64 {
        jaccard(&self.shape_grams, &other.shape_grams).0
            - jaccard(&self.raw_grams, &other.raw_grams).0
    }
}

/// Sorted distinct hashes of the 3-grams of `keys` (of the whole sequence when shorter).
fn trigrams(keys: &[u64]) -> Vec<u64> {
    let mut out: Vec<u64> = if keys.len() < 3 {
        vec![crate::shingle::hash_keys(keys)]
    } else {
        keys.windows(3).map(crate::shingle::hash_keys).collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// Jaccard of two sorted, distinct lists, and the size of their union (1 for two
/// empty lists).
fn jaccard(a: &[u64], b: &[u64]) -> (f64, usize) {
    let score = crate::verify::score_sets(a, b);
    let union = a.len() + b.len() - score.shared_shingles;
    if union == 0 {
        (1.0, 0)
    } else {
        (score.jaccard, union)
    }
}

/// Whether two aligned passages are one template filled in twice rather than one
/// passage copied: they share too few of their names and numbers, and they differ
/// where those stand rather than elsewhere.
pub fn is_template_pair(a: &SlotProfile, b: &SlotProfile, config: &TemplateConfig) -> bool {
    let (share, union) = a.slot_agreement(b);
    union >= config.min_slots
        && share < config.max_slot_agreement
        && a.shape_gain(b) >= config.min_shape_gain
}

/// Whether `member` fills `core`'s wording with other names and numbers (the test
/// of a cluster's members against its core; see [`TemplateConfig::min_documents`]).
pub fn fills_other_slots(
    core: &SlotProfile,
    member: &SlotProfile,
    config: &TemplateConfig,
) -> bool {
    let (share, union) = core.slot_agreement(member);
    union >= config.min_slots
        && share < config.max_cluster_slot_agreement
        && core.shape_gain(member) >= config.min_cluster_shape_gain
}

/// The shape of a passage: its words with every run of name slots written `[name]`
/// and every number slot `[number]`, white space collapsed; and the share of its
/// words that are slots.
pub fn shape(text: &str, normalize: &NormalizeConfig) -> (String, f64) {
    let mut scratch = String::new();
    let tokens = tokenize(text, normalize);
    let mut out = String::with_capacity(text.len());
    let mut last_end = 0usize;
    let mut last_kind: Option<SlotKind> = None;
    let mut slots = 0usize;
    for t in &tokens {
        let kind = slot_kind(&text[t.start..t.end], &mut scratch);
        let between = &text[last_end..t.start];
        match kind {
            Some(SlotKind::Name)
                if last_kind == Some(SlotKind::Name) && between.trim().is_empty() => {}
            Some(k) => {
                out.push_str(between);
                out.push_str(match k {
                    SlotKind::Name => "[name]",
                    SlotKind::Number => "[number]",
                });
            }
            None => {
                out.push_str(between);
                out.push_str(&text[t.start..t.end]);
            }
        }
        slots += usize::from(kind.is_some());
        last_kind = kind;
        last_end = t.end;
    }
    out.push_str(&text[last_end..]);
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let share = if tokens.is_empty() {
        0.0
    } else {
        slots as f64 / tokens.len() as f64
    };
    (flat, share)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILED_A: &str = "Red Lion Inns Limited Partnership said it filed a registration \
        statement with the Securities and Exchange Commission covering a proposed public \
        offering of 4,500,000 units.";
    const FILED_B: &str = "Acme Cleveland Corp said it filed a registration statement with \
        the Securities and Exchange Commission covering a proposed offering of 50 mln dlrs \
        of debentures.";

    #[test]
    fn names_and_numbers_are_slots_function_words_are_not() {
        let mut s = String::new();
        assert_eq!(slot_kind("Acme", &mut s), Some(SlotKind::Name));
        assert_eq!(slot_kind("4,500,000", &mut s), Some(SlotKind::Number));
        assert_eq!(slot_kind("1987", &mut s), Some(SlotKind::Number));
        assert_eq!(slot_kind("The", &mut s), None);
        assert_eq!(slot_kind("said", &mut s), None);
    }

    fn profile(text: &str) -> SlotProfile {
        SlotProfile::new(text, &NormalizeConfig::default())
    }

    #[test]
    fn a_formula_filled_in_twice_is_a_template_a_copy_is_not() {
        let config = TemplateConfig::default();
        let (a, b) = (profile(FILED_A), profile(FILED_B));
        assert!(is_template_pair(&a, &b, &config));
        assert!(fills_other_slots(&a, &b, &config));
        assert!(!is_template_pair(&a, &a, &config));
        // A corrected copy changes one figure and keeps the names.
        let corrected = profile(&FILED_A.replace("4,500,000", "4,600,000"));
        assert!(!is_template_pair(&a, &corrected, &config));
        assert!(!fills_other_slots(&a, &corrected, &config));
        // Too few slots to judge.
        let (monday, tuesday) = (
            profile("prices rose on Monday"),
            profile("prices rose on Tuesday"),
        );
        assert!(!is_template_pair(&monday, &tuesday, &config));
    }

    #[test]
    fn a_cluster_member_keeping_the_common_figures_still_fills_the_formula() {
        // Two eurobond notices of other issuers that share the currency, the year and
        // the issue price: too many shared slots for a template pair, a template
        // member of a cluster all the same.
        let config = TemplateConfig::default();
        let core = profile(
            "General Motors Acceptance Corp Canada is issuing a 100 mln Canadian dlr \
             eurobond due October 15, 1992 paying 8-1/2 pct and priced at 101-1/2 pct, \
             lead manager Wood Gundy said.",
        );
        let other = profile(
            "Toyota Motor Credit is issuing a 75 mln Canadian dlr eurobond due October 3, \
             1992 paying 9 pct and priced at 101-1/2 pct, lead manager Wood Gundy said.",
        );
        let (share, _) = core.slot_agreement(&other);
        assert!(share >= config.max_slot_agreement, "{share}");
        assert!(share < config.max_cluster_slot_agreement, "{share}");
        assert!(!is_template_pair(&core, &other, &config));
        assert!(fills_other_slots(&core, &other, &config));
        // A copy of the same notice keeps its names and figures.
        let copy = profile(
            "General Motors Acceptance Corp Canada is issuing a 100 mln Canadian dlr \
             eurobond due October 15, 1992 paying 8-1/2 pct, priced at 101-1/2 pct.",
        );
        assert!(!fills_other_slots(&core, &copy, &config));
    }

    #[test]
    fn a_copy_with_words_replaced_at_random_is_not_a_template() {
        // Other names and numbers, but also other wording around them: the masked
        // shape agrees no better than the words.
        let config = TemplateConfig::default();
        let reworded = "Red Lion Inns Limited Partnership told Zurich it filed 17 \
            statement with the Securities and Exchange Reagan covering a proposed 1986 \
            offering of 4,500,000 units.";
        let (a, b) = (profile(FILED_A), profile(reworded));
        assert!(!is_template_pair(&a, &b, &config), "{}", a.shape_gain(&b));
    }

    #[test]
    fn shape_masks_slots_and_counts_them() {
        let (a, share_a) = shape(FILED_A, &NormalizeConfig::default());
        assert_eq!(
            a,
            "[name] said it filed a registration statement with the [name] and [name] \
             covering a proposed public offering of [number] units."
        );
        assert!(share_a > 0.2 && share_a < 0.5, "{share_a}");
        let (b, _) = shape("12 pct of Acme", &NormalizeConfig::default());
        assert_eq!(b, "[number] pct of [name]");
        assert_eq!(shape("", &NormalizeConfig::default()), (String::new(), 0.0));
    }
}
