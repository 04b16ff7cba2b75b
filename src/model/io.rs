//! Writing files safely: one file atomically (a temporary file beside it, synced, then renamed
//! over it), and a set of files as a whole (all temporaries written first, then renamed under a
//! commit journal that the next write to the same target rolls forward). Temporary files are
//! removed on every error path and swept on the next write; a read-only target is refused.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The suffix of a temporary file: `.<name>.tmp-<pid>`.
const TMP_MARK: &str = ".tmp-";
/// The suffix of a set's commit journal: `.<main name>.commit`.
const COMMIT_MARK: &str = ".commit";

fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// The temporary file a write of `path` by this process uses.
pub fn temp_path(path: &Path) -> PathBuf {
    dir_of(path).join(format!(".{}{TMP_MARK}{}", name_of(path), std::process::id()))
}

fn commit_path(main: &Path) -> PathBuf {
    dir_of(main).join(format!(".{}{COMMIT_MARK}", name_of(main)))
}

/// Whether the process that owns a temporary file is still running (on Linux, from `/proc`;
/// elsewhere a temporary is considered abandoned after an hour).
fn owner_alive(tmp: &Path, pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    if cfg!(target_os = "linux") {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    std::fs::metadata(tmp)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age.as_secs() < 3600)
}

/// Removes temporary files of `path` left by processes that are gone (a kill, a full disk).
/// Returns how many were removed.
pub fn sweep_temps(path: &Path) -> usize {
    let prefix = format!(".{}{TMP_MARK}", name_of(path));
    let Ok(entries) = std::fs::read_dir(dir_of(path)) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(pid) = name.strip_prefix(&prefix).and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !owner_alive(&e.path(), pid) && std::fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Refuses to replace a read-only file or anything that is not a regular file.
fn check_target(path: &Path) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => Err(std::io::Error::other(format!(
            "{} exists and is not a regular file; not replaced",
            path.display()
        ))),
        Ok(m) if m.permissions().readonly() => Err(std::io::Error::other(format!(
            "{} is read-only; not replaced",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// Checks, before any work, that `path` can be written: its folder exists and takes new files,
/// and the file itself (if present) is a regular, writable file.
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    let dir = dir_of(path);
    if !dir.is_dir() {
        return Err(std::io::Error::other(format!(
            "the folder {} does not exist",
            dir.display()
        )));
    }
    check_target(path)?;
    let probe = temp_path(path);
    std::fs::File::create(&probe)
        .map_err(|e| std::io::Error::other(format!("cannot write in {}: {e}", dir.display())))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path` and syncs it; the temporary is removed if
/// anything fails.
fn write_temp(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let tmp = temp_path(path);
    let result = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes a file atomically: a reader sees the old file or the new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    sweep_temps(path);
    check_target(path)?;
    let tmp = write_temp(path, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Completes a set write that was interrupted after its journal was written (renames whose
/// temporaries still exist), then removes the journal. Returns whether there was one.
pub fn roll_forward(main: &Path) -> std::io::Result<bool> {
    let journal = commit_path(main);
    let Ok(text) = std::fs::read_to_string(&journal) else {
        return Ok(false);
    };
    for line in text.lines() {
        let Some((tmp, target)) = line.split_once('\t') else {
            continue;
        };
        if Path::new(tmp).exists() {
            std::fs::rename(tmp, target)?;
        }
    }
    std::fs::remove_file(&journal)?;
    Ok(true)
}

/// Writes a set of files as a whole; `files[0]` is the main one (its name keys the journal).
/// Every file is first written to a temporary; only when all are written is a journal of the
/// renames written and the renames done. A kill before the journal leaves the old set (and
/// temporaries the next write sweeps); a kill after it leaves a journal the next write to the
/// same target (or [`roll_forward`]) completes.
pub fn write_set_atomic(files: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    let Some((main, _)) = files.first() else {
        return Ok(());
    };
    if let Some((p, _)) = files.iter().find(|(p, _)| p.to_string_lossy().contains(['\t', '\n'])) {
        return Err(std::io::Error::other(format!(
            "{}: a file name with a tab or line break cannot be part of a multi-file output",
            p.display()
        )));
    }
    roll_forward(main)?;
    for (p, _) in files {
        sweep_temps(p);
        check_target(p)?;
    }
    let mut temps: Vec<PathBuf> = Vec::new();
    for (p, bytes) in files {
        match write_temp(p, bytes) {
            Ok(t) => temps.push(t),
            Err(e) => {
                temps.iter().for_each(|t| {
                    let _ = std::fs::remove_file(t);
                });
                return Err(e);
            }
        }
    }
    // The main file is renamed last: it is what refers to the others.
    let mut order: Vec<usize> = (1..files.len()).collect();
    order.push(0);
    let journal: String = order
        .iter()
        .map(|&i| format!("{}\t{}\n", temps[i].display(), files[i].0.display()))
        .collect();
    if let Err(e) = write_atomic(&commit_path(main), journal.as_bytes()) {
        temps.iter().for_each(|t| {
            let _ = std::fs::remove_file(t);
        });
        return Err(e);
    }
    roll_forward(main).map(|_| ())
}
