//! smoltcp 0.14's duplicate-ACK counter, mirrored so the socket layer can see
//! a fast retransmission coming before smoltcp starts it.
//!
//! smoltcp counts an ACK as duplicate when it has no payload, repeats the last
//! ACK number, leaves data outstanding and does not change the window
//! (tcp.rs `process`, `local_rx_dup_acks`); any other ACK resets the count.
//! On the third it fast-retransmits min(MSS, queued bytes) from SND.UNA,
//! without looking at the peer's window, and with only a FIN outstanding it
//! sends nothing and leaves its retransmission timer idle. The socket layer
//! keeps duplicates from smoltcp in those two cases (see `socket`); this
//! mirror tells it which segments smoltcp would count.

use crate::wire::flags;
use crate::wire::frame::Segment;
use crate::wire::seq;

/// The mirror of smoltcp's duplicate-ACK test for one connection.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DupAckMirror {
    last_ack: Option<u32>,
    last_win: Option<u16>,
    count: u32,
}

impl DupAckMirror {
    /// Whether smoltcp would count `seg` as a duplicate ACK, with `snd_max`
    /// the highest sequence number sent.
    pub(crate) fn is_duplicate(&self, seg: &Segment, snd_max: Option<u32>) -> bool {
        seg.has(flags::ACK)
            && !seg.has(flags::SYN)
            && !seg.has(flags::RST)
            && seg.payload_len == 0
            && self.last_ack == Some(seg.ack)
            && self.last_win == Some(seg.win)
            && snd_max.is_some_and(|max| seq::lt(seg.ack, max))
    }

    /// smoltcp takes `seg` in: count it as smoltcp does.
    pub(crate) fn observe(&mut self, seg: &Segment, snd_max: Option<u32>) {
        if !seg.has(flags::ACK) || seg.has(flags::RST) {
            return;
        }
        if self.is_duplicate(seg, snd_max) {
            self.count += 1;
        } else if self.last_ack.is_none_or(|last| !seq::lt(seg.ack, last)) {
            self.count = 0;
            self.last_ack = Some(seg.ack);
        }
        self.last_win = Some(seg.win);
    }
}
