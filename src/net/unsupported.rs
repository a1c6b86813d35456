//! The parts of `tokio::net` that tcpsim does not simulate, under their
//! tokio names, so that code switched from `tokio::net` to `tcpsim::net`
//! still compiles, and fails at the first call with a message that names
//! the call rather than an obscure error from the real network.

use std::io;
use std::marker::PhantomData;

fn not_simulated(call: &str, what: &str) -> ! {
    panic!(
        "{call}: {what} is not simulated: tcpsim runs TCP over IPv4 between its two hosts, and \
         tokio's UDP, Unix sockets, files and processes have no virtual counterpart"
    )
}

/// Not simulated: every constructor panics, naming the call.
#[derive(Debug)]
pub struct UdpSocket {
    _never: PhantomData<*const ()>,
}

impl UdpSocket {
    /// Panics: UDP is not simulated.
    pub async fn bind<A>(_addr: A) -> io::Result<UdpSocket> {
        not_simulated("tcpsim::net::UdpSocket::bind", "UDP")
    }
}

/// Not simulated: every constructor panics, naming the call.
#[derive(Debug)]
pub struct UnixStream {
    _never: PhantomData<*const ()>,
}

impl UnixStream {
    /// Panics: Unix sockets are not simulated.
    pub async fn connect<P>(_path: P) -> io::Result<UnixStream> {
        not_simulated("tcpsim::net::UnixStream::connect", "a Unix socket")
    }

    /// Panics: Unix sockets are not simulated.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        not_simulated("tcpsim::net::UnixStream::pair", "a Unix socket")
    }
}

/// Not simulated: every constructor panics, naming the call.
#[derive(Debug)]
pub struct UnixListener {
    _never: PhantomData<*const ()>,
}

impl UnixListener {
    /// Panics: Unix sockets are not simulated.
    pub fn bind<P>(_path: P) -> io::Result<UnixListener> {
        not_simulated("tcpsim::net::UnixListener::bind", "a Unix socket")
    }
}
