//! The reordering degree Linux measures (tp->reordering, tcpi_reordering):
//! when an ACK shows that a segment never retransmitted arrived after one
//! sent later than it (it is newly SACKed or cumulatively ACKed below the
//! highest SACKed sequence the ACK found), the distance in segments to that
//! highest SACK is the reordering seen (tcp_check_sack_reordering).

use crate::linux::sender::Sender;
use crate::wire::seq;

/// sysctl_tcp_reordering: the degree assumed before any is seen.
pub(crate) const INITIAL: u32 = 3;
/// sysctl_tcp_max_reordering.
const MAX: u32 = 300;

impl Sender {
    /// tcp_highest_sack_seq: the end of the highest SACKed segment, or
    /// SND.UNA when none is.
    pub(crate) fn highest_sack_seq(&self) -> u32 {
        if self.queue.sacked_out == 0 {
            return self.snd_una;
        }
        self.queue
            .segs
            .iter()
            .rev()
            .find(|s| s.sacked)
            .map_or(self.snd_una, |s| s.end)
    }

    /// tcp_check_sack_reordering: `low` is the lowest sequence an ACK showed
    /// delivered out of order, `prior_fack` the highest SACK before it.
    pub(crate) fn check_reordering(&mut self, low: u32, prior_fack: u32) {
        if !seq::lt(low, prior_fack) {
            return;
        }
        let fack = self.highest_sack_seq();
        let mss = self.mss.max(1);
        let metric = fack.wrapping_sub(low);
        if seq::lt(low, fack) && metric > self.reordering.saturating_mul(mss) {
            self.reordering = metric.div_ceil(mss).min(MAX);
        }
        // "This exciting event is worth to be remembered."
        self.reord_seen += 1;
        self.rack.reord_seen = true;
    }
}
