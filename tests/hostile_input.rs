//! Hostile input never crashes tcpsim or leaves output behind: scenario files
//! that are wrong in every way get a rustc-style error naming the file, line,
//! column and field, exit code 2 and no panic; runaway programs stop at the
//! time or event limit; a panic in the engine becomes a report; and three
//! fuzz-style properties throw arbitrary text at the scenario parser, random
//! programs with link faults at the engine, and corrupted captures at the
//! checker's reader.
//!
//! The fuzz properties run a few cases by default. For long runs:
//! `TCPSIM_FUZZ_CASES=N` runs N cases of each, `TCPSIM_FUZZ_SECONDS=S` keeps
//! running batches of cases for S seconds (see docs-check.md).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseResult, TestRunner};

use tcpsim::scenario::model::*;
use tcpsim::trace::Ending;

// ---------------------------------------------------------------------------
// Bad scenario files through the command line
// ---------------------------------------------------------------------------

const VALID: &str = "[client]\nip = \"10.0.0.1\"\nsteps = [\"connect\", \"close\"]\n[server]\nip = \"10.0.0.2\"\nport = 7\n";

#[path = "common/files.rs"]
mod files;
use files::files_in;

/// A fresh, empty directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    files::scratch("hostile", test)
}

struct Rejected {
    stderr: String,
}

/// Write `bytes` as `case.toml`, run `tcpsim run` on it and check what every
/// bad file must get: exit code 2, nothing on stdout, an error on stderr
/// naming the file, no panic, and no file left behind.
#[track_caller]
fn rejected(test: &str, bytes: &[u8]) -> Rejected {
    let dir = scratch(test);
    let file = dir.join("case.toml");
    std::fs::write(&file, bytes).expect("write the scenario");
    let out = Command::new(env!("CARGO_BIN_EXE_tcpsim"))
        .arg("run")
        .arg(&file)
        .current_dir(&dir)
        .output()
        .expect("tcpsim runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{test}: exit code; stderr:\n{stderr}"
    );
    assert!(out.stdout.is_empty(), "{test}: nothing on stdout");
    assert!(stderr.starts_with("error: "), "{test}: {stderr}");
    assert!(!stderr.contains("panicked"), "{test}: {stderr}");
    assert!(
        stderr.contains(&format!("--> {}", file.display())),
        "{test}: names the file: {stderr}"
    );
    assert_eq!(
        files_in(&dir),
        vec!["case.toml".to_string()],
        "{test}: left files behind"
    );
    let _ = std::fs::remove_dir_all(&dir);
    Rejected { stderr }
}

/// The library's error for the same text: its line, column and field.
#[track_caller]
fn located(text: &str, line: usize, col: usize, field: &str) {
    let e = tcpsim::scenario::parse(text, "case.toml").expect_err("rejected");
    assert_eq!((e.line, e.col, e.field.as_str()), (line, col, field), "{e}");
}

#[test]
fn an_empty_file_names_the_missing_client_table() {
    let r = rejected("empty", b"");
    assert!(
        r.stderr.contains("missing required table `client`"),
        "{}",
        r.stderr
    );
    located("", 1, 1, "client");
}

#[test]
fn a_binary_file_is_not_read_as_text() {
    let r = rejected("binary", b"\x00\xff\xfe\x01\x89PNG\r\n");
    assert!(r.stderr.contains("not a UTF-8 text file"), "{}", r.stderr);
    assert!(r.stderr.contains("offset 1"), "says where: {}", r.stderr);
    // Line and column as for any other error: the 0xff is the second character.
    assert!(
        r.stderr.contains("case.toml:1:2\n"),
        "line:col: {}",
        r.stderr
    );
    // A NUL further down is placed the same way.
    let r = rejected("nul", b"seed = 1\n[link]\nloss = 0\x00\n");
    assert!(r.stderr.contains("NUL byte at offset 24"), "{}", r.stderr);
    assert!(
        r.stderr.contains("case.toml:3:9\n"),
        "line:col: {}",
        r.stderr
    );
}

