//! The two pictures of `--plot`, as SVG text: the frame (title, grid, axis
//! titles with units, the legend beside the data) and each kind's marks.

use std::fmt::Write as _;

use crate::render::svg::{n, xml_escape};

use super::scale::{Axis, DECADES, log10, tidy};
use super::{Cell, XAxis, percentile};
use crate::sweep::spec::Spec;

const W: f64 = 980.0;
const H: f64 = 580.0;
const LEFT: f64 = 96.0;
const RIGHT: f64 = 700.0;
const TOP: f64 = 78.0;
const BOTTOM: f64 = 486.0;
const LEGEND_X: f64 = 724.0;
const FONT: &str = "DejaVu Sans, Helvetica, Arial, sans-serif";
const INK: &str = "#212529";
const MUTED: &str = "#495057";
const COLOURS: [&str; 8] = [
    "#1c7ed6", "#e8590c", "#2b8a3e", "#ae3ec9", "#f59f00", "#0ca678", "#d6336c", "#495057",
];

/// The words every plot needs.
pub(crate) struct Text<'a> {
    pub scenario: &'a str,
    pub seeds: String,
    pub per_cell: u64,
    pub metric: &'a str,
    pub description: &'a str,
    pub unit: &'a str,
}

impl Text<'_> {
    /// The metric's axis title: its name, unit and scale.
    fn metric_title(&self, log: bool) -> String {
        let scale = if log { ", log scale" } else { "" };
        format!("{} ({}{scale})", self.metric, self.unit)
    }

    /// The line under the title: the seeds, and what the metric is.
    fn subtitle(&self, per: &str) -> String {
        format!(
            "seeds {} ({} runs per {per}); {}",
            self.seeds, self.per_cell, self.description
        )
    }
}

fn colour(i: usize) -> &'static str {
    COLOURS[i % COLOURS.len()]
}

/// The SVG's start: size, white ground, title and subtitle.
fn open(out: &mut String, title: &str, subtitle: &str) {
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" font-size="12">"#,
        w = n(W),
        h = n(H)
    );
    let _ = writeln!(out, "<title>{}</title>", xml_escape(title));
    let _ = writeln!(
        out,
        r##"<rect width="{}" height="{}" fill="#ffffff"/>"##,
        n(W),
        n(H)
    );
    for (y, size, weight, text) in [(28.0, 16, "bold", title), (50.0, 12, "normal", subtitle)] {
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{INK}">{}</text>"#,
            n(LEFT),
            xml_escape(text)
        );
    }
}

/// The plot area's frame, horizontal grid lines with the y ticks, vertical
/// ones at `x_ticks` (value, label), and both axis titles.
fn frame(out: &mut String, y: &Axis, x_ticks: &[(f64, String)], titles: (&str, &str)) {
    let _ = writeln!(
        out,
        r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#ffffff" stroke="#adb5bd"/>"##,
        n(LEFT),
        n(TOP),
        n(RIGHT - LEFT),
        n(BOTTOM - TOP)
    );
    for v in y.ticks() {
        let py = y.at(v);
        let _ = writeln!(
            out,
            r##"<line class="grid" x1="{}" y1="{p}" x2="{}" y2="{p}" stroke="#e9ecef"/><text x="{}" y="{}" text-anchor="end" font-size="11" fill="{MUTED}">{}</text>"##,
            n(LEFT),
            n(RIGHT),
            n(LEFT - 6.0),
            n(py + 4.0),
            tidy(v),
            p = n(py)
        );
    }
    for (px, label) in x_ticks {
        let _ = writeln!(
            out,
            r##"<line class="grid" x1="{p}" y1="{}" x2="{p}" y2="{}" stroke="#e9ecef"/><text x="{p}" y="{}" text-anchor="middle" font-size="11" fill="{MUTED}">{}</text>"##,
            n(TOP),
            n(BOTTOM),
            n(BOTTOM + 17.0),
            xml_escape(label),
            p = n(*px)
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{INK}">{}</text>"#,
        n((LEFT + RIGHT) / 2.0),
        n(BOTTOM + 40.0),
        xml_escape(titles.0)
    );
    let _ = writeln!(
        out,
        r#"<text transform="translate({} {}) rotate(-90)" text-anchor="middle" font-size="12" fill="{INK}">{}</text>"#,
        n(LEFT - 62.0),
        n((TOP + BOTTOM) / 2.0),
        xml_escape(titles.1)
    );
}

/// The legend beside the plot: one entry per series, then notes. Long
/// labels wrap at 30 characters.
fn legend(out: &mut String, series: &[(String, &str)], notes: &[(String, String)]) {
    let mut y = TOP + 6.0;
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="12" font-weight="bold" fill="{INK}">legend</text>"#,
        n(LEGEND_X),
        n(y + 4.0)
    );
    y += 22.0;
    for (label, colour) in series {
        let _ = writeln!(
            out,
            r#"<rect x="{}" y="{}" width="14" height="10" fill="{colour}"/>"#,
            n(LEGEND_X),
            n(y - 8.0)
        );
        y = wrapped(out, LEGEND_X + 20.0, y, label, INK);
    }
    y += 8.0;
    for (glyph, words) in notes {
        let _ = writeln!(
            out,
            r#"<g transform="translate({} {})">{glyph}</g>"#,
            n(LEGEND_X + 7.0),
            n(y - 4.0)
        );
        y = wrapped(out, LEGEND_X + 20.0, y, words, MUTED);
    }
}

