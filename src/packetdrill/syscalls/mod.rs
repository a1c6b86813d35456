//! The system calls of a script, made on the host under test: a file
//! descriptor table over the stack's listeners and connections, each call
//! answered as Linux answers it (its return value and errno).
//!
//! A call that would block on a blocking descriptor returns
//! [`Step::Block`]; the runner calls it again after each host step until it
//! completes, with the same [`Progress`].
//!
//! - `stream.rs`: listen, accept, connect, read, write, close, shutdown;
//! - `options.rs`: fcntl, setsockopt, getsockopt, ioctl.

use std::collections::BTreeMap;

use crate::linux::conn::{ConnId, ListenerId};
use crate::packetdrill::config::Settings;
use crate::packetdrill::harness::Harness;
use crate::packetdrill::script::{Expr, Syscall};

mod options;
mod stream;
use crate::packetdrill::symbols::{int, iov_len, sockaddr_port};

/// What a call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Returned `ret`, with `errno` when it failed.
    Done {
        ret: i64,
        errno: Option<&'static str>,
    },
    /// Would block: call again later.
    Block,
    /// Returned, but a value it writes back (`getsockopt`'s `[value]`,
    /// `ioctl`'s) is not the script's: the message says which.
    Wrong(String),
}

pub(super) fn ok(ret: i64) -> Result<Step, Refusal> {
    Ok(Step::Done { ret, errno: None })
}

pub(super) fn fail(errno: &'static str) -> Result<Step, Refusal> {
    Ok(Step::Done {
        ret: -1,
        errno: Some(errno),
    })
}

/// A call tcpsim cannot make as written: the script is skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal(pub(crate) String);

pub(super) fn refuse<T>(what: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(what.into()))
}

/// What a blocked call has done so far (bytes written, a connect started).
#[derive(Debug, Default, Clone)]
pub(crate) struct Progress {
    pub(super) written: usize,
    pub(super) started: bool,
}

/// What a descriptor is.
#[derive(Debug, Clone)]
pub(super) enum Kind {
    /// socket(), maybe bound, not yet listening or connected.
    Fresh,
    Listening(ListenerId),
    Conn(ConnId),
}

/// Options set on a descriptor before it had a connection, applied when it
/// gets one.
#[derive(Debug, Clone, Default)]
pub(super) struct Opts {
    pub(super) nodelay: bool,
    pub(super) cork: bool,
    pub(super) maxseg: Option<i64>,
    pub(super) sndbuf: Option<i64>,
    pub(super) rcvbuf: Option<i64>,
    pub(super) user_timeout: Option<i64>,
}

#[derive(Debug, Clone)]
pub(super) struct Fd {
    pub(super) kind: Kind,
    pub(super) nonblock: bool,
    pub(super) port: Option<u16>,
    pub(super) opts: Opts,
    /// SO_ERROR (or a call) has reported the connection's error.
    pub(super) error_reported: bool,
    /// A non-blocking connect()'s success was reported by a second connect().
    pub(super) connect_reported: bool,
    /// shutdown(SHUT_RD): reads return 0 once the queue is empty.
    pub(super) shut_rd: bool,
}

/// What a call changed for the runner's packet matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// A socket started listening: the next inbound SYN opens a connection.
    Listening(u16),
    /// A connect() started: the next outbound SYN is its.
    Connecting,
}

/// The script's descriptors.
#[derive(Debug, Default)]
pub(crate) struct Fds {
    pub(super) table: BTreeMap<i64, Fd>,
    /// Set by the last call (read by the runner once per call).
    pub(crate) effect: Option<Effect>,
}

const FIRST_FD: i64 = 3;

impl Fds {
    pub(super) fn new_fd(&mut self, kind: Kind, nonblock: bool, opts: Opts) -> i64 {
        let mut fd = FIRST_FD;
        while self.table.contains_key(&fd) {
            fd += 1;
        }
        self.table.insert(
            fd,
            Fd {
                kind,
                nonblock,
                port: None,
                opts,
                error_reported: false,
                connect_reported: false,
                shut_rd: false,
            },
        );
        fd
    }

    /// The connection behind the most recent connected descriptor, for
    /// `%{ }%` blocks.
    pub(crate) fn last_conn(&self) -> Option<ConnId> {
        self.table.values().rev().find_map(|f| match f.kind {
            Kind::Conn(c) => Some(c),
            _ => None,
        })
    }

