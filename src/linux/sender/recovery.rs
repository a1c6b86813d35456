//! Loss recovery as Linux's tcp_fastretrans_alert runs it with RACK (the
//! default since 4.18): the congestion states, entering fast recovery when
//! RACK marks a segment lost, Proportional Rate Reduction (RFC 6937) while
//! recovering, the Loss state after a timeout with F-RTO (RFC 5682), and undo
//! when the retransmissions turn out unnecessary (D-SACK, RFC 2883; or the
//! timestamps, RFC 7323's Eifel detection).

use crate::linux::sender::cwnd::INFINITE_SSTHRESH;
use crate::linux::sender::rack::sent_after;
use crate::linux::sender::rtt::jiffies;
use crate::linux::sender::{CaState, Sender, TimerKind};
use crate::scenario::model::Micros;
use crate::wire::seq;

/// TCP_TIMEOUT_MIN_US, added to RACK's reordering timeout before it is
/// rounded up to jiffies (tcp_rack_reo_timeout, tcp_rack_update_reo_wnd's
/// caller tcp_rack_mark_lost).
const REO_MARGIN: Micros = 2_000;
/// sysctl_tcp_reordering.
const REORDERING: u32 = 3;

impl Sender {
    /// tcp_rack_reo_wnd: how long to wait for reordering before calling a
    /// segment lost: min_rtt/4 per step, at most SRTT; none while recovering
    /// (or with three segments SACKed) when no reordering was ever seen.
    fn reo_wnd(&self) -> Micros {
        if !self.rack.reord_seen
            && (self.ca_state >= CaState::Recovery || self.queue.sacked_out >= REORDERING)
        {
            return 0;
        }
        let min_rtt = self.rtt.min_rtt.unwrap_or(0);
        ((min_rtt >> 2) * Micros::from(self.rack.reo_wnd_steps)).min(self.rtt.srtt8 >> 3)
    }

    /// tcp_rack_detect_loss: mark lost every segment sent before the newest
    /// one delivered that has waited longer than RACK's RTT plus the
    /// reordering window. Returns how long the nearest other one has left.
    pub(crate) fn rack_detect_loss(&mut self, now: Micros) -> Micros {
        let Some(rack_at) = self.rack.xmit_at else {
            return 0;
        };
        let reo_wnd = self.reo_wnd();
        let mut wait = 0;
        for i in 0..self.queue.segs.len() {
            let s = &self.queue.segs[i];
            if s.sacked || (s.lost && !s.retrans) {
                continue;
            }
            if !sent_after(rack_at, s.xmit_at, self.rack.end_seq, s.end) {
                continue;
            }
            let remaining = (self.rack.rtt + reo_wnd) as i64 - now.saturating_sub(s.xmit_at) as i64;
            if remaining <= 0 {
                if self.queue.mark_lost(i) {
                    self.lost += 1;
                }
            } else {
                wait = wait.max(remaining as Micros);
            }
        }
        wait
    }

    /// tcp_rack_mark_lost; arms the reordering timer for the segments that
    /// may still arrive. Returns whether it armed it.
    pub(crate) fn rack_mark_lost(&mut self, now: Micros) -> bool {
        if !self.rack.advanced {
            return false;
        }
        self.rack.advanced = false;
        let wait = self.rack_detect_loss(now);
        if wait > 0 {
            self.timer = Some((TimerKind::ReoTimeout, now + jiffies(wait + REO_MARGIN)));
            return true;
        }
        false
    }

    /// tcp_init_undo.
    fn init_undo(&mut self) {
        self.undo_marker = Some(self.snd_una);
        self.undo_retrans = if self.queue.retrans_out > 0 { 0 } else { -1 };
        self.retrans_stamp = None;
    }

    /// tcp_init_cwnd_reduction.
    pub(crate) fn init_cwnd_reduction(&mut self) {
        self.high_seq = self.snd_nxt;
        self.tlp_high_seq = None;
        self.w.cnt = 0;
        self.prior_cwnd = self.w.cwnd;
        self.prr_delivered = 0;
        self.prr_out = 0;
        self.w.ssthresh = self.module.ssthresh(&self.w);
    }

    /// tcp_cwnd_reduction: PRR (RFC 6937). While more is in flight than
    /// ssthresh, send in proportion to what was delivered; below it, grow back
    /// towards ssthresh like slow start (PRR-SSRB).
    pub(crate) fn cwnd_reduction(
        &mut self,
        newly_acked_sacked: u32,
        newly_lost: u32,
        una_advanced: bool,
    ) {
        if newly_acked_sacked == 0 || self.prior_cwnd == 0 {
            return;
        }
        self.prr_delivered += newly_acked_sacked;
        let in_flight = self.in_flight() as i64;
        let delta = self.w.ssthresh as i64 - in_flight;
        let mut sndcnt: i64 = if delta < 0 {
            let dividend = u64::from(self.w.ssthresh) * u64::from(self.prr_delivered)
                + u64::from(self.prior_cwnd)
                - 1;
            (dividend / u64::from(self.prior_cwnd)) as i64 - i64::from(self.prr_out)
        } else {
            let mut n = (i64::from(self.prr_delivered) - i64::from(self.prr_out))
                .max(i64::from(newly_acked_sacked));
            if una_advanced && newly_lost == 0 {
                n += 1;
            }
            n.min(delta)
        };
        // Force a fast retransmit upon entering fast recovery.
        sndcnt = sndcnt.max(if self.prr_out > 0 { 0 } else { 1 });
        self.w.cwnd = (in_flight + sndcnt).max(1) as u32;
    }

