//! The bodies of the fuzz targets under `fuzz/`, shared with the stable test that
//! replays `fuzz/regressions/<target>/` (`fuzz_regressions.rs`). Each function takes
//! arbitrary bytes, drives one part of the library with them and panics when an
//! invariant breaks; errors returned for bad bytes are the expected outcome.
//!
//! The fuzz crate includes this file with `#[path]`, so it uses only the library
//! and crates the library itself depends on.

#![allow(dead_code)]

use reprint::align::{align as align_docs, AlignConfig, PreparedDoc};
use reprint::dedup::stages::{
    self, Shard, WorkDir, BAND_TABLE, CLUSTERS_TABLE, SIGN_TABLE, VERIFY_TABLE,
};
use reprint::dedup::DedupConfig;
use reprint::document::Origin;
use reprint::exec::Silent;
use reprint::index::format::{
    block_count, block_sums, encode_block_table, section, Footer, IndexParams, SectionEntry,
    BLOCK_CHECKED_SECTIONS, DOC_ENTRY_BYTES, FOOTER_BYTES, FORMAT_VERSION, MANIFEST_MAGIC,
    SECTION_COUNT, SEGMENT_HEADER_BYTES, SEGMENT_MAGIC, SEGMENT_VERSION,
};
use reprint::index::manifest::{Manifest, SegmentEntry};
use reprint::index::Index;
use reprint::input::compress::decode;
use reprint::input::jsonl::parse_record;
use reprint::input::{InputConfig, Source, SourceKind, Sources};
use reprint::shingle::{char_shingles, key_shingles};
use reprint::table::{read_table, FileDigest, Marker};
use reprint::text::normalize::normalize;
use reprint::text::{sentence_spans, tokenize, word_key, word_keys, NormalizeConfig};
use std::io::Read;
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64;

/// Decoded bytes read from one input at most (a small compressed input can expand
/// a thousandfold).
const MAX_DECODED: u64 = 64 << 20;

/// The body of a fuzz target.
pub type Target = fn(&[u8]);

/// The names of the targets, as directories under `fuzz/regressions/`, with their
/// bodies.
pub const TARGETS: &[(&str, Target)] = &[
    ("jsonl_record", jsonl_record),
    ("records", records),
    ("text", text),
    ("align", align),
    ("manifest", manifest),
    ("segment", segment),
    ("stage_table", stage_table),
];

fn both_normalisations() -> [NormalizeConfig; 2] {
    [
        NormalizeConfig::default(),
        NormalizeConfig {
            strip_diacritics: true,
        },
    ]
}

/// One JSON Lines record, with every optional field in use.
pub fn jsonl_record(data: &[u8]) {
    let config = InputConfig {
        keep_by_field: Some("date".into()),
        date_field: Some("date".into()),
        ..InputConfig::default()
    };
    let origin = Origin { source: 0, line: 1 };
    if let Ok(doc) = parse_record(data, origin, || "fallback".into(), &config) {
        assert_eq!(doc.origin, origin);
    }
    let _ = parse_record(data, origin, || "1".into(), &InputConfig::default());
}

