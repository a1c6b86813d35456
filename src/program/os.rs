//! What a program sees of its host: the socket calls, the clock, and sleep.
//!
//! Two ways to use it. The declarative programs of the scenario format call the
//! non-blocking primitives (`try_send`, `try_recv`, ...) and return a
//! [`Status`](crate::program::Status) when they must wait. Programs written in
//! Rust are `async` blocks that await [`Conn::recv`], [`Listener::accept`],
//! [`Os::sleep`] and friends; the host's deterministic executor polls a
//! program's main future at every step of its host (as it always has, so
//! futures of its own that wait on the non-blocking primitives keep working),
//! and a task waiting in one of these futures at the host's next step, all
//! driven only by the virtual clock (no threads, no wall clock), so they stay
//! as reproducible as the declarative ones. The `tokio`-style sockets of
//! `tcpsim::net` are woken only when their connection changes.

use std::cell::RefCell;
use std::future::Future;
use std::net::Ipv4Addr;
use std::rc::Rc;
use std::task::Poll;

use crate::linux::conn::{ConnId, ConnectState, Gone, ListenerId, Recv};
use crate::linux::stack::Stack;
use crate::program::bytelog::ByteLog;
use crate::program::pace::{Pace, Wait};
use crate::program::reactor::Reactor;
use crate::scenario::model::Micros;

/// Why a socket call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketError {
    /// connect() did not complete (refused or timed out).
    ConnectFailed,
    /// The connection was reset (by the peer, or by our own close with unread data).
    Reset,
    /// The connection is closed for sending.
    Closed,
}

impl std::fmt::Display for SocketError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SocketError::ConnectFailed => "connect() failed",
            SocketError::Reset => "connection reset",
            SocketError::Closed => "connection closed",
        })
    }
}

impl std::error::Error for SocketError {}

/// What a program did, kept beside its host's stack.
#[derive(Debug)]
pub(crate) struct ProgramRecord {
    pub sent: ByteLog,
    pub received: ByteLog,
    /// Kept in the trace's own form, so the run's end moves it, not copies it.
    pub log: Vec<crate::trace::AppEvent>,
    /// Whether `log` is kept at all.
    keep_log: bool,
    /// The earliest time a pending sleep or timeout wants the program resumed.
    pub wake: Option<Micros>,
    /// For each enclosing [`Os::watch`], the connections called on so far.
    pub watching: Vec<Vec<ConnId>>,
}

/// What a program's record keeps, from the run's options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keep {
    /// Every byte received (else counts and digests only).
    pub received: bool,
    /// The stream digests.
    pub digests: bool,
    /// The socket-call log. A sweep (no per-frame records) reads none of
    /// it, and it grows with every call: without it a run's memory does not
    /// grow with its length.
    pub log: bool,
}

/// A program's handle on its host. Cheap to clone; every clone is the same host.
#[derive(Clone)]
pub struct Os {
    pub(super) stack: Rc<RefCell<Stack>>,
    pub(super) record: Rc<RefCell<ProgramRecord>>,
    /// Who to wake when a connection changes (`reactor.rs`).
    pub(super) reactor: Rc<RefCell<Reactor>>,
    /// What the program waits in, and when it may make its next call (`pace.rs`).
    pub(super) pace: Rc<RefCell<Pace>>,
}

impl Os {
    pub(crate) fn new(stack: Rc<RefCell<Stack>>, keep: Keep) -> Os {
        Os {
            stack,
            record: Rc::new(RefCell::new(ProgramRecord {
                sent: ByteLog::with_digest(keep.received, keep.digests),
                received: ByteLog::with_digest(keep.received, keep.digests),
                keep_log: keep.log,
                log: Vec::new(),
                wake: None,
                watching: Vec::new(),
            })),
            reactor: Rc::default(),
            pace: Rc::default(),
        }
    }

