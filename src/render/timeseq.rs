//! A time-sequence graph (Stevens, TCP/IP Illustrated vol. 1, ch. 21;
//! tcptrace's `-S`): one direction of one connection, time across, relative
//! sequence number up. Each data segment is a vertical bar from its first to
//! one past its last byte at the time the capture saw it, coloured by why it
//! was sent (new, or resent by a retransmission timeout, a tail loss probe or
//! fast retransmission); a lost one ends in a cross. The receiver's ACKs are a
//! step line, the right edge of its window (ACK + scaled window) another,
//! SACK blocks short bars at the ACK that carried them, a zero window a
//! diamond; each RTO is a dashed line across. When the trace has the sender's
//! congestion window (`Trace::cwnd`), a second panel below shares the time
//! axis: cwnd, ssthresh and segments in flight, recovery shaded.
//!
//! Readable at 10 segments and at 100,000: past [`DETAIL`] segments, each
//! pixel column draws one bar per kind (from the lowest to the highest
//! sequence number sent in it) and the lines keep each column's extremes, so
//! the file's size depends on the width, not on the trace; the picture says
//! so. Output is text built with `format!`, the same bytes for the same trace.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::trace::Trace;

mod axes;
mod cwnd;
mod series;

use axes::{Scale, byte_unit, grid, n, ticks, time_unit};
pub use series::{Choice, Dir, client_ports};
use series::{Kind, Segment, Series};

use super::svg::xml_escape;

/// Up to this many segments each is drawn; past it, one bar per pixel
/// column and kind.
pub const DETAIL: usize = 2_000;

const WIDTH: f64 = 1100.0;
const LEFT: f64 = 96.0;
const RIGHT: f64 = 1076.0;
const TOP: f64 = 92.0;
const HEIGHT: f64 = 470.0;
const FONT: &str = "DejaVu Sans, Helvetica, Arial, sans-serif";

const ACK: &str = "#2b8a3e";
const WINDOW: &str = "#c29d0b";
const SACK: &str = "#845ef7";
const LOST: &str = "#c92a2a";
const ZERO: &str = "#e03131";

/// Colour and legend words of each kind of segment.
fn style(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::New => ("#1c7ed6", "new data"),
        Kind::Rto => ("#e03131", "resent: retransmission timeout"),
        Kind::Tlp => ("#d6336c", "resent: tail loss probe"),
        Kind::Fast => ("#f08c00", "resent: fast retransmission"),
        Kind::Resent => ("#d9480f", "resent (other)"),
    }
}

