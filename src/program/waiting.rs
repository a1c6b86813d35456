//! How a host's tasks wait on its sockets: what an [`Os`] does with its
//! [`Reactor`]'s lists (see `reactor.rs`).

use std::task::Waker;

use crate::linux::conn::ConnId;
use crate::program::os::Os;
use crate::scenario::model::Micros;

impl Os {
    /// Ask the stack for changed connections from now on, if not yet.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    fn subscribed(&self) {
        if self.reactor.borrow().subscription.is_none() {
            let subscription = self.subscribe();
            self.reactor.borrow_mut().subscription = Some(subscription);
        }
    }

    /// Wake `waker` at this host's next step.
    pub(crate) fn wake_next_step(&self, waker: &Waker) {
        self.reactor.borrow_mut().wait_next_step(waker);
    }

    /// Wake `waker` when connection `conn` changes (data, window, FIN, RST,
    /// handshake).
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn wake_on(&self, conn: ConnId, waker: &Waker) {
        self.subscribed();
        self.reactor.borrow_mut().wait_on(conn, waker);
    }

    /// Wake `waker` when a connection no stream owns yet changes (one may
    /// have finished its handshake on a listener).
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn wake_on_accept(&self, waker: &Waker) {
        self.subscribed();
        self.reactor.borrow_mut().wait_on_accept(waker);
    }

    /// Wake `waker` at `t` of the virtual clock (its host steps then).
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn wake_at_time(&self, t: Micros, waker: &Waker) {
        self.reactor.borrow_mut().wait_until(t, waker);
    }

    /// When the first task waiting for a time wants to run.
    pub(crate) fn next_timer(&self) -> Option<Micros> {
        self.reactor.borrow().next_timer()
    }

    /// `conn` now belongs to a stream: its changes no longer wake accept().
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn claim(&self, conn: ConnId) {
        self.reactor.borrow_mut().claim(conn);
    }

    /// A host step begins: wake the tasks that asked to run at it.
    pub(crate) fn start_step(&self) {
        self.reactor.borrow_mut().wake_next_step();
    }

    /// Wake the tasks whose time has come, and those waiting on the
    /// connections that changed since the last call (none are asked for
    /// until a task has waited on a socket).
    pub(crate) fn poll_readiness(&self) {
        if self
            .reactor
            .borrow()
            .next_timer()
            .is_some_and(|t| t <= self.now())
        {
            let now = self.now();
            self.reactor.borrow_mut().wake_due(now);
        }
        let (subscription, mut ready) = {
            let mut reactor = self.reactor.borrow_mut();
            let Some(subscription) = reactor.subscription else {
                return;
            };
            (subscription, std::mem::take(&mut reactor.ready))
        };
        self.take_ready(subscription, &mut ready);
        self.reactor.borrow_mut().wake_ready(ready);
    }
}