/// The bytes as a stream (decompressed if gzip or zstd), then as a JSON Lines file
/// and as a text file read through [`Sources`], every record parsed.
pub fn records(data: &[u8]) {
    if let Ok(reader) = decode(std::io::Cursor::new(data.to_vec())) {
        let mut out = Vec::new();
        let _ = reader.take(MAX_DECODED).read_to_end(&mut out);
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    for name in ["in.jsonl", "in.txt", "in.parquet"] {
        let path = dir.path().join(name);
        std::fs::write(&path, data).expect("write the input");
        let sources = Sources::discover(&[path]).expect("an existing file is a source");
        let mut bytes = 0u64;
        let mut last_ordinal = None;
        for record in sources.records() {
            match record {
                Ok(record) => {
                    if let Some(o) = last_ordinal {
                        assert!(record.ordinal > o, "ordinals increase");
                    }
                    last_ordinal = Some(record.ordinal);
                    bytes += record.bytes.len() as u64;
                    if let Err(issue) = sources.parse(&record, &InputConfig::default()) {
                        assert!(issue.path.contains(name), "issue names the file");
                    }
                }
                Err(issue) => assert!(issue.path.contains(name), "issue names the file"),
            }
            if bytes > MAX_DECODED {
                break;
            }
        }
    }
    // The same bytes held in memory as a Parquet source (a table handed over by the
    // Python package) read as the file of them.
    let file = Sources::discover(&[dir.path().join("in.parquet")]).expect("a source");
    let memory = Sources::from_list(vec![Source::in_memory(
        data,
        "in.parquet",
        SourceKind::Parquet,
    )]);
    let read = |sources: &Sources| {
        let mut out = Vec::new();
        let mut bytes = 0u64;
        for record in sources.records() {
            match record {
                Ok(r) => {
                    bytes += r.bytes.len() as u64;
                    out.push(Ok((r.origin.line, r.bytes)));
                }
                Err(issue) => out.push(Err(issue.kind.name())),
            }
            if bytes > MAX_DECODED {
                break;
            }
        }
        out
    };
    assert_eq!(
        read(&file),
        read(&memory),
        "in-memory Parquet reads as its file"
    );
}

/// Tokens, word keys, normalised forms, sentences and shingles of a text.
pub fn text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    for config in both_normalisations() {
        let tokens = tokenize(text, &config);
        let mut previous_end = 0;
        let mut scratch = String::new();
        for t in &tokens {
            assert!(previous_end <= t.start && t.start < t.end && t.end <= text.len());
            assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
            let word = &text[t.start..t.end];
            assert_eq!(t.key, word_key(word, &config, &mut scratch));
            assert_eq!(t.key, xxh3_64(normalize(word, &config).as_bytes()));
            previous_end = t.end;
        }
        let mut keys = Vec::new();
        word_keys(text, &config, &mut keys);
        assert!(keys.iter().eq(tokens.iter().map(|t| &t.key)));
        let mut shingles = Vec::new();
        key_shingles(&keys, 5, &mut shingles);
        assert_eq!(
            shingles.len(),
            keys.len()
                .saturating_sub(4)
                .max(usize::from(!keys.is_empty()))
        );
        shingles.clear();
        char_shingles(text, 3, &config, &mut shingles);
    }
    let mut previous_end = 0;
    for s in sentence_spans(text) {
        assert!(previous_end <= s.start && s.start < s.end && s.end <= text.len());
        let sentence = &text[s.start..s.end];
        assert_eq!(sentence.trim(), sentence);
        previous_end = s.end;
    }
}

/// Two texts (split at the first 0xFF byte, which UTF-8 never holds) aligned both
/// ways; every passage must lie inside both texts, on character boundaries, with
/// the spans in the first text sorted and disjoint.
pub fn align(data: &[u8]) {
    let cut = data
        .iter()
        .position(|&b| b == 0xFF)
        .unwrap_or(data.len() / 2);
    let a = String::from_utf8_lossy(&data[..cut]);
    let b = String::from_utf8_lossy(data.get(cut + 1..).unwrap_or_default());
    let norm = NormalizeConfig::default();
    let (pa, pb) = (PreparedDoc::new(&a, &norm), PreparedDoc::new(&b, &norm));
    let config = AlignConfig {
        min_words: 2,
        ..AlignConfig::default()
    };
    for (x, y, tx, ty) in [(&pa, &pb, &a, &b), (&pb, &pa, &b, &a)] {
        let found = align_docs(x, y, &config);
        assert_eq!(
            found,
            align_docs(x, y, &config),
            "alignment is deterministic"
        );
        let mut previous_end = 0;
        for p in &found {
            assert!(p.a.start < p.a.end && p.a.end <= tx.len());
            assert!(p.b.start < p.b.end && p.b.end <= ty.len());
            assert!(tx.is_char_boundary(p.a.start) && tx.is_char_boundary(p.a.end));
            assert!(ty.is_char_boundary(p.b.start) && ty.is_char_boundary(p.b.end));
            assert!(p.a.start >= previous_end, "spans in the first text overlap");
            assert!((0.0..=1.0).contains(&p.similarity));
            previous_end = p.a.end;
        }
    }
}

