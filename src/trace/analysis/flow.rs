//! One TCP connection as Wireshark's sequence analysis tracks it: two flows
//! (one per direction) and the rules that mark a segment.
//!
//! The rules are those of the Wireshark User's Guide, section "TCP Analysis"
//! (7.5), in the order and with the details of Wireshark 4.0, whose tshark is
//! the cross-check (`tests/tshark.rs`). Everything is on raw 32-bit sequence
//! numbers, compared modulo 2^32 (RFC 9293 3.4), and, as in Wireshark, a next
//! expected sequence number of 0 means "not known yet".

use crate::scenario::model::Micros;
use crate::wire::flags::{ACK, FIN, RST, SYN};
use crate::wire::seq::{le, lt};

/// Out-of-order threshold while no handshake round trip is known (Wireshark:
/// 3 ms).
const DEFAULT_OOO_US: Micros = 3_000;

/// A fast retransmission comes within 20 ms of the last duplicate ACK.
const FAST_RETRANSMISSION_US: Micros = 20_000;

/// The marks one segment gets, as bits while the rules run.
pub(super) mod mark {
    pub const RETRANSMISSION: u16 = 1 << 0;
    pub const FAST_RETRANSMISSION: u16 = 1 << 1;
    pub const SPURIOUS_RETRANSMISSION: u16 = 1 << 2;
    pub const OUT_OF_ORDER: u16 = 1 << 3;
    pub const LOST_SEGMENT: u16 = 1 << 4;
    pub const ACK_LOST_SEGMENT: u16 = 1 << 5;
    pub const WINDOW_UPDATE: u16 = 1 << 6;
    pub const WINDOW_FULL: u16 = 1 << 7;
    pub const KEEP_ALIVE: u16 = 1 << 8;
    pub const KEEP_ALIVE_ACK: u16 = 1 << 9;
    pub const DUPLICATE_ACK: u16 = 1 << 10;
    pub const ZERO_WINDOW: u16 = 1 << 11;
    pub const ZERO_WINDOW_PROBE: u16 = 1 << 12;
    pub const ZERO_WINDOW_PROBE_ACK: u16 = 1 << 13;
    pub const REUSED_PORTS: u16 = 1 << 14;
}

/// What the analysis needs of one captured segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seg {
    /// Frame number in the capture (1-based).
    pub no: usize,
    pub time_us: Micros,
    /// Raw sequence number.
    pub seq: u32,
    /// Raw acknowledgment field (whatever it holds, ACK flag or not).
    pub ack: u32,
    pub flags: u8,
    /// The window field as sent, unscaled.
    pub win: u16,
    /// Payload bytes.
    pub len: u32,
    /// The window scale option's shift count, on a SYN that carries it.
    pub window_scale: Option<u8>,
}

impl Seg {
    fn has_any(&self, bits: u8) -> bool {
        self.flags & bits != 0
    }
}

/// What one segment was marked with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Marks {
    pub bits: u16,
    /// For a duplicate ACK: the frame whose ACK it repeats, and which repeat it is.
    pub dup_of: usize,
    pub dup_count: u32,
}

impl Marks {
    fn set(&mut self, bit: u16) {
        self.bits |= bit;
    }
    fn has(&self, bit: u16) -> bool {
        self.bits & bit != 0
    }
}

/// A direction's window scaling, as learnt from the handshake (RFC 7323 2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scale {
    /// No SYN seen yet: the window's meaning is unknown.
    Unknown,
    /// The handshake did not agree on scaling: the field is the window.
    NotUsed,
    /// Shift count announced in this direction's SYN.
    Shift(u8),
}

