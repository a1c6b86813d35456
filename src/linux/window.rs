//! Window edges as a Linux host keeps them, in both directions.
//!
//! Ours: smoltcp advertises its free buffer and rounds it down, so its right
//! edge can move back a few bytes; a Linux receiver never moves it back. The
//! peer's: taken only from segments newer than the one that last set it
//! (RFC 9293 3.10.7.4; Linux tcp_may_update_window).

use crate::wire::flags;
use crate::wire::frame::{self, Segment};
use crate::wire::seq;

/// Both directions' window state of one connection.
#[derive(Debug, Default)]
pub(super) struct Windows {
    /// The peer's first sequence number after its SYN (IRS + 1).
    pub(super) rcv_base: Option<u32>,
    /// Bytes the application has read.
    pub(super) read: u64,
    /// Window-scale shifts from the two SYNs (RFC 7323 2.2): ours, the peer's.
    pub(super) our_wscale: Option<u8>,
    pub(super) peer_wscale: Option<u8>,
    /// Right edge of the receive window smoltcp last advertised (it trims what
    /// arrives to it): ACK + window of the newest segment it wrote.
    pub(super) adv_edge: Option<u32>,
    /// The largest of those right edges: where a Linux receiver's edge would
    /// be, since Linux never moves it back.
    pub(super) adv_max_edge: Option<u32>,
    /// Window field of the last segment that actually left (held ACKs excluded).
    pub(super) sent_win: Option<u16>,
    /// The largest right edge the peer advertised (RFC 9293 3.8.6: SND.UNA + SND.WND).
    pub(super) peer_edge: Option<u32>,
    /// The right edge of the peer's current window (SND.UNA + SND.WND), taken
    /// only from a segment newer than the one that last set it (RFC 9293
    /// 3.10.7.4; Linux tcp_may_update_window), so a reordered old segment
    /// cannot move it back.
    pub(super) peer_wnd_end: Option<u32>,
    /// SND.WL1: the sequence number of that segment.
    pub(super) snd_wl: Option<u32>,
    /// That segment's window field.
    pub(super) peer_wnd_field: Option<u16>,
}

impl Windows {
    /// An ACK arrived (`advances`: it acknowledges new data; `una`: SND.UNA
    /// after it). Keeps the largest right edge the peer advertised and, as
    /// Linux's tcp_may_update_window does, takes the window only from an ACK
    /// that advances, a segment newer than SND.WL1, or the same one with a
    /// larger window. Returns the current window field when `seg` is too old
    /// to set the window but carries the current ACK: smoltcp must be shown
    /// that instead of the segment's own.
    /// `syn_window`: take the window of a SYN-ACK too (the `linux` profile,
    /// whose sender needs the peer's window from the start; smoltcp's own
    /// sender reads it itself).
    pub(super) fn on_ack(
        &mut self,
        seg: &Segment,
        advances: bool,
        una: Option<u32>,
        syn_window: bool,
    ) -> Option<u16> {
        let shift = if seg.has(flags::SYN) {
            0
        } else {
            self.shifts().1
        };
        let edge = seg.ack.wrapping_add(u32::from(seg.win) << shift);
        if self.peer_edge.is_none_or(|e| seq::lt(e, edge)) {
            self.peer_edge = Some(edge);
        }
        let newer = advances
            || self.snd_wl.is_none_or(|wl1| seq::lt(wl1, seg.seq))
            || (self.snd_wl == Some(seg.seq)
                && self.peer_wnd_end.is_none_or(|end| seq::lt(end, edge)));
        if una == Some(seg.ack) && (syn_window || !seg.has(flags::SYN)) {
            if newer {
                self.snd_wl = Some(seg.seq);
                self.peer_wnd_end = Some(edge);
                self.peer_wnd_field = Some(seg.win);
            } else {
                return self.peer_wnd_field;
            }
        }
        None
    }

    /// A segment of ours is leaving: where it puts our right edge.
    pub(super) fn on_sent(&mut self, seg: &Segment) {
        if seg.has(flags::SYN) {
            self.our_wscale = seg.wscale;
            if seg.has(flags::ACK) {
                self.rcv_base = Some(seg.ack);
            }
        }
        if seg.has(flags::ACK) && !seg.has(flags::RST) {
            let shift = if seg.has(flags::SYN) {
                0
            } else {
                self.shifts().0
            };
            let edge = seg.ack.wrapping_add(u32::from(seg.win) << shift);
            self.adv_edge = Some(edge);
            if self.adv_max_edge.is_none_or(|max| seq::lt(max, edge)) {
                self.adv_max_edge = Some(edge);
            }
        }
    }

