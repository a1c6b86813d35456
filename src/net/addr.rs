//! Addresses as `tokio::net` takes them (`"server:80"`, a `SocketAddr`, an
//! `(ip, port)` pair), resolved on the simulated network: the names
//! `"server"` and `"client"` are the two hosts, and IPv4 literals are
//! themselves. There is no DNS, no IPv6 and no loopback interface.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

use crate::program::Os;

/// What [`TcpStream::connect`](super::TcpStream::connect) and
/// [`TcpListener::bind`](super::TcpListener::bind) accept, as tokio's
/// `ToSocketAddrs`: socket addresses, `(ip, port)` pairs, and strings
/// `"host:port"` or `(host, port)` where host is `server`, `client` or an
/// IPv4 address.
pub trait ToSocketAddrs {
    /// The IPv4 addresses meant, as seen from the host `os`.
    #[doc(hidden)]
    fn resolve(&self, os: &Os) -> io::Result<Vec<SocketAddrV4>>;
}

fn v4(addr: SocketAddr) -> io::Result<SocketAddrV4> {
    match addr {
        SocketAddr::V4(a) => Ok(a),
        SocketAddr::V6(a) => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{a}: tcpsim's hosts speak IPv4 only"),
        )),
    }
}

/// A host name on the simulated network.
fn host(os: &Os, name: &str) -> io::Result<Ipv4Addr> {
    let server = os.server_ip();
    let client = if os.ip() == server {
        os.peer_ip()
    } else {
        os.ip()
    };
    match name {
        "server" => Ok(server),
        "client" => Ok(client),
        _ => name.parse::<IpAddr>().map_err(|_| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{name:?}: tcpsim resolves only \"server\" ({server}), \"client\" ({client}) \
                     and IP addresses"
                ),
            )
        }).and_then(|ip| v4(SocketAddr::new(ip, 0)).map(|a| *a.ip())),
    }
}

impl ToSocketAddrs for SocketAddr {
    fn resolve(&self, _os: &Os) -> io::Result<Vec<SocketAddrV4>> {
        Ok(vec![v4(*self)?])
    }
}

impl ToSocketAddrs for SocketAddrV4 {
    fn resolve(&self, _os: &Os) -> io::Result<Vec<SocketAddrV4>> {
        Ok(vec![*self])
    }
}

impl ToSocketAddrs for (Ipv4Addr, u16) {
    fn resolve(&self, _os: &Os) -> io::Result<Vec<SocketAddrV4>> {
        Ok(vec![SocketAddrV4::new(self.0, self.1)])
    }
}

impl ToSocketAddrs for (IpAddr, u16) {
    fn resolve(&self, _os: &Os) -> io::Result<Vec<SocketAddrV4>> {
        Ok(vec![v4(SocketAddr::new(self.0, self.1))?])
    }
}

impl ToSocketAddrs for (&str, u16) {
    fn resolve(&self, os: &Os) -> io::Result<Vec<SocketAddrV4>> {
        Ok(vec![SocketAddrV4::new(host(os, self.0)?, self.1)])
    }
}

impl ToSocketAddrs for (String, u16) {
    fn resolve(&self, os: &Os) -> io::Result<Vec<SocketAddrV4>> {
        (self.0.as_str(), self.1).resolve(os)
    }
}

impl ToSocketAddrs for str {
    fn resolve(&self, os: &Os) -> io::Result<Vec<SocketAddrV4>> {
        let (name, port) = self.rsplit_once(':').ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{self:?}: an address is \"host:port\""),
            )
        })?;
        let port = port.parse::<u16>().map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{self:?}: {port:?} is not a port number"),
            )
        })?;
        (name, port).resolve(os)
    }
}

impl ToSocketAddrs for String {
    fn resolve(&self, os: &Os) -> io::Result<Vec<SocketAddrV4>> {
        self.as_str().resolve(os)
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {
    fn resolve(&self, os: &Os) -> io::Result<Vec<SocketAddrV4>> {
        (**self).resolve(os)
    }
}
