//! The simulator's note for a frame, read back as reasons. A note is the
//! sender's reason and the link's, joined with `; ` (see `trace::text::join_notes`);
//! each part is recognised by the fixed words the socket layer, the ACK policy,
//! the tail loss probe and the link write. A part not recognised is kept as
//! text, so an explanation never drops what the simulator said.

use crate::scenario::model::Micros;

/// What caused a FIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FinCall {
    Close,
    Shutdown,
    Unknown,
}

/// One recognised part of a note.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Reason {
    HandshakeAck,
    QuickAck,
    /// Linux's ACK for a duplicate segment, out-of-order data or a window update.
    AckAtOnce,
    /// The ACK of the peer's FIN after our own FIN.
    FinAfterOurs,
    /// More than one full-sized segment was unacknowledged.
    EverySecondSegment,
    /// The delayed-ACK timer fired; `alone`: with no reply to carry it.
    DelayedAck {
        ms: String,
        alone: bool,
    },
    CloseUnread(u64),
    DataAfterClose(u64),
    /// A segment for a connection that is gone; why it is gone.
    Gone(String),
    NoSocket,
    Rst,
    Fin(FinCall),
    FastRetransmit(u32),
    RtoRetransmit,
    /// Linux's RTO resend, with the timeout that expired (`216`).
    Rto(String),
    /// A segment the timeout marked lost, resent as the window grows back.
    AfterRto,
    /// RACK marked it lost; the congestion window in recovery.
    Rack(String),
    /// Tail loss probe, with the probe timeout as the note gives it (`3.7 ms`).
    Probe(String),
    NagleReleased,
    FaultDrop(String),
    FaultDelay(String, Micros),
    FaultStall(String, Micros),
    RandomLoss(String),
    QueueFull(String),
    Reordered(Micros),
    Duplicated,
    LinkCopy,
    Other(String),
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// `3000` from `<anything>{marker}3000 us`.
fn micros_after(text: &str, marker: &str) -> Option<Micros> {
    text.split_once(marker)?.1.strip_suffix(" us")?.parse().ok()
}

/// `#2` from `scripted fault #2: ...`.
fn fault_number(part: &str) -> String {
    between(part, "scripted fault ", ":")
        .unwrap_or("")
        .to_string()
}

fn reason(part: &str) -> Reason {
    let number = |s: &str| s.parse::<u64>().ok();
    if part == "handshake ACK" {
        Reason::HandshakeAck
    } else if part == "quick ACK" {
        Reason::QuickAck
    } else if part.starts_with("duplicate ACK or window update") {
        Reason::AckAtOnce
    } else if part.starts_with("ACK of the peer's FIN after ours") {
        Reason::FinAfterOurs
    } else if part.starts_with("ACK: more than one full-sized segment") {
        Reason::EverySecondSegment
    } else if let Some(ms) = between(part, "delayed ACK: ", " timer expired") {
        Reason::DelayedAck {
            ms: ms.to_string(),
            alone: part.contains("no reply to carry it"),
        }
    } else if let Some(n) = part
        .strip_prefix("close() with ")
        .and_then(|rest| rest.split_once(" unread bytes"))
        .and_then(|(n, _)| number(n))
    {
        Reason::CloseUnread(n)
    } else if let Some(n) = part
        .split_once(" bytes arrived after close()")
        .and_then(|(n, _)| number(n))
    {
        Reason::DataAfterClose(n)
    } else if let Some(why) = part
        .strip_prefix("segment for a connection that is gone (")
        .and_then(|rest| rest.rsplit_once("): RST"))
    {
        Reason::Gone(why.0.to_string())
    } else if part.starts_with("no socket for this segment") {
        Reason::NoSocket
    } else if part == "RST" {
        Reason::Rst
    } else if part == "FIN from close()" {
        Reason::Fin(FinCall::Close)
    } else if part.starts_with("FIN from shutdown(") {
        Reason::Fin(FinCall::Shutdown)
    } else if part == "FIN" {
        Reason::Fin(FinCall::Unknown)
    } else if let Some(n) = between(part, "fast retransmission after ", " duplicate ACKs") {
        Reason::FastRetransmit(n.parse().unwrap_or(3))
    } else if part == "retransmission after the retransmission timeout" {
        Reason::RtoRetransmit
    } else if let Some(ms) = between(part, "resent after RTO ", " ms") {
        Reason::Rto(ms.to_string())
    } else if part.starts_with("retransmission after the timeout: marked lost") {
        Reason::AfterRto
    } else if part.starts_with("fast retransmission: RACK marked it lost") {
        Reason::Rack(
            between(part, "cwnd ", " in recovery")
                .unwrap_or("")
                .to_string(),
        )
    } else if part.starts_with("tail loss probe") {
        Reason::Probe(between(part, "within PTO ", " (").unwrap_or("").to_string())
    } else if part.starts_with("Nagle released") {
        Reason::NagleReleased
    } else if part.starts_with("scripted fault #") && part.ends_with(": drop") {
        Reason::FaultDrop(fault_number(part))
    } else if let Some(us) = micros_after(part, ": delayed ") {
        Reason::FaultDelay(fault_number(part), us)
    } else if let Some(us) = micros_after(part, ": link stalled ") {
        Reason::FaultStall(fault_number(part), us)
    } else if let Some(p) = between(part, "lost on the link (loss ", ")") {
        Reason::RandomLoss(p.to_string())
    } else if let Some(detail) = part.strip_prefix("queue full: ") {
        Reason::QueueFull(detail.to_string())
    } else if let Some(us) = micros_after(part, "reordered: held back ") {
        Reason::Reordered(us)
    } else if part == "duplicated by the link" {
        Reason::Duplicated
    } else if part == "the link's duplicate" {
        Reason::LinkCopy
    } else {
        Reason::Other(part.to_string())
    }
}

