//! One endpoint: a smoltcp interface with its socket layer, the program it runs,
//! and the order of work inside one host step.

use smoltcp::iface::{Config, Interface};
use smoltcp::time::Instant;
use smoltcp::wire::{
    ArpOperation, ArpPacket, ArpRepr, EthernetAddress, EthernetFrame, EthernetProtocol,
    EthernetRepr, IpCidr, Ipv4Address,
};

use crate::engine::rng::{self, Purpose};
use crate::linux::stack::{Outgoing, Stack};
use crate::program::os::{Keep, Os};
use crate::program::pace::Wait;
use crate::program::{Program, Status};
use crate::scenario::model::{HostConfig, Micros, Profile, Role};
use crate::wire::frame::Segment;
use std::cell::RefCell;
use std::rc::Rc;

/// smoltcp forgets a neighbour after 60 s; re-teach it well before that.
const ARP_REFRESH: Micros = 30_000_000;

pub struct Host {
    pub role: Role,
    pub stack: Rc<RefCell<Stack>>,
    /// The program's handle on this host (shares `stack`).
    pub os: Os,
    pub program: Box<dyn Program>,
    pub status: Status,
    /// Whether the program's tasks may be woken outside the host's steps
    /// (by tokio's timers) or serve forever: then the host asks the program
    /// (`Program::ready`, `Program::idle_server`); other hosts never need to.
    pub timers_outside: bool,
    peer_mac: [u8; 6],
    peer_ip: Ipv4Address,
    /// Frames that arrived and wait for the receive batch.
    rx_waiting: Vec<(Vec<u8>, Option<Segment>)>,
    /// When the waiting frames are taken in.
    batch_due: Option<Micros>,
    last_arp: Option<Micros>,
    /// When the program runs next because something it waits for happened
    /// (a wake-up latency after it), with the calls that can go on.
    woken: Option<(Micros, Vec<Wait>)>,
}

impl Host {
    /// A host on a /24 with its peer, as scenario files have them.
    pub fn new(
        role: Role,
        config: HostConfig,
        peer: &HostConfig,
        seed: u64,
        program: Box<dyn Program>,
        keep: Keep,
    ) -> Host {
        Host::with_prefix(role, config, peer, seed, program, keep, 24)
    }

    /// A host whose network is `prefix` bits long: 0 puts every address on
    /// the link, as a packetdrill script's remote address must be (it is on
    /// another network than the local one, with no gateway to model).
    pub fn with_prefix(
        role: Role,
        config: HostConfig,
        peer: &HostConfig,
        seed: u64,
        program: Box<dyn Program>,
        keep: Keep,
        prefix: u8,
    ) -> Host {
        let mut misc = rng::stream(seed, Purpose::HostMisc, role.index());
        let stack_seed = rng::next_u64(&mut rng::stream(seed, Purpose::HostStack, role.index()));
        let mut iface_config = Config::new(EthernetAddress(config.mac).into());
        iface_config.random_seed = stack_seed;
        let mut device = crate::linux::device::QueueDevice::default();
        let mut iface = Interface::new(iface_config, &mut device, Instant::from_micros(0));
        iface.update_ip_addrs(|addrs| {
            addrs
                .push(IpCidr::new(config.ip.into(), prefix))
                .expect("one address fits");
        });
        let tsval_offset = rng::next_u64(&mut misc) as u32;
        let ephemeral = 32768 + (rng::next_u64(&mut misc) % (60999 - 32768 + 1)) as u16;
        let stack = Rc::new(RefCell::new(Stack::new(
            role,
            peer.ip,
            config,
            iface,
            tsval_offset,
            ephemeral,
        )));
        let os = Os::new(Rc::clone(&stack), keep);
        Host {
            role,
            stack,
            os,
            program,
            status: Status::Blocked,
            timers_outside: false,
            peer_mac: peer.mac,
            peer_ip: peer.ip,
            rx_waiting: Vec::new(),
            batch_due: None,
            last_arp: None,
            woken: None,
        }
    }

    /// A frame arrived from the link at `at`.
    /// `seg`: its TCP header as parsed when it was sent (None: not TCP).
    pub fn arrive(&mut self, at: Micros, frame: Vec<u8>, seg: Option<Segment>) {
        self.rx_waiting.push((frame, seg));
        if self.batch_due.is_none() {
            self.batch_due = Some(at + self.stack.borrow().config.rx_coalesce);
        }
    }

    /// Teach smoltcp the peer's MAC with an ARP reply, so no ARP request goes on
    /// the wire (the seed captures start with the SYN).
    fn prime_neighbour(&mut self, now: Micros) {
        let mut stack = self.stack.borrow_mut();
        if stack.config.arp {
            return;
        }
        if self.last_arp.is_some_and(|t| now < t + ARP_REFRESH) {
            return;
        }
        self.last_arp = Some(now);
        let arp = ArpRepr::EthernetIpv4 {
            operation: ArpOperation::Reply,
            source_hardware_addr: EthernetAddress(self.peer_mac),
            source_protocol_addr: self.peer_ip,
            target_hardware_addr: EthernetAddress(stack.config.mac),
            target_protocol_addr: stack.config.ip,
        };
        let eth = EthernetRepr {
            src_addr: EthernetAddress(self.peer_mac),
            dst_addr: EthernetAddress(stack.config.mac),
            ethertype: EthernetProtocol::Arp,
        };
        let mut buf = vec![0u8; eth.buffer_len() + arp.buffer_len()];
        let mut frame = EthernetFrame::new_unchecked(&mut buf[..]);
        eth.emit(&mut frame);
        arp.emit(&mut ArpPacket::new_unchecked(frame.payload_mut()));
        stack.device.rx.push_back(buf);
        stack.ingress();
    }

