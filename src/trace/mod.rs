//! The trace: every frame as the capture host saw it, in its clock's order,
//! and what can be learnt from it without running anything again.
//!
//! In: records written by the engine, or a pcapng capture from anywhere (the
//! checker). Out: Wireshark's analysis of each frame, rule violations,
//! matches against expected sequences, comparisons with reference traces.
//!
//! - this file: the trace's types ([`Trace`], [`Record`], [`ConnSummary`], ...);
//! - `analysis.rs`, `analysis/flow.rs`: Wireshark's tcp.analysis flags
//!   (retransmission, duplicate ACK, zero window, ...);
//! - `check/`: TCP's rules checked on a trace or any pcapng capture;
//! - `expect/`: packetdrill-style expected sequences matched against a trace;
//! - `fidelity.rs`: row-by-row comparison with reference traces (V0-V4);
//! - `info.rs`: each sender's tcp_info and its congestion window over time;
//! - `pcapng.rs`: the capture file, written one packet at a time;
//! - `text.rs`: how times and notes are written in every output.

use std::net::Ipv4Addr;

pub mod analysis;
pub mod check;
pub mod expect;
pub mod fidelity;
#[cfg(test)]
pub(crate) mod fixture;
mod info;
pub mod pcapng;
pub mod text;

use crate::scenario::model::{Micros, Role};

/// What the link did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Reached the receiver.
    Delivered,
    /// Lost on the link.
    Dropped,
    /// Delivered twice.
    Duplicated,
}

impl Fate {
    /// `delivered`, `dropped` or `duplicated`, as in the tsv.
    pub fn name(self) -> &'static str {
        match self {
            Fate::Delivered => "delivered",
            Fate::Dropped => "dropped",
            Fate::Duplicated => "duplicated",
        }
    }
}

/// When the capture saw a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// As it left its sender: a host's own frames, and every frame of a
    /// wire capture (`CapturePoint::Wire`), lost ones included.
    Leaving,
    /// As it reached the capture host.
    Arriving,
}

pub use crate::wire::flags;
pub use info::{ConnInfo, CwndSample, TcpInfo};

/// One captured frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// 1-based row number.
    pub no: usize,
    /// Virtual time at the capture host, microseconds since the simulation started.
    pub time_us: Micros,
    /// Which host sent the frame.
    pub sender: Role,
    /// Source address.
    pub src: Ipv4Addr,
    /// Source port.
    pub src_port: u16,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Destination port.
    pub dst_port: u16,
    /// Flag bits (see [`flags`]).
    pub flags: u8,
    /// Sequence number relative to the sender's ISN.
    pub seq: u32,
    /// Acknowledgment number relative to the receiver's ISN; 0 without ACK.
    pub ack: u32,
    /// The sequence number on the wire.
    pub raw_seq: u32,
    /// The acknowledgment number on the wire (0 without ACK).
    pub raw_ack: u32,
    /// The window field as sent (unscaled).
    pub win: u16,
    /// TCP payload bytes.
    pub len: u32,
    /// Whole Ethernet frame in bytes (Wireshark's Length).
    pub frame_len: u32,
    /// What the link did with the frame.
    pub fate: Fate,
    /// The simulator's reason for this frame (or for its fate), or empty.
    pub note: String,
    /// When the sender handed the frame to the link.
    pub sent_us: Micros,
    /// When it reached the receiver; `None` when the link lost it.
    pub arrived_us: Option<Micros>,
    /// Whether `time_us` is when the frame left its sender or when it
    /// reached the capture host.
    pub seen: Seen,
    /// The frame's bytes as captured (the whole frame).
    pub frame: Vec<u8>,
}

/// A connection's summary for the run's closing lines.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnSummary {
    /// The client's (ephemeral) port.
    pub client_port: u16,
    /// The server's port.
    pub server_port: u16,
    /// Raw initial sequence numbers (X and Y in the write-up's notation).
    pub client_isn: Option<u32>,
    /// The server's raw ISN (Y).
    pub server_isn: Option<u32>,
    /// How the connection ended, in words ("FIN both ways", "RST from client", ...).
    pub ended: String,
}

/// A socket call a program made, for logs and diagram marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppEvent {
    /// When the call returned (virtual time).
    pub time_us: Micros,
    /// Which host's program made it.
    pub role: Role,
    /// The call and its result, e.g. `recv(1024) -> 13 bytes`.
    pub call: String,
}

/// What one program did.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramSummary {
    /// Which host ran the program.
    pub role: Role,
    /// Bytes handed to send().
    pub sent: u64,
    /// Bytes got from recv().
    pub received: u64,
    /// Order-sensitive digests (`ByteLog::digest`) of the two streams, to compare
    /// what one side sent with what the other received without keeping the
    /// bytes. Only equality means anything; 0 when the run had
    /// `RunOptions::digests` off.
    pub sent_digest: u64,
    /// Digest of the received stream.
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
    /// Frames put on the link.
    pub frames: u64,
    /// Frames carrying payload.
    pub data_segments: u64,
    /// Data segments resent (RTO, fast retransmit or tail loss probe).
    pub retransmissions: u64,
    /// Pure ACKs repeating the previous ACK number and window of their sender.
    pub dup_acks: u64,
    /// Segments with RST set.
    pub rsts: u64,
    /// Frames the link lost (random loss, scripted drops, full queue).
    pub dropped: u64,
    /// Frames the link delivered twice.
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
    /// A program waits for something that can never happen: nothing is in
    /// flight, no timer is set, and not every program is done (both sides
    /// reading, say). The run stops at once rather than at the time limit.
    Deadlock,
}

/// A finished run: the trace plus what the summary needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The scenario's name.
    pub scenario: String,
    /// The seed the run used: replay with it.
    pub seed: u64,
    /// Whose capture `records` is.
    pub capture: Role,
    /// IPv4 address of each host, indexed by `Role::index()`.
    pub host_ips: [Ipv4Addr; 2],
    /// The frames, in the capture host's clock order.
    pub records: Vec<Record>,
    /// Every connection, by client port.
    pub connections: Vec<ConnSummary>,
    /// The client's program, then the server's.
    pub programs: Vec<ProgramSummary>,
    /// How the run stopped.
    pub ending: Ending,
    /// Virtual time when the run stopped.
    pub end_time_us: Micros,
    /// Counts over every frame of the run.
    pub counters: Counters,
    /// Each connection's sender at the end (the `linux` profile's), both ends.
    pub conn_info: Vec<ConnInfo>,
    /// Both senders' congestion windows after every ACK and timeout, when
    /// frames are recorded.
    pub cwnd: Vec<CwndSample>,
}

impl Trace {
    /// Whether `records` is a wire capture (`capture = "wire"`: every frame
    /// once, when it was sent) rather than `capture`'s view. A host capture
    /// records the peer's frames as they arrive, a wire capture as they
    /// leave; with no frame from the peer the two views are the same.
    pub fn on_the_wire(&self) -> bool {
        self.records
            .iter()
            .any(|r| r.sender != self.capture && r.seen == Seen::Leaving)
    }

    /// Where the capture was taken, as the summary says it: "the client",
    /// "the server" or "the wire".
    pub fn capture_point_name(&self) -> &'static str {
        if self.on_the_wire() {
            "wire"
        } else {
            self.capture.name()
        }
    }
}
