//! An ACK taken in, in the order Linux's tcp_ack takes it: SACK blocks first
//! (tcp_sacktag_write_queue, with D-SACK detection, RFC 2883), then the
//! cumulative ACK (tcp_clean_rtx_queue) with its RTT sample, the tail loss
//! probe's outcome, the congestion state machine when the ACK is "dubious",
//! the window (PRR while reducing, the module's growth otherwise), and last
//! the lost segments the window now lets go.

use crate::linux::sender::recovery::AckFacts;
use crate::linux::sender::xmit::Resend;
use crate::linux::sender::{Sender, TimerKind};
use crate::scenario::model::Micros;
use crate::wire::seq;

/// What the stack knows of an arriving ACK.
#[derive(Debug, Clone, Default)]
pub struct AckIn {
    /// The acknowledgment number.
    pub ack: u32,
    /// Its SACK blocks, in the order they came.
    pub sack: Vec<(u32, u32)>,
    /// RTT from its TSecr (now minus the echoed TSval), if it had one.
    pub ts_rtt: Option<Micros>,
    /// Whether its TSecr is older than our first retransmission of the
    /// current recovery (tcp_packet_delayed).
    pub ts_before_retrans: bool,
    /// The segment carried data.
    pub has_data: bool,
    /// The segment changed the peer's window.
    pub win_update: bool,
}

impl Sender {
    /// Our SYN was ACKed (tcp_init_transfer, tcp_init_metrics): its RTT if
    /// it was never resent (Karn); else no sample, and the RTO falls back to
    /// 3 s (RFC 6298 5.7); after more than one retransmission the window
    /// starts at one segment (RFC 6928 2, tcp_init_transfer).
    fn handshake_done(&mut self, now: Micros) -> Option<Micros> {
        self.handshake = None;
        if matches!(self.timer, Some((TimerKind::Syn, _))) {
            self.timer = None;
        }
        let rtt = self
            .syn
            .take()
            .map(|(_, sent_at)| now.saturating_sub(sent_at));
        if rtt.is_none() && self.rtt.srtt().is_none() {
            self.rtt.fallback();
            self.rto = self.rtt.rto;
        }
        if self.syn_retransmitted > 1 {
            self.w.cwnd = 1;
        }
        self.module.on_init(now, self.snd_nxt);
        rtt
    }

    /// Take in an ACK at `now`; returns the segments to resend now.
    pub(crate) fn on_ack(&mut self, now: Micros, a: &AckIn) -> Vec<Resend> {
        if !self.started {
            return Vec::new();
        }
        if seq::lt(self.snd_nxt, a.ack) {
            // An ACK of data never sent: Linux drops it (tcp_ack, "ack of unsent").
            return Vec::new();
        }
        let old = seq::lt(a.ack, self.snd_una);
        let prior_una = self.snd_una;
        let prior_delivered = self.delivered;
        let prior_lost = self.lost;
        let una_advanced = seq::lt(self.snd_una, a.ack);
        if una_advanced {
            self.retransmits = 0;
        }
        let mut facts = AckFacts {
            una_advanced,
            ts_before_retrans: a.ts_before_retrans,
            ..AckFacts::default()
        };
        let prior_fack = self.highest_sack_seq();
        let sack_rtt = self.sacktag(now, a, &mut facts);
        if old {
            if facts.data_sacked || facts.dsack {
                self.fastretrans_alert(&facts, now);
                return self.retransmit_lost(now);
            }
            return Vec::new();
        }
        // The handshake's RTT (tcp_synack_rtt_meas, or the SYN's own ACK).
        let mut seq_rtt = None;
        if let Some((end, _, _)) = &self.handshake
            && seq::le(*end, a.ack)
        {
            seq_rtt = self.handshake_done(now);
        }
        let mut ca_rtt = seq_rtt;
        if una_advanced {
            self.bytes_acked += u64::from(a.ack.wrapping_sub(self.snd_una));
            self.snd_una = a.ack;
        }
        let cleaned = self.queue.clean(a.ack);
        let low = match (facts.reord, cleaned.lowest_orig) {
            (Some(x), Some(y)) => Some(if seq::lt(x, y) { x } else { y }),
            (x, y) => x.or(y),
        };
        if let Some(low) = low {
            self.check_reordering(low, prior_fack);
        }
        self.delivered += cleaned.delivered;
        if !self.sack_ok {
            self.remove_reno_sacks(cleaned.removed);
        }
        if let Some((xmit_at, end, retrans)) = cleaned.rack {
            self.rack
                .advance(now, xmit_at, end, retrans, self.rtt.min_rtt);
        }
        if let Some(first) = cleaned.first_orig {
            seq_rtt = Some(now.saturating_sub(first));
        }
        if let Some(last) = cleaned.last_orig {
            ca_rtt = Some(now.saturating_sub(last));
        }
        if seq_rtt.is_none() {
            seq_rtt = sack_rtt;
        }
        let acked = cleaned.removed > 0 || una_advanced;
        if seq_rtt.is_none() && acked {
            seq_rtt = a.ts_rtt;
            ca_rtt = a.ts_rtt;
        }
        if let Some(m) = seq_rtt {
            self.rtt.sample(m, self.snd_una, self.snd_nxt);
            self.rto = self.rtt.rto;
            self.backoff = 0;
        }
        if let (true, Some(rtt)) = (cleaned.removed > 0, ca_rtt.or(sack_rtt)) {
            let una_nxt = (self.snd_una, self.snd_nxt);
            self.module.pkts_acked(&mut self.w, rtt, now, una_nxt);
        }
        let not_dup = una_advanced || a.has_data || a.win_update;
        self.process_tlp_ack(a.ack, facts.dsack, not_dup);
        let dubious =
            !not_dup || facts.data_sacked || facts.dsack || self.ca_state != super::CaState::Open;
        let mut rexmit = false;
        let mut set_timer = acked;
        if dubious {
            facts.dupack = !(una_advanced || not_dup || facts.dsack);
            let before = self.timer;
            rexmit = self.fastretrans_alert(&facts, now);
            let reo_armed =
                matches!(self.timer, Some((TimerKind::ReoTimeout, _))) && self.timer != before;
            if reo_armed {
                set_timer = false;
            }
        }
        if set_timer {
            self.set_xmit_timer(now);
        }
        let newly = self.delivered - prior_delivered;
        if self.in_reduction() {
            self.cwnd_reduction(newly, self.lost - prior_lost, una_advanced);
        } else if una_advanced && cleaned.removed + u32::from(prior_una != self.snd_una) > 0 {
            let limited = self.is_cwnd_limited();
            let srtt = self.rtt.srtt();
            self.module
                .cong_avoid(&mut self.w, newly, limited, now, srtt);
        }
        if self.queue.packets_out() == 0 {
            self.tlp_high_seq = None;
        }
        if rexmit {
            self.retransmit_lost(now)
        } else {
            Vec::new()
        }
    }