    /// Make `sc` (again, if it blocked), at the harness's current time.
    pub(crate) fn call(
        &mut self,
        h: &mut Harness,
        settings: &Settings,
        sc: &Syscall,
        progress: &mut Progress,
    ) -> Result<Step, Refusal> {
        self.effect = None;
        let arg = |i: usize| sc.args.get(i);
        let fd_arg = || arg(0).and_then(int);
        match sc.name.as_str() {
            "socket" => {
                let ty = arg(1).and_then(int).unwrap_or(1);
                if ty & 0xf != 1 {
                    return refuse("socket(): only SOCK_STREAM (TCP) sockets are supported");
                }
                // The script names the descriptor by the result it expects
                // (packetdrill maps script fds to live ones); else the
                // lowest free one.
                let wanted = int(&sc.result).filter(|&w| w >= 0 && !self.table.contains_key(&w));
                let fd = self.new_fd(Kind::Fresh, ty & 0o4000 != 0, Opts::default());
                match wanted {
                    Some(w) if w != fd => {
                        let entry = self.table.remove(&fd).expect("just added");
                        self.table.insert(w, entry);
                        ok(w)
                    }
                    _ => ok(fd),
                }
            }
            "bind" => {
                let Some(f) = fd_arg().and_then(|fd| self.table.get_mut(&fd)) else {
                    return fail("EBADF");
                };
                f.port = Some(arg(1).and_then(sockaddr_port).unwrap_or(settings.bind_port));
                ok(0)
            }
            "listen" => self.listen(h, settings, fd_arg(), arg(1).and_then(int).unwrap_or(0)),
            "accept" | "accept4" => self.accept(h, fd_arg()),
            "connect" => self.connect(h, settings, fd_arg(), arg(1), progress),
            "read" | "recv" | "recvfrom" => {
                let flags = if sc.name == "read" {
                    0
                } else {
                    arg(3).and_then(int).unwrap_or(0)
                };
                let n = arg(2).and_then(int).unwrap_or(0);
                self.read(h, fd_arg(), n, flags)
            }
            "readv" => {
                let n = arg(1).and_then(iov_len).unwrap_or(0);
                self.read(h, fd_arg(), n, 0)
            }
            "recvmsg" => {
                let n = arg(1)
                    .and_then(|m| m.field("msg_iov"))
                    .and_then(|f| iov_len(&f.value))
                    .unwrap_or(0);
                self.read(h, fd_arg(), n, arg(2).and_then(int).unwrap_or(0))
            }
            "write" | "send" | "sendto" => {
                let flags = if sc.name == "write" {
                    0
                } else {
                    arg(3).and_then(int).unwrap_or(0)
                };
                let n = arg(2).and_then(int).unwrap_or(0);
                self.write(h, fd_arg(), n, flags, progress)
            }
            "writev" => {
                let n = arg(1).and_then(iov_len).unwrap_or(0);
                self.write(h, fd_arg(), n, 0, progress)
            }
            "sendmsg" => {
                let n = arg(1)
                    .and_then(|m| m.field("msg_iov"))
                    .and_then(|f| iov_len(&f.value))
                    .unwrap_or(0);
                self.write(h, fd_arg(), n, arg(2).and_then(int).unwrap_or(0), progress)
            }
            "close" => self.close(h, fd_arg()),
            "shutdown" => self.shutdown(h, fd_arg(), arg(1).and_then(int).unwrap_or(-1)),
            "fcntl" => self.fcntl(fd_arg(), arg(1).and_then(int), arg(2).and_then(int)),
            "setsockopt" => self.setsockopt(h, fd_arg(), arg(1), arg(2), arg(3)),
            "getsockopt" => self.getsockopt(h, fd_arg(), arg(1), arg(2), arg(3)),
            "ioctl" => self.ioctl(h, fd_arg(), arg(1).and_then(int), arg(2)),
            other => refuse(format!("{other}() is not supported")),
        }
    }
}

/// A value the call writes back (`[111]`), against the script's.
pub(super) fn check_out_value(
    name: &str,
    expected: Option<&Expr>,
    actual: i64,
) -> Result<Step, Refusal> {
    let want = match expected {
        None | Some(Expr::Ellipsis) => return ok(0),
        Some(e) => int(e),
    };
    match want {
        Some(w) if w == actual => ok(0),
        Some(w) => Ok(Step::Wrong(format!(
            "Bad {name} value: expected: {w} actual: {actual}"
        ))),
        None => refuse(format!("{name}: expected value is not a number")),
    }
}

/// Options set on a descriptor before its connection existed.
pub(super) fn apply_opts(h: &mut Harness, conn: ConnId, opts: &Opts) {
    if opts.nodelay {
        h.stack().set_nodelay(conn, true);
    }
    if opts.cork {
        h.stack().set_cork(conn, true);
    }
    if let Some(ms) = opts.user_timeout.and_then(|v| u64::try_from(v).ok()) {
        h.stack().set_user_timeout(conn, ms);
    }
    if let Some(bytes) = opts.sndbuf.and_then(|v| usize::try_from(v).ok()) {
        h.stack().set_sndbuf(conn, bytes);
    }
}
