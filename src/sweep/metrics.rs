//! One run's row: the numbers a sweep keeps from a trace.

use serde::{Deserialize, Serialize};

use crate::scenario::model::Role;
use crate::trace::{Ending, TcpInfo, Trace};

/// A tcp_info count summed over every sender of a run.
fn sum_info(trace: &Trace, count: impl Fn(&TcpInfo) -> u32) -> u64 {
    trace
        .conn_info
        .iter()
        .map(|c| u64::from(count(&c.info)))
        .sum()
}

/// What one run did. Only integers and flags, so a row read back from a
/// shard file is exactly the row that was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRow {
    /// Position in the grid (cell-major, then seed).
    pub run: u64,
    /// Index of the grid cell.
    pub cell: u64,
    /// The seed of the run.
    pub seed: u64,
    /// `finished`, `time_limit` or `event_limit`.
    pub ending: String,
    /// Simulated time when the run stopped: every program done and nothing in
    /// flight, or the limit that stopped it.
    pub completion_us: u64,
    /// Both byte streams arrived whole: in each direction the receiving
    /// program's recv() returned as many bytes as the sending program handed
    /// to send(), with the same digest (so in the same order, unchanged).
    /// A client that closes with data unread (V3) is never intact.
    pub intact: bool,
    /// Connections that ended with a FIN each way.
    pub ended_fin: u32,
    /// Connections that ended with a RST (from either side).
    pub ended_rst: u32,
    /// Connections still open, or closed one way only, when the run stopped.
    pub ended_open: u32,
    /// Frames put on the link.
    pub frames: u64,
    /// Frames carrying payload.
    pub data_segments: u64,
    /// Data segments resent.
    pub retransmissions: u64,
    /// Duplicate ACKs.
    pub dup_acks: u64,
    /// Segments with RST.
    pub rsts: u64,
    /// Frames the link lost.
    pub dropped: u64,
    /// Frames the link delivered twice.
    pub duplicated: u64,
    /// Payload bytes on the wire, resends included.
    pub payload_bytes: u64,
    /// Bytes both programs handed to send().
    pub sent_bytes: u64,
    /// Bytes both programs got from recv().
    pub delivered_bytes: u64,
    /// Retransmission timeouts, both hosts (the `linux` profile's senders).
    #[serde(default)]
    pub rto: u64,
    /// Segments resent by fast recovery (RACK).
    #[serde(default)]
    pub fast_retransmits: u64,
    /// Tail loss probes.
    #[serde(default)]
    pub tlp: u64,
    /// Retransmissions the peer reported it did not need (D-SACK).
    #[serde(default)]
    pub spurious: u64,
}

/// The metrics `--find` and `--plot` know, with what they mean.
pub const METRICS: &[(&str, &str)] = &[
    ("completion_ms", "simulated time until the run stopped, ms"),
    ("completion_us", "the same in microseconds"),
    (
        "intact",
        "1 if both streams arrived whole (see RunRow::intact), else 0",
    ),
    ("finished", "1 if the run finished (not stopped by a limit)"),
    (
        "time_limit",
        "1 if the simulated-time limit stopped the run",
    ),
    ("event_limit", "1 if the event limit stopped the run"),
    ("fin", "connections that ended with FIN both ways"),
    ("reset", "connections that ended with a RST"),
    ("open", "connections still open at the end"),
    ("rst", "RST segments sent (also: rsts)"),
    ("retransmissions", "data segments sent again (also: retx)"),
    ("dup_acks", "duplicate ACKs"),
    ("rto", "retransmission timeouts (linux profile)"),
    (
        "fast_retransmits",
        "segments resent by fast recovery, RACK (linux profile)",
    ),
    ("tlp", "tail loss probes (linux profile)"),
    (
        "spurious",
        "retransmissions the receiver did not need, by D-SACK (linux profile)",
    ),
    ("frames", "frames sent by both hosts"),
    ("data_segments", "frames carrying payload"),
    ("dropped", "frames lost on the link"),
    ("duplicated", "frames the link delivered twice"),
    ("payload_bytes", "payload bytes put on the wire"),
    ("sent_bytes", "bytes the programs handed to send()"),
    ("delivered_bytes", "bytes the programs got from recv()"),
    ("goodput", "delivered bytes per simulated second"),
    ("seed", "the run's seed"),
];

