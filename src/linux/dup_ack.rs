//! smoltcp 0.14's duplicate-ACK counter, mirrored so the socket layer can see
//! a fast retransmission coming before smoltcp starts it.
//!
//! smoltcp counts an ACK as duplicate when it has no payload, repeats the last
//! ACK number, leaves data outstanding and does not change the window
//! (tcp.rs `process`, `local_rx_dup_acks`); any other ACK resets the count.
//! On the third it fast-retransmits min(MSS, queued bytes) from SND.UNA,
//! without looking at the peer's window, and with only a FIN outstanding it
//! sends nothing and leaves its retransmission timer idle. The socket layer
//! keeps duplicates from smoltcp in those two cases (`DupAcks::screen`); this
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

/// Duplicate ACKs received on one connection, and the fast retransmissions
/// of this layer's own they start.
#[derive(Debug, Default)]
pub(super) struct DupAcks {
    /// Consecutive duplicate ACKs received.
    pub(super) count: u32,
    /// Window field of the last ACK received: an ACK that changes it is a
    /// window update, not a duplicate (RFC 5681 2).
    pub(super) last_win: Option<u16>,
    /// smoltcp's duplicate-ACK count, mirrored.
    pub(super) mirror: DupAckMirror,
    /// A third duplicate ACK was kept from smoltcp because its fast
    /// retransmission would have gone past the peer's window.
    pub(super) suppressed: bool,
    /// Our last FIN segment, for a fast retransmission of a lone FIN.
    pub(super) fin_frame: Option<Vec<u8>>,
    /// The ACK number at which this layer last resent the FIN itself.
    pub(super) fin_resent_at: Option<u32>,
}

/// What to do with a duplicate ACK before smoltcp sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DupVerdict {
    /// Hand it to smoltcp.
    Pass,
    /// Keep it from smoltcp.
    Keep,
    /// Keep it from smoltcp and resend our FIN.
    ResendFin,
}

impl DupAcks {
    /// An ACK arrived: count it as a duplicate (RFC 5681 2: no data, the same
    /// ACK number and window, data outstanding) or, when it acknowledges new
    /// data, start counting again from it; `una` is SND.UNA as this layer sees it.
    pub(super) fn on_ack(&mut self, seg: &Segment, una: &mut Option<u32>, snd_max: Option<u32>) {
        let outstanding = snd_max.is_some_and(|max| seq::lt(seg.ack, max));
        let dup = seg.payload_len == 0
            && !seg.has(flags::SYN)
            && *una == Some(seg.ack)
            && self.last_win == Some(seg.win)
            && outstanding;
        if dup {
            self.count += 1;
        } else if una.is_none_or(|l| seq::lt(l, seg.ack)) {
            self.count = 0;
            self.suppressed = false;
            *una = Some(seg.ack);
        }
        if *una == Some(seg.ack) {
            self.last_win = Some(seg.win);
        }
    }

    /// Whether smoltcp may see `seg`, a segment smoltcp would count as a
    /// duplicate ACK (`fin_sent`: our FIN has left; `past_window`: smoltcp's
    /// fast retransmission would go past the peer's window):
    ///
    /// - with only our FIN outstanding, smoltcp's fast retransmission would
    ///   send nothing and leave its timer idle: the FIN would never be resent.
    ///   Duplicates are kept from it and this layer does what Linux does
    ///   (tcp_fastretrans_alert): it resends the FIN on the third, once per
    ///   ACK number;
    /// - when smoltcp's fast retransmission would send a full MSS past the
    ///   peer's window, duplicates are kept from it: its retransmission timer
    ///   resends within the window instead (Linux would fast-retransmit the
    ///   part that fits, RFC 9293 3.8.6).
    pub(super) fn screen(
        &mut self,
        seg: &Segment,
        snd_max: Option<u32>,
        fin_sent: bool,
        past_window: bool,
    ) -> DupVerdict {
        if !self.mirror.is_duplicate(seg, snd_max) || seg.has(flags::FIN) {
            return DupVerdict::Pass;
        }
        let only_fin_outstanding =
            fin_sent && snd_max.is_some_and(|max| seg.ack == max.wrapping_sub(1));
        if only_fin_outstanding {
            if self.count >= 3 && self.fin_resent_at != Some(seg.ack) {
                self.fin_resent_at = Some(seg.ack);
                return DupVerdict::ResendFin;
            }
            return DupVerdict::Keep;
        }
        if past_window {
            self.suppressed = self.count >= 3;
            return DupVerdict::Keep;
        }
        DupVerdict::Pass
    }
}
