//! Standard output that can fail without a panic: `print!` panics when the
//! write fails (a closed pipe under `| head`, `> /dev/full`), which is a
//! backtrace and exit 101 for something the user did on purpose.
//!
//! A closed pipe means the reader has seen enough: like ripgrep, the command
//! stops quietly with exit 0. Any other error (a full disk, an I/O error) is
//! one line on standard error and exit 2, like any output file that cannot
//! be written.

use std::io::{ErrorKind, Write};
use std::process::ExitCode;

/// Write `text` to standard output and flush it; `Err` holds the exit code
/// to stop with (the message, if any, is already on standard error).
pub fn print(text: &str) -> Result<(), ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            Err(ExitCode::from(2))
        }
    }
}
