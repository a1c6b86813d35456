//! `tcpsim check`: run a scenario (or read a pcapng capture) and check that the
//! trace obeys TCP's arithmetic; every violation names its frame and rule.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args as ClapArgs;

#[derive(ClapArgs)]
pub struct Args {
    /// A scenario file (.toml) or a capture (.pcapng / .pcap) from anywhere.
    file: PathBuf,
    /// Override the scenario's seed (0 to 2^63-1).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=tcpsim::scenario::MAX_SEED))]
    seed: Option<u64>,
}

pub fn main(args: Args) -> ExitCode {
    let is_capture = args
        .file
        .extension()
        .is_some_and(|e| e == "pcapng" || e == "pcap");
    let violations = if is_capture {
        let bytes = match std::fs::read(&args.file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", args.file.display());
                return ExitCode::from(2);
            }
        };
        match tcpsim::trace::check::check_pcapng(&bytes) {
            Ok(v) => v,
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
            Ok(trace) => tcpsim::trace::check::check_trace(&trace),
            Err(e) => {
                eprintln!("error: {}", e.with_file(args.file.display().to_string()));
                return ExitCode::from(101);
            }
        }
    };
    let mut text = String::new();
    if violations.is_empty() {
        text.push_str(&format!("{}: ok, no violation\n", args.file.display()));
    }
    for v in &violations {
        text.push_str(&format!("{}: {v}\n", args.file.display()));
    }
    if !violations.is_empty() {
        text.push_str(&format!("{} violation(s)\n", violations.len()));
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
