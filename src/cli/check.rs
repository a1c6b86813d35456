//! `tcpsim check`: run a scenario (or read a pcapng capture) and check that the
//! trace obeys TCP's arithmetic; every violation names its frame and rule.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args as ClapArgs;

#[derive(ClapArgs)]
pub struct Args {
    /// A scenario file (.toml) or a capture (.pcapng / .pcap) from anywhere.
    file: PathBuf,
    /// Override the scenario's seed (0 to 2^64-1).
    #[arg(long)]
    seed: Option<u64>,
}

pub fn main(args: Args) -> ExitCode {
    let is_capture = args
        .file
        .extension()
        .is_some_and(|e| e == "pcapng" || e == "pcap");
    let (violations, tally) = if is_capture {
        match tcpsim::trace::check::check_capture_file(&args.file) {
            Ok(report) => (report.violations, Some(report.tally)),
            Err(e) => {
                eprintln!("error: {}: {e}", args.file.display());
                return ExitCode::from(2);
            }
        }
    } else {
        let mut scenario = match tcpsim::scenario::load(&args.file) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        if let Some(seed) = args.seed {
            scenario.seed = seed;
        }
        match tcpsim::engine::guard::run_catching(scenario) {
            Ok(trace) => (tcpsim::trace::check::check_trace(&trace), None),
            Err(e) => {
                eprintln!("error: {}", e.with_file(args.file.display().to_string()));
                return ExitCode::from(101);
            }
        }
    };
    let mut text = String::new();
    // A capture says how much of it was read: "ok" covers only that.
    let read = tally.map_or(String::new(), |t| {
        format!(
            " ({} TCP segment(s) checked, {} other packet(s) skipped)",
            t.segments,
            t.skipped()
        )
    });
    if violations.is_empty() {
        text.push_str(&format!(
            "{}: ok, no violation{read}\n",
            args.file.display()
        ));
    }
    for v in &violations {
        text.push_str(&format!("{}: {v}\n", args.file.display()));
    }
    if !violations.is_empty() {
        text.push_str(&format!("{} violation(s){read}\n", violations.len()));
    }
    if let Err(code) = super::stdout::print(&text) {
        return code;
    }
    if violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
