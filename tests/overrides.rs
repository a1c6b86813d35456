//! Command-line overrides: `--set PATH=VALUE` must give exactly the scenario
//! that writing the value in the file gives, reject what the file parser
//! rejects, and the effective settings must read back through `--set`.

use std::path::Path;
use std::process::Command;

use tcpsim::scenario::model::Scenario;
use tcpsim::scenario::overrides::{self, apply, settings};
use tcpsim::scenario::parse;

/// A scenario with every table the paths below reach.
const BASE: &str = r#"
seed = 1
[link]
#LINK
[link.s2c]
#S2C
[[fault]]
dir = "s2c"
seq = 1
action = "delay"
delay = "20ms"
[client]
ip = "10.0.0.1"
#CLIENT
steps = ["connect", { send = "hi" }, { recv = 1024 }, { repeat = { times = 2, steps = [{ sleep = "1ms" }] } }, "close"]
[server]
ip = "10.0.0.2"
port = 7
#SERVER
[server.echo]
transform = "upper"
#ECHO
"#;

fn base() -> Scenario {
    parse(BASE, "base.toml").expect("the base scenario is valid")
}

/// The base file with `line` added at `marker` (or the file edited by `edit`).
fn file_with(marker: &str, line: &str) -> Scenario {
    let text = BASE.replace(&format!("#{marker}"), line);
    parse(&text, "base.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn overridden(path: &str, value: &str) -> Scenario {
    let mut s = base();
    apply(&mut s, path, value).unwrap_or_else(|e| panic!("{e}"));
    s
}

#[test]
fn an_override_gives_the_scenario_the_file_would_give() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("link.loss", "0.05", "LINK", "loss = 0.05"),
        ("loss", "5%", "LINK", "loss = 0.05"),
        ("delay", "20ms", "LINK", "latency = \"20ms\""),
        ("jitter", "2ms", "LINK", "jitter = \"2ms\""),
        ("rate", "10Mbit", "LINK", "rate = \"10Mbit\""),
        ("rate", "unlimited", "LINK", "rate = \"unlimited\""),
        ("queue", "64KiB", "LINK", "queue = \"64KiB\""),
        ("dup", "0.01", "LINK", "dup = 0.01"),
        ("reorder", "0.02", "LINK", "reorder = 0.02"),
        (
            "link.reorder_delay",
            "3ms",
            "LINK",
            "reorder_delay = \"3ms\"",
        ),
        ("link.s2c.loss", "0.1", "S2C", "loss = 0.1"),
        (
            "link.c2s.latency",
            "2ms",
            "LINK",
            "c2s = { latency = \"2ms\" }",
        ),
        ("server.echo.recv", "7", "ECHO", "recv = 7"),
        ("server.recv", "7", "ECHO", "recv = 7"),
        ("server.echo.times", "3", "ECHO", "times = 3"),
        ("server.echo.sleep", "50ms", "ECHO", "sleep = \"50ms\""),
        ("server.echo.transform", "lower", "LINK", ""),
        ("server.echo.connections", "2", "ECHO", "connections = 2"),
        ("server.backlog", "1", "SERVER", "backlog = 1"),
        ("server.port", "8080", "SERVER", ""),
        (
            "client.congestion",
            "reno",
            "CLIENT",
            "congestion = \"reno\"",
        ),
        (
            "client.profile",
            "smoltcp",
            "CLIENT",
            "profile = \"smoltcp\"",
        ),
        (
            "client.rx_coalesce",
            "650us",
            "CLIENT",
            "rx_coalesce = \"650us\"",
        ),
        ("client.arp", "true", "CLIENT", "arp = true"),
        ("client.port", "52196", "CLIENT", "port = 52196"),
        ("server.rx_buffer", "4KiB", "SERVER", "rx_buffer = \"4KiB\""),
        (
            "buffer",
            "4KiB",
            "CLIENT",
            "rx_buffer = 4096\ntx_buffer = 4096",
        ),
        ("seed", "5", "LINK", ""),
        ("capture", "client", "LINK", ""),
    ];
    for (path, value, marker, line) in cases {
        let mut expected = file_with(marker, line);
        // A few values cannot be written at the marker; set them on the file's side.
        match *path {
            "seed" => expected.seed = 5,
            "capture" => expected.capture = tcpsim::scenario::model::Role::Client,
            "server.port" => expected.server.port = 8080,
            "buffer" => {
                expected.hosts[1].rx_buffer = 4096;
                expected.hosts[1].tx_buffer = 4096;
            }
            _ => {}
        }
        if *path == "server.echo.transform" {
            expected = parse(
                &BASE.replace("transform = \"upper\"", "transform = \"lower\""),
                "base.toml",
            )
            .unwrap();
        }
        assert_eq!(overridden(path, value), expected, "--set {path}={value}");
    }
}

