//! `verify` reads every byte of an index and says what is damaged or unlisted;
//! `repair` rebuilds a lost or damaged manifest from the intact segment files and
//! moves damaged files aside (into [`DAMAGED_DIR`] inside the index), never deleting
//! anything.

use super::format::{corrupt, IndexParams};
use super::manifest::{
    is_segment_name, segment_generation, segment_path, sync_dir, Manifest, SegmentEntry,
    MANIFEST_NAME,
};
use super::reader::{Index, Segment};
use super::writer::WriterLock;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Folder inside the index where `repair` moves damaged files.
pub const DAMAGED_DIR: &str = "damaged";

/// The state of one file of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Every checksum matches.
    Ok,
    /// Named by the manifest but absent.
    Missing,
    /// A checksum, magic or length does not match, or the file is unreadable.
    Damaged,
    /// Intact but of a newer format or other engine parameters.
    Incompatible,
}

/// What `verify` found about the manifest.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ManifestCheck {
    /// Its state.
    pub status: FileStatus,
    /// What is wrong, when something is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Its generation, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<u64>,
}

/// What `verify` found about one segment file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SegmentCheck {
    /// File name inside the index.
    pub name: String,
    /// True when the manifest names it.
    pub listed: bool,
    /// Its state.
    pub status: FileStatus,
    /// What is wrong, when something is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Documents it stores (deleted ones included), when readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<u32>,
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VerifyReport {
    /// The manifest.
    pub manifest: ManifestCheck,
    /// Every segment file, listed or not, by name.
    pub segments: Vec<SegmentCheck>,
    /// Temporary files of interrupted writers (harmless; the next `index add`
    /// removes them).
    pub temporary_files: Vec<String>,
    /// Live documents according to the manifest (0 when it is unreadable).
    pub documents: u64,
    /// True when the manifest and every segment it names are intact. Unlisted files
    /// do not make an index unsound: readers never look at them.
    pub sound: bool,
}

impl VerifyReport {
    /// Listed segments that are not intact.
    pub fn damaged_segments(&self) -> impl Iterator<Item = &SegmentCheck> {
        self.segments
            .iter()
            .filter(|s| s.listed && s.status != FileStatus::Ok)
    }
}

fn status_of(err: &Error) -> FileStatus {
    match err {
        Error::Incompatible { .. } => FileStatus::Incompatible,
        Error::Io { cause, .. } if cause.kind() == std::io::ErrorKind::NotFound => {
            FileStatus::Missing
        }
        _ => FileStatus::Damaged,
    }
}

/// Reads one segment file completely: header, footer, every section checksum and
/// every document's text checksum. Returns the segment and its footer checksum.
fn check_segment_file(path: &Path) -> Result<(Segment, u64)> {
    let (segment, checksum) = Segment::open_file(path)?;
    segment.check_texts()?;
    for local in 0..segment.doc_count() {
        segment.doc(local)?;
    }
    Ok((segment, checksum))
}

/// Compares an intact segment with its manifest entry.
fn matches_entry(
    segment: &Segment,
    checksum: u64,
    entry: &SegmentEntry,
    params: &IndexParams,
) -> std::result::Result<(), (FileStatus, String)> {
    let footer = segment.footer();
    if checksum != entry.footer_checksum
        || footer.file_len != entry.file_len
        || footer.doc_count != u64::from(entry.doc_count)
    {
        return Err((
            FileStatus::Damaged,
            "intact, but not the file the manifest names (length, checksum or document count differ)"
                .into(),
        ));
    }
    let diff = footer.params.differences(params);
    if !diff.is_empty() {
        return Err((
            FileStatus::Incompatible,
            format!("segment built with {}", diff.join(", ")),
        ));
    }
    Ok(())
}

/// Segment and temporary file names in `dir`, sorted.
fn list_files(dir: &Path) -> Result<(Vec<String>, Vec<String>)> {
    let mut segments = Vec::new();
    let mut temporary = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if is_segment_name(&name) {
            segments.push(name);
        } else if name.ends_with(".tmp") {
            temporary.push(name);
        }
    }
    segments.sort();
    temporary.sort();
    Ok((segments, temporary))
}

