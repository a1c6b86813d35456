//! The receiving half's SACK blocks and immediate ACKs, as Linux keeps them
//! (tcp_sack_new_ofo_skb, tcp_sack_remove, tcp_dsack_set; RFC 2018, RFC 2883).
//!
//! smoltcp's receiver reports at most one SACK block, only on the ACK it
//! sends for an out-of-order segment, and never a D-SACK. Linux reports the
//! out-of-order ranges on every ACK while they exist, the range that the
//! newest segment joined first (RFC 2018 4), a D-SACK for a duplicate
//! (RFC 2883), and ACKs at once while there is out-of-order data or a gap
//! was just filled (RFC 5681 4.2; __tcp_ack_snd_check). This keeps what it
//! needs to do the same.

use crate::wire::seq;

/// Linux's TCP_NUM_SACKS: out-of-order ranges reported, most recent first.
const NUM_SACKS: usize = 4;
/// Out-of-order ranges smoltcp's assembler holds (the crate's
/// `assembler-max-segment-count-32` feature): a segment that would need one
/// more is dropped by smoltcp, so it is not counted here either.
const MAX_RANGES: usize = 32;

/// One connection's receive-side SACK state.
#[derive(Debug, Clone, Default)]
pub(super) struct RcvSack {
    /// RCV.NXT as the data that arrived gives it (smoltcp's own moves only
    /// when it takes a batch in, after every segment of the batch was seen
    /// here).
    nxt: Option<u32>,
    /// Out-of-order ranges above RCV.NXT, most recently extended first.
    blocks: Vec<(u32, u32)>,
    /// A duplicate to report first on the next ACK (D-SACK).
    dsack: Option<(u32, u32)>,
    /// The next ACK must go at once.
    pub(super) ack_now: bool,
}

impl RcvSack {
    /// Data `[start, end)` arrived; `first` is the peer's first sequence
    /// number (IRS + 1), where RCV.NXT starts.
    pub(super) fn on_data(&mut self, start: u32, end: u32, first: u32) {
        let rcv_nxt = *self.nxt.get_or_insert(first);
        let had_gap = !self.blocks.is_empty();
        if seq::le(end, rcv_nxt) {
            // All old: the peer resent what we have (RFC 2883 4.1.1).
            self.dsack = Some((start, end));
            self.ack_now = true;
            return;
        }
        if seq::lt(rcv_nxt, start) {
            self.add_out_of_order(start, end);
            self.ack_now = true;
            return;
        }
        // In order: RCV.NXT moves to `end`, then over every range it reaches.
        if seq::lt(start, rcv_nxt) {
            self.dsack = Some((start, rcv_nxt));
            self.ack_now = true;
        }
        let mut next = end;
        loop {
            let before = self.blocks.len();
            self.blocks.retain(|&(l, r)| {
                if seq::le(l, next) {
                    if seq::lt(next, r) {
                        next = r;
                    }
                    false
                } else {
                    true
                }
            });
            if self.blocks.len() == before {
                break;
            }
        }
        self.nxt = Some(next);
        if had_gap {
            self.ack_now = true;
        }
    }

    /// The peer's FIN arrived in order: it takes one sequence number.
    pub(super) fn on_fin(&mut self, seq_of_fin: u32) {
        if self.nxt == Some(seq_of_fin) && self.blocks.is_empty() {
            self.nxt = Some(seq_of_fin.wrapping_add(1));
        }
    }

    /// tcp_sack_new_ofo_skb: the range the segment joins moves to the front;
    /// a duplicate of data already held above a hole is a D-SACK.
    fn add_out_of_order(&mut self, start: u32, end: u32) {
        if self
            .blocks
            .iter()
            .any(|&(l, r)| seq::le(l, start) && seq::le(end, r))
        {
            self.dsack = Some((start, end));
            return;
        }
        let joins = self
            .blocks
            .iter()
            .any(|&(l, r)| seq::le(l, end) && seq::le(start, r));
        if !joins && self.blocks.len() >= MAX_RANGES {
            // No room in smoltcp's assembler: the segment is dropped there.
            return;
        }
        let (mut left, mut right) = (start, end);
        self.blocks.retain(|&(l, r)| {
            let touches = seq::le(l, right) && seq::le(left, r);
            if touches {
                if seq::lt(l, left) {
                    left = l;
                }
                if seq::lt(right, r) {
                    right = r;
                }
            }
            !touches
        });
        self.blocks.insert(0, (left, right));
    }

    /// Whether any out-of-order data is held.
    pub(super) fn has_gap(&self) -> bool {
        !self.blocks.is_empty()
    }

    /// The SACK blocks an ACK sent now carries, D-SACK first, at most `room`
    /// (and at most Linux's four remembered ranges).
    pub(super) fn blocks(&self, room: usize) -> Vec<(u32, u32)> {
        self.dsack
            .iter()
            .chain(self.blocks.iter().take(NUM_SACKS))
            .take(room)
            .copied()
            .collect()
    }

    /// An ACK left: the D-SACK was reported, and the urge to ACK is met.
    pub(super) fn on_ack_sent(&mut self) {
        self.dsack = None;
        self.ack_now = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_the_newest_segment_joined_comes_first() {
        let mut s = RcvSack::default();
        s.on_data(200, 300, 100);
        s.on_data(500, 600, 100);
        s.on_data(300, 400, 100);
        assert_eq!(s.blocks(4), vec![(200, 400), (500, 600)]);
        assert!(s.ack_now);
    }

    #[test]
    fn filling_the_hole_clears_the_blocks_and_asks_for_an_ack() {
        let mut s = RcvSack::default();
        s.on_data(200, 300, 100);
        s.on_ack_sent();
        s.on_data(100, 200, 100);
        assert!(!s.has_gap());
        assert!(s.ack_now);
    }

    #[test]
    fn a_duplicate_is_reported_once_first() {
        let mut s = RcvSack::default();
        s.on_data(300, 400, 100);
        s.on_data(300, 400, 100);
        assert_eq!(s.blocks(3), vec![(300, 400), (300, 400)]);
        s.on_ack_sent();
        s.on_data(50, 100, 100);
        assert_eq!(s.blocks(3), vec![(50, 100), (300, 400)]);
    }
}
