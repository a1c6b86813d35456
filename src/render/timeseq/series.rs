//! What a time-sequence graph shows of one direction of one connection,
//! taken from the trace: the data sender's segments (new, resent and how,
//! lost), the receiver's ACKs with their window and SACK blocks, and the
//! sender's congestion window. Times count from the trace's first frame, as
//! the table's Time column does; sequence numbers are relative (the sender's
//! ISN is 0).

use crate::scenario::model::{Micros, Role};
use crate::trace::{CwndSample, Fate, Trace, flags};
use crate::wire::options::{TcpOption, options_in_order};
use crate::wire::seq;

use super::super::columns::window_shifts;

/// Which way the data flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Client to server.
    ClientToServer,
    /// Server to client.
    ServerToClient,
}

impl Dir {
    /// The host that sends the data.
    pub fn sender(self) -> Role {
        match self {
            Dir::ClientToServer => Role::Client,
            Dir::ServerToClient => Role::Server,
        }
    }

    /// `client → server`.
    pub fn name(self) -> &'static str {
        match self {
            Dir::ClientToServer => "client → server",
            Dir::ServerToClient => "server → client",
        }
    }
}

/// Which connection and direction to draw; `None` picks: the first
/// connection, the direction that carried more payload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Choice {
    /// The connection's client port.
    pub conn: Option<u16>,
    /// The direction of the data.
    pub dir: Option<Dir>,
}

/// Why a segment was sent, as the graph colours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// New data.
    New,
    /// Resent by a retransmission timeout.
    Rto,
    /// Resent by a tail loss probe.
    Tlp,
    /// Resent by fast retransmission (duplicate ACKs, SACK, RACK).
    Fast,
    /// Resent for another or unknown reason (below the highest sent).
    Resent,
}

/// One data segment of the sender (payload, SYN or FIN).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    pub t: Micros,
    pub start: u64,
    pub end: u64,
    pub kind: Kind,
    /// The link lost it.
    pub lost: bool,
}

/// One ACK of the receiver: what it acknowledged, the window's right edge,
/// its SACK blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Ack {
    pub t: Micros,
    pub ack: u64,
    pub edge: u64,
    pub zero_window: bool,
    pub sack: Vec<(u64, u64)>,
}

/// Everything the graph draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub dir: Dir,
    pub client_port: u16,
    pub server_port: u16,
    pub segments: Vec<Segment>,
    pub acks: Vec<Ack>,
    pub cwnd: Vec<CwndSample>,
    /// The trace's first frame: time zero.
    pub start: Micros,
    /// The last instant drawn.
    pub end: Micros,
}

/// The retransmission cause named in a note (`render/explain/notes.rs`
/// words): the sender's own account of why it resent.
fn kind_of(note: &str, below_highest: bool) -> Kind {
    let note = note.to_ascii_lowercase();
    if note.contains("retransmission timeout") {
        Kind::Rto
    } else if note.contains("tail loss probe") {
        Kind::Tlp
    } else if note.contains("fast retransmission") {
        Kind::Fast
    } else if below_highest || note.contains("retrans") {
        Kind::Resent
    } else {
        Kind::New
    }
}

/// The connections' client ports in the trace, in order.
pub fn client_ports(trace: &Trace) -> Vec<u16> {
    let mut ports: Vec<u16> = trace.connections.iter().map(|c| c.client_port).collect();
    if ports.is_empty() {
        ports = trace
            .records
            .iter()
            .map(|r| match r.sender {
                Role::Client => r.src_port,
                Role::Server => r.dst_port,
            })
            .collect();
        ports.sort_unstable();
        ports.dedup();
    }
    ports
}