    pub(crate) fn record(&self) -> std::cell::Ref<'_, ProgramRecord> {
        self.record.borrow()
    }

    /// The program's log, moved out when the run is over.
    pub(crate) fn take_log(&self) -> Vec<crate::trace::AppEvent> {
        std::mem::take(&mut self.record.borrow_mut().log)
    }

    pub(crate) fn take_wake(&self) -> Option<Micros> {
        self.record.borrow_mut().wake.take()
    }

    /// Run `f` and return, with its result, the connections it called the
    /// socket API on (each call once per call; nested watches see their own).
    pub(crate) fn watch<R>(&self, f: impl FnOnce() -> R) -> (R, Vec<ConnId>) {
        self.record.borrow_mut().watching.push(Vec::new());
        let result = f();
        let mut record = self.record.borrow_mut();
        let seen = record.watching.pop().unwrap_or_default();
        if let Some(outer) = record.watching.last_mut() {
            outer.extend_from_slice(&seen);
        }
        (result, seen)
    }

    /// Note a call on `conn` for the innermost watch.
    fn saw(&self, conn: ConnId) {
        if let Some(calls) = self.record.borrow_mut().watching.last_mut() {
            calls.push(conn);
        }
    }

    /// A subscription to the connections that change on this host (see
    /// [`Os::take_ready`]).
    pub(crate) fn subscribe(&self) -> usize {
        self.stack.borrow_mut().subscribe()
    }

    /// The connections that changed (a frame, a timer, a call) since the
    /// subscription last asked, in order.
    pub(crate) fn take_ready(&self, subscription: usize, out: &mut Vec<ConnId>) {
        self.stack.borrow_mut().take_ready(subscription, out);
    }

    /// Whether the host runs in the reference mode that resumes every activity
    /// (see `Stack::set_exhaustive`).
    pub(crate) fn exhaustive(&self) -> bool {
        self.stack.borrow().exhaustive()
    }

    /// The virtual clock, in microseconds since the simulation started.
    pub fn now(&self) -> Micros {
        self.stack.borrow().now
    }

    /// "client" or "server".
    pub(crate) fn role_name(&self) -> &'static str {
        self.stack.borrow().role.name()
    }

    /// This host's IPv4 address.
    pub fn ip(&self) -> Ipv4Addr {
        self.stack.borrow().config.ip
    }

    /// The other host's IPv4 address (the simulation has two hosts).
    pub fn peer_ip(&self) -> Ipv4Addr {
        self.stack.borrow().peer_ip
    }

    /// The server's address, from either host.
    pub fn server_ip(&self) -> Ipv4Addr {
        let stack = self.stack.borrow();
        match stack.role {
            crate::scenario::model::Role::Server => stack.config.ip,
            crate::scenario::model::Role::Client => stack.peer_ip,
        }
    }

    /// Add a line to the program's log (shown in summaries and diagrams).
    pub fn log(&self, call: impl Into<String>) {
        if !self.record.borrow().keep_log {
            return;
        }
        let (time_us, role) = {
            let stack = self.stack.borrow();
            (stack.now, stack.role)
        };
        let call = call.into();
        let event = crate::trace::AppEvent {
            time_us,
            role,
            call,
        };
        self.record.borrow_mut().log.push(event);
    }

    /// Ask to be resumed at `t` even if nothing happens on the network.
    pub fn wake_at(&self, t: Micros) {
        let mut r = self.record.borrow_mut();
        r.wake = Some(r.wake.map_or(t, |w| w.min(t)));
    }

    // ----- non-blocking primitives -------------------------------------------------

    /// Start connect() to `remote`; `local_port` None picks an ephemeral port.
    pub fn try_connect(&self, remote: (Ipv4Addr, u16), local_port: Option<u16>) -> ConnId {
        let conn = self.stack.borrow_mut().connect(remote, local_port);
        self.saw(conn);
        conn
    }

    /// Where a connect() started with [`Os::try_connect`] stands.
    pub fn connect_state(&self, conn: ConnId) -> ConnectState {
        self.saw(conn);
        let state = self.stack.borrow().connect_state(conn);
        match state {
            // connect() returns once the handshake is over.
            ConnectState::Pending => self.blocked(Wait::Connect(conn)),
            _ => self.called(Some(Wait::Connect(conn))),
        }
        state
    }

    /// The connection's local and remote addresses, once known.
    pub fn endpoints(&self, conn: ConnId) -> Option<crate::wire::frame::Endpoints> {
        self.stack.borrow().endpoints(conn)
    }

    /// listen(port, backlog).
    pub fn try_listen(&self, port: u16, backlog: u32) -> ListenerId {
        let id = self.stack.borrow_mut().listen(port, backlog);
        self.called(None);
        id
    }

    /// accept() without waiting.
    pub fn try_accept(&self, listener: ListenerId) -> Option<ConnId> {
        let conn = self.stack.borrow_mut().accept(listener);
        match conn {
            Some(_) => self.called(Some(Wait::Accept(listener))),
            None => self.blocked(Wait::Accept(listener)),
        }
        conn
    }

    /// Stop listening.
    pub fn unlisten(&self, listener: ListenerId) {
        self.stack.borrow_mut().unlisten(listener);
    }

    /// send() what fits in the send buffer; returns the bytes taken (0: full).
    pub fn try_send(&self, conn: ConnId, data: &[u8]) -> Result<usize, Gone> {
        self.saw(conn);
        let sent = self.stack.borrow_mut().send(conn, data);
        match sent {
            Ok(0) if !data.is_empty() => self.blocked(Wait::Send(conn)),
            _ => self.called(Some(Wait::Send(conn))),
        }
        let n = sent?;
        self.record.borrow_mut().sent.add(&data[..n]);
        Ok(n)
    }

    /// recv(max) without waiting.
    pub fn try_recv(&self, conn: ConnId, max: usize) -> Recv {
        self.saw(conn);
        let got = self.stack.borrow_mut().recv(conn, max);
        match &got {
            Recv::WouldBlock => self.blocked(Wait::Recv(conn)),
            _ => self.called(Some(Wait::Recv(conn))),
        }
        if let Recv::Data(d) = &got {
            self.record.borrow_mut().received.add(d);
        }
        got
    }

    /// recv(max) without waiting, showing the bytes to `f` where they lie instead
    /// of copying them out (a sink). `Ok(bytes read)`, else what recv() returned.
    /// `f` runs while this host's stack is borrowed: it must not call this `Os`.
    pub fn try_recv_with(
        &self,
        conn: ConnId,
        max: usize,
        mut f: impl FnMut(&[u8]),
    ) -> Result<usize, Recv> {
        self.saw(conn);
        let got = {
            let mut record = self.record.borrow_mut();
            self.stack.borrow_mut().recv_with(conn, max, |piece| {
                record.received.add(piece);
                f(piece);
            })
        };
        match got {
            Err(Recv::WouldBlock) => self.blocked(Wait::Recv(conn)),
            _ => self.called(Some(Wait::Recv(conn))),
        }
        got
    }

    /// close(): FIN, or RST,ACK when received data is unread (RFC 2525 2.17).
    pub fn close(&self, conn: ConnId) {
        self.saw(conn);
        self.stack.borrow_mut().close(conn);
        self.forget_conn(conn);
        self.called(None);
    }

    /// shutdown(SHUT_WR): FIN after queued data; receiving goes on.
    pub fn shutdown(&self, conn: ConnId) {
        self.saw(conn);
        self.stack.borrow_mut().shutdown(conn);
        self.called(None);
    }

    /// Bytes received and not yet read.
    pub fn unread(&self, conn: ConnId) -> usize {
        self.saw(conn);
        self.stack.borrow().unread(conn)
    }

    /// Why the connection failed, if it did (SO_ERROR).
    pub fn conn_error(&self, conn: ConnId) -> Option<crate::linux::sockopt::ConnError> {
        self.stack.borrow().conn_error(conn)
    }

    /// TCP_NODELAY: turn Nagle's algorithm off (true) or on (false).
    pub fn set_nodelay(&self, conn: ConnId, nodelay: bool) {
        self.saw(conn);
        self.stack.borrow_mut().set_nodelay(conn, nodelay);
    }

    // ----- the async API for programs written in Rust ---------------------------------

    /// connect() and wait for the handshake.
    pub async fn connect(&self, remote: (Ipv4Addr, u16)) -> Result<Conn, SocketError> {
        let id = self.try_connect(remote, None);
        self.log(format!("connect({}:{})", remote.0, remote.1));
        poll_fn(self, || match self.connect_state(id) {
            ConnectState::Pending => Poll::Pending,
            ConnectState::Established => Poll::Ready(Ok(Conn {
                os: self.clone(),
                id,
            })),
            ConnectState::Failed => Poll::Ready(Err(SocketError::ConnectFailed)),
        })
        .await
    }

    /// listen(port, backlog).
    pub fn listen(&self, port: u16, backlog: u32) -> Listener {
        let id = self.try_listen(port, backlog);
        self.log(format!("listen({port}, backlog {backlog})"));
        Listener {
            os: self.clone(),
            id,
        }
    }

    /// Sleep for `duration` microseconds of virtual time.
    pub async fn sleep(&self, duration: Micros) {
        let until = self.now() + duration;
        poll_fn(self, || {
            if self.now() >= until {
                Poll::Ready(())
            } else {
                self.wake_at(until);
                Poll::Pending
            }
        })
        .await
    }

    /// Run `fut` for at most `duration`; `None` if the time ran out first.
    pub async fn timeout<F: Future>(&self, duration: Micros, fut: F) -> Option<F::Output> {
        let until = self.now() + duration;
        let mut fut = std::pin::pin!(fut);
        std::future::poll_fn(move |cx| {
            if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                return Poll::Ready(Some(v));
            }
            if self.now() >= until {
                Poll::Ready(None)
            } else {
                self.wake_at(until);
                self.wake_next_step(cx.waker());
                Poll::Pending
            }
        })
        .await
    }
}

