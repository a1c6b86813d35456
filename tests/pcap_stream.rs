//! The capture streamed to disk while a run goes (`tcpsim::engine::sim::run_streaming`,
//! `tcpsim run --pcap`): it is byte for byte the file rendered from a run that
//! kept every frame whole, tshark and `tcpsim check` read it, the trace beside
//! it keeps only headers, and what `tcpsim run` prints is unchanged by that.
//! A capture that cannot be written leaves no file behind.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tcpsim::render::pcapng_bytes;
use tcpsim::scenario::model::{Role, Scenario};
use tcpsim::trace::Trace;
use tcpsim::{Recording, RunOptions};

/// tshark's note on stderr when it runs as root; about the user, not the file.
const ROOT_WARNING: &str = "Running as user \"root\" and group \"root\". This could be dangerous.";

/// The small reference scenarios, each captured at either host; lossy.toml
/// also with other seeds, so that drops and duplicates show in the comments.
fn cases() -> Vec<(&'static str, Role, Option<u64>)> {
    let mut v = Vec::new();
    for name in ["v0", "v1", "v2", "v3", "v4", "lossy"] {
        for role in [Role::Client, Role::Server] {
            v.push((name, role, None));
        }
    }
    for seed in [2, 7] {
        v.push(("lossy", Role::Server, Some(seed)));
    }
    v
}

fn scenario(name: &str, capture: Role, seed: Option<u64>) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sim-scenarios")
        .join(format!("{name}.toml"));
    let mut s = tcpsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    s.capture = capture;
    if let Some(seed) = seed {
        s.seed = seed;
    }
    s
}

fn options(recording: Recording) -> RunOptions {
    RunOptions {
        recording,
        ..RunOptions::default()
    }
}

/// The trace as header recording keeps it: every frame cut after its TCP header.
fn cut_to_headers(full: &Trace) -> Trace {
    let mut t = full.clone();
    for r in &mut t.records {
        r.frame.truncate(tcpsim::wire::frame::header_len(&r.frame));
    }
    t
}

#[path = "common/files.rs"]
mod files;
#[path = "common/tshark.rs"]
mod tshark_here;
use files::files_in;
use tshark_here::tshark_version;

/// A fresh, empty directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    files::scratch("pcapstream", test)
}

fn tcpsim<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tcpsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("tcpsim runs")
}

/// `run` arguments for a case.
fn run_args(name: &str, capture: Role, seed: Option<u64>) -> Vec<String> {
    let mut args = vec![
        "run".to_string(),
        format!("sim-scenarios/{name}.toml"),
        "--capture".to_string(),
        capture.name().to_string(),
    ];
    if let Some(seed) = seed {
        args.extend(["--seed".to_string(), seed.to_string()]);
    }
    args
}

/// `s` run with its capture streamed into memory: the trace and the file.
fn stream(s: Scenario, recording: Recording) -> (Trace, Vec<u8>) {
    tcpsim::engine::sim::run_streaming(s, options(recording), Vec::new())
        .expect("a Vec takes every write")
}

#[test]
fn streamed_capture_is_the_full_runs_capture_and_the_trace_keeps_headers() {
    for (name, role, seed) in cases() {
        let full = tcpsim::run(scenario(name, role, seed));
        let (trace, bytes) = stream(scenario(name, role, seed), Recording::Headers);
        assert!(
            bytes == pcapng_bytes(&full),
            "{name} at the {role:?}, seed {seed:?}: the streamed file differs"
        );
        assert!(
            trace == cut_to_headers(&full),
            "{name} at the {role:?}, seed {seed:?}: the trace is not the full one cut to headers"
        );
        // The frames carried payload, which only the file has.
        assert!(full.records.iter().any(|r| r.len > 0), "{name}: no payload");
    }
}

