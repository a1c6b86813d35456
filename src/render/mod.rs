//! Text forms of a finished [`Trace`](crate::trace::Trace).
//!
//! - [`table`]: Wireshark-like packet list for people, followed by [`summary`].
//! - [`tsv`]: one tab-separated row per frame, for scripts and diffs.
//! - [`json`]: JSON Lines, one object per frame.
//! - [`summary`]: the run's closing lines (scenario, seed, ISNs, endings, byte counts).
//! - [`write_pcapng`]: the capture as a pcapng file for Wireshark and tshark
//!   ([`PcapngStream`] writes one a packet at a time, as a run goes).
//! - [`svg()`]: a ladder diagram as a textbook draws it (lifelines, slanted arrows).
//! - [`mermaid`]: the same ladder as a Mermaid `sequenceDiagram` for GitHub.
//! - [`explain()`]: every segment explained, in the course write-up's X/Y notation.

pub mod explain;
mod json;
mod labels;
mod ladder;
mod mermaid;
mod pcapng;
mod summary;
pub mod svg;
mod table;
mod timeline;
mod tsv;

pub use explain::explain;
pub use json::json;
pub use mermaid::mermaid;
pub use pcapng::{PcapngStream, pcapng_bytes, write_pcapng};
pub use summary::summary;
pub use svg::svg;
pub use table::table;
pub use tsv::tsv;

use crate::scenario::model::Micros;

/// Microseconds as seconds with six decimals (`1234567` → `1.234567`), exact.
pub(crate) fn seconds(us: Micros) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// A note made safe for one line of a tab-separated file: tabs, carriage returns
/// and newlines become spaces.
pub(crate) fn one_line(note: &str) -> String {
    note.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A small hand-built trace shared by the renderers' tests.

    use std::net::Ipv4Addr;

    use crate::scenario::model::Role;
    use crate::trace::{ConnSummary, Ending, Fate, ProgramSummary, Record, Trace, flags};

    pub const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 13);
    pub const SERVER: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 21);
    pub const CPORT: u16 = 52060;
    pub const SPORT: u16 = 12345;
    pub const X: u32 = 1_000_000;
    pub const Y: u32 = 3_000_000_000;

    #[allow(clippy::too_many_arguments)]
    fn rec(
        no: usize,
        time_us: u64,
        sender: Role,
        bits: u8,
        seq: u32,
        ack: u32,
        win: u16,
        len: u32,
        frame_len: u32,
        fate: Fate,
        note: &str,
    ) -> Record {
        let (src, src_port, dst, dst_port, own, peer) = match sender {
            Role::Client => (CLIENT, CPORT, SERVER, SPORT, X, Y),
            Role::Server => (SERVER, SPORT, CLIENT, CPORT, Y, X),
        };
        Record {
            no,
            time_us,
            sender,
            src,
            src_port,
            dst,
            dst_port,
            flags: bits,
            seq,
            ack,
            raw_seq: own.wrapping_add(seq),
            raw_ack: if bits & flags::ACK != 0 {
                peer.wrapping_add(ack)
            } else {
                0
            },
            win,
            len,
            frame_len,
            fate,
            note: note.to_string(),
            sent_us: time_us,
            arrived_us: (fate != Fate::Dropped).then_some(time_us + 100),
            frame: Vec::new(),
        }
    }

    /// Handshake, one data segment, a dropped reply, a duplicated ACK and a bare RST.
    pub fn trace() -> Trace {
        use Fate::*;
        use Role::*;
        use flags::*;
        let records = vec![
            rec(1, 0, Client, SYN, 0, 0, 64240, 0, 74, Delivered, ""),
            rec(2, 200, Server, SYN | ACK, 0, 1, 65160, 0, 74, Delivered, ""),
            rec(3, 400, Client, ACK, 1, 1, 502, 0, 66, Delivered, ""),
            rec(
                4,
                1_500,
                Client,
                PSH | ACK,
                1,
                1,
                502,
                9,
                75,
                Delivered,
                "send(\"Ido Zeira\")",
            ),
            rec(
                5,
                1_700,
                Server,
                PSH | ACK,
                1,
                10,
                510,
                9,
                75,
                Dropped,
                "lost on the link",
            ),
            rec(
                6, 12_000_345, Client, ACK, 10, 1, 502, 0, 66, Duplicated, "",
            ),
            rec(
                7,
                12_000_400,
                Client,
                RST,
                10,
                0,
                0,
                0,
                54,
                Delivered,
                "close()\twith\n15 unread bytes",
            ),
        ];
        Trace {
            scenario: "v0".to_string(),
            seed: 42,
            host_ips: [CLIENT, SERVER],
            capture: Client,
            records,
            connections: vec![ConnSummary {
                client_port: CPORT,
                server_port: SPORT,
                client_isn: Some(X),
                server_isn: Some(Y),
                ended: "RST from client".to_string(),
            }],
            programs: vec![
                ProgramSummary {
                    sent_digest: 0,
                    received_digest: 0,
                    received_data: None,
                    role: Client,
                    sent: 9,
                    received: 0,
                    log: vec![
                        crate::trace::AppEvent {
                            time_us: 0,
                            role: Role::Client,
                            call: "connect()".to_string(),
                        },
                        crate::trace::AppEvent {
                            time_us: 1_500,
                            role: Role::Client,
                            call: "send(9) = 9".to_string(),
                        },
                    ],
                },
                ProgramSummary {
                    sent_digest: 0,
                    received_digest: 0,
                    received_data: None,
                    role: Server,
                    sent: 9,
                    received: 9,
                    log: vec![],
                },
            ],
            ending: Ending::TimeLimit(12_500_000),
            counters: Default::default(),
            end_time_us: 12_500_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_exact() {
        assert_eq!(seconds(0), "0.000000");
        assert_eq!(seconds(1_700), "0.001700");
        assert_eq!(seconds(12_000_345), "12.000345");
        assert_eq!(seconds(u64::MAX), "18446744073709.551615");
    }

    #[test]
    fn one_line_replaces_breaks() {
        assert_eq!(one_line("a\tb\nc\r\nd"), "a b c  d");
        assert_eq!(one_line("plain → text"), "plain → text");
    }
}
