//! The host under test and its virtual clock, as a packetdrill run drives
//! them: frames the script injects go in as if the link delivered them,
//! frames the host sends wait in a queue for the script's `>` lines (as on
//! packetdrill's tun device), and both are recorded as a capture of the host.

use std::borrow::Cow;
use std::collections::VecDeque;

use crate::engine::host::Host;
use crate::engine::link::Carried;
use crate::engine::record::{Captured, Recorder, Recording};
use crate::linux::stack::Stack;
use crate::packetdrill::config::Settings;
use crate::program::os::{Keep, Os};
use crate::program::{Program, Status};
use crate::scenario::model::{HostConfig, Micros, Profile, Role};
use crate::trace::{Ending, Fate, ProgramSummary, Trace};
use crate::wire::frame::{self, Segment};

/// The program of the host under test: none. The script makes the calls
/// (`syscalls.rs`), between host steps.
struct Scripted;

impl Program for Scripted {
    fn resume(&mut self, _os: &Os) -> Status {
        Status::Done
    }
}

/// A frame the host sent, waiting for a `>` line.
#[derive(Debug, Clone)]
pub(crate) struct Sniffed {
    /// When it left.
    pub(crate) at: Micros,
    pub(crate) frame: Vec<u8>,
    pub(crate) seg: Segment,
}

/// Host steps one event may take before the run is declared stuck.
const MAX_STEPS_AT_ONE_TIME: u32 = 100_000;

/// The host, the clock and the capture.
pub(crate) struct Harness {
    pub(crate) host: Host,
    /// Virtual time, microseconds since the script started.
    pub(crate) now: Micros,
    /// Frames sent and not yet matched by a `>` line, oldest first.
    pub(crate) sniffed: VecDeque<Sniffed>,
    recorder: Recorder,
    frames: u64,
    /// Which role the host under test has in the trace (the script is the other).
    pub(crate) role: Role,
    peer_ip: std::net::Ipv4Addr,
    local_ip: std::net::Ipv4Addr,
    peer_mac: [u8; 6],
    local_mac: [u8; 6],
}

impl Harness {
    /// A `linux`-profile host with `settings`, playing `role` (the server
    /// when the script listens, else the client).
    pub(crate) fn new(settings: &Settings, role: Role) -> Harness {
        let mut config = HostConfig::new(role, settings.local_ip);
        config.profile = Profile::Linux;
        config.congestion = settings.congestion;
        config.rx_buffer = settings.rcvbuf;
        // smoltcp's buffer is the largest the send buffer may grow to.
        config.tx_buffer = settings.sysctl.wmem.map_or(settings.sndbuf, |w| w[1]);
        let peer = HostConfig::new(role.peer(), settings.remote_ip);
        let keep = Keep {
            received: false,
            digests: false,
            log: true,
        };
        let (local_mac, peer_mac) = (config.mac, peer.mac);
        // Prefix 0: the script's address is on the link whatever it is.
        let host = Host::with_prefix(role, config, &peer, 0, Box::new(Scripted), keep, 0);
        host.stack.borrow_mut().sysctl = settings.sysctl.clone();
        host.stack.borrow_mut().record_cwnd();
        let mut h = Harness {
            host,
            now: 0,
            sniffed: VecDeque::new(),
            recorder: Recorder::new(role, Recording::Full),
            frames: 0,
            role,
            peer_ip: settings.remote_ip,
            local_ip: settings.local_ip,
            peer_mac,
            local_mac,
        };
        h.host.step(0);
        h.collect();
        h
    }

