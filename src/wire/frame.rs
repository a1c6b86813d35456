//! Reading and writing Ethernet/IPv4/TCP frames with smoltcp's wire module.
//!
//! The socket layer looks at every frame a host sends or receives, and writes
//! the RST segments smoltcp would not send (RFC 2525 2.17, RFC 1122 4.2.2.13).

use std::net::Ipv4Addr;

use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    EthernetAddress, EthernetFrame, EthernetProtocol, EthernetRepr, IpAddress, IpProtocol,
    Ipv4Packet, Ipv4Repr, TcpControl, TcpOption, TcpPacket, TcpRepr, TcpSeqNumber,
};

use crate::wire::flags;

/// Ethernet (14) + IPv4 (20) + TCP (20) without options.
pub const MIN_TCP_FRAME: usize = 54;

/// The four numbers that name a TCP connection, from one side's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Endpoints {
    /// Source address.
    pub src: Ipv4Addr,
    /// Source port.
    pub src_port: u16,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Destination port.
    pub dst_port: u16,
}

impl Endpoints {
    /// The same connection seen from the other side.
    pub fn reversed(self) -> Endpoints {
        Endpoints {
            src: self.dst,
            src_port: self.dst_port,
            dst: self.src,
            dst_port: self.src_port,
        }
    }
}

/// The header fields of one TCP segment, as the trace and the socket layer need them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Who talks to whom.
    pub ends: Endpoints,
    /// Raw sequence number.
    pub seq: u32,
    /// Raw acknowledgment number (meaningful only with ACK set).
    pub ack: u32,
    /// Flag bits (see [`crate::wire::flags`]).
    pub flags: u8,
    /// The window field as sent (unscaled).
    pub win: u16,
    /// TCP payload bytes.
    pub payload_len: u32,
    /// Whole Ethernet frame in bytes.
    pub frame_len: u32,
    /// MSS option, when present (SYN segments).
    pub mss: Option<u16>,
    /// The window-scale option's shift, on a SYN (RFC 7323 2.2).
    pub wscale: Option<u8>,
}

impl Segment {
    /// Whether every flag in `bits` is set.
    pub fn has(&self, bits: u8) -> bool {
        self.flags & bits == bits
    }
    /// Sequence space the segment occupies: payload plus one each for SYN and FIN.
    pub fn seq_len(&self) -> u32 {
        self.payload_len + u32::from(self.has(flags::SYN)) + u32::from(self.has(flags::FIN))
    }
    /// A segment with only ACK set and no payload.
    pub fn is_pure_ack(&self) -> bool {
        self.payload_len == 0
            && self.flags & !(flags::PSH | flags::ACK) == 0
            && self.has(flags::ACK)
    }
}

/// Parse a frame; `None` for anything that is not TCP over IPv4 (ARP, say).
pub fn parse(frame: &[u8]) -> Option<Segment> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    if eth.ethertype() != EthernetProtocol::Ipv4 {
        return None;
    }
    let ip = Ipv4Packet::new_checked(eth.payload()).ok()?;
    if ip.next_header() != IpProtocol::Tcp {
        return None;
    }
    let tcp = TcpPacket::new_checked(ip.payload()).ok()?;
    let bits = flag_bits(&tcp);
    let (mss, wscale) = handshake_options(&tcp);
    Some(Segment {
        ends: Endpoints {
            src: ip.src_addr(),
            src_port: tcp.src_port(),
            dst: ip.dst_addr(),
            dst_port: tcp.dst_port(),
        },
        seq: tcp.seq_number().0 as u32,
        ack: tcp.ack_number().0 as u32,
        flags: bits,
        win: tcp.window_len(),
        payload_len: tcp.payload().len() as u32,
        frame_len: frame.len() as u32,
        mss,
        wscale,
    })
}

/// Bytes of a frame up to the end of its TCP header (the whole frame when it is
/// not TCP over IPv4): what a capture keeps when payload is not wanted.
pub fn header_len(frame: &[u8]) -> usize {
    let Ok(eth) = EthernetFrame::new_checked(frame) else {
        return frame.len();
    };
    let Ok(ip) = Ipv4Packet::new_checked(eth.payload()) else {
        return frame.len();
    };
    let Ok(tcp) = TcpPacket::new_checked(ip.payload()) else {
        return frame.len();
    };
    let len = 14 + usize::from(ip.header_len()) + usize::from(tcp.header_len());
    len.min(frame.len())
}

