//! The trace checker: does a capture obey TCP's sequence and acknowledgment
//! arithmetic, and did each application get the bytes the other side sent?
//!
//! Rules, per direction of every connection (see [`Rule`] for each one's
//! source and the capture view it needs):
//!
//! - new data starts where the highest sequence number sent so far ended (SYN
//!   and FIN count one); anything else is a retransmission, which carries the
//!   same bytes at the same sequence numbers, and nothing follows the FIN;
//! - no ACK acknowledges bytes never sent;
//! - ACK numbers never go backwards, except on a RST;
//! - no sender puts bytes beyond the window its peer advertised (scaled by the
//!   window scale option of the SYNs, RFC 7323 2);
//! - every RST is acceptable to its receiver (RFC 9293 3.10.7, RFC 5961 3);
//! - for a simulator run ([`check_trace`]): each program received no more than
//!   the other sent and no more than arrived in order, and a program that read
//!   to the end of the stream received exactly what the other sent.
//!
//! All sequence arithmetic goes through [`crate::wire::seq`].
//!
//! ```
//! let scenario = tcpsim::scenario::load(std::path::Path::new("sim-scenarios/v2.toml")).unwrap();
//! let trace = tcpsim::run(scenario);
//! assert!(tcpsim::trace::check::check_trace(&trace).is_empty());
//! ```

pub mod capture;
mod rules;
pub mod segment;
mod stream;

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

pub use segment::{Link, Seg};

use crate::scenario::model::Role;
use crate::trace::{Seen, Trace, flags};
use crate::wire::frame::Endpoints;
use crate::wire::seq::Unwrap;
use stream::{Content, Ranges};

/// The rule a violation breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// New data starts where the highest sequence number sent so far ended
    /// (RFC 9293 3.4: SND.NXT advances by the octets sent, SYN and FIN count
    /// one). Checked on the capture host's own segments.
    NewData,
    /// A segment below the highest sequence number is a retransmission: the
    /// same bytes at the same sequence numbers; no data after the FIN, and
    /// the FIN never moves (RFC 9293 3.9: data is a byte stream, FIN ends it).
    Retransmission,
    /// No ACK acknowledges sequence space that was never sent (RFC 9293
    /// 3.10.7.4: such an ACK is not acceptable).
    AckOfUnsent,
    /// ACK numbers never go backwards except on a RST (RCV.NXT only grows,
    /// RFC 9293 3.3.1). Checked on the capture host's own segments.
    AckBackwards,
    /// No sender puts bytes beyond the right edge of the window its peer
    /// advertised (RFC 9293 3.8.6, RFC 7323 2.3 scaling); a one-byte
    /// zero-window probe just past it is allowed (RFC 9293 3.8.6.1).
    Window,
    /// A RST is acceptable to its receiver (RFC 9293 3.10.7, RFC 5961 3).
    RstUnacceptable,
    /// The bytes each application received are the bytes the other side
    /// sent, in order, with no gap and no duplicate.
    Delivery,
}

impl Rule {
    /// Short kebab-case name, as shown in reports.
    pub fn name(self) -> &'static str {
        match self {
            Rule::NewData => "new-data",
            Rule::Retransmission => "retransmission",
            Rule::AckOfUnsent => "ack-of-unsent",
            Rule::AckBackwards => "ack-backwards",
            Rule::Window => "window",
            Rule::RstUnacceptable => "rst-acceptable",
            Rule::Delivery => "delivery",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// 1-based frame number (Wireshark's No.); 0 for a violation about the
    /// run as a whole (delivery).
    pub frame: usize,
    /// The rule broken.
    pub rule: Rule,
    /// What was seen, with relative sequence numbers (the ISN is 0).
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.frame == 0 {
            write!(f, "end of run: [{}] {}", self.rule, self.detail)
        } else {
            write!(f, "frame {}: [{}] {}", self.frame, self.rule, self.detail)
        }
    }
}

