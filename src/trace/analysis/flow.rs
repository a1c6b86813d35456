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
mod tests;
