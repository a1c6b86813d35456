//! One connection as this layer keeps it beside its smoltcp socket, and the
//! types the socket calls return.

use crate::linux::ack_policy::AckPolicy;
use crate::linux::close::Closing;
use crate::linux::dup_ack::DupAcks;
use crate::linux::hold::WindowHold;
use crate::linux::nagle::Nagle;
use crate::linux::psh::PushMarks;
use crate::linux::rwnd::RcvWnd;
use crate::linux::sack::RcvSack;
use crate::linux::sender::Sender;
use crate::linux::sockets::Slot;
use crate::linux::window::Windows;
use crate::scenario::model::Micros;
use crate::wire::flags;
use crate::wire::frame::{self, Endpoints, Segment};

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
    /// Retransmissions went unanswered too long (SYN retries, TCP_USER_TIMEOUT):
    /// the connection ended without a RST (tcp_write_err), ETIMEDOUT.
    TimedOut,
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
            Gone::TimedOut => "timed out".to_string(),
            Gone::Closed => "closed".to_string(),
            Gone::BrokenPipe => "closed for sending".to_string(),
        }
    }
}

/// One connection: its smoltcp socket and what this layer keeps beside it,
/// one part per Linux behaviour.
#[derive(Debug)]
pub(super) struct Conn {
    pub(super) handle: Option<Slot>,
    /// Local to remote, once known.
    pub(super) ends: Option<Endpoints>,
    pub(super) gone: Option<Gone>,
    /// close(), shutdown() and the FIN (`close.rs`).
    pub(super) close: Closing,
    /// Bytes waiting to enter smoltcp, and Minshall's Nagle (`nagle.rs`).
    pub(super) nagle: Nagle,
    /// Where each write() ended, for the PSH flag (`psh.rs`).
    pub(super) psh: PushMarks,
    /// Both directions' window edges (`window.rs`).
    pub(super) win: Windows,
    /// The receive window Linux would advertise (`rwnd.rs`).
    pub(super) rwnd: RcvWnd,
    /// Duplicate ACKs and the fast retransmissions they start (`dup_ack.rs`).
    pub(super) dup: DupAcks,
    /// Out-of-order ranges for SACK blocks, and immediate ACKs (`sack.rs`).
    pub(super) rsack: RcvSack,
    /// Linux's ACK policy (`ack_policy.rs`).
    pub(super) acks: AckPolicy,
    /// Deferred pure ACK frame, sent when its timer fires.
    pub(super) deferred: Option<Vec<u8>>,
    /// Highest sequence number sent, to spot retransmissions.
    pub(super) snd_max: Option<u32>,
    /// The highest ACK number received (SND.UNA as this layer sees it).
    pub(super) last_ack_received: Option<u32>,
    /// The MSS the peer announced (1460 until its SYN says otherwise).
    pub(super) peer_mss: u32,
    /// The `linux` profile's sender: congestion control and loss recovery (`sender/`).
    pub(super) sender: Sender,
    /// Our MAC and the peer's, once a frame from the peer arrived.
    pub(super) macs: Option<([u8; 6], [u8; 6])>,
    /// The TSecr of the last segment smoltcp wrote (its TS.Recent).
    pub(super) last_tsecr: Option<u32>,
    /// Bytes smoltcp wrote past the peer's window, sent when it opens (`hold.rs`).
    pub(super) hold: WindowHold,
    /// The note for the next frame `outbound` handles, when this layer sends it.
    pub(super) forced_note: Option<String>,
    /// TCP_MAXSEG set before connect(): the most our SYN announces and the
    /// most a segment carries, whatever the peer offers (tcp_sync_mss).
    pub(super) user_mss: Option<u16>,
    /// The send buffer as tcp_sndbuf_expand grew it (`sockopt.rs`).
    pub(super) sndbuf: usize,
    /// SO_SNDBUF: a send buffer the program fixed (no growth).
    pub(super) sndbuf_lock: Option<usize>,
    /// The MSS our SYN announced (tcpi_advmss before the timestamps).
    pub(super) advmss: u32,
    /// Both SYNs carried timestamps: every segment does.
    pub(super) ts_on: bool,
    /// When data last arrived, or the peer's SYN (icsk_ack.lrcvtime).
    pub(super) last_data_recv: crate::scenario::model::Micros,
    /// Bytes that had arrived, unread, when the peer's RST came: Linux
    /// leaves them in the receive queue (tcp_reset sets sk_err and wakes
    /// the reader; tcp_recvmsg copies queued data before it looks at the
    /// error), where smoltcp's closed socket would refuse them.
    pub(super) unread_at_reset: std::collections::VecDeque<u8>,

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
            win: self.win.sent_win,
            ..frame::Edit::default()
        }
    }

    /// A bare ACK this layer sends itself (a window probe, a window
    /// update): `seq`, `ack` and the window field `win`, with the
    /// timestamps option (TSval `tsval`) when the connection carries it;
    /// `None` before the connection's addresses are known.
    pub(super) fn pure_ack(
        &self,
        seq: u32,
        ack: u32,
        win: u16,
        tsval: u32,
    ) -> Option<(Vec<u8>, Segment)> {
        let (ends, (ours, theirs)) = (self.ends?, self.macs?);
        let frame = frame::build_segment(&frame::SegmentSpec {
            src_mac: ours,
            dst_mac: theirs,
            ends,
            seq,
            ack,
            flags: flags::ACK,
            win,
            options: crate::wire::options::TcpOptions {
                ts: self.last_tsecr.map(|ecr| (tsval, ecr)),
                ..Default::default()
            },
            payload: &[],
        });
        let seg = frame::parse(&frame)?;
        Some((frame, seg))
    }

    /// Why smoltcp sent `seg`, when this layer can tell: a RST or FIN it
    /// asked for, a retransmission and what started it, or bytes Nagle held.
    pub(super) fn why_sent(&mut self, seg: &Segment, retransmission: bool) -> Option<String> {
        if seg.has(flags::RST) {
            return Some(
                self.close
                    .rst_note
                    .take()
                    .unwrap_or_else(|| "RST".to_string()),
            );
        }
        if retransmission {
            return Some(if self.dup.suppressed {
                "retransmission after the retransmission timeout (tcpsim kept the third duplicate ACK from smoltcp: its fast retransmission would have gone past the peer's window)".to_string()
            } else if self.dup.count >= 3 {
                format!(
                    "fast retransmission after {} duplicate ACKs",
                    self.dup.count
                )
            } else {
                "retransmission after the retransmission timeout".to_string()
            });
        }
        if seg.has(flags::FIN) {
            return Some(
                self.close
                    .fin_note
                    .take()
                    .unwrap_or_else(|| "FIN".to_string()),
            );
        }
        if seg.payload_len > 0 && self.nagle.held_calls > 0 {
            return Some(
                "Nagle released data held while a small segment was unacknowledged".to_string(),
            );
        }
        None
    }
}
