//! Wireshark's packet-list columns for a TCP segment, as `tshark -r` prints
//! them: the Time column relative to the first frame, and the Info column
//! with the window as the receiver reads it (scaled by the shift its sender
//! announced in the handshake, RFC 7323 2.3) and the options in header order
//! (`MSS=1460 WS=4 SACK_PERM TSval=… TSecr=…`, `SLE=… SRE=…` with relative
//! SACK edges). `tests/tshark_table.rs` checks every row against tshark's own.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::Ipv4Addr;

use crate::trace::{Record, Trace, flags};
use crate::wire::options::{TcpOption, options_in_order};

/// One end of a connection.
type End = (Ipv4Addr, u16);

/// What the handshake of one connection announced: each SYN's shift, keyed
/// by the end that sent it.
#[derive(Default)]
struct Handshake {
    syn: Option<(End, Option<u8>)>,
    syn_ack: Option<(End, Option<u8>)>,
}

impl Handshake {
    /// The shift that applies to the window `from` sends: known once both
    /// SYNs were seen; 0 for both ends when either did not offer scaling
    /// (RFC 7323 2.2); `None` (the raw field) before that.
    fn shift(&self, from: End) -> Option<u8> {
        let (a, a_shift) = self.syn?;
        let (_, b_shift) = self.syn_ack?;
        match (a_shift, b_shift) {
            (Some(x), Some(y)) => Some(if from == a { x } else { y }),
            _ => Some(0),
        }
    }
}

/// The window-scale shift of every record's window field, in record order,
/// as Wireshark works it out going through the capture: SYNs are never
/// scaled, and a segment before both SYNs were seen is shown raw.
pub(crate) fn window_shifts(trace: &Trace) -> Vec<Option<u8>> {
    let mut conns: BTreeMap<(End, End), Handshake> = BTreeMap::new();
    trace
        .records
        .iter()
        .map(|r| {
            let from = (r.src, r.src_port);
            let to = (r.dst, r.dst_port);
            let key = if from < to { (from, to) } else { (to, from) };
            let hs = conns.entry(key).or_default();
            if r.flags & flags::SYN == 0 {
                return hs.shift(from);
            }
            let shift = options_in_order(&r.frame)
                .unwrap_or_default()
                .iter()
                .find_map(|o| match o {
                    TcpOption::WindowScale(s) => Some(*s),
                    _ => None,
                });
            if r.flags & flags::ACK == 0 {
                // A new SYN starts the handshake again (a reused port pair).
                *hs = Handshake {
                    syn: Some((from, shift)),
                    syn_ack: None,
                };
            } else {
                hs.syn_ack = Some((from, shift));
            }
            None
        })
        .collect()
}

/// Wireshark's text for the options, each preceded by a space; SACK edges
/// are made relative with the ACK field's offset (both count the peer's
/// sequence space). Wireshark caps the shift at 14 (RFC 7323 2.3).
/// Written into `out`: one string per row, not one per option.
fn options_text(out: &mut String, record: &Record) {
    let base = record.raw_ack.wrapping_sub(record.ack);
    for option in options_in_order(&record.frame).unwrap_or_default() {
        // Writing to a String cannot fail.
        let _ = match option {
            TcpOption::Mss(mss) => write!(out, " MSS={mss}"),
            TcpOption::WindowScale(s) => write!(out, " WS={}", 1u32 << s.min(14)),
            TcpOption::SackPermitted => out.write_str(" SACK_PERM"),
            TcpOption::Timestamps(val, ecr) => write!(out, " TSval={val} TSecr={ecr}"),
            TcpOption::Sack(blocks) => blocks.iter().try_for_each(|(left, right)| {
                write!(
                    out,
                    " SLE={} SRE={}",
                    left.wrapping_sub(base),
                    right.wrapping_sub(base)
                )
            }),
        };
    }
}

/// Wireshark's Info column for a TCP segment, without any annotation:
/// `52060 → 12345 [PSH, ACK] Seq=1 Ack=1 Win=131072 Len=9 TSval=… TSecr=…`;
/// `shift` scales the window (see [`window_shifts`]).
pub(crate) fn info(record: &Record, shift: Option<u8>) -> String {
    let mut text = String::with_capacity(96);
    // Writing to a String cannot fail.
    let _ = write!(text, "{} → {} [", record.src_port, record.dst_port);
    let mut names = flags::NAMES
        .iter()
        .filter(|(bit, _)| record.flags & bit != 0)
        .map(|(_, name)| *name)
        .peekable();
    if names.peek().is_none() {
        text.push_str("<None>");
    }
    for (k, name) in names.enumerate() {
        if k > 0 {
            text.push_str(", ");
        }
        text.push_str(name);
    }
    let _ = write!(text, "] Seq={}", record.seq);
    if record.flags & flags::ACK != 0 {
        let _ = write!(text, " Ack={}", record.ack);
    }
    let win = u64::from(record.win) << shift.unwrap_or(0).min(14);
    let _ = write!(text, " Win={win} Len={}", record.len);
    options_text(&mut text, record);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::fixture;

    #[test]
    fn info_matches_wireshark() {
        let t = fixture::trace();
        let r = &t.records;
        assert_eq!(
            info(&r[0], None),
            "52060 → 12345 [SYN] Seq=0 Win=64240 Len=0"
        );
        assert_eq!(
            info(&r[1], None),
            "12345 → 52060 [SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0"
        );
        assert_eq!(
            info(&r[2], Some(7)),
            "52060 → 12345 [ACK] Seq=1 Ack=1 Win=64256 Len=0"
        );
        assert_eq!(
            info(&r[6], Some(7)),
            "52060 → 12345 [RST] Seq=10 Win=0 Len=0"
        );
    }

    #[test]
    fn info_flag_order_and_no_flags() {
        let mut r = fixture::trace().records[0].clone();
        r.flags = flags::CWR | flags::ACK | flags::FIN | flags::ECE;
        r.ack = 7;
        assert_eq!(
            info(&r, None),
            "52060 → 12345 [FIN, ACK, ECE, CWR] Seq=0 Ack=7 Win=64240 Len=0"
        );
        r.flags = 0;
        assert_eq!(
            info(&r, None),
            "52060 → 12345 [<None>] Seq=0 Win=64240 Len=0"
        );
    }

    #[test]
    fn windows_scale_only_after_both_syns_offered_a_shift() {
        let t = fixture::trace();
        // The fixture's frames carry no options: both shifts are 0 once the
        // handshake is seen, and the SYNs themselves are never scaled.
        assert_eq!(
            window_shifts(&t),
            [None, None, Some(0), Some(0), Some(0), Some(0), Some(0)]
        );
        let hs = Handshake {
            syn: Some(((Ipv4Addr::LOCALHOST, 1), Some(2))),
            syn_ack: Some(((Ipv4Addr::LOCALHOST, 2), Some(7))),
        };
        assert_eq!(hs.shift((Ipv4Addr::LOCALHOST, 1)), Some(2));
        assert_eq!(hs.shift((Ipv4Addr::LOCALHOST, 2)), Some(7));
        let half = Handshake {
            syn_ack: Some(((Ipv4Addr::LOCALHOST, 2), None)),
            ..hs
        };
        assert_eq!(half.shift((Ipv4Addr::LOCALHOST, 1)), Some(0));
        let unseen = Handshake::default();
        assert_eq!(unseen.shift((Ipv4Addr::LOCALHOST, 1)), None);
    }
}