#[test]
fn text_that_is_not_toml_gets_the_parsers_position() {
    let r = rejected("not-toml", b"this is not toml at all\n");
    assert!(r.stderr.contains("invalid TOML"), "{}", r.stderr);
    assert!(r.stderr.contains(":1:6\n"), "{}", r.stderr);
}

#[test]
fn a_wrongly_typed_value_names_its_field() {
    let text = format!("seed = \"one\"\n{VALID}");
    let r = rejected("typed", text.as_bytes());
    assert!(
        r.stderr.contains("`seed` must be a non-negative integer"),
        "{}",
        r.stderr
    );
    located(&text, 1, 8, "seed");
    let text = VALID.replace("port = 7", "port = \"seven\"");
    rejected("typed-port", text.as_bytes());
    located(&text, 6, 8, "server.port");
}

#[test]
fn an_unknown_field_is_an_error_not_ignored() {
    let text = VALID.replace("[server]\n", "[server]\ncolour = \"blue\"\n");
    let r = rejected("unknown", text.as_bytes());
    assert!(r.stderr.contains("colour"), "{}", r.stderr);
    located(&text, 5, 1, "server.colour");
}

#[test]
fn negative_and_absurd_values_are_rejected_where_they_stand() {
    let cases: [(&str, String, usize, usize, &str); 8] = [
        ("negative-seed", format!("seed = -1\n{VALID}"), 1, 8, "seed"),
        (
            "negative-latency",
            format!("[link]\nlatency = \"-5ms\"\n{VALID}"),
            2,
            11,
            "link.latency",
        ),
        (
            "loss-1.5",
            format!("[link]\nloss = 1.5\n{VALID}"),
            2,
            8,
            "link.loss",
        ),
        (
            "loss-nan",
            format!("[link]\nloss = nan\n{VALID}"),
            2,
            8,
            "link.loss",
        ),
        (
            "send-1e15",
            VALID.replace(
                "\"close\"]",
                "{ send_bytes = 1000000000000000 }, \"close\"]",
            ),
            3,
            36,
            "client.steps[1].send_bytes",
        ),
        (
            "recv-0",
            VALID.replace("\"close\"]", "{ recv = 0 }, \"close\"]"),
            3,
            30,
            "client.steps[1].recv",
        ),
        (
            "port-70000",
            VALID.replace("port = 7", "port = 70000"),
            6,
            8,
            "server.port",
        ),
        (
            "events-0",
            format!("max_events = 0\n{VALID}"),
            1,
            14,
            "max_events",
        ),
    ];
    for (name, text, line, col, field) in cases {
        let r = rejected(name, text.as_bytes());
        assert!(
            r.stderr.contains(&format!(":{line}:{col}\n")),
            "{name}: {}",
            r.stderr
        );
        located(&text, line, col, field);
    }
}

#[test]
fn missing_programs_are_named() {
    let no_client = "[server]\nip = \"10.0.0.2\"\nport = 7\n";
    rejected("no-client", no_client.as_bytes());
    located(no_client, 1, 1, "client");
    let no_server = "[client]\nip = \"10.0.0.1\"\nsteps = [\"connect\"]\n";
    rejected("no-server", no_server.as_bytes());
    let no_steps = VALID.replace("steps = [\"connect\", \"close\"]\n", "");
    rejected("no-steps", no_steps.as_bytes());
    located(&no_steps, 1, 1, "client.steps");
    let empty_steps = VALID.replace("[\"connect\", \"close\"]", "[]");
    rejected("empty-steps", empty_steps.as_bytes());
    located(&empty_steps, 3, 9, "client.steps");
}

#[test]
fn two_hosts_on_one_address_are_rejected() {
    let text = VALID.replace("10.0.0.1", "10.0.0.2");
    let r = rejected("same-ip", text.as_bytes());
    assert!(r.stderr.contains("same IP address"), "{}", r.stderr);
    located(&text, 5, 6, "server.ip");
}

