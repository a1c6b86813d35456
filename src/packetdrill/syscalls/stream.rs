//! The calls on a connection's data and life: listen, accept, connect,
//! read, write, close, shutdown.

use crate::linux::conn::{ConnId, ConnectState, Recv};
use crate::linux::sockopt::ConnError;
use crate::packetdrill::config::Settings;
use crate::packetdrill::harness::Harness;
use crate::packetdrill::script::Expr;
use crate::packetdrill::symbols::sockaddr_port;
use crate::packetdrill::syscalls::{
    Effect, Fd, Fds, Kind, Progress, Refusal, Step, apply_opts, fail, ok, refuse,
};

impl Fds {
    pub(super) fn listen(
        &mut self,
        h: &mut Harness,
        settings: &Settings,
        fd: Option<i64>,
        backlog: i64,
    ) -> Result<Step, Refusal> {
        let Some(f) = fd.and_then(|fd| self.table.get_mut(&fd)) else {
            return fail("EBADF");
        };
        if let Kind::Listening(_) = f.kind {
            return ok(0);
        }
        let port = f.port.unwrap_or(settings.bind_port);
        // The accept queue is full when it holds more than the backlog
        // (sk_acceptq_is_full): listen(fd, 0) still admits one connection.
        let slots = u32::try_from(backlog.max(0))
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        let l = h.stack().listen(port, slots);
        if let Some(mss) = f.opts.maxseg.and_then(|m| u16::try_from(m).ok()) {
            h.stack().set_listener_maxseg(l, mss);
        }
        f.kind = Kind::Listening(l);
        f.port = Some(port);
        self.effect = Some(Effect::Listening(port));
        ok(0)
    }

    pub(super) fn accept(&mut self, h: &mut Harness, fd: Option<i64>) -> Result<Step, Refusal> {
        let Some(f) = fd.and_then(|fd| self.table.get(&fd)) else {
            return fail("EBADF");
        };
        let Kind::Listening(l) = f.kind else {
            return fail("EINVAL");
        };
        let (nonblock, opts) = (f.nonblock, f.opts.clone());
        let Some(conn) = h.stack().accept(l) else {
            return if nonblock {
                fail("EAGAIN")
            } else {
                Ok(Step::Block)
            };
        };
        apply_opts(h, conn, &opts);
        ok(self.new_fd(Kind::Conn(conn), false, opts))
    }

    pub(super) fn connect(
        &mut self,
        h: &mut Harness,
        settings: &Settings,
        fd: Option<i64>,
        addr: Option<&Expr>,
        progress: &mut Progress,
    ) -> Result<Step, Refusal> {
        let Some(f) = fd.and_then(|fd| self.table.get_mut(&fd)) else {
            return fail("EBADF");
        };
        match f.kind {
            Kind::Listening(_) => return fail("EISCONN"),
            Kind::Fresh => {
                let port = addr
                    .and_then(sockaddr_port)
                    .unwrap_or(settings.connect_port);
                let remote = (settings.remote_ip, port);
                let maxseg = f.opts.maxseg.and_then(|m| u16::try_from(m).ok());
                let conn = h.stack().connect_with_maxseg(remote, f.port, maxseg);
                f.kind = Kind::Conn(conn);
                apply_opts(h, conn, &f.opts);
                progress.started = true;
                self.effect = Some(Effect::Connecting);
                if f.nonblock {
                    return fail("EINPROGRESS");
                }
            }
            Kind::Conn(_) => {}
        }
        let Kind::Conn(conn) = f.kind else {
            unreachable!("set above")
        };
        let state = h.stack().connect_state(conn);
        match state {
            ConnectState::Pending if progress.started => Ok(Step::Block),
            ConnectState::Pending if f.nonblock => fail("EALREADY"),
            ConnectState::Pending => Ok(Step::Block),
            ConnectState::Established if progress.started || !f.connect_reported => {
                f.connect_reported = true;
                ok(0)
            }
            ConnectState::Established => fail("EISCONN"),
            ConnectState::Failed => {
                let err = h.stack().conn_error(conn);
                if f.error_reported {
                    return fail("ECONNABORTED");
                }
                f.error_reported = true;
                match err {
                    Some(ConnError::Refused) => fail("ECONNREFUSED"),
                    Some(ConnError::Reset) => fail("ECONNRESET"),
                    Some(ConnError::TimedOut) | None => fail("ETIMEDOUT"),
                }
            }
        }
    }

    pub(super) fn conn_of(
        &mut self,
        fd: Option<i64>,
    ) -> Result<(&mut Fd, ConnId), Result<Step, Refusal>> {
        let Some(f) = fd.and_then(|fd| self.table.get_mut(&fd)) else {
            return Err(fail("EBADF"));
        };
        match f.kind {
            Kind::Conn(c) => Ok((f, c)),
            _ => Err(fail("ENOTCONN")),
        }
    }

