//! The calls on a descriptor's settings: fcntl, setsockopt, getsockopt,
//! ioctl.

use crate::linux::conn::ConnectState;
use crate::linux::sockopt::ConnError;
use crate::packetdrill::harness::Harness;
use crate::packetdrill::script::Expr;
use crate::packetdrill::symbols::int;
use crate::packetdrill::syscalls::{Fds, Kind, Refusal, Step, check_out_value, fail, ok, refuse};
use crate::scenario::model::Congestion;

impl Fds {
    pub(super) fn fcntl(
        &mut self,
        fd: Option<i64>,
        cmd: Option<i64>,
        value: Option<i64>,
    ) -> Result<Step, Refusal> {
        let Some(f) = fd.and_then(|fd| self.table.get_mut(&fd)) else {
            return fail("EBADF");
        };
        match (cmd, value) {
            (Some(3), _) => ok(2 | if f.nonblock { 0o4000 } else { 0 }),
            (Some(4), Some(v)) => {
                f.nonblock = v & 0o4000 != 0;
                ok(0)
            }
            _ => refuse("fcntl(): only F_GETFL and F_SETFL are supported"),
        }
    }

    pub(super) fn setsockopt(
        &mut self,
        h: &mut Harness,
        fd: Option<i64>,
        level: Option<&Expr>,
        name: Option<&Expr>,
        value: Option<&Expr>,
    ) -> Result<Step, Refusal> {
        let Some(f) = fd.and_then(|fd| self.table.get_mut(&fd)) else {
            return fail("EBADF");
        };
        let level = level.and_then(int).unwrap_or(-1);
        let opt_name = name.and_then(Expr::as_symbol).unwrap_or("?").to_string();
        let v = value.and_then(int);
        let conn = match f.kind {
            Kind::Conn(c) => Some(c),
            _ => None,
        };
        match (level, opt_name.as_str()) {
            (1, "SO_REUSEADDR" | "SO_REUSEPORT" | "SO_KEEPALIVE") => ok(0),
            (1, "SO_SNDBUF") => {
                f.opts.sndbuf = v;
                if let (Some(c), Some(bytes)) = (conn, v.and_then(|v| usize::try_from(v).ok())) {
                    h.stack().set_sndbuf(c, bytes);
                }
                ok(0)
            }
            (1, "SO_RCVBUF") if conn.is_none() => {
                f.opts.rcvbuf = v;
                ok(0)
            }
            (6, "TCP_NODELAY") => {
                let on = v.unwrap_or(0) != 0;
                f.opts.nodelay = on;
                if let Some(c) = conn {
                    h.stack().set_nodelay(c, on);
                }
                ok(0)
            }
            (6, "TCP_CORK") => {
                let on = v.unwrap_or(0) != 0;
                f.opts.cork = on;
                if let Some(c) = conn {
                    h.stack().set_cork(c, on);
                }
                ok(0)
            }
            (6, "TCP_MAXSEG") if conn.is_none() => {
                // do_tcp_setsockopt: below TCP_MIN_MSS (88) or above
                // MAX_TCP_WINDOW is EINVAL.
                match v {
                    Some(m) if (88..=32_767).contains(&m) => {
                        f.opts.maxseg = Some(m);
                        if let Kind::Listening(l) = f.kind {
                            h.stack().set_listener_maxseg(l, m as u16);
                        }
                        ok(0)
                    }
                    _ => fail("EINVAL"),
                }
            }
            (6, "TCP_USER_TIMEOUT") => {
                let Some(ms) = v.and_then(|v| u64::try_from(v).ok()) else {
                    return fail("EINVAL");
                };
                f.opts.user_timeout = Some(ms as i64);
                if let Some(c) = conn {
                    h.stack().set_user_timeout(c, ms);
                }
                ok(0)
            }
            (6, "TCP_CONGESTION") => {
                let wanted = match value {
                    Some(Expr::Str(s)) => String::from_utf8_lossy(s).to_string(),
                    _ => String::new(),
                };
                let current = match h.stack().config.congestion {
                    Congestion::Reno => "reno",
                    Congestion::Cubic => "cubic",
                    Congestion::None => "none",
                };
                if current == wanted {
                    ok(0)
                } else {
                    refuse(format!(
                        "setsockopt(TCP_CONGESTION, \"{wanted}\") per socket is not supported"
                    ))
                }
            }
            (_, name) => refuse(format!("setsockopt({name}) is not supported")),
        }
    }

    pub(super) fn getsockopt(
        &mut self,
        h: &mut Harness,
        fd: Option<i64>,
        level: Option<&Expr>,
        name: Option<&Expr>,
        expected: Option<&Expr>,
    ) -> Result<Step, Refusal> {
        let Some(f) = fd.and_then(|fd| self.table.get_mut(&fd)) else {
            return fail("EBADF");
        };
        let level = level.and_then(int).unwrap_or(-1);
        let opt_name = name.and_then(Expr::as_symbol).unwrap_or("?").to_string();
        let conn = match f.kind {
            Kind::Conn(c) => Some(c),
            _ => None,
        };
        let actual = match (level, opt_name.as_str()) {
            (1, "SO_ERROR") => match conn.map(|c| h.stack().conn_error(c)) {
                Some(Some(err)) if !f.error_reported => {
                    f.error_reported = true;
                    match err {
                        ConnError::Refused => 111,
                        ConnError::Reset => 104,
                        ConnError::TimedOut => 110,
                    }
                }
                _ => 0,
            },
            (1, "SO_SNDBUF") => match conn {
                Some(c) => h.stack().sndbuf(c) as i64,
                None => f.opts.sndbuf.map_or(16_384, |v| {
                    crate::linux::sockopt::sndbuf_for(usize::try_from(v).unwrap_or(0)) as i64
                }),
            },
            (6, "TCP_NODELAY") => i64::from(f.opts.nodelay),
            (6, "TCP_CORK") => i64::from(f.opts.cork),
            (6, "TCP_MAXSEG") => match conn {
                Some(c) if h.stack().connect_state(c) == ConnectState::Established => {
                    i64::from(h.stack().mss(c))
                }
                _ => f.opts.maxseg.unwrap_or(536),
            },
            (_, name) => return refuse(format!("getsockopt({name}) is not supported")),
        };
        check_out_value(&opt_name, expected, actual)
    }

    pub(super) fn ioctl(
        &mut self,
        h: &mut Harness,
        fd: Option<i64>,
        request: Option<i64>,
        value: Option<&Expr>,
    ) -> Result<Step, Refusal> {
        let (_, conn) = match self.conn_of(fd) {
            Ok(x) => x,
            Err(r) => return r,
        };
        match request {
            Some(0x541B) => {
                let unread = h.stack().unread(conn) as i64;
                check_out_value("SIOCINQ", value, unread)
            }
            _ => refuse("ioctl(): only SIOCINQ/FIONREAD is supported"),
        }
    }
}
