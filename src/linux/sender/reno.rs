//! Loss recovery without SACK (the peer's SYN did not offer it): NewReno
//! (RFC 5681 3.2, RFC 6582) as Linux runs it. Each duplicate ACK counts as
//! one segment that left the network (tcp_add_reno_sack: `sacked_out`
//! grows, so RFC 3042's limited transmit follows from the usual window
//! test), the third marks the first unacknowledged segment lost
//! (tcp_newreno_mark_lost), and in recovery each partial ACK marks the next
//! one lost.

use crate::linux::sender::{CaState, Sender};

/// sysctl_tcp_reordering: duplicate ACKs before fast retransmit.
const REORDERING: u32 = 3;

impl Sender {
    /// tcp_add_reno_sack: `n` duplicate ACKs, each a segment delivered;
    /// never more than leave one hole (tcp_limit_reno_sacked).
    pub(crate) fn add_reno_sack(&mut self, n: u32) {
        if n == 0 {
            return;
        }
        let q = &mut self.queue;
        let prior = q.sacked_out;
        q.sacked_out += n;
        let holes = q.lost_out.max(1).min(q.packets_out());
        if q.sacked_out + holes > q.packets_out() {
            q.sacked_out = q.packets_out().saturating_sub(holes);
        }
        self.delivered += q.sacked_out.saturating_sub(prior);
    }

    /// tcp_remove_reno_sacks: a cumulative ACK of `acked` segments; the first
    /// filled the hole, the rest had been counted by duplicate ACKs.
    pub(crate) fn remove_reno_sacks(&mut self, acked: u32) {
        if acked > 0 {
            let q = &mut self.queue;
            q.sacked_out = q.sacked_out.saturating_sub(acked - 1);
        }
    }

    /// tcp_reset_reno_sack.
    pub(crate) fn reset_reno_sack(&mut self) {
        self.queue.sacked_out = 0;
    }

    /// tcp_newreno_mark_lost: the head is lost after `REORDERING` duplicate
    /// ACKs, or, in recovery, when a partial ACK moved SND.UNA.
    pub(crate) fn newreno_mark_lost(&mut self, una_advanced: bool) {
        let due = (self.ca_state < CaState::Recovery && self.queue.sacked_out >= REORDERING)
            || (self.ca_state == CaState::Recovery && una_advanced);
        if due && !self.queue.segs.is_empty() && self.queue.mark_lost(0) {
            self.lost += 1;
        }
    }
}
