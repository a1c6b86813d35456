//! Which of a host's tasks are ready to run.
//!
//! A task's [`Waker`] puts the task's number in its host's queue, once (a
//! task woken twice before it runs is queued once). The executor takes the
//! whole queue at the start of each round and polls the tasks in spawn order
//! (`executor.rs`). No thread and no clock decides anything.
//!
//! Wakers must be `Send + Sync` (a `Waker` may be moved to another thread),
//! so the queue sits behind an `Arc<Mutex<_>>`; on this single thread the lock
//! is never contended.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Wake, Waker};

/// A task's number on its host: the order in which it was spawned (the
/// host's main task is 0).
pub(crate) type TaskId = usize;

/// Called after every wake, so that a driver waiting for the first wake
/// (the tokio runtime moving the clock to the next timer) notices it.
pub(crate) type WakeHook = Arc<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct Queue {
    order: VecDeque<TaskId>,
    queued: Vec<bool>,
}

/// One host's queue of woken tasks. Cheap to clone: every clone is the same queue.
#[derive(Clone)]
pub(crate) struct WakeQueue {
    inner: Arc<Mutex<Queue>>,
    /// Whether `inner` holds a task, readable without the lock (a host step
    /// asks once per round, and the last round finds the queue empty).
    queued: Arc<AtomicBool>,
    hook: Option<WakeHook>,
}

impl WakeQueue {
    pub(crate) fn new(hook: Option<WakeHook>) -> WakeQueue {
        WakeQueue {
            inner: Arc::default(),
            queued: Arc::default(),
            hook,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A panic while the lock was held leaves a consistent queue: every
        // change under it is a single push or drain.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The waker of task `id`.
    pub(crate) fn waker(&self, id: TaskId) -> Waker {
        Waker::from(Arc::new(TaskWaker {
            id,
            queue: self.clone(),
        }))
    }

    /// Queue task `id` unless it is queued already.
    pub(crate) fn wake(&self, id: TaskId) {
        {
            let mut q = self.lock();
            if q.queued.len() <= id {
                q.queued.resize(id + 1, false);
            }
            if q.queued[id] {
                return;
            }
            q.queued[id] = true;
            q.order.push_back(id);
            self.queued.store(true, Ordering::Release);
        }
        if let Some(hook) = &self.hook {
            hook();
        }
    }

    /// Move every queued task, in wake order, to `out`.
    pub(crate) fn take(&self, out: &mut Vec<TaskId>) {
        if self.is_empty() {
            return;
        }
        let mut q = self.lock();
        self.queued.store(false, Ordering::Release);
        let Queue { order, queued } = &mut *q;
        for id in order.drain(..) {
            queued[id] = false;
            out.push(id);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        !self.queued.load(Ordering::Acquire)
    }
}

struct TaskWaker {
    id: TaskId,
    queue: WakeQueue,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.queue.wake(self.id);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.queue.wake(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_come_out_in_wake_order_once_each() {
        let queue = WakeQueue::new(None);
        let (a, b) = (queue.waker(3), queue.waker(1));
        a.wake_by_ref();
        b.wake_by_ref();
        a.wake_by_ref();
        let mut out = Vec::new();
        queue.take(&mut out);
        assert_eq!(out, [3, 1]);
        assert!(queue.is_empty());
        a.wake();
        queue.take(&mut out);
        assert_eq!(out, [3, 1, 3], "taken tasks may be woken again");
    }

    #[test]
    fn the_hook_hears_every_new_wake() {
        let count = Arc::new(Mutex::new(0));
        let seen = Arc::clone(&count);
        let queue = WakeQueue::new(Some(Arc::new(move || *seen.lock().unwrap() += 1)));
        queue.wake(0);
        queue.wake(0);
        queue.wake(2);
        assert_eq!(
            *count.lock().unwrap(),
            2,
            "a task already queued is not news"
        );
    }
}
