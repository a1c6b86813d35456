//! A ladder (sequence) diagram of a trace as SVG, drawn the way TCP textbooks
//! draw them (Stevens, TCP/IP Illustrated vol. 1; Kurose & Ross, ch. 3): one
//! lifeline per host, time running downwards, each segment an arrow slanted by
//! its flight time from the sender's lifeline to the receiver's.
//!
//! The trace holds what the capture host saw, and every record carries both
//! its send and arrival time, so every frame that reached or left the capture
//! host can be drawn. A frame the link lost ends half-way in a cross. Every
//! label starts with the frame's number, as the table and `--explain` number
//! it, so a slide can be matched to "frame 11". Retransmissions are drawn in
//! [`HIGHLIGHT`], resets in [`RESET`]. Socket calls are marks on the
//! lifelines; the TCP state each host enters (`render/states.rs`) is written
//! in a column beside it, level with the frame that moved it there. A run of
//! more than [`MAX_FRAMES`] frames draws its first [`MAX_FRAMES`] and says so
//! (the time-sequence graph is the picture for long runs). How time maps to height (to scale, stretched where
//! labels need room, long gaps cut short) is `render/timeline.rs`'s job; where
//! labels go along their arrows is `render/labels.rs`'s.
//!
//! Output is plain text built with `format!`, byte-for-byte the same for the
//! same trace: coordinates use only IEEE-exact arithmetic (no trigonometry) and
//! are printed with one decimal.

use std::fmt::Write as _;

use crate::scenario::model::Role;
use crate::trace::{Fate, Record, Trace};

use super::labels;
use super::ladder::{self, FrameFacts};
use super::seconds;
use super::states::{self, At};
use super::timeline::{self, Layout};

mod legend;

/// Colour of retransmissions.
pub const HIGHLIGHT: &str = "#d9480f";
/// Colour of resets: their own, so a RST is never taken for a resend.
pub const RESET: &str = "#c2255c";
/// Colour of the TCP state names.
const STATE: &str = "#5f3dc4";
/// Frames drawn at most; the rest is left out, and the picture says so.
pub const MAX_FRAMES: usize = 300;
/// Colour of an ordinary segment.
pub const NORMAL: &str = "#1f2933";
/// Colour of the cross on a lost frame.
pub const LOST: &str = "#e03131";
/// Colour of socket-call marks.
pub const APP: &str = "#1864ab";
const MUTED: &str = "#6c757d";

const WIDTH: f64 = 1180.0;
const AXIS_X: f64 = 64.0;
const CLIENT_X: f64 = 360.0;
const SERVER_X: f64 = 880.0;
/// Where each host's TCP states are written: beside the time axis for the
/// client, past the socket calls for the server.
const CLIENT_STATE_X: f64 = AXIS_X + 10.0;
const SERVER_STATE_X: f64 = SERVER_X + 215.0;
/// Where time starts.
const TOP: f64 = 132.0;
/// Socket-call text longer than this is cut (it must fit beside the lifeline).
const APP_CHARS: usize = 31;

const FONT: &str = "DejaVu Sans Mono, Menlo, Consolas, monospace";

fn lifeline_x(role: Role) -> f64 {
    match role {
        Role::Client => CLIENT_X,
        Role::Server => SERVER_X,
    }
}

/// Text made safe for XML character data and attribute values. Control
/// characters other than tab and newline are not allowed in XML 1.0 at all, so
/// they (and tab and newline, which would not show) become spaces.
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A number with one decimal, `-0.0` printed as `0.0`.
pub(crate) fn n(v: f64) -> String {
    let s = format!("{v:.1}");
    if s == "-0.0" { "0.0".to_string() } else { s }
}

