//! A host's `async` program: its main task and the tasks it spawns, run by a
//! small deterministic executor inside one host step.
//!
//! A host step runs rounds. A round takes the tasks woken so far and polls
//! each once, in spawn order (the host's main task first); what they wake
//! runs in the next round. So the order of polls is set by virtual time
//! (steps happen in time order, the tasks a step wakes run in it) with spawn
//! order as the tie-break between tasks woken at the same instant, whatever
//! order their wakers were called in (tokio's timer wheel, the stack's
//! list of changed connections). Between rounds the stack is asked which connections changed, and
//! their waiting tasks are woken (`reactor.rs`); with a driver (`driver.rs`,
//! the tokio runtime of `tcpsim::net`) the driver also gets a turn, which
//! fires the tokio timers that are due. The step ends when a round finds no
//! task ready. So a task is polled only when it was woken, and the order of
//! polls is a function of the events: the same run every time.
//!
//! Programs written against [`Os`] (a closure of an `Os`) keep what they had
//! before tasks had wakers: their main task is polled at every step of its
//! host, whatever happened, so futures of their own over the non-blocking
//! primitives, which leave no waker, still run; every trace they make is
//! unchanged. Programs written against `tcpsim::net` are polled only when woken.
//!
//! When the main task returns, the host's program is done and its other
//! tasks are dropped, in spawn order, as a tokio runtime drops its tasks when
//! `main` returns; their handles report them cancelled.

use std::rc::Rc;

use crate::program::current::{Host, enter};
use crate::program::driver::Driver;
use crate::program::os::Os;
use crate::program::status::{Program, Status};
use crate::program::tasks::{BoxFuture, Polled, Tasks, cancel_all, poll_task};
use crate::program::wake::{TaskId, WakeQueue};

/// Makes a host's main future, given the host (called at its first step).
pub type Main = Box<dyn FnOnce(Os) -> BoxFuture>;

/// Rounds one host step may run before the executor calls it a busy loop
/// (tasks waking each other forever without virtual time passing).
const MAX_ROUNDS_PER_STEP: u64 = 1_000_000;

/// How the main task is scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// An [`Os`] program: its main task is polled at every host step.
    Os,
    /// A `tcpsim::net` program: every task is polled only when woken.
    Woken,
    /// As `Woken`, and the run may end while it waits with nothing to do (a server).
    Serving,
}

/// A host's program made of tasks.
pub struct Executor {
    main: Option<Main>,
    style: Style,
    driver: Option<Rc<dyn Driver>>,
    host: Option<Rc<Host>>,
    main_done: bool,
    /// Scratch space: the tasks of the current round.
    batch: Vec<TaskId>,
}

impl Executor {
    /// A program whose main task `main` makes; `driver`: the context its
    /// rounds run in (None: none).
    pub fn new(main: Main, style: Style, driver: Option<Rc<dyn Driver>>) -> Executor {
        Executor {
            main: Some(main),
            style,
            driver,
            host: None,
            main_done: false,
            batch: Vec::new(),
        }
    }

    /// The host as its tasks see it, made at the first step with the main task.
    fn host(&mut self, os: &Os) -> Rc<Host> {
        if let Some(host) = &self.host {
            return Rc::clone(host);
        }
        let hook = self.driver.as_ref().and_then(|d| d.wake_hook());
        let host = Rc::new(Host {
            os: os.clone(),
            tasks: Tasks::new(WakeQueue::new(hook)),
        });
        if let Some(main) = self.main.take() {
            let future = enter(&host, || main(os.clone()));
            host.tasks.borrow_mut().add(future, None);
        }
        self.host = Some(Rc::clone(&host));
        host
    }

    /// One round: wake the tasks whose connections changed, then poll every
    /// task woken so far once. False when no task was ready.
    fn round(&mut self, host: &Rc<Host>, rounds: &mut u64) -> bool {
        host.os.poll_readiness();
        let mut batch = std::mem::take(&mut self.batch);
        batch.clear();
        host.tasks.borrow().queue().take(&mut batch);
        batch.sort_unstable();
        let ran = !batch.is_empty() && !self.main_done;
        if ran {
            *rounds += 1;
            if *rounds > MAX_ROUNDS_PER_STEP {
                panic!(
                    "the {} host's tasks ran {MAX_ROUNDS_PER_STEP} rounds at {} us without virtual \
                     time passing: tasks that wake each other forever (a loop around yield_now or \
                     an always-ready future?)",
                    host.os.role_name(),
                    host.os.now()
                );
            }
            enter(host, || {
                for &id in &batch {
                    if poll_task(&host.tasks, id) == Polled::Finished && id == 0 {
                        self.main_done = true;
                        cancel_all(&host.tasks);
                        break;
                    }
                }
            });
        }
        self.batch = batch;
        ran
    }
}

impl Program for Executor {
    fn resume(&mut self, os: &Os) -> Status {
        let host = self.host(os);
        if !self.main_done {
            if self.style == Style::Os {
                host.tasks.borrow().queue().wake(0);
            }
            os.start_step();
            let driver = self.driver.clone();
            let mut rounds = 0;
            let mut round = || self.round(&host, &mut rounds);
            match driver {
                Some(driver) => driver.drive(&mut round),
                None => while round() {},
            }
        }
        if self.main_done {
            return Status::Done;
        }
        let wake = match (os.take_wake(), os.next_timer()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match wake {
            Some(t) => Status::Waiting(t),
            None => Status::Blocked,
        }
    }

    /// A task was woken outside the host's step (a tokio timer, as the
    /// runtime moved the clock). Connections that changed after the program
    /// ran (the step's timers) are looked at in the host's next step, as
    /// they always were: smoltcp marks a socket it merely polled, so waking
    /// on those marks here would step the host again and again at one instant.
    fn ready(&mut self, _os: &Os) -> bool {
        match &self.host {
            Some(host) if !self.main_done => !host.tasks.borrow().queue().is_empty(),
            _ => false,
        }
    }

    fn idle_server(&self) -> bool {
        self.style == Style::Serving
            && !self.main_done
            && self
                .host
                .as_ref()
                .is_some_and(|h| h.tasks.borrow().queue().is_empty())
    }
}
