//! A host's smoltcp sockets, each in a `SocketSet` of its own, so that an event
//! costs the same with 1 or 1,000 connections.
//!
//! smoltcp's `Interface::poll_egress`, `poll_ingress_single` and `poll_at` take a
//! whole `SocketSet` and visit every socket in it, so with one set per host
//! every frame, every system call and every timer visits every connection.
//! Here each socket lives in a set of its own and this module keeps what smoltcp
//! would have worked out from the one big set, so that frames, their order and
//! their IPv4 identifications are the same as with one set:
//!
//! - **Handle order.** `SocketSet::add` puts a socket in the lowest free slot;
//!   so does [`Sockets::add`]. Slots order ingress and egress below.
//! - **Ingress.** smoltcp gives a TCP segment to the first socket, in slot
//!   order, that accepts it (`process_tcp`; `tcp::Socket::accepts`): one whose
//!   4-tuple matches, or, for a segment with neither ACK nor RST, one listening
//!   on its port; when none does, smoltcp answers with a RST. Two indexes (by
//!   4-tuple, by listening port) find that socket without a scan; a frame no
//!   socket takes goes to an empty set, where smoltcp answers as it would.
//! - **Egress.** One `poll_egress` lets each socket, in slot order, send at most
//!   one segment; the stack repeats it until a pass sends nothing. Only sockets
//!   whose deadline has come (`poll_at` at or before now) can send anything:
//!   smoltcp's `poll_at` mirrors the start of `dispatch` (tcp.rs), and a socket
//!   whose deadline lies ahead leaves `dispatch` without sending or changing
//!   state. So the passes run over those sockets only.
//! - **Deadlines.** Each socket's `poll_at`, kept in a sorted set and computed
//!   again only for sockets touched since (polled, or changed by a call).
//!   smoltcp's deadlines are absolute times, so a kept one stays true, with one
//!   exception: a socket waiting for its neighbour's MAC address has the end of
//!   its silence as deadline until ARP teaches the address, so every socket is
//!   looked at again after an ARP packet; and a host with real ARP
//!   (`arp = true`) looks at every socket at every step (see
//!   [`Sockets::neighbour_changes`]).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use smoltcp::iface::{Interface, PollIngressSingleResult, PollResult, SocketHandle, SocketSet};
use smoltcp::socket::tcp::{self, State};
use smoltcp::time::Instant;
use smoltcp::wire::IpAddress;

use crate::linux::device::QueueDevice;
use crate::linux::marks::Marks;
use crate::scenario::model::Micros;
use crate::wire::frame::Endpoints;

/// A socket's place in handle order.
pub type Slot = usize;

/// smoltcp repeats egress passes while sockets send; the stack stops after this
/// many in one go, as before (a bound, never reached by a real transfer).
const MAX_EGRESS_PASSES: usize = 64;

/// Which segments a socket accepts (`tcp::Socket::accepts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Accepts {
    /// Nothing: closed (or a free slot).
    Nothing,
    /// SYNs without ACK or RST to this port: a listening socket.
    Listen(u16),
    /// Segments of this connection (ours, local to remote).
    Tuple(Endpoints),
}

/// Where an arriving TCP segment may go.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The connection, from this host's side (local to remote).
    pub local: Endpoints,
    /// Neither ACK nor RST: a listening socket accepts it too.
    pub listener_may_take: bool,
}

struct Entry {
    set: SocketSet<'static>,
    handle: Option<SocketHandle>,
    accepts: Accepts,
    /// The state `accepts` was worked out in: the 4-tuple and the listening
    /// endpoint change only with the state.
    sorted_in: Option<State>,
    deadline: Option<Micros>,
}