/// The trace cut to its first [`MAX_FRAMES`] frames and the socket calls
/// made until the last of them was sent; `None` when it is short enough.
fn first_frames(trace: &Trace) -> Option<Trace> {
    if trace.records.len() <= MAX_FRAMES {
        return None;
    }
    let records = trace.records[..MAX_FRAMES].to_vec();
    let until = records.iter().map(|r| r.sent_us).max().unwrap_or(0);
    let programs = trace
        .programs
        .iter()
        .map(|p| crate::trace::ProgramSummary {
            log: p
                .log
                .iter()
                .filter(|e| e.time_us <= until)
                .cloned()
                .collect(),
            received_data: None,
            ..p.clone()
        })
        .collect();
    Some(Trace {
        records,
        programs,
        cwnd: Vec::new(),
        ..trace.clone()
    })
}

/// Renders the whole diagram: the first [`MAX_FRAMES`] frames of a longer run.
pub fn svg(trace: &Trace) -> String {
    match first_frames(trace) {
        Some(cut) => draw(&cut, Some(trace.records.len())),
        None => draw(trace, None),
    }
}

/// Draws `trace`; `of` is the whole run's frame count when it was cut.
fn draw(trace: &Trace, of: Option<usize>) -> String {
    let facts = ladder::facts(trace);
    let layout = timeline::layout(trace, TOP);
    let legend_top = layout.bottom + 46.0;
    let height = legend_top + if of.is_some() { 96.0 } else { 78.0 };

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" font-size="10.5">"#,
        w = n(WIDTH),
        h = n(height),
    );
    let _ = writeln!(
        out,
        "<title>{}</title>",
        xml_escape(&format!(
            "Ladder diagram: scenario {}, seed {}",
            trace.scenario, trace.seed
        ))
    );
    defs(&mut out);
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##,
        n(WIDTH),
        n(height)
    );
    heading(&mut out, trace, of);
    lifelines(&mut out, layout.bottom + 24.0);
    breaks(&mut out, &layout);
    app_marks(&mut out, trace, &layout);
    state_names(&mut out, trace, &layout);
    frames(&mut out, trace, &facts, &layout);
    time_axis(&mut out, &layout);
    legend::legend(&mut out, trace, &facts, legend_top, of);
    out.push_str("</svg>\n");
    out
}

/// Each host's TCP state, written in its column level with the frame event
/// that moved it there; names closer than a line are pushed down.
fn state_names(out: &mut String, trace: &Trace, layout: &Layout) {
    let mut last: [Option<f64>; 2] = [None, None];
    for change in states::changes(trace) {
        let y = match change.at {
            At::Start => TOP,
            At::Send(i) => layout.send_y[i],
            At::Arrive(i) => layout.end_y[i],
        };
        let slot = &mut last[change.role.index()];
        let y = slot.map_or(y, |l| y.max(l + 12.0));
        *slot = Some(y);
        let x = match change.role {
            Role::Client => CLIENT_STATE_X,
            Role::Server => SERVER_STATE_X,
        };
        let _ = writeln!(
            out,
            r#"<text class="state" x="{}" y="{}" font-size="10" font-weight="bold" fill="{STATE}">{}</text>"#,
            n(x),
            n(y + 3.5),
            change.state
        );
    }
}

fn defs(out: &mut String) {
    out.push_str("<defs>\n");
    for (id, colour) in [
        ("head", NORMAL),
        ("head-hl", HIGHLIGHT),
        ("head-rst", RESET),
    ] {
        let _ = writeln!(
            out,
            r#"<marker id="{id}" viewBox="0 0 10 8" refX="10" refY="4" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="8" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="{colour}"/></marker>"#
        );
    }
    out.push_str("</defs>\n");
}

