//! Data segments: which send() calls wrote the bytes, whether Nagle's algorithm
//! held them, why a full-sized segment has the size it has, and why a segment
//! was sent a second time.

use crate::trace::{Fate, flags};

use super::calls::{SendCall, Span};
use super::context::{Ctx, and_list, duration, has};
use super::notes::Reason;
use crate::render::seconds;

/// `at 0.000212`, or `at 0.000212–0.000300` when the calls were made at different times.
fn at(calls: &[SendCall]) -> String {
    let first = calls[0].time;
    let last = calls[calls.len() - 1].time;
    if first == last {
        format!("at {}", seconds(first))
    } else {
        format!("at {}–{}", seconds(first), seconds(last))
    }
}

/// `send() #2` or `send() #2–#4`.
fn numbers(calls: &[SendCall]) -> String {
    let (first, last) = (calls[0].number, calls[calls.len() - 1].number);
    if first == last {
        format!("send() #{first}")
    } else {
        format!("send() #{first}–#{last}")
    }
}

/// `, its answers to recv(5) #2–#4`: the server's send() calls each follow the
/// recv() whose data they answer.
fn answers(calls: &[SendCall]) -> String {
    let recvs: Option<Vec<_>> = calls.iter().map(|c| c.answers.as_ref()).collect();
    let Some(recvs) = recvs else {
        return String::new();
    };
    let (first, last) = (recvs[0], recvs[recvs.len() - 1]);
    if recvs.len() == 1 {
        format!(
            ", its answer to recv({}) #{} ({} bytes)",
            first.max, first.number, first.got
        )
    } else if last.number - first.number + 1 == recvs.len() {
        format!(
            ", its answers to recv({}) #{}–#{}",
            first.max, first.number, last.number
        )
    } else {
        let list: Vec<String> = recvs.iter().map(|r| format!("#{}", r.number)).collect();
        format!(", its answers to recv({}) {}", first.max, and_list(&list))
    }
}

/// Where the bytes came from: `written by the server's send() #2–#4 (5 bytes
/// each, at 0.000325), its answers to recv(5) #2–#4`.
pub(super) fn origin(ctx: &Ctx, i: usize) -> Option<String> {
    let who = ctx.records[i].sender.name();
    let (_, span) = ctx.span(i)?;
    let calls = span.calls;
    let sizes = if calls.iter().all(|c| c.len == calls[0].len) {
        if calls.len() == 1 {
            format!("{} bytes", calls[0].len)
        } else {
            format!("{} bytes each", calls[0].len)
        }
    } else {
        let list: Vec<String> = calls.iter().map(|c| c.len.to_string()).collect();
        format!("{} bytes", and_list(&list))
    };
    let lead = match (calls.len(), span.whole()) {
        (_, true) => "written by",
        (1, false) => "part of",
        (_, false) => "spanning",
    };
    Some(format!(
        "{lead} the {who}'s {} ({sizes}, {}){}",
        numbers(calls),
        at(calls),
        answers(calls)
    ))
}

/// `the server's send() #2–#4, its answers to recv(5) #2–#4`: the calls alone.
pub(super) fn origin_short(ctx: &Ctx, i: usize) -> Option<String> {
    let who = ctx.records[i].sender.name();
    let (_, span) = ctx.span(i)?;
    Some(format!(
        "the {who}'s {}{}",
        numbers(span.calls),
        answers(span.calls)
    ))
}

/// `stream bytes 6–20` (data byte n of a stream has sequence number ISN + n).
pub(super) fn stream_bytes(ctx: &Ctx, i: usize) -> Option<String> {
    let first = ctx.stream_start(i)? + 1;
    let len = u64::from(ctx.records[i].len);
    Some(if len == 1 {
        format!("stream byte {first}")
    } else {
        format!("stream bytes {first}–{}", first + len - 1)
    })
}

/// The sender's data segment before `i` on the same connection, in capture order.
fn previous_data(ctx: &Ctx, i: usize) -> Option<usize> {
    let r = &ctx.records[i];
    (0..i).rev().find(|&k| {
        let o = &ctx.records[k];
        o.sender == r.sender && ctx.same_conn(i, k) && o.len > 0
    })
}

