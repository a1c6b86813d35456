//! The socket calls programs make: listen, accept, connect, send, recv,
//! close, shutdown, TCP_NODELAY. A thin layer: each call changes a
//! connection's state and lets the stack send what follows from it, as Linux
//! pushes segments inside the system call.

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use smoltcp::socket::tcp::State;
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};

use crate::linux::conn::{ConnId, ConnectState, Gone, ListenerId, Recv};
use crate::linux::listen::Listener;
use crate::linux::stack::Stack;
use crate::scenario::model::Profile;
use crate::wire::frame::Endpoints;
use crate::wire::seq;

impl Stack {
    /// listen(port, backlog).
    pub fn listen(&mut self, port: u16, backlog: u32) -> ListenerId {
        let backlog = backlog.max(1) as usize;
        let mut idle = Vec::new();
        for _ in 0..backlog {
            let mut socket = self.new_socket();
            socket
                .listen(IpListenEndpoint { addr: None, port })
                .expect("port is non-zero (validated)");
            idle.push(self.add_socket(socket));
        }
        self.listeners.push(Listener {
            port,
            backlog,
            idle,
            ready: VecDeque::new(),
            embryonic: Vec::new(),
            user_mss: None,
        });
        self.listeners.len() - 1
    }

    /// accept(): a connection that finished its handshake, if any.
    pub fn accept(&mut self, listener: ListenerId) -> Option<ConnId> {
        let conn = self.listeners[listener].ready.pop_front()?;
        self.refill_listener(listener);
        Some(conn)
    }

    /// Stop listening: close every listening socket (SYNs then get RSTs).
    pub fn unlisten(&mut self, listener: ListenerId) {
        for handle in std::mem::take(&mut self.listeners[listener].idle) {
            self.drop_socket(handle);
        }
        self.listeners[listener].backlog = 0;
    }

    /// connect() to `remote`; `local_port` None picks the next ephemeral port.
    pub fn connect(&mut self, remote: (Ipv4Addr, u16), local_port: Option<u16>) -> ConnId {
        self.connect_with_maxseg(remote, local_port, None)
    }

    /// connect() on a socket whose TCP_MAXSEG was set to `maxseg` first: the
    /// SYN announces at most that MSS, and segments carry at most that much
    /// whatever the peer's SYN-ACK offers.
    pub fn connect_with_maxseg(
        &mut self,
        remote: (Ipv4Addr, u16),
        local_port: Option<u16>,
        maxseg: Option<u16>,
    ) -> ConnId {
        let port = local_port.unwrap_or_else(|| {
            let p = self.next_ephemeral;
            self.next_ephemeral = if p >= 60999 { 32768 } else { p + 1 };
            p
        });
        let socket = self.new_socket();
        let handle = self.add_socket(socket);
        let remote_ep = IpEndpoint::new(IpAddress::Ipv4(remote.0), remote.1);
        let ends = Endpoints {
            src: self.config.ip,
            src_port: port,
            dst: remote.0,
            dst_port: remote.1,
        };
        let socket = self.sockets.get_mut(handle);
        let failed = socket
            .connect(self.iface.context(), remote_ep, port)
            .is_err();
        let id = self.new_conn(handle, Some(ends));
        self.conns[id].user_mss = maxseg;
        if failed {
            self.conns[id].gone = Some(Gone::Closed);
        }
        self.egress();
        id
    }

    /// Where a connection's handshake stands.
    pub fn connect_state(&self, conn: ConnId) -> ConnectState {
        let c = &self.conns[conn];
        match c.handle {
            None => ConnectState::Failed,
            Some(h) => match self.sockets.get(h).state() {
                State::SynSent | State::SynReceived => ConnectState::Pending,
                State::Closed | State::Listen => ConnectState::Failed,
                _ => ConnectState::Established,
            },
        }
    }

    /// Local and remote endpoints of a connection.
    pub fn endpoints(&self, conn: ConnId) -> Option<Endpoints> {
        self.conns[conn].ends
    }

    /// send(): accept as many bytes as the send buffer takes (a program loops, as
    /// sendall does). Returns the bytes accepted; 0 when the buffer is full.
    pub fn send(&mut self, conn: ConnId, data: &[u8]) -> Result<usize, Gone> {
        let c = &mut self.conns[conn];
        if let Some(g) = &c.gone {
            return Err(g.clone());
        }
        if c.close.write_closed {
            return Err(Gone::BrokenPipe);
        }
        // SO_SNDBUF counts every byte not yet acknowledged: held here or queued
        // in smoltcp (unsent or in flight).
        let queued = c.handle.map_or(0, |h| self.sockets.get(h).send_queue());
        let pending = c.nagle.pending.len();
        let room = self.send_capacity(conn).saturating_sub(pending + queued);
        let n = room.min(data.len());
        if n == 0 {
            return Ok(0);
        }
        let c = &self.conns[conn];
        let flight = seq::distance(c.sender.snd_una, c.sender.snd_nxt).max(0) as usize;
        // The bytes join the queue's last skb unless a MSG_EOR closed it.
        let tail = c.nagle.pushed + c.nagle.pending.len() as u64;
        let appended = (!c.nagle.pending.is_empty() || queued > flight)
            && c.nagle.eor_marks.back() != Some(&tail);
        let c = &mut self.conns[conn];
        let push = !c.nagle.more;
        c.psh.on_write(n, push, appended);
        self.push_with(conn, &data[..n]);
        // Linux pushes segments inside the system call.
        self.egress();
        Ok(n)
    }