    /// tcp_sacktag_write_queue: mark what the SACK blocks cover, and notice a
    /// D-SACK (a first block below the ACK, or inside the second block).
    /// Returns the RTT of the oldest newly SACKed original segment.
    fn sacktag(&mut self, now: Micros, a: &AckIn, facts: &mut AckFacts) -> Option<Micros> {
        let &(left0, right0) = a.sack.first()?;
        let dsack = seq::lt(left0, a.ack)
            || a.sack
                .get(1)
                .is_some_and(|&(l1, r1)| seq::le(l1, left0) && seq::le(right0, r1));
        if dsack {
            facts.dsack = true;
            self.rack.on_dsack();
            let segs = right0.wrapping_sub(left0).div_ceil(self.mss.max(1)).max(1);
            self.counts.spurious += segs;
            if let Some(marker) = self.undo_marker
                && self.undo_retrans > 0
                && seq::lt(marker, right0)
            {
                self.undo_retrans = (self.undo_retrans - segs as i32).max(0);
            }
        }
        let mut first_orig: Option<Micros> = None;
        let min_rtt = self.rtt.min_rtt;
        for (i, &(left, right)) in a.sack.iter().enumerate() {
            if i == 0 && dsack {
                continue;
            }
            // Blocks must lie inside (SND.UNA, SND.NXT] (tcp_is_sackblock_valid).
            if !seq::lt(left, right) || seq::lt(left, self.snd_una) || seq::lt(self.snd_nxt, right)
            {
                continue;
            }
            let rack = &mut self.rack;
            let mut reord = facts.reord;
            let tagged = self.queue.tag(left, right, |s| {
                rack.advance(now, s.xmit_at, s.end, s.ever_retrans, min_rtt);
                // A never-resent segment newly SACKed below the highest SACK
                // arrived out of order (tcp_sacktag_one's state->reord).
                if !s.ever_retrans && reord.is_none_or(|r| seq::lt(s.start, r)) {
                    reord = Some(s.start);
                }
            });
            facts.reord = reord;
            if tagged.newly > 0 {
                facts.data_sacked = true;
                self.delivered += tagged.newly;
            }
            facts.orig_sacked |= tagged.orig;
            if let Some(t) = tagged.first_orig {
                first_orig = Some(first_orig.map_or(t, |f| f.min(t)));
            }
        }
        first_orig.map(|t| now.saturating_sub(t))
    }
}
