//! The sending half of a Linux TCP connection, as this layer runs it for the
//! `linux` profile: congestion control, loss detection and recovery, and the
//! retransmission timer, which smoltcp 0.14 does differently or not at all
//! (a 1 s RTO floor, go-back-N, no SACK, growth per ACK).
//!
//! smoltcp keeps the connection's state machine and its send buffer; this
//! layer decides when new data may go ([`Sender::may_send`]: the congestion
//! window, RFC 5681 and 6928's initial window of ten), and sends every
//! retransmission itself from its copy of what was sent ([`queue`]).
//!
//! In: each segment as it leaves, each ACK (with its SACK blocks) as it
//! arrives, the clock. Out: whether new data may be sent, which segments to
//! resend and why, when the timer must fire, and `tcp_info`.
//!
//! - `rtt.rs`: RTT, RTO and their jiffies (tcp_rtt_estimator);
//! - `queue.rs`: the retransmission queue and its scoreboard;
//! - `cwnd.rs`: the window and the two ways it grows;
//! - `cc.rs`, `cubic.rs`: reno, cubic with HyStart, none;
//! - `rack.rs`: RACK's state (RFC 8985);
//! - `ack.rs`: an ACK taken in (tcp_ack, tcp_sacktag_write_queue,
//!   tcp_clean_rtx_queue);
//! - `reno.rs`: recovery without SACK (NewReno, duplicate ACKs counted);
//! - `recovery.rs`: the congestion states Open, Disorder, CWR, Recovery and
//!   Loss (tcp_fastretrans_alert), PRR (RFC 6937), undo;
//! - `xmit.rs`: segments sent, the retransmission queue resent
//!   (tcp_xmit_retransmit_queue);
//! - `timer.rs`: the one timer Linux uses for RTO, tail loss probe and
//!   RACK's reordering timeout, and the zero-window probe;
//! - `info.rs`: tcp_info.

pub(crate) mod ack;
pub(crate) mod cc;
pub(crate) mod cubic;
pub(crate) mod cwnd;
mod info;
pub(crate) mod queue;
pub(crate) mod rack;
mod recovery;
mod reno;
pub(crate) mod reorder;
pub(crate) mod rtt;
pub(crate) mod timer;
pub(crate) mod xmit;

use crate::linux::sender::cc::Module;
use crate::linux::sender::cwnd::{INFINITE_SSTHRESH, Window};
use crate::linux::sender::queue::RtxQueue;
use crate::linux::sender::rack::Rack;
use crate::linux::sender::rtt::Rtt;
use crate::scenario::model::{Congestion, Micros};

/// TCP_INIT_CWND (RFC 6928).
pub(crate) const INIT_CWND: u32 = 10;

/// Linux's congestion states (tcp_ca_state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CaState {
    /// Nothing unusual.
    Open = 0,
    /// Duplicate ACKs or SACKs seen, no loss yet.
    Disorder = 1,
    /// The window was reduced for another reason (a tail loss probe repaired a loss).
    Cwr = 2,
    /// Fast recovery.
    Recovery = 3,
    /// After a retransmission timeout.
    Loss = 4,
}

/// Why this layer resends a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// RACK marked it lost: something sent after it was delivered more than
    /// an RTT plus the reordering window ago (RFC 8985 6.2).
    Rack,
    /// Marked lost in recovery because three segments above it were SACKed
    /// (RFC 6675's DupThresh, kept by RACK's reordering window of zero).
    Sack,
    /// The tail loss probe (RFC 8985 7).
    Tlp,
    /// The retransmission timeout (RFC 6298 5.4).
    Rto,
    /// The SYN or SYN-ACK timer (RFC 6298 5.5, 5.7).
    Syn,
    /// Marked lost by the timeout and resent as the window grew again.
    AfterRto,
}

/// Which job the retransmission timer is doing (icsk_pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimerKind {
    Rto,
    Syn,
    LossProbe,
    ReoTimeout,
    Probe0,
}

