//! A host's `main` as tokio programs write it, and the virtual time it sees.

use std::time::Duration;

use crate::program::current::expect_os;

/// What a host's `main` may return: nothing, or a `Result` whose `Err` ends
/// the run with a panic naming the host and the error (as `main` returning
/// `Err` ends a process).
pub trait MainResult {
    /// Panic if this is an error.
    #[doc(hidden)]
    fn check(self, host: &str);
}

impl MainResult for () {
    fn check(self, _host: &str) {}
}

impl<T, E: std::fmt::Debug> MainResult for Result<T, E> {
    fn check(self, host: &str) {
        if let Err(e) = self {
            panic!("the {host}'s main returned Err({e:?})");
        }
    }
}

/// The simulation's virtual time since it started, as the current host
/// sees it (the same clock `tokio::time::Instant` reads, at microsecond
/// resolution).
///
/// # Panics
///
/// Outside a simulated host's task.
pub fn sim_time() -> Duration {
    Duration::from_micros(expect_os("tcpsim::net::sim_time").now())
}