/// Manifest decoding of the raw bytes, then of the bytes with magics, version and
/// checksum made right (so that the fields behind the checksum get fuzzed too); a
/// manifest that decodes encodes back to itself.
pub fn manifest(data: &[u8]) {
    let path = Path::new("MANIFEST");
    let _ = Manifest::decode(data, path);
    let mut bytes = data.to_vec();
    if bytes.len() < 72 {
        bytes.resize(72, 0);
    }
    let n = bytes.len();
    bytes[..8].copy_from_slice(&MANIFEST_MAGIC);
    bytes[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes[n - 8..].copy_from_slice(&MANIFEST_MAGIC);
    let checksum = xxh3_64(&bytes[..n - 16]);
    bytes[n - 16..n - 8].copy_from_slice(&checksum.to_le_bytes());
    if let Ok(m) = Manifest::decode(&bytes, path) {
        assert_eq!(Manifest::decode(&m.encode(), path).expect("re-encoded"), m);
    }
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

/// The section lengths a footer's counts call for, S2..S6 (S0 and S1 are free).
fn section_lens(doc_count: u64, key_count: u64, posting_count: u64, bits: u32) -> [u64; 5] {
    [
        doc_count.saturating_mul(DOC_ENTRY_BYTES as u64),
        ((1u64 << bits) + 1) * 4,
        key_count.saturating_mul(8),
        key_count.saturating_add(1).saturating_mul(4),
        posting_count.saturating_mul(4),
    ]
}

/// Bytes of the block checksum table (S7) of a format 2 segment with these lengths
/// of the block-checked sections (S3..S6).
fn block_table_len(lens: &[u64; 5]) -> u64 {
    (lens[1..].iter().map(|&l| block_count(l)).sum::<u64>() + 1) * 8
}

/// Gives fuzzed segment bytes a sound frame in format `version` (1 or 2): magics and
/// version in header and footer, counts shrunk until their sections fit, each section
/// moved inside the body, section checksums, for version 2 the block checksum table
/// (S7) right before the footer, and the footer's file length and checksum; so the
/// reader gets past its integrity checks to the structure behind them. A sound
/// segment comes back unchanged. Bytes too short for header, footer and the
/// smallest sections are padded.
pub fn repair_segment(data: &[u8], version: u32) -> Vec<u8> {
    let mut file = data.to_vec();
    let least = SEGMENT_HEADER_BYTES + FOOTER_BYTES + 64;
    if file.len() < least {
        file.resize(least, 0);
    }
    let n = file.len();
    file[..8].copy_from_slice(&SEGMENT_MAGIC);
    file[8..12].copy_from_slice(&version.to_le_bytes());
    let raw = file[n - FOOTER_BYTES..].to_vec();
    let mut params = IndexParams::decode(&raw[32..56], Path::new("segment"))
        .unwrap_or_else(|_| IndexParams::default());
    // An invalid strip flag or parameters are a different path (fuzzed raw above);
    // here the frame must hold.
    params.normalize.strip_diacritics = raw[44] & 1 == 1;
    let (mut docs, mut keys, mut postings) = (u64_at(&raw, 0), u64_at(&raw, 8), u64_at(&raw, 16));
    let mut bits = u32_at(&raw, 24) % 29;
    let room = (n - FOOTER_BYTES - SEGMENT_HEADER_BYTES) as u64;
    let table_len = |lens: &[u64; 5]| {
        if version >= 2 {
            block_table_len(lens)
        } else {
            0
        }
    };
    // Shrink the count behind the largest section until every section fits
    // beside the block table.
    loop {
        let lens = section_lens(docs, keys, postings, bits);
        let Some(body) = room.checked_sub(table_len(&lens)) else {
            (docs, keys, postings, bits) =
                (docs / 2, keys / 2, postings / 2, bits.saturating_sub(1));
            continue;
        };
        let (largest, &len) = lens
            .iter()
            .enumerate()
            .max_by_key(|&(_, l)| *l)
            .expect("five sections");
        if len <= body {
            break;
        }
        match largest {
            0 => docs /= 2,
            1 => bits -= 1,
            2 | 3 => keys /= 2,
            _ => postings /= 2,
        }
    }
    let lens = section_lens(docs, keys, postings, bits);
    let table_start = n as u64 - FOOTER_BYTES as u64 - table_len(&lens);
    let body = table_start - SEGMENT_HEADER_BYTES as u64;
    let mut sections = [SectionEntry::default(); SECTION_COUNT];
    for (i, s) in sections.iter_mut().enumerate() {
        let at = 56 + i * 24;
        s.len = match i {
            section::TEXTS | section::IDS => u64_at(&raw, at + 8) % (body + 1),
            _ => lens[i - 2],
        };
        let offset = u64_at(&raw, at);
        let fits = offset >= SEGMENT_HEADER_BYTES as u64
            && offset
                .checked_add(s.len)
                .is_some_and(|end| end <= table_start);
        s.offset = if fits {
            offset
        } else {
            SEGMENT_HEADER_BYTES as u64 + offset % (body - s.len + 1)
        };
        s.checksum = xxh3_64(&file[s.offset as usize..(s.offset + s.len) as usize]);
    }
    if version >= 2 {
        let sums = BLOCK_CHECKED_SECTIONS.map(|i| {
            let s = sections[i];
            block_sums(&file[s.offset as usize..(s.offset + s.len) as usize])
        });
        let table = encode_block_table(&sums);
        file[table_start as usize..n - FOOTER_BYTES].copy_from_slice(&table);
    }
    let footer = Footer {
        doc_count: docs,
        key_count: keys,
        posting_count: postings,
        bucket_bits: bits,
        params,
        sections,
        file_len: n as u64,
        version,
    };
    file[n - FOOTER_BYTES..].copy_from_slice(&footer.encode().0);
    file
}

/// A [repaired](repair_segment) format 2 segment with one byte of a block-checked
/// section flipped after the block table was made, so that the lazily checked block
/// holding it fails when a lookup first touches it.
fn damage_block(mut file: Vec<u8>) -> Vec<u8> {
    let Ok((footer, _)) = Footer::decode_file(&file, Path::new("segment")) else {
        return file;
    };
    let pick = xxh3_64(&file) as usize;
    let s = footer.sections[BLOCK_CHECKED_SECTIONS[pick % 4]];
    if s.len > 0 {
        file[s.offset as usize + (pick >> 8) % s.len as usize] ^= 0x5A;
    }
    file
}

/// Segment bytes, raw, [repaired](repair_segment) as format 1 and as format 2 (block
/// checksum table included), and format 2 with one [damaged block](damage_block),
/// decoded by the footer reader
/// and then opened as the only segment of an index (a manifest written to match),
/// every live document read and every stored key looked up.
pub fn segment(data: &[u8]) {
    let name = "seg-0000000000000001-0000.rps";
    let v2 = repair_segment(data, SEGMENT_VERSION);
    let damaged = damage_block(v2.clone());
    for file in [
        data.to_vec(),
        repair_segment(data, FORMAT_VERSION),
        v2,
        damaged,
    ] {
        let Ok((footer, checksum)) = Footer::decode_file(&file, Path::new(name)) else {
            continue;
        };
        let Ok(doc_count) = u32::try_from(footer.doc_count) else {
            continue;
        };
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join(name), &file).expect("write the segment");
        let mut manifest = Manifest::new(footer.params);
        manifest.generation = 1;
        manifest.segments.push(SegmentEntry {
            name: name.into(),
            file_len: footer.file_len,
            footer_checksum: checksum,
            doc_count,
            // Every other document deleted, to exercise the deletion bits.
            deleted: (0..doc_count.min(64)).filter(|d| d % 2 == 1).collect(),
        });
        manifest.store(dir.path()).expect("write the manifest");
        let Ok(index) = Index::open(dir.path()) else {
            continue;
        };
        let _ = index.stats();
        assert!(index.doc_count() <= footer.doc_count);
        for (_, doc) in index.live_docs().take(4096) {
            if let Ok(doc) = doc {
                assert!(doc.text.len() <= file.len() && doc.id.len() <= file.len());
            }
        }
        let keys = footer.sections[section::KEYS];
        let mut out = Vec::new();
        let stored = (keys.offset as usize..(keys.offset + keys.len) as usize).step_by(8);
        for at in stored.take(4096) {
            out.clear();
            let _ = index.lookup(u64_at(&file, at), &mut out);
            for r in &out {
                let _ = index.doc(*r);
            }
        }
        let _ = index.lookup(0, &mut out);
        let _ = index.lookup(u64::MAX, &mut out);
    }
}

/// The stage folders of a work folder, in the order the stages run.
const STAGE_DIRS: [&str; 4] = ["sign", "band", "verify", "components"];

/// A finished staged dedup run (sign, band, verify, components) over a few small
/// documents, some of them near-duplicates, made once: its inputs stay in the kept
/// directory, its work folder is copied for every fuzzed input.
struct StageTemplate {
    _dir: tempfile::TempDir,
    input: std::path::PathBuf,
    /// Every file of the work folder: path relative to it, and bytes.
    files: Vec<(std::path::PathBuf, Vec<u8>)>,
}

fn stage_template() -> &'static StageTemplate {
    static TEMPLATE: std::sync::OnceLock<StageTemplate> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary directory");
        let input = dir.path().join("d.jsonl");
        let base = "the quick brown fox jumps over the lazy dog while the farmer sleeps in the sun";
        let mut lines = String::new();
        for i in 0..12 {
            let text = if i % 3 == 0 {
                format!("{base} copy {}", i % 2)
            } else {
                format!("unique story {i} about {} things in town {}", i * 7, i * 13)
            };
            lines.push_str(&format!("{{\"id\":\"d{i}\",\"text\":\"{text}\"}}\n"));
        }
        lines.push_str("{not json\n");
        std::fs::write(&input, lines).expect("write the input");
        let sources = Sources::discover(std::slice::from_ref(&input)).expect("the input");
        let root = dir.path().join("work");
        let config = DedupConfig::default();
        let work = WorkDir::create(&root, &config, &sources, 5).expect("work folder");
        stages::sign(&work, &sources, &config, Shard::ALL, &Silent).expect("sign");
        stages::band(&work, Shard::ALL, &Silent).expect("band");
        stages::verify(&work, Shard::ALL, &Silent).expect("verify");
        stages::components(&work, &Silent).expect("components");
        stages::load_result(&work, &sources).expect("a result");
        let mut files = Vec::new();
        let mut pending = vec![root.clone()];
        while let Some(d) = pending.pop() {
            for entry in std::fs::read_dir(&d).expect("work folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let bytes = std::fs::read(&path).expect("a work file");
                    let rel = path.strip_prefix(&root).expect("inside").to_path_buf();
                    files.push((rel, bytes));
                }
            }
        }
        files.sort();
        StageTemplate {
            _dir: dir,
            input,
            files,
        }
    })
}

