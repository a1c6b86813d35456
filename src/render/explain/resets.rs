//! RST segments: close() with unread data (RFC 2525 2.17), data reaching a
//! socket after close() (RFC 1122 4.2.2.13), and segments for a connection that
//! no longer exists (RFC 9293 3.10.7.1) — with the rule that sets the RST's
//! sequence number, which is what the course write-up got wrong.

use crate::wire::flags;

use super::calls::Call;
use super::context::{Ctx, has, seq_len};
use super::data;
use super::notes::Reason;
use crate::render::seconds;

/// How reset generation numbered this RST (RFC 9293 3.10.7.1): an answer to a
/// segment with ACK takes that ACK as its Seq; an answer to one without ACK has
/// Seq 0 and acknowledges the segment.
fn seq_rule(ctx: &Ctx, i: usize, trigger: Option<usize>) -> String {
    let r = &ctx.records[i];
    let seq = ctx.n.seq(r);
    if has(r, flags::ACK) {
        return format!(
            "The segment it answers carried no ACK, so the RST has Seq = {} and acknowledges that segment instead: Ack = {} (RFC 9293 3.10.7.1).",
            r.raw_seq,
            ctx.n.ack(r)
        );
    }
    match trigger {
        Some(t) => format!(
            "A RST that answers a segment carrying an ACK takes that ACK number as its own Seq and has no ACK flag (RFC 9293 3.10.7.1): frame {} had Ack = {}, hence Seq = {seq}.",
            ctx.no(t),
            ctx.n.ack(&ctx.records[t])
        ),
        None => format!(
            "A RST that answers a segment carrying an ACK takes that ACK number as its own Seq (RFC 9293 3.10.7.1): Seq = {seq}."
        ),
    }
}