/// Draw the time-sequence graph of the chosen direction (and, when the
/// trace has them, its congestion window below).
pub fn time_sequence(trace: &Trace, choice: Choice) -> Result<String, String> {
    let s = series::series(trace, choice)?;
    if s.segments.is_empty() {
        return Err(format!(
            "connection {} → {}: the {} sent no data, SYN or FIN in this capture; try --dir {}",
            s.client_port,
            s.server_port,
            s.dir.sender().name(),
            match s.dir {
                Dir::ClientToServer => "s2c",
                Dir::ServerToClient => "c2s",
            }
        ));
    }
    let span = (s.end as f64).max(1.0);
    let t_unit = time_unit(span);
    let t_ticks = ticks(span, 10);
    let x = Scale {
        lo: 0.0,
        hi: span * 1.02,
        px0: LEFT,
        px1: RIGHT,
    };
    let top_seq = s
        .segments
        .iter()
        .map(|g| g.end)
        .chain(s.acks.iter().map(|a| a.ack))
        .max()
        .unwrap_or(1) as f64;
    // The window's edge is drawn to scale when it stays near the data; far
    // above (a large receive buffer and a short transfer) it would squash
    // the segments into a line, so it is cut at the top and its height said.
    let top_edge = s.acks.iter().map(|a| a.edge).max().unwrap_or(0) as f64;
    let top_seq = if top_edge <= top_seq * 1.5 {
        top_seq.max(top_edge)
    } else {
        top_seq
    };
    let y = Scale {
        lo: 0.0,
        hi: top_seq * 1.06,
        px0: TOP + HEIGHT,
        px1: TOP,
    };
    let b_unit = byte_unit(y.hi);
    let has_cwnd = !s.cwnd.is_empty();
    let panel2_top = TOP + HEIGHT + 70.0;
    let bottom = if has_cwnd {
        panel2_top + cwnd::HEIGHT + 44.0
    } else {
        TOP + HEIGHT + 44.0
    };
    let legend_top = bottom + 8.0;
    let height = legend_top + 70.0;

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" font-size="12">"#,
        w = n(WIDTH),
        h = n(height)
    );
    let _ = writeln!(
        out,
        "<title>{}</title>",
        xml_escape(&format!(
            "Time-sequence graph: scenario {}, seed {}, {}",
            trace.scenario,
            trace.seed,
            s.dir.name()
        ))
    );
    let _ = writeln!(
        out,
        r##"<rect width="{}" height="{}" fill="#ffffff"/>"##,
        n(WIDTH),
        n(height)
    );
    let _ = writeln!(
        out,
        r##"<defs><clipPath id="plot"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath></defs>"##,
        n(LEFT),
        n(TOP),
        n(RIGHT - LEFT),
        n(HEIGHT)
    );
    heading(&mut out, trace, &s, x);
    grid(
        &mut out,
        x,
        y,
        &t_ticks,
        t_unit,
        &ticks(y.hi, 8),
        b_unit,
        (
            &format!("time since frame 1 ({})", t_unit.name),
            &format!("relative sequence number ({})", b_unit.name),
        ),
    );
    out.push_str("<g clip-path=\"url(#plot)\">\n");
    rto_lines(&mut out, &s.segments, x, y);
    window_and_acks(&mut out, &s, x, y);
    if s.segments.len() <= DETAIL {
        each_segment(&mut out, &s.segments, x, y);
    } else {
        segment_columns(&mut out, &s.segments, x, y);
    }
    out.push_str("</g>\n");
    if top_edge > y.hi {
        let _ = writeln!(
            out,
            r#"<text class="window-note" x="{}" y="{}" text-anchor="end" font-size="11" fill="{WINDOW}">window edge above the top: up to {} B</text>"#,
            n(RIGHT - 6.0),
            n(TOP + 14.0),
            group(top_edge as usize)
        );
    }
    if has_cwnd {
        let cx = Scale {
            px0: LEFT,
            px1: RIGHT,
            ..x
        };
        cwnd::panel(&mut out, &s.cwnd, cx, panel2_top, (&t_ticks, t_unit));
    }
    legend(&mut out, &s, legend_top);
    out.push_str("</svg>\n");
    Ok(out)
}

/// Title, what is drawn, and (for large traces) how it was thinned.
fn heading(out: &mut String, trace: &Trace, s: &Series, x: Scale) {
    let resent = s.segments.iter().filter(|g| g.kind != Kind::New).count();
    let lost = s.segments.iter().filter(|g| g.lost).count();
    let lines = [
        format!(
            "Time-sequence graph · scenario {} · seed {} · {} (port {} → {})",
            trace.scenario,
            trace.seed,
            s.dir.name(),
            match s.dir {
                Dir::ClientToServer => s.client_port,
                Dir::ServerToClient => s.server_port,
            },
            match s.dir {
                Dir::ClientToServer => s.server_port,
                Dir::ServerToClient => s.client_port,
            }
        ),
        format!(
            "what the {}'s capture saw: {} segments ({} resent, {} lost on the link), {} ACKs",
            trace.capture.name(),
            group(s.segments.len()),
            group(resent),
            group(lost),
            group(s.acks.len())
        ),
        if s.segments.len() > DETAIL {
            let us_per_px = (x.hi - x.lo) / (x.px1 - x.px0);
            format!(
                "{} segments are too many to draw one by one: each pixel column (1 px = {}) shows one bar per kind from its lowest to its highest byte; the lines keep each column's extremes",
                group(s.segments.len()),
                super::ladder::duration(us_per_px.round() as u64)
            )
        } else {
            "each bar is one segment, from its first byte to one past its last (SYN and FIN count one)".to_string()
        },
    ];
    for (i, (text, size, weight)) in lines
        .iter()
        .zip([(15, "bold"), (12, "normal"), (11, "normal")])
        .map(|(t, (s, w))| (t, s, w))
        .enumerate()
    {
        let _ = writeln!(
            out,
            r##"<text x="16" y="{}" font-size="{size}" font-weight="{weight}" fill="{}">{}</text>"##,
            n(26.0 + 19.0 * i as f64),
            if i == 0 { "#212529" } else { "#495057" },
            xml_escape(text)
        );
    }
}

