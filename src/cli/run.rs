//! `tcpsim run`: replay a scenario and print its trace.

use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args as ClapArgs, ValueEnum};

use tcpsim::scenario::model::{CapturePoint, Role, Scenario};
use tcpsim::trace::Trace;
use tcpsim::{Recording, RunOptions};

use super::atomic::AtomicFile;

#[derive(ClapArgs)]
pub struct Args {
    /// The scenario file (TOML; see sim-scenarios/README.md).
    file: PathBuf,
    /// Override the scenario's seed (0 to 2^64-1).
    #[arg(long)]
    seed: Option<u64>,
    /// Whose capture to show: a host's, or the wire's.
    #[arg(long, value_enum)]
    capture: Option<Capture>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Explain every segment (same as --format explain).
    #[arg(long)]
    explain: bool,
    /// Also write the capture as a pcapng file (open it in Wireshark),
    /// frame by frame as the run goes.
    #[arg(long, value_name = "OUT.pcapng")]
    pcap: Option<PathBuf>,
    /// Also write a ladder diagram as SVG.
    #[arg(long, value_name = "OUT.svg")]
    svg: Option<PathBuf>,
    /// Also write a time-sequence graph (Stevens/tcptrace) as SVG, with the
    /// sender's congestion window below when the trace has it.
    #[arg(long, value_name = "OUT.svg")]
    time_seq: Option<PathBuf>,
    /// The connection --time-seq draws, by its client port (default: the first).
    #[arg(long, value_name = "PORT")]
    conn: Option<u16>,
    /// The direction --time-seq draws (default: the one that carried more data).
    #[arg(long, value_enum)]
    dir: Option<Direction>,
    /// Stop at this much simulated time (e.g. 30s, 10min).
    #[arg(long, value_name = "DURATION")]
    max_sim_time: Option<String>,
    /// Stop after this many events.
    #[arg(long, value_name = "N")]
    max_events: Option<u64>,
    #[command(flatten)]
    knobs: super::knobs::Knobs,
}

#[derive(Clone, Copy, ValueEnum)]
enum Capture {
    Client,
    Server,
    /// Every frame once, when it is sent (a Linux loopback capture).
    Wire,
}

#[derive(Clone, Copy, ValueEnum)]
enum Direction {
    /// Client to server.
    C2s,
    /// Server to client.
    S2c,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Tsv,
    Json,
    /// A Mermaid sequenceDiagram (renders on GitHub).
    Mermaid,
    /// Every segment explained, in the write-up's X/Y notation.
    Explain,
}

