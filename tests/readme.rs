//! The README cannot go stale: every output excerpt in it, and every picture
//! it shows, is made again here from the command that made it, and must be
//! byte for byte what the README holds; every `tcpsim` command it shows must
//! use only flags its subcommand has.
//!
//! An excerpt is a fenced block right after one or more marker lines:
//!
//! ```text
//! <!-- readme: run sim-scenarios/v2.toml | head 15 | from "scenario v2" 1 -->
//! <!-- readme: $ run sim-scenarios/v3.toml --loss 1.5 -->
//! ```
//!
//! Each marker runs `tcpsim ARGS` (in the repository's root, standard output
//! then standard error) and keeps the lines its selectors name: `head N`,
//! `tail N`, `from "TEXT" N` (N lines from the first that starts with TEXT);
//! `...` stands for the lines left out. `$ ` first prints the command line
//! as a transcript does. A picture is `<!-- readme-svg: FILE = ARGS -->`,
//! with `@OUT` in ARGS where the file goes.
//!
//! When behaviour changes, `TCPSIM_BLESS=1 cargo test --test readme` rewrites
//! every block and picture from fresh runs (read the diff before committing).

use std::path::{Path, PathBuf};
use std::process::Command;

const BLESS: &str = "TCPSIM_BLESS=1 cargo test --test readme";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `a 'b c' d` → `[a, b c, d]`: words, single or double quotes grouping.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (None, c) => {
                word.push(c);
                any = true;
            }
        }
    }
    if any || !word.is_empty() {
        out.push(word);
    }
    out
}

/// One marker: the command, whether it is echoed, its selectors.
#[derive(Debug, Clone)]
struct Marker {
    text: String,
    echo: bool,
    args: String,
    selectors: Vec<String>,
}

fn parse_marker(body: &str) -> Marker {
    let mut parts = body.split(" | ");
    let command = parts.next().unwrap_or("").trim();
    let (echo, args) = match command.strip_prefix("$ ") {
        Some(rest) => (true, rest.trim()),
        None => (false, command),
    };
    Marker {
        text: body.to_string(),
        echo,
        args: args.to_string(),
        selectors: parts.map(|s| s.trim().to_string()).collect(),
    }
}

/// What `tcpsim ARGS` prints: standard output, then standard error.
fn run(args: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tcpsim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("tcpsim runs");
    let mut text = String::from_utf8(out.stdout).expect("UTF-8");
    text.push_str(&String::from_utf8(out.stderr).expect("UTF-8"));
    text
}

/// The lines a marker's selectors keep, with `...` for each gap.
fn select(output: &str, selectors: &[String]) -> Result<Vec<String>, String> {
    let lines: Vec<&str> = output.lines().collect();
    let mut ranges = Vec::new();
    for sel in selectors {
        let w = words(sel);
        let count = |i: usize| -> Result<usize, String> {
            w.get(i)
                .and_then(|n| n.parse().ok())
                .ok_or(format!("selector `{sel}`: expected a line count"))
        };
        let range = match w.first().map(String::as_str) {
            Some("head") => 0..count(1)?.min(lines.len()),
            Some("tail") => lines.len().saturating_sub(count(1)?)..lines.len(),
            Some("from") => {
                let text = w.get(1).ok_or(format!("selector `{sel}`: no text"))?;
                let start = lines
                    .iter()
                    .position(|l| l.starts_with(text.as_str()))
                    .ok_or(format!(
                        "selector `{sel}`: no output line starts with {text:?}"
                    ))?;
                start..(start + count(2)?).min(lines.len())
            }
            _ => return Err(format!("unknown selector `{sel}`")),
        };
        ranges.push(range);
    }
    if ranges.is_empty() {
        ranges.push(0..lines.len());
    }
    let mut out = Vec::new();
    let mut at = 0;
    for r in ranges {
        if r.start != at {
            out.push("...".to_string());
        }
        out.extend(lines[r.clone()].iter().map(|l| l.to_string()));
        at = r.end;
    }
    if at != lines.len() {
        out.push("...".to_string());
    }
    Ok(out)
}

/// What the block under these markers must hold now.
fn expected(markers: &[Marker]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for m in markers {
        if m.echo {
            out.push(format!("$ tcpsim {}", m.args));
        }
        out.extend(select(&run(&words(&m.args)), &m.selectors)?);
    }
    Ok(out)
}

