//! Sending: may new data go now (tcp_cwnd_test, tcp_snd_wnd_test), what
//! happens when a segment leaves (tcp_event_new_data_sent), and which lost
//! segments to resend (tcp_xmit_retransmit_queue).

use crate::linux::sender::rtt::{TIMEOUT_INIT, jiffies};
use crate::linux::sender::{CaState, Sender, TimerKind, Why};
use crate::scenario::model::Micros;
use crate::wire::seq;

/// A segment this layer resends: the frame as first sent, cut to what is
/// still unacknowledged, and why.
#[derive(Debug, Clone)]
pub struct Resend {
    pub frame: Vec<u8>,
    /// Payload offsets to keep, when the head was partly acknowledged.
    pub keep: Option<(u32, u32)>,
    pub why: Why,
}

impl Sender {
    /// Our SYN (or a listener's SYN-ACK, `passive`) left at `now` with
    /// sequence number `isn`: the handshake timer starts (TCP_TIMEOUT_INIT,
    /// RFC 6298 2.1), with the frame kept to resend.
    pub(crate) fn on_syn_sent(&mut self, now: Micros, isn: u32, frame: Vec<u8>, passive: bool) {
        self.snd_una = isn;
        self.snd_nxt = isn.wrapping_add(1);
        self.started = true;
        self.syn = Some((self.snd_nxt, now));
        self.handshake = Some((self.snd_nxt, frame, passive));
        self.last_send = now;
        self.timer = Some((TimerKind::Syn, now + jiffies(TIMEOUT_INIT)));
    }

    /// The peer sent its SYN again and smoltcp answered with our SYN-ACK
    /// (tcp_check_req's retransmission): it counts as one.
    pub(crate) fn on_syn_resent(&mut self) {
        self.syn = None;
        self.syn_retransmitted += 1;
        self.counts.total_retrans += 1;
    }

    /// How many more segments the congestion window lets go now, with
    /// `planned` segments already handed over but not yet sent.
    pub(crate) fn cwnd_quota(&self, planned: u32) -> u32 {
        self.cwnd()
            .saturating_sub(self.in_flight().saturating_add(planned))
    }

    /// A new segment `[start, end)` left at `now` (tcp_event_new_data_sent).
    pub(crate) fn on_new_segment(&mut self, now: Micros, start: u32, end: u32, frame: Vec<u8>) {
        if !self.started {
            self.snd_una = start;
            self.started = true;
        }
        let prior_packets = self.queue.packets_out();
        if prior_packets == 0 && self.slow_start_after_idle {
            self.restart_after_idle(now);
            if self.in_flight() == 0 {
                self.module.on_tx_start(now, self.last_send);
            }
        }
        self.queue.push(start, end, frame, now);
        if seq::lt(self.snd_nxt, end) {
            self.snd_nxt = end;
        }
        self.last_send = now;
        if self.in_reduction() {
            self.prr_out += 1;
        }
        if prior_packets == 0 || matches!(self.timer, Some((TimerKind::LossProbe, _))) {
            self.rearm_rto(now);
        }
        self.schedule_loss_probe(now, false);
    }

    /// tcp_slow_start_after_idle_check / tcp_cwnd_restart: after an idle time
    /// longer than the RTO, the window falls back towards the initial one,
    /// halving per RTO idle (RFC 5681 4.1).
    fn restart_after_idle(&mut self, now: Micros) {
        if !self.module.limits() {
            return;
        }
        let idle = now.saturating_sub(self.last_send);
        if self.last_send == 0 || idle <= self.rto_now() {
            return;
        }
        let restart = super::INIT_CWND.min(self.w.cwnd);
        self.w.ssthresh = self.current_ssthresh();
        let mut cwnd = self.w.cwnd;
        let mut delta = idle as i64;
        loop {
            delta -= self.rto_now() as i64;
            if delta <= 0 || cwnd <= restart {
                break;
            }
            cwnd >>= 1;
        }
        self.w.cwnd = cwnd.max(restart);
        self.w.cnt = 0;
    }

    /// tcp_current_ssthresh: ssthresh, or 3/4 of cwnd when that is larger
    /// outside a reduction.
    pub(crate) fn current_ssthresh(&self) -> u32 {
        if self.in_reduction() {
            self.w.ssthresh
        } else {
            self.w.ssthresh.max((self.w.cwnd >> 1) + (self.w.cwnd >> 2))
        }
    }

    /// After an attempt to send new data (tcp_cwnd_validate): remember
    /// whether the window, not the application, was the limit. `segments`
    /// were just handed over and are about to leave.
    pub(crate) fn after_push(&mut self, segments: u32) {
        let limited = self.in_flight() + segments >= self.cwnd();
        if segments == 0 && !limited {
            return;
        }
        let packets_out = self.queue.packets_out() + segments;
        if !seq::lt(self.snd_una, self.cwnd_usage_seq)
            || limited
            || (!self.cwnd_limited && packets_out > self.max_packets_out)
        {
            self.cwnd_limited = limited;
            self.max_packets_out = packets_out;
            self.cwnd_usage_seq = self.snd_nxt.wrapping_add(segments * self.mss);
        }
    }

    /// tcp_is_cwnd_limited.
    pub(crate) fn is_cwnd_limited(&self) -> bool {
        if self.cwnd_limited {
            return true;
        }
        self.w.in_slow_start() && self.w.cwnd < 2 * self.max_packets_out
    }

    /// tcp_xmit_retransmit_queue: resend segments marked lost, oldest first,
    /// while the congestion window has room.
    pub(crate) fn retransmit_lost(&mut self, now: Micros) -> Vec<Resend> {
        let mut out = Vec::new();
        if self.queue.lost_out == 0 {
            return out;
        }
        let why = if self.ca_state == CaState::Loss {
            Why::AfterRto
        } else if self.rack.reord_seen || self.queue.sacked_out < 3 {
            Why::Rack
        } else {
            Why::Sack
        };
        let mut rearm = false;
        for i in 0..self.queue.segs.len() {
            if self.cwnd() <= self.in_flight() {
                break;
            }
            if self.queue.retrans_out >= self.queue.lost_out {
                break;
            }
            let s = &self.queue.segs[i];
            if !s.lost || s.sacked || s.retrans {
                continue;
            }
            out.push(self.resend(i, now, why, true));
            if self.in_reduction() {
                self.prr_out += 1;
            }
            if self.ca_state != CaState::Loss {
                self.counts.fast_retransmits += 1;
            }
            if i == 0 && !matches!(self.timer, Some((TimerKind::ReoTimeout, _))) {
                rearm = true;
            }
        }
        if rearm {
            self.timer = Some((TimerKind::Rto, now + jiffies(self.rto_now())));
        }
        out
    }

    /// Resend queue entry `i` (tcp_retransmit_skb when `counted`, the loss
    /// probe's __tcp_retransmit_skb otherwise).
    pub(crate) fn resend(&mut self, i: usize, now: Micros, why: Why, counted: bool) -> Resend {
        self.queue.retransmitted(i, now, counted);
        self.counts.total_retrans += 1;
        if counted {
            if self.retrans_stamp.is_none() {
                self.retrans_stamp = Some(now);
            }
            self.undo_retrans = self.undo_retrans.max(0) + 1;
        }
        let s = &self.queue.segs[i];
        let keep = (s.start != s.frame_seq).then(|| {
            let from = s.start.wrapping_sub(s.frame_seq);
            (from, u32::MAX)
        });
        Resend {
            frame: s.frame.clone(),
            keep,
            why,
        }
    }
}
