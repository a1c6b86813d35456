//! Running a sweep's rows: each run is independent, so rayon spreads them
//! over the threads of the current pool, and `collect` keeps them in run
//! order whatever order they finish in.

use rayon::prelude::*;

use crate::engine::sim::{Recording, RunOptions, run_with};

use super::metrics::RunRow;
use super::predicate::Predicate;
use super::spec::Plan;

/// Sweeps keep counters and digests only: no per-frame records, no bytes.
const FAST: RunOptions = RunOptions {
    recording: Recording::Off,
    keep_received: false,
    digests: true,
};

/// Run one run of the grid.
pub fn run_one(plan: &Plan, run: u64) -> RunRow {
    let (cell, _) = plan.spec.locate(run);
    let trace = run_with(plan.scenario(run), FAST);
    RunRow::from_trace(run, cell, &trace)
}

/// Run the given runs in parallel; rows come back in the order of `runs`.
/// `done` is called once per finished run (for a progress bar).
pub fn run_all(plan: &Plan, runs: &[u64], done: &(dyn Fn() + Sync)) -> Vec<RunRow> {
    runs.par_iter()
        .map(|&run| {
            let row = run_one(plan, run);
            done();
            row
        })
        .collect()
}

/// The first run, in seed order (and within one seed, in cell order), whose
/// row satisfies `predicate`. Runs are taken in batches of `batch`, each
/// batch in parallel, and the batch is scanned in order, so the answer does
/// not depend on the thread count; only how many runs past the answer get
/// computed does.
pub fn find(
    plan: &Plan,
    predicate: &Predicate,
    batch: usize,
    done: &(dyn Fn() + Sync),
) -> Option<RunRow> {
    let spec = &plan.spec;
    let cells = spec.cells();
    let seeds = spec.seeds.count();
    let total = spec.runs();
    // k-th in seed order → run index (cell-major numbering).
    let run_of = |k: u64| (k % cells) * seeds + k / cells;
    let mut k = 0;
    while k < total {
        let end = (k + batch.max(1) as u64).min(total);
        let runs: Vec<u64> = (k..end).map(run_of).collect();
        let rows = run_all(plan, &runs, done);
        if let Some(row) = rows.into_iter().find(|r| predicate.holds(r)) {
            return Some(row);
        }
        k = end;
    }
    None
}
