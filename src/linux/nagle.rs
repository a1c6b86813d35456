//! Moving a program's bytes into smoltcp: as far as its buffer allows, and
//! with Minshall's variant of Nagle's algorithm (RFC 896; Linux tcp_nagle_check:
//! a partial segment waits only while an earlier small segment is unacknowledged).

use smoltcp::socket::tcp::State;

use crate::linux::conn::*;
use crate::linux::stack::*;
use crate::wire::seq;

impl Stack {
    /// Hand held bytes to smoltcp as far as buffer space and Nagle allow.
    pub(super) fn push(&mut self, conn: ConnId) {
        self.push_with(conn, &[]);
    }

    /// Hand smoltcp the held bytes followed by `extra` (a send() call's bytes),
    /// as far as buffer space and Nagle allow; what is left of `extra` joins the
    /// held bytes. Bytes go from the caller's slice straight into smoltcp's
    /// buffer when nothing is held, so a bulk send() copies each byte once.
    pub(super) fn push_with(&mut self, conn: ConnId, extra: &[u8]) {
        let linux = self.linux();
        let c = &mut self.conns[conn];
        let Some(handle) = c.handle else {
            c.pending.extend(extra);
            return;
        };
        let socket = self.sockets.get_mut(handle);
        if matches!(socket.state(), State::Closed | State::TimeWait) {
            // A RST (or the end of the connection) came first: Linux purges the
            // write queue with the socket (tcp_done); held bytes go nowhere.
            c.pending.clear();
            c.close_pending = false;
            c.held_calls = 0;
            return;
        }
        let mss = if linux {
            u64::from(c.peer_mss.min(MSS_NO_OPTIONS) - TIMESTAMP_OPTION_LEN)
        } else {
            u64::from(c.peer_mss.min(MSS_NO_OPTIONS))
        };
        let mut extra = extra;
        while !c.pending.is_empty() || !extra.is_empty() {
            if !socket.may_send() {
                // Still in the handshake: bytes wait here until it completes.
                break;
            }
            let room = socket.send_capacity() - socket.send_queue();
            let mut n = room.min(c.pending.len() + extra.len()) as u64;
            if n == 0 {
                break;
            }
            if linux && !c.close_pending && !c.nodelay {
                // Minshall's Nagle: a partial segment waits only while an earlier
                // small segment is unacknowledged.
                let acked = c.pushed - socket.send_queue() as u64;
                let small_outstanding = c.small_end > acked;
                if small_outstanding && !n.is_multiple_of(mss) {
                    n -= n % mss;
                    if n == 0 {
                        c.held_calls = c.held_calls.max(1);
                        break;
                    }
                }
            }
            // Held bytes first (the queue's two slices), then the caller's.
            let take = n as usize;
            let held = take.min(c.pending.len());
            let (front, back) = c.pending.as_slices();
            let first = held.min(front.len());
            let mut sent = socket.send_slice(&front[..first]).unwrap_or(0);
            sent += socket.send_slice(&back[..held - first]).unwrap_or(0);
            c.pending.drain(..held);
            sent += socket.send_slice(&extra[..take - held]).unwrap_or(0);
            extra = &extra[take - held..];
            debug_assert_eq!(sent, take);
            if !n.is_multiple_of(mss) {
                c.small_end = c.pushed + n;
            }
            c.pushed += n;
        }
        c.pending.extend(extra);
        if c.pending.is_empty() {
            c.held_calls = 0;
            // smoltcp 0.14 in LAST-ACK answers a duplicate ACK with a challenge
            // ACK before taking its window (tcp.rs, `(State::LastAck,
            // TcpControl::None)`): a window that shuts while the FIN waits
            // behind data never reopens for it, and the connection stalls.
            // Linux takes the window in every state (tcp_ack). So the FIN is
            // handed to smoltcp once everything queued fits in the peer's
            // window, when it rides on the last segment as before.
            let window = match (c.peer_wnd_end, c.last_ack_received) {
                (Some(end), Some(una)) => seq::distance(una, end).max(0) as usize,
                _ => usize::MAX,
            };
            if c.close_pending && socket.send_queue() <= window {
                c.close_pending = false;
                socket.close();
            }
        }
        if !c.pending.is_empty() || c.close_pending {
            self.pending_conns.insert(conn);
        }
    }
}