/// Check segments in capture order. `capture_host` is the address of the
/// host the capture was taken at; it marks each segment as sent or received
/// (where the segment does not say already). Without it, the rules that need
/// to know the sender's side ([`Rule::NewData`], [`Rule::AckBackwards`]) are
/// not applied.
pub fn check_segments(segs: &[Seg], capture_host: Option<Ipv4Addr>) -> Vec<Violation> {
    let mut checker = rules::Checker::new();
    for s in segs {
        if s.outbound.is_none() && capture_host.is_some() {
            checker.segment(&marked(s.clone(), capture_host));
        } else {
            checker.segment(s);
        }
    }
    checker.finish()
}

/// Check a pcapng (or classic pcap) capture from anywhere. The capture host is
/// taken from the packets' direction flags, else from the handshake's timing
/// ([`capture::infer_capture_host`]). Errors say why the file is unreadable.
pub fn check_pcapng(bytes: &[u8]) -> Result<Vec<Violation>, String> {
    let segs = capture::read(bytes)?;
    let host = capture::infer_capture_host(&segs);
    Ok(check_segments(&segs, host))
}

/// What [`check_capture_file`] found: the violations, and how many packets
/// were checked and skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureReport {
    /// Every broken rule, in frame order.
    pub violations: Vec<Violation>,
    /// Packets read and TCP segments among them.
    pub tally: capture::Tally,
}

/// Check the capture file at `path`, streaming it twice (once to find the
/// capture host, once to check), so memory does not grow with the file,
/// only with what the rules keep per connection. Errors say why the file
/// is unreadable, naming the packet; a capture with no TCP segment over
/// IPv4 is an error too: nothing was checked.
pub fn check_capture_file(path: &std::path::Path) -> Result<CaptureReport, String> {
    let open = || {
        std::fs::File::open(path)
            .map(std::io::BufReader::new)
            .map_err(|e| format!("cannot read: {e}"))
    };
    let mut guess = capture::HostGuess::default();
    capture::read_each(open()?, &mut |s| !guess.see(&s))?;
    let host = guess.host();
    let mut checker = rules::Checker::new();
    let tally = capture::read_each(open()?, &mut |s| {
        checker.segment(&marked(s, host));
        true
    })?;
    if tally.segments == 0 {
        return Err(format!(
            "no TCP segment over IPv4 in its {} packet(s): nothing to check",
            tally.frames
        ));
    }
    Ok(CaptureReport {
        violations: checker.finish(),
        tally,
    })
}

/// A segment marked sent or received by `capture_host`, where the capture
/// itself did not say.
fn marked(mut s: Seg, capture_host: Option<Ipv4Addr>) -> Seg {
    if s.outbound.is_none() {
        s.outbound = match capture_host {
            Some(h) if s.src == h => Some(true),
            Some(h) if s.dst == h => Some(false),
            _ => None,
        };
    }
    s
}

/// [`check_pcapng`] with the capture host given (`None`: unknown).
pub fn check_pcapng_at(
    bytes: &[u8],
    capture_host: Option<Ipv4Addr>,
) -> Result<Vec<Violation>, String> {
    let segs = capture::read(bytes)?;
    Ok(check_segments(&segs, capture_host))
}

/// The trace's records as segments, marked sent or received by the capture
/// host. A record whose frame bytes are missing is taken from its fields
/// (then without payload bytes and window scale).
pub fn trace_segments(trace: &Trace) -> Vec<Seg> {
    trace
        .records
        .iter()
        .map(|r| {
            let mut seg =
                segment::parse(Link::Ethernet, &r.frame, r.no, r.time_us).unwrap_or(Seg {
                    frame: r.no,
                    time_us: r.time_us,
                    src: r.src,
                    src_port: r.src_port,
                    dst: r.dst,
                    dst_port: r.dst_port,
                    seq: r.raw_seq,
                    ack: r.raw_ack,
                    flags: r.flags,
                    win: r.win,
                    wscale: None,
                    len: r.len,
                    payload: None,
                    outbound: None,
                });
            seg.outbound = Some(r.seen == Seen::Leaving);
            seg
        })
        .collect()
}

/// Check a simulator run: the segment rules on its capture, then delivery
/// against what the programs report.
pub fn check_trace(trace: &Trace) -> Vec<Violation> {
    let segs = trace_segments(trace);
    let mut violations = check_segments(&segs, None);
    violations.extend(delivery(trace, &segs));
    violations
}

