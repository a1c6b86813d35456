//! The virtual wire between client and server: per direction a drop-tail queue,
//! a line rate (every frame takes its wire time), propagation delay, jitter,
//! loss, duplication and reordering, plus the scenario's scripted faults.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand_chacha::ChaCha8Rng;

use crate::engine::fault::FaultBook;
use crate::engine::rng::{self, Purpose};
use crate::scenario::model::{Dir, FaultAction, LinkConfig, Micros};
use crate::trace::Fate;
use crate::trace::text::join_notes;
use crate::wire::frame::Segment;

/// What the link decided for one frame handed to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub fate: Fate,
    /// Why, when the link did something other than deliver it plainly.
    pub note: String,
}

struct Direction {
    config: LinkConfig,
    /// When the wire finishes sending the last frame queued on it.
    busy_until: Micros,
    /// Arrival time of the last in-order frame (jitter never reorders).
    last_arrival: Micros,
    loss: ChaCha8Rng,
    dup: ChaCha8Rng,
    reorder: ChaCha8Rng,
    jitter: ChaCha8Rng,
}

/// A frame on the wire, with what travels beside it in the simulation.
#[derive(Debug, Clone)]
pub struct Carried {
    pub frame: Vec<u8>,
    /// The sender's note and the link's, joined.
    pub note: String,
    /// Identity of the frame, shared by a duplicate and its original.
    pub id: u64,
    pub sent_us: Micros,
    /// The frame's TCP header as parsed when it entered the link.
    pub seg: Option<Segment>,
}

/// A frame on its way: (arrival time, order of entry into the link, slot with
/// the direction in its low bit). Frames arrive in that order.
type Key = (Micros, u64, usize);

pub struct Link {
    dirs: [Direction; 2],
    faults: FaultBook,
    /// Per direction, frames that entered the link in order of arrival (the
    /// common case: no jitter, no reordering): a queue, cheaper than the heap.
    lanes: [VecDeque<Key>; 2],
    /// Frames that would overtake one already in their lane.
    heap: BinaryHeap<Reverse<Key>>,
    /// The least key of the lanes and the heap: the next frame to arrive.
    next: Option<Key>,
    frames: Vec<Option<Carried>>,
    free: Vec<usize>,
    counter: u64,
}

/// Wire time of `bytes` at `rate_bps`, rounded up to whole microseconds.
fn wire_time(bytes: usize, rate_bps: Option<u64>) -> Micros {
    match rate_bps {
        None => 0,
        Some(rate) => (bytes as u64 * 8 * 1_000_000).div_ceil(rate),
    }
}

impl Link {
    pub fn new(seed: u64, configs: [LinkConfig; 2], faults: FaultBook) -> Link {
        let make = |lane: usize, config: LinkConfig| Direction {
            config,
            busy_until: 0,
            last_arrival: 0,
            loss: rng::stream(seed, Purpose::Loss, lane),
            dup: rng::stream(seed, Purpose::Duplication, lane),
            reorder: rng::stream(seed, Purpose::Reordering, lane),
            jitter: rng::stream(seed, Purpose::Jitter, lane),
        };
        let [c2s, s2c] = configs;
        Link {
            dirs: [make(0, c2s), make(1, s2c)],
            faults,
            lanes: [VecDeque::new(), VecDeque::new()],
            heap: BinaryHeap::new(),
            next: None,
            frames: Vec::new(),
            free: Vec::new(),
            counter: 0,
        }
    }

