//! Example: a tokio client that bounds each request with
//! `tokio::time::timeout`, while the link is cut for four seconds.
//!
//! The client and server (in `examples/timeout.rs`) are ordinary tokio code (only the
//! `tcpsim::net` import and `tcpsim::net::spawn` differ). The link drops
//! everything from 1 s to 5 s of virtual time (a partition fault). The
//! client's second request, sent at 1.5 s, is lost with every retransmission
//! inside the window, and the 2 s timeout gives up at exactly 3.5 s of
//! virtual time: `tokio::time` runs on the simulation's clock, so the test
//! can assert the instant, not a range. With a deadline longer than the
//! partition the same request succeeds once the link heals.

#![cfg(feature = "tokio")]

#[path = "examples/timeout.rs"]
mod timeout_example;

use std::time::Duration;

use tcpsim::scenario::model::Role;
use tcpsim::trace::Fate;
use timeout_example::run;

#[test]
fn the_timeout_gives_up_at_exactly_three_and_a_half_seconds() {
    let (seen, trace) = run(Duration::from_secs(2));
    assert_eq!(seen[0].0.as_deref(), Some("HELLO"));
    assert!(seen[0].1 < Duration::from_millis(100), "{:?}", seen[0].1);
    // Asked at 1.5 s, gave up 2 s later, to the microsecond.
    assert_eq!(seen[1], (None, Duration::from_millis(3500)));
    // The trace shows why: everything the client sent in the window was lost
    // to the partition (its retransmissions at 1 s backoff included).
    let lost: Vec<_> = trace
        .records
        .iter()
        .filter(|r| r.sender == Role::Client && r.fate == Fate::Dropped)
        .collect();
    assert!(lost.len() >= 2, "{} frames lost", lost.len());
    for r in &lost {
        assert!(
            (1_000_000..5_000_000).contains(&r.time_us),
            "frame {}",
            r.no
        );
        assert!(r.note.contains("partition"), "{}", r.note);
    }
    // Giving up dropped the stream: the FIN went out after the request, and
    // got through once the link healed.
    let fin = trace
        .records
        .iter()
        .find(|r| r.sender == Role::Client && r.flags & tcpsim::trace::flags::FIN != 0)
        .expect("the client closed");
    assert!(fin.time_us >= 3_500_000);
    assert_eq!(trace.ending, tcpsim::trace::Ending::Finished);
    // The whole story, pinned: a change in how tasks, timers or the
    // partition behave shows up as a diff of this table.
    insta::assert_snapshot!(tcpsim::render::table(&trace));
}

#[test]
fn a_deadline_longer_than_the_partition_gets_the_answer() {
    let (seen, _) = run(Duration::from_secs(10));
    let (answer, at) = &seen[1];
    assert_eq!(answer.as_deref(), Some("ARE YOU THERE"));
    // The request got through with the first retransmission after 5 s.
    assert!(
        *at > Duration::from_secs(5) && *at < Duration::from_secs(10),
        "{at:?}"
    );
}
