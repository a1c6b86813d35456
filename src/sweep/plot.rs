//! `--plot`: one metric of a sweep as an SVG, in one of two kinds.
//!
//! - `points` (the default): the metric against one varied parameter. At
//!   each measured value, the median over the cell's seeds (a dot) and the
//!   95th percentile (a bar), nearest rank as in the table, with the band
//!   between them shaded; nothing is drawn as if measured between two values
//!   (a faint dotted guide joins the medians of a numeric parameter).
//!   Categorical parameters (`congestion=none,reno,cubic`) are evenly spaced
//!   points with whiskers. With more than one varied parameter, each
//!   combination of the others is a series of its own colour.
//! - `cdf`: the empirical distribution of the metric in every cell, the
//!   fraction of runs at or below each value.
//!
//! Axes take their scale from the data (log when the values span decades,
//! `--log-y` to force it), are labelled with units (ms, kB/s), and the legend
//! sits beside the data, never on it. The SVG is written by hand with
//! IEEE-exact arithmetic (`plot/scale.rs`), so it is byte-identical on every
//! machine and for any thread count.

use crate::scenario::overrides;
use crate::scenario::{parse_duration, parse_rate, parse_size};

use super::metrics::{METRICS, RunRow};
use super::spec::Spec;

mod draw;
mod scale;

/// Which picture `--plot` draws.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Kind {
    /// Median and 95th percentile against a varied parameter.
    #[default]
    Points,
    /// The distribution of the metric per cell.
    Cdf,
}

/// What to plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options<'a> {
    /// The metric (`completion` is short for `completion_ms`).
    pub metric: &'a str,
    /// The varied parameter across (default: the first `--vary`).
    pub x: Option<&'a str>,
    /// Which picture.
    pub kind: Kind,
    /// A log scale for the metric whatever its spread.
    pub log_y: bool,
}

/// The x positions of a varied parameter: numbers in its unit, or evenly
/// spaced categories.
pub(crate) struct XAxis {
    pub positions: Vec<f64>,
    pub labels: Vec<String>,
    pub title: String,
    pub categorical: bool,
}

/// The value's number in the unit the axis shows, if it has one.
fn numeric(path: &str, value: &str) -> Option<(f64, &'static str)> {
    let key = path.rsplit('.').next().unwrap_or(path);
    match key {
        "loss" | "dup" | "reorder" => {
            let (n, scale) = match value.strip_suffix('%') {
                Some(n) => (n, 100.0),
                None => (value, 1.0),
            };
            n.trim().parse::<f64>().ok().map(|p| (p / scale, ""))
        }
        "latency" | "jitter" | "reorder_delay" | "sleep" | "rx_coalesce" | "delayed_ack"
        | "delay" | "max_sim_time" => parse_duration(value)
            .ok()
            .map(|us| (us as f64 / 1000.0, "ms")),
        "rate" => parse_rate(value).ok().map(|b| (b as f64 / 1e6, "Mbit/s")),
        "queue" | "rx_buffer" | "tx_buffer" | "recv" | "recv_all" | "send_bytes" | "bytes" => {
            parse_size(value).ok().map(|b| (b as f64, "bytes"))
        }
        _ => value
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|n| (n, "")),
    }
}

fn x_axis(spec: &Spec, x: usize) -> XAxis {
    let vary = &spec.vary[x];
    let path = overrides::targets(&vary.name).remove(0);
    let numbers: Option<Vec<(f64, &str)>> = vary.values.iter().map(|v| numeric(&path, v)).collect();
    match numbers {
        Some(n) if n.len() > 1 => XAxis {
            positions: n.iter().map(|(v, _)| *v).collect(),
            labels: vary.values.clone(),
            title: match n[0].1 {
                "" => vary.name.clone(),
                unit => format!("{} ({unit})", vary.name),
            },
            categorical: false,
        },
        _ => XAxis {
            positions: (0..vary.values.len()).map(|i| i as f64).collect(),
            labels: vary.values.clone(),
            title: vary.name.clone(),
            categorical: true,
        },
    }
}

