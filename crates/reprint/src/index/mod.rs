//! The archive index: an on-disk, append-friendly store of documents and of the
//! word-shingle postings that find, for a new article, the archived documents it
//! may copy from.
//!
//! # Why a format of our own
//! The access pattern is simple and fixed: documents are only ever appended (or
//! replaced as a whole), and a check looks up a few hundred 64-bit shingle hashes
//! and then reads a few dozen texts. Immutable, sorted, checksummed segment files
//! read through `mmap` serve exactly that with no page cache of their own, no
//! background compaction and no write-ahead log; an embedded key-value store would
//! add all three and still need a layout for postings on top. Segments are merged
//! only when asked ([`compact()`], also run by `reprint index add` past
//! [`compact::AUTO_MERGE_SEGMENTS`] segments), in the foreground, under the writer lock.
//!
//! # Modules
//! [`format`](mod@format) holds the byte-level pieces (magics, versions, parameters, footer,
//! bucket table, block checksums) and depends on no other module here; [`manifest`]
//! the list of live segments; [`reader`] maps and queries segments; [`writer`]
//! builds segments from new documents, [`mod@compact`] from existing ones, and
//! [`repair`] checks and rebuilds. The reader never depends on the writer.
//!
//! # Directory layout
//! ```text
//! <INDEX>/MANIFEST                  the list of live segments; replaced atomically
//! <INDEX>/seg-<gen>-<tag>-<n>.rps   immutable segment files (commit, writer, number)
//! <INDEX>/*.tmp                     files being written (ignored, removed by the next
//!                                   add or compact); a merge also spools `*.keys.tmp`
//!                                   and `*.offsets.tmp`
//! <INDEX>/LOCK                      empty; `flock`ed by the one writer (and by `repair`)
//! <INDEX>/damaged/                  files `reprint index repair` moved aside (never read)
//! ```
//! An index is created only at a path that does not exist or in an empty folder
//! (one holding only `LOCK` and `*.tmp` leftovers counts as empty); a folder holding
//! anything else is refused ([`Error::NotAnIndex`]), and
//! so are inputs inside the index folder ([`ensure_outside`]). A writer deletes only
//! what is provably garbage of this index's own writers: `*.tmp` files, and segment
//! files the manifest does not name whose generation (in the name) the manifest has
//! superseded. Without a manifest but with segment files, or with a damaged
//! manifest, writers refuse to start; [`repair()`] rebuilds the manifest from the
//! intact segments (newest generation wins for an id stored more than once) and
//! moves damaged files into `damaged/`. A writer that fails removes this run's
//! files (and the folder, when it created it).
//!
//! Readers see one snapshot: [`Index::open`] reads the manifest and maps every
//! segment it names; when a concurrent commit has meanwhile deleted one of them, it
//! reads the new manifest and tries again (bounded). A mapped segment stays readable
//! after it is deleted.
//! A commit (`reprint index add`, and [`compact()`] alike) writes its new segments under temporary names,
//! fsyncs them, renames them to their final names, then writes `MANIFEST.tmp`,
//! fsyncs it, renames it over `MANIFEST` and fsyncs the directory. Readers only
//! ever look at segments named by `MANIFEST`, so a writer killed at any moment
//! leaves the index exactly as it was before the command (or, after the final
//! rename, exactly as after it). One writer at a time: a second one fails at once
//! (an advisory lock the kernel releases when the writer ends, even by kill -9).
//!
//! All integers are little-endian. Checksums are xxh3-64 (`xxhash_rust::xxh3`).
//!
//! # `MANIFEST`, format version 1
//! ```text
//! offset size  field
//! 0      8     magic  b"REPRIDX\0"
//! 8      4     format version (u32) = 1
//! 12     4     reserved, 0
//! 16     8     generation (u64): incremented by every commit
//! 24     24    engine parameters (see below)
//! 48     4     segment count S (u32)
//! 52     4     reserved, 0
//! 56     ...   S segment entries, each:
//!              8  file length in bytes (u64)
//!              8  footer checksum of the segment (u64): binds the manifest to the file
//!              4  document count (u32)
//!              4  deleted document count D (u32)
//!              2  file name length L (u16)
//!              L  file name (UTF-8, no directory)
//!              4×D local numbers of deleted documents (u32, ascending)
//! end-16 8     xxh3-64 of every byte before it
//! end-8  8     magic  b"REPRIDX\0"
//! ```
//!
//! # Engine parameters (24 bytes, in the manifest and in every segment footer)
//! ```text
//! 0   4  shingle length in words (u32)
//! 4   4  key scheme (u32): version of tokenizer + word keys + shingle hash, and of
//!        the keys posted: 1 = word shingles; 2 (new indexes) = word shingles and
//!        stem pairs ([`stem_pair_keys`]), in the same key, offset and posting
//!        sections. An index keeps its scheme for life (`index add` and compaction
//!        use the manifest's); a scheme-1 index is read and checked without stem
//!        pairs; a scheme newer than the build is an [`Error::Incompatible`]
//! 8   4  document-frequency cap (u32): shingles in more documents are not posted
//! 12  1  strip diacritics (u8: 0 or 1)
//! 13  11 reserved, 0
//! ```
//! A check must hash its article exactly as the archive was hashed, so an index is
//! only ever queried or extended with its own parameters; anything else is an
//! [`Error::Incompatible`].
//!
//! # Damaged versus incompatible
//! Checksums are verified before any field they cover is trusted: the manifest's
//! checksum before its version, the segment footer's checksum before the footer's
//! version (and the header's version must equal the footer's). A flipped byte is
//! therefore an [`Error::Corrupt`] (bad checksum, magic,
//! length or structure), and only an intact file of a newer version, or one built
//! with other parameters, an [`Error::Incompatible`].
//!
//! # Segment file (`*.rps`), format version 1
//! ```text
//! offset size  field
//! 0      8     magic  b"REPRSEG\0"
//! 8      4     format version (u32) = 1
//! 12     4     reserved, 0
//! 16     ...   sections, each starting at a multiple of 8 (zero padding between):
//!   S0 texts      document texts, UTF-8, concatenated
//!   S1 ids        document ids, UTF-8, concatenated
//!   S2 documents  N × 32 bytes: text offset in S0 (u64), text length (u32),
//!                 id offset in S1 (u32), id length (u32), word count (u32),
//!                 xxh3-64 of the text (u64)
//!   S3 buckets    (2^B + 1) × u32: index in S4 of the first key whose top B bits
//!                 are >= the bucket number (B is in the footer)
//!   S4 keys       K × u64: distinct shingle hashes, ascending
//!   S5 offsets    (K + 1) × u32: postings of key i are S6[offsets[i]..offsets[i+1]]
//!   S6 postings   P × u32: local document numbers, ascending per key; an empty list
//!                 marks a key found in more than the document-frequency cap
//! end-256 256  footer:
//!   0   8   document count N (u64)
//!   8   8   key count K (u64)
//!   16  8   posting count P (u64)
//!   24  4   bucket bits B (u32)
//!   28  4   reserved, 0
//!   32  24  engine parameters
//!   56  168 section table: 7 × (offset u64, length u64, xxh3-64 u64), S0..S6
//!   224 4   format version (u32) = 1
//!   228 4   reserved, 0
//!   232 8   total file length (u64)
//!   240 8   xxh3-64 of footer bytes 0..240
//!   248 8   magic  b"REPRSEG\0"
//! ```
//! Opening a version 1 segment checks both magics, the footer checksum, the version,
//! the file length, the parameters against the manifest and the checksums of S1..S6.
//! Texts (S0, the bulk of the file) are checked one document at a time when read,
//! against the checksum in S2.
//!
//! # Segment file, format version 2
//! As version 1 (version fields = 2), plus one section between the last section and
//! the footer (sections may come in any order; the compactor writes S6 before S3):
//! ```text
//! S7 block table  for each of S3, S4, S5, S6 in that order: ceil(len / 4096) ×
//!                 xxh3-64 of each 4 KiB block of the section (the last one short);
//!                 then xxh3-64 of the table's preceding bytes (it seals itself)
//! ```
//! Its length follows from the section lengths, and it ends where the footer begins.
//! Opening checks the ids (S1), the document table (S2) and the block table; each
//! block of S3..S6 is checked against the table the first time a lookup touches it
//! (then remembered in a bitset), so opening reads a few bytes per document however
//! large the archive, lookups read only the bytes they use (positioned reads, not the
//! map: a fault would map 64 KiB around each), and a damaged block is still an
//! [`Error::Corrupt`] before anything in it is trusted. The manifest keeps
//! format version 1; version 1 segments are read as before.