fn heading(out: &mut String, trace: &Trace, of: Option<usize>) {
    let _ = writeln!(
        out,
        r#"<text x="16" y="26" font-size="15" font-weight="bold" fill="{NORMAL}">{}</text>"#,
        xml_escape(&format!(
            "tcpsim · scenario {} · seed {}",
            trace.scenario, trace.seed
        ))
    );
    let _ = writeln!(
        out,
        r#"<text x="16" y="44" font-size="11" fill="{MUTED}">{}</text>"#,
        xml_escape(&format!(
            "what the {}'s capture saw; time runs downwards{}",
            trace.capture.name(),
            of.map_or(String::new(), |total| format!(
                "; only its first {MAX_FRAMES} of {total} frames (--time-seq draws the whole run)"
            ))
        ))
    );
    for role in [Role::Client, Role::Server] {
        let x = lifeline_x(role);
        let _ = writeln!(
            out,
            r##"<rect class="host" x="{}" y="60" width="200" height="42" rx="4" fill="#f1f3f5" stroke="{NORMAL}" stroke-width="1.2"/>"##,
            n(x - 100.0)
        );
        let _ = writeln!(
            out,
            r#"<text x="{}" y="77" text-anchor="middle" font-size="13" font-weight="bold" fill="{NORMAL}">{}</text>"#,
            n(x),
            role.name()
        );
        let _ = writeln!(
            out,
            r#"<text x="{}" y="94" text-anchor="middle" font-size="11" fill="{NORMAL}">{}</text>"#,
            n(x),
            xml_escape(&ladder::endpoint(trace, role))
        );
        if role == trace.capture {
            let _ = writeln!(
                out,
                r#"<text x="{}" y="116" text-anchor="middle" font-size="10" font-style="italic" fill="{MUTED}">capture point</text>"#,
                n(x)
            );
        }
    }
    let _ = writeln!(
        out,
        r#"<text x="{}" y="116" text-anchor="end" font-size="10" fill="{MUTED}">time (s)</text>"#,
        n(AXIS_X + 6.0)
    );
    if !states::changes(trace).is_empty() {
        for x in [CLIENT_STATE_X, SERVER_STATE_X] {
            let _ = writeln!(
                out,
                r#"<text x="{}" y="116" font-size="10" font-style="italic" fill="{STATE}">TCP state</text>"#,
                n(x)
            );
        }
    }
}

fn lifelines(out: &mut String, bottom: f64) {
    for role in [Role::Client, Role::Server] {
        let x = n(lifeline_x(role));
        let _ = writeln!(
            out,
            r#"<line class="lifeline" x1="{x}" y1="102.0" x2="{x}" y2="{}" stroke="{NORMAL}" stroke-width="1.6"/>"#,
            n(bottom)
        );
    }
    let _ = writeln!(
        out,
        r#"<line class="axis" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{MUTED}" stroke-width="1"/>"#,
        n(TOP - 6.0),
        n(bottom),
        x = n(AXIS_X)
    );
}

/// A gap cut short: the lifelines and the axis are interrupted by a pair of
/// slashes, a dotted rule runs across, and the axis says how long it was.
fn breaks(out: &mut String, layout: &Layout) {
    for b in &layout.breaks {
        let ym = (b.y0 + b.y1) / 2.0;
        let _ = writeln!(
            out,
            r##"<line class="break" x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#ced4da" stroke-width="1" stroke-dasharray="2 4"/>"##,
            n(AXIS_X),
            n(SERVER_X + 40.0),
            y = n(ym)
        );
        for x in [AXIS_X, CLIENT_X, SERVER_X] {
            let _ = writeln!(
                out,
                r##"<rect x="{}" y="{}" width="20" height="10" fill="#ffffff"/>"##,
                n(x - 10.0),
                n(ym - 5.0)
            );
            out.push_str(&slashes(x, ym));
            out.push('\n');
        }
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end" font-size="10" font-style="italic" fill="{NORMAL}">≈ {}</text>"#,
            n(AXIS_X - 12.0),
            n(ym + 3.5),
            xml_escape(&ladder::duration(b.gap_us))
        );
    }
}

fn app_marks(out: &mut String, trace: &Trace, layout: &Layout) {
    for (p, program) in trace.programs.iter().enumerate() {
        let x = lifeline_x(program.role);
        for (k, e) in program.log.iter().enumerate() {
            let y = layout.app_y[p][k];
            let mut text: String = e.call.chars().take(APP_CHARS).collect();
            if e.call.chars().count() > APP_CHARS {
                text.pop();
                text.push('…');
            }
            let (tx, anchor) = match program.role {
                Role::Client => (x - 11.0, "end"),
                Role::Server => (x + 11.0, "start"),
            };
            let _ = writeln!(
                out,
                r#"<g class="app"><title>{}</title><line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{APP}" stroke-width="3"/><text x="{}" y="{}" text-anchor="{anchor}" font-size="10" fill="{APP}">{}</text></g>"#,
                xml_escape(&format!(
                    "{} at {} s: {}",
                    program.role.name(),
                    seconds(e.time_us),
                    e.call
                )),
                n(x - 6.0),
                n(x + 6.0),
                n(tx),
                n(y + 3.5),
                xml_escape(&text),
                y = n(y)
            );
        }
    }
}

