//! TCP options: read from a frame, and written back in the layout Linux uses
//! (tcp_options_write), so a segment's option bytes are the ones a Linux host
//! would put on the wire.
//!
//! smoltcp writes its options in its own order and pads with End-of-List
//! (`MSS, WS, SACK_PERM, TS, EOL`); Linux writes `MSS, SACK_PERM+TS` (or
//! `NOP, NOP, TS`), `NOP, WS`, and `NOP, NOP, SACK` blocks. The lengths agree,
//! so only the bytes (and what Wireshark or packetdrill read from them) differ.

use smoltcp::wire::{EthernetFrame, IpAddress, Ipv4Packet, TcpPacket};

/// The TCP options this project reads and writes (RFC 9293 3.2, RFC 7323,
/// RFC 2018).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TcpOptions {
    /// Maximum segment size (SYNs only).
    pub mss: Option<u16>,
    /// Window-scale shift (SYNs only).
    pub wscale: Option<u8>,
    /// SACK permitted (SYNs only).
    pub sack_permitted: bool,
    /// Timestamps: TSval, TSecr.
    pub ts: Option<(u32, u32)>,
    /// SACK blocks, left and right edges, in the order they appear.
    pub sack: Vec<(u32, u32)>,
}

const EOL: u8 = 0;
const NOP: u8 = 1;
const MSS: u8 = 2;
const WS: u8 = 3;
const SACK_PERM: u8 = 4;
const SACK: u8 = 5;
const TS: u8 = 8;

/// Where the TCP header's options lie in `frame`: (start, end) byte offsets.
/// Only the headers need be there: a capture that kept headers alone (the
/// trace's records) has its options read as well as a whole frame.
fn option_span(frame: &[u8]) -> Option<(usize, usize)> {
    let eth = EthernetFrame::new_checked(frame).ok()?;
    if eth.ethertype() != smoltcp::wire::EthernetProtocol::Ipv4 {
        return None;
    }
    let ip = frame.get(14..)?;
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    if ip.first()? >> 4 != 4 || ihl < 20 || *ip.get(9)? != 6 {
        return None;
    }
    let tcp_len = usize::from(ip.get(ihl + 12)? >> 4) * 4;
    let start = 14 + ihl + 20;
    let end = 14 + ihl + tcp_len;
    (end <= frame.len() && start <= end).then_some((start, end))
}