/// A future that is ready when `check` says so; while it is not, its task is
/// polled again at the next step of its host.
fn poll_fn<'a, T>(
    os: &'a Os,
    mut check: impl FnMut() -> Poll<T> + 'a,
) -> impl Future<Output = T> + 'a {
    std::future::poll_fn(move |cx| {
        let result = check();
        if result.is_pending() {
            os.wake_next_step(cx.waker());
        }
        result
    })
}

/// A listening socket.
pub struct Listener {
    os: Os,
    id: ListenerId,
}

impl Listener {
    /// accept(): wait for a connection that completed its handshake.
    pub async fn accept(&self) -> Conn {
        let conn = poll_fn(&self.os, || match self.os.try_accept(self.id) {
            Some(id) => Poll::Ready(Conn {
                os: self.os.clone(),
                id,
            }),
            None => Poll::Pending,
        })
        .await;
        self.os.log("accept()");
        conn
    }

    /// Stop listening: later SYNs are answered with RST.
    pub fn close(&self) {
        self.os.unlisten(self.id);
    }
}

/// A connected TCP socket.
pub struct Conn {
    os: Os,
    id: ConnId,
}

impl Conn {
    /// The connection's index in its host's socket layer.
    pub fn id(&self) -> ConnId {
        self.id
    }

