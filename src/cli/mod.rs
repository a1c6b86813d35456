//! The command line (the `tcpsim` binary, not the library): one file per
//! subcommand, using only the library's public API (`tcpsim::...`), so every
//! CLI test also tests the library.
//!
//! In: arguments and files. Out: text on standard output, files written all
//! or nothing, exit codes.
//!
//! - `run.rs`, `sweep.rs`, `merge.rs`, `check.rs`, `packetdrill.rs`: the
//!   subcommands;
//! - `knobs.rs`: the short flags shared by run and sweep (`--loss`, `--delay`, ...);
//! - `atomic.rs`: output files written under a temporary name and renamed,
//!   only over regular files, removed on SIGINT/SIGTERM;
//! - `stdout.rs`: standard output whose errors are an exit code, not a panic.

pub mod atomic;
pub mod check;
pub mod knobs;
pub mod merge;
pub mod packetdrill;
pub mod run;
pub mod stdout;
pub mod sweep;
