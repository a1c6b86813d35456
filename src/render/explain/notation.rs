//! The course write-up's notation: X and Y name the client's and the server's
//! initial sequence numbers (ISNs), and every sequence or acknowledgment number
//! is written as an offset from one of them (`Seq = X+10, Ack = Y+19`). A
//! sequence number counts from its sender's ISN, an acknowledgment number from
//! the receiver's (RFC 9293 3.4). A run with several connections names the
//! second pair X2 and Y2, and so on.

use crate::scenario::model::Role;
use crate::trace::{Record, Trace};

#[derive(Debug, Clone)]
struct Conn {
    client_port: u16,
    server_port: u16,
    /// Raw ISNs, indexed by `Role::index()`.
    isn: [Option<u32>; 2],
    /// `""` for the first connection, `"2"` for the second, ...
    tag: String,
}

/// The ISNs of every connection of a trace.
#[derive(Debug, Clone)]
pub(super) struct Notation {
    conns: Vec<Conn>,
}

impl Notation {
    pub fn new(trace: &Trace) -> Notation {
        let conns = trace
            .connections
            .iter()
            .enumerate()
            .map(|(i, c)| Conn {
                client_port: c.client_port,
                server_port: c.server_port,
                isn: [c.client_isn, c.server_isn],
                tag: if i == 0 {
                    String::new()
                } else {
                    (i + 1).to_string()
                },
            })
            .collect();
        Notation { conns }
    }

    fn conn(&self, r: &Record) -> Option<&Conn> {
        let (client, server) = match r.sender {
            Role::Client => (r.src_port, r.dst_port),
            Role::Server => (r.dst_port, r.src_port),
        };
        self.conns
            .iter()
            .find(|c| c.client_port == client && c.server_port == server)
    }

    /// `X`, `Y`, `X2`, ...: the name of `role`'s ISN on `r`'s connection.
    pub fn name(&self, r: &Record, role: Role) -> String {
        let letter = match role {
            Role::Client => "X",
            Role::Server => "Y",
        };
        let tag = self.conn(r).map_or("", |c| c.tag.as_str());
        format!("{letter}{tag}")
    }

    /// `raw` as an offset from `role`'s ISN on `r`'s connection, if that ISN is known.
    pub fn offset(&self, r: &Record, role: Role, raw: u32) -> Option<u32> {
        let isn = self.conn(r)?.isn[role.index()]?;
        Some(raw.wrapping_sub(isn))
    }

    /// `X`, `X+10`, or the raw number when the ISN was never seen.
    pub fn number(&self, r: &Record, role: Role, raw: u32) -> String {
        match self.offset(r, role, raw) {
            Some(0) => self.name(r, role),
            Some(n) => format!("{}+{n}", self.name(r, role)),
            None => raw.to_string(),
        }
    }

    /// The record's sequence number, relative to its sender's ISN.
    pub fn seq(&self, r: &Record) -> String {
        self.number(r, r.sender, r.raw_seq)
    }

    /// The record's acknowledgment number, relative to its receiver's ISN.
    pub fn ack(&self, r: &Record) -> String {
        self.number(r, r.sender.peer(), r.raw_ack)
    }

    /// One line per connection naming its ISNs:
    /// `X = 806800894 (client ISN), Y = 3362476740 (server ISN)`.
    pub fn header(&self) -> Vec<String> {
        let several = self.conns.len() > 1;
        self.conns
            .iter()
            .map(|c| {
                let isn =
                    |v: Option<u32>| v.map_or_else(|| "unknown".to_string(), |v| v.to_string());
                let line = format!(
                    "X{t} = {} (client ISN), Y{t} = {} (server ISN)",
                    isn(c.isn[0]),
                    isn(c.isn[1]),
                    t = c.tag
                );
                if several {
                    format!("connection {} → {}: {line}", c.client_port, c.server_port)
                } else {
                    line
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::ConnSummary;
    use crate::trace::fixture;

    #[test]
    fn offsets_from_each_side() {
        let t = fixture::trace();
        let n = Notation::new(&t);
        let r = &t.records;
        assert_eq!(
            (n.seq(&r[0]), n.seq(&r[1]), n.ack(&r[1])),
            ("X".into(), "Y".into(), "X+1".into())
        );
        assert_eq!((n.seq(&r[4]), n.ack(&r[4])), ("Y+1".into(), "X+10".into()));
        assert_eq!(
            n.header(),
            vec!["X = 1000000 (client ISN), Y = 3000000000 (server ISN)"]
        );
    }

    #[test]
    fn offsets_wrap_and_unknown_isns_show_raw() {
        let mut t = fixture::trace();
        t.connections[0].client_isn = Some(u32::MAX);
        t.connections[0].server_isn = None;
        let n = Notation::new(&t);
        let mut r = t.records[3].clone();
        r.raw_seq = 9;
        assert_eq!(n.seq(&r), "X+10");
        assert_eq!(n.ack(&r), r.raw_ack.to_string());
        assert_eq!(
            n.header()[0],
            "X = 4294967295 (client ISN), Y = unknown (server ISN)"
        );
    }

    #[test]
    fn later_connections_get_numbered_names() {
        let mut t = fixture::trace();
        t.connections.push(ConnSummary {
            client_port: 40000,
            ..t.connections[0].clone()
        });
        let n = Notation::new(&t);
        let mut r = t.records[1].clone();
        r.dst_port = 40000;
        assert_eq!(n.seq(&r), "Y2");
        assert_eq!(n.ack(&r), "X2+1");
        assert!(n.header()[1].starts_with("connection 40000 → 12345: X2 = "));
    }
}
