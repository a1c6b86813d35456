//! `tcpsim merge`: combine the shard files of one sweep into the output the
//! unsharded sweep prints, byte for byte.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args as ClapArgs;

use tcpsim::sweep::shard::{self, ShardFile};

use super::sweep::{Output, emit};

#[derive(ClapArgs)]
pub struct Args {
    /// Shard files written by `tcpsim sweep --shard I/N`, one per shard, any order.
    #[arg(required = true, value_name = "SHARD")]
    shards: Vec<PathBuf>,
    #[command(flatten)]
    output: Output,
}

pub fn main(args: Args) -> ExitCode {
    if let Err(code) = super::sweep::check_outputs(&args.output) {
        return code;
    }
    let mut files = Vec::new();
    for path in &args.shards {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {name}: {e}");
                return ExitCode::from(2);
            }
        };
        match ShardFile::parse(&name, &text) {
            Ok(f) => {
                if let Err(e) = tcpsim::sweep::spec::check_kept_runs(f.spec.runs()) {
                    eprintln!("error: {name}: {e}");
                    return ExitCode::from(2);
                }
                files.push((name, f))
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    match shard::merge(&files) {
        Ok((spec, rows)) => emit(&spec, &rows, &args.output),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
