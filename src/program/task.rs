//! An `async` block run as a [`Program`]: polled by a small deterministic
//! executor at every step of its host.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::program::os::Os;
use crate::program::status::{Program, Status};

/// A program written as an async block, stepped by its host.
pub(crate) struct Task {
    future: Pin<Box<dyn Future<Output = ()>>>,
}

impl Task {
    pub(crate) fn new(future: Pin<Box<dyn Future<Output = ()>>>) -> Task {
        Task { future }
    }
}

impl Program for Task {
    fn resume(&mut self, os: &Os) -> Status {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match self.future.as_mut().poll(&mut cx) {
            Poll::Ready(()) => Status::Done,
            Poll::Pending => match os.take_wake() {
                Some(t) => Status::Waiting(t),
                None => Status::Blocked,
            },
        }
    }
}
