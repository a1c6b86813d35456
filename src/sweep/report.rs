//! A sweep's outputs: a table for people, CSV and JSON for tools. Each is a
//! function of the spec and the rows (in run order) only, which is what lets
//! `tcpsim merge` print exactly what an unsharded sweep prints.

use serde::Serialize;

use crate::scenario::overrides;

use super::metrics::RunRow;
use super::spec::Spec;
use super::stats::CellStats;

/// Check that `rows` are exactly the spec's runs, in order.
pub fn check_rows(spec: &Spec, rows: &[RunRow]) -> Result<(), String> {
    if rows.len() as u64 != spec.runs() {
        return Err(format!(
            "expected {} runs, have {}",
            spec.runs(),
            rows.len()
        ));
    }
    for (i, r) in rows.iter().enumerate() {
        let (cell, seed) = spec.locate(i as u64);
        if r.run != i as u64 || r.cell != cell || r.seed != seed {
            return Err(format!(
                "row {i} is run {} (cell {}, seed {}), expected run {i} (cell {cell}, seed {seed})",
                r.run, r.cell, r.seed
            ));
        }
    }
    Ok(())
}

/// Per-cell statistics, in cell order. `rows` must pass [`check_rows`].
pub fn cells(spec: &Spec, rows: &[RunRow]) -> Vec<CellStats> {
    let per = spec.seeds.count() as usize;
    rows.chunks(per)
        .map(|chunk| CellStats::of(&chunk.iter().collect::<Vec<_>>()))
        .collect()
}

/// `word` as a POSIX shell reads it back: unchanged when it is safe, else in
/// single quotes.
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+%@[]".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// `--seeds S --set a=b ...`: the sweep arguments that reproduce one cell.
pub fn cell_args(spec: &Spec, cell: u64) -> String {
    let mut args = vec!["--seeds".to_string(), spec.seeds.to_string()];
    for s in spec.cell_set(cell) {
        args.push("--set".to_string());
        args.push(shell_quote(&s));
    }
    args.join(" ")
}

