//! The receive window as a Linux receiver advertises it, in place of
//! smoltcp's (its free buffer, scaled by a shift chosen from the buffer's
//! size). RFC 9293 3.8.6.2.2 leaves the policy to the receiver; Linux's:
//!
//! - the window-scale shift comes from the largest receive buffer the socket
//!   may grow to (`tcp_rmem[2]`, at least `net.core.rmem_max`), not from the
//!   buffer it starts with (tcp_select_initial_window): 7 with the defaults;
//! - the first window is half the starting buffer (`tcp_rmem[1]`, 64 KiB
//!   of 128 KiB), rounded down to whole segments: 64240 with MSS 1460,
//!   65160 with timestamps;
//! - it then grows by two segments per data segment received
//!   (tcp_grow_window, `rcv_ssthresh`) up to a clamp that grows as the
//!   application reads (dynamic right-sizing, tcp_rcv_space_adjust), and
//!   never shrinks (tcp_select_window);
//! - the scaled value is rounded up to a multiple of the scale so none of
//!   it is lost (__tcp_select_window).
//!
//! Measured on 6.18 (tests/packetdrill/synack-options-*.pkt): SYN-ACK
//! `win 64240 <mss 1460,nop,nop,sackOK,nop,wscale 7>`, first ACK `win 502`.

use crate::scenario::model::Micros;
use crate::wire::seq;

/// net.core.rmem_max on the reference kernel (the shift takes the larger
/// of it and tcp_rmem[2]).
const RMEM_MAX: usize = 4_194_304;
/// TCP_MAX_WSCALE (RFC 7323 2.3).
const MAX_WSCALE: u8 = 14;
/// TCP_INIT_CWND: the first DRS estimate is ten segments.
const INIT_CWND: u32 = 10;

/// The shift Linux announces in its SYN for a buffer that may grow to
/// `rmem_max` bytes (tcp_select_initial_window takes the larger of it and
/// net.core.rmem_max).
pub(crate) fn wscale_for(rmem_max: usize) -> u8 {
    wscale_for_space(rmem_max.max(RMEM_MAX))
}

/// The shift for a window that never exceeds `space` bytes: the smallest
/// that fits it in 16 bits. A buffer the program set with SO_RCVBUF locks
/// the window clamp to it (tcp_connect_init), so its shift comes from the
/// buffer alone.
pub(crate) fn wscale_for_space(mut space: usize) -> u8 {
    let mut shift = 0;
    while space > 65_535 && shift < MAX_WSCALE {
        space >>= 1;
        shift += 1;
    }
    shift
}

/// One connection's receive window (tcp_sock's rcv_wnd, rcv_wup,
/// rcv_ssthresh, window_clamp, rcvq_space).
#[derive(Debug, Clone, Default)]
pub(super) struct RcvWnd {
    /// Our shift, once both SYNs carried the option (else 0).
    pub(super) shift: u8,
    /// The shift our SYN announces.
    pub(super) offered: u8,
    /// The shift smoltcp chose for its own SYN (it keeps scaling its window
    /// fields by it, whatever this layer wrote on the wire).
    pub(super) smoltcp_offered: u8,
    /// smoltcp's shift once scaling is agreed (else 0).
    smoltcp_shift: u8,
    /// The right edge smoltcp last advertised: it takes nothing past it.
    smoltcp_edge: Option<u32>,
    ssthresh: u32,
    clamp: u32,
    /// The window last advertised (bytes) and RCV.NXT then.
    wnd: u32,
    wup: Option<u32>,
    advmss: u32,
    /// Dynamic right-sizing: the bytes read per round trip last measured,
    /// the read count and time it was measured at.
    space: u32,
    space_read: u64,
    space_at: Micros,
    /// Largest window the buffer behind it can ever offer (bytes).
    limit: u32,
}

impl RcvWnd {
    /// The window of our SYN or SYN-ACK (unscaled, at most 65535): half the
    /// starting buffer `rcvbuf` (tcp_full_space), in whole segments of
    /// `mss` (the MSS less the timestamp option when it will be used);
    /// `limit` is the receive buffer's capacity, `shift` the one our SYN
    /// announces.
    pub(super) fn on_syn(
        &mut self,
        rcvbuf: usize,
        limit: usize,
        mss: u32,
        advmss: u32,
        shift: u8,
    ) -> u16 {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let full = u32::try_from(rcvbuf / 2).unwrap_or(u32::MAX).min(limit);
        let mss = mss.max(1);
        let mut space = full;
        if space > mss {
            space -= space % mss;
        }
        let wnd = space.min(65_535);
        self.offered = shift;
        self.wnd = wnd;
        self.ssthresh = wnd;
        self.clamp = full.max(2 * advmss).min(limit);
        self.advmss = advmss;
        self.space = (INIT_CWND * advmss).min(wnd);
        self.limit = limit;
        wnd as u16
    }