    /// The stack, for a system call or a look at `tcp_info`.
    pub(crate) fn stack(&self) -> std::cell::RefMut<'_, Stack> {
        self.host.stack.borrow_mut()
    }

    /// The program's handle (its log is the trace's call log).
    pub(crate) fn os(&self) -> &Os {
        &self.host.os
    }

    /// Ethernet addresses (source, destination) for an injected frame.
    pub(crate) fn inbound_macs(&self) -> ([u8; 6], [u8; 6]) {
        (self.peer_mac, self.local_mac)
    }

    /// The script's address and the host's.
    pub(crate) fn addresses(&self) -> (std::net::Ipv4Addr, std::net::Ipv4Addr) {
        (self.peer_ip, self.local_ip)
    }

    /// Run the host at its next wake-up if that is no later than `limit`;
    /// false when it has nothing to do by then.
    pub(crate) fn step_once(&mut self, limit: Micros) -> bool {
        match self.host.next_wake() {
            Some(w) if w <= limit => {
                self.now = self.now.max(w);
                self.host.step(self.now);
                self.collect();
                true
            }
            _ => false,
        }
    }

    /// Run every host wake-up up to `t`, then set the clock to `t` (never
    /// backwards). Err when the host keeps waking at one instant.
    pub(crate) fn advance_to(&mut self, t: Micros) -> Result<(), String> {
        let mut same = 0;
        let mut last = self.now;
        while self.step_once(t) {
            if self.now == last {
                same += 1;
                if same > MAX_STEPS_AT_ONE_TIME {
                    return Err(format!(
                        "the host does not settle at {} s",
                        crate::packetdrill::outcome::secs(self.now as i64)
                    ));
                }
            } else {
                same = 0;
                last = self.now;
            }
        }
        self.now = self.now.max(t);
        // A system call at `t` runs on the stack's clock: it must read `t`,
        // not the time of the host's last step.
        self.host.stack.borrow_mut().set_clock(self.now);
        Ok(())
    }

    /// Deliver `frame` (from the script) to the host now and let it react.
    pub(crate) fn inject(&mut self, frame: Vec<u8>, note: String) {
        let Some(seg) = frame::parse(&frame) else {
            return;
        };
        self.frames += 1;
        let id = self.frames;
        let peer = self.role.peer();
        self.recorder.sent(
            self.now,
            peer,
            id,
            &seg,
            None,
            Fate::Delivered,
            note.clone(),
        );
        let carried = Carried {
            frame,
            note,
            id,
            sent_us: self.now,
            seg: Some(seg),
        };
        let frame = self.recorder.arrived(self.now, self.role, carried);
        self.host.arrive(self.now, frame, Some(seg));
        self.host.step(self.now);
        self.collect();
    }

    /// After a system call: let the host finish the step the call started
    /// (timers due now, frames the call made) and take what it sent.
    pub(crate) fn after_call(&mut self) {
        self.host.step(self.now);
        self.collect();
    }

    /// Record what the host sent and queue it for the script.
    pub(crate) fn collect(&mut self) {
        for out in self.host.take_outgoing() {
            let Some(seg) = out.seg else { continue };
            self.frames += 1;
            let id = self.frames;
            self.recorder.sent(
                self.now,
                self.role,
                id,
                &seg,
                Some(Captured::Whole(Cow::Borrowed(&out.frame))),
                Fate::Delivered,
                out.note.clone(),
            );
            let carried = Carried {
                frame: Vec::new(),
                note: out.note,
                id,
                sent_us: self.now,
                seg: Some(seg),
            };
            self.recorder.arrived(self.now, self.role.peer(), carried);
            self.sniffed.push_back(Sniffed {
                at: self.now,
                frame: out.frame,
                seg,
            });
        }
    }

    /// The run as a trace, named after the script.
    pub(crate) fn finish(self, name: &str) -> Trace {
        let log = self.host.os.take_log();
        let stack = self.host.stack.borrow();
        let conn_info = stack.conn_infos();
        drop(stack);
        let cwnd = self.host.stack.borrow_mut().take_cwnd_samples();
        let (records, connections, counters) = self.recorder.finish();
        let ips = match self.role {
            Role::Client => [self.local_ip, self.peer_ip],
            Role::Server => [self.peer_ip, self.local_ip],
        };
        let programs = vec![ProgramSummary {
            role: self.role,
            sent: 0,
            received: 0,
            sent_digest: 0,
            received_digest: 0,
            received_data: None,
            log,
        }];
        Trace {
            scenario: name.to_string(),
            seed: 0,
            capture: self.role,
            host_ips: ips,
            records,
            connections,
            programs,
            ending: Ending::Finished,
            end_time_us: self.now,
            counters,
            conn_info,
            cwnd,
        }
    }
}
