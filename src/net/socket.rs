//! One connection as a [`TcpStream`](super::TcpStream) and its halves share
//! it: reads, writes, shutdown and close over the host's [`Os`], with the
//! waits and the log lines described in `stream.rs`. Dropping the last
//! holder closes the connection.

use std::cell::Cell;
use std::io;
use std::net::{SocketAddr, SocketAddrV4};
use std::rc::Rc;
use std::task::{Context, Poll};

use tokio::io::ReadBuf;

use crate::linux::conn::{ConnId, Recv};
use crate::net::error;
use crate::program::Os;

/// One connection as the stream and its halves share it; dropping the last
/// of them closes it.
pub(crate) struct Inner {
    pub(crate) os: Os,
    pub(crate) id: ConnId,
    write_shut: Cell<bool>,
    pub(crate) nodelay: Cell<bool>,
}

impl Inner {
    pub(crate) fn new(os: Os, id: ConnId) -> Rc<Inner> {
        os.claim(id);
        Rc::new(Inner {
            os,
            id,
            write_shut: Cell::new(false),
            nodelay: Cell::new(false),
        })
    }

    /// recv() up to `max` bytes into `sink`: the bytes read (0: end of
    /// stream), or wait for the connection to change.
    pub(crate) fn poll_read_with(
        &self,
        cx: &mut Context<'_>,
        max: usize,
        sink: impl FnMut(&[u8]),
    ) -> Poll<io::Result<usize>> {
        if max == 0 {
            return Poll::Ready(Ok(0));
        }
        match self.os.try_recv_with(self.id, max, sink) {
            Ok(n) => {
                self.os.log(format!("recv({max}) -> {n} bytes"));
                Poll::Ready(Ok(n))
            }
            Err(Recv::Eof) => {
                self.os.log(format!("recv({max}) -> 0 (end of stream)"));
                Poll::Ready(Ok(0))
            }
            Err(Recv::Reset) => {
                self.os.log(format!("recv({max}) -> connection reset"));
                Poll::Ready(Err(error::reset()))
            }
            Err(Recv::WouldBlock | Recv::Data(_)) => {
                self.os.wake_on(self.id, cx.waker());
                Poll::Pending
            }
        }
    }

    pub(crate) fn poll_read_slice(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut filled = 0;
        self.poll_read_with(cx, buf.len(), |piece| {
            buf[filled..filled + piece.len()].copy_from_slice(piece);
            filled += piece.len();
        })
    }

    pub(crate) fn poll_read_buf(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let max = buf.remaining();
        self.poll_read_with(cx, max, |piece| buf.put_slice(piece))
            .map_ok(|_| ())
    }

    /// send() what fits of `data`, or wait for buffer space.
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        match self.os.try_send(self.id, data) {
            Ok(0) => {
                self.os.wake_on(self.id, cx.waker());
                Poll::Pending
            }
            Ok(n) => {
                self.os.log(format!("send({n} bytes)"));
                Poll::Ready(Ok(n))
            }
            Err(gone) => Poll::Ready(Err(error::send_error(gone))),
        }
    }

    /// shutdown(SHUT_WR): a FIN after what is queued; reading goes on.
    pub(crate) fn shutdown(&self) {
        if !self.write_shut.replace(true) {
            self.os.shutdown(self.id);
            self.os.log("shutdown(SHUT_WR)");
        }
    }

    pub(crate) fn address(&self, local: bool) -> io::Result<SocketAddr> {
        let ends = self
            .os
            .endpoints(self.id)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "not connected"))?;
        Ok(SocketAddr::V4(if local {
            SocketAddrV4::new(ends.src, ends.src_port)
        } else {
            SocketAddrV4::new(ends.dst, ends.dst_port)
        }))
    }
}

impl Drop for Inner {
    /// close(), as when a process drops a socket: FIN, or RST when received
    /// data is still unread (RFC 2525 2.17).
    fn drop(&mut self) {
        let unread = self.os.unread(self.id);
        self.os.close(self.id);
        self.os.log(format!("close() with {unread} bytes unread"));
    }
}
