//! The Linux-semantics socket layer: listen/accept/connect/send/recv/close over
//! one smoltcp interface, with the behaviours smoltcp does not have.
//!
//! - close() with unread received data aborts with RST,ACK instead of FIN
//!   (RFC 2525 2.17; Linux tcp_close "data was lost").
//! - data that reaches a socket after close() is answered with a RST whose
//!   sequence number is the segment's ACK number, and the connection is gone
//!   (RFC 1122 4.2.2.13; Linux tcp_rcv_state_process in FIN-WAIT).
//! - segments for a connection that is gone get RSTs by RFC 9293 3.10.7.1
//!   reset generation; one per receive batch, as Linux answers one GRO unit.
//! - a listen backlog, modelled with a pool of listening smoltcp sockets.
//! - with the `linux` profile: Linux's ACK policy (see `ack_policy`), Minshall's
//!   Nagle (RFC 896 as refined by Minshall: hold a small segment only while an
//!   earlier small segment is unacknowledged), and TCP timestamps (RFC 7323),
//!   which make data segments carry 1448 bytes.
//!
//! Every segment this layer causes or holds back gets a note saying why.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::Ipv4Addr;

use smoltcp::iface::Interface;
use smoltcp::socket::tcp::{self, State};
use smoltcp::time::Instant;
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};

use crate::linux::ack_policy::{AckDecision, AckPolicy};
use crate::linux::device::QueueDevice;
use crate::linux::dup_ack::DupAckMirror;
use crate::linux::hold::{Admit, WindowHold};
use crate::linux::marks::Marks;
use crate::linux::sockets::{Route, Slot, Sockets};
use crate::linux::tlp::TailLossProbe;
use crate::scenario::model::{Congestion, HostConfig, Micros, Profile, Role};
use crate::wire::flags;
use crate::wire::frame::{self, Endpoints, Segment};
use crate::wire::seq;

/// The note of a zero-window probe this layer sends in place of smoltcp's.
const ZERO_WINDOW_PROBE: &str = "zero-window probe as Linux sends it: SND.UNA - 1, no data (tcp_xmit_probe_skb); smoltcp's probe byte waits for the window";

/// IPv4 (20) + TCP (20) header bytes inside a 1500-byte MTU.
const MSS_NO_OPTIONS: u32 = 1460;
/// The timestamps option with its padding (RFC 7323).
const TIMESTAMP_OPTION_LEN: u32 = 12;

thread_local! {
    /// The TSval the host being polled would put in a segment now (milliseconds).
    static TSVAL_NOW: Cell<u32> = const { Cell::new(0) };
}

/// smoltcp asks for timestamps through a plain `fn`, so the virtual clock is
/// handed over through a thread-local set before every poll of a host.
fn tsval_now() -> u32 {
    TSVAL_NOW.with(Cell::get)
}

/// Index of a connection in its host's socket layer.
pub type ConnId = usize;
/// Index of a listening socket in its host's socket layer.
pub type ListenerId = usize;

/// Where a connect() stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectState {
    /// The handshake is under way.
    Pending,
    /// The handshake completed.
    Established,
    /// Refused, reset or timed out.
    Failed,
}

/// What recv() gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recv {
    /// Bytes read (at most the size asked for).
    Data(Vec<u8>),
    /// End of stream: the peer sent FIN and everything was read.
    Eof,
    /// Nothing to read yet.
    WouldBlock,
    /// The connection was reset.
    Reset,
}

/// Why a connection no longer exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gone {
    /// close() found this many unread bytes and reset.
    AbortedUnread(usize),
    /// Data arrived after close(), so the connection was reset.
    ResetAfterClose,
    /// The peer reset the connection.
    ResetByPeer,
    /// The connection closed normally.
    Closed,
    /// send() after shutdown(SHUT_WR) or close(): the write side is closed, and
    /// Linux fails the call with EPIPE (RFC 9293 3.10.2: "connection closing").
    /// Only send() returns it; the connection itself goes on.
    BrokenPipe,
}

impl Gone {
    fn describe(&self) -> String {
        match self {
            Gone::AbortedUnread(n) => format!("reset by close() with {n} unread bytes"),
            Gone::ResetAfterClose => "reset when data arrived after close()".to_string(),
            Gone::ResetByPeer => "reset by the peer".to_string(),
            Gone::Closed => "closed".to_string(),
            Gone::BrokenPipe => "closed for sending".to_string(),
        }
    }
}

#[derive(Debug)]
struct Conn {
    handle: Option<Slot>,
    /// Local to remote, once known.
    ends: Option<Endpoints>,
    app_closed: bool,
    /// close() was called but held data must reach smoltcp first.
    close_pending: bool,
    gone: Option<Gone>,
    /// Bytes accepted by send() but not yet handed to smoltcp (Nagle, full buffer).
    pending: VecDeque<u8>,
    /// Total bytes handed to smoltcp.
    pushed: u64,
    /// End (in `pushed` bytes) of the last small segment pushed (Minshall's snd_sml).
    small_end: u64,
    /// Number of send() calls and how many are still held by Nagle.
    send_calls: u64,
    held_calls: u64,
    acks: AckPolicy,
    /// Deferred pure ACK frame, sent when its timer fires.
    deferred: Option<Vec<u8>>,
    /// Notes for the next segments of a kind: FIN, RST.
    fin_note: Option<String>,
    rst_note: Option<String>,
    /// Highest sequence number sent, to spot retransmissions.
    snd_max: Option<u32>,
    /// Consecutive duplicate ACKs received.
    dup_acks: u32,
    last_ack_received: Option<u32>,
    peer_mss: u32,
    tlp: TailLossProbe,
    /// Our FIN has left.
    fin_sent: bool,
    /// TCP_NODELAY is set.
    nodelay: bool,
    /// shutdown(SHUT_WR) or close() was called: send() fails with EPIPE.
    write_closed: bool,
    /// The peer's first sequence number after its SYN (IRS + 1).
    rcv_base: Option<u32>,
    /// Bytes the application has read.
    read: u64,
    /// Window-scale shifts from the two SYNs (RFC 7323 2.2): ours, the peer's.
    our_wscale: Option<u8>,
    peer_wscale: Option<u8>,
    /// Right edge of the receive window smoltcp last advertised (it trims what
    /// arrives to it): ACK + window of the newest segment it wrote.
    adv_edge: Option<u32>,
    /// The largest of those right edges: where a Linux receiver's edge would
    /// be, since Linux never moves it back.
    adv_max_edge: Option<u32>,
    /// Window field of the last segment that actually left (held ACKs excluded).
    sent_win: Option<u16>,
    /// The largest right edge the peer advertised (RFC 9293 3.8.6: SND.UNA + SND.WND).
    peer_edge: Option<u32>,
    /// The right edge of the peer's current window (SND.UNA + SND.WND), taken
    /// only from a segment newer than the one that last set it (RFC 9293
    /// 3.10.7.4; Linux tcp_may_update_window), so a reordered old segment
    /// cannot move it back.
    peer_wnd_end: Option<u32>,
    /// SND.WL1: the sequence number of that segment.
    snd_wl: Option<u32>,
    /// That segment's window field.
    peer_wnd_field: Option<u16>,
    /// Window field of the last ACK received, for duplicate-ACK detection.
    peer_win: Option<u16>,
    /// Our last FIN segment, for a fast retransmission of a lone FIN.
    fin_frame: Option<Vec<u8>>,
    /// The ACK number at which this layer last resent the FIN itself.
    fin_resent_at: Option<u32>,
    /// smoltcp's duplicate-ACK count, mirrored.
    fr_mirror: DupAckMirror,
    /// A third duplicate ACK was kept from smoltcp because its fast
    /// retransmission would have gone past the peer's window.
    fr_suppressed: bool,
    /// Bytes smoltcp wrote past the peer's window, sent when it opens.
    hold: WindowHold,
    /// The note for the next frame `outbound` handles, when this layer sends it.
    forced_note: Option<String>,
    /// The `Stack::adopt_epoch` in which it was last touched.
    touched: u64,
    /// This connection's keys in `Stack::fire_at` and `Stack::wake_at`.
    fire_key: Option<Micros>,
    wake_key: Option<Micros>,
}

