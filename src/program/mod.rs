//! Programs: what runs on a host, above its socket layer.
//!
//! In: a host's [`Stack`](crate::linux::stack::Stack), reached through an
//! [`Os`]. Out: socket calls, and the bytes and calls each program made (its
//! [`ByteLog`]s and call log), which the engine puts in the trace.
//!
//! - `status.rs`: the [`Program`] trait the event loop steps, and the
//!   [`Status`] a program waits in;
//! - `os.rs`: the [`Os`] a program sees: socket calls, the clock, sleep, and
//!   the `async` API ([`Conn`](os::Conn), [`Listener`](os::Listener));
//! - `executor.rs`: an `async` program as tasks, polled in rounds when woken;
//!   `tasks.rs` (the tasks and their polls), `wake.rs` (the queue wakers
//!   fill, in wake order), `join.rs` ([`JoinHandle`]), `current.rs` (the host whose
//!   task runs, and [`spawn`]), `waiting.rs` and `reactor.rs` (which task
//!   waits on which connection), `driver.rs` (the hooks a tokio runtime uses);
//! - `pace.rs`: when a program makes its calls: what it waits in (its host
//!   wakes it a wake-up latency after that can go on) and each call's cost;
//!   `pace_calls.rs`: what the socket calls note there;
//! - `bytelog.rs`: the length, digest and (when kept) bytes of a stream;
//! - `client.rs`, `echo.rs`: the declarative programs of scenario files;
//! - `parallel.rs`, `activities.rs`: many activities of one host, each resumed
//!   only when something it waits for may have happened;
//! - `cursor.rs`: where a client stands in its steps (`repeat` blocks).

mod activities;
mod bytelog;
mod client;
pub(crate) mod current;
mod cursor;
pub(crate) mod driver;
mod echo;
pub(crate) mod executor;
pub(crate) mod join;
pub mod os;
pub(crate) mod pace;
mod pace_calls;
mod parallel;
mod reactor;
mod status;
pub(crate) mod tasks;
mod waiting;
pub(crate) mod wake;

pub use bytelog::{ByteLog, generated_byte};
pub use client::Client;
pub use current::{current_os, spawn};
pub use echo::Echo;
pub use join::{JoinError, JoinHandle};
pub use os::Os;
pub use parallel::Parallel;
pub use status::{Program, Status, combine};
