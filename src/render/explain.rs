//! `--explain`: the trace with every segment explained, in the course
//! write-up's notation (X and Y for the two initial sequence numbers, every
//! Seq and Ack written as an offset from one of them).
//!
//! The explanations come from what the simulator knows, never from guessing at
//! headers: the note the simulator attached to each frame (why it was sent, what
//! the link did to it), the programs' socket logs with their times (which send()
//! wrote which bytes, when close() was called), and the sequence of records
//! (which frames an ACK newly covers, what a RST answers, which frame a
//! retransmission repeats). Where the course write-up's prose is wrong — V2's
//! RSTs are not requests for lost data, V3's RST,ACK is close() with unread
//! data — the explanation says what really happened and cites the RFC.

mod acks;
mod calls;
mod closing;
mod context;
mod data;
mod handshake;
mod index;
mod link;
mod notation;
mod notes;
mod resets;
mod wire;

use crate::scenario::model::Role;
use crate::trace::{Fate, Record, Trace, flags};

use super::seconds;
use context::{Ctx, has};
use notes::Reason;

/// Explanation lines start under the direction column.
const INDENT: &str = "      ";
/// Explanation text wraps at this many characters, indentation included.
const WIDTH: usize = 100;

/// The trace, one headline per segment followed by its explanation.
pub fn explain(trace: &Trace) -> String {
    let ctx = Ctx::new(trace);
    let mut out = String::new();
    for line in header(trace, &ctx) {
        out.push_str(&line);
        out.push('\n');
    }
    let widths = Widths::new(&trace.records);
    for (i, r) in trace.records.iter().enumerate() {
        out.push('\n');
        out.push_str(&headline(&ctx, r, &widths));
        out.push('\n');
        for paragraph in explain_record(&ctx, i) {
            for line in wrap(&paragraph, WIDTH - INDENT.len()) {
                out.push_str(INDENT);
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out
}

/// X and Y, how to read the numbers, and whose clock the times are on.
fn header(trace: &Trace, ctx: &Ctx) -> Vec<String> {
    let mut lines = ctx.n.header();
    let legend = "Seq counts from the sender's ISN and Ack from the receiver's. A SYN and a FIN each take one sequence number, so data byte n of the client's stream has Seq = X+n; Ack names the next byte the sender of the ACK expects.";
    lines.extend(wrap(legend, WIDTH));
    let ip = trace.records.first().map(|r| {
        if r.sender == trace.capture {
            r.src
        } else {
            r.dst
        }
    });
    let host = match ip {
        Some(ip) => format!("the {} ({ip})", trace.capture.name()),
        None => format!("the {}", trace.capture.name()),
    };
    let capture = format!(
        "Captured at {host}: its own frames at send time, the {}'s at arrival; times in seconds.",
        trace.capture.peer().name()
    );
    lines.extend(wrap(&capture, WIDTH));
    lines
}

/// Column widths of the headlines.
struct Widths {
    no: usize,
    time: usize,
    flags: usize,
}

impl Widths {
    fn new(records: &[Record]) -> Widths {
        let max = |f: &dyn Fn(&Record) -> usize| records.iter().map(f).max().unwrap_or(0);
        Widths {
            no: max(&|r| r.no.to_string().len()),
            time: max(&|r| seconds(r.time_us).len()),
            flags: max(&|r| flag_names(r.flags).chars().count()),
        }
    }
}

/// `[PSH, ACK]`, in Wireshark's order.
fn flag_names(bits: u8) -> String {
    let names: Vec<&str> = flags::NAMES
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    format!("[{}]", names.join(", "))
}

/// `  4  0.000325  client → server  [PSH, ACK]  Seq = X+1, Ack = Y+1, Len = 20`.
fn headline(ctx: &Ctx, r: &Record, w: &Widths) -> String {
    let direction = match r.sender {
        Role::Client => "client → server",
        Role::Server => "server → client",
    };
    let mut numbers = format!("Seq = {}", ctx.n.seq(r));
    if has(r, flags::ACK) {
        numbers.push_str(&format!(", Ack = {}", ctx.n.ack(r)));
    }
    numbers.push_str(&format!(", Len = {}", r.len));
    let fate = match r.fate {
        Fate::Delivered => "",
        Fate::Dropped => "  [dropped]",
        Fate::Duplicated => "  [duplicated]",
    };
    format!(
        "{:>nw$}  {:>tw$}  {direction}  {:<fw$}  {numbers}{fate}",
        r.no,
        seconds(r.time_us),
        flag_names(r.flags),
        nw = w.no,
        tw = w.time,
        fw = w.flags,
    )
}

/// The paragraphs explaining record `i`.
fn explain_record(ctx: &Ctx, i: usize) -> Vec<String> {
    let r = &ctx.records[i];
    let reasons = notes::reasons(&r.note);
    let mut out = Vec::new();
    if reasons.contains(&Reason::LinkCopy) {
        // A copy made by the link: its sender's reasons belong to the original.
        out.extend(link::fate(ctx, i, &reasons));
        return out;
    }
    if has(r, flags::RST) {
        out.extend(resets::rst(ctx, i, &reasons));
    } else if has(r, flags::SYN) {
        out.push(handshake::syn(ctx, i));
    } else {
        let resent = data::resend(ctx, i, &reasons);
        let is_resend = resent.is_some();
        out.extend(resent);
        if r.len > 0 {
            out.push(data::data(ctx, i, is_resend));
            if !is_resend {
                let noted = reasons.contains(&Reason::NagleReleased);
                if let Some((_, span)) = ctx.span(i) {
                    out.extend(data::nagle(ctx, i, &span, noted));
                }
                out.extend(data::full_sized(ctx, i));
            }
        }
        if has(r, flags::FIN) && !is_resend {
            let call = reasons
                .iter()
                .find_map(|x| match x {
                    Reason::Fin(call) => Some(*call),
                    _ => None,
                })
                .unwrap_or(notes::FinCall::Unknown);
            out.push(closing::fin(ctx, i, call));
        }
        if r.len == 0 && !has(r, flags::FIN) {
            out.push(acks::pure(ctx, i, &reasons));
        } else {
            out.extend(acks::carried(ctx, i));
        }
    }
    out.extend(link::fate(ctx, i, &reasons));
    out.extend(reasons.iter().filter_map(|x| match x {
        Reason::Other(text) => Some(format!("Simulator's note: {text}")),
        _ => None,
    }));
    out
}

/// Words of `text` in lines of at most `width` characters (a longer word gets
/// a line of its own). A quoted payload preview is kept on one line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut open = false;
    for word in text.split(' ') {
        match words.last_mut() {
            Some(last) if open => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_string()),
        }
        for (k, c) in word.char_indices() {
            if c == '"' && !word[..k].ends_with('\\') {
                open = !open;
            }
        }
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in words {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if line.is_empty() {
            line = word;
        } else if fits {
            line.push(' ');
            line.push_str(&word);
        } else {
            lines.push(std::mem::take(&mut line));
            line = word;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::fixture;

    #[test]
    fn wrap_keeps_quotes_whole_and_lines_short() {
        let text = "Data: stream bytes 6–20, written by the server: \"! HELLO, WORLD!\".";
        let lines = wrap(text, 50);
        assert!(
            lines.iter().any(|l| l.contains("\"! HELLO, WORLD!\".")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .all(|l| l.chars().count() <= 50 || !l.contains(' '))
        );
        assert_eq!(lines.join(" "), text);
        let escaped = "a \"x\\\" y\" b";
        assert_eq!(wrap(escaped, 3), vec!["a", "\"x\\\" y\"", "b"]);
    }

    #[test]
    fn headlines_use_the_writeups_notation() {
        let t = fixture::trace();
        let ctx = Ctx::new(&t);
        let w = Widths::new(&t.records);
        let lines: Vec<String> = t.records.iter().map(|r| headline(&ctx, r, &w)).collect();
        assert_eq!(
            lines[0],
            "1   0.000000  client → server  [SYN]       Seq = X, Len = 0"
        );
        assert_eq!(
            lines[4],
            "5   0.001700  server → client  [PSH, ACK]  Seq = Y+1, Ack = X+10, Len = 9  [dropped]"
        );
        assert_eq!(
            lines[6],
            "7  12.000400  client → server  [RST]       Seq = X+10, Len = 0"
        );
    }

    #[test]
    fn every_record_gets_an_explanation() {
        let t = fixture::trace();
        let text = explain(&t);
        assert!(text.starts_with("X = 1000000 (client ISN), Y = 3000000000 (server ISN)\n"));
        let ctx = Ctx::new(&t);
        for i in 0..t.records.len() {
            assert!(!explain_record(&ctx, i).is_empty(), "record {i}");
        }
        // The fixture's dropped reply says what the link did and what it carries.
        assert!(
            text.contains("Lost on the link; it never reached the client."),
            "{text}"
        );
        // An unrecognised note is passed on, not dropped.
        assert!(
            text.contains("Simulator's note: send(\"Ido Zeira\")"),
            "{text}"
        );
    }
}
