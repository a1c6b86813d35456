//! [`TcpListener`]: a listening socket of the simulated host, with tokio's API.
//!
//! accept() waits with the task's waker left for the connections no stream
//! owns yet (`Os::wake_on_accept`): a connection finishing its handshake on
//! this host wakes the tasks waiting in accept(), nothing else does.

use std::future::poll_fn;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::task::{Context, Poll};

use crate::linux::conn::ListenerId;
use crate::net::addr::ToSocketAddrs;
use crate::net::stream::TcpStream;
use crate::program::Os;
use crate::program::current::expect_os;

/// How many connections may wait in the accept queue of a listener made by
/// [`TcpListener::bind`]. tokio asks for 1024; tcpsim's socket layer sets up
/// a listening socket (with its buffers) per place in the queue up front, so
/// the default is small: [`TcpListener::bind_with_backlog`] asks for more.
pub const DEFAULT_BACKLOG: u32 = 16;

/// A listening TCP socket of the simulated host. Dropping it stops
/// listening: later SYNs are answered with RST.
pub struct TcpListener {
    os: Os,
    id: ListenerId,
    local: SocketAddrV4,
}

impl TcpListener {
    /// listen() on `addr`'s port (`"0.0.0.0:80"`, `"server:80"`, ...), with
    /// an accept queue of [`DEFAULT_BACKLOG`].
    ///
    /// # Panics
    ///
    /// Outside a simulated host's task.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        Self::listen_on(addr, DEFAULT_BACKLOG, "tcpsim::net::TcpListener::bind")
    }

    /// listen() with an accept queue of `backlog` connections.
    pub async fn bind_with_backlog<A: ToSocketAddrs>(
        addr: A,
        backlog: u32,
    ) -> io::Result<TcpListener> {
        Self::listen_on(addr, backlog, "tcpsim::net::TcpListener::bind_with_backlog")
    }

    fn listen_on<A: ToSocketAddrs>(addr: A, backlog: u32, call: &str) -> io::Result<TcpListener> {
        let os = expect_os(call);
        let target = addr.resolve(&os)?.into_iter().next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to listen on")
        })?;
        let ip = *target.ip();
        if ip != Ipv4Addr::UNSPECIFIED && ip != os.ip() {
            return Err(io::Error::new(
                io::ErrorKind::AddrNotAvailable,
                format!("{ip} is not this host's address ({})", os.ip()),
            ));
        }
        if target.port() == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "tcpsim listens on a port given in advance: port 0 is not supported",
            ));
        }
        let backlog = backlog.max(1);
        let id = os.try_listen(target.port(), backlog);
        os.log(format!("listen({}, backlog {backlog})", target.port()));
        let local = SocketAddrV4::new(os.ip(), target.port());
        Ok(TcpListener { os, id, local })
    }

    /// accept(): the next connection that finished its handshake, and its
    /// remote address.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// accept() as a poll, for hand-written futures.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        match self.os.try_accept(self.id) {
            Some(conn) => {
                self.os.log("accept()");
                let stream = TcpStream::from_conn(self.os.clone(), conn);
                Poll::Ready(stream.peer_addr().map(|peer| (stream, peer)))
            }
            None => {
                self.os.wake_on_accept(cx.waker());
                Poll::Pending
            }
        }
    }

    /// The address it listens on (this host's IP and the port).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(SocketAddr::V4(self.local))
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        self.os.unlisten(self.id);
    }
}

impl std::fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpListener")
            .field("local", &self.local)
            .finish()
    }
}
