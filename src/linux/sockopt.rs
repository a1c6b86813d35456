//! Socket options and queries beyond the plain calls: TCP_CORK and MSG_MORE,
//! `tcp_info`, and the error a failed connection reports (SO_ERROR).

use crate::linux::conn::{ConnId, ConnectState, Gone, ListenerId};
use crate::linux::stack::{Stack, TIMESTAMP_OPTION_LEN};
use crate::trace::TcpInfo;

/// The send buffer SO_SNDBUF = `bytes` gives: twice the value, which is at
/// most net.core.wmem_max before doubling (sk_setsockopt), the doubled
/// value counted as data as packetdrill's scripts measure it
/// (cubic-bulk-166k writes 400000 bytes after SO_SNDBUF 200000).
pub fn sndbuf_for(bytes: usize) -> usize {
    2 * bytes.clamp(SOCK_MIN_SNDBUF / 2, WMEM_MAX)
}

/// tcp_info as `getsockopt(TCP_INFO)` gives it: the sender's fields and
/// those the socket layer keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SocketInfo {
    /// The sender's state (`sender/info.rs`).
    pub tcp: TcpInfo,
    /// tcpi_advmss: the MSS our SYN announced, less the timestamps option
    /// when the connection carries it (tcp_connect_init, tcp_finish_connect).
    pub advmss: u32,
    /// tcpi_probes: zero-window probes sent without an answer (icsk_probes_out).
    pub probes: u32,
    /// tcpi_last_data_recv: milliseconds since data last arrived, or since
    /// the handshake completed (icsk_ack.lrcvtime).
    pub last_data_recv: u64,
    /// tcpi_reordering: the reordering degree measured (tp->reordering).
    pub reordering: u32,
    /// tcpi_reord_seen: reordering events seen.
    pub reord_seen: u32,
}

/// net.core.wmem_max's default: the largest SO_SNDBUF a program may ask.
const WMEM_MAX: usize = 212_992;
/// SOCK_MIN_SNDBUF on 64-bit Linux: the smallest send buffer.
const SOCK_MIN_SNDBUF: usize = 4_608;

/// Why a connection failed, as SO_ERROR and the calls report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnError {
    /// A RST answered our SYN (ECONNREFUSED).
    Refused,
    /// A RST ended an established connection (ECONNRESET).
    Reset,
    /// Retransmissions went unanswered (ETIMEDOUT).
    TimedOut,
}

impl Stack {
    /// TCP_CORK: while on, only full segments leave; turning it off sends
    /// what was held (tcp_push_pending_frames; Linux `do_tcp_setsockopt`).
    pub fn set_cork(&mut self, conn: ConnId, on: bool) {
        self.conns[conn].nagle.corked = on;
        if !on {
            self.conns[conn].nagle.more_held = false;
            self.push(conn);
            self.egress();
        }
    }

    /// send() with MSG_MORE or without: with it, a partial segment at the end
    /// of the call's bytes waits for more as under TCP_CORK (tcp_sendmsg
    /// pushes with TCP_NAGLE_CORK); the next push without it sends it.
    pub fn send_more(&mut self, conn: ConnId, data: &[u8], more: bool) -> Result<usize, Gone> {
        self.conns[conn].nagle.more = more;
        let sent = self.send(conn, data);
        let nagle = &mut self.conns[conn].nagle;
        nagle.more = false;
        nagle.more_held = more && !nagle.pending.is_empty();
        sent
    }

    /// send() with MSG_EOR has queued all its bytes: they end a record, and
    /// no later byte shares a segment with them.
    pub fn mark_eor(&mut self, conn: ConnId) {
        let nagle = &mut self.conns[conn].nagle;
        let end = nagle.pushed + nagle.pending.len() as u64;
        if end > nagle.pushed {
            nagle.eor_marks.push_back(end);
        }
    }

    /// The connection's `tcp_info` now (the `linux` profile's sender).
    pub fn tcp_info(&self, conn: ConnId) -> TcpInfo {
        self.conns[conn].sender.info()
    }

