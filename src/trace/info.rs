//! What each connection's sender knew, in tcp_info's terms: its state at the
//! end of the run, and (when frames are recorded) the congestion window over
//! time, for pictures and for packetdrill's assertions.

use serde::Serialize;

use crate::scenario::model::{Micros, Role};

/// One connection's sending state, in tcp_info's units: windows in
/// segments, times in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TcpInfo {
    /// Congestion state: 0 Open, 1 Disorder, 2 CWR, 3 Recovery, 4 Loss.
    pub ca_state: u8,
    /// Consecutive timeouts (icsk_retransmits).
    pub retransmits: u32,
    /// Exponential backoff of the RTO.
    pub backoff: u32,
    /// The retransmission timeout in force.
    pub rto: u64,
    /// Payload bytes per segment.
    pub snd_mss: u32,
    /// Segments sent and not yet cumulatively acknowledged.
    pub unacked: u32,
    /// Of those, SACKed.
    pub sacked: u32,
    /// Of those, marked lost.
    pub lost: u32,
    /// Of those, retransmitted and not known lost.
    pub retrans: u32,
    /// Smoothed RTT.
    pub rtt: u64,
    /// Its mean deviation.
    pub rttvar: u64,
    /// Slow-start threshold (0x7fffffff: not set).
    pub snd_ssthresh: u32,
    /// Congestion window.
    pub snd_cwnd: u32,
    /// Every segment retransmitted.
    pub total_retrans: u32,
    /// Bytes cumulatively acknowledged.
    pub bytes_acked: u64,
    /// Segments delivered (ACKed or SACKed).
    pub delivered: u32,
    /// Smallest RTT seen.
    pub min_rtt: u64,
    /// Retransmission timeouts.
    pub rto_count: u32,
    /// Segments resent by fast recovery.
    pub fast_retransmits: u32,
    /// Tail loss probes.
    pub tlp: u32,
    /// D-SACKed segments: retransmissions the peer did not need.
    pub spurious: u32,
    /// Fast recoveries entered.
    pub recoveries: u32,
}

/// One end's tcp_info at the end of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnInfo {
    /// Whose sender this is.
    pub role: Role,
    /// Its port, and the peer's.
    pub local_port: u16,
    /// The peer's port.
    pub remote_port: u16,
    /// The state.
    pub info: TcpInfo,
}

/// The congestion window of one sender after an ACK or a timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CwndSample {
    /// When (virtual time).
    pub time_us: Micros,
    /// Whose sender.
    pub role: Role,
    /// Its port.
    pub local_port: u16,
    /// Congestion window and slow-start threshold, in segments.
    pub cwnd: u32,
    /// Slow-start threshold (0x7fffffff: not set).
    pub ssthresh: u32,
    /// Segments in flight (tcp_packets_in_flight).
    pub in_flight: u32,
    /// Congestion state (0 Open ... 4 Loss).
    pub ca_state: u8,
    /// SND.UNA and SND.NXT, raw.
    pub snd_una: u32,
    /// SND.NXT, raw.
    pub snd_nxt: u32,
}
