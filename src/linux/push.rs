//! Moving a program's bytes into smoltcp: held bytes first, then the call's,
//! as far as smoltcp's buffer and Minshall's Nagle (`nagle.rs`) allow; and
//! the FIN of a close() or shutdown() once everything before it is in.

use smoltcp::socket::tcp::State;

use crate::linux::conn::ConnId;
use crate::linux::stack::{MSS_NO_OPTIONS, Stack};
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
        let quota = if linux {
            self.linux_quota(conn, extra.len())
        } else {
            u64::MAX
        };
        let mut quota_left = quota;
        let c = &mut self.conns[conn];
        let Some(handle) = c.handle else {
            c.nagle.pending.extend(extra);
            return;
        };
        let socket = self.sockets.get_mut(handle);
        if matches!(socket.state(), State::Closed | State::TimeWait) {
            // A RST (or the end of the connection) came first: Linux purges the
            // write queue with the socket (tcp_done); held bytes go nowhere.
            c.nagle.pending.clear();
            c.close.close_pending = false;
            c.nagle.held_calls = 0;
            return;
        }
        let mss = if linux {
            u64::from(c.sender.mss.max(1))
        } else {
            u64::from(c.peer_mss.min(MSS_NO_OPTIONS))
        };
        let mut extra = extra;
        while !c.nagle.pending.is_empty() || !extra.is_empty() {
            if !socket.may_send() {
                // Still in the handshake: bytes wait here until it completes.
                break;
            }
            let room = socket.send_capacity() - socket.send_queue();
            let mut n = (room.min(c.nagle.pending.len() + extra.len()) as u64).min(quota_left);
            // A record's end (MSG_EOR) is a segment's end: stop there until
            // smoltcp has sent what comes before it (`egress`).
            let mark = c.nagle.eor_marks.front().copied();
            if let Some(m) = mark
                && m > c.nagle.pushed
            {
                n = n.min(m - c.nagle.pushed);
            }
            if n == 0 {
                break;
            }
            // A record with bytes queued after it is not the queue's last
            // skb: tcp_write_xmit sends it with TCP_NAGLE_PUSH.
            let queued_now = (c.nagle.pending.len() + extra.len()) as u64;
            let closed_record = mark.is_some_and(|m| m == c.nagle.pushed + n) && queued_now > n;
            let probing = self.push_limit.is_some_and(|(id, _)| id == conn);
            if linux
                && !c.close.close_pending
                && !probing
                && (c.nagle.corked || c.nagle.more || c.nagle.more_held)
            {
                // TCP_CORK or MSG_MORE: a partial segment waits for more
                // (tcp_nagle_test with TCP_NAGLE_CORK); a probe sends it.
                n -= n % mss;
                if n == 0 {
                    break;
                }
            } else if linux
                && !c.close.close_pending
                && !c.nagle.nodelay
                && !closed_record
                && !probing
            {
                // (A probe goes out with TCP_NAGLE_OFF: tcp_send_loss_probe.)
                let acked = c.nagle.pushed - socket.send_queue() as u64;
                n = c.nagle.minshall(n, mss, acked);
                if n == 0 {
                    break;
                }
            }
            // Held bytes first (the queue's two slices), then the caller's.
            let take = n as usize;
            let held = take.min(c.nagle.pending.len());
            let (front, back) = c.nagle.pending.as_slices();
            let first = held.min(front.len());
            let mut sent = socket.send_slice(&front[..first]).unwrap_or(0);
            sent += socket.send_slice(&back[..held - first]).unwrap_or(0);
            c.nagle.pending.drain(..held);
            sent += socket.send_slice(&extra[..take - held]).unwrap_or(0);
            extra = &extra[take - held..];
            debug_assert_eq!(sent, take);
            c.nagle.record_push(n, mss);
            quota_left -= n;
            if mark.is_some_and(|m| m <= c.nagle.pushed) {
                c.nagle.eor_marks.pop_front();
                if !c.nagle.pending.is_empty() || !extra.is_empty() {
                    self.eor_waiting.insert(conn);
                    break;
                }
            }
        }
        c.nagle.pending.extend(extra);
        if c.nagle.pending.is_empty() {
            c.nagle.held_calls = 0;
            // smoltcp 0.14 in LAST-ACK answers a duplicate ACK with a challenge
            // ACK before taking its window (tcp.rs, `(State::LastAck,
            // TcpControl::None)`): a window that shuts while the FIN waits
            // behind data never reopens for it, and the connection stalls.
            // Linux takes the window in every state (tcp_ack). So the FIN is
            // handed to smoltcp once everything queued fits in the peer's
            // window, when it rides on the last segment as before.
            let window = match (c.win.peer_wnd_end, c.last_ack_received) {
                (Some(end), Some(una)) => seq::distance(una, end).max(0) as usize,
                _ => usize::MAX,
            };
            // With the linux profile smoltcp sees a wide-open window, so the
            // FIN's own sequence number must fit the real one too
            // (tcp_snd_wnd_test counts the FIN).
            if c.close.close_pending && socket.send_queue() + usize::from(linux) <= window {
                c.close.close_pending = false;
                socket.close();
            }
        }
        let waiting = !c.nagle.pending.is_empty();
        if waiting || c.close.close_pending {
            self.pending_conns.insert(conn);
        }
        if linux {
            let pushed = quota_left < quota;
            let mss = u64::from(self.conns[conn].sender.mss.max(1));
            let segments = (quota - quota_left).div_ceil(mss) as u32;
            self.conns[conn].sender.after_push(segments);
            if waiting && !pushed && self.conns[conn].sender.queue.packets_out() == 0 {
                self.check_probe_timer(conn);
            }
        }
    }

    /// How many bytes the `linux` profile may hand smoltcp now (`extra` more
    /// than those held): what the congestion and peer windows allow
    /// (`Stack::send_quota`), or one segment for a probe (`push_limit`).
    fn linux_quota(&self, conn: ConnId, extra: usize) -> u64 {
        let c = &self.conns[conn];
        let Some(handle) = c.handle else {
            return 0;
        };
        let socket = self.sockets.get(handle);
        let mss = u64::from(c.sender.mss.max(1));
        let queued = (c.nagle.pending.len() + extra) as u64;
        // Bytes smoltcp has that have not left yet (none, normally: it sends
        // what it is given at the next egress).
        let flight = seq::distance(c.sender.snd_una, c.sender.snd_nxt).max(0) as u64;
        let unsent = (socket.send_queue() as u64).saturating_sub(flight);
        if let Some((id, segments)) = self.push_limit
            && id == conn
        {
            let room = self.window_room(conn).saturating_sub(unsent);
            let room = if room == 0 { mss } else { room };
            return (segments * mss).min(queued).min(room);
        }
        if !c.sender.started || !socket.may_send() {
            return queued;
        }
        self.send_quota(conn, queued, mss, unsent)
    }
}
