//! What the explanations need to know about the whole trace: the notation, the
//! programs' logs, and questions about the sequence of records — which ACK a
//! host had sent before, which frames an ACK newly covers, which earlier frame
//! a retransmission repeats, which frames reached a host in a time window.
//!
//! Order matters and the capture mixes two clocks' events: a host's own frames
//! appear at send time, the other host's at arrival time. So "before" compares
//! send times (`sent_us`) among one sender's frames, and "reached" compares a
//! frame's `arrived_us` with the other host's send time.

use crate::scenario::model::{Micros, Role};
use crate::trace::{Fate, Record, Trace, flags};
use crate::wire::seq;

use super::calls::{Program, Span};
use super::index::{Group, Index};
use super::notation::Notation;
use super::wire;

/// Sequence space a segment occupies: payload plus one each for SYN and FIN.
pub(super) fn seq_len(r: &Record) -> u32 {
    r.len + u32::from(r.flags & flags::SYN != 0) + u32::from(r.flags & flags::FIN != 0)
}

pub(super) fn has(r: &Record, bits: u8) -> bool {
    r.flags & bits == bits
}

/// `frame 4`, `frames 6 and 7`, `frames 6–10`, `frames 6–8, 11 and 13`; a long
/// scattered list is cut to `12 frames, from 11 to 37`.
pub(super) fn frames(numbers: &[usize]) -> String {
    let mut sorted = numbers.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let count = sorted.len();
    let (first, last) = (sorted.first().copied(), sorted.last().copied());
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for n in sorted {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => runs.push((n, n)),
        }
    }
    let words: Vec<String> = runs
        .iter()
        .flat_map(|&(a, b)| match b - a {
            0 => vec![a.to_string()],
            1 => vec![a.to_string(), b.to_string()],
            _ => vec![format!("{a}–{b}")],
        })
        .collect();
    if let (true, Some(first), Some(last)) = (words.len() > 4, first, last) {
        return format!("{count} frames, from {first} to {last}");
    }
    let single = words.len() == 1 && !words[0].contains('–');
    let noun = if single { "frame" } else { "frames" };
    format!("{noun} {}", and_list(&words))
}

/// `a`, `a and b`, `a, b and c`.
pub(super) fn and_list(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A duration for prose: `212 µs`, `3.724 ms`, `40 ms`, `1.021 s`.
pub(super) fn duration(us: Micros) -> String {
    fn trimmed(whole: u64, frac: u64) -> String {
        let frac = format!("{frac:03}");
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            whole.to_string()
        } else {
            format!("{whole}.{frac}")
        }
    }
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{} ms", trimmed(us / 1_000, us % 1_000))
    } else {
        format!("{} s", trimmed(us / 1_000_000, us % 1_000_000 / 1_000))
    }
}

/// The frames newly acknowledged by one ACK number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Acked {
    /// Record indexes of the peer's data segments now covered.
    pub data: Vec<usize>,
    /// Payload bytes newly covered.
    pub bytes: u64,
    pub syn: Option<usize>,
    pub fin: Option<usize>,
}

impl Acked {
    pub fn is_empty(&self) -> bool {
        self.data.is_empty() && self.syn.is_none() && self.fin.is_none() && self.bytes == 0
    }
}

/// The trace with everything the explanations look up.
pub(super) struct Ctx<'a> {
    pub records: &'a [Record],
    pub n: Notation,
    programs: Vec<Program>,
    pub ix: Index,
}

impl<'a> Ctx<'a> {
    pub fn new(trace: &'a Trace) -> Ctx<'a> {
        Ctx {
            records: &trace.records,
            n: Notation::new(trace),
            programs: trace.programs.iter().map(Program::new).collect(),
            ix: Index::new(&trace.records),
        }
    }

    /// A role's program, when its log can be matched with the streams.
    pub fn program(&self, role: Role) -> Option<&Program> {
        self.programs
            .iter()
            .find(|p| p.role == role && p.one_connection)
    }

    pub fn no(&self, i: usize) -> usize {
        self.records[i].no
    }

    /// Frame numbers of record indexes.
    pub fn frames(&self, indexes: &[usize]) -> String {
        frames(&indexes.iter().map(|&i| self.no(i)).collect::<Vec<_>>())
    }

    /// Both records belong to the same connection.
    pub fn same_conn(&self, a: usize, b: usize) -> bool {
        let (a, b) = (&self.records[a], &self.records[b]);
        let ends = |r: &Record| match r.sender {
            Role::Client => (r.src_port, r.dst_port),
            Role::Server => (r.dst_port, r.src_port),
        };
        ends(a) == ends(b)
    }

    /// Record `j` left its sender before record `i` left its own.
    fn sent_before(&self, j: usize, i: usize) -> bool {
        (self.records[j].sent_us, j) < (self.records[i].sent_us, i)
    }

    /// Indexes of the other records `i`'s sender sent on the same connection
    /// before it, in index order (a scan: the index answers the frequent questions).
    fn earlier_own(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.records.len()).filter(move |&j| {
            j != i
                && self.records[j].sender == self.records[i].sender
                && self.same_conn(i, j)
                && self.sent_before(j, i)
        })
    }

