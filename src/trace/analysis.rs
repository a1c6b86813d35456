//! TCP analysis as Wireshark does it: which segments are retransmissions,
//! duplicate ACKs, out of order, window updates, ...
//!
//! Wireshark's TCP dissector follows every connection through the capture, in
//! the capture's order and with its timestamps, and marks segments by the
//! rules of the Wireshark User's Guide, section 7.5 "TCP Analysis". This
//! module applies the same rules to a [`Trace`], so the table can show the
//! same `[TCP ...]` labels as Wireshark's Info column and scripts can filter
//! on the same names as `tcp.analysis.*` display filters. Like Wireshark, it
//! only sees what the capture host saw: it guesses from sequence numbers and
//! timing, while the trace's `note` says what the simulator actually did.
//! `tests/tshark.rs` checks the marks against tshark's.

mod flow;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use smoltcp::wire::{
    EthernetFrame, EthernetProtocol, IpProtocol, Ipv4Packet, TcpOption, TcpPacket,
};

use crate::trace::{Record, Trace, flags};
use flow::{Conn, Marks, Seg, mark};

/// One of Wireshark's TCP analysis marks on a segment.
///
/// The variants are ordered as their labels appear in Wireshark's Info
/// column (Wireshark prepends each label, so the last one it adds comes
/// first); a sorted list of flags reads as Wireshark shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    /// The answer to a zero window probe, the window still closed.
    ZeroWindowProbeAck,
    /// The sender's receive window is zero.
    ZeroWindow,
    /// One byte sent into the peer's zero window.
    ZeroWindowProbe,
    /// The `count`th repeat of the ACK first sent in frame `of`.
    DuplicateAck {
        /// Frame number of the segment this duplicates the ACK of.
        of: usize,
        /// Which duplicate this is (#n).
        count: u32,
    },
    /// The answer to a keep-alive.
    KeepAliveAck,
    /// 0 or 1 byte one below the next expected sequence number.
    KeepAlive,
    /// The segment fills the receiver's advertised window to its edge.
    WindowFull,
    /// Nothing but a new window.
    WindowUpdate,
    /// It acknowledges data the capture did not show.
    AckedUnseenSegment,
    /// A gap before this segment: something was sent that the capture missed.
    PreviousSegmentNotCaptured,
    /// Old data arriving within a round trip of the newest.
    OutOfOrder,
    /// Data the receiver had already acknowledged.
    SpuriousRetransmission,
    /// What two or more duplicate ACKs asked for, within 20 ms.
    FastRetransmission,
    /// Old data, sent again.
    Retransmission,
    /// A SYN (or SYN-ACK) with a new initial sequence number on ports already
    /// used in the capture.
    PortNumbersReused,
}

impl Flag {
    /// The display-filter field Wireshark sets, e.g. `tcp.analysis.retransmission`.
    /// (Wireshark also sets `tcp.analysis.retransmission` on fast and spurious
    /// retransmissions.)
    pub fn name(&self) -> &'static str {
        match self {
            Flag::ZeroWindowProbeAck => "tcp.analysis.zero_window_probe_ack",
            Flag::ZeroWindow => "tcp.analysis.zero_window",
            Flag::ZeroWindowProbe => "tcp.analysis.zero_window_probe",
            Flag::DuplicateAck { .. } => "tcp.analysis.duplicate_ack",
            Flag::KeepAliveAck => "tcp.analysis.keep_alive_ack",
            Flag::KeepAlive => "tcp.analysis.keep_alive",
            Flag::WindowFull => "tcp.analysis.window_full",
            Flag::WindowUpdate => "tcp.analysis.window_update",
            Flag::AckedUnseenSegment => "tcp.analysis.ack_lost_segment",
            Flag::PreviousSegmentNotCaptured => "tcp.analysis.lost_segment",
            Flag::OutOfOrder => "tcp.analysis.out_of_order",
            Flag::SpuriousRetransmission => "tcp.analysis.spurious_retransmission",
            Flag::FastRetransmission => "tcp.analysis.fast_retransmission",
            Flag::Retransmission => "tcp.analysis.retransmission",
            Flag::PortNumbersReused => "tcp.analysis.reused_ports",
        }
    }

    /// The field name without `tcp.analysis.`: `retransmission`, `duplicate_ack`, ...
    pub fn short_name(&self) -> &'static str {
        &self.name()["tcp.analysis.".len()..]
    }

    /// The label Wireshark puts in front of the Info column:
    /// `[TCP Retransmission]`, `[TCP Dup ACK 5#1]`, ...
    pub fn label(&self) -> String {
        let text = match self {
            Flag::ZeroWindowProbeAck => "ZeroWindowProbeAck",
            Flag::ZeroWindow => "ZeroWindow",
            Flag::ZeroWindowProbe => "ZeroWindowProbe",
            Flag::DuplicateAck { of, count } => return format!("[TCP Dup ACK {of}#{count}]"),
            Flag::KeepAliveAck => "Keep-Alive ACK",
            Flag::KeepAlive => "Keep-Alive",
            Flag::WindowFull => "Window Full",
            Flag::WindowUpdate => "Window Update",
            Flag::AckedUnseenSegment => "ACKed unseen segment",
            Flag::PreviousSegmentNotCaptured => "Previous segment not captured",
            Flag::OutOfOrder => "Out-Of-Order",
            Flag::SpuriousRetransmission => "Spurious Retransmission",
            Flag::FastRetransmission => "Fast Retransmission",
            Flag::Retransmission => "Retransmission",
            Flag::PortNumbersReused => "Port numbers reused",
        };
        format!("[TCP {text}]")
    }
}

