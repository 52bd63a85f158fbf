//! Output files, made safe: every destination is checked before any work starts,
//! written to a temporary file beside it, and renamed into place only when complete.
//!
//! - An output that is (or resolves to, through links) one of the input files, or the
//!   same file as another output, is a usage error before anything is read or written,
//!   so `reprint dedup same.jsonl -o same.jsonl` can never empty its input.
//! - The folder of every output must exist and be writable; the temporary file is
//!   created there at once, so a typo in a path fails in a second, not after an hour.
//! - An interrupted run (error, Ctrl-C, SIGTERM) never leaves a truncated report and
//!   never destroys a good earlier one: the temporary file is removed (by its guard on
//!   an error, by [`super::signals`] on a signal) and the old file stays as it was.
//! - `-` is stdout; an existing destination that is not a regular file (`/dev/null`, a
//!   FIFO, a terminal) is written directly, since it cannot be replaced by a rename.
//!
//! Write errors name the destination (`clusters.jsonl: No space left on device`).

use super::UsageError;
use anyhow::Context;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// One output a command will write, named by the flag that asked for it.
#[derive(Debug, Clone)]
pub struct OutputRequest {
    /// The flag, for messages (`--clusters`).
    pub flag: &'static str,
    /// The path as given (`-` for stdout).
    pub path: PathBuf,
}

impl OutputRequest {
    /// An output named by `flag`.
    pub fn new(flag: &'static str, path: impl Into<PathBuf>) -> Self {
        OutputRequest {
            flag,
            path: path.into(),
        }
    }
}

/// Where the bytes of an output go.
enum Target {
    Stdout,
    /// An existing special file (device, FIFO) written in place.
    Direct(File),
    /// A temporary file in the destination's folder, renamed over `dest` on commit.
    Atomic {
        /// `None` once committed.
        tmp: Option<tempfile::NamedTempFile>,
        dest: PathBuf,
    },
}

/// An output prepared by [`prepare`]: write through [`Output::writer`], then
/// [`Output::commit`]. Dropped without a commit, it leaves the destination untouched.
pub struct Output {
    name: String,
    target: Target,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output").field("name", &self.name).finish()
    }
}

/// The path a destination resolves to: through every link of an existing file, or
/// through the links of the folder of a file yet to be created.
fn resolve(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // A dangling link: follow it to where it would create its file.
    if let Ok(target) = std::fs::read_link(path) {
        let target = if target.is_absolute() {
            target
        } else {
            parent.join(target)
        };
        if target != path {
            return resolve(&target);
        }
    }
    std::fs::canonicalize(parent).ok().map(|p| p.join(name))
}

