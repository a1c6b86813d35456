//! An output file that appears whole or not at all, whether written at once
//! ([`write_atomically`]) or while a run goes (a streamed capture): it is
//! written under a temporary name in the same directory and renamed over the
//! real name once complete (a rename within one file system replaces the name
//! in one step, POSIX `rename(2)`), and the temporary file is removed if
//! anything stops it first: an error, a panic unwinding through, or SIGINT or
//! SIGTERM ([`remove_pending_on_signals`]).
//!
//! Only a regular file (or a path that does not exist yet) is ever replaced.
//! A rename would turn a device node (`/dev/full`), a FIFO or a socket into a
//! regular file, and replace a symbolic link rather than write where it points;
//! a tool run as root in CI must never destroy what a path points at, so those
//! are refused, with the reason, before anything runs.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files not yet renamed into place, for the signal handler to remove.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Write `bytes` as the file at `path`, all or nothing: a reader never sees
/// half a file, and a failed write leaves an old file as it was.
pub fn write_atomically(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), String> {
    let (pending, mut file) = AtomicFile::create(path)?;
    file.write_all(bytes.as_ref())
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    drop(file);
    pending.commit()
}

/// Why `path` cannot be replaced by a new regular file, if it cannot: it is a
/// directory, a symbolic link (never followed: say which file to write), or
/// anything else that is not a regular file. A path that does not exist is fine.
pub fn refuse_unless_regular(path: &Path) -> Result<(), String> {
    let fail = |why: String| format!("cannot write {}: {why}", path.display());
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(fail(e.to_string())),
    };
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    if kind.is_symlink() {
        let target = std::fs::read_link(path)
            .map(|t| format!(" (to {})", t.display()))
            .unwrap_or_default();
        return Err(fail(format!(
            "it is a symbolic link{target}; tcpsim does not follow links it would replace: name the file itself"
        )));
    }
    if kind.is_dir() {
        return Err(fail("it is a directory".to_string()));
    }
    Err(fail(format!(
        "it is {}, not a regular file; tcpsim writes only regular files",
        special_kind(&kind)
    )))
}

/// "a character device", "a FIFO", ... for an error message.
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

/// The temporary file of an output not yet complete; dropping it without
/// [`AtomicFile::commit`] removes it.
pub struct AtomicFile {
    tmp: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl AtomicFile {
    /// Create the temporary file beside `path` (`.NAME.tmp-PID`), and the file
    /// handle to write it through. Refuses a `path` that is not a regular file
    /// ([`refuse_unless_regular`]). The temporary file is made with
    /// `create_new` (`O_EXCL`), so a file or link already at its name is never
    /// opened: another name is tried.
    pub fn create(path: &Path) -> Result<(AtomicFile, File), String> {
        let fail = |why: &dyn std::fmt::Display| format!("cannot write {}: {why}", path.display());
        refuse_unless_regular(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| fail(&"not a file name"))?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let pid = std::process::id();
        let mut attempt = 0u32;
        let mut pending = lock_pending();
        let (tmp, file) = loop {
            let suffix = if attempt == 0 {
                String::new()
            } else {
                format!("-{attempt}")
            };
            let tmp = dir.join(format!(".{name}.tmp-{pid}{suffix}"));
            match OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(file) => break (tmp, file),
                Err(e) if e.kind() == ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
                Err(e) => return Err(fail(&e)),
            }
        };
        pending.push(tmp.clone());
        drop(pending);
        let out = AtomicFile {
            tmp,
            path: path.to_path_buf(),
            committed: false,
        };
        Ok((out, file))
    }

