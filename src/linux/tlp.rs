//! Tail loss probe (RFC 8985 7.2-7.3, Linux tcp_schedule_loss_probe), which
//! smoltcp does not have: when the last segments of a flight go unacknowledged
//! for a probe timeout (PTO), resend the last segment, so a lost tail is
//! repaired long before smoltcp's 1 s retransmission timeout.
//!
//! PTO is Linux's: 2 x SRTT plus 2 ms, or plus 200 ms when only one segment
//! is outstanding (room for the receiver's delayed ACK). One probe per flight.

use crate::scenario::model::Micros;
use crate::wire::flags;
use crate::wire::frame::{self, Segment};
use crate::wire::seq;

/// Linux's TCP_TIMEOUT_MIN at HZ=1000.
const PTO_SLACK: Micros = 2_000;
/// Linux's TCP_RTO_MIN: a lone segment may wait for a delayed ACK.
const PTO_SLACK_ONE_SEGMENT: Micros = 200_000;

#[derive(Debug, Clone, Default)]
pub struct TailLossProbe {
    /// Smoothed round-trip time (RFC 6298 2.2-2.3 gains).
    srtt: Option<Micros>,
    /// One segment being timed: its end sequence number and when it left.
    timing: Option<(u32, Micros)>,
    /// Oldest unacknowledged and next sequence numbers.
    snd_una: Option<u32>,
    snd_nxt: Option<u32>,
    /// The last new segment sent (data, a FIN, or both), to be resent as the
    /// probe: RFC 8985 7.3 retransmits the highest-sequence segment when there
    /// is no new data, and a lone FIN is the highest then.
    last_data: Option<Vec<u8>>,
    last_data_len: u32,
    /// When the probe fires.
    pub due: Option<Micros>,
    probed: bool,
}

impl TailLossProbe {
    fn pto(&self) -> Micros {
        let outstanding = match (self.snd_una, self.snd_nxt) {
            (Some(una), Some(nxt)) => seq::distance(una, nxt).max(0) as u64,
            _ => 0,
        };
        let slack = if outstanding > u64::from(self.last_data_len) {
            PTO_SLACK
        } else {
            PTO_SLACK_ONE_SEGMENT
        };
        match self.srtt {
            Some(srtt) => 2 * srtt + slack,
            // Linux's TCP_TIMEOUT_INIT before any RTT sample.
            None => 1_000_000,
        }
    }

    /// A segment left the host.
    pub fn on_sent(&mut self, now: Micros, seg: &Segment, frame: &[u8], retransmission: bool) {
        if seg.seq_len() == 0 || retransmission {
            return;
        }
        let end = seg.seq.wrapping_add(seg.seq_len());
        if self.timing.is_none() {
            self.timing = Some((end, now));
        }
        if self.snd_una.is_none() {
            self.snd_una = Some(seg.seq);
        }
        self.snd_nxt = Some(end);
        if !seg.has(flags::SYN) {
            self.last_data = Some(frame.to_vec());
            self.last_data_len = seg.seq_len();
            self.probed = false;
            self.due = Some(now + self.pto());
        }
    }

    /// An ACK arrived.
    pub fn on_ack(&mut self, now: Micros, ack: u32) {
        if let Some((end, sent)) = self.timing
            && seq::le(end, ack)
        {
            let sample = now - sent;
            self.srtt = Some(match self.srtt {
                None => sample,
                Some(s) => (7 * s + sample) / 8,
            });
            self.timing = None;
        }
        let advances = self.snd_una.is_some_and(|una| seq::lt(una, ack));
        if !advances {
            return;
        }
        self.snd_una = Some(ack);
        let all_acked = self.snd_nxt.is_some_and(|nxt| seq::le(nxt, ack));
        if all_acked {
            self.due = None;
            self.last_data = None;
        } else if self.due.is_some() && !self.probed {
            self.due = Some(now + self.pto());
        }
    }

    /// If the probe timer is due, the frame to resend, carrying the receiver's
    /// current ACK and window (RFC 9293 3.10.7.4: every segment sent reports the
    /// current state; the window the frame had when first sent may promise room
    /// the receive buffer no longer has).
    pub fn fire(&mut self, now: Micros, current: frame::Edit) -> Option<(Vec<u8>, Micros)> {
        let due = self.due?;
        if due > now {
            return None;
        }
        self.due = None;
        if self.probed {
            return None;
        }
        self.probed = true;
        let pto = self.pto();
        let last = self.last_data.as_ref()?;
        let frame = frame::edited(last, current);
        Some((frame, pto))
    }
}
