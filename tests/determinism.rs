//! Determinism is law: the same scenario and seed give byte-identical output,
//! and the seed is what changes a lossy run.

use std::path::Path;

fn tsv(file: &str, seed: Option<u64>) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut scenario = tcpsim::scenario::load(&root.join(file)).expect("scenario loads");
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    tcpsim::render::tsv(&tcpsim::run(scenario))
}

#[test]
fn every_reference_scenario_is_identical_run_twice() {
    for v in 0..=4 {
        let file = format!("sim-scenarios/v{v}.toml");
        assert_eq!(tsv(&file, None), tsv(&file, None), "{file}");
    }
}

#[test]
fn a_lossy_run_is_identical_per_seed_and_differs_between_seeds() {
    let file = "sim-scenarios/lossy.toml";
    let mut distinct = std::collections::BTreeSet::new();
    let mut drops = 0;
    for seed in 1..=5 {
        let first = tsv(file, Some(seed));
        assert_eq!(
            first,
            tsv(file, Some(seed)),
            "seed {seed} replays identically"
        );
        drops += first.matches("\tdropped\t").count();
        distinct.insert(first);
    }
    assert!(drops > 0, "5% loss over five seeds drops something");
    assert_eq!(distinct.len(), 5, "five seeds give five different traces");
}

#[test]
fn the_lossy_run_still_delivers_every_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for seed in 1..=5 {
        let mut scenario = tcpsim::scenario::load(&root.join("sim-scenarios/lossy.toml")).unwrap();
        scenario.seed = seed;
        let trace = tcpsim::run(scenario);
        assert_eq!(trace.ending, tcpsim::trace::Ending::Finished, "seed {seed}");
        let client = &trace.programs[0];
        assert_eq!(client.received, 13_000, "seed {seed}: {:?}", client.log);
    }
}
