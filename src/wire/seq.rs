//! Sequence-number arithmetic, in one place: comparisons and distances modulo
//! 2^32 (RFC 9293 3.4, RFC 1982 serial arithmetic), window tests and window
//! scaling (RFC 7323 2.3), unwrapping 32-bit numbers into a 64-bit position
//! space, and Wireshark-style relative numbering. The socket layer, the fault
//! matcher, the recorder and the trace checker all go through these functions,
//! so a wrap of the sequence space behaves the same everywhere.

use std::collections::BTreeMap;

use crate::wire::flags;
use crate::wire::frame::{Endpoints, Segment};

/// `a < b` in sequence space (RFC 1982 serial arithmetic on 32 bits): `b` lies
/// less than 2^31 ahead of `a`. Exactly half-way (`b - a = 2^31`) counts as
/// `a < b`, so for any two distinct numbers exactly one of `lt(a, b)` and
/// `lt(b, a)` holds except at that point, where both hold (RFC 1982 3.2 leaves
/// the comparison undefined there; nothing here depends on it).
pub fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// `a <= b` in sequence space.
pub fn le(a: u32, b: u32) -> bool {
    a == b || lt(a, b)
}

/// `a > b` in sequence space.
pub fn gt(a: u32, b: u32) -> bool {
    lt(b, a)
}

/// `a >= b` in sequence space.
pub fn ge(a: u32, b: u32) -> bool {
    le(b, a)
}

/// Signed distance from `a` to `b` (`b - a`), valid while they are within 2^31.
pub fn distance(a: u32, b: u32) -> i64 {
    i64::from(b.wrapping_sub(a) as i32)
}

/// `n` octets after `seq`, wrapping at 2^32.
pub fn add(seq: u32, n: u32) -> u32 {
    seq.wrapping_add(n)
}

/// A number relative to `base` (Wireshark's relative sequence numbers: the ISN is 0).
pub fn relative(raw: u32, base: u32) -> u32 {
    raw.wrapping_sub(base)
}

/// RFC 9293 3.4's window test `left <= seq < left + len`, taken modulo 2^32.
/// A zero-length window contains nothing.
pub fn in_window(seq: u32, left: u32, len: u64) -> bool {
    u64::from(seq.wrapping_sub(left)) < len
}

/// Largest shift a window scale option may ask for (RFC 7323 2.3: larger
/// values are treated as 14).
pub const MAX_WINDOW_SHIFT: u8 = 14;

/// The window in octets that a segment's 16-bit window field stands for, given
/// the sender's shift (RFC 7323 2.3). The window field of a SYN is never
/// scaled (RFC 7323 2.2): pass a shift of 0 for SYN segments.
pub fn scaled_window(field: u16, shift: u8) -> u64 {
    u64::from(field) << shift.min(MAX_WINDOW_SHIFT)
}

/// Turns 32-bit sequence numbers into positions on an unbounded line, counted
/// from `base` (so `base` is position 0), by taking for each number the
/// representative nearest to the highest position seen so far. Valid while
/// the numbers stay within 2^31 of that frontier, which TCP guarantees for
/// numbers that are in use (RFC 9293 3.4: windows are at most 2^30).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unwrap {
    base: u32,
    frontier: i64,
}

impl Unwrap {
    /// Positions counted from `base`, which is position 0.
    pub fn new(base: u32) -> Unwrap {
        Unwrap { base, frontier: 0 }
    }

    /// The number that position 0 stands for.
    pub fn base(&self) -> u32 {
        self.base
    }

    /// The position of `raw`, without moving the frontier.
    pub fn position(&self, raw: u32) -> i64 {
        // Truncating an i64 to u32 keeps it modulo 2^32, negative or not.
        let frontier_raw = self.base.wrapping_add(self.frontier as u32);
        self.frontier + distance(frontier_raw, raw)
    }

    /// The position of `raw`; the frontier moves forward to it if it is ahead.
    pub fn observe(&mut self, raw: u32) -> i64 {
        let pos = self.position(raw);
        self.frontier = self.frontier.max(pos);
        pos
    }

    /// Move the frontier forward to `pos` (a position already computed, such
    /// as the end of a segment).
    pub fn advance_to(&mut self, pos: i64) {
        self.frontier = self.frontier.max(pos);
    }

    /// The 32-bit number at `pos`, relative to `base` (for messages).
    pub fn relative(&self, pos: i64) -> u32 {
        pos as u32
    }
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
            Some(isn) => relative(seg.seq, isn),
            None => seg.seq,
        }
    }

    /// Relative acknowledgment number; 0 when the ACK flag is not set.
    pub fn ack(&self, seg: &Segment) -> u32 {
        if !seg.has(flags::ACK) {
            return 0;
        }
        match self.isn(seg.ends.reversed()) {
            Some(isn) => relative(seg.ack, isn),
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
        assert!(gt(5, 0xffff_fff0));
        assert!(ge(5, 5));
        assert_eq!(distance(0xffff_fff0, 5), 21);
        assert_eq!(distance(5, 0xffff_fff0), -21);
        assert_eq!(add(0xffff_ffff, 2), 1);
        assert_eq!(relative(3, 0xffff_fffe), 5);
    }

    #[test]
    fn windows_wrap_and_scale() {
        assert!(in_window(2, 0xffff_fff0, 20));
        assert!(!in_window(4, 0xffff_fff0, 20));
        assert!(!in_window(7, 7, 0));
        assert_eq!(scaled_window(65535, 14), 65535 << 14);
        assert_eq!(scaled_window(2, 20), 2 << 14, "shifts above 14 count as 14");
    }

    #[test]
    fn unwrap_follows_the_frontier_across_the_wrap() {
        let mut u = Unwrap::new(0xffff_ff00);
        assert_eq!(u.observe(0xffff_ff00), 0);
        assert_eq!(u.observe(0x0000_0100), 0x200);
        // An old number is still below the frontier, not 2^32 ahead.
        assert_eq!(u.position(0xffff_ff10), 0x10);
        assert_eq!(u.position(0xffff_fe00), -0x100);
        assert_eq!(u.relative(0x200), 0x200);
    }
}