    fn schedule(&mut self, arrival: Micros, dir: Dir, frame: Carried) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.frames[slot] = Some(frame);
                slot
            }
            None => {
                self.frames.push(Some(frame));
                self.frames.len() - 1
            }
        };
        self.counter += 1;
        let key = (arrival, self.counter, slot * 2 + dir.index());
        // `counter` only grows, so a frame arriving no earlier than the last
        // one in its lane keeps the lane sorted by (arrival, entry).
        let lane = &mut self.lanes[dir.index()];
        if lane.back().is_none_or(|&(last, _, _)| last <= arrival) {
            lane.push_back(key);
        } else {
            self.heap.push(Reverse(key));
        }
        if self.next.is_none_or(|next| key < next) {
            self.next = Some(key);
        }
    }

    /// The least key of the two lanes and the heap.
    fn least_key(&self) -> Option<Key> {
        let mut best = self.heap.peek().map(|r| r.0);
        for lane in &self.lanes {
            if let Some(&key) = lane.front()
                && best.is_none_or(|b| key < b)
            {
                best = Some(key);
            }
        }
        best
    }

    /// Hand a frame to the wire at `now`. `seg` is its parsed TCP header, if any.
    /// `sender_note` travels with the frame so the receiver's capture can show
    /// it; None when the receiver records nothing (no note is carried).
    pub fn send(
        &mut self,
        now: Micros,
        dir: Dir,
        frame: Vec<u8>,
        sender_note: Option<&str>,
        id: u64,
        seg: Option<&Segment>,
    ) -> Verdict {
        // A frame that enters a partition never reaches the other faults.
        let cut = self.faults.partition(dir, now);
        let scripted = match cut {
            Some(_) => None,
            None => seg.and_then(|s| self.faults.judge(dir, s)),
        };
        let d = &mut self.dirs[dir.index()];
        let cfg = &d.config;
        // Each knob has its own stream, drawn once per frame whatever happens to
        // the frame, so its n-th draw always belongs to the n-th frame. A knob at
        // zero never reads its draw, and no other knob reads its stream, so its
        // draw is skipped (the same run, minus four ChaCha draws per frame).
        let roll = |on: bool, stream: &mut ChaCha8Rng| if on { rng::unit(stream) } else { 1.0 };
        let loss_roll = roll(cfg.loss > 0.0, &mut d.loss);
        let dup_roll = roll(cfg.dup > 0.0, &mut d.dup);
        let reorder_roll = roll(cfg.reorder > 0.0, &mut d.reorder);
        let jitter = if cfg.jitter > 0 {
            rng::up_to(&mut d.jitter, cfg.jitter)
        } else {
            0
        };

        let len = frame.len();
        let start = now.max(d.busy_until);
        if let (Some(limit), Some(rate)) = (cfg.queue_bytes, cfg.rate_bps) {
            let backlog_bytes = (start - now) * rate / 8 / 1_000_000;
            if backlog_bytes + len as u64 > limit {
                return Verdict {
                    fate: Fate::Dropped,
                    note: format!("queue full: {backlog_bytes} B waiting, limit {limit} B"),
                };
            }
        }
        let done = start + wire_time(len, cfg.rate_bps);
        d.busy_until = done;

        if let Some((i, from, until)) = cut {
            return Verdict {
                fate: Fate::Dropped,
                note: format!(
                    "scripted fault #{}: partition, the link drops every frame from {from} us until {until} us",
                    i + 1
                ),
            };
        }
        let mut note = String::new();
        let mut arrival = done + cfg.latency + jitter;
        match scripted {
            Some((i, FaultAction::Drop)) => {
                return Verdict {
                    fate: Fate::Dropped,
                    note: format!("scripted fault #{}: drop", i + 1),
                };
            }
            Some((i, FaultAction::Delay(extra))) => {
                arrival += extra;
                note = format!("scripted fault #{}: delayed {extra} us", i + 1);
            }
            Some((_, FaultAction::Partition { .. })) => {
                unreachable!("partitions are not judged per segment")
            }
            Some((i, FaultAction::Stall(extra))) => {
                arrival = arrival.max(d.last_arrival + wire_time(len, cfg.rate_bps)) + extra;
                d.last_arrival = arrival;
                note = format!("scripted fault #{}: link stalled {extra} us", i + 1);
            }
            None => {
                if loss_roll < cfg.loss {
                    return Verdict {
                        fate: Fate::Dropped,
                        note: format!("lost on the link (loss {})", cfg.loss),
                    };
                }
                if reorder_roll < cfg.reorder {
                    arrival += cfg.reorder_delay;
                    note = format!("reordered: held back {} us", cfg.reorder_delay);
                } else {
                    // In order: a frame behind a held-up one arrives one wire time after it.
                    if arrival <= d.last_arrival {
                        arrival = d.last_arrival + wire_time(len, cfg.rate_bps);
                    }
                    d.last_arrival = arrival;
                }
            }
        }
        let duplicate = scripted.is_none() && dup_roll < cfg.dup;
        let fate = if duplicate {
            let again = arrival + wire_time(len, cfg.rate_bps).max(1);
            let copy = Carried {
                frame: frame.clone(),
                note: sender_note
                    .map_or_else(String::new, |n| join_notes(n, "the link's duplicate")),
                id,
                sent_us: now,
                seg: seg.copied(),
            };
            self.schedule(again, dir, copy);
            note = "duplicated by the link".to_string();
            Fate::Duplicated
        } else {
            Fate::Delivered
        };
        let carried = Carried {
            frame,
            note: sender_note.map_or_else(String::new, |n| join_notes(n, &note)),
            id,
            sent_us: now,
            seg: seg.copied(),
        };
        self.schedule(arrival, dir, carried);
        Verdict { fate, note }
    }

    /// Arrival time of the next frame in flight.
    pub fn next_arrival(&self) -> Option<Micros> {
        self.next.map(|(t, _, _)| t)
    }

    /// Take the next frame that has arrived by `now`.
    pub fn pop_arrived(&mut self, now: Micros) -> Option<(Micros, Dir, Carried)> {
        let key = self.next?;
        let (t, _, packed) = key;
        if t > now {
            return None;
        }
        // Keys are unique (the entry counter), so the one that matches is it.
        let lane = &mut self.lanes[packed % 2];
        if lane.front() == Some(&key) {
            lane.pop_front();
        } else {
            self.heap.pop();
        }
        self.next = self.least_key();
        let slot = packed / 2;
        let dir = if packed % 2 == 0 {
            Dir::ClientToServer
        } else {
            Dir::ServerToClient
        };
        let carried = self.frames[slot].take().expect("scheduled frame present");
        self.free.push(slot);
        Some((t, dir, carried))
    }

    pub fn is_idle(&self) -> bool {
        self.heap.is_empty() && self.lanes.iter().all(VecDeque::is_empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Frames leave the lanes and the heap in (arrival, entry) order,
        /// whatever order their arrival times came in.
        #[test]
        fn frames_arrive_in_time_then_entry_order(
            arrivals in proptest::collection::vec((0u64..50, proptest::bool::ANY), 0..60),
        ) {
            let cfg = LinkConfig::default();
            let mut link = Link::new(1, [cfg.clone(), cfg], FaultBook::new(vec![]));
            for (n, &(at, c2s)) in arrivals.iter().enumerate() {
                let dir = if c2s { Dir::ClientToServer } else { Dir::ServerToClient };
                let carried = Carried {
                    frame: vec![],
                    note: String::new(),
                    id: n as u64,
                    sent_us: 0,
                    seg: None,
                };
                link.schedule(at, dir, carried);
            }
            let mut expected: Vec<(u64, u64)> = arrivals
                .iter()
                .enumerate()
                .map(|(n, &(at, _))| (at, n as u64))
                .collect();
            expected.sort_unstable();
            let mut got = Vec::new();
            while let Some((at, _, carried)) = link.pop_arrived(u64::MAX) {
                got.push((at, carried.id));
            }
            proptest::prop_assert_eq!(got, expected);
            proptest::prop_assert!(link.is_idle());
        }
    }

    #[test]
    fn wire_time_rounds_up() {
        assert_eq!(wire_time(66, Some(100_000_000)), 6);
        assert_eq!(wire_time(1514, Some(1_000_000_000)), 13);
        assert_eq!(wire_time(1514, None), 0);
    }

    #[test]
    fn frames_queue_behind_each_other() {
        let cfg = LinkConfig {
            latency: 50,
            rate_bps: Some(8_000_000), // one byte per microsecond
            ..LinkConfig::default()
        };
        let mut link = Link::new(1, [cfg.clone(), cfg], FaultBook::new(vec![]));
        link.send(0, Dir::ClientToServer, vec![0; 100], Some(""), 1, None);
        link.send(0, Dir::ClientToServer, vec![1; 100], Some(""), 2, None);
        assert_eq!(link.next_arrival(), Some(150));
        let (t1, _, f1) = link.pop_arrived(1000).unwrap();
        let (t2, _, f2) = link.pop_arrived(1000).unwrap();
        assert_eq!((t1, f1.frame[0]), (150, 0));
        assert_eq!((t2, f2.frame[0]), (250, 1));
        assert!(link.is_idle());
    }
}