pub fn main(args: Args) -> ExitCode {
    let mut scenario = match tcpsim::scenario::load(&args.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = args.knobs.apply(&mut scenario) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(text) = &args.max_sim_time {
        match tcpsim::scenario::parse_duration(text) {
            Ok(limit) if limit > 0 => scenario.max_sim_time = limit,
            Ok(_) => {
                eprintln!("error: --max-sim-time must be more than 0");
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("error: --max-sim-time {text}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(limit) = args.max_events {
        if limit == 0 {
            eprintln!("error: --max-events must be at least 1");
            return ExitCode::from(2);
        }
        scenario.max_events = limit;
    }
    if let Some(capture) = args.capture {
        let (point, role) = match capture {
            Capture::Client => (CapturePoint::Host, Role::Client),
            Capture::Server => (CapturePoint::Host, Role::Server),
            Capture::Wire => (CapturePoint::Wire, Role::Server),
        };
        scenario.capture_point = point;
        scenario.capture = role;
    }
    // The effective values, so that any run can be reproduced with --set.
    let settings =
        tcpsim::scenario::overrides::describe(&tcpsim::scenario::overrides::settings(&scenario));
    let format = if args.explain {
        Format::Explain
    } else {
        args.format
    };
    let options = RunOptions {
        // The explanation quotes payload (`"Ido Zeira"`), so it needs whole
        // frames; every other output reads only headers, so the trace keeps
        // only those and memory does not grow with the payload. A capture
        // file gets whole frames either way: they are streamed to it.
        recording: match format {
            Format::Explain => Recording::Full,
            _ => Recording::Headers,
        },
        // Nothing `run` prints reads the received bytes themselves.
        keep_received: false,
        ..RunOptions::default()
    };
    // Before the run: an output that cannot be written fails at once.
    for path in [&args.svg, &args.time_seq].into_iter().flatten() {
        if let Err(e) = super::atomic::refuse_unless_regular(path) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let run = match &args.pcap {
        None => tcpsim::engine::guard::catching(scenario, |s| Ok(tcpsim::run_with(s, options))),
        Some(path) => {
            let out = match AtomicFile::create(path) {
                Ok(out) => out,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            tcpsim::engine::guard::catching(scenario, |s| run_capturing(s, options, path, out))
        }
    };
    let trace = match run {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {}", e.with_file(args.file.display().to_string()));
            return ExitCode::from(101);
        }
    };
    if let Some(path) = &args.svg
        && let Err(e) = super::atomic::write_atomically(path, tcpsim::render::svg(&trace))
    {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    if let Some(path) = &args.time_seq {
        let choice = tcpsim::render::timeseq::Choice {
            conn: args.conn,
            dir: args.dir.map(|d| match d {
                Direction::C2s => tcpsim::render::timeseq::Dir::ClientToServer,
                Direction::S2c => tcpsim::render::timeseq::Dir::ServerToClient,
            }),
        };
        let written = tcpsim::render::time_sequence(&trace, choice)
            .and_then(|svg| super::atomic::write_atomically(path, svg));
        if let Err(e) = written {
            eprintln!("error: --time-seq: {e}");
            return ExitCode::from(2);
        }
    }
    let out = match format {
        Format::Table => {
            let indented: String = settings.lines().map(|l| format!("  {l}\n")).collect();
            format!("{}settings:\n{indented}", tcpsim::render::table(&trace))
        }
        Format::Tsv => tcpsim::render::tsv(&trace),
        Format::Json => tcpsim::render::json(&trace),
        Format::Mermaid => tcpsim::render::mermaid(&trace),
        Format::Explain => tcpsim::render::explain(&trace),
    };
    if let Err(code) = super::stdout::print(&out) {
        return code;
    }
    match trace.ending {
        tcpsim::trace::Ending::Finished => ExitCode::SUCCESS,
        tcpsim::trace::Ending::TimeLimit(t) => {
            eprintln!(
                "stopped: the simulated-time limit ({:.6} s) was reached before every program finished; raise it with --max-sim-time",
                t as f64 / 1e6
            );
            ExitCode::from(3)
        }
        tcpsim::trace::Ending::EventLimit(n) => {
            eprintln!(
                "stopped: the event limit ({n}) was reached before every program finished; raise it with --max-events"
            );
            ExitCode::from(3)
        }
        tcpsim::trace::Ending::Deadlock => {
            eprintln!(
                "stopped: deadlock at {:.6} s: a program waits for something that cannot happen (nothing in flight, no timer set); see the socket calls above",
                trace.end_time_us as f64 / 1e6
            );
            ExitCode::from(4)
        }
    }
}

/// Run `scenario`, streaming its capture into `out`'s temporary file, and put
/// the file in place once the run and every write succeeded. On an error the
/// temporary file is removed, and so it is on a panic (`out` is dropped as the
/// panic unwinds); an old file at `path` is left as it was.
fn run_capturing(
    scenario: Scenario,
    options: RunOptions,
    path: &Path,
    (pending, file): (AtomicFile, std::fs::File),
) -> Result<Trace, String> {
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let (trace, out) = tcpsim::engine::sim::run_streaming(scenario, options, BufWriter::new(file))
        .map_err(fail)?;
    // Flushed already; closed here, before the rename.
    drop(out.into_inner().map_err(|e| fail(e.into_error()))?);
    pending.commit()?;
    Ok(trace)
}
