//! Congestion control as Linux's modules do it, behind the hooks
//! tcp_congestion_ops gives them: `ssthresh` (the window after a loss),
//! `cong_avoid` (growth per ACK), `pkts_acked` (RTT samples), and state
//! changes. Windows count segments, as Linux's snd_cwnd does.
//!
//! - none: no congestion window (the peer's window alone limits);
//! - reno (tcp_cong.c, RFC 5681 with appropriate byte counting in segments:
//!   slow start adds one segment per segment acknowledged, congestion
//!   avoidance one per window);
//! - cubic (tcp_cubic.c, RFC 9438) with HyStart, Linux's default.

use crate::linux::sender::cubic::Cubic;
use crate::linux::sender::cwnd::{INFINITE_SSTHRESH, Window};
use crate::scenario::model::{Congestion, Micros};

/// One connection's congestion-control module.
#[derive(Debug, Clone)]
pub(crate) enum Module {
    None,
    Reno,
    Cubic(Box<Cubic>),
}

impl Module {
    pub(crate) fn new(kind: Congestion) -> Module {
        match kind {
            Congestion::None => Module::None,
            Congestion::Reno => Module::Reno,
            Congestion::Cubic => Module::Cubic(Box::default()),
        }
    }

    /// Whether there is a congestion window at all.
    pub(crate) fn limits(&self) -> bool {
        !matches!(self, Module::None)
    }

    /// ssthresh after a loss (tcp_reno_ssthresh, cubictcp_recalc_ssthresh).
    pub(crate) fn ssthresh(&mut self, w: &Window) -> u32 {
        match self {
            Module::None => INFINITE_SSTHRESH,
            Module::Reno => (w.cwnd >> 1).max(2),
            Module::Cubic(c) => c.recalc_ssthresh(w.cwnd),
        }
    }

    /// cong_avoid: `acked` segments were newly delivered at `now`; `limited`
    /// says whether the sender was limited by cwnd (tcp_is_cwnd_limited).
    pub(crate) fn cong_avoid(
        &mut self,
        w: &mut Window,
        acked: u32,
        limited: bool,
        now: Micros,
        srtt: Option<Micros>,
    ) {
        if !limited {
            return;
        }
        match self {
            Module::None => {}
            Module::Reno => {
                let mut acked = acked;
                if w.in_slow_start() {
                    acked = w.slow_start(acked);
                    if acked == 0 {
                        return;
                    }
                }
                let cwnd = w.cwnd;
                w.avoid_ai(cwnd, acked);
            }
            Module::Cubic(c) => c.cong_avoid(w, acked, now, srtt),
        }
    }

    /// pkts_acked: an RTT sample (the newest segment acknowledged).
    pub(crate) fn pkts_acked(
        &mut self,
        w: &mut Window,
        rtt: Micros,
        now: Micros,
        una_nxt: (u32, u32),
    ) {
        if let Module::Cubic(c) = self {
            c.acked(w, rtt, now, una_nxt);
        }
    }

    /// The connection entered the Loss state (a retransmission timeout).
    pub(crate) fn on_loss_state(&mut self, now: Micros, snd_nxt: u32) {
        if let Module::Cubic(c) = self {
            c.reset(now, snd_nxt);
        }
    }

    /// The first data after an idle period (CA_EVENT_TX_START).
    pub(crate) fn on_tx_start(&mut self, now: Micros, last_send: Micros) {
        if let Module::Cubic(c) = self {
            c.tx_start(now, last_send);
        }
    }

    /// A new round of slow start begins at `snd_nxt` (HyStart's round).
    pub(crate) fn on_init(&mut self, now: Micros, snd_nxt: u32) {
        if let Module::Cubic(c) = self {
            c.hystart_reset(now, snd_nxt);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reno_doubles_per_round_in_slow_start_then_adds_one_per_window() {
        let mut w = Window {
            cwnd: 10,
            ssthresh: INFINITE_SSTHRESH,
            cnt: 0,
        };
        let mut reno = Module::Reno;
        reno.cong_avoid(&mut w, 10, true, 0, None);
        assert_eq!(w.cwnd, 20);
        w.ssthresh = 20;
        for _ in 0..20 {
            reno.cong_avoid(&mut w, 1, true, 0, None);
        }
        assert_eq!(w.cwnd, 21);
        assert_eq!(reno.ssthresh(&w), 10);
    }

    #[test]
    fn no_growth_when_not_limited_by_cwnd() {
        let mut w = Window {
            cwnd: 10,
            ssthresh: INFINITE_SSTHRESH,
            cnt: 0,
        };
        Module::Reno.cong_avoid(&mut w, 10, false, 0, None);
        assert_eq!(w.cwnd, 10);
    }
}
