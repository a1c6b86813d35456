//! Many activities of one program (an echo server's sessions, the copies of a
//! client), each resumed only when something it waits for may have happened.
//!
//! A program with N activities used to resume every one of them at every step
//! of its host, so an event cost O(N) even when it concerned one connection.
//! An activity that waits on a socket (`Blocked`, `Waiting`) can only make
//! progress when one of its connections changed, and one that sleeps only when
//! its time comes; resuming it otherwise finds what it found last time and
//! changes nothing. So the activities resumed are those whose connections the
//! stack reports changed (`Os::take_ready`), those whose timer is due, and new
//! ones, in index order, as the full loop did. An activity's connections are
//! the ones it called the socket API on.
//!
//! The full loop resumed activity `j` after `i` within one step when `j > i`,
//! whatever `i` did; so when `i`'s calls change `j`'s connection (a send lets
//! the stack send what `j`'s socket had due), `j` runs in the same step if it
//! comes later, and at the next step otherwise, as it did then.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use crate::linux::conn::ConnId;
use crate::program::os::Os;
use crate::scenario::model::Micros;

use crate::program::status::Status;

/// The activities' statuses and what wakes each.
#[derive(Debug, Default)]
pub(crate) struct Activities {
    statuses: Vec<Status>,
    /// The activity that calls the API on each connection.
    owner: BTreeMap<ConnId, usize>,
    /// Activities to resume at the next call whatever happened (an activity
    /// may be listed twice).
    due: Vec<usize>,
    /// Scratch space: the activities to resume in this call, least first
    /// (an activity may be listed twice).
    run: BinaryHeap<Reverse<usize>>,
    /// Scratch space: the connections that changed.
    ready: Vec<ConnId>,
    /// Sleeping and waiting activities by the time they want to run.
    timers: BTreeSet<(Micros, usize)>,
    /// Activities not done.
    active: usize,
    /// Activities waiting on a socket (`Blocked` or `Waiting`).
    event_driven: usize,
    /// This program's subscription to the stack's changed connections.
    subscription: Option<usize>,
}

impl Activities {
    /// A new activity, to be resumed at the next call; returns its index.
    pub fn add(&mut self) -> usize {
        let i = self.statuses.len();
        self.statuses.push(Status::Blocked);
        self.active += 1;
        self.event_driven += 1;
        self.due.push(i);
        i
    }

    /// Resume, in index order, every activity that may make progress;
    /// `resume(i, os)` runs activity `i` and returns what it waits for.
    pub fn resume(&mut self, os: &Os, mut resume: impl FnMut(usize, &Os) -> Status) {
        let subscription = *self.subscription.get_or_insert_with(|| os.subscribe());
        let now = os.now();
        let mut run = std::mem::take(&mut self.run);
        run.clear();
        run.extend(self.due.drain(..).map(Reverse));
        self.collect_ready(os, subscription, None, &mut run);
        if os.exhaustive() {
            run.extend((0..self.statuses.len()).map(Reverse));
        }
        while let Some(&(t, i)) = self.timers.first()
            && t <= now
        {
            self.timers.pop_first();
            run.push(Reverse(i));
        }
        let mut last = None;
        while let Some(Reverse(i)) = run.pop() {
            if last == Some(i) {
                continue;
            }
            last = Some(i);
            let old = self.statuses[i];
            let runnable = match old {
                Status::Blocked | Status::Waiting(_) => true,
                Status::Sleeping(t) => t <= now,
                Status::Done => false,
            };
            if !runnable {
                continue;
            }
            // Each activity's calls take its own time (`pace.rs`).
            let outer = os.act_as(Some(i));
            let (new, seen) = os.watch(|| resume(i, os));
            os.act_as(outer);
            for conn in seen {
                if self.owner.get(&conn) != Some(&i) {
                    self.owner.insert(conn, i);
                }
            }
            self.set(i, old, new);
            self.collect_ready(os, subscription, Some(i), &mut run);
        }
        self.run = run;
    }

    /// Activities whose connections changed: those after `current` join `run`,
    /// the others wait for the next call.
    fn collect_ready(
        &mut self,
        os: &Os,
        subscription: usize,
        current: Option<usize>,
        run: &mut BinaryHeap<Reverse<usize>>,
    ) {
        let mut ready = std::mem::take(&mut self.ready);
        os.take_ready(subscription, &mut ready);
        for conn in &ready {
            if let Some(&i) = self.owner.get(conn) {
                if current.is_none_or(|c| i > c) {
                    run.push(Reverse(i));
                } else {
                    self.due.push(i);
                }
            }
        }
        self.ready = ready;
    }

    fn set(&mut self, i: usize, old: Status, new: Status) {
        self.statuses[i] = new;
        let (was_active, was_event, was_timer) = facts(old);
        let (is_active, is_event, is_timer) = facts(new);
        self.active = self.active + usize::from(is_active) - usize::from(was_active);
        self.event_driven = self.event_driven + usize::from(is_event) - usize::from(was_event);
        if let Some(t) = was_timer {
            self.timers.remove(&(t, i));
        }
        if let Some(t) = is_timer {
            self.timers.insert((t, i));
        }
    }

    /// What the activities wait for together: done when all are done;
    /// otherwise woken by any event, or at the earliest timer (as
    /// [`super::combine`] of their statuses).
    pub fn status(&self) -> Status {
        let earliest = self.timers.first().map(|&(t, _)| t);
        match (self.active > 0, self.event_driven > 0, earliest) {
            (false, _, _) => Status::Done,
            (true, false, Some(t)) => Status::Sleeping(t),
            (true, _, Some(t)) => Status::Waiting(t),
            (true, _, None) => Status::Blocked,
        }
    }
}

/// (not done, waits on a socket, its timer) of a status.
fn facts(status: Status) -> (bool, bool, Option<Micros>) {
    match status {
        Status::Done => (false, false, None),
        Status::Blocked => (true, true, None),
        Status::Waiting(t) => (true, true, Some(t)),
        Status::Sleeping(t) => (true, false, Some(t)),
    }
}
