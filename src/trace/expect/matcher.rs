//! Matching records against an expected sequence, and, when they do not
//! match, aligning the two for the side-by-side report.
//!
//! Matching is a regular-expression match over records: a segment line is a
//! symbol, `?` makes one optional and `...` is a star over any record. It runs
//! as a Thompson simulation (the set of lines that could come next), linear in
//! the trace for the usual sequence without `...`, so checking a 17 000-record
//! bulk transfer against its own compact form stays fast.
//!
//! The alignment is a separate, slower question (which lines and records
//! correspond when they do not match): a minimum-cost edit alignment, the
//! dynamic programme of diff tools, with `?` and `...` free to skip or absorb.
//! It runs only after a failure and only up to [`DP_CELLS`]; beyond that a
//! greedy walk pairs lines and records in order.

use super::pattern::Item;
use super::spec::Expected;
use crate::scenario::model::Role;
use crate::trace::{Record, Trace};

/// Largest `(lines + 1) x (records + 1)` aligned exactly (4 bytes a cell).
const DP_CELLS: usize = 1 << 20;

/// How one row of the side-by-side report pairs a line with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// The record fits the line.
    Same { item: usize, rec: usize },
    /// The line and record are paired but differ.
    Differs { item: usize, rec: usize },
    /// A line no record fits here.
    Missing { item: usize },
    /// A record no line expects.
    Extra { rec: usize },
    /// A `?` line with no record: not a difference.
    Skipped { item: usize },
    /// A record taken by `...`.
    Absorbed { item: usize, rec: usize },
    /// A `...` that took no record.
    EmptyGap { item: usize },
}

impl Step {
    pub(super) fn is_difference(self) -> bool {
        matches!(
            self,
            Step::Differs { .. } | Step::Missing { .. } | Step::Extra { .. }
        )
    }
}

/// Check a whole trace: Ok when it fits, else how each line pairs with a
/// record, for the side-by-side report.
pub(super) fn check(expected: &Expected, trace: &Trace) -> Result<(), Vec<Step>> {
    let items = &expected.items;
    if accepts(items, &trace.records, trace.capture) {
        return Ok(());
    }
    let steps = if (items.len() + 1).saturating_mul(trace.records.len() + 1) <= DP_CELLS {
        align(items, &trace.records, trace.capture)
    } else {
        greedy(items, &trace.records, trace.capture)
    };
    Err(steps)
}

fn skippable(item: &Item) -> bool {
    matches!(
        item,
        Item::Gap { .. } | Item::Segment { optional: true, .. }
    )
}

/// Whether the records, all of them, match the items.
pub(super) fn accepts(items: &[Item], records: &[Record], capture: Role) -> bool {
    let n = items.len();
    // `stamp[i] == round` marks state i as already in this round's set.
    let mut stamp = vec![usize::MAX; n + 1];
    let mut current = Vec::new();
    let add = |set: &mut Vec<usize>, stamp: &mut [usize], round: usize, mut i: usize| {
        // Entering a state also enters every state reachable by skipping.
        loop {
            if stamp[i] == round {
                return;
            }
            stamp[i] = round;
            set.push(i);
            if i < n && skippable(&items[i]) {
                i += 1;
            } else {
                return;
            }
        }
    };
    add(&mut current, &mut stamp, 0, 0);
    for (index, rec) in records.iter().enumerate() {
        let round = index + 1;
        let mut next = Vec::with_capacity(current.len());
        for &i in &current {
            match items.get(i) {
                Some(Item::Gap { .. }) => add(&mut next, &mut stamp, round, i),
                Some(Item::Segment { pattern, .. }) if pattern.matches(rec, capture) => {
                    add(&mut next, &mut stamp, round, i + 1)
                }
                _ => {}
            }
        }
        if next.is_empty() {
            return false;
        }
        current = next;
    }
    current.contains(&n)
}