#[test]
fn a_long_lossy_transfer_streams_the_same_bytes() {
    // 10 MiB at 1% loss: thousands of retransmissions, dropped frames and
    // long notes, the case the streaming is for.
    let full = tcpsim::run(scenario("bulk", Role::Client, None));
    assert!(full.counters.dropped > 0 && full.counters.retransmissions > 0);
    let (trace, bytes) = stream(scenario("bulk", Role::Client, None), Recording::Headers);
    assert!(bytes == pcapng_bytes(&full), "the streamed file differs");
    assert!(trace == cut_to_headers(&full));
    let payload: usize = full.records.iter().map(|r| r.frame.len()).sum();
    let kept: usize = trace.records.iter().map(|r| r.frame.len()).sum();
    assert!(
        payload > 10 << 20 && kept < payload / 10,
        "{kept} of {payload}"
    );
}

#[test]
fn streaming_with_recording_off_writes_every_frame_and_keeps_no_record() {
    for (name, role, seed) in cases() {
        let full = tcpsim::run(scenario(name, role, seed));
        let (trace, bytes) = stream(scenario(name, role, seed), Recording::Off);
        assert!(bytes == pcapng_bytes(&full), "{name} at the {role:?}");
        assert!(trace.records.is_empty());
        assert_eq!(trace.counters, full.counters);
        assert_eq!(trace.connections, full.connections);
    }
}

#[test]
fn streaming_with_full_recording_keeps_the_same_trace() {
    let full = tcpsim::run(scenario("lossy", Role::Server, Some(7)));
    let (trace, bytes) = tcpsim::engine::sim::run_streaming(
        scenario("lossy", Role::Server, Some(7)),
        RunOptions::default(),
        Vec::new(),
    )
    .expect("a Vec takes every write");
    assert!(trace == full);
    assert!(bytes == pcapng_bytes(&full));
}

/// A writer that takes `room` bytes, then fails every write.
struct FillsUp {
    room: usize,
    written: usize,
}

