//! tcp_info from the sender's state: what `ss -i` and getsockopt(TCP_INFO)
//! show, and packetdrill's assertion blocks read (tcpi_snd_cwnd, ...).

use crate::linux::sender::Sender;
use crate::trace::TcpInfo;

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
