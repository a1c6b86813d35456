//! A trace in the expected-sequence notation, one line per record: for
//! snapshots (insta), for reading, and as the starting point of an
//! expectation (copy it, then loosen what the test should not pin down).

use crate::trace::text::{one_line, seconds};
use crate::trace::{Fate, Record, Trace, flags};

use super::pattern::flag_letters;

/// What [`compact_with`] adds to each line besides the segment itself.
///
/// The default adds nothing: a snapshot then changes only when the segments
/// do. Times move whenever any timing in the simulator is tuned, windows
/// whenever a buffer size is, and notes whenever an explanation is reworded,
/// so a test that snapshots them pins down more than its subject.
///
/// ```
/// use tcpsim::trace::expect::CompactOptions;
///
/// let everything = CompactOptions { win: true, times: true, notes: true };
/// assert_ne!(everything, CompactOptions::default());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompactOptions {
    /// Add `win N`, the window field as sent (unscaled).
    pub win: bool,
    /// Add the capture time in seconds as a trailing `# 0.000106` comment.
    pub times: bool,
    /// Add the simulator's note (why the segment was sent, what the link did)
    /// as a trailing comment.
    pub notes: bool,
}

/// One record as a line of the expected-sequence language, such as
/// `s> P. 1:6(5) ack 21`; `dropped` or `duplicated` is added when the link did
/// that to it.
///
/// The direction is always written `c>` or `s>`, which does not depend on
/// which host captured; `ack` appears exactly when the ACK flag is set, as in
/// tcpdump.
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
/// assert_eq!(tcpsim::trace::expect::compact_record(&trace.records[1]), "s> S. 0:0(0) ack 1");
/// ```
pub fn compact_record(rec: &Record) -> String {
    segment_text(rec, false)
}

/// The line for one record, with its window when `win` is set.
pub(super) fn segment_text(rec: &Record, win: bool) -> String {
    let dir = match rec.sender {
        crate::scenario::model::Role::Client => "c>",
        crate::scenario::model::Role::Server => "s>",
    };
    let mut out = format!(
        "{dir} {} {}:{}({})",
        flag_letters(rec.flags),
        rec.seq,
        rec.seq.wrapping_add(rec.len),
        rec.len
    );
    if rec.flags & flags::ACK != 0 {
        out.push_str(&format!(" ack {}", rec.ack));
    }
    if win {
        out.push_str(&format!(" win {}", rec.win));
    }
    if rec.fate != Fate::Delivered {
        out.push(' ');
        out.push_str(rec.fate.name());
    }
    out
}

/// The trace's records in the expected-sequence notation, one line each,
/// with no times, windows or notes: stable enough for an insta snapshot, and
/// accepted by [`expect_segments`](super::expect_segments) as an exact
/// expectation of the same trace.
///
/// ```
/// let trace = tcpsim::run(tcpsim::scenario::parse(r#"
///     [client]
///     ip = "10.0.0.1"
///     steps = ["connect", { send = "hi" }, { recv = 16 }, "close"]
///     [server]
///     ip = "10.0.0.2"
///     port = 7
/// "#, "hello.toml").unwrap());
/// let text = tcpsim::trace::expect::compact(&trace);
/// assert!(text.starts_with("c> S 0:0(0)\ns> S. 0:0(0) ack 1\nc> . 1:1(0) ack 1\nc> P. 1:3(2) ack 1\n"));
/// tcpsim::trace::expect::assert_segments(&trace, &text);
/// ```
pub fn compact(trace: &Trace) -> String {
    compact_with(trace, CompactOptions::default())
}

/// [`compact`] with more on each line: windows as `win N`, and times and
/// notes as trailing comments aligned in one column (comments are ignored by
/// the matcher, so the text is still an exact expectation of the trace).
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
/// use tcpsim::trace::expect::{CompactOptions, compact_with};
///
/// let text = compact_with(&trace, CompactOptions { times: true, notes: true, ..Default::default() });
/// let third = text.lines().nth(2).unwrap();
/// assert!(third.starts_with("c> . 1:1(0) ack 1 "));
/// assert!(third.ends_with("   # 0.000318 handshake ACK"));
/// tcpsim::trace::expect::assert_segments(&trace, &text);
/// ```
pub fn compact_with(trace: &Trace, options: CompactOptions) -> String {
    let lines: Vec<String> = trace
        .records
        .iter()
        .map(|r| segment_text(r, options.win))
        .collect();
    let comment = |r: &Record| {
        let mut parts = Vec::new();
        if options.times {
            parts.push(seconds(r.time_us));
        }
        if options.notes && !r.note.is_empty() {
            parts.push(one_line(&r.note));
        }
        parts.join(" ")
    };
    let column = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let mut out = String::with_capacity(lines.len() * (column + 8));
    for (line, r) in lines.iter().zip(&trace.records) {
        let note = comment(r);
        if note.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(&format!("{line:<column$}   # {note}"));
        }
        out.push('\n');
    }
    out
}
