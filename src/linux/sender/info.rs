//! tcp_info: the state `ss -i` and getsockopt(TCP_INFO) show, and that
//! packetdrill's assertion blocks read (tcpi_snd_cwnd, tcpi_ca_state, ...).

use serde::Serialize;

use crate::linux::sender::Sender;

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

impl Sender {
    /// The connection's tcp_info now.
    pub fn info(&self) -> TcpInfo {
        let (rtt, rttvar) = self.rtt.info();
        TcpInfo {
            ca_state: self.ca_state as u8,
            retransmits: self.retransmits,
            backoff: self.backoff,
            rto: self.rto,
            snd_mss: self.mss,
            unacked: self.queue.packets_out(),
            sacked: self.queue.sacked_out,
            lost: self.queue.lost_out,
            retrans: self.queue.retrans_out,
            rtt,
            rttvar,
            snd_ssthresh: self.w.ssthresh,
            snd_cwnd: if self.module.limits() { self.w.cwnd } else { 0 },
            total_retrans: self.counts.total_retrans,
            bytes_acked: self.bytes_acked,
            delivered: self.delivered,
            min_rtt: self.rtt.min_rtt.unwrap_or(0),
            rto_count: self.counts.rto,
            fast_retransmits: self.counts.fast_retransmits,
            tlp: self.counts.tlp,
            spurious: self.counts.spurious,
            recoveries: self.counts.recoveries,
        }
    }
}