#[test]
fn a_link_wide_override_sets_both_directions_even_where_the_file_sets_one() {
    // The file's [link.s2c] says 0.2; `--loss 0.05` means both directions.
    let mut s = file_with("S2C", "loss = 0.2");
    assert_eq!((s.link[0].loss, s.link[1].loss), (0.0, 0.2));
    apply(&mut s, "loss", "0.05").unwrap();
    assert_eq!((s.link[0].loss, s.link[1].loss), (0.05, 0.05));
}

#[test]
fn steps_and_faults_are_reached_by_index() {
    let text = |from: &str, to: &str| parse(&BASE.replace(from, to), "base.toml").unwrap();
    assert_eq!(
        overridden("client.steps[2].recv", "7"),
        text("{ recv = 1024 }", "{ recv = 7 }")
    );
    assert_eq!(
        overridden("client.steps[1].send", "hello"),
        text("{ send = \"hi\" }", "{ send = \"hello\" }")
    );
    assert_eq!(
        overridden("client.steps[3].repeat.times", "5"),
        text("times = 2", "times = 5")
    );
    assert_eq!(
        overridden("client.steps[3].repeat.steps[0].sleep", "2ms"),
        text("{ sleep = \"1ms\" }", "{ sleep = \"2ms\" }")
    );
    assert_eq!(
        overridden("client.steps[4]", "shutdown"),
        text("\"close\"]", "\"shutdown\"]")
    );
    assert_eq!(
        overridden("fault[0].delay", "5ms"),
        text("delay = \"20ms\"", "delay = \"5ms\"")
    );
    assert_eq!(
        overridden("fault[0].action", "stall"),
        text("action = \"delay\"", "action = \"stall\"")
    );
    assert_eq!(
        overridden("fault[0].flags", "PSH,ACK"),
        text("seq = 1\n", "seq = 1\nflags = \"PSH,ACK\"\n")
    );
    assert_eq!(overridden("fault[0].seq", "any"), text("seq = 1\n", ""));
}

#[test]
fn bad_values_are_rejected_naming_the_path_and_leave_the_scenario_alone() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "loss",
            "1.5",
            "`link.loss` must be a probability between 0 and 1",
        ),
        ("link.loss", "nan", "`link.loss` must be a probability"),
        ("delay", "20", "duration \"20\" has no unit"),
        ("link.latency", "2days", "unknown unit \"days\""),
        ("rate", "0Mbit", "must be greater than zero"),
        ("queue", "1KiB", "`link.queue` must be at least 1514 B"),
        (
            "buffer",
            "32",
            "`client.rx_buffer` must be between 64 B and 1 GiB",
        ),
        (
            "server.echo.recv",
            "0",
            "`server.echo.recv` must be between 1 B and 1 GiB",
        ),
        (
            "server.echo.times",
            "0",
            "`server.echo.times` must be a repeat count",
        ),
        (
            "client.congestion",
            "vegas",
            "must be one of \"none\", \"reno\", \"cubic\"",
        ),
        (
            "client.ip",
            "10.0.0.2",
            "the client and the server would have the same IP address",
        ),
        (
            "client.mac",
            "01:00:00:00:00:01",
            "group (multicast) address",
        ),
        ("link.los", "0.1", "unknown field `los` in `link`"),
        ("server.sink.recv", "7", "it runs `server.echo`"),
        ("server.source.bytes", "7", "it runs `server.echo`"),
        (
            "fault[3].nth",
            "1",
            "`fault[3]` does not exist: the scenario has 1 fault(s)",
        ),
        ("fault[0].delay", "-1ms", "must not be negative"),
        (
            "client.steps[9].recv",
            "7",
            "`client.steps[9]` does not exist",
        ),
        ("client.steps[2].send", "x", "is a recv step, not send"),
        ("client.steps[0]", "close", "which the client needs first"),
        ("client.steps[1].send", "", "must not be empty"),
        (
            "max_sim_time",
            "0s",
            "`max_sim_time` must be greater than zero",
        ),
        ("seed", "-1", "`seed` must be an integer"),
        ("link.c2s", "1", "`link.c2s` is a table"),
        ("client.steps", "1", "a list; name one step"),
        ("nonsense", "1", "unknown field `nonsense` at the top level"),
    ];
    for (path, value, expected) in cases {
        let mut s = base();
        let err = apply(&mut s, path, value).expect_err(&format!("{path}={value} is rejected"));
        let text = err.to_string();
        assert!(text.contains(expected), "--set {path}={value}: {text}");
        assert!(
            text.starts_with(&format!("invalid override `{path}={value}`")),
            "{text}"
        );
        assert_eq!(s, base(), "{path}={value} left the scenario unchanged");
    }
    let mut s = base();
    let err = apply(&mut s, "link.los", "0.1").unwrap_err();
    assert_eq!(err.help.as_deref(), Some("did you mean `loss`?"));
}

