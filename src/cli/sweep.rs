//! `tcpsim sweep`: run a scenario over many seeds and a grid of overridden
//! values; print per-cell statistics, draw a plot, write a shard, or find
//! the first seed where something happens.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args as ClapArgs, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use tcpsim::engine::guard::RunPanic;
use tcpsim::sweep::predicate::Predicate;
use tcpsim::sweep::report::{self, shell_quote};
use tcpsim::sweep::shard::ShardFile;
use tcpsim::sweep::spec::check_kept_runs;
use tcpsim::sweep::{Plan, RunRow, SeedRange, Shard, Spec, Vary, exec, plot};

use super::atomic::write_atomically;
use super::knobs::Knobs;

/// Most worker threads `--threads` takes: more than any machine's cores
/// gains nothing, and each thread reserves its own stack.
const MAX_THREADS: u64 = 256;

#[derive(ClapArgs)]
pub struct Args {
    /// The scenario file (TOML; see sim-scenarios/README.md).
    file: PathBuf,
    /// Seeds to run in every cell: FIRST..LAST (both included) or one seed.
    #[arg(long, default_value = "1..100", value_name = "FIRST..LAST")]
    seeds: String,
    /// A parameter to vary: NAME=V1,V2,... (NAME a path or a short name such
    /// as loss, delay, buffer). Repeat for a grid; the first varies slowest.
    #[arg(long, value_name = "NAME=V1,V2,...")]
    vary: Vec<String>,
    #[command(flatten)]
    output: Output,
    /// Run only shard I of N (runs with index mod N = I-1) and write its rows
    /// as a shard file for `tcpsim merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Stop at the first run, in seed order, where PREDICATE holds (e.g.
    /// 'rst > 0 && completion_ms > 1000') and print the command that replays it.
    #[arg(long, value_name = "PREDICATE")]
    find: Option<String>,
    /// Worker threads, 1 to 256 (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_THREADS))]
    threads: Option<usize>,
    #[command(flatten)]
    knobs: Knobs,
}

/// How results are shown; shared with `tcpsim merge`.
#[derive(ClapArgs)]
pub struct Output {
    /// Output format.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Also draw METRIC as SVG: its median and 95th percentile against a
    /// varied parameter, or (--plot-kind cdf) its distribution per cell.
    #[arg(long, value_name = "OUT.svg")]
    plot: Option<PathBuf>,
    /// What --plot draws: points (p50 and p95 at each measured value) or
    /// cdf (the fraction of runs at or below each value, per cell).
    #[arg(long, value_enum, default_value_t = PlotKind::Points)]
    plot_kind: PlotKind,
    /// Put the metric on a log scale whatever its spread (by default a log
    /// scale is used when the values span decades).
    #[arg(long)]
    log_y: bool,
    /// The metric to plot (completion, retransmissions, dup_acks, rst, goodput, ...).
    #[arg(long, default_value = "completion")]
    metric: String,
    /// The varied parameter on the plot's x axis (default: the first --vary).
    #[arg(long, value_name = "NAME")]
    x: Option<String>,
    /// Write the output to FILE (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum PlotKind {
    /// Median and 95th percentile against a varied parameter.
    Points,
    /// The distribution of the metric in every cell.
    Cdf,
}

