//! Ctrl-C, SIGTERM and SIGHUP: remove the temporary files of unfinished outputs,
//! then exit with the conventional code (128 + signal number).
//!
//! Outputs register their temporary file while it exists ([`register`]) and leave
//! the list when they are committed or dropped ([`unregister`]). The library's own
//! spool and spill files need no registration: they are unlinked as soon as they are
//! created, so the kernel frees them however the process ends.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Folders whose temporary files (`*.tmp` whose name holds a tag) this process writes:
/// an index being added to, whose segments under construction carry the writer's
/// process id.
static TEMP_DIRS: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());

/// Adds a folder in which every `*.tmp` file whose name contains `tag` is removed if
/// the process is interrupted. Only temporary files are ever removed: a finished
/// file may already be published.
pub fn register_temporaries(dir: &Path, tag: String) {
    if let Ok(mut v) = TEMP_DIRS.lock() {
        v.push((dir.to_path_buf(), tag));
    }
}

/// Removes a temporary file from the list (it was renamed into place or deleted).
/// Creates a temporary output with `create` and registers its path (`path_of`) while
/// holding the list the interrupt handler reads, so that the handler, which waits for
/// the list, never runs between the two: an interrupt cannot leave the file behind.
pub fn create_registered<T>(
    create: impl FnOnce() -> std::io::Result<T>,
    path_of: impl Fn(&T) -> &Path,
) -> std::io::Result<T> {
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    let made = create()?;
    pending.push(path_of(&made).to_path_buf());
    Ok(made)
}

pub fn unregister(path: &Path) {
    if let Ok(mut v) = PENDING.lock() {
        v.retain(|p| p != path);
    }
}

/// Removes every registered temporary file.
fn remove_pending() {
    if let Ok(v) = PENDING.lock() {
        for p in v.iter() {
            let _ = std::fs::remove_file(p);
        }
    }
    if let Ok(dirs) = TEMP_DIRS.lock() {
        for (dir, tag) in dirs.iter() {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.ends_with(".tmp") && name.contains(tag.as_str()) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }
}

/// Starts the thread that waits for termination signals. Called once by `main`.
#[cfg(unix)]
pub fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;
    let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            remove_pending();
            std::process::exit(128 + signal);
        }
    });
}

/// Without Unix signals there is nothing to install.
#[cfg(not(unix))]
pub fn install() {}
