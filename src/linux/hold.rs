//! Bytes smoltcp wrote past the peer's window, held back until it opens.
//!
//! smoltcp 0.14's fast retransmission sends a full MSS from SND.UNA whatever
//! the peer's window (tcp.rs `pending_fast_retransmit`), and so can send new
//! bytes beyond it. Linux never sends past SND.UNA + SND.WND (RFC 9293 3.8.6;
//! `tcp_retransmit_skb` fragments a retransmission to the window). The socket
//! layer cuts such a segment at the window's right edge and keeps the rest
//! here; smoltcp counts the kept bytes as sent, so whatever it writes later
//! beyond them (new data, probes) joins the queue behind them. The queue is
//! released, in order, as the peer's ACKs move the right edge.

use std::collections::VecDeque;

use crate::wire::flags;
use crate::wire::frame::{self, Edit, Segment};
use crate::wire::seq;

/// What may leave now of a segment smoltcp wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// All of it.
    Whole,
    /// The first `keep` payload bytes, without the FIN; the rest is held.
    Part {
        /// Payload bytes that leave now.
        keep: u32,
    },
    /// None of its payload.
    Nothing,
}

/// Data segments (the last may carry the FIN), contiguous and in order.
#[derive(Debug, Default)]
pub(crate) struct WindowHold {
    frames: VecDeque<Vec<u8>>,
}

fn data_of(seg: &Segment) -> (u32, u32) {
    let start = seg.seq.wrapping_add(u32::from(seg.has(flags::SYN)));
    (start, start.wrapping_add(seg.payload_len))
}

/// Offset of `to` from `from`, clamped to `0..=max`.
fn offset(from: u32, to: u32, max: u32) -> u32 {
    seq::distance(from, to).clamp(0, i64::from(max)) as u32
}

impl WindowHold {
    /// Whether nothing is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// First held sequence number, end of the held data, and whether the FIN
    /// is held too.
    fn range(&self) -> Option<(u32, u32, bool)> {
        let first = frame::parse(self.frames.front()?)?;
        let last = frame::parse(self.frames.back()?)?;
        Some((data_of(&first).0, data_of(&last).1, last.has(flags::FIN)))
    }

    /// Decide what of an outgoing data segment may leave now, with `edge` the
    /// largest right edge the peer advertised, and keep the part that may not
    /// (unless already held). A single byte exactly at the edge is smoltcp's
    /// zero-window probe (RFC 9293 3.8.6.1): it leaves when `data_probes`,
    /// else it is held too (Linux probes without data, see `outbound.rs`).
    pub(crate) fn admit(
        &mut self,
        frame: &[u8],
        seg: &Segment,
        edge: Option<u32>,
        data_probes: bool,
    ) -> Admit {
        let (start, _) = data_of(seg);
        let len = seg.payload_len;
        let held = self.range();
        let mut keep = len;
        if let Some(edge) = edge {
            keep = keep.min(offset(start, edge, len));
        }
        if let Some((held_start, _, _)) = held {
            keep = keep.min(offset(start, held_start, len));
        }
        let probe = data_probes && held.is_none() && len == 1 && edge == Some(start);
        if keep == len || probe {
            return Admit::Whole;
        }
        let from = match held {
            None => keep,
            Some((_, _, true)) => len + 1,
            Some((_, held_end, false)) => keep.max(offset(start, held_end, len)),
        };
        let fin = seg.has(flags::FIN);
        if from < len || (fin && from == len) {
            let rest = Edit {
                payload: Some((from, len)),
                ..Edit::default()
            };
            self.frames.push_back(frame::edited(frame, rest));
        }
        if keep > 0 {
            Admit::Part { keep }
        } else {
            Admit::Nothing
        }
    }

