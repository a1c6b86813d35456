//! Linux's receive-side ACK policy, modelled on top of smoltcp.
//!
//! smoltcp is told to ACK at once (`set_ack_delay(None)`); this policy then
//! decides, for each pure ACK smoltcp emits, whether Linux would have sent it
//! now or held it back (tcp_input.c `__tcp_ack_snd_check`, tcp_output.c
//! `tcp_send_delayed_ack`):
//! - quick ACKs: the first data of a connection starts up to 16 immediate ACKs
//!   (`tcp_incr_quickack`), refilled after an idle gap longer than the RTO;
//! - interactive ("pingpong") mode: once the host sends data within `ato` of
//!   receiving data, or receives a FIN (`tcp_fin`), ACKs wait for the delayed-ACK
//!   timer so they can ride on the reply or on the application's own FIN;
//! - more than one full-sized segment unacknowledged forces an ACK
//!   (RFC 9293 3.8.6.3, "at least every second full-sized segment");
//! - a duplicate ACK or window update (no new ACK number) goes at once
//!   (RFC 5681 4.2: out-of-order data is ACKed immediately);
//! - when the timer fires while in pingpong mode, Linux leaves pingpong mode.

use crate::scenario::model::Micros;
use crate::wire::seq;

/// Linux's TCP_MAX_QUICKACKS.
const MAX_QUICKACKS: u32 = 16;
/// TCP_DELACK_MAX (HZ/5): the longest delay in interactive mode.
const DELACK_MAX: Micros = 200_000;
/// HZ/2: the longest delay otherwise.
const DELACK_MAX_BULK: Micros = 500_000;

/// What to do with a pure ACK smoltcp wants to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckDecision {
    /// Send it now, for this reason.
    Now(&'static str),
    /// Hold it until `due` (or until another segment carries the ACK).
    Defer { due: Micros },
}

/// Per-connection delayed-ACK state.
#[derive(Debug, Clone)]
pub struct AckPolicy {
    /// The delayed-ACK timeout (icsk_ack.ato).
    ato: Micros,
    /// TCP_ATO_MIN (HZ/25 = 40 ms; the host's `delayed_ack` setting).
    ato_min: Micros,
    /// Set once the first data arrived (Linux initialises ato then).
    receiving: bool,
    quick: u32,
    pingpong: bool,
    /// When data last arrived.
    last_data_at: Micros,
    /// Highest ACK number actually sent.
    last_ack_sent: Option<u32>,
    /// Bytes in a full-sized segment from the peer.
    rcv_mss: u32,
    /// When the held ACK must go, if one is held.
    pub deferred_due: Option<Micros>,
    /// The ACK number of the held ACK.
    deferred_ack: Option<u32>,
    /// The peer's FIN arrived after ours: ACK it at once (Linux tcp_fin in
    /// FIN-WAIT-1/2 calls tcp_send_ack before entering TIME-WAIT).
    fin_after_ours: bool,
}

impl AckPolicy {
    pub fn new(ato: Micros, rcv_mss: u32) -> AckPolicy {
        AckPolicy {
            ato,
            ato_min: ato,
            receiving: false,
            quick: 0,
            pingpong: false,
            last_data_at: 0,
            last_ack_sent: None,
            rcv_mss,
            deferred_due: None,
            deferred_ack: None,
            fin_after_ours: false,
        }
    }

    pub fn set_rcv_mss(&mut self, mss: u32) {
        self.rcv_mss = mss;
    }

    /// Bytes in a full-sized segment from the peer (icsk_ack.rcv_mss).
    pub fn rcv_mss(&self) -> u32 {
        self.rcv_mss
    }

    #[cfg(test)]
    pub fn in_pingpong(&self) -> bool {
        self.pingpong
    }

    /// Data arrived (tcp_event_data_recv), `rto` the connection's current
    /// retransmission timeout: the ATO follows the gaps between segments
    /// (halved towards short gaps, capped at the RTO) and a gap longer than
    /// the RTO restarts quick ACKs.
    pub fn on_data_received(&mut self, now: Micros, rto: Micros) {
        let min = self.ato_min;
        if !self.receiving {
            self.receiving = true;
            self.quick = MAX_QUICKACKS;
            self.ato = min;
        } else {
            let m = now.saturating_sub(self.last_data_at);
            if m <= min / 2 {
                self.ato = self.ato / 2 + min / 2;
            } else if m < self.ato {
                self.ato = (self.ato / 2 + m).min(rto);
            } else if m > rto {
                self.quick = MAX_QUICKACKS;
            }
        }
        self.last_data_at = now;
    }

    /// A FIN arrived. While established, tcp_fin enters pingpong mode so the ACK
    /// of the FIN can ride on the application's own FIN; after our own FIN it is
    /// ACKed at once.
    pub fn on_fin_received(&mut self, our_fin_sent: bool) {
        if our_fin_sent {
            self.fin_after_ours = true;
        } else {
            self.pingpong = true;
        }
    }