/// The data paragraph: `Data: stream bytes 1–20, written by the client's send() #1
/// (20 bytes, at 0.000212): "World! Hello, World!".` A resent segment names the
/// frame it repeats; a segment continuing the previous one's send() says so briefly.
pub(super) fn data(ctx: &Ctx, i: usize, resent: bool) -> String {
    let r = &ctx.records[i];
    let mut text = match stream_bytes(ctx, i) {
        Some(bytes) => format!("Data: {bytes}"),
        None => format!("Data: {} bytes", r.len),
    };
    let copy = ctx.copies(i).last().copied().filter(|_| resent);
    let continues = previous_data(ctx, i)
        .and_then(|k| Some((ctx.span(k)?.1.calls.last()?.number, ctx.span(i)?.1)))
        .filter(|(number, span)| span.calls.len() == 1 && span.calls[0].number == *number);
    if let Some(k) = copy {
        text.push_str(&format!(" again, as in frame {}", ctx.no(k)));
    } else if let Some((number, _)) = continues {
        text.push_str(&format!(
            ", more of the {}'s send() #{number}",
            r.sender.name()
        ));
    } else if let Some(origin) = origin(ctx, i) {
        text.push_str(", ");
        text.push_str(&origin);
    }
    if let Some(preview) = ctx.preview(i) {
        text.push_str(": ");
        text.push_str(&preview);
    }
    text.push('.');
    text
}

/// Nagle's algorithm (RFC 896, in Minshall's form as Linux has it: a segment
/// smaller than the MSS waits only while an earlier small segment is
/// unacknowledged). Seen in the trace as data whose send() calls were all made
/// before the segment left, released by an ACK arriving at that very moment
/// that acknowledges the sender's last small segment. `noted`: the simulator
/// said so itself.
pub(super) fn nagle(ctx: &Ctx, i: usize, span: &Span, noted: bool) -> Option<String> {
    let r = &ctx.records[i];
    let held = span.calls.iter().all(|c| c.time < r.sent_us);
    let full = ctx.full_size(i).map(|(full, ..)| full);
    let release = ctx
        .reached_at(i, r.sender, r.sent_us)
        .into_iter()
        .rfind(|&j| has(&ctx.records[j], flags::ACK));
    let made = format!("made {}", at(span.calls));
    let Some(release) = release else {
        return noted.then(|| {
            format!(
                "Nagle's algorithm had held {} ({made}) while a smaller-than-MSS segment was unacknowledged (RFC 896).",
                numbers(span.calls)
            )
        });
    };
    let ack = ctx.records[release].raw_ack;
    let small = ctx
        .ix
        .data_ending_at(i, ack)
        .iter()
        .rev()
        .copied()
        .find(|&k| k < i && full.is_some_and(|f| ctx.records[k].len < f));
    let is_small = full.is_some_and(|f| r.len < f);
    if !(noted || (held && is_small && small.is_some())) {
        return None;
    }
    let while_unacked = match small {
        Some(k) => format!(
            " while frame {}'s {} bytes, a segment smaller than the MSS, were unacknowledged",
            ctx.no(k),
            ctx.records[k].len
        ),
        None => String::new(),
    };
    let them = if span.calls.len() > 1 {
        "them together"
    } else {
        "it"
    };
    Some(format!(
        "Nagle's algorithm held {} ({made}){while_unacked}; the ACK in frame {} (Ack = {}) released {them} as this one segment (RFC 896; Linux uses Minshall's variant, which holds data only while a small segment is unacknowledged).",
        numbers(span.calls),
        ctx.no(release),
        ctx.n.ack(&ctx.records[release]),
    ))
}

/// Why the first full-sized segment of a sender has the size it has.
pub(super) fn full_sized(ctx: &Ctx, i: usize) -> Option<String> {
    let r = &ctx.records[i];
    let (full, syn, mss, options) = ctx.full_size(i)?;
    let first = ctx.ix.first_with_len(i, full).is_none_or(|k| k >= i);
    if r.len != full || !first {
        return None;
    }
    let peer = r.sender.peer().name();
    Some(if options.len == 0 {
        format!(
            "Full-sized: {mss} bytes, the MSS the {peer} announced in its SYN (frame {}).",
            ctx.no(syn)
        )
    } else {
        let which = if options.timestamps {
            " (the timestamps option, RFC 7323)"
        } else {
            ""
        };
        format!(
            "Full-sized: {full} bytes is the MSS of {mss} the {peer} announced in its SYN (frame {}), less the {} bytes of TCP options every segment carries{which}.",
            ctx.no(syn),
            options.len
        )
    })
}

