//! Frames arriving from the link: this layer looks at each one before smoltcp
//! does, answers what Linux would answer itself, and edits what smoltcp would
//! misread.

use smoltcp::socket::tcp::State;

use crate::linux::conn::{ConnId, Gone};
use crate::linux::dup_ack::DupVerdict;
use crate::linux::listen::SynOptions;
use crate::linux::sockets::Route;
use crate::linux::stack::{ArrivingData, DEFAULT_PEER_MSS, Stack};
use crate::wire::flags;
use crate::wire::frame::{self, Segment};
use crate::wire::seq;

impl Stack {
    /// Start a receive batch (frames taken in together, as one NAPI poll).
    pub fn begin_batch(&mut self) {
        self.rst_this_batch.clear();
    }

    /// A frame arriving from the link: this layer looks at it first and queues
    /// what smoltcp should see (possibly edited) for `ingress`, with the socket
    /// it goes to; a frame this layer answers as Linux would goes no further.
    /// `seg` is the frame's TCP header, parsed when it was sent (the link
    /// never changes a frame's bytes); None when it is not TCP.
    pub fn inbound(&mut self, frame: Vec<u8>, seg: Option<Segment>) {
        let Some(seg) = seg else {
            self.arrivals.push_back((frame, None, None));
            return;
        };
        self.arriving = None;
        if let Some(frame) = self.screen(frame, &seg) {
            let route = Route {
                local: seg.ends.reversed(),
                listener_may_take: seg.flags & (flags::ACK | flags::RST) == 0,
            };
            let data = self.arriving.take();
            self.arrivals.push_back((frame, Some(route), data));
        }
    }

    /// The frame smoltcp should see, or `None` when this layer has answered it.
    pub(super) fn screen(&mut self, frame: Vec<u8>, seg: &Segment) -> Option<Vec<u8>> {
        let seg = *seg;
        let local = seg.ends.reversed();
        if let Some(id) = self.conn_of(&local) {
            if self.conns[id].gone.is_none() {
                self.mark(id);
                return self.inbound_live(id, frame, &seg);
            }
            if seg.has(flags::RST) {
                return None;
            }
            let why = self.conns[id]
                .gone
                .as_ref()
                .map(Gone::describe)
                .unwrap_or_default();
            if self.rst_this_batch.insert(local) {
                self.reset_reply(
                    &frame,
                    &seg,
                    format!(
                        "segment for a connection that is gone ({why}): RST (RFC 9293 3.10.7.1)"
                    ),
                );
            }
            return None;
        }
        if seg.has(flags::RST) {
            return None;
        }
        let listener = self
            .listeners
            .iter()
            .position(|l| l.port == seg.ends.dst_port && l.backlog > 0);
        if seg.flags & (flags::SYN | flags::ACK) == flags::SYN && listener.is_some() {
            let l = &self.listeners[listener.unwrap_or(0)];
            // Linux drops a SYN when the accept queue is full (tcp_abort_on_overflow = 0).
            if l.idle.is_empty() {
                return None;
            }
            let syn_opts = crate::wire::options::parse_options(&frame).unwrap_or_default();
            self.syn_options.insert(
                local,
                SynOptions {
                    mss: seg.mss,
                    wscale: seg.wscale,
                    seq: seg.seq,
                    sack_ok: self.sysctl.sack && syn_opts.sack_permitted,
                    ts: self.sysctl.timestamps && syn_opts.ts.is_some(),
                    iss: None,
                },
            );
            let user = self.listeners[listener.unwrap_or(0)].user_mss;
            return Some(clamp_mss(frame, seg, user).0);
        }
        if self.rst_this_batch.insert(local) {
            self.reset_reply(
                &frame,
                &seg,
                "no socket for this segment: RST (RFC 9293 3.10.7.1)".to_string(),
            );
        }
        None
    }

