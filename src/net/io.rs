//! tokio's `AsyncRead` and `AsyncWrite`, and those of the `futures` crate
//! (`futures-io`, feature `futures-io`), for a stream and its halves: each
//! is a thin call on the connection they hold (`socket.rs`).
//!
//! `poll_flush` has nothing to do (what a write accepted is the stack's to
//! send, as with a kernel socket); `poll_shutdown` (tokio) and `poll_close`
//! (futures) are shutdown(SHUT_WR), as tokio's `TcpStream` and tokio-util's
//! compatibility layer have them.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::net::socket::Inner;
use crate::net::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::net::stream::TcpStream;

/// What holds a connection: a stream or one of its halves.
trait Holder {
    fn socket(&self) -> &Inner;
}

impl Holder for TcpStream {
    fn socket(&self) -> &Inner {
        &self.inner
    }
}

impl Holder for ReadHalf<'_> {
    fn socket(&self) -> &Inner {
        self.0
    }
}

impl Holder for WriteHalf<'_> {
    fn socket(&self) -> &Inner {
        self.0
    }
}

impl Holder for OwnedReadHalf {
    fn socket(&self) -> &Inner {
        &self.inner
    }
}

impl Holder for OwnedWriteHalf {
    fn socket(&self) -> &Inner {
        &self.inner
    }
}

macro_rules! readers {
    ($($holder:ty),*) => {$(
        impl tokio::io::AsyncRead for $holder {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                self.socket().poll_read_buf(cx, buf)
            }
        }

        #[cfg(feature = "futures-io")]
        impl futures_io::AsyncRead for $holder {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.socket().poll_read_slice(cx, buf)
            }
        }
    )*};
}

macro_rules! writers {
    ($($holder:ty),*) => {$(
        impl tokio::io::AsyncWrite for $holder {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.socket().poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.socket().shutdown();
                Poll::Ready(Ok(()))
            }
        }

        #[cfg(feature = "futures-io")]
        impl futures_io::AsyncWrite for $holder {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.socket().poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.socket().shutdown();
                Poll::Ready(Ok(()))
            }
        }
    )*};
}

readers!(TcpStream, ReadHalf<'_>, OwnedReadHalf);
writers!(TcpStream, WriteHalf<'_>, OwnedWriteHalf);
