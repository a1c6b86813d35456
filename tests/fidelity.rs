//! Fidelity: each reference experiment, replayed, against the captured trace
//! from the write-up (tests/reference/vN.tsv), on (direction, flags, seq, ack, len).

use std::path::Path;

use tcpsim::trace::fidelity::{compare, parse_reference};

fn matched(version: u32) -> tcpsim::trace::fidelity::Comparison {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = tcpsim::scenario::load(&root.join(format!("sim-scenarios/v{version}.toml")))
        .expect("scenario loads");
    let reference = std::fs::read_to_string(root.join(format!("tests/reference/v{version}.tsv")))
        .expect("reference table");
    let reference = parse_reference(&reference).expect("reference parses");
    let trace = tcpsim::run(scenario);
    compare(&reference, &trace)
}

#[test]
fn v0_matches_row_for_row() {
    let c = matched(0);
    assert!(c.exact(), "{c}");
}

#[test]
fn v1_matches_row_for_row() {
    let c = matched(1);
    assert!(c.exact(), "{c}");
}

#[test]
fn v2_matches_row_for_row() {
    let c = matched(2);
    assert!(c.exact(), "{c}");
}

#[test]
fn v3_matches_row_for_row() {
    let c = matched(3);
    assert!(c.exact(), "{c}");
}

#[test]
fn v4_matches_row_for_row() {
    let c = matched(4);
    assert!(c.exact(), "{c}");
}

/// Frame lengths too: Ethernet 14 + IPv4 20 + TCP header with the same options
/// as Linux (40 in SYNs, 32 with timestamps, 20 in a bare RST).
#[test]
fn frame_lengths_match_the_reference() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for version in 0..=4 {
        let scenario =
            tcpsim::scenario::load(&root.join(format!("sim-scenarios/v{version}.toml"))).unwrap();
        let reference =
            std::fs::read_to_string(root.join(format!("tests/reference/v{version}.tsv"))).unwrap();
        let reference = parse_reference(&reference).unwrap();
        let trace = tcpsim::run(scenario);
        let ours: Vec<u32> = trace.records.iter().map(|r| r.frame_len).collect();
        let theirs: Vec<u32> = reference.iter().map(|r| r.frame_len).collect();
        assert_eq!(ours, theirs, "V{version} frame lengths");
    }
}