/// The options of a TCP frame; `None` when it is not TCP over IPv4. Options
/// this project does not know are skipped; a malformed list ends the walk.
pub fn parse_options(frame: &[u8]) -> Option<TcpOptions> {
    let (start, end) = option_span(frame)?;
    let bytes = &frame[start..end];
    let mut opts = TcpOptions::default();
    let mut i = 0;
    while i < bytes.len() {
        let kind = bytes[i];
        if kind == EOL {
            break;
        }
        if kind == NOP {
            i += 1;
            continue;
        }
        let Some(&len) = bytes.get(i + 1) else { break };
        let len = usize::from(len);
        if len < 2 || i + len > bytes.len() {
            break;
        }
        let body = &bytes[i + 2..i + len];
        match (kind, len) {
            (MSS, 4) => opts.mss = Some(u16::from_be_bytes([body[0], body[1]])),
            (WS, 3) => opts.wscale = Some(body[0]),
            (SACK_PERM, 2) => opts.sack_permitted = true,
            (TS, 10) => opts.ts = Some((be32(&body[0..4]), be32(&body[4..8]))),
            (SACK, _) if (len - 2) % 8 == 0 => {
                opts.sack = body
                    .chunks_exact(8)
                    .map(|b| (be32(&b[0..4]), be32(&b[4..8])))
                    .collect();
            }
            _ => {}
        }
        i += len;
    }
    Some(opts)
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The option bytes Linux writes for `opts` (tcp_options_write), padded to a
/// multiple of four.
pub fn linux_layout(opts: &TcpOptions) -> Vec<u8> {
    let mut out = Vec::with_capacity(40);
    if let Some(mss) = opts.mss {
        out.extend_from_slice(&[MSS, 4]);
        out.extend_from_slice(&mss.to_be_bytes());
    }
    match (opts.ts, opts.sack_permitted) {
        (Some((val, ecr)), true) => {
            out.extend_from_slice(&[SACK_PERM, 2, TS, 10]);
            out.extend_from_slice(&val.to_be_bytes());
            out.extend_from_slice(&ecr.to_be_bytes());
        }
        (Some((val, ecr)), false) => {
            out.extend_from_slice(&[NOP, NOP, TS, 10]);
            out.extend_from_slice(&val.to_be_bytes());
            out.extend_from_slice(&ecr.to_be_bytes());
        }
        (None, true) => out.extend_from_slice(&[NOP, NOP, SACK_PERM, 2]),
        (None, false) => {}
    }
    if let Some(shift) = opts.wscale {
        out.extend_from_slice(&[NOP, WS, 3, shift]);
    }
    if !opts.sack.is_empty() {
        out.extend_from_slice(&[NOP, NOP, SACK, 2 + 8 * opts.sack.len() as u8]);
        for (left, right) in &opts.sack {
            out.extend_from_slice(&left.to_be_bytes());
            out.extend_from_slice(&right.to_be_bytes());
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push(NOP);
    }
    out
}

/// How many SACK blocks fit beside the other options (40 option bytes at most):
/// 4 without timestamps, 3 with (RFC 2018 3).
pub fn sack_room(with_timestamps: bool) -> usize {
    if with_timestamps { 3 } else { 4 }
}

/// A copy of `frame` whose TCP options are `opts` in Linux's layout, with the
/// IPv4 length, data offset and both checksums fixed; `None` when `frame` is
/// not TCP over IPv4 or the options would not fit.
pub fn with_options(frame: &[u8], opts: &TcpOptions) -> Option<Vec<u8>> {
    with_option_bytes(frame, &linux_layout(opts))
}

/// A copy of `frame` whose TCP option bytes are `new` (a multiple of four
/// bytes, at most 40), with the IPv4 length, data offset and both checksums
/// fixed; `None` when `frame` is not TCP over IPv4 or `new` does not fit.
pub fn with_option_bytes(frame: &[u8], new: &[u8]) -> Option<Vec<u8>> {
    let (start, end) = option_span(frame)?;
    if new.len() > 40 || !new.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(frame.len() - (end - start) + new.len());
    out.extend_from_slice(&frame[..start]);
    out.extend_from_slice(new);
    out.extend_from_slice(&frame[end..]);
    let mut eth = EthernetFrame::new_unchecked(&mut out[..]);
    let mut ip = Ipv4Packet::new_unchecked(eth.payload_mut());
    let grown = new.len() as i32 - (end - start) as i32;
    ip.set_total_len((i32::from(ip.total_len()) + grown) as u16);
    ip.fill_checksum();
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    let mut tcp = TcpPacket::new_unchecked(ip.payload_mut());
    tcp.set_header_len((20 + new.len()) as u8);
    tcp.fill_checksum(&IpAddress::Ipv4(src), &IpAddress::Ipv4(dst));
    Some(out)
}

/// The TCP options of `frame` as they lie on the wire: (kind, the bytes
/// after kind and length), NOP and EOL included (the walk ends after an
/// EOL or at a malformed option); `None` when it is not TCP over IPv4.
pub fn raw_options(frame: &[u8]) -> Option<Vec<(u8, Vec<u8>)>> {
    let (start, end) = option_span(frame)?;
    let bytes = &frame[start..end];
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let kind = bytes[i];
        if kind == EOL || kind == NOP {
            out.push((kind, Vec::new()));
            i += 1;
            if kind == EOL {
                break;
            }
            continue;
        }
        let Some(&len) = bytes.get(i + 1) else { break };
        let len = usize::from(len);
        if len < 2 || i + len > bytes.len() {
            break;
        }
        out.push((kind, bytes[i + 2..i + len].to_vec()));
        i += len;
    }
    Some(out)
}

/// Overwrite the timestamps option's values in place (the frame's length
/// and layout do not change); false when the frame has no such option.
/// The TCP checksum must be filled afterwards.
pub fn set_timestamps(frame: &mut [u8], val: u32, ecr: u32) -> bool {
    let Some((start, end)) = option_span(frame) else {
        return false;
    };
    let mut i = start;
    while i < end {
        match frame[i] {
            EOL => return false,
            NOP => i += 1,
            kind => {
                let Some(&len) = frame.get(i + 1) else {
                    return false;
                };
                let len = usize::from(len);
                if len < 2 || i + len > end {
                    return false;
                }
                if kind == TS && len == 10 {
                    frame[i + 2..i + 6].copy_from_slice(&val.to_be_bytes());
                    frame[i + 6..i + 10].copy_from_slice(&ecr.to_be_bytes());
                    return true;
                }
                i += len;
            }
        }
    }
    false
}

/// One TCP option as it stands in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpOption {
    /// Maximum segment size.
    Mss(u16),
    /// Window-scale shift.
    WindowScale(u8),
    /// SACK permitted.
    SackPermitted,
    /// Timestamps: TSval, TSecr.
    Timestamps(u32, u32),
    /// SACK blocks, left and right edges.
    Sack(Vec<(u32, u32)>),
}