/// The sockets of one host.
pub struct Sockets {
    entries: Vec<Entry>,
    free: BTreeSet<Slot>,
    /// Slots whose deadline must be worked out again.
    stale: Marks,
    /// Slots whose `accepts` must be worked out again.
    unsorted: Marks,
    /// Each socket's deadline, least first. An entry whose slot's deadline
    /// has moved since is dead and skipped (a deadline moves at nearly every
    /// segment: pushing is cheaper than removing); `live_deadlines` counts the
    /// slots with a deadline, to rebuild the heap when the dead ones pile up.
    deadlines: BinaryHeap<Reverse<(Micros, Slot)>>,
    live_deadlines: usize,
    listening: BTreeMap<u16, BTreeSet<Slot>>,
    connected: BTreeMap<Endpoints, BTreeSet<Slot>>,
    /// Always empty: where a frame no socket accepts is taken in.
    nobody: SocketSet<'static>,
    /// Slots polled or changed since [`Sockets::take_changed`].
    changed: Marks,
    /// Slots whose socket was found CLOSED since [`Sockets::take_closed`].
    closed: Vec<Slot>,
    /// The sockets one egress polls (kept to reuse its allocation).
    due: Vec<Slot>,
    /// The last connection routed by 4-tuple alone and its socket, until any
    /// socket's `accepts` changes (a bulk transfer routes to one socket).
    last_route: Option<(Endpoints, Slot)>,
    /// Reference mode for tests: poll every socket in every egress, work out
    /// every deadline every time, and route by scanning every socket, as one
    /// big set would (`Simulation::poll_everything`).
    pub exhaustive: bool,
    /// The host resolves its neighbour with real ARP (`arp = true`). Then
    /// smoltcp's neighbour cache can change a socket's deadline while the
    /// socket is not polled: an entry expires after 60 s, and any IPv4 frame
    /// from the neighbour brings an expired entry back
    /// (`reset_expiry_if_existing`), which ends the wait of every socket that
    /// was silenced for want of it (`SocketMeta::poll_at`, `egress_permitted`).
    /// So every socket is polled and its deadline worked out at every step, as
    /// with one set: such a host costs O(sockets) per event. Without real ARP
    /// the host re-teaches its neighbour every 30 s and no socket ever waits.
    pub neighbour_changes: bool,
}

impl Default for Sockets {
    fn default() -> Self {
        Sockets {
            entries: Vec::new(),
            free: BTreeSet::new(),
            stale: Marks::default(),
            unsorted: Marks::default(),
            deadlines: BinaryHeap::new(),
            live_deadlines: 0,
            listening: BTreeMap::new(),
            connected: BTreeMap::new(),
            nobody: SocketSet::new(Vec::new()),
            changed: Marks::default(),
            closed: Vec::new(),
            due: Vec::new(),
            last_route: None,
            exhaustive: false,
            neighbour_changes: false,
        }
    }
}

impl Sockets {
    /// The sockets of a host that resolves its neighbour with real ARP or not
    /// (see [`Sockets::neighbour_changes`]).
    pub fn with_real_arp(real_arp: bool) -> Sockets {
        Sockets {
            neighbour_changes: real_arp,
            ..Sockets::default()
        }
    }

    /// Add a socket in the lowest free slot, as `SocketSet::add` does.
    pub fn add(&mut self, socket: tcp::Socket<'static>) -> Slot {
        let slot = match self.free.pop_first() {
            Some(slot) => slot,
            None => {
                self.entries.push(Entry {
                    set: SocketSet::new(Vec::new()),
                    handle: None,
                    accepts: Accepts::Nothing,
                    sorted_in: None,
                    deadline: None,
                });
                self.entries.len() - 1
            }
        };
        let e = &mut self.entries[slot];
        e.handle = Some(e.set.add(socket));
        self.touch(slot);
        slot
    }

    /// Remove a socket; its slot is free for the next one.
    pub fn remove(&mut self, slot: Slot) {
        self.set_accepts(slot, Accepts::Nothing);
        self.set_deadline(slot, None);
        let e = &mut self.entries[slot];
        if let Some(handle) = e.handle.take() {
            e.set.remove(handle);
        }
        e.sorted_in = None;
        self.free.insert(slot);
    }

