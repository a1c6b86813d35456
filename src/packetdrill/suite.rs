//! Many scripts: the `.pkt` files of the paths given (a folder means every
//! `.pkt` under it, in name order), each parsed and run.

use std::path::{Path, PathBuf};

use crate::packetdrill::outcome::Outcome;
use crate::packetdrill::script::{ParseError, parse};

/// Every `.pkt` file under `paths`, in order: each path as given, a folder
/// replaced by the `.pkt` files under it (recursively) sorted by name.
pub fn collect(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "pkt") {
            out.push(path);
        }
    }
    Ok(())
}

/// One script's result: it did not parse, or it ran.
#[derive(Debug)]
pub enum ScriptResult {
    /// The parse error (file:line:col and the token).
    Unparsed(ParseError),
    /// The run.
    Ran(Box<Outcome>),
}

/// Parse and run the script at `path` (its text `text`).
pub fn run_text(path: &str, text: &str, tolerance_usecs: Option<i64>) -> ScriptResult {
    match parse(path, text) {
        Err(e) => ScriptResult::Unparsed(e),
        Ok(script) => {
            let name = Path::new(path)
                .file_stem()
                .map_or_else(|| path.to_string(), |s| s.to_string_lossy().to_string());
            ScriptResult::Ran(Box::new(crate::packetdrill::run_with(
                &script,
                &name,
                tolerance_usecs,
            )))
        }
    }
}
