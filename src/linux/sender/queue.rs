//! The retransmission queue and its scoreboard: every segment sent and not
//! yet cumulatively acknowledged, with the marks Linux keeps on each
//! (TCPCB_SACKED_ACKED, TCPCB_LOST, TCPCB_SACKED_RETRANS, TCPCB_EVER_RETRANS)
//! and the counts derived from them (sacked_out, lost_out, retrans_out).
//!
//! Each entry is one segment (no TSO: the reference captures have
//! segmentation offload off), with a copy of its frame as first sent, from
//! which this layer retransmits it.

use std::collections::VecDeque;

use crate::scenario::model::Micros;
use crate::wire::seq;

/// One segment in flight.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    /// First sequence number not yet acknowledged (moves up on a partial ACK).
    pub(crate) start: u32,
    /// Sequence number after it (a FIN counts one).
    pub(crate) end: u32,
    /// The sequence number the frame's payload starts at.
    pub(crate) frame_seq: u32,
    /// The frame as first sent.
    pub(crate) frame: Vec<u8>,
    /// When it was last (re)transmitted.
    pub(crate) xmit_at: Micros,
    /// The peer said it has it (SACK).
    pub(crate) sacked: bool,
    /// Marked lost (TCPCB_LOST; it stays set when the segment is resent).
    pub(crate) lost: bool,
    /// Resent, and that copy is not known lost (TCPCB_SACKED_RETRANS).
    pub(crate) retrans: bool,
    /// Retransmitted at least once.
    pub(crate) ever_retrans: bool,
}

/// What a cumulative ACK removed.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cleaned {
    /// Segments newly delivered by it (acked and not SACKed before).
    pub(crate) delivered: u32,
    /// Segments removed.
    pub(crate) removed: u32,
    /// Send time of the oldest and newest removed segment never retransmitted.
    pub(crate) first_orig: Option<Micros>,
    pub(crate) last_orig: Option<Micros>,
    /// Some removed segment had been retransmitted.
    pub(crate) retrans_acked: bool,
    /// (send time, end) of every removed segment, for RACK.
    pub(crate) rack: Option<(Micros, u32, bool)>,
    /// Start of the lowest removed segment neither SACKed nor ever
    /// retransmitted (tcp_clean_rtx_queue's `reord`).
    pub(crate) lowest_orig: Option<u32>,
}

/// What one SACK block newly marked.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tagged {
    /// Segments newly SACKed.
    pub(crate) newly: u32,
    /// Some of them were never retransmitted (FLAG_ORIG_SACK_ACKED).
    pub(crate) orig: bool,
    /// Send time of the oldest newly SACKed segment never retransmitted.
    pub(crate) first_orig: Option<Micros>,
}

/// The queue and its counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct RtxQueue {
    pub(crate) segs: VecDeque<Sent>,
    pub(crate) sacked_out: u32,
    pub(crate) lost_out: u32,
    pub(crate) retrans_out: u32,
}

impl RtxQueue {
    /// packets_out.
    pub(crate) fn packets_out(&self) -> u32 {
        self.segs.len() as u32
    }

    /// tcp_packets_in_flight: sent, minus what left the network (SACKed or
    /// lost), plus retransmissions still out.
    pub(crate) fn in_flight(&self) -> u32 {
        (self.packets_out() + self.retrans_out).saturating_sub(self.sacked_out + self.lost_out)
    }

    /// A new segment left.
    pub(crate) fn push(&mut self, start: u32, end: u32, frame: Vec<u8>, now: Micros) {
        self.segs.push_back(Sent {
            start,
            end,
            frame_seq: start,
            frame,
            xmit_at: now,
            sacked: false,
            lost: false,
            retrans: false,
            ever_retrans: false,
        });
    }

    /// Remove what `ack` covers (tcp_clean_rtx_queue); a segment only partly
    /// covered keeps its unacknowledged tail.
    pub(crate) fn clean(&mut self, ack: u32) -> Cleaned {
        let mut out = Cleaned::default();
        while let Some(front) = self.segs.front_mut() {
            if !seq::le(front.end, ack) {
                if seq::lt(front.start, ack) {
                    front.start = ack;
                }
                break;
            }
            let s = self.segs.pop_front().expect("a front segment");
            out.removed += 1;
            if s.sacked {
                self.sacked_out -= 1;
            } else {
                out.delivered += 1;
            }
            if s.lost {
                self.lost_out -= 1;
            }
            if s.retrans {
                self.retrans_out -= 1;
            }
            if s.ever_retrans {
                out.retrans_acked = true;
            } else {
                out.first_orig.get_or_insert(s.xmit_at);
                out.last_orig = Some(s.xmit_at);
                if !s.sacked {
                    out.lowest_orig.get_or_insert(s.start);
                }
            }
            if !s.sacked {
                out.rack = Some((s.xmit_at, s.end, s.ever_retrans));
            }
        }
        out
    }

