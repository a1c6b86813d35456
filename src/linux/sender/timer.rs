//! The retransmission timer and its three jobs (icsk_pending): the RTO
//! (RFC 6298; tcp_retransmit_timer), the tail loss probe (RFC 8985 7;
//! tcp_schedule_loss_probe, tcp_send_loss_probe), and RACK's reordering
//! timeout (tcp_rack_reo_timeout); and the zero-window probe timer
//! (tcp_probe_timer).

use crate::linux::sender::rtt::{RTO_MAX, RTO_MIN, TIMEOUT_INIT, jiffies};
use crate::linux::sender::xmit::Resend;
use crate::linux::sender::{CaState, Sender, TimerKind, Why};
use crate::scenario::model::Micros;

/// The tail loss probe's margin with several segments out: TCP_TIMEOUT_MIN,
/// two jiffies (8 ms at HZ = 250; measured 2·SRTT + 8 ms on the reference
/// kernel, tests/packetdrill/README.md).
const TIMEOUT_MIN: Micros = 2 * crate::linux::sender::rtt::JIFFY;

/// tcp_syn_linear_timeouts (Linux 6.5+, default 4; not settable per
/// network namespace on the reference kernel): an active open's first
/// retransmissions keep the initial 1 s.
pub(crate) const SYN_LINEAR_TIMEOUTS: u32 = 4;

/// What a timer that fired asks of the stack.
#[derive(Debug, Clone, Default)]
pub struct Fired {
    /// Segments to resend.
    pub resend: Vec<Resend>,
    /// Send new data now, even beyond the window (the probe sends new data
    /// when there is some and the peer's window allows).
    pub probe_new_data: bool,
    /// Send a zero-window probe (an ACK with SND.UNA - 1).
    pub zero_window_probe: bool,
    /// Give up on the connection without a RST (tcp_write_err): the SYN
    /// retries ran out, or TCP_USER_TIMEOUT passed.
    pub abort: bool,
}

impl Sender {
    /// icsk_rto: the current timeout, backed off after timeouts.
    pub(crate) fn rto_now(&self) -> Micros {
        self.rto
    }

    /// tcp_rto_delta_us: how far in the future the head segment's RTO lies.
    fn rto_delta(&self, now: Micros) -> i64 {
        match self.queue.segs.front() {
            Some(head) => (head.xmit_at + self.rto) as i64 - now as i64,
            None => self.rto as i64,
        }
    }

    /// tcp_rearm_rto.
    pub(crate) fn rearm_rto(&mut self, now: Micros) {
        if matches!(self.timer, Some((TimerKind::Syn, _))) {
            return;
        }
        if self.queue.packets_out() == 0 {
            if !matches!(self.timer, Some((TimerKind::Probe0, _))) {
                self.timer = None;
            }
            return;
        }
        let after = match self.timer {
            Some((TimerKind::ReoTimeout | TimerKind::LossProbe, _)) => {
                jiffies(self.rto_delta(now).max(1) as Micros)
            }
            _ => jiffies(self.rto),
        };
        self.timer = Some((TimerKind::Rto, now + after));
    }

    /// tcp_schedule_loss_probe: arm the probe at 2·SRTT (plus room for a
    /// delayed ACK with one segment out), unless the RTO comes first. Only on
    /// SACK connections that are not recovering. Returns whether it did.
    pub(crate) fn schedule_loss_probe(&mut self, now: Micros, advancing_rto: bool) -> bool {
        if !self.tlp
            || self.queue.packets_out() == 0
            || !self.sack_ok
            || !matches!(self.ca_state, CaState::Open | CaState::Cwr)
        {
            return false;
        }
        let mut timeout = match self.rtt.srtt() {
            Some(_) => {
                let margin = if self.queue.packets_out() == 1 {
                    RTO_MIN
                } else {
                    TIMEOUT_MIN
                };
                jiffies((self.rtt.srtt8 >> 2) + margin)
            }
            None => TIMEOUT_INIT,
        };
        let rto_delta = if advancing_rto {
            self.rto as i64
        } else {
            self.rto_delta(now)
        };
        if rto_delta > 0 {
            timeout = timeout.min(jiffies(rto_delta as Micros));
        }
        self.last_pto = timeout;
        self.timer = Some((TimerKind::LossProbe, now + timeout));
        true
    }

    /// tcp_set_xmit_timer, after an ACK that acknowledged something.
    pub(crate) fn set_xmit_timer(&mut self, now: Micros) {
        if !self.schedule_loss_probe(now, true) {
            self.rearm_rto(now);
        }
    }

    /// The timer fired at `now`; `unsent` says whether new data waits and
    /// fits the peer's window.
    pub(crate) fn fire(&mut self, now: Micros, unsent_fits: bool) -> Fired {
        let Some((kind, due)) = self.timer else {
            return Fired::default();
        };
        if due > now {
            return Fired::default();
        }
        self.timer = None;
        match kind {
            TimerKind::Rto => self.on_rto(now),
            TimerKind::Syn => self.on_syn_timer(now),
            TimerKind::LossProbe => self.on_loss_probe(now, unsent_fits),
            TimerKind::ReoTimeout => self.on_reo_timeout(now),
            TimerKind::Probe0 => self.on_probe0(now),
        }
    }

