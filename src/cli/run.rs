//! `tcpsim run`: replay a scenario and print its trace.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args as ClapArgs, ValueEnum};

use tcpsim::model::Role;

#[derive(ClapArgs)]
pub struct Args {
    /// The scenario file (TOML; see sim-scenarios/README.md).
    file: PathBuf,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Whose capture to show.
    #[arg(long, value_enum)]
    capture: Option<Capture>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    knobs: super::knobs::Knobs,
}

#[derive(Clone, Copy, ValueEnum)]
enum Capture {
    Client,
    Server,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Tsv,
    Json,
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
    if let Some(capture) = args.capture {
        scenario.capture = match capture {
            Capture::Client => Role::Client,
            Capture::Server => Role::Server,
        };
    }
    // The effective values, so that any run can be reproduced with --set.
    let settings = tcpsim::overrides::describe(&tcpsim::overrides::settings(&scenario));
    let trace = tcpsim::run(scenario);
    let out = match args.format {
        Format::Table => {
            let indented: String = settings.lines().map(|l| format!("  {l}\n")).collect();
            format!("{}settings:\n{indented}", tcpsim::render::table(&trace))
        }
        Format::Tsv => tcpsim::render::tsv(&trace),
        Format::Json => tcpsim::render::json(&trace),
    };
    print!("{out}");
    ExitCode::SUCCESS
}