/// Rewrites every completion marker of a stage folder so that it records the sizes
/// and checksums its files have now (the fuzzed bytes get past the marker check to
/// the table reader).
fn reseal_markers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "done") {
            continue;
        }
        let Ok(marker) = serde_json::from_slice::<Marker>(&std::fs::read(&path).expect("marker"))
        else {
            continue;
        };
        let files = marker
            .files
            .iter()
            .map(|f| FileDigest::of(&dir.join(&f.name)).expect("a listed file"))
            .collect();
        Marker::write(dir, &marker.stage, &marker.part, &marker.fingerprint, files)
            .expect("rewrite the marker");
    }
}

/// Removes the completion markers of the stages after `stage`, so that they run
/// again from its (fuzzed) output.
fn drop_later_markers(root: &Path, stage: usize) {
    for later in &STAGE_DIRS[stage + 1..] {
        let Ok(entries) = std::fs::read_dir(root.join(later)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "done") {
                std::fs::remove_file(&path).expect("remove a marker");
            }
        }
    }
}

/// An error the stages may return for a damaged work folder; anything else (or a
/// panic) is a defect.
fn expect_damage_error(err: reprint::Error) {
    use reprint::Error;
    assert!(
        matches!(
            err,
            Error::Corrupt { .. }
                | Error::Incompatible { .. }
                | Error::StageIncomplete { .. }
                | Error::Io { .. }
                | Error::Config(_)
        ),
        "unexpected error for a damaged work folder: {err:?}"
    );
}

