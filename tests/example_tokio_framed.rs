//! Example: a length-delimited request/response protocol written with
//! tokio-util's `Framed<_, LengthDelimitedCodec>`, generic over the stream,
//! run over tcpsim at 5% loss on 100 seeds.
//!
//! `serve` and `call` (in `examples/framed.rs`) take any
//! `AsyncRead + AsyncWrite + Unpin`: the same functions run over tokio's
//! in-memory `duplex` pipe (where every frame arrives whole, at once) and
//! over a tcpsim `TcpStream` (where frames are split across segments, lost,
//! retransmitted and coalesced). The property checked: every answer is
//! right, on every seed; and the trace agrees with the protocol: the bytes
//! the client's program wrote are exactly the frames it sent (a 4-byte
//! length before each request), every run passes TCP's sequence and
//! acknowledgment rules, and the loss really happened.

#![cfg(feature = "tokio")]

#[path = "examples/framed.rs"]
mod framed;

use std::cell::RefCell;
use std::rc::Rc;

use framed::{answer, call, requests, serve};
use tcpsim::SimBuilder;
use tcpsim::trace::{Ending, Fate};

#[test]
fn the_protocol_works_over_an_in_memory_pipe() {
    // The same generic code, over tokio's duplex pipe inside a host's tasks.
    let answers = Rc::new(RefCell::new(Vec::new()));
    let out = Rc::clone(&answers);
    SimBuilder::new()
        .client_main(move || async move {
            let (near, far) = tokio::io::duplex(64);
            tcpsim::net::spawn(serve(far));
            *out.borrow_mut() = call(near, &requests()).await.unwrap();
        })
        .run();
    let expected: Vec<Vec<u8>> = requests().iter().map(|r| answer(r)).collect();
    assert_eq!(*answers.borrow(), expected);
}

/// How many seeds: 100, or `TCPSIM_FRAMED_SEEDS` for a longer search.
fn seeds() -> u64 {
    std::env::var("TCPSIM_FRAMED_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

#[test]
fn every_answer_is_right_at_five_percent_loss_on_100_seeds() {
    let expected: Vec<Vec<u8>> = requests().iter().map(|r| answer(r)).collect();
    let framed_bytes: u64 = requests().iter().map(|r| 4 + r.len() as u64).sum();
    let seeds = seeds();
    let mut dropped = 0;
    for seed in 1..=seeds {
        let (answers, trace) = framed::run(seed);
        assert_eq!(trace.ending, Ending::Finished, "seed {seed}");
        assert!(answers == expected, "seed {seed}: wrong answers");
        assert_eq!(
            trace.programs[0].sent, framed_bytes,
            "seed {seed}: bytes on the stream"
        );
        let violations = tcpsim::trace::check::check_trace(&trace);
        assert!(violations.is_empty(), "seed {seed}: {violations:?}");
        dropped += trace
            .records
            .iter()
            .filter(|r| r.fate == Fate::Dropped)
            .count();
    }
    // The server's capture shows the frames it sent that the link lost: 5%
    // of some 50 per run.
    assert!(
        dropped as u64 > seeds,
        "{dropped} frames lost in {seeds} runs"
    );
}