    /// Mark the segments inside `[left, right)` SACKed (tcp_sacktag_one);
    /// `on_each` sees each newly SACKed one (for RACK).
    pub(crate) fn tag(&mut self, left: u32, right: u32, mut on_each: impl FnMut(&Sent)) -> Tagged {
        let mut out = Tagged::default();
        for s in self.segs.iter_mut() {
            if !seq::le(left, s.start) {
                continue;
            }
            if seq::lt(right, s.end) {
                break;
            }
            if s.sacked {
                continue;
            }
            s.sacked = true;
            self.sacked_out += 1;
            if s.lost {
                s.lost = false;
                self.lost_out -= 1;
            }
            if s.retrans {
                s.retrans = false;
                self.retrans_out -= 1;
            }
            out.newly += 1;
            if !s.ever_retrans {
                out.orig = true;
                out.first_orig.get_or_insert(s.xmit_at);
            }
            on_each(s);
        }
        out
    }

    /// Mark segment `i` lost (tcp_mark_skb_lost); true if it was not marked
    /// before. A resent segment marked lost again is out no longer.
    pub(crate) fn mark_lost(&mut self, i: usize) -> bool {
        let s = &mut self.segs[i];
        if s.sacked {
            return false;
        }
        if s.lost {
            if s.retrans {
                s.retrans = false;
                self.retrans_out -= 1;
            }
            return false;
        }
        s.lost = true;
        self.lost_out += 1;
        true
    }

    /// Segment `i` was retransmitted at `now` (counted in retrans_out unless
    /// it is a loss probe's copy).
    pub(crate) fn retransmitted(&mut self, i: usize, now: Micros, counts_as_out: bool) {
        let s = &mut self.segs[i];
        if counts_as_out && !s.retrans {
            s.retrans = true;
            self.retrans_out += 1;
        }
        s.ever_retrans = true;
        s.xmit_at = now;
    }

    /// Forget every SACK mark (the peer reneged, or after a timeout with the
    /// head SACKed).
    pub(crate) fn clear_sacks(&mut self) {
        for s in self.segs.iter_mut() {
            s.sacked = false;
        }
        self.sacked_out = 0;
    }

    /// Check the counts against the marks (tests and debug builds).
    #[cfg(test)]
    pub(crate) fn consistent(&self) -> bool {
        let sacked = self.segs.iter().filter(|s| s.sacked).count() as u32;
        let lost = self.segs.iter().filter(|s| s.lost).count() as u32;
        let retrans = self.segs.iter().filter(|s| s.retrans).count() as u32;
        (sacked, lost, retrans) == (self.sacked_out, self.lost_out, self.retrans_out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(n: u32) -> RtxQueue {
        let mut q = RtxQueue::default();
        for i in 0..n {
            q.push(1 + i * 100, 101 + i * 100, Vec::new(), u64::from(i));
        }
        q
    }

    #[test]
    fn sack_then_ack_counts_each_segment_once() {
        let mut q = queue(5);
        let tagged = q.tag(201, 401, |_| {});
        assert_eq!((tagged.newly, q.sacked_out, q.in_flight()), (2, 2, 3));
        assert!(q.mark_lost(0));
        assert_eq!(q.in_flight(), 2);
        q.retransmitted(0, 10, true);
        assert_eq!((q.lost_out, q.retrans_out, q.in_flight()), (1, 1, 3));
        // Lost again: no longer out.
        assert!(!q.mark_lost(0));
        assert_eq!((q.lost_out, q.retrans_out, q.in_flight()), (1, 0, 2));
        q.retransmitted(0, 20, true);
        let cleaned = q.clean(401);
        assert_eq!((cleaned.removed, cleaned.delivered), (4, 2));
        assert!(cleaned.retrans_acked);
        assert_eq!(q.packets_out(), 1);
        assert!(q.consistent());
    }

    #[test]
    fn a_partial_ack_trims_the_head() {
        let mut q = queue(2);
        let cleaned = q.clean(51);
        assert_eq!(cleaned.removed, 0);
        assert_eq!(q.segs[0].start, 51);
        assert_eq!(q.segs[0].frame_seq, 1);
    }
}
