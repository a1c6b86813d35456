//! The congestion-window panel under the time-sequence graph: the sender's
//! cwnd, ssthresh (once set) and segments in flight after every ACK and
//! timeout (`Trace::cwnd`), on the same time axis, with the times spent in
//! Recovery and Loss (tcp_info's ca_state 3 and 4) shaded.

use std::fmt::Write as _;

use crate::trace::CwndSample;

use super::axes::{Scale, Unit, grid, n, ticks};
use super::step_path;

/// The panel's height in pixels.
pub(super) const HEIGHT: f64 = 190.0;

const CWND: &str = "#1864ab";
const SSTHRESH: &str = "#c92a2a";
const IN_FLIGHT: &str = "#868e96";
const RECOVERY: &str = "#fff3bf";
const LOSS: &str = "#ffe3e3";

/// ssthresh before the first loss (tcp_info shows 0x7fffffff).
const UNSET: u32 = 0x7fff_ffff;

/// Draw the panel with its top at `top`, on the time scale `x`.
pub(super) fn panel(
    out: &mut String,
    samples: &[CwndSample],
    x: Scale,
    top: f64,
    (t_ticks, t_unit): (&[f64], Unit),
) {
    let highest = samples
        .iter()
        .flat_map(|c| {
            let ss = if c.ssthresh == UNSET { 0 } else { c.ssthresh };
            [c.cwnd, c.in_flight, ss]
        })
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let y = Scale {
        lo: 0.0,
        hi: highest * 1.1,
        px0: top + HEIGHT,
        px1: top,
    };
    let segments = Unit {
        name: "segments",
        size: 1.0,
    };
    let y_ticks: Vec<f64> = ticks(y.hi, 5)
        .into_iter()
        .filter(|v| v.fract() == 0.0)
        .collect();
    grid(
        out,
        x,
        y,
        t_ticks,
        t_unit,
        &y_ticks,
        segments,
        (
            &format!("time since frame 1 ({})", t_unit.name),
            "cwnd, in flight (segments)",
        ),
    );
    let _ = writeln!(
        out,
        r##"<defs><clipPath id="cwnd-plot"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath></defs><g clip-path="url(#cwnd-plot)">"##,
        n(x.px0),
        n(top),
        n(x.px1 - x.px0),
        n(HEIGHT)
    );
    shade_states(out, samples, x, y);
    let line = |f: &dyn Fn(&CwndSample) -> Option<u32>| -> Vec<(f64, f64)> {
        samples
            .iter()
            .filter_map(|c| f(c).map(|v| (c.time_us as f64, f64::from(v))))
            .collect()
    };
    let in_flight = line(&|c| Some(c.in_flight));
    // Without congestion control (`congestion = "none"`) tcp_info's cwnd is
    // 0 throughout: there is no window to draw, only what is in flight.
    let cwnd = if controlled(samples) {
        line(&|c| Some(c.cwnd))
    } else {
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" font-size="11" fill="#495057">congestion = none: no congestion window, only the segments in flight</text>"##,
            n(x.px0 + 8.0),
            n(top + 16.0)
        );
        Vec::new()
    };
    let ssthresh = line(&|c| (c.ssthresh != UNSET).then_some(c.ssthresh));
    for (class, colour, points, extra) in [
        ("in-flight", IN_FLIGHT, &in_flight, ""),
        (
            "ssthresh",
            SSTHRESH,
            &ssthresh,
            r#" stroke-dasharray="6 3""#,
        ),
        ("cwnd", CWND, &cwnd, ""),
    ] {
        if points.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            r#"<path class="{class}" d="{}" fill="none" stroke="{colour}" stroke-width="1.6"{extra}/>"#,
            step_path(points, x, y)
        );
    }
    out.push_str("</g>\n");
}

/// Light bands over the times the sender was in Recovery or Loss; bands
/// closer than a pixel are drawn as one.
fn shade_states(out: &mut String, samples: &[CwndSample], x: Scale, y: Scale) {
    let mut bands: Vec<(u8, f64, f64)> = Vec::new();
    for (i, c) in samples.iter().enumerate() {
        if c.ca_state < 3 {
            continue;
        }
        let from = x.at(c.time_us as f64);
        let to = samples
            .get(i + 1)
            .map_or(x.px1, |next| x.at(next.time_us as f64));
        match bands.last_mut() {
            Some((state, _, end)) if *state == c.ca_state && from - *end < 1.0 => *end = to,
            _ => bands.push((c.ca_state, from, to)),
        }
    }
    for (state, from, to) in bands {
        let _ = writeln!(
            out,
            r#"<rect class="ca-state-{state}" x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="0.7"/>"#,
            n(from),
            n(y.px1),
            n((to - from).max(1.0)),
            n(y.px0 - y.px1),
            if state == 3 { RECOVERY } else { LOSS }
        );
    }
}

/// Whether the sender had a congestion window at all.
fn controlled(samples: &[CwndSample]) -> bool {
    samples.iter().any(|c| c.cwnd > 0)
}

/// The panel's legend entries: glyph (centred on 0,0) and words; only
/// what the panel holds.
pub(super) fn legend_items(samples: &[CwndSample]) -> Vec<(String, String)> {
    let line = |c: &str, dash: &str| {
        format!(r#"<line x1="-8" y1="0" x2="8" y2="0" stroke="{c}" stroke-width="2"{dash}/>"#)
    };
    let band = |c: &str| {
        format!(r##"<rect x="-8" y="-6" width="16" height="12" fill="{c}" stroke="#dee2e6"/>"##)
    };
    let mut items = Vec::new();
    if controlled(samples) {
        items.push((line(CWND, ""), "cwnd".to_string()));
    }
    if samples.iter().any(|c| c.ssthresh != UNSET) {
        items.push((
            line(SSTHRESH, r#" stroke-dasharray="4 2""#),
            "ssthresh".to_string(),
        ));
    }
    items.push((line(IN_FLIGHT, ""), "segments in flight".to_string()));
    if samples.iter().any(|c| c.ca_state == 3) {
        items.push((band(RECOVERY), "fast recovery".to_string()));
    }
    if samples.iter().any(|c| c.ca_state == 4) {
        items.push((band(LOSS), "loss (after RTO)".to_string()));
    }
    items
}
