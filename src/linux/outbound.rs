//! Frames smoltcp writes: corrected where smoltcp 0.14 differs from Linux,
//! passed through the ACK policy, and given a note saying why each was sent.

use crate::linux::ack_policy::AckDecision;
use crate::linux::conn::Conn;
use crate::linux::conn::ConnId;
use crate::linux::hold::Admit;
use crate::linux::rwnd;
use crate::linux::stack::{MSS_NO_OPTIONS, Outgoing, Stack, TIMESTAMP_OPTION_LEN};
use crate::scenario::model::Profile;
use crate::wire::flags;
use crate::wire::frame::{self, Segment};
use crate::wire::options;
use crate::wire::patch;
use crate::wire::seq;

/// The note of a zero-window probe this layer sends in place of smoltcp's.
pub(super) const ZERO_WINDOW_PROBE: &str = "zero-window probe as Linux sends it: SND.UNA - 1, no data (tcp_xmit_probe_skb); smoltcp's probe byte waits for the window";

impl Stack {
    /// Let smoltcp send what it wants to, and pass each frame through this layer.
    pub fn egress(&mut self) {
        let now = self.instant();
        self.sockets.egress(&mut self.iface, &mut self.device, now);
        self.drain_device();
        // Records ended with MSG_EOR: once one has left, the bytes after it
        // start a segment of their own.
        while let Some(id) = self.eor_waiting.pop_first() {
            self.push(id);
            self.sockets.egress(&mut self.iface, &mut self.device, now);
            self.drain_device();
        }
        self.forget_closed();
    }

    pub(super) fn drain_device(&mut self) {
        if self.device.tx.is_empty() {
            return;
        }
        // Swapped with a kept buffer rather than taken, so that the device's
        // list is not allocated again for every batch.
        let mut frames = std::mem::take(&mut self.tx_scratch);
        std::mem::swap(&mut frames, &mut self.device.tx);
        for frame in frames.drain(..) {
            self.outbound(frame);
        }
        self.tx_scratch = frames;
    }

    /// A frame smoltcp wrote: correct it where smoltcp 0.14 differs from Linux,
    /// apply the ACK policy, note why it was sent.
    pub(super) fn outbound(&mut self, frame: Vec<u8>) {
        let Some(seg) = frame::parse(&frame) else {
            self.outbox.push(Outgoing {
                frame,
                note: String::new(),
                seg: None,
            });
            return;
        };
        if seg.has(flags::SYN)
            && let Some(syn) = self.syn_options.get_mut(&seg.ends)
        {
            // A listener's SYN-ACK: its connection is made once the handshake
            // completes (`adopt.rs`), and needs our ISS then.
            syn.iss = Some(seg.seq);
        }
        let Some(id) = self.conn_of(&seg.ends) else {
            self.outbox.push(Outgoing {
                frame,
                note: String::new(),
                seg: Some(seg),
            });
            return;
        };
        self.mark(id);
        let linux = self.linux();
        if linux && self.smoltcp_resend(id, &seg) {
            return;
        }
        let Some((mut frame, mut seg, correction)) = self.correct_outbound(id, frame, seg) else {
            return;
        };
        if linux {
            self.linux_options(id, &mut frame, &mut seg);
            let c = &mut self.conns[id];
            if seg.has(flags::SYN) {
                c.psh.on_syn(seg.seq);
            } else if seg.payload_len > 0
                && let Some(want) = c
                    .psh
                    .psh(self.now, seg.seq, seg.payload_len, c.sender.sizing())
                && want != seg.has(flags::PSH)
            {
                patch::set_psh_in_place(&mut frame, want);
                seg.flags ^= flags::PSH;
            }
        }
        if linux {
            self.sender_outbound(id, &frame, &seg);
            if let Some((_, ecr)) = options::parse_options(&frame).and_then(|o| o.ts) {
                self.conns[id].last_tsecr = Some(ecr);
            }
        }
        let mut note = String::new();
        let now = self.now;
        let c = &mut self.conns[id];
        c.win.on_sent(&seg);
        let (frame, seg) = if linux && seg.has(flags::ACK) && !seg.has(flags::RST) {
            with_sack_blocks(c, frame, seg)
        } else {
            (frame, seg)
        };
        if linux && seg.is_pure_ack() && c.rsack.ack_now && c.gone.is_none() {
            note = if c.rsack.has_gap() {
                "out-of-order data: ACK at once with SACK blocks (RFC 5681 4.2, RFC 2018)"
                    .to_string()
            } else {
                "ACK at once: a gap filled or a duplicate arrived (RFC 5681 4.2)".to_string()
            };
        } else if linux && seg.is_pure_ack() && c.gone.is_none() && correction != ZERO_WINDOW_PROBE
        {
            match c.acks.decide(now, seg.ack, c.sender.rtt.srtt()) {
                AckDecision::Now(why) => note = why.to_string(),
                AckDecision::Defer { .. } => {
                    c.deferred = Some(frame);
                    return;
                }
            }
        }
        if seg.has(flags::ACK) {
            c.rsack.on_ack_sent();
            c.acks.on_ack_sent(seg.ack);
            c.win.sent_win = Some(seg.win);
            if c.acks.deferred_due.is_none() {
                c.deferred = None;
            }
        }
        if seg.payload_len > 0 {
            c.acks.on_data_sent(now);
        }
        if seg.has(flags::FIN) {
            c.close.fin_sent = true;
            c.dup.fin_frame = Some(frame.clone());
        }
        let end = seg.seq.wrapping_add(seg.seq_len());
        let retransmission = seg.seq_len() > 0
            && !seg.has(flags::SYN)
            && c.snd_max.is_some_and(|max| seq::lt(seg.seq, max));
        if c.snd_max.is_none_or(|max| seq::lt(max, end)) {
            c.snd_max = Some(end);
        }
        if let Some(forced) = c.forced_note.take() {
            note = forced;
        } else if let Some(why) = c.why_sent(&seg, retransmission) {
            note = why;
        }
        let note = crate::trace::text::join_onto(note, &correction);
        self.outbox.push(Outgoing {
            frame,
            note,
            seg: Some(seg),
        });
    }

