//! `--plot`: one metric against one varied parameter, as an SVG. For each x
//! value the line is the median over the cell's seeds and the shaded band
//! reaches up to the 95th percentile (nearest rank, as in the table), so the
//! spread that single runs hide is visible. With more than one varied
//! parameter, each combination of the others gets its own line.

use plotters::prelude::*;

use crate::scenario::overrides;
use crate::scenario::{parse_duration, parse_rate, parse_size};

use super::metrics::{METRICS, RunRow};
use super::spec::Spec;

/// Where the x values sit on the axis: numbers in the parameter's unit, or
/// evenly spaced categories.
struct Axis {
    positions: Vec<f64>,
    labels: Vec<String>,
    title: String,
    categorical: bool,
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

fn axis(spec: &Spec, x: usize) -> Axis {
    let vary = &spec.vary[x];
    let path = overrides::targets(&vary.name).remove(0);
    let numbers: Option<Vec<(f64, &str)>> = vary.values.iter().map(|v| numeric(&path, v)).collect();
    match numbers {
        Some(n) if n.len() > 1 => Axis {
            positions: n.iter().map(|(v, _)| *v).collect(),
            labels: vary.values.clone(),
            title: match n[0].1 {
                "" => vary.name.clone(),
                unit => format!("{} ({unit})", vary.name),
            },
            categorical: false,
        },
        _ => Axis {
            positions: (0..vary.values.len()).map(|i| i as f64).collect(),
            labels: vary.values.clone(),
            title: vary.name.clone(),
            categorical: true,
        },
    }
}

/// One x value of a series: (x, p50, p95).
type Point = (f64, f64, f64);

/// A tick value without float noise: `0.060000000000000005` → `0.06`.
fn tidy(v: f64) -> String {
    let text = format!("{v:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

fn percentile(sorted: &[f64], p: usize) -> f64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// Check a plot request before running anything: the metric must be known
/// (`completion` is short for `completion_ms`) and `x` must be varied (by
/// default the first `--vary`). Returns the metric's full name and the index
/// of `x` among the varied parameters.
pub fn check<'m>(
    spec: &Spec,
    metric: &'m str,
    x: Option<&str>,
) -> Result<(&'m str, usize), String> {
    let metric = if metric == "completion" {
        "completion_ms"
    } else {
        metric
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
        return Err("--plot needs a varied parameter: add --vary NAME=V1,V2,...".to_string());
    }
    let x = x.unwrap_or(names[0]);
    match names.iter().position(|n| *n == x) {
        Some(xi) => Ok((metric, xi)),
        None => Err(format!(
            "--x {x}: not a varied parameter; varied: {}",
            names.join(", ")
        )),
    }
}

/// Draw `metric` against the varied parameter `x` (its name as given to
/// `--vary`; by default the first). Returns the SVG text.
pub fn svg(spec: &Spec, rows: &[RunRow], metric: &str, x: Option<&str>) -> Result<String, String> {
    let (metric, xi) = check(spec, metric, x)?;
    let axis = axis(spec, xi);
    let per = spec.seeds.count() as usize;

    // One series per combination of the other varied values, in cell order.
    let mut series: Vec<(String, Vec<Point>)> = Vec::new();
    for (cell, chunk) in rows.chunks(per).enumerate() {
        let values = spec.cell_values(cell as u64);
        let label: Vec<String> = spec
            .vary
            .iter()
            .zip(&values)
            .enumerate()
            .filter(|(i, _)| *i != xi)
            .map(|(_, (v, value))| format!("{}={value}", v.name))
            .collect();
        let label = label.join(", ");
        let xpos = axis.positions[spec.vary[xi]
            .values
            .iter()
            .position(|v| v == values[xi])
            .expect("a value of x")];
        let mut ys: Vec<f64> = chunk
            .iter()
            .map(|r| r.metric(metric).expect("known metric"))
            .collect();
        ys.sort_by(f64::total_cmp);
        let point = (xpos, percentile(&ys, 50), percentile(&ys, 95));
        match series.iter_mut().find(|(l, _)| *l == label) {
            Some((_, points)) => points.push(point),
            None => series.push((label, vec![point])),
        }
    }
    for (_, points) in &mut series {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }

    let (xmin, xmax) = axis
        .positions
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let pad = if xmax > xmin {
        (xmax - xmin) * 0.05
    } else {
        0.5
    };
    let ymax = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, _, p95)| *p95))
        .fold(0.0f64, f64::max);
    let ymax = if ymax > 0.0 { ymax * 1.1 } else { 1.0 };
    let description = METRICS
        .iter()
        .find(|(m, _)| *m == metric)
        .map_or("", |(_, d)| *d);

    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (900, 560)).into_drawing_area();
        let e = |e: DrawingAreaErrorKind<_>| format!("drawing the plot: {e}");
        root.fill(&WHITE).map_err(e)?;
        let caption = format!(
            "{}: {metric} vs {} (seeds {}; line p50, band to p95)",
            spec.scenario, spec.vary[xi].name, spec.seeds
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 20))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d((xmin - pad)..(xmax + pad), 0.0..ymax)
            .map_err(e)?;
        let labels = &axis.labels;
        let positions = &axis.positions;
        let categorical = axis.categorical;
        let x_label = |v: &f64| -> String {
            if categorical {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                    return labels[i as usize].clone();
                }
                return String::new();
            }
            match positions.iter().position(|p| (p - v).abs() < 1e-9) {
                Some(i) => labels[i].clone(),
                None => tidy(*v),
            }
        };
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(axis.title.as_str())
            .y_desc(format!("{metric}: {description}"))
            .x_label_formatter(&x_label);
        if categorical {
            mesh.x_labels(labels.len() * 2 + 1);
        }
        mesh.draw().map_err(e)?;

        let single = series.len() == 1;
        for (i, (label, points)) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            let mut band: Vec<(f64, f64)> = points.iter().map(|(x, _, p95)| (*x, *p95)).collect();
            band.extend(points.iter().rev().map(|(x, p50, _)| (*x, *p50)));
            chart
                .draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled())))
                .map_err(e)?;
            let name = if single || label.is_empty() {
                format!("{metric} p50")
            } else {
                format!("{label} p50")
            };
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|(x, p50, _)| (*x, *p50)),
                    color.stroke_width(2),
                ))
                .map_err(e)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(DashedLineSeries::new(
                    points.iter().map(|(x, _, p95)| (*x, *p95)),
                    6,
                    4,
                    color.stroke_width(1),
                ))
                .map_err(e)?
                .label(if single || label.is_empty() {
                    format!("{metric} p95")
                } else {
                    format!("{label} p95")
                })
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(1))
                });
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|(x, p50, _)| Circle::new((*x, *p50), 3, color.filled())),
                )
                .map_err(e)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(e)?;
        root.present().map_err(e)?;
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_and_units() {
        assert_eq!(tidy(0.060000000000000005), "0.06");
        assert_eq!(tidy(2.0), "2");
        assert_eq!(tidy(-0.0), "0");
        assert_eq!(numeric("link.loss", "5%"), Some((0.05, "")));
        assert_eq!(numeric("link.latency", "1.5ms"), Some((1.5, "ms")));
        assert_eq!(numeric("link.rate", "10Mbit"), Some((10.0, "Mbit/s")));
        assert_eq!(numeric("client.rx_buffer", "4KiB"), Some((4096.0, "bytes")));
        assert_eq!(numeric("client.congestion", "reno"), None);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50), 2.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 95), 4.0);
    }
}