/// One direction of the connection: what its sender has done so far.
#[derive(Debug, Clone)]
struct Flow {
    /// The sender's ISN, once known (the SYN's sequence number).
    base_seq: Option<u32>,
    /// Highest sequence number sent so far plus one (0: none yet).
    next_seq: u32,
    next_seq_time: Micros,
    /// Highest sequence number up to which the stream is contiguous (0: none yet).
    max_seq_to_be_acked: u32,
    last_ack: u32,
    last_ack_time: Micros,
    /// Last window field sent, unscaled.
    window: u32,
    scale: Scale,
    /// No ACK without SYN sent yet: the window field is still the SYN's,
    /// which is never scaled (RFC 7323 2.2).
    is_first_ack: bool,
    /// Duplicate ACKs sent in a row; -1 after an ACK of an unseen segment.
    dup_acks: i32,
    /// The last frame of this flow that changed the ACK number.
    last_non_dup_ack: usize,
    /// Marks of this flow's previous segment.
    last_marks: u16,
}

impl Default for Flow {
    fn default() -> Flow {
        Flow {
            base_seq: None,
            next_seq: 0,
            next_seq_time: 0,
            max_seq_to_be_acked: 0,
            last_ack: 0,
            last_ack_time: 0,
            window: 0,
            scale: Scale::Unknown,
            is_first_ack: false,
            dup_acks: 0,
            last_non_dup_ack: 0,
            last_marks: 0,
        }
    }
}

/// A connection: its two flows and the handshake's round trip.
#[derive(Debug, Clone, Default)]
pub(super) struct Conn {
    flows: [Flow; 2],
    /// Time of the most recent SYN (0: none; Wireshark's convention).
    syn_time: Micros,
    /// SYN to the first ACK without SYN (0: not measured yet).
    first_rtt: Micros,
}

fn gt(a: u32, b: u32) -> bool {
    lt(b, a)
}

impl Conn {
    /// Analyse one segment sent by flow `dir` (0 or 1) and return its marks.
    pub(super) fn segment(&mut self, dir: usize, seg: &Seg) -> Marks {
        let mut marks = Marks::default();
        self.ports_reused(dir, seg, &mut marks);
        self.sequence_analysis(dir, seg, &mut marks);
        self.handshake(dir, seg);
        marks
    }

    /// "TCP Port numbers reused": a SYN, or a SYN-ACK, on ports already in
    /// use with another initial sequence number. A new SYN starts the
    /// connection's analysis from scratch. A SYN with the ISN seen before is
    /// the same SYN sent again: Wireshark 4.0 (the cross-check's tshark) only
    /// rewinds the flow's next expected sequence number to where the SYN left
    /// it, so that the SYN reads as a retransmission; later versions mark it
    /// as reused ports too.
    fn ports_reused(&mut self, dir: usize, seg: &Seg, marks: &mut Marks) {
        let Some(base) = self.flows[dir].base_seq else {
            return;
        };
        if seg.flags & (SYN | ACK) == SYN {
            if seg.seq == base {
                let fwd = &mut self.flows[dir];
                fwd.next_seq = fwd.max_seq_to_be_acked;
            } else {
                *self = Conn::default();
                marks.set(mark::REUSED_PORTS);
            }
        } else if seg.flags & (SYN | ACK) == SYN | ACK && seg.seq != base {
            self.flows[dir].base_seq = Some(seg.seq);
            marks.set(mark::REUSED_PORTS);
        }
    }

