//! Scripted faults: act on exactly the segment a scenario names, matched on
//! direction, flags, relative sequence number, payload length and n-th
//! occurrence; or, for a partition, on every frame in a window of time.

use crate::scenario::model::{Dir, Fault, FaultAction, Micros};
use crate::wire::frame::Segment;
use crate::wire::seq::RelativeNumbering;

/// The faults of a scenario and how many segments each has matched so far.
#[derive(Debug, Clone)]
pub struct FaultBook {
    faults: Vec<Fault>,
    /// Whether any fault is a partition (most scenarios have none: no
    /// frame then pays for looking).
    partitions: bool,
    matches: Vec<u32>,
    numbering: RelativeNumbering,
}

impl FaultBook {
    pub fn new(faults: Vec<Fault>) -> FaultBook {
        let matches = vec![0; faults.len()];
        let partitions = faults
            .iter()
            .any(|f| matches!(f.action, FaultAction::Partition { .. }));
        FaultBook {
            faults,
            partitions,
            matches,
            numbering: RelativeNumbering::default(),
        }
    }

    /// Decide what scripted fault, if any, applies to a segment entering the link.
    /// Returns the fault's index (0-based) and its action.
    pub fn judge(&mut self, dir: Dir, seg: &Segment) -> Option<(usize, FaultAction)> {
        if self.faults.is_empty() {
            // Nothing to match: the numbering exists only for matching.
            return None;
        }
        self.numbering.observe(seg);
        let rel_seq = self.numbering.seq(seg);
        let mut verdict = None;
        for (i, fault) in self.faults.iter().enumerate() {
            if matches!(fault.action, FaultAction::Partition { .. }) {
                continue;
            }
            let hit = fault.dir == dir
                && fault.flags.is_none_or(|f| f == seg.flags)
                && fault.seq.is_none_or(|s| s == rel_seq)
                && fault.len.is_none_or(|l| l == seg.payload_len);
            if hit {
                self.matches[i] += 1;
                if self.matches[i] == fault.nth && verdict.is_none() {
                    verdict = Some((i, fault.action));
                }
            }
        }
        verdict
    }

    /// The first partition (index, from, until) that cuts direction `dir`
    /// at `now`, if any.
    #[inline]
    pub fn partition(&self, dir: Dir, now: Micros) -> Option<(usize, Micros, Micros)> {
        if !self.partitions {
            return None;
        }
        self.cut(dir, now)
    }

    fn cut(&self, dir: Dir, now: Micros) -> Option<(usize, Micros, Micros)> {
        self.faults
            .iter()
            .enumerate()
            .find_map(|(i, fault)| match fault.action {
                FaultAction::Partition {
                    from,
                    until,
                    both_ways,
                } if (both_ways || fault.dir == dir) && (from..until).contains(&now) => {
                    Some((i, from, until))
                }
                _ => None,
            })
    }
}
