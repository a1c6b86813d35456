//! Assertions on traces: an expected sequence of segments written compactly,
//! whole-trace checks, and a compact rendering for snapshots.
//!
//! ```
//! let trace = tcpsim::run(tcpsim::scenario::parse(r#"
//!     [client]
//!     ip = "10.0.0.1"
//!     steps = ["connect", { send = "hi" }, { recv = 16 }, "close"]
//!     [server]
//!     ip = "10.0.0.2"
//!     port = 7
//! "#, "hello.toml").unwrap());
//!
//! tcpsim::trace::expect::assert_segments(&trace, "
//!     c> S 0:0(0)                  # three-way handshake
//!     s> S. 0:0(0) ack 1
//!     c> . 1:1(0) ack 1
//!     c> P. 1:3(2) ack 1           # the request, two bytes
//!     ...                          # ACKs and the echo, however they fall
//!     c> F. 3:3(0) ack 3           # the client closes after reading two bytes
//!     s> F. 3:3(0) ack 4
//!     c> . 4:4(0) ack 4
//! ");
//! tcpsim::trace::expect::assert_no_rst(&trace);
//! tcpsim::trace::expect::assert_all_bytes_delivered(&trace);
//! ```
//!
//! # The expected-sequence language
//!
//! One segment per line, in the notation of tcpdump and packetdrill, matched
//! against the trace's records (the capture host's view, in its order): the
//! whole trace, first line against first record, unless `...` says
//! otherwise.
//!
//! ```text
//! [?] [c> | s> | > | <] FLAGS START:END(LENGTH) [ack N] [win N] [dropped | duplicated | delivered]
//! ```
//!
//! - **Direction.** `c>` is a segment the client sent, `s>` one the server
//!   sent, whichever host captured. `>` and `<` are packetdrill's arrows,
//!   seen from the capture host as packetdrill's are from the host under
//!   test: `>` it sent, `<` it received (with the default server capture,
//!   `< S 0:0(0)` is the client's SYN). Without a prefix either direction
//!   matches. [`compact`] always writes `c>`/`s>`.
//! - **Flags**, tcpdump's letters in any order: `S` SYN, `F` FIN, `R` RST,
//!   `P` PSH, `.` ACK, `U` URG, `E` ECE, `W` CWR. The set must be exact
//!   (`.` does not match a `P.` segment, as with scripted faults); `none` is
//!   a segment without flags, `*` any flags.
//! - **`START:END(LENGTH)`**: relative sequence numbers as in the trace and
//!   in Wireshark (each side's SYN is 0, its first data byte 1) and the
//!   payload length; END is START plus LENGTH (SYN and FIN are not counted,
//!   so a SYN is `0:0(0)`), which the parser checks when all three are
//!   given.
//! - **`ack N`**: the relative acknowledgment number; the ACK flag must be
//!   set. Leave it out to accept any.
//! - **`win N`**: the window field as sent, unscaled. Left out: any.
//! - **`dropped`, `duplicated`, `delivered`**: what the link did with the
//!   frame (a frame the link lost appears only in its sender's capture).
//!   Left out: any.
//! - **Wildcards.** `*` in place of any number (`P. *:*(*) ack *`) or of
//!   the flags. A line starting with `?` is optional: it matches one record
//!   or none. A line `...` matches any number of records, none included.
//! - `#` starts a comment to the end of the line; blank lines are ignored;
//!   leading blanks are free, so an expectation can be indented in a raw
//!   string.
//!
//! Mistakes in a sequence are reported with their line and column
//! ([`SpecError`]). A sequence that does not match produces a report with
//! the expected lines and the actual records side by side
//! ([`Mismatch::Segments`]).
//!
//! # Helpers
//!
//! [`no_rst`], [`exactly_n_retransmissions`] (with [`retransmissions`]
//! defining what counts) and [`all_bytes_delivered`] check whole-trace
//! properties, each with an `assert_` variant that panics at the caller's
//! line with the same message.

mod checks;
mod compact;
mod matcher;
mod pattern;
mod report;
mod spec;

use std::fmt;

pub use checks::{
    all_bytes_delivered, assert_all_bytes_delivered, assert_no_rst, assert_retransmissions,
    exactly_n_retransmissions, no_rst, retransmissions,
};
pub use compact::{CompactOptions, compact, compact_record, compact_with};
pub use spec::{Expected, SpecError};

use crate::trace::Trace;

/// Why an expectation failed.
///
/// `Display` gives the whole explanation; `Debug` gives the same text, so
/// that `expect_segments(..).unwrap()` in a test prints a readable table
/// instead of an escaped string.
#[derive(Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The expected sequence has a mistake; nothing was matched.
    Spec(SpecError),
    /// The records do not match the expected sequence.
    Segments {
        /// Line of the expected sequence at the first difference; `None`
        /// when the first difference is a record no line expects.
        line: Option<usize>,
        /// Number (`Record::no`) of the record at the first difference;
        /// `None` when it is a line with no record.
        record: Option<usize>,
        /// The side-by-side report: expected lines and actual records, the
        /// first difference marked and explained field by field.
        report: String,
    },
    /// A whole-trace check failed.
    Check {
        /// The check's function name, such as `no_rst`.
        check: &'static str,
        /// What was found instead.
        message: String,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Spec(e) => write!(f, "{e}"),
            Mismatch::Segments { report, .. } => f.write_str(report),
            Mismatch::Check { check, message } => write!(f, "{check}: {message}"),
        }
    }
}

impl fmt::Debug for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f)?;
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Mismatch {}

impl From<SpecError> for Mismatch {
    fn from(e: SpecError) -> Mismatch {
        Mismatch::Spec(e)
    }
}

/// Match all of the trace's records, in order, against an expected sequence
/// written in the [language above](self#the-expected-sequence-language).
///
/// ```
/// # let trace = tcpsim::run(tcpsim::scenario::parse(r#"
/// # [client]
/// # ip = "10.0.0.1"
/// # steps = ["connect", "close"]
/// # [server]
/// # ip = "10.0.0.2"
/// # port = 7
/// # "#, "hello.toml").unwrap());
/// use tcpsim::trace::expect::{Mismatch, expect_segments};
///
/// assert!(expect_segments(&trace, "S 0:0(0)\nS. 0:0(0) ack 1\n...").is_ok());
/// match expect_segments(&trace, "S 0:0(0)\nS 0:0(0)\n...") {
///     Err(Mismatch::Segments { line, record, report }) => {
///         assert_eq!((line, record), (Some(2), Some(2)));
///         assert!(report.contains("flags: expected S, got S."), "{report}");
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn expect_segments(trace: &Trace, spec: &str) -> Result<(), Mismatch> {
    Expected::parse(spec)?.check(trace)
}

/// Panics, at the caller's line, unless [`expect_segments`] succeeds; the
/// panic message is the side-by-side report (or the spec's mistake).
///
/// ```should_panic
/// # let trace = tcpsim::run(tcpsim::scenario::parse(r#"
/// # [client]
/// # ip = "10.0.0.1"
/// # steps = ["connect", "close"]
/// # [server]
/// # ip = "10.0.0.2"
/// # port = 7
/// # "#, "hello.toml").unwrap());
/// // The handshake alone is not the whole trace: the FINs are missing.
/// tcpsim::trace::expect::assert_segments(&trace, "c> S 0:0(0)\ns> S. 0:0(0) ack 1\nc> . 1:1(0) ack 1");
/// ```
#[track_caller]
pub fn assert_segments(trace: &Trace, spec: &str) {
    if let Err(e) = expect_segments(trace, spec) {
        panic!("{e}");
    }
}
