//! The `linux` profile's sending, driven by each connection's [`Sender`]:
//! smoltcp writes a segment when this layer hands it bytes, and this layer
//! hands it only what the congestion window and the peer's window allow
//! (`push.rs` asks [`Stack::send_quota`]); every retransmission is this
//! layer's, from its copy of what was sent, and smoltcp's own (its RTO's
//! go-back-N) never reach the wire.
//!
//! [`Sender`]: crate::linux::sender::Sender

use smoltcp::socket::tcp::State;

use crate::linux::conn::ConnId;
use crate::linux::sender::Why;
use crate::linux::sender::ack::AckIn;
use crate::linux::sender::timer::Fired;
use crate::linux::sender::xmit::Resend;
use crate::linux::stack::{Outgoing, Stack, tsval_now};
use crate::scenario::model::Micros;
use crate::wire::frame::{self, Segment};
use crate::wire::options;
use crate::wire::{flags, patch, seq};

/// The note of a zero-window probe this layer sends.
pub(super) const ZERO_WINDOW_PROBE_NOTE: &str =
    "zero-window probe as Linux sends it: SND.UNA - 1, no data (tcp_xmit_probe_skb)";

impl Stack {
    /// Whether `seg`, a segment smoltcp wrote, is smoltcp resending data
    /// after its own timeout: this layer's recovery owns retransmission, so
    /// such a segment never leaves.
    pub(super) fn smoltcp_resend(&mut self, id: ConnId, seg: &Segment) -> bool {
        let s = &mut self.conns[id].sender;
        if seg.has(flags::SYN) && s.handshake.is_some() {
            // smoltcp's own SYN timer never reaches the wire (this layer's
            // does, `timer.rs`); its answer to a repeated SYN does.
            if std::mem::take(&mut s.dup_syn) {
                s.on_syn_resent();
                return false;
            }
            return true;
        }
        s.started
            && seg.seq_len() > 0
            && !seg.has(flags::SYN)
            && !seg.has(flags::RST)
            && seq::lt(seg.seq, s.snd_nxt)
    }

    /// A segment leaving for the link (after this layer's corrections): its
    /// SYN starts the sender's clock, and new data and FINs enter the
    /// retransmission queue.
    pub(super) fn sender_outbound(&mut self, id: ConnId, frame: &[u8], seg: &Segment) {
        let now = self.now;
        let c = &mut self.conns[id];
        if seg.has(flags::SYN) {
            if c.sender.handshake.is_none() && !c.sender.started {
                c.sender
                    .on_syn_sent(now, seg.seq, frame.to_vec(), seg.has(flags::ACK));
            }
            return;
        }
        if seg.seq_len() == 0 || seg.has(flags::RST) {
            return;
        }
        let end = seg.seq.wrapping_add(seg.seq_len());
        c.sender.on_new_segment(now, seg.seq, end, frame.to_vec());
        c.sender.window_open();
    }

    /// An ACK arriving for connection `id` (linux profile), before smoltcp
    /// reads it: the sender takes it in and what it resends leaves at once.
    pub(super) fn sender_inbound(
        &mut self,
        id: ConnId,
        frame: &[u8],
        seg: &Segment,
        win_update: bool,
    ) {
        if !seg.has(flags::ACK) || seg.has(flags::RST) {
            return;
        }
        let opts = options::parse_options(frame).unwrap_or_default();
        let now_ts = tsval_now();
        let offset = self.tsval_offset;
        let sack_on = self.sysctl.sack;
        let c = &mut self.conns[id];
        if let Some(macs) = frame::macs(frame) {
            c.macs = Some((macs.1, macs.0));
        }
        if seg.has(flags::SYN) {
            c.sender.sack_ok = sack_on && opts.sack_permitted;
        }
        let (ts_rtt, ts_before_retrans) = match opts.ts {
            Some((_, ecr)) if ecr != 0 => {
                let rtt = Micros::from(now_ts.wrapping_sub(ecr)) * 1000;
                let before = c
                    .sender
                    .retrans_stamp
                    .map(|t| seq::lt(ecr, ((t / 1000) as u32).wrapping_add(offset)))
                    .unwrap_or(false);
                (Some(rtt.max(1000)), before)
            }
            _ => (None, false),
        };
        let a = AckIn {
            ack: seg.ack,
            sack: if c.sender.sack_ok {
                opts.sack
            } else {
                Vec::new()
            },
            ts_rtt,
            ts_before_retrans,
            has_data: seg.payload_len > 0 || seg.has(flags::FIN),
            win_update,
        };
        let now = self.now;
        let resend = self.conns[id].sender.on_ack(now, &a);
        self.sample_cwnd(id);
        self.emit_resends(id, resend);
    }

    /// Send the segments the sender resends, each with the current ACK,
    /// window and timestamps, and a note saying why.
    pub(super) fn emit_resends(&mut self, id: ConnId, resend: Vec<Resend>) {
        let frames: Vec<Vec<u8>> = resend
            .iter()
            .map(|r| {
                let c = &self.conns[id];
                let mut edit = c.current_ack_and_window();
                edit.payload = r.keep;
                if let Some(ecr) = c.last_tsecr {
                    edit.ts = Some((tsval_now(), ecr));
                }
                frame::edited(&r.frame, edit)
            })
            .collect();
        let spans: Vec<(u32, u32)> = frames
            .iter()
            .map(|f| frame::parse(f).map_or((0, 0), |s| (s.seq, s.payload_len)))
            .collect();
        let c = &self.conns[id];
        let psh = c.psh.psh_resent(&spans, c.sender.sizing());
        for ((r, mut frame), want) in resend.into_iter().zip(frames).zip(psh) {
            if let Some(want) = want {
                patch::set_psh_in_place(&mut frame, want);
            }
            let c = &self.conns[id];
            let note = resend_note(r.why, &c.sender);
            let seg = frame::parse(&frame);
            self.outbox.push(Outgoing { frame, note, seg });
        }
    }