/// The cheapest alignment: a difference (changed, missing or extra row) costs
/// 1; a match, a skipped `?` line and a record under `...` cost nothing. So a
/// cost of 0 means the sequence matches, and one changed field costs one row.
pub(super) fn align(items: &[Item], records: &[Record], capture: Role) -> Vec<Step> {
    let (n, m) = (items.len(), records.len());
    let width = m + 1;
    // cost[i * width + j]: cheapest alignment of items[i..] with records[j..].
    let mut cost = vec![0u32; (n + 1) * width];
    for j in 0..=m {
        cost[n * width + j] = (m - j) as u32;
    }
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            let at = |i: usize, j: usize| cost[i * width + j];
            let c = match &items[i] {
                Item::Gap { .. } => {
                    let end = at(i + 1, j);
                    if j < m { end.min(at(i, j + 1)) } else { end }
                }
                Item::Segment {
                    optional, pattern, ..
                } => {
                    let mut best = at(i + 1, j) + u32::from(!optional);
                    if j < m {
                        let fits = pattern.matches(&records[j], capture);
                        best = best
                            .min(at(i + 1, j + 1) + u32::from(!fits))
                            .min(at(i, j + 1) + 1);
                    }
                    best
                }
            };
            cost[i * width + j] = c;
        }
    }
    // Walk the cheapest path, preferring a pairing, then a skip, then an extra.
    let at = |i: usize, j: usize| cost[i * width + j];
    let mut steps = Vec::with_capacity(n.max(m) + 1);
    let mut gap_took = false;
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i == n {
            steps.push(Step::Extra { rec: j });
            j += 1;
            continue;
        }
        let here = at(i, j);
        match &items[i] {
            Item::Gap { .. } => {
                if at(i + 1, j) == here {
                    if !gap_took {
                        steps.push(Step::EmptyGap { item: i });
                    }
                    gap_took = false;
                    i += 1;
                } else {
                    steps.push(Step::Absorbed { item: i, rec: j });
                    gap_took = true;
                    j += 1;
                }
            }
            Item::Segment {
                optional, pattern, ..
            } => {
                let fits = j < m && pattern.matches(&records[j], capture);
                if j < m && at(i + 1, j + 1) + u32::from(!fits) == here {
                    steps.push(if fits {
                        Step::Same { item: i, rec: j }
                    } else {
                        Step::Differs { item: i, rec: j }
                    });
                    i += 1;
                    j += 1;
                } else if at(i + 1, j) + u32::from(!optional) == here {
                    steps.push(if *optional {
                        Step::Skipped { item: i }
                    } else {
                        Step::Missing { item: i }
                    });
                    i += 1;
                } else {
                    steps.push(Step::Extra { rec: j });
                    j += 1;
                }
            }
        }
    }
    steps
}

