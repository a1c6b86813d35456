//! The per-connection rules, applied to segments in capture order.
//!
//! A capture is taken at one host. The frames that host sent are all there,
//! in the order it sent them (lost ones included); the frames it received are
//! there as they arrived: some lost on the way, some reordered or duplicated.
//! So each rule says which view it needs:
//!
//! - sound from either end, always checked: an ACK never covers sequence space
//!   the capture never showed (the receiver can only acknowledge what reached
//!   it, and what reached it was sent); bytes seen twice at one position are
//!   the same bytes; no data beyond the FIN; no data beyond the largest right
//!   edge the receiver advertised (at the sender, the advertisements are
//!   recorded as they arrive, before the data that relied on them; at the
//!   receiver, as they leave); every RST is acceptable to its receiver;
//! - checked only for the capture host's own segments: new data starts where
//!   the highest sequence number sent so far ended (at the receiver a gap is
//!   just a lost segment), and ACK numbers never go backwards (arrivals may be
//!   reordered).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use super::segment::Seg;
use super::stream::{Content, Ranges};
use super::{Rule, Violation};
use crate::wire::flags;
use crate::wire::seq::{self, Unwrap};

/// One direction of a connection, named by its sender.
#[derive(Debug, Clone, Default)]
struct Half {
    /// Positions in this sender's sequence space; position 0 is the ISN when
    /// the SYN was seen, else the first sequence number seen.
    num: Option<Unwrap>,
    syn_seen: bool,
    /// The window scale option of its SYN.
    wscale: Option<u8>,
    /// Highest end of sequence space seen (exclusive).
    hi: Option<i64>,
    covered: Ranges,
    content: Content,
    fin: Option<i64>,
    /// As the receiver of the other direction (positions in the peer's space):
    /// the highest ACK it sent, and the largest right edge it advertised.
    max_ack: Option<i64>,
    right_edge: Option<i64>,
    /// It sent a segment with the ACK flag.
    sent_ack: bool,
    /// Raw ACK numbers it sent (a RST answering one of its segments carries one).
    acks: BTreeSet<u32>,
    /// Raw SEG.SEQ + SEG.LEN of its segments without ACK (a RST,ACK answering
    /// one acknowledges exactly that, RFC 9293 3.10.7.1).
    ends_without_ack: BTreeSet<u32>,
    sent_anything: bool,
}

impl Half {
    /// Everything in `[0, result)` was seen (the SYN is position 0).
    fn contiguous_end(&self) -> i64 {
        self.covered.contiguous_from(0)
    }

    fn isn_known(&self) -> bool {
        self.syn_seen
    }

    fn rel(&self, pos: i64) -> u32 {
        self.num.map_or(pos as u32, |n| n.relative(pos))
    }
}

#[derive(Debug, Clone, Default)]
struct Conn {
    /// Indexed 0 for segments from the lower endpoint, 1 from the higher.
    halves: [Half; 2],
}

type Endpoint = (Ipv4Addr, u16);

/// Applies the rules to a capture's segments, in order.
#[derive(Debug, Default)]
pub struct Checker {
    conns: BTreeMap<(Endpoint, Endpoint), Conn>,
    violations: Vec<Violation>,
}

impl Checker {
    pub fn new() -> Checker {
        Checker::default()
    }

    pub fn finish(self) -> Vec<Violation> {
        self.violations
    }

    fn flag(&mut self, seg: &Seg, rule: Rule, detail: String) {
        self.violations.push(Violation {
            frame: seg.frame,
            rule,
            detail,
        });
    }

    /// Take in the next segment of the capture.
    pub fn segment(&mut self, s: &Seg) {
        let a = (s.src, s.src_port);
        let b = (s.dst, s.dst_port);
        let (key, i) = if a <= b { ((a, b), 0) } else { ((b, a), 1) };
        let j = 1 - i;
        let conn = self.conns.entry(key).or_default();
        // A SYN with a new ISN starts a new connection on the same four numbers.
        let isn_changed = conn.halves[i].syn_seen
            && s.has(flags::SYN)
            && conn.halves[i].num.is_some_and(|n| n.base() != s.seq);
        if isn_changed {
            *conn = Conn::default();
        }
        let mut conn = std::mem::take(conn);
        let mut found = Vec::new();
        check_segment(&mut conn.halves, i, j, s, &mut found);
        self.conns.insert(key, conn);
        for (rule, detail) in found {
            self.flag(s, rule, detail);
        }
    }
}