    /// Both SYNs carried the window-scale option (or not): our shift.
    pub(super) fn negotiated(&mut self, both: bool) {
        self.shift = if both { self.offered } else { 0 };
        self.smoltcp_shift = if both { self.smoltcp_offered } else { 0 };
    }

    /// The window smoltcp wrote in a segment's field, in bytes: the most
    /// it will take beyond the ACK (it drops a segment starting past it,
    /// ACK field and all, where Linux would still read the ACK).
    pub(super) fn smoltcp_bytes(&self, field: u16) -> u32 {
        u32::from(field) << self.smoltcp_shift
    }

    /// In-order data arrived (tcp_grow_window): two segments more, up to the
    /// clamp and the buffer's free space.
    pub(super) fn on_data(&mut self, len: u32, unread: usize) {
        let free = self.limit.saturating_sub(unread as u32);
        if len >= 128 && self.ssthresh < self.clamp && self.ssthresh < free {
            self.ssthresh = (self.ssthresh + 2 * self.advmss).min(self.clamp);
        }
    }

    /// The application has read `read` bytes in all (tcp_rcv_space_adjust):
    /// once per round trip, if it read more than the last estimate, the
    /// clamp grows to twice that plus 16 segments, more when growing fast.
    pub(super) fn on_read(&mut self, now: Micros, read: u64, rtt: Option<Micros>) {
        let Some(rtt) = rtt else { return };
        if self.space_at == 0 {
            self.space_at = now;
            self.space_read = read;
            return;
        }
        if now.saturating_sub(self.space_at) < rtt {
            return;
        }
        let copied = u32::try_from(read - self.space_read).unwrap_or(u32::MAX);
        self.space_read = read;
        self.space_at = now;
        if copied <= self.space || self.space == 0 {
            return;
        }
        let mut win = u64::from(copied) * 2 + 16 * u64::from(self.advmss);
        let grow = win * u64::from(copied - self.space) / u64::from(self.space);
        win += grow * 2;
        self.space = copied;
        let win = u32::try_from(win).unwrap_or(u32::MAX).min(self.limit);
        self.clamp = self.clamp.max(win);
    }