/// The flag bits of a TCP header, as [`flags`] numbers them.
pub fn flag_bits(tcp: &TcpPacket<&[u8]>) -> u8 {
    [
        (tcp.fin(), flags::FIN),
        (tcp.syn(), flags::SYN),
        (tcp.rst(), flags::RST),
        (tcp.psh(), flags::PSH),
        (tcp.ack(), flags::ACK),
        (tcp.urg(), flags::URG),
        (tcp.ece(), flags::ECE),
        (tcp.cwr(), flags::CWR),
    ]
    .into_iter()
    .filter(|(set, _)| *set)
    .fold(0, |bits, (_, bit)| bits | bit)
}

/// The options a SYN negotiates: MSS and window-scale shift (RFC 9293 3.7.1,
/// RFC 7323 2.2), when present.
pub fn handshake_options(tcp: &TcpPacket<&[u8]>) -> (Option<u16>, Option<u8>) {
    let (mut mss, mut wscale) = (None, None);
    let mut options = tcp.options();
    while !options.is_empty() {
        match TcpOption::parse(options) {
            Ok((rest, TcpOption::MaxSegmentSize(value))) => {
                mss = Some(value);
                options = rest;
            }
            Ok((rest, TcpOption::WindowScale(shift))) => {
                wscale = Some(shift);
                options = rest;
            }
            Ok((_, TcpOption::EndOfList)) | Err(_) => break,
            Ok((rest, _)) => options = rest,
        }
    }
    (mss, wscale)
}

/// MAC addresses of a frame: (source, destination).
pub fn macs(frame: &[u8]) -> Option<([u8; 6], [u8; 6])> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    Some((eth.src_addr().0, eth.dst_addr().0))
}

/// Build a bare RST segment (no options, as Linux's tcp_v4_send_reset writes it).
/// With `ack` set the segment carries RST,ACK.
pub fn build_rst(
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    ends: Endpoints,
    seq: u32,
    ack: Option<u32>,
) -> Vec<u8> {
    let tcp = TcpRepr {
        src_port: ends.src_port,
        dst_port: ends.dst_port,
        control: TcpControl::Rst,
        seq_number: TcpSeqNumber(seq as i32),
        ack_number: ack.map(|a| TcpSeqNumber(a as i32)),
        window_len: 0,
        window_scale: None,
        max_seg_size: None,
        sack_permitted: false,
        sack_ranges: [None, None, None],
        timestamp: None,
        payload: &[],
    };
    let ip = Ipv4Repr {
        src_addr: ends.src,
        dst_addr: ends.dst,
        next_header: IpProtocol::Tcp,
        payload_len: tcp.buffer_len(),
        hop_limit: 64,
    };
    let eth = EthernetRepr {
        src_addr: EthernetAddress(src_mac),
        dst_addr: EthernetAddress(dst_mac),
        ethertype: EthernetProtocol::Ipv4,
    };
    let mut buf = vec![0u8; eth.buffer_len() + ip.buffer_len() + tcp.buffer_len()];
    let caps = ChecksumCapabilities::default();
    let mut frame = EthernetFrame::new_unchecked(&mut buf[..]);
    eth.emit(&mut frame);
    let mut packet = Ipv4Packet::new_unchecked(frame.payload_mut());
    ip.emit(&mut packet, &caps);
    let mut segment = TcpPacket::new_unchecked(packet.payload_mut());
    tcp.emit(
        &mut segment,
        &IpAddress::Ipv4(ends.src),
        &IpAddress::Ipv4(ends.dst),
        &caps,
    );
    buf
}

/// Changes the socket layer makes to a segment smoltcp wrote or is about to
/// read, where smoltcp 0.14 differs from Linux (see `crate::linux`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Edit {
    /// A new sequence number.
    pub seq: Option<u32>,
    /// A new acknowledgment number.
    pub ack: Option<u32>,
    /// A new (raw, unscaled) window field.
    pub win: Option<u16>,
    /// Keep only these payload bytes (offsets into the payload); the sequence
    /// number moves up by the bytes cut from the front.
    pub payload: Option<(u32, u32)>,
    /// Clear the FIN flag.
    pub clear_fin: bool,
    /// New TSval and TSecr, when the segment has the timestamps option.
    pub ts: Option<(u32, u32)>,
}