/// Average advance of a character of the label font at 10.5 px (DejaVu Sans
/// Mono and Menlo advance 0.602 em).
const CHAR_W: f64 = 6.32;

/// Where an arrow starts and ends: at the receiver's lifeline, or half-way
/// for a frame that never arrived.
fn arrow_ends(r: &Record, y1: f64, y2: f64) -> ((f64, f64), (f64, f64)) {
    let x1 = lifeline_x(r.sender);
    let x_peer = lifeline_x(r.sender.peer());
    let x2 = if r.arrived_us.is_some() {
        x_peer
    } else {
        (x1 + x_peer) / 2.0
    };
    ((x1, y1), (x2, y2))
}

/// The label's text: the frame's number (as in the table), its label and,
/// when there is one, its cause.
fn label_text(r: &Record, f: &FrameFacts) -> String {
    match f.tag {
        Some(tag) => format!("{}: {} ({tag})", r.no, f.label),
        None => format!("{}: {}", r.no, f.label),
    }
}

/// The colour of a frame: resets first (a resent RST is still a RST).
fn colour(f: &FrameFacts) -> &'static str {
    if f.rst {
        RESET
    } else if f.retransmission {
        HIGHLIGHT
    } else {
        NORMAL
    }
}

/// Every frame: its arrow (exactly one element of class `frame` each), a
/// cross of class `cross` on a lost one, then the labels above all lines.
fn frames(out: &mut String, trace: &Trace, facts: &[FrameFacts], layout: &Layout) {
    let ends: Vec<_> = trace
        .records
        .iter()
        .enumerate()
        .map(|(i, r)| arrow_ends(r, layout.send_y[i], layout.end_y[i]))
        .collect();
    let mut crosses = Vec::new();
    for (i, r) in trace.records.iter().enumerate() {
        arrow(out, r, &facts[i], ends[i]);
        if facts[i].lost {
            let (x, y) = ends[i].1;
            crosses.push(((x - 6.0, y - 6.0), (x + 6.0, y + 6.0)));
            crosses.push(((x - 6.0, y + 6.0), (x + 6.0, y - 6.0)));
        }
    }
    let arrows: Vec<labels::Arrow> = trace
        .records
        .iter()
        .enumerate()
        .map(|(i, r)| labels::Arrow {
            from: ends[i].0,
            to: ends[i].1,
            head: r.arrived_us.is_some(),
            width: label_text(r, &facts[i]).chars().count() as f64 * CHAR_W,
        })
        .collect();
    let placements = labels::place(&arrows, &crosses);
    for ((f, p), r) in facts.iter().zip(&placements).zip(&trace.records) {
        let colour = colour(f);
        let _ = writeln!(
            out,
            r##"<text class="label" transform="matrix({} {} {} {} {} {})" y="{}" fill="{colour}" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">{}</text>"##,
            fmt4(p.dir.0),
            fmt4(p.dir.1),
            fmt4(-p.dir.1),
            fmt4(p.dir.0),
            n(p.origin.0),
            n(p.origin.1),
            n(p.baseline),
            xml_escape(&label_text(r, f))
        );
    }
}