    /// The connection's `tcp_info`, with the fields this layer keeps.
    pub fn socket_info(&self, conn: ConnId) -> SocketInfo {
        let c = &self.conns[conn];
        let ts = c.ts_on && c.advmss > TIMESTAMP_OPTION_LEN;
        SocketInfo {
            tcp: c.sender.info(),
            advmss: c.advmss - if ts { TIMESTAMP_OPTION_LEN } else { 0 },
            probes: c.sender.probes_out,
            last_data_recv: self.now.saturating_sub(c.last_data_recv) / 1000,
            reordering: c.sender.reordering,
            reord_seen: c.sender.reord_seen,
        }
    }

    /// The payload bytes of a full segment (getsockopt TCP_MAXSEG once
    /// connected: the MSS less the options every segment carries).
    pub fn mss(&self, conn: ConnId) -> u32 {
        self.conns[conn].sender.mss
    }

    /// Why the connection failed, if a RST ended it: before the handshake
    /// completed (the peer's SYN never came) it was refused, after it reset.
    pub fn conn_error(&self, conn: ConnId) -> Option<ConnError> {
        let c = &self.conns[conn];
        match c.gone {
            Some(Gone::ResetByPeer) if c.win.rcv_base.is_none() => Some(ConnError::Refused),
            Some(Gone::ResetByPeer) => Some(ConnError::Reset),
            Some(Gone::TimedOut) => Some(ConnError::TimedOut),
            _ => None,
        }
    }

    /// Give up on connection `id` without a RST (tcp_write_err, tcp_done):
    /// its socket goes, calls see ETIMEDOUT, and a later segment from the
    /// peer finds no connection (and gets a RST, RFC 9293 3.10.7.1).
    pub(super) fn abort_timed_out(&mut self, id: ConnId) {
        let c = &mut self.conns[id];
        let Some(handle) = c.handle.take() else {
            return;
        };
        c.gone = Some(Gone::TimedOut);
        c.nagle.pending.clear();
        c.deferred = None;
        c.close.close_pending = false;
        self.drop_socket(handle);
        self.mark(id);
    }

    /// TCP_USER_TIMEOUT in milliseconds (0: the system's default, none).
    pub fn set_user_timeout(&mut self, conn: ConnId, ms: u64) {
        self.conns[conn].sender.user_timeout = (ms > 0).then_some(ms * 1000);
    }

    /// The bytes send() may hold unacknowledged: the host's `tx_buffer`, or,
    /// when the send buffer grows as Linux's does, room for two windows of
    /// at least ten segments (tcp_sndbuf_expand at the handshake's end and
    /// as the congestion window grows: 2 x max(10, cwnd) x MSS of payload,
    /// since the buffer counts each segment's truesize), from `tcp_wmem`'s
    /// start up to its largest. It never shrinks.
    pub(super) fn send_capacity(&mut self, conn: ConnId) -> usize {
        if let Some(fixed) = self.conns[conn].sndbuf_lock {
            return fixed.min(self.config.tx_buffer);
        }
        let Some([start, largest]) = self.sysctl.wmem else {
            return self.config.tx_buffer;
        };
        let established = self.connect_state(conn) == ConnectState::Established;
        let c = &mut self.conns[conn];
        if established {
            let segs = c.sender.info().snd_cwnd.max(10) as usize;
            let want = (2 * segs * c.sender.mss as usize).min(largest);
            c.sndbuf = c.sndbuf.max(want);
        }
        c.sndbuf.max(start).min(self.config.tx_buffer)
    }

    /// setsockopt(SO_SNDBUF): the send buffer is fixed at [`sndbuf_for`]
    /// `bytes` and stops growing (SOCK_SNDBUF_LOCK).
    pub fn set_sndbuf(&mut self, conn: ConnId, bytes: usize) {
        self.conns[conn].sndbuf_lock = Some(sndbuf_for(bytes));
        self.push(conn);
        self.egress();
    }

    /// TCP_MAXSEG on a listening socket: its connections' SYN-ACKs announce
    /// at most `mss`, and their segments carry at most that.
    pub fn set_listener_maxseg(&mut self, listener: ListenerId, mss: u16) {
        self.listeners[listener].user_mss = Some(mss);
    }

    /// getsockopt(SO_SNDBUF): the send buffer now.
    pub fn sndbuf(&mut self, conn: ConnId) -> usize {
        self.send_capacity(conn)
    }

    /// Whether the connection still has a socket (it is not closed or reset).
    pub fn is_open(&self, conn: ConnId) -> bool {
        self.conns[conn].handle.is_some()
    }
}