    /// Wireshark's sequence analysis of one segment (User's Guide 7.5).
    fn sequence_analysis(&mut self, dir: usize, seg: &Seg, marks: &mut Marks) {
        let (fwd, rev) = split(&mut self.flows, dir);
        let window = u32::from(seg.win);
        let no_syn_fin_rst = !seg.has_any(SYN | FIN | RST);

        // Each direction's ISN: its SYN's sequence number, or, when the
        // capture missed the SYN, one before its first segment or the ACK of it.
        if fwd.base_seq.is_none() {
            let before = u32::from(!seg.has_any(SYN));
            fwd.base_seq = Some(seg.seq.wrapping_sub(before));
        }
        if rev.base_seq.is_none() && seg.has_any(ACK) {
            rev.base_seq = Some(seg.ack.wrapping_sub(1));
        }

        // The segment's place relative to what the flow sent before.
        let same_seq_and_ack = seg.seq == fwd.next_seq && seg.ack == fwd.last_ack;

        // Zero window probe: one byte at the next expected sequence number
        // while the other side advertises a zero window. Nothing else applies.
        let zero_window_probe = seg.len == 1 && seg.seq == fwd.next_seq && rev.window == 0;
        if zero_window_probe {
            marks.set(mark::ZERO_WINDOW_PROBE);
        } else {
            // Zero window: the receiver's buffer is full.
            if window == 0 && no_syn_fin_rst {
                marks.set(mark::ZERO_WINDOW);
            }
            // Previous segment not captured: a gap before this segment.
            if fwd.next_seq != 0 && gt(seg.seq, fwd.next_seq) && !seg.has_any(RST) {
                marks.set(mark::LOST_SEGMENT);
            }
            // Keep-alive: 0 or 1 byte, one before the next expected sequence number.
            if seg.len <= 1 && seg.seq == fwd.next_seq.wrapping_sub(1) && no_syn_fin_rst {
                marks.set(mark::KEEP_ALIVE);
            }
            // Window update: nothing new but the window.
            if seg.len == 0
                && window != 0
                && window != fwd.window
                && same_seq_and_ack
                && no_syn_fin_rst
            {
                marks.set(mark::WINDOW_UPDATE);
            }
            // Window full: the segment reaches the right edge of the receiver's
            // advertised window, once its scale is known.
            if seg.len > 0 && rev.scale != Scale::Unknown && no_syn_fin_rst {
                let shift = match rev.scale {
                    Scale::Shift(s) if !rev.is_first_ack => u32::from(s),
                    _ => 0,
                };
                let edge = rev.last_ack.wrapping_add(rev.window << shift);
                if seg.seq.wrapping_add(seg.len) == edge {
                    marks.set(mark::WINDOW_FULL);
                }
            }
            let repeats =
                seg.len == 0 && window == fwd.window && same_seq_and_ack && no_syn_fin_rst;
            if repeats && window != 0 && rev.last_marks & mark::KEEP_ALIVE != 0 {
                // The answer to a keep-alive.
                marks.set(mark::KEEP_ALIVE_ACK);
            } else if repeats && window == 0 && rev.last_marks & mark::ZERO_WINDOW_PROBE != 0 {
                // The answer to a zero window probe, window still closed.
                marks.set(mark::ZERO_WINDOW_PROBE_ACK);
            } else if repeats && window != 0 {
                // Duplicate ACK: same ACK, same window, nothing sent.
                fwd.dup_acks = if fwd.dup_acks == -1 {
                    1
                } else {
                    fwd.dup_acks + 1
                };
                marks.set(mark::DUPLICATE_ACK);
                marks.dup_count = fwd.dup_acks as u32;
                marks.dup_of = fwd.last_non_dup_ack;
            }
        }

        // A new ACK number starts a new run of duplicates.
        if seg.ack != fwd.last_ack {
            fwd.last_non_dup_ack = seg.no;
            fwd.dup_acks = 0;
        }

        // ACKed unseen segment: it acknowledges data beyond what the other
        // side was seen to send without a gap. Marked once per gap.
        if rev.max_seq_to_be_acked != 0 && gt(seg.ack, rev.max_seq_to_be_acked) && seg.has_any(ACK)
        {
            // Wireshark compares these two as plain numbers, not modulo 2^32.
            if rev.max_seq_to_be_acked > rev.next_seq {
                rev.max_seq_to_be_acked = rev.next_seq;
                marks.set(mark::ACK_LOST_SEGMENT);
            } else {
                if rev.dup_acks == 0 {
                    marks.set(mark::ACK_LOST_SEGMENT);
                }
                rev.dup_acks = -1;
            }
        }

        // Retransmissions and out-of-order segments: data (or SYN or FIN)
        // that does not advance the flow.
        if (seg.len > 0 || seg.has_any(SYN | FIN)) && !marks.has(mark::KEEP_ALIVE) {
            let mut not_advanced = fwd.next_seq != 0 && lt(seg.seq, fwd.next_seq);
            // More than a byte starting one before the next expected number:
            // new data after a zero window probe, not a retransmission.
            if seg.len > 1 && fwd.next_seq.wrapping_sub(1) == seg.seq {
                not_advanced = false;
            }
            let ooo_threshold = if self.first_rtt == 0 {
                DEFAULT_OOO_US
            } else {
                self.first_rtt
            };
            let seq_space = seg.len + u32::from(seg.has_any(SYN | FIN));
            if seg.len > 0 && rev.last_ack != 0 && le(seg.seq.wrapping_add(seg.len), rev.last_ack) {
                // Spurious: the receiver had already acknowledged all of it.
                marks.set(mark::SPURIOUS_RETRANSMISSION);
            } else if not_advanced
                && rev.dup_acks >= 2
                && rev.last_ack == seg.seq
                && seg.time_us.wrapping_sub(rev.last_ack_time) < FAST_RETRANSMISSION_US
            {
                // Fast: what two or more duplicate ACKs asked for, promptly.
                marks.set(mark::FAST_RETRANSMISSION);
            } else if not_advanced
                && seg.time_us.wrapping_sub(fwd.next_seq_time) < ooo_threshold
                && fwd.next_seq != seg.seq.wrapping_add(seq_space)
            {
                // Out of order: within a round trip of the highest segment.
                marks.set(mark::OUT_OF_ORDER);
            } else if not_advanced {
                marks.set(mark::RETRANSMISSION);
            }
        }

        // Remember how far the flow got; a zero window probe does not count.
        let next = seg
            .seq
            .wrapping_add(seg.len)
            .wrapping_add(u32::from(seg.has_any(SYN | FIN)));
        if !zero_window_probe {
            if gt(next, fwd.next_seq) || fwd.next_seq == 0 {
                fwd.next_seq = next;
                fwd.next_seq_time = seg.time_us;
            }
            if seg.seq == fwd.max_seq_to_be_acked || fwd.max_seq_to_be_acked == 0 {
                fwd.max_seq_to_be_acked = fwd.next_seq;
            }
        }
        fwd.window = window;
        fwd.last_ack = seg.ack;
        fwd.last_ack_time = seg.time_us;
        fwd.last_marks = marks.bits;
    }