    /// send() every byte, waiting for buffer space as Python's sendall does.
    pub async fn send_all(&self, data: &[u8]) -> Result<(), SocketError> {
        let mut offset = 0;
        poll_fn(&self.os, || {
            while offset < data.len() {
                match self.os.try_send(self.id, &data[offset..]) {
                    Ok(0) => return Poll::Pending,
                    Ok(n) => offset += n,
                    Err(
                        Gone::ResetByPeer
                        | Gone::ResetAfterClose
                        | Gone::AbortedUnread(_)
                        | Gone::TimedOut,
                    ) => {
                        return Poll::Ready(Err(SocketError::Reset));
                    }
                    Err(Gone::Closed | Gone::BrokenPipe) => {
                        return Poll::Ready(Err(SocketError::Closed));
                    }
                }
            }
            Poll::Ready(Ok(()))
        })
        .await?;
        self.os.log(format!("send({} bytes)", data.len()));
        Ok(())
    }

    /// recv(max): wait for data; an empty vector means end of stream.
    pub async fn recv(&self, max: usize) -> Result<Vec<u8>, SocketError> {
        let got = poll_fn(&self.os, || match self.os.try_recv(self.id, max) {
            Recv::WouldBlock => Poll::Pending,
            Recv::Data(d) => Poll::Ready(Ok(d)),
            Recv::Eof => Poll::Ready(Ok(Vec::new())),
            Recv::Reset => Poll::Ready(Err(SocketError::Reset)),
        })
        .await;
        match &got {
            Ok(d) if d.is_empty() => self.os.log(format!("recv({max}) -> 0 (end of stream)")),
            Ok(d) => self.os.log(format!("recv({max}) -> {} bytes", d.len())),
            Err(e) => self.os.log(format!("recv({max}) -> {e}")),
        }
        got
    }

    /// Read until end of stream.
    pub async fn recv_to_end(&self) -> Result<Vec<u8>, SocketError> {
        let mut all = Vec::new();
        loop {
            let chunk = self.recv(65536).await?;
            if chunk.is_empty() {
                return Ok(all);
            }
            all.extend_from_slice(&chunk);
        }
    }

    /// close(): FIN, or RST,ACK if received data is still unread (RFC 2525 2.17).
    pub fn close(&self) {
        let unread = self.os.unread(self.id);
        self.os.close(self.id);
        self.os.log(format!("close() with {unread} bytes unread"));
    }

    /// shutdown(SHUT_WR): send FIN, keep receiving.
    pub fn shutdown(&self) {
        self.os.shutdown(self.id);
        self.os.log("shutdown(SHUT_WR)");
    }

    /// TCP_NODELAY.
    pub fn set_nodelay(&self, nodelay: bool) {
        self.os.set_nodelay(self.id, nodelay);
    }

    /// Bytes received and not yet read.
    pub fn unread(&self) -> usize {
        self.os.unread(self.id)
    }
}
