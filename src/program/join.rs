//! What a spawned task hands back: [`JoinHandle`], awaited for the task's
//! output, and [`JoinError`] when the task was cancelled first.
//!
//! They mirror `tokio::task::JoinHandle` and `JoinError` (awaiting gives
//! `Result<T, JoinError>`, `abort()`, `is_finished()`), so code written for
//! tokio's reads the same. They are this crate's own types: a host's tasks
//! are not tokio tasks, and tokio's `JoinError` cannot be built outside tokio.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use crate::program::wake::TaskId;

/// Why awaiting a [`JoinHandle`] gave no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinError {
    _private: (),
}

impl JoinError {
    /// The task was cancelled: [`JoinHandle::abort`], or its host's main task
    /// returned first (as a tokio runtime drops its tasks when it shuts down).
    pub fn is_cancelled(&self) -> bool {
        true
    }

    /// Always false: a panic in a task is not caught; it ends the run with
    /// the task's message, so a failing assertion fails the test.
    pub fn is_panic(&self) -> bool {
        false
    }
}

impl std::fmt::Display for JoinError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("task was cancelled")
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> std::io::Error {
        std::io::Error::other(e)
    }
}

/// Where a task leaves its output for its [`JoinHandle`].
pub(crate) struct JoinCell<T> {
    output: RefCell<Option<Result<T, JoinError>>>,
    finished: Cell<bool>,
    waiter: RefCell<Option<Waker>>,
}

impl<T> JoinCell<T> {
    pub(crate) fn new() -> Rc<JoinCell<T>> {
        Rc::new(JoinCell {
            output: RefCell::new(None),
            finished: Cell::new(false),
            waiter: RefCell::new(None),
        })
    }

    pub(crate) fn finish(&self, output: Result<T, JoinError>) {
        if self.finished.replace(true) {
            return;
        }
        *self.output.borrow_mut() = Some(output);
        if let Some(waker) = self.waiter.borrow_mut().take() {
            waker.wake();
        }
    }
}

/// What the executor tells a task's handle when it drops the task unfinished.
pub(crate) trait Cancel {
    fn cancel(&self);
}

/// What a handle asks of the tasks of its host (`tasks.rs`).
pub(crate) trait Abort {
    /// Drop task `id` before it runs again.
    fn abort(&self, id: TaskId);
}

impl<T> Cancel for JoinCell<T> {
    fn cancel(&self) {
        self.finish(Err(JoinError { _private: () }));
    }
}

/// An owned permission to await a spawned task's output. Dropping it detaches
/// the task (it goes on running), as with tokio.
pub struct JoinHandle<T> {
    cell: Rc<JoinCell<T>>,
    tasks: Weak<dyn Abort>,
    id: TaskId,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(cell: Rc<JoinCell<T>>, tasks: Weak<dyn Abort>, id: TaskId) -> Self {
        JoinHandle { cell, tasks, id }
    }

    /// Cancel the task: it is dropped before it runs again, and awaiting this
    /// handle gives a cancelled [`JoinError`] (unless the task finished first).
    pub fn abort(&self) {
        if let Some(tasks) = self.tasks.upgrade() {
            tasks.abort(self.id);
        }
    }

    /// Whether the task has finished (returned or been cancelled).
    pub fn is_finished(&self) -> bool {
        self.cell.finished.get()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(output) = self.cell.output.borrow_mut().take() {
            return Poll::Ready(output);
        }
        assert!(
            !self.cell.finished.get(),
            "JoinHandle polled again after it returned the task's output"
        );
        *self.cell.waiter.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle")
            .field("task", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}
