//! A small hand-built trace shared by the renderers' tests.

use std::net::Ipv4Addr;

use crate::scenario::model::Role;
use crate::trace::{ConnSummary, Ending, Fate, ProgramSummary, Record, Seen, Trace, flags};

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
        seen: if sender == Role::Client {
            Seen::Leaving
        } else {
            Seen::Arriving
        },
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
        conn_info: Vec::new(),
        cwnd: Vec::new(),
        end_time_us: 12_500_000,
    }
}
