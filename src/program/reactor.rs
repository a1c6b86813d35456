//! Who to wake when a connection changes: the wakers tasks left with their
//! host while they wait on a socket.
//!
//! A task that finds a socket not ready leaves its waker here, under the
//! connection (`wake_on`) or, for accept(), under the host's listeners
//! (`wake_on_accept`). The stack reports every connection that changed since
//! it was last asked (a frame, a timer, a call: `Stack::take_ready`), and
//! `poll_readiness` wakes the tasks waiting on those. A connection that has
//! not been handed to a stream yet is one a listener may accept, so its
//! changes wake the tasks waiting in accept(). The stack is asked only once a
//! task has waited on a socket, so hosts whose programs never do (the
//! declarative programs, `Os` programs) pay nothing for it.
//!
//! The futures of the [`Os`](crate::program::Os) API predate wakers: they
//! are polled again at the host's next step, whatever happened.
//!
//! This file keeps the lists; `waiting.rs` is what a host's [`Os`](crate::program::Os)
//! does with them.

use std::collections::BTreeMap;
use std::task::Waker;

use crate::linux::conn::ConnId;
use crate::scenario::model::Micros;

/// The wakers of the tasks waiting on one host's sockets.
#[derive(Default)]
pub(crate) struct Reactor {
    /// This host's subscription to changed connections, once a task waits on one.
    pub(super) subscription: Option<usize>,
    /// Tasks to poll at the next step, whatever happens.
    next_step: Vec<Waker>,
    /// Per connection, the tasks waiting on it.
    by_conn: Vec<Vec<Waker>>,
    /// Connections already handed to a stream (no longer for accept()).
    claimed: Vec<bool>,
    /// Tasks waiting in accept().
    acceptors: Vec<Waker>,
    /// Scratch space: the connections that changed.
    pub(super) ready: Vec<ConnId>,
    /// Tasks to wake at a time of the virtual clock (the socket layer's own
    /// deadlines, such as connect()'s), by (time, order of asking).
    timers: BTreeMap<(Micros, u64), Waker>,
    asked: u64,
}

/// Add `waker` to `list` unless it would wake the same task as one there.
fn keep(list: &mut Vec<Waker>, waker: &Waker) {
    if !list.iter().any(|w| w.will_wake(waker)) {
        list.push(waker.clone());
    }
}

impl Reactor {
    /// Wake `waker` at the host's next step.
    pub(super) fn wait_next_step(&mut self, waker: &Waker) {
        keep(&mut self.next_step, waker);
    }

    /// Wake `waker` when `conn` changes.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(super) fn wait_on(&mut self, conn: ConnId, waker: &Waker) {
        if self.by_conn.len() <= conn {
            self.by_conn.resize_with(conn + 1, Vec::new);
        }
        keep(&mut self.by_conn[conn], waker);
    }

    /// Wake `waker` when a connection no stream owns changes.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(super) fn wait_on_accept(&mut self, waker: &Waker) {
        keep(&mut self.acceptors, waker);
    }

    /// Wake `waker` at `t` of the virtual clock.
    pub(super) fn wait_until(&mut self, t: Micros, waker: &Waker) {
        let again = self
            .timers
            .range((t, 0)..=(t, u64::MAX))
            .any(|(_, w)| w.will_wake(waker));
        if !again {
            self.asked += 1;
            self.timers.insert((t, self.asked), waker.clone());
        }
    }

    /// When the first task waiting for a time wants to run.
    pub(super) fn next_timer(&self) -> Option<Micros> {
        self.timers.first_key_value().map(|(&(t, _), _)| t)
    }

    /// Wake the tasks whose time has come by `now`.
    pub(super) fn wake_due(&mut self, now: Micros) {
        while let Some(entry) = self.timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            entry.remove().wake();
        }
    }

    /// `conn` belongs to a stream: its changes no longer wake accept().
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(super) fn claim(&mut self, conn: ConnId) {
        if self.claimed.len() <= conn {
            self.claimed.resize(conn + 1, false);
        }
        self.claimed[conn] = true;
    }

    /// Wake the tasks waiting for the next step. (A waker only queues its
    /// task, so the lists may be held while it runs: no allocation per step.)
    pub(super) fn wake_next_step(&mut self) {
        for waker in self.next_step.drain(..) {
            waker.wake();
        }
    }

    /// Wake the tasks waiting on the connections in `ready` (which becomes
    /// the scratch space again).
    pub(super) fn wake_ready(&mut self, mut ready: Vec<ConnId>) {
        for &conn in &ready {
            if let Some(waiting) = self.by_conn.get_mut(conn) {
                waiting.drain(..).for_each(Waker::wake);
            }
            if !self.claimed.get(conn).copied().unwrap_or(false) {
                self.acceptors.drain(..).for_each(Waker::wake);
            }
        }
        ready.clear();
        self.ready = ready;
    }
}