/// Take the chosen direction's series out of `trace`.
pub fn series(trace: &Trace, choice: Choice) -> Result<Series, String> {
    let ports = client_ports(trace);
    let client_port = match choice.conn {
        Some(p) if ports.contains(&p) => p,
        Some(p) => {
            let list: Vec<String> = ports.iter().map(u16::to_string).collect();
            return Err(format!(
                "--conn {p}: no connection has client port {p}; the trace has {}",
                if list.is_empty() {
                    "none".to_string()
                } else {
                    list.join(", ")
                }
            ));
        }
        None => *ports
            .first()
            .ok_or("the trace has no TCP segment to draw")?,
    };
    let of_conn = |r: &&crate::trace::Record| match r.sender {
        Role::Client => r.src_port == client_port,
        Role::Server => r.dst_port == client_port,
    };
    let bytes = |role: Role| -> u64 {
        trace
            .records
            .iter()
            .filter(of_conn)
            .filter(|r| r.sender == role)
            .map(|r| u64::from(r.len))
            .sum()
    };
    let dir = choice.dir.unwrap_or(
        if bytes(Role::Server) >= bytes(Role::Client) && bytes(Role::Server) > 0 {
            Dir::ServerToClient
        } else {
            Dir::ClientToServer
        },
    );
    let sender = dir.sender();
    let server_port = trace
        .records
        .iter()
        .filter(of_conn)
        .map(|r| match r.sender {
            Role::Client => r.dst_port,
            Role::Server => r.src_port,
        })
        .next()
        .unwrap_or(0);
    let start = trace.records.first().map_or(0, |r| r.time_us);
    let shifts = window_shifts(trace);
    let mut segments = Vec::new();
    let mut acks = Vec::new();
    let mut highest: Option<u32> = None;
    let mut end = start;
    for (r, shift) in trace.records.iter().zip(&shifts) {
        if !of_conn(&r) {
            continue;
        }
        end = end.max(r.time_us);
        let space =
            r.len + u32::from(r.flags & flags::SYN != 0) + u32::from(r.flags & flags::FIN != 0);
        if r.sender == sender {
            if space == 0 {
                continue;
            }
            let below = highest.is_some_and(|h| seq::lt(r.seq, h));
            let seg_end = r.seq.wrapping_add(space);
            if highest.is_none_or(|h| seq::lt(h, seg_end)) {
                highest = Some(seg_end);
            }
            segments.push(Segment {
                t: r.time_us - start,
                start: u64::from(r.seq),
                end: u64::from(r.seq) + u64::from(space),
                kind: kind_of(&r.note, below),
                lost: r.fate == Fate::Dropped,
            });
        } else if r.flags & flags::ACK != 0 && r.flags & flags::RST == 0 {
            let base = r.raw_ack.wrapping_sub(r.ack);
            let sack = options_in_order(&r.frame)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|o| match o {
                    TcpOption::Sack(blocks) => Some(blocks),
                    _ => None,
                })
                .flatten()
                .map(|(l, rt)| {
                    (
                        u64::from(l.wrapping_sub(base)),
                        u64::from(rt.wrapping_sub(base)),
                    )
                })
                .collect();
            let win = u64::from(r.win) << shift.unwrap_or(0).min(14);
            acks.push(Ack {
                t: r.time_us - start,
                ack: u64::from(r.ack),
                edge: u64::from(r.ack) + win,
                zero_window: r.win == 0 && r.flags & flags::SYN == 0,
                sack,
            });
        }
    }
    let sender_port = match sender {
        Role::Client => client_port,
        Role::Server => server_port,
    };
    let cwnd: Vec<CwndSample> = trace
        .cwnd
        .iter()
        .filter(|c| c.role == sender && c.local_port == sender_port && c.time_us >= start)
        .map(|c| CwndSample {
            time_us: c.time_us - start,
            ..*c
        })
        .collect();
    if let Some(last) = cwnd.last() {
        end = end.max(last.time_us + start);
    }
    Ok(Series {
        dir,
        client_port,
        server_port,
        segments,
        acks,
        cwnd,
        start,
        end: end - start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::fixture;

    #[test]
    fn notes_name_the_mechanism() {
        assert_eq!(
            kind_of("tail loss probe: last segment resent", true),
            Kind::Tlp
        );
        assert_eq!(
            kind_of("retransmission timeout: resent after RTO 200 ms", true),
            Kind::Rto
        );
        assert_eq!(
            kind_of("fast retransmission: RACK marked it lost", true),
            Kind::Fast
        );
        assert_eq!(kind_of("", true), Kind::Resent);
        assert_eq!(kind_of("send(\"x\")", false), Kind::New);
    }

    #[test]
    fn the_fixture_client_sends_nine_bytes_after_its_syn() {
        let t = fixture::trace();
        let s = series(&t, Choice::default()).unwrap();
        // Both directions carry 9 bytes: the server's wins the tie.
        assert_eq!(s.dir, Dir::ServerToClient);
        let c = series(
            &t,
            Choice {
                conn: None,
                dir: Some(Dir::ClientToServer),
            },
        )
        .unwrap();
        let spans: Vec<(u64, u64)> = c.segments.iter().map(|g| (g.start, g.end)).collect();
        assert_eq!(spans, [(0, 1), (1, 10)]);
        assert!(c.acks.iter().all(|a| a.sack.is_empty()));
        let err = series(
            &t,
            Choice {
                conn: Some(1),
                dir: None,
            },
        )
        .unwrap_err();
        assert!(err.contains("no connection has client port 1"), "{err}");
    }
}
