//! The `io::Error`s tokio's sockets return, made from what the socket layer
//! says: the same `ErrorKind` a Linux socket's errno gives tokio.

use std::io::{self, ErrorKind};

use crate::linux::conn::Gone;

/// What send() failing means: ECONNRESET for a reset connection, EPIPE for
/// one closed for sending.
pub(crate) fn send_error(gone: Gone) -> io::Error {
    match gone {
        Gone::ResetByPeer | Gone::ResetAfterClose | Gone::AbortedUnread(_) => {
            io::Error::new(ErrorKind::ConnectionReset, "connection reset by peer")
        }
        Gone::Closed | Gone::BrokenPipe => io::Error::new(ErrorKind::BrokenPipe, "broken pipe"),
        Gone::TimedOut => timed_out(),
    }
}

/// recv() on a reset connection: ECONNRESET.
pub(crate) fn reset() -> io::Error {
    io::Error::new(ErrorKind::ConnectionReset, "connection reset by peer")
}

/// connect() answered with a RST: ECONNREFUSED.
pub(crate) fn refused() -> io::Error {
    io::Error::new(ErrorKind::ConnectionRefused, "connection refused")
}

/// connect() got no answer in time: ETIMEDOUT.
pub(crate) fn timed_out() -> io::Error {
    io::Error::new(ErrorKind::TimedOut, "connection timed out")
}
