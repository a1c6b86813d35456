//! The ladder's legend: a sample of each kind of mark, then a line on how
//! to read the picture (and, for a run cut short, how much was left out).

use std::fmt::Write as _;

use crate::trace::Trace;

use super::{
    APP, FrameFacts, HIGHLIGHT, MAX_FRAMES, MUTED, NORMAL, RESET, STATE, WIDTH, cross_path,
    in_flight, n, slashes, timeline, xml_escape,
};

/// Draws a legend sample whose left edge is at `x`, centred on `y`.
type Glyph = fn(f64, f64) -> String;

/// The legend box at `top`; `of` is the run's frame count when only the
/// first [`MAX_FRAMES`] were drawn.
pub(super) fn legend(
    out: &mut String,
    trace: &Trace,
    facts: &[FrameFacts],
    top: f64,
    of: Option<usize>,
) {
    let y = top + 16.0;
    let _ = writeln!(
        out,
        r##"<rect class="legend" x="16" y="{}" width="{}" height="{}" rx="4" fill="#f8f9fa" stroke="#dee2e6"/>"##,
        n(top),
        n(WIDTH - 32.0),
        if of.is_some() { "78" } else { "60" }
    );
    let items: [(Glyph, &str, f64); 7] = [
        (|x, y| legend_arrow(x, y, NORMAL, "head"), "segment", 130.0),
        (
            |x, y| legend_arrow(x, y, HIGHLIGHT, "head-hl"),
            "retransmission",
            170.0,
        ),
        (|x, y| legend_arrow(x, y, RESET, "head-rst"), "RST", 100.0),
        (legend_lost, "lost on the link", 180.0),
        (legend_app, "socket call", 140.0),
        (legend_state, "TCP state", 140.0),
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
        "N: frame number, as in the table. seq/ack relative (each ISN = 0). Time to scale (median one-way flight = {} px), stretched where events crowd.",
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
    if let Some(total) = of {
        let _ = writeln!(
            out,
            r#"<text class="cut" x="30" y="{}" font-size="11" font-weight="bold" fill="{RESET}">{}</text>"#,
            n(top + 66.0),
            xml_escape(&format!(
                "Only the first {MAX_FRAMES} of {total} frames are drawn. For the whole run use --time-seq OUT.svg (a time-sequence graph)."
            ))
        );
    }
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

fn legend_state(x: f64, y: f64) -> String {
    format!(
        r#"<text x="{}" y="{}" font-size="9" font-weight="bold" fill="{STATE}">ESTAB</text>"#,
        n(x + 4.0),
        n(y + 3.0)
    )
}

fn legend_cut(x: f64, y: f64) -> String {
    slashes(x + 19.0, y)
}
