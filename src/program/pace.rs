//! When a program makes its socket calls, as Linux's scheduler runs it: what
//! a blocked program waits for (so its host can wake it a wake-up latency
//! after that happens), and the time each call takes (so the next one comes
//! that much later).
//!
//! A Linux process blocked in recv(), accept() or connect() sleeps until the
//! kernel's receive path wakes it (`sk_data_ready`, `sk_state_change`), and
//! runs again only once the scheduler has switched it in; its next calls
//! follow after the time the program itself takes between them. The host
//! (`engine/host.rs`) decides when to resume the program from what is noted
//! here (by the socket calls, `pace_calls.rs`); the declarative programs ask
//! `Os::busy_until` before each call.

use std::collections::BTreeMap;

use crate::linux::conn::{ConnId, ListenerId};
use crate::scenario::model::Micros;

/// A socket call that found nothing to do and would block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Wait {
    /// recv(): no data, no end of stream.
    Recv(ConnId),
    /// send(): the send buffer is full.
    Send(ConnId),
    /// accept(): no connection has finished its handshake.
    Accept(ListenerId),
    /// connect(): the handshake is under way.
    Connect(ConnId),
}

impl Wait {
    pub(crate) fn conn(self) -> Option<ConnId> {
        match self {
            Wait::Recv(c) | Wait::Send(c) | Wait::Connect(c) => Some(c),
            Wait::Accept(_) => None,
        }
    }
}

/// What the host needs to know of a program's calls to schedule it.
#[derive(Debug, Default)]
pub(crate) struct Pace {
    /// The calls that blocked and have not been made again with success,
    /// each with whether the program made it again in its current run.
    pub(crate) waits: BTreeMap<Wait, bool>,
    /// The activity making calls now (`program::activities`): each of a
    /// program's activities (a client copy, an echo session) is a thread of
    /// its own, whose calls cost its own time; `None` for the rest.
    pub(crate) actor: Option<usize>,
    /// When each activity's next call may come.
    pub(crate) busy_until: BTreeMap<Option<usize>, Micros>,
}
