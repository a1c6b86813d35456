//! An output file that appears whole or not at all, whether written at once
//! ([`write_atomically`]) or while a run goes (a streamed capture): it is
//! written under a temporary name in
//! the same directory and renamed over the real name once complete (a rename
//! within one file system replaces the name in one step, POSIX `rename(2)`),
//! and the temporary file is removed if anything stops it first: an error, or
//! a panic unwinding through.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `bytes` as the file at `path`, all or nothing: a reader never sees
/// half a file, and a failed write leaves an old file as it was.
pub fn write_atomically(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), String> {
    let (pending, mut file) = AtomicFile::create(path)?;
    file.write_all(bytes.as_ref())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    drop(file);
    pending.commit()
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
    /// handle to write it through.
    pub fn create(path: &Path) -> Result<(AtomicFile, File), String> {
        let fail = |why: &dyn std::fmt::Display| format!("cannot write {}: {why}", path.display());
        if path.is_dir() {
            return Err(fail(&"is a directory"));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| fail(&"not a file name"))?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&tmp).map_err(|e| fail(&e))?;
        let pending = AtomicFile {
            tmp,
            path: path.to_path_buf(),
            committed: false,
        };
        Ok((pending, file))
    }

    /// Put the finished file in place. Close every handle to it first.
    pub fn commit(mut self) -> Result<(), String> {
        std::fs::rename(&self.tmp, &self.path)
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the error being reported is the one that matters.
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
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
        assert_eq!(e, format!("cannot write {}: is a directory", dir.display()));
        assert!(names(&dir).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
