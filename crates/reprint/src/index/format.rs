//! Byte-level pieces of the index format shared by the writer, the reader and
//! compaction; it depends on none of them, and the reader never on the writer:
//! magics, version, engine parameters and the segment footer (layout in [`super`]).

use crate::error::{Error, Result};
use crate::text::NormalizeConfig;
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64;

/// Format version of the manifest written by this build and the newest one it
/// reads; also the version of the first segment format (still read).
pub const FORMAT_VERSION: u32 = 1;
/// Format version of the segment files written by this build and the newest one it
/// reads. Version 2 adds the block checksum table (S7), so that a reader verifies
/// only the blocks it touches; version 1 segments are still read (verified whole
/// when opened); `reprint index compact --all` rewrites them as version 2.
pub const SEGMENT_VERSION: u32 = 2;
/// Bytes covered by one checksum of the block table (S7) of a version 2 segment.
pub const CHECK_BLOCK_BYTES: usize = 4096;
/// The sections the block table covers, in the order of its entries.
pub const BLOCK_CHECKED_SECTIONS: [usize; 4] = [
    section::BUCKETS,
    section::KEYS,
    section::OFFSETS,
    section::POSTINGS,
];
/// Magic at both ends of a segment file.
pub const SEGMENT_MAGIC: [u8; 8] = *b"REPRSEG\0";
/// Magic at both ends of the manifest.
pub const MANIFEST_MAGIC: [u8; 8] = *b"REPRIDX\0";
/// Size of the segment header (magic, version, reserved).
pub const SEGMENT_HEADER_BYTES: usize = 16;
/// Size of the segment footer.
pub const FOOTER_BYTES: usize = 256;
/// Size of the encoded engine parameters.
pub const PARAMS_BYTES: usize = 24;
/// Number of sections in a segment.
pub const SECTION_COUNT: usize = 7;
/// Size of one entry of the document table (S2).
pub const DOC_ENTRY_BYTES: usize = 32;
/// Version of the tokenizer, word keys and shingle hash, and of which keys a
/// document is posted under; a change to any of them makes old postings unusable,
/// so it is part of the parameters. Scheme 1 posts word shingles only; scheme 2
/// (new indexes since) also posts stem pairs ([`super::stem_pair_keys`]), the
/// candidate channel of short articles. An index keeps its scheme when documents
/// are added; a scheme-1 index is still read and extended, without stem pairs.
pub const KEY_SCHEME: u32 = 2;
/// The first key scheme that posts stem pairs.
pub const STEM_PAIR_SCHEME: u32 = 2;

/// Section numbers.
pub mod section {
    /// Document texts.
    pub const TEXTS: usize = 0;
    /// Document ids.
    pub const IDS: usize = 1;
    /// Document table.
    pub const DOCS: usize = 2;
    /// Key buckets.
    pub const BUCKETS: usize = 3;
    /// Sorted keys.
    pub const KEYS: usize = 4;
    /// Posting offsets.
    pub const OFFSETS: usize = 5;
    /// Postings.
    pub const POSTINGS: usize = 6;
}

/// The engine parameters an index is built with. Articles are hashed with the same
/// parameters at check time, so they are stored in the index and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct IndexParams {
    /// Shingle length in words for candidate lookup.
    pub shingle_words: u32,
    /// Normalisation of word keys.
    pub normalize: NormalizeConfig,
    /// Document-frequency cap: a shingle found in more archived documents than this
    /// is boilerplate or a stock phrase; it is neither posted nor used for lookup.
    pub max_df: u32,
    /// Version of the hashing scheme ([`KEY_SCHEME`]).
    pub key_scheme: u32,
}

impl Default for IndexParams {
    fn default() -> Self {
        IndexParams {
            shingle_words: 5,
            normalize: NormalizeConfig::default(),
            max_df: 100,
            key_scheme: KEY_SCHEME,
        }
    }
}

