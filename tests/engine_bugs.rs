//! Regression tests for the engine bugs the property and fuzz tests found
//! (tests/fixtures/engine-bugs/, one scenario each; each file's header says
//! what went wrong). Each run is checked from both ends by the trace checker,
//! in a debug build (so debug assertions are live), and the outcome the bug
//! spoiled is asserted directly.

use std::path::Path;

use tcpsim::scenario::model::{Profile, Role, Scenario};
use tcpsim::trace::check::check_trace;
use tcpsim::trace::{Ending, Trace, flags};

fn scenario(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/engine-bugs")
        .join(format!("{name}.toml"));
    tcpsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs the scenario captured at each end; both captures must pass the
/// checker. Returns the client-side trace.
fn run_checked(name: &str) -> Trace {
    run_checked_as(name, None)
}

/// `run_checked` with both hosts' profile forced, when given: the smoltcp
/// profile keeps the fixes that the linux profile's own sender makes
/// unnecessary (it never lets smoltcp send or resend past the window).
fn run_checked_as(name: &str, profile: Option<Profile>) -> Trace {
    let mut traces = Vec::new();
    for capture in [Role::Client, Role::Server] {
        let mut s = scenario(name);
        if let Some(p) = profile {
            for host in &mut s.hosts {
                host.profile = p;
            }
        }
        s.capture = capture;
        let trace = tcpsim::engine::guard::run_catching(s).unwrap_or_else(|p| panic!("{p}"));
        let violations = check_trace(&trace);
        assert!(
            violations.is_empty(),
            "{name}, capture at the {}: {violations:?}\n{}",
            capture.name(),
            tcpsim::render::table(&trace)
        );
        traces.push(trace);
    }
    assert_eq!(
        traces[0].programs, traces[1].programs,
        "the capture end changed the run"
    );
    traces.swap_remove(0)
}

fn everything_delivered(t: &Trace) {
    let (client, server) = (&t.programs[0], &t.programs[1]);
    assert_eq!(t.ending, Ending::Finished, "{}", tcpsim::render::summary(t));
    assert_eq!(
        server.received,
        client.sent,
        "{}",
        tcpsim::render::summary(t)
    );
    assert_eq!(
        client.received,
        server.sent,
        "{}",
        tcpsim::render::summary(t)
    );
    assert_eq!(server.received_digest, client.sent_digest);
    assert_eq!(client.received_digest, server.sent_digest);
}

/// The client's RST (its close() with unread data), if it sent one.
fn client_reset(t: &Trace) -> Option<&tcpsim::trace::Record> {
    t.records
        .iter()
        .find(|r| r.sender == Role::Client && r.flags & flags::RST != 0)
}

fn notes(t: &Trace) -> Vec<&str> {
    t.records.iter().map(|r| r.note.as_str()).collect()
}

#[test]
fn fast_retransmission_stays_inside_the_peer_window_and_no_byte_is_lost() {
    let t = run_checked("fast-retransmit-past-window-loses-a-byte");
    everything_delivered(&t);
    assert_eq!(t.programs[0].sent, 3865);
}

#[test]
fn a_lone_fin_is_retransmitted_until_acknowledged() {
    let t = run_checked("lone-fin-never-retransmitted");
    everything_delivered(&t);
    let log = &t.programs[1].log;
    assert!(
        log.iter().any(|e| e.call.contains("end of stream")),
        "the server never read the client's FIN"
    );
}

#[test]
fn a_duplicate_of_bytes_already_read_after_close_is_not_reset() {
    let t = run_checked("rst-after-close-for-old-data");
    everything_delivered(&t);
    assert_eq!(t.programs[0].received, 2922);
    assert!(
        !notes(&t)
            .iter()
            .any(|n| n.contains("arrived after close()"))
    );
}

#[test]
fn a_tail_loss_probe_carries_the_current_window() {
    let t = run_checked("tlp-stale-window-loses-data");
    everything_delivered(&t);
    assert_eq!(t.programs[1].received, 2011);
}

#[test]
fn abort_after_a_timeout_resets_with_snd_nxt() {
    // The checker's rst-acceptable rule is what failed; run_checked asserts it.
    let t = run_checked("abort-rst-below-snd-nxt");
    let rst_from_close = client_reset(&t).expect("the client's close() resets");
    assert!(
        rst_from_close.note.contains("unread"),
        "{}",
        rst_from_close.note
    );
}

#[test]
fn a_run_where_every_program_waits_forever_ends_as_deadlock() {
    let t = run_checked("deadlock-reported-as-finished");
    assert_eq!(t.ending, Ending::Deadlock);
    let summary = tcpsim::render::summary(&t);
    assert!(summary.contains("deadlock at"), "{summary}");
}

#[test]
fn send_after_shutdown_fails_with_epipe_and_is_not_counted() {
    let t = run_checked("send-after-shutdown");
    assert_eq!(t.ending, Ending::Finished);
    let client = &t.programs[0];
    assert_eq!(client.sent, 5);
    assert_eq!(t.programs[1].received, 5);
    assert!(
        client
            .log
            .iter()
            .any(|e| e.call == "send() failed: BrokenPipe"),
        "{:?}",
        client.log
    );
}

#[test]
fn data_held_when_a_reset_arrives_is_dropped_without_a_panic() {
    // Debug build: the socket layer's send-path assertion used to fire here.
    let t = run_checked("rst-with-data-held-debug-panic");
    assert!(matches!(
        t.ending,
        Ending::TimeLimit(_) | Ending::EventLimit(_)
    ));
}

#[test]
fn a_repeat_of_four_billion_steps_starts_at_once_and_stops_at_the_limit() {
    let text = r#"
max_sim_time = "2s"
[client]
ip = "10.0.0.1"
steps = ["connect", { repeat = { times = 4294967295, steps = [{ send = "x" }, { sleep = "100ms" }] } }, "close"]
[server]
ip = "10.0.0.2"
port = 7
"#;
    let s = tcpsim::scenario::parse(text, "repeat.toml").unwrap();
    let t = tcpsim::engine::guard::run_catching(s).unwrap();
    assert_eq!(t.ending, Ending::TimeLimit(2_000_000));
    // One send every 100 ms for 2 s.
    assert_eq!(t.programs[0].sent, 20);
}

#[test]
fn acks_after_a_timeout_carry_snd_nxt_so_the_peer_reads_them() {
    everything_delivered(&run_checked("acks-below-rcv-nxt-livelock"));
    let t = run_checked_as("acks-below-rcv-nxt-livelock", Some(Profile::Smoltcp));
    everything_delivered(&t);
    assert!(
        notes(&t).iter().any(|n| n.contains("seq moved +")),
        "no ACK needed its seq raised: the scenario no longer shows the case"
    );
}

#[test]
fn a_zero_window_probe_never_lands_past_the_peer_window() {
    let t = run_checked("probe-past-held-bytes");
    everything_delivered(&t);
}

#[test]
fn fast_retransmissions_into_a_window_smaller_than_an_mss_are_left_to_the_timer() {
    everything_delivered(&run_checked("fast-retransmits-into-a-small-window"));
    let t = run_checked_as(
        "fast-retransmits-into-a-small-window",
        Some(Profile::Smoltcp),
    );
    everything_delivered(&t);
    assert!(
        notes(&t)
            .iter()
            .any(|n| n.contains("kept the third duplicate ACK from smoltcp")),
        "no fast retransmission was kept back: the scenario no longer shows the case"
    );
}

#[test]
fn acks_stay_inside_a_zero_window_after_a_probe() {
    let t = run_checked("ack-past-zero-window");
    everything_delivered(&t);
}

#[test]
fn a_reordered_old_window_update_does_not_move_the_window_back() {
    let t = run_checked("reordered-old-window-update");
    let rst = client_reset(&t).expect("close() with unread data resets");
    assert!(!rst.note.contains("seq moved"), "{}", rst.note);
}

#[test]
fn an_advancing_ack_updates_the_window_whatever_its_seq() {
    // Since send() counts smoltcp's queue in SO_SNDBUF (the buffer is no
    // longer twice its size) this scenario plays out differently: the client
    // blocks in send() while the server blocks echoing to it, as on Linux, and
    // the run ends at its time limit. The checker must still pass from both
    // ends, ACKs and probes included.
    let t = run_checked("window-frozen-by-seq-below-wl1");
    assert!(matches!(t.ending, Ending::TimeLimit(_)), "{:?}", t.ending);
}

#[test]
fn an_ack_at_the_right_edge_of_the_window_is_read() {
    let t = run_checked("ack-at-the-window-edge-dropped");
    everything_delivered(&t);
}

#[test]
fn a_reordered_zero_window_does_not_stall_the_sender() {
    let t = run_checked("stale-zero-window-stalls-the-sender");
    everything_delivered(&t);
}

#[test]
fn a_window_edge_that_smoltcp_rounds_back_does_not_misplace_a_reset() {
    // The checker's rst-acceptable rule is what failed; run_checked asserts it.
    let t = run_checked("shrunken-window-edge");
    assert!(
        client_reset(&t).is_some(),
        "close() with unread data resets"
    );
}

#[test]
fn a_window_that_shuts_while_the_fin_waits_reopens() {
    let t = run_checked("last-ack-ignores-window-updates");
    everything_delivered(&t);
}