/// 100000 → `100,000`.
pub(crate) fn group(v: usize) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One dashed line across the panel at each retransmission timeout (one per
/// pixel column), labelled at the top.
fn rto_lines(out: &mut String, segments: &[Segment], x: Scale, y: Scale) {
    let mut columns: Vec<i64> = segments
        .iter()
        .filter(|g| g.kind == Kind::Rto)
        .map(|g| x.at(g.t as f64).floor() as i64)
        .collect();
    columns.dedup();
    for c in columns {
        let _ = writeln!(
            out,
            r##"<line class="rto" x1="{c}.5" y1="{}" x2="{c}.5" y2="{}" stroke="{}" stroke-width="1" stroke-dasharray="5 4"/><text x="{}" y="{}" font-size="10" fill="{}">RTO</text>"##,
            n(y.px1),
            n(y.px0),
            style(Kind::Rto).0,
            c + 3,
            n(y.px1 + 12.0),
            style(Kind::Rto).0
        );
    }
}

/// A step line through `points` (time, value), decimated to each pixel
/// column's first, lowest, highest and last value when there are more
/// points than columns.
pub(crate) fn step_path(points: &[(f64, f64)], x: Scale, y: Scale) -> String {
    let mut d = String::new();
    let mut last_y: Option<f64> = None;
    let mut push = |d: &mut String, px: f64, py: f64| {
        if d.is_empty() {
            let _ = write!(d, "M{},{}", n(px), n(py));
        } else {
            if let Some(ly) = last_y {
                let _ = write!(d, " L{},{}", n(px), n(ly));
            }
            let _ = write!(d, " L{},{}", n(px), n(py));
        }
        last_y = Some(py);
    };
    if points.len() as f64 <= (x.px1 - x.px0) * 2.0 {
        for &(t, v) in points {
            push(&mut d, x.at(t), y.at(v));
        }
    } else {
        let mut columns: BTreeMap<i64, (f64, f64, f64, f64)> = BTreeMap::new();
        for &(t, v) in points {
            let c = x.at(t).floor() as i64;
            let e = columns.entry(c).or_insert((v, v, v, v));
            e.1 = e.1.min(v);
            e.2 = e.2.max(v);
            e.3 = v;
        }
        for (c, (first, lo, hi, last)) in columns {
            let px = c as f64;
            for v in [first, lo, hi, last] {
                push(&mut d, px, y.at(v));
            }
        }
    }
    if let Some(ly) = last_y {
        let _ = write!(d, " L{},{}", n(x.px1), n(ly));
    }
    d
}

/// The window's right edge, the ACK line, SACK blocks and zero windows.
fn window_and_acks(out: &mut String, s: &Series, x: Scale, y: Scale) {
    let edges: Vec<(f64, f64)> = s.acks.iter().map(|a| (a.t as f64, a.edge as f64)).collect();
    let acks: Vec<(f64, f64)> = s.acks.iter().map(|a| (a.t as f64, a.ack as f64)).collect();
    for (class, colour, points, dash) in [("window", WINDOW, &edges, ""), ("ack", ACK, &acks, "")] {
        if points.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            r#"<path class="{class}" d="{}" fill="none" stroke="{colour}" stroke-width="1.6"{dash}/>"#,
            step_path(points, x, y)
        );
    }
    // SACK blocks: one bar per block, or per pixel column when crowded.
    let mut sacks: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    let many = s.acks.len() > DETAIL;
    for (i, a) in s.acks.iter().enumerate() {
        for &(l, r) in &a.sack {
            let key = if many {
                x.at(a.t as f64).floor() as i64
            } else {
                i as i64 * 64 + sacks.len() as i64
            };
            let e = sacks.entry(key).or_insert((l, r));
            e.0 = e.0.min(l);
            e.1 = e.1.max(r);
            if !many {
                let px = x.at(a.t as f64) + 2.0;
                let _ = writeln!(
                    out,
                    r#"<line class="sack" x1="{p}" y1="{}" x2="{p}" y2="{}" stroke="{SACK}" stroke-width="3" stroke-opacity="0.8"/>"#,
                    n(y.at(l as f64)),
                    n(y.at(r as f64)),
                    p = n(px)
                );
            }
        }
    }
    if many {
        for (c, (l, r)) in sacks {
            let _ = writeln!(
                out,
                r#"<line class="sack" x1="{c}.5" y1="{}" x2="{c}.5" y2="{}" stroke="{SACK}" stroke-width="1.5" stroke-opacity="0.8"/>"#,
                n(y.at(l as f64)),
                n(y.at(r as f64))
            );
        }
    }
    let mut zero_columns: Vec<i64> = s
        .acks
        .iter()
        .filter(|a| a.zero_window)
        .map(|a| x.at(a.t as f64).round() as i64)
        .collect();
    zero_columns.dedup();
    let by_column: BTreeMap<i64, u64> = s
        .acks
        .iter()
        .filter(|a| a.zero_window)
        .map(|a| (x.at(a.t as f64).round() as i64, a.edge))
        .collect();
    for c in zero_columns {
        let py = y.at(by_column[&c] as f64);
        let _ = writeln!(
            out,
            r#"<path class="zero-window" d="M{c},{} l5,5 l-5,5 l-5,-5 z" fill="{ZERO}"/>"#,
            n(py - 5.0)
        );
    }
}