    /// recv(n): at most `max` bytes, `Eof` at end of stream.
    pub fn recv(&mut self, conn: ConnId, max: usize) -> Recv {
        let mut buf = Vec::new();
        match self.recv_with(conn, max, |piece| buf.extend_from_slice(piece)) {
            Ok(_) => Recv::Data(buf),
            Err(other) => other,
        }
    }

    /// recv(n) that hands the bytes to `f` where they lie in smoltcp's ring (one
    /// or two pieces, when it wraps) instead of copying them out: for a reader
    /// that only looks at them once (a sink). `Ok(bytes read)`, or what recv()
    /// returns when there is nothing to read (never `Recv::Data`).
    pub fn recv_with(
        &mut self,
        conn: ConnId,
        max: usize,
        mut f: impl FnMut(&[u8]),
    ) -> Result<usize, Recv> {
        let c = &mut self.conns[conn];
        let Some(handle) = c.handle else {
            if !c.unread_at_reset.is_empty() {
                let n = max.min(c.unread_at_reset.len());
                let (a, b) = c.unread_at_reset.as_slices();
                let first = n.min(a.len());
                f(&a[..first]);
                if n > first {
                    f(&b[..n - first]);
                }
                c.unread_at_reset.drain(..n);
                return Ok(n);
            }
            return Err(match c.gone {
                Some(Gone::Closed) => Recv::Eof,
                _ => Recv::Reset,
            });
        };
        if self.sockets.get(handle).can_recv() {
            // Only a read changes the socket: a recv() that would block must
            // not mark it changed, or a waiting reader would be woken forever.
            let socket = self.sockets.get_mut(handle);
            let want = max.min(socket.recv_queue());
            let mut read = 0;
            while read < want {
                let left = want - read;
                let got = socket
                    .recv(|ring| {
                        let k = ring.len().min(left);
                        f(&ring[..k]);
                        (k, k)
                    })
                    .unwrap_or(0);
                if got == 0 {
                    break;
                }
                read += got;
            }
            let c = &mut self.conns[conn];
            c.win.read += read as u64;
            let rtt = c.sender.rtt.srtt();
            c.rwnd.on_read(self.now, c.win.read, rtt);
            // Reading may open the window: let smoltcp send its window update,
            // then send Linux's if smoltcp's did not.
            self.egress();
            self.window_update_after_read(conn);
            return Ok(read);
        }
        Err(match self.sockets.get(handle).state() {
            State::Closed => {
                if c.gone.is_none() && !c.close.app_closed {
                    Recv::Reset
                } else {
                    Recv::Eof
                }
            }
            State::CloseWait | State::LastAck | State::Closing | State::TimeWait => Recv::Eof,
            _ => Recv::WouldBlock,
        })
    }

    /// close(): FIN after all queued data, or RST,ACK when received data is unread.
    pub fn close(&mut self, conn: ConnId) {
        let c = &mut self.conns[conn];
        if c.close.app_closed {
            return;
        }
        c.close.app_closed = true;
        c.close.write_closed = true;
        let Some(handle) = c.handle else { return };
        let socket = self.sockets.get_mut(handle);
        if socket.state() == State::SynSent && self.config.profile == Profile::Linux {
            // tcp_close in SYN-SENT: the socket goes without a word (no RST);
            // a SYN-ACK that comes later finds no connection.
            c.gone = Some(Gone::Closed);
            c.nagle.pending.clear();
            c.close.close_pending = false;
            c.handle = None;
            self.drop_socket(handle);
            self.mark(conn);
            return;
        }
        let unread = socket.recv_queue();
        if unread > 0 {
            // RFC 2525 2.17: discarding unread data must be signalled with a RST.
            socket.abort();
            c.nagle.pending.clear();
            c.gone = Some(Gone::AbortedUnread(unread));
            c.close.rst_note = Some(format!(
                "close() with {unread} unread bytes: RST instead of FIN (RFC 2525 2.17)"
            ));
        } else {
            c.close.close_pending = true;
            c.close.fin_note = Some("FIN from close()".to_string());
            self.push(conn);
        }
        self.egress();
    }

    /// shutdown(SHUT_WR): FIN after all queued data; receiving goes on.
    pub fn shutdown(&mut self, conn: ConnId) {
        let c = &mut self.conns[conn];
        if c.close.app_closed || c.handle.is_none() {
            return;
        }
        c.close.write_closed = true;
        c.close.close_pending = true;
        c.close.fin_note = Some("FIN from shutdown(SHUT_WR)".to_string());
        self.push(conn);
        self.egress();
    }

    /// TCP_NODELAY: with `true`, small segments are never held back (no Nagle).
    pub fn set_nodelay(&mut self, conn: ConnId, nodelay: bool) {
        let c = &mut self.conns[conn];
        c.nagle.nodelay = nodelay;
        if let Some(h) = c.handle {
            let linux = self.config.profile == Profile::Linux;
            // Under the linux profile smoltcp's own Nagle is always off (ours decides).
            self.sockets
                .get_mut(h)
                .set_nagle_enabled(!nodelay && !linux);
        }
        self.push(conn);
        self.egress();
    }

    /// Bytes of a connection still to be read by the application.
    pub fn unread(&self, conn: ConnId) -> usize {
        match self.conns[conn].handle {
            Some(h) => self.sockets.get(h).recv_queue(),
            None => 0,
        }
    }
}
