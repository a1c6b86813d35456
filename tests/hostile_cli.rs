//! The hostile-input corpus (`tests/hostile/cases.txt`): command lines and
//! files a hostile or careless user might give, each with the exit code and
//! the first line of standard error it must give. Every case must also end
//! without a panic, leave no temporary file, and leave the symbolic link and
//! the device node it may have been given untouched.

use std::io::Write;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Case {
    line: usize,
    exit: i32,
    stdout: Option<&'static str>,
    args: Vec<String>,
    stderr: String,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `{rep:C:N}`: C written N times.
fn expand_repeats(word: &str) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(at) = rest.find("{rep:") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 5..];
        let end = tail.find('}').expect("a closed {rep:}");
        let (c, n) = tail[..end].rsplit_once(':').expect("{rep:C:N}");
        out.push_str(&c.repeat(n.parse().expect("a count")));
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

fn cases(dir: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(root().join("tests/hostile/cases.txt")).unwrap();
    let files = "tests/hostile/files";
    let fill = |s: &str| {
        s.replace("{dir}", &dir.display().to_string())
            .replace("{files}", files)
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, '|').map(str::trim);
        let exit = parts.next().unwrap().trim().parse().expect("an exit code");
        let mut words: Vec<&str> = parts.next().unwrap().split_whitespace().collect();
        let stdout = match words.first() {
            Some(&">full") => Some("full"),
            Some(&">closed") => Some("closed"),
            _ => None,
        };
        if stdout.is_some() {
            words.remove(0);
        }
        let stderr = parts.next().unwrap_or("");
        out.push(Case {
            line: i + 1,
            exit,
            stdout,
            args: words.iter().map(|w| expand_repeats(&fill(w))).collect(),
            stderr: fill(stderr),
        });
    }
    out
}

/// The scratch directory every case may be pointed at.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tcpsim-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("adir")).unwrap();
    std::fs::write(dir.join("target.txt"), b"keep").unwrap();
    std::os::unix::fs::symlink(dir.join("target.txt"), dir.join("link.svg")).unwrap();
    let made = Command::new("mkfifo").arg(dir.join("fifo")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let mut key = std::fs::File::create(dir.join("bigkey.toml")).unwrap();
    key.write_all(b"[client]\n").unwrap();
    key.write_all(&vec![b'x'; 10_000_000]).unwrap();
    key.write_all(b" = 1\n").unwrap();
    dir
}

fn run(case: &Case) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tcpsim"));
    cmd.args(&case.args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    match case.stdout {
        Some("full") => {
            cmd.stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            );
        }
        Some(_) => {
            cmd.stdout(Stdio::piped());
        }
        None => {
            cmd.stdout(Stdio::null());
        }
    }
    let mut child = cmd.spawn().expect("tcpsim starts");
    // The only read end, closed before tcpsim writes: its first write fails.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_hostile_case_gives_its_exit_code_and_first_stderr_line() {
    let dir = scratch();
    let cases = cases(&dir);
    assert!(cases.len() >= 60, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let (code, stderr) = run(case);
        let first = stderr.lines().next().unwrap_or("");
        if code != Some(case.exit) || first != case.stderr {
            failures.push(format!(
                "line {}: {:?}\n  want {} {:?}\n  got  {code:?} {:?}",
                case.line,
                case.args
                    .iter()
                    .map(|a| a.chars().take(60).collect::<String>())
                    .collect::<Vec<_>>(),
                case.exit,
                case.stderr,
                first.chars().take(300).collect::<String>()
            ));
        }
        assert!(!stderr.contains("panicked"), "line {}: {stderr}", case.line);
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp-"))
            .collect();
        left.sort();
        assert!(left.is_empty(), "line {}: left {left:?}", case.line);
        let link = std::fs::symlink_metadata(dir.join("link.svg")).unwrap();
        assert!(link.file_type().is_symlink(), "line {}", case.line);
        assert_eq!(std::fs::read(dir.join("target.txt")).unwrap(), b"keep");
        let null = std::fs::metadata("/dev/null").unwrap();
        assert!(null.file_type().is_char_device(), "line {}", case.line);
        let _ = std::fs::remove_file(dir.join("out.pcapng"));
        let _ = std::fs::remove_file(dir.join("out.svg"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// As root (CI runs as root), a rename may replace anything: make a device
/// node of our own and check that every output flag leaves it, and a link
/// to a file, as they were. Without root it uses /dev/null, which is never
/// writable-by-rename to others anyway.
#[test]
fn a_device_node_and_a_symlink_given_as_outputs_survive() {
    use std::os::unix::fs::MetadataExt;
    let dir = std::env::temp_dir().join(format!("tcpsim-devnode-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let node = dir.join("null");
    // Character device 1:3 is /dev/null; mknod needs root.
    let made = Command::new("mknod")
        .args([node.to_str().unwrap(), "c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let node = if made {
        node
    } else {
        PathBuf::from("/dev/null")
    };
    let before = std::fs::metadata(&node).unwrap();
    std::fs::write(dir.join("target.txt"), b"keep").unwrap();
    let link = dir.join("link.out");
    std::os::unix::fs::symlink(dir.join("target.txt"), &link).unwrap();
    for path in [&node, &link] {
        let p = path.to_str().unwrap();
        for args in [
            vec!["run", "sim-scenarios/v2.toml", "--pcap", p],
            vec!["run", "sim-scenarios/v2.toml", "--svg", p],
            vec![
                "sweep",
                "sim-scenarios/v2.toml",
                "--seeds",
                "1..2",
                "--out",
                p,
            ],
            vec![
                "sweep",
                "sim-scenarios/v2.toml",
                "--seeds",
                "1..2",
                "--vary",
                "loss=0,0.1",
                "--plot",
                p,
            ],
        ] {
            let out = Command::new(env!("CARGO_BIN_EXE_tcpsim"))
                .args(&args)
                .current_dir(root())
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{args:?}");
        }
    }
    let after = std::fs::metadata(&node).unwrap();
    assert!(after.file_type().is_char_device());
    assert_eq!((after.rdev(), after.ino()), (before.rdev(), before.ino()));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(dir.join("target.txt")).unwrap(), b"keep");
    std::fs::remove_dir_all(&dir).unwrap();
}
