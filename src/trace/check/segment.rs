//! One captured TCP segment, as the checker needs it: the header fields, the
//! window scale option of a SYN, and the payload bytes when the capture holds
//! them. Parsed with smoltcp's wire module from Ethernet (with 802.1Q tags),
//! raw IPv4 or Linux cooked captures, so captures from elsewhere work too.
//! Checksums are not verified: captures taken at a sending host often hold
//! frames whose checksum the network card fills in later.

use std::net::Ipv4Addr;

use smoltcp::wire::{EthernetFrame, IpProtocol, Ipv4Packet, TcpPacket};

use crate::wire::flags;

/// How a capture's link layer frames packets (pcap LINKTYPE_ values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// LINKTYPE_ETHERNET (1).
    Ethernet,
    /// LINKTYPE_RAW (101) and LINKTYPE_IPV4 (228): the packet starts with the IP header.
    RawIp,
    /// LINKTYPE_LINUX_SLL (113): a 16-byte pseudo-header ending in the protocol.
    LinuxSll,
    /// LINKTYPE_LINUX_SLL2 (276): a 20-byte pseudo-header starting with the protocol.
    LinuxSll2,
}

/// A TCP segment seen in a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seg {
    /// 1-based packet number in the capture (Wireshark's No.).
    pub frame: usize,
    /// Capture time in microseconds (only compared with other times).
    pub time_us: u64,
    /// Source address.
    pub src: Ipv4Addr,
    /// Source port.
    pub src_port: u16,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Destination port.
    pub dst_port: u16,
    /// Raw sequence number.
    pub seq: u32,
    /// Raw acknowledgment number.
    pub ack: u32,
    /// Flag bits (see [`flags`]).
    pub flags: u8,
    /// The window field as sent (unscaled).
    pub win: u16,
    /// The window scale option's shift, when the segment carries one (SYNs).
    pub wscale: Option<u8>,
    /// TCP payload length, from the IP header (right even for truncated captures).
    pub len: u32,
    /// The payload bytes, when the capture holds all of them.
    pub payload: Option<Vec<u8>>,
    /// Whether the capture host sent it: `Some(true)` sent, `Some(false)`
    /// received, `None` unknown (from the pcapng flags option, or set later).
    pub outbound: Option<bool>,
}

impl Seg {
    /// Whether every flag in `bits` is set.
    pub fn has(&self, bits: u8) -> bool {
        self.flags & bits == bits
    }

    /// Sequence space the segment occupies: payload plus one each for SYN and
    /// FIN (RFC 9293 3.4). A RST occupies none.
    pub fn seq_len(&self) -> u32 {
        if self.has(flags::RST) {
            return 0;
        }
        self.len + u32::from(self.has(flags::SYN)) + u32::from(self.has(flags::FIN))
    }
}

const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const ETHERTYPE_IPV4: u16 = 0x0800;

const ETHERTYPE_IPV6: u16 = 0x86dd;

/// The network packet inside a link-layer frame and its EtherType (for raw
/// IP, from the version nibble).
fn network(link: Link, data: &[u8]) -> Option<(u16, &[u8])> {
    match link {
        Link::RawIp => match data.first()? >> 4 {
            4 => Some((ETHERTYPE_IPV4, data)),
            6 => Some((ETHERTYPE_IPV6, data)),
            _ => None,
        },
        Link::LinuxSll => {
            let proto = u16::from_be_bytes([*data.get(14)?, *data.get(15)?]);
            Some((proto, data.get(16..)?))
        }
        Link::LinuxSll2 => {
            let proto = u16::from_be_bytes([*data.first()?, *data.get(1)?]);
            Some((proto, data.get(20..)?))
        }
        Link::Ethernet => {
            let eth = EthernetFrame::new_checked(data).ok()?;
            let mut ethertype = u16::from(eth.ethertype());
            let mut rest = eth.payload();
            // 802.1Q / 802.1ad tags: 2 bytes of tag control, then the real type.
            while ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ {
                ethertype = u16::from_be_bytes([*rest.get(2)?, *rest.get(3)?]);
                rest = rest.get(4..)?;
            }
            Some((ethertype, rest))
        }
    }
}

/// The IPv4 packet inside a link-layer frame, if it carries one.
fn ip_payload(link: Link, data: &[u8]) -> Option<&[u8]> {
    match network(link, data)? {
        (ETHERTYPE_IPV4, rest) => Some(rest),
        _ => None,
    }
}