    /// Where smoltcp 0.14 writes a segment Linux would not, rewrite it as Linux
    /// would, with a note saying so:
    /// - its pure ACKs and RSTs carry its own idea of SND.NXT, which go-back-N
    ///   rewinds to SND.UNA after a retransmission timeout and a zero-window
    ///   probe pushes past the peer's window. The peer finds such segments
    ///   outside its window and drops them without reading their ACK (RFC 9293
    ///   3.10.7.4; RFC 5961 3 for the RST): two such hosts retransmitting to
    ///   each other never hear each other's ACKs again. Linux writes SND.NXT,
    ///   or the right edge of the peer's window when SND.NXT lies past it
    ///   (tcp_acceptable_seq), and so does this layer;
    /// - data past the largest right edge the peer advertised never leaves
    ///   (RFC 9293 3.8.6): it is held (`hold`) and sent when the window opens.
    ///   The fast retransmissions that would write it are prevented in
    ///   `inbound_live`, so this is a safety net. A lone byte at the edge
    ///   leaves: a zero-window probe (RFC 9293 3.8.6.1).
    pub(super) fn correct_outbound(
        &mut self,
        id: ConnId,
        frame: Vec<u8>,
        seg: Segment,
    ) -> Option<(Vec<u8>, Segment, String)> {
        let c = &mut self.conns[id];
        let mut edit = frame::Edit::default();
        let mut note = String::new();
        let bare = seg.seq_len() == 0 && seg.payload_len == 0;
        if bare && let Some(max) = c.snd_max {
            // Linux's tcp_acceptable_seq: SND.NXT, or the right edge of the
            // peer's window when SND.NXT lies past it. Linux takes the current
            // window's edge; a Linux receiver never moves that edge back, but
            // smoltcp's does by up to 2^shift - 1 bytes (it rounds its free
            // space down), so the largest edge advertised is the one used.
            let target = match c.win.peer_edge {
                Some(end) if seq::lt(end, max) => end,
                _ => max,
            };
            if seg.seq != target {
                edit.seq = Some(target);
                let why = if seq::lt(seg.seq, target) {
                    "smoltcp rewinds to SND.UNA after a retransmission timeout"
                } else {
                    "smoltcp writes SND.NXT past the peer's window after a zero-window probe"
                };
                let what = if seg.has(flags::RST) {
                    "resets"
                } else {
                    "ACKs carry"
                };
                note = format!(
                    "seq moved {:+} ({why}; Linux {what} SND.NXT or the window's right edge, tcp_acceptable_seq; the peer drops a segment outside its window unread, RFC 9293 3.10.7.4)",
                    seq::distance(seg.seq, target)
                );
            }
        }
        let releasing = c.forced_note.is_some();
        if seg.payload_len > 0 && !seg.has(flags::SYN) && !releasing && !self.linux() {
            // The smoltcp profile keeps smoltcp's data-bearing zero-window probe.
            let data_probes = self.config.profile == Profile::Smoltcp;
            let c = &mut self.conns[id];
            match c.hold.admit(&frame, &seg, c.win.peer_edge, data_probes) {
                Admit::Whole => {}
                Admit::Part { keep } => {
                    edit.payload = Some((0, keep));
                    edit.clear_fin = true;
                    note = format!(
                        "{} bytes past the peer's window held back until it opens (smoltcp's fast retransmission ignores the window; Linux never sends past SND.UNA + SND.WND, RFC 9293 3.8.6)",
                        seg.payload_len - keep
                    );
                }
                Admit::Nothing => return self.instead_of_held(id, &frame, &seg),
            }
        }
        if edit == frame::Edit::default() {
            return Some((frame, seg, note));
        }
        let frame = frame::edited(&frame, edit);
        let seg = frame::parse(&frame).unwrap_or(seg);
        Some((frame, seg, note))
    }

