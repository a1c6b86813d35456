//! Builds the trace while the simulation runs: what the capture host saw, in
//! its clock's order (or, for a wire capture, every frame as it was sent), with Wireshark's relative numbering, and how each
//! connection ended; and, when asked, writes each captured frame whole to a
//! pcapng stream the moment it is recorded, so the trace need not keep the
//! payload for a capture file to have it.

use std::any::Any;
use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Write};

use pcap_file::PcapError;

use crate::engine::link::Carried;
use crate::scenario::model::{Micros, Role};
use crate::trace::pcapng::PcapngStream;
use crate::trace::{ConnSummary, Counters, Fate, Record, Seen, flags};
use crate::wire::frame::{self, Endpoints, Segment};
use crate::wire::seq::RelativeNumbering;

#[derive(Debug, Default, Clone)]
struct ConnFate {
    client_isn: Option<u32>,
    server_isn: Option<u32>,
    fin_from: [bool; 2],
    first_rst: Option<(Role, String)>,
}

/// What a run keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    /// Every captured frame with its bytes (needed to render a pcapng with
    /// payload from the trace; a capture streamed by [`crate::engine::sim::run_streaming`] has
    /// every byte whatever the recording).
    Full,
    /// Every captured frame, bytes cut after the TCP header: memory does not grow
    /// with payload.
    Headers,
    /// No per-frame records; only counters and summaries (sweeps).
    Off,
}

/// A writer the recorder can hold without its type becoming part of the
/// simulation's, and give back as what it was (see `sim::run_streaming`).
pub(crate) trait Sink: Write {
    /// The writer itself, for the caller to downcast to its own type.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<W: Write + 'static> Sink for W {
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// The capture being written as the run goes.
struct Stream {
    out: PcapngStream<Box<dyn Sink>>,
    /// The first error writing `out`; nothing more is written after it (the
    /// file is unusable from there on).
    failed: Option<io::Error>,
}

/// A pcapng writing error as the I/O error it is. Blocks are only ever
/// written after the interface they name, so nothing but the writer can fail;
/// and `PcapError`'s own message for it ("Error reading bytes") would hide
/// the reason (a full disk, say).
pub(crate) fn io_error(e: PcapError) -> io::Error {
    match e {
        PcapError::IoError(e) => e,
        other => io::Error::other(other),
    }
}

/// A captured frame's bytes on their way into the recorder.
pub enum Captured<'a> {
    /// The whole frame: streamed when a capture is being written, then cut
    /// to what the record keeps.
    Whole(Cow<'a, [u8]>),
    /// Already cut to what the record keeps, no stream being written.
    Kept(Vec<u8>),
}

/// Collects records for the capture host (or the wire) and facts about
/// every connection.
pub struct Recorder {
    capture: Role,
    /// Record every frame once, when it is sent (`CapturePoint::Wire`),
    /// instead of what `capture` sends and receives.
    wire: bool,
    recording: Recording,
    stream: Option<Stream>,
    counters: Counters,
    /// Per sender: the last pure ACK's (ack, window), to count duplicate ACKs.
    last_pure_ack: [Option<(u32, u16)>; 2],
    numbering: RelativeNumbering,
    records: Vec<Record>,
    /// Keyed by the client's view (client to server).
    conns: BTreeMap<Endpoints, ConnFate>,
    /// Records of frames the capture host sent, waiting to learn their arrival.
    /// (frame id, record index), by id: ids only grow and frames mostly
    /// arrive in the order they left, so the one arriving is nearly always
    /// the first.
    in_flight: VecDeque<(u64, usize)>,
}

impl Recorder {
    pub fn new(capture: Role, recording: Recording) -> Recorder {
        Recorder {
            capture,
            wire: false,
            recording,
            stream: None,
            counters: Counters::default(),
            last_pure_ack: [None, None],
            numbering: RelativeNumbering::default(),
            records: Vec::new(),
            conns: BTreeMap::new(),
            in_flight: VecDeque::new(),
        }
    }

    /// Record the wire instead of a host: every frame once, when it is sent,
    /// as a capture on Linux's loopback device sees it.
    pub fn on_the_wire(mut self) -> Recorder {
        self.wire = true;
        self
    }

