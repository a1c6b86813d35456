//! `capture = "wire"`: every frame once, when its sender put it on the link,
//! as a capture on Linux's loopback sees a conversation; against the two
//! host views of the same run.

use std::path::Path;

use tcpsim::scenario::model::{CapturePoint, Role, Scenario};
use tcpsim::trace::{Fate, Seen, Trace};

fn v3(capture: Role, point: CapturePoint) -> Trace {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s: Scenario =
        tcpsim::scenario::load(&root.join("sim-scenarios/v3.toml")).expect("V3 loads");
    s.capture = capture;
    s.capture_point = point;
    tcpsim::run(s)
}

/// (sender, seq, ack, flags, len, when sent) of a record.
fn key(r: &tcpsim::trace::Record) -> (Role, u32, u32, u8, u32, u64) {
    (r.sender, r.raw_seq, r.ack, r.flags, r.len, r.sent_us)
}

#[test]
fn the_wire_holds_each_hosts_own_frames_once_in_send_order() {
    let wire = v3(Role::Server, CapturePoint::Wire);
    let client = v3(Role::Client, CapturePoint::Host);
    let server = v3(Role::Server, CapturePoint::Host);
    assert!(wire.on_the_wire() && !client.on_the_wire() && !server.on_the_wire());
    // What each host sent, as its own capture saw it, is exactly the wire's.
    let mut sent: Vec<_> = client
        .records
        .iter()
        .filter(|r| r.sender == Role::Client)
        .chain(server.records.iter().filter(|r| r.sender == Role::Server))
        .map(key)
        .collect();
    let mut on_wire: Vec<_> = wire.records.iter().map(key).collect();
    sent.sort();
    on_wire.sort();
    assert_eq!(on_wire, sent);
    // At send time, in send order, lost frames included.
    assert!(
        wire.records
            .iter()
            .all(|r| r.seen == Seen::Leaving && r.time_us == r.sent_us)
    );
    assert!(
        wire.records
            .windows(2)
            .all(|w| w[0].time_us <= w[1].time_us)
    );
    assert!(
        wire.records.iter().any(|r| r.fate == Fate::Dropped),
        "V3 loses its tail"
    );
    // A host capture shows the peer's frames when they arrive, lost ones not.
    assert!(
        client
            .records
            .iter()
            .filter(|r| r.sender == Role::Server)
            .all(|r| r.seen == Seen::Arriving && Some(r.time_us) == r.arrived_us)
    );
}

#[test]
fn the_summary_and_the_settings_name_the_wire() {
    let wire = v3(Role::Server, CapturePoint::Wire);
    let summary = tcpsim::render::summary(&wire);
    assert!(
        summary.contains("\ncaptured on the wire (every frame once, when it was sent)\n"),
        "{summary}"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = tcpsim::scenario::load(&root.join("sim-scenarios/v3.toml")).unwrap();
    s.capture_point = CapturePoint::Wire;
    let shown = tcpsim::scenario::overrides::settings(&s);
    assert!(
        shown
            .iter()
            .any(|x| x.path == "capture" && x.value == "wire")
    );
}