    /// The socket in `slot`.
    pub fn get(&self, slot: Slot) -> &tcp::Socket<'static> {
        let e = &self.entries[slot];
        e.set.get(e.handle.expect("a live slot"))
    }

    /// The socket in `slot`, to change: its deadline is worked out again.
    pub fn get_mut(&mut self, slot: Slot) -> &mut tcp::Socket<'static> {
        self.touch(slot);
        let e = &mut self.entries[slot];
        e.set.get_mut(e.handle.expect("a live slot"))
    }

    /// Every live socket, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (Slot, &tcp::Socket<'static>)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(slot, e)| e.handle.map(|h| (slot, e.set.get::<tcp::Socket>(h))))
    }

    /// Put into `out` (emptied first) the slots polled or changed since the
    /// last call, each once.
    pub fn take_changed(&mut self, out: &mut Vec<Slot>) {
        self.changed.take(out);
    }

    /// Put into `out` (emptied first) the slots whose socket closed since the
    /// last call. A socket closes only while it is polled or changed by a
    /// call, and both are followed by a look at its state (`sort`).
    pub fn take_closed(&mut self, out: &mut Vec<Slot>) {
        out.clear();
        std::mem::swap(out, &mut self.closed);
    }

    /// `slot` was polled or changed: its deadline and `accepts` must be worked
    /// out again, and the stack told.
    fn touch(&mut self, slot: Slot) {
        self.stale.mark(slot);
        self.unsorted.mark(slot);
        self.changed.mark(slot);
    }

    fn set_accepts(&mut self, slot: Slot, accepts: Accepts) {
        let e = &mut self.entries[slot];
        if e.accepts == accepts {
            return;
        }
        self.last_route = None;
        match e.accepts {
            Accepts::Nothing => {}
            Accepts::Listen(port) => remove_from(&mut self.listening, &port, slot),
            Accepts::Tuple(ends) => remove_from(&mut self.connected, &ends, slot),
        }
        match accepts {
            Accepts::Nothing => {}
            Accepts::Listen(port) => {
                self.listening.entry(port).or_default().insert(slot);
            }
            Accepts::Tuple(ends) => {
                self.connected.entry(ends).or_default().insert(slot);
            }
        }
        e.accepts = accepts;
    }

    fn set_deadline(&mut self, slot: Slot, deadline: Option<Micros>) {
        let e = &mut self.entries[slot];
        if e.deadline == deadline {
            return;
        }
        self.live_deadlines = self.live_deadlines + usize::from(deadline.is_some())
            - usize::from(e.deadline.is_some());
        e.deadline = deadline;
        if let Some(t) = deadline {
            self.deadlines.push(Reverse((t, slot)));
            if self.deadlines.len() > 2 * self.live_deadlines + 64 {
                self.rebuild_deadlines();
            }
        }
    }

    /// Whether a heap entry is still its slot's deadline.
    fn is_live(&self, (t, slot): (Micros, Slot)) -> bool {
        self.entries[slot].deadline == Some(t)
    }

    /// The heap again from the slots' deadlines, without dead entries.
    fn rebuild_deadlines(&mut self) {
        let live: Vec<Reverse<(Micros, Slot)>> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(slot, e)| e.deadline.map(|t| Reverse((t, slot))))
            .collect();
        self.deadlines = BinaryHeap::from(live);
    }

    /// The least live deadline, dropping dead entries above it.
    fn first_deadline(&mut self) -> Option<(Micros, Slot)> {
        while let Some(&Reverse(entry)) = self.deadlines.peek() {
            if self.is_live(entry) {
                return Some(entry);
            }
            self.deadlines.pop();
        }
        None
    }

    /// What segments the socket in `slot` accepts now.
    fn sort(&mut self, slot: Slot) {
        let e = &mut self.entries[slot];
        let state = e.handle.map(|h| e.set.get::<tcp::Socket>(h).state());
        if state.is_some() && state == e.sorted_in {
            return;
        }
        e.sorted_in = state;
        if state == Some(State::Closed) {
            self.closed.push(slot);
        }
        let accepts = match e.handle {
            None => Accepts::Nothing,
            Some(handle) => {
                let socket = e.set.get::<tcp::Socket>(handle);
                match socket.state() {
                    State::Closed => Accepts::Nothing,
                    State::Listen => Accepts::Listen(socket.listen_endpoint().port),
                    _ => match (socket.local_endpoint(), socket.remote_endpoint()) {
                        (Some(local), Some(remote)) => Accepts::Tuple(Endpoints {
                            src: ipv4(local.addr),
                            src_port: local.port,
                            dst: ipv4(remote.addr),
                            dst_port: remote.port,
                        }),
                        _ => Accepts::Nothing,
                    },
                }
            }
        };
        self.set_accepts(slot, accepts);
    }

    /// Work out `accepts` of every socket changed since.
    fn sort_all(&mut self) {
        while let Some(slot) = self.unsorted.pop() {
            self.sort(slot);
        }
    }

    /// Work out the deadline of every socket touched since.
    fn settle(&mut self, iface: &mut Interface, now: Instant) {
        while let Some(slot) = self.stale.pop() {
            let e = &mut self.entries[slot];
            let deadline = match e.handle {
                None => None,
                Some(_) => iface
                    .poll_at(now, &e.set)
                    .map(|t| t.total_micros().max(0) as Micros),
            };
            self.set_deadline(slot, deadline);
        }
    }

    /// The earliest deadline of any socket (smoltcp's `poll_at` over them all).
    pub fn next_deadline(&mut self, iface: &mut Interface, now: Instant) -> Option<Micros> {
        if self.polls_every_socket() {
            self.stale_all();
        }
        self.settle(iface, now);
        self.first_deadline().map(|(t, _)| t)
    }

    /// Whether every socket is polled and its deadline worked out at every
    /// step: the reference mode, or a host with real ARP.
    fn polls_every_socket(&self) -> bool {
        self.exhaustive || self.neighbour_changes
    }

    fn stale_all(&mut self) {
        for slot in 0..self.entries.len() {
            if self.entries[slot].handle.is_some() {
                self.stale.mark(slot);
            }
        }
    }

    /// The socket smoltcp would hand a segment on `route` to.
    fn route(&mut self, route: &Route) -> Option<Slot> {
        if self.exhaustive {
            // smoltcp's own scan: the first socket in slot order that accepts.
            for slot in 0..self.entries.len() {
                self.entries[slot].sorted_in = None;
                self.sort(slot);
            }
            return self.entries.iter().position(|e| match e.accepts {
                Accepts::Nothing => false,
                Accepts::Listen(port) => route.listener_may_take && port == route.local.src_port,
                Accepts::Tuple(ends) => ends == route.local,
            });
        }
        self.sort_all();
        if !route.listener_may_take
            && let Some((ends, slot)) = self.last_route
            && ends == route.local
        {
            return Some(slot);
        }
        let connected = self
            .connected
            .get(&route.local)
            .and_then(|s| s.first().copied());
        let listening = route
            .listener_may_take
            .then(|| self.listening.get(&route.local.src_port))
            .flatten()
            .and_then(|s| s.first().copied());
        if !route.listener_may_take
            && let Some(slot) = connected
        {
            self.last_route = Some((route.local, slot));
        }
        match (connected, listening) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Take one frame in: smoltcp processes it with the socket that would get
    /// it from the whole set (`route` None: not TCP, no socket involved).
    pub fn ingress(
        &mut self,
        iface: &mut Interface,
        device: &mut QueueDevice,
        now: Instant,
        frame: Vec<u8>,
        route: Option<Route>,
    ) {
        let slot = route.and_then(|r| self.route(&r));
        device.rx.push_back(frame);
        let set = match slot {
            Some(slot) => &mut self.entries[slot].set,
            None => &mut self.nobody,
        };
        while iface.poll_ingress_single(now, device, set) != PollIngressSingleResult::None {}
        match slot {
            Some(slot) => {
                self.stale.mark(slot);
                self.changed.mark(slot);
                self.sort(slot);
            }
            None => {
                // Not TCP (an ARP packet, which may fill smoltcp's neighbour
                // cache), or a segment no socket takes (smoltcp answers with a
                // RST). A socket waiting for a neighbour has the end of its
                // silence as its deadline until the neighbour is known, then its
                // own (`SocketMeta::poll_at`): every deadline may have moved.
                // Both are rare (the host re-teaches its neighbour every 30 s).
                self.stale_all();
            }
        }
    }

    /// Let every socket whose deadline has come send, pass after pass in slot
    /// order, as smoltcp's egress over the whole set does. Sockets touched
    /// since their deadline was worked out are polled without working it out
    /// first: polling a socket with nothing due does nothing, as it did when
    /// every socket was polled.
    pub fn egress(&mut self, iface: &mut Interface, device: &mut QueueDevice, now: Instant) {
        let now_us = now.total_micros().max(0) as Micros;
        let mut due = std::mem::take(&mut self.due);
        due.clear();
        if self.polls_every_socket() {
            self.stale_all();
        }
        // Due sockets leave the heap; each is polled, so marked stale below,
        // and gets its deadline again when it is next worked out.
        while let Some((t, slot)) = self.first_deadline()
            && t <= now_us
        {
            self.deadlines.pop();
            self.set_deadline(slot, None);
            due.push(slot);
        }
        due.extend(
            self.stale
                .iter()
                .filter(|&s| self.entries[s].handle.is_some()),
        );
        if !due.is_empty() {
            due.sort_unstable();
            due.dedup();
            for _ in 0..MAX_EGRESS_PASSES {
                let mut sent = false;
                for &slot in &due {
                    let set = &mut self.entries[slot].set;
                    sent |= iface.poll_egress(now, device, set) != PollResult::None;
                }
                if !sent {
                    break;
                }
            }
            for &slot in &due {
                self.stale.mark(slot);
                self.changed.mark(slot);
                self.sort(slot);
            }
        }
        self.due = due;
    }
}

fn remove_from<K: Ord>(map: &mut BTreeMap<K, BTreeSet<Slot>>, key: &K, slot: Slot) {
    if let Some(set) = map.get_mut(key) {
        set.remove(&slot);
        if set.is_empty() {
            map.remove(key);
        }
    }
}

fn ipv4(addr: IpAddress) -> std::net::Ipv4Addr {
    match addr {
        IpAddress::Ipv4(a) => a,
    }
}
