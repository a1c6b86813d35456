//! Many concurrent connections through one link: a stand-in until the engine can
//! run them itself.
//!
//! The scenario format gives the client one program with one socket
//! (`connect` once), and `tcpsim::sim::Simulation` builds its two programs
//! itself (`Client`, `Echo`) with no way to hand it others. So this module
//! drives the engine's public parts (`Host`, `Link`, `Recorder`, the `Program`
//! trait, the socket layer `Stack`) with its own two programs, in a loop that
//! follows `Simulation::run` step for step (src/sim.rs): same order of
//! arrivals, host steps and link sends, same bookkeeping for the recorder.
//!
//! The programs are written like a poll loop over all their sockets, so they
//! cost O(connections) per host step themselves; the profile tells that cost
//! (`MultiClient::resume`, `MultiSink::resume`) apart from the engine's.
#![allow(dead_code)]

use std::net::Ipv4Addr;

use tcpsim::fault::FaultBook;
use tcpsim::frame;
use tcpsim::host::Host;
use tcpsim::link::{Link, join_notes};
use tcpsim::model::{Dir, Micros, Role, Scenario};
use tcpsim::program::{ByteLog, Program, Status};
use tcpsim::record::Recorder;
use tcpsim::socket::{ConnId, ConnectState, Recv, Stack};
use tcpsim::trace::Counters;
use tcpsim::{Recording, RunOptions};

/// `n` connections, each sending `bytes_each` bytes to the server, which sinks
/// them; the link and hosts come from `scenario` (its programs are ignored).
pub fn run(scenario: &Scenario, n: usize, bytes_each: u64, options: RunOptions) -> Outcome {
    let seed = scenario.seed;
    let [client_cfg, server_cfg] = scenario.hosts.clone();
    let port = scenario.server.port;
    let client = Box::new(MultiClient::new((server_cfg.ip, port), n, bytes_each));
    let server = Box::new(MultiSink::new(port, n));
    let hosts = [
        Host::new(Role::Client, client_cfg.clone(), &server_cfg, seed, client),
        Host::new(Role::Server, server_cfg, &client_cfg, seed, server),
    ];
    let link = Link::new(
        seed,
        scenario.link.clone(),
        FaultBook::new(scenario.faults.clone()),
    );
    let mut sim = Loop {
        hosts,
        link,
        recorder: Recorder::new(scenario.capture, options.recording),
        now: 0,
        frames_sent: 0,
    };
    let events = sim.run(scenario.max_sim_time, scenario.max_events);
    let received = sim.hosts[1].program.received().count;
    let finished = sim.hosts.iter().all(Host::finished);
    let end_us = sim.now;
    let (records, _, counters) = sim.recorder.finish();
    Outcome {
        counters,
        records: records.len(),
        received,
        finished,
        events,
        end_us,
    }
}

/// What a concurrent run did.
#[derive(Debug)]
pub struct Outcome {
    pub counters: Counters,
    pub records: usize,
    /// Bytes the server received over all connections.
    pub received: u64,
    pub finished: bool,
    pub events: u64,
    pub end_us: Micros,
}

/// The loop of `Simulation::run`, over the engine's public parts.
struct Loop {
    hosts: [Host; 2],
    link: Link,
    recorder: Recorder,
    now: Micros,
    frames_sent: u64,
}

impl Loop {
    fn run(&mut self, max_time: Micros, max_events: u64) -> u64 {
        self.step_host(Role::Server.index());
        self.step_host(Role::Client.index());
        let mut events = 0;
        loop {
            if self.hosts.iter().all(Host::finished) && self.link.is_idle() {
                break;
            }
            let next = [
                self.link.next_arrival(),
                self.hosts[0].next_wake(),
                self.hosts[1].next_wake(),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(next) = next else { break };
            let next = next.max(self.now);
            events += 1;
            if next > max_time || events > max_events {
                break;
            }
            let advanced = next > self.now;
            self.now = next;
            while let Some((at, dir, carried)) = self.link.pop_arrived(self.now) {
                let receiver = dir.sender().peer();
                self.recorder.arrived(at, receiver, &carried);
                self.hosts[receiver.index()].arrive(at, carried.frame);
            }
            let mut stepped = false;
            for i in [Role::Client.index(), Role::Server.index()] {
                if self.hosts[i].next_wake().is_some_and(|t| t <= self.now) {
                    self.step_host(i);
                    stepped = true;
                }
            }
            if !stepped && !advanced {
                self.now += 1;
            }
        }
        events
    }

    fn step_host(&mut self, i: usize) {
        let now = self.now;
        self.hosts[i].step(now);
        let role = self.hosts[i].role;
        for out in self.hosts[i].take_outgoing() {
            let seg = frame::parse(&out.frame);
            self.frames_sent += 1;
            let id = self.frames_sent;
            let verdict = self.link.send(
                now,
                Dir::from_sender(role),
                out.frame.clone(),
                &out.note,
                id,
                seg.as_ref(),
            );
            let note = join_notes(&out.note, &verdict.note);
            self.recorder
                .sent(now, role, id, &out.frame, verdict.fate, note);
        }
    }
}

/// The generated payload `send_bytes` uses: a repeating alphabet.
fn pattern() -> Vec<u8> {
    (0..65536 + 26).map(|i| b'a' + (i % 26) as u8).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Sending(u64),
    /// Sent everything and shut down; reading to end of stream.
    Draining,
    Done,
}

/// Opens `n` connections at once; on each: send `bytes_each`, shutdown(SHUT_WR),
/// read to end of stream, close.
pub struct MultiClient {
    server: (Ipv4Addr, u16),
    n: usize,
    bytes_each: u64,
    conns: Vec<(ConnId, Phase)>,
    done: usize,
    pattern: Vec<u8>,
    sent: ByteLog,
    received: ByteLog,
    log: Vec<(Micros, String)>,
}

impl MultiClient {
    pub fn new(server: (Ipv4Addr, u16), n: usize, bytes_each: u64) -> MultiClient {
        MultiClient {
            server,
            n,
            bytes_each,
            conns: Vec::new(),
            done: 0,
            pattern: pattern(),
            sent: ByteLog::new(false),
            received: ByteLog::new(false),
            log: Vec::new(),
        }
    }