    /// tcp_end_cwnd_reduction: cwnd = ssthresh when a reduction ends.
    pub(crate) fn end_cwnd_reduction(&mut self) {
        if self.w.ssthresh < INFINITE_SSTHRESH
            && (self.ca_state == CaState::Cwr || self.undo_marker.is_some())
        {
            self.w.cwnd = self.w.ssthresh;
        }
    }

    /// tcp_enter_recovery.
    pub(crate) fn enter_recovery(&mut self) {
        self.prior_ssthresh = 0;
        self.init_undo();
        if !self.in_reduction() {
            self.prior_ssthresh = self.current_ssthresh();
            self.init_cwnd_reduction();
        }
        self.ca_state = CaState::Recovery;
        self.counts.recoveries += 1;
    }

    /// tcp_enter_loss, on a retransmission timeout: ssthresh from the
    /// module, cwnd one more than what is still in flight, everything not
    /// SACKed whose RACK time is up marked lost, and F-RTO armed.
    pub(crate) fn enter_loss(&mut self, now: Micros) {
        let new_recovery = self.ca_state < CaState::Recovery;
        if self.ca_state <= CaState::Disorder
            || !seq::lt(self.snd_una, self.high_seq)
            || (self.ca_state == CaState::Loss && self.retransmits == 0)
        {
            self.prior_ssthresh = self.current_ssthresh();
            self.prior_cwnd = self.w.cwnd;
            self.w.ssthresh = self.module.ssthresh(&self.w);
            self.init_undo();
        }
        // tcp_timeout_mark_lost.
        let head_sacked = self.queue.segs.front().is_some_and(|s| s.sacked);
        if head_sacked {
            self.queue.clear_sacks();
        }
        let reo = 0;
        for i in 0..self.queue.segs.len() {
            let s = &self.queue.segs[i];
            let recent = self.rack.xmit_at.is_some()
                && i != 0
                && (self.rack.rtt + reo) as i64 - now.saturating_sub(s.xmit_at) as i64 > 0;
            if recent {
                continue;
            }
            if self.queue.mark_lost(i) {
                self.lost += 1;
            }
        }
        self.w.cwnd = self.in_flight() + 1;
        self.w.cnt = 0;
        self.ca_state = CaState::Loss;
        self.module.on_loss_state(now, self.snd_nxt);
        self.high_seq = self.snd_nxt;
        self.tlp_high_seq = None;
        self.frto = new_recovery || self.retransmits > 0;
    }

    /// tcp_may_undo: nothing was retransmitted that the peer did not already
    /// have, as D-SACKs or the timestamps tell.
    fn may_undo(&self, ts_before_retrans: bool) -> bool {
        self.undo_marker.is_some() && (self.undo_retrans == 0 || ts_before_retrans)
    }

    /// tcp_undo_cwnd_reduction: the window goes back to before the recovery.
    fn undo_cwnd_reduction(&mut self) {
        if self.prior_ssthresh > 0 {
            self.w.cwnd = self.w.cwnd.max(self.prior_cwnd);
            if self.prior_ssthresh > self.w.ssthresh {
                self.w.ssthresh = self.prior_ssthresh;
            }
        }
        self.undo_marker = None;
        self.counts.spurious += 1;
        self.rack.reord_seen = true;
    }

    /// tcp_try_undo_recovery: at the end of a recovery; true when the state
    /// is to be held (never for SACK connections).
    fn try_undo_recovery(&mut self, ts_before_retrans: bool) {
        if self.may_undo(ts_before_retrans) {
            self.undo_cwnd_reduction();
        } else {
            self.rack.on_recovery_done();
        }
        self.ca_state = CaState::Open;
    }

    /// tcp_try_to_open: Disorder while anything is SACKed, lost or
    /// retransmitted, else Open.
    fn try_to_open(&mut self) {
        if self.ca_state == CaState::Cwr {
            return;
        }
        let state = if self.queue.sacked_out + self.queue.lost_out > 0 || self.queue.retrans_out > 0
        {
            CaState::Disorder
        } else {
            CaState::Open
        };
        if self.ca_state != state {
            self.ca_state = state;
            self.high_seq = self.snd_nxt;
        }
    }