/// [`parse`] for `tcpsim check`, which must not pass what it cannot read:
/// Err (what is wrong with the packet) for an IPv6 packet, and for an IPv4
/// packet cut shorter than its total length; Ok(None) for a packet that is
/// not TCP (ARP, UDP, ...), which is skipped and counted.
pub fn parse_strict(
    link: Link,
    data: &[u8],
    frame: usize,
    time_us: u64,
) -> Result<Option<Seg>, String> {
    match network(link, data) {
        Some((ETHERTYPE_IPV6, _)) => {
            return Err("is IPv6; tcpsim check reads IPv4 captures only".to_string());
        }
        Some((ETHERTYPE_IPV4, ip)) if ip.len() >= 4 && ip[0] >> 4 == 4 => {
            let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
            if ip.len() < total {
                return Err(format!(
                    "is cut short: its IPv4 packet is {total} bytes, the capture kept {} (a snap length?); the checker compares whole payloads",
                    ip.len()
                ));
            }
        }
        _ => {}
    }
    Ok(parse(link, data, frame, time_us))
}

/// Parse a captured packet; `None` for anything that is not a whole-header
/// TCP segment over IPv4 (ARP, IPv6, fragments, truncated headers).
pub fn parse(link: Link, data: &[u8], frame: usize, time_us: u64) -> Option<Seg> {
    let ip_bytes = ip_payload(link, data)?;
    if ip_bytes.len() < 20 || ip_bytes[0] >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(ip_bytes[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([ip_bytes[2], ip_bytes[3]]));
    if ihl < 20 || total < ihl || ip_bytes.len() < ihl {
        return None;
    }
    // A capture may cut the packet short (snap length): keep what is there.
    let captured = ip_bytes.len().min(total);
    let ip = Ipv4Packet::new_unchecked(&ip_bytes[..captured]);
    if ip.next_header() != IpProtocol::Tcp || ip.more_frags() || ip.frag_offset() != 0 {
        return None;
    }
    let tcp = TcpPacket::new_checked(&ip_bytes[ihl..captured]).ok()?;
    let header_len = usize::from(tcp.header_len());
    let len = total.checked_sub(ihl + header_len)?;
    let payload = tcp.payload();
    let payload = (payload.len() == len).then(|| payload.to_vec());
    let bits = crate::wire::frame::flag_bits(&tcp);
    let (_, wscale) = crate::wire::frame::handshake_options(&tcp);
    Some(Seg {
        frame,
        time_us,
        src: ip.src_addr(),
        src_port: tcp.src_port(),
        dst: ip.dst_addr(),
        dst_port: tcp.dst_port(),
        seq: tcp.seq_number().0 as u32,
        ack: tcp.ack_number().0 as u32,
        flags: bits,
        win: tcp.window_len(),
        wscale,
        len: len as u32,
        payload,
        outbound: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::frame::{Endpoints, build_rst};

    fn ends() -> Endpoints {
        Endpoints {
            src: Ipv4Addr::new(10, 0, 0, 1),
            src_port: 4000,
            dst: Ipv4Addr::new(10, 0, 0, 2),
            dst_port: 80,
        }
    }

    #[test]
    fn ethernet_raw_ip_and_vlan_frames_parse_alike() {
        let frame = build_rst([2; 6], [4; 6], ends(), 0xffff_fff0, Some(9));
        let seg = parse(Link::Ethernet, &frame, 3, 7).unwrap();
        assert_eq!((seg.frame, seg.time_us), (3, 7));
        assert_eq!((seg.src_port, seg.dst_port), (4000, 80));
        assert_eq!((seg.seq, seg.ack), (0xffff_fff0, 9));
        assert_eq!(seg.flags, flags::RST | flags::ACK);
        assert_eq!((seg.len, seg.payload.as_deref()), (0, Some(&[][..])));
        assert_eq!(seg.seq_len(), 0);
        let raw = parse(Link::RawIp, &frame[14..], 3, 7).unwrap();
        assert_eq!(raw, seg);
        let mut tagged = frame[..12].to_vec();
        tagged.extend_from_slice(&[0x81, 0x00, 0x00, 0x05]);
        tagged.extend_from_slice(&frame[12..]);
        assert_eq!(parse(Link::Ethernet, &tagged, 3, 7).unwrap(), seg);
    }

    #[test]
    fn a_truncated_capture_keeps_the_length_but_not_the_bytes() {
        let frame = build_rst([2; 6], [4; 6], ends(), 1, None);
        let mut ip = frame[14..].to_vec();
        // Claim 10 payload bytes the capture did not keep.
        let total = u16::from_be_bytes([ip[2], ip[3]]) + 10;
        ip[2..4].copy_from_slice(&total.to_be_bytes());
        let seg = parse(Link::RawIp, &ip, 1, 0).unwrap();
        assert_eq!(seg.len, 10);
        assert_eq!(seg.payload, None);
    }

    #[test]
    fn not_tcp_is_none() {
        assert_eq!(parse(Link::Ethernet, &[0u8; 10], 1, 0), None);
        let frame = build_rst([2; 6], [4; 6], ends(), 1, None);
        let mut arp = frame.clone();
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        assert_eq!(parse(Link::Ethernet, &arp, 1, 0), None);
        assert_eq!(parse(Link::LinuxSll, &frame, 1, 0), None);
    }
}