    /// From now on, write every frame the capture host records to `out`,
    /// whole, as it is recorded; the records still keep only what the
    /// recording asks for.
    pub fn stream_to(&mut self, out: PcapngStream<Box<dyn Sink>>) {
        self.stream = Some(Stream { out, failed: None });
    }

    /// Stop streaming: the writer (not flushed), or the first error writing
    /// to it; None when nothing was streamed.
    pub fn end_stream(&mut self) -> Option<io::Result<Box<dyn Sink>>> {
        self.stream.take().map(|s| match s.failed {
            Some(e) => Err(e),
            None => Ok(s.out.into_inner()),
        })
    }

    /// What the recorder takes of a frame `sender` hands to the link, copied
    /// now because the frame itself moves on into the link: the whole frame
    /// when streaming, else what the record keeps (the header, or all of it
    /// with `Recording::Full`); None when it takes nothing.
    pub fn copy_if_kept(&self, sender: Role, frame: &[u8]) -> Option<Captured<'static>> {
        if sender != self.capture && !self.wire {
            None
        } else if self.stream.is_some() {
            Some(Captured::Whole(Cow::Owned(frame.to_vec())))
        } else {
            self.kept(Cow::Borrowed(frame)).map(Captured::Kept)
        }
    }

    /// What a record keeps of a whole frame.
    fn kept(&self, frame: Cow<'_, [u8]>) -> Option<Vec<u8>> {
        match self.recording {
            Recording::Off => None,
            Recording::Full => Some(frame.into_owned()),
            Recording::Headers => Some(frame[..frame::header_len(&frame)].to_vec()),
        }
    }

    /// Whether a frame arriving at `receiver` is recorded (and needs its note).
    pub fn records_arrivals_at(&self, receiver: Role) -> bool {
        receiver == self.capture && !self.wire && self.capturing()
    }

    /// Whether the capture host's frames are wanted at all.
    fn capturing(&self) -> bool {
        self.stream.is_some() || self.recording != Recording::Off
    }

    /// A host handed a frame to the link. `kept`: from [`Recorder::copy_if_kept`].
    #[allow(clippy::too_many_arguments)]
    pub fn sent(
        &mut self,
        now: Micros,
        sender: Role,
        id: u64,
        seg: &Segment,
        kept: Option<Captured<'_>>,
        fate: Fate,
        note: String,
    ) {
        self.count(sender, seg, fate, &note);
        if self.recording != Recording::Off {
            // Relative numbers need every ISN, even of a SYN the capture host
            // never sees; only records show them.
            self.numbering.observe(seg);
        }
        self.note_fate(sender, seg, &note);
        if let Some(frame) = kept {
            if fate != Fate::Dropped && self.recording != Recording::Off {
                self.in_flight.push_back((id, self.records.len()));
            }
            self.push(
                now,
                sender,
                seg,
                frame,
                fate,
                note,
                now,
                None,
                Seen::Leaving,
            );
        }
    }

    /// What a frame tells of how its connection ends. Only SYN, FIN and RST
    /// do, and every connection starts with a SYN, so other frames are skipped.
    fn note_fate(&mut self, sender: Role, seg: &Segment, note: &str) {
        if seg.flags & (flags::SYN | flags::FIN | flags::RST) == 0 {
            return;
        }
        let key = if sender == Role::Client {
            seg.ends
        } else {
            seg.ends.reversed()
        };
        let c = self.conns.entry(key).or_default();
        if seg.has(flags::SYN) {
            match sender {
                Role::Client => c.client_isn = Some(seg.seq),
                Role::Server => c.server_isn = Some(seg.seq),
            }
        }
        if seg.has(flags::FIN) {
            c.fin_from[sender.index()] = true;
        }
        if seg.has(flags::RST) && c.first_rst.is_none() {
            c.first_rst = Some((sender, note.to_string()));
        }
    }