    fn advance(&mut self, os: &mut Stack, id: ConnId, mut phase: Phase) -> Phase {
        loop {
            phase = match phase {
                Phase::Connecting => match os.connect_state(id) {
                    ConnectState::Pending => return phase,
                    ConnectState::Established => Phase::Sending(0),
                    ConnectState::Failed => Phase::Done,
                },
                Phase::Sending(off) if off == self.bytes_each => {
                    os.shutdown(id);
                    Phase::Draining
                }
                Phase::Sending(off) => {
                    let phase_at = (off % 26) as usize;
                    let len = (self.bytes_each - off).min(65536) as usize;
                    match os.send(id, &self.pattern[phase_at..phase_at + len]) {
                        Ok(0) => return phase,
                        // Count only: a digest would add per-byte work that is the
                        // same for any number of connections.
                        Ok(k) => {
                            self.sent.count += k as u64;
                            Phase::Sending(off + k as u64)
                        }
                        Err(_) => Phase::Done,
                    }
                }
                Phase::Draining => match os.recv(id, 65536) {
                    Recv::WouldBlock => return phase,
                    Recv::Data(d) => {
                        self.received.count += d.len() as u64;
                        Phase::Draining
                    }
                    Recv::Eof | Recv::Reset => {
                        os.close(id);
                        Phase::Done
                    }
                },
                Phase::Done => return phase,
            };
        }
    }
}

impl Program for MultiClient {
    fn resume(&mut self, os: &mut Stack) -> Status {
        if self.conns.is_empty() {
            for _ in 0..self.n {
                let id = os.connect(self.server, None);
                self.conns.push((id, Phase::Connecting));
            }
            self.log.push((os.now, format!("connect() x {}", self.n)));
        }
        for i in 0..self.conns.len() {
            let (id, phase) = self.conns[i];
            if phase == Phase::Done {
                continue;
            }
            let next = self.advance(os, id, phase);
            if next == Phase::Done {
                self.done += 1;
            }
            self.conns[i].1 = next;
        }
        if self.done == self.n {
            Status::Done
        } else {
            Status::Blocked
        }
    }
    fn sent(&self) -> &ByteLog {
        &self.sent
    }
    fn received(&self) -> &ByteLog {
        &self.received
    }
    fn log(&self) -> &[(Micros, String)] {
        &self.log
    }
}

/// Listens with a backlog of `n`, accepts every connection, reads each to end of
/// stream and closes it; stops listening after `n`.
pub struct MultiSink {
    port: u16,
    n: usize,
    listener: Option<usize>,
    open: Vec<ConnId>,
    served: usize,
    sent: ByteLog,
    received: ByteLog,
    log: Vec<(Micros, String)>,
}

impl MultiSink {
    pub fn new(port: u16, n: usize) -> MultiSink {
        MultiSink {
            port,
            n,
            listener: None,
            open: Vec::new(),
            served: 0,
            sent: ByteLog::new(false),
            received: ByteLog::new(false),
            log: Vec::new(),
        }
    }
}

impl Program for MultiSink {
    fn resume(&mut self, os: &mut Stack) -> Status {
        let listener = *self
            .listener
            .get_or_insert_with(|| os.listen(self.port, self.n as u32));
        while let Some(id) = os.accept(listener) {
            self.open.push(id);
        }
        let mut i = 0;
        while i < self.open.len() {
            let id = self.open[i];
            match os.recv(id, 65536) {
                Recv::WouldBlock => i += 1,
                Recv::Data(d) => self.received.count += d.len() as u64,
                Recv::Eof | Recv::Reset => {
                    os.close(id);
                    self.open.swap_remove(i);
                    self.served += 1;
                }
            }
        }
        if self.served == self.n {
            os.unlisten(listener);
            self.log.push((os.now, format!("served {}", self.n)));
            Status::Done
        } else {
            Status::Blocked
        }
    }
    fn sent(&self) -> &ByteLog {
        &self.sent
    }
    fn received(&self) -> &ByteLog {
        &self.received
    }
    fn log(&self) -> &[(Micros, String)] {
        &self.log
    }
}

/// The options a sweep or a scaling run uses.
pub fn options(recording: Recording) -> RunOptions {
    RunOptions {
        recording,
        keep_received: false,
    }
}
