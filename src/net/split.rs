//! A stream's two directions apart, as tokio's `split` and `into_split` give
//! them: borrowed halves for two futures of one task, owned halves for two
//! tasks.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;

use crate::net::socket::Inner;

/// The reading half of a borrowed [`TcpStream`](super::TcpStream).
pub struct ReadHalf<'a>(pub(crate) &'a Inner);

/// The writing half of a borrowed [`TcpStream`](super::TcpStream); `shutdown`
/// sends the FIN.
pub struct WriteHalf<'a>(pub(crate) &'a Inner);

/// The reading half of a [`TcpStream`](super::TcpStream), owned.
pub struct OwnedReadHalf {
    pub(crate) inner: Rc<Inner>,
}

/// The writing half of a [`TcpStream`](super::TcpStream), owned. Dropping it
/// shuts the write side down (FIN), as tokio's does, unless
/// [`OwnedWriteHalf::forget`] was called.
pub struct OwnedWriteHalf {
    pub(crate) inner: Rc<Inner>,
    pub(crate) shutdown_on_drop: bool,
}

pub(crate) fn owned(inner: Rc<Inner>) -> (OwnedReadHalf, OwnedWriteHalf) {
    (
        OwnedReadHalf {
            inner: Rc::clone(&inner),
        },
        OwnedWriteHalf {
            inner,
            shutdown_on_drop: true,
        },
    )
}

/// The halves given to [`OwnedReadHalf::reunite`] came from different streams.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl std::fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl std::error::Error for ReuniteError {}

impl OwnedReadHalf {
    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.address(false)
    }
}

impl OwnedWriteHalf {
    /// Keep the write side open when this half is dropped.
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.address(false)
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            self.inner.shutdown();
        }
    }
}

impl std::fmt::Debug for ReadHalf<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadHalf")
            .field("conn", &self.0.id)
            .finish()
    }
}

impl std::fmt::Debug for WriteHalf<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteHalf")
            .field("conn", &self.0.id)
            .finish()
    }
}

impl std::fmt::Debug for OwnedReadHalf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedReadHalf")
            .field("conn", &self.inner.id)
            .finish()
    }
}

impl std::fmt::Debug for OwnedWriteHalf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedWriteHalf")
            .field("conn", &self.inner.id)
            .finish()
    }
}
