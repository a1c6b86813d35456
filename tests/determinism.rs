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

// The worked examples of tcpsim::net: tokio programs, their tasks woken in an
// order set by virtual time, their timers on the virtual clock. Each runs
// twice and must give the same table, tsv and pcapng, byte for byte.

#[cfg(feature = "tokio")]
#[path = "examples/framed.rs"]
#[allow(dead_code)]
mod framed;

#[cfg(feature = "tokio")]
#[path = "examples/hyper.rs"]
#[allow(dead_code)]
mod hyper_example;

#[cfg(feature = "tokio")]
#[path = "examples/timeout.rs"]
#[allow(dead_code)]
mod timeout_example;

/// Everything a run can be rendered as.
#[cfg(feature = "tokio")]
fn rendered(trace: &tcpsim::trace::Trace) -> (String, String, Vec<u8>) {
    (
        tcpsim::render::table(trace),
        tcpsim::render::tsv(trace),
        tcpsim::render::pcapng_bytes(trace),
    )
}

#[cfg(feature = "tokio")]
#[test]
fn the_tokio_examples_are_identical_run_twice() {
    for seed in [1, 7, 42] {
        let (_, first) = framed::run(seed);
        let (_, second) = framed::run(seed);
        assert!(rendered(&first) == rendered(&second), "framed, seed {seed}");
    }
    let (_, _, first) = hyper_example::exchange();
    let (_, _, second) = hyper_example::exchange();
    assert!(rendered(&first) == rendered(&second), "hyper");
    let deadline = std::time::Duration::from_secs(2);
    let (seen_first, first) = timeout_example::run(deadline);
    let (seen_second, second) = timeout_example::run(deadline);
    assert_eq!(seen_first, seen_second, "timeout: what the client saw");
    assert!(rendered(&first) == rendered(&second), "timeout");
}

/// FNV-1a, 64 bits: a short name for a capture's bytes.
#[cfg(feature = "tokio")]
fn digest(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// Two runs in one process agree even when something reads the machine's
/// clock within the same second (hyper's Date header did, and changed every
/// capture from one `cargo test` to the next): the captures' digests are
/// pinned here, so a run in another process, on another day or machine,
/// must give the same bytes. A change to the simulator that changes these
/// runs on purpose changes the digests too: check the runs' tables, then
/// update them.
#[cfg(feature = "tokio")]
#[test]
fn the_tokio_examples_give_the_same_bytes_in_every_process() {
    let framed = digest(&tcpsim::render::pcapng_bytes(&framed::run(3).1));
    let hyper = digest(&tcpsim::render::pcapng_bytes(&hyper_example::exchange().2));
    let timeout = timeout_example::run(std::time::Duration::from_secs(2)).1;
    let timeout = digest(&tcpsim::render::pcapng_bytes(&timeout));
    assert_eq!(
        [framed.as_str(), hyper.as_str(), timeout.as_str()],
        ["1187dd717fc83759", "4af2e8810849c723", "5f307de00d4102b0"]
    );
}

#[cfg(feature = "tokio")]
#[test]
fn a_lossy_tokio_run_differs_between_seeds() {
    let traces: std::collections::BTreeSet<String> = (1..=3)
        .map(|seed| tcpsim::render::tsv(&framed::run(seed).1))
        .collect();
    assert_eq!(traces.len(), 3, "three seeds, three traces");
}