/// The options of a TCP frame in the order they stand in the header (which
/// is the order Wireshark lists them in its Info column); `None` when it is
/// not TCP over IPv4. NOPs and unknown kinds are skipped; End-of-List or a
/// malformed list ends the walk.
pub fn options_in_order(frame: &[u8]) -> Option<Vec<TcpOption>> {
    let (start, end) = option_span(frame)?;
    let opts = parse_options(frame)?;
    let mut out = Vec::new();
    let mut i = start;
    while i < end && frame[i] != EOL {
        if frame[i] == NOP {
            i += 1;
            continue;
        }
        let len = frame.get(i + 1).map_or(0, |&l| usize::from(l));
        if len < 2 || i + len > end {
            break;
        }
        // The values are parse_options's; only the order is read here.
        let option = match frame[i] {
            MSS => opts.mss.map(TcpOption::Mss),
            WS => opts.wscale.map(TcpOption::WindowScale),
            SACK_PERM => opts.sack_permitted.then_some(TcpOption::SackPermitted),
            TS => opts.ts.map(|(v, e)| TcpOption::Timestamps(v, e)),
            SACK if !opts.sack.is_empty() => Some(TcpOption::Sack(opts.sack.clone())),
            _ => None,
        };
        out.extend(option);
        i += len;
    }
    Some(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Options with each kind present or not (shared with frame.rs's tests).
    pub(crate) fn opts(mss: bool, ws: bool, perm: bool, ts: bool, sack: usize) -> TcpOptions {
        TcpOptions {
            mss: mss.then_some(1460),
            wscale: ws.then_some(7),
            sack_permitted: perm,
            ts: ts.then_some((0x0102_0304, 0x0506_0708)),
            sack: (0..sack as u32).map(|i| (i * 100, i * 100 + 50)).collect(),
        }
    }

    #[test]
    fn a_linux_syn_is_mss_sackok_ts_nop_wscale() {
        let bytes = linux_layout(&opts(true, true, true, true, 0));
        assert_eq!(bytes.len(), 20);
        assert_eq!(&bytes[..8], &[2, 4, 0x05, 0xb4, 4, 2, 8, 10]);
        assert_eq!(&bytes[16..], &[1, 3, 3, 7]);
    }

    #[test]
    fn an_ack_with_timestamps_and_sack_is_nop_nop_ts_nop_nop_sack() {
        let bytes = linux_layout(&opts(false, false, false, true, 3));
        assert_eq!(bytes.len(), 12 + 4 + 24);
        assert_eq!(&bytes[..4], &[1, 1, 8, 10]);
        assert_eq!(&bytes[12..16], &[1, 1, 5, 26]);
    }
}