pub mod add;
pub mod compact;
pub mod format;
pub mod manifest;
pub mod reader;
pub mod repair;
pub mod writer;

pub use add::{add_sources, AddOptions, AddSummary};
pub use compact::{compact, CompactOptions, CompactReport, MergePolicy};
pub use format::IndexParams;
pub use reader::{DocRef, Index, IndexStats, Lookup, StoredDoc};
pub use repair::{repair, verify, RepairReport, VerifyReport};
pub use writer::{inspect_dir, AddOutcome, DirState, IndexWriter};

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// True when `path` is a folder holding an index manifest.
pub fn is_index(path: &Path) -> bool {
    path.join(manifest::MANIFEST_NAME).is_file()
}

/// Refuses input paths that are the index folder or lie inside it: reading an
/// index's own files as articles (a mistake such as swapped arguments) would
/// archive garbage. Paths that do not exist (or `-`) are left to the input reader.
pub fn ensure_outside(index: &Path, inputs: &[PathBuf]) -> Result<()> {
    let Ok(root) = index.canonicalize() else {
        // No index folder yet: nothing can be inside it.
        return Ok(());
    };
    for input in inputs {
        let Ok(path) = input.canonicalize() else {
            continue;
        };
        if path.starts_with(&root) {
            let what = if path == root {
                "is the index folder itself"
            } else {
                "is inside the index folder"
            };
            return Err(Error::Config(format!(
                "input {} {what} ({}); the index's own files are not articles",
                input.display(),
                index.display()
            )));
        }
    }
    Ok(())
}