/// The labels of `flags` as Wireshark prefixes them to the Info column, each
/// followed by a space: `[TCP Retransmission] ` (empty for no flags).
pub fn info_prefix(flags: &[Flag]) -> String {
    flags.iter().map(|f| f.label() + " ").collect()
}

/// The short names of `flags`, comma-separated: `window_update,duplicate_ack`.
pub fn short_names(flags: &[Flag]) -> String {
    let names: Vec<&str> = flags.iter().map(Flag::short_name).collect();
    names.join(",")
}

/// The analysis flags of every record of `trace`, in the records' order; each
/// list is in Wireshark's Info order (see [`Flag`]).
pub fn analyze(trace: &Trace) -> Vec<Vec<Flag>> {
    analyze_records(&trace.records)
}

/// [`analyze`] over a plain list of records, in capture order.
pub fn analyze_records(records: &[Record]) -> Vec<Vec<Flag>> {
    let mut conns: BTreeMap<ConnKey, Conn> = BTreeMap::new();
    records
        .iter()
        .map(|record| {
            let (key, dir) = conn_key(record);
            let marks = conns.entry(key).or_default().segment(dir, &seg(record));
            to_flags(marks)
        })
        .collect()
}

/// A connection's two endpoints, the lower one first, so that both
/// directions find the same connection.
type ConnKey = ((Ipv4Addr, u16), (Ipv4Addr, u16));

/// The connection a record belongs to and its direction in it (0 or 1).
fn conn_key(r: &Record) -> (ConnKey, usize) {
    let src = (r.src, r.src_port);
    let dst = (r.dst, r.dst_port);
    if src <= dst {
        ((src, dst), 0)
    } else {
        ((dst, src), 1)
    }
}

fn seg(r: &Record) -> Seg {
    Seg {
        no: r.no,
        time_us: r.time_us,
        seq: r.raw_seq,
        ack: r.raw_ack,
        flags: r.flags,
        win: r.win,
        len: r.len,
        window_scale: if r.flags & flags::SYN != 0 {
            window_scale(&r.frame)
        } else {
            None
        },
    }
}

/// The window scale option's shift count in a TCP/IPv4 Ethernet frame
/// (RFC 7323 2.2), if it has one.
fn window_scale(frame: &[u8]) -> Option<u8> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    if eth.ethertype() != EthernetProtocol::Ipv4 {
        return None;
    }
    let ip = Ipv4Packet::new_checked(eth.payload()).ok()?;
    if ip.next_header() != IpProtocol::Tcp {
        return None;
    }
    let tcp = TcpPacket::new_checked(ip.payload()).ok()?;
    let mut options = tcp.options();
    while !options.is_empty() {
        match TcpOption::parse(options).ok()? {
            (_, TcpOption::WindowScale(shift)) => return Some(shift),
            (_, TcpOption::EndOfList) => return None,
            (rest, _) => options = rest,
        }
    }
    None
}