/// A copy of a TCP frame with `edit` applied and fresh IPv4 and TCP checksums;
/// the frame unchanged when it is not TCP over IPv4.
pub fn edited(frame: &[u8], edit: Edit) -> Vec<u8> {
    let Some(seg) = parse(frame) else {
        return frame.to_vec();
    };
    let mut seq = edit.seq.unwrap_or(seg.seq);
    let mut copy = match edit.payload {
        Some((from, to)) if (from, to) != (0, seg.payload_len) => {
            let from = from.min(seg.payload_len);
            let to = to.clamp(from, seg.payload_len);
            let start = frame.len() - seg.payload_len as usize;
            seq = seq.wrapping_add(from);
            let mut copy = frame[..start].to_vec();
            copy.extend_from_slice(&frame[start + from as usize..start + to as usize]);
            let mut eth = EthernetFrame::new_unchecked(&mut copy[..]);
            let mut ip = Ipv4Packet::new_unchecked(eth.payload_mut());
            let cut = (seg.payload_len - (to - from)) as u16;
            ip.set_total_len(ip.total_len() - cut);
            ip.fill_checksum();
            copy
        }
        _ => frame.to_vec(),
    };
    let mut eth = EthernetFrame::new_unchecked(&mut copy[..]);
    let mut ip = Ipv4Packet::new_unchecked(eth.payload_mut());
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    let mut tcp = TcpPacket::new_unchecked(ip.payload_mut());
    tcp.set_seq_number(TcpSeqNumber(seq as i32));
    if let Some(ack) = edit.ack {
        tcp.set_ack_number(TcpSeqNumber(ack as i32));
    }
    if let Some(win) = edit.win {
        tcp.set_window_len(win);
    }
    if edit.clear_fin {
        tcp.set_fin(false);
    }
    if let Some((val, ecr)) = edit.ts {
        crate::wire::options::set_timestamps(&mut copy, val, ecr);
        let mut eth = EthernetFrame::new_unchecked(&mut copy[..]);
        let mut ip = Ipv4Packet::new_unchecked(eth.payload_mut());
        let mut tcp = TcpPacket::new_unchecked(ip.payload_mut());
        tcp.fill_checksum(&IpAddress::Ipv4(src), &IpAddress::Ipv4(dst));
        return copy;
    }
    tcp.fill_checksum(&IpAddress::Ipv4(src), &IpAddress::Ipv4(dst));
    copy
}

/// A segment built from its parts, options in Linux's layout, checksums
/// filled: what a host sends that no socket wrote (a zero-window probe), and
/// what a script injects.
pub struct SegmentSpec<'a> {
    /// Ethernet source.
    pub src_mac: [u8; 6],
    /// Ethernet destination.
    pub dst_mac: [u8; 6],
    /// Addresses and ports, source to destination.
    pub ends: Endpoints,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number (sent only with the ACK flag).
    pub ack: u32,
    /// TCP flag bits (`crate::wire::flags`).
    pub flags: u8,
    /// The raw window field.
    pub win: u16,
    /// TCP options, written in Linux's layout.
    pub options: crate::wire::options::TcpOptions,
    /// Payload bytes.
    pub payload: &'a [u8],
}