fn arrow(out: &mut String, r: &Record, f: &FrameFacts, ends: ((f64, f64), (f64, f64))) {
    let ((x1, y1), (x2, y2)) = ends;
    let arrived = r.arrived_us.is_some();
    let colour = colour(f);
    let mut class = String::from("frame");
    for (on, name) in [
        (f.retransmission, " retransmission"),
        (f.rst, " rst"),
        (f.lost, " lost"),
        (f.duplicate_copy, " duplicate"),
        (in_flight(r), " in-flight"),
    ] {
        if on {
            class.push_str(name);
        }
    }
    let marker = match (arrived, colour) {
        (false, _) => "",
        (true, RESET) => r#" marker-end="url(#head-rst)""#,
        (true, HIGHLIGHT) => r#" marker-end="url(#head-hl)""#,
        (true, _) => r#" marker-end="url(#head)""#,
    };
    let dash = if f.duplicate_copy || in_flight(r) {
        r#" stroke-dasharray="6 4""#
    } else {
        ""
    };
    let when = match r.arrived_us {
        Some(a) => format!("sent {} s, arrived {} s", seconds(r.sent_us), seconds(a)),
        None if r.fate == Fate::Dropped => format!("sent {} s, lost", seconds(r.sent_us)),
        None => format!("sent {} s, still in flight at the end", seconds(r.sent_us)),
    };
    let mut tip = format!(
        "No. {} {} → {}: {} win={}; {when}",
        r.no,
        r.sender.name(),
        r.sender.peer().name(),
        f.label,
        r.win
    );
    if !r.note.is_empty() {
        tip.push_str("; ");
        tip.push_str(&r.note);
    }
    let _ = writeln!(
        out,
        r#"<line class="{class}" data-no="{}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="1.4"{dash}{marker}><title>{}</title></line>"#,
        r.no,
        n(x1),
        n(y1),
        n(x2),
        n(y2),
        xml_escape(&tip)
    );
    if f.lost {
        let cross = cross_path(x2, y2);
        let _ = writeln!(
            out,
            "{}",
            cross.replacen(
                "<path ",
                &format!(r#"<path class="cross" data-no="{}" "#, r.no),
                1
            )
        );
    }
}

/// A direction cosine with four decimals (enough for 500 px arrows).
fn fmt4(v: f64) -> String {
    let s = format!("{v:.4}");
    if s == "-0.0000" {
        "0.0000".to_string()
    } else {
        s
    }
}

/// Time labels at each instant something happened, skipping those that would
/// overlap the one above.
fn time_axis(out: &mut String, layout: &Layout) {
    let mut last: Option<f64> = None;
    for &(t, y) in &layout.ticks {
        if last.is_some_and(|l| y - l < 11.0) {
            continue;
        }
        last = Some(y);
        let _ = writeln!(
            out,
            r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{MUTED}" stroke-width="1"/><text class="time" x="{}" y="{}" text-anchor="end" font-size="10" fill="{MUTED}">{}</text>"#,
            n(AXIS_X - 3.0),
            n(AXIS_X + 3.0),
            n(AXIS_X - 6.0),
            n(y + 3.5),
            seconds(t),
            y = n(y)
        );
    }
}

/// A frame the capture host sent that had not arrived when the run stopped.
fn in_flight(r: &Record) -> bool {
    r.arrived_us.is_none() && r.fate != Fate::Dropped
}

/// The pair of slashes that marks a cut in an axis or lifeline.
fn slashes(x: f64, y: f64) -> String {
    format!(
        r#"<path d="M{},{} L{},{} M{},{} L{},{}" stroke="{NORMAL}" stroke-width="1.4" fill="none"/>"#,
        n(x - 8.0),
        n(y - 1.0),
        n(x + 8.0),
        n(y - 7.0),
        n(x - 8.0),
        n(y + 7.0),
        n(x + 8.0),
        n(y + 1.0)
    )
}

/// The red cross that ends a lost frame's arrow.
fn cross_path(x: f64, y: f64) -> String {
    format!(
        r#"<path d="M{},{} L{},{} M{},{} L{},{}" stroke="{LOST}" stroke-width="2.6" stroke-linecap="round" fill="none"/>"#,
        n(x - 6.0),
        n(y - 6.0),
        n(x + 6.0),
        n(y + 6.0),
        n(x - 6.0),
        n(y + 6.0),
        n(x + 6.0),
        n(y - 6.0)
    )
}

#[cfg(test)]
mod tests;