/// How a metric is shown: a factor from its stored unit and the unit's
/// name (`goodput` is stored in bytes per second and shown in kB/s).
pub(crate) fn unit(metric: &str) -> (f64, &'static str) {
    match metric {
        "completion_ms" => (1.0, "ms"),
        "completion_us" => (1.0, "µs"),
        "goodput" => (0.001, "kB/s"),
        "payload_bytes" | "sent_bytes" | "delivered_bytes" => (0.001, "kB"),
        "intact" | "finished" | "time_limit" | "event_limit" => (1.0, "1 = yes, 0 = no"),
        "seed" => (1.0, "number"),
        _ => (1.0, "per run"),
    }
}

/// The nearest-rank percentile of sorted values.
pub(crate) fn percentile(sorted: &[f64], p: usize) -> f64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// Check a plot request before running anything: the metric must be known
/// (`completion` is short for `completion_ms`) and, for `points`, `x` must be
/// varied (by default the first `--vary`). Returns the metric's full name
/// and the index of `x` among the varied parameters (0 for a CDF of an
/// unvaried sweep).
pub fn check<'m>(spec: &Spec, opts: &Options<'m>) -> Result<(&'m str, usize), String> {
    let metric = if opts.metric == "completion" {
        "completion_ms"
    } else {
        opts.metric
    };
    if !METRICS.iter().any(|(m, _)| *m == metric) {
        let names: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
        return Err(format!(
            "--metric {metric}: unknown metric; known metrics: {}",
            names.join(", ")
        ));
    }
    let names: Vec<&str> = spec.vary.iter().map(|v| v.name.as_str()).collect();
    if names.is_empty() {
        if opts.kind == Kind::Cdf && opts.x.is_none() {
            return Ok((metric, 0));
        }
        return Err(
            "--plot needs a varied parameter: add --vary NAME=V1,V2,... (or --plot-kind cdf)"
                .to_string(),
        );
    }
    let x = opts.x.unwrap_or(names[0]);
    match names.iter().position(|n| *n == x) {
        Some(xi) => Ok((metric, xi)),
        None => Err(format!(
            "--x {x}: not a varied parameter; varied: {}",
            names.join(", ")
        )),
    }
}

/// One cell's values of the metric, sorted, in the unit shown, with the
/// cell's varied values.
pub(crate) struct Cell<'s> {
    pub values: Vec<&'s str>,
    pub sorted: Vec<f64>,
}

fn cells<'s>(spec: &'s Spec, rows: &[RunRow], metric: &str) -> Vec<Cell<'s>> {
    let per = spec.seeds.count() as usize;
    let (factor, _) = unit(metric);
    rows.chunks(per)
        .enumerate()
        .map(|(cell, chunk)| {
            let mut sorted: Vec<f64> = chunk
                .iter()
                .map(|r| r.metric(metric).expect("known metric") * factor)
                .collect();
            sorted.sort_by(f64::total_cmp);
            Cell {
                values: spec.cell_values(cell as u64),
                sorted,
            }
        })
        .collect()
}

/// Draw the plot `opts` asks for. Returns the SVG text.
pub fn svg(spec: &Spec, rows: &[RunRow], opts: &Options<'_>) -> Result<String, String> {
    let (metric, xi) = check(spec, opts)?;
    let cells = cells(spec, rows, metric);
    let description = METRICS
        .iter()
        .find(|(m, _)| *m == metric)
        .map_or("", |(_, d)| *d);
    let text = draw::Text {
        scenario: &spec.scenario,
        seeds: spec.seeds.to_string(),
        per_cell: spec.seeds.count(),
        metric,
        description,
        unit: unit(metric).1,
    };
    Ok(match opts.kind {
        Kind::Points => {
            let axis = x_axis(spec, xi);
            draw::points(&text, spec, &cells, xi, &axis, opts.log_y)
        }
        Kind::Cdf => draw::cdf(&text, spec, &cells, opts.log_y),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_units_and_percentiles() {
        assert_eq!(numeric("link.loss", "5%"), Some((0.05, "")));
        assert_eq!(numeric("link.latency", "1.5ms"), Some((1.5, "ms")));
        assert_eq!(numeric("link.rate", "10Mbit"), Some((10.0, "Mbit/s")));
        assert_eq!(numeric("client.rx_buffer", "4KiB"), Some((4096.0, "bytes")));
        assert_eq!(numeric("client.congestion", "reno"), None);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50), 2.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 95), 4.0);
        assert_eq!(unit("goodput"), (0.001, "kB/s"));
        assert_eq!(unit("completion_ms").1, "ms");
    }
}
