//! [`TcpStream`]: a connected socket of the simulated host, with tokio's API
//! and its `AsyncRead`/`AsyncWrite`, over the same Linux socket layer as the
//! rest of tcpsim.
//!
//! A read that finds no data, or a write that finds the send buffer full,
//! leaves the task's waker with the host (`Os::wake_on`): the task runs again
//! when the stack reports a change on the connection (data, an ACK that
//! frees buffer space, a FIN, a RST), not before. Every call that moves
//! bytes or closes is written to the program's log in the words the trace
//! tools read (`send(N bytes)`, `recv(N) -> M bytes`, `close() with N bytes
//! unread`), so `--explain` and the ladder diagram show them.

use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, SocketAddrV4};
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::linux::conn::{ConnId, ConnectState};
use crate::linux::sockopt::ConnError;
use crate::net::addr::ToSocketAddrs;
use crate::net::error;
use crate::net::socket::Inner;
use crate::net::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
use crate::program::Os;
use crate::program::current::expect_os;
use crate::scenario::model::Micros;

/// A TCP connection of the simulated host: `tokio::net::TcpStream`'s API
/// over tcpsim's socket layer. Dropping it closes the connection as Linux
/// closes a socket (FIN, or RST when received data is unread).
pub struct TcpStream {
    pub(crate) inner: Rc<Inner>,
}

/// Closes the half-open connection of a `connect()` that did not finish
/// (its future was dropped, by a timeout say).
struct Connecting {
    os: Os,
    id: ConnId,
    armed: bool,
}

impl Drop for Connecting {
    fn drop(&mut self) {
        if self.armed {
            self.os.close(self.id);
            self.os.log("close() with 0 bytes unread");
        }
    }
}

impl TcpStream {
    pub(crate) fn from_conn(os: Os, id: ConnId) -> TcpStream {
        TcpStream {
            inner: Inner::new(os, id),
        }
    }

    /// connect() to `addr` (`"server:80"`, a `SocketAddr`, ...), trying each
    /// address it resolves to until one accepts. A RST in answer to the SYN
    /// gives `ErrorKind::ConnectionRefused`; no answer within
    /// [`CONNECT_TIMEOUT`] (131 s, as Linux) gives `ErrorKind::TimedOut`.
    ///
    /// # Panics
    ///
    /// Outside a simulated host's task.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let os = expect_os("tcpsim::net::TcpStream::connect");
        let mut last = None;
        for target in addr.resolve(&os)? {
            match connect_one(&os, target).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to")
        }))
    }

    /// The local address (this host's IP and port).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.address(true)
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.address(false)
    }

    /// TCP_NODELAY: `true` turns Nagle's algorithm off.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.nodelay.set(nodelay);
        self.inner.os.set_nodelay(self.inner.id, nodelay);
        Ok(())
    }

    /// Whether TCP_NODELAY is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        Ok(self.inner.nodelay.get())
    }

    /// Borrowed read and write halves, usable at the same time (by two
    /// futures of one task).
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf(&self.inner), WriteHalf(&self.inner))
    }

    /// Owned halves, which may go to different tasks. Dropping the write
    /// half shuts the write side down (FIN); the connection is closed when
    /// both are gone.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        crate::net::split::owned(self.inner)
    }

    /// Read into `buf` without waiting: `ErrorKind::WouldBlock` when there is
    /// nothing to read yet.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let noop = &mut Context::from_waker(std::task::Waker::noop());
        match self.inner.poll_read_slice(noop, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    /// Write what fits of `buf` without waiting: `ErrorKind::WouldBlock` when
    /// the send buffer is full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        let noop = &mut Context::from_waker(std::task::Waker::noop());
        match self.inner.poll_write(noop, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl OwnedReadHalf {
    /// The stream again, if `write` is this stream's other half.
    pub fn reunite(self, mut write: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Rc::ptr_eq(&self.inner, &write.inner) {
            return Err(ReuniteError(self, write));
        }
        write.shutdown_on_drop = false;
        Ok(TcpStream {
            inner: Rc::clone(&self.inner),
        })
    }
}

/// How long connect() waits for the handshake. Linux 6.18 resends the SYN
/// at 1, 2, 3, 4, 5, 7, 11, 19, 35 and 67 s (`tcp_syn_retries` 6 plus
/// `tcp_syn_linear_timeouts` 4) and gives up at the next timeout, 131 s after
/// the first SYN (measured: 134 s, the timer wheel's slack on a 64 s
/// timer). The stack gives up itself (`linux/sender/timer.rs`); this is the
/// same instant, kept as the call's own bound.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(131);

/// One connect() attempt: the SYN goes out now; wait for the handshake.
async fn connect_one(os: &Os, target: SocketAddrV4) -> io::Result<TcpStream> {
    let (ip, port) = (*target.ip(), target.port());
    let id = os.try_connect((ip, port), None);
    os.log(format!("connect({ip}:{port})"));
    os.claim(id);
    let mut guard = Connecting {
        os: os.clone(),
        id,
        armed: true,
    };
    let deadline = os.now() + CONNECT_TIMEOUT.as_micros() as Micros;
    let state = poll_fn(|cx| match os.connect_state(id) {
        ConnectState::Pending if os.now() >= deadline => Poll::Ready(None),
        ConnectState::Pending => {
            os.wake_on(id, cx.waker());
            os.wake_at_time(deadline, cx.waker());
            Poll::Pending
        }
        done => Poll::Ready(Some(done)),
    })
    .await;
    guard.armed = false;
    let (why, error) = match state {
        Some(ConnectState::Established) => return Ok(TcpStream::from_conn(os.clone(), id)),
        Some(_) if os.conn_error(id) == Some(ConnError::TimedOut) => {
            ("timed out", error::timed_out())
        }
        Some(_) => ("connection refused", error::refused()),
        None => ("timed out", error::timed_out()),
    };
    os.log(format!("connect({ip}:{port}) failed: {why}"));
    os.close(id);
    Err(error)
}

impl std::fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
