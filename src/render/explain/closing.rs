//! FIN segments: which socket call ended the sender's side (RFC 9293 3.6).

use super::calls::{Call, Got};
use super::context::Ctx;
use super::notes::FinCall;
use crate::render::seconds;

pub(super) fn fin(ctx: &Ctx, i: usize, call: FinCall) -> String {
    let r = &ctx.records[i];
    let who = r.sender.name();
    let peer = r.sender.peer().name();
    let next = ctx.n.number(r, r.sender, r.raw_seq.wrapping_add(r.len + 1));
    let takes = format!(
        " A FIN takes one sequence number, so the {peer} will acknowledge it with Ack = {next}."
    );
    let program = ctx.program(r.sender);
    let why = match call {
        FinCall::Close => {
            let close = program.and_then(|p| {
                let close = p.last_until(r.sent_us, |c| matches!(c, Call::Close { .. }))?;
                let index = p.calls.iter().position(|c| std::ptr::eq(c, close))?;
                Some((close, index.checked_sub(1).map(|k| &p.calls[k])))
            });
            let closed = || {
                let Some((close, _)) = close else {
                    return String::new();
                };
                let unread = match close.call {
                    Call::Close { unread: Some(0) } => " with nothing left unread",
                    _ => "",
                };
                format!(
                    "FIN: the {who}'s program called close() at {}{unread}; TCP sends FIN after the last data (RFC 9293 3.6).",
                    seconds(close.time)
                )
            };
            match close {
                Some((_, Some(before))) => match &before.call {
                    Call::Recv { max, got: Got::End } => format!(
                        "FIN: at {} the {who}'s recv({max}) returned 0, the end of the stream (the {peer}'s FIN had arrived), so its program called close() and TCP ends this side too (RFC 9293 3.6).",
                        seconds(before.time)
                    ),
                    _ => closed(),
                },
                Some(_) => closed(),
                None => format!("FIN: the {who}'s program called close() (RFC 9293 3.6)."),
            }
        }
        FinCall::Shutdown => {
            let at = program
                .and_then(|p| p.last_until(r.sent_us, |c| matches!(c, Call::Shutdown)))
                .map(|c| format!(" at {}", seconds(c.time)))
                .unwrap_or_default();
            format!(
                "FIN: the {who}'s program called shutdown(SHUT_WR){at}: it will send nothing more but keeps reading (a half-close, RFC 9293 3.6)."
            )
        }
        FinCall::Unknown => {
            format!("FIN: the {who} ends its side of the connection (RFC 9293 3.6).")
        }
    };
    format!("{why}{takes}")
}
