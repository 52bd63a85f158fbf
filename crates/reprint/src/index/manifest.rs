//! The manifest: which segments make up the index, and which of their documents are
//! deleted. It is the index's single point of truth, replaced atomically by every
//! commit (layout in [`super`]).

use super::format::{
    check_version, corrupt, incompatible, Bytes, IndexParams, FORMAT_VERSION, KEY_SCHEME,
    MANIFEST_MAGIC, PARAMS_BYTES,
};
use crate::error::{Error, Result};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::xxh3_64;

/// File name of the manifest inside the index directory.
pub const MANIFEST_NAME: &str = "MANIFEST";

/// One segment as the manifest knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentEntry {
    /// File name inside the index directory.
    pub name: String,
    /// Expected file length.
    pub file_len: u64,
    /// Expected footer checksum.
    pub footer_checksum: u64,
    /// Documents stored in the segment (deleted ones included).
    pub doc_count: u32,
    /// Local numbers of deleted documents, ascending.
    pub deleted: Vec<u32>,
}

/// The decoded manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Incremented by every commit; names new segments.
    pub generation: u64,
    /// Engine parameters of the whole index.
    pub params: IndexParams,
    /// Live segments in commit order.
    pub segments: Vec<SegmentEntry>,
}

impl Manifest {
    /// An empty manifest for a new index.
    pub fn new(params: IndexParams) -> Self {
        Manifest {
            generation: 0,
            params,
            segments: Vec::new(),
        }
    }

