//! The host's stack: smoltcp's interface and sockets, this layer's connections
//! and listeners, and the bookkeeping that keeps an event's cost independent
//! of how many connections there are (only what changed is looked at).

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::Ipv4Addr;

use smoltcp::iface::Interface;
use smoltcp::socket::tcp::{self};
use smoltcp::time::Instant;
use smoltcp::wire::IpAddress;

use crate::linux::ack_policy::AckPolicy;
use crate::linux::close::Closing;
use crate::linux::conn::{Conn, ConnId};
use crate::linux::device::QueueDevice;
use crate::linux::dup_ack::DupAcks;
use crate::linux::hold::WindowHold;
use crate::linux::listen::{Listener, SynOptions};
use crate::linux::marks::Marks;
use crate::linux::nagle::Nagle;
use crate::linux::psh::PushMarks;
use crate::linux::rwnd::RcvWnd;
use crate::linux::sack::RcvSack;
use crate::linux::sender::Sender;
use crate::linux::sockets::{Route, Slot, Sockets};
use crate::linux::sysctl::Sysctls;
use crate::linux::window::Windows;
use crate::scenario::model::{Congestion, HostConfig, Micros, Profile, Role};
use crate::trace::{ConnInfo, CwndSample};
use crate::wire::frame::{Endpoints, Segment};

/// IPv4 (20) + TCP (20) header bytes inside a 1500-byte MTU.
pub(super) const MSS_NO_OPTIONS: u32 = 1460;

/// The MSS assumed for a peer whose SYN has no MSS option (RFC 9293 3.7.1;
/// Linux's TCP_MSS_DEFAULT).
pub(super) const DEFAULT_PEER_MSS: u32 = 536;

/// The timestamps option with its padding (RFC 7323).
pub(super) const TIMESTAMP_OPTION_LEN: u32 = 12;

thread_local! {
    /// The TSval the host being polled would put in a segment now (milliseconds).
    static TSVAL_NOW: Cell<u32> = const { Cell::new(0) };
}

/// smoltcp asks for timestamps through a plain `fn`, so the virtual clock is
/// handed over through a thread-local set before every poll of a host.
pub(super) fn tsval_now() -> u32 {
    TSVAL_NOW.with(Cell::get)
}

