//! Nagle's algorithm as Linux runs it: Minshall's variant (RFC 896 as refined
//! by Minshall; Linux tcp_nagle_check, tcp_minshall_check): a partial segment
//! waits only while an earlier small segment is unacknowledged, not whenever
//! anything is (smoltcp's rule). TCP_NODELAY turns it off.

use std::collections::VecDeque;

/// Bytes a program gave to send() that smoltcp does not have yet, and what
/// Minshall's rule needs to know.
#[derive(Debug, Default)]
pub(super) struct Nagle {
    /// Bytes accepted by send() but not yet handed to smoltcp (Nagle, full buffer).
    pub(super) pending: VecDeque<u8>,
    /// Total bytes handed to smoltcp.
    pub(super) pushed: u64,
    /// End (in `pushed` bytes) of the last small segment pushed (Minshall's snd_sml).
    pub(super) small_end: u64,
    /// send() calls whose bytes Nagle still holds (1 while any are held).
    pub(super) held_calls: u64,
    /// TCP_NODELAY is set.
    pub(super) nodelay: bool,
    /// TCP_CORK is set: only full segments leave (`sockopt.rs`).
    pub(super) corked: bool,
    /// The send() being pushed has MSG_MORE: as corked, for this call only.
    pub(super) more: bool,
    /// A MSG_MORE send left a partial segment held: it waits, as under
    /// TCP_CORK, until a send without MSG_MORE or an ACK pushes the queue
    /// (tcp_data_snd_check then applies only Nagle).
    pub(super) more_held: bool,
    /// Ends (in `pushed` bytes) of writes sent with MSG_EOR: Linux never
    /// appends later bytes to the skb such a write ends (tcp_skb_can_collapse_to,
    /// TCP_SKB_CB(skb)->eor), so a segment never spans one.
    pub(super) eor_marks: VecDeque<u64>,
}

impl Nagle {
    /// How many of `n` bytes may enter smoltcp now, `mss` the segment size and
    /// `acked` how many of the bytes pushed so far the peer has acknowledged:
    /// a partial segment waits only while an earlier small segment is
    /// unacknowledged (Minshall), so `n` is cut to whole segments then.
    pub(super) fn minshall(&mut self, n: u64, mss: u64, acked: u64) -> u64 {
        let small_outstanding = self.small_end > acked;
        if small_outstanding && !n.is_multiple_of(mss) {
            let whole = n - n % mss;
            if whole == 0 {
                self.held_calls = self.held_calls.max(1);
            }
            return whole;
        }
        n
    }

    /// `n` bytes entered smoltcp: remember where a small segment ends.
    pub(super) fn record_push(&mut self, n: u64, mss: u64) {
        if !n.is_multiple_of(mss) {
            self.small_end = self.pushed + n;
        }
        self.pushed += n;
    }
}
