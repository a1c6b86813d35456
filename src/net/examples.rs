//! Worked examples: three tokio programs as they run in tcpsim's tests
//! (`tests/example_tokio_*.rs` run them; their code is in `tests/examples/`).
//!
//! ## A length-delimited protocol over 100 seeds at 5% loss
//!
//! tokio-util's `Framed<_, LengthDelimitedCodec>`, generic over the stream:
//! the same `serve` and `call` run over tokio's in-memory `duplex` pipe and
//! over tcpsim. `tests/example_tokio_framed.rs` checks every answer on 100
//! seeds at 5% loss, that the bytes on the stream are exactly the frames,
//! and that every run obeys TCP's sequence and acknowledgment rules.
//!
#![doc = concat!("```ignore\n", include_str!("../../tests/examples/framed.rs"), "```")]
//!
//! ## HTTP/1.1 with hyper, and the capture in Wireshark
//!
//! hyper 1.x's server and client connections over hyper-util's `TokioIo`,
//! unchanged, exchanging a 100 kB response; `tests/example_tokio_hyper.rs`
//! writes the pcapng and checks that tshark decodes the request and the
//! response as HTTP.
//!
#![doc = concat!("```ignore\n", include_str!("../../tests/examples/hyper.rs"), "```")]
//!
//! ## A timeout while the link is cut
//!
//! `tokio::time::timeout` around a request sent while a partition fault
//! drops everything from 1 s to 5 s: `tests/example_tokio_timeout.rs`
//! asserts that it gives up at exactly 3.5 s of virtual time, and that a
//! deadline longer than the partition gets the answer once the link heals.
//!
#![doc = concat!("```ignore\n", include_str!("../../tests/examples/timeout.rs"), "```")]
