//! Scripted faults: act on exactly the segment a scenario names, matched on
//! direction, flags, relative sequence number, payload length and n-th
//! occurrence; or, for a partition, on every frame in a window of time.
//!
//! Faults are indexed by direction and sequence number, so a segment is
//! compared only with the faults that name its sequence number (or none):
//! 20,000 faults cost about what one does, where a scan of every fault for
//! every segment made the run quadratic.

use std::collections::BTreeMap;

use crate::scenario::model::{Dir, Fault, FaultAction, Micros};
use crate::wire::frame::Segment;
use crate::wire::seq::RelativeNumbering;

/// The faults of one direction, by the sequence number they name.
#[derive(Debug, Clone, Default)]
struct DirIndex {
    by_seq: BTreeMap<u32, Vec<usize>>,
    any_seq: Vec<usize>,
}

/// The faults of a scenario and how many segments each has matched so far.
#[derive(Debug, Clone)]
pub struct FaultBook {
    faults: Vec<Fault>,
    /// Whether any fault is a partition (most scenarios have none: no
    /// frame then pays for looking).
    partitions: bool,
    matches: Vec<u32>,
    index: [DirIndex; 2],
    numbering: RelativeNumbering,
}

impl FaultBook {
    pub fn new(faults: Vec<Fault>) -> FaultBook {
        let matches = vec![0; faults.len()];
        let mut index: [DirIndex; 2] = Default::default();
        // Pushed in fault order: every list is sorted by fault index.
        for (i, fault) in faults.iter().enumerate() {
            if matches!(fault.action, FaultAction::Partition { .. }) {
                // A partition matches times, not segments (`partition`).
                continue;
            }
            let dir = &mut index[fault.dir.index()];
            match fault.seq {
                Some(seq) => dir.by_seq.entry(seq).or_default().push(i),
                None => dir.any_seq.push(i),
            }
        }
        let partitions = faults
            .iter()
            .any(|f| matches!(f.action, FaultAction::Partition { .. }));
        FaultBook {
            faults,
            partitions,
            matches,
            index,
            numbering: RelativeNumbering::default(),
        }
    }

    /// Decide what scripted fault, if any, applies to a segment entering the link.
    /// Returns the fault's index (0-based) and its action: the first fault,
    /// in file order, whose n-th match this segment is. Every fault it
    /// matches counts it.
    pub fn judge(&mut self, dir: Dir, seg: &Segment) -> Option<(usize, FaultAction)> {
        if self.faults.is_empty() {
            // Nothing to match: the numbering exists only for matching.
            return None;
        }
        self.numbering.observe(seg);
        let rel_seq = self.numbering.seq(seg);
        let index = &self.index[dir.index()];
        let named: &[usize] = index.by_seq.get(&rel_seq).map_or(&[], Vec::as_slice);
        let mut verdict = None;
        for i in merged(named, &index.any_seq) {
            let fault = &self.faults[i];
            let hit = fault.flags.is_none_or(|f| f == seg.flags)
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

/// Two ascending lists of fault indexes as one, in ascending order.
fn merged<'a>(a: &'a [usize], b: &'a [usize]) -> impl Iterator<Item = usize> + 'a {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x < y => {
                i += 1;
                x
            }
            (_, Some(&y)) => {
                j += 1;
                y
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, None) => return None,
        };
        Some(next)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_keeps_ascending_order() {
        let got: Vec<usize> = merged(&[1, 4, 9], &[0, 5, 6, 10]).collect();
        assert_eq!(got, [0, 1, 4, 5, 6, 9, 10]);
        assert_eq!(merged(&[], &[]).count(), 0);
    }
}