    /// A frame reached a host; returns the frame, for the host to take in.
    pub fn arrived(&mut self, now: Micros, receiver: Role, carried: Carried) -> Vec<u8> {
        if receiver == self.capture && !self.wire {
            if let Some(seg) = carried.seg
                && self.capturing()
            {
                self.push(
                    now,
                    receiver.peer(),
                    &seg,
                    Captured::Whole(Cow::Borrowed(&carried.frame)),
                    Fate::Delivered,
                    carried.note,
                    carried.sent_us,
                    Some(now),
                    Seen::Arriving,
                );
            }
        } else if let Ok(pos) = self
            .in_flight
            .binary_search_by_key(&carried.id, |&(id, _)| id)
            && let Some((_, index)) = self.in_flight.remove(pos)
        {
            self.records[index].arrived_us = Some(now);
        }
        carried.frame
    }

    /// Record a frame the capture host saw: into the stream, whole, if one is
    /// being written, and into the records as far as the recording keeps it.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        now: Micros,
        sender: Role,
        seg: &Segment,
        frame: Captured<'_>,
        fate: Fate,
        note: String,
        sent_us: Micros,
        arrived_us: Option<Micros>,
        seen: Seen,
    ) {
        let kept = match frame {
            Captured::Whole(bytes) => {
                self.write(now, &bytes, seg.frame_len, &note, fate);
                self.kept(bytes)
            }
            Captured::Kept(bytes) => Some(bytes),
        };
        let Some(frame) = kept else {
            return;
        };
        self.numbering.observe(seg);
        let ack = self.numbering.ack(seg);
        self.records.push(Record {
            no: self.records.len() + 1,
            time_us: now,
            sender,
            src: seg.ends.src,
            src_port: seg.ends.src_port,
            dst: seg.ends.dst,
            dst_port: seg.ends.dst_port,
            flags: seg.flags,
            seq: self.numbering.seq(seg),
            ack,
            raw_seq: seg.seq,
            raw_ack: seg.ack,
            win: seg.win,
            len: seg.payload_len,
            frame_len: seg.frame_len,
            fate,
            note,
            sent_us,
            arrived_us,
            seen,
            frame,
        });
    }

    /// One packet into the stream, if one is being written and has not failed.
    fn write(&mut self, now: Micros, frame: &[u8], frame_len: u32, note: &str, fate: Fate) {
        if let Some(s) = &mut self.stream
            && s.failed.is_none()
            && let Err(e) = s.out.packet(now, frame, frame_len, note, fate)
        {
            s.failed = Some(io_error(e));
        }
    }

    fn count(&mut self, sender: Role, seg: &Segment, fate: Fate, note: &str) {
        let c = &mut self.counters;
        c.frames += 1;
        c.payload_bytes += u64::from(seg.payload_len);
        if seg.payload_len > 0 {
            c.data_segments += 1;
            if !note.is_empty()
                && (note.contains("retransmission") || note.contains("tail loss probe"))
            {
                c.retransmissions += 1;
            }
        }
        if seg.has(flags::RST) {
            c.rsts += 1;
        }
        match fate {
            Fate::Dropped => c.dropped += 1,
            Fate::Duplicated => c.duplicated += 1,
            Fate::Delivered => {}
        }
        let last = &mut self.last_pure_ack[sender.index()];
        if seg.is_pure_ack() {
            if *last == Some((seg.ack, seg.win)) {
                c.dup_acks += 1;
            }
            *last = Some((seg.ack, seg.win));
        } else if seg.has(flags::ACK) {
            *last = Some((seg.ack, seg.win));
        }
    }

    pub fn finish(self) -> (Vec<Record>, Vec<ConnSummary>, Counters) {
        let summaries = self
            .conns
            .iter()
            .map(|(ends, c)| ConnSummary {
                client_port: ends.src_port,
                server_port: ends.dst_port,
                client_isn: c.client_isn,
                server_isn: c.server_isn,
                ended: match (&c.first_rst, c.fin_from) {
                    (Some((who, why)), _) if why.is_empty() || why == "RST" => {
                        format!("RST from {}", who.name())
                    }
                    (Some((who, why)), _) => format!("RST from {}: {why}", who.name()),
                    (None, [true, true]) => "FIN both ways".to_string(),
                    (None, [true, false]) => "FIN from client only".to_string(),
                    (None, [false, true]) => "FIN from server only".to_string(),
                    (None, [false, false]) => "still open".to_string(),
                },
            })
            .collect();
        (self.records, summaries, self.counters)
    }
}
