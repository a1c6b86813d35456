//! RSTs this layer sends itself (RFC 9293 3.10.7.1 reset generation).

use crate::linux::conn::{ConnId, Gone};
use crate::linux::stack::{Outgoing, Stack};
use crate::wire::flags;
use crate::wire::frame::{self, Segment};

impl Stack {
    /// Answer `frame` with a RST by RFC 9293 reset generation: if it carried ACK,
    /// <SEQ=SEG.ACK><CTL=RST>; otherwise <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    pub(super) fn reset_reply(&mut self, frame: &[u8], seg: &Segment, note: String) {
        let Some((their_mac, our_mac)) = frame::macs(frame) else {
            return;
        };
        let ends = seg.ends.reversed();
        let rst = if seg.has(flags::ACK) {
            frame::build_rst(our_mac, their_mac, ends, seg.ack, None)
        } else {
            let ack = seg.seq.wrapping_add(seg.seq_len());
            frame::build_rst(our_mac, their_mac, ends, 0, Some(ack))
        };
        let seg = frame::parse(&rst);
        self.outbox.push(Outgoing {
            frame: rst,
            note,
            seg,
        });
    }

    /// Data arrived after close() (see `Closing::data_after_close`): reset
    /// and forget the connection; the RST's seq is the segment's ACK.
    pub(super) fn reset_after_close(&mut self, id: ConnId, frame: &[u8], seg: &Segment) {
        if let Some(h) = self.conns[id].handle.take() {
            self.drop_socket(h);
        }
        let c = &mut self.conns[id];
        c.gone = Some(Gone::ResetAfterClose);
        c.deferred = None;
        c.acks.deferred_due = None;
        self.reset_reply(
            frame,
            seg,
            format!(
                "{} bytes arrived after close(): RST, seq = their ACK (RFC 1122 4.2.2.13)",
                seg.payload_len
            ),
        );
    }
}
