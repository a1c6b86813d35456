//! Acknowledgments: what an ACK newly covers, and why it left when it did —
//! alone at once (quick ACK, duplicate, every second full segment, the final
//! ACK), alone after the delayed-ACK timer, or riding on data or a FIN.

use crate::trace::{Fate, flags};

use super::context::{Acked, Ctx, and_list, duration, has, seq_len};
use super::notes::Reason;
use crate::render::seconds;

/// `frame 4 (20 bytes) and the server's FIN (frame 9)`; empty when nothing is new.
pub(super) fn covered(ctx: &Ctx, i: usize, acked: &Acked) -> String {
    let peer = ctx.records[i].sender.peer().name();
    let mut parts = Vec::new();
    if let Some(j) = acked.syn {
        parts.push(format!("the {peer}'s SYN (frame {})", ctx.no(j)));
    }
    if !acked.data.is_empty() {
        parts.push(format!(
            "{} ({} bytes)",
            ctx.frames(&acked.data),
            acked.bytes
        ));
    } else if acked.bytes > 0 {
        parts.push(format!("{} bytes", acked.bytes));
    }
    if let Some(j) = acked.fin {
        parts.push(format!("the {peer}'s FIN (frame {})", ctx.no(j)));
    }
    and_list(&parts)
}

/// The newest frame an ACK covers: the one whose arrival started its timer.
fn newest(ctx: &Ctx, acked: &Acked) -> Option<usize> {
    acked
        .data
        .iter()
        .copied()
        .chain(acked.fin)
        .chain(acked.syn)
        .max_by_key(|&j| (ctx.records[j].arrived_us, j))
}

/// Why a duplicate ACK or window update went out at once: the segment that
/// arrived at that moment, if any.
fn at_once(ctx: &Ctx, i: usize) -> String {
    let r = &ctx.records[i];
    let who = r.sender.name();
    let ack = ctx.n.ack(r);
    let now = ctx.reached_at(i, r.sender, r.sent_us);
    let trigger = now.iter().copied().rfind(|&j| seq_len(&ctx.records[j]) > 0);
    if let Some(j) = trigger {
        let o = &ctx.records[j];
        let end = o.raw_seq.wrapping_add(seq_len(o));
        if crate::wire::seq::le(end, r.raw_ack) {
            return format!(
                "Duplicate ACK (Ack = {ack} again): frame {} brought nothing the {who} did not already have, and such a segment is answered with an ACK at once (RFC 9293 3.10.7.4).",
                ctx.no(j)
            );
        }
        if crate::wire::seq::lt(r.raw_ack, o.raw_seq) {
            let before = ctx.ix.first_at_once(i, r.raw_ack).filter(|&k| k < i);
            if let Some(k) = before {
                return format!(
                    "Duplicate ACK (Ack = {ack} again): frame {} arrived out of order too (Seq = {}), as in frame {}.",
                    ctx.no(j),
                    ctx.n.seq(o),
                    ctx.no(k)
                );
            }
            return format!(
                "Duplicate ACK (Ack = {ack} again): frame {} arrived out of order (Seq = {}) while the bytes from {ack} on are still missing. Out-of-order data is ACKed at once (RFC 5681 4.2); three such duplicates make the sender retransmit (RFC 5681 3.2).",
                ctx.no(j),
                ctx.n.seq(o)
            );
        }
    }
    let previous = ctx.previous_ack_record(i);
    if let Some(k) = previous.filter(|&k| ctx.records[k].win != r.win) {
        let read = ctx
            .program(r.sender)
            .and_then(|p| p.last_until(r.sent_us, |c| matches!(c, super::calls::Call::Recv { .. })))
            .filter(|c| c.time >= ctx.records[k].sent_us)
            .map(|c| format!(" after its program's {} at {}", c.text, seconds(c.time)))
            .unwrap_or_default();
        return format!(
            "Window update (Ack = {ack} unchanged), sent at once{read}: it tells the {} that the {who}'s receive window is now Win = {}.",
            r.sender.peer().name(),
            r.win
        );
    }
    // A copy the link made of one of the peer's frames is not in this capture
    // when the peer's side was captured; the original is marked duplicated.
    let copied = ctx.last_reached(i, r.sender, r.sent_us).filter(|&j| {
        let o = &ctx.records[j];
        o.fate == Fate::Duplicated
            && crate::wire::seq::le(o.raw_seq.wrapping_add(seq_len(o)), r.raw_ack)
    });
    if let (Some(j), None) = (copied, now.last()) {
        return format!(
            "Duplicate ACK (Ack = {ack} again): the link delivered frame {} twice, and its second copy brought nothing the {who} did not already have; such a segment is answered with an ACK at once (RFC 9293 3.10.7.4).",
            ctx.no(j)
        );
    }
    let answers = match now.last() {
        Some(&j) => format!(
            " in answer to frame {}, which arrived at that moment",
            ctx.no(j)
        ),
        None => String::new(),
    };
    format!("ACK with nothing new acknowledged (Ack = {ack} again), sent at once{answers}.")
}

