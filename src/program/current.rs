//! The host whose tasks are running, so that code with no handle on it
//! (`TcpStream::connect(addr)`, [`spawn`]) acts on the right host, as tokio's
//! free functions act on the runtime they run in.
//!
//! The executor sets it around every round of polls and around the call that
//! makes a host's main future; it is restored on the way out, panics
//! included, so nested or consecutive simulations never see each other's host.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use crate::program::join::JoinHandle;
use crate::program::os::Os;
use crate::program::tasks::{Tasks, spawn_on};

/// A host as its running tasks see it.
pub(crate) struct Host {
    pub os: Os,
    pub tasks: Rc<RefCell<Tasks>>,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Host>>> = const { RefCell::new(None) };
}

/// Run `f` with `host` as the current host.
pub(crate) fn enter<R>(host: &Rc<Host>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Rc<Host>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let previous = CURRENT.with(|c| c.replace(Some(Rc::clone(host))));
    let _restore = Restore(previous);
    f()
}

/// The current host's [`Os`], if a host's task is running.
pub fn current_os() -> Option<Os> {
    CURRENT.with(|c| c.borrow().as_ref().map(|h| h.os.clone()))
}

/// The current host's [`Os`]; `call` names what needed it in the panic.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn expect_os(call: &str) -> Os {
    current_os().unwrap_or_else(|| outside_a_host(call))
}

pub(crate) fn outside_a_host(call: &str) -> ! {
    panic!(
        "{call} called outside a simulated host: tcpsim's sockets and tasks exist only inside \
         the programs a SimBuilder runs (if this runs in a task started with tokio::spawn, start \
         it with tcpsim::net::spawn instead)"
    )
}

/// Run `future` as a new task on the current host, beside the task that
/// spawns it, as `tokio::spawn` does (no `Send` needed: a host is one
/// thread). The task starts in the executor's next round; its output, or a
/// cancellation, comes out of the [`JoinHandle`].
///
/// # Panics
///
/// Outside a host's task.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let tasks = CURRENT.with(|c| c.borrow().as_ref().map(|h| Rc::clone(&h.tasks)));
    let tasks = tasks.unwrap_or_else(|| outside_a_host("tcpsim::net::spawn"));
    spawn_on(&tasks, future)
}
