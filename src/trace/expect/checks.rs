//! Whole-trace properties that tests state more often than exact sequences:
//! no reset, a given number of retransmissions, every byte delivered.
//!
//! Each returns a `Result` whose error says what was found instead, and has
//! an `assert_` twin that panics with that message at the caller's line.

use super::Mismatch;
use super::compact::compact_record;
use crate::scenario::model::Role;
use crate::trace::{ProgramSummary, Record, Trace, flags};
use crate::wire::seq;

fn fail(check: &'static str, message: String) -> Mismatch {
    Mismatch::Check { check, message }
}

/// A trace run with recording off has no records although frames crossed the
/// wire; a record-based check would then pass without looking at anything.
fn require_records(check: &'static str, trace: &Trace) -> Result<(), Mismatch> {
    if trace.records.is_empty() && trace.counters.frames > 0 {
        return Err(fail(
            check,
            format!(
                "the trace has no records although {} frames were sent: run with recording on",
                trace.counters.frames
            ),
        ));
    }
    Ok(())
}

/// `  record 11: c> R 21:21(0)  (why)` for a list in a message.
fn listing(records: &[&Record]) -> String {
    records
        .iter()
        .map(|r| {
            let mut line = format!("  record {}: {}", r.no, compact_record(r));
            if !r.note.is_empty() {
                line.push_str(&format!("  ({})", r.note));
            }
            line.push('\n');
            line
        })
        .collect()
}

/// Succeeds when no record of the trace has the RST flag.
///
/// It checks what the capture host saw, as Wireshark would: a reset the link
/// lost on the way to the capture host is not in the trace. A trace recorded
/// with recording off is an error rather than a vacuous success.
///
/// ```
/// # let trace = tcpsim::run(tcpsim::scenario::parse(r#"
/// # [client]
/// # ip = "10.0.0.1"
/// # steps = ["connect", { send = "hi" }, { recv = 16 }, "close"]
/// # [server]
/// # ip = "10.0.0.2"
/// # port = 7
/// # "#, "hello.toml").unwrap());
/// // The client reads the whole echo before closing: FIN both ways, no reset.
/// assert!(tcpsim::trace::expect::no_rst(&trace).is_ok());
/// ```
pub fn no_rst(trace: &Trace) -> Result<(), Mismatch> {
    require_records("no_rst", trace)?;
    let resets: Vec<&Record> = trace
        .records
        .iter()
        .filter(|r| r.flags & flags::RST != 0)
        .collect();
    if resets.is_empty() {
        return Ok(());
    }
    Err(fail(
        "no_rst",
        format!(
            "expected no RST, found {}:\n{}",
            resets.len(),
            listing(&resets)
        ),
    ))
}

/// Panics, at the caller's line, unless [`no_rst`] succeeds.
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
/// tcpsim::trace::expect::assert_no_rst(&trace);
/// ```
#[track_caller]
pub fn assert_no_rst(trace: &Trace) {
    if let Err(e) = no_rst(trace) {
        panic!("{e}");
    }
}

/// Whether a note says the link's second copy of a frame: the copy repeats
/// its original's note, so it would otherwise count twice.
fn is_link_copy(note: &str) -> bool {
    note.contains("the link's duplicate")
}

/// Whether the note names a resend by the sender's stack: the socket layer
/// writes "retransmission after the retransmission timeout", "fast
/// retransmission after N duplicate ACKs" or "tail loss probe: ...".
fn names_resend(note: &str) -> bool {
    note.contains("retransmission") || note.contains("tail loss probe")
}

/// Whether the link, not the sender, put the frame out of order: held back
/// by reordering or by a scripted delay, a frame arrives after later ones.
fn link_reordered(note: &str) -> bool {
    note.contains("reordered") || note.contains("delayed")
}

/// The records that are retransmissions, in trace order.
///
/// A record counts when it is not the link's duplicate copy of another frame
/// and either
/// - its note names a resend by the sender: a retransmission after the
///   retransmission timeout (RFC 6298), a fast retransmission (RFC 5681
///   3.2) or a tail loss probe (RFC 8985 7.3), which resends the last
///   segment; or
/// - it occupies sequence space (payload, SYN or FIN) starting before the
///   highest sequence number already seen from the same sender in this trace
///   (RFC 9293 3.4 comparisons, modulo 2^32), and the link did not reorder or
///   delay it. This is Wireshark's "TCP Retransmission" rule, and catches
///   resends the stack does not annotate, such as a repeated SYN.
///
/// Only the capture host's view counts: a retransmission the link lost
/// before it reached the capture host is not in the trace, while one the
/// capture host sent is, marked `dropped`.
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
/// assert!(tcpsim::trace::expect::retransmissions(&trace).is_empty());
/// ```
pub fn retransmissions(trace: &Trace) -> Vec<&Record> {
    // Per sender (Role::index): the highest sequence end seen.
    let mut highest: [Option<u32>; 2] = [None, None];
    let mut found = Vec::new();
    for r in &trace.records {
        let syn_fin = u32::from(r.flags & flags::SYN != 0) + u32::from(r.flags & flags::FIN != 0);
        let occupied = r.len.wrapping_add(syn_fin);
        if occupied == 0 || is_link_copy(&r.note) {
            continue;
        }
        let end = r.seq.wrapping_add(occupied);
        let top = &mut highest[r.sender.index()];
        let backwards = top.is_some_and(|max| seq::lt(r.seq, max));
        if names_resend(&r.note) || (backwards && !link_reordered(&r.note)) {
            found.push(r);
        }
        if top.is_none_or(|max| seq::lt(max, end)) {
            *top = Some(end);
        }
    }
    found
}