#[test]
fn every_effective_setting_reads_back_through_set() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim-scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut scenarios: Vec<Scenario> = files
        .iter()
        .map(|p| tcpsim::scenario::load(p).unwrap())
        .collect();
    scenarios.push(base());
    assert!(scenarios.len() >= 8, "the shipped scenarios were found");
    for s in scenarios {
        let list = settings(&s);
        let mut paths: Vec<&str> = list.iter().map(|x| x.path.as_str()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), list.len(), "{}: each path once", s.name);
        // Start from a scenario where every value differs, then set them all.
        let mut other = s.clone();
        other.seed = s.seed + 1;
        other.link[0].loss = 0.5;
        other.link[1].latency = 77;
        other.hosts[0].rx_buffer = 999;
        other.server.recv = 3;
        for x in &list {
            apply(&mut other, &x.path, &x.value)
                .unwrap_or_else(|e| panic!("{}: --set {x} does not read back: {e}", s.name));
        }
        assert_eq!(other, s, "{}: the settings reproduce the scenario", s.name);
    }
}

#[test]
fn describe_shows_link_values_once_when_both_directions_agree() {
    let s = overridden("link.s2c.loss", "0.1");
    let text = overrides::describe(&settings(&s));
    assert!(
        text.contains("\nlink: latency=100us jitter=0ms dup=0 "),
        "{text}"
    );
    assert!(
        text.contains("\nlink.c2s: loss=0\nlink.s2c: loss=0.1\n"),
        "{text}"
    );
    assert!(
        text.contains("\nserver.echo: recv=1KiB sleep=0ms transform=upper times=1 connections=1\n"),
        "{text}"
    );
    assert!(text.contains("\nclient.steps: [0]=connect [1].send=hi [2].recv=1KiB [3].repeat.times=2 [3].repeat.steps[0].sleep=1ms [4]=close\n"), "{text}");
}

fn tcpsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tcpsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("tcpsim runs")
}

#[test]
fn the_run_command_takes_overrides_and_prints_the_effective_values() {
    let out = tcpsim(&[
        "run",
        "sim-scenarios/v3.toml",
        "--loss",
        "0.3",
        "--set",
        "link.s2c.loss=0",
        "--set",
        "server.echo.times=200",
        "--seed",
        "4",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\nsettings:\n  seed=4 capture=server "),
        "{text}"
    );
    assert!(
        text.contains("\n  link.c2s: loss=0.3\n  link.s2c: loss=0\n"),
        "{text}"
    );
    assert!(text.contains("times=200"), "{text}");
    // 13 bytes echoed 200 times (not V3's 1000): the client reads two KiB and
    // closes with the rest unread.
    assert!(text.contains("server sent 2600 bytes"), "{text}");
    assert!(text.contains("close() with 552 bytes unread"), "{text}");
}

#[test]
fn a_bad_override_on_the_command_line_exits_2_naming_the_flag() {
    for (args, expected) in [
        (
            vec!["--loss", "1.5"],
            "error: invalid `--loss 1.5`: `link.loss` must be a probability",
        ),
        (
            vec!["--delay", "20"],
            "error: invalid `--delay 20`: invalid `link.latency`: duration \"20\" has no unit",
        ),
        (
            vec!["--set", "server.echo.recv"],
            "error: invalid `--set server.echo.recv`: expected PATH=VALUE",
        ),
        (
            vec!["--set", "server.echo.recv=lots"],
            "error: invalid override `server.echo.recv=lots`: invalid `server.echo.recv`",
        ),
    ] {
        let mut all = vec!["run", "sim-scenarios/v3.toml"];
        all.extend(args.iter().copied());
        let out = tcpsim(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with(expected), "{all:?}: {err}");
    }
}