/// Each segment as an I-beam, a lost one ending in a cross.
fn each_segment(out: &mut String, segments: &[Segment], x: Scale, y: Scale) {
    // Resends on top of new data, so a resend at the same place shows.
    let mut order: Vec<&Segment> = segments.iter().collect();
    order.sort_by_key(|g| (g.kind != Kind::New, g.kind));
    for g in order {
        let (colour, _) = style(g.kind);
        let (px, y0, y1) = (x.at(g.t as f64), y.at(g.start as f64), y.at(g.end as f64));
        let _ = writeln!(
            out,
            r#"<path class="segment {}" d="M{p},{a} L{p},{b} M{},{a} L{},{a} M{},{b} L{},{b}" stroke="{colour}" stroke-width="1.6" fill="none"/>"#,
            class_of(g.kind),
            n(px - 3.0),
            n(px + 3.0),
            n(px - 3.0),
            n(px + 3.0),
            p = n(px),
            a = n(y0),
            b = n(y1)
        );
        if g.lost {
            cross(out, px, y1, 8.0);
        }
    }
}

/// The class name of a kind, for tests and stylesheets.
fn class_of(kind: Kind) -> &'static str {
    match kind {
        Kind::New => "new",
        Kind::Rto => "rto-resend",
        Kind::Tlp => "tlp",
        Kind::Fast => "fast-retransmit",
        Kind::Resent => "resent",
    }
}

/// A cross `size` px wide centred on (px, py).
fn cross(out: &mut String, px: f64, py: f64, size: f64) {
    let _ = writeln!(
        out,
        r#"<path class="lost" d="M{},{} l{s},{s} m0,-{s} l-{s},{s}" stroke="{LOST}" stroke-width="{}" fill="none"/>"#,
        n(px - size / 2.0),
        n(py - size / 2.0),
        if size > 5.0 { "2" } else { "1.2" },
        s = n(size)
    );
}