/// Why a segment is a second transmission, from the simulator's note.
pub(super) fn resend(ctx: &Ctx, i: usize, reasons: &[Reason]) -> Option<String> {
    let r = &ctx.records[i];
    let who = r.sender.name();
    let copies = ctx.copies(i);
    let last = copies.last().copied();
    let lost = |j: usize| {
        if ctx.records[j].fate == Fate::Dropped {
            format!(" Frame {} had been lost on the link.", ctx.no(j))
        } else {
            String::new()
        }
    };
    for reason in reasons {
        match reason {
            Reason::Probe(pto) => {
                let (first, was_lost) = match last {
                    Some(j) => (
                        format!(
                            " (first sent as frame {}, {} earlier)",
                            ctx.no(j),
                            duration(r.sent_us - ctx.records[j].sent_us)
                        ),
                        lost(j),
                    ),
                    None => (
                        " (its first copy is not in this capture)".to_string(),
                        String::new(),
                    ),
                };
                return Some(format!(
                    "Tail loss probe: the {who} sends its last segment again{first} because no ACK came within the probe timeout (PTO {pto}: twice the smoothed round-trip time plus a margin). A probe repairs a lost tail long before the retransmission timeout would (RFC 8985 7.3).{was_lost}"
                ));
            }
            Reason::RtoRetransmit => {
                let Some(j) = last else {
                    return Some(format!(
                        "Retransmission: the {who}'s retransmission timer expired (RFC 6298 5.4); the earlier copy is not in this capture."
                    ));
                };
                let backoff = if copies.len() > 1 {
                    format!(
                        " This is retry {}; the timeout doubles after each expiry (RFC 6298 5.5).",
                        copies.len()
                    )
                } else {
                    String::new()
                };
                let what = if r.len == 0 && has(r, flags::FIN) {
                    "its FIN"
                } else {
                    "the segment"
                };
                return Some(format!(
                    "Retransmission: nothing acknowledged frame {} within {}, so the {who}'s retransmission timer expired and it sends {what} again (RFC 6298 5.4).{backoff}{}",
                    ctx.no(j),
                    duration(r.sent_us - ctx.records[j].sent_us),
                    lost(j)
                ));
            }
            Reason::Rto(ms) => {
                let first = match last {
                    Some(j) => format!(
                        "nothing acknowledged frame {} within the retransmission timeout ({ms} ms)",
                        ctx.no(j)
                    ),
                    None => format!("the retransmission timeout ({ms} ms) expired"),
                };
                let backoff = if copies.len() > 1 {
                    format!(
                        " This is retry {}: the timeout doubles after each expiry, up to 120 s (RFC 6298 5.5).",
                        copies.len()
                    )
                } else {
                    String::new()
                };
                return Some(format!(
                    "Retransmission timeout: {first}, so the {who} sends the oldest unacknowledged segment again, with its congestion window cut to one segment and everything not SACKed marked lost (RFC 6298 5.4; Linux tcp_enter_loss). The timeout is SRTT + max(4 RTTVAR, 200 ms).{backoff}{}",
                    last.map(lost).unwrap_or_default()
                ));
            }
            Reason::AfterRto => {
                return Some(format!(
                    "Retransmission after a timeout: the timeout marked this segment lost, and the {who} sends it again as its congestion window grows back from one segment, in slow start (RFC 5681 3.1; Linux's Loss state resends what is marked lost, not everything after it).{}",
                    last.map(lost).unwrap_or_default()
                ));
            }
            Reason::Rack(cwnd) => {
                let first = match last {
                    Some(j) => format!("frame {}", ctx.no(j)),
                    None => "its first copy (not in this capture)".to_string(),
                };
                return Some(format!(
                    "Fast retransmission (RACK): a segment the {who} sent after {first} has already been acknowledged or SACKed, and more than a round-trip time plus the reordering window has passed since {first} left, so it is taken as lost and sent again at once (RFC 8985 6.2). The {who} is in fast recovery with a congestion window of {cwnd} segments, reduced in proportion to what is delivered (PRR, RFC 6937).{}",
                    last.map(lost).unwrap_or_default()
                ));
            }
            Reason::FastRetransmit(n) => {
                let since = last.map(|j| ctx.records[j].sent_us);
                let dups: Vec<usize> = ctx
                    .reached(i, r.sender, since, r.sent_us)
                    .into_iter()
                    .filter(|&j| {
                        let o = &ctx.records[j];
                        o.len == 0 && o.flags & !flags::PSH == flags::ACK && o.raw_ack == r.raw_seq
                    })
                    .collect();
                let which = if dups.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", ctx.frames(&dups))
                };
                let was_lost = match last {
                    Some(j) => lost(j),
                    None => " Its first copy is not in this capture.".to_string(),
                };
                return Some(format!(
                    "Fast retransmission: {n} duplicate ACKs{which}, each Ack = {}, told the {who} that the segment starting there was missing, so it sends it again without waiting for its timer (RFC 5681 3.2).{was_lost}",
                    ctx.n.seq(r),
                ));
            }
            _ => {}
        }
    }
    None
}
