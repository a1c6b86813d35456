//! The window update a Linux receiver sends when a read frees enough of its
//! buffer (tcp_cleanup_rbuf): smoltcp sends one only when its own window
//! doubles, which says nothing of the window this layer advertises in its
//! place (`rwnd.rs`) after silly-window avoidance closed it.

use crate::linux::conn::ConnId;
use crate::linux::stack::{Outgoing, Stack, tsval_now};

/// The note on such an update.
const NOTE: &str = "window update: the application's read reopened the receive window (tcp_cleanup_rbuf; RFC 1122 4.2.3.3)";

impl Stack {
    /// After a read on `id` (and whatever smoltcp sent for it): an ACK with
    /// the window reopened, when Linux would send one.
    pub(super) fn window_update_after_read(&mut self, id: ConnId) {
        if !self.linux() {
            return;
        }
        let unread = self.unread(id);
        let c = &self.conns[id];
        let Some(rcv_nxt) = c.win.rcv_nxt(unread) else {
            return;
        };
        if c.gone.is_some() || c.close.fin_sent || c.acks.last_ack_sent() != Some(rcv_nxt) {
            return;
        }
        let rcv_mss = c.acks.rcv_mss();
        if !c.rwnd.update_after_read(rcv_nxt, unread, rcv_mss) {
            return;
        }
        let c = &mut self.conns[id];
        let win = c.rwnd.select_update(rcv_nxt, unread, rcv_mss);
        let Some((frame, seg)) = c.pure_ack(c.sender.snd_nxt, rcv_nxt, win, tsval_now()) else {
            return;
        };
        c.win.on_sent(&seg);
        c.win.sent_win = Some(win);
        c.acks.on_ack_sent(rcv_nxt);
        c.rsack.on_ack_sent();
        self.outbox.push(Outgoing {
            frame,
            note: NOTE.to_string(),
            seg: Some(seg),
        });
    }
}
