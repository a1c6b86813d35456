//! Builds the trace while the simulation runs: what the capture host saw, in
//! its clock's order, with Wireshark's relative numbering, and how each
//! connection ended.

use std::collections::BTreeMap;

use crate::frame::{self, Endpoints, Segment};
use crate::link::Carried;
use crate::model::{Micros, Role};
use crate::seq::RelativeNumbering;
use crate::sim::Recording;
use crate::trace::{ConnSummary, Counters, Fate, Record, flags};

#[derive(Debug, Default, Clone)]
struct ConnFate {
    client_isn: Option<u32>,
    server_isn: Option<u32>,
    fin_from: [bool; 2],
    first_rst: Option<(Role, String)>,
}

/// Collects records for the capture host and facts about every connection.
pub struct Recorder {
    capture: Role,
    recording: Recording,
    counters: Counters,
    /// Per sender: the last pure ACK's (ack, window), to count duplicate ACKs.
    last_pure_ack: [Option<(u32, u16)>; 2],
    numbering: RelativeNumbering,
    records: Vec<Record>,
    /// Keyed by the client's view (client to server).
    conns: BTreeMap<Endpoints, ConnFate>,
    /// Records of frames the capture host sent, waiting to learn their arrival.
    in_flight: BTreeMap<u64, usize>,
}

impl Recorder {
    pub fn new(capture: Role, recording: Recording) -> Recorder {
        Recorder {
            capture,
            recording,
            counters: Counters::default(),
            last_pure_ack: [None, None],
            numbering: RelativeNumbering::default(),
            records: Vec::new(),
            conns: BTreeMap::new(),
            in_flight: BTreeMap::new(),
        }
    }

    /// What the recorder keeps of a frame `sender` hands to the link (the
    /// header, or all of it with `Recording::Full`), copied now because the
    /// frame itself moves on into the link; None when it keeps nothing.
    pub fn copy_if_kept(&self, sender: Role, frame: &[u8]) -> Option<Vec<u8>> {
        (sender == self.capture).then(|| self.copy(frame)).flatten()
    }

    fn copy(&self, frame: &[u8]) -> Option<Vec<u8>> {
        match self.recording {
            Recording::Off => None,
            Recording::Full => Some(frame.to_vec()),
            Recording::Headers => Some(frame[..frame::header_len(frame)].to_vec()),
        }
    }

    /// A host handed a frame to the link. `kept`: from [`Recorder::copy_if_kept`].
    #[allow(clippy::too_many_arguments)]
    pub fn sent(
        &mut self,
        now: Micros,
        sender: Role,
        id: u64,
        seg: &Segment,
        kept: Option<Vec<u8>>,
        fate: Fate,
        note: String,
    ) {
        self.count(sender, seg, fate, &note);
        self.numbering.observe(seg);
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
            c.first_rst = Some((sender, note.clone()));
        }
        if let Some(bytes) = kept {
            if fate != Fate::Dropped {
                self.in_flight.insert(id, self.records.len());
            }
            self.push(now, sender, seg, bytes, fate, note, now, None);
        }
    }

    /// A frame reached a host; returns the frame, for the host to take in.
    pub fn arrived(&mut self, now: Micros, receiver: Role, carried: Carried) -> Vec<u8> {
        if receiver == self.capture {
            if let (Some(seg), Some(bytes)) = (carried.seg, self.copy(&carried.frame)) {
                self.push(
                    now,
                    receiver.peer(),
                    &seg,
                    bytes,
                    Fate::Delivered,
                    carried.note,
                    carried.sent_us,
                    Some(now),
                );
            }
        } else if let Some(index) = self.in_flight.remove(&carried.id) {
            self.records[index].arrived_us = Some(now);
        }
        carried.frame
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        now: Micros,
        sender: Role,
        seg: &Segment,
        frame: Vec<u8>,
        fate: Fate,
        note: String,
        sent_us: Micros,
        arrived_us: Option<Micros>,
    ) {
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
            frame,
        });
    }

    fn count(&mut self, sender: Role, seg: &Segment, fate: Fate, note: &str) {
        let c = &mut self.counters;
        c.frames += 1;
        c.payload_bytes += u64::from(seg.payload_len);
        if seg.payload_len > 0 {
            c.data_segments += 1;
            if note.contains("retransmission") || note.contains("tail loss probe") {
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
