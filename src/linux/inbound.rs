//! Frames arriving from the link: this layer looks at each one before smoltcp
//! does, answers what Linux would answer itself, and edits what smoltcp would
//! misread.

use crate::linux::conn::*;
use crate::linux::listen::*;
use crate::linux::sockets::Route;
use crate::linux::stack::*;
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
            self.arrivals.push_back((frame, None));
            return;
        };
        if let Some(frame) = self.screen(frame, &seg) {
            let route = Route {
                local: seg.ends.reversed(),
                listener_may_take: seg.flags & (flags::ACK | flags::RST) == 0,
            };
            self.arrivals.push_back((frame, Some(route)));
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
            self.syn_options.insert(
                local,
                SynOptions {
                    mss: seg.mss,
                    wscale: seg.wscale,
                    seq: seg.seq,
                },
            );
            return Some(frame);
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

    /// A segment for a connection that is still open.
    pub(super) fn inbound_live(
        &mut self,
        id: ConnId,
        frame: Vec<u8>,
        seg: &Segment,
    ) -> Option<Vec<u8>> {
        let (frame, seg) = match self.note_inbound(id, seg) {
            // smoltcp 0.14 takes the window of every segment, however old
            // (tcp.rs `process`): a reordered segment from before the window
            // opened shuts it again, and after a retransmission timeout with a
            // zero window smoltcp sets no probe timer, so the connection
            // stalls for good. Linux keeps the window of the newer segment
            // (tcp_may_update_window); smoltcp is shown that window instead.
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
        let seg = &seg;
        let queued = self.unread(id);
        let c = &mut self.conns[id];
        let data_end = seg.seq.wrapping_add(seg.payload_len);
        let beyond_read = c.rcv_nxt(queued).is_some_and(|rcv| seq::lt(rcv, data_end));
        if c.app_closed && seg.payload_len > 0 && beyond_read && !seg.has(flags::RST) {
            // RFC 1122 4.2.2.13 / Linux tcp_rcv_state_process: data past RCV.NXT
            // after close() cannot be delivered; reset and forget the connection.
            // Old data (a duplicate of bytes already read) is only ACKed.
            if let Some(h) = c.handle.take() {
                self.drop_socket(h);
            }
            let c = &mut self.conns[id];
            c.gone = Some(Gone::ResetAfterClose);
            c.deferred = None;
            c.acks.deferred_due = None;
            self.reset_reply(
                &frame,
                seg,
                format!(
                    "{} bytes arrived after close(): RST, seq = their ACK (RFC 1122 4.2.2.13)",
                    seg.payload_len
                ),
            );
            return None;
        }
        if c.fr_mirror.is_duplicate(seg, c.snd_max) && !seg.has(flags::FIN) {
            let only_fin_outstanding =
                c.fin_sent && c.snd_max.is_some_and(|max| seg.ack == max.wrapping_sub(1));
            let effective_mss = self.effective_mss(self.conns[id].peer_mss) as usize;
            let c = &mut self.conns[id];
            let queued = c.handle.map_or(0, |h| self.sockets.get(h).send_queue());
            let window = (u32::from(seg.win) << c.shifts().1) as usize;
            let past_window = effective_mss.min(queued) > window;
            if only_fin_outstanding {
                // smoltcp's fast retransmission would send nothing and leave its
                // timer idle: the FIN would never be resent. Keep duplicates
                // from it and do what Linux does (tcp_fastretrans_alert): resend
                // the FIN on the third, once per ACK number.
                if c.dup_acks >= 3 && c.fin_resent_at != Some(seg.ack) {
                    c.fin_resent_at = Some(seg.ack);
                    self.resend_fin(id);
                }
                return None;
            }
            if past_window {
                // smoltcp's fast retransmission would send a full MSS past the
                // peer's window. Keep duplicates from it: its retransmission
                // timer resends within the window instead (Linux would
                // fast-retransmit the part that fits, RFC 9293 3.8.6).
                c.fr_suppressed = c.dup_acks >= 3;
                return None;
            }
        }
        let c = &mut self.conns[id];
        c.fr_mirror.observe(seg, c.snd_max);
        if !c.hold.is_empty() {
            self.release_held(id);
        }
        let c = &mut self.conns[id];
        let bare = seg.seq_len() == 0 && seg.payload_len == 0 && !seg.has(flags::RST);
        let at_or_past_edge = c.adv_edge.is_some_and(|edge| !seq::lt(seg.seq, edge))
            && c.adv_max_edge.is_some_and(|max| !seq::lt(max, seg.seq));
        if bare
            && at_or_past_edge
            && let Some(rcv_nxt) = c.rcv_nxt(queued)
            && rcv_nxt != seg.seq
        {
            // A Linux sender puts SND.NXT, or the right edge of our window when
            // SND.NXT lies past it, on its ACKs (tcp_acceptable_seq), and Linux
            // accepts a segment starting at that edge (tcp_sequence); nor does
            // a Linux receiver ever move its edge back. smoltcp 0.14 applies
            // RFC 9293's strict test (SEG.SEQ < RCV.NXT + RCV.WND) and rounds
            // its window down, moving the edge back by a few bytes: it would
            // drop such an ACK unread. The ACK is handed to smoltcp at RCV.NXT.
            return Some(frame::edited(
                &frame,
                frame::Edit {
                    seq: Some(rcv_nxt),
                    ..frame::Edit::default()
                },
            ));
        }
        let beyond_window = c.adv_edge.is_some_and(|edge| seq::lt(edge, data_end));
        if seg.has(flags::FIN) && seg.payload_len > 0 && beyond_window {
            // smoltcp 0.14 trims data to its window but still takes a FIN that
            // came after the trimmed bytes, losing them. Linux (tcp_data_queue)
            // drops the FIN with the bytes past the window: so does this layer.
            return Some(frame::edited(
                &frame,
                frame::Edit {
                    clear_fin: true,
                    ..frame::Edit::default()
                },
            ));
        }
        Some(frame)
    }

    /// Bookkeeping for a segment that smoltcp is about to take in. Returns the
    /// current window field when the segment is too old to set the window
    /// (Linux tcp_may_update_window) but carries the current ACK.
    pub(super) fn note_inbound(&mut self, id: ConnId, seg: &Segment) -> Option<u16> {
        let mss = seg.mss.map(u32::from);
        let ours = mss.map(|m| self.effective_mss(m));
        let c = &mut self.conns[id];
        if let (Some(m), Some(eff)) = (mss, ours) {
            c.peer_mss = m;
            c.acks.set_rcv_mss(eff);
        }
        if seg.has(flags::SYN) {
            c.peer_wscale = seg.wscale;
            c.rcv_base = Some(seg.seq.wrapping_add(1));
        }
        if seg.payload_len > 0 {
            c.acks.on_data_received(self.now);
        }
        if seg.has(flags::FIN) {
            c.acks.on_fin_received(c.fin_sent);
        }
        if seg.has(flags::ACK) && !seg.has(flags::RST) {
            c.tlp.on_ack(self.now, seg.ack);
            let outstanding = c.snd_max.is_some_and(|max| seq::lt(seg.ack, max));
            let advances = c.last_ack_received.is_none_or(|l| seq::lt(l, seg.ack));
            let dup = seg.payload_len == 0
                && !seg.has(flags::SYN)
                && c.last_ack_received == Some(seg.ack)
                && c.peer_win == Some(seg.win)
                && outstanding;
            if dup {
                c.dup_acks += 1;
            } else if c.last_ack_received.is_none_or(|l| seq::lt(l, seg.ack)) {
                c.dup_acks = 0;
                c.fr_suppressed = false;
                c.last_ack_received = Some(seg.ack);
            }
            if c.last_ack_received == Some(seg.ack) {
                c.peer_win = Some(seg.win);
            }
            let shift = if seg.has(flags::SYN) { 0 } else { c.shifts().1 };
            let edge = seg.ack.wrapping_add(u32::from(seg.win) << shift);
            if c.peer_edge.is_none_or(|e| seq::lt(e, edge)) {
                c.peer_edge = Some(edge);
            }
            // Linux's tcp_may_update_window: an ACK that advances, a segment
            // newer than SND.WL1, or the same one with a larger window.
            let newer = advances
                || c.snd_wl.is_none_or(|wl1| seq::lt(wl1, seg.seq))
                || (c.snd_wl == Some(seg.seq)
                    && c.peer_wnd_end.is_none_or(|end| seq::lt(end, edge)));
            if c.last_ack_received == Some(seg.ack) && !seg.has(flags::SYN) {
                if newer {
                    c.snd_wl = Some(seg.seq);
                    c.peer_wnd_end = Some(edge);
                    c.peer_wnd_field = Some(seg.win);
                } else {
                    return c.peer_wnd_field;
                }
            }
        }
        None
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
        while let Some((frame, route)) = self.arrivals.pop_front() {
            self.sockets
                .ingress(&mut self.iface, &mut self.device, now, frame, route);
        }
        self.drain_device();
    }
}
