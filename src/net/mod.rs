//! `tokio::net` for the simulated hosts: run your tokio code on tcpsim.
//!
//! In: `async` programs written for tokio (a host's `main`, given to
//! [`SimBuilder::client_main`](crate::SimBuilder::client_main) and
//! [`SimBuilder::server_main`](crate::SimBuilder::server_main)). Out: their
//! socket calls, on the host's [`Os`](crate::Os) and its Linux socket layer.
//!
//! Swap `tokio::net::{TcpListener, TcpStream}` for
//! `tcpsim::net::{TcpListener, TcpStream}` and `tokio::spawn` for
//! [`tcpsim::net::spawn`](spawn); the rest of tokio that a host can use runs
//! unchanged:
//!
//! - `tokio::time` (`sleep`, `timeout`, `interval`, `Instant`) reads the
//!   simulation's virtual clock: both hosts' tasks run inside one tokio
//!   runtime with paused time that the event loop moves (`runtime.rs`);
//!   tokio's timers fire at whole milliseconds of virtual time;
//! - `tokio::sync` and `tokio::io`'s helpers (`AsyncReadExt`, `BufReader`,
//!   `split`, `copy`), tokio-util's codecs, hyper through hyper-util's
//!   `TokioIo`: they only need wakers, and every task has a real one.
//!
//! What is not simulated, and what happens when it is called: UDP and Unix
//! sockets ([`UdpSocket`], [`UnixStream`], [`UnixListener`] panic naming the
//! call); `tokio::fs`, `spawn_blocking` and `block_in_place` (a panic naming
//! spawn_blocking: blocking work would run on a real thread in real time);
//! `tokio::net`'s own sockets, `tokio::process` and `tokio::signal` (the
//! runtime has no I/O driver: tokio panics with "IO is disabled");
//! `tokio::task::spawn_local` and `JoinSet` (tokio panics: there is no
//! `LocalSet`); `tokio::spawn` of a future holding a tcpsim socket does not
//! compile (a host is one thread: sockets are not `Send`); a task started
//! with `tokio::spawn` that holds no socket runs on tokio's own scheduler,
//! outside both hosts, on the same virtual clock. `tokio::select!` without
//! `biased;` picks among ready branches with tokio's random generator, which
//! tcpsim cannot seed: write `biased;` for reproducible runs. IPv6 and name
//! resolution beyond `"server"` and `"client"` give an `io::Error`. Run a
//! simulation from a plain `#[test]` or `main`, not inside a tokio runtime
//! (`#[tokio::test]`): its own runtime cannot start inside another.
//!
//! Only tokio's clock is virtual: code that reads the machine's clock
//! (`std::time::SystemTime`, `std::time::Instant`) still reads it, and a
//! run that puts what it read on the wire is no longer the same from one
//! run to the next. hyper's server does, in each response's `Date` header:
//! turn it off with `http1::Builder::auto_date_header(false)`, as
//! `tests/examples/hyper.rs` does.
//!
//! The socket layer keeps Linux's timing where it has it: connect() gives up
//! after [`CONNECT_TIMEOUT`] (131 s, `ErrorKind::TimedOut`). An established
//! connection whose retransmissions go unanswered is retried for as long as
//! the run lasts (Linux gives up after about 15 minutes).
//!
//! - `stream.rs`: [`TcpStream`]: connect, addresses, `TCP_NODELAY`,
//!   `try_read`/`try_write`; `socket.rs`: the connection a stream and its
//!   halves share (reads, writes, close on drop); `split.rs`: the halves;
//!   `io.rs`: tokio's `AsyncRead`/`AsyncWrite` and the `futures-io` ones;
//! - `listener.rs`: [`TcpListener`]: bind, accept;
//! - `addr.rs`: [`ToSocketAddrs`], the names `"server"` and `"client"`;
//! - `error.rs`: the `io::ErrorKind`s a Linux socket's errors become;
//! - `runtime.rs`: the tokio runtime and its virtual clock;
//! - `unsupported.rs`: what is not simulated;
//! - `examples.rs`: the worked examples' programs, for these docs.

mod addr;
mod error;
pub mod examples;
mod io;
mod listener;
mod main;
pub(crate) mod runtime;
mod socket;
mod split;
mod stream;
mod unsupported;

pub use crate::program::{JoinError, JoinHandle, spawn};
pub use addr::ToSocketAddrs;
pub use listener::{DEFAULT_BACKLOG, TcpListener};
pub use main::{MainResult, sim_time};
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::{CONNECT_TIMEOUT, TcpStream};
pub use unsupported::{UdpSocket, UnixListener, UnixStream};