    /// A segment for a connection that is still open: each behaviour's rule
    /// in turn, in the order Linux applies them.
    pub(super) fn inbound_live(
        &mut self,
        id: ConnId,
        frame: Vec<u8>,
        seg: &Segment,
    ) -> Option<Vec<u8>> {
        let edge_before = self.conns[id].win.peer_wnd_end;
        let (frame, seg) = match self.note_inbound(id, seg, &frame) {
            // smoltcp 0.14 takes the window of every segment, however old
            // (tcp.rs `process`): a reordered segment from before the window
            // opened shuts it again, and after a retransmission timeout with a
            // zero window smoltcp sets no probe timer, so the connection
            // stalls for good. smoltcp is shown the current window instead.
            Some(current) if current != seg.win => {
                let edit = frame::Edit {
                    win: Some(current),
                    ..frame::Edit::default()
                };
                let frame = frame::edited(&frame, edit);
                let seg = frame::parse(&frame).unwrap_or(*seg);
                (frame, seg)
            }
            _ => (frame, *seg),
        };
        // A SYN-ACK offering more than the TCP_MAXSEG set before connect().
        let (frame, seg) = clamp_mss(frame, seg, self.conns[id].user_mss);
        let seg = &seg;
        let queued = self.unread(id);
        let c = &self.conns[id];
        if c.close.data_after_close(seg, c.win.rcv_nxt(queued)) {
            self.reset_after_close(id, &frame, seg);
            return None;
        }
        if self.linux() {
            let win_update = self.conns[id].win.peer_wnd_end != edge_before;
            return self.inbound_linux(id, frame, seg, queued, win_update);
        }
        let c = &self.conns[id];
        let past_window = c.dup.mirror.is_duplicate(seg, c.snd_max) && {
            let mss = self.effective_mss(c.peer_mss, false) as usize;
            let unacked = c.handle.map_or(0, |h| self.sockets.get(h).send_queue());
            let window = (u32::from(seg.win) << c.win.shifts().1) as usize;
            mss.min(unacked) > window
        };
        let c = &mut self.conns[id];
        match c.dup.screen(seg, c.snd_max, c.close.fin_sent, past_window) {
            DupVerdict::Pass => {}
            DupVerdict::Keep => return None,
            DupVerdict::ResendFin => {
                self.resend_fin(id);
                return None;
            }
        }
        c.dup.mirror.observe(seg, c.snd_max);
        if !c.hold.is_empty() {
            self.release_held(id);
        }
        match self.conns[id]
            .win
            .edit_arriving(seg, queued, self.peer_fin_in(id))
        {
            Some(edit) => Some(frame::edited(&frame, edit)),
            None => Some(frame),
        }
    }

    /// A RST at RCV.NXT (the only one Linux acts on at once, RFC 5961 3.2)
    /// for a connection with bytes still unread: take them out of smoltcp
    /// before its socket closes, for recv() to return ahead of ECONNRESET.
    fn keep_unread_at_reset(&mut self, id: ConnId, seg: &Segment, queued: usize) {
        let c = &self.conns[id];
        if c.win.rcv_nxt(queued) != Some(seg.seq) {
            return;
        }
        let Some(handle) = c.handle else {
            return;
        };
        let socket = self.sockets.get_mut(handle);
        let mut kept = std::collections::VecDeque::with_capacity(queued);
        while socket.can_recv() {
            let got = socket
                .recv(|ring| {
                    kept.extend(ring.iter().copied());
                    (ring.len(), ring.len())
                })
                .unwrap_or(0);
            if got == 0 {
                break;
            }
        }
        self.conns[id].unread_at_reset = kept;
    }