/// One bar per pixel column and kind, from the column's lowest byte to its
/// highest; a cross on each column where a segment was lost.
fn segment_columns(out: &mut String, segments: &[Segment], x: Scale, y: Scale) {
    let mut bars: BTreeMap<(bool, Kind, i64), (u64, u64)> = BTreeMap::new();
    let mut lost: BTreeMap<i64, u64> = BTreeMap::new();
    for g in segments {
        let c = x.at(g.t as f64).floor() as i64;
        let e = bars
            .entry((g.kind != Kind::New, g.kind, c))
            .or_insert((g.start, g.end));
        e.0 = e.0.min(g.start);
        e.1 = e.1.max(g.end);
        if g.lost {
            let top = lost.entry(c).or_insert(g.end);
            *top = (*top).max(g.end);
        }
    }
    for ((_, kind, c), (lo, hi)) in bars {
        let (y0, y1) = (y.at(lo as f64), y.at(hi as f64));
        // A bar shorter than a pixel would vanish: at least 1.5 px.
        let y1 = y1.min(y0 - 1.5);
        let _ = writeln!(
            out,
            r#"<line class="segment {}" x1="{c}.5" y1="{}" x2="{c}.5" y2="{}" stroke="{}" stroke-width="1.2"/>"#,
            class_of(kind),
            n(y0),
            n(y1),
            style(kind).0
        );
    }
    // Small crosses: at a thousand losses, large ones would hide the data.
    for (c, top) in lost {
        cross(out, c as f64 + 0.5, y.at(top as f64) - 4.0, 4.0);
    }
}

/// The legend, below the panels: only what the picture holds.
fn legend(out: &mut String, s: &Series, top: f64) {
    let mut items: Vec<(String, String)> = Vec::new();
    let mut kinds: Vec<Kind> = s.segments.iter().map(|g| g.kind).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let (colour, words) = style(kind);
        items.push((
            format!(r#"<line x1="0" y1="-6" x2="0" y2="6" stroke="{colour}" stroke-width="2"/>"#),
            words.to_string(),
        ));
    }
    if s.segments.iter().any(|g| g.lost) {
        items.push((
            format!(r#"<path d="M-4,-4 l8,8 m0,-8 l-8,8" stroke="{LOST}" stroke-width="2"/>"#),
            "lost on the link".to_string(),
        ));
    }
    let line =
        |c: &str| format!(r#"<line x1="-8" y1="0" x2="8" y2="0" stroke="{c}" stroke-width="2"/>"#);
    items.push((line(ACK), "ACK".to_string()));
    items.push((line(WINDOW), "window edge: ACK + scaled window".to_string()));
    if s.acks.iter().any(|a| !a.sack.is_empty()) {
        items.push((
            format!(r#"<line x1="0" y1="-6" x2="0" y2="6" stroke="{SACK}" stroke-width="3"/>"#),
            "SACK block".to_string(),
        ));
    }
    if s.acks.iter().any(|a| a.zero_window) {
        items.push((
            format!(r#"<path d="M0,-5 l5,5 l-5,5 l-5,-5 z" fill="{ZERO}"/>"#),
            "zero window".to_string(),
        ));
    }
    if s.segments.iter().any(|g| g.kind == Kind::Rto) {
        items.push((
            format!(
                r#"<line x1="0" y1="-7" x2="0" y2="7" stroke="{}" stroke-dasharray="3 2"/>"#,
                style(Kind::Rto).0
            ),
            "retransmission timeout".to_string(),
        ));
    }
    if !s.cwnd.is_empty() {
        items.extend(cwnd::legend_items(&s.cwnd));
    }
    let _ = writeln!(
        out,
        r##"<rect class="legend" x="16" y="{}" width="{}" height="60" rx="4" fill="#f8f9fa" stroke="#dee2e6"/>"##,
        n(top),
        n(WIDTH - 32.0)
    );
    let (mut col, mut row) = (0.0, 0.0);
    for (glyph, words) in items {
        let width = 36.0 + words.chars().count() as f64 * 6.6;
        if col + width > WIDTH - 60.0 {
            col = 0.0;
            row += 1.0;
        }
        let (gx, gy) = (40.0 + col, top + 18.0 + row * 24.0);
        let _ = writeln!(
            out,
            r##"<g transform="translate({} {})">{glyph}</g><text x="{}" y="{}" font-size="11" fill="#212529">{}</text>"##,
            n(gx),
            n(gy),
            n(gx + 14.0),
            n(gy + 4.0),
            xml_escape(&words)
        );
        col += width;
    }
}

#[cfg(test)]
mod tests;