/// `text` in lines of at most 30 characters from (x, y); returns the y
/// below it.
fn wrapped(out: &mut String, x: f64, mut y: f64, text: &str, fill: &str) -> f64 {
    let mut line = String::new();
    let mut lines = Vec::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > 30 {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    for l in lines {
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}" font-size="11" fill="{fill}">{}</text>"#,
            n(x),
            n(y),
            xml_escape(&l)
        );
        y += 15.0;
    }
    y + 3.0
}

/// A series of the points plot: its label and (x position, p50, p95).
type Series = (String, Vec<(f64, f64, f64)>);

/// Median and 95th percentile of every cell against varied parameter `xi`.
pub(crate) fn points(
    text: &Text<'_>,
    spec: &Spec,
    cells: &[Cell<'_>],
    xi: usize,
    axis: &XAxis,
    log_y: bool,
) -> String {
    let mut series: Vec<Series> = Vec::new();
    for cell in cells {
        let label: Vec<String> = spec
            .vary
            .iter()
            .zip(&cell.values)
            .enumerate()
            .filter(|(i, _)| *i != xi)
            .map(|(_, (v, value))| format!("{}={value}", v.name))
            .collect();
        let label = label.join(", ");
        let at = spec.vary[xi]
            .values
            .iter()
            .position(|v| v == cell.values[xi])
            .expect("a value of x");
        let point = (
            axis.positions[at],
            percentile(&cell.sorted, 50),
            percentile(&cell.sorted, 95),
        );
        match series.iter_mut().find(|(l, _)| *l == label) {
            Some((_, p)) => p.push(point),
            None => series.push((label, vec![point])),
        }
    }
    for (_, p) in &mut series {
        p.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let ys: Vec<f64> = series
        .iter()
        .flat_map(|(_, p)| p.iter().flat_map(|(_, a, b)| [*a, *b]))
        .collect();
    let y = Axis::fit(&ys, log_y, (BOTTOM, TOP));
    let x = x_scale(axis);
    let ticks: Vec<(f64, String)> = axis
        .positions
        .iter()
        .zip(&axis.labels)
        .map(|(p, l)| (x.at(*p), l.clone()))
        .collect();

    let mut out = String::new();
    let title = format!(
        "{}: {} against {}",
        text.scenario, text.metric, spec.vary[xi].name
    );
    open(&mut out, &title, &text.subtitle("point"));
    let y_title = text.metric_title(y.log);
    let x_title = if x.log {
        format!("{} (log scale)", axis.title)
    } else {
        axis.title.clone()
    };
    frame(&mut out, &y, &ticks, (&x_title, &y_title));
    let count = series.len();
    for (i, (_, pts)) in series.iter().enumerate() {
        let c = colour(i);
        // Series side by side around each category (or value), so that
        // their whiskers do not hide each other.
        let offset = (i as f64 - (count as f64 - 1.0) / 2.0) * 12.0;
        if !axis.categorical && pts.len() > 1 {
            let d: Vec<String> = pts
                .iter()
                .map(|(px, p50, _)| format!("{},{}", n(x.at(*px) + offset), n(y.at(*p50))))
                .collect();
            let _ = writeln!(
                out,
                r#"<path class="guide" d="M{}" fill="none" stroke="{c}" stroke-width="1" stroke-dasharray="2 4" stroke-opacity="0.7"/>"#,
                d.join(" L")
            );
        }
        for (px, p50, p95) in pts {
            let cx = x.at(*px) + offset;
            let (y50, y95) = (y.at(*p50), y.at(*p95));
            if axis.categorical {
                let _ = writeln!(
                    out,
                    r#"<path class="whisker" d="M{a},{t} L{b},{t} M{m},{t} L{m},{u}" stroke="{c}" stroke-width="1.6" fill="none"/>"#,
                    a = n(cx - 6.0),
                    b = n(cx + 6.0),
                    m = n(cx),
                    t = n(y95),
                    u = n(y50)
                );
            } else {
                let _ = writeln!(
                    out,
                    r#"<rect class="band" x="{}" y="{}" width="10" height="{}" fill="{c}" fill-opacity="0.2"/><line class="p95" x1="{}" y1="{p}" x2="{}" y2="{p}" stroke="{c}" stroke-width="2.4"/>"#,
                    n(cx - 5.0),
                    n(y95),
                    n((y50 - y95).max(0.0)),
                    n(cx - 7.0),
                    n(cx + 7.0),
                    p = n(y95)
                );
            }
            let _ = writeln!(
                out,
                r#"<circle class="p50" cx="{}" cy="{}" r="4" fill="{c}"/>"#,
                n(cx),
                n(y50)
            );
        }
    }
    let entries: Vec<(String, &str)> = series
        .iter()
        .enumerate()
        .map(|(i, (l, _))| {
            let l = if l.is_empty() {
                text.metric.to_string()
            } else {
                l.clone()
            };
            (l, colour(i))
        })
        .collect();
    let mut notes = vec![
        (
            format!(r#"<circle r="4" fill="{INK}"/>"#),
            "median (p50) of the cell's runs".to_string(),
        ),
        (
            format!(r#"<line x1="-7" x2="7" stroke="{INK}" stroke-width="2.4"/>"#),
            "95th percentile (nearest rank)".to_string(),
        ),
    ];
    if axis.categorical {
        notes.push((
            format!(r#"<line y1="-6" y2="6" stroke="{INK}" stroke-width="1.6"/>"#),
            "whisker: from p50 to p95".to_string(),
        ));
    } else {
        notes.push((
            format!(
                r#"<rect x="-5" y="-6" width="10" height="12" fill="{INK}" fill-opacity="0.2"/>"#
            ),
            "band: from p50 to p95".to_string(),
        ));
        notes.push((
            format!(r#"<line x1="-7" x2="7" stroke="{INK}" stroke-dasharray="2 3"/>"#),
            "dotted: a guide; only the marked values were measured".to_string(),
        ));
    }
    legend(&mut out, &entries, &notes);
    out.push_str("</svg>\n");
    out
}

/// The x scale of a varied parameter: a log scale for positive numbers
/// that span decades (buffer sizes from 128 B to 32 KiB), evenly spaced
/// slots for categories.
fn x_scale(axis: &XAxis) -> Axis {
    let px = (LEFT, RIGHT);
    let (lo, hi) = axis
        .positions
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if axis.categorical {
        return Axis {
            lo: -0.5,
            hi: axis.positions.len() as f64 - 0.5,
            log: false,
            px0: px.0,
            px1: px.1,
        };
    }
    if lo > 0.0 && log10(hi) - log10(lo) >= DECADES {
        return Axis {
            lo: lo / 1.6,
            hi: hi * 1.6,
            log: true,
            px0: px.0,
            px1: px.1,
        };
    }
    let pad = if hi > lo { (hi - lo) * 0.06 } else { 0.5 };
    Axis {
        lo: lo - pad,
        hi: hi + pad,
        log: false,
        px0: px.0,
        px1: px.1,
    }
}

/// The empirical distribution of the metric in every cell.
pub(crate) fn cdf(text: &Text<'_>, spec: &Spec, cells: &[Cell<'_>], log_x: bool) -> String {
    let all: Vec<f64> = cells
        .iter()
        .flat_map(|c| c.sorted.iter().copied())
        .collect();
    let x = Axis::fit(&all, log_x, (LEFT, RIGHT));
    let y = Axis {
        lo: 0.0,
        hi: 1.0,
        log: false,
        px0: BOTTOM,
        px1: TOP,
    };
    let ticks: Vec<(f64, String)> = x.ticks().into_iter().map(|v| (x.at(v), tidy(v))).collect();
    let mut out = String::new();
    let title = format!(
        "{}: distribution of {} per cell",
        text.scenario, text.metric
    );
    open(&mut out, &title, &text.subtitle("cell"));
    let x_title = text.metric_title(x.log);
    frame(
        &mut out,
        &y,
        &ticks,
        (&x_title, "fraction of runs at or below"),
    );
    let mut entries = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        let c = colour(i);
        let count = cell.sorted.len() as f64;
        // Per pixel column, the fraction reached by its last value.
        let mut steps: Vec<(f64, f64)> = Vec::new();
        for (k, v) in cell.sorted.iter().enumerate() {
            let px = x.at(*v).round();
            let f = (k + 1) as f64 / count;
            match steps.last_mut() {
                Some(last) if last.0 == px => last.1 = f,
                _ => steps.push((px, f)),
            }
        }
        let mut d = format!("M{},{}", n(steps[0].0), n(y.at(0.0)));
        let mut prev = 0.0;
        for (px, f) in &steps {
            let _ = write!(
                d,
                " L{},{} L{},{}",
                n(*px),
                n(y.at(prev)),
                n(*px),
                n(y.at(*f))
            );
            prev = *f;
        }
        let _ = write!(d, " L{},{}", n(RIGHT), n(y.at(prev)));
        let _ = writeln!(
            out,
            r#"<path class="cdf" d="{d}" fill="none" stroke="{c}" stroke-width="1.8"/>"#
        );
        let label: Vec<String> = spec
            .vary
            .iter()
            .zip(&cell.values)
            .map(|(v, value)| format!("{}={value}", v.name))
            .collect();
        let label = if label.is_empty() {
            "all runs".to_string()
        } else {
            label.join(", ")
        };
        entries.push((label, c));
    }
    let notes = vec![(
        format!(r#"<path d="M-7,4 L-2,4 L-2,-1 L3,-1 L3,-5 L7,-5" fill="none" stroke="{INK}"/>"#),
        format!(
            "each step: a run; the line reaches 1 at the cell's largest {}",
            text.metric
        ),
    )];
    legend(&mut out, &entries, &notes);
    out.push_str("</svg>\n");
    out
}
