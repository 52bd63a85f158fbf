//! Typed ranges of tokens and sentences, so that the two units (and half-open
//! versus inclusive ends) cannot be mixed up the way bare tuples can.
//!
//! Byte offsets into the text are [`Span`](crate::document::Span)s; these ranges
//! count tokens or sentences of one [`PreparedDoc`](super::PreparedDoc).

/// Tokens `start..end` of one document: half-open (`end` is the first token after
/// the range), so `len()` is `end - start` and `start == end` is empty. Ordered by
/// start, then end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct TokenRange {
    /// Index of the first token in the range.
    pub start: usize,
    /// Index of the first token after the range.
    pub end: usize,
}

impl TokenRange {
    /// The tokens `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        TokenRange { start, end }
    }

    /// Number of tokens in the range (0 when `end` is not after `start`).
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the range holds no token.
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// The range as slice indices.
    pub fn indices(self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    /// True when every token of `other` lies in this range.
    pub fn contains(self, other: TokenRange) -> bool {
        other.start >= self.start && other.end <= self.end
    }

    /// True when the two ranges share at least one token.
    pub fn overlaps(self, other: TokenRange) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Sentences `first..=last` of one document: inclusive at both ends (a fragment
/// always holds at least one sentence, so it names its first and last one).
/// Ordered by first, then last sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct SentenceRange {
    /// Index of the first sentence in the range.
    pub first: u32,
    /// Index of the last sentence in the range (not after it).
    pub last: u32,
}

impl SentenceRange {
    /// The sentences `first..=last`.
    pub fn new(first: u32, last: u32) -> Self {
        SentenceRange { first, last }
    }

    /// The range holding sentence `k` alone.
    pub fn single(k: u32) -> Self {
        SentenceRange { first: k, last: k }
    }

    /// Number of sentences in the range (at least 1).
    pub fn len(self) -> u32 {
        self.last - self.first + 1
    }

    /// True when the two ranges share at least one sentence.
    pub fn overlaps(self, other: SentenceRange) -> bool {
        self.first <= other.last && other.first <= self.last
    }

    /// The smallest range holding this range and sentence `k`.
    pub fn including(self, k: u32) -> Self {
        SentenceRange {
            first: self.first.min(k),
            last: self.last.max(k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ranges_are_half_open() {
        let r = TokenRange::new(3, 7);
        assert_eq!((r.len(), r.is_empty(), r.indices()), (4, false, 3..7));
        assert!(TokenRange::new(5, 5).is_empty());
        assert_eq!(TokenRange::new(5, 5).len(), 0);
        // Touching ranges share no token.
        assert!(!r.overlaps(TokenRange::new(7, 9)));
        assert!(r.overlaps(TokenRange::new(6, 9)));
        assert!(r.contains(TokenRange::new(3, 7)) && !r.contains(TokenRange::new(2, 7)));
    }

    #[test]
    fn sentence_ranges_are_inclusive() {
        let r = SentenceRange::new(2, 4);
        assert_eq!(r.len(), 3);
        assert_eq!(SentenceRange::single(4).len(), 1);
        // Touching ranges share their end sentence.
        assert!(r.overlaps(SentenceRange::single(4)));
        assert!(!r.overlaps(SentenceRange::new(5, 6)));
        assert_eq!(r.including(7), SentenceRange::new(2, 7));
        assert_eq!(r.including(0), SentenceRange::new(0, 4));
    }
}
