//! The trace: every frame as the capture host saw it, in its clock's order.

use std::net::Ipv4Addr;

use crate::model::{Micros, Role};

/// What the link did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    Dropped,
    Duplicated,
}

impl Fate {
    pub fn name(self) -> &'static str {
        match self {
            Fate::Delivered => "delivered",
            Fate::Dropped => "dropped",
            Fate::Duplicated => "duplicated",
        }
    }
}

/// TCP flag bits as on the wire.
pub mod flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;

    /// Wireshark's order of flag names.
    pub const NAMES: [(u8, &str); 8] = [
        (FIN, "FIN"),
        (SYN, "SYN"),
        (RST, "RST"),
        (PSH, "PSH"),
        (ACK, "ACK"),
        (URG, "URG"),
        (ECE, "ECE"),
        (CWR, "CWR"),
    ];

    /// `PSH,ACK`: names in Wireshark's order, comma-separated, no spaces.
    pub fn to_csv(bits: u8) -> String {
        let names: Vec<&str> = NAMES
            .iter()
            .filter(|(b, _)| bits & b != 0)
            .map(|(_, n)| *n)
            .collect();
        names.join(",")
    }

    /// Parse `PSH,ACK` (any order, any case) back to bits.
    pub fn from_csv(text: &str) -> Option<u8> {
        let mut bits = 0;
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (b, _) = NAMES.iter().find(|(_, n)| n.eq_ignore_ascii_case(part))?;
            bits |= b;
        }
        Some(bits)
    }
}

/// One captured frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// 1-based row number.
    pub no: usize,
    /// Virtual time at the capture host, microseconds since the simulation started.
    pub time_us: Micros,
    /// Which host sent the frame.
    pub sender: Role,
    pub src: Ipv4Addr,
    pub src_port: u16,
    pub dst: Ipv4Addr,
    pub dst_port: u16,
    /// Flag bits (see [`flags`]).
    pub flags: u8,
    /// Sequence number relative to the sender's ISN.
    pub seq: u32,
    /// Acknowledgment number relative to the receiver's ISN; 0 without ACK.
    pub ack: u32,
    pub raw_seq: u32,
    pub raw_ack: u32,
    /// The window field as sent (unscaled).
    pub win: u16,
    /// TCP payload bytes.
    pub len: u32,
    /// Whole Ethernet frame in bytes (Wireshark's Length).
    pub frame_len: u32,
    pub fate: Fate,
    /// The simulator's reason for this frame (or for its fate), or empty.
    pub note: String,
    /// When the sender handed the frame to the link.
    pub sent_us: Micros,
    /// When it reached the receiver; `None` when the link lost it.
    pub arrived_us: Option<Micros>,
    /// The frame's bytes as captured (the whole frame).
    pub frame: Vec<u8>,
}

/// A connection's summary for the run's closing lines.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnSummary {
    pub client_port: u16,
    pub server_port: u16,
    /// Raw initial sequence numbers (X and Y in the write-up's notation).
    pub client_isn: Option<u32>,
    pub server_isn: Option<u32>,
    /// How the connection ended, in words ("FIN both ways", "RST from client", ...).
    pub ended: String,
}

/// A socket call a program made, for logs and diagram marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppEvent {
    pub time_us: Micros,
    pub role: Role,
    /// The call and its result, e.g. `recv(1024) -> 13 bytes`.
    pub call: String,
}

/// What one program did.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramSummary {
    pub role: Role,
    /// Bytes handed to send().
    pub sent: u64,
    /// Bytes got from recv().
    pub received: u64,
    /// Order-sensitive digests (FNV-1a 64) of the two streams, to compare what one
    /// side sent with what the other received without keeping the bytes.
    pub sent_digest: u64,
    pub received_digest: u64,
    /// The received bytes themselves, when the run kept them.
    pub received_data: Option<Vec<u8>>,
    /// Its socket calls, in order.
    pub log: Vec<AppEvent>,
}

/// Counts over every frame either host sent (not only the capture host's view),
/// kept even when recording is off, for sweeps and summaries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub frames: u64,
    /// Frames carrying payload.
    pub data_segments: u64,
    /// Data segments resent (RTO, fast retransmit or tail loss probe).
    pub retransmissions: u64,
    /// Pure ACKs repeating the previous ACK number and window of their sender.
    pub dup_acks: u64,
    pub rsts: u64,
    pub dropped: u64,
    pub duplicated: u64,
    /// Payload bytes put on the wire (retransmissions included).
    pub payload_bytes: u64,
}

/// How the run stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// Every program finished and nothing was in flight.
    Finished,
    /// The simulated-time limit was reached first.
    TimeLimit(Micros),
    /// The event limit was reached first.
    EventLimit(u64),
}

/// A finished run: the trace plus what the summary needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub scenario: String,
    pub seed: u64,
    pub capture: Role,
    /// IPv4 address of each host, indexed by `Role::index()`.
    pub host_ips: [Ipv4Addr; 2],
    pub records: Vec<Record>,
    pub connections: Vec<ConnSummary>,
    pub programs: Vec<ProgramSummary>,
    pub ending: Ending,
    /// Virtual time when the run stopped.
    pub end_time_us: Micros,
    pub counters: Counters,
}
