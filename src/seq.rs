//! Sequence-number arithmetic (RFC 9293 3.4: comparisons modulo 2^32) and
//! Wireshark-style relative numbering.

use std::collections::BTreeMap;

use crate::frame::{Endpoints, Segment};
use crate::trace::flags;

/// `a < b` in sequence space (RFC 1982 serial arithmetic on 32 bits).
pub fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// `a <= b` in sequence space.
pub fn le(a: u32, b: u32) -> bool {
    a == b || lt(a, b)
}

/// Signed distance from `a` to `b` (`b - a`), valid while they are within 2^31.
pub fn distance(a: u32, b: u32) -> i64 {
    i64::from(b.wrapping_sub(a) as i32)
}

/// Remembers each direction's initial sequence number, as Wireshark does, so
/// numbers can be shown relative to it (the SYN has 0).
#[derive(Debug, Default, Clone)]
pub struct RelativeNumbering {
    isn: BTreeMap<Endpoints, u32>,
}

impl RelativeNumbering {
    /// Record the ISN if this segment is a SYN.
    pub fn observe(&mut self, seg: &Segment) {
        if seg.has(flags::SYN) {
            self.isn.entry(seg.ends).or_insert(seg.seq);
        }
    }

    /// The ISN of the sender of a segment with these endpoints.
    pub fn isn(&self, ends: Endpoints) -> Option<u32> {
        self.isn.get(&ends).copied()
    }

    /// Relative sequence number (raw when the ISN was never seen).
    pub fn seq(&self, seg: &Segment) -> u32 {
        match self.isn(seg.ends) {
            Some(isn) => seg.seq.wrapping_sub(isn),
            None => seg.seq,
        }
    }

    /// Relative acknowledgment number; 0 when the ACK flag is not set.
    pub fn ack(&self, seg: &Segment) -> u32 {
        if !seg.has(flags::ACK) {
            return 0;
        }
        match self.isn(seg.ends.reversed()) {
            Some(isn) => seg.ack.wrapping_sub(isn),
            None => seg.ack,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_across_the_wrap() {
        assert!(lt(0xffff_fff0, 5));
        assert!(!lt(5, 0xffff_fff0));
        assert!(le(7, 7));
        assert_eq!(distance(0xffff_fff0, 5), 21);
        assert_eq!(distance(5, 0xffff_fff0), -21);
    }
}