impl Output {
    /// The plot request these flags make.
    fn plot_options(&self) -> plot::Options<'_> {
        plot::Options {
            metric: &self.metric,
            x: self.x.as_deref(),
            kind: match self.plot_kind {
                PlotKind::Points => plot::Kind::Points,
                PlotKind::Cdf => plot::Kind::Cdf,
            },
            log_y: self.log_y,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// Refuse, before any run, an output path that could not be written (a
/// directory, a device node, a symbolic link); shared with `merge`.
pub fn check_outputs(output: &Output) -> Result<(), ExitCode> {
    for path in [&output.out, &output.plot].into_iter().flatten() {
        super::atomic::refuse_unless_regular(path).map_err(usage)?;
    }
    Ok(())
}

pub fn main(args: Args) -> ExitCode {
    if let Err(code) = check_outputs(&args.output) {
        return code;
    }
    let scenario = match tcpsim::scenario::load(&args.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let seeds = match SeedRange::parse(&args.seeds) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let mut vary = Vec::new();
    for text in &args.vary {
        match Vary::parse(text) {
            Ok(v) => vary.push(v),
            Err(e) => return usage(e),
        }
    }
    // Applied once here for messages that name the flag; the plan applies them again.
    let set: Vec<(String, String)> = match args.knobs.assignments() {
        Ok(list) => list.into_iter().map(|a| (a.name, a.value)).collect(),
        Err(e) => return usage(e),
    };
    if let Err(e) = args.knobs.apply(&mut scenario.clone()) {
        return usage(e);
    }
    let file = args.file.display().to_string();
    let plan = match Plan::new(scenario, &file, seeds, &set, vary) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
    {
        Ok(pool) => pool,
        Err(e) => return usage(format!("cannot start worker threads: {e}")),
    };

    if let Some(text) = &args.find {
        if args.shard.is_some() || args.output.plot.is_some() || args.output.format.is_some() {
            return usage(
                "--find prints one replay command; it cannot be combined with --shard, --plot or --format",
            );
        }
        let predicate = match Predicate::parse(text) {
            Ok(p) => p,
            Err(e) => return usage(e),
        };
        let bar = progress(plan.spec.runs());
        let batch = pool.current_num_threads() * 8;
        let found = pool.install(|| exec::find(&plan, &predicate, batch, &|| bar.inc(1)));
        bar.finish_and_clear();
        let found = match found {
            Ok(found) => found,
            Err(e) => return panicked(e),
        };
        return match found {
            Some(row) => {
                let text = found_report(&plan.spec, &row, &predicate);
                write_output(args.output.out.as_deref(), &text)
            }
            None => {
                eprintln!(
                    "no run matches `{}` (seeds {} in {} cell(s))",
                    predicate.text(),
                    plan.spec.seeds,
                    plan.spec.cells()
                );
                ExitCode::from(1)
            }
        };
    }

    if let Some(text) = &args.shard {
        let shard = match Shard::parse(text) {
            Ok(s) => s,
            Err(e) => return usage(e),
        };
        if args.output.plot.is_some() || args.output.format.is_some() {
            return usage(
                "a shard writes its rows as a shard file; give --format and --plot to `tcpsim merge`",
            );
        }
        if let Err(e) = check_kept_runs(plan.spec.runs().div_ceil(shard.count)) {
            return usage(e);
        }
        let runs = shard.runs(plan.spec.runs());
        let bar = progress(runs.len() as u64);
        let rows = pool.install(|| exec::run_all(&plan, &runs, &|| bar.inc(1)));
        bar.finish_and_clear();
        let rows = match rows {
            Ok(rows) => rows,
            Err(e) => return panicked(e),
        };
        let file = ShardFile::new(plan.spec.clone(), shard, rows);
        return write_output(args.output.out.as_deref(), &file.to_json());
    }

    if args.output.plot.is_some()
        && let Err(e) = plot::check(&plan.spec, &args.output.plot_options())
    {
        return usage(e);
    }
    if let Err(e) = check_kept_runs(plan.spec.runs()) {
        return usage(e);
    }
    let runs: Vec<u64> = (0..plan.spec.runs()).collect();
    let bar = progress(runs.len() as u64);
    let rows = pool.install(|| exec::run_all(&plan, &runs, &|| bar.inc(1)));
    bar.finish_and_clear();
    match rows {
        Ok(rows) => emit(&plan.spec, &rows, &args.output),
        Err(e) => panicked(e),
    }
}

/// A run that panicked: one line with its seed and the command that
/// replays it (its cell's overrides included), exit 101 as for `run`.
fn panicked(e: RunPanic) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(101)
}

/// A progress bar on a terminal; nothing when standard error is piped.
fn progress(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {elapsed_precise} (eta {eta})")
    {
        bar.set_style(style);
    }
    bar
}

/// What `--find` prints: the run's numbers, then the command that replays it.
fn found_report(spec: &Spec, row: &RunRow, predicate: &Predicate) -> String {
    let mut cmd = vec![
        "tcpsim".to_string(),
        "run".to_string(),
        shell_quote(&spec.file),
        "--seed".to_string(),
        row.seed.to_string(),
    ];
    for s in spec.cell_set(row.cell) {
        cmd.push("--set".to_string());
        cmd.push(shell_quote(&s));
    }
    let values: Vec<String> = spec
        .vary
        .iter()
        .zip(spec.cell_values(row.cell))
        .map(|(v, value)| format!("{}={value}", v.name))
        .collect();
    let cell = if values.is_empty() {
        String::new()
    } else {
        format!(" in cell {}", values.join(", "))
    };
    format!(
        "seed {}{cell} is the first run where `{}` holds:\n  \
         completion {} ms ({}), intact {}, retransmissions {}, dup_acks {}, rst {}, frames {}\n\
         replay it with:\n{}\n",
        row.seed,
        predicate.text(),
        report::ms(row.completion_us),
        row.ending,
        row.intact,
        row.retransmissions,
        row.dup_acks,
        row.rsts,
        row.frames,
        cmd.join(" ")
    )
}

/// Print (or write) the chosen format and draw the plot; shared with `merge`.
pub fn emit(spec: &Spec, rows: &[RunRow], output: &Output) -> ExitCode {
    if let Err(e) = report::check_rows(spec, rows) {
        return usage(e);
    }
    if let Some(path) = &output.plot {
        let svg = match plot::svg(spec, rows, &output.plot_options()) {
            Ok(svg) => svg,
            Err(e) => return usage(e),
        };
        if let Err(e) = write_atomically(path, &svg) {
            return usage(e);
        }
    }
    let text = match output.format.unwrap_or(Format::Table) {
        Format::Table => report::table(spec, rows),
        Format::Csv => report::csv(spec, rows),
        Format::Json => report::json(spec, rows),
    };
    write_output(output.out.as_deref(), &text)
}

fn write_output(path: Option<&Path>, text: &str) -> ExitCode {
    match path {
        None => match super::stdout::print(text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Some(path) => match write_atomically(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => usage(e),
        },
    }
}