impl IndexParams {
    /// Checks the values make sense; called before anything is written.
    pub fn validate(&self) -> Result<()> {
        if !(1..=KEY_SCHEME).contains(&self.key_scheme) {
            return Err(Error::Config(format!(
                "key scheme must be 1..={KEY_SCHEME}, not {}",
                self.key_scheme
            )));
        }
        if !(2..=16).contains(&self.shingle_words) {
            return Err(Error::Config(format!(
                "shingle length must be 2..=16 words, not {}",
                self.shingle_words
            )));
        }
        if self.max_df == 0 {
            return Err(Error::Config(
                "document-frequency cap must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// Encodes the 24-byte form.
    pub fn encode(&self) -> [u8; PARAMS_BYTES] {
        let mut out = [0u8; PARAMS_BYTES];
        out[0..4].copy_from_slice(&self.shingle_words.to_le_bytes());
        out[4..8].copy_from_slice(&self.key_scheme.to_le_bytes());
        out[8..12].copy_from_slice(&self.max_df.to_le_bytes());
        out[12] = u8::from(self.normalize.strip_diacritics);
        out
    }

    /// Decodes the 24-byte form.
    pub fn decode(bytes: &[u8], path: &Path) -> Result<Self> {
        let mut r = Bytes::new(bytes, path);
        let shingle_words = r.u32()?;
        let key_scheme = r.u32()?;
        let max_df = r.u32()?;
        let strip = r.take(1)?[0];
        if strip > 1 {
            return Err(corrupt(path, "invalid engine parameters"));
        }
        Ok(IndexParams {
            shingle_words,
            normalize: NormalizeConfig {
                strip_diacritics: strip == 1,
            },
            max_df,
            key_scheme,
        })
    }

    /// True when documents are also posted under their stem pairs.
    pub fn has_stem_pairs(&self) -> bool {
        self.key_scheme >= STEM_PAIR_SCHEME
    }

    /// A human-readable account of where two parameter sets differ.
    pub fn differences(&self, other: &IndexParams) -> Vec<String> {
        let mut out = Vec::new();
        if self.shingle_words != other.shingle_words {
            out.push(format!(
                "shingle length {} words, not {}",
                self.shingle_words, other.shingle_words
            ));
        }
        if self.normalize != other.normalize {
            out.push(format!(
                "strip diacritics {}, not {}",
                self.normalize.strip_diacritics, other.normalize.strip_diacritics
            ));
        }
        if self.max_df != other.max_df {
            out.push(format!(
                "document-frequency cap {}, not {}",
                self.max_df, other.max_df
            ));
        }
        if self.key_scheme != other.key_scheme {
            out.push(format!(
                "key scheme {}, not {}",
                self.key_scheme, other.key_scheme
            ));
        }
        out
    }
}

/// Builds an [`Error::Corrupt`] for `path`: the file is damaged.
pub fn corrupt(path: &Path, message: impl Into<String>) -> Error {
    Error::Corrupt {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Builds an [`Error::Incompatible`] for `path`: the file is intact but of a newer
/// version or built with other parameters.
pub fn incompatible(path: &Path, message: impl Into<String>) -> Error {
    Error::Incompatible {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Checks a format version: newer than this build is refused with a clear message.
/// Callers check the checksum covering the version first, so that a damaged
/// version field is reported as damage, not as a newer format.
pub fn check_version(version: u32, path: &Path) -> Result<()> {
    check_version_up_to(version, FORMAT_VERSION, path)
}

/// [`check_version`] against the newest version `newest` this build reads.
pub fn check_version_up_to(version: u32, newest: u32, path: &Path) -> Result<()> {
    if version == 0 {
        return Err(corrupt(path, "invalid format version 0"));
    }
    if version > newest {
        return Err(incompatible(
            path,
            format!(
                "format version {version} is newer than this reprint reads ({newest}); \
                 upgrade reprint"
            ),
        ));
    }
    Ok(())
}

/// Number of block checksums of a section of `len` bytes.
pub fn block_count(len: u64) -> u64 {
    len.div_ceil(CHECK_BLOCK_BYTES as u64)
}

/// Streams a section's bytes into block checksums (S7 entries).
#[derive(Default)]
pub struct BlockHasher {
    sums: Vec<u64>,
    current: Vec<u8>,
}

impl BlockHasher {
    /// Adds the next bytes of the section.
    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = (CHECK_BLOCK_BYTES - self.current.len()).min(bytes.len());
            self.current.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.current.len() == CHECK_BLOCK_BYTES {
                self.sums.push(xxh3_64(&self.current));
                self.current.clear();
            }
        }
    }

    /// The checksums, the last (partial) block included.
    pub fn finish(mut self) -> Vec<u64> {
        if !self.current.is_empty() {
            self.sums.push(xxh3_64(&self.current));
        }
        self.sums
    }
}

/// The block checksums of a whole section.
pub fn block_sums(bytes: &[u8]) -> Vec<u64> {
    bytes.chunks(CHECK_BLOCK_BYTES).map(xxh3_64).collect()
}

/// Encodes the block table (S7): the checksums of [`BLOCK_CHECKED_SECTIONS`] in
/// that order, then the xxh3-64 of those bytes (the table seals itself).
pub fn encode_block_table(per_section: &[Vec<u64>; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    for sums in per_section {
        for s in sums {
            out.extend_from_slice(&s.to_le_bytes());
        }
    }
    let seal = xxh3_64(&out);
    out.extend_from_slice(&seal.to_le_bytes());
    out
}

/// One section's place and checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SectionEntry {
    /// Byte offset in the file.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
    /// xxh3-64 of the section's bytes.
    pub checksum: u64,
}

/// The decoded segment footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footer {
    /// Documents in the segment.
    pub doc_count: u64,
    /// Distinct keys.
    pub key_count: u64,
    /// Postings.
    pub posting_count: u64,
    /// Bits of the key prefix used by the bucket table.
    pub bucket_bits: u32,
    /// Engine parameters the segment was built with.
    pub params: IndexParams,
    /// Sections S0..S6.
    pub sections: [SectionEntry; SECTION_COUNT],
    /// Total file length.
    pub file_len: u64,
    /// Format version of the segment (header and footer agree).
    pub version: u32,
}

impl Footer {
    /// Where the block table (S7) of a version 2 segment lies: just before the
    /// footer, 8 bytes per block of [`BLOCK_CHECKED_SECTIONS`] plus the seal.
    /// `None` for version 1.
    pub fn block_table(&self) -> Option<std::ops::Range<u64>> {
        if self.version < 2 {
            return None;
        }
        let blocks: u64 = BLOCK_CHECKED_SECTIONS
            .iter()
            .map(|&s| block_count(self.sections[s].len))
            .sum();
        let len = (blocks + 1) * 8;
        let end = self.file_len.checked_sub(FOOTER_BYTES as u64)?;
        Some(end.checked_sub(len)?..end)
    }

    /// Encodes the footer; returns the bytes and the footer checksum.
    pub fn encode(&self) -> ([u8; FOOTER_BYTES], u64) {
        let mut out = [0u8; FOOTER_BYTES];
        out[0..8].copy_from_slice(&self.doc_count.to_le_bytes());
        out[8..16].copy_from_slice(&self.key_count.to_le_bytes());
        out[16..24].copy_from_slice(&self.posting_count.to_le_bytes());
        out[24..28].copy_from_slice(&self.bucket_bits.to_le_bytes());
        out[32..56].copy_from_slice(&self.params.encode());
        for (i, s) in self.sections.iter().enumerate() {
            let at = 56 + i * 24;
            out[at..at + 8].copy_from_slice(&s.offset.to_le_bytes());
            out[at + 8..at + 16].copy_from_slice(&s.len.to_le_bytes());
            out[at + 16..at + 24].copy_from_slice(&s.checksum.to_le_bytes());
        }
        out[224..228].copy_from_slice(&self.version.to_le_bytes());
        out[232..240].copy_from_slice(&self.file_len.to_le_bytes());
        let checksum = xxh3_64(&out[..240]);
        out[240..248].copy_from_slice(&checksum.to_le_bytes());
        out[248..256].copy_from_slice(&SEGMENT_MAGIC);
        (out, checksum)
    }

    /// Decodes and checks a whole segment file's header and footer; returns the
    /// footer and its checksum. Does not look at the sections' contents.
    pub fn decode_file(file: &[u8], path: &Path) -> Result<(Footer, u64)> {
        if file.len() < SEGMENT_HEADER_BYTES + FOOTER_BYTES {
            return Err(corrupt(
                path,
                format!("truncated segment ({} bytes)", file.len()),
            ));
        }
        if file[0..8] != SEGMENT_MAGIC {
            return Err(corrupt(path, "not a reprint segment (bad magic)"));
        }
        let header_version = u32::from_le_bytes(file[8..12].try_into().unwrap_or_default());
        let raw = &file[file.len() - FOOTER_BYTES..];
        if raw[248..256] != SEGMENT_MAGIC {
            return Err(corrupt(
                path,
                "truncated or damaged segment (footer magic missing)",
            ));
        }
        let checksum = xxh3_64(&raw[..240]);
        if u64_at(raw, 30) != Some(checksum) {
            return Err(corrupt(path, "segment footer checksum mismatch"));
        }
        let mut r = Bytes::new(raw, path);
        let doc_count = r.u64()?;
        let key_count = r.u64()?;
        let posting_count = r.u64()?;
        let bucket_bits = r.u32()?;
        r.u32()?;
        let params = IndexParams::decode(r.take(PARAMS_BYTES)?, path)?;
        let mut sections = [SectionEntry::default(); SECTION_COUNT];
        for s in sections.iter_mut() {
            s.offset = r.u64()?;
            s.len = r.u64()?;
            s.checksum = r.u64()?;
        }
        let version = r.u32()?;
        r.u32()?;
        let file_len = r.u64()?;
        r.u64()?; // the checksum, checked above
                  // The footer checksum covers the footer's version: only now is it trusted.
        check_version_up_to(version, SEGMENT_VERSION, path)?;
        if version != header_version {
            return Err(corrupt(
                path,
                format!("damaged header: version {header_version}, footer says {version}"),
            ));
        }
        if file_len != file.len() as u64 {
            return Err(corrupt(
                path,
                format!(
                    "segment is {} bytes, its footer says {file_len}",
                    file.len()
                ),
            ));
        }
        let body_end = (file.len() - FOOTER_BYTES) as u64;
        for (i, s) in sections.iter().enumerate() {
            let end = s.offset.checked_add(s.len);
            let in_bounds = matches!(end, Some(e) if e <= body_end);
            if s.offset < SEGMENT_HEADER_BYTES as u64 || !in_bounds {
                return Err(corrupt(path, format!("section {i} out of bounds")));
            }
        }
        if bucket_bits > 28 {
            return Err(corrupt(path, "invalid bucket bits"));
        }
        let expect = |i: usize, len: u64| -> Result<()> {
            if sections[i].len != len {
                return Err(corrupt(path, format!("section {i} has a wrong length")));
            }
            Ok(())
        };
        expect(
            section::DOCS,
            doc_count.saturating_mul(DOC_ENTRY_BYTES as u64),
        )?;
        expect(section::BUCKETS, ((1u64 << bucket_bits) + 1) * 4)?;
        expect(section::KEYS, key_count.saturating_mul(8))?;
        expect(
            section::OFFSETS,
            key_count.saturating_add(1).saturating_mul(4),
        )?;
        expect(section::POSTINGS, posting_count.saturating_mul(4))?;
        let footer = Footer {
            doc_count,
            key_count,
            posting_count,
            bucket_bits,
            params,
            sections,
            file_len,
            version,
        };
        if version >= 2
            && footer
                .block_table()
                .is_none_or(|t| t.start < SEGMENT_HEADER_BYTES as u64)
        {
            return Err(corrupt(path, "block checksum table out of bounds"));
        }
        Ok((footer, checksum))
    }
}

/// A bounds-checked little-endian cursor over bytes; running off the end is a
/// [`Error::Corrupt`] naming the file, never a panic.
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Bytes<'a> {
    /// Starts reading at the beginning of `data`.
    pub fn new(data: &'a [u8], path: &'a Path) -> Self {
        Bytes { data, pos: 0, path }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| corrupt(self.path, "truncated file"))?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// The next u16.
    pub fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// The next u32.
    pub fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The next u64.
    pub fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }
}

/// Reads the `i`-th little-endian u32 of `bytes`, if present.
#[inline]
pub fn u32_at(bytes: &[u8], i: usize) -> Option<u32> {
    let b = bytes.get(i.checked_mul(4)?..i.checked_mul(4)?.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads the `i`-th little-endian u64 of `bytes`, if present.
#[inline]
pub fn u64_at(bytes: &[u8], i: usize) -> Option<u64> {
    let b = bytes.get(i.checked_mul(8)?..i.checked_mul(8)?.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_le_bytes(a))
}

/// Bucket bits for a key count: about eight keys per bucket, so a lookup is one
/// table read plus a binary search over a cache line or two.
pub fn bucket_bits_for(key_count: u64) -> u32 {
    if key_count < 16 {
        return 0;
    }
    (63 - key_count.leading_zeros()).saturating_sub(3).min(24)
}

/// The bucket table (S3) of sorted keys (written by the writer and by compaction).
pub fn bucket_table(keys: &[u64], bits: u32) -> Vec<u8> {
    let buckets = 1usize << bits;
    let mut out = Vec::with_capacity((buckets + 1) * 4);
    let mut k = 0usize;
    for b in 0..buckets {
        while k < keys.len() && bucket_of(keys[k], bits) < b as u64 {
            k += 1;
        }
        out.extend_from_slice(&(k as u32).to_le_bytes());
    }
    out.extend_from_slice(&(keys.len() as u32).to_le_bytes());
    out
}

/// The bucket of a key: its top `bits` bits.
#[inline]
pub fn bucket_of(key: u64, bits: u32) -> u64 {
    if bits == 0 {
        0
    } else {
        key >> (64 - bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_round_trip() {
        let p = IndexParams {
            shingle_words: 7,
            normalize: NormalizeConfig {
                strip_diacritics: true,
            },
            max_df: 42,
            key_scheme: KEY_SCHEME,
        };
        assert_eq!(IndexParams::decode(&p.encode(), Path::new("x")).unwrap(), p);
        assert_eq!(p.differences(&p), Vec::<String>::new());
        assert_eq!(p.differences(&IndexParams::default()).len(), 3);
    }

    #[test]
    fn newer_version_is_refused() {
        let err = check_version(FORMAT_VERSION + 1, Path::new("seg")).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn version_and_parameter_errors_are_typed_damage_or_incompatible() {
        let newer = check_version_up_to(SEGMENT_VERSION + 1, SEGMENT_VERSION, Path::new("s"));
        assert!(
            matches!(newer, Err(Error::Incompatible { .. })),
            "{newer:?}"
        );
        let zero = check_version_up_to(0, SEGMENT_VERSION, Path::new("s"));
        assert!(matches!(zero, Err(Error::Corrupt { .. })), "{zero:?}");
        assert!(check_version_up_to(1, SEGMENT_VERSION, Path::new("s")).is_ok());
        let mut bytes = IndexParams::default().encode();
        bytes[12] = 7; // strip diacritics must be 0 or 1
        let bad = IndexParams::decode(&bytes, Path::new("s"));
        assert!(matches!(bad, Err(Error::Corrupt { .. })), "{bad:?}");
    }

    #[test]
    fn block_checksums_stream_like_they_hash_whole() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let mut streamed = BlockHasher::default();
        for chunk in data.chunks(777) {
            streamed.update(chunk);
        }
        let sums = streamed.finish();
        assert_eq!(sums, block_sums(&data));
        assert_eq!(sums.len() as u64, block_count(data.len() as u64));
        assert_eq!(block_count(0), 0);
    }

    #[test]
    fn cursor_reports_truncation() {
        let mut r = Bytes::new(&[1, 0, 0], Path::new("m"));
        assert_eq!(r.u16().unwrap(), 1);
        assert!(matches!(r.u32(), Err(Error::Corrupt { .. })));
        assert_eq!(u32_at(&[1, 0, 0, 0, 2], 1), None);
        assert_eq!(u64_at(&[7, 0, 0, 0, 0, 0, 0, 0], 0), Some(7));
    }

    #[test]
    fn buckets_point_at_first_key_of_each_prefix() {
        let keys = [0u64, 1 << 62, (1 << 63) + 5, u64::MAX];
        let table = bucket_table(&keys, 2);
        let v: Vec<u32> = table
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(v, [0, 1, 2, 3, 4]);
        assert_eq!(bucket_bits_for(10), 0);
        assert_eq!(bucket_bits_for(1 << 20), 17);
    }
}