/// A usage error when a work folder is, or would be created, inside an input folder
/// (its tables would be read as input by the next run) or is an input itself.
pub fn work_dir_outside_inputs(work: &Path, inputs: &[PathBuf]) -> Result<(), UsageError> {
    let mut missing = Vec::new();
    let mut existing = work.to_path_buf();
    // The nearest folder that exists, resolved, with the rest of the path after it.
    let resolved = loop {
        if let Ok(p) = std::fs::canonicalize(&existing) {
            break missing.iter().rev().fold(p, |acc: PathBuf, c| acc.join(c));
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                missing.push(name.to_os_string());
                existing = if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                };
            }
            _ => return Ok(()),
        }
    };
    for input in inputs {
        let Ok(input_path) = std::fs::canonicalize(input) else {
            continue;
        };
        if resolved == input_path || (input_path.is_dir() && resolved.starts_with(&input_path)) {
            return Err(UsageError(format!(
                "--work-dir {} is inside the input folder {} (its tables would be read as input); \
                 choose a folder outside the inputs",
                work.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_inode(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// A usage error when more than one of `paths` is `-` (stdout). [`prepare`] checks
/// this too; a command calls it early to report the mistake before reading inputs.
pub fn one_stdout<'a>(paths: impl IntoIterator<Item = &'a PathBuf>) -> Result<(), UsageError> {
    if paths.into_iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(UsageError("only one output can go to stdout (-)".into()));
    }
    Ok(())
}

/// Checks every requested output against the inputs and each other, then creates
/// the temporary files. `inputs` are the files the command reads (every file found
/// under a folder argument included).
///
/// Errors: a [`UsageError`] for an output that is an input or another output, or
/// two outputs on stdout; a runtime error for a folder that does not exist or
/// cannot be written.
pub fn prepare(requests: &[OutputRequest], inputs: &[PathBuf]) -> anyhow::Result<Vec<Output>> {
    one_stdout(requests.iter().map(|r| &r.path))?;
    let inputs_resolved: Vec<(PathBuf, Option<std::fs::Metadata>)> = inputs
        .iter()
        .filter_map(|p| {
            let resolved = resolve(p)?;
            Some((resolved, std::fs::metadata(p).ok()))
        })
        .collect();
    let mut seen: Vec<(PathBuf, &'static str)> = Vec::new();
    for r in requests {
        if r.path.as_os_str() == "-" {
            continue;
        }
        let resolved = resolve(&r.path).ok_or_else(|| {
            anyhow::anyhow!(
                "{} {}: the folder it would be written in does not exist",
                r.flag,
                r.path.display()
            )
        })?;
        let meta = std::fs::metadata(&r.path).ok();
        let is_input = inputs_resolved.iter().any(|(p, m)| {
            *p == resolved
                || match (m, &meta) {
                    (Some(a), Some(b)) => same_inode(a, b),
                    _ => false,
                }
        });
        if is_input && meta.as_ref().is_none_or(|m| m.is_file()) {
            return Err(UsageError(format!(
                "{} {} is one of the input files; writing it would destroy the input",
                r.flag,
                r.path.display()
            ))
            .into());
        }
        if let Some((_, other)) = seen.iter().find(|(p, _)| *p == resolved) {
            if meta.as_ref().is_none_or(|m| m.is_file()) {
                return Err(UsageError(format!(
                    "{} and {} name the same file {}",
                    other,
                    r.flag,
                    r.path.display()
                ))
                .into());
            }
        }
        seen.push((resolved, r.flag));
    }
    requests.iter().map(open).collect()
}

fn open(r: &OutputRequest) -> anyhow::Result<Output> {
    let name = r.path.display().to_string();
    if r.path.as_os_str() == "-" {
        return Ok(Output {
            name: "<stdout>".into(),
            target: Target::Stdout,
        });
    }
    if let Ok(meta) = std::fs::metadata(&r.path) {
        if meta.is_dir() {
            return Err(anyhow::anyhow!("{} {name}: is a folder", r.flag));
        }
        if !meta.is_file() {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&r.path)
                .with_context(|| format!("{} {name}: cannot open for writing", r.flag))?;
            return Ok(Output {
                name,
                target: Target::Direct(file),
            });
        }
    }
    // Write beside the file a link points to, so the link survives the rename.
    let dest = resolve(&r.path).unwrap_or_else(|| r.path.clone());
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(anyhow::anyhow!(
            "{} {name}: folder {} does not exist",
            r.flag,
            dir.display()
        ));
    }
    let file_name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{file_name}.");
    builder.prefix(&prefix).suffix(".reprint-tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Like any newly created file: 0666 less the umask, or the mode of the file replaced.
        let mode = std::fs::metadata(&dest)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0o666);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    // Made and registered in one step: an interrupt in between would leave it behind.
    let tmp = super::signals::create_registered(|| builder.tempfile_in(&dir), |t| t.path())
        .with_context(|| {
            format!(
                "{} {name}: cannot write in folder {}",
                r.flag,
                dir.display()
            )
        })?;
    Ok(Output {
        name,
        target: Target::Atomic {
            tmp: Some(tmp),
            dest,
        },
    })
}

impl Output {
    /// A buffered writer whose errors name the destination.
    pub fn writer(&mut self) -> NamedWriter<'_> {
        let inner: Box<dyn Write + '_> = match &mut self.target {
            Target::Stdout => Box::new(io::stdout().lock()),
            Target::Direct(f) => Box::new(f),
            Target::Atomic { tmp, .. } => match tmp {
                Some(tmp) => Box::new(tmp.as_file_mut()),
                None => Box::new(io::sink()),
            },
        };
        NamedWriter {
            name: &self.name,
            inner: BufWriter::with_capacity(1 << 16, inner),
        }
    }

    /// Makes the output visible: flushes it and, for a file, syncs it to disk and
    /// renames it over the destination.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let name = &self.name;
        match &mut self.target {
            Target::Stdout => io::stdout().flush().map_err(|e| named_error(name, e))?,
            Target::Direct(f) => f.flush().map_err(|e| named_error(name, e))?,
            Target::Atomic { tmp, dest } => {
                if let Some(tmp) = tmp.take() {
                    let tmp_path = tmp.path().to_path_buf();
                    tmp.as_file().sync_all().map_err(|e| named_error(name, e))?;
                    let result = tmp.persist(&*dest);
                    super::signals::unregister(&tmp_path);
                    result.map_err(|e| named_error(name, e.error))?;
                }
            }
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Target::Atomic { tmp: Some(tmp), .. } = &self.target {
            super::signals::unregister(tmp.path());
        }
    }
}

/// An I/O error that names the destination, keeping its kind (so that a broken pipe
/// is still recognised as one).
fn named_error(name: &str, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{name}: {e}"))
}

/// A buffered writer over an [`Output`] whose errors name it.
pub struct NamedWriter<'a> {
    name: &'a str,
    inner: BufWriter<Box<dyn Write + 'a>>,
}

