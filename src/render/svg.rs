//! A ladder (sequence) diagram of a trace as SVG, drawn the way TCP textbooks
//! draw them (Stevens, TCP/IP Illustrated vol. 1; Kurose & Ross, ch. 3): one
//! lifeline per host, time running downwards, each segment an arrow slanted by
//! its flight time from the sender's lifeline to the receiver's.
//!
//! The trace holds what the capture host saw, and every record carries both
//! its send and arrival time, so every frame that reached or left the capture
//! host can be drawn. A frame the link lost ends half-way in a cross.
//! Retransmissions and resets are drawn in [`HIGHLIGHT`]. Socket calls are
//! marks on the lifelines. How time maps to height (to scale, stretched where
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
use super::timeline::{self, Layout};

/// Colour of retransmissions and resets.
pub const HIGHLIGHT: &str = "#d9480f";
/// Colour of an ordinary segment.
pub const NORMAL: &str = "#1f2933";
/// Colour of the cross on a lost frame.
pub const LOST: &str = "#e03131";
/// Colour of socket-call marks.
pub const APP: &str = "#1864ab";
const MUTED: &str = "#6c757d";

const WIDTH: f64 = 1000.0;
const AXIS_X: f64 = 64.0;
const CLIENT_X: f64 = 270.0;
const SERVER_X: f64 = 790.0;
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
fn n(v: f64) -> String {
    let s = format!("{v:.1}");
    if s == "-0.0" { "0.0".to_string() } else { s }
}

/// Renders the whole diagram.
pub fn svg(trace: &Trace) -> String {
    let facts = ladder::facts(trace);
    let layout = timeline::layout(trace, TOP);
    let legend_top = layout.bottom + 46.0;
    let height = legend_top + 78.0;

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
    heading(&mut out, trace);
    lifelines(&mut out, layout.bottom + 24.0);
    breaks(&mut out, &layout);
    app_marks(&mut out, trace, &layout);
    frames(&mut out, trace, &facts, &layout);
    time_axis(&mut out, &layout);
    legend(&mut out, trace, &facts, legend_top);
    out.push_str("</svg>\n");
    out
}

fn defs(out: &mut String) {
    out.push_str("<defs>\n");
    for (id, colour) in [("head", NORMAL), ("head-hl", HIGHLIGHT)] {
        let _ = writeln!(
            out,
            r#"<marker id="{id}" viewBox="0 0 10 8" refX="10" refY="4" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="8" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="{colour}"/></marker>"#
        );
    }
    out.push_str("</defs>\n");
}

fn heading(out: &mut String, trace: &Trace) {
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
            "what the {}'s capture saw; time runs downwards",
            trace.capture.name()
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

/// The label's text: the frame's label and, when there is one, its cause.
fn label_text(f: &FrameFacts) -> String {
    match f.tag {
        Some(tag) => format!("{} ({tag})", f.label),
        None => f.label.clone(),
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
            width: label_text(&facts[i]).chars().count() as f64 * CHAR_W,
        })
        .collect();
    let placements = labels::place(&arrows, &crosses);
    for (f, p) in facts.iter().zip(&placements) {
        let colour = if f.highlight() { HIGHLIGHT } else { NORMAL };
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
            xml_escape(&label_text(f))
        );
    }
}

fn arrow(out: &mut String, r: &Record, f: &FrameFacts, ends: ((f64, f64), (f64, f64))) {
    let ((x1, y1), (x2, y2)) = ends;
    let arrived = r.arrived_us.is_some();
    let colour = if f.highlight() { HIGHLIGHT } else { NORMAL };
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
    let marker = match (arrived, f.highlight()) {
        (false, _) => "",
        (true, false) => r#" marker-end="url(#head)""#,
        (true, true) => r#" marker-end="url(#head-hl)""#,
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

/// Draws a legend sample whose left edge is at `x`, centred on `y`.
type Glyph = fn(f64, f64) -> String;

fn legend(out: &mut String, trace: &Trace, facts: &[FrameFacts], top: f64) {
    let y = top + 16.0;
    let _ = writeln!(
        out,
        r##"<rect class="legend" x="16" y="{}" width="{}" height="60" rx="4" fill="#f8f9fa" stroke="#dee2e6"/>"##,
        n(top),
        n(WIDTH - 32.0)
    );
    let items: [(Glyph, &str, f64); 5] = [
        (|x, y| legend_arrow(x, y, NORMAL, "head"), "segment", 140.0),
        (
            |x, y| legend_arrow(x, y, HIGHLIGHT, "head-hl"),
            "retransmission or RST",
            250.0,
        ),
        (legend_lost, "lost on the link", 200.0),
        (legend_app, "socket call", 150.0),
        (legend_cut, "long gap, shortened", 0.0),
    ];
    let mut x = 30.0;
    for (glyph, text, width) in items {
        out.push_str(&glyph(x, y));
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}" font-size="10" fill="{NORMAL}">{}</text>"#,
            n(x + 46.0),
            n(y + 3.5),
            xml_escape(text)
        );
        x += width;
    }
    let mut note = format!(
        "seq/ack relative (each ISN = 0). Time to scale (median one-way flight = {} px), stretched where events crowd.",
        timeline::FLIGHT_PX
    );
    if facts.iter().any(|f| f.duplicate_copy) || trace.records.iter().any(in_flight) {
        note.push_str(" Dashed: the link's second copy, or still in flight at the end.");
    }
    let _ = writeln!(
        out,
        r#"<text x="30" y="{}" font-size="10" fill="{MUTED}">{}</text>"#,
        n(top + 46.0),
        xml_escape(&note)
    );
}

/// A frame the capture host sent that had not arrived when the run stopped.
fn in_flight(r: &Record) -> bool {
    r.arrived_us.is_none() && r.fate != Fate::Dropped
}

fn legend_arrow(x: f64, y: f64, colour: &str, head: &str) -> String {
    format!(
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="1.4" marker-end="url(#{head})"/>"#,
        n(x),
        n(y - 5.0),
        n(x + 38.0),
        n(y + 5.0)
    )
}

fn legend_lost(x: f64, y: f64) -> String {
    format!(
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{NORMAL}" stroke-width="1.4"/>{}"#,
        n(x),
        n(y - 5.0),
        n(x + 26.0),
        n(y + 2.0),
        cross_path(x + 26.0, y + 2.0)
    )
}

fn legend_app(x: f64, y: f64) -> String {
    format!(
        r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{APP}" stroke-width="3"/>"#,
        n(x + 13.0),
        n(x + 25.0),
        y = n(y)
    )
}

fn legend_cut(x: f64, y: f64) -> String {
    slashes(x + 19.0, y)
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