impl Write for FillsUp {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written + buf.len() > self.room {
            return Err(io::Error::other("no space left on the test device"));
        }
        self.written += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_writer_is_the_runs_error_with_its_own_message() {
    let whole = pcapng_bytes(&tcpsim::run(scenario("v3", Role::Client, None))).len();
    // 0: the header blocks fail; 500: a packet in the middle.
    for room in [0, 500, whole - 1] {
        let out = FillsUp { room, written: 0 };
        match tcpsim::engine::sim::run_streaming(
            scenario("v3", Role::Client, None),
            options(Recording::Headers),
            out,
        ) {
            Err(e) => assert_eq!(e.to_string(), "no space left on the test device"),
            Ok((_, w)) => panic!("room {room}: {} bytes went through", w.written),
        }
    }
    let out = FillsUp {
        room: whole,
        written: 0,
    };
    let (_, w) = tcpsim::engine::sim::run_streaming(
        scenario("v3", Role::Client, None),
        options(Recording::Headers),
        out,
    )
    .expect("exactly enough room");
    assert_eq!(w.written, whole);
}

#[test]
fn cli_pcap_is_the_full_runs_capture_and_leaves_no_temporary_file() {
    let dir = scratch("cli");
    for (name, role, seed) in cases() {
        let file = dir.join(format!("{name}-{}.pcapng", role.name()));
        let mut args = run_args(name, role, seed);
        args.extend(["--format".to_string(), "tsv".to_string()]);
        args.extend(["--pcap".to_string(), file.display().to_string()]);
        let out = tcpsim(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let full = tcpsim::run(scenario(name, role, seed));
        let written = std::fs::read(&file).expect("the capture file");
        assert!(written == pcapng_bytes(&full), "{args:?}: the file differs");
        std::fs::remove_file(&file).unwrap();
        assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cli_output_is_what_a_full_recording_renders() {
    let dir = scratch("formats");
    let svg = dir.join("ladder.svg");
    for (name, role, seed) in cases() {
        let full = tcpsim::run(scenario(name, role, seed));
        let settings = tcpsim::scenario::overrides::describe(
            &tcpsim::scenario::overrides::settings(&scenario(name, role, seed)),
        );
        let indented: String = settings.lines().map(|l| format!("  {l}\n")).collect();
        let expected = [
            (
                "table",
                format!("{}settings:\n{indented}", tcpsim::render::table(&full)),
            ),
            ("tsv", tcpsim::render::tsv(&full)),
            ("json", tcpsim::render::json(&full)),
            ("mermaid", tcpsim::render::mermaid(&full)),
            ("explain", tcpsim::render::explain(&full)),
        ];
        for (format, text) in expected {
            let mut args = run_args(name, role, seed);
            args.extend(["--format".to_string(), format.to_string()]);
            args.extend(["--svg".to_string(), svg.display().to_string()]);
            let out = tcpsim(&args);
            assert!(out.status.success(), "{args:?}");
            assert!(
                String::from_utf8(out.stdout).unwrap() == text,
                "{args:?}: the output differs from the full recording's"
            );
            assert!(
                std::fs::read_to_string(&svg).unwrap() == tcpsim::render::svg(&full),
                "{args:?}: the ladder differs"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn tshark_and_tcpsim_check_read_the_streamed_file() {
    let dir = scratch("readers");
    // Without tshark (outside CI) only `tcpsim check` reads the file.
    let have_tshark = tshark_version().is_some();
    for (name, role, seed) in [("v3", Role::Client, None), ("lossy", Role::Server, Some(7))] {
        let file = dir.join(format!("{name}.pcapng"));
        let mut args = run_args(name, role, seed);
        args.extend(["--pcap".to_string(), file.display().to_string()]);
        assert!(tcpsim(&args).status.success(), "{args:?}");
        let full = tcpsim::run(scenario(name, role, seed));

        let check = tcpsim(&[Path::new("check"), &file]);
        assert!(
            check.status.success(),
            "tcpsim check {name}: {}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );

        if have_tshark {
            let out = Command::new("tshark")
                .arg("-r")
                .arg(&file)
                .args(["-o", "tcp.check_checksum:TRUE"])
                .args(["-T", "fields", "-e", "frame.len", "-e", "tcp.len"])
                .args(["-e", "tcp.checksum.status"])
                .output()
                .expect("tshark runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            let complaints: Vec<&str> = stderr.lines().filter(|l| *l != ROOT_WARNING).collect();
            assert!(
                out.status.success() && complaints.is_empty(),
                "{name}: {complaints:?}"
            );
            let rows: Vec<String> = String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect();
            let expected: Vec<String> = full
                .records
                .iter()
                // Checksum status 1: good.
                .map(|r| format!("{}\t{}\t1", r.frame_len, r.len))
                .collect();
            assert_eq!(rows, expected, "{name}: tshark's frames");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unwritable_capture_path_fails_and_leaves_no_file() {
    let dir = scratch("unwritable");
    let missing = dir.join("no-such-dir").join("out.pcapng");
    let out = tcpsim(&[
        Path::new("run"),
        Path::new("sim-scenarios/v2.toml"),
        Path::new("--pcap"),
        &missing,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!("error: cannot write {}: ", missing.display())),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing is printed for a run not made"
    );
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));

    // A directory in the file's place: refused before the run, the directory
    // left as it was (no temporary file in it or beside it).
    let taken = dir.join("taken.pcapng");
    std::fs::create_dir(&taken).unwrap();
    let out = tcpsim(&[
        Path::new("run"),
        Path::new("sim-scenarios/v2.toml"),
        Path::new("--pcap"),
        &taken,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "error: cannot write {}: it is a directory\n",
            taken.display()
        )
    );
    assert_eq!(files_in(&dir), vec!["taken.pcapng"]);
    assert!(files_in(&taken).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_run_stopped_by_a_limit_still_leaves_its_capture() {
    let dir = scratch("limit");
    let file = dir.join("v2.pcapng");
    let out = tcpsim(&[
        Path::new("run"),
        Path::new("sim-scenarios/v2.toml"),
        Path::new("--max-events"),
        Path::new("6"),
        Path::new("--pcap"),
        &file,
    ]);
    // 3: stopped by a limit, after printing what happened so far.
    assert_eq!(out.status.code(), Some(3));
    let mut s = scenario("v2", Role::Server, None);
    s.max_events = 6;
    let full = tcpsim::run(s);
    assert!(!full.records.is_empty());
    assert!(std::fs::read(&file).unwrap() == pcapng_bytes(&full));
    assert_eq!(files_in(&dir), vec!["v2.pcapng"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