impl Write for NamedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| named_error(self.name, e))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner
            .write_all(buf)
            .map_err(|e| named_error(self.name, e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| named_error(self.name, e))
    }
}

impl Drop for NamedWriter<'_> {
    fn drop(&mut self) {
        // Errors are reported by the explicit flush every writer of ours ends with;
        // this only keeps the bytes of a writer dropped early from being lost silently.
        let _ = self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_that_is_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("same.jsonl");
        std::fs::write(&input, "{\"text\":\"a\"}\n").unwrap();
        let err = prepare(
            &[OutputRequest::new("-o", &input)],
            std::slice::from_ref(&input),
        )
        .unwrap_err();
        assert!(err.downcast_ref::<UsageError>().is_some(), "{err}");
        assert_eq!(std::fs::read(&input).unwrap(), b"{\"text\":\"a\"}\n");
    }

    #[cfg(unix)]
    #[test]
    fn output_linking_to_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        std::fs::write(&input, "x").unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        assert!(prepare(
            &[OutputRequest::new("-o", &link)],
            std::slice::from_ref(&input)
        )
        .is_err());
        let rel = dir.path().join("sub");
        std::fs::create_dir(&rel).unwrap();
        let dotted = rel.join("../in.jsonl");
        assert!(prepare(&[OutputRequest::new("-o", &dotted)], &[input]).is_err());
    }

    #[test]
    fn two_outputs_on_one_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.jsonl");
        let err = prepare(
            &[
                OutputRequest::new("--clusters", &p),
                OutputRequest::new("--pairs", &p),
            ],
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("same file"), "{err}");
    }

    #[test]
    fn output_in_missing_folder_fails_before_work() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("missing-dir/x.html");
        let err = prepare(&[OutputRequest::new("--html", &p)], &[]).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn uncommitted_output_leaves_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.json");
        std::fs::write(&p, "good old report").unwrap();
        {
            let mut outs = prepare(&[OutputRequest::new("-o", &p)], &[]).unwrap();
            let mut w = outs[0].writer();
            w.write_all(b"half a rep").unwrap();
            w.flush().unwrap();
        }
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "good old report");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn committed_output_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.json");
        std::fs::write(&p, "old").unwrap();
        let mut outs = prepare(&[OutputRequest::new("-o", &p)], &[]).unwrap();
        let mut out = outs.pop().unwrap();
        {
            let mut w = out.writer();
            w.write_all(b"new").unwrap();
            w.flush().unwrap();
        }
        out.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn full_disk_error_names_the_output() {
        let mut outs = prepare(&[OutputRequest::new("-o", "/dev/full")], &[]).unwrap();
        let mut w = outs[0].writer();
        let err = w
            .write_all(&[b'x'; 1 << 17])
            .and_then(|_| w.flush())
            .unwrap_err();
        assert!(err.to_string().starts_with("/dev/full: "), "{err}");
    }
}