    /// The `linux` profile's rules for a segment of a live connection: the
    /// sender takes in its ACK (when Linux's receiver would process the
    /// segment at all), and smoltcp sees the peer's window as wide open, since
    /// this layer alone decides what is sent (`send.rs`): smoltcp never holds
    /// bytes back, never probes a window, never counts a duplicate ACK.
    fn inbound_linux(
        &mut self,
        id: ConnId,
        mut frame: Vec<u8>,
        seg: &Segment,
        queued: usize,
        win_update: bool,
    ) -> Option<Vec<u8>> {
        let fin_in = self.peer_fin_in(id);
        let acceptable = self.conns[id].win.acceptable(seg, queued, fin_in);
        if seg.has(flags::RST) && queued > 0 {
            self.keep_unread_at_reset(id, seg, queued);
        }
        if acceptable {
            self.sender_inbound(id, &frame, seg, win_update);
        }
        let c = &self.conns[id];
        let data_end = seg.seq.wrapping_add(seg.payload_len);
        if let Some(first) = c.win.rcv_base {
            // Old duplicates get a D-SACK even though Linux drops them
            // unread (tcp_send_dupack); data beyond the window is dropped.
            let old = c.win.rcv_nxt(queued).is_some_and(|r| seq::le(data_end, r));
            self.arriving = Some(ArrivingData {
                id,
                start: seg.seq,
                end: data_end,
                first,
                data: seg.payload_len > 0 && (acceptable || old),
                fin: seg.has(flags::FIN) && acceptable,
            });
        }
        let mut seen = *seg;
        let una = self.conns[id].sender.snd_una;
        if seg.has(flags::ACK)
            && !seg.has(flags::RST)
            && !seg.has(flags::SYN)
            && (seg.payload_len > 0 || seg.has(flags::FIN))
            && seq::lt(seg.ack, una)
        {
            // Data with an ACK below SND.UNA (an old ACK on a late or
            // reordered segment): Linux ignores the ACK and takes the data
            // (tcp_ack's old_ack, RFC 9293 3.10.7.4); smoltcp would drop the
            // whole segment. It is shown the ACK it already has.
            let edit = frame::Edit {
                ack: Some(una),
                ..frame::Edit::default()
            };
            frame = frame::edited(&frame, edit);
            seen.ack = una;
        }
        if seg.has(flags::ACK) && !seg.has(flags::RST) && seg.win != u16::MAX {
            crate::wire::patch::set_window_in_place(&mut frame, u16::MAX);
            seen.win = u16::MAX;
        }
        let c = &mut self.conns[id];
        if acceptable {
            if c.dup.mirror.is_duplicate(&seen, c.snd_max) && !seg.has(flags::FIN) {
                // Nothing new for smoltcp: an ACK it has, in a window it ignores.
                return None;
            }
            // Only a segment smoltcp will accept tells it an ACK.
            c.dup.mirror.observe(&seen, c.snd_max);
        }
        match c.win.edit_arriving(seg, queued, fin_in) {
            Some(edit) => Some(frame::edited(&frame, edit)),
            None => Some(frame),
        }
    }

    /// Whether the peer's FIN was taken in (it counts one in RCV.NXT).
    fn peer_fin_in(&self, id: ConnId) -> bool {
        self.conns[id].handle.is_some_and(|h| {
            matches!(
                self.sockets.get(h).state(),
                State::CloseWait | State::LastAck | State::Closing | State::TimeWait
            )
        })
    }

