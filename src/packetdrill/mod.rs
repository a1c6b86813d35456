//! packetdrill scripts (google/packetdrill's `.pkt` files) run against
//! tcpsim's `linux`-profile host in virtual time: no kernel, no root, the
//! same result on every machine, and a trace of the run like any other.
//!
//! The script plays the remote peer. Its `<` lines become frames the host
//! receives as if the link delivered them; the host's frames are checked
//! against its `>` lines in order (flags, sequence and ACK numbers mapped
//! from the host's ISN as packetdrill maps them, window, options, payload,
//! time within the tolerance); its system calls are made on the host's
//! sockets and their results checked; `%{ }%` blocks are evaluated against
//! the host's `tcp_info`. Shell commands are never run: their `sysctl`
//! settings are read and applied (`config.rs`).
//!
//! ```
//! let text = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\
//!             +0 bind(3, ..., ...) = 0\n\
//!             +0 listen(3, 1) = 0\n\
//!             +0 < S 0:0(0) win 65535 <mss 1000>\n\
//!             +0 > S. 0:0(0) ack 1 <...>\n";
//! let script = tcpsim::packetdrill::parse("example.pkt", text).unwrap();
//! let outcome = tcpsim::packetdrill::run(&script, "example");
//! assert!(outcome.verdict.passed(), "{}", outcome.verdict);
//! ```
//!
//! - `script/`: the language: text to [`Script`], errors with line and column;
//! - `config.rs`: header options and sysctls -> the host's settings;
//! - `prescan.rs`: what tcpsim cannot model, found before the run (SKIP);
//! - `harness.rs`: the host, its clock, the frames it sent, the capture;
//! - `packets.rs`: inbound lines to frames, frames checked against outbound
//!   lines, script <-> live number mapping;
//! - `syscalls.rs`, `symbols.rs`: the file descriptors and the calls;
//! - `code.rs`: `%{ }%` blocks;
//! - `runner.rs`: the event loop and packetdrill's timing rules;
//! - `suite.rs`: many scripts (a folder), one line each and a summary;
//! - `outcome.rs`: PASS / FAIL / SKIP and the trace.

mod code;
pub mod config;
mod harness;
pub mod outcome;
mod packets;
mod prescan;
mod runner;
pub mod script;
pub mod suite;
mod symbols;
mod syscalls;

pub use outcome::{Outcome, Verdict};
pub use runner::{run, run_with};
pub use script::{ParseError, Script, parse};
