//! tcpsim's own packetdrill scripts (tests/packetdrill/*.pkt), each of which
//! passes on the reference Linux kernel (tests/packetdrill/README.md), run
//! against tcpsim's Linux-profile host: every one must pass here too.

use std::path::PathBuf;

use tcpsim::packetdrill::Verdict;
use tcpsim::packetdrill::suite::{ScriptResult, collect, run_text};

fn scripts() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/packetdrill");
    collect(&[dir]).expect("tests/packetdrill is readable")
}

fn verdict(path: &str, text: &str) -> String {
    match run_text(path, text, None) {
        ScriptResult::Unparsed(e) => format!("UNPARSED {e}"),
        ScriptResult::Ran(outcome) => outcome.line(path),
    }
}

#[test]
fn every_script_that_passes_on_linux_passes_on_tcpsim() {
    let scripts = scripts();
    assert!(scripts.len() >= 40, "only {} scripts found", scripts.len());
    let mut failed = Vec::new();
    for path in &scripts {
        let text = std::fs::read_to_string(path).expect("readable script");
        let shown = path.display().to_string();
        let line = verdict(&shown, &text);
        if !line.starts_with("PASS ") {
            failed.push(line);
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} scripts did not pass:\n{}",
        failed.len(),
        scripts.len(),
        failed.join("\n")
    );
}

/// The suite can fail: the same script with one expected ACK number moved
/// on fails at that line, in packetdrill's words.
#[test]
fn a_script_expecting_another_segment_fails_at_its_line() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/packetdrill/listen-backlog-zero-reset-in-queue.pkt");
    let text = std::fs::read_to_string(&path).expect("readable script");
    let (line, _) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("> . 1:1(0) ack 51"))
        .expect("the script ACKs the 50 bytes");
    let edited = text.replace("> . 1:1(0) ack 51", "> . 1:1(0) ack 52");
    let ScriptResult::Ran(outcome) = run_text("edited.pkt", &edited, None) else {
        panic!("the edited script parses");
    };
    match outcome.verdict {
        Verdict::Fail { line: at, message } => {
            assert_eq!(at, line + 1);
            assert_eq!(
                message,
                "live packet field tcp_ack_seq: expected: 52 vs actual: 51"
            );
        }
        other => panic!("expected a failure, got {other}"),
    }
}
