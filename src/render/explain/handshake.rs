//! SYN and SYN,ACK: the first two steps of the three-way handshake
//! (RFC 9293 3.5). The third, the handshake ACK, is explained with the ACKs.

use crate::wire::flags;

use super::calls::Call;
use super::context::{Ctx, duration, has};
use super::wire;
use crate::render::seconds;

fn mss(ctx: &Ctx, i: usize) -> String {
    wire::options(&ctx.records[i].frame)
        .and_then(|o| o.mss)
        .map(|m| format!(", announces an MSS of {m} bytes"))
        .unwrap_or_default()
}

/// A SYN or SYN,ACK.
pub(super) fn syn(ctx: &Ctx, i: usize) -> String {
    let r = &ctx.records[i];
    let program = ctx.program(r.sender);
    if let Some(&j) = ctx.copies(i).last() {
        let what = if has(r, flags::ACK) { "SYN,ACK" } else { "SYN" };
        return format!(
            "The {what} again: nothing answered frame {} within {}, so the {} resends it on its retransmission timer (RFC 6298).",
            ctx.no(j),
            duration(r.sent_us - ctx.records[j].sent_us),
            r.sender.name()
        );
    }
    if !has(r, flags::ACK) {
        let call = program
            .and_then(|p| p.last_until(r.sent_us, |c| matches!(c, Call::Connect)))
            .map(|c| format!(" (at {})", seconds(c.time)))
            .unwrap_or_default();
        let isn = ctx.n.seq(r);
        return format!(
            "SYN: the {}'s connect(){call} asks for a connection. The SYN carries its initial sequence number {isn}{} and takes one sequence number itself, so its data will start at {isn}+1 (RFC 9293 3.5).",
            r.sender.name(),
            mss(ctx, i)
        );
    }
    let listen = program
        .and_then(|p| p.last_until(r.sent_us, |c| matches!(c, Call::Listen)))
        .map(|c| format!(" ({})", c.text))
        .unwrap_or_default();
    let accept = program
        .and_then(|p| {
            p.calls
                .iter()
                .find(|c| c.time >= r.sent_us && matches!(c.call, Call::Accept))
        })
        .map(|c| {
            format!(
                " accept() returns at {}, once the handshake is done.",
                seconds(c.time)
            )
        })
        .unwrap_or_default();
    format!(
        "SYN,ACK: the {}'s listening socket{listen} accepts the request. It picks its own initial sequence number {}{} and acknowledges the SYN with Ack = {}: the SYN took one sequence number (RFC 9293 3.5).{accept}",
        r.sender.name(),
        ctx.n.seq(r),
        mss(ctx, i),
        ctx.n.ack(r)
    )
}
