//! The `tcpsim` command line: a thin client of the library's public API.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "tcpsim", version, about = "A deterministic TCP simulator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay a scenario and print its trace.
    Run(cli::run::Args),
    /// Run a scenario over many seeds and a grid of values; print statistics.
    Sweep(cli::sweep::Args),
    /// Combine the shard files of a sweep into its output.
    Merge(cli::merge::Args),
    /// Check a scenario's trace or a pcapng capture against TCP's rules.
    Check(cli::check::Args),
    /// Run packetdrill scripts against tcpsim's Linux host, in virtual time.
    Packetdrill(cli::packetdrill::Args),
}

fn main() -> ExitCode {
    cli::atomic::remove_pending_on_signals();
    match Cli::parse().command {
        Command::Run(args) => cli::run::main(args),
        Command::Sweep(args) => cli::sweep::main(args),
        Command::Merge(args) => cli::merge::main(args),
        Command::Check(args) => cli::check::main(args),
        Command::Packetdrill(args) => cli::packetdrill::main(args),
    }
}