impl Conn {
    /// The ACK number and window of the last segment that left: what a frame
    /// this layer sends again (a FIN, a probe, held bytes) must carry, since
    /// every segment reports the receiver's current state (RFC 9293 3.10.7.4).
    fn current_ack_and_window(&self) -> frame::Edit {
        frame::Edit {
            ack: self.acks.last_ack_sent(),
            win: self.sent_win,
            ..frame::Edit::default()
        }
    }

    /// The shifts the two directions use, once both SYNs are known: scaling is
    /// on only when both SYNs carried the option (RFC 7323 2.2).
    fn shifts(&self) -> (u8, u8) {
        match (self.our_wscale, self.peer_wscale) {
            (Some(ours), Some(theirs)) => (ours, theirs),
            _ => (0, 0),
        }
    }

    /// RCV.NXT for data: the next byte in order the application has not yet
    /// been given or queued (smoltcp's receive queue holds only in-order bytes).
    fn rcv_nxt(&self, queued: usize) -> Option<u32> {
        self.rcv_base
            .map(|base| base.wrapping_add((self.read + queued as u64) as u32))
    }
}

/// Options of a SYN that reached a listener, kept until its connection is adopted.
#[derive(Debug, Clone, Copy)]
struct SynOptions {
    mss: Option<u16>,
    wscale: Option<u8>,
    seq: u32,
}

struct Listener {
    port: u16,
    backlog: usize,
    /// Listening smoltcp sockets waiting for a SYN.
    idle: Vec<Slot>,
    /// Connections that completed the handshake and wait for accept().
    ready: VecDeque<ConnId>,
    /// Connections in the handshake.
    embryonic: Vec<ConnId>,
}

/// A frame leaving the host, with the simulator's note for it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The Ethernet frame.
    pub frame: Vec<u8>,
    /// Why it was sent, or empty.
    pub note: String,
    /// Its TCP header, parsed once here for the link and the recorder.
    pub seg: Option<Segment>,
}

/// One host's TCP/IP stack: smoltcp underneath, Linux semantics on top.
pub struct Stack {
    /// The host's configuration.
    pub config: HostConfig,
    /// Which end of the link this host is, and the other end's address.
    pub role: Role,
    /// The other host's address.
    pub peer_ip: Ipv4Addr,
    pub(crate) iface: Interface,
    pub(crate) device: QueueDevice,
    pub(crate) sockets: Sockets,
    /// The virtual clock as of the host's current step.
    pub now: Micros,
    tsval_offset: u32,
    conns: Vec<Conn>,
    by_ends: BTreeMap<Endpoints, ConnId>,
    /// The last lookup in `by_ends` (a transfer looks up one connection).
    last_ends: Cell<Option<(Endpoints, ConnId)>>,
    listeners: Vec<Listener>,
    /// Gone connections already answered with a RST in this receive batch.
    rst_this_batch: BTreeSet<Endpoints>,
    /// SYNs handed to listening sockets, by our endpoints, until adopted.
    syn_options: BTreeMap<Endpoints, SynOptions>,
    /// Frames ready for the link.
    pub outbox: Vec<Outgoing>,
    next_ephemeral: u16,
    /// Frames screened by `inbound`, waiting for smoltcp, with where they go.
    arrivals: VecDeque<(Vec<u8>, Option<Route>)>,
    /// The connection each slot belongs to (None: a listening socket, or free).
    slot_owner: Vec<Option<ConnId>>,
    /// Listening sockets touched since `after_ingress` last looked.
    idle_touched: BTreeSet<Slot>,
    /// `after_ingress` calls so far: a connection whose `touched` equals it
    /// was touched since the last call.
    adopt_epoch: u64,
    /// Scratch space for the slots whose socket closed.
    closed_slots: Vec<Slot>,
    /// Scratch space for the frames smoltcp wrote.
    tx_scratch: Vec<Vec<u8>>,
    /// For each subscription (`subscribe`), the connections that changed since
    /// it last asked (`take_ready`), each once.
    ready: Vec<Marks>,
    /// Scratch space for the slots smoltcp touched.
    changed_slots: Vec<Slot>,
    /// Connections with bytes held or a FIN waiting for them (`after_ingress` pushes).
    pending_conns: BTreeSet<ConnId>,
    /// Connections whose timers must be looked at again.
    timers_stale: Marks,
    /// This layer's timers (delayed ACK, tail loss probe) by when they fire.
    fire_at: BTreeSet<(Micros, ConnId)>,
    /// The same, for connections that still have a socket: they wake the host.
    wake_at: BTreeSet<(Micros, ConnId)>,
}

impl Stack {
    /// A stack over an interface already configured with its address.
    pub fn new(
        role: Role,
        peer_ip: Ipv4Addr,
        config: HostConfig,
        iface: Interface,
        tsval_offset: u32,
        first_ephemeral: u16,
    ) -> Stack {
        let real_arp = config.arp;
        Stack {
            config,
            role,
            peer_ip,
            iface,
            device: QueueDevice::default(),
            sockets: Sockets::with_real_arp(real_arp),
            now: 0,
            tsval_offset,
            conns: Vec::new(),
            by_ends: BTreeMap::new(),
            last_ends: Cell::new(None),
            listeners: Vec::new(),
            rst_this_batch: BTreeSet::new(),
            syn_options: BTreeMap::new(),
            outbox: Vec::new(),
            next_ephemeral: first_ephemeral,
            arrivals: VecDeque::new(),
            slot_owner: Vec::new(),
            idle_touched: BTreeSet::new(),
            adopt_epoch: 0,
            closed_slots: Vec::new(),
            tx_scratch: Vec::new(),
            ready: Vec::new(),
            changed_slots: Vec::new(),
            pending_conns: BTreeSet::new(),
            timers_stale: Marks::default(),
            fire_at: BTreeSet::new(),
            wake_at: BTreeSet::new(),
        }
    }

    fn instant(&self) -> Instant {
        Instant::from_micros(self.now as i64)
    }

    /// Point the timestamp clock at this host and `now` before smoltcp runs.
    pub fn set_clock(&mut self, now: Micros) {
        self.now = now;
        let ms = (now / 1000) as u32;
        TSVAL_NOW.with(|c| c.set(ms.wrapping_add(self.tsval_offset)));
    }

    fn linux(&self) -> bool {
        self.config.profile == Profile::Linux
    }

    fn effective_mss(&self, peer_mss: u32) -> u32 {
        let mss = peer_mss.min(MSS_NO_OPTIONS);
        if self.linux() {
            mss - TIMESTAMP_OPTION_LEN
        } else {
            mss
        }
    }