    /// How many bytes of new data may go now: whole segments while the
    /// congestion window has room (tcp_cwnd_test) and each fits the peer's
    /// window (tcp_snd_wnd_test); `queued` bytes wait, `mss` per segment.
    pub(super) fn send_quota(&self, id: ConnId, queued: u64, mss: u64, unsent: u64) -> u64 {
        let c = &self.conns[id];
        let s = &c.sender;
        let wnd_end = match (c.win.peer_wnd_end, c.last_ack_received) {
            (Some(end), Some(_)) => end,
            _ => return queued,
        };
        let mut next = s.snd_nxt.wrapping_add(unsent as u32);
        let mut quota = s.cwnd_quota(unsent.div_ceil(mss) as u32);
        let mut allowed = 0;
        while allowed < queued && quota > 0 {
            let len = mss.min(queued - allowed);
            let end = next.wrapping_add(len as u32);
            if seq::lt(wnd_end, end) {
                break;
            }
            allowed += len;
            next = end;
            quota -= 1;
        }
        allowed
    }

    /// The sender's timer fired for connection `id`.
    pub(super) fn fire_sender(&mut self, id: ConnId) {
        let now = self.now;
        let c = &mut self.conns[id];
        if c.sender.timer_due().is_none_or(|t| t > now) {
            return;
        }
        let unsent_fits = !c.nagle.pending.is_empty() && self.window_room(id) > 0;
        let fired: Fired = self.conns[id].sender.fire(now, unsent_fits);
        if fired.abort {
            self.abort_timed_out(id);
            return;
        }
        let tlp = fired.probe_new_data || fired.resend.iter().any(|r| r.why == Why::Tlp);
        if fired.probe_new_data {
            self.push_probe(id);
        }
        self.emit_resends(id, fired.resend);
        if tlp {
            self.conns[id].sender.probe_sent(now);
        }
        if fired.zero_window_probe {
            self.zero_window_probe(id);
        }
        self.sample_cwnd(id);
        self.mark(id);
    }

    /// Bytes of the peer's window not yet used.
    pub(super) fn window_room(&self, id: ConnId) -> u64 {
        let c = &self.conns[id];
        match c.win.peer_wnd_end {
            Some(end) => seq::distance(c.sender.snd_nxt, end).max(0) as u64,
            None => u64::MAX,
        }
    }

    /// A tail loss probe with new data: one segment, whatever the congestion
    /// window (tcp_send_loss_probe's tcp_write_xmit with push_one = 2).
    fn push_probe(&mut self, id: ConnId) {
        self.push_limit = Some((id, 1));
        self.push(id);
        self.push_limit = None;
        self.egress();
    }

    /// tcp_send_probe0 / tcp_write_wakeup: a segment of what the window takes
    /// when it has room, else an empty ACK at SND.UNA - 1.
    fn zero_window_probe(&mut self, id: ConnId) {
        if self.window_room(id) > 0 {
            self.conns[id].psh.probe_next = true;
            self.push_limit = Some((id, 1));
            self.push(id);
            self.push_limit = None;
            self.egress();
            self.conns[id].psh.probe_next = false;
            return;
        }
        let c = &self.conns[id];
        let current = c.current_ack_and_window();
        let seq = c.sender.snd_una.wrapping_sub(1);
        let Some((frame, seg)) = c.pure_ack(
            seq,
            current.ack.unwrap_or(0),
            current.win.unwrap_or(0),
            tsval_now(),
        ) else {
            return;
        };
        self.outbox.push(Outgoing {
            frame,
            note: ZERO_WINDOW_PROBE_NOTE.to_string(),
            seg: Some(seg),
        });
    }

    /// After data waited at a shut window with nothing in flight: arm the
    /// zero-window probe (tcp_check_probe_timer).
    pub(super) fn check_probe_timer(&mut self, id: ConnId) {
        let now = self.now;
        let c = &mut self.conns[id];
        let established = c
            .handle
            .is_some_and(|h| self.sockets.get(h).state() != State::SynSent);
        if established && !c.nagle.pending.is_empty() {
            c.sender.arm_probe0(now);
            self.timers_stale.mark(id);
        }
    }
}

/// The note of a retransmission this layer sends.
fn resend_note(why: Why, s: &crate::linux::sender::Sender) -> String {
    let ms = |us: Micros| us as f64 / 1000.0;
    match why {
        Why::Tlp => format!(
            "tail loss probe: last segment resent, no ACK within PTO {:.1} ms (RFC 8985 7.3)",
            ms(s.last_pto)
        ),
        Why::Syn => format!(
            "{} retransmitted: no answer within {:.0} ms (RFC 6298 5.5; tcp_syn_linear_timeouts keeps an active open's first ones at 1 s)",
            if s.handshake.as_ref().is_some_and(|h| h.2) { "SYN-ACK" } else { "SYN" },
            ms(s.last_syn_timeout())
        ),
        Why::Rto => format!(
            "retransmission timeout: the oldest unacknowledged segment resent after RTO {:.0} ms, cwnd 1 (RFC 6298 5.4)",
            ms(s.rto / 2)
        ),
        Why::AfterRto => {
            "retransmission after the timeout: marked lost, resent as the window grows again (RFC 6298 5.4, slow start from 1)".to_string()
        }
        Why::Rack | Why::Sack => format!(
            "fast retransmission: RACK marked it lost, a segment sent after it was delivered (RFC 8985 6.2), cwnd {} in recovery",
            s.w.cwnd
        ),
    }
}