/// Checks every file of the index at `dir`: the manifest, every segment it names
/// (all checksums, every document text) and every unlisted segment file. Damage is
/// reported, not returned as an error; an error means the folder itself could not
/// be read or holds no index at all.
pub fn verify(dir: &Path) -> Result<VerifyReport> {
    if !dir.is_dir() {
        return Err(Error::NotAnIndex {
            path: dir.to_path_buf(),
            message: "no such index folder".into(),
        });
    }
    let (files, temporary_files) = list_files(dir)?;
    let manifest_path = dir.join(MANIFEST_NAME);
    let loaded = match fs::read(&manifest_path) {
        Ok(bytes) => Some(Manifest::decode(&bytes, &manifest_path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(Err(Error::io(&manifest_path, e))),
    };
    if loaded.is_none() && files.is_empty() {
        return Err(Error::NotAnIndex {
            path: dir.to_path_buf(),
            message: format!("not a reprint index (no {MANIFEST_NAME} and no segment files)"),
        });
    }
    let (manifest_check, manifest) = match loaded {
        None => (
            ManifestCheck {
                status: FileStatus::Missing,
                message: Some(format!("no {MANIFEST_NAME}")),
                generation: None,
            },
            None,
        ),
        Some(Err(e)) => (
            ManifestCheck {
                status: status_of(&e),
                message: Some(e.to_string()),
                generation: None,
            },
            None,
        ),
        Some(Ok(m)) => (
            ManifestCheck {
                status: FileStatus::Ok,
                message: None,
                generation: Some(m.generation),
            },
            Some(m),
        ),
    };
    let mut segments = Vec::new();
    let mut names: Vec<String> = files.clone();
    if let Some(m) = &manifest {
        for entry in &m.segments {
            if !names.contains(&entry.name) {
                names.push(entry.name.clone());
            }
        }
    }
    names.sort();
    for name in names {
        let entry = manifest
            .as_ref()
            .and_then(|m| m.segments.iter().find(|s| s.name == name).map(|e| (m, e)));
        let path = segment_path(dir, &name);
        let (status, message, documents) = match check_segment_file(&path) {
            Err(e) => (status_of(&e), Some(e.to_string()), None),
            Ok((segment, checksum)) => {
                let documents = Some(segment.doc_count());
                match entry.map(|(m, e)| matches_entry(&segment, checksum, e, &m.params)) {
                    Some(Err((status, message))) => (
                        status,
                        Some(format!("{}: {message}", path.display())),
                        documents,
                    ),
                    _ => (FileStatus::Ok, None, documents),
                }
            }
        };
        segments.push(SegmentCheck {
            name,
            listed: entry.is_some(),
            status,
            message,
            documents,
        });
    }
    let documents = manifest
        .as_ref()
        .map(|m| {
            m.segments
                .iter()
                .map(|s| u64::from(s.doc_count) - s.deleted.len() as u64)
                .sum()
        })
        .unwrap_or(0);
    let sound = manifest.is_some()
        && segments
            .iter()
            .all(|s| !s.listed || s.status == FileStatus::Ok);
    Ok(VerifyReport {
        manifest: manifest_check,
        segments,
        temporary_files,
        documents,
        sound,
    })
}

/// What [`repair`] did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RepairReport {
    /// False when the index was sound and nothing was changed.
    pub repaired: bool,
    /// True when a new manifest was built from the segment files (the old one was
    /// missing or damaged), false when the old one was kept minus lost segments.
    pub manifest_rebuilt: bool,
    /// Files moved into [`DAMAGED_DIR`], as paths relative to the index.
    pub moved_aside: Vec<String>,
    /// Segments the new manifest names.
    pub segments: usize,
    /// Live documents afterwards.
    pub documents: u64,
    /// Documents lost with damaged segments, when the manifest still said how many
    /// (a rebuilt manifest cannot know).
    pub lost_documents: u64,
    /// Older copies of an id found in several segments, left out in favour of the
    /// newest generation's (only when the manifest was rebuilt).
    pub superseded_duplicates: u64,
}

/// Moves `name` from `dir` into `dir/damaged/`, never over an existing file there.
fn move_aside(dir: &Path, name: &str) -> Result<String> {
    let aside = dir.join(DAMAGED_DIR);
    fs::create_dir_all(&aside).map_err(|e| Error::io(&aside, e))?;
    let mut target = aside.join(name);
    let mut n = 1;
    while target.exists() {
        target = aside.join(format!("{name}.{n}"));
        n += 1;
    }
    let from = dir.join(name);
    fs::rename(&from, &target).map_err(|e| Error::io(&from, e))?;
    sync_dir(&aside)?;
    let relative: PathBuf = target
        .strip_prefix(dir)
        .map(Path::to_path_buf)
        .unwrap_or(target.clone());
    Ok(relative.display().to_string())
}

/// Repairs the index at `dir` while holding the writer lock.
///
/// * A damaged or missing manifest is rebuilt from every intact segment file, in
///   generation order; when one id is stored in several segments, the newest
///   generation's copy is kept and the older ones are marked deleted (this is how
///   `--replace` left them). The new generation is the newest segment's.
/// * With an intact manifest, segments it names that are missing, damaged or
///   incompatible are dropped from it (their documents are lost; the count is
///   reported).
///
/// Damaged files (and a damaged manifest) are moved into [`DAMAGED_DIR`] inside the
/// index, never deleted, and moved before the new manifest is written, so a repair
/// killed at any moment can simply be run again.
pub fn repair(dir: &Path) -> Result<RepairReport> {
    let report = verify(dir)?;
    refuse_incompatible(dir, &report)?;
    let _lock = WriterLock::acquire(dir)?;
    // Verified again under the lock: a writer may have committed meanwhile.
    let report = verify(dir)?;
    refuse_incompatible(dir, &report)?;
    if report.sound {
        return Ok(RepairReport {
            repaired: false,
            manifest_rebuilt: false,
            moved_aside: Vec::new(),
            segments: report.segments.iter().filter(|s| s.listed).count(),
            documents: report.documents,
            lost_documents: 0,
            superseded_duplicates: 0,
        });
    }
    let mut moved_aside = Vec::new();
    let manifest = if report.manifest.status == FileStatus::Ok {
        Manifest::load(dir)?
    } else {
        None
    };
    let new_manifest;
    let mut lost_documents = 0;
    let mut superseded_duplicates = 0;
    let rebuilt = manifest.is_none();
    match manifest {
        Some(old) => {
            let bad: Vec<&SegmentCheck> = report.damaged_segments().collect();
            for s in &bad {
                if s.status != FileStatus::Missing {
                    moved_aside.push(move_aside(dir, &s.name)?);
                }
            }
            let mut segments = Vec::new();
            for entry in old.segments {
                if bad.iter().any(|b| b.name == entry.name) {
                    lost_documents += u64::from(entry.doc_count) - entry.deleted.len() as u64;
                } else {
                    segments.push(entry);
                }
            }
            new_manifest = Manifest {
                generation: old.generation + 1,
                params: old.params,
                segments,
            };
        }
        None => {
            if dir.join(MANIFEST_NAME).exists() {
                moved_aside.push(move_aside(dir, MANIFEST_NAME)?);
            }
            for s in &report.segments {
                if s.status != FileStatus::Ok && s.status != FileStatus::Missing {
                    moved_aside.push(move_aside(dir, &s.name)?);
                }
            }
            let (m, superseded) = rebuild(dir, &report)?;
            superseded_duplicates = superseded;
            new_manifest = m;
        }
    }
    sync_dir(dir)?;
    new_manifest.store(dir)?;
    let index = Index::open(dir)?;
    Ok(RepairReport {
        repaired: true,
        manifest_rebuilt: rebuilt,
        moved_aside,
        segments: new_manifest.segments.len(),
        documents: index.doc_count(),
        lost_documents,
        superseded_duplicates,
    })
}

/// An intact file of a newer format (or other parameters) is not damage: repairing
/// would move a newer reprint's files aside. Refused; upgrading is the answer.
fn refuse_incompatible(dir: &Path, report: &VerifyReport) -> Result<()> {
    let manifest = (report.manifest.status == FileStatus::Incompatible)
        .then(|| report.manifest.message.clone())
        .flatten();
    let segment = report
        .segments
        .iter()
        .find(|s| s.status == FileStatus::Incompatible)
        .and_then(|s| s.message.clone());
    match manifest.or(segment) {
        Some(message) => Err(Error::Incompatible {
            path: dir.to_path_buf(),
            message: format!("not repaired, nothing changed: {message}"),
        }),
        None => Ok(()),
    }
}

/// A manifest naming every intact segment of `report`, newest copy of each id live.
fn rebuild(dir: &Path, report: &VerifyReport) -> Result<(Manifest, u64)> {
    let mut intact: Vec<(u64, String)> = report
        .segments
        .iter()
        .filter(|s| s.status == FileStatus::Ok)
        .map(|s| (segment_generation(&s.name).unwrap_or(0), s.name.clone()))
        .collect();
    intact.sort();
    if intact.is_empty() {
        return Err(corrupt(
            dir,
            "no intact segment file to rebuild the manifest from (damaged files were moved \
             aside)",
        ));
    }
    let mut params: Option<IndexParams> = None;
    let mut entries: Vec<SegmentEntry> = Vec::new();
    // id -> (entry number, local) of the newest copy so far.
    let mut live: HashMap<String, (usize, u32)> = HashMap::new();
    let mut superseded = 0u64;
    for (_, name) in &intact {
        let path = segment_path(dir, name);
        let (segment, checksum) = Segment::open_file(&path)?;
        let footer = segment.footer();
        match params {
            None => params = Some(footer.params),
            Some(p) if p != footer.params => {
                return Err(Error::Incompatible {
                    path,
                    message: format!(
                        "segment built with {}, unlike the older segments; cannot rebuild one \
                         manifest for both",
                        footer.params.differences(&p).join(", ")
                    ),
                })
            }
            Some(_) => {}
        }
        let number = entries.len();
        entries.push(SegmentEntry {
            name: name.clone(),
            file_len: footer.file_len,
            footer_checksum: checksum,
            doc_count: segment.doc_count(),
            deleted: Vec::new(),
        });
        for local in 0..segment.doc_count() {
            let (id, _) = segment.doc_meta(local)?;
            if let Some((old_entry, old_local)) = live.insert(id.to_owned(), (number, local)) {
                entries[old_entry].deleted.push(old_local);
                superseded += 1;
            }
        }
    }
    for e in &mut entries {
        e.deleted.sort_unstable();
    }
    // Segments whose every document was superseded are no longer needed.
    entries.retain(|e| (e.deleted.len() as u32) < e.doc_count);
    let generation = intact.iter().map(|(g, _)| *g).max().unwrap_or(0);
    let Some(params) = params else {
        return Err(corrupt(dir, "no intact segment file"));
    };
    Ok((
        Manifest {
            generation,
            params,
            segments: entries,
        },
        superseded,
    ))
}
