//! Closing as Linux does it: close() and shutdown(SHUT_WR) queue a FIN behind
//! the data, close() with unread data resets (RFC 2525 2.17), and send()
//! after either fails with EPIPE.

use crate::wire::flags;
use crate::wire::frame::Segment;
use crate::wire::seq;

/// Where a connection stands in closing.
#[derive(Debug, Default)]
pub(super) struct Closing {
    /// close() was called.
    pub(super) app_closed: bool,
    /// close() or shutdown() was called but held data must reach smoltcp first.
    pub(super) close_pending: bool,
    /// shutdown(SHUT_WR) or close() was called: send() fails with EPIPE.
    pub(super) write_closed: bool,
    /// Our FIN has left.
    pub(super) fin_sent: bool,
    /// Notes for the next segments of a kind: FIN, RST.
    pub(super) fin_note: Option<String>,
    pub(super) rst_note: Option<String>,
}

impl Closing {
    /// Whether `seg` brings data past RCV.NXT (`rcv_nxt`) after close(): it
    /// cannot be delivered, so Linux resets and forgets the connection (RFC
    /// 1122 4.2.2.13; Linux tcp_rcv_state_process). Old data (a duplicate of
    /// bytes already read) is only ACKed.
    pub(super) fn data_after_close(&self, seg: &Segment, rcv_nxt: Option<u32>) -> bool {
        let data_end = seg.seq.wrapping_add(seg.payload_len);
        let beyond_read = rcv_nxt.is_some_and(|rcv| seq::lt(rcv, data_end));
        self.app_closed && seg.payload_len > 0 && beyond_read && !seg.has(flags::RST)
    }
}
