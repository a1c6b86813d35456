//! A host's tasks: the futures, each with its waker, polled one at a time.
//!
//! A task's future is taken out of its slot while it is polled, so a task may
//! spawn or abort others (or itself) from inside its poll; nothing here is
//! borrowed across a poll or a drop, since dropping a future runs the user's
//! code too (a stream's drop closes its connection).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::program::join::{Abort, Cancel, JoinCell, JoinHandle};
use crate::program::wake::{TaskId, WakeQueue};

/// A task's future, its output already sent to its handle.
pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = ()>>>;

struct Slot {
    /// None while the task is polled, and once it is done.
    future: Option<BoxFuture>,
    waker: Waker,
    done: bool,
    aborted: bool,
    /// Tells the task's handle, if it has one, that the task was dropped.
    cancel: Option<Rc<dyn Cancel>>,
}

/// The tasks of one host, numbered in spawn order.
pub(crate) struct Tasks {
    slots: Vec<Slot>,
    queue: WakeQueue,
}

/// What one poll of a task came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polled {
    /// The task returned, or was aborted and dropped.
    Finished,
    Pending,
    /// Nothing to poll: the task is done already.
    Skipped,
}

impl Tasks {
    pub(crate) fn new(queue: WakeQueue) -> Rc<RefCell<Tasks>> {
        Rc::new(RefCell::new(Tasks {
            slots: Vec::new(),
            queue,
        }))
    }

    pub(crate) fn queue(&self) -> &WakeQueue {
        &self.queue
    }

    /// A new task, queued to run in the next round; returns its number.
    pub(crate) fn add(&mut self, future: BoxFuture, cancel: Option<Rc<dyn Cancel>>) -> TaskId {
        let id = self.slots.len();
        self.slots.push(Slot {
            future: Some(future),
            waker: self.queue.waker(id),
            done: false,
            aborted: false,
            cancel,
        });
        self.queue.wake(id);
        id
    }

    /// Mark task `id` for dropping; it is dropped when it would next run.
    pub(crate) fn abort(&mut self, id: TaskId) {
        let slot = &mut self.slots[id];
        if !slot.done {
            slot.aborted = true;
            self.queue.wake(id);
        }
    }

    /// Take a task out for dropping: its future and the handle to tell.
    fn retire(&mut self, id: TaskId) -> (Option<BoxFuture>, Option<Rc<dyn Cancel>>) {
        let slot = &mut self.slots[id];
        slot.done = true;
        (slot.future.take(), slot.cancel.take())
    }
}

impl Abort for RefCell<Tasks> {
    fn abort(&self, id: TaskId) {
        self.borrow_mut().abort(id);
    }
}

/// Spawn `future` on `tasks`: it runs from the next round on.
pub(crate) fn spawn_on<F>(tasks: &Rc<RefCell<Tasks>>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let cell = JoinCell::new();
    let output = Rc::clone(&cell);
    let task = Box::pin(async move {
        let value = future.await;
        output.finish(Ok(value));
    });
    let cancel: Rc<dyn Cancel> = cell.clone();
    let id = tasks.borrow_mut().add(task, Some(cancel));
    let weak: std::rc::Weak<dyn Abort> = Rc::downgrade(tasks) as std::rc::Weak<RefCell<Tasks>>;
    JoinHandle::new(cell, weak, id)
}

/// Drop a retired task's future, then tell its handle.
fn drop_retired((future, cancel): (Option<BoxFuture>, Option<Rc<dyn Cancel>>)) -> Polled {
    drop(future);
    if let Some(cancel) = cancel {
        cancel.cancel();
    }
    Polled::Finished
}

/// Poll task `id` once (or drop it, if it was aborted).
pub(crate) fn poll_task(tasks: &RefCell<Tasks>, id: TaskId) -> Polled {
    let (mut future, waker) = {
        let mut t = tasks.borrow_mut();
        let slot = &mut t.slots[id];
        if slot.done {
            return Polled::Skipped;
        }
        if slot.aborted {
            let retired = t.retire(id);
            drop(t);
            return drop_retired(retired);
        }
        match slot.future.take() {
            Some(future) => (future, slot.waker.clone()),
            // Being polled further up the stack: not re-entered.
            None => return Polled::Skipped,
        }
    };
    let poll = future.as_mut().poll(&mut Context::from_waker(&waker));
    let mut t = tasks.borrow_mut();
    match poll {
        Poll::Ready(()) => {
            let _ = t.retire(id);
            drop(t);
            drop(future);
            Polled::Finished
        }
        Poll::Pending if t.slots[id].aborted => {
            let (_, cancel) = t.retire(id);
            drop(t);
            drop_retired((Some(future), cancel))
        }
        Poll::Pending => {
            t.slots[id].future = Some(future);
            Polled::Pending
        }
    }
}

/// Drop every task that is not done, in spawn order (a host's main task has
/// returned, so its other tasks go, as a tokio runtime's do when it shuts down).
pub(crate) fn cancel_all(tasks: &RefCell<Tasks>) {
    let mut id = 0;
    loop {
        let retired = {
            let mut t = tasks.borrow_mut();
            if id >= t.slots.len() {
                return;
            }
            if t.slots[id].done {
                None
            } else {
                Some(t.retire(id))
            }
        };
        if let Some(retired) = retired {
            drop_retired(retired);
        }
        id += 1;
    }
}
