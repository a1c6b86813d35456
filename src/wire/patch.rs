//! Changes made to a frame in place, without copying it or summing its
//! payload again: the TCP checksum is updated incrementally (RFC 1624).

use smoltcp::wire::{EthernetFrame, Ipv4Packet};

use crate::wire::flags;

/// Set the window field of a TCP frame in place, the checksum updated
/// incrementally (RFC 1624) rather than recomputed over the payload.
pub fn set_window_in_place(frame: &mut [u8], win: u16) {
    replace_tcp_word(frame, 14, |_| win);
}

/// Set or clear the PSH flag of a TCP frame in place (checksum updated
/// incrementally, as [`set_window_in_place`]).
pub fn set_psh_in_place(frame: &mut [u8], on: bool) {
    let psh = u16::from(flags::PSH);
    replace_tcp_word(frame, 12, |w| if on { w | psh } else { w & !psh });
}

/// Replace the 16-bit word at `at` bytes into the TCP header with
/// `f(old)`, fixing the checksum as RFC 1624 does: HC' = ~(~HC + ~m + m').
fn replace_tcp_word(frame: &mut [u8], at: usize, f: impl FnOnce(u16) -> u16) {
    let Ok(eth) = EthernetFrame::new_checked(&frame[..]) else {
        return;
    };
    let Ok(ip) = Ipv4Packet::new_checked(eth.payload()) else {
        return;
    };
    let tcp_at = 14 + usize::from(ip.header_len());
    if frame.len() < tcp_at + 20 {
        return;
    }
    let old = u16::from_be_bytes([frame[tcp_at + at], frame[tcp_at + at + 1]]);
    let new = f(old);
    let sum = u16::from_be_bytes([frame[tcp_at + 16], frame[tcp_at + 17]]);
    let mut acc = u32::from(!sum) + u32::from(!old) + u32::from(new);
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    let new_sum = !(acc as u16);
    frame[tcp_at + at..tcp_at + at + 2].copy_from_slice(&new.to_be_bytes());
    frame[tcp_at + 16..tcp_at + 18].copy_from_slice(&new_sum.to_be_bytes());
}

/// Overwrite a TCP frame's option bytes with `new`, which must be exactly
/// as long as the options already there (a relayout, such as smoltcp's
/// `TS, EOL, EOL` into Linux's `NOP, NOP, TS`); false, and the frame
/// untouched, when the lengths differ or the frame is not TCP over IPv4.
pub fn set_options_in_place(frame: &mut [u8], new: &[u8]) -> bool {
    let Ok(eth) = EthernetFrame::new_checked(&frame[..]) else {
        return false;
    };
    let Ok(ip) = Ipv4Packet::new_checked(eth.payload()) else {
        return false;
    };
    let tcp_at = 14 + usize::from(ip.header_len());
    if frame.len() < tcp_at + 20 {
        return false;
    }
    let header_len = usize::from(frame[tcp_at + 12] >> 4) * 4;
    if header_len < 20 || header_len - 20 != new.len() || frame.len() < tcp_at + header_len {
        return false;
    }
    let opts_at = tcp_at + 20;
    // RFC 1624 over every word that changes: HC' = ~(~HC + sum(~m + m')).
    let sum = u16::from_be_bytes([frame[tcp_at + 16], frame[tcp_at + 17]]);
    let mut acc = u32::from(!sum);
    for (i, pair) in new.chunks(2).enumerate() {
        let at = opts_at + 2 * i;
        let old = u16::from_be_bytes([frame[at], *frame.get(at + 1).unwrap_or(&0)]);
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        acc += u32::from(!old) + u32::from(word);
    }
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    frame[opts_at..opts_at + new.len()].copy_from_slice(new);
    frame[tcp_at + 16..tcp_at + 18].copy_from_slice(&(!(acc as u16)).to_be_bytes());
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::frame::{SegmentSpec, build_segment, parse};
    use crate::wire::options::{TcpOptions, linux_layout};
    use smoltcp::wire::{IpAddress, TcpPacket};

    fn checksum_ok(frame: &[u8]) -> bool {
        let eth = EthernetFrame::new_checked(frame).unwrap();
        let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
        let tcp = TcpPacket::new_checked(ip.payload()).unwrap();
        tcp.verify_checksum(
            &IpAddress::Ipv4(ip.src_addr()),
            &IpAddress::Ipv4(ip.dst_addr()),
        )
    }

    #[test]
    fn in_place_edits_keep_the_checksum_right() {
        let payload = vec![7u8; 333];
        let spec = SegmentSpec {
            src_mac: [2; 6],
            dst_mac: [4; 6],
            ends: crate::wire::frame::Endpoints {
                src: [10, 0, 0, 1].into(),
                src_port: 1000,
                dst: [10, 0, 0, 2].into(),
                dst_port: 80,
            },
            seq: 17,
            ack: 99,
            flags: flags::ACK,
            win: 512,
            options: TcpOptions {
                ts: Some((0xdead_beef, 0x0102_0304)),
                ..TcpOptions::default()
            },
            payload: &payload,
        };
        let mut frame = build_segment(&spec);
        assert!(checksum_ok(&frame));
        set_psh_in_place(&mut frame, true);
        set_window_in_place(&mut frame, 0x1234);
        assert!(checksum_ok(&frame));
        let seg = parse(&frame).unwrap();
        assert!(seg.has(flags::PSH));
        assert_eq!(seg.win, 0x1234);
        // smoltcp's layout of the same option, then back to Linux's.
        let mut smol = vec![8, 10];
        smol.extend_from_slice(&0xdead_beef_u32.to_be_bytes());
        smol.extend_from_slice(&0x0102_0304_u32.to_be_bytes());
        smol.extend_from_slice(&[0, 0]);
        assert!(set_options_in_place(&mut frame, &smol));
        assert!(checksum_ok(&frame));
        assert!(set_options_in_place(
            &mut frame,
            &linux_layout(&spec.options)
        ));
        assert!(checksum_ok(&frame));
        assert!(!set_options_in_place(&mut frame, &[1, 1, 1, 1]));
    }
}
