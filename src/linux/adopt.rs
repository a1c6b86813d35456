//! After each receive batch: connections that finished their handshake on a
//! listening socket become connections of this layer (the accept queue), and
//! bytes or a FIN that waited for them go on into smoltcp.

use std::collections::BTreeSet;

use smoltcp::socket::tcp::State;
use smoltcp::wire::IpListenEndpoint;

use crate::linux::conn::{ConnId, ConnectState, ListenerId};
use crate::linux::listen::swap_remove_scan;
use crate::linux::stack::{DEFAULT_PEER_MSS, Stack, ipv4};
use crate::wire::frame::Endpoints;

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
                // TCP_MAXSEG set on the listener holds for its connections.
                let user_mss = self.listeners[l].user_mss;
                self.conns[id].user_mss = user_mss;
                if let Some(syn) = ends.and_then(|e| self.syn_options.remove(&e)) {
                    // No MSS option: 536 (RFC 9293 3.7.1, TCP_MSS_DEFAULT).
                    let peer_mss = syn.mss.map_or(DEFAULT_PEER_MSS, u32::from);
                    let peer_mss = user_mss.map_or(peer_mss, |u| peer_mss.min(u32::from(u)));
                    let eff = self.effective_mss(peer_mss, syn.ts);
                    let c = &mut self.conns[id];
                    c.ts_on = syn.ts;
                    c.peer_mss = peer_mss;
                    c.acks.set_rcv_mss(eff);
                    c.sender.mss = eff;
                    if let Some(iss) = syn.iss {
                        c.psh.on_syn(iss);
                    }
                    c.win.peer_wscale = syn.wscale;
                    c.sender.sack_ok = syn.sack_ok;
                    c.win.rcv_base = Some(syn.seq.wrapping_add(1));
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
            if !c.nagle.pending.is_empty() || c.close.close_pending {
                self.push(id);
            }
            let c = &self.conns[id];
            if c.handle.is_none() || (c.nagle.pending.is_empty() && !c.close.close_pending) {
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
