//! The validated scenario: plain values the simulator runs on.
//!
//! `scenario/mod.rs` turns a TOML file into this; the library's builder (a later
//! issue) fills the same structs from Rust. Nothing here knows about TOML.

use std::net::Ipv4Addr;

/// Microseconds of virtual time. Every duration in the model uses this unit.
pub type Micros = u64;

/// The defaults of the scenario format, shared by the TOML reader and the builder.
pub mod defaults {
    use super::Micros;

    /// Seed when none is given.
    pub const SEED: u64 = 1;
    /// Ten minutes of virtual time.
    pub const MAX_SIM_TIME: Micros = 600_000_000;
    /// Event limit (a runaway guard).
    pub const MAX_EVENTS: u64 = 10_000_000;
    /// One-way latency: 100 µs, a LAN.
    pub const LATENCY: Micros = 100;
    /// How long a reordered frame is held back.
    pub const REORDER_DELAY: Micros = 1_000;
    /// Line rate: 100 Mbit/s.
    pub const RATE_BPS: u64 = 100_000_000;
    /// Linux's default tcp_rmem/tcp_wmem middle value.
    pub const BUFFER: usize = 128 * 1024;
    /// Linux's TCP_ATO_MIN.
    pub const DELAYED_ACK: Micros = 40_000;
    /// How long after the segment that ends its wait a program blocked in
    /// recv(), accept() or connect() runs again: on Linux 6.18 a blocked
    /// recv() returned a median 45-53 us after its segment arrived (four
    /// runs of linux-harness/calibrate.py; README "When programs run").
    pub const WAKEUP: Micros = 50;
    /// How long a program takes from one socket call to its next, measured
    /// as `WAKEUP` was, in a Python loop of recv() and send(): a recv() that
    /// finds data takes 3-6 us, a send() that only queues (Nagle holds it)
    /// 9 us, and the program 2 us between calls.
    pub const CALL_COST: Micros = 10;
    /// Bytes per recv() of the server programs.
    pub const ECHO_RECV: usize = 1024;
    /// listen() backlog.
    pub const BACKLOG: u32 = 5;
    /// The client's Ethernet address (locally administered).
    pub const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
    /// The server's Ethernet address (locally administered).
    pub const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
}

/// Which end of the link a host sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The host that connects.
    Client,
    /// The host that listens.
    Server,
}

impl Role {
    /// 0 for the client, 1 for the server: index into per-host arrays.
    pub fn index(self) -> usize {
        match self {
            Role::Client => 0,
            Role::Server => 1,
        }
    }
    /// `client` or `server`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Server => "server",
        }
    }
    /// The other host.
    pub fn peer(self) -> Role {
        match self {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        }
    }
}

/// A direction on the link, named by who sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dir {
    /// Client to server (`c2s`).
    ClientToServer,
    /// Server to client (`s2c`).
    ServerToClient,
}

impl Dir {
    /// The direction in which `sender` transmits.
    pub fn from_sender(sender: Role) -> Dir {
        match sender {
            Role::Client => Dir::ClientToServer,
            Role::Server => Dir::ServerToClient,
        }
    }
    /// 0 for client-to-server, 1 for server-to-client: index into per-direction arrays.
    pub fn index(self) -> usize {
        match self {
            Dir::ClientToServer => 0,
            Dir::ServerToClient => 1,
        }
    }
    /// Who transmits in this direction.
    pub fn sender(self) -> Role {
        match self {
            Dir::ClientToServer => Role::Client,
            Dir::ServerToClient => Role::Server,
        }
    }
    /// `c2s` or `s2c`, as in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Dir::ClientToServer => "c2s",
            Dir::ServerToClient => "s2c",
        }
    }
}

/// One direction of the virtual wire.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkConfig {
    /// One-way propagation delay.
    pub latency: Micros,
    /// Extra delay drawn uniformly from `0..=jitter` per frame; frames keep their order.
    pub jitter: Micros,
    /// Probability that a frame is lost on the wire.
    pub loss: f64,
    /// Probability that a frame is delivered twice.
    pub dup: f64,
    /// Probability that a frame is held back by `reorder_delay`, letting later frames pass it.
    pub reorder: f64,
    /// How long a reordered frame is held back.
    pub reorder_delay: Micros,
    /// Line rate in bits per second; `None` is an infinitely fast wire.
    pub rate_bps: Option<u64>,
    /// Drop-tail limit on bytes waiting for the wire; `None` is unlimited.
    pub queue_bytes: Option<u64>,
}

impl Default for LinkConfig {
    /// 100 µs one way at 100 Mbit/s, nothing lost, no queue limit.
    fn default() -> Self {
        LinkConfig {
            latency: defaults::LATENCY,
            jitter: 0,
            loss: 0.0,
            dup: 0.0,
            reorder: 0.0,
            reorder_delay: defaults::REORDER_DELAY,
            rate_bps: Some(defaults::RATE_BPS),
            queue_bytes: None,
        }
    }
}

