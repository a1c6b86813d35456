//! Indexes over the trace, built once, so that the questions `Ctx` answers for
//! each record (the ACKs a host sent before, the frames an ACK newly covers,
//! earlier copies of a segment, frames that reached a host in a time window)
//! cost what they return instead of a scan of the whole trace. Without them
//! `--explain` was quadratic: 3 s for a 10 MiB bulk transfer, 0.3 s for 2 MiB.
//!
//! Every index gives exactly the answer of the scan it replaces, in the same
//! order. Where that needs sequence numbers to compare as plain integers (a
//! group's numbers all within half the sequence space, which any trace under
//! 2 GiB per direction satisfies), the group says so and `Ctx` falls back to
//! the scan otherwise.

use std::collections::HashMap;

use crate::scenario::model::Role;
use crate::trace::{Fate, Record, flags};
use crate::wire::seq;

use super::context::{has, seq_len};
use super::notes::{self, Reason};
use super::wire;

/// Half the sequence space: numbers closer than this compare as integers.
const HALF: u32 = 1 << 31;
/// Room below a group's first sequence number (keepalives and probes sit just
/// below what is acknowledged).
const MARGIN: u32 = 1 << 20;

/// One sender's records on one connection.
#[derive(Debug, Default)]
pub(super) struct Group {
    /// Record indexes in send order, `(sent_us, index)`.
    pub by_sent: Vec<usize>,
    /// Records that arrived, in arrival order, `(arrived_us, index)`.
    pub by_arrival: Vec<usize>,
    /// Sequence numbers are taken relative to this.
    pub base: u32,
    /// Records that occupy sequence space and were not dropped, as
    /// (end relative to `base`, index), sorted.
    pub by_end: Vec<(u32, usize)>,
    /// Every end in `by_end` lies within half the sequence space of `base`.
    pub ends_narrow: bool,
    /// Every ACK number of the group's ACK segments lies within half the
    /// sequence space of the first: "the highest" is then an integer maximum.
    pub acks_narrow: bool,
    /// The first SYN with an MSS option: (index, MSS).
    pub mss: Option<(usize, u16)>,
}

/// The indexes of one trace.
#[derive(Debug, Default)]
pub(super) struct Index {
    groups: Vec<Group>,
    ids: HashMap<(Role, u16, u16), usize>,
    /// Per record: its group.
    group_of: Vec<usize>,
    /// Per record: the last ACK segment its sender sent before it (in send
    /// order) and the highest ACK number sent before it.
    prev_ack_record: Vec<Option<usize>>,
    prev_ack: Vec<Option<u32>>,
    /// (group, raw_seq) -> records with sequence space that are not the link's copies.
    same_seq: HashMap<(usize, u32), Vec<usize>>,
    /// (group, payload length) -> the first record with it.
    first_len: HashMap<(usize, u32), usize>,
    /// (group, raw_seq + len) -> data records ending there, in index order.
    by_data_end: HashMap<(usize, u32), Vec<usize>>,
    /// (group, raw_ack) -> the first ACK the simulator noted as sent at once.
    first_at_once: HashMap<(usize, u32), usize>,
    /// The first record the simulator noted as a quick ACK.
    pub first_quick_ack: Option<usize>,
    /// Per role: its pure ACKs carry Linux's ACK-policy notes.
    linux_acks: [bool; 2],
}

/// (client port, server port) of a record's connection.
pub(super) fn ends(r: &Record) -> (u16, u16) {
    match r.sender {
        Role::Client => (r.src_port, r.dst_port),
        Role::Server => (r.dst_port, r.src_port),
    }
}

impl Index {
    pub fn new(records: &[Record]) -> Index {
        let mut ix = Index::default();
        for (j, r) in records.iter().enumerate() {
            let (c, s) = ends(r);
            let next = ix.groups.len();
            let g = *ix.ids.entry((r.sender, c, s)).or_insert(next);
            if g == next {
                ix.groups.push(Group {
                    base: r.raw_seq.wrapping_sub(MARGIN),
                    ends_narrow: true,
                    acks_narrow: true,
                    ..Group::default()
                });
            }
            ix.group_of.push(g);
            ix.index_record(records, j, g);
        }
        for g in &mut ix.groups {
            g.by_sent.sort_unstable_by_key(|&j| (records[j].sent_us, j));
            g.by_arrival
                .sort_unstable_by_key(|&j| (records[j].arrived_us, j));
            g.by_end.sort_unstable();
        }
        ix.prev_ack_record = vec![None; records.len()];
        ix.prev_ack = vec![None; records.len()];
        for g in &mut ix.groups {
            let (mut last, mut high, mut first_ack) = (None, None::<u32>, None::<u32>);
            for &j in &g.by_sent {
                ix.prev_ack_record[j] = last;
                ix.prev_ack[j] = high;
                let r = &records[j];
                if has(r, flags::ACK) {
                    last = Some(j);
                    let first = *first_ack.get_or_insert(r.raw_ack.wrapping_sub(MARGIN));
                    g.acks_narrow &= r.raw_ack.wrapping_sub(first) < HALF;
                    high = Some(match high {
                        Some(h) if !seq::lt(h, r.raw_ack) => h,
                        _ => r.raw_ack,
                    });
                }
            }
        }
        ix
    }

