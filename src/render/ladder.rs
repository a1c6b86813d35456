//! What a ladder (sequence) diagram says about each frame, shared by the SVG
//! and Mermaid renderers: its label, whether it is a retransmission, a reset, a
//! lost frame or a link duplicate, and which gaps in time are long enough to be
//! shown as breaks.

use std::collections::{BTreeMap, BTreeSet};

use crate::scenario::model::{Micros, Role};
use crate::trace::{Fate, Record, Trace, flags};
use crate::wire::seq;

/// A gap longer than this many typical one-way flight times is drawn as a
/// break: textbook figures (Stevens, TCP/IP Illustrated vol. 1, ch. 21) cut a
/// retransmission timeout short rather than draw seconds of empty lifeline.
pub(crate) const LONG_GAP_FLIGHTS: u64 = 4;

/// What makes two records the same frame: sender, send time, raw sequence
/// number, length, flags and ports.
type FrameIdentity = (Role, Micros, u32, u32, u8, u16, u16);

/// How a frame is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FrameFacts {
    /// `PSH,ACK seq=1 ack=1 len=9`: flags in Wireshark's order, relative
    /// numbers; `ack=` only when the ACK flag is set (RFC 9293 3.1: the field
    /// is meaningless otherwise).
    pub label: String,
    /// A short cause worth printing beside the label (`TLP`, `RTO`, ...).
    pub tag: Option<&'static str>,
    /// The sender had sent this sequence space before.
    pub retransmission: bool,
    /// The RST flag is set.
    pub rst: bool,
    /// The link lost it: it never arrived.
    pub lost: bool,
    /// A second copy the link made (the receiver saw the frame twice).
    pub duplicate_copy: bool,
}

impl FrameFacts {
    /// Retransmissions and resets are what a reader looks for first.
    pub fn highlight(&self) -> bool {
        self.retransmission || self.rst
    }
}

/// `PSH,ACK seq=1 ack=1 len=9` for one record.
pub(crate) fn label(r: &Record) -> String {
    let names = flags::to_csv(r.flags);
    let names = if names.is_empty() {
        "(no flags)".to_string()
    } else {
        names
    };
    if r.flags & flags::ACK != 0 {
        format!("{names} seq={} ack={} len={}", r.seq, r.ack, r.len)
    } else {
        format!("{names} seq={} len={}", r.seq, r.len)
    }
}

/// Sequence space a segment occupies: payload plus one each for SYN and FIN
/// (RFC 9293 3.4).
fn seq_len(r: &Record) -> u32 {
    r.len + u32::from(r.flags & flags::SYN != 0) + u32::from(r.flags & flags::FIN != 0)
}

/// The simulator's note names the second copy a link delivers.
fn noted_duplicate(r: &Record) -> bool {
    r.note.contains("the link's duplicate")
}

/// Facts for every record, in record order.
///
/// A retransmission is a frame the simulator says it resent (its note
/// mentions a retransmission or a probe) or one whose sequence number lies
/// below the highest already sent in its direction — the test Wireshark's
/// `tcp.analysis.retransmission` makes. Frames are taken in the order they
/// were sent, so a frame the link reordered does not look resent, and a
/// second copy made by the link is a duplicate, not a retransmission.
pub(crate) fn facts(trace: &Trace) -> Vec<FrameFacts> {
    let records = &trace.records;
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by_key(|&i| (records[i].sent_us, records[i].no));

    let mut duplicate_copy = vec![false; records.len()];
    let mut retrans = vec![false; records.len()];
    // Per direction of each connection: the end of the highest sequence sent.
    let mut highest: BTreeMap<(Role, u16, u16), u32> = BTreeMap::new();
    // Frames seen so far, to tell a link's copy from a resend.
    let mut seen: BTreeSet<FrameIdentity> = BTreeSet::new();
    for &i in &order {
        let r = &records[i];
        let identity = (
            r.sender, r.sent_us, r.raw_seq, r.len, r.flags, r.src_port, r.dst_port,
        );
        if noted_duplicate(r) || !seen.insert(identity) {
            duplicate_copy[i] = true;
            continue;
        }
        let key = (r.sender, r.src_port, r.dst_port);
        let end = r.seq.wrapping_add(seq_len(r));
        let below = highest.get(&key).is_some_and(|&h| seq::lt(r.seq, h));
        let note = r.note.to_ascii_lowercase();
        retrans[i] =
            (seq_len(r) > 0 && below) || note.contains("retrans") || note.contains("probe");
        if highest.get(&key).is_none_or(|&h| seq::lt(h, end)) {
            highest.insert(key, end);
        }
    }

    records
        .iter()
        .enumerate()
        .map(|(i, r)| FrameFacts {
            label: label(r),
            tag: tag(r, retrans[i], duplicate_copy[i]),
            retransmission: retrans[i],
            rst: r.flags & flags::RST != 0,
            lost: r.fate == Fate::Dropped,
            duplicate_copy: duplicate_copy[i],
        })
        .collect()
}

/// The cause a textbook would write beside the arrow.
fn tag(r: &Record, retransmission: bool, duplicate_copy: bool) -> Option<&'static str> {
    let note = r.note.to_ascii_lowercase();
    if note.contains("tail loss probe") {
        Some("TLP")
    } else if note.contains("retransmission timeout") {
        Some("RTO")
    } else if note.contains("fast retransmission") {
        Some("fast retransmit")
    } else if retransmission {
        Some("retransmission")
    } else if duplicate_copy {
        Some("link duplicate")
    } else if r.fate == Fate::Duplicated {
        Some("duplicated")
    } else if note.contains("delayed ack") {
        Some("delayed ACK")
    } else {
        None
    }
}