impl RunRow {
    /// The metrics of one finished run.
    pub fn from_trace(run: u64, cell: u64, trace: &Trace) -> RunRow {
        let program = |role: Role| trace.programs.iter().find(|p| p.role == role);
        let intact = match (program(Role::Client), program(Role::Server)) {
            (Some(c), Some(s)) => {
                c.sent == s.received
                    && c.sent_digest == s.received_digest
                    && s.sent == c.received
                    && s.sent_digest == c.received_digest
            }
            _ => false,
        };
        let (mut fin, mut rst, mut open) = (0, 0, 0);
        for c in &trace.connections {
            if c.ended.starts_with("RST") {
                rst += 1;
            } else if c.ended == "FIN both ways" {
                fin += 1;
            } else {
                open += 1;
            }
        }
        let k = &trace.counters;
        RunRow {
            run,
            cell,
            seed: trace.seed,
            ending: match trace.ending {
                Ending::Finished => "finished",
                Ending::TimeLimit(_) => "time_limit",
                Ending::EventLimit(_) => "event_limit",
                Ending::Deadlock => "deadlock",
            }
            .to_string(),
            completion_us: trace.end_time_us,
            intact,
            ended_fin: fin,
            ended_rst: rst,
            ended_open: open,
            frames: k.frames,
            data_segments: k.data_segments,
            retransmissions: k.retransmissions,
            dup_acks: k.dup_acks,
            rsts: k.rsts,
            dropped: k.dropped,
            duplicated: k.duplicated,
            payload_bytes: k.payload_bytes,
            sent_bytes: trace.programs.iter().map(|p| p.sent).sum(),
            delivered_bytes: trace.programs.iter().map(|p| p.received).sum(),
            rto: sum_info(trace, |i| i.rto_count),
            fast_retransmits: sum_info(trace, |i| i.fast_retransmits),
            tlp: sum_info(trace, |i| i.tlp),
            spurious: sum_info(trace, |i| i.spurious),
        }
    }

    /// Delivered bytes per simulated second (0 for a run that took no time).
    pub fn goodput(&self) -> u64 {
        if self.completion_us == 0 {
            return 0;
        }
        (u128::from(self.delivered_bytes) * 1_000_000 / u128::from(self.completion_us)) as u64
    }

    /// A metric by name (see [`METRICS`]); flags are 1 or 0.
    pub fn metric(&self, name: &str) -> Option<f64> {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        Some(match name {
            "completion_ms" | "completion" => self.completion_us as f64 / 1000.0,
            "completion_us" => self.completion_us as f64,
            "intact" => flag(self.intact),
            "finished" => flag(self.ending == "finished"),
            "time_limit" => flag(self.ending == "time_limit"),
            "event_limit" => flag(self.ending == "event_limit"),
            "fin" => f64::from(self.ended_fin),
            "reset" => f64::from(self.ended_rst),
            "open" => f64::from(self.ended_open),
            "rst" | "rsts" => self.rsts as f64,
            "retransmissions" | "retx" => self.retransmissions as f64,
            "dup_acks" => self.dup_acks as f64,
            "rto" => self.rto as f64,
            "fast_retransmits" => self.fast_retransmits as f64,
            "tlp" => self.tlp as f64,
            "spurious" => self.spurious as f64,
            "frames" => self.frames as f64,
            "data_segments" => self.data_segments as f64,
            "dropped" => self.dropped as f64,
            "duplicated" => self.duplicated as f64,
            "payload_bytes" => self.payload_bytes as f64,
            "sent_bytes" => self.sent_bytes as f64,
            "delivered_bytes" => self.delivered_bytes as f64,
            "goodput" => self.goodput() as f64,
            "seed" => self.seed as f64,
            _ => return None,
        })
    }
}