    /// Put the finished file in place. Close every handle to it first. The
    /// path is checked again: if something else appeared there meanwhile (a
    /// link, a device), it is left alone and the output is dropped.
    pub fn commit(mut self) -> Result<(), String> {
        refuse_unless_regular(&self.path)?;
        // Under the lock, so that a signal handler removing pending files
        // sees the file either before the rename or not at all.
        let mut pending = lock_pending();
        std::fs::rename(&self.tmp, &self.path)
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        pending.retain(|p| p != &self.tmp);
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let mut pending = lock_pending();
            // Best effort: the error being reported is the one that matters.
            let _ = std::fs::remove_file(&self.tmp);
            pending.retain(|p| p != &self.tmp);
        }
    }
}

/// The pending list, even after a panic while it was held (it is only a list
/// of names).
fn lock_pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// On SIGINT or SIGTERM, remove every temporary file not yet in place and
/// exit with 128 + the signal's number (130, 143), as a shell reports a
/// process the signal killed. Without this the default action would kill the
/// process and leave `.NAME.tmp-PID` behind. Call once, at start.
pub fn remove_pending_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;
    let Ok(mut signals) = Signals::new([SIGINT, SIGTERM]) else {
        // No handler: the default action still stops the process.
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("signals".to_string())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let pending = lock_pending();
                for tmp in pending.iter() {
                    let _ = std::fs::remove_file(tmp);
                }
                // Exit holding the lock: no rename can start after the removal.
                std::process::exit(128 + signal);
            }
        });
    drop(spawned);
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tcpsim-atomic-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn appears_only_when_committed() {
        let dir = scratch("commit");
        let path = dir.join("out.pcapng");
        let (pending, mut file) = AtomicFile::create(&path).unwrap();
        file.write_all(b"whole").unwrap();
        drop(file);
        assert_eq!(
            names(&dir),
            vec![format!(".out.pcapng.tmp-{}", std::process::id())]
        );
        pending.commit().unwrap();
        assert_eq!(names(&dir), vec!["out.pcapng"]);
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dropped_uncommitted_leaves_nothing_and_keeps_the_old_file() {
        let dir = scratch("drop");
        let path = dir.join("out.pcapng");
        std::fs::write(&path, b"old").unwrap();
        let (pending, mut file) = AtomicFile::create(&path).unwrap();
        file.write_all(b"half").unwrap();
        drop(pending);
        assert_eq!(names(&dir), vec!["out.pcapng"]);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_paths_are_named_in_the_error() {
        let dir = scratch("bad");
        let missing = dir.join("no-such-dir").join("out.pcapng");
        let e = AtomicFile::create(&missing).err().unwrap();
        assert!(
            e.starts_with(&format!("cannot write {}: ", missing.display())),
            "{e}"
        );
        let e = AtomicFile::create(&dir).err().unwrap();
        assert_eq!(
            e,
            format!("cannot write {}: it is a directory", dir.display())
        );
        assert!(names(&dir).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn links_and_device_nodes_are_refused_and_left_alone() {
        let dir = scratch("special");
        let target = dir.join("target.txt");
        std::fs::write(&target, b"keep").unwrap();
        let link = dir.join("link.svg");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = write_atomically(&link, b"new").err().unwrap();
        assert_eq!(
            e,
            format!(
                "cannot write {}: it is a symbolic link (to {}); tcpsim does not follow links it would replace: name the file itself",
                link.display(),
                target.display()
            )
        );
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        let e = write_atomically(Path::new("/dev/null"), b"new")
            .err()
            .unwrap();
        assert_eq!(
            e,
            "cannot write /dev/null: it is a character device, not a regular file; tcpsim writes only regular files"
        );
        assert_eq!(names(&dir), vec!["link.svg", "target.txt"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_name_taken_by_a_stale_temporary_file_is_not_opened() {
        let dir = scratch("stale");
        let path = dir.join("out.svg");
        let stale = dir.join(format!(".out.svg.tmp-{}", std::process::id()));
        std::os::unix::fs::symlink("/dev/null", &stale).unwrap();
        write_atomically(&path, b"whole").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
        assert!(
            std::fs::symlink_metadata(&stale)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