/// Runs band, verify, components and the result read-back over a work folder, as
/// far as they get; each error must be one of [`expect_damage_error`]'s.
fn run_stages(root: &Path, input: &Path) {
    let work = match WorkDir::open(root) {
        Ok(w) => w,
        Err(e) => return expect_damage_error(e),
    };
    let sources = Sources::discover(&[input.to_path_buf()]).expect("the input");
    let steps: [&dyn Fn() -> reprint::Result<()>; 4] = [
        &|| stages::band(&work, Shard::ALL, &Silent).map(drop),
        &|| stages::verify(&work, Shard::ALL, &Silent).map(drop),
        &|| stages::components(&work, &Silent).map(drop),
        &|| stages::load_result(&work, &sources).map(drop),
    ];
    for step in steps {
        if let Err(e) = step() {
            return expect_damage_error(e);
        }
    }
}

/// Lays the template's work folder out in a new temporary directory.
fn copy_template(template: &StageTemplate) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (rel, bytes) in &template.files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("stage folder");
        std::fs::write(&path, bytes).expect("copy a work file");
    }
    dir
}

/// The first Parquet table of a stage folder of the template, relative path.
fn stage_table_file(template: &StageTemplate, stage: usize) -> Option<&std::path::PathBuf> {
    template.files.iter().map(|(rel, _)| rel).find(|rel| {
        rel.starts_with(STAGE_DIRS[stage]) && rel.extension().is_some_and(|e| e == "parquet")
    })
}