    /// Adds record `j` (group `g`) to every index but the per-record ones.
    fn index_record(&mut self, records: &[Record], j: usize, g: usize) {
        let r = &records[j];
        let group = &mut self.groups[g];
        group.by_sent.push(j);
        if r.arrived_us.is_some() {
            group.by_arrival.push(j);
        }
        let len = seq_len(r);
        if len > 0 && r.fate != Fate::Dropped {
            let end = r.raw_seq.wrapping_add(len).wrapping_sub(group.base);
            group.ends_narrow &= end < HALF;
            group.by_end.push((end, j));
        }
        if group.mss.is_none() && has(r, flags::SYN) {
            group.mss = wire::options(&r.frame).and_then(|o| o.mss).map(|m| (j, m));
        }
        if len > 0 && !r.note.contains("the link's duplicate") {
            self.same_seq.entry((g, r.raw_seq)).or_default().push(j);
        }
        if r.len > 0 {
            self.first_len.entry((g, r.len)).or_insert(j);
            let end = r.raw_seq.wrapping_add(r.len);
            self.by_data_end.entry((g, end)).or_default().push(j);
        }
        let reasons = notes::reasons(&r.note);
        for x in &reasons {
            match x {
                Reason::QuickAck => {
                    self.first_quick_ack.get_or_insert(j);
                }
                Reason::AckAtOnce => {
                    self.first_at_once.entry((g, r.raw_ack)).or_insert(j);
                }
                _ => {}
            }
            if matches!(
                x,
                Reason::HandshakeAck
                    | Reason::QuickAck
                    | Reason::AckAtOnce
                    | Reason::FinAfterOurs
                    | Reason::EverySecondSegment
                    | Reason::DelayedAck { .. }
            ) {
                self.linux_acks[r.sender.index()] = true;
            }
        }
    }

    /// The group of `role`'s records on record `i`'s connection, if it sent any.
    pub fn group(&self, records: &[Record], i: usize, role: Role) -> Option<&Group> {
        let (c, s) = ends(&records[i]);
        self.ids.get(&(role, c, s)).map(|&g| &self.groups[g])
    }

    pub fn own(&self, i: usize) -> &Group {
        &self.groups[self.group_of[i]]
    }

    pub fn previous_ack_record(&self, i: usize) -> Option<usize> {
        self.prev_ack_record[i]
    }

    /// The highest ACK number sent before `i`, when that does not depend on
    /// the order the ACKs are folded in.
    pub fn prev_ack(&self, i: usize) -> Option<Option<u32>> {
        self.own(i).acks_narrow.then(|| self.prev_ack[i])
    }

    /// Records of `i`'s group starting at `raw_seq` (with sequence space, not
    /// the link's copies), in index order.
    pub fn same_seq(&self, i: usize, raw_seq: u32) -> &[usize] {
        self.same_seq
            .get(&(self.group_of[i], raw_seq))
            .map_or(&[], Vec::as_slice)
    }

    /// The first record of `i`'s group with `len` payload bytes.
    pub fn first_with_len(&self, i: usize, len: u32) -> Option<usize> {
        self.first_len.get(&(self.group_of[i], len)).copied()
    }

    /// Data records of `i`'s group whose payload ends at `end`, in index order.
    pub fn data_ending_at(&self, i: usize, end: u32) -> &[usize] {
        self.by_data_end
            .get(&(self.group_of[i], end))
            .map_or(&[], Vec::as_slice)
    }

    /// The first record of `i`'s group noted as an ACK sent at once with `raw_ack`.
    pub fn first_at_once(&self, i: usize, raw_ack: u32) -> Option<usize> {
        self.first_at_once
            .get(&(self.group_of[i], raw_ack))
            .copied()
    }

    pub fn linux_acks(&self, role: Role) -> bool {
        self.linux_acks[role.index()]
    }
}

impl Group {
    /// Indexes in `by_arrival` of the records that arrived in `(after, until]`.
    pub fn arrived_in(
        &self,
        records: &[Record],
        after: Option<u64>,
        until: u64,
    ) -> std::ops::Range<usize> {
        let t = |j: usize| records[j].arrived_us.unwrap_or(0);
        let start = match after {
            Some(a) => self.by_arrival.partition_point(|&j| t(j) <= a),
            None => 0,
        };
        let end = self.by_arrival.partition_point(|&j| t(j) <= until);
        start..end.max(start)
    }

    /// Sequence number `x` relative to `base`, when it lies within half the space.
    pub fn rel(&self, x: u32) -> Option<u32> {
        let d = x.wrapping_sub(self.base);
        (d < HALF).then_some(d)
    }
}

#[cfg(test)]
mod tests {
    //! The indexes against the scans they replaced, on runs with loss,
    //! duplication, reordering and jitter, both captures, several seeds.
    use super::super::context::Ctx;
    use super::*;
    use crate::trace::Trace;