#[test]
fn a_missing_file_or_a_directory_is_exit_code_2() {
    let dir = scratch("missing");
    for target in [dir.join("nowhere.toml"), dir.clone()] {
        let out = Command::new(env!("CARGO_BIN_EXE_tcpsim"))
            .arg("run")
            .arg(&target)
            .output()
            .expect("tcpsim runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("cannot read the scenario file"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    assert!(files_in(&dir).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// Programs that never end
// ---------------------------------------------------------------------------

#[test]
fn a_program_that_never_ends_stops_at_the_time_limit() {
    // Sleeps for a day and more, a second at a time; the limit is 10 s.
    // (Not `times = 4294967295`: the engine unrolls repeats into a list of
    // steps before running, which for 2^32 steps exhausts memory. Reported.)
    let text = VALID.replace(
        "\"close\"]",
        "{ repeat = { times = 100000, steps = [{ sleep = \"1s\" }] } }, \"close\"]",
    );
    let text = format!("max_sim_time = \"10s\"\n{text}");
    let trace = tcpsim::run(tcpsim::scenario::parse(&text, "forever.toml").expect("valid"));
    assert_eq!(trace.ending, Ending::TimeLimit(10_000_000));
    assert_eq!(trace.end_time_us, 10_000_000);
    let summary = tcpsim::render::summary(&trace);
    assert!(
        summary.contains("stopped at 10.000000 s: simulated-time limit of 10.000000 s reached"),
        "{summary}"
    );
    // The command line says so too, and does not crash.
    let dir = scratch("forever");
    std::fs::write(dir.join("forever.toml"), &text).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_tcpsim"))
        .args(["run", "forever.toml"])
        .current_dir(&dir)
        .output()
        .expect("tcpsim runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.code().is_some(), "ended by a signal");
    assert!(
        stdout.contains("simulated-time limit of 10.000000 s reached"),
        "{stdout}"
    );
    assert_eq!(files_in(&dir), vec!["forever.toml".to_string()]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_busy_program_stops_at_the_event_limit() {
    // A ping-pong of a hundred thousand one-byte messages: far more events
    // than the limit allows. (Sending without reading would not do: the echo
    // fills both windows and the run idles on zero-window probes.)
    let text = VALID.replace(
        "\"close\"]",
        "{ repeat = { times = 100000, steps = [{ send = \"x\" }, { recv = 1 }] } }, \"close\"]",
    );
    let text = format!("max_events = 2000\n{text}");
    let trace = tcpsim::run(tcpsim::scenario::parse(&text, "busy.toml").expect("valid"));
    assert_eq!(trace.ending, Ending::EventLimit(2000));
    let summary = tcpsim::render::summary(&trace);
    assert!(
        summary.contains("event limit of 2000 events reached"),
        "{summary}"
    );
}

#[test]
fn a_panic_in_the_engine_becomes_a_report_naming_scenario_and_seed() {
    // The parser never lets port 0 through; built directly, it makes the
    // server's listen() fail inside the engine.
    let mut scenario = base();
    scenario.name = "zero-port".to_string();
    scenario.seed = 77;
    scenario.server.port = 0;
    let err = tcpsim::engine::guard::run_catching(scenario).expect_err("listen on port 0 panics");
    let shown = err.with_file("zero-port.toml").to_string();
    assert!(
        shown.starts_with("simulation panicked (scenario zero-port, seed 77): "),
        "{shown}"
    );
    assert!(
        shown.ends_with("; replay with: tcpsim run zero-port.toml --seed 77"),
        "{shown}"
    );
    assert!(
        shown.contains("port is non-zero"),
        "the panic's own message: {shown}"
    );
    // The next run on the same thread is unaffected.
    assert!(tcpsim::engine::guard::run_catching(base()).is_ok());
}

// ---------------------------------------------------------------------------
// Fuzz harness: proptest cases, by count or by time budget
// ---------------------------------------------------------------------------

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Run `test` on values from `strategy`: `default_cases` cases, or
/// `TCPSIM_FUZZ_CASES`, or batches until `TCPSIM_FUZZ_SECONDS` have passed.
/// Failing seeds are kept in proptest-regressions/hostile_input.txt and
/// replayed first on every run.
fn fuzz<S: Strategy>(
    name: &str,
    default_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> TestCaseResult,
) where
    S::Value: std::fmt::Debug,
{
    let budget = env_u64("TCPSIM_FUZZ_SECONDS").map(Duration::from_secs);
    let cases =
        env_u64("TCPSIM_FUZZ_CASES").map_or(default_cases, |n| n.min(u64::from(u32::MAX)) as u32);
    let batch = if budget.is_some() { 1000 } else { cases };
    let start = Instant::now();
    let mut total: u64 = 0;
    loop {
        let config = Config {
            cases: batch,
            failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
                "proptest-regressions/hostile_input.txt",
            ))),
            source_file: Some(file!()),
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        if let Err(e) = runner.run(&strategy, &test) {
            panic!("{name}: {e}");
        }
        total += u64::from(batch);
        match budget {
            Some(b) if start.elapsed() < b => continue,
            _ => break,
        }
    }
    eprintln!(
        "{name}: {total} cases in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

// ---------------------------------------------------------------------------
// Parser fuzz
// ---------------------------------------------------------------------------

/// Pieces that make mutated scenarios reach deep into validation.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    "\"",
    "'",
    "\n",
    " ",
    "#",
    ".",
    "-",
    "+",
    "seed",
    "capture",
    "max_sim_time",
    "max_events",
    "link",
    "c2s",
    "s2c",
    "fault",
    "client",
    "server",
    "echo",
    "steps",
    "latency",
    "jitter",
    "loss",
    "dup",
    "reorder",
    "reorder_delay",
    "rate",
    "queue",
    "dir",
    "flags",
    "seq",
    "len",
    "nth",
    "action",
    "delay",
    "ip",
    "mac",
    "profile",
    "rx_buffer",
    "tx_buffer",
    "rx_coalesce",
    "delayed_ack",
    "arp",
    "port",
    "backlog",
    "recv",
    "sleep",
    "transform",
    "times",
    "connections",
    "send",
    "send_bytes",
    "recv_all",
    "repeat",
    "connect",
    "shutdown",
    "close",
    "drop",
    "stall",
    "upper",
    "linux",
    "smoltcp",
    "unlimited",
    "0",
    "1",
    "-1",
    "1.5",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "0.0",
    "70000",
    "65535",
    "4294967296",
    "9223372036854775807",
    "18446744073709551616",
    "1000000000000000",
    "\"1.5us\"",
    "\"24h\"",
    "\"25h\"",
    "\"1TiB\"",
    "\"2TiB\"",
    "\"0B\"",
    "\"1 ms\"",
    "\"µs\"",
    "\"5m\"",
    "\"100Mbit\"",
    "\"0bit\"",
    "\"10.0.0.1\"",
    "\"10.0.0.2\"",
    "\"999.0.0.1\"",
    "\"ff:ff:ff:ff:ff:ff\"",
    "\"01:00:00:00:00:00\"",
    "\"SYN,ACK\"",
    "\"FOO\"",
    "true",
    "false",
    "1979-05-27",
    "\"\"\"",
    "\\u0000",
    "\u{feff}",
    "\r",
];

fn seed_files() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios");
    let mut texts: Vec<String> = ["v0", "v1", "v2", "v3", "v4", "lossy"]
        .iter()
        .map(|n| std::fs::read_to_string(root.join(format!("{n}.toml"))).expect("reads"))
        .collect();
    texts.push(MINIMAL.to_string());
    texts
}

const MINIMAL: &str = "[client]\nip = \"10.0.0.1\"\nsteps = [\"connect\", { send = \"hi\" }, \"shutdown\", { recv_all = 64 }, \"close\"]\n[server]\nip = \"10.0.0.2\"\nport = 7\n";

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, String),
    Delete(usize, usize),
    Replace(usize, usize, String),
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(TOKENS).prop_map(str::to_string),
        1 => any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), token()).prop_map(|(at, t)| Edit::Insert(at, t)),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 1usize..12, token()).prop_map(|(at, n, t)| Edit::Replace(at, n, t)),
    ]
}

