//! Socket options and queries beyond the plain calls: TCP_CORK and MSG_MORE,
//! `tcp_info`, and the error a failed connection reports (SO_ERROR).

use crate::linux::conn::{ConnId, Gone};
use crate::linux::stack::Stack;
use crate::trace::TcpInfo;

/// Why a connection failed, as SO_ERROR and the calls report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnError {
    /// A RST answered our SYN (ECONNREFUSED).
    Refused,
    /// A RST ended an established connection (ECONNRESET).
    Reset,
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

    /// The connection's `tcp_info` now (the `linux` profile's sender).
    pub fn tcp_info(&self, conn: ConnId) -> TcpInfo {
        self.conns[conn].sender.info()
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
            _ => None,
        }
    }

    /// Whether the connection still has a socket (it is not closed or reset).
    pub fn is_open(&self, conn: ConnId) -> bool {
        self.conns[conn].handle.is_some()
    }
}