/// ` at 0.000656`: when a single frame reached its receiver.
fn reached_at(ctx: &Ctx, frames: &[usize]) -> String {
    match frames {
        [one] => ctx.records[*one]
            .arrived_us
            .map(|t| format!(" at {}", seconds(t)))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// `frame 10 (the server's FIN, Ack = X+22)`, `frames 11–13 (4344 bytes from the server)`.
fn describe(ctx: &Ctx, frames: &[usize]) -> String {
    let Some(&last) = frames.last() else {
        return "a segment".to_string();
    };
    let o = &ctx.records[last];
    let who = o.sender.name();
    if frames.len() == 1 {
        let kind = if has(o, flags::FIN) {
            format!("the {who}'s FIN")
        } else if o.len > 0 {
            format!("{} bytes of the {who}'s data", o.len)
        } else if has(o, flags::SYN) {
            format!("the {who}'s SYN")
        } else {
            format!("an ACK from the {who}")
        };
        let ack = if has(o, flags::ACK) {
            format!(", Ack = {}", ctx.n.ack(o))
        } else {
            String::new()
        };
        return format!("{} ({kind}{ack})", ctx.frames(frames));
    }
    let bytes: u64 = frames.iter().map(|&j| u64::from(ctx.records[j].len)).sum();
    format!("{} ({bytes} bytes from the {who})", ctx.frames(frames))
}

pub(super) fn rst(ctx: &Ctx, i: usize, reasons: &[Reason]) -> Vec<String> {
    let r = &ctx.records[i];
    let who = r.sender.name();
    let program = ctx.program(r.sender);
    for reason in reasons {
        match reason {
            Reason::CloseUnread(unread) => {
                let close = program
                    .and_then(|p| p.last_until(r.sent_us, |c| matches!(c, Call::Close { .. })));
                let (at, read) = match (close, program) {
                    (Some(c), Some(p)) => {
                        let (calls, bytes) = p.read_until(c.time);
                        let plural = if calls == 1 { "" } else { "s" };
                        (
                            format!(" at {}", seconds(c.time)),
                            format!(
                                " (it had read {bytes} of the {} bytes that had arrived, in {calls} recv() call{plural})",
                                bytes + unread
                            ),
                        )
                    }
                    _ => (String::new(), String::new()),
                };
                return vec![
                    format!(
                        "RST,ACK: the {who}'s program called close(){at} with {unread} received bytes still unread{read}. Closing a socket with unread data throws that data away, and Linux says so with RST,ACK instead of a FIN; the connection is gone at once (RFC 2525 2.17)."
                    ),
                    format!(
                        "Seq = {} is the {who}'s next sequence number; Ack = {} is everything it had received.",
                        ctx.n.seq(r),
                        ctx.n.ack(r)
                    ),
                ];
            }
            Reason::DataAfterClose(n) => {
                let trigger = ctx
                    .reached(i, r.sender, None, r.sent_us)
                    .into_iter()
                    .rfind(|&j| {
                        ctx.records[j].len == *n as u32 && ctx.records[j].raw_ack == r.raw_seq
                    });
                let close = program
                    .and_then(|p| p.last_until(r.sent_us, |c| matches!(c, Call::Close { .. })))
                    .map(|c| format!(" at {}", seconds(c.time)))
                    .unwrap_or_default();
                let when = trigger
                    .and_then(|t| ctx.records[t].arrived_us)
                    .map(|t| format!(" at {}", seconds(t)))
                    .unwrap_or_default();
                let what = match trigger {
                    Some(t) => {
                        let mut parts: Vec<String> = ctx.preview(t).into_iter().collect();
                        let o = &ctx.records[t];
                        let last = ctx.n.number(o, o.sender, o.raw_seq.wrapping_add(o.len - 1));
                        parts.push(format!("Seq = {} … {last}", ctx.n.seq(o)));
                        let from = data::origin_short(ctx, t)
                            .map(|s| format!(": {s}"))
                            .unwrap_or_default();
                        format!(
                            "frame {}'s {n} bytes ({}{from})",
                            ctx.no(t),
                            parts.join(", ")
                        )
                    }
                    None => format!("{n} bytes of data"),
                };
                return vec![
                    format!(
                        "RST: {what} reached the {who}{when}, after its program had called close(){close}. Data that arrives for a closed socket can never be read, so Linux resets the connection instead of acknowledging the data (RFC 1122 4.2.2.13; RFC 2525 2.17)."
                    ),
                    format!(
                        "{} The RST asks for nothing to be sent again: the {who} has dropped the connection.",
                        seq_rule(ctx, i, trigger)
                    ),
                ];
            }
            Reason::Gone(why) => {
                let earlier = (0..ctx.records.len())
                    .filter(|&k| {
                        let o = &ctx.records[k];
                        k != i
                            && o.sender == r.sender
                            && ctx.same_conn(i, k)
                            && has(o, flags::RST)
                            && (o.sent_us, k) < (r.sent_us, i)
                    })
                    .collect::<Vec<_>>();
                let first = earlier.first().copied();
                let since = earlier.last().map(|&k| ctx.records[k].sent_us);
                let arrived: Vec<usize> = ctx
                    .reached(i, r.sender, since, r.sent_us)
                    .into_iter()
                    .filter(|&j| !has(&ctx.records[j], flags::RST))
                    .collect();
                let matching: Vec<usize> = arrived
                    .iter()
                    .copied()
                    .filter(|&j| {
                        has(&ctx.records[j], flags::ACK) && ctx.records[j].raw_ack == r.raw_seq
                    })
                    .collect();
                let triggers = if matching.is_empty() || has(r, flags::ACK) {
                    arrived
                } else {
                    matching
                };
                let gone = match first {
                    Some(k) => format!("frame {}: {why}", ctx.no(k)),
                    None => why.clone(),
                };
                let batch = if triggers.len() > 1 {
                    " One RST answers the frames taken in together."
                } else {
                    ""
                };
                let mut out = vec![format!(
                    "RST: {} reached the {who}{} after it had dropped the connection ({gone}). A segment for a connection that does not exist is answered with a RST (RFC 9293 3.10.7.1).{batch}",
                    describe(ctx, &triggers),
                    reached_at(ctx, &triggers)
                )];
                let trigger = triggers.last().copied();
                let mut rule = seq_rule(ctx, i, trigger);
                if let Some(t) = trigger {
                    let o = &ctx.records[t];
                    let own_fin = (0..ctx.records.len()).find(|&k| {
                        let f = &ctx.records[k];
                        f.sender == r.sender
                            && ctx.same_conn(i, k)
                            && has(f, flags::FIN)
                            && f.raw_seq.wrapping_add(seq_len(f)) == o.raw_ack
                    });
                    if let (Some(k), true) = (own_fin, has(o, flags::ACK)) {
                        rule.push_str(&format!(
                            " That Ack is one past the {who}'s own FIN (frame {}, Seq = {}), which frame {} acknowledged.",
                            ctx.no(k),
                            ctx.n.seq(&ctx.records[k]),
                            ctx.no(t)
                        ));
                    }
                }
                out.push(rule);
                return out;
            }
            Reason::NoSocket => {
                let trigger = ctx
                    .reached(i, r.sender, None, r.sent_us)
                    .into_iter()
                    .rfind(|&j| !has(&ctx.records[j], flags::RST));
                let what = trigger.map_or_else(|| "a segment".to_string(), |t| describe(ctx, &[t]));
                let at = trigger.map(|t| reached_at(ctx, &[t])).unwrap_or_default();
                return vec![
                    format!(
                        "RST: {what} reached the {who}{at}, which has no socket for it (no connection, and nobody listening on port {}), so it answers with a RST (RFC 9293 3.10.7.1).",
                        r.src_port
                    ),
                    seq_rule(ctx, i, trigger),
                ];
            }
            _ => {}
        }
    }
    vec![format!(
        "RST: the {who} resets the connection (RFC 9293 3.10.7.1)."
    )]
}