/// What `reprint dedup --work-dir` reads back from a work folder, fed fuzzed bytes in
/// three ways over a copy of a real finished run: (1) the input split at 0xFF bytes
/// into the run description `dedup.json`, the first sign part's marker and its
/// Parquet table; (2) the whole input as that sign table with its marker resealed;
/// (3) the table of the stage `data[0] % 5` picks (4: the first sign part's sets
/// file) with the bytes from `data[3..]`
/// written over it at an offset `data[1..3]` picks, marker resealed. Each time the
/// later stages' markers are dropped so that they run again, and band, verify,
/// components and the result read-back must end without panic, with an error only
/// of the kinds damage calls for; the damaged tables are also read whole through
/// [`read_table`].
pub fn stage_table(data: &[u8]) {
    let template = stage_template();
    let sign_table = stage_table_file(template, 0).expect("a sign table").clone();
    let sign_marker = sign_table.with_extension("done");

    let dir = copy_template(template);
    let root = dir.path();
    let mut pieces = data.split(|&b| b == 0xFF);
    for rel in [Path::new("dedup.json"), &sign_marker, &sign_table] {
        if let Some(piece) = pieces.next() {
            std::fs::write(root.join(rel), piece).expect("write a piece");
        }
    }
    drop_later_markers(root, 0);
    run_stages(root, &template.input);

    let dir = copy_template(template);
    let root = dir.path();
    std::fs::write(root.join(&sign_table), data).expect("write the table");
    reseal_markers(&root.join(STAGE_DIRS[0]));
    drop_later_markers(root, 0);
    read_whole(&root.join(&sign_table), SIGN_TABLE);
    run_stages(root, &template.input);

    let (Some(&pick), Some(at), Some(patch)) = (data.first(), data.get(1..3), data.get(3..)) else {
        return;
    };
    // 0–3: the table of that stage; 4: the first sign part's sets file (Arrow IPC).
    let choice = pick as usize % (STAGE_DIRS.len() + 1);
    let stage = choice % STAGE_DIRS.len();
    let kind = [SIGN_TABLE, BAND_TABLE, VERIFY_TABLE, CLUSTERS_TABLE][stage];
    let sets_file = sign_table.with_extension("sets.arrow");
    let Some(rel) = (if choice == STAGE_DIRS.len() {
        Some(&sets_file)
    } else {
        stage_table_file(template, stage)
    }) else {
        return;
    };
    let dir = copy_template(template);
    let root = dir.path();
    let path = root.join(rel);
    let mut table = std::fs::read(&path).expect("a template table");
    let offset = usize::from(u16::from_le_bytes([at[0], at[1]])) % (table.len() + 1);
    let end = offset + patch.len();
    if end > table.len() {
        table.resize(end, 0);
    }
    table[offset..end].copy_from_slice(patch);
    std::fs::write(&path, &table).expect("write the table");
    reseal_markers(&root.join(STAGE_DIRS[stage]));
    drop_later_markers(root, stage);
    if choice < STAGE_DIRS.len() {
        read_whole(&path, kind);
    }
    run_stages(root, &template.input);
}

/// Reads a table whole through [`read_table`], all columns and none; errors must be
/// damage.
fn read_whole(path: &Path, kind: reprint::table::TableKind) {
    match read_table(path, kind, &[]) {
        Ok(reader) => {
            let rows = reader.rows();
            let mut seen = 0u64;
            for batch in reader {
                match batch {
                    Ok(b) => seen += b.num_rows() as u64,
                    Err(e) => return expect_damage_error(e),
                }
            }
            assert!(seen <= rows, "more rows than the footer counts");
        }
        Err(e) => expect_damage_error(e),
    }
}