    /// The held segments (or their first parts) that fit now that the peer
    /// has acknowledged up to `ack` and advertised up to `edge`, in order;
    /// their ACK and window fields are the caller's to refresh.
    pub(crate) fn release(&mut self, ack: Option<u32>, edge: Option<u32>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(front) = self.frames.front() {
            let Some(seg) = frame::parse(front) else {
                self.frames.pop_front();
                continue;
            };
            let (start, _) = data_of(&seg);
            let len = seg.payload_len;
            let has = ack.map_or(0, |a| offset(start, a, len));
            let fits = edge.map_or(0, |e| offset(start, e, len));
            let to = fits.max(has);
            if has == len && !seg.has(flags::FIN) {
                // The peer has it all already (a retransmission got there).
                self.frames.pop_front();
            } else if to == len {
                let send = Edit {
                    payload: Some((has, len)),
                    ..Edit::default()
                };
                out.push(frame::edited(front, send));
                self.frames.pop_front();
            } else if to > has {
                let send = Edit {
                    payload: Some((has, to)),
                    clear_fin: true,
                    ..Edit::default()
                };
                let rest = Edit {
                    payload: Some((to, len)),
                    ..Edit::default()
                };
                out.push(frame::edited(front, send));
                let rest = frame::edited(front, rest);
                self.frames[0] = rest;
                break;
            } else {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::frame::data_frame;

    fn seg_of(frame: &[u8]) -> Segment {
        frame::parse(frame).unwrap()
    }

    fn summary(frames: &[Vec<u8>]) -> Vec<(u32, u32, bool)> {
        frames
            .iter()
            .map(|f| {
                let s = seg_of(f);
                (s.seq, s.payload_len, s.has(flags::FIN))
            })
            .collect()
    }

    #[test]
    fn a_segment_past_the_edge_is_cut_and_the_rest_released_in_order() {
        let mut hold = WindowHold::default();
        let first = data_frame(1000, &[1; 100], true);
        // The peer's window ends at 1060: 60 bytes leave, 40 and the FIN wait.
        assert_eq!(
            hold.admit(&first, &seg_of(&first), Some(1060), false),
            Admit::Part { keep: 60 }
        );
        // smoltcp counts them as sent: a later segment lies wholly behind them.
        let probe = data_frame(1101, &[2], false);
        assert_eq!(
            hold.admit(&probe, &seg_of(&probe), Some(1060), false),
            Admit::Nothing
        );
        assert!(
            hold.range()
                .is_some_and(|(start, end, fin)| (start, end, fin) == (1060, 1100, true))
        );
        // The window opens by 30: the first 30 held bytes leave, without the FIN.
        assert_eq!(
            summary(&hold.release(Some(1060), Some(1090))),
            [(1060, 30, false)]
        );
        // Then all of it: the remaining 10 bytes with the FIN.
        assert_eq!(
            summary(&hold.release(Some(1090), Some(1300))),
            [(1090, 10, true)]
        );
        assert!(hold.is_empty());
    }

    #[test]
    fn a_byte_past_the_edge_waits_and_segments_inside_the_window_pass() {
        let mut hold = WindowHold::default();
        let probe = data_frame(500, &[9], false);
        // smoltcp's probe byte at the edge leaves only where data probes are kept.
        assert_eq!(
            hold.admit(&probe, &seg_of(&probe), Some(500), true),
            Admit::Whole
        );
        assert_eq!(
            hold.admit(&probe, &seg_of(&probe), Some(500), false),
            Admit::Nothing
        );
        assert_eq!(
            summary(&hold.release(Some(500), Some(501))),
            [(500, 1, false)]
        );
        assert!(hold.is_empty());
        let inside = data_frame(500, &[9; 50], true);
        assert_eq!(
            hold.admit(&inside, &seg_of(&inside), Some(550), false),
            Admit::Whole
        );
        assert_eq!(
            hold.admit(&inside, &seg_of(&inside), None, false),
            Admit::Whole
        );
        assert!(hold.is_empty());
    }

    #[test]
    fn held_bytes_the_peer_already_has_are_dropped_not_resent() {
        let mut hold = WindowHold::default();
        let seg = data_frame(0, &[1; 40], false);
        assert_eq!(
            hold.admit(&seg, &seg_of(&seg), Some(10), false),
            Admit::Part { keep: 10 }
        );
        // A retransmission got everything there: nothing is left to release.
        assert!(hold.release(Some(40), Some(2000)).is_empty());
        assert!(hold.is_empty());
    }
}