/// Char-boundary-safe edits of a text.
fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let len = chars.len();
        match e {
            Edit::Insert(at, t) => {
                let at = at % (len + 1);
                chars.splice(at..at, t.chars());
            }
            Edit::Delete(at, n) if len > 0 => {
                let at = at % len;
                let end = (at + n).min(len);
                chars.drain(at..end);
            }
            Edit::Replace(at, n, t) if len > 0 => {
                let at = at % len;
                let end = (at + n).min(len);
                chars.splice(at..end, t.chars());
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// Text for the parser: arbitrary strings, arbitrary bytes made UTF-8, and
/// the scenario files with random edits.
fn scenario_text() -> impl Strategy<Value = String> {
    let seeds = seed_files();
    prop_oneof![
        1 => any::<String>(),
        1 => proptest::collection::vec(any::<u8>(), 0..600)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        6 => (proptest::sample::select(seeds), proptest::collection::vec(edit(), 1..6))
            .prop_map(|(text, edits)| apply(&text, &edits)),
    ]
}

/// An error's position lies inside the text, and rendering it works.
fn error_is_well_formed(text: &str, e: &tcpsim::scenario::ScenarioError) -> TestCaseResult {
    let shown = e.to_string();
    prop_assert!(shown.starts_with("error: "), "{shown}");
    prop_assert_eq!(e.file.as_str(), "fuzz.toml");
    if e.line > 0 {
        let lines = text.split('\n').count();
        prop_assert!(e.line <= lines, "line {} of {lines}: {shown}", e.line);
        prop_assert!(e.col >= 1, "{shown}");
        let arrow = format!("--> fuzz.toml:{}:{}", e.line, e.col);
        prop_assert!(shown.contains(&arrow), "{shown}");
    }
    Ok(())
}

/// How many steps the client runs, repeats unrolled.
fn unrolled(steps: &[Step]) -> u128 {
    steps
        .iter()
        .map(|s| match s {
            Step::Repeat { times, steps } => u128::from(*times) * unrolled(steps),
            _ => 1,
        })
        .sum()
}

/// The engine unrolls repeats into one list of steps before it runs (program.rs
/// `flatten`), so `times = 4294967295` takes all memory and the process is
/// killed. Reported; until fixed, fuzzing does not run such scenarios.
const MAX_UNROLLED_STEPS: u128 = 1_000_000;

/// Small limits so a scenario that parses runs quickly.
fn bounded(mut s: Scenario) -> Scenario {
    s.max_sim_time = s.max_sim_time.min(30_000_000);
    s.max_events = s.max_events.min(50_000);
    s
}

#[test]
fn fuzz_the_scenario_parser() {
    fuzz("scenario parser", 256, scenario_text(), |text| {
        match tcpsim::scenario::parse(&text, "fuzz.toml") {
            Err(e) => error_is_well_formed(&text, &e)?,
            Ok(scenario) if unrolled(&scenario.client.steps) > MAX_UNROLLED_STEPS => {}
            Ok(scenario) => {
                // What parses must also run: never a panic, always an end.
                let limit = scenario.max_sim_time.min(30_000_000);
                match tcpsim::engine::guard::run_catching(bounded(scenario)) {
                    Ok(trace) => prop_assert!(trace.end_time_us <= limit),
                    Err(p) => return Err(TestCaseError::fail(p.to_string())),
                }
            }
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// Engine fuzz: random programs and link faults
// ---------------------------------------------------------------------------

/// A valid base scenario, so every field has its documented default.
fn base() -> Scenario {
    tcpsim::scenario::parse(MINIMAL, "fuzz.toml").expect("minimal scenario parses")
}

fn micros(max: u64) -> impl Strategy<Value = Micros> {
    prop_oneof![Just(0), 0..=max, 0..=1_000u64]
}

fn probability() -> impl Strategy<Value = f64> {
    prop_oneof![3 => Just(0.0), 3 => 0.0..0.3, 1 => Just(1.0), 1 => 0.0..=1.0]
}

fn link() -> impl Strategy<Value = LinkConfig> {
    (
        micros(200_000),
        micros(20_000),
        probability(),
        probability(),
        probability(),
        micros(50_000),
        prop_oneof![Just(None), (10_000u64..10_000_000_000).prop_map(Some)],
        prop_oneof![Just(None), (1514u64..300_000).prop_map(Some)],
    )
        .prop_map(
            |(latency, jitter, loss, dup, reorder, reorder_delay, rate_bps, queue_bytes)| {
                LinkConfig {
                    latency,
                    jitter,
                    loss,
                    dup,
                    reorder,
                    reorder_delay,
                    rate_bps,
                    queue_bytes,
                }
            },
        )
}

fn fault() -> impl Strategy<Value = Fault> {
    (
        prop_oneof![Just(Dir::ClientToServer), Just(Dir::ServerToClient)],
        proptest::option::of(proptest::sample::select(vec![
            0x02u8, 0x12, 0x10, 0x18, 0x11, 0x19, 0x04, 0x14,
        ])),
        proptest::option::of(prop_oneof![0u32..3, 0u32..100_000, any::<u32>()]),
        proptest::option::of(prop_oneof![Just(0u32), Just(1448), 0u32..2000]),
        1u32..4,
        prop_oneof![
            Just(FaultAction::Drop),
            micros(3_000_000).prop_map(FaultAction::Delay),
            micros(3_000_000).prop_map(FaultAction::Stall),
        ],
    )
        .prop_map(|(dir, flags, seq, len, nth, action)| Fault {
            dir,
            flags,
            seq,
            len,
            nth,
            action,
        })
}

fn step_leaf() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => Just(Step::Connect),
        3 => proptest::collection::vec(any::<u8>(), 0..3000).prop_map(Step::Send),
        2 => prop_oneof![0u64..2000, 0u64..300_000].prop_map(Step::SendBytes),
        2 => (1usize..70_000).prop_map(Step::Recv),
        2 => (1usize..70_000).prop_map(Step::RecvAll),
        2 => micros(3_000_000).prop_map(Step::Sleep),
        1 => Just(Step::Shutdown),
        1 => Just(Step::Close),
    ]
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = step_leaf().prop_recursive(2, 12, 4, |inner| {
        (1u32..4, proptest::collection::vec(inner, 1..4))
            .prop_map(|(times, steps)| Step::Repeat { times, steps })
    });
    // Most programs connect first, so the steps after it do something.
    (
        proptest::bool::weighted(0.85),
        proptest::collection::vec(step, 0..10),
    )
        .prop_map(|(connect_first, mut steps)| {
            if connect_first {
                steps.insert(0, Step::Connect);
            }
            steps
        })
}

fn host(role: Role) -> impl Strategy<Value = HostConfig> {
    let b = base().hosts[role.index()].clone();
    (
        prop_oneof![Just(Profile::Linux), Just(Profile::Smoltcp)],
        prop_oneof![Just(b.rx_buffer), 64usize..300_000],
        prop_oneof![Just(b.tx_buffer), 64usize..300_000],
        micros(2_000),
        micros(200_000),
        any::<bool>(),
        (micros(200), micros(50)),
    )
        .prop_map(
            move |(
                profile,
                rx_buffer,
                tx_buffer,
                rx_coalesce,
                delayed_ack,
                arp,
                (wakeup, call_cost),
            )| HostConfig {
                profile,
                rx_buffer,
                tx_buffer,
                rx_coalesce,
                delayed_ack,
                arp,
                wakeup,
                call_cost,
                ..b.clone()
            },
        )
}

fn echo() -> impl Strategy<Value = EchoServer> {
    (
        1u16..=65535,
        1u32..8,
        1usize..70_000,
        micros(100_000),
        prop_oneof![
            Just(Transform::None),
            Just(Transform::Upper),
            Just(Transform::Lower)
        ],
        1u32..4,
        1u32..3,
    )
        .prop_map(
            |(port, backlog, recv, sleep, transform, times, connections)| EchoServer {
                mode: ServerMode::Echo,
                port,
                backlog,
                recv,
                sleep,
                transform,
                times,
                connections,
            },
        )
}

fn wild_scenario() -> impl Strategy<Value = Scenario> {
    (
        any::<u64>(),
        (
            prop_oneof![Just(Role::Client), Just(Role::Server)],
            prop_oneof![Just(CapturePoint::Host), Just(CapturePoint::Wire)],
        ),
        (1u64..120_000_000, 1u64..100_000),
        (link(), link()),
        proptest::collection::vec(fault(), 0..4),
        (host(Role::Client), host(Role::Server)),
        (proptest::option::of(1u16..=65535), steps()),
        echo(),
    )
        .prop_map(
            |(
                seed,
                (capture, capture_point),
                (max_sim_time, max_events),
                (c2s, s2c),
                faults,
                (ch, sh),
                (port, steps),
                server,
            )| {
                Scenario {
                    name: "fuzz".to_string(),
                    seed,
                    capture,
                    capture_point,
                    max_sim_time,
                    max_events,
                    link: [c2s, s2c],
                    faults,
                    hosts: [ch, sh],
                    client: ClientProgram {
                        port,
                        connections: 1,
                        steps,
                    },
                    server,
                }
            },
        )
}

#[test]
fn fuzz_the_engine_with_random_programs_and_faults() {
    fuzz("engine", 24, wild_scenario(), |scenario| {
        let (limit, events) = (scenario.max_sim_time, scenario.max_events);
        let trace = match tcpsim::engine::guard::run_catching(scenario) {
            Ok(trace) => trace,
            Err(p) => return Err(TestCaseError::fail(p.to_string())),
        };
        prop_assert!(trace.end_time_us <= limit, "ran past the time limit");
        match trace.ending {
            Ending::Finished | Ending::Deadlock => {}
            Ending::TimeLimit(t) => prop_assert_eq!(t, limit),
            Ending::EventLimit(n) => prop_assert_eq!(n, events),
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// Capture fuzz: the checker's reader on broken files
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum ByteEdit {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        4 => (any::<usize>(), 1u8..=255).prop_map(|(at, x)| ByteEdit::Flip(at, x)),
        1 => any::<usize>().prop_map(ByteEdit::Truncate),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, b)| ByteEdit::Insert(at, b)),
        1 => (any::<usize>(), 1usize..64).prop_map(|(at, n)| ByteEdit::Delete(at, n)),
    ]
}

fn apply_bytes(bytes: &[u8], edits: &[ByteEdit]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for e in edits {
        let len = b.len();
        match e {
            ByteEdit::Flip(at, x) if len > 0 => b[at % len] ^= x,
            ByteEdit::Truncate(at) => b.truncate(at % (len + 1)),
            ByteEdit::Insert(at, more) => {
                let at = at % (len + 1);
                b.splice(at..at, more.iter().copied());
            }
            ByteEdit::Delete(at, n) if len > 0 => {
                let at = at % len;
                b.drain(at..(at + n).min(len));
            }
            _ => {}
        }
    }
    b
}

/// The committed captures, and arbitrary bytes behind a pcapng or pcap magic.
fn capture_bytes() -> impl Strategy<Value = Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let files: Vec<Vec<u8>> = [
        "clean-v2-server.pcapng",
        "window.pcapng",
        "ack-backwards.pcapng",
    ]
    .iter()
    .map(|f| std::fs::read(dir.join(f)).expect("fixture"))
    .collect();
    prop_oneof![
        6 => (proptest::sample::select(files), proptest::collection::vec(byte_edit(), 1..8))
            .prop_map(|(f, edits)| apply_bytes(&f, &edits)),
        1 => (
            proptest::sample::select(vec![
                vec![0x0a, 0x0d, 0x0d, 0x0a],
                vec![0xd4, 0xc3, 0xb2, 0xa1],
                vec![0xa1, 0xb2, 0x3c, 0x4d],
            ]),
            proptest::collection::vec(any::<u8>(), 0..400),
        )
            .prop_map(|(mut magic, rest)| {
                magic.extend(rest);
                magic
            }),
        1 => proptest::collection::vec(any::<u8>(), 0..64),
    ]
}

#[test]
fn fuzz_the_capture_reader() {
    fuzz("capture reader", 256, capture_bytes(), |bytes| {
        // Ok or a reason, never a panic (a panic fails the case).
        match tcpsim::trace::check::check_pcapng(&bytes) {
            Ok(_) => {}
            Err(why) => prop_assert!(!why.is_empty()),
        }
        Ok(())
    });
}
