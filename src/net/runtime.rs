//! One tokio runtime for the whole simulation, its clock the virtual clock.
//!
//! Both hosts' tasks run inside one current-thread tokio runtime whose time
//! is paused: `tokio::time` reads a clock that moves only when the event loop
//! moves it. One runtime (not one per host) keeps one clock, which is then
//! the simulation's clock at every host step; two clocks could only be kept
//! in step by moving each past the other's next timer, which no one can see.
//!
//! The event loop asks [`Timers::advance`] before it moves time: the clock
//! goes towards the next event and stops early at the first instant at which
//! a tokio timer wakes one of the hosts' tasks. tokio's timers have a
//! resolution of one millisecond (a timer fires at the first whole
//! millisecond of the clock at or after its deadline), so the clock is first
//! moved exactly to the next whole millisecond; from there tokio's own
//! auto-advance (a paused runtime with nothing to do jumps to its next timer)
//! jumps from whole millisecond to whole millisecond, bounded by a sleep of
//! our own at the last whole millisecond before the next event; the rest is
//! an exact `tokio::time::advance`. Every step is a function of the timers'
//! deadlines, so the result is the same on every run.
//!
//! Most events come closer together than a millisecond, and between two
//! whole milliseconds no tokio timer can fire: the clock is then moved
//! lazily, at the next host step or the next move that crosses a
//! millisecond, which saves a `block_on` per event.
//!
//! A host step runs its rounds inside `block_on`, with a `yield_now` between
//! rounds: tokio then fires the timers that are due and calls the wakers it
//! deferred, without moving its clock (a yielding `block_on` is never
//! auto-advanced).

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use crate::program::driver::{Driver, Timers};
use crate::scenario::model::Micros;

/// How a wake from a host's task reaches the runtime while it moves the clock.
#[derive(Default)]
struct Hub {
    woken: AtomicBool,
    /// The waker of the `block_on` that is moving the clock, if one is.
    waiter: Mutex<Option<Waker>>,
}

impl Hub {
    fn notify(&self) {
        self.woken.store(true, Ordering::SeqCst);
        if let Some(waker) = self
            .waiter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            waker.wake_by_ref();
        }
    }

    fn take(&self) -> bool {
        self.woken.swap(false, Ordering::SeqCst)
    }

    fn wait_with(&self, waker: Option<&Waker>) {
        *self.waiter.lock().unwrap_or_else(|e| e.into_inner()) = waker.cloned();
    }
}

/// The simulation's tokio runtime.
pub(crate) struct Runtime {
    rt: tokio::runtime::Runtime,
    /// tokio's instant for virtual time zero.
    start: tokio::time::Instant,
    /// Where the clock stands, in virtual microseconds.
    clock: std::cell::Cell<Micros>,
    /// Where tokio's clock stands: `clock`, or earlier within the same
    /// millisecond (moved lazily; see the module's comment).
    tokio_at: std::cell::Cell<Micros>,
    hub: Arc<Hub>,
}

fn us(micros: Micros) -> Duration {
    Duration::from_micros(micros)
}

const MS: Micros = 1000;

impl Runtime {
    pub(crate) fn new() -> Runtime {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            // The blocking pool names a thread when it starts one: the first
            // spawn_blocking (tokio::fs, ...) ends up here, in the caller.
            .thread_name_fn(|| {
                panic!(
                    "tokio::task::spawn_blocking (which tokio::fs and block_in_place use) was \
                     called inside a tcpsim host: blocking work runs on a real thread in real \
                     time, outside the virtual clock, so tcpsim does not run it; do it before \
                     or after the simulation"
                )
            })
            .build()
            .expect("a current-thread tokio runtime");
        let start = rt.block_on(async { tokio::time::Instant::now() });
        Runtime {
            rt,
            start,
            clock: std::cell::Cell::new(0),
            tokio_at: std::cell::Cell::new(0),
            hub: Arc::default(),
        }
    }

    /// The runtime's clock in virtual microseconds (inside the runtime).
    fn now(&self) -> Micros {
        (tokio::time::Instant::now() - self.start).as_micros() as Micros
    }

    /// Move the clock exactly `by`, then let tokio fire what is due. Returns
    /// whether a host's task was woken.
    async fn step_by(&self, by: Micros) -> bool {
        if by > 0 {
            tokio::time::advance(us(by)).await;
        }
        self.hub.take()
    }

    /// Let tokio jump from timer to timer, no further than `until` (a whole
    /// millisecond), until one wakes a host's task or `until` is reached.
    async fn jump_until(&self, until: Micros) -> bool {
        let mut limit = pin!(tokio::time::sleep_until(self.start + us(until)));
        std::future::poll_fn(|cx| {
            self.hub.wait_with(Some(cx.waker()));
            if self.hub.take() {
                return Poll::Ready(true);
            }
            limit.as_mut().poll(cx).map(|()| self.hub.take())
        })
        .await
    }

    /// The clock from `from` towards `limit` (see the module's comment):
    /// the instant a host's task was woken, if one was.
    async fn advance_from(&self, from: Micros, limit: Micros) -> Option<Micros> {
        let boundary = (from / MS + 1) * MS;
        if boundary > limit {
            return self.step_by(limit - from).await.then_some(limit);
        }
        if self.step_by(boundary - from).await {
            return Some(boundary);
        }
        let floor = limit / MS * MS;
        if floor > boundary {
            let woke = self.jump_until(floor).await;
            self.hub.wait_with(None);
            if woke {
                return Some(self.now());
            }
        }
        let at = self.now();
        self.step_by(limit - at).await.then_some(limit)
    }
}

impl Runtime {
    /// Bring tokio's clock to `clock` (no whole millisecond lies between
    /// them, so no timer fires on the way).
    async fn catch_up(&self) {
        let lag = self.clock.get() - self.tokio_at.get();
        if lag > 0 {
            tokio::time::advance(us(lag)).await;
            self.tokio_at.set(self.clock.get());
        }
    }
}

impl Timers for Runtime {
    fn advance(&self, limit: Micros) -> Option<Micros> {
        let from = self.clock.get();
        if limit <= from {
            return None;
        }
        if limit / MS == from / MS {
            // No timer can fire before the next whole millisecond.
            self.clock.set(limit);
            return None;
        }
        self.hub.take();
        let woke = self.rt.block_on(async {
            self.catch_up().await;
            self.advance_from(from, limit).await
        });
        let at = woke.unwrap_or(limit);
        self.clock.set(at);
        self.tokio_at.set(at);
        woke
    }
}

impl Driver for Runtime {
    fn drive(&self, round: &mut dyn FnMut() -> bool) {
        self.rt.block_on(async {
            self.catch_up().await;
            while round() {
                tokio::task::yield_now().await;
            }
        });
    }

    fn wake_hook(&self) -> Option<crate::program::wake::WakeHook> {
        let hub = Arc::clone(&self.hub);
        Some(Arc::new(move || hub.notify()))
    }
}
