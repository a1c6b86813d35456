//! The full table of each reference experiment, as insta snapshots. Each
//! snapshot is the specification of that replay: read it segment by segment.

use std::path::Path;

fn table(version: u32) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = tcpsim::scenario::load(&root.join(format!("sim-scenarios/v{version}.toml")))
        .expect("scenario loads");
    tcpsim::render::table(&tcpsim::run(scenario))
}

#[test]
fn v0_table() {
    insta::assert_snapshot!(table(0));
}

#[test]
fn v1_table() {
    insta::assert_snapshot!(table(1));
}

#[test]
fn v2_table() {
    insta::assert_snapshot!(table(2));
}

#[test]
fn v3_table() {
    insta::assert_snapshot!(table(3));
}

#[test]
fn v4_table() {
    insta::assert_snapshot!(table(4));
}
