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
