//! What a host's tasks may run inside, and the timers the event loop cannot
//! see in the hosts' stacks: the hooks through which `tcpsim::net` puts the
//! tasks inside a tokio runtime whose clock is the simulation's.
//!
//! Without a driver a host step just runs rounds of ready tasks until none is
//! left. With one, every round runs inside it and the driver gets a turn
//! between rounds (tokio fires its timers that are due and calls the wakers
//! it deferred, `yield_now` among them).

use crate::program::wake::WakeHook;
use crate::scenario::model::Micros;

/// A context that a host's rounds of polls run inside.
pub trait Driver {
    /// Call `round` inside the driver until it returns false (no task was
    /// ready), giving the driver a turn after every call that returned true.
    fn drive(&self, round: &mut dyn FnMut() -> bool);

    /// What every task waker of the hosts this driver runs must call after
    /// queueing its task.
    fn wake_hook(&self) -> Option<WakeHook>;
}

/// Timers kept outside the hosts' stacks (tokio's timer wheel), which the
/// event loop consults before it moves the virtual clock.
pub trait Timers {
    /// Move these timers' clock from where it is towards `limit` (virtual
    /// time, never backwards) and stop at the first instant at which one of
    /// them wakes a host's task: return that instant. `None`: nothing woke,
    /// and the clock is at `limit`.
    fn advance(&self, limit: Micros) -> Option<Micros>;
}
