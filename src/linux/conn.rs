//! One connection as this layer keeps it beside its smoltcp socket, and the
//! types the socket calls return.

use std::collections::VecDeque;

use crate::linux::ack_policy::AckPolicy;
use crate::linux::dup_ack::DupAckMirror;
use crate::linux::hold::WindowHold;
use crate::linux::sockets::Slot;
use crate::linux::tlp::TailLossProbe;
use crate::scenario::model::Micros;
use crate::wire::frame::{self, Endpoints};

/// Index of a connection in its host's socket layer.
pub type ConnId = usize;

/// Index of a listening socket in its host's socket layer.
pub type ListenerId = usize;

/// Where a connect() stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectState {
    /// The handshake is under way.
    Pending,
    /// The handshake completed.
    Established,
    /// Refused, reset or timed out.
    Failed,
}

/// What recv() gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recv {
    /// Bytes read (at most the size asked for).
    Data(Vec<u8>),
    /// End of stream: the peer sent FIN and everything was read.
    Eof,
    /// Nothing to read yet.
    WouldBlock,
    /// The connection was reset.
    Reset,
}

/// Why a connection no longer exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gone {
    /// close() found this many unread bytes and reset.
    AbortedUnread(usize),
    /// Data arrived after close(), so the connection was reset.
    ResetAfterClose,
    /// The peer reset the connection.
    ResetByPeer,
    /// The connection closed normally.
    Closed,
    /// send() after shutdown(SHUT_WR) or close(): the write side is closed, and
    /// Linux fails the call with EPIPE (RFC 9293 3.10.2: "connection closing").
    /// Only send() returns it; the connection itself goes on.
    BrokenPipe,
}

impl Gone {
    pub(super) fn describe(&self) -> String {
        match self {
            Gone::AbortedUnread(n) => format!("reset by close() with {n} unread bytes"),
            Gone::ResetAfterClose => "reset when data arrived after close()".to_string(),
            Gone::ResetByPeer => "reset by the peer".to_string(),
            Gone::Closed => "closed".to_string(),
            Gone::BrokenPipe => "closed for sending".to_string(),
        }
    }
}

#[derive(Debug)]
pub(super) struct Conn {
    pub(super) handle: Option<Slot>,
    /// Local to remote, once known.
    pub(super) ends: Option<Endpoints>,
    pub(super) app_closed: bool,
    /// close() was called but held data must reach smoltcp first.
    pub(super) close_pending: bool,
    pub(super) gone: Option<Gone>,
    /// Bytes accepted by send() but not yet handed to smoltcp (Nagle, full buffer).
    pub(super) pending: VecDeque<u8>,
    /// Total bytes handed to smoltcp.
    pub(super) pushed: u64,
    /// End (in `pushed` bytes) of the last small segment pushed (Minshall's snd_sml).
    pub(super) small_end: u64,
    /// Number of send() calls and how many are still held by Nagle.
    pub(super) send_calls: u64,
    pub(super) held_calls: u64,
    pub(super) acks: AckPolicy,
    /// Deferred pure ACK frame, sent when its timer fires.
    pub(super) deferred: Option<Vec<u8>>,
    /// Notes for the next segments of a kind: FIN, RST.
    pub(super) fin_note: Option<String>,
    pub(super) rst_note: Option<String>,
    /// Highest sequence number sent, to spot retransmissions.
    pub(super) snd_max: Option<u32>,
    /// Consecutive duplicate ACKs received.
    pub(super) dup_acks: u32,
    pub(super) last_ack_received: Option<u32>,
    pub(super) peer_mss: u32,
    pub(super) tlp: TailLossProbe,
    /// Our FIN has left.
    pub(super) fin_sent: bool,
    /// TCP_NODELAY is set.
    pub(super) nodelay: bool,
    /// shutdown(SHUT_WR) or close() was called: send() fails with EPIPE.
    pub(super) write_closed: bool,
    /// The peer's first sequence number after its SYN (IRS + 1).
    pub(super) rcv_base: Option<u32>,
    /// Bytes the application has read.
    pub(super) read: u64,
    /// Window-scale shifts from the two SYNs (RFC 7323 2.2): ours, the peer's.
    pub(super) our_wscale: Option<u8>,
    pub(super) peer_wscale: Option<u8>,
    /// Right edge of the receive window smoltcp last advertised (it trims what
    /// arrives to it): ACK + window of the newest segment it wrote.
    pub(super) adv_edge: Option<u32>,
    /// The largest of those right edges: where a Linux receiver's edge would
    /// be, since Linux never moves it back.
    pub(super) adv_max_edge: Option<u32>,
    /// Window field of the last segment that actually left (held ACKs excluded).
    pub(super) sent_win: Option<u16>,
    /// The largest right edge the peer advertised (RFC 9293 3.8.6: SND.UNA + SND.WND).
    pub(super) peer_edge: Option<u32>,
    /// The right edge of the peer's current window (SND.UNA + SND.WND), taken
    /// only from a segment newer than the one that last set it (RFC 9293
    /// 3.10.7.4; Linux tcp_may_update_window), so a reordered old segment
    /// cannot move it back.
    pub(super) peer_wnd_end: Option<u32>,
    /// SND.WL1: the sequence number of that segment.
    pub(super) snd_wl: Option<u32>,
    /// That segment's window field.
    pub(super) peer_wnd_field: Option<u16>,
    /// Window field of the last ACK received, for duplicate-ACK detection.
    pub(super) peer_win: Option<u16>,
    /// Our last FIN segment, for a fast retransmission of a lone FIN.
    pub(super) fin_frame: Option<Vec<u8>>,
    /// The ACK number at which this layer last resent the FIN itself.
    pub(super) fin_resent_at: Option<u32>,
    /// smoltcp's duplicate-ACK count, mirrored.
    pub(super) fr_mirror: DupAckMirror,
    /// A third duplicate ACK was kept from smoltcp because its fast
    /// retransmission would have gone past the peer's window.
    pub(super) fr_suppressed: bool,
    /// Bytes smoltcp wrote past the peer's window, sent when it opens.
    pub(super) hold: WindowHold,
    /// The note for the next frame `outbound` handles, when this layer sends it.
    pub(super) forced_note: Option<String>,
    /// The `Stack::adopt_epoch` in which it was last touched.
    pub(super) touched: u64,
    /// This connection's keys in `Stack::fire_at` and `Stack::wake_at`.
    pub(super) fire_key: Option<Micros>,
    pub(super) wake_key: Option<Micros>,
}

impl Conn {
    /// The ACK number and window of the last segment that left: what a frame
    /// this layer sends again (a FIN, a probe, held bytes) must carry, since
    /// every segment reports the receiver's current state (RFC 9293 3.10.7.4).
    pub(super) fn current_ack_and_window(&self) -> frame::Edit {
        frame::Edit {
            ack: self.acks.last_ack_sent(),
            win: self.sent_win,
            ..frame::Edit::default()
        }
    }

    /// The shifts the two directions use, once both SYNs are known: scaling is
    /// on only when both SYNs carried the option (RFC 7323 2.2).
    pub(super) fn shifts(&self) -> (u8, u8) {
        match (self.our_wscale, self.peer_wscale) {
            (Some(ours), Some(theirs)) => (ours, theirs),
            _ => (0, 0),
        }
    }

    /// RCV.NXT for data: the next byte in order the application has not yet
    /// been given or queued (smoltcp's receive queue holds only in-order bytes).
    pub(super) fn rcv_nxt(&self, queued: usize) -> Option<u32> {
        self.rcv_base
            .map(|base| base.wrapping_add((self.read + queued as u64) as u32))
    }
}