/// Microseconds as milliseconds with three decimals, exact.
pub fn ms(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

/// Bytes per second with an SI prefix (`1.28 kB/s`).
fn rate(bytes_per_s: u64) -> String {
    let b = bytes_per_s as f64;
    for (unit, size) in [("GB/s", 1e9), ("MB/s", 1e6), ("kB/s", 1e3)] {
        if b >= size {
            return format!("{:.2} {unit}", b / size);
        }
    }
    format!("{bytes_per_s} B/s")
}

/// Sum over runs, as a mean per run with two decimals.
fn per_run(total: u64, runs: u64) -> String {
    if runs == 0 {
        return "0.00".into();
    }
    let hundredths = (u128::from(total) * 100 + u128::from(runs) / 2) / u128::from(runs);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// The lines above the table: what ran, so it can be run again.
fn header(spec: &Spec) -> String {
    let mut out = String::new();
    let cells = spec.cells();
    out.push_str(&format!(
        "sweep of {} (scenario {}): seeds {} ({} per cell) × {} cell{} = {} runs\n",
        spec.file,
        spec.scenario,
        spec.seeds,
        spec.seeds.count(),
        cells,
        if cells == 1 { "" } else { "s" },
        spec.runs()
    ));
    if !spec.set.is_empty() {
        let set: Vec<String> = spec
            .set
            .iter()
            .map(|s| format!("--set {}", shell_quote(s)))
            .collect();
        out.push_str(&format!("overrides: {}\n", set.join(" ")));
    }
    for v in &spec.vary {
        let targets = overrides::targets(&v.name).join(", ");
        let what = if targets == v.name {
            v.name.clone()
        } else {
            format!("{} ({targets})", v.name)
        };
        out.push_str(&format!("varied: {what} over {}\n", v.values.join(", ")));
    }
    out.push_str("settings (before the varied values):\n");
    for line in overrides::describe(&spec.settings_list()).lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

const TABLE_COLUMNS: [&str; 14] = [
    "runs",
    "intact",
    "fin",
    "reset",
    "open",
    "limit",
    "p50_ms",
    "p95_ms",
    "max_ms",
    "retx/run",
    "dupack/run",
    "rst/run",
    "goodput_p50",
    "",
];

/// The table: a header naming the file, seeds, overrides and effective
/// settings, then one row per cell. Connection endings (fin, reset, open)
/// count connections; `limit` counts runs stopped by a time or event limit;
/// the percentiles are of simulated completion time.
pub fn table(spec: &Spec, rows: &[RunRow]) -> String {
    let stats = cells(spec, rows);
    let mut head: Vec<String> = spec.vary.iter().map(|v| v.name.clone()).collect();
    head.extend(TABLE_COLUMNS[..13].iter().map(|s| s.to_string()));
    let mut grid = vec![head];
    for (cell, s) in stats.iter().enumerate() {
        let mut row: Vec<String> = spec
            .cell_values(cell as u64)
            .iter()
            .map(|v| v.to_string())
            .collect();
        row.extend([
            s.runs.to_string(),
            s.intact.to_string(),
            s.ended_fin.to_string(),
            s.ended_rst.to_string(),
            s.ended_open.to_string(),
            (s.time_limit + s.event_limit).to_string(),
            ms(s.completion_p50_us),
            ms(s.completion_p95_us),
            ms(s.completion_max_us),
            per_run(s.retransmissions, s.runs),
            per_run(s.dup_acks, s.runs),
            per_run(s.rsts, s.runs),
            rate(s.goodput_p50_bytes_per_s),
        ]);
        grid.push(row);
    }
    let varied = spec.vary.len();
    let widths: Vec<usize> = (0..grid[0].len())
        .map(|c| grid.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = header(spec);
    out.push('\n');
    for row in &grid {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, text)| {
                if c < varied {
                    format!("{text:<w$}", w = widths[c])
                } else {
                    format!("{text:>w$}", w = widths[c])
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// CSV (RFC 4180 quoting, `\n` line ends): one line per cell. `args` holds the `tcpsim sweep`
/// arguments that rerun the cell; the varied values also have a column each.
pub fn csv(spec: &Spec, rows: &[RunRow]) -> String {
    let stats = cells(spec, rows);
    let mut head: Vec<String> = vec!["scenario".into(), "file".into(), "args".into()];
    head.extend(spec.vary.iter().map(|v| v.name.clone()));
    head.extend(
        [
            "runs",
            "intact",
            "ended_fin",
            "ended_rst",
            "ended_open",
            "time_limit",
            "event_limit",
            "completion_p50_us",
            "completion_p95_us",
            "completion_max_us",
            "retransmissions",
            "dup_acks",
            "rsts",
            "delivered_bytes",
            "goodput_p50_bytes_per_s",
        ]
        .map(String::from),
    );
    let mut out = csv_line(&head);
    for (cell, s) in stats.iter().enumerate() {
        let mut row = vec![
            spec.scenario.clone(),
            spec.file.clone(),
            cell_args(spec, cell as u64),
        ];
        row.extend(spec.cell_values(cell as u64).iter().map(|v| v.to_string()));
        row.extend(
            [
                s.runs,
                s.intact,
                s.ended_fin,
                s.ended_rst,
                s.ended_open,
                s.time_limit,
                s.event_limit,
                s.completion_p50_us,
                s.completion_p95_us,
                s.completion_max_us,
                s.retransmissions,
                s.dup_acks,
                s.rsts,
                s.delivered_bytes,
                s.goodput_p50_bytes_per_s,
            ]
            .map(|n| n.to_string()),
        );
        out.push_str(&csv_line(&row));
    }
    out
}

fn csv_line(fields: &[String]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    format!("{}\n", quoted.join(","))
}

#[derive(Serialize)]
struct JsonReport<'a> {
    file: &'a str,
    scenario: &'a str,
    seeds: String,
    runs: u64,
    set: &'a [String],
    vary: &'a [super::spec::Vary],
    settings: &'a [String],
    cells: Vec<JsonCell>,
}

#[derive(Serialize)]
struct JsonCell {
    /// `name=value` of each varied parameter.
    values: Vec<String>,
    args: String,
    #[serde(flatten)]
    stats: CellStats,
}

/// JSON: the spec (file, seeds, overrides, varied values, effective
/// settings) and one object per cell.
pub fn json(spec: &Spec, rows: &[RunRow]) -> String {
    let cells = cells(spec, rows)
        .into_iter()
        .enumerate()
        .map(|(cell, stats)| JsonCell {
            values: spec
                .vary
                .iter()
                .zip(spec.cell_values(cell as u64))
                .map(|(v, value)| format!("{}={value}", v.name))
                .collect(),
            args: cell_args(spec, cell as u64),
            stats,
        })
        .collect();
    let report = JsonReport {
        file: &spec.file,
        scenario: &spec.scenario,
        seeds: spec.seeds.to_string(),
        runs: spec.runs(),
        set: &spec.set,
        vary: &spec.vary,
        settings: &spec.settings,
        cells,
    };
    let mut text = serde_json::to_string_pretty(&report).expect("plain data serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_for_the_shell() {
        assert_eq!(shell_quote("link.loss=0.05"), "link.loss=0.05");
        assert_eq!(
            shell_quote("client.steps[1].send=hi there"),
            "'client.steps[1].send=hi there'"
        );
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn numbers_are_exact() {
        assert_eq!(ms(1_234_567), "1234.567");
        assert_eq!(ms(5), "0.005");
        assert_eq!(per_run(5, 3), "1.67");
        assert_eq!(per_run(0, 0), "0.00");
        assert_eq!(rate(1280), "1.28 kB/s");
        assert_eq!(rate(999), "999 B/s");
        assert_eq!(rate(125_000_000), "125.00 MB/s");
    }

    #[test]
    fn csv_quotes_fields_with_commas() {
        assert_eq!(
            csv_line(&["a,b".into(), "c\"d".into(), "e".into()]),
            "\"a,b\",\"c\"\"d\",e\n"
        );
    }
}