/// Data a frame brings, noted when it is screened and applied to the
/// connection's SACK state (`sack.rs`) when smoltcp takes the frame in.
#[derive(Debug, Clone, Copy)]
pub(super) struct ArrivingData {
    pub(super) id: ConnId,
    pub(super) start: u32,
    pub(super) end: u32,
    /// The peer's first sequence number (IRS + 1).
    pub(super) first: u32,
    /// Payload to count (acceptable, or an old duplicate).
    pub(super) data: bool,
    /// An acceptable FIN ends it.
    pub(super) fin: bool,
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
    pub(super) tsval_offset: u32,
    pub(super) conns: Vec<Conn>,
    pub(super) by_ends: BTreeMap<Endpoints, ConnId>,
    /// The last lookup in `by_ends` (a transfer looks up one connection).
    pub(super) last_ends: Cell<Option<(Endpoints, ConnId)>>,
    pub(super) listeners: Vec<Listener>,
    /// Gone connections already answered with a RST in this receive batch.
    pub(super) rst_this_batch: BTreeSet<Endpoints>,
    /// SYNs handed to listening sockets, by our endpoints, until adopted.
    pub(super) syn_options: BTreeMap<Endpoints, SynOptions>,
    /// Frames ready for the link.
    pub outbox: Vec<Outgoing>,
    /// The host's `net.ipv4.tcp_*` settings (Linux's defaults unless a
    /// packetdrill script sets them); read when a socket is made.
    pub sysctl: Sysctls,
    pub(super) next_ephemeral: u16,
    /// Frames screened by `inbound`, waiting for smoltcp, with where they go.
    pub(super) arrivals: VecDeque<(Vec<u8>, Option<Route>, Option<ArrivingData>)>,
    /// The data of the frame `screen` is looking at, for the receiver's SACK
    /// state when smoltcp takes the frame in (`ingress`), in arrival order.
    pub(super) arriving: Option<ArrivingData>,
    /// The connection each slot belongs to (None: a listening socket, or free).
    pub(super) slot_owner: Vec<Option<ConnId>>,
    /// Listening sockets touched since `after_ingress` last looked.
    pub(super) idle_touched: BTreeSet<Slot>,
    /// `after_ingress` calls so far: a connection whose `touched` equals it
    /// was touched since the last call.
    pub(super) adopt_epoch: u64,
    /// Scratch space for the slots whose socket closed.
    pub(super) closed_slots: Vec<Slot>,
    /// Scratch space for the frames smoltcp wrote.
    pub(super) tx_scratch: Vec<Vec<u8>>,
    /// For each subscription (`subscribe`), the connections that changed since
    /// it last asked (`take_ready`), each once.
    pub(super) ready: Vec<Marks>,
    /// Scratch space for the slots smoltcp touched.
    pub(super) changed_slots: Vec<Slot>,
    /// Connections with bytes held or a FIN waiting for them (`after_ingress` pushes).
    pub(super) pending_conns: BTreeSet<ConnId>,
    /// Connections whose push stopped at a record's end (MSG_EOR), to push
    /// again once smoltcp has sent the record (`outbound.rs` egress).
    pub(super) eor_waiting: BTreeSet<ConnId>,
    /// While set, `push` hands connection `.0` at most `.1` segments whatever
    /// the congestion window (a loss probe or a zero-window probe).
    pub(super) push_limit: Option<(ConnId, u64)>,
    /// Congestion-window samples, when the run records them (`record_cwnd`).
    pub(super) samples: Option<Vec<CwndSample>>,
    /// Connections whose timers must be looked at again.
    pub(super) timers_stale: Marks,
    /// This layer's timers (delayed ACK, tail loss probe) by when they fire.
    pub(super) fire_at: BTreeSet<(Micros, ConnId)>,
    /// The same, for connections that still have a socket: they wake the host.
    pub(super) wake_at: BTreeSet<(Micros, ConnId)>,
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
            sysctl: Sysctls::default(),
            next_ephemeral: first_ephemeral,
            arrivals: VecDeque::new(),
            arriving: None,
            slot_owner: Vec::new(),
            idle_touched: BTreeSet::new(),
            adopt_epoch: 0,
            closed_slots: Vec::new(),
            tx_scratch: Vec::new(),
            ready: Vec::new(),
            changed_slots: Vec::new(),
            pending_conns: BTreeSet::new(),
            eor_waiting: BTreeSet::new(),
            push_limit: None,
            samples: None,
            timers_stale: Marks::default(),
            fire_at: BTreeSet::new(),
            wake_at: BTreeSet::new(),
        }
    }

    pub(super) fn instant(&self) -> Instant {
        Instant::from_micros(self.now as i64)
    }

    /// Point the timestamp clock at this host and `now` before smoltcp runs.
    pub fn set_clock(&mut self, now: Micros) {
        self.now = now;
        let ms = (now / 1000) as u32;
        TSVAL_NOW.with(|c| c.set(ms.wrapping_add(self.tsval_offset)));
    }

    pub(super) fn linux(&self) -> bool {
        self.config.profile == Profile::Linux
    }

    /// Payload bytes per segment for a peer announcing `peer_mss`: the
    /// smaller of it and our own MSS, less the timestamps option when the
    /// connection carries it (`ts`; Linux's tcp_current_mss takes the
    /// options every segment carries off the MSS).
    pub(super) fn effective_mss(&self, peer_mss: u32, ts: bool) -> u32 {
        let mss = peer_mss.min(MSS_NO_OPTIONS);
        if self.linux() && ts {
            mss - TIMESTAMP_OPTION_LEN
        } else {
            mss
        }
    }

    pub(super) fn new_socket(&self) -> tcp::Socket<'static> {
        let rx = tcp::SocketBuffer::new(vec![0; self.config.rx_buffer]);
        let tx = tcp::SocketBuffer::new(vec![0; self.config.tx_buffer]);
        let mut socket = tcp::Socket::new(rx, tx);
        // With the linux profile this layer's sender is the congestion control
        // (`sender/`): smoltcp sends whatever it is handed.
        socket.set_congestion_control(match (self.linux(), self.config.congestion) {
            (true, _) | (false, Congestion::None) => tcp::CongestionControl::None,
            (false, Congestion::Reno) => tcp::CongestionControl::Reno,
            (false, Congestion::Cubic) => tcp::CongestionControl::Cubic,
        });
        if self.linux() {
            socket.set_nagle_enabled(false);
            socket.set_ack_delay(None);
            if self.sysctl.timestamps {
                socket.set_tsval_generator(Some(tsval_now));
            }
        }
        socket
    }

    pub(super) fn new_conn(&mut self, handle: Slot, ends: Option<Endpoints>) -> ConnId {
        let id = self.conns.len();
        let mss = self.effective_mss(MSS_NO_OPTIONS, self.sysctl.timestamps);
        self.conns.push(Conn {
            handle: Some(handle),
            ends,
            gone: None,
            close: Closing::default(),
            nagle: Nagle::default(),
            psh: PushMarks::default(),
            win: Windows::default(),
            rwnd: RcvWnd::default(),
            dup: DupAcks::default(),
            rsack: RcvSack::default(),
            acks: AckPolicy::new(self.config.delayed_ack, mss),
            deferred: None,
            snd_max: None,
            last_ack_received: None,
            peer_mss: MSS_NO_OPTIONS,
            sender: Sender::new(self.config.congestion, mss),
            macs: None,
            last_tsecr: None,
            hold: WindowHold::default(),
            forced_note: None,
            user_mss: None,
            sndbuf: 0,
            sndbuf_lock: None,
            advmss: 0,
            ts_on: false,
            last_data_recv: 0,
            unread_at_reset: Default::default(),
            touched: u64::MAX,
            fire_key: None,
            wake_key: None,
        });
        if let Some(ends) = ends {
            self.by_ends.insert(ends, id);
            self.last_ends.set(None);
        }
        let sysctl = self.sysctl.clone();
        self.conns[id].sender.apply_sysctl(&sysctl);
        self.own(handle, Some(id));
        self.mark(id);
        id
    }

    /// Give smoltcp a socket; its connection, if any, claims it in `new_conn`.
    pub(super) fn add_socket(&mut self, socket: tcp::Socket<'static>) -> Slot {
        let slot = self.sockets.add(socket);
        self.own(slot, None);
        slot
    }

    /// The connection with these endpoints (ours: local to remote).
    pub(super) fn conn_of(&self, ends: &Endpoints) -> Option<ConnId> {
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
    pub(super) fn drop_socket(&mut self, slot: Slot) {
        self.sockets.remove(slot);
        self.own(slot, None);
    }

    /// Record which connection a slot's socket belongs to.
    pub(super) fn own(&mut self, slot: Slot, owner: Option<ConnId>) {
        if self.slot_owner.len() <= slot {
            self.slot_owner.resize(slot + 1, None);
        }
        self.slot_owner[slot] = owner;
    }

    /// Connection `id` changed in this layer: its program may see something
    /// new, and its timers must be looked at again.
    pub(super) fn mark(&mut self, id: ConnId) {
        self.mark_ready(id);
        self.timers_stale.mark(id);
    }

    /// Connection `id`'s socket changed: its program may see something new,
    /// and `after_ingress` must look at it. (Its timers change only in this
    /// layer, which marks them itself.)
    pub(super) fn mark_ready(&mut self, id: ConnId) {
        for ready in &mut self.ready {
            ready.mark(id);
        }
        self.conns[id].touched = self.adopt_epoch;
    }

    /// Hand the slots smoltcp's sockets touched since the last call to the
    /// checks that look at touched sockets only.
    pub(super) fn absorb_changes(&mut self) {
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
}

pub(super) fn ipv4(addr: IpAddress) -> Ipv4Addr {
    match addr {
        IpAddress::Ipv4(a) => a,
    }
}

impl Stack {
    /// Keep a congestion-window sample after every ACK and timeout.
    pub fn record_cwnd(&mut self) {
        self.samples.get_or_insert_with(Vec::new);
    }

    /// The samples kept so far, taken.
    pub fn take_cwnd_samples(&mut self) -> Vec<CwndSample> {
        self.samples
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Each connection's tcp_info now (the `linux` profile's sender).
    pub fn conn_infos(&self) -> Vec<ConnInfo> {
        if !self.linux() {
            return Vec::new();
        }
        self.conns
            .iter()
            .filter_map(|c| {
                let ends = c.ends?;
                Some(ConnInfo {
                    role: self.role,
                    local_port: ends.src_port,
                    remote_port: ends.dst_port,
                    info: c.sender.info(),
                })
            })
            .collect()
    }

    /// Sample connection `id`'s window, if samples are kept.
    pub(super) fn sample_cwnd(&mut self, id: ConnId) {
        let Some(samples) = self.samples.as_mut() else {
            return;
        };
        let c = &self.conns[id];
        let (Some(ends), true) = (c.ends, c.sender.started) else {
            return;
        };
        let s = &c.sender;
        samples.push(CwndSample {
            time_us: self.now,
            role: self.role,
            local_port: ends.src_port,
            cwnd: s.info().snd_cwnd,
            ssthresh: s.w.ssthresh,
            in_flight: s.in_flight(),
            ca_state: s.ca_state as u8,
            snd_una: s.snd_una,
            snd_nxt: s.snd_nxt,
        });
    }
}