/// TCP flag bits as on the wire (FIN = 0x01 ... CWR = 0x80).
pub type FlagBits = u8;

/// A scripted fault: acts on exactly the segment it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// The direction the segment travels.
    pub dir: Dir,
    /// Exact flag set the segment must carry (`None`: any).
    pub flags: Option<FlagBits>,
    /// Relative sequence number (sender's ISN is 0) (`None`: any).
    pub seq: Option<u32>,
    /// TCP payload length (`None`: any).
    pub len: Option<u32>,
    /// Act on the n-th segment that matches (1-based).
    pub nth: u32,
    /// What to do with it.
    pub action: FaultAction,
}

impl Fault {
    /// A partition from `from` until `until`: in direction `dir`, or both
    /// ways when `dir` is `None`.
    pub fn partition(dir: Option<Dir>, from: Micros, until: Micros) -> Fault {
        Fault {
            dir: dir.unwrap_or(Dir::ClientToServer),
            flags: None,
            seq: None,
            len: None,
            nth: 1,
            action: FaultAction::Partition {
                from,
                until,
                both_ways: dir.is_none(),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// What a scripted fault does to the segment it names.
pub enum FaultAction {
    /// Lose the segment on the wire.
    Drop,
    /// Deliver the segment this much later; later frames may overtake it.
    Delay(Micros),
    /// Hold the wire this long before the segment arrives: frames behind it
    /// wait too, so order is kept (a stalled link, such as Wi-Fi retrying).
    Stall(Micros),
    /// A partition: lose every frame that enters the link from `from` until
    /// `until` (virtual time, `until` excluded), in the fault's direction or,
    /// with `both_ways`, in both. It matches frames by time alone: the
    /// fault's `flags`, `seq`, `len` and `nth` play no part (the parser
    /// leaves them at any and 1), and the frames it drops are not counted by
    /// the other faults.
    Partition {
        /// When the link starts dropping.
        from: Micros,
        /// When it delivers again.
        until: Micros,
        /// Both directions (then `dir` plays no part either).
        both_ways: bool,
    },
}

/// ACK and Nagle policy of a host's socket layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Linux-like: quick ACKs, delayed ACK once interactive, Minshall's Nagle, timestamps.
    Linux,
    /// smoltcp's own defaults, untouched.
    Smoltcp,
}

/// Congestion control (smoltcp's implementations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Congestion {
    /// No congestion window: the sender is limited only by the peer's window.
    /// For short exchanges this behaves like Linux's initial window of ten
    /// segments (RFC 6928), which smoltcp's reno and cubic do not have.
    None,
    /// TCP Reno (RFC 5681).
    Reno,
    /// Linux's default since 2.6.19 (RFC 9438).
    Cubic,
}

/// One endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct HostConfig {
    /// IPv4 address (a /24 network).
    pub ip: Ipv4Addr,
    /// Ethernet address.
    pub mac: [u8; 6],
    /// ACK and Nagle policy.
    pub profile: Profile,
    /// Receive buffer in bytes (the advertised window comes from its free space).
    pub rx_buffer: usize,
    /// Send buffer in bytes.
    pub tx_buffer: usize,
    /// Receive interrupt coalescing: frames arriving within this time of the first
    /// one are taken in as one batch (one ACK, as with NAPI and GRO on Linux).
    pub rx_coalesce: Micros,
    /// Linux delayed-ACK timeout (ato); only the `linux` profile uses it.
    pub delayed_ack: Micros,
    /// Let ARP run on the wire (false: neighbours are primed, no ARP frames).
    pub arp: bool,
    /// Congestion control for every socket of this host.
    pub congestion: Congestion,
    /// How long after the event that ends its wait (a segment, a connection
    /// to accept, the handshake's end) a program blocked on a socket runs
    /// again: the scheduler's wake-up latency. 0: at once.
    pub wakeup: Micros,
    /// How long the program takes from one socket call to its next (the
    /// declarative programs; `async` programs make theirs back to back).
    /// 0: no time at all.
    pub call_cost: Micros,
}

impl HostConfig {
    /// A host with the scenario format's defaults: the `linux` profile, 128 KiB
    /// buffers, cubic, no receive batching, a 40 ms delayed-ACK timer, and
    /// programs that run as Linux schedules them (`WAKEUP`, `CALL_COST`).
    pub fn new(role: Role, ip: Ipv4Addr) -> HostConfig {
        HostConfig {
            ip,
            mac: match role {
                Role::Client => defaults::CLIENT_MAC,
                Role::Server => defaults::SERVER_MAC,
            },
            profile: Profile::Linux,
            rx_buffer: defaults::BUFFER,
            tx_buffer: defaults::BUFFER,
            rx_coalesce: 0,
            delayed_ack: defaults::DELAYED_ACK,
            arp: false,
            congestion: Congestion::Cubic,
            wakeup: defaults::WAKEUP,
            call_cost: defaults::CALL_COST,
        }
    }
}

/// How an echo server turns what it read into what it sends back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// Send back what was read.
    None,
    /// ASCII upper case, as Python's `data.upper()`.
    Upper,
    /// ASCII lower case.
    Lower,
}