    /// How long an ACK waits now (tcp_send_delayed_ack): the ATO, bounded
    /// above the minimum by 200 ms in interactive mode (500 ms otherwise) and
    /// by the smoothed RTT when there is one; timers run in jiffies.
    fn delay(&self, srtt: Option<Micros>) -> Micros {
        let mut ato = self.ato;
        if ato > self.ato_min {
            let mut max_ato = if self.pingpong {
                DELACK_MAX
            } else {
                DELACK_MAX_BULK
            };
            if let Some(srtt) = srtt.filter(|&s| s > 0) {
                max_ato = max_ato.min(crate::linux::sender::rtt::jiffies(srtt).max(self.ato_min));
            }
            ato = ato.min(max_ato);
        }
        ato
    }

    /// smoltcp emitted a pure ACK carrying `ack`; `srtt` bounds the delay.
    pub fn decide(&mut self, now: Micros, ack: u32, srtt: Option<Micros>) -> AckDecision {
        let new_ack = match self.last_ack_sent {
            // The first ACK of an active open completes the handshake at once.
            None => return AckDecision::Now("handshake ACK"),
            Some(last) => seq::lt(last, ack),
        };
        if !new_ack {
            return AckDecision::Now("duplicate ACK or window update: sent at once");
        }
        if std::mem::take(&mut self.fin_after_ours) {
            return AckDecision::Now("ACK of the peer's FIN after ours: sent at once");
        }
        if self.quick > 0 && !self.pingpong {
            return AckDecision::Now("quick ACK");
        }
        if let Some(last) = self.last_ack_sent
            && seq::distance(last, ack) > i64::from(self.rcv_mss)
        {
            return AckDecision::Now("ACK: more than one full-sized segment unacknowledged");
        }
        let delay = self.delay(srtt);
        let due = *self.deferred_due.get_or_insert(now + delay);
        self.deferred_ack = Some(ack);
        AckDecision::Defer { due }
    }

    /// A segment carrying `ack` left the host (any segment with the ACK flag).
    pub fn on_ack_sent(&mut self, ack: u32) {
        let advances = self.last_ack_sent.is_none_or(|last| seq::lt(last, ack));
        if advances {
            self.last_ack_sent = Some(ack);
            self.quick = self.quick.saturating_sub(1);
        }
        if self.deferred_ack.is_some_and(|held| seq::le(held, ack)) {
            self.deferred_due = None;
            self.deferred_ack = None;
        }
    }

    /// A data segment left the host (tcp_event_data_sent): a reply within ato of
    /// the last data received makes the connection interactive.
    pub fn on_data_sent(&mut self, now: Micros) {
        if self.receiving && now.saturating_sub(self.last_data_at) < self.ato {
            self.pingpong = true;
        }
    }

    /// The delayed-ACK timer fired and the held ACK goes out
    /// (tcp_delack_timer_handler, "delayed ACK missed"): a bulk receiver's
    /// ATO doubles, up to the RTO; an interactive one leaves pingpong mode
    /// with the ATO back at its minimum. Returns whether it left pingpong.
    pub fn on_timer_fired(&mut self, rto: Micros) -> bool {
        self.deferred_due = None;
        self.deferred_ack = None;
        if self.pingpong {
            self.pingpong = false;
            self.ato = self.ato_min;
            true
        } else {
            self.ato = (self.ato * 2).min(rto.max(self.ato_min));
            false
        }
    }

    /// Highest ACK number sent so far.
    pub fn last_ack_sent(&self) -> Option<u32> {
        self.last_ack_sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_data_is_acked_quickly_then_replies_make_it_interactive() {
        let mut p = AckPolicy::new(40_000, 1448);
        p.on_ack_sent(1);
        p.on_data_received(1_000, 300_000);
        assert_eq!(p.decide(1_000, 14, None), AckDecision::Now("quick ACK"));
        p.on_ack_sent(14);
        p.on_data_sent(1_100);
        assert!(p.in_pingpong());
        p.on_fin_received(false);
        assert_eq!(
            p.decide(2_000, 15, None),
            AckDecision::Defer { due: 42_000 }
        );
        // The application's FIN carries the ACK: the held one is cancelled.
        p.on_ack_sent(15);
        assert_eq!(p.deferred_due, None);
    }

    #[test]
    fn timer_leaves_pingpong_mode() {
        let mut p = AckPolicy::new(40_000, 1448);
        p.on_ack_sent(1);
        p.on_fin_received(false);
        assert!(matches!(p.decide(0, 2, None), AckDecision::Defer { .. }));
        assert!(p.on_timer_fired(300_000));
        assert!(!p.in_pingpong());
    }

    #[test]
    fn two_full_segments_force_an_ack() {
        let mut p = AckPolicy::new(40_000, 1448);
        p.on_ack_sent(1);
        p.on_fin_received(false);
        assert!(matches!(
            p.decide(0, 1 + 2 * 1448, None),
            AckDecision::Now("ACK: more than one full-sized segment unacknowledged")
        ));
    }
}
