//! The TCP state each host is in (RFC 9293 3.3.2), as the captured segments
//! show it, for the ladder's lifelines: SYN-SENT when a SYN leaves,
//! ESTABLISHED when the handshake's SYN,ACK or last ACK arrives, FIN-WAIT-1,
//! CLOSE-WAIT, LAST-ACK, FIN-WAIT-2, CLOSING and TIME-WAIT as FINs and their
//! ACKs go and come, CLOSED on a RST or the ACK of a FIN in LAST-ACK.
//!
//! Each change is tied to the frame event that caused it (a send on the
//! host's lifeline, or an arrival), so it is drawn level with that arrow's
//! end. A frame the capture did not see (the other host's lost frames are
//! not in its trace) changes nothing, so the states are the capture's view.
//! With more than one connection the lifelines would mix them: no states.

use crate::scenario::model::{Micros, Role};
use crate::trace::{Trace, flags};

/// Where on a lifeline a change happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    /// Before anything: the server's LISTEN.
    Start,
    /// When record `i` leaves its sender.
    Send(usize),
    /// When record `i` reaches its receiver.
    Arrive(usize),
}

/// One change of state on one host's lifeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    pub role: Role,
    pub at: At,
    pub state: &'static str,
}

/// One host's state and what it needs to know to move on.
struct Host {
    state: &'static str,
    /// One past our FIN (relative to our ISN), once we sent one.
    fin_end: Option<u32>,
}

/// The changes of both hosts, in the order they happen per host.
pub(crate) fn changes(trace: &Trace) -> Vec<Change> {
    let ports = super::timeseq::client_ports(trace);
    if ports.len() != 1 {
        return Vec::new();
    }
    let mut out = vec![Change {
        role: Role::Server,
        at: At::Start,
        state: "LISTEN",
    }];
    let mut hosts = [
        Host {
            state: "CLOSED",
            fin_end: None,
        },
        Host {
            state: "LISTEN",
            fin_end: None,
        },
    ];
    // Every send and arrival, in time order; at one instant an arrival
    // comes first (a host answers what reached it), then record order.
    let mut events: Vec<(Micros, u8, usize, Role)> = Vec::new();
    for (i, r) in trace.records.iter().enumerate() {
        events.push((r.sent_us, 1, i, r.sender));
        if let Some(a) = r.arrived_us {
            events.push((a, 0, i, r.sender.peer()));
        }
    }
    events.sort();
    for (_, kind, i, role) in events {
        let r = &trace.records[i];
        let host = &mut hosts[role.index()];
        let before = host.state;
        let has = |bit: u8| r.flags & bit != 0;
        if kind == 1 {
            // The host sends r.
            host.state = match (host.state, has(flags::RST)) {
                ("CLOSED", _) => {
                    if has(flags::SYN) && !has(flags::ACK) {
                        "SYN-SENT"
                    } else {
                        "CLOSED"
                    }
                }
                (_, true) => "CLOSED",
                (state, false) if has(flags::FIN) => {
                    host.fin_end = Some(r.seq.wrapping_add(r.len).wrapping_add(1));
                    match state {
                        "ESTABLISHED" | "SYN-RECEIVED" => "FIN-WAIT-1",
                        "CLOSE-WAIT" => "LAST-ACK",
                        other => other,
                    }
                }
                (state, false) => state,
            };
        } else {
            // r reaches the host.
            let acks_fin = has(flags::ACK)
                && host
                    .fin_end
                    .is_some_and(|end| crate::wire::seq::le(end, r.ack));
            host.state = match host.state {
                "CLOSED" | "TIME-WAIT" => host.state,
                _ if has(flags::RST) => "CLOSED",
                "SYN-SENT" if has(flags::SYN) && has(flags::ACK) => "ESTABLISHED",
                "LISTEN" if has(flags::SYN) && !has(flags::ACK) => "SYN-RECEIVED",
                "SYN-RECEIVED" if has(flags::ACK) && r.ack != 0 => {
                    if has(flags::FIN) {
                        "CLOSE-WAIT"
                    } else {
                        "ESTABLISHED"
                    }
                }
                "ESTABLISHED" if has(flags::FIN) => "CLOSE-WAIT",
                "FIN-WAIT-1" => match (acks_fin, has(flags::FIN)) {
                    (true, true) => "TIME-WAIT",
                    (true, false) => "FIN-WAIT-2",
                    (false, true) => "CLOSING",
                    (false, false) => "FIN-WAIT-1",
                },
                "FIN-WAIT-2" if has(flags::FIN) => "TIME-WAIT",
                "CLOSING" if acks_fin => "TIME-WAIT",
                "LAST-ACK" if acks_fin => "CLOSED",
                state => state,
            };
        }
        if host.state != before {
            out.push(Change {
                role,
                at: if kind == 1 {
                    At::Send(i)
                } else {
                    At::Arrive(i)
                },
                state: host.state,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::fixture;

    fn names(trace: &Trace, role: Role) -> Vec<&'static str> {
        changes(trace)
            .into_iter()
            .filter(|c| c.role == role)
            .map(|c| c.state)
            .collect()
    }

    #[test]
    fn the_fixture_opens_and_the_client_resets() {
        let t = fixture::trace();
        assert_eq!(
            names(&t, Role::Client),
            ["SYN-SENT", "ESTABLISHED", "CLOSED"]
        );
        assert_eq!(
            names(&t, Role::Server),
            ["LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSED"]
        );
    }

    #[test]
    fn a_fin_exchange_ends_in_time_wait_and_closed() {
        let mut t = fixture::trace();
        t.records.truncate(4);
        // Client FIN (seq 10), server FIN,ACK acking it, client's last ACK.
        let mut fin = t.records[3].clone();
        (fin.no, fin.flags, fin.seq, fin.len) = (5, flags::FIN | flags::ACK, 10, 0);
        (fin.sent_us, fin.arrived_us) = (3_000, Some(3_100));
        let mut fin_ack = t.records[1].clone();
        (fin_ack.no, fin_ack.flags, fin_ack.seq, fin_ack.ack) = (6, flags::FIN | flags::ACK, 1, 11);
        (fin_ack.sent_us, fin_ack.arrived_us) = (3_200, Some(3_300));
        let mut last = t.records[2].clone();
        (last.no, last.seq, last.ack) = (7, 11, 2);
        (last.sent_us, last.arrived_us) = (3_400, Some(3_500));
        t.records.extend([fin, fin_ack, last]);
        assert_eq!(
            names(&t, Role::Client),
            ["SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "TIME-WAIT"]
        );
        assert_eq!(
            names(&t, Role::Server),
            [
                "LISTEN",
                "SYN-RECEIVED",
                "ESTABLISHED",
                "CLOSE-WAIT",
                "LAST-ACK",
                "CLOSED"
            ]
        );
    }
}
