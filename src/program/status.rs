//! What the event loop knows of a program: the trait it steps, and what a
//! program waits for after a step.

use crate::program::os::Os;
use crate::scenario::model::Micros;

/// What a program is waiting for after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting on a socket: run again whenever the host runs.
    Blocked,
    /// Sleeping until this time, and only then.
    Sleeping(Micros),
    /// Waiting on a socket, or until this time at the latest (a timeout).
    Waiting(Micros),
    /// Finished.
    Done,
}

/// A program stepped by the event loop. `resume` runs until the program must
/// wait, and says for what. Bytes sent and received and the call log are kept
/// by its [`Os`].
pub trait Program {
    /// Run until the program must wait; say for what.
    fn resume(&mut self, os: &Os) -> Status;

    /// Whether something the program waits for has happened since it was
    /// last resumed (a task was woken by a timer outside the stack), so that
    /// its host must step now even though no frame or timer of its own is due.
    fn ready(&mut self, _os: &Os) -> bool {
        false
    }

    /// Whether the run may end while this program still waits, because it
    /// only serves (a server written as tasks, waiting in accept() like any
    /// real server) and has nothing to do right now.
    fn idle_server(&self) -> bool {
        false
    }
}

/// What several concurrent activities wait for, together: done when all are
/// done; otherwise woken by any event, or at the earliest timer.
pub fn combine(statuses: &[Status]) -> Status {
    let mut earliest: Option<Micros> = None;
    let mut event_driven = false;
    let mut active = false;
    for status in statuses {
        match *status {
            Status::Done => {}
            Status::Blocked => {
                active = true;
                event_driven = true;
            }
            Status::Waiting(t) => {
                active = true;
                event_driven = true;
                earliest = Some(earliest.map_or(t, |e| e.min(t)));
            }
            Status::Sleeping(t) => {
                active = true;
                earliest = Some(earliest.map_or(t, |e| e.min(t)));
            }
        }
    }
    match (active, event_driven, earliest) {
        (false, _, _) => Status::Done,
        (true, false, Some(t)) => Status::Sleeping(t),
        (true, _, Some(t)) => Status::Waiting(t),
        (true, _, None) => Status::Blocked,
    }
}