/// Every part of a note, in order; an empty note has none.
pub(super) fn reasons(note: &str) -> Vec<Reason> {
    note.split("; ")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(reason)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_note_the_simulator_writes() {
        let cases = [
            ("handshake ACK", Reason::HandshakeAck),
            ("quick ACK", Reason::QuickAck),
            (
                "duplicate ACK or window update: sent at once",
                Reason::AckAtOnce,
            ),
            (
                "ACK of the peer's FIN after ours: sent at once",
                Reason::FinAfterOurs,
            ),
            (
                "ACK: more than one full-sized segment unacknowledged",
                Reason::EverySecondSegment,
            ),
            (
                "delayed ACK: 40 ms timer expired with no reply to carry it",
                Reason::DelayedAck {
                    ms: "40 ms".into(),
                    alone: true,
                },
            ),
            (
                "delayed ACK: 40 ms timer expired",
                Reason::DelayedAck {
                    ms: "40 ms".into(),
                    alone: false,
                },
            ),
            (
                "close() with 5192 unread bytes: RST instead of FIN (RFC 2525 2.17)",
                Reason::CloseUnread(5192),
            ),
            (
                "15 bytes arrived after close(): RST, seq = their ACK (RFC 1122 4.2.2.13)",
                Reason::DataAfterClose(15),
            ),
            (
                "segment for a connection that is gone (reset by close() with 5192 unread bytes): RST (RFC 9293 3.10.7.1)",
                Reason::Gone("reset by close() with 5192 unread bytes".into()),
            ),
            (
                "no socket for this segment: RST (RFC 9293 3.10.7.1)",
                Reason::NoSocket,
            ),
            ("RST", Reason::Rst),
            ("FIN from close()", Reason::Fin(FinCall::Close)),
            ("FIN from shutdown(SHUT_WR)", Reason::Fin(FinCall::Shutdown)),
            ("FIN", Reason::Fin(FinCall::Unknown)),
            (
                "fast retransmission after 3 duplicate ACKs",
                Reason::FastRetransmit(3),
            ),
            (
                "retransmission after the retransmission timeout",
                Reason::RtoRetransmit,
            ),
            (
                "tail loss probe: last segment resent, no ACK within PTO 3.7 ms (RFC 8985 7.3)",
                Reason::Probe("3.7 ms".into()),
            ),
            (
                "Nagle released data held while a small segment was unacknowledged",
                Reason::NagleReleased,
            ),
            ("scripted fault #1: drop", Reason::FaultDrop("#1".into())),
            (
                "scripted fault #3: delayed 20000 us",
                Reason::FaultDelay("#3".into(), 20_000),
            ),
            (
                "scripted fault #2: link stalled 3000 us",
                Reason::FaultStall("#2".into(), 3_000),
            ),
            (
                "lost on the link (loss 0.05)",
                Reason::RandomLoss("0.05".into()),
            ),
            (
                "queue full: 900 B waiting, limit 1514 B",
                Reason::QueueFull("900 B waiting, limit 1514 B".into()),
            ),
            ("reordered: held back 3000 us", Reason::Reordered(3_000)),
            ("duplicated by the link", Reason::Duplicated),
            ("the link's duplicate", Reason::LinkCopy),
            ("something new", Reason::Other("something new".into())),
        ];
        for (note, want) in cases {
            assert_eq!(reasons(note), vec![want], "{note}");
        }
    }

    #[test]
    fn splits_joined_notes() {
        assert_eq!(
            reasons("quick ACK; scripted fault #2: link stalled 3000 us"),
            vec![Reason::QuickAck, Reason::FaultStall("#2".into(), 3_000)]
        );
        assert_eq!(reasons(""), vec![]);
    }
}
