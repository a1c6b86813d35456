//! Axes for the time-sequence graph: round tick values (1, 2 or 5 times a
//! power of ten), the unit a whole axis is labelled in (µs, ms or s; B, kB or
//! MB), and the mapping from values to pixels.

use std::fmt::Write as _;

pub(crate) use super::super::svg::n;

/// Tick values from 0 up to at least `max`, about `target` of them.
pub(crate) fn ticks(max: f64, target: usize) -> Vec<f64> {
    let max = if max > 0.0 { max } else { 1.0 };
    let rough = max / target.max(1) as f64;
    let power = 10f64.powi(rough.log10().floor() as i32);
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    let count = (max / step).ceil() as usize;
    (0..=count).map(|i| i as f64 * step).collect()
}

/// A unit for a whole axis: its name and how many base units it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Unit {
    pub name: &'static str,
    pub size: f64,
}

/// The time unit that keeps tick labels short for a span of `us`.
pub(crate) fn time_unit(span_us: f64) -> Unit {
    if span_us < 5_000.0 {
        Unit {
            name: "µs",
            size: 1.0,
        }
    } else if span_us < 5_000_000.0 {
        Unit {
            name: "ms",
            size: 1_000.0,
        }
    } else {
        Unit {
            name: "s",
            size: 1_000_000.0,
        }
    }
}

/// The byte unit that keeps tick labels short for values up to `max`.
pub(crate) fn byte_unit(max: f64) -> Unit {
    if max < 20_000.0 {
        Unit {
            name: "B",
            size: 1.0,
        }
    } else if max < 20_000_000.0 {
        Unit {
            name: "kB",
            size: 1_000.0,
        }
    } else {
        Unit {
            name: "MB",
            size: 1_000_000.0,
        }
    }
}

/// A tick value in `unit`, with as few decimals as the step needs.
pub(crate) fn label(v: f64, step: f64, unit: Unit) -> String {
    let x = v / unit.size;
    let step = step / unit.size;
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{x:.decimals$}")
}

/// A linear map from a value range onto a pixel range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub px0: f64,
    pub px1: f64,
}

impl Scale {
    pub fn at(&self, v: f64) -> f64 {
        if self.hi <= self.lo {
            return self.px0;
        }
        self.px0 + (v - self.lo) / (self.hi - self.lo) * (self.px1 - self.px0)
    }
}

/// Grid lines and tick labels of one panel, in `muted` colour: x ticks
/// along the bottom, y ticks along the left, with the axis titles.
#[allow(clippy::too_many_arguments)]
pub(crate) fn grid(
    out: &mut String,
    x: Scale,
    y: Scale,
    x_ticks: &[f64],
    x_unit: Unit,
    y_ticks: &[f64],
    y_unit: Unit,
    titles: (&str, &str),
) {
    let (left, right) = (x.px0, x.px1);
    let (bottom, top) = (y.px0, y.px1);
    let _ = writeln!(
        out,
        r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#ffffff" stroke="#adb5bd"/>"##,
        n(left),
        n(top),
        n(right - left),
        n(bottom - top)
    );
    let x_step = x_ticks.get(1).copied().unwrap_or(1.0);
    for &t in x_ticks.iter().filter(|t| **t <= x.hi) {
        let px = x.at(t);
        let _ = writeln!(
            out,
            r##"<line class="grid" x1="{p}" y1="{}" x2="{p}" y2="{}" stroke="#e9ecef"/><text x="{p}" y="{}" text-anchor="middle" font-size="11" fill="#495057">{}</text>"##,
            n(top),
            n(bottom),
            n(bottom + 16.0),
            label(t, x_step, x_unit),
            p = n(px)
        );
    }
    let y_step = y_ticks.get(1).copied().unwrap_or(1.0);
    for &v in y_ticks.iter().filter(|v| **v <= y.hi) {
        let py = y.at(v);
        let _ = writeln!(
            out,
            r##"<line class="grid" x1="{}" y1="{p}" x2="{}" y2="{p}" stroke="#e9ecef"/><text x="{}" y="{}" text-anchor="end" font-size="11" fill="#495057">{}</text>"##,
            n(left),
            n(right),
            n(left - 6.0),
            n(py + 4.0),
            label(v, y_step, y_unit),
            p = n(py)
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="#212529">{}</text>"##,
        n((left + right) / 2.0),
        n(bottom + 34.0),
        super::super::svg::xml_escape(titles.0)
    );
    let _ = writeln!(
        out,
        r##"<text transform="translate({} {}) rotate(-90)" text-anchor="middle" font-size="12" fill="#212529">{}</text>"##,
        n(left - 58.0),
        n((top + bottom) / 2.0),
        super::super::svg::xml_escape(titles.1)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(13_000.0, 6), [0.0, 5000.0, 10000.0, 15000.0]);
        assert_eq!(ticks(9.0, 5), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(0.0, 5).len(), 6);
    }

    #[test]
    fn units_follow_the_span() {
        assert_eq!(time_unit(800.0).name, "µs");
        assert_eq!(time_unit(12_000.0).name, "ms");
        assert_eq!(time_unit(9_000_000.0).name, "s");
        assert_eq!(byte_unit(13_000.0).name, "B");
        assert_eq!(byte_unit(8_400_000.0).name, "kB");
        assert_eq!(label(2_500_000.0, 500_000.0, byte_unit(8e6)), "2500");
        assert_eq!(label(1_500.0, 500.0, time_unit(9e6)), "0.0015");
        assert_eq!(label(0.25e6, 0.05e6, time_unit(9e6)), "0.25");
    }
}
