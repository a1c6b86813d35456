//! The partition fault: `[[fault]] action = "partition"` cuts the link from
//! `from` until `until`, both ways unless `dir` says one; the file, `--set`
//! and the effective settings agree on it, and the link really drops what
//! enters it in the window and nothing else.

use tcpsim::scenario::model::{Dir, FaultAction, Role};
use tcpsim::scenario::overrides::{apply, settings};
use tcpsim::scenario::parse;
use tcpsim::trace::{Ending, Fate};

/// A client that sends, waits 100 ms, sends again and reads both replies,
/// over 10 ms of latency each way, with the link cut `both` ways (or one) from
/// 50 ms to 1.5 s: the second send and its retransmissions in the window are lost.
fn scenario(fault: &str) -> String {
    format!(
        r#"
[link]
latency = "10ms"

[[fault]]
action = "partition"
from = "50ms"
until = "1500ms"
{fault}

[client]
ip = "10.0.0.1"
steps = ["connect", {{ send = "one" }}, {{ recv = 3 }}, {{ sleep = "100ms" }}, {{ send = "two" }}, {{ recv = 3 }}, "close"]

[server]
ip = "10.0.0.2"
port = 7
"#
    )
}

#[test]
fn a_partition_is_both_ways_unless_a_direction_is_given() {
    let both = parse(&scenario(""), "p.toml").expect("valid");
    assert_eq!(
        both.faults[0].action,
        FaultAction::Partition {
            from: 50_000,
            until: 1_500_000,
            both_ways: true
        }
    );
    let one = parse(&scenario("dir = \"s2c\""), "p.toml").expect("valid");
    assert_eq!(one.faults[0].dir, Dir::ServerToClient);
    assert!(matches!(
        one.faults[0].action,
        FaultAction::Partition {
            both_ways: false,
            ..
        }
    ));
    assert_eq!(
        parse(&scenario("dir = \"both\""), "p.toml").unwrap(),
        both,
        "dir = \"both\" is the default"
    );
}

#[test]
fn what_a_partition_cannot_take_is_an_error_naming_the_field() {
    let cases = [
        (
            "seq = 1",
            "fault[0].seq",
            "not allowed with action = \"partition\"",
        ),
        ("delay = \"1ms\"", "fault[0].delay", "not allowed"),
        ("nth = 2", "fault[0].nth", "not allowed"),
    ];
    for (line, field, words) in cases {
        let err = parse(&scenario(line), "p.toml").unwrap_err().to_string();
        assert!(err.contains(field) && err.contains(words), "{line}: {err}");
    }
    let backwards = scenario("").replace("until = \"1500ms\"", "until = \"50ms\"");
    let err = parse(&backwards, "p.toml").unwrap_err().to_string();
    assert!(err.contains("must be later than `from`"), "{err}");
    let drop_with_from = scenario("")
        .replace("action = \"partition\"", "action = \"drop\"\ndir = \"c2s\"")
        .replace("until = \"1500ms\"\n", "");
    let err = parse(&drop_with_from, "d.toml").unwrap_err().to_string();
    assert!(
        err.contains("`fault[0].from` is only allowed with action = \"partition\""),
        "{err}"
    );
}

#[test]
fn overrides_and_settings_read_a_partition_back() {
    let mut s = parse(&scenario(""), "p.toml").unwrap();
    let shown: Vec<String> = settings(&s)
        .iter()
        .filter(|x| x.path.starts_with("fault[0]"))
        .map(|x| x.to_string())
        .collect();
    assert_eq!(
        shown,
        [
            "fault[0].dir=both",
            "fault[0].action=partition",
            "fault[0].from=50ms",
            "fault[0].until=1500ms"
        ]
    );
    apply(&mut s, "fault[0].until", "2s").unwrap();
    apply(&mut s, "fault[0].dir", "c2s").unwrap();
    let written = scenario("dir = \"c2s\"").replace("until = \"1500ms\"", "until = \"2s\"");
    assert_eq!(s, parse(&written, "p.toml").unwrap());
    assert!(
        apply(&mut s, "fault[0].from", "3s").is_err(),
        "from after until"
    );
    assert!(apply(&mut s, "fault[0].seq", "1").is_err());
    let err = apply(&mut s, "fault[0].action", "drop")
        .unwrap_err()
        .to_string();
    assert!(err.contains("partition"), "{err}");
}

#[test]
fn the_link_drops_what_enters_it_in_the_window_and_recovers_after() {
    let mut s = parse(&scenario(""), "p.toml").unwrap();
    s.capture = Role::Client;
    let trace = tcpsim::run(s);
    assert_eq!(trace.ending, Ending::Finished);
    assert_eq!(
        trace.programs[0].received, 6,
        "both replies arrive in the end"
    );
    let in_window = |t: u64| (50_000..1_500_000).contains(&t);
    let mut dropped = 0;
    for r in &trace.records {
        // The client's capture shows its own frames when sent, the server's when they arrive.
        if r.sender == Role::Client {
            let lost = r.fate == Fate::Dropped;
            assert_eq!(
                lost,
                in_window(r.time_us),
                "frame {} at {} us",
                r.no,
                r.time_us
            );
            dropped += usize::from(lost);
            if lost {
                assert!(r.note.contains("partition"), "{}", r.note);
            }
        }
    }
    assert!(
        dropped >= 2,
        "the second send and a retransmission: {dropped}"
    );
    let last_retry = trace
        .records
        .iter()
        .filter(|r| r.sender == Role::Client && r.len > 0)
        .map(|r| r.time_us)
        .max()
        .unwrap();
    assert!(
        last_retry >= 1_500_000,
        "delivered after the window: {last_retry}"
    );
}
