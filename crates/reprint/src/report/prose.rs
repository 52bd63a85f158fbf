//! Wording shared by the readable reports: plurals, similarity ranges and excerpts
//! cut at word boundaries, so every text report says things the same way.

/// `1 passage`, `2 passages`: the count and the noun in the right number.
pub fn count(n: impl Into<u64>, singular: &str, plural: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// `similarity 0.71` for one value, `similarity 0.22–1.00` for a range, or
/// nothing when there are no values.
pub fn similarity(values: impl IntoIterator<Item = f64>) -> String {
    let (mut lo, mut hi, mut n) = (f64::INFINITY, f64::NEG_INFINITY, 0usize);
    for x in values {
        lo = lo.min(x);
        hi = hi.max(x);
        n += 1;
    }
    if n == 0 {
        String::new()
    } else if format!("{lo:.2}") == format!("{hi:.2}") {
        format!("similarity {lo:.2}")
    } else {
        format!("similarity {lo:.2}–{hi:.2}")
    }
}

/// White space collapsed to single spaces.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first characters of `text` (white space collapsed) up to `max_chars`, cut at
/// the last word boundary that fits, with `…` when anything was cut. A single word
/// longer than the limit is cut inside.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let flat = collapse(text);
    if flat.chars().count() <= max_chars {
        return flat;
    }
    let budget = max_chars.saturating_sub(1).max(1);
    let end = flat
        .char_indices()
        .nth(budget)
        .map_or(flat.len(), |(i, _)| i);
    let head = &flat[..end];
    let cut = match head.rfind(' ') {
        Some(space) if space > 0 && !flat[end..].starts_with(' ') => &head[..space],
        _ => head,
    };
    format!("{}…", cut.trim_end())
}

/// The start and end of `text` (white space collapsed) with `…` between them when it
/// is longer than `max_chars`, each part cut at a word boundary.
pub fn excerpt_ends(text: &str, max_chars: usize) -> String {
    let flat = collapse(text);
    let count = flat.chars().count();
    if count <= max_chars {
        return flat;
    }
    let half = (max_chars / 2).max(1);
    let head = excerpt(&flat, half + 1);
    let head = head.trim_end_matches('…');
    let tail_start = flat
        .char_indices()
        .nth(count - half)
        .map_or(flat.len(), |(i, _)| i);
    let tail = &flat[tail_start..];
    let tail = match tail.find(' ') {
        Some(space) if !flat[..tail_start].ends_with(' ') && space + 1 < tail.len() => {
            &tail[space + 1..]
        }
        _ => tail,
    };
    format!("{} … {}", head.trim_end(), tail.trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_agree_with_the_count() {
        assert_eq!(count(1u64, "passage", "passages"), "1 passage");
        assert_eq!(count(0u64, "passage", "passages"), "0 passages");
        assert_eq!(count(2u32, "document", "documents"), "2 documents");
    }

    #[test]
    fn one_link_has_one_similarity() {
        assert_eq!(similarity([0.714]), "similarity 0.71");
        assert_eq!(similarity([0.714, 0.713]), "similarity 0.71");
        assert_eq!(similarity([0.22, 1.0]), "similarity 0.22–1.00");
        assert_eq!(similarity([]), "");
    }

    #[test]
    fn excerpts_are_cut_at_word_boundaries() {
        assert_eq!(excerpt("a\n\n b  c", 10), "a b c");
        let cut = excerpt("we are not going far from our neighbourhoods at all", 40);
        assert_eq!(cut, "we are not going far from our…");
        assert!(cut.chars().count() <= 40);
        let word = "x".repeat(500);
        assert_eq!(excerpt(&word, 10).chars().count(), 10);
        let ends = excerpt_ends("one two three four five six seven eight nine ten", 20);
        assert_eq!(ends, "one two … nine ten");
    }
}
