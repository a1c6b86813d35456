//! Walking a client's steps in order without unrolling its repeats.
//!
//! `repeat = { times = N, steps = [...] }` is run N times by keeping one
//! counter per nesting level, so a scenario that repeats a step four billion
//! times costs a few bytes of state, not four billion copies of the step (the
//! run then stops at `max_sim_time` or `max_events`, as any long run does).

use std::rc::Rc;

use crate::scenario::model::Step;

/// One nesting level: the position in its step list and the passes still to
/// run after the current one.
#[derive(Debug, Clone, Copy)]
struct Level {
    index: usize,
    passes_left: u32,
}

/// Where a client is in its steps.
#[derive(Debug, Clone)]
pub(crate) struct StepCursor {
    root: Rc<[Step]>,
    /// The path from the top-level list to the current step; never empty.
    levels: Vec<Level>,
}

/// Whether running `steps` would run at least one step that is not a repeat.
fn has_work(steps: &[Step]) -> bool {
    steps.iter().any(|s| match s {
        Step::Repeat { times, steps } => *times > 0 && has_work(steps),
        _ => true,
    })
}

impl StepCursor {
    /// A cursor on the first step of `steps`.
    pub(crate) fn new(steps: &[Step]) -> StepCursor {
        StepCursor {
            root: steps.to_vec().into(),
            levels: vec![Level {
                index: 0,
                passes_left: 0,
            }],
        }
    }

    /// The step list at nesting depth `depth` of the current path.
    fn list(&self, depth: usize) -> &[Step] {
        let mut list: &[Step] = &self.root;
        for level in &self.levels[..depth] {
            match &list[level.index] {
                Step::Repeat { steps, .. } => list = steps,
                _ => unreachable!("every level but the last points at a repeat"),
            }
        }
        list
    }

    /// Enter repeats and leave finished ones until the cursor is on a step
    /// that is not a repeat; `false` when every step has run.
    pub(crate) fn settle(&mut self) -> bool {
        loop {
            let depth = self.levels.len() - 1;
            let level = self.levels[depth];
            match self.list(depth).get(level.index) {
                None if depth == 0 => return false,
                None if level.passes_left > 0 => {
                    self.levels[depth] = Level {
                        index: 0,
                        passes_left: level.passes_left - 1,
                    };
                }
                None => {
                    self.levels.pop();
                    self.levels[depth - 1].index += 1;
                }
                Some(Step::Repeat { times, steps }) if *times > 0 && has_work(steps) => {
                    let passes_left = times - 1;
                    self.levels.push(Level {
                        index: 0,
                        passes_left,
                    });
                }
                Some(Step::Repeat { .. }) => self.levels[depth].index += 1,
                Some(_) => return true,
            }
        }
    }

    /// The step the cursor is on (call `settle` first: it may be a repeat).
    pub(crate) fn step(&self) -> Option<&Step> {
        let depth = self.levels.len() - 1;
        self.list(depth).get(self.levels[depth].index)
    }

    /// Move past the current step.
    pub(crate) fn advance(&mut self) {
        if let Some(level) = self.levels.last_mut() {
            level.index += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(steps: &[Step], limit: usize) -> Vec<Step> {
        let mut cursor = StepCursor::new(steps);
        let mut out = Vec::new();
        while cursor.settle() {
            out.push(cursor.step().unwrap().clone());
            cursor.advance();
            if out.len() == limit {
                break;
            }
        }
        out
    }

    #[test]
    fn nested_repeats_run_in_order() {
        let steps = vec![
            Step::Connect,
            Step::Repeat {
                times: 2,
                steps: vec![
                    Step::Send(b"a".to_vec()),
                    Step::Repeat {
                        times: 3,
                        steps: vec![Step::Recv(1)],
                    },
                ],
            },
            Step::Repeat {
                times: 0,
                steps: vec![Step::Shutdown],
            },
            Step::Repeat {
                times: 5,
                steps: vec![],
            },
            Step::Close,
        ];
        let got = run(&steps, 100);
        let a = Step::Send(b"a".to_vec());
        let r = Step::Recv(1);
        let want = vec![
            Step::Connect,
            a.clone(),
            r.clone(),
            r.clone(),
            r.clone(),
            a,
            r.clone(),
            r.clone(),
            r,
            Step::Close,
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn a_huge_repeat_costs_nothing_up_front() {
        let steps = vec![Step::Repeat {
            times: u32::MAX,
            steps: vec![Step::Repeat {
                times: u32::MAX,
                steps: vec![Step::Sleep(1)],
            }],
        }];
        assert_eq!(run(&steps, 1000).len(), 1000);
        let empty = vec![Step::Repeat {
            times: u32::MAX,
            steps: vec![Step::Repeat {
                times: u32::MAX,
                steps: vec![],
            }],
        }];
        assert!(run(&empty, 10).is_empty());
    }
}