    /// A segment whose payload is all held (it lies past the peer's window or
    /// behind held bytes): send what Linux would send in its place. smoltcp's
    /// one-byte zero-window probe becomes a probe with the first held byte; a
    /// segment carrying a new ACK leaves as a pure ACK; anything else, nothing.
    pub(super) fn instead_of_held(
        &mut self,
        id: ConnId,
        frame: &[u8],
        seg: &Segment,
    ) -> Option<(Vec<u8>, Segment, String)> {
        let c = &mut self.conns[id];
        let zero_window = c.win.peer_wnd_end.is_some() && c.win.peer_wnd_end == c.last_ack_received;
        if zero_window
            && self.config.profile == Profile::Linux
            && let Some(una) = c.last_ack_received
        {
            // smoltcp probes a zero window with a byte of new data (RFC 9293
            // 3.8.6.1 allows it); a probe byte the receiver takes moves RCV.NXT
            // past what the sender knows, one it refuses leaves SND.NXT past
            // the window, and either way a later RST can miss the window. Linux
            // probes with no data and SND.UNA - 1 (tcp_xmit_probe_skb), which
            // any receiver answers with its window; the byte stays held.
            let probe = frame::edited(
                frame,
                frame::Edit {
                    seq: Some(una.wrapping_sub(1)),
                    payload: Some((0, 0)),
                    clear_fin: true,
                    ..frame::Edit::default()
                },
            );
            let seg = frame::parse(&probe)?;
            return Some((probe, seg, ZERO_WINDOW_PROBE.to_string()));
        }
        let new_ack = seg.has(flags::ACK)
            && c.acks
                .last_ack_sent()
                .is_none_or(|sent| seq::lt(sent, seg.ack));
        if !new_ack {
            return None;
        }
        let ack_only = frame::edited(
            frame,
            frame::Edit {
                payload: Some((0, 0)),
                clear_fin: true,
                ..frame::Edit::default()
            },
        );
        let seg = frame::parse(&ack_only)?;
        self.correct_outbound(id, ack_only, seg)
    }

    /// Send what fits now of the bytes held back at the peer's window edge,
    /// with the current ACK and window.
    pub(super) fn release_held(&mut self, id: ConnId) {
        let c = &mut self.conns[id];
        let frames = c.hold.release(c.last_ack_received, c.win.peer_edge);
        for held in frames {
            let c = &mut self.conns[id];
            let frame = frame::edited(&held, c.current_ack_and_window());
            c.forced_note = Some(
                "held bytes past the peer's window, sent now that the window has opened"
                    .to_string(),
            );
            self.outbound(frame);
        }
    }

    /// Resend our FIN segment with the current ACK and window (Linux's fast
    /// retransmission of a FIN, RFC 5681 3.2).
    pub(super) fn resend_fin(&mut self, id: ConnId) {
        let c = &self.conns[id];
        let Some(fin) = &c.dup.fin_frame else { return };
        let frame = frame::edited(fin, c.current_ack_and_window());
        let note = format!(
            "fast retransmission of the FIN after {} duplicate ACKs (RFC 5681 3.2)",
            c.dup.count
        );
        let seg = frame::parse(&frame);
        self.outbox.push(Outgoing { frame, note, seg });
    }
}