/// An excerpt: its markers and where its content lies (0-based line
/// indices, the fences excluded).
struct Excerpt {
    markers: Vec<Marker>,
    first_marker: usize,
    content: std::ops::Range<usize>,
}

/// Every excerpt and picture marker in the README's lines.
fn excerpts(lines: &[&str]) -> (Vec<Excerpt>, Vec<(usize, String)>) {
    let mut found = Vec::new();
    let mut pictures = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if let Some(body) = line
            .strip_prefix("<!-- readme-svg: ")
            .and_then(|b| b.strip_suffix(" -->"))
        {
            pictures.push((i, body.to_string()));
            i += 1;
            continue;
        }
        let mut markers = Vec::new();
        let first_marker = i;
        while let Some(body) = lines
            .get(i)
            .and_then(|l| l.trim().strip_prefix("<!-- readme: "))
            .and_then(|b| b.strip_suffix(" -->"))
        {
            markers.push(parse_marker(body));
            i += 1;
        }
        if markers.is_empty() {
            i += 1;
            continue;
        }
        assert!(
            lines.get(i).is_some_and(|l| l.starts_with("```")),
            "README.md:{}: a readme marker must be followed by a fenced block",
            i + 1
        );
        let start = i + 1;
        let end = start
            + lines[start..]
                .iter()
                .position(|l| l.starts_with("```"))
                .expect("the block is closed");
        found.push(Excerpt {
            markers,
            first_marker,
            content: start..end,
        });
        i = end + 1;
    }
    (found, pictures)
}

/// The first difference between a block and what it should hold, said so
/// that the reader knows which block, which line, and how to fix it.
fn difference(ex: &Excerpt, have: &[&str], want: &[String]) -> Option<String> {
    if have.len() == want.len() && have.iter().zip(want).all(|(a, b)| a == b) {
        return None;
    }
    let k = have
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(have.len().min(want.len()));
    let commands: Vec<String> = ex.markers.iter().map(|m| m.text.clone()).collect();
    Some(format!(
        "README.md:{}: the block under `{}` is not what the command prints now.\n  first difference at README.md:{}\n  README: {:?}\n  now:    {:?}\n  ({} lines in the README, {} now)\nIf the new output is right, rewrite every README block and picture with:\n  {BLESS}",
        ex.first_marker + 1,
        commands.join("`, `"),
        ex.content.start + k + 1,
        have.get(k).copied().unwrap_or("(nothing)"),
        want.get(k).map(String::as_str).unwrap_or("(nothing)"),
        have.len(),
        want.len()
    ))
}

fn blessing() -> bool {
    std::env::var("TCPSIM_BLESS").as_deref() == Ok("1")
}