    fn lossy(seed: u64, capture: &str, profile: &str) -> Trace {
        let text = format!(
            r#"
seed = {seed}
capture = "{capture}"
max_sim_time = "10min"
[link]
latency = "5ms"
jitter = "1ms"
loss = 0.05
dup = 0.03
reorder = 0.05
reorder_delay = "3ms"
rate = "10Mbit"
[client]
ip = "10.0.0.1"
profile = "{profile}"
steps = ["connect", {{ send_bytes = "200KiB" }}, "shutdown", {{ recv_all = 4096 }}, "close"]
[server]
ip = "10.0.0.2"
port = 8080
profile = "{profile}"
[server.sink]
recv = 1000
"#
        );
        let scenario = crate::scenario::parse(&text, "lossy.toml").expect("scenario");
        crate::run(scenario)
    }

    fn same_conn(a: &Record, b: &Record) -> bool {
        ends(a) == ends(b)
    }

    fn earlier_own(rs: &[Record], i: usize) -> Vec<usize> {
        (0..rs.len())
            .filter(|&j| {
                j != i
                    && rs[j].sender == rs[i].sender
                    && same_conn(&rs[i], &rs[j])
                    && (rs[j].sent_us, j) < (rs[i].sent_us, i)
            })
            .collect()
    }

    #[test]
    fn indexes_answer_as_the_scans_did() {
        let mut checked = 0;
        for (seed, capture, profile) in [
            (1, "client", "linux"),
            (2, "server", "linux"),
            (3, "client", "smoltcp"),
            (4, "server", "smoltcp"),
        ] {
            let t = lossy(seed, capture, profile);
            let ctx = Ctx::new(&t);
            let rs = &t.records;
            assert!(rs.len() > 200, "{} records", rs.len());
            for i in 0..rs.len() {
                let r = &rs[i];
                let own = earlier_own(rs, i);
                let acks: Vec<usize> = own
                    .iter()
                    .copied()
                    .filter(|&j| has(&rs[j], flags::ACK))
                    .collect();
                let prev = acks
                    .iter()
                    .map(|&j| rs[j].raw_ack)
                    .reduce(|a, b| if seq::lt(a, b) { b } else { a });
                assert_eq!(ctx.prev_ack(i), prev, "prev_ack {i}");
                let last = acks.iter().copied().max_by_key(|&j| (rs[j].sent_us, j));
                assert_eq!(ctx.previous_ack_record(i), last, "previous ack {i}");
                let copies: Vec<usize> = own
                    .iter()
                    .copied()
                    .filter(|&j| {
                        let o = &rs[j];
                        o.raw_seq == r.raw_seq
                            && seq_len(o) > 0
                            && !o.note.contains("the link's duplicate")
                    })
                    .collect();
                assert_eq!(ctx.copies(i), copies, "copies {i}");
                for role in [Role::Client, Role::Server] {
                    let window = |after: Option<u64>, until: u64| -> Vec<usize> {
                        (0..rs.len())
                            .filter(|&j| {
                                let o = &rs[j];
                                o.sender == role.peer()
                                    && same_conn(r, o)
                                    && o.arrived_us
                                        .is_some_and(|t| t <= until && after.is_none_or(|a| t > a))
                            })
                            .collect()
                    };
                    let after = r.sent_us.checked_sub(2000);
                    assert_eq!(
                        ctx.reached(i, role, after, r.sent_us),
                        window(after, r.sent_us)
                    );
                    let at: Vec<usize> = window(None, r.sent_us)
                        .into_iter()
                        .filter(|&j| rs[j].arrived_us == Some(r.sent_us))
                        .collect();
                    assert_eq!(ctx.reached_at(i, role, r.sent_us), at);
                    let latest = window(None, r.sent_us)
                        .into_iter()
                        .max_by_key(|&j| (rs[j].arrived_us, j));
                    assert_eq!(ctx.last_reached(i, role, r.sent_us), latest);
                }
                checked += 1;
            }
            // `acked` against its scan: every record of the peer's.
            for i in 0..rs.len() {
                let r = &rs[i];
                if !has(r, flags::ACK) {
                    continue;
                }
                let prev = ctx.prev_ack(i);
                if prev.is_some_and(|p| !seq::lt(p, r.raw_ack)) {
                    continue;
                }
                let mut seen = Vec::new();
                let mut data = Vec::new();
                for (j, o) in rs.iter().enumerate() {
                    let len = seq_len(o);
                    let end = o.raw_seq.wrapping_add(len);
                    if o.sender == r.sender
                        || !same_conn(r, o)
                        || len == 0
                        || o.fate == Fate::Dropped
                        || o.arrived_us.is_none_or(|t| t > r.sent_us)
                        || !seq::le(end, r.raw_ack)
                        || prev.is_some_and(|p| !seq::lt(p, end))
                        || seen.contains(&(o.raw_seq, len))
                    {
                        continue;
                    }
                    seen.push((o.raw_seq, len));
                    if o.len > 0 {
                        data.push(j);
                    }
                }
                assert_eq!(ctx.acked(i).data, data, "acked {i}");
            }
        }
        assert!(checked > 800, "{checked}");
    }
}