    /// What the handshake teaches, after the segment's own analysis: the time
    /// of the SYN, the first round trip, and each direction's window scale.
    fn handshake(&mut self, dir: usize, seg: &Seg) {
        if seg.has_any(SYN) {
            if !seg.has_any(ACK) {
                self.syn_time = seg.time_us;
            }
            self.flows[dir].is_first_ack = true;
        }
        if seg.flags & (SYN | ACK) == ACK {
            if self.syn_time != 0 && self.first_rtt == 0 {
                self.first_rtt = seg.time_us.saturating_sub(self.syn_time);
            }
            self.flows[dir].is_first_ack = false;
        }
        if seg.has_any(SYN) {
            let (fwd, rev) = split(&mut self.flows, dir);
            if let Some(shift) = seg.window_scale {
                // RFC 7323 2.3: a shift above 14 is taken as 14.
                fwd.scale = Scale::Shift(shift.min(14));
            }
            // RFC 7323 2.2: scaling is on only if both SYNs carry the option.
            if fwd.scale == Scale::Unknown {
                fwd.scale = Scale::NotUsed;
                rev.scale = Scale::NotUsed;
            } else if seg.has_any(ACK) && rev.scale == Scale::NotUsed {
                fwd.scale = Scale::NotUsed;
            }
        }
    }
}