    /// Bookkeeping for a segment that smoltcp is about to take in. Returns the
    /// current window field when the segment is too old to set the window
    /// (Linux tcp_may_update_window) but carries the current ACK.
    pub(super) fn note_inbound(&mut self, id: ConnId, seg: &Segment, frame: &[u8]) -> Option<u16> {
        let linux = self.linux();
        if seg.has(flags::SYN)
            && !seg.has(flags::ACK)
            && self.conns[id]
                .sender
                .handshake
                .as_ref()
                .is_some_and(|h| h.2)
        {
            self.conns[id].sender.dup_syn = true;
        }
        if seg.has(flags::SYN) {
            // The peer's SYN(-ACK) settles the MSS; without the option it is
            // 536 (RFC 9293 3.7.1, TCP_MSS_DEFAULT).
            let peer_mss = seg.mss.map_or(DEFAULT_PEER_MSS, u32::from);
            let peer_mss = self.conns[id]
                .user_mss
                .map_or(peer_mss, |user| peer_mss.min(u32::from(user)));
            let ts = self.sysctl.timestamps
                && crate::wire::options::parse_options(frame).is_some_and(|o| o.ts.is_some());
            let eff = self.effective_mss(peer_mss, ts);
            let c = &mut self.conns[id];
            c.ts_on = ts;
            c.peer_mss = peer_mss;
            c.acks.set_rcv_mss(eff);
            c.sender.mss = eff;
        }
        let unread = self.unread(id);
        let c = &mut self.conns[id];
        if seg.has(flags::SYN) {
            c.last_data_recv = self.now;
            c.win.peer_wscale = seg.wscale;
            c.win.rcv_base = Some(seg.seq.wrapping_add(1));
            if seg.has(flags::ACK) {
                // The SYN-ACK to our SYN: scaling holds if both carried it.
                c.rwnd.negotiated(seg.wscale.is_some());
            }
        }
        if seg.payload_len > 0 {
            c.rwnd.on_data(seg.payload_len, unread);
            c.acks.on_data_received(self.now, c.sender.rto);
            c.last_data_recv = self.now;
        }
        if seg.has(flags::FIN) {
            c.acks.on_fin_received(c.close.fin_sent);
        }
        if !seg.has(flags::ACK) || seg.has(flags::RST) {
            return None;
        }
        c.psh.on_ack(seg.ack);
        c.nagle.more_held = false;
        let advances = c.last_ack_received.is_none_or(|l| seq::lt(l, seg.ack));
        c.dup.on_ack(seg, &mut c.last_ack_received, c.snd_max);
        c.win.on_ack(seg, advances, c.last_ack_received, linux)
    }

    /// Run smoltcp's ingress on every frame waiting: those put straight into
    /// the device (ARP), then those `inbound` let through, each with the socket
    /// smoltcp would choose for it.
    pub fn ingress(&mut self) {
        let now = self.instant();
        while let Some(frame) = self.device.rx.pop_front() {
            self.sockets
                .ingress(&mut self.iface, &mut self.device, now, frame, None);
        }
        // Replies smoltcp writes while it takes a frame in (an ACK for
        // out-of-order data) go through this layer at once, so that the SACK
        // blocks they get are those of the data received so far, not of
        // frames later in the same batch.
        let linux = self.linux();
        while let Some((frame, route, data)) = self.arrivals.pop_front() {
            if let Some(d) = data {
                let rsack = &mut self.conns[d.id].rsack;
                if d.data {
                    rsack.on_data(d.start, d.end, d.first);
                }
                if d.fin {
                    rsack.on_fin(d.end);
                }
            }
            self.sockets
                .ingress(&mut self.iface, &mut self.device, now, frame, route);
            if linux {
                self.drain_device();
            }
        }
        self.drain_device();
    }
}

/// A SYN or SYN-ACK offering more than the TCP_MAXSEG `user` set on our
/// socket: smoltcp, which sizes segments from the peer's option alone, is
/// shown the smaller MSS (Linux clamps its mss_cache with user_mss).
fn clamp_mss(frame: Vec<u8>, seg: Segment, user: Option<u16>) -> (Vec<u8>, Segment) {
    let Some(user) = user else {
        return (frame, seg);
    };
    if !seg.has(flags::SYN) || seg.mss.is_none_or(|m| m <= user) {
        return (frame, seg);
    }
    let Some(mut opts) = crate::wire::options::parse_options(&frame) else {
        return (frame, seg);
    };
    opts.mss = Some(user);
    match crate::wire::options::with_options(&frame, &opts) {
        Some(out) => {
            let seg = frame::parse(&out).unwrap_or(seg);
            (out, seg)
        }
        None => (frame, seg),
    }
}
