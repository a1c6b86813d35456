//! The PSH flag as Linux sets it, not on whichever segment empties the send
//! buffer (smoltcp's rule). RFC 9293 3.9.1 leaves the choice to the sender.
//! Linux 6.18, measured with packetdrill on its tun device:
//!
//! - the segment carrying the last byte of a write() has PSH (tcp_sendmsg
//!   ends with tcp_push, whose tcp_mark_push flags the write queue's tail);
//!   a send() with MSG_MORE marks nothing;
//! - data goes out in TSO packets of up to `tcp_tso_autosize()` segments,
//!   at most half the congestion window each (tcp_cwnd_test keeps two
//!   packets in flight); a packet of that full size carries PSH, one cut
//!   short by the window does not. The packet's last segment is the one
//!   flagged here, since this stack sends segments one by one, as a NIC
//!   splits a TSO packet (the PSH stays on the last piece).

use std::collections::VecDeque;

use crate::scenario::model::Micros;
use crate::wire::seq;

/// Where the writes ended, in bytes of the stream.
#[derive(Debug, Default)]
pub(super) struct PushMarks {
    /// Our first data byte's sequence number (ISS + 1), once the SYN left.
    base: Option<u32>,
    /// Bytes written so far (accepted by send()).
    written: u64,
    /// Stream offsets just past a write's last byte, oldest first.
    marks: VecDeque<u64>,
    /// The TSO packet being sent: when it started, segments still to go
    /// in it, and whether it has the full size.
    chunk: Option<(Micros, u32, bool)>,
    /// The next data segment is a window probe's: tcp_write_wakeup sets
    /// PSH on what it sends, whatever ended a write.
    pub(super) probe_next: bool,
}

/// What the sender knows that sizes a TSO packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sizing {
    pub(crate) cwnd: u32,
    pub(crate) ssthresh: u32,
    pub(crate) in_flight: u32,
    pub(crate) mss: u32,
    pub(crate) srtt: Option<Micros>,
    pub(crate) min_rtt: Option<Micros>,
}

/// tcp_min_tso_segs.
const MIN_TSO_SEGS: u64 = 2;
/// sk_gso_max_size (GSO_LEGACY_MAX_SIZE).
const GSO_MAX_SIZE: u64 = 65_536;

impl Sizing {
    /// tcp_tso_autosize: about a millisecond of the pacing rate (200 % of
    /// cwnd per RTT in slow start, 120 % after; tcp_update_pacing_rate),
    /// plus a share of 64 KB that halves per 512 us of min RTT
    /// (tcp_tso_rtt_log 9), at least two segments.
    fn autosize(&self) -> u32 {
        let mss = u64::from(self.mss.max(1));
        let mut bytes = 0u64;
        if let Some(srtt) = self.srtt.filter(|&s| s > 0) {
            let ratio = if self.cwnd < self.ssthresh / 2 {
                200
            } else {
                120
            };
            let rate = u128::from(self.cwnd) * u128::from(mss) * 1_000_000 * ratio
                / 100
                / u128::from(srtt);
            bytes = u64::try_from(rate >> 10).unwrap_or(u64::MAX);
        }
        if let Some(r) = self.min_rtt.map(|m| m >> 9)
            && r < 32
        {
            bytes = bytes.saturating_add(GSO_MAX_SIZE >> r);
        }
        let bytes = bytes.min(GSO_MAX_SIZE);
        (bytes / mss).max(MIN_TSO_SEGS) as u32
    }

    /// The next TSO packet's segments, and its size when the window does
    /// not cut it (tcp_cwnd_test: min(cwnd / 2, room)).
    fn chunk(&self) -> (u32, u32) {
        let goal = self.autosize();
        let half = (self.cwnd / 2).max(1);
        let room = self.cwnd.saturating_sub(self.in_flight).max(1);
        let full = goal.min(half);
        (full.min(room), full)
    }
}

/// Marks kept at most: a long run of small writes acknowledged long ago
/// needs none of its old marks.
const MAX_MARKS: usize = 4096;

impl PushMarks {
    /// Our SYN left with sequence number `iss`.
    pub(super) fn on_syn(&mut self, iss: u32) {
        if self.base.is_none() {
            self.base = Some(iss.wrapping_add(1));
        }
    }

    /// send() accepted `n` bytes; `push`: the call pushes them (no MSG_MORE);
    /// `appended`: the previous write's bytes have not left yet, so these
    /// join the same buffer, whose PSH mark goes (tcp_sendmsg clears the
    /// tail's PSH when it copies into it).
    pub(super) fn on_write(&mut self, n: usize, push: bool, appended: bool) {
        if appended && n > 0 && self.marks.back() == Some(&self.written) {
            self.marks.pop_back();
        }
        self.written += n as u64;
        if push && n > 0 && self.marks.back() != Some(&self.written) {
            self.marks.push_back(self.written);
            if self.marks.len() > MAX_MARKS {
                self.marks.pop_front();
            }
        }
    }

    /// The peer acknowledged up to `ack`: marks at or below it are no longer
    /// needed (a retransmission starts above it).
    pub(super) fn on_ack(&mut self, ack: u32) {
        let Some(off) = self.offset(ack) else { return };
        while self.marks.front().is_some_and(|&m| m < off) {
            self.marks.pop_front();
        }
    }