/// Counts per connection that sweeps and tcp_info report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Retransmission timeouts.
    pub rto: u32,
    /// Segments resent by fast recovery (RACK or SACK marks).
    pub fast_retransmits: u32,
    /// Tail loss probes sent.
    pub tlp: u32,
    /// Retransmissions later found unnecessary (D-SACK or undo).
    pub spurious: u32,
    /// Every segment resent (tcpi_total_retrans).
    pub total_retrans: u32,
    /// Fast recoveries entered.
    pub recoveries: u32,
}

/// The sending state of one connection (the parts of struct tcp_sock and
/// inet_connection_sock that sending uses).
#[derive(Debug, Clone)]
pub struct Sender {
    /// Payload bytes in a full segment (the MSS less options).
    pub(crate) mss: u32,
    pub(crate) snd_una: u32,
    pub(crate) snd_nxt: u32,
    /// Whether SND.UNA/SND.NXT are known (the SYN has left).
    pub(crate) started: bool,
    pub(crate) queue: RtxQueue,
    pub(crate) rtt: Rtt,
    pub(crate) module: Module,
    pub(crate) w: Window,
    pub(crate) ca_state: CaState,
    /// SND.NXT when the current recovery started (tp->high_seq).
    pub(crate) high_seq: u32,
    pub(crate) prior_cwnd: u32,
    pub(crate) prior_ssthresh: u32,
    pub(crate) prr_delivered: u32,
    pub(crate) prr_out: u32,
    /// Undo (tp->undo_marker, undo_retrans, retrans_stamp).
    pub(crate) undo_marker: Option<u32>,
    pub(crate) undo_retrans: i32,
    pub(crate) retrans_stamp: Option<Micros>,
    pub(crate) rack: Rack,
    /// SND.NXT when the outstanding tail loss probe went (tlp_high_seq).
    pub(crate) tlp_high_seq: Option<u32>,
    /// The probe resent a segment (rather than sending new data).
    pub(crate) tlp_retrans: bool,
    /// The probe timeout last scheduled.
    pub(crate) last_pto: Micros,
    /// F-RTO (RFC 5682) is running.
    pub(crate) frto: bool,
    /// The timer and its job.
    pub(crate) timer: Option<(TimerKind, Micros)>,
    /// icsk_rto: the timeout in force, doubled by each timeout.
    pub(crate) rto: Micros,
    /// icsk_backoff and icsk_retransmits.
    pub(crate) backoff: u32,
    pub(crate) retransmits: u32,
    /// Zero-window probes sent since the window last opened.
    pub(crate) probes_out: u32,
    /// tp->reordering (`reorder.rs`).
    pub(crate) reordering: u32,
    /// tp->reord_seen: reordering events counted (tcpi_reord_seen).
    pub(crate) reord_seen: u32,
    /// When data last left (lsndtime), for the restart after idle.
    pub(crate) last_send: Micros,
    /// tcp_is_cwnd_limited's memory (is_cwnd_limited, max_packets_out, cwnd_usage_seq).
    pub(crate) cwnd_limited: bool,
    pub(crate) max_packets_out: u32,
    pub(crate) cwnd_usage_seq: u32,
    /// The peer accepts SACK blocks.
    pub(crate) sack_ok: bool,
    /// tcp_slow_start_after_idle: the window restarts after an idle RTO.
    pub(crate) slow_start_after_idle: bool,
    /// Tail loss probes are on (tcp_early_retrans 3 or 4).
    pub(crate) tlp: bool,
    /// The SYN (or SYN-ACK): its end and send time; None once retransmitted.
    pub(crate) syn: Option<(u32, Micros)>,
    /// The SYN's end while the handshake is under way, the frame to resend,
    /// and whether it is a listener's SYN-ACK.
    pub(crate) handshake: Option<(u32, Vec<u8>, bool)>,
    /// The peer repeated its SYN: smoltcp's SYN-ACK in reply may leave.
    pub(crate) dup_syn: bool,
    /// tcp_syn_retries and tcp_synack_retries.
    pub(crate) syn_retries: u32,
    pub(crate) synack_retries: u32,
    /// TCP_USER_TIMEOUT (RFC 5482): give up this long after the first
    /// retransmission of an episode.
    pub(crate) user_timeout: Option<Micros>,
    pub(crate) syn_retransmitted: u32,
    /// Segments delivered so far (tp->delivered).
    pub(crate) delivered: u32,
    /// Segments ever marked lost (tp->lost).
    pub(crate) lost: u32,
    pub(crate) counts: Counts,
    /// Bytes acknowledged (tcpi_bytes_acked).
    pub(crate) bytes_acked: u64,
}

