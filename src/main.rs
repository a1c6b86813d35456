//! The `tcpsim` command line: a thin client of the library's public API.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use tcpsim::model::Role;

#[derive(Parser)]
#[command(name = "tcpsim", version, about = "A deterministic TCP simulator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay a scenario and print its trace.
    Run {
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
    },
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            file,
            seed,
            capture,
            format,
        } => {
            let mut scenario = match tcpsim::scenario::load(&file) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            };
            if let Some(seed) = seed {
                scenario.seed = seed;
            }
            if let Some(capture) = capture {
                scenario.capture = match capture {
                    Capture::Client => Role::Client,
                    Capture::Server => Role::Server,
                };
            }
            let trace = tcpsim::run(scenario);
            let out = match format {
                Format::Table => tcpsim::render::table(&trace),
                Format::Tsv => tcpsim::render::tsv(&trace),
                Format::Json => tcpsim::render::json(&trace),
            };
            print!("{out}");
            ExitCode::SUCCESS
        }
    }
}