fn check_segment(
    halves: &mut [Half; 2],
    i: usize,
    j: usize,
    s: &Seg,
    out: &mut Vec<(Rule, String)>,
) {
    let rst = s.has(flags::RST);
    if s.has(flags::SYN) && !rst && !halves[i].syn_seen {
        halves[i].syn_seen = true;
        halves[i].wscale = s.wscale;
        if halves[i].num.is_none() {
            halves[i].num = Some(Unwrap::new(s.seq));
        } else {
            // Segments seen before the SYN (a capture that starts mid-handshake
            // is odd enough): restart the numbering at the ISN.
            halves[i] = Half {
                num: Some(Unwrap::new(s.seq)),
                syn_seen: true,
                wscale: s.wscale,
                ..Half::default()
            };
        }
    }
    if halves[i].num.is_none() && !rst {
        halves[i].num = Some(Unwrap::new(s.seq));
    }

    if rst {
        rst_rule(halves, i, j, s, out);
    } else {
        sequence_rules(&mut halves[i], s, out);
    }
    ack_rules(halves, i, j, s, out);
    if !rst {
        window_rule(halves, i, j, s, out);
    }

    let me = &mut halves[i];
    me.sent_anything = true;
    if s.has(flags::ACK) {
        me.sent_ack = true;
        me.acks.insert(s.ack);
    } else {
        me.ends_without_ack.insert(seq::add(s.seq, s.seq_len()));
    }
}

/// New data starts at the highest sequence sent; anything below it is a
/// retransmission of the same bytes; nothing follows the FIN.
fn sequence_rules(me: &mut Half, s: &Seg, out: &mut Vec<(Rule, String)>) {
    let Some(num) = me.num else { return };
    let start = num.position(s.seq);
    let syn = i64::from(s.has(flags::SYN));
    let data_start = start + syn;
    let data_end = data_start + i64::from(s.len);
    let end = start + i64::from(s.seq_len());
    if s.seq_len() == 0 {
        return;
    }
    if s.outbound == Some(true)
        && let Some(hi) = me.hi
        && start > hi
    {
        out.push((
            Rule::NewData,
            format!(
                "segment starts at seq {}, but the highest sequence sent so far ends at {}: \
                 {} bytes skipped",
                me.rel(start),
                me.rel(hi),
                start - hi
            ),
        ));
    }
    if let Some(fin) = me.fin {
        if s.has(flags::FIN) && data_end != fin {
            out.push((
                Rule::Retransmission,
                format!(
                    "FIN at seq {}, but an earlier FIN was at seq {}",
                    me.rel(data_end),
                    me.rel(fin)
                ),
            ));
        } else if data_end > fin {
            out.push((
                Rule::Retransmission,
                format!(
                    "data up to seq {} goes beyond the FIN sent at seq {}",
                    me.rel(data_end),
                    me.rel(fin)
                ),
            ));
        }
    }
    if let Some(payload) = &s.payload
        && let Some(at) = me.content.insert(data_start, payload)
    {
        out.push((
            Rule::Retransmission,
            format!(
                "the byte at seq {} differs from the byte sent there before: a segment \
                 below the highest sequence must resend the same bytes",
                me.rel(at)
            ),
        ));
    }
    me.covered.insert(start, end);
    if s.has(flags::FIN) && me.fin.is_none() {
        me.fin = Some(data_end);
    }
    me.hi = Some(me.hi.map_or(end, |h| h.max(end)));
    if let Some(n) = me.num.as_mut() {
        n.advance_to(end);
    }
}

/// No ACK covers sequence space never seen; ACKs never go backwards (except
/// on RST); record the receiver's advertised right edge.
fn ack_rules(halves: &mut [Half; 2], i: usize, j: usize, s: &Seg, out: &mut Vec<(Rule, String)>) {
    if !s.has(flags::ACK) {
        return;
    }
    let Some(peer_num) = halves[j].num else {
        return;
    };
    let ack = peer_num.position(s.ack);
    let rst = s.has(flags::RST);
    let peer = &halves[j];
    if peer.isn_known() {
        let seen = peer.contiguous_end();
        if ack > seen {
            let hi = peer.hi.unwrap_or(0);
            out.push((
                Rule::AckOfUnsent,
                format!(
                    "ACK {} acknowledges bytes never sent: the peer's sequence space seen so \
                     far is contiguous up to {} (highest {})",
                    peer.rel(ack),
                    peer.rel(seen),
                    peer.rel(hi)
                ),
            ));
        }
    }
    if rst {
        return;
    }
    let peer_rel = |pos: i64| peer_num.relative(pos);
    let me = &halves[i];
    if s.outbound == Some(true)
        && let Some(max) = me.max_ack
        && ack < max
    {
        out.push((
            Rule::AckBackwards,
            format!(
                "ACK went back from {} to {} without a RST",
                peer_rel(max),
                peer_rel(ack)
            ),
        ));
    }
    let shift = if s.has(flags::SYN) {
        // RFC 7323 2.2: the window of a SYN is never scaled.
        Some(0)
    } else if halves[i].syn_seen && halves[j].syn_seen {
        // RFC 7323 2.2: scaling is on only when both SYNs carried the option.
        match (halves[i].wscale, halves[j].wscale) {
            (Some(mine), Some(_)) => Some(mine),
            _ => Some(0),
        }
    } else {
        None
    };
    let me = &mut halves[i];
    me.max_ack = Some(me.max_ack.map_or(ack, |m| m.max(ack)));
    if let Some(shift) = shift {
        let right = ack + seq::scaled_window(s.win, shift) as i64;
        me.right_edge = Some(me.right_edge.map_or(right, |r| r.max(right)));
    }
}