    /// When this host next needs to run.
    pub fn next_wake(&mut self) -> Option<Micros> {
        let mut wake = self.batch_due;
        let mut consider = |t: Option<Micros>| {
            if let Some(t) = t {
                wake = Some(wake.map_or(t, |w| w.min(t)));
            }
        };
        consider(self.stack.borrow_mut().next_deadline());
        if let Status::Sleeping(t) | Status::Waiting(t) = self.status {
            consider(Some(t));
        }
        if self.scheduled() {
            consider(self.woken.as_ref().map(|(t, _)| *t));
        }
        if self.timers_outside && self.status != Status::Done && self.program.ready(&self.os) {
            // A task was woken by a timer outside the stack: as soon as possible.
            consider(Some(self.stack.borrow().now));
        }
        wake
    }

    /// Whether the program runs as Linux schedules it (a wake-up latency, a
    /// cost per call), rather than at every step of its host.
    fn scheduled(&self) -> bool {
        let config = &self.stack.borrow().config;
        config.wakeup > 0 || config.call_cost > 0
    }

    /// Take in the frames that are due; whether there were any. On a
    /// `linux` host without receive coalescing each frame goes through the
    /// stack on its own, as Linux's receive path takes a NAPI poll's packets
    /// one at a time (`process_backlog`, then `tcp_v4_rcv` for each), so
    /// each gets the ACK Linux sends for it (`__tcp_ack_snd_check`); with
    /// `rx_coalesce` (GRO) or the `smoltcp` profile the batch goes in whole
    /// and gets one ACK.
    fn take_in(&mut self, now: Micros) -> bool {
        if self.batch_due.is_none_or(|t| t > now) {
            return false;
        }
        self.batch_due = None;
        let mut stack = self.stack.borrow_mut();
        stack.begin_batch();
        let one_by_one = stack.config.profile == Profile::Linux && stack.config.rx_coalesce == 0;
        for (frame, seg) in self.rx_waiting.drain(..) {
            stack.inbound(frame, seg);
            if one_by_one {
                stack.ingress();
                stack.after_ingress();
                stack.egress();
            }
        }
        stack.ingress();
        true
    }

    /// If the program sleeps in socket calls of which one can now go on,
    /// have it run a wake-up latency from now.
    fn notice(&mut self, now: Micros, eventful: bool) {
        if self.woken.is_some() || !matches!(self.status, Status::Blocked | Status::Waiting(_)) {
            return;
        }
        let ready = self.os.waits_ready(eventful);
        if !ready.is_empty() {
            let wakeup = self.stack.borrow().config.wakeup;
            self.woken = Some((now + wakeup, ready));
        }
    }

    /// Whether the program runs at this step. One blocked on nothing this
    /// layer knows of (a task waiting for another) runs at every step, as
    /// without the model.
    fn runnable(&mut self, now: Micros) -> bool {
        let woken =
            self.woken.as_ref().is_some_and(|(t, _)| *t <= now) || !self.os.waits_on_sockets();
        let outside = self.timers_outside && self.program.ready(&self.os);
        match self.status {
            Status::Done => false,
            Status::Sleeping(t) => t <= now,
            _ if !self.scheduled() => true,
            Status::Waiting(t) => t <= now || woken || outside,
            Status::Blocked => woken || outside,
        }
    }

    /// Run the program until it waits again.
    fn run_program(&mut self) {
        let woken_for = self.woken.take().map(|(_, w)| w).unwrap_or_default();
        self.os.run_begins();
        self.status = self.program.resume(&self.os);
        self.os.run_ends(&woken_for);
    }

    /// One host step at `now`: take in the frames that are due, let the stack
    /// answer on its own (handshake ACK, quick ACKs), run the program if its
    /// time has come (each send() and close() transmits at once, as in a
    /// Linux system call), then fire timers.
    pub fn step(&mut self, now: Micros) {
        self.stack.borrow_mut().set_clock(now);
        self.prime_neighbour(now);
        let eventful = self.take_in(now);
        {
            let mut stack = self.stack.borrow_mut();
            stack.after_ingress();
            stack.egress();
        }
        let scheduled = self.scheduled();
        if scheduled {
            self.notice(now, eventful);
        }
        if self.runnable(now) {
            self.run_program();
        }
        {
            let mut stack = self.stack.borrow_mut();
            stack.fire_timers();
            stack.egress();
        }
        if scheduled {
            // A timer may have ended a wait (a connection reset by its
            // retransmission timer).
            self.notice(now, eventful);
        }
    }

    /// Frames ready for the link.
    pub fn take_outgoing(&mut self) -> Vec<Outgoing> {
        std::mem::take(&mut self.stack.borrow_mut().outbox)
    }

    /// Nothing left to do: program finished (or a server with nothing to do
    /// but wait for connections), not about to be woken, nothing queued or
    /// unacknowledged.
    pub fn finished(&self) -> bool {
        (self.status == Status::Done || (self.timers_outside && self.program.idle_server()))
            && self.woken.is_none()
            && self.rx_waiting.is_empty()
            && self.stack.borrow().quiescent()
    }
}
