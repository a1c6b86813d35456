//! `tcpsim packetdrill`: run packetdrill scripts against tcpsim's Linux host.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args as ClapArgs, ValueEnum};

use tcpsim::packetdrill::Verdict;
use tcpsim::packetdrill::suite::{ScriptResult, collect, run_text};
use tcpsim::trace::Trace;

#[derive(ClapArgs)]
pub struct Args {
    /// .pkt files, or folders (every .pkt under them, in name order).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Timing tolerance in microseconds, for every script (packetdrill's
    /// --tolerance_usecs; default 4000, or the script's own).
    #[arg(long, value_name = "N")]
    tolerance_usecs: Option<i64>,
    /// Also print, per script, the settings applied or ignored, the shell
    /// commands not run and what `print()` in `%{ }%` blocks printed.
    #[arg(long)]
    verbose: bool,
    /// Write the run's capture as pcapng (one script only).
    #[arg(long, value_name = "OUT.pcapng")]
    pcap: Option<PathBuf>,
    /// Write the run's ladder diagram as SVG (one script only).
    #[arg(long, value_name = "OUT.svg")]
    svg: Option<PathBuf>,
    /// Print every segment of the run, explained (one script only).
    #[arg(long)]
    explain: bool,
    /// Print the run's trace in this format (one script only).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Tsv,
    Json,
}

pub fn main(args: Args) -> ExitCode {
    if let Some(t) = args.tolerance_usecs
        && t <= 0
    {
        eprintln!("error: --tolerance-usecs must be more than 0");
        return ExitCode::from(2);
    }
    let files = match collect(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if files.is_empty() {
        eprintln!("error: no .pkt files under the paths given");
        return ExitCode::from(2);
    }
    let wants_trace =
        args.pcap.is_some() || args.svg.is_some() || args.explain || args.format.is_some();
    if wants_trace && files.len() != 1 {
        eprintln!(
            "error: --pcap, --svg, --explain and --format show one run: give one script ({} found)",
            files.len()
        );
        return ExitCode::from(2);
    }
    for path in [&args.pcap, &args.svg].into_iter().flatten() {
        if let Err(e) = super::atomic::refuse_unless_regular(path) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let (mut passed, mut failed, mut skipped, mut unparsed) = (0, 0, 0, 0);
    let mut last_trace: Option<Trace> = None;
    for file in &files {
        let shown = file.display().to_string();
        let text = match std::fs::read(file) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                eprintln!("error: {shown}: {e}");
                unparsed += 1;
                continue;
            }
        };
        let mut out = String::new();
        match run_text(&shown, &text, args.tolerance_usecs) {
            ScriptResult::Unparsed(e) => {
                unparsed += 1;
                out.push_str(&format!("ERROR {e}\n"));
            }
            ScriptResult::Ran(outcome) => {
                match outcome.verdict {
                    Verdict::Pass => passed += 1,
                    Verdict::Fail { .. } => failed += 1,
                    Verdict::Skip { .. } => skipped += 1,
                }
                out.push_str(&outcome.line(&shown));
                out.push('\n');
                if args.verbose {
                    for n in &outcome.notes {
                        out.push_str(&format!("  {n}\n"));
                    }
                }
                last_trace = Some(outcome.trace);
            }
        }
        if let Err(code) = super::stdout::print(&out) {
            return code;
        }
    }
    let total = files.len();
    let mut summary = format!(
        "{total} script{}: {passed} passed, {failed} failed, {skipped} skipped",
        if total == 1 { "" } else { "s" }
    );
    if unparsed > 0 {
        summary.push_str(&format!(", {unparsed} not parsed"));
    }
    let mut tail = String::new();
    if let Some(trace) = &last_trace {
        if let Some(path) = &args.svg
            && let Err(e) = super::atomic::write_atomically(path, tcpsim::render::svg(trace))
        {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        if let Some(path) = &args.pcap {
            let mut bytes = Vec::new();
            if let Err(e) = tcpsim::render::write_pcapng(trace, &mut bytes) {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(2);
            }
            if let Err(e) = super::atomic::write_atomically(path, bytes) {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
        if args.explain {
            tail.push_str(&tcpsim::render::explain(trace));
        }
        match args.format {
            Some(Format::Table) => tail.push_str(&tcpsim::render::table(trace)),
            Some(Format::Tsv) => tail.push_str(&tcpsim::render::tsv(trace)),
            Some(Format::Json) => tail.push_str(&tcpsim::render::json(trace)),
            None => {}
        }
    }
    if let Err(code) = super::stdout::print(&format!("{tail}{summary}\n")) {
        return code;
    }
    if unparsed > 0 {
        ExitCode::from(2)
    } else if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