    /// The window the free buffer gives, before the rules about the right
    /// edge (__tcp_select_window): nothing below a segment or 1/16 of the
    /// buffer when less than half of it is free (silly window avoidance,
    /// RFC 1122 4.2.3.3), at most `rcv_ssthresh`, rounded up to the scale.
    fn free_window(&self, unread: usize, rcv_mss: u32) -> u32 {
        let unread = u32::try_from(unread).unwrap_or(u32::MAX);
        let scale = 1u32 << self.shift;
        let full = self.clamp;
        let mut free = full.min(self.limit).saturating_sub(unread);
        'w: {
            if free < full / 2 {
                free -= free % scale;
                if free < full / 16 || free < rcv_mss.min(full) {
                    break 'w 0;
                }
            }
            free = free.min(self.ssthresh);
            if self.shift > 0 {
                free.div_ceil(scale) * scale
            } else {
                // A segment larger than the whole buffer counts as the
                // buffer: the window is then all of it or nothing.
                let mss = rcv_mss.min(full).max(1);
                if self.wnd + mss <= free || self.wnd > free {
                    free - free % mss
                } else if mss == full && free > self.wnd + full / 2 {
                    free
                } else {
                    self.wnd
                }
            }
        }
    }

    /// After a read (tcp_cleanup_rbuf): whether to send a window update now,
    /// because what is left of the advertised window is at most half the
    /// clamp and the window the buffer now gives is at least twice that.
    /// The update can open no further than smoltcp's own last edge.
    pub(super) fn update_after_read(&self, rcv_nxt: u32, unread: usize, rcv_mss: u32) -> bool {
        let (Some(wup), Some(edge)) = (self.wup, self.smoltcp_edge) else {
            return false;
        };
        let left = seq::distance(rcv_nxt, wup.wrapping_add(self.wnd)).max(0) as u32;
        if 2 * u64::from(left) > u64::from(self.clamp) {
            return false;
        }
        let scale = 1u32 << self.shift;
        let room = seq::distance(rcv_nxt, edge).max(0) as u32;
        let new = self.free_window(unread, rcv_mss).min(room - room % scale);
        new != 0 && u64::from(new) >= 2 * u64::from(left)
    }

    /// The window field of an update this layer sends itself: within
    /// smoltcp's last edge.
    pub(super) fn select_update(&mut self, rcv_nxt: u32, unread: usize, rcv_mss: u32) -> u16 {
        let room = self
            .smoltcp_edge
            .map_or(0, |edge| seq::distance(rcv_nxt, edge).max(0) as u32);
        self.select(rcv_nxt, unread, rcv_mss, room)
    }

    /// The window field of a segment leaving now with ACK `rcv_nxt`, `unread`
    /// bytes waiting for the application, `rcv_mss` the peer's segment size
    /// (tcp_select_window, __tcp_select_window). `room` is what smoltcp
    /// itself advertised on this segment: the window never goes past it,
    /// since smoltcp drops what lies beyond its own window (Linux's buffer
    /// has slack for the bytes its rounding up lets in; smoltcp's has none).
    pub(super) fn select(&mut self, rcv_nxt: u32, unread: usize, rcv_mss: u32, room: u32) -> u16 {
        self.smoltcp_edge = Some(rcv_nxt.wrapping_add(room));
        let scale = 1u32 << self.shift;
        let mut window = self.free_window(unread, rcv_mss);
        // Never move the right edge back (tcp_select_window).
        let cur = self.wup.map_or(self.wnd, |wup| {
            seq::distance(rcv_nxt, wup.wrapping_add(self.wnd)).max(0) as u32
        });
        if window < cur {
            window = cur.div_ceil(scale) * scale;
        }
        if window > room {
            window = room - room % scale;
        }
        self.wnd = window;
        self.wup = Some(rcv_nxt);
        (window.min(65_535 << self.shift) >> self.shift) as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shift_comes_from_the_largest_buffer() {
        assert_eq!(wscale_for(6_291_456), 7);
        assert_eq!(wscale_for(15_728_640), 8);
        assert_eq!(wscale_for(131_072), 7, "at least net.core.rmem_max's 4 MiB");
        assert_eq!(wscale_for_space(64), 0);
        assert_eq!(wscale_for_space(65_535), 0);
        assert_eq!(wscale_for_space(65_536), 1);
    }

    #[test]
    fn syn_window_and_first_ack_as_measured() {
        let mut w = RcvWnd::default();
        assert_eq!(w.on_syn(131_072, 6_291_456, 1460, 1460, 7), 64_240);
        w.negotiated(true);
        assert_eq!(w.select(1, 0, 1000, u32::MAX), 502);
        let mut ts = RcvWnd::default();
        assert_eq!(ts.on_syn(131_072, 6_291_456, 1448, 1460, 7), 65_160);
        let mut clamp = RcvWnd::default();
        assert_eq!(clamp.on_syn(131_072, 6_291_456, 1000, 1000, 7), 65_000);
    }

    #[test]
    fn it_grows_with_data_and_never_shrinks() {
        let mut w = RcvWnd::default();
        w.on_syn(131_072, 6_291_456, 1460, 1460, 7);
        w.negotiated(true);
        let first = w.select(1, 0, 1000, u32::MAX);
        // 1000 bytes arrive, unread: the edge stays where it was.
        w.on_data(1000, 1000);
        let after = w.select(1001, 1000, 1000, u32::MAX);
        assert!(u32::from(after) << 7 >= (u32::from(first) << 7) - 1000);
    }

    #[test]
    fn it_never_offers_more_than_smoltcp_takes() {
        let mut w = RcvWnd::default();
        // A 321-byte buffer: Linux's rounding up to the scale would offer
        // 384 bytes; smoltcp takes 321, so 256 (two units of 128).
        w.on_syn(131_072, 321, 1460, 1460, 7);
        w.negotiated(true);
        assert_eq!(w.select(1, 0, 536, 321), 2);
        // Full: smoltcp offers nothing, and neither does the model, even
        // though Linux never moves its right edge back.
        assert_eq!(w.select(322, 321, 536, 0), 0);
    }
}
