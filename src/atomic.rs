//! Atomic file writing, the one way casegraph writes an output file: a
//! hidden temp file beside the target, synced, then renamed over it, so a
//! reader (or a run killed half-way) sees the old file or the complete new
//! one, never a half-written one. Snapshots, exports, the leads folder and
//! generated cases all go through it.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Write `bytes` to a temp file beside `path`, sync it, and rename it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically_with(path, |file| file.write_all(bytes))
}

/// What marks a temp file of [`write_atomically_with`]: the file
/// `out/leads.csv` is written as `out/.leads.csv.casegraph-tmp-PID-XXXXXX`
/// and renamed over `out/leads.csv` when complete.
pub const TEMP_MARK: &str = ".casegraph-tmp-";

/// Let `fill` write a temp file beside `path`, sync it, and rename it over
/// `path`; on any error the temp file is removed and `path` is untouched.
///
/// Crash safety: a process killed at any moment leaves `path` either as it
/// was or complete (rename is atomic), plus at worst a temp file, hidden
/// and named for its target ([`TEMP_MARK`]) so no reader mistakes it for an
/// output. The next write of the same path removes such leftovers whose
/// process is gone (on Linux, where `/proc` tells; elsewhere they stay).
///
/// Permissions: a file that already exists keeps its permissions; a new
/// one gets what the umask gives any new file (usually 0644), not the
/// owner-only mode temp files are created with.
pub fn write_atomically_with(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::Invalid(format!("{}: expected a file name", path.display())))?
        .to_string_lossy()
        .into_owned();
    // Said once and plainly: the temp file's path is ours, not the user's.
    if !dir.is_dir() {
        let found = if dir.exists() { "a file" } else { "none" };
        return Err(Error::Invalid(format!(
            "{}: expected a folder to write {name} into, found {found}",
            dir.display()
        )));
    }
    remove_stale_temps(dir, &name);
    let prefix = format!(".{name}{TEMP_MARK}{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Asked for 0666, the file gets 0666 less the umask, as File::create would.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, without_temp_path(e)))?;
    if let Ok(previous) = std::fs::metadata(path) {
        tmp.as_file()
            .set_permissions(previous.permissions())
            .map_err(|e| Error::io(path, e))?;
    }
    fill(tmp.as_file_mut()).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// The error of creating a temp file without the temp file's path, which
/// `tempfile` appends and which means nothing to the user (the folder is
/// named beside it).
fn without_temp_path(e: std::io::Error) -> std::io::Error {
    match e.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code),
        None => e,
    }
}

/// Remove temp files left beside `dir/name` by writers that were killed.
/// Best effort: a file that cannot be removed is left for the next run.
fn remove_stale_temps(dir: &Path, name: &str) {
    let prefix = format!(".{name}{TEMP_MARK}");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !process_alive(pid)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` still runs (Linux: `/proc/PID` exists). Where that
/// cannot be told, every process counts as alive, so nothing is removed.
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc_root = Path::new("/proc/self");
    if !proc_root.exists() {
        return true;
    }
    Path::new("/proc").join(pid.to_string()).exists()
}