use crate::align::{content_stems, STOP};
use crate::shingle::{hash_keys, word_shingles};
use crate::text::{tokenize, Token};

/// Mixed into every stem-pair key, so that stem pairs and word shingles share one
/// key space without meeting (a shingle hashes word keys only).
const STEM_PAIR_DOMAIN: u64 = 0x7374_656d_7061_6972; // "stempair"

/// The keys an index posts a text under, with the tokens: its word shingles
/// ([`shingle_text`]) and, under a key scheme with stem pairs
/// ([`IndexParams::has_stem_pairs`]), its stem pairs ([`stem_pair_keys`]).
pub fn index_keys(text: &str, params: &IndexParams) -> (Vec<Token>, Vec<u64>) {
    let (tokens, mut keys) = shingle_text(text, params);
    if params.has_stem_pairs() {
        keys.extend(stem_pair_keys(text, &tokens, params));
    }
    (tokens, keys)
}

/// The stem-pair keys of a text (`tokens` are its [`tokenize`] tokens), in token
/// order, repeats kept: one per two consecutive content words (stop words skipped),
/// the unordered pair of their stems.
///
/// Why: a short text that rewords its source (synonyms, moved and dropped words)
/// keeps few 5-word shingles of it, often none, yet keeps many of its content
/// words next to each other. Stems make "said"/"says" and "prices"/"price" meet,
/// and leaving out the order makes "oil prices rose" meet "prices of oil rose".
/// Pairs of two are common enough to survive rewording and rare enough (after the
/// index's document-frequency cap) to name few documents; alignment then decides
/// which candidates really share passages.
pub fn stem_pair_keys(text: &str, tokens: &[Token], params: &IndexParams) -> Vec<u64> {
    let stems: Vec<u64> = content_stems(text, tokens, &params.normalize)
        .into_iter()
        .filter(|&s| s != STOP)
        .collect();
    stems
        .windows(2)
        .map(|w| hash_keys(&[STEM_PAIR_DOMAIN, w[0].min(w[1]), w[0].max(w[1])]))
        .collect()
}

/// The shingle hashes an index posts for a text, one per window of
/// `params.shingle_words` tokens, in token order (window `i` starts at token `i`),
/// together with the tokens they were built from.
pub fn shingle_text(text: &str, params: &IndexParams) -> (Vec<Token>, Vec<u64>) {
    let tokens = tokenize(text, &params.normalize);
    let mut hashes = Vec::with_capacity(tokens.len());
    word_shingles(&tokens, params.shingle_words as usize, &mut hashes);
    (tokens, hashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> std::collections::BTreeSet<u64> {
        let params = IndexParams::default();
        let tokens = tokenize(text, &params.normalize);
        stem_pair_keys(text, &tokens, &params).into_iter().collect()
    }

    #[test]
    fn stem_pairs_skip_stop_words_ignore_order_and_meet_across_inflections() {
        // oil+price and rise+sharp survive the rewording; price+rise does not.
        let a = pairs("Oil prices rose sharply");
        let b = pairs("prices of oil rose sharply");
        assert_eq!(a.len(), 3);
        assert_eq!(a.intersection(&b).count(), 2);
        assert_eq!(pairs("The price is rising"), pairs("prices rise"));
        assert!(pairs("the of and").is_empty());
        assert!(pairs("alone").is_empty());
    }

    #[test]
    fn index_keys_add_stem_pairs_only_under_a_scheme_that_has_them() {
        let text = "Households will pay fourteen percent more for water from March";
        let old = IndexParams {
            key_scheme: 1,
            ..IndexParams::default()
        };
        assert_eq!(index_keys(text, &old), shingle_text(text, &old));
        let params = IndexParams::default();
        let (tokens, keys) = index_keys(text, &params);
        let (_, shingles) = shingle_text(text, &params);
        let stems = stem_pair_keys(text, &tokens, &params);
        assert_eq!(keys.len(), shingles.len() + stems.len());
        assert!(!stems.is_empty());
        assert!(stems.iter().all(|k| !shingles.contains(k)));
    }
}
