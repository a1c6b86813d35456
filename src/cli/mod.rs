//! The command line's subcommands, one file each. They use only the library's
//! public API (`tcpsim::...`), so every CLI test also tests the library.

pub mod atomic;
pub mod check;
pub mod knobs;
pub mod merge;
pub mod run;
pub mod sweep;