    /// tcp_process_tlp_ack: the ACK of a tail loss probe tells whether the
    /// tail was lost (the probe repaired it: reduce the window, RFC 8985 7.4)
    /// or not (both copies arrived: nothing to do).
    pub(crate) fn process_tlp_ack(&mut self, ack: u32, dsack: bool, not_dup: bool) {
        let Some(high) = self.tlp_high_seq else {
            return;
        };
        if seq::lt(ack, high) {
            return;
        }
        if !self.tlp_retrans || dsack {
            self.tlp_high_seq = None;
        } else if seq::lt(high, ack) {
            self.init_cwnd_reduction();
            self.ca_state = CaState::Cwr;
            self.end_cwnd_reduction();
            self.ca_state = CaState::Open;
            self.try_to_open();
        } else if !not_dup {
            self.tlp_high_seq = None;
        }
    }

    /// tcp_fastretrans_alert, for an ACK that was "dubious" (not a plain
    /// in-order advance). Returns whether lost segments may be resent.
    pub(crate) fn fastretrans_alert(&mut self, ack: &AckFacts, now: Micros) -> bool {
        if self.queue.packets_out() == 0 && self.queue.sacked_out > 0 {
            self.queue.clear_sacks();
        }
        // D. State exits once everything up to high_seq is acknowledged.
        if self.ca_state == CaState::Open {
            self.retrans_stamp = None;
        } else if !seq::lt(self.snd_una, self.high_seq) {
            match self.ca_state {
                CaState::Cwr if self.snd_una != self.high_seq => {
                    self.end_cwnd_reduction();
                    self.ca_state = CaState::Open;
                }
                CaState::Recovery => {
                    if !self.sack_ok {
                        self.reset_reno_sack();
                        if self.snd_una == self.high_seq {
                            // tcp_try_undo_recovery: without SACK, hold the
                            // state until data above the recovery point is
                            // ACKed (RFC 6582 4.2: no false fast retransmits).
                            return false;
                        }
                    }
                    self.try_undo_recovery(ack.ts_before_retrans);
                    if self.undo_marker.is_some() {
                        self.end_cwnd_reduction();
                    }
                    self.undo_marker = None;
                }
                _ => {}
            }
        }
        // E. Process the state.
        if !self.sack_ok {
            match self.ca_state {
                CaState::Recovery | CaState::Loss if ack.una_advanced => {
                    if self.ca_state == CaState::Loss {
                        self.reset_reno_sack();
                    }
                }
                CaState::Recovery | CaState::Loss => self.add_reno_sack(u32::from(ack.dupack)),
                _ => {
                    if ack.una_advanced {
                        self.reset_reno_sack();
                    }
                    self.add_reno_sack(u32::from(ack.dupack));
                }
            }
        }
        match self.ca_state {
            CaState::Recovery => {
                if ack.dsack && self.undo_retrans == 0 && self.undo_marker.is_some() {
                    self.undo_cwnd_reduction();
                    self.try_to_open();
                }
                self.identify_loss(now, ack);
                true
            }
            CaState::Loss => {
                if !self.process_loss(ack, now) {
                    return false;
                }
                self.identify_loss(now, ack);
                true
            }
            _ => {
                self.identify_loss(now, ack);
                if self.queue.lost_out == 0 {
                    self.try_to_open();
                    return false;
                }
                self.enter_recovery();
                true
            }
        }
    }

    fn identify_loss(&mut self, now: Micros, ack: &AckFacts) {
        if self.queue.packets_out() == 0 {
            return;
        }
        if !self.sack_ok {
            self.newreno_mark_lost(ack.una_advanced);
            return;
        }
        if self.rack_mark_lost(now) {
            // The reordering timer is armed: the ACK does not rearm the RTO.
            let _ = ack;
        }
    }

    /// tcp_process_loss: F-RTO's checks, and the end of the Loss state.
    fn process_loss(&mut self, ack: &AckFacts, now: Micros) -> bool {
        let recovered = !seq::lt(self.snd_una, self.high_seq);
        if ack.una_advanced && self.undo_marker.is_some() && ack.ts_before_retrans {
            // tcp_try_undo_loss: the original segments were not lost.
            self.undo_cwnd_reduction();
            self.ca_state = CaState::Open;
            self.frto = false;
            return false;
        }
        if self.frto {
            if ack.orig_sacked && ack.ts_before_retrans {
                self.undo_cwnd_reduction();
                self.ca_state = CaState::Open;
                self.frto = false;
                return false;
            }
            if seq::lt(self.high_seq, self.snd_nxt) {
                if ack.data_sacked || ack.dupack {
                    self.frto = false;
                }
            } else if ack.una_advanced && !recovered {
                self.high_seq = self.snd_nxt;
                return false;
            } else {
                self.frto = false;
            }
        }
        if recovered {
            self.try_undo_recovery(ack.ts_before_retrans);
            let _ = now;
            return false;
        }
        true
    }
}

/// What tcp_ack learnt from one ACK, for the state machine.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AckFacts {
    pub(crate) una_advanced: bool,
    pub(crate) data_sacked: bool,
    pub(crate) orig_sacked: bool,
    pub(crate) dsack: bool,
    pub(crate) dupack: bool,
    /// The ACK's TSecr is older than our first retransmission (tcp_packet_delayed).
    pub(crate) ts_before_retrans: bool,
    /// Start of the lowest segment newly SACKed that was never resent.
    pub(crate) reord: Option<u32>,
}