/// No data beyond the largest right edge the receiver advertised. A lone byte
/// just past it is a zero-window probe (RFC 9293 3.8.6.1).
fn window_rule(halves: &mut [Half; 2], i: usize, j: usize, s: &Seg, out: &mut Vec<(Rule, String)>) {
    if s.len == 0 {
        return;
    }
    let (Some(num), Some(right)) = (halves[i].num, halves[j].right_edge) else {
        return;
    };
    let data_start = num.position(s.seq) + i64::from(s.has(flags::SYN));
    let data_end = data_start + i64::from(s.len);
    let probe = s.len == 1 && data_start == right;
    if data_end > right && !probe {
        out.push((
            Rule::Window,
            format!(
                "data up to seq {} goes beyond the window the peer advertised (right edge {}): \
                 {} bytes too many",
                num.relative(data_end),
                num.relative(right),
                data_end - right
            ),
        ));
    }
}

/// Every RST is acceptable to its receiver (RFC 9293 3.10.7, RFC 5961 3):
/// in SYN-SENT it must acknowledge the SYN; otherwise its sequence number must
/// lie in the receive window, unless it answers a segment, when RFC 9293
/// 3.10.7.1 makes it SEG.ACK of that segment. The receiver's RCV.NXT is known
/// only within bounds (its last ACK below, what it could have received above),
/// so a RST is flagged only when no receiver state within them accepts it.
///
/// The window's right edge itself counts as inside: an ABORT sends
/// <SEQ=SND.NXT> (RFC 9293 3.10.4), which is the right edge when the sender
/// has filled the window, and Linux's tcp_sequence() accepts a segment
/// starting there (`!after(seq, rcv_nxt + rcv_wnd)`).
fn rst_rule(halves: &mut [Half; 2], i: usize, j: usize, s: &Seg, out: &mut Vec<(Rule, String)>) {
    let (me, peer) = (&halves[i], &halves[j]);
    if !peer.sent_anything {
        // Its receiver never showed any state: nothing to judge against.
        return;
    }
    let answers =
        peer.acks.contains(&s.seq) || (s.has(flags::ACK) && peer.ends_without_ack.contains(&s.ack));
    if answers {
        return;
    }
    let syn_acked = s.has(flags::ACK)
        && peer.isn_known()
        && peer.num.is_some_and(|n| {
            let a = n.position(s.ack);
            a > 0 && a <= peer.hi.unwrap_or(0)
        });
    // In SYN-SENT the receiver has sent only its SYN and not yet heard a SYN.
    let syn_sent_certain = peer.syn_seen && !peer.sent_ack && !me.syn_seen;
    let syn_sent_possible = peer.syn_seen && !peer.sent_ack;
    let in_window = match (me.num, peer.max_ack, me.isn_known()) {
        (Some(num), Some(low), true) => {
            let p = num.position(s.seq);
            let high_ok = match peer.right_edge {
                Some(r) => p <= r || p <= me.contiguous_end(),
                None => true,
            };
            Some(p >= low && high_ok)
        }
        _ => None,
    };
    let acceptable = if syn_sent_certain {
        syn_acked
    } else if syn_sent_possible {
        syn_acked || in_window.unwrap_or(true)
    } else {
        in_window.unwrap_or(true)
    };
    if acceptable {
        return;
    }
    let detail = if syn_sent_certain {
        if s.has(flags::ACK) {
            format!(
                "RST,ACK to a host in SYN-SENT acknowledges {} , not its SYN (RFC 9293 3.10.7.3)",
                peer.rel(peer.num.map_or(0, |n| n.position(s.ack)))
            )
        } else {
            "RST without ACK to a host in SYN-SENT is not acceptable (RFC 9293 3.10.7.3)"
                .to_string()
        }
    } else {
        let num = me.num.expect("in_window needs numbering");
        let low = peer.max_ack.unwrap_or(0);
        let window = match peer.right_edge {
            Some(r) => format!("[{}, {}]", num.relative(low), num.relative(r)),
            None => format!("[{}, ...)", num.relative(low)),
        };
        format!(
            "RST seq {} is outside the receiver's window {} and answers none of its \
             segments (RFC 9293 3.10.7.4, RFC 5961 3.2)",
            num.relative(num.position(s.seq)),
            window
        )
    };
    out.push((Rule::RstUnacceptable, detail));
}