/// Build the frame `spec` describes.
pub fn build_segment(spec: &SegmentSpec<'_>) -> Vec<u8> {
    let opts = crate::wire::options::linux_layout(&spec.options);
    let tcp_len = 20 + opts.len() + spec.payload.len();
    let total = 14 + 20 + tcp_len;
    let mut buf = vec![0u8; total];
    buf[0..6].copy_from_slice(&spec.dst_mac);
    buf[6..12].copy_from_slice(&spec.src_mac);
    buf[12..14].copy_from_slice(&[0x08, 0x00]);
    {
        let mut ip = Ipv4Packet::new_unchecked(&mut buf[14..]);
        ip.set_version(4);
        ip.set_header_len(20);
        ip.set_dscp(0);
        ip.set_ecn(0);
        ip.set_total_len((20 + tcp_len) as u16);
        ip.set_ident(0);
        ip.clear_flags();
        ip.set_dont_frag(true);
        ip.set_frag_offset(0);
        ip.set_hop_limit(64);
        ip.set_next_header(smoltcp::wire::IpProtocol::Tcp);
        ip.set_src_addr(spec.ends.src);
        ip.set_dst_addr(spec.ends.dst);
        ip.fill_checksum();
    }
    let tcp_start = 34;
    buf[tcp_start + 20..tcp_start + 20 + opts.len()].copy_from_slice(&opts);
    buf[tcp_start + 20 + opts.len()..].copy_from_slice(spec.payload);
    let mut tcp = TcpPacket::new_unchecked(&mut buf[tcp_start..]);
    tcp.set_src_port(spec.ends.src_port);
    tcp.set_dst_port(spec.ends.dst_port);
    tcp.set_seq_number(smoltcp::wire::TcpSeqNumber(spec.seq as i32));
    tcp.set_ack_number(smoltcp::wire::TcpSeqNumber(spec.ack as i32));
    tcp.set_header_len((20 + opts.len()) as u8);
    tcp.clear_flags();
    let f = spec.flags;
    use crate::wire::flags as fl;
    tcp.set_fin(f & fl::FIN != 0);
    tcp.set_syn(f & fl::SYN != 0);
    tcp.set_rst(f & fl::RST != 0);
    tcp.set_psh(f & fl::PSH != 0);
    tcp.set_ack(f & fl::ACK != 0);
    tcp.set_urg(f & fl::URG != 0);
    tcp.set_ece(f & fl::ECE != 0);
    tcp.set_cwr(f & fl::CWR != 0);
    tcp.set_window_len(spec.win);
    tcp.set_urgent_at(0);
    tcp.fill_checksum(
        &IpAddress::Ipv4(spec.ends.src),
        &IpAddress::Ipv4(spec.ends.dst),
    );
    buf
}

/// A data segment from 10.0.0.1:40000 to 10.0.0.2:80 with ACK 5 and window
/// 100, for tests.
#[cfg(test)]
pub(crate) fn data_frame(seq: u32, payload: &[u8], fin: bool) -> Vec<u8> {
    let ends = Endpoints {
        src: Ipv4Addr::new(10, 0, 0, 1),
        src_port: 40000,
        dst: Ipv4Addr::new(10, 0, 0, 2),
        dst_port: 80,
    };
    let mut frame = build_rst([2; 6], [4; 6], ends, seq, Some(5));
    frame.extend_from_slice(payload);
    let mut eth = EthernetFrame::new_unchecked(&mut frame[..]);
    let mut ip = Ipv4Packet::new_unchecked(eth.payload_mut());
    ip.set_total_len(ip.total_len() + payload.len() as u16);
    ip.fill_checksum();
    let mut tcp = TcpPacket::new_unchecked(ip.payload_mut());
    tcp.set_rst(false);
    tcp.set_fin(fin);
    tcp.set_window_len(100);
    tcp.fill_checksum(&IpAddress::Ipv4(ends.src), &IpAddress::Ipv4(ends.dst));
    frame
}

#[cfg(test)]
mod tests {
    use crate::wire::options::tests::opts;
    use crate::wire::options::{parse_options, set_timestamps, with_options};

    #[test]
    fn a_built_segment_parses_back_to_its_spec() {
        use crate::wire::flags;
        let ends = super::Endpoints {
            src: std::net::Ipv4Addr::new(192, 0, 2, 1),
            src_port: 8080,
            dst: std::net::Ipv4Addr::new(192, 168, 0, 1),
            dst_port: 33000,
        };
        let spec = super::SegmentSpec {
            src_mac: [1; 6],
            dst_mac: [2; 6],
            ends,
            seq: 1001,
            ack: 7,
            flags: flags::ACK | flags::PSH,
            win: 257,
            options: opts(false, false, false, true, 1),
            payload: b"abc",
        };
        let frame = super::build_segment(&spec);
        let seg = super::parse(&frame).expect("TCP");
        assert_eq!(
            (seg.seq, seg.ack, seg.win, seg.payload_len),
            (1001, 7, 257, 3)
        );
        assert_eq!(seg.flags, flags::ACK | flags::PSH);
        assert_eq!(parse_options(&frame), Some(spec.options.clone()));
        let mut copy = frame.clone();
        assert!(set_timestamps(&mut copy, 9, 10));
        assert_eq!(parse_options(&copy).and_then(|o| o.ts), Some((9, 10)));
    }