/// What the server does with a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerMode {
    /// Loop: recv, reply transformed and repeated, until end of stream; close.
    Echo,
    /// Loop: recv and discard until end of stream; close (the receiving end of
    /// a bulk transfer).
    Sink,
    /// Send this many generated bytes, shut down the sending side, then read
    /// until end of stream; close (the sending end of a bulk download).
    Source(u64),
}

/// The declarative server program (an echo server, a sink or a source).
#[derive(Debug, Clone, PartialEq)]
pub struct EchoServer {
    /// Echo, sink or source.
    pub mode: ServerMode,
    /// Listening port.
    pub port: u16,
    /// listen() backlog: connections that may wait for accept().
    pub backlog: u32,
    /// Bytes asked for in each recv().
    pub recv: usize,
    /// Sleep before each recv().
    pub sleep: Micros,
    /// How an echo reply is made from what was read.
    pub transform: Transform,
    /// The reply is the transformed data repeated this many times.
    pub times: u32,
    /// How many connections to accept before the server stops listening.
    pub connections: u32,
}

impl EchoServer {
    /// An echo server on `port` that replies with exactly what it read.
    pub fn echo(port: u16) -> EchoServer {
        EchoServer {
            mode: ServerMode::Echo,
            port,
            backlog: defaults::BACKLOG,
            recv: defaults::ECHO_RECV,
            sleep: 0,
            transform: Transform::None,
            times: 1,
            connections: 1,
        }
    }
}

/// One step of a client program.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// connect() to the server's address and port.
    Connect,
    /// send() these bytes (all of them, as sendall).
    Send(Vec<u8>),
    /// send() this many generated bytes.
    SendBytes(u64),
    /// recv(n) once.
    Recv(usize),
    /// recv(n) until end of stream.
    RecvAll(usize),
    /// Sleep this long (virtual time).
    Sleep(Micros),
    /// shutdown(SHUT_WR): send FIN, keep reading.
    Shutdown,
    /// close().
    Close,
    /// Run `steps` `times` times.
    Repeat {
        /// How many times.
        times: u32,
        /// The steps to repeat.
        steps: Vec<Step>,
    },
}

#[derive(Debug, Clone, PartialEq)]
/// The declarative client: connects to the server and runs its steps.
pub struct ClientProgram {
    /// Local (ephemeral) port; `None`: drawn from the seed. With several
    /// connections, copy i uses `port + i`.
    pub port: Option<u16>,
    /// How many copies of the steps run at once, each with its own connection.
    pub connections: u32,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// Where the trace's capture is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapturePoint {
    /// At the host `Scenario::capture`: the frames it sends, when it sends
    /// them (lost ones too), and those it receives, when they arrive.
    Host,
    /// On the wire as it leaves each sender: every frame once, when it is
    /// sent, as a Linux capture on the loopback device sees it.
    Wire,
}

/// A whole validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Name shown in summaries (the file stem).
    pub name: String,
    /// Every random draw derives from this seed.
    pub seed: u64,
    /// Whose capture the trace shows (with `CapturePoint::Host`).
    pub capture: Role,
    /// A host's capture, or the wire's.
    pub capture_point: CapturePoint,
    /// Simulated-time limit.
    pub max_sim_time: Micros,
    /// Event-count limit (a runaway guard).
    pub max_events: u64,
    /// Index with `Dir::index()`.
    pub link: [LinkConfig; 2],
    /// Scripted faults, checked in order.
    pub faults: Vec<Fault>,
    /// Index with `Role::index()`.
    pub hosts: [HostConfig; 2],
    /// The client's program.
    pub client: ClientProgram,
    /// The server's program.
    pub server: EchoServer,
}

impl Scenario {
    /// A scenario with every default: client 10.0.0.1, server 10.0.0.2 running
    /// an echo server on port 7, the default link both ways, and a client with
    /// no steps yet.
    pub fn new(name: &str) -> Scenario {
        Scenario {
            name: name.to_string(),
            seed: defaults::SEED,
            capture: Role::Server,
            capture_point: CapturePoint::Host,
            max_sim_time: defaults::MAX_SIM_TIME,
            max_events: defaults::MAX_EVENTS,
            link: [LinkConfig::default(), LinkConfig::default()],
            faults: Vec::new(),
            hosts: [
                HostConfig::new(Role::Client, Ipv4Addr::new(10, 0, 0, 1)),
                HostConfig::new(Role::Server, Ipv4Addr::new(10, 0, 0, 2)),
            ],
            client: ClientProgram {
                port: None,
                connections: 1,
                steps: Vec::new(),
            },
            server: EchoServer::echo(7),
        }
    }
}