    /// The handshake timer (tcp_retransmit_timer in SYN-SENT,
    /// reqsk_timer_handler for a listener): resend the SYN (SYN-ACK) until
    /// tcp_syn_retries (tcp_synack_retries) are spent. An active open keeps
    /// the initial 1 s for its first retransmissions (tcp_syn_linear_timeouts,
    /// 4 since Linux 6.5), then doubles (RFC 6298 5.5); a listener doubles
    /// from the start.
    fn on_syn_timer(&mut self, now: Micros) -> Fired {
        let Some((_, frame, passive)) = self.handshake.clone() else {
            return Fired::default();
        };
        // tcp_write_timeout: an active open may resend its SYN
        // tcp_syn_retries + tcp_syn_linear_timeouts times.
        let limit = if passive {
            self.synack_retries
        } else {
            self.syn_retries + SYN_LINEAR_TIMEOUTS
        };
        if self.syn_retransmitted >= limit {
            return Fired {
                abort: true,
                ..Fired::default()
            };
        }
        self.on_syn_resent();
        let k = self.syn_retransmitted;
        let shift = if passive {
            k
        } else {
            k.saturating_sub(SYN_LINEAR_TIMEOUTS)
        };
        self.rto = (TIMEOUT_INIT << shift.min(16)).min(RTO_MAX);
        self.timer = Some((TimerKind::Syn, now + jiffies(self.rto)));
        Fired {
            resend: vec![Resend {
                frame,
                keep: None,
                why: Why::Syn,
            }],
            ..Fired::default()
        }
    }

    /// TCP_USER_TIMEOUT's deadline: the first retransmission of the episode
    /// plus the timeout (retransmits_timed_out with retrans_stamp).
    fn user_deadline(&self) -> Option<Micros> {
        Some(self.retrans_stamp? + self.user_timeout?)
    }

    /// tcp_retransmit_timer.
    fn on_rto(&mut self, now: Micros) -> Fired {
        if self.queue.packets_out() == 0 {
            return Fired::default();
        }
        if self.user_deadline().is_some_and(|d| now >= d) {
            return Fired {
                abort: true,
                ..Fired::default()
            };
        }
        self.counts.rto += 1;
        self.enter_loss(now);
        self.retransmits += 1;
        let mut fired = Fired::default();
        fired.resend.push(self.resend(0, now, Why::Rto, true));
        if self.in_reduction() {
            self.prr_out += 1;
        }
        self.backoff += 1;
        self.rto = (self.rto * 2).min(RTO_MAX);
        let mut due = now + jiffies(self.rto);
        if let Some(deadline) = self.user_deadline() {
            // tcp_clamp_rto_to_user_timeout: the last timer fires at the deadline.
            due = due.min(deadline.max(now + 1));
        }
        self.timer = Some((TimerKind::Rto, due));
        fired
    }

    /// tcp_send_loss_probe: new data if the window lets it go, else the last
    /// segment again; one probe per tail.
    fn on_loss_probe(&mut self, now: Micros, unsent_fits: bool) -> Fired {
        let mut fired = Fired::default();
        if self.tlp_high_seq.is_some() || self.queue.packets_out() == 0 {
            self.rearm_rto(now);
            return fired;
        }
        self.counts.tlp += 1;
        if unsent_fits {
            fired.probe_new_data = true;
            self.tlp_retrans = false;
        } else {
            let last = self.queue.segs.len() - 1;
            fired.resend.push(self.resend(last, now, Why::Tlp, false));
            self.tlp_retrans = true;
        }
        // tlp_high_seq is set once the probe has left (see `probe_sent`).
        self.timer = None;
        fired
    }

    /// The probe went (its new data, if any, already counted in SND.NXT).
    pub(crate) fn probe_sent(&mut self, now: Micros) {
        self.tlp_high_seq = Some(self.snd_nxt);
        self.timer = None;
        self.rearm_rto(now);
    }

    /// tcp_rack_reo_timeout.
    fn on_reo_timeout(&mut self, now: Micros) -> Fired {
        let prior_in_flight = self.in_flight();
        let lost_before = self.lost;
        self.rack_detect_loss(now);
        let mut fired = Fired::default();
        if prior_in_flight != self.in_flight() {
            if self.ca_state != CaState::Recovery {
                self.enter_recovery();
                self.cwnd_reduction(1, self.lost - lost_before, false);
            }
            fired.resend = self.retransmit_lost(now);
        }
        if !matches!(self.timer, Some((TimerKind::Rto, _))) {
            self.rearm_rto(now);
        }
        fired
    }

    /// Arm the zero-window probe timer (tcp_check_probe_timer): nothing in
    /// flight and data waiting for a window that is shut.
    pub(crate) fn arm_probe0(&mut self, now: Micros) {
        if self.queue.packets_out() > 0 || self.timer.is_some() {
            return;
        }
        self.timer = Some((TimerKind::Probe0, now + self.probe0_when()));
    }

    /// The window opened or data is in flight again: no more probes.
    pub(crate) fn window_open(&mut self) {
        self.probes_out = 0;
        if matches!(self.timer, Some((TimerKind::Probe0, _))) {
            self.timer = None;
            self.backoff = 0;
        }
    }

    /// tcp_probe0_when: the RTO (at least TCP_RTO_MIN), doubled per probe.
    fn probe0_when(&self) -> Micros {
        let base = self.rto.max(RTO_MIN);
        let shift = self.backoff.min(10);
        jiffies((base << shift).min(RTO_MAX))
    }

    fn on_probe0(&mut self, now: Micros) -> Fired {
        self.probes_out += 1;
        self.backoff += 1;
        self.timer = Some((TimerKind::Probe0, now + self.probe0_when()));
        Fired {
            zero_window_probe: true,
            ..Fired::default()
        }
    }
}