/// The median one-way flight time of the frames that arrived, if any did.
pub(crate) fn median_flight_us(trace: &Trace) -> Option<Micros> {
    let mut flights: Vec<Micros> = trace
        .records
        .iter()
        .filter_map(|r| r.arrived_us.map(|a| a.saturating_sub(r.sent_us)))
        .collect();
    flights.sort_unstable();
    flights.get(flights.len().saturating_sub(1) / 2).copied()
}

/// Gaps longer than this are breaks in the time axis (at least 1 µs).
pub(crate) fn long_gap_us(trace: &Trace) -> Micros {
    median_flight_us(trace)
        .map_or(1_000_000, |f| f.saturating_mul(LONG_GAP_FLIGHTS))
        .max(1)
}

/// A duration as a person reads it: `850 µs`, `3.7 ms`, `214 ms`, `2.0 s`,
/// rounded half up with integer arithmetic (the output must not depend on
/// floating-point formatting).
pub(crate) fn duration(us: Micros) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 100_000 {
        let tenths = (us + 50) / 100;
        format!("{}.{} ms", tenths / 10, tenths % 10)
    } else if us < 1_000_000 {
        format!("{} ms", (us + 500) / 1_000)
    } else {
        let tenths = (us + 50_000) / 100_000;
        format!("{}.{} s", tenths / 10, tenths % 10)
    }
}

/// `192.168.1.13:52176` for a host, taking the port from the connections (or,
/// failing that, the frames); several ports are listed.
pub(crate) fn endpoint(trace: &Trace, role: Role) -> String {
    let ip = trace.host_ips[role.index()];
    let mut ports: Vec<u16> = trace
        .connections
        .iter()
        .map(|c| match role {
            Role::Client => c.client_port,
            Role::Server => c.server_port,
        })
        .collect();
    if ports.is_empty() {
        ports = trace
            .records
            .iter()
            .map(|r| {
                if r.sender == role {
                    r.src_port
                } else {
                    r.dst_port
                }
            })
            .collect();
    }
    ports.sort_unstable();
    ports.dedup();
    match ports.as_slice() {
        [] => ip.to_string(),
        [port] => format!("{ip}:{port}"),
        many => {
            let list: Vec<String> = many.iter().map(u16::to_string).collect();
            format!("{ip} ports {}", list.join(","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::fixture;

    #[test]
    fn labels_follow_wireshark_flags_and_skip_ack_without_the_flag() {
        let t = fixture::trace();
        let f = facts(&t);
        assert_eq!(f[0].label, "SYN seq=0 len=0");
        assert_eq!(f[3].label, "PSH,ACK seq=1 ack=1 len=9");
        assert_eq!(f[6].label, "RST seq=10 len=0");
    }

    #[test]
    fn fixture_kinds() {
        let f = facts(&fixture::trace());
        assert!(f[4].lost && !f[4].highlight());
        assert!(f[6].rst && f[6].highlight());
        assert_eq!(f[5].tag, Some("duplicated"));
        assert!(f.iter().all(|x| !x.retransmission));
    }

    #[test]
    fn seq_below_the_highest_sent_is_a_retransmission() {
        let mut t = fixture::trace();
        // Resend frame 4's data later, with no note saying so.
        let mut again = t.records[3].clone();
        again.no = 8;
        again.time_us = 13_000_000;
        again.sent_us = 13_000_000;
        again.arrived_us = Some(13_000_100);
        again.note.clear();
        t.records.push(again);
        let f = facts(&t);
        assert!(f[7].retransmission && f[7].highlight());
        assert_eq!(f[7].tag, Some("retransmission"));
        // A pure ACK with an old seq is not one (frame 6 has seq 10 after data to 10).
        assert!(!f[5].retransmission);
    }

    #[test]
    fn a_link_copy_is_not_a_retransmission() {
        let mut t = fixture::trace();
        let mut copy = t.records[3].clone();
        copy.no = 8;
        copy.arrived_us = Some(copy.sent_us + 500);
        t.records.push(copy);
        let f = facts(&t);
        assert!(f[7].duplicate_copy && !f[7].retransmission);
        assert_eq!(f[7].tag, Some("link duplicate"));
    }

    #[test]
    fn notes_name_retransmissions() {
        let mut t = fixture::trace();
        t.records[2].note = "tail loss probe: last segment resent".to_string();
        let f = facts(&t);
        assert!(f[2].retransmission);
        assert_eq!(f[2].tag, Some("TLP"));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "0 µs");
        assert_eq!(duration(999), "999 µs");
        assert_eq!(duration(3_724), "3.7 ms");
        assert_eq!(duration(3_750), "3.8 ms");
        assert_eq!(duration(214_000), "214 ms");
        assert_eq!(duration(762_741), "763 ms");
        assert_eq!(duration(2_000_000), "2.0 s");
        assert_eq!(duration(12_345_678), "12.3 s");
    }

    #[test]
    fn median_and_gap() {
        let t = fixture::trace();
        // Every delivered fixture frame flies 100 µs.
        assert_eq!(median_flight_us(&t), Some(100));
        assert_eq!(long_gap_us(&t), 400);
        let mut empty = t.clone();
        empty.records.clear();
        assert_eq!(median_flight_us(&empty), None);
        assert_eq!(long_gap_us(&empty), 1_000_000);
    }

    #[test]
    fn endpoints_name_ip_and_port() {
        let t = fixture::trace();
        assert_eq!(endpoint(&t, Role::Client), "192.168.1.13:52060");
        assert_eq!(endpoint(&t, Role::Server), "192.168.1.21:12345");
    }
}
