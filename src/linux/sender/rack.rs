//! RACK's state (RFC 8985 6; Linux tcp_recovery.c): the send time and end of
//! the most recently sent segment known delivered, the RTT it gave, and the
//! reordering window. A segment sent before that one and still not delivered
//! a reordering window after the RTT is lost.

use crate::scenario::model::Micros;
use crate::wire::seq;

/// One connection's RACK state.
#[derive(Debug, Clone)]
pub(crate) struct Rack {
    /// Send time of the most recently sent segment delivered (rack.mstamp).
    pub(crate) xmit_at: Option<Micros>,
    /// Its end sequence number, to order segments sent at the same time.
    pub(crate) end_seq: u32,
    /// The RTT that segment gave (rack.rtt_us).
    pub(crate) rtt: Micros,
    /// Something was delivered since the last loss check (rack.advanced).
    pub(crate) advanced: bool,
    /// The reordering window in steps of min_rtt/4 (reo_wnd_steps).
    pub(crate) reo_wnd_steps: u32,
    /// Recoveries left before the window shrinks back (reo_wnd_persist).
    pub(crate) reo_wnd_persist: u32,
    /// Reordering was seen on this connection (tp->reord_seen).
    pub(crate) reord_seen: bool,
    /// A D-SACK arrived since the window last grew.
    pub(crate) dsack_seen: bool,
}

impl Default for Rack {
    fn default() -> Rack {
        Rack {
            xmit_at: None,
            end_seq: 0,
            rtt: 0,
            advanced: false,
            reo_wnd_steps: 1,
            reo_wnd_persist: 0,
            reord_seen: false,
            dsack_seen: false,
        }
    }
}

/// tcp_skb_sent_after: whether (t1, seq1) was sent after (t2, seq2).
pub(crate) fn sent_after(t1: Micros, t2: Micros, seq1: u32, seq2: u32) -> bool {
    t1 > t2 || (t1 == t2 && seq::lt(seq2, seq1))
}

impl Rack {
    /// tcp_rack_advance: a segment sent at `xmit_at`, ending at `end`, was
    /// (S)ACKed at `now`. A retransmitted segment that comes back sooner than
    /// the minimum RTT was the original being acknowledged: it says nothing.
    pub(crate) fn advance(
        &mut self,
        now: Micros,
        xmit_at: Micros,
        end: u32,
        retransmitted: bool,
        min_rtt: Option<Micros>,
    ) {
        let rtt = now.saturating_sub(xmit_at);
        if retransmitted && min_rtt.is_some_and(|m| rtt < m) {
            return;
        }
        self.advanced = true;
        self.rtt = rtt;
        let newer = match self.xmit_at {
            None => true,
            Some(t) => sent_after(xmit_at, t, end, self.end_seq),
        };
        if newer {
            self.xmit_at = Some(xmit_at);
            self.end_seq = end;
        }
    }

    /// tcp_rack_update_reo_wnd after an ACK: a D-SACK widens the window once
    /// per round trip; after 16 recoveries without one it narrows again.
    pub(crate) fn on_dsack(&mut self) {
        self.reord_seen = true;
        if !self.dsack_seen {
            self.reo_wnd_steps = (self.reo_wnd_steps + 1).min(0xff);
            self.dsack_seen = true;
        }
        self.reo_wnd_persist = 16;
    }

    /// A recovery ended without a D-SACK: count down towards the default window.
    pub(crate) fn on_recovery_done(&mut self) {
        if self.reo_wnd_persist > 0 {
            self.reo_wnd_persist -= 1;
            if self.reo_wnd_persist == 0 {
                self.reo_wnd_steps = 1;
            }
        }
        self.dsack_seen = false;
    }
}