/// An in-order pairing for traces too long to align exactly: a line takes the
/// next record, `?` lines are skipped when the record does not fit, and `...`
/// takes records until the line after it fits. The first difference it
/// reports is where the match really failed only up to the first `...`;
/// after that it is a best effort.
fn greedy(items: &[Item], records: &[Record], capture: Role) -> Vec<Step> {
    let (n, m) = (items.len(), records.len());
    let fits = |i: usize, j: usize| match items.get(i) {
        Some(Item::Segment { pattern, .. }) => pattern.matches(&records[j], capture),
        _ => false,
    };
    let mut steps = Vec::new();
    let mut gap_took = false;
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i == n {
            steps.push(Step::Extra { rec: j });
            j += 1;
            continue;
        }
        match &items[i] {
            Item::Gap { .. } => {
                if j < m && (i + 1 == n || !fits(i + 1, j)) {
                    steps.push(Step::Absorbed { item: i, rec: j });
                    gap_took = true;
                    j += 1;
                } else {
                    if !gap_took {
                        steps.push(Step::EmptyGap { item: i });
                    }
                    gap_took = false;
                    i += 1;
                }
            }
            Item::Segment { optional, .. } => {
                if j < m && fits(i, j) {
                    steps.push(Step::Same { item: i, rec: j });
                    j += 1;
                } else if *optional {
                    steps.push(Step::Skipped { item: i });
                } else if j < m {
                    steps.push(Step::Differs { item: i, rec: j });
                    j += 1;
                } else {
                    steps.push(Step::Missing { item: i });
                }
                i += 1;
            }
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Fate, flags};
    use proptest::prelude::*;

    fn rec(sender: Role, bits: u8, seq: u32, len: u32) -> Record {
        Record {
            no: 0,
            time_us: 0,
            sender,
            src: [10, 0, 0, 1].into(),
            src_port: 1,
            dst: [10, 0, 0, 2].into(),
            dst_port: 2,
            flags: bits,
            seq,
            ack: 1,
            raw_seq: seq,
            raw_ack: 1,
            win: 100,
            len,
            frame_len: 54 + len,
            fate: Fate::Delivered,
            note: String::new(),
            sent_us: 0,
            arrived_us: Some(0),
            seen: crate::trace::Seen::Leaving,
            frame: Vec::new(),
        }
    }

    /// A short trace: SYN, SYN-ACK, ACK, data, data, FIN.
    fn records() -> Vec<Record> {
        let mut v = vec![
            rec(Role::Client, flags::SYN, 0, 0),
            rec(Role::Server, flags::SYN | flags::ACK, 0, 0),
            rec(Role::Client, flags::ACK, 1, 0),
            rec(Role::Client, flags::PSH | flags::ACK, 1, 5),
            rec(Role::Server, flags::PSH | flags::ACK, 1, 5),
            rec(Role::Client, flags::FIN | flags::ACK, 6, 0),
        ];
        for (k, r) in v.iter_mut().enumerate() {
            r.no = k + 1;
        }
        v
    }

    fn items(spec: &str) -> Vec<Item> {
        Expected::parse(spec).unwrap().items
    }

    const EXACT: &str =
        "c> S 0:0(0)\ns> S. 0:0(0)\nc> . 1:1(0)\nc> P. 1:6(5)\ns> P. 1:6(5)\nc> F. 6:6(0)";

    #[test]
    fn exact_gap_and_optional() {
        let recs = records();
        let ok = |s: &str| accepts(&items(s), &recs, Role::Server);
        assert!(ok(EXACT));
        assert!(ok("..."));
        assert!(ok("c> S 0:0(0)\n...\nc> F. 6:6(0)"));
        assert!(ok("...\n...\nc> F. 6:6(0)\n..."));
        assert!(ok(&format!("? s> R 0:0(0)\n{EXACT}\n? c> R *:*(*)")));
        assert!(ok("c> S 0:0(0)\n...\ns> P. *:*(*)\n? c> * *:*(*)"));
        assert!(!ok("c> S 0:0(0)\n...\nc> P. 1:6(5)"));
        assert!(!ok(""));
        assert!(!ok(&format!("{EXACT}\nc> F. 6:6(0)")));
        assert!(!ok("s> S 0:0(0)\n..."));
        assert!(accepts(&items(""), &[], Role::Server));
        assert!(accepts(&items("...\n? S 0:0(0)"), &[], Role::Server));
        assert!(!accepts(&items("S 0:0(0)"), &[], Role::Server));
    }

    #[test]
    fn one_changed_line_aligns_as_one_differing_row() {
        let spec = EXACT.replace("c> P. 1:6(5)", "c> P. 1:7(6)");
        let steps = align(&items(&spec), &records(), Role::Server);
        let diffs: Vec<Step> = steps.into_iter().filter(|s| s.is_difference()).collect();
        assert_eq!(diffs, vec![Step::Differs { item: 3, rec: 3 }]);
    }

    #[test]
    fn a_missing_record_and_an_extra_one() {
        let spec = EXACT.replace("c> . 1:1(0)\n", "");
        let steps = align(&items(&spec), &records(), Role::Server);
        let diffs: Vec<Step> = steps.into_iter().filter(|s| s.is_difference()).collect();
        assert_eq!(diffs, vec![Step::Extra { rec: 2 }]);
        let spec = format!("{EXACT}\ns> F. 6:6(0)");
        let steps = align(&items(&spec), &records(), Role::Server);
        assert_eq!(steps.last(), Some(&Step::Missing { item: 6 }));
    }

    #[test]
    fn gaps_show_what_they_took() {
        let steps = align(
            &items("c> S 0:0(0)\n...\nc> F. 6:6(0)\n..."),
            &records(),
            Role::Server,
        );
        assert_eq!(
            steps,
            vec![
                Step::Same { item: 0, rec: 0 },
                Step::Absorbed { item: 1, rec: 1 },
                Step::Absorbed { item: 1, rec: 2 },
                Step::Absorbed { item: 1, rec: 3 },
                Step::Absorbed { item: 1, rec: 4 },
                Step::Same { item: 2, rec: 5 },
                Step::EmptyGap { item: 3 },
            ]
        );
    }

    /// Lines drawn from a small alphabet, so that matches are frequent.
    fn line() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "c> S 0:0(0)",
            "s> S. 0:0(0)",
            "c> . 1:1(0)",
            "c> P. 1:6(5)",
            "s> P. 1:6(5)",
            "c> F. 6:6(0)",
            "? c> . 1:1(0)",
            "? s> P. *:*(*)",
            "...",
            "* *:*(*)",
        ])
    }

    proptest! {
        /// The exact alignment costs nothing exactly when the sequence
        /// matches, and every alignment covers each line and record once,
        /// in order.
        #[test]
        fn alignment_agrees_with_matching(
            lines in prop::collection::vec(line(), 0..9),
            keep in prop::collection::vec(any::<bool>(), 6),
        ) {
            let recs: Vec<Record> = records()
                .into_iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(r, _)| r)
                .collect();
            let its = items(&lines.join("\n"));
            let matched = accepts(&its, &recs, Role::Server);
            for steps in [align(&its, &recs, Role::Server), greedy(&its, &recs, Role::Server)] {
                let mut seen_items = Vec::new();
                let mut seen_recs = Vec::new();
                for s in &steps {
                    match *s {
                        Step::Same { item, rec }
                        | Step::Differs { item, rec }
                        | Step::Absorbed { item, rec } => {
                            seen_items.push(item);
                            seen_recs.push(rec);
                        }
                        Step::Missing { item } | Step::Skipped { item } | Step::EmptyGap { item } => {
                            seen_items.push(item)
                        }
                        Step::Extra { rec } => seen_recs.push(rec),
                    }
                }
                seen_items.dedup();
                prop_assert_eq!(seen_items, (0..its.len()).collect::<Vec<_>>());
                prop_assert_eq!(seen_recs, (0..recs.len()).collect::<Vec<_>>());
            }
            let exact = align(&its, &recs, Role::Server);
            prop_assert_eq!(matched, !exact.iter().any(|s| s.is_difference()));
            if !matched {
                // A greedy walk may miss a match, but never invents one.
                prop_assert!(greedy(&its, &recs, Role::Server).iter().any(|s| s.is_difference()));
            }
        }
    }
}