    #[test]
    fn options_come_in_header_order() {
        use crate::wire::options::{TcpOption, options_in_order};
        let plain = super::data_frame(1, b"x", false);
        let frame = with_options(&plain, &opts(true, true, true, true, 0)).expect("fits");
        assert_eq!(
            options_in_order(&frame).unwrap(),
            [
                TcpOption::Mss(1460),
                TcpOption::SackPermitted,
                TcpOption::Timestamps(0x0102_0304, 0x0506_0708),
                TcpOption::WindowScale(7),
            ]
        );
        assert_eq!(options_in_order(&plain).unwrap(), []);
    }

    #[test]
    fn options_written_read_back_equal() {
        let frame = super::data_frame(1000, b"hello", false);
        for case in [
            opts(true, true, true, true, 0),
            opts(false, false, false, true, 3),
            opts(false, false, false, false, 4),
            opts(true, false, true, false, 0),
        ] {
            let out = with_options(&frame, &case).expect("fits");
            assert_eq!(parse_options(&out), Some(case.clone()));
            let seg = super::parse(&out).expect("still TCP");
            assert_eq!(seg.payload_len, 5);
            assert_eq!(seg.seq, 1000);
        }
    }

    use super::*;

    #[test]
    fn rst_round_trips_through_parse() {
        let ends = Endpoints {
            src: Ipv4Addr::new(192, 168, 1, 13),
            src_port: 52176,
            dst: Ipv4Addr::new(192, 168, 1, 21),
            dst_port: 12345,
        };
        let frame = build_rst(
            [2, 0, 0, 0, 0, 1],
            [2, 0, 0, 0, 0, 2],
            ends,
            0xffff_fff0,
            None,
        );
        assert_eq!(frame.len(), MIN_TCP_FRAME);
        let seg = parse(&frame).unwrap();
        assert_eq!(seg.ends, ends);
        assert_eq!(seg.seq, 0xffff_fff0);
        assert_eq!(seg.flags, flags::RST);
        assert_eq!(seg.payload_len, 0);
        let with_ack = parse(&build_rst([2; 6], [4; 6], ends, 7, Some(9))).unwrap();
        assert_eq!(with_ack.flags, flags::RST | flags::ACK);
        assert_eq!(with_ack.ack, 9);
    }

    fn checksums_good(frame: &[u8]) -> bool {
        let eth = EthernetFrame::new_checked(frame).unwrap();
        let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
        let tcp = TcpPacket::new_checked(ip.payload()).unwrap();
        ip.verify_checksum()
            && tcp.verify_checksum(
                &IpAddress::Ipv4(ip.src_addr()),
                &IpAddress::Ipv4(ip.dst_addr()),
            )
    }

    #[test]
    fn edits_cut_payload_move_seq_and_keep_checksums_valid() {
        let frame = data_frame(1000, b"abcdefghij", true);
        assert!(checksums_good(&frame));
        let head = edited(
            &frame,
            Edit {
                payload: Some((0, 4)),
                clear_fin: true,
                ..Edit::default()
            },
        );
        let seg = parse(&head).unwrap();
        assert_eq!(
            (seg.seq, seg.payload_len, seg.has(flags::FIN)),
            (1000, 4, false)
        );
        assert!(head.ends_with(b"abcd") && checksums_good(&head));
        let tail = edited(
            &frame,
            Edit {
                payload: Some((4, 10)),
                ack: Some(77),
                win: Some(3),
                ..Edit::default()
            },
        );
        let seg = parse(&tail).unwrap();
        assert_eq!((seg.seq, seg.ack, seg.win), (1004, 77, 3));
        assert_eq!((seg.payload_len, seg.has(flags::FIN)), (6, true));
        assert!(tail.ends_with(b"efghij") && checksums_good(&tail));
        let raised = edited(
            &frame,
            Edit {
                seq: Some(7),
                ..Edit::default()
            },
        );
        assert_eq!(parse(&raised).unwrap().seq, 7);
        assert!(checksums_good(&raised));
    }
}