fn to_flags(marks: Marks) -> Vec<Flag> {
    const SIMPLE: [(u16, Flag); 14] = [
        (mark::ZERO_WINDOW_PROBE_ACK, Flag::ZeroWindowProbeAck),
        (mark::ZERO_WINDOW, Flag::ZeroWindow),
        (mark::ZERO_WINDOW_PROBE, Flag::ZeroWindowProbe),
        (mark::KEEP_ALIVE_ACK, Flag::KeepAliveAck),
        (mark::KEEP_ALIVE, Flag::KeepAlive),
        (mark::WINDOW_FULL, Flag::WindowFull),
        (mark::WINDOW_UPDATE, Flag::WindowUpdate),
        (mark::ACK_LOST_SEGMENT, Flag::AckedUnseenSegment),
        (mark::LOST_SEGMENT, Flag::PreviousSegmentNotCaptured),
        (mark::OUT_OF_ORDER, Flag::OutOfOrder),
        (mark::SPURIOUS_RETRANSMISSION, Flag::SpuriousRetransmission),
        (mark::FAST_RETRANSMISSION, Flag::FastRetransmission),
        (mark::RETRANSMISSION, Flag::Retransmission),
        (mark::REUSED_PORTS, Flag::PortNumbersReused),
    ];
    let mut out: Vec<Flag> = SIMPLE
        .iter()
        .filter(|(bit, _)| marks.bits & bit != 0)
        .map(|(_, flag)| *flag)
        .collect();
    if marks.bits & mark::DUPLICATE_ACK != 0 {
        out.push(Flag::DuplicateAck {
            of: marks.dup_of,
            count: marks.dup_count,
        });
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::fixture;

    #[test]
    fn names_and_labels_are_wiresharks() {
        let dup = Flag::DuplicateAck { of: 5, count: 1 };
        assert_eq!(dup.name(), "tcp.analysis.duplicate_ack");
        assert_eq!(dup.short_name(), "duplicate_ack");
        assert_eq!(dup.label(), "[TCP Dup ACK 5#1]");
        assert_eq!(Flag::Retransmission.label(), "[TCP Retransmission]");
        assert_eq!(
            Flag::PreviousSegmentNotCaptured.name(),
            "tcp.analysis.lost_segment"
        );
        assert_eq!(
            Flag::PreviousSegmentNotCaptured.label(),
            "[TCP Previous segment not captured]"
        );
        assert_eq!(Flag::AckedUnseenSegment.short_name(), "ack_lost_segment");
        assert_eq!(Flag::KeepAliveAck.label(), "[TCP Keep-Alive ACK]");
    }

    #[test]
    fn labels_in_info_order() {
        // As Wireshark shows an ACK to a probe into a closed window.
        let mut marks = vec![Flag::ZeroWindow, Flag::ZeroWindowProbeAck];
        marks.sort();
        assert_eq!(
            info_prefix(&marks),
            "[TCP ZeroWindowProbeAck] [TCP ZeroWindow] "
        );
        assert_eq!(short_names(&marks), "zero_window_probe_ack,zero_window");
        assert_eq!(info_prefix(&[]), "");
        assert_eq!(short_names(&[]), "");
    }

    #[test]
    fn the_fixtures_repeated_ack_is_a_duplicate() {
        let flags = analyze(&fixture::trace());
        let expected: Vec<Vec<Flag>> = (1..=7)
            .map(|no| match no {
                6 => vec![Flag::DuplicateAck { of: 3, count: 1 }],
                _ => vec![],
            })
            .collect();
        assert_eq!(flags, expected);
    }

    #[test]
    fn connections_are_analysed_apart() {
        // Two copies of the fixture's connection on different client ports,
        // interleaved frame by frame: each gets the marks it gets alone.
        let alone = fixture::trace().records;
        let mut both = Vec::new();
        for r in &alone {
            let mut other = r.clone();
            if other.src_port == fixture::CPORT {
                other.src_port += 1;
            } else {
                other.dst_port += 1;
            }
            both.push(r.clone());
            both.push(other);
        }
        for (i, r) in both.iter_mut().enumerate() {
            r.no = i + 1;
        }
        let flags = analyze_records(&both);
        assert_eq!(flags[10], vec![Flag::DuplicateAck { of: 5, count: 1 }]);
        assert_eq!(flags[11], vec![Flag::DuplicateAck { of: 6, count: 1 }]);
        assert_eq!(flags.iter().filter(|f| !f.is_empty()).count(), 2);
    }

    #[test]
    fn window_scale_comes_from_the_syns_options() {
        let scenario = crate::scenario::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sim-scenarios/v3.toml"
        )))
        .unwrap();
        let trace = crate::run(scenario);
        // Both SYNs announce Linux's shift of 7 (tcp_select_initial_window
        // sizes it for net.core.rmem_max, 4 MiB), not smoltcp's 2 for 128 KiB.
        assert_eq!(window_scale(&trace.records[0].frame), Some(7));
        assert_eq!(window_scale(&trace.records[1].frame), Some(7));
        assert_eq!(window_scale(&trace.records[2].frame), None);
        assert_eq!(window_scale(&[]), None);
        // V3's only mark: the tail loss probe resends the dropped tail.
        let flags = analyze(&trace);
        assert_eq!(flags[14], vec![Flag::Retransmission]);
        assert_eq!(flags.iter().filter(|f| !f.is_empty()).count(), 1);
    }
}
