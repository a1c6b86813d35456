//! The socket calls' side of [`Pace`](crate::program::pace::Pace): each call
//! notes whether it blocked or went through, and the host asks which blocked
//! calls could now go on (see `pace.rs`).

use crate::linux::conn::{ConnId, ConnectState, Recv};
use crate::program::os::Os;
use crate::program::pace::Wait;
use crate::scenario::model::Micros;

impl Os {
    /// A call that would block: the program sleeps until `wait` can go on.
    pub(crate) fn blocked(&self, wait: Wait) {
        self.pace.borrow_mut().waits.insert(wait, true);
    }

    /// A call that did something (or failed): it no longer waits, and its
    /// next call comes after the host's per-call cost.
    pub(crate) fn called(&self, wait: Option<Wait>) {
        let (now, cost) = {
            let stack = self.stack.borrow();
            (stack.now, stack.config.call_cost)
        };
        let mut pace = self.pace.borrow_mut();
        if let Some(w) = wait {
            pace.waits.remove(&w);
        }
        if cost > 0 {
            let actor = pace.actor;
            pace.busy_until.insert(actor, now + cost);
        }
    }

    /// Calls from now on are activity `actor`'s; returns whose they were.
    pub(crate) fn act_as(&self, actor: Option<usize>) -> Option<usize> {
        std::mem::replace(&mut self.pace.borrow_mut().actor, actor)
    }

    /// close(): nothing on `conn` waits any more.
    pub(crate) fn forget_conn(&self, conn: ConnId) {
        self.pace
            .borrow_mut()
            .waits
            .retain(|w, _| w.conn() != Some(conn));
    }

    /// When the program may make its next call, if that is still to come:
    /// the declarative programs stop there (`Status::Sleeping`) and go on
    /// when their host resumes them.
    pub fn busy_until(&self) -> Option<Micros> {
        let now = self.now();
        let pace = self.pace.borrow();
        let until = pace.busy_until.get(&pace.actor).copied().unwrap_or(0);
        (until > now).then_some(until)
    }

    /// Whether the program waits in any call.
    pub(crate) fn waits_on_sockets(&self) -> bool {
        !self.pace.borrow().waits.is_empty()
    }

    /// The calls the program waits in that could go on now. `eventful`:
    /// frames came in at this step, which may have freed send-buffer space
    /// or finished a handshake for accept(); those two are not looked at
    /// closely (a program woken for nothing finds its call still blocked).
    pub(crate) fn waits_ready(&self, eventful: bool) -> Vec<Wait> {
        let waits: Vec<Wait> = self.pace.borrow().waits.keys().copied().collect();
        waits
            .into_iter()
            .filter(|&w| match w {
                Wait::Recv(conn) => self.readable(conn),
                Wait::Connect(conn) => {
                    self.stack.borrow().connect_state(conn) != ConnectState::Pending
                }
                Wait::Send(_) | Wait::Accept(_) => eventful,
            })
            .collect()
    }

    /// recv() would return now: data, end of stream or a reset (what
    /// poll() reports as POLLIN). With nothing unread, asking for 0 bytes
    /// reads nothing and changes nothing.
    fn readable(&self, conn: ConnId) -> bool {
        let mut stack = self.stack.borrow_mut();
        stack.unread(conn) > 0 || !matches!(stack.recv_with(conn, 0, |_| {}), Err(Recv::WouldBlock))
    }

    /// The program is about to run: note which waits it makes again.
    pub(crate) fn run_begins(&self) {
        for touched in self.pace.borrow_mut().waits.values_mut() {
            *touched = false;
        }
    }

    /// The program ran because `woken_for` could go on; a recv() or
    /// connect() among them it did not make again belongs to a call it has
    /// given up (a session that ended another way), and must not wake it
    /// again and again. A send() or accept() wait is kept: it wakes the
    /// program only when frames come in, and the activity that made it may
    /// not have run (only those whose connections changed do,
    /// `program::activities`).
    pub(crate) fn run_ends(&self, woken_for: &[Wait]) {
        let mut pace = self.pace.borrow_mut();
        for w in woken_for {
            let exact = matches!(w, Wait::Recv(_) | Wait::Connect(_));
            if exact && pace.waits.get(w) == Some(&false) {
                pace.waits.remove(w);
            }
        }
    }
}
