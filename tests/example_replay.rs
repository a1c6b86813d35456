//! Example: replay a scenario file from Rust, change it, and snapshot the result.
//!
//! Scenario files serve the command line; the same files load into the
//! builder, where a test can adjust them (here: capture at the client and a
//! different seed) and pin the outcome with an insta snapshot. A change in
//! tcpsim's behaviour then shows up as a reviewable diff of the trace.

use std::path::Path;

use tcpsim::SimBuilder;
use tcpsim::scenario::model::Role;

#[test]
fn v4_seen_from_the_client() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios/v4.toml");
    let scenario = tcpsim::scenario::load(&file).expect("the scenario file is valid");
    let trace = SimBuilder::from_scenario(scenario)
        .capture(Role::Client)
        .seed(42)
        .run();
    // Nagle in action, seen from the sender: one 130-byte segment, then the
    // other three send() calls as one 390-byte segment.
    let sizes: Vec<u32> = trace
        .records
        .iter()
        .filter(|r| r.sender == Role::Client && r.len > 0)
        .map(|r| r.len)
        .collect();
    assert_eq!(sizes, [130, 390]);
    insta::assert_snapshot!(tcpsim::render::table(&trace));
}