impl Sender {
    /// A sender with `kind` congestion control and `mss` payload bytes per segment.
    pub(crate) fn new(kind: Congestion, mss: u32) -> Sender {
        Sender {
            mss,
            snd_una: 0,
            snd_nxt: 0,
            started: false,
            queue: RtxQueue::default(),
            rtt: Rtt::default(),
            module: Module::new(kind),
            w: Window {
                cwnd: INIT_CWND,
                ssthresh: INFINITE_SSTHRESH,
                cnt: 0,
            },
            ca_state: CaState::Open,
            high_seq: 0,
            prior_cwnd: 0,
            prior_ssthresh: 0,
            prr_delivered: 0,
            prr_out: 0,
            undo_marker: None,
            undo_retrans: 0,
            retrans_stamp: None,
            rack: Rack::default(),
            tlp_high_seq: None,
            tlp_retrans: false,
            last_pto: 0,
            frto: false,
            timer: None,
            rto: rtt::TIMEOUT_INIT,
            backoff: 0,
            retransmits: 0,
            probes_out: 0,
            reordering: reorder::INITIAL,
            reord_seen: 0,
            last_send: 0,
            cwnd_limited: false,
            max_packets_out: 0,
            cwnd_usage_seq: 0,
            sack_ok: false,
            slow_start_after_idle: true,
            tlp: true,
            syn: None,
            handshake: None,
            dup_syn: false,
            syn_retries: 6,
            synack_retries: 5,
            user_timeout: None,
            syn_retransmitted: 0,
            delivered: 0,
            lost: 0,
            counts: Counts::default(),
            bytes_acked: 0,
        }
    }

    /// Take the host's settings that change how a sender behaves.
    pub(crate) fn apply_sysctl(&mut self, s: &crate::linux::sysctl::Sysctls) {
        self.slow_start_after_idle = s.slow_start_after_idle;
        self.tlp = s.tlp;
        self.syn_retries = s.syn_retries;
        self.synack_retries = s.synack_retries;
    }

    /// What sizes the next TSO packet (`psh.rs`).
    pub(crate) fn sizing(&self) -> crate::linux::psh::Sizing {
        crate::linux::psh::Sizing {
            cwnd: self.cwnd(),
            ssthresh: self.w.ssthresh,
            in_flight: self.in_flight(),
            mss: self.mss,
            srtt: self.rtt.srtt(),
            min_rtt: self.rtt.min_rtt,
        }
    }

    /// The handshake timeout that just expired (for notes): the one before
    /// the current, backed-off RTO.
    pub(crate) fn last_syn_timeout(&self) -> Micros {
        if self.syn_retransmitted <= 1 {
            rtt::TIMEOUT_INIT
        } else {
            let passive = self.handshake.as_ref().is_some_and(|h| h.2);
            let k = self.syn_retransmitted - 1;
            let shift = if passive {
                k
            } else {
                k.saturating_sub(timer::SYN_LINEAR_TIMEOUTS)
            };
            (rtt::TIMEOUT_INIT << shift.min(16)).min(rtt::RTO_MAX)
        }
    }

    /// tcp_packets_in_flight.
    pub(crate) fn in_flight(&self) -> u32 {
        self.queue.in_flight()
    }

    /// The congestion window, or "unlimited" without congestion control.
    pub(crate) fn cwnd(&self) -> u32 {
        if self.module.limits() {
            self.w.cwnd
        } else {
            u32::MAX
        }
    }

    /// tcp_in_cwnd_reduction.
    pub(crate) fn in_reduction(&self) -> bool {
        matches!(self.ca_state, CaState::Cwr | CaState::Recovery)
    }

    /// When the timer fires, if it is set.
    pub fn timer_due(&self) -> Option<Micros> {
        self.timer.map(|(_, at)| at)
    }

    /// The per-connection counts.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// The current state of recovery.
    pub fn ca_state(&self) -> CaState {
        self.ca_state
    }
}