/// The flow of direction `dir` and the other one, both mutable.
fn split(flows: &mut [Flow; 2], dir: usize) -> (&mut Flow, &mut Flow) {
    let [a, b] = flows;
    if dir == 0 { (a, b) } else { (b, a) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::flags::PSH;

    /// ISNs of the two directions; B sits just below 2^32 so that the server's
    /// numbers wrap around during the tests.
    const A: u32 = 1_000;
    const B: u32 = u32::MAX - 50;

    /// Plays segments into one connection, numbering frames from 1.
    struct Capture {
        conn: Conn,
        no: usize,
    }

    impl Capture {
        fn new() -> Capture {
            Capture {
                conn: Conn::default(),
                no: 0,
            }
        }

        #[allow(clippy::too_many_arguments)]
        fn seg(
            &mut self,
            dir: usize,
            t: Micros,
            flags: u8,
            seq: u32,
            ack: u32,
            win: u16,
            len: u32,
        ) -> Marks {
            self.seg_ws(dir, t, flags, seq, ack, win, len, None)
        }

        #[allow(clippy::too_many_arguments)]
        fn seg_ws(
            &mut self,
            dir: usize,
            t: Micros,
            flags: u8,
            seq: u32,
            ack: u32,
            win: u16,
            len: u32,
            window_scale: Option<u8>,
        ) -> Marks {
            self.no += 1;
            let seg = Seg {
                no: self.no,
                time_us: t,
                seq,
                ack,
                flags,
                win,
                len,
                window_scale,
            };
            self.conn.segment(dir, &seg)
        }

        /// SYN at 100 us, SYN-ACK at 100 us, ACK at 1100 us: a 1 ms first
        /// round trip, window scale 2 both ways, windows of 1000 (4000 bytes).
        fn handshake() -> Capture {
            let mut c = Capture::new();
            assert_eq!(c.seg_ws(0, 100, SYN, A, 0, 1000, 0, Some(2)).bits, 0);
            assert_eq!(
                c.seg_ws(1, 100, SYN | ACK, B, A + 1, 1000, 0, Some(2)).bits,
                0
            );
            assert_eq!(
                c.seg(0, 1_100, ACK, A + 1, B.wrapping_add(1), 1000, 0).bits,
                0
            );
            c
        }
    }

    /// Server data at sequence offset `off` (1 is the first byte).
    fn b(off: u32) -> u32 {
        B.wrapping_add(off)
    }

    #[test]
    fn a_clean_exchange_has_no_marks() {
        let mut c = Capture::handshake();
        assert_eq!(c.seg(0, 1_200, PSH | ACK, A + 1, b(1), 1000, 13).bits, 0);
        assert_eq!(c.seg(1, 1_300, ACK, b(1), A + 14, 1000, 0).bits, 0);
        assert_eq!(c.seg(1, 1_300, PSH | ACK, b(1), A + 14, 1000, 100).bits, 0);
        assert_eq!(c.seg(0, 2_300, ACK, A + 14, b(101), 1000, 0).bits, 0);
        assert_eq!(c.seg(0, 2_400, FIN | ACK, A + 14, b(101), 1000, 0).bits, 0);
        assert_eq!(c.seg(1, 3_400, FIN | ACK, b(101), A + 15, 1000, 0).bits, 0);
        assert_eq!(c.seg(0, 4_400, ACK, A + 15, b(102), 1000, 0).bits, 0);
    }

    #[test]
    fn old_data_after_a_round_trip_is_a_retransmission() {
        let mut c = Capture::handshake();
        c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
        c.seg(1, 2_000, ACK, b(101), A + 1, 1000, 100);
        // 8 ms later, well past the 1 ms first round trip; the sequence
        // numbers wrapped past 2^32 in between.
        let m = c.seg(1, 10_000, ACK, b(1), A + 1, 1000, 100);
        assert_eq!(m.bits, mark::RETRANSMISSION);
    }

    #[test]
    fn a_gap_then_the_missing_data_within_a_round_trip() {
        let mut c = Capture::handshake();
        c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
        let gap = c.seg(1, 2_000, ACK, b(201), A + 1, 1000, 100);
        assert_eq!(gap.bits, mark::LOST_SEGMENT);
        let late = c.seg(1, 2_500, ACK, b(101), A + 1, 1000, 100);
        assert_eq!(late.bits, mark::OUT_OF_ORDER);
        // The same late data a round trip later is a retransmission.
        let again = c.seg(1, 3_100, ACK, b(101), A + 1, 1000, 100);
        assert_eq!(again.bits, mark::RETRANSMISSION);
    }

    #[test]
    fn without_a_handshake_the_out_of_order_threshold_is_3_ms() {
        let mut c = Capture::new();
        c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
        c.seg(1, 2_000, ACK, b(201), A + 1, 1000, 100);
        assert_eq!(
            c.seg(1, 4_900, ACK, b(101), A + 1, 1000, 100).bits,
            mark::OUT_OF_ORDER
        );
        assert_eq!(
            c.seg(1, 5_000, ACK, b(101), A + 1, 1000, 100).bits,
            mark::RETRANSMISSION
        );
    }

    #[test]
    fn duplicate_acks_count_up_and_ask_for_a_fast_retransmission() {
        let mut c = Capture::handshake();
        // Four segments; the capture misses none, the client misses the first.
        for (i, off) in [1, 101, 201, 301].into_iter().enumerate() {
            c.seg(1, 2_000 + i as Micros, ACK, b(off), A + 1, 1000, 100);
        }
        for n in 1..=3 {
            let m = c.seg(0, 3_000 + n, ACK, A + 1, b(1), 1000, 0);
            assert_eq!(m.bits, mark::DUPLICATE_ACK);
            // Repeats of the handshake ACK, frame 3.
            assert_eq!((m.dup_of, m.dup_count), (3, n as u32));
        }
        let m = c.seg(1, 3_100, ACK, b(1), A + 1, 1000, 100);
        assert_eq!(m.bits, mark::FAST_RETRANSMISSION);
        // A new ACK ends the run.
        assert_eq!(c.seg(0, 4_000, ACK, A + 1, b(401), 1000, 0).bits, 0);
        assert_eq!(c.seg(0, 4_100, ACK, A + 1, b(401), 1000, 0).dup_of, 12);
    }

    #[test]
    fn a_retransmission_later_than_20_ms_after_the_dup_acks_is_not_fast() {
        let mut c = Capture::handshake();
        c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
        c.seg(1, 2_000, ACK, b(101), A + 1, 1000, 100);
        c.seg(0, 3_000, ACK, A + 1, b(1), 1000, 0);
        c.seg(0, 3_001, ACK, A + 1, b(1), 1000, 0);
        let m = c.seg(1, 23_001, ACK, b(1), A + 1, 1000, 100);
        assert_eq!(m.bits, mark::RETRANSMISSION);
    }

    #[test]
    fn data_already_acknowledged_is_a_spurious_retransmission() {
        let mut c = Capture::handshake();
        c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
        c.seg(0, 3_000, ACK, A + 1, b(101), 1000, 0);
        let m = c.seg(1, 9_000, ACK, b(1), A + 1, 1000, 100);
        assert_eq!(m.bits, mark::SPURIOUS_RETRANSMISSION);
    }

    #[test]
    fn zero_window_probe_its_ack_and_the_window_reopening() {
        let mut c = Capture::handshake();
        c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
        let closed = c.seg(0, 3_000, ACK, A + 1, b(101), 0, 0);
        assert_eq!(closed.bits, mark::ZERO_WINDOW);
        let probe = c.seg(1, 5_000, ACK, b(101), A + 1, 1000, 1);
        assert_eq!(probe.bits, mark::ZERO_WINDOW_PROBE);
        let still = c.seg(0, 6_000, ACK, A + 1, b(101), 0, 0);
        assert_eq!(still.bits, mark::ZERO_WINDOW | mark::ZERO_WINDOW_PROBE_ACK);
        let open = c.seg(0, 7_000, ACK, A + 1, b(101), 1000, 0);
        assert_eq!(open.bits, mark::WINDOW_UPDATE);
        // The probe did not move the flow: the same byte with more data is new.
        assert_eq!(c.seg(1, 8_000, ACK, b(101), A + 1, 1000, 100).bits, 0);
    }

    #[test]
    fn keep_alive_and_its_ack() {
        let mut c = Capture::handshake();
        c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
        c.seg(0, 3_000, ACK, A + 1, b(101), 1000, 0);
        let ka = c.seg(1, 60_000_000, ACK, b(100), A + 1, 1000, 0);
        assert_eq!(ka.bits, mark::KEEP_ALIVE);
        let answer = c.seg(0, 60_001_000, ACK, A + 1, b(101), 1000, 0);
        assert_eq!(answer.bits, mark::KEEP_ALIVE_ACK);
        // A keep-alive with one byte of garbage is not a retransmission either.
        let ka1 = c.seg(1, 120_000_000, ACK, b(100), A + 1, 1000, 1);
        assert_eq!(ka1.bits, mark::KEEP_ALIVE);
    }

    #[test]
    fn window_full_at_the_scaled_right_edge() {
        let mut c = Capture::handshake();
        // The client's window is 1000 << 2 bytes from the byte it acknowledged.
        c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 2000);
        let m = c.seg(1, 2_000, ACK, b(2001), A + 1, 1000, 2000);
        assert_eq!(m.bits, mark::WINDOW_FULL);
    }

    #[test]
    fn the_syn_acks_window_is_never_scaled() {
        let mut c = Capture::handshake();
        // The server has sent nothing since its SYN-ACK (window 1000): 1000
        // bytes fill it, although its scale is 2 (RFC 7323 2.2).
        let m = c.seg(0, 1_200, ACK, A + 1, b(1), 1000, 1000);
        assert_eq!(m.bits, mark::WINDOW_FULL);
    }

    #[test]
    fn without_the_option_in_both_syns_there_is_no_scaling() {
        let mut c = Capture::new();
        c.seg_ws(0, 100, SYN, A, 0, 1000, 0, Some(2));
        c.seg_ws(1, 100, SYN | ACK, B, A + 1, 1000, 0, None);
        c.seg(0, 1_100, ACK, A + 1, b(1), 1000, 0);
        let m = c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 1000);
        assert_eq!(m.bits, mark::WINDOW_FULL);
    }

    #[test]
    fn window_full_needs_a_known_scale() {
        // No handshake captured: the window's unit is unknown.
        let mut c = Capture::new();
        c.seg(0, 1_100, ACK, A + 1, b(1), 1000, 0);
        assert_eq!(c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 1000).bits, 0);
    }

    #[test]
    fn acknowledging_data_the_capture_missed() {
        let mut c = Capture::handshake();
        c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
        // b(101) .. b(201) went by unseen.
        let m = c.seg(0, 3_000, ACK, A + 1, b(201), 1000, 0);
        assert_eq!(m.bits, mark::ACK_LOST_SEGMENT);
    }

    #[test]
    fn a_reset_is_never_after_a_gap() {
        let mut c = Capture::handshake();
        assert_eq!(c.seg(0, 2_000, RST, A + 500, 0, 0, 0).bits, 0);
    }

    #[test]
    fn a_syn_sent_again_is_a_retransmission() {
        let mut c = Capture::new();
        c.seg_ws(0, 100, SYN, A, 0, 1000, 0, Some(2));
        let again = c.seg_ws(0, 1_000_100, SYN, A, 0, 1000, 0, Some(2));
        assert_eq!(again.bits, mark::RETRANSMISSION);
    }

    #[test]
    fn a_new_syn_on_the_same_ports_starts_afresh() {
        let mut c = Capture::handshake();
        c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
        let syn = c.seg_ws(0, 9_000, SYN, A + 7_777, 0, 1000, 0, Some(2));
        assert_eq!(syn.bits, mark::REUSED_PORTS);
        // The new connection's numbers are not compared with the old one's.
        let synack = c.seg_ws(1, 9_000, SYN | ACK, 42, A + 7_778, 1000, 0, Some(2));
        assert_eq!(synack.bits, 0);
        assert_eq!(c.seg(0, 9_500, ACK, A + 7_778, 43, 1000, 0).bits, 0);
    }
}