/// Succeeds when the trace holds exactly `n` [retransmissions]; the error
/// lists the ones found.
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
/// assert!(tcpsim::trace::expect::exactly_n_retransmissions(&trace, 0).is_ok());
/// let err = tcpsim::trace::expect::exactly_n_retransmissions(&trace, 1).unwrap_err();
/// assert_eq!(err.to_string(), "exactly_n_retransmissions: expected 1 retransmission, found none");
/// ```
pub fn exactly_n_retransmissions(trace: &Trace, n: usize) -> Result<(), Mismatch> {
    const CHECK: &str = "exactly_n_retransmissions";
    require_records(CHECK, trace)?;
    let found = retransmissions(trace);
    if found.len() == n {
        return Ok(());
    }
    let plural = |k: usize| if k == 1 { "" } else { "s" };
    let what = format!("expected {n} retransmission{}", plural(n));
    let message = if found.is_empty() {
        format!("{what}, found none")
    } else {
        format!("{what}, found {}:\n{}", found.len(), listing(&found))
    };
    Err(fail(CHECK, message))
}

/// Panics, at the caller's line, unless [`exactly_n_retransmissions`]
/// succeeds.
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
/// tcpsim::trace::expect::assert_retransmissions(&trace, 0);
/// ```
#[track_caller]
pub fn assert_retransmissions(trace: &Trace, n: usize) {
    if let Err(e) = exactly_n_retransmissions(trace, n) {
        panic!("{e}");
    }
}

fn program(trace: &Trace, role: Role) -> Result<&ProgramSummary, Mismatch> {
    let mut of_role = trace.programs.iter().filter(|p| p.role == role);
    match (of_role.next(), of_role.next()) {
        (Some(p), None) => Ok(p),
        (None, _) => Err(fail(
            "all_bytes_delivered",
            format!("the trace has no {} program", role.name()),
        )),
        (Some(_), Some(_)) => Err(fail(
            "all_bytes_delivered",
            format!(
                "the trace has more than one {} program: pair them yourself",
                role.name()
            ),
        )),
    }
}

/// Succeeds when each program received exactly the bytes its peer program
/// sent: the same count and the same stream digest, in both directions.
///
/// This is what TCP promises the applications (RFC 9293 1: a reliable,
/// in-order byte stream), judged at the socket calls rather than on the
/// wire. It compares each direction on its own, so an echo server whose reply
/// is transformed (upper-cased, repeated) still passes: the client must get
/// the reply the server sent, not its own request back. A program that
/// stops reading early (one `recv` of a longer reply, a reset) fails it.
///
/// ```
/// # let trace = tcpsim::run(tcpsim::scenario::parse(r#"
/// # [client]
/// # ip = "10.0.0.1"
/// # steps = ["connect", { send = "hi" }, { recv = 16 }, "close"]
/// # [server]
/// # ip = "10.0.0.2"
/// # port = 7
/// # [server.echo]
/// # transform = "upper"
/// # "#, "hello.toml").unwrap());
/// // The client sent "hi", the server read "hi" and sent "HI", the client read "HI".
/// assert!(tcpsim::trace::expect::all_bytes_delivered(&trace).is_ok());
/// ```
pub fn all_bytes_delivered(trace: &Trace) -> Result<(), Mismatch> {
    let client = program(trace, Role::Client)?;
    let server = program(trace, Role::Server)?;
    let mut problems = Vec::new();
    for (from, to) in [(client, server), (server, client)] {
        let (sender, receiver) = (from.role.name(), to.role.name());
        if to.received != from.sent {
            problems.push(format!(
                "the {receiver} received {} bytes, the {sender} sent {}",
                to.received, from.sent
            ));
        } else if to.received_digest != from.sent_digest {
            problems.push(format!(
                "the {receiver} received {} bytes as the {sender} sent, but different ones \
                 (digest {:016x}, sent {:016x})",
                to.received, to.received_digest, from.sent_digest
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(fail("all_bytes_delivered", problems.join("; ")))
    }
}

/// Panics, at the caller's line, unless [`all_bytes_delivered`] succeeds.
///
/// ```
/// # let trace = tcpsim::run(tcpsim::scenario::parse(r#"
/// # [client]
/// # ip = "10.0.0.1"
/// # steps = ["connect", { send = "hi" }, { recv = 16 }, "close"]
/// # [server]
/// # ip = "10.0.0.2"
/// # port = 7
/// # "#, "hello.toml").unwrap());
/// tcpsim::trace::expect::assert_all_bytes_delivered(&trace);
/// ```
#[track_caller]
pub fn assert_all_bytes_delivered(trace: &Trace) {
    if let Err(e) = all_bytes_delivered(trace) {
        panic!("{e}");
    }
}