    /// The last segment with ACK that `i`'s sender sent before `i`.
    pub fn previous_ack_record(&self, i: usize) -> Option<usize> {
        self.ix.previous_ack_record(i)
    }

    /// The highest ACK number `i`'s sender had sent before `i`.
    pub fn prev_ack(&self, i: usize) -> Option<u32> {
        if let Some(high) = self.ix.prev_ack(i) {
            return high;
        }
        self.earlier_own(i)
            .filter(|&j| has(&self.records[j], flags::ACK))
            .map(|j| self.records[j].raw_ack)
            .reduce(|a, b| if seq::lt(a, b) { b } else { a })
    }

    /// The peer's records that may be newly covered by `i`'s ACK (ends in
    /// `(prev, raw_ack]`), in index order; `None` when the group's sequence
    /// numbers do not compare as integers.
    fn ack_candidates(&self, i: usize, prev: Option<u32>) -> Option<Vec<usize>> {
        let r = &self.records[i];
        let Some(peer) = self.ix.group(self.records, i, r.sender.peer()) else {
            return Some(Vec::new());
        };
        if !peer.ends_narrow {
            return None;
        }
        let hi = peer.rel(r.raw_ack)?;
        let start = match prev {
            Some(p) => {
                let lo = peer.rel(p)?;
                peer.by_end.partition_point(|&(end, _)| end <= lo)
            }
            None => 0,
        };
        let stop = peer.by_end.partition_point(|&(end, _)| end <= hi);
        let mut found: Vec<usize> = peer.by_end[start..stop.max(start)]
            .iter()
            .map(|&(_, j)| j)
            .collect();
        found.sort_unstable();
        Some(found)
    }

    /// What `i`'s ACK number newly acknowledges.
    pub fn acked(&self, i: usize) -> Acked {
        let r = &self.records[i];
        let mut acked = Acked::default();
        if !has(r, flags::ACK) {
            return acked;
        }
        let prev = self.prev_ack(i);
        if prev.is_some_and(|p| !seq::lt(p, r.raw_ack)) {
            return acked;
        }
        let candidates = self
            .ack_candidates(i, prev)
            .unwrap_or_else(|| (0..self.records.len()).collect());
        let mut seen: Vec<(u32, u32)> = Vec::new();
        for j in candidates {
            let o = &self.records[j];
            let len = seq_len(o);
            let end = o.raw_seq.wrapping_add(len);
            let arrived = o.arrived_us.is_some_and(|t| t <= r.sent_us);
            if o.sender == r.sender
                || !self.same_conn(i, j)
                || len == 0
                || o.fate == Fate::Dropped
                || !arrived
                || !seq::le(end, r.raw_ack)
                || prev.is_some_and(|p| !seq::lt(p, end))
                || seen.contains(&(o.raw_seq, len))
            {
                continue;
            }
            seen.push((o.raw_seq, len));
            if has(o, flags::SYN) {
                acked.syn = Some(j);
            }
            if has(o, flags::FIN) {
                acked.fin = Some(j);
            }
            if o.len > 0 {
                acked.data.push(j);
            }
        }
        if let Some(p) = prev {
            let span = seq::distance(p, r.raw_ack).max(0) as u64;
            let controls = u64::from(acked.syn.is_some()) + u64::from(acked.fin.is_some());
            acked.bytes = span.saturating_sub(controls);
        } else {
            acked.bytes = acked
                .data
                .iter()
                .map(|&j| u64::from(self.records[j].len))
                .sum();
        }
        acked
    }

    /// `role`'s pure ACKs show Linux's ACK policy (quick ACKs, delayed ACKs, ...):
    /// the simulator notes every pure ACK that policy sends. Without it (the
    /// `smoltcp` profile) an explanation must not speak of Linux's modes.
    pub fn linux_acks(&self, role: Role) -> bool {
        self.ix.linux_acks(role)
    }

    /// The frame a link-made copy repeats: same sender, same send time, same header fields.
    pub fn original_of_copy(&self, i: usize) -> Option<usize> {
        let r = &self.records[i];
        (0..i).rev().find(|&k| {
            let o = &self.records[k];
            o.sender == r.sender
                && o.sent_us == r.sent_us
                && (o.raw_seq, o.raw_ack, o.flags, o.len) == (r.raw_seq, r.raw_ack, r.flags, r.len)
                && self.same_conn(i, k)
        })
    }

    /// Earlier transmissions of the same sequence space as `i`, oldest first.
    pub fn copies(&self, i: usize) -> Vec<usize> {
        let r = &self.records[i];
        self.ix
            .same_seq(i, r.raw_seq)
            .iter()
            .copied()
            .filter(|&j| j != i && self.sent_before(j, i))
            .collect()
    }

