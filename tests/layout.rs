//! The source tree keeps the shape the README promises: `ls src` is the
//! pipeline, a stage imports only the stages below it, no two files import
//! each other (directly or round a circle), and no file or `impl` block grows
//! past what a newcomer can read in one sitting.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The stages, lowest first: a file may import its own folder and the folders
/// before its own.
const STAGES: &[&str] = &[
    "wire",
    "scenario",
    "trace",
    "linux",
    "program",
    "net",
    "engine",
    "render",
    "sweep",
    "packetdrill",
];
const MAX_FILE_LINES: usize = 600;
const MAX_IMPL_LINES: usize = 400;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("src is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/linux/conn.rs` -> ["linux", "conn"]; `src/linux/mod.rs` -> ["linux"].
fn module_of(path: &Path) -> Vec<String> {
    let rel = path.strip_prefix(src()).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs").to_string();
    if stem != "mod" {
        parts.push(stem);
    }
    parts
}

/// The code of a file without comments (doc links are not imports).
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::a::b::c` path a file names, as segments.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let path: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == ':')
            .collect();
        out.push(
            path.split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        );
    }
    out
}

struct Tree {
    modules: BTreeSet<Vec<String>>,
    files: Vec<(PathBuf, Vec<String>, String)>,
}

fn tree() -> Tree {
    let mut paths = Vec::new();
    rust_files(&src(), &mut paths);
    let mut files = Vec::new();
    let mut modules = BTreeSet::new();
    for path in paths {
        let module = module_of(&path);
        let text = fs::read_to_string(&path).expect("a readable source file");
        modules.insert(module.clone());
        files.push((path, module, text));
    }
    Tree { modules, files }
}

/// The longest known module a path starts with.
fn resolve(modules: &BTreeSet<Vec<String>>, path: &[String]) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
}

#[test]
fn src_lists_the_stages_and_nothing_else() {
    let mut entries: Vec<String> = fs::read_dir(src())
        .expect("src is readable")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    entries.sort();
    assert!(
        entries.len() <= STAGES.len() + 3,
        "src/ has {} entries: {entries:?}",
        entries.len()
    );
    for entry in &entries {
        let known = STAGES.contains(&entry.as_str())
            || ["cli", "lib.rs", "main.rs"].contains(&entry.as_str());
        assert!(known, "src/{entry} is not a stage of the pipeline");
    }
}

#[test]
fn a_stage_imports_only_the_stages_below_it() {
    let tree = tree();
    let mut upward = Vec::new();
    for (path, module, text) in &tree.files {
        let Some(own) = module
            .first()
            .and_then(|m| STAGES.iter().position(|s| s == m))
        else {
            continue;
        };
        for used in crate_paths(&code(text)) {
            let Some(stage) = used
                .first()
                .and_then(|m| STAGES.iter().position(|s| s == m))
            else {
                continue;
            };
            if stage > own {
                upward.push(format!(
                    "{} uses crate::{}",
                    path.display(),
                    used.join("::")
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports from a later stage:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_two_files_import_each_other_even_round_a_circle() {
    let tree = tree();
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (_, module, text) in &tree.files {
        let edges = graph.entry(module.clone()).or_default();
        for used in crate_paths(&code(text)) {
            if let Some(target) = resolve(&tree.modules, &used)
                && &target != module
                && !module.starts_with(&target)
            {
                edges.insert(target);
            }
        }
    }
    // Depth-first search for a back edge; report the circle it closes.
    let mut state: BTreeMap<Vec<String>, u8> = BTreeMap::new();
    let mut stack: Vec<Vec<String>> = Vec::new();
    fn visit(
        node: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        state.insert(node.clone(), 1);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|n| n == next).expect("on the stack");
                    return Some(stack[from..].to_vec());
                }
                0 => {
                    if let Some(circle) = visit(next, graph, state, stack) {
                        return Some(circle);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.clone(), 2);
        None
    }
    for node in graph.keys() {
        if state.get(node).copied().unwrap_or(0) == 0
            && let Some(circle) = visit(node, &graph, &mut state, &mut stack)
        {
            let names: Vec<String> = circle.iter().map(|m| m.join("::")).collect();
            panic!(
                "import circle: {} -> (back to the first)",
                names.join(" -> ")
            );
        }
    }
}

#[test]
fn files_and_impl_blocks_stay_short() {
    let tree = tree();
    let mut long = Vec::new();
    for (path, _, text) in &tree.files {
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > MAX_FILE_LINES {
            long.push(format!("{}: {} lines", path.display(), lines.len()));
        }
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with("impl") {
                let end = lines[i..].iter().position(|l| *l == "}").unwrap_or(0);
                if end > MAX_IMPL_LINES {
                    long.push(format!(
                        "{}:{}: an impl block of {end} lines",
                        path.display(),
                        i + 1
                    ));
                }
            }
        }
    }
    assert!(
        long.is_empty(),
        "too long to read whole:\n{}",
        long.join("\n")
    );
}
