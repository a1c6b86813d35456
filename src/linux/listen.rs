//! Listening sockets: a backlog of smoltcp sockets, and the connections
//! adopted from them after each receive batch.

use std::collections::{BTreeSet, VecDeque};

use smoltcp::socket::tcp::State;
use smoltcp::wire::IpListenEndpoint;

use crate::linux::conn::*;
use crate::linux::sockets::Slot;
use crate::linux::stack::*;
use crate::wire::frame::Endpoints;

/// Options of a SYN that reached a listener, kept until its connection is adopted.
#[derive(Debug, Clone, Copy)]
pub(super) struct SynOptions {
    pub(super) mss: Option<u16>,
    pub(super) wscale: Option<u8>,
    pub(super) seq: u32,
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
}

impl Stack {
    /// After frames were taken in: adopt new connections from listeners, release
    /// data Nagle held, and forget sockets that have closed. Only sockets and
    /// connections touched since the last call can have changed, so only they
    /// are looked at, in the order a scan of every listener's pool would find
    /// them.
    pub fn after_ingress(&mut self) {
        self.absorb_changes();
        let mut idle_touched = std::mem::take(&mut self.idle_touched);
        if self.sockets.exhaustive {
            idle_touched.extend(self.listeners.iter().flat_map(|l| l.idle.iter().copied()));
            for c in &mut self.conns {
                c.touched = self.adopt_epoch;
            }
            self.pending_conns.extend(0..self.conns.len());
        }
        for l in 0..self.listeners.len() {
            let left_listen: BTreeSet<usize> = if idle_touched.is_empty() {
                BTreeSet::new()
            } else {
                let sockets = &self.sockets;
                self.listeners[l]
                    .idle
                    .iter()
                    .enumerate()
                    .filter(|&(_, slot)| {
                        idle_touched.contains(slot) && sockets.get(*slot).state() != State::Listen
                    })
                    .map(|(i, _)| i)
                    .collect()
            };
            for handle in swap_remove_scan(&mut self.listeners[l].idle, left_listen) {
                let socket = self.sockets.get(handle);
                let ends = match (socket.local_endpoint(), socket.remote_endpoint()) {
                    (Some(local), Some(remote)) => Some(Endpoints {
                        src: ipv4(local.addr),
                        src_port: local.port,
                        dst: ipv4(remote.addr),
                        dst_port: remote.port,
                    }),
                    _ => None,
                };
                let id = self.new_conn(handle, ends);
                if let Some(syn) = ends.and_then(|e| self.syn_options.remove(&e)) {
                    let eff = syn.mss.map(|m| self.effective_mss(u32::from(m)));
                    let c = &mut self.conns[id];
                    if let (Some(m), Some(eff)) = (syn.mss, eff) {
                        c.peer_mss = u32::from(m);
                        c.acks.set_rcv_mss(eff);
                    }
                    c.peer_wscale = syn.wscale;
                    c.rcv_base = Some(syn.seq.wrapping_add(1));
                }
                self.listeners[l].embryonic.push(id);
            }
            let settled: BTreeSet<usize> = self.listeners[l]
                .embryonic
                .iter()
                .enumerate()
                .filter(|&(_, &id)| {
                    self.conns[id].touched == self.adopt_epoch
                        && self.connect_state(id) != ConnectState::Pending
                })
                .map(|(i, _)| i)
                .collect();
            for id in swap_remove_scan(&mut self.listeners[l].embryonic, settled) {
                self.listeners[l].ready.push_back(id);
            }
        }
        self.adopt_epoch += 1;
        let waiting: Vec<ConnId> = self.pending_conns.iter().copied().collect();
        for id in waiting {
            let c = &self.conns[id];
            if !c.pending.is_empty() || c.close_pending {
                self.push(id);
            }
            let c = &self.conns[id];
            if c.handle.is_none() || (c.pending.is_empty() && !c.close_pending) {
                self.pending_conns.remove(&id);
            }
        }
    }

    /// Keep `backlog` listening sockets ready for SYNs (the accept queue's room).
    pub(super) fn refill_listener(&mut self, l: ListenerId) {
        let waiting = self.listeners[l].ready.len() + self.listeners[l].embryonic.len();
        let want = self.listeners[l].backlog.saturating_sub(waiting);
        let port = self.listeners[l].port;
        while self.listeners[l].idle.len() < want {
            let mut socket = self.new_socket();
            socket
                .listen(IpListenEndpoint { addr: None, port })
                .expect("port is non-zero (validated)");
            let handle = self.add_socket(socket);
            self.listeners[l].idle.push(handle);
        }
    }
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
