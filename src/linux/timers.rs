//! This layer's timers (delayed ACK, tail loss probe), the sockets that have
//! closed, and when the host must run next.

use std::collections::BTreeSet;

use smoltcp::socket::tcp::State;

use crate::linux::conn::{ConnId, Gone};
use crate::linux::stack::{Outgoing, Stack};
use crate::scenario::model::Micros;
use crate::wire::frame::{self};

impl Stack {
    /// Put the timers of the connections marked since into `fire_at` and `wake_at`.
    pub(super) fn settle_timers(&mut self) {
        while let Some(id) = self.timers_stale.pop() {
            let c = &mut self.conns[id];
            let live = c.handle.is_some();
            let deferred = c.acks.deferred_due;
            let sender = c.sender.timer_due();
            let fire = min_opt(deferred, sender.filter(|_| live));
            let wake = if live {
                min_opt(deferred, sender)
            } else {
                None
            };
            rekey(&mut self.fire_at, &mut c.fire_key, fire, id);
            rekey(&mut self.wake_at, &mut c.wake_key, wake, id);
        }
    }

    /// Send held ACKs whose delayed-ACK timer is due, and due tail loss probes.
    pub fn fire_timers(&mut self) {
        let now = self.now;
        let linux = self.linux();
        self.settle_timers();
        let mut due: Vec<ConnId> = if self.sockets.exhaustive {
            (0..self.conns.len()).collect()
        } else {
            self.fire_at
                .range(..=(now, ConnId::MAX))
                .map(|&(_, id)| id)
                .collect()
        };
        due.sort_unstable();
        for id in due {
            self.mark(id);
            if linux && self.conns[id].handle.is_some() {
                self.fire_sender(id);
            }
            let c = &mut self.conns[id];
            if c.acks.deferred_due.is_some_and(|due| due <= now) {
                let rto = c.sender.rto;
                let left = c.acks.on_timer_fired(rto);
                if let Some(frame) = c.deferred.take() {
                    let seg = frame::parse(&frame);
                    if let Some(seg) = &seg {
                        c.acks.on_ack_sent(seg.ack);
                        c.win.sent_win = Some(seg.win);
                    }
                    let note = if left {
                        format!(
                            "delayed ACK: {} ms timer expired with no reply to carry it",
                            self.config.delayed_ack / 1000
                        )
                    } else {
                        format!(
                            "delayed ACK: {} ms timer expired",
                            self.config.delayed_ack / 1000
                        )
                    };
                    self.outbox.push(Outgoing { frame, note, seg });
                }
            }
        }
    }

    /// Drop smoltcp sockets whose connection has ended (only a socket touched
    /// since the last look can have closed).
    pub(super) fn forget_closed(&mut self) {
        let mut closed = std::mem::take(&mut self.closed_slots);
        self.sockets.take_closed(&mut closed);
        if self.sockets.exhaustive {
            closed.extend(self.conns.iter().filter_map(|c| c.handle));
        }
        for &slot in &closed {
            let Some(id) = self.slot_owner.get(slot).copied().flatten() else {
                continue;
            };
            let c = &mut self.conns[id];
            if c.handle != Some(slot) || self.sockets.get(slot).state() != State::Closed {
                continue;
            }
            c.handle = None;
            if c.gone.is_none() {
                c.gone = Some(if c.close.app_closed {
                    Gone::Closed
                } else {
                    Gone::ResetByPeer
                });
            }
            self.drop_socket(slot);
            self.mark(id);
        }
        self.closed_slots = closed;
    }

    /// The earliest time this layer or smoltcp needs to run again.
    pub fn next_deadline(&mut self) -> Option<Micros> {
        let now = self.instant();
        let stack = self.sockets.next_deadline(&mut self.iface, now);
        self.settle_timers();
        let timers = if self.sockets.exhaustive {
            self.conns
                .iter()
                .filter(|c| c.handle.is_some())
                .flat_map(|c| [c.acks.deferred_due, c.sender.timer_due()])
                .flatten()
                .min()
        } else {
            self.wake_at.first().map(|&(t, _)| t)
        };
        min_opt(stack, timers)
    }

    /// Whether nothing is waiting to be sent or acknowledged.
    pub fn quiescent(&self) -> bool {
        let held = self.conns.iter().any(|c| {
            c.deferred.is_some()
                || (c.handle.is_some() && (!c.nagle.pending.is_empty() || !c.hold.is_empty()))
        });
        if held || !self.outbox.is_empty() {
            return false;
        }
        self.sockets.iter().all(|(_, t)| match t.state() {
            State::Closed | State::Listen | State::TimeWait | State::FinWait2 => true,
            State::Established | State::CloseWait => t.send_queue() == 0,
            _ => false,
        })
    }
}

/// Move `id`'s entry in `set` from the time in `key` to `new`.
pub(super) fn rekey(
    set: &mut BTreeSet<(Micros, ConnId)>,
    key: &mut Option<Micros>,
    new: Option<Micros>,
    id: ConnId,
) {
    if *key == new {
        return;
    }
    if let Some(old) = *key {
        set.remove(&(old, id));
    }
    if let Some(t) = new {
        set.insert((t, id));
    }
    *key = new;
}

pub(super) fn min_opt(a: Option<Micros>, b: Option<Micros>) -> Option<Micros> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