impl Stack {
    /// The options of a segment this host sends, as Linux lays them out
    /// (tcp_options_write: `NOP, NOP, TS` rather than smoltcp's `TS, EOL,
    /// EOL`), and on a SYN only those the host's settings allow (no
    /// SACK-permitted without `tcp_sack`, no window scale without
    /// `tcp_window_scaling`), with Linux's window-scale shift and first
    /// window (`rwnd.rs`); on every other segment, Linux's window.
    fn linux_options(&mut self, id: ConnId, frame: &mut Vec<u8>, seg: &mut Segment) {
        let Some(mut opts) = options::parse_options(frame) else {
            return;
        };
        if seg.has(flags::SYN) {
            if !self.sysctl.sack {
                opts.sack_permitted = false;
            }
            if !self.sysctl.window_scaling {
                opts.wscale = None;
            }
            // A receive buffer other than tcp_rmem's default or largest is
            // one the program set (SO_RCVBUF): locked, it is the window's
            // clamp from the start (tcp_connect_init) and sets the shift;
            // otherwise the window starts from the default and grows with
            // reads (dynamic right-sizing).
            let rx = self.config.rx_buffer;
            let locked = rx != self.sysctl.rmem[1] && rx != self.sysctl.rmem[2];
            let shift = if locked {
                rwnd::wscale_for_space(self.config.rx_buffer)
            } else {
                rwnd::wscale_for(self.sysctl.rmem[2])
            };
            self.conns[id].rwnd.smoltcp_offered = opts.wscale.unwrap_or(0);
            if let Some(user) = self.conns[id].user_mss {
                opts.mss = opts.mss.map(|m| m.min(user));
            }
            if opts.wscale.is_some() {
                opts.wscale = Some(shift);
            }
            let advmss = u32::from(opts.mss.unwrap_or(MSS_NO_OPTIONS as u16));
            self.conns[id].advmss = advmss;
            // A SYN-ACK sizes the window in segments less the timestamps
            // option when the connection will carry it; a SYN does not yet
            // know (tcp_connect_init, tcp_openreq_init_rwin).
            let passive = seg.has(flags::ACK);
            let mss = if passive && opts.ts.is_some() {
                advmss - TIMESTAMP_OPTION_LEN
            } else {
                advmss
            };
            let limit = self.config.rx_buffer;
            let rcvbuf = if locked {
                limit.saturating_mul(2)
            } else {
                self.sysctl.rmem[1]
            };
            let c = &mut self.conns[id];
            let win = c.rwnd.on_syn(rcvbuf, limit, mss, advmss, shift);
            if passive {
                c.rwnd.negotiated(opts.wscale.is_some());
            }
            if let Some(out) = options::with_options(frame, &opts) {
                *frame = out;
            }
            patch::set_window_in_place(frame, win);
            *seg = frame::parse(frame).unwrap_or(*seg);
            return;
        }
        if seg.has(flags::ACK) && !seg.has(flags::RST) {
            let unread = self.unread(id);
            let c = &mut self.conns[id];
            let rcv_mss = c.acks.rcv_mss();
            let room = c.rwnd.smoltcp_bytes(seg.win);
            let win = c.rwnd.select(seg.ack, unread, rcv_mss, room);
            if win != seg.win {
                patch::set_window_in_place(frame, win);
                seg.win = win;
            }
        }
        if opts == options::TcpOptions::default() {
            return;
        }
        let layout = options::linux_layout(&opts);
        patch::set_options_in_place(frame, &layout);
    }
}

/// An ACK-bearing segment with the receiver's SACK blocks as Linux puts them
/// (`sack.rs`), in place of smoltcp's (at most one, on out-of-order ACKs only).
fn with_sack_blocks(c: &Conn, frame: Vec<u8>, seg: Segment) -> (Vec<u8>, Segment) {
    if !c.sender.sack_ok {
        return (frame, seg);
    }
    let Some(mut opts) = options::parse_options(&frame) else {
        return (frame, seg);
    };
    let blocks = c.rsack.blocks(options::sack_room(opts.ts.is_some()));
    if blocks == opts.sack {
        return (frame, seg);
    }
    opts.sack = blocks;
    match options::with_options(&frame, &opts) {
        Some(out) => {
            let seg = frame::parse(&out).unwrap_or(seg);
            (out, seg)
        }
        None => (frame, seg),
    }
}
