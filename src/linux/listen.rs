//! Listening sockets: a backlog of smoltcp sockets, and the connections
//! adopted from them after each receive batch.

use std::collections::{BTreeSet, VecDeque};

use crate::linux::conn::ConnId;
use crate::linux::sockets::Slot;

/// Options of a SYN that reached a listener, kept until its connection is adopted.
#[derive(Debug, Clone, Copy)]
pub(super) struct SynOptions {
    pub(super) mss: Option<u16>,
    pub(super) wscale: Option<u8>,
    pub(super) seq: u32,
    /// The SYN offered SACK (RFC 2018): our SYN-ACK accepts it.
    pub(super) sack_ok: bool,
    /// The SYN carried timestamps and this host uses them (RFC 7323 3.2):
    /// every segment will carry the option.
    pub(super) ts: bool,
    /// Our SYN-ACK's sequence number (ISS), once it left.
    pub(super) iss: Option<u32>,
}

pub(super) struct Listener {
    pub(super) port: u16,
    pub(super) backlog: usize,
    /// Listening smoltcp sockets waiting for a SYN.
    pub(super) idle: Vec<Slot>,
    /// Connections that completed the handshake and wait for accept().
    pub(super) ready: VecDeque<ConnId>,
    /// Connections in the handshake.
    pub(super) embryonic: Vec<ConnId>,
    /// TCP_MAXSEG set on the listening socket.
    pub(super) user_mss: Option<u16>,
}

/// Remove from `list` the elements at `positions`, in the order in which the
/// scan `while i < len { if keep(list[i]) { i += 1 } else { swap_remove(i) } }`
/// removes them when exactly those elements fail `keep`; returns them in that
/// order. The scan's order decides which connection accept() returns first, so
/// the cheap form must keep it.
pub(super) fn swap_remove_scan<T>(list: &mut Vec<T>, mut positions: BTreeSet<usize>) -> Vec<T> {
    if positions.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(positions.len());
    while let Some(i) = positions.pop_first() {
        let last = list.len() - 1;
        out.push(list.swap_remove(i));
        // The last element moved into `i`, which the scan looks at again next.
        if i != last && positions.remove(&last) {
            positions.insert(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The scan after_ingress used to run over every listening socket.
    fn full_scan(list: &mut Vec<u32>, keep: impl Fn(u32) -> bool) -> Vec<u32> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < list.len() {
            if keep(list[i]) {
                i += 1;
            } else {
                out.push(list.swap_remove(i));
            }
        }
        out
    }

    proptest! {
        #[test]
        fn swap_remove_scan_removes_in_the_full_scans_order(
            picks in proptest::collection::vec(any::<bool>(), 0..40),
        ) {
            let original: Vec<u32> = (0..picks.len() as u32).collect();
            let removed = |x: u32| picks[x as usize];
            let mut scanned = original.clone();
            let expected = full_scan(&mut scanned, |x| !removed(x));
            let mut fast = original.clone();
            let positions = (0..picks.len()).filter(|&i| picks[i]).collect();
            let got = swap_remove_scan(&mut fast, positions);
            prop_assert_eq!(got, expected);
            prop_assert_eq!(fast, scanned);
        }
    }
}