/// What the capture shows of one sender's byte stream over one connection.
#[derive(Debug, Default)]
struct StreamView {
    num: Option<Unwrap>,
    /// Data positions (first data byte is 1) that reached the receiver.
    delivered: Ranges,
    content: Content,
    /// Highest end of data seen (position), sent or not.
    data_hi: i64,
}

/// Per connection (the sender's view of its endpoints), what reached the peer.
fn stream_views(trace: &Trace, segs: &[Seg], sender: Role) -> Vec<StreamView> {
    let mut views: BTreeMap<Endpoints, StreamView> = BTreeMap::new();
    let mut order: Vec<Endpoints> = Vec::new();
    for (r, s) in trace.records.iter().zip(segs) {
        if r.sender != sender || s.has(flags::RST) {
            continue;
        }
        let ends = Endpoints {
            src: s.src,
            src_port: s.src_port,
            dst: s.dst,
            dst_port: s.dst_port,
        };
        let view = views.entry(ends).or_insert_with(|| {
            order.push(ends);
            StreamView::default()
        });
        if s.has(flags::SYN) && view.num.is_none() {
            view.num = Some(Unwrap::new(s.seq));
        }
        let Some(num) = view.num.as_mut() else {
            continue;
        };
        let start = num.observe(s.seq) + i64::from(s.has(flags::SYN));
        let end = start + i64::from(s.len);
        num.advance_to(end);
        if s.len > 0 {
            view.data_hi = view.data_hi.max(end);
        }
        // A record made at the receiver is an arrival; one made as the frame
        // left (at its sender, or on the wire) says whether the link
        // delivered it.
        let arrived = r.seen == Seen::Arriving || r.arrived_us.is_some();
        if arrived && s.len > 0 {
            view.delivered.insert(start, end);
            if let Some(p) = &s.payload {
                view.content.insert(start, p);
            }
        }
    }
    order.into_iter().filter_map(|e| views.remove(&e)).collect()
}

/// The bytes from `sender` that reached its peer in order, as the captured
/// frames show them (every connection's stream, one after the other). Empty
/// when the capture holds no payload bytes.
pub fn delivered_bytes(trace: &Trace, sender: Role) -> Vec<u8> {
    let segs = trace_segments(trace);
    stream_views(trace, &segs, sender)
        .iter()
        .flat_map(|v| v.content.contiguous_bytes(1))
        .collect()
}

fn delivery(trace: &Trace, segs: &[Seg]) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut flag = |detail: String| {
        out.push(Violation {
            frame: 0,
            rule: Rule::Delivery,
            detail,
        })
    };
    let program = |role: Role| trace.programs.iter().find(|p| p.role == role);
    for sender in [Role::Client, Role::Server] {
        let receiver = sender.peer();
        let (Some(tx), Some(rx)) = (program(sender), program(receiver)) else {
            continue;
        };
        let (s, r) = (sender.name(), receiver.name());
        if rx.received > tx.sent {
            flag(format!(
                "the {r} program received {} bytes, more than the {} bytes the {s} program sent",
                rx.received, tx.sent
            ));
        }
        let views = stream_views(trace, segs, sender);
        let on_wire: i64 = views.iter().map(|v| (v.data_hi - 1).max(0)).sum();
        if on_wire > tx.sent as i64 {
            flag(format!(
                "the capture shows {on_wire} bytes of {s} data, but the {s} program sent only {}",
                tx.sent
            ));
        }
        let in_order: i64 = views
            .iter()
            .map(|v| v.delivered.contiguous_from(1) - 1)
            .sum();
        if rx.received as i64 > in_order {
            flag(format!(
                "the {r} program received {} bytes, but only {in_order} bytes of {s} data \
                 reached it in order",
                rx.received
            ));
        }
        let read_to_end = rx
            .log
            .iter()
            .any(|e| e.call.contains("-> 0 (end of stream)"));
        if read_to_end && rx.received != tx.sent {
            flag(format!(
                "the {r} program read to the end of the stream but received {} bytes; the {s} \
                 program sent {}",
                rx.received, tx.sent
            ));
        }
    }
    out
}