/// A segment with only ACK set: what it acknowledges and why it left then.
pub(super) fn pure(ctx: &Ctx, i: usize, reasons: &[Reason]) -> String {
    let r = &ctx.records[i];
    let who = r.sender.name();
    let peer = r.sender.peer().name();
    let acked = ctx.acked(i);
    let what = covered(ctx, i, &acked);
    for reason in reasons {
        match reason {
            Reason::HandshakeAck => {
                return format!(
                    "ACK: the handshake is complete. The {who} acknowledges the {peer}'s SYN (Ack = {}); both ends are now ESTABLISHED and connect() returns (RFC 9293 3.5).",
                    ctx.n.ack(r)
                );
            }
            Reason::QuickAck => {
                let before = ctx.ix.first_quick_ack.filter(|&k| k < i);
                if let Some(k) = before {
                    return format!(
                        "Quick ACK: acknowledges {what} at once (quick-ACK mode, as in frame {}).",
                        ctx.no(k)
                    );
                }
                return format!(
                    "Quick ACK: acknowledges {what} at once. Linux starts a connection in quick-ACK mode (and returns to it after an idle pause), ACKing each segment immediately where RFC 1122 4.2.3.2 would allow a delay."
                );
            }
            Reason::DelayedAck { ms, alone } => {
                let newest = newest(ctx, &acked);
                let single = acked.data.len()
                    + usize::from(acked.fin.is_some())
                    + usize::from(acked.syn.is_some())
                    == 1;
                let after = newest
                    .and_then(|j| ctx.records[j].arrived_us.map(|t| (j, t)))
                    .map(|(j, t)| {
                        let it = if single {
                            "it".to_string()
                        } else {
                            format!("frame {}", ctx.no(j))
                        };
                        format!(", {} after {it} arrived", duration(r.sent_us - t))
                    })
                    .unwrap_or_default();
                let idle = match (alone, newest.and_then(|j| ctx.records[j].arrived_us)) {
                    (true, Some(t)) => ctx
                        .program(r.sender)
                        .map(|p| match p.first_after(t) {
                            Some(c) if c.time > r.sent_us => format!(
                                " Its program made no socket call in that time; the next came at {}.",
                                seconds(c.time)
                            ),
                            None => " Its program made no further socket call.".to_string(),
                            Some(_) => String::new(),
                        })
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                return format!(
                    "Delayed ACK: acknowledges {what}{after}. The {who} held the ACK so that it could ride on a reply (delayed ACK, RFC 1122 4.2.3.2), but nothing was sent within the {ms} delayed-ACK timeout, so the ACK goes alone.{idle}"
                );
            }
            Reason::AckAtOnce => return at_once(ctx, i),
            Reason::FinAfterOurs => {
                let own_fin = (0..ctx.records.len())
                    .filter(|&k| {
                        let o = &ctx.records[k];
                        o.sender == r.sender
                            && ctx.same_conn(i, k)
                            && has(o, flags::FIN)
                            && o.sent_us <= r.sent_us
                    })
                    .map(|k| format!(" (frame {})", ctx.no(k)))
                    .next()
                    .unwrap_or_default();
                return format!(
                    "The final ACK: acknowledges {what}. The {who} had sent its own FIN first{own_fin}, so it ACKs at once. Both directions are now closed; the {who} keeps the connection in TIME-WAIT for 2 MSL in case this ACK is lost (RFC 9293 3.6)."
                );
            }
            Reason::EverySecondSegment => {
                return format!(
                    "ACK at once: acknowledges {what}. More than one full-sized segment was unacknowledged, and a receiver ACKs at least every second full-sized segment (RFC 1122 4.2.3.2)."
                );
            }
            _ => {}
        }
    }
    if what.is_empty() {
        format!(
            "ACK with nothing new acknowledged (Ack = {}).",
            ctx.n.ack(r)
        )
    } else {
        format!("ACK: acknowledges {what}.")
    }
}

/// An ACK number that advanced on a data segment or a FIN: the ACK rode on it.
pub(super) fn carried(ctx: &Ctx, i: usize) -> Option<String> {
    let r = &ctx.records[i];
    if !has(r, flags::ACK) || has(r, flags::SYN) || ctx.prev_ack(i).is_none() {
        return None;
    }
    let acked = ctx.acked(i);
    if acked.is_empty() {
        return None;
    }
    let who = r.sender.name();
    let what = covered(ctx, i, &acked);
    let ack = ctx.n.ack(r);
    if !ctx.linux_acks(r.sender) {
        return Some(format!(
            "Its Ack = {ack} acknowledges {what}: the {who} delayed that ACK (RFC 1122 4.2.3.2), and this segment, leaving first, carries it."
        ));
    }
    Some(if acked.fin.is_some() && has(r, flags::FIN) {
        format!(
            "Its Ack = {ack} acknowledges {what}: a FIN received makes Linux hold its ACK so that it can ride on the application's own FIN, and here it does (RFC 1122 4.2.3.2)."
        )
    } else {
        format!(
            "Its Ack = {ack} acknowledges {what}: the ACK rides on this segment because the {who} was in interactive mode (Linux's pingpong mode: a host that answers data promptly holds its ACKs so they can ride on the next data or FIN it sends, RFC 1122 4.2.3.2), so no separate ACK was sent."
        )
    })
}