    /// Encodes the manifest.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.segments.len() * 64);
        out.extend_from_slice(&MANIFEST_MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&self.generation.to_le_bytes());
        out.extend_from_slice(&self.params.encode());
        out.extend_from_slice(&(self.segments.len() as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        for s in &self.segments {
            out.extend_from_slice(&s.file_len.to_le_bytes());
            out.extend_from_slice(&s.footer_checksum.to_le_bytes());
            out.extend_from_slice(&s.doc_count.to_le_bytes());
            out.extend_from_slice(&(s.deleted.len() as u32).to_le_bytes());
            out.extend_from_slice(&(s.name.len() as u16).to_le_bytes());
            out.extend_from_slice(s.name.as_bytes());
            for d in &s.deleted {
                out.extend_from_slice(&d.to_le_bytes());
            }
        }
        let checksum = xxh3_64(&out);
        out.extend_from_slice(&checksum.to_le_bytes());
        out.extend_from_slice(&MANIFEST_MAGIC);
        out
    }

    /// Decodes and checks a manifest read from `path`.
    pub fn decode(bytes: &[u8], path: &Path) -> Result<Self> {
        if bytes.len() < 8 || bytes[..8] != MANIFEST_MAGIC {
            return Err(corrupt(path, "not a reprint index manifest (bad magic)"));
        }
        if bytes.len() < 72 || bytes[bytes.len() - 8..] != MANIFEST_MAGIC {
            return Err(corrupt(path, "truncated manifest (end magic missing)"));
        }
        let body = &bytes[..bytes.len() - 16];
        let mut stored = [0u8; 8];
        stored.copy_from_slice(&bytes[bytes.len() - 16..bytes.len() - 8]);
        if u64::from_le_bytes(stored) != xxh3_64(body) {
            return Err(corrupt(path, "manifest checksum mismatch"));
        }
        // The checksum covers the version: only now is it trusted.
        let mut version = [0u8; 4];
        version.copy_from_slice(&bytes[8..12]);
        check_version(u32::from_le_bytes(version), path)?;
        let mut r = Bytes::new(body, path);
        r.take(16)?;
        let generation = r.u64()?;
        let params = IndexParams::decode(r.take(PARAMS_BYTES)?, path)?;
        if params.key_scheme > KEY_SCHEME {
            // A newer build's keys: reading or extending it would find or post too few.
            return Err(incompatible(
                path,
                format!(
                    "key scheme {} is newer than this build's ({KEY_SCHEME}); upgrade reprint",
                    params.key_scheme
                ),
            ));
        }
        let count = r.u32()?;
        r.u32()?;
        let mut segments = Vec::new();
        for _ in 0..count {
            let file_len = r.u64()?;
            let footer_checksum = r.u64()?;
            let doc_count = r.u32()?;
            let deleted_count = r.u32()?;
            let name_len = r.u16()?;
            let name = std::str::from_utf8(r.take(name_len as usize)?)
                .ok()
                .filter(|n| is_segment_name(n))
                .ok_or_else(|| corrupt(path, "invalid segment name in manifest"))?
                .to_owned();
            let mut deleted = Vec::with_capacity(deleted_count.min(1 << 20) as usize);
            for _ in 0..deleted_count {
                deleted.push(r.u32()?);
            }
            if deleted.windows(2).any(|w| w[0] >= w[1])
                || deleted.last().is_some_and(|&d| d >= doc_count)
            {
                return Err(corrupt(path, "invalid deleted-document list"));
            }
            segments.push(SegmentEntry {
                name,
                file_len,
                footer_checksum,
                doc_count,
                deleted,
            });
        }
        if r.position() != body.len() {
            return Err(corrupt(path, "trailing bytes in manifest"));
        }
        Ok(Manifest {
            generation,
            params,
            segments,
        })
    }

    /// Reads the manifest of the index at `dir`; `Ok(None)` when there is none. A
    /// damaged manifest is an [`Error::Corrupt`] that says how to recover.
    pub fn load(dir: &Path) -> Result<Option<Self>> {
        let path = dir.join(MANIFEST_NAME);
        match fs::read(&path) {
            Ok(bytes) => Manifest::decode(&bytes, &path)
                .map(Some)
                .map_err(|e| match e {
                    Error::Corrupt { path, message } => Error::Corrupt {
                        path,
                        message: format!("{message}; {}", repair_hint(dir)),
                    },
                    other => other,
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Replaces the manifest of `dir` atomically: write a temporary file, fsync it,
    /// rename it over the old one, fsync the directory.
    pub fn store(&self, dir: &Path) -> Result<()> {
        let tmp = dir.join(format!("{MANIFEST_NAME}.tmp"));
        let path = dir.join(MANIFEST_NAME);
        let mut file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        file.write_all(&self.encode())
            .and_then(|_| file.sync_all())
            .map_err(|e| Error::io(&tmp, e))?;
        drop(file);
        fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        sync_dir(dir)
    }
}

/// True for names this format gives segment files (`seg-*.rps`, no directories).
pub fn is_segment_name(name: &str) -> bool {
    name.starts_with("seg-")
        && name.ends_with(".rps")
        && !name.contains(['/', '\\'])
        && name != "seg-.rps"
}

/// How to recover a damaged index, for error messages.
pub fn repair_hint(dir: &Path) -> String {
    format!(
        "`reprint index verify {0}` lists the damage, `reprint index repair {0}` rebuilds \
         the manifest from the intact segment files",
        dir.display()
    )
}

/// The commit generation a segment file name carries (`seg-<gen>-...`), if any.
pub fn segment_generation(name: &str) -> Option<u64> {
    let hex = name.strip_prefix("seg-")?.get(..16)?;
    u64::from_str_radix(hex, 16).ok()
}

/// Fsyncs a directory so that renames inside it are durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The path of a segment of the index at `dir`.
pub fn segment_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            generation: 3,
            params: IndexParams::default(),
            segments: vec![SegmentEntry {
                name: "seg-0000000000000003-0000.rps".into(),
                file_len: 1234,
                footer_checksum: 99,
                doc_count: 10,
                deleted: vec![2, 7],
            }],
        }
    }

    #[test]
    fn round_trip() {
        let m = sample();
        assert_eq!(Manifest::decode(&m.encode(), Path::new("M")).unwrap(), m);
    }

    #[test]
    fn every_flipped_byte_and_truncation_is_detected() {
        let bytes = sample().encode();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x20;
            assert!(Manifest::decode(&bad, Path::new("M")).is_err(), "byte {i}");
            assert!(
                Manifest::decode(&bytes[..i], Path::new("M")).is_err(),
                "len {i}"
            );
        }
    }

    /// Re-seals a manifest body whose bytes were edited on purpose.
    fn reseal(bytes: &mut [u8]) {
        let end = bytes.len() - 16;
        let sum = xxh3_64(&bytes[..end]);
        bytes[end..end + 8].copy_from_slice(&sum.to_le_bytes());
    }

    #[test]
    fn newer_version_is_named() {
        let mut bytes = sample().encode();
        bytes[8] = 9;
        reseal(&mut bytes);
        let err = Manifest::decode(&bytes, Path::new("M")).unwrap_err();
        assert!(matches!(err, Error::Incompatible { .. }), "{err:?}");
        assert!(err.to_string().contains("version 9 is newer"), "{err}");
    }

    #[test]
    fn newer_key_scheme_is_incompatible_and_older_is_read() {
        let mut newer = sample();
        newer.params.key_scheme = KEY_SCHEME + 1;
        let err = Manifest::decode(&newer.encode(), Path::new("M")).unwrap_err();
        assert!(matches!(err, Error::Incompatible { .. }), "{err:?}");
        assert!(err.to_string().contains("key scheme"), "{err}");
        let mut older = sample();
        older.params.key_scheme = 1;
        assert_eq!(
            Manifest::decode(&older.encode(), Path::new("M")).unwrap(),
            older
        );
    }

    #[test]
    fn flipped_version_byte_in_manifest_is_damage_not_a_newer_version() {
        let mut bytes = sample().encode();
        bytes[11] ^= 0x07; // 1 -> 117440513
        let err = Manifest::decode(&bytes, Path::new("M")).unwrap_err();
        assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("checksum mismatch"), "{err}");
        assert!(!err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn segment_generation_is_read_from_the_name() {
        assert_eq!(
            segment_generation("seg-000000000000002a-00001234-0000.rps"),
            Some(42)
        );
        assert_eq!(segment_generation("seg-zz.rps"), None);
    }
}
