//! The symbolic constants of system call lines (`SOCK_STREAM`, `SHUT_WR`,
//! `EAGAIN`, ...) with their Linux values, and the evaluation of the
//! argument expressions the runner reads as integers.

use crate::packetdrill::script::Expr;

/// Linux's values (x86-64 `<sys/socket.h>`, `<netinet/tcp.h>`,
/// `<asm-generic/errno.h>`, `<fcntl.h>`).
const SYMBOLS: &[(&str, i64)] = &[
    ("AF_INET", 2),
    ("AF_INET6", 10),
    ("PF_INET", 2),
    ("PF_INET6", 10),
    ("SOCK_STREAM", 1),
    ("SOCK_DGRAM", 2),
    ("SOCK_NONBLOCK", 0o4000),
    ("SOCK_CLOEXEC", 0o2000000),
    ("IPPROTO_IP", 0),
    ("IPPROTO_TCP", 6),
    ("IPPROTO_UDP", 17),
    ("SOL_SOCKET", 1),
    ("SOL_TCP", 6),
    ("SO_REUSEADDR", 2),
    ("SO_ERROR", 4),
    ("SO_SNDBUF", 7),
    ("SO_RCVBUF", 8),
    ("SO_KEEPALIVE", 9),
    ("SO_LINGER", 13),
    ("SO_REUSEPORT", 15),
    ("SO_RCVLOWAT", 18),
    ("SO_SNDLOWAT", 19),
    ("TCP_NODELAY", 1),
    ("TCP_MAXSEG", 2),
    ("TCP_CORK", 3),
    ("TCP_KEEPIDLE", 4),
    ("TCP_KEEPINTVL", 5),
    ("TCP_KEEPCNT", 6),
    ("TCP_SYNCNT", 7),
    ("TCP_LINGER2", 8),
    ("TCP_DEFER_ACCEPT", 9),
    ("TCP_WINDOW_CLAMP", 10),
    ("TCP_INFO", 11),
    ("TCP_QUICKACK", 12),
    ("TCP_CONGESTION", 13),
    ("TCP_USER_TIMEOUT", 18),
    ("TCP_NOTSENT_LOWAT", 25),
    ("F_GETFL", 3),
    ("F_SETFL", 4),
    ("O_RDONLY", 0),
    ("O_WRONLY", 1),
    ("O_RDWR", 2),
    ("O_NONBLOCK", 0o4000),
    ("SHUT_RD", 0),
    ("SHUT_WR", 1),
    ("SHUT_RDWR", 2),
    ("MSG_OOB", 1),
    ("MSG_PEEK", 2),
    ("MSG_DONTWAIT", 0x40),
    ("MSG_EOR", 0x80),
    ("MSG_WAITALL", 0x100),
    ("MSG_MORE", 0x8000),
    ("MSG_ZEROCOPY", 0x4000000),
    ("SIOCINQ", 0x541B),
    ("FIONREAD", 0x541B),
    ("SIOCOUTQ", 0x5411),
    ("TIOCOUTQ", 0x5411),
    ("SIOCOUTQNSD", 0x894B),
    ("TCP_CA_Open", 0),
    ("TCP_CA_Disorder", 1),
    ("TCP_CA_CWR", 2),
    ("TCP_CA_Recovery", 3),
    ("TCP_CA_Loss", 4),
];

/// errno names and values (asm-generic/errno-base.h, errno.h).
const ERRNOS: &[(&str, i64)] = &[
    ("EPERM", 1),
    ("ENOENT", 2),
    ("EINTR", 4),
    ("EBADF", 9),
    ("EAGAIN", 11),
    ("EWOULDBLOCK", 11),
    ("ENOMEM", 12),
    ("EFAULT", 14),
    ("EBUSY", 16),
    ("EINVAL", 22),
    ("EPIPE", 32),
    ("ENOPROTOOPT", 92),
    ("EOPNOTSUPP", 95),
    ("EADDRINUSE", 98),
    ("ENETUNREACH", 101),
    ("ECONNABORTED", 103),
    ("ECONNRESET", 104),
    ("ENOBUFS", 105),
    ("EISCONN", 106),
    ("ENOTCONN", 107),
    ("ETIMEDOUT", 110),
    ("ECONNREFUSED", 111),
    ("EHOSTUNREACH", 113),
    ("EALREADY", 114),
    ("EINPROGRESS", 115),
];

/// The value of a symbolic constant or errno name.
pub(crate) fn symbol(name: &str) -> Option<i64> {
    SYMBOLS
        .iter()
        .chain(ERRNOS)
        .find(|(n, _)| *n == name)
        .map(|&(_, v)| v)
}

/// The errno value of `name`, if it is one.
pub(crate) fn errno(name: &str) -> Option<i64> {
    ERRNOS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

/// The first errno name for `value` (EAGAIN rather than EWOULDBLOCK).
pub(crate) fn errno_name(value: i64) -> &'static str {
    ERRNOS
        .iter()
        .find(|&&(_, v)| v == value)
        .map_or("E?", |&(n, _)| n)
}

/// An argument as an integer: literals, constants, `A|B`, `[v]` (a pointer
/// to an int), `htons(v)`. `None` for `...` and anything else.
pub(crate) fn int(e: &Expr) -> Option<i64> {
    match e {
        Expr::Int(v) => Some(*v),
        Expr::Symbol(s) => symbol(s),
        Expr::BitOr(parts) => parts.iter().try_fold(0i64, |acc, p| Some(acc | int(p)?)),
        Expr::Array(items) if items.len() == 1 => int(&items[0]),
        Expr::Call { name, args } if (name == "htons" || name == "htonl") && args.len() == 1 => {
            int(&args[0])
        }
        Expr::Named { value, .. } => int(value),
        _ => None,
    }
}

/// A sockaddr's port (`sin_port=htons(8080)`), if the argument gives one.
pub(crate) fn sockaddr_port(e: &Expr) -> Option<u16> {
    let field = e.field("sin_port").or_else(|| e.field("sin6_port"))?;
    int(&field.value).and_then(|p| u16::try_from(p).ok())
}

/// The bytes an iovec array (`[{..., 1000}, {..., 500}]`) or a msghdr's
/// `msg_iov` describes.
pub(crate) fn iov_len(e: &Expr) -> Option<i64> {
    let items = match e {
        Expr::Array(items) => items,
        _ => return None,
    };
    items.iter().try_fold(0i64, |acc, item| {
        let len = match item {
            Expr::Struct(fields) => {
                let f = fields
                    .iter()
                    .find(|f| f.name.as_deref() == Some("iov_len"))
                    .or_else(|| fields.get(1))?;
                int(&f.value)?
            }
            _ => return None,
        };
        Some(acc + len)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_or_together() {
        let e = Expr::BitOr(vec![
            Expr::Symbol("O_RDWR".into()),
            Expr::Symbol("O_NONBLOCK".into()),
        ]);
        assert_eq!(int(&e), Some(0o4002));
        assert_eq!(errno("EINPROGRESS"), Some(115));
        assert_eq!(errno_name(11), "EAGAIN");
    }
}