    pub(super) fn read(
        &mut self,
        h: &mut Harness,
        fd: Option<i64>,
        n: i64,
        flags: i64,
    ) -> Result<Step, Refusal> {
        if flags & 2 != 0 {
            return refuse("recv() with MSG_PEEK is not supported");
        }
        let (f, conn) = match self.conn_of(fd) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let nonblock = f.nonblock || flags & 0x40 != 0;
        if h.stack().connect_state(conn) == ConnectState::Pending {
            return if nonblock {
                fail("EAGAIN")
            } else {
                Ok(Step::Block)
            };
        }
        let got = h.stack().recv(conn, usize::try_from(n.max(0)).unwrap_or(0));
        match got {
            Recv::Data(d) => ok(d.len() as i64),
            Recv::Eof => ok(0),
            Recv::Reset | Recv::WouldBlock if h.stack().conn_error(conn).is_some() => {
                if f.error_reported {
                    ok(0)
                } else {
                    f.error_reported = true;
                    match h.stack().conn_error(conn) {
                        Some(ConnError::Refused) => fail("ECONNREFUSED"),
                        Some(ConnError::TimedOut) => fail("ETIMEDOUT"),
                        _ => fail("ECONNRESET"),
                    }
                }
            }
            Recv::Reset => ok(0),
            Recv::WouldBlock if f.shut_rd => ok(0),
            Recv::WouldBlock if nonblock => fail("EAGAIN"),
            Recv::WouldBlock => Ok(Step::Block),
        }
    }

    pub(super) fn write(
        &mut self,
        h: &mut Harness,
        fd: Option<i64>,
        n: i64,
        flags: i64,
        progress: &mut Progress,
    ) -> Result<Step, Refusal> {
        if flags & 0x4000000 != 0 {
            return refuse("MSG_ZEROCOPY is not supported");
        }
        let (f, conn) = match self.conn_of(fd) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let nonblock = f.nonblock || flags & 0x40 != 0;
        let more = flags & 0x8000 != 0;
        if h.stack().connect_state(conn) == ConnectState::Pending {
            return if nonblock {
                fail("EAGAIN")
            } else {
                Ok(Step::Block)
            };
        }
        if !f.error_reported
            && let Some(err) = h.stack().conn_error(conn)
        {
            f.error_reported = true;
            return match err {
                ConnError::Refused => fail("ECONNREFUSED"),
                ConnError::Reset => fail("ECONNRESET"),
                ConnError::TimedOut => fail("ETIMEDOUT"),
            };
        }
        let total = usize::try_from(n.max(0)).unwrap_or(0);
        let zeros = vec![0u8; total - progress.written];
        let mut offset = 0;
        while offset < zeros.len() {
            match h.stack().send_more(conn, &zeros[offset..], more) {
                Ok(0) => break,
                Ok(k) => offset += k,
                // The connection is gone or closed for writing, its error
                // already reported: EPIPE (sk_stream_error).
                Err(_) if progress.written + offset == 0 => return fail("EPIPE"),
                Err(_) => break,
            }
        }
        progress.written += offset;
        if progress.written == total && flags & 0x80 != 0 {
            // MSG_EOR
            h.stack().mark_eor(conn);
        }
        if progress.written == total || (nonblock && progress.written > 0) {
            return ok(progress.written as i64);
        }
        if nonblock {
            return fail("EAGAIN");
        }
        if !h.stack().is_open(conn) {
            return ok(progress.written as i64);
        }
        Ok(Step::Block)
    }

    pub(super) fn close(&mut self, h: &mut Harness, fd: Option<i64>) -> Result<Step, Refusal> {
        let Some(f) = fd.and_then(|fd| self.table.remove(&fd)) else {
            return fail("EBADF");
        };
        match f.kind {
            Kind::Fresh => {}
            Kind::Listening(l) => h.stack().unlisten(l),
            Kind::Conn(c) => h.stack().close(c),
        }
        ok(0)
    }

    pub(super) fn shutdown(
        &mut self,
        h: &mut Harness,
        fd: Option<i64>,
        how: i64,
    ) -> Result<Step, Refusal> {
        let (f, conn) = match self.conn_of(fd) {
            Ok(x) => x,
            Err(r) => return r,
        };
        if !(0..=2).contains(&how) {
            return fail("EINVAL");
        }
        if !h.stack().is_open(conn) {
            return fail("ENOTCONN");
        }
        if how != 1 {
            f.shut_rd = true;
        }
        if how != 0 {
            h.stack().shutdown(conn);
        }
        ok(0)
    }
}