#[test]
fn every_readme_excerpt_is_what_its_command_prints() {
    let path = root().join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (found, _) = excerpts(&lines);
    assert!(found.len() >= 6, "only {} checked excerpts", found.len());
    let mut failures = Vec::new();
    let mut blessed: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    // Back to front, so that replacing a block keeps the others' positions.
    for ex in found.iter().rev() {
        let want = expected(&ex.markers).unwrap_or_else(|e| {
            panic!("README.md:{}: {e}", ex.first_marker + 1);
        });
        if let Some(why) = difference(ex, &lines[ex.content.clone()], &want) {
            failures.push(why);
            blessed.splice(ex.content.clone(), want);
        }
    }
    if blessing() && !failures.is_empty() {
        std::fs::write(&path, blessed.join("\n") + "\n").unwrap();
        eprintln!("rewrote {} README block(s)", failures.len());
        return;
    }
    failures.reverse();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_readme_picture_is_what_its_command_draws() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (_, pictures) = excerpts(&lines);
    assert!(
        pictures.len() >= 3,
        "only {} checked pictures",
        pictures.len()
    );
    let dir = std::env::temp_dir().join(format!("tcpsim-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for (i, body) in pictures {
        let (file, args) = body.split_once(" = ").expect("FILE = ARGS");
        let out: PathBuf = dir.join(Path::new(file).file_name().unwrap());
        let args: Vec<String> = words(args)
            .into_iter()
            .map(|w| w.replace("@OUT", out.to_str().unwrap()))
            .collect();
        let printed = run(&args);
        let fresh = std::fs::read(&out).unwrap_or_else(|_| {
            panic!(
                "README.md:{}: `tcpsim {}` wrote no file:\n{printed}",
                i + 1,
                args.join(" ")
            )
        });
        let committed = std::fs::read(root().join(file)).unwrap_or_default();
        if fresh != committed {
            if blessing() {
                std::fs::write(root().join(file), &fresh).unwrap();
            }
            failures.push(format!(
                "README.md:{}: {file} differs from what `{body}` draws now ({} bytes committed, {} now); look at the new picture, then rewrite it with:\n  {BLESS}",
                i + 1,
                committed.len(),
                fresh.len()
            ));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    if !blessing() {
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

/// The subcommand and `--flags` of a command line the README shows, if it
/// runs tcpsim (`tcpsim SUB ...`, `cargo run --release -- SUB ...`,
/// `target/release/tcpsim SUB ...`).
fn shown_command(line: &str) -> Option<(String, Vec<String>)> {
    let w = words(line.trim_start_matches("$ ").trim_start_matches("- run: "));
    let at = w
        .iter()
        .position(|x| x == "tcpsim" || x.ends_with("/tcpsim") || x == "--")?;
    let sub = w.get(at + 1)?.clone();
    if !["run", "sweep", "merge", "check"].contains(&sub.as_str()) {
        return None;
    }
    let flags = w[at + 2..]
        .iter()
        .filter(|x| x.starts_with("--"))
        .map(|x| x.split('=').next().unwrap().to_string())
        .collect();
    Some((sub, flags))
}

#[test]
fn every_command_the_readme_shows_uses_flags_tcpsim_has() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut in_block = false;
    let mut checked = 0;
    let mut unknown = Vec::new();
    let mut help = std::collections::BTreeMap::new();
    // Continuation lines (`\` at the end) belong to the command above.
    let mut command = String::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        command.push_str(line.trim_end_matches('\\'));
        command.push(' ');
        if line.ends_with('\\') {
            continue;
        }
        if let Some((sub, flags)) = shown_command(&std::mem::take(&mut command)) {
            let usage = help
                .entry(sub.clone())
                .or_insert_with(|| run(&[sub.clone(), "--help".to_string()]));
            for flag in flags {
                if !usage.contains(&format!("{flag} ")) && !usage.contains(&format!("{flag}\n")) {
                    unknown.push(format!("README.md:{}: tcpsim {sub} has no {flag}", i + 1));
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} commands found");
    assert!(unknown.is_empty(), "{}", unknown.join("\n"));
}

#[test]
fn an_edited_excerpt_fails_and_says_where_and_how_to_regenerate() {
    let readme = "intro\n<!-- readme: run sim-scenarios/v2.toml | head 2 -->\n```text\nNo.      Time  Source\n  1  9.999999  wrong\n...\n```\n";
    let lines: Vec<&str> = readme.lines().collect();
    let (found, _) = excerpts(&lines);
    assert_eq!(found.len(), 1);
    let want = expected(&found[0].markers).unwrap();
    assert_eq!(want.len(), 3, "two lines and the elision: {want:?}");
    let why = difference(&found[0], &lines[found[0].content.clone()], &want).unwrap();
    assert!(
        why.starts_with("README.md:2: the block under `run sim-scenarios/v2.toml | head 2`"),
        "{why}"
    );
    assert!(why.contains("first difference at README.md:4"), "{why}");
    assert!(why.contains(BLESS), "{why}");
    // The same block with the real output passes.
    let right: Vec<&str> = want.iter().map(String::as_str).collect();
    assert!(difference(&found[0], &right, &want).is_none());
}

#[test]
fn selectors_keep_lines_and_mark_gaps() {
    let out = "a\nb\nc\nd\ne\n";
    let sel =
        |s: &[&str]| select(out, &s.iter().map(|x| x.to_string()).collect::<Vec<_>>()).unwrap();
    assert_eq!(sel(&[]), ["a", "b", "c", "d", "e"]);
    assert_eq!(sel(&["head 2"]), ["a", "b", "..."]);
    assert_eq!(sel(&["head 1", "from \"d\" 1"]), ["a", "...", "d", "..."]);
    assert_eq!(sel(&["tail 2"]), ["...", "d", "e"]);
    assert_eq!(words("--find 'a > 1' x"), ["--find", "a > 1", "x"]);
}