    /// Frames from `role`'s peer on `i`'s connection that reached `role` in
    /// `(after, until]`.
    pub fn reached(
        &self,
        i: usize,
        role: Role,
        after: Option<Micros>,
        until: Micros,
    ) -> Vec<usize> {
        let Some(peer) = self.peer_group(i, role) else {
            return Vec::new();
        };
        let range = peer.arrived_in(self.records, after, until);
        let mut found = peer.by_arrival[range].to_vec();
        found.sort_unstable();
        found
    }

    /// Frames from `role`'s peer on `i`'s connection that reached `role` at `t`.
    pub fn reached_at(&self, i: usize, role: Role, t: Micros) -> Vec<usize> {
        self.reached(i, role, t.checked_sub(1), t)
            .into_iter()
            .filter(|&j| self.records[j].arrived_us == Some(t))
            .collect()
    }

    /// The frame from `role`'s peer on `i`'s connection that reached `role`
    /// last by `until` (the latest arrival, the later record on a tie).
    pub fn last_reached(&self, i: usize, role: Role, until: Micros) -> Option<usize> {
        let peer = self.peer_group(i, role)?;
        let range = peer.arrived_in(self.records, None, until);
        peer.by_arrival[range].last().copied()
    }

    /// `role`'s peer's records on `i`'s connection.
    fn peer_group(&self, i: usize, role: Role) -> Option<&Group> {
        self.ix.group(self.records, i, role.peer())
    }

    /// 0-based offset of `i`'s first payload byte in its sender's stream (the
    /// SYN takes sequence number ISN, so data byte n has ISN + n).
    pub fn stream_start(&self, i: usize) -> Option<u64> {
        let r = &self.records[i];
        let offset = self.n.offset(r, r.sender, r.raw_seq)?;
        let syn = u32::from(has(r, flags::SYN));
        u64::from(offset + syn).checked_sub(1)
    }

    /// The sender's send() calls that wrote `i`'s payload.
    pub fn span(&self, i: usize) -> Option<(&Program, Span<'_>)> {
        let r = &self.records[i];
        let program = self.program(r.sender)?;
        let span = program.span(self.stream_start(i)?, u64::from(r.len))?;
        Some((program, span))
    }

    /// The MSS `role`'s peer announced in its SYN, if that SYN is in the trace.
    pub fn announced_mss(&self, i: usize, role: Role) -> Option<(usize, u16)> {
        self.peer_group(i, role)?.mss
    }

    /// The largest payload `i`'s sender may put in one segment: the peer's MSS
    /// less the option bytes this segment carries; with the SYN it came from.
    pub fn full_size(&self, i: usize) -> Option<(u32, usize, u16, wire::Options)> {
        let r = &self.records[i];
        let (syn, mss) = self.announced_mss(i, r.sender)?;
        let options = wire::options(&r.frame)?;
        Some((u32::from(mss).checked_sub(options.len)?, syn, mss, options))
    }

    /// The payload of `i` as a short quoted preview, when the frame holds it.
    pub fn preview(&self, i: usize) -> Option<String> {
        let r = &self.records[i];
        wire::preview(wire::payload(&r.frame, r.len)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::fixture;

    #[test]
    fn frame_lists_read_naturally() {
        assert_eq!(frames(&[4]), "frame 4");
        assert_eq!(frames(&[7, 6]), "frames 6 and 7");
        assert_eq!(frames(&[6, 7, 8, 9, 10]), "frames 6–10");
        assert_eq!(frames(&[6, 7, 8, 11, 13]), "frames 6–8, 11 and 13");
        assert_eq!(frames(&[3, 3]), "frame 3");
        assert_eq!(frames(&[11, 13, 15, 17, 19, 37]), "6 frames, from 11 to 37");
    }

    #[test]
    fn durations_pick_a_unit() {
        assert_eq!(duration(212), "212 µs");
        assert_eq!(duration(3_724), "3.724 ms");
        assert_eq!(duration(40_000), "40 ms");
        assert_eq!(duration(3_700), "3.7 ms");
        assert_eq!(duration(1_021_420), "1.021 s");
        assert_eq!(duration(2_000_000), "2 s");
    }

    #[test]
    fn acks_cover_the_frames_they_newly_acknowledge() {
        let t = fixture::trace();
        let ctx = Ctx::new(&t);
        // The SYN,ACK newly acknowledges the client's SYN.
        let a = ctx.acked(1);
        assert_eq!((a.syn, a.fin, a.data.len()), (Some(0), None, 0));
        // The server's dropped reply acknowledges the client's 9 bytes (frame 4).
        let a = ctx.acked(4);
        assert_eq!((a.data.clone(), a.bytes), (vec![3], 9));
        // The client's later ACK repeats Ack = Y+1: nothing new.
        assert!(ctx.acked(5).is_empty());
        assert_eq!(ctx.prev_ack(5), Some(fixture::Y + 1));
    }

    #[test]
    fn stream_offsets_skip_the_syn() {
        let t = fixture::trace();
        let ctx = Ctx::new(&t);
        assert_eq!(ctx.stream_start(3), Some(0));
        assert_eq!(ctx.stream_start(0), Some(0));
        assert_eq!(ctx.copies(3), Vec::<usize>::new());
    }
}