    fn new_socket(&self) -> tcp::Socket<'static> {
        let rx = tcp::SocketBuffer::new(vec![0; self.config.rx_buffer]);
        let tx = tcp::SocketBuffer::new(vec![0; self.config.tx_buffer]);
        let mut socket = tcp::Socket::new(rx, tx);
        socket.set_congestion_control(match self.config.congestion {
            Congestion::None => tcp::CongestionControl::None,
            Congestion::Reno => tcp::CongestionControl::Reno,
            Congestion::Cubic => tcp::CongestionControl::Cubic,
        });
        if self.linux() {
            socket.set_nagle_enabled(false);
            socket.set_ack_delay(None);
            socket.set_tsval_generator(Some(tsval_now));
        }
        socket
    }

    fn new_conn(&mut self, handle: Slot, ends: Option<Endpoints>) -> ConnId {
        let id = self.conns.len();
        let mss = self.effective_mss(MSS_NO_OPTIONS);
        self.conns.push(Conn {
            handle: Some(handle),
            ends,
            app_closed: false,
            close_pending: false,
            gone: None,
            pending: VecDeque::new(),
            pushed: 0,
            small_end: 0,
            send_calls: 0,
            held_calls: 0,
            acks: AckPolicy::new(self.config.delayed_ack, mss),
            deferred: None,
            fin_note: None,
            rst_note: None,
            snd_max: None,
            dup_acks: 0,
            last_ack_received: None,
            peer_mss: MSS_NO_OPTIONS,
            tlp: TailLossProbe::default(),
            fin_sent: false,
            nodelay: false,
            write_closed: false,
            rcv_base: None,
            read: 0,
            our_wscale: None,
            peer_wscale: None,
            adv_edge: None,
            adv_max_edge: None,
            sent_win: None,
            peer_edge: None,
            peer_wnd_end: None,
            snd_wl: None,
            peer_wnd_field: None,
            peer_win: None,
            fin_frame: None,
            fin_resent_at: None,
            fr_mirror: DupAckMirror::default(),
            fr_suppressed: false,
            hold: WindowHold::default(),
            forced_note: None,
            touched: u64::MAX,
            fire_key: None,
            wake_key: None,
        });
        if let Some(ends) = ends {
            self.by_ends.insert(ends, id);
            self.last_ends.set(None);
        }
        self.own(handle, Some(id));
        self.mark(id);
        id
    }

    // ----- bookkeeping that keeps an event's cost independent of the connections --------

    /// Give smoltcp a socket; its connection, if any, claims it in `new_conn`.
    fn add_socket(&mut self, socket: tcp::Socket<'static>) -> Slot {
        let slot = self.sockets.add(socket);
        self.own(slot, None);
        slot
    }

    /// The connection with these endpoints (ours: local to remote).
    fn conn_of(&self, ends: &Endpoints) -> Option<ConnId> {
        if let Some((last, id)) = self.last_ends.get()
            && last == *ends
        {
            return Some(id);
        }
        let id = *self.by_ends.get(ends)?;
        self.last_ends.set(Some((*ends, id)));
        Some(id)
    }

    /// Remove a socket from smoltcp; its slot belongs to nobody until reused.
    fn drop_socket(&mut self, slot: Slot) {
        self.sockets.remove(slot);
        self.own(slot, None);
    }

    /// Record which connection a slot's socket belongs to.
    fn own(&mut self, slot: Slot, owner: Option<ConnId>) {
        if self.slot_owner.len() <= slot {
            self.slot_owner.resize(slot + 1, None);
        }
        self.slot_owner[slot] = owner;
    }

    /// Connection `id` changed in this layer: its program may see something
    /// new, and its timers must be looked at again.
    fn mark(&mut self, id: ConnId) {
        self.mark_ready(id);
        self.timers_stale.mark(id);
    }

    /// Connection `id`'s socket changed: its program may see something new,
    /// and `after_ingress` must look at it. (Its timers change only in this
    /// layer, which marks them itself.)
    fn mark_ready(&mut self, id: ConnId) {
        for ready in &mut self.ready {
            ready.mark(id);
        }
        self.conns[id].touched = self.adopt_epoch;
    }

    /// Hand the slots smoltcp's sockets touched since the last call to the
    /// checks that look at touched sockets only.
    fn absorb_changes(&mut self) {
        let mut changed = std::mem::take(&mut self.changed_slots);
        self.sockets.take_changed(&mut changed);
        for &slot in &changed {
            match self.slot_owner.get(slot).copied().flatten() {
                Some(id) => self.mark_ready(id),
                None => {
                    self.idle_touched.insert(slot);
                }
            }
        }
        self.changed_slots = changed;
    }

    /// Put the timers of the connections marked since into `fire_at` and `wake_at`.
    fn settle_timers(&mut self) {
        while let Some(id) = self.timers_stale.pop() {
            let c = &mut self.conns[id];
            let live = c.handle.is_some();
            let deferred = c.acks.deferred_due;
            let tlp = c.tlp.due;
            let fire = min_opt(deferred, tlp.filter(|_| live));
            let wake = if live { min_opt(deferred, tlp) } else { None };
            rekey(&mut self.fire_at, &mut c.fire_key, fire, id);
            rekey(&mut self.wake_at, &mut c.wake_key, wake, id);
        }
    }

    /// Reference mode for tests: look at every socket, connection and
    /// activity at every step, as before the work was limited to what changed
    /// (`Simulation::poll_everything`). Traces must not differ.
    pub fn set_exhaustive(&mut self, on: bool) {
        self.sockets.exhaustive = on;
    }

    /// Whether [`Stack::set_exhaustive`] is on.
    pub fn exhaustive(&self) -> bool {
        self.sockets.exhaustive
    }

    /// A new subscription to the connections that change; returns its number.
    pub fn subscribe(&mut self) -> usize {
        self.ready.push(Marks::default());
        self.ready.len() - 1
    }

    /// The connections that changed since `subscription` last asked, in order:
    /// a program with many connections resumes only the activities waiting on
    /// these (`program::activities`).
    pub fn take_ready(&mut self, subscription: usize, out: &mut Vec<ConnId>) {
        self.absorb_changes();
        self.ready[subscription].take(out);
        out.sort_unstable();
    }

    // ----- the socket API programs use -------------------------------------------------

    /// listen(port, backlog).
    pub fn listen(&mut self, port: u16, backlog: u32) -> ListenerId {
        let backlog = backlog.max(1) as usize;
        let mut idle = Vec::new();
        for _ in 0..backlog {
            let mut socket = self.new_socket();
            socket
                .listen(IpListenEndpoint { addr: None, port })
                .expect("port is non-zero (validated)");
            idle.push(self.add_socket(socket));
        }
        self.listeners.push(Listener {
            port,
            backlog,
            idle,
            ready: VecDeque::new(),
            embryonic: Vec::new(),
        });
        self.listeners.len() - 1
    }

    /// accept(): a connection that finished its handshake, if any.
    pub fn accept(&mut self, listener: ListenerId) -> Option<ConnId> {
        let conn = self.listeners[listener].ready.pop_front()?;
        self.refill_listener(listener);
        Some(conn)
    }

    /// Stop listening: close every listening socket (SYNs then get RSTs).
    pub fn unlisten(&mut self, listener: ListenerId) {
        for handle in std::mem::take(&mut self.listeners[listener].idle) {
            self.drop_socket(handle);
        }
        self.listeners[listener].backlog = 0;
    }

    /// connect() to `remote`; `local_port` None picks the next ephemeral port.
    pub fn connect(&mut self, remote: (Ipv4Addr, u16), local_port: Option<u16>) -> ConnId {
        let port = local_port.unwrap_or_else(|| {
            let p = self.next_ephemeral;
            self.next_ephemeral = if p >= 60999 { 32768 } else { p + 1 };
            p
        });
        let socket = self.new_socket();
        let handle = self.add_socket(socket);
        let remote_ep = IpEndpoint::new(IpAddress::Ipv4(remote.0), remote.1);
        let ends = Endpoints {
            src: self.config.ip,
            src_port: port,
            dst: remote.0,
            dst_port: remote.1,
        };
        let socket = self.sockets.get_mut(handle);
        let failed = socket
            .connect(self.iface.context(), remote_ep, port)
            .is_err();
        let id = self.new_conn(handle, Some(ends));
        if failed {
            self.conns[id].gone = Some(Gone::Closed);
        }
        self.egress();
        id
    }

    /// Where a connection's handshake stands.
    pub fn connect_state(&self, conn: ConnId) -> ConnectState {
        let c = &self.conns[conn];
        match c.handle {
            None => ConnectState::Failed,
            Some(h) => match self.sockets.get(h).state() {
                State::SynSent | State::SynReceived => ConnectState::Pending,
                State::Closed | State::Listen => ConnectState::Failed,
                _ => ConnectState::Established,
            },
        }
    }

    /// Local and remote endpoints of a connection.
    pub fn endpoints(&self, conn: ConnId) -> Option<Endpoints> {
        self.conns[conn].ends
    }

    /// send(): accept as many bytes as the send buffer takes (a program loops, as
    /// sendall does). Returns the bytes accepted; 0 when the buffer is full.
    pub fn send(&mut self, conn: ConnId, data: &[u8]) -> Result<usize, Gone> {
        let c = &mut self.conns[conn];
        if let Some(g) = &c.gone {
            return Err(g.clone());
        }
        if c.write_closed {
            return Err(Gone::BrokenPipe);
        }
        // SO_SNDBUF counts every byte not yet acknowledged: held here or queued
        // in smoltcp (unsent or in flight).
        let queued = c.handle.map_or(0, |h| self.sockets.get(h).send_queue());
        let room = self
            .config
            .tx_buffer
            .saturating_sub(c.pending.len() + queued);
        let n = room.min(data.len());
        if n == 0 {
            return Ok(0);
        }
        c.send_calls += 1;
        self.push_with(conn, &data[..n]);
        // Linux pushes segments inside the system call.
        self.egress();
        Ok(n)
    }

    /// recv(n): at most `max` bytes, `Eof` at end of stream.
    pub fn recv(&mut self, conn: ConnId, max: usize) -> Recv {
        let mut buf = Vec::new();
        match self.recv_with(conn, max, |piece| buf.extend_from_slice(piece)) {
            Ok(_) => Recv::Data(buf),
            Err(other) => other,
        }
    }

    /// recv(n) that hands the bytes to `f` where they lie in smoltcp's ring (one
    /// or two pieces, when it wraps) instead of copying them out: for a reader
    /// that only looks at them once (a sink). `Ok(bytes read)`, or what recv()
    /// returns when there is nothing to read (never `Recv::Data`).
    pub fn recv_with(
        &mut self,
        conn: ConnId,
        max: usize,
        mut f: impl FnMut(&[u8]),
    ) -> Result<usize, Recv> {
        let c = &self.conns[conn];
        let Some(handle) = c.handle else {
            return Err(match c.gone {
                Some(Gone::Closed) => Recv::Eof,
                _ => Recv::Reset,
            });
        };
        if self.sockets.get(handle).can_recv() {
            // Only a read changes the socket: a recv() that would block must
            // not mark it changed, or a waiting reader would be woken forever.
            let socket = self.sockets.get_mut(handle);
            let want = max.min(socket.recv_queue());
            let mut read = 0;
            while read < want {
                let left = want - read;
                let got = socket
                    .recv(|ring| {
                        let k = ring.len().min(left);
                        f(&ring[..k]);
                        (k, k)
                    })
                    .unwrap_or(0);
                if got == 0 {
                    break;
                }
                read += got;
            }
            self.conns[conn].read += read as u64;
            // Reading may open the window: let smoltcp send its window update.
            self.egress();
            return Ok(read);
        }
        Err(match self.sockets.get(handle).state() {
            State::Closed => {
                if c.gone.is_none() && !c.app_closed {
                    Recv::Reset
                } else {
                    Recv::Eof
                }
            }
            State::CloseWait | State::LastAck | State::Closing | State::TimeWait => Recv::Eof,
            _ => Recv::WouldBlock,
        })
    }

    /// close(): FIN after all queued data, or RST,ACK when received data is unread.
    pub fn close(&mut self, conn: ConnId) {
        let c = &mut self.conns[conn];
        if c.app_closed {
            return;
        }
        c.app_closed = true;
        c.write_closed = true;
        let Some(handle) = c.handle else { return };
        let socket = self.sockets.get_mut(handle);
        let unread = socket.recv_queue();
        if unread > 0 {
            // RFC 2525 2.17: discarding unread data must be signalled with a RST.
            socket.abort();
            c.pending.clear();
            c.gone = Some(Gone::AbortedUnread(unread));
            c.rst_note = Some(format!(
                "close() with {unread} unread bytes: RST instead of FIN (RFC 2525 2.17)"
            ));
        } else {
            c.close_pending = true;
            c.fin_note = Some("FIN from close()".to_string());
            self.push(conn);
        }
        self.egress();
    }

    /// shutdown(SHUT_WR): FIN after all queued data; receiving goes on.
    pub fn shutdown(&mut self, conn: ConnId) {
        let c = &mut self.conns[conn];
        if c.app_closed || c.handle.is_none() {
            return;
        }
        c.write_closed = true;
        c.close_pending = true;
        c.fin_note = Some("FIN from shutdown(SHUT_WR)".to_string());
        self.push(conn);
        self.egress();
    }

    /// TCP_NODELAY: with `true`, small segments are never held back (no Nagle).
    pub fn set_nodelay(&mut self, conn: ConnId, nodelay: bool) {
        let c = &mut self.conns[conn];
        c.nodelay = nodelay;
        if let Some(h) = c.handle {
            let linux = self.config.profile == Profile::Linux;
            // Under the linux profile smoltcp's own Nagle is always off (ours decides).
            self.sockets
                .get_mut(h)
                .set_nagle_enabled(!nodelay && !linux);
        }
        self.push(conn);
        self.egress();
    }

    /// Bytes of a connection still to be read by the application.
    pub fn unread(&self, conn: ConnId) -> usize {
        match self.conns[conn].handle {
            Some(h) => self.sockets.get(h).recv_queue(),
            None => 0,
        }
    }

    // ----- moving bytes into smoltcp -----------------------------------------------------

    /// Hand held bytes to smoltcp as far as buffer space and Nagle allow.
    fn push(&mut self, conn: ConnId) {
        self.push_with(conn, &[]);
    }

    /// Hand smoltcp the held bytes followed by `extra` (a send() call's bytes),
    /// as far as buffer space and Nagle allow; what is left of `extra` joins the
    /// held bytes. Bytes go from the caller's slice straight into smoltcp's
    /// buffer when nothing is held, so a bulk send() copies each byte once.
    fn push_with(&mut self, conn: ConnId, extra: &[u8]) {
        let linux = self.linux();
        let c = &mut self.conns[conn];
        let Some(handle) = c.handle else {
            c.pending.extend(extra);
            return;
        };
        let socket = self.sockets.get_mut(handle);
        if matches!(socket.state(), State::Closed | State::TimeWait) {
            // A RST (or the end of the connection) came first: Linux purges the
            // write queue with the socket (tcp_done); held bytes go nowhere.
            c.pending.clear();
            c.close_pending = false;
            c.held_calls = 0;
            return;
        }
        let mss = if linux {
            u64::from(c.peer_mss.min(MSS_NO_OPTIONS) - TIMESTAMP_OPTION_LEN)
        } else {
            u64::from(c.peer_mss.min(MSS_NO_OPTIONS))
        };
        let mut extra = extra;
        while !c.pending.is_empty() || !extra.is_empty() {
            if !socket.may_send() {
                // Still in the handshake: bytes wait here until it completes.
                break;
            }
            let room = socket.send_capacity() - socket.send_queue();
            let mut n = room.min(c.pending.len() + extra.len()) as u64;
            if n == 0 {
                break;
            }
            if linux && !c.close_pending && !c.nodelay {
                // Minshall's Nagle: a partial segment waits only while an earlier
                // small segment is unacknowledged.
                let acked = c.pushed - socket.send_queue() as u64;
                let small_outstanding = c.small_end > acked;
                if small_outstanding && !n.is_multiple_of(mss) {
                    n -= n % mss;
                    if n == 0 {
                        c.held_calls = c.held_calls.max(1);
                        break;
                    }
                }
            }
            // Held bytes first (the queue's two slices), then the caller's.
            let take = n as usize;
            let held = take.min(c.pending.len());
            let (front, back) = c.pending.as_slices();
            let first = held.min(front.len());
            let mut sent = socket.send_slice(&front[..first]).unwrap_or(0);
            sent += socket.send_slice(&back[..held - first]).unwrap_or(0);
            c.pending.drain(..held);
            sent += socket.send_slice(&extra[..take - held]).unwrap_or(0);
            extra = &extra[take - held..];
            debug_assert_eq!(sent, take);
            if !n.is_multiple_of(mss) {
                c.small_end = c.pushed + n;
            }
            c.pushed += n;
        }
        c.pending.extend(extra);
        if c.pending.is_empty() {
            c.held_calls = 0;
            // smoltcp 0.14 in LAST-ACK answers a duplicate ACK with a challenge
            // ACK before taking its window (tcp.rs, `(State::LastAck,
            // TcpControl::None)`): a window that shuts while the FIN waits
            // behind data never reopens for it, and the connection stalls.
            // Linux takes the window in every state (tcp_ack). So the FIN is
            // handed to smoltcp once everything queued fits in the peer's
            // window, when it rides on the last segment as before.
            let window = match (c.peer_wnd_end, c.last_ack_received) {
                (Some(end), Some(una)) => seq::distance(una, end).max(0) as usize,
                _ => usize::MAX,
            };
            if c.close_pending && socket.send_queue() <= window {
                c.close_pending = false;
                socket.close();
            }
        }
        if !c.pending.is_empty() || c.close_pending {
            self.pending_conns.insert(conn);
        }
    }

    // ----- frames in and out ---------------------------------------------------------------

    /// Start a receive batch (frames taken in together, as one NAPI poll).
    pub fn begin_batch(&mut self) {
        self.rst_this_batch.clear();
    }

    /// A frame arriving from the link: this layer looks at it first and queues
    /// what smoltcp should see (possibly edited) for `ingress`, with the socket
    /// it goes to; a frame this layer answers as Linux would goes no further.
    /// `seg` is the frame's TCP header, parsed when it was sent (the link
    /// never changes a frame's bytes); None when it is not TCP.
    pub fn inbound(&mut self, frame: Vec<u8>, seg: Option<Segment>) {
        let Some(seg) = seg else {
            self.arrivals.push_back((frame, None));
            return;
        };
        if let Some(frame) = self.screen(frame, &seg) {
            let route = Route {
                local: seg.ends.reversed(),
                listener_may_take: seg.flags & (flags::ACK | flags::RST) == 0,
            };
            self.arrivals.push_back((frame, Some(route)));
        }
    }

    /// The frame smoltcp should see, or `None` when this layer has answered it.
    fn screen(&mut self, frame: Vec<u8>, seg: &Segment) -> Option<Vec<u8>> {
        let seg = *seg;
        let local = seg.ends.reversed();
        if let Some(id) = self.conn_of(&local) {
            if self.conns[id].gone.is_none() {
                self.mark(id);
                return self.inbound_live(id, frame, &seg);
            }
            if seg.has(flags::RST) {
                return None;
            }
            let why = self.conns[id]
                .gone
                .as_ref()
                .map(Gone::describe)
                .unwrap_or_default();
            if self.rst_this_batch.insert(local) {
                self.reset_reply(
                    &frame,
                    &seg,
                    format!(
                        "segment for a connection that is gone ({why}): RST (RFC 9293 3.10.7.1)"
                    ),
                );
            }
            return None;
        }
        if seg.has(flags::RST) {
            return None;
        }
        let listener = self
            .listeners
            .iter()
            .position(|l| l.port == seg.ends.dst_port && l.backlog > 0);
        if seg.flags & (flags::SYN | flags::ACK) == flags::SYN && listener.is_some() {
            let l = &self.listeners[listener.unwrap_or(0)];
            // Linux drops a SYN when the accept queue is full (tcp_abort_on_overflow = 0).
            if l.idle.is_empty() {
                return None;
            }
            self.syn_options.insert(
                local,
                SynOptions {
                    mss: seg.mss,
                    wscale: seg.wscale,
                    seq: seg.seq,
                },
            );
            return Some(frame);
        }
        if self.rst_this_batch.insert(local) {
            self.reset_reply(
                &frame,
                &seg,
                "no socket for this segment: RST (RFC 9293 3.10.7.1)".to_string(),
            );
        }
        None
    }

    /// A segment for a connection that is still open.
    fn inbound_live(&mut self, id: ConnId, frame: Vec<u8>, seg: &Segment) -> Option<Vec<u8>> {
        let (frame, seg) = match self.note_inbound(id, seg) {
            // smoltcp 0.14 takes the window of every segment, however old
            // (tcp.rs `process`): a reordered segment from before the window
            // opened shuts it again, and after a retransmission timeout with a
            // zero window smoltcp sets no probe timer, so the connection
            // stalls for good. Linux keeps the window of the newer segment
            // (tcp_may_update_window); smoltcp is shown that window instead.
            Some(current) if current != seg.win => {
                let edit = frame::Edit {
                    win: Some(current),
                    ..frame::Edit::default()
                };
                let frame = frame::edited(&frame, edit);
                let seg = frame::parse(&frame).unwrap_or(*seg);
                (frame, seg)
            }
            _ => (frame, *seg),
        };
        let seg = &seg;
        let queued = self.unread(id);
        let c = &mut self.conns[id];
        let data_end = seg.seq.wrapping_add(seg.payload_len);
        let beyond_read = c.rcv_nxt(queued).is_some_and(|rcv| seq::lt(rcv, data_end));
        if c.app_closed && seg.payload_len > 0 && beyond_read && !seg.has(flags::RST) {
            // RFC 1122 4.2.2.13 / Linux tcp_rcv_state_process: data past RCV.NXT
            // after close() cannot be delivered; reset and forget the connection.
            // Old data (a duplicate of bytes already read) is only ACKed.
            if let Some(h) = c.handle.take() {
                self.drop_socket(h);
            }
            let c = &mut self.conns[id];
            c.gone = Some(Gone::ResetAfterClose);
            c.deferred = None;
            c.acks.deferred_due = None;
            self.reset_reply(
                &frame,
                seg,
                format!(
                    "{} bytes arrived after close(): RST, seq = their ACK (RFC 1122 4.2.2.13)",
                    seg.payload_len
                ),
            );
            return None;
        }
        if c.fr_mirror.is_duplicate(seg, c.snd_max) && !seg.has(flags::FIN) {
            let only_fin_outstanding =
                c.fin_sent && c.snd_max.is_some_and(|max| seg.ack == max.wrapping_sub(1));
            let effective_mss = self.effective_mss(self.conns[id].peer_mss) as usize;
            let c = &mut self.conns[id];
            let queued = c.handle.map_or(0, |h| self.sockets.get(h).send_queue());
            let window = (u32::from(seg.win) << c.shifts().1) as usize;
            let past_window = effective_mss.min(queued) > window;
            if only_fin_outstanding {
                // smoltcp's fast retransmission would send nothing and leave its
                // timer idle: the FIN would never be resent. Keep duplicates
                // from it and do what Linux does (tcp_fastretrans_alert): resend
                // the FIN on the third, once per ACK number.
                if c.dup_acks >= 3 && c.fin_resent_at != Some(seg.ack) {
                    c.fin_resent_at = Some(seg.ack);
                    self.resend_fin(id);
                }
                return None;
            }
            if past_window {
                // smoltcp's fast retransmission would send a full MSS past the
                // peer's window. Keep duplicates from it: its retransmission
                // timer resends within the window instead (Linux would
                // fast-retransmit the part that fits, RFC 9293 3.8.6).
                c.fr_suppressed = c.dup_acks >= 3;
                return None;
            }
        }
        let c = &mut self.conns[id];
        c.fr_mirror.observe(seg, c.snd_max);
        if !c.hold.is_empty() {
            self.release_held(id);
        }
        let c = &mut self.conns[id];
        let bare = seg.seq_len() == 0 && seg.payload_len == 0 && !seg.has(flags::RST);
        let at_or_past_edge = c.adv_edge.is_some_and(|edge| !seq::lt(seg.seq, edge))
            && c.adv_max_edge.is_some_and(|max| !seq::lt(max, seg.seq));
        if bare
            && at_or_past_edge
            && let Some(rcv_nxt) = c.rcv_nxt(queued)
            && rcv_nxt != seg.seq
        {
            // A Linux sender puts SND.NXT, or the right edge of our window when
            // SND.NXT lies past it, on its ACKs (tcp_acceptable_seq), and Linux
            // accepts a segment starting at that edge (tcp_sequence); nor does
            // a Linux receiver ever move its edge back. smoltcp 0.14 applies
            // RFC 9293's strict test (SEG.SEQ < RCV.NXT + RCV.WND) and rounds
            // its window down, moving the edge back by a few bytes: it would
            // drop such an ACK unread. The ACK is handed to smoltcp at RCV.NXT.
            return Some(frame::edited(
                &frame,
                frame::Edit {
                    seq: Some(rcv_nxt),
                    ..frame::Edit::default()
                },
            ));
        }
        let beyond_window = c.adv_edge.is_some_and(|edge| seq::lt(edge, data_end));
        if seg.has(flags::FIN) && seg.payload_len > 0 && beyond_window {
            // smoltcp 0.14 trims data to its window but still takes a FIN that
            // came after the trimmed bytes, losing them. Linux (tcp_data_queue)
            // drops the FIN with the bytes past the window: so does this layer.
            return Some(frame::edited(
                &frame,
                frame::Edit {
                    clear_fin: true,
                    ..frame::Edit::default()
                },
            ));
        }
        Some(frame)
    }

    /// Send what fits now of the bytes held back at the peer's window edge,
    /// with the current ACK and window.
    fn release_held(&mut self, id: ConnId) {
        let c = &mut self.conns[id];
        let frames = c.hold.release(c.last_ack_received, c.peer_edge);
        for held in frames {
            let c = &mut self.conns[id];
            let frame = frame::edited(&held, c.current_ack_and_window());
            c.forced_note = Some(
                "held bytes past the peer's window, sent now that the window has opened"
                    .to_string(),
            );
            self.outbound(frame);
        }
    }

    /// Resend our FIN segment with the current ACK and window (Linux's fast
    /// retransmission of a FIN, RFC 5681 3.2).
    fn resend_fin(&mut self, id: ConnId) {
        let c = &self.conns[id];
        let Some(fin) = &c.fin_frame else { return };
        let frame = frame::edited(fin, c.current_ack_and_window());
        let note = format!(
            "fast retransmission of the FIN after {} duplicate ACKs (RFC 5681 3.2)",
            c.dup_acks
        );
        let seg = frame::parse(&frame);
        self.outbox.push(Outgoing { frame, note, seg });
    }

    /// Bookkeeping for a segment that smoltcp is about to take in. Returns the
    /// current window field when the segment is too old to set the window
    /// (Linux tcp_may_update_window) but carries the current ACK.
    fn note_inbound(&mut self, id: ConnId, seg: &Segment) -> Option<u16> {
        let mss = seg.mss.map(u32::from);
        let ours = mss.map(|m| self.effective_mss(m));
        let c = &mut self.conns[id];
        if let (Some(m), Some(eff)) = (mss, ours) {
            c.peer_mss = m;
            c.acks.set_rcv_mss(eff);
        }
        if seg.has(flags::SYN) {
            c.peer_wscale = seg.wscale;
            c.rcv_base = Some(seg.seq.wrapping_add(1));
        }
        if seg.payload_len > 0 {
            c.acks.on_data_received(self.now);
        }
        if seg.has(flags::FIN) {
            c.acks.on_fin_received(c.fin_sent);
        }
        if seg.has(flags::ACK) && !seg.has(flags::RST) {
            c.tlp.on_ack(self.now, seg.ack);
            let outstanding = c.snd_max.is_some_and(|max| seq::lt(seg.ack, max));
            let advances = c.last_ack_received.is_none_or(|l| seq::lt(l, seg.ack));
            let dup = seg.payload_len == 0
                && !seg.has(flags::SYN)
                && c.last_ack_received == Some(seg.ack)
                && c.peer_win == Some(seg.win)
                && outstanding;
            if dup {
                c.dup_acks += 1;
            } else if c.last_ack_received.is_none_or(|l| seq::lt(l, seg.ack)) {
                c.dup_acks = 0;
                c.fr_suppressed = false;
                c.last_ack_received = Some(seg.ack);
            }
            if c.last_ack_received == Some(seg.ack) {
                c.peer_win = Some(seg.win);
            }
            let shift = if seg.has(flags::SYN) { 0 } else { c.shifts().1 };
            let edge = seg.ack.wrapping_add(u32::from(seg.win) << shift);
            if c.peer_edge.is_none_or(|e| seq::lt(e, edge)) {
                c.peer_edge = Some(edge);
            }
            // Linux's tcp_may_update_window: an ACK that advances, a segment
            // newer than SND.WL1, or the same one with a larger window.
            let newer = advances
                || c.snd_wl.is_none_or(|wl1| seq::lt(wl1, seg.seq))
                || (c.snd_wl == Some(seg.seq)
                    && c.peer_wnd_end.is_none_or(|end| seq::lt(end, edge)));
            if c.last_ack_received == Some(seg.ack) && !seg.has(flags::SYN) {
                if newer {
                    c.snd_wl = Some(seg.seq);
                    c.peer_wnd_end = Some(edge);
                    c.peer_wnd_field = Some(seg.win);
                } else {
                    return c.peer_wnd_field;
                }
            }
        }
        None
    }

    /// Answer `frame` with a RST by RFC 9293 reset generation: if it carried ACK,
    /// <SEQ=SEG.ACK><CTL=RST>; otherwise <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    fn reset_reply(&mut self, frame: &[u8], seg: &Segment, note: String) {
        let Some((their_mac, our_mac)) = frame::macs(frame) else {
            return;
        };
        let ends = seg.ends.reversed();
        let rst = if seg.has(flags::ACK) {
            frame::build_rst(our_mac, their_mac, ends, seg.ack, None)
        } else {
            let ack = seg.seq.wrapping_add(seg.seq_len());
            frame::build_rst(our_mac, their_mac, ends, 0, Some(ack))
        };
        let seg = frame::parse(&rst);
        self.outbox.push(Outgoing {
            frame: rst,
            note,
            seg,
        });
    }

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
    fn refill_listener(&mut self, l: ListenerId) {
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

    /// Let smoltcp send what it wants to, and pass each frame through this layer.
    pub fn egress(&mut self) {
        let now = self.instant();
        self.sockets.egress(&mut self.iface, &mut self.device, now);
        self.drain_device();
        self.forget_closed();
    }

    /// Run smoltcp's ingress on every frame waiting: those put straight into
    /// the device (ARP), then those `inbound` let through, each with the socket
    /// smoltcp would choose for it.
    pub fn ingress(&mut self) {
        let now = self.instant();
        while let Some(frame) = self.device.rx.pop_front() {
            self.sockets
                .ingress(&mut self.iface, &mut self.device, now, frame, None);
        }
        while let Some((frame, route)) = self.arrivals.pop_front() {
            self.sockets
                .ingress(&mut self.iface, &mut self.device, now, frame, route);
        }
        self.drain_device();
    }

    fn drain_device(&mut self) {
        if self.device.tx.is_empty() {
            return;
        }
        // Swapped with a kept buffer rather than taken, so that the device's
        // list is not allocated again for every batch.
        let mut frames = std::mem::take(&mut self.tx_scratch);
        std::mem::swap(&mut frames, &mut self.device.tx);
        for frame in frames.drain(..) {
            self.outbound(frame);
        }
        self.tx_scratch = frames;
    }

    /// A frame smoltcp wrote: correct it where smoltcp 0.14 differs from Linux,
    /// apply the ACK policy, note why it was sent.
    fn outbound(&mut self, frame: Vec<u8>) {
        let Some(seg) = frame::parse(&frame) else {
            self.outbox.push(Outgoing {
                frame,
                note: String::new(),
                seg: None,
            });
            return;
        };
        let Some(id) = self.conn_of(&seg.ends) else {
            self.outbox.push(Outgoing {
                frame,
                note: String::new(),
                seg: Some(seg),
            });
            return;
        };
        self.mark(id);
        let Some((frame, seg, correction)) = self.correct_outbound(id, frame, seg) else {
            return;
        };
        let mut note = String::new();
        let linux = self.linux();
        let now = self.now;
        let c = &mut self.conns[id];
        if seg.has(flags::SYN) {
            c.our_wscale = seg.wscale;
            if seg.has(flags::ACK) {
                c.rcv_base = Some(seg.ack);
            }
        }
        if seg.has(flags::ACK) && !seg.has(flags::RST) {
            let shift = if seg.has(flags::SYN) { 0 } else { c.shifts().0 };
            let edge = seg.ack.wrapping_add(u32::from(seg.win) << shift);
            c.adv_edge = Some(edge);
            if c.adv_max_edge.is_none_or(|max| seq::lt(max, edge)) {
                c.adv_max_edge = Some(edge);
            }
        }
        if linux && seg.is_pure_ack() && c.gone.is_none() && correction != ZERO_WINDOW_PROBE {
            match c.acks.decide(now, seg.ack) {
                AckDecision::Now(why) => note = why.to_string(),
                AckDecision::Defer { .. } => {
                    c.deferred = Some(frame);
                    return;
                }
            }
        }
        if seg.has(flags::ACK) {
            c.acks.on_ack_sent(seg.ack);
            c.sent_win = Some(seg.win);
            if c.acks.deferred_due.is_none() {
                c.deferred = None;
            }
        }
        if seg.payload_len > 0 {
            c.acks.on_data_sent(now);
        }
        if seg.has(flags::FIN) {
            c.fin_sent = true;
            c.fin_frame = Some(frame.clone());
        }
        let end = seg.seq.wrapping_add(seg.seq_len());
        let retransmission = seg.seq_len() > 0
            && !seg.has(flags::SYN)
            && c.snd_max.is_some_and(|max| seq::lt(seg.seq, max));
        if c.snd_max.is_none_or(|max| seq::lt(max, end)) {
            c.snd_max = Some(end);
        }
        if linux {
            c.tlp.on_sent(now, &seg, &frame, retransmission);
        }
        if let Some(forced) = c.forced_note.take() {
            note = forced;
        } else if seg.has(flags::RST) {
            note = c.rst_note.take().unwrap_or_else(|| "RST".to_string());
        } else if retransmission {
            note = if c.fr_suppressed {
                "retransmission after the retransmission timeout (tcpsim kept the third duplicate ACK from smoltcp: its fast retransmission would have gone past the peer's window)".to_string()
            } else if c.dup_acks >= 3 {
                format!("fast retransmission after {} duplicate ACKs", c.dup_acks)
            } else {
                "retransmission after the retransmission timeout".to_string()
            };
        } else if seg.has(flags::FIN) {
            note = c.fin_note.take().unwrap_or_else(|| "FIN".to_string());
        } else if seg.payload_len > 0 && c.held_calls > 0 {
            note = "Nagle released data held while a small segment was unacknowledged".to_string();
        }
        let note = crate::trace::text::join_onto(note, &correction);
        self.outbox.push(Outgoing {
            frame,
            note,
            seg: Some(seg),
        });
    }

    /// Where smoltcp 0.14 writes a segment Linux would not, rewrite it as Linux
    /// would, with a note saying so:
    /// - its pure ACKs and RSTs carry its own idea of SND.NXT, which go-back-N
    ///   rewinds to SND.UNA after a retransmission timeout and a zero-window
    ///   probe pushes past the peer's window. The peer finds such segments
    ///   outside its window and drops them without reading their ACK (RFC 9293
    ///   3.10.7.4; RFC 5961 3 for the RST): two such hosts retransmitting to
    ///   each other never hear each other's ACKs again. Linux writes SND.NXT,
    ///   or the right edge of the peer's window when SND.NXT lies past it
    ///   (tcp_acceptable_seq), and so does this layer;
    /// - data past the largest right edge the peer advertised never leaves
    ///   (RFC 9293 3.8.6): it is held (`hold`) and sent when the window opens.
    ///   The fast retransmissions that would write it are prevented in
    ///   `inbound_live`, so this is a safety net. A lone byte at the edge
    ///   leaves: a zero-window probe (RFC 9293 3.8.6.1).
    fn correct_outbound(
        &mut self,
        id: ConnId,
        frame: Vec<u8>,
        seg: Segment,
    ) -> Option<(Vec<u8>, Segment, String)> {
        let c = &mut self.conns[id];
        let mut edit = frame::Edit::default();
        let mut note = String::new();
        let bare = seg.seq_len() == 0 && seg.payload_len == 0;
        if bare && let Some(max) = c.snd_max {
            // Linux's tcp_acceptable_seq: SND.NXT, or the right edge of the
            // peer's window when SND.NXT lies past it. Linux takes the current
            // window's edge; a Linux receiver never moves that edge back, but
            // smoltcp's does by up to 2^shift - 1 bytes (it rounds its free
            // space down), so the largest edge advertised is the one used.
            let target = match c.peer_edge {
                Some(end) if seq::lt(end, max) => end,
                _ => max,
            };
            if seg.seq != target {
                edit.seq = Some(target);
                let why = if seq::lt(seg.seq, target) {
                    "smoltcp rewinds to SND.UNA after a retransmission timeout"
                } else {
                    "smoltcp writes SND.NXT past the peer's window after a zero-window probe"
                };
                let what = if seg.has(flags::RST) {
                    "resets"
                } else {
                    "ACKs carry"
                };
                note = format!(
                    "seq moved {:+} ({why}; Linux {what} SND.NXT or the window's right edge, tcp_acceptable_seq; the peer drops a segment outside its window unread, RFC 9293 3.10.7.4)",
                    seq::distance(seg.seq, target)
                );
            }
        }
        let releasing = c.forced_note.is_some();
        if seg.payload_len > 0 && !seg.has(flags::SYN) && !releasing {
            // The smoltcp profile keeps smoltcp's data-bearing zero-window probe.
            let data_probes = self.config.profile == Profile::Smoltcp;
            let c = &mut self.conns[id];
            match c.hold.admit(&frame, &seg, c.peer_edge, data_probes) {
                Admit::Whole => {}
                Admit::Part { keep } => {
                    edit.payload = Some((0, keep));
                    edit.clear_fin = true;
                    note = format!(
                        "{} bytes past the peer's window held back until it opens (smoltcp's fast retransmission ignores the window; Linux never sends past SND.UNA + SND.WND, RFC 9293 3.8.6)",
                        seg.payload_len - keep
                    );
                }
                Admit::Nothing => return self.instead_of_held(id, &frame, &seg),
            }
        }
        if edit == frame::Edit::default() {
            return Some((frame, seg, note));
        }
        let frame = frame::edited(&frame, edit);
        let seg = frame::parse(&frame).unwrap_or(seg);
        Some((frame, seg, note))
    }

    /// A segment whose payload is all held (it lies past the peer's window or
    /// behind held bytes): send what Linux would send in its place. smoltcp's
    /// one-byte zero-window probe becomes a probe with the first held byte; a
    /// segment carrying a new ACK leaves as a pure ACK; anything else, nothing.
    fn instead_of_held(
        &mut self,
        id: ConnId,
        frame: &[u8],
        seg: &Segment,
    ) -> Option<(Vec<u8>, Segment, String)> {
        let c = &mut self.conns[id];
        let zero_window = c.peer_wnd_end.is_some() && c.peer_wnd_end == c.last_ack_received;
        if zero_window
            && self.config.profile == Profile::Linux
            && let Some(una) = c.last_ack_received
        {
            // smoltcp probes a zero window with a byte of new data (RFC 9293
            // 3.8.6.1 allows it); a probe byte the receiver takes moves RCV.NXT
            // past what the sender knows, one it refuses leaves SND.NXT past
            // the window, and either way a later RST can miss the window. Linux
            // probes with no data and SND.UNA - 1 (tcp_xmit_probe_skb), which
            // any receiver answers with its window; the byte stays held.
            let probe = frame::edited(
                frame,
                frame::Edit {
                    seq: Some(una.wrapping_sub(1)),
                    payload: Some((0, 0)),
                    clear_fin: true,
                    ..frame::Edit::default()
                },
            );
            let seg = frame::parse(&probe)?;
            return Some((probe, seg, ZERO_WINDOW_PROBE.to_string()));
        }
        let new_ack = seg.has(flags::ACK)
            && c.acks
                .last_ack_sent()
                .is_none_or(|sent| seq::lt(sent, seg.ack));
        if !new_ack {
            return None;
        }
        let ack_only = frame::edited(
            frame,
            frame::Edit {
                payload: Some((0, 0)),
                clear_fin: true,
                ..frame::Edit::default()
            },
        );
        let seg = frame::parse(&ack_only)?;
        self.correct_outbound(id, ack_only, seg)
    }

    /// Send held ACKs whose delayed-ACK timer is due, and due tail loss probes.
    pub fn fire_timers(&mut self) {
        let now = self.now;
        let linux = self.linux();
        self.settle_timers();
        let mut due: Vec<ConnId> = if self.sockets.exhaustive {
            (0..self.conns.len()).collect()
        } else {
            self.fire_at
                .range(..=(now, ConnId::MAX))
                .map(|&(_, id)| id)
                .collect()
        };
        due.sort_unstable();
        for id in due {
            self.mark(id);
            let c = &mut self.conns[id];
            if linux
                && c.handle.is_some()
                && let Some((frame, pto)) = c.tlp.fire(now, c.current_ack_and_window())
            {
                let note = format!(
                    "tail loss probe: last segment resent, no ACK within PTO {:.1} ms (RFC 8985 7.3)",
                    pto as f64 / 1000.0
                );
                let seg = frame::parse(&frame);
                self.outbox.push(Outgoing { frame, note, seg });
            }
            if c.acks.deferred_due.is_some_and(|due| due <= now) {
                let left = c.acks.on_timer_fired();
                if let Some(frame) = c.deferred.take() {
                    let seg = frame::parse(&frame);
                    if let Some(seg) = &seg {
                        c.acks.on_ack_sent(seg.ack);
                        c.sent_win = Some(seg.win);
                    }
                    let note = if left {
                        format!(
                            "delayed ACK: {} ms timer expired with no reply to carry it",
                            self.config.delayed_ack / 1000
                        )
                    } else {
                        format!(
                            "delayed ACK: {} ms timer expired",
                            self.config.delayed_ack / 1000
                        )
                    };
                    self.outbox.push(Outgoing { frame, note, seg });
                }
            }
        }
    }

    /// Drop smoltcp sockets whose connection has ended (only a socket touched
    /// since the last look can have closed).
    fn forget_closed(&mut self) {
        let mut closed = std::mem::take(&mut self.closed_slots);
        self.sockets.take_closed(&mut closed);
        if self.sockets.exhaustive {
            closed.extend(self.conns.iter().filter_map(|c| c.handle));
        }
        for &slot in &closed {
            let Some(id) = self.slot_owner.get(slot).copied().flatten() else {
                continue;
            };
            let c = &mut self.conns[id];
            if c.handle != Some(slot) || self.sockets.get(slot).state() != State::Closed {
                continue;
            }
            c.handle = None;
            if c.gone.is_none() {
                c.gone = Some(if c.app_closed {
                    Gone::Closed
                } else {
                    Gone::ResetByPeer
                });
            }
            self.drop_socket(slot);
            self.mark(id);
        }
        self.closed_slots = closed;
    }

    /// The earliest time this layer or smoltcp needs to run again.
    pub fn next_deadline(&mut self) -> Option<Micros> {
        let now = self.instant();
        let stack = self.sockets.next_deadline(&mut self.iface, now);
        self.settle_timers();
        let timers = if self.sockets.exhaustive {
            self.conns
                .iter()
                .filter(|c| c.handle.is_some())
                .flat_map(|c| [c.acks.deferred_due, c.tlp.due])
                .flatten()
                .min()
        } else {
            self.wake_at.first().map(|&(t, _)| t)
        };
        min_opt(stack, timers)
    }

    /// Whether nothing is waiting to be sent or acknowledged.
    pub fn quiescent(&self) -> bool {
        let held = self.conns.iter().any(|c| {
            c.deferred.is_some()
                || (c.handle.is_some() && (!c.pending.is_empty() || !c.hold.is_empty()))
        });
        if held || !self.outbox.is_empty() {
            return false;
        }
        self.sockets.iter().all(|(_, t)| match t.state() {
            State::Closed | State::Listen | State::TimeWait | State::FinWait2 => true,
            State::Established | State::CloseWait => t.send_queue() == 0,
            _ => false,
        })
    }
}

/// Move `id`'s entry in `set` from the time in `key` to `new`.
fn rekey(
    set: &mut BTreeSet<(Micros, ConnId)>,
    key: &mut Option<Micros>,
    new: Option<Micros>,
    id: ConnId,
) {
    if *key == new {
        return;
    }
    if let Some(old) = *key {
        set.remove(&(old, id));
    }
    if let Some(t) = new {
        set.insert((t, id));
    }
    *key = new;
}

fn min_opt(a: Option<Micros>, b: Option<Micros>) -> Option<Micros> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Remove from `list` the elements at `positions`, in the order in which the
/// scan `while i < len { if keep(list[i]) { i += 1 } else { swap_remove(i) } }`
/// removes them when exactly those elements fail `keep`; returns them in that
/// order. The scan's order decides which connection accept() returns first, so
/// the cheap form must keep it.
fn swap_remove_scan<T>(list: &mut Vec<T>, mut positions: BTreeSet<usize>) -> Vec<T> {
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

fn ipv4(addr: IpAddress) -> Ipv4Addr {
    match addr {
        IpAddress::Ipv4(a) => a,
    }
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