    /// Whether Linux's receiver would process `seg` at all (tcp_sequence in
    /// tcp_validate_incoming): it must end at or after RCV.NXT and start at or
    /// before the right edge of the window. An unacceptable segment (an old
    /// duplicate, a zero-window probe at SND.UNA - 1) is answered with an ACK
    /// and dropped, its ACK field unread.
    /// `fin_in`: the peer's FIN was taken in (it counts one in RCV.NXT).
    pub(super) fn acceptable(&self, seg: &Segment, queued: usize, fin_in: bool) -> bool {
        let Some(rcv_nxt) = self.rcv_nxt(queued) else {
            return true;
        };
        let rcv_nxt = rcv_nxt.wrapping_add(u32::from(fin_in));
        if seg.has(flags::SYN) || seg.has(flags::RST) {
            return true;
        }
        let end = seg.seq.wrapping_add(seg.seq_len());
        let edge = self.adv_max_edge.unwrap_or(rcv_nxt);
        !seq::lt(end, rcv_nxt) && !seq::lt(edge, seg.seq)
    }

    /// How a segment arriving for smoltcp must be edited so that smoltcp
    /// reads it as Linux would (`queued`: bytes waiting to be read):
    ///
    /// - A Linux sender puts SND.NXT, or the right edge of our window when
    ///   SND.NXT lies past it, on its ACKs (tcp_acceptable_seq), and Linux
    ///   accepts a segment starting at that edge (tcp_sequence); nor does a
    ///   Linux receiver ever move its edge back. smoltcp 0.14 applies RFC
    ///   9293's strict test (SEG.SEQ < RCV.NXT + RCV.WND) and rounds its window
    ///   down, moving the edge back by a few bytes: it would drop such an ACK
    ///   unread. The ACK is handed to smoltcp at RCV.NXT.
    /// - smoltcp 0.14 trims data to its window but still takes a FIN that came
    ///   after the trimmed bytes, losing them. Linux (tcp_data_queue) drops the
    ///   FIN with the bytes past the window: so does this layer.
    pub(super) fn edit_arriving(
        &self,
        seg: &Segment,
        queued: usize,
        fin_in: bool,
    ) -> Option<frame::Edit> {
        let bare = seg.seq_len() == 0 && seg.payload_len == 0 && !seg.has(flags::RST);
        let at_or_past_edge = self.adv_edge.is_some_and(|edge| !seq::lt(seg.seq, edge))
            && self.adv_max_edge.is_some_and(|max| !seq::lt(max, seg.seq));
        if bare
            && at_or_past_edge
            && let Some(rcv_nxt) = self
                .rcv_nxt(queued)
                .map(|r| r.wrapping_add(u32::from(fin_in)))
            && rcv_nxt != seg.seq
        {
            return Some(frame::Edit {
                seq: Some(rcv_nxt),
                ..frame::Edit::default()
            });
        }
        let data_end = seg.seq.wrapping_add(seg.payload_len);
        let beyond_window = self.adv_edge.is_some_and(|edge| seq::lt(edge, data_end));
        if seg.has(flags::FIN) && seg.payload_len > 0 && beyond_window {
            return Some(frame::Edit {
                clear_fin: true,
                ..frame::Edit::default()
            });
        }
        None
    }

    /// The shifts the two directions use, once both SYNs are known: scaling is
    /// on only when both SYNs carried the option (RFC 7323 2.2).
    pub(super) fn shifts(&self) -> (u8, u8) {
        match (self.our_wscale, self.peer_wscale) {
            (Some(ours), Some(theirs)) => (ours, theirs),
            _ => (0, 0),
        }
    }

    /// RCV.NXT for data: the next byte in order the application has not yet
    /// been given or queued (smoltcp's receive queue holds only in-order bytes).
    pub(super) fn rcv_nxt(&self, queued: usize) -> Option<u32> {
        self.rcv_base
            .map(|base| base.wrapping_add((self.read + queued as u64) as u32))
    }
}