    /// Stream offset of sequence number `s` (at most `written`).
    fn offset(&self, s: u32) -> Option<u64> {
        let base = self.base?;
        let end = base.wrapping_add(self.written as u32);
        let back = seq::distance(s, end);
        (back >= 0).then(|| self.written.saturating_sub(back as u64))
    }

    /// Whether new data `[start, start + len)` leaving at `now` carries PSH
    /// (`None`: too early to tell, before the connection's ISN is known).
    pub(super) fn psh(
        &mut self,
        now: Micros,
        start: u32,
        len: u32,
        sizing: Sizing,
    ) -> Option<bool> {
        if std::mem::take(&mut self.probe_next) {
            return Some(true);
        }
        let from = self.offset(start)?;
        let to = from + u64::from(len);
        let ends_write = self.marks.iter().any(|&m| m > from && m <= to);
        let _ = to;
        let (left, full) = match self.chunk {
            Some((at, left, full)) if at == now && left > 0 => (left, full),
            _ => {
                let (size, full_size) = sizing.chunk();
                (size, size == full_size && size >= 2)
            }
        };
        self.chunk = Some((now, left - 1, full));
        Some(ends_write || (left == 1 && full))
    }

    /// PSH for segments resent together (`[start, start + len)` each, in
    /// order): a segment ending a write keeps it; otherwise only the last of
    /// a full TSO packet of them has it, as for new data. A lone resent
    /// segment is a piece cut from the packet first sent (tcp_fragment gives
    /// the PSH to the second piece) and has none.
    pub(super) fn psh_resent(&self, segs: &[(u32, u32)], sizing: Sizing) -> Vec<Option<bool>> {
        let (_, full) = sizing.chunk();
        let mut out = Vec::with_capacity(segs.len());
        let mut run = 0u32;
        for (i, &(start, len)) in segs.iter().enumerate() {
            let contiguous = i > 0 && {
                let (ps, pl) = segs[i - 1];
                ps.wrapping_add(pl) == start
            };
            run = if contiguous && run < full { run + 1 } else { 1 };
            let next_joins = segs
                .get(i + 1)
                .is_some_and(|&(ns, _)| start.wrapping_add(len) == ns && run < full);
            let ends_chunk = !next_joins && run == full && full >= 2;
            out.push(self.ends_write_at(start, len).map(|w| w || ends_chunk));
        }
        out
    }

    fn ends_write_at(&self, start: u32, len: u32) -> Option<bool> {
        let from = self.offset(start)?;
        let to = from + u64::from(len);
        Some(self.marks.iter().any(|&m| m > from && m <= to))
    }

    /// Whether a segment `[start, start + len)` holds the end of a write.
    #[cfg(test)]
    fn ends_write(&self, start: u32, len: u32) -> Option<bool> {
        self.ends_write_at(start, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psh_goes_on_the_segment_that_ends_a_write() {
        let mut p = PushMarks::default();
        p.on_syn(999);
        p.on_write(10_000, true, false);
        assert_eq!(p.ends_write(1000, 1000), Some(false));
        assert_eq!(p.ends_write(10_000, 1000), Some(true));
        p.on_write(40_000, true, false);
        assert_eq!(p.ends_write(11_000, 5000), Some(false));
        assert_eq!(p.ends_write(50_000, 1000), Some(true));
    }

    #[test]
    fn msg_more_marks_nothing() {
        let mut p = PushMarks::default();
        p.on_syn(0);
        p.on_write(100, false, false);
        p.on_write(100, true, true);
        assert_eq!(p.ends_write(1, 200), Some(true));
        assert_eq!(p.ends_write(1, 100), Some(false));
    }

    fn sizing(cwnd: u32, in_flight: u32, srtt_ms: u64) -> Sizing {
        Sizing {
            cwnd,
            ssthresh: u32::MAX,
            in_flight,
            mss: 1000,
            srtt: Some(srtt_ms * 1000),
            min_rtt: Some(srtt_ms * 1000),
        }
    }

    /// Measured: IW10 at 100 ms RTT leaves as five 2000-byte packets, each
    /// with PSH; at 1 ms as two of 5000 (half the window), each with PSH.
    #[test]
    fn full_tso_packets_carry_psh() {
        assert_eq!(sizing(10, 0, 100).chunk(), (2, 2));
        assert_eq!(sizing(10, 0, 1).chunk(), (5, 5));
        let mut p = PushMarks::default();
        p.on_syn(0);
        p.on_write(15_000, true, false);
        let flags: Vec<bool> = (0..10)
            .map(|i| p.psh(7, 1 + i * 1000, 1000, sizing(10, i, 100)).unwrap())
            .collect();
        assert_eq!(
            flags,
            [
                false, true, false, true, false, true, false, true, false, true
            ]
        );
    }

    /// Measured: cwnd 5 sends 2 + 2 + 1 segments; the last, cut short by the
    /// window, has no PSH.
    #[test]
    fn a_packet_cut_by_the_window_has_none() {
        let mut p = PushMarks::default();
        p.on_syn(0);
        p.on_write(40_000, true, false);
        let flags: Vec<bool> = (0..5)
            .map(|i| p.psh(9, 1 + i * 1000, 1000, sizing(5, i, 100)).unwrap())
            .collect();
        assert_eq!(flags, [false, true, false, true, false]);
    }
}
