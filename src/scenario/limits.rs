//! Limits every scenario value is checked against, the defaults of what a
//! file leaves out, and the keys each table accepts.

use crate::scenario::model::{FlagBits, Micros, defaults};

// ---------------------------------------------------------------------------
// Limits and defaults
// ---------------------------------------------------------------------------

pub(crate) const KIB: u64 = 1024;
pub(crate) const GIB: u64 = 1024 * 1024 * 1024;

/// Largest scenario file read (16 MiB): the biggest real one is a few kB.
pub(crate) const MAX_FILE_BYTES: u64 = 16 << 20;
/// Longest duration accepted anywhere: one day.
pub(super) const MAX_DURATION_US: u128 = 86_400 * 1_000_000;
/// Smallest drop-tail queue: one full Ethernet frame.
pub(crate) const MIN_QUEUE_BYTES: u64 = 1514;
pub(crate) const MIN_BUFFER: u64 = 64;
pub(crate) const MAX_BUFFER: u64 = GIB;
pub(crate) const MAX_RECV: u64 = GIB;
pub(crate) const MAX_SEND_BYTES: u64 = 1 << 40;
pub(crate) const MAX_ECHO_TIMES: u64 = 1_000_000;
pub(crate) const MAX_BACKLOG: u64 = 4096;
pub(super) const MAX_CONNECTIONS: u64 = 10_000;
/// An echo's reply to one recv (`recv` bytes, at most the receive buffer,
/// `times` over), which is built in memory before it is sent.
pub(crate) const MAX_ECHO_REPLY: u64 = GIB;
/// Socket buffers of one host: sockets (connections, and on the server the
/// listening backlog too) times `rx_buffer + tx_buffer`.
pub(crate) const MAX_SOCKET_MEMORY: u64 = 4 * GIB;

/// Largest seed: 2^64-1. Files hold seeds past 2^63-1 (the property search
/// saved such seeds in tests/fixtures/engine-bugs/), so the whole u64 range
/// is accepted everywhere, as sim-scenarios/README.md says.
pub const MAX_SEED: u64 = u64::MAX;
pub(super) const DEFAULT_SEED: u64 = defaults::SEED;
pub(super) const DEFAULT_MAX_SIM_TIME: Micros = defaults::MAX_SIM_TIME;
pub(super) const DEFAULT_MAX_EVENTS: u64 = defaults::MAX_EVENTS;
pub(super) const DEFAULT_LATENCY: Micros = defaults::LATENCY;
pub(super) const DEFAULT_REORDER_DELAY: Micros = defaults::REORDER_DELAY;
pub(super) const DEFAULT_RATE_BPS: u64 = defaults::RATE_BPS;
pub(super) const DEFAULT_BUFFER: u64 = defaults::BUFFER as u64;
pub(super) const DEFAULT_DELAYED_ACK: Micros = defaults::DELAYED_ACK;
pub(super) const DEFAULT_WAKEUP: Micros = defaults::WAKEUP;
pub(super) const DEFAULT_CALL_COST: Micros = defaults::CALL_COST;
pub(super) const DEFAULT_ECHO_RECV: u64 = defaults::ECHO_RECV as u64;
pub(super) const DEFAULT_BACKLOG: u64 = defaults::BACKLOG as u64;
pub(super) const CLIENT_MAC: [u8; 6] = defaults::CLIENT_MAC;
pub(super) const SERVER_MAC: [u8; 6] = defaults::SERVER_MAC;

pub(super) const TOP_KEYS: &[&str] = &[
    "seed",
    "capture",
    "max_sim_time",
    "max_events",
    "link",
    "fault",
    "client",
    "server",
];
pub(super) const LINK_DIR_KEYS: &[&str] = &[
    "latency",
    "jitter",
    "loss",
    "dup",
    "reorder",
    "reorder_delay",
    "rate",
    "queue",
];
pub(super) const LINK_KEYS: &[&str] = &[
    "latency",
    "jitter",
    "loss",
    "dup",
    "reorder",
    "reorder_delay",
    "rate",
    "queue",
    "c2s",
    "s2c",
];
pub(super) const FAULT_KEYS: &[&str] = &[
    "dir", "flags", "seq", "len", "nth", "action", "delay", "from", "until",
];
pub(super) const CLIENT_KEYS: &[&str] = &[
    "ip",
    "mac",
    "profile",
    "rx_buffer",
    "tx_buffer",
    "rx_coalesce",
    "delayed_ack",
    "arp",
    "congestion",
    "wakeup",
    "call_cost",
    "port",
    "connections",
    "steps",
];
pub(super) const SERVER_KEYS: &[&str] = &[
    "ip",
    "mac",
    "profile",
    "rx_buffer",
    "tx_buffer",
    "rx_coalesce",
    "delayed_ack",
    "arp",
    "congestion",
    "wakeup",
    "call_cost",
    "port",
    "backlog",
    "echo",
    "sink",
    "source",
];
pub(super) const ECHO_KEYS: &[&str] = &["recv", "sleep", "transform", "times", "connections"];
pub(super) const SINK_KEYS: &[&str] = &["recv", "sleep", "connections"];
pub(super) const SOURCE_KEYS: &[&str] = &["bytes", "recv", "connections"];
pub(super) const STEP_KINDS: &[&str] =
    &["send", "send_bytes", "recv", "recv_all", "sleep", "repeat"];
pub(super) const REPEAT_KEYS: &[&str] = &["times", "steps"];

pub(super) const FLAG_NAMES: [(&str, FlagBits); 8] = [
    ("FIN", 0x01),
    ("SYN", 0x02),
    ("RST", 0x04),
    ("PSH", 0x08),
    ("ACK", 0x10),
    ("URG", 0x20),
    ("ECE", 0x40),
    ("CWR", 0x80),
];
