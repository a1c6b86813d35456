//! Variations of the course programs, recorded on Linux and replayed here.
//!
//! Each `tests/variations/NAME.toml` was run 13 times on a real kernel by
//! `linux-harness/record.py` (a private namespace, its loopback delayed 1 ms
//! each way, captured on lo); every distinct sequence of segments the kernel
//! produced is kept as `tests/variations/NAME/linux-K.tsv`. tcpsim, with its
//! default timing (the scenario sets only the link and the programs), must
//! give one of them row for row: direction, flags, relative seq and ack,
//! payload length and frame length.

use std::path::{Path, PathBuf};

use tcpsim::scenario::model::Scenario;
use tcpsim::trace::fidelity::{Comparison, RefRow, compare, parse_reference};

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/variations");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/variations is readable")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    cases
}

/// Every sequence Linux produced for `case`, with its file name.
fn linux_sequences(case: &Path) -> Vec<(String, Vec<RefRow>)> {
    let dir = case.with_extension("");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("linux-") && n.ends_with(".tsv"))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a Linux sequence");
            let rows = parse_reference(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, rows)
        })
        .collect()
}

/// The Linux sequence tcpsim's run matches (name), or the closest one and
/// how it differs.
fn replay(case: &Path) -> Result<String, (String, Comparison)> {
    let scenario = tcpsim::scenario::load(case).expect("the scenario loads");
    replay_scenario(case, scenario)
}

fn replay_scenario(case: &Path, scenario: Scenario) -> Result<String, (String, Comparison)> {
    let trace = tcpsim::run(scenario);
    let lengths: Vec<u32> = trace.records.iter().map(|r| r.frame_len).collect();
    let mut closest: Option<(String, Comparison)> = None;
    for (name, rows) in linux_sequences(case) {
        let c = compare(&rows, &trace);
        let same_lengths = rows.iter().map(|r| r.frame_len).eq(lengths.iter().copied());
        if c.exact() && same_lengths {
            return Ok(name);
        }
        if closest.as_ref().is_none_or(|(_, b)| c.matched > b.matched) {
            closest = Some((name, c));
        }
    }
    Err(closest.expect("at least one Linux sequence"))
}

#[test]
fn there_are_at_least_eight_variations_each_with_linux_sequences() {
    let cases = cases();
    assert!(cases.len() >= 8, "{} variations", cases.len());
    for case in &cases {
        let sequences = linux_sequences(case);
        assert!(!sequences.is_empty(), "{}", case.display());
        // Every sequence starts with the handshake, as a capture on lo does.
        for (name, rows) in &sequences {
            assert!(rows.len() >= 3, "{}/{name}", case.display());
        }
    }
}

#[test]
fn every_variation_replays_as_one_of_the_sequences_linux_produced() {
    let mut failures = Vec::new();
    for case in cases() {
        match replay(&case) {
            Ok(_) => {}
            Err((name, c)) => failures.push(format!(
                "{}: no Linux sequence matched; closest is {name}:\n{c}",
                case.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The wake-up model is what makes these match: with programs that run the
/// instant a segment arrives (`wakeup` and `call_cost` 0, tcpsim before
/// issue 21), a server woken by the first segment of a request reads only
/// part of it and answers early, and a client reads a reply before all of it
/// is there; no sequence Linux produced looks like that.
#[test]
fn with_instant_wake_ups_the_bigger_messages_stop_matching_linux() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/variations");
    for name in ["big-reads", "big-request", "long-reply", "read-to-end"] {
        let case = dir.join(format!("{name}.toml"));
        let mut scenario = tcpsim::scenario::load(&case).expect("the scenario loads");
        for host in &mut scenario.hosts {
            host.wakeup = 0;
            host.call_cost = 0;
        }
        if let Ok(sequence) = replay_scenario(&case, scenario) {
            panic!("{name}: matched {sequence} with instant wake-ups");
        }
        assert!(replay(&case).is_ok(), "{name} matches with the defaults");
    }
}
