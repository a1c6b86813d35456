//! Running a sweep's rows: each run is independent, so rayon spreads them
//! over the threads of the current pool, and `collect` keeps them in run
//! order whatever order they finish in.

use rayon::prelude::*;

use crate::engine::guard::{self, RunPanic};
use crate::engine::sim::{Recording, RunOptions, run_with};

use super::metrics::RunRow;
use super::predicate::Predicate;
use super::report::shell_quote;
use super::spec::Plan;

/// Sweeps keep counters and digests only: no per-frame records, no bytes.
const FAST: RunOptions = RunOptions {
    recording: Recording::Off,
    keep_received: false,
    digests: true,
};

/// Run one run of the grid; a panic inside the engine comes back as the
/// error, naming the seed (the CLI adds the file and the cell's overrides).
pub fn run_one(plan: &Plan, run: u64) -> Result<RunRow, RunPanic> {
    let (cell, _) = plan.spec.locate(run);
    let trace = guard::catching(plan.scenario(run), |s| run_with(s, FAST)).map_err(|e| {
        let args = plan
            .spec
            .cell_set(cell)
            .iter()
            .flat_map(|s| ["--set".to_string(), shell_quote(s)])
            .collect();
        e.with_file(shell_quote(&plan.spec.file)).with_args(args)
    })?;
    Ok(RunRow::from_trace(run, cell, &trace))
}

/// Run the given runs in parallel; rows come back in the order of `runs`.
/// `done` is called once per finished run (for a progress bar). Err: the
/// first run, in the order of `runs`, that panicked (the same one whatever
/// the thread count).
pub fn run_all(
    plan: &Plan,
    runs: &[u64],
    done: &(dyn Fn() + Sync),
) -> Result<Vec<RunRow>, RunPanic> {
    let results: Vec<Result<RunRow, RunPanic>> = runs
        .par_iter()
        .map(|&run| {
            let row = run_one(plan, run);
            done();
            row
        })
        .collect();
    results.into_iter().collect()
}

/// The first run, in seed order (and within one seed, in cell order), whose
/// row satisfies `predicate`. Runs are taken in batches of `batch`, each
/// batch in parallel, and the batch is scanned in order, so the answer does
/// not depend on the thread count; only how many runs past the answer get
/// computed does. Err: a run that panicked, in the same order.
pub fn find(
    plan: &Plan,
    predicate: &Predicate,
    batch: usize,
    done: &(dyn Fn() + Sync),
) -> Result<Option<RunRow>, RunPanic> {
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
        let rows = run_all(plan, &runs, done)?;
        if let Some(row) = rows.into_iter().find(|r| predicate.holds(r)) {
            return Ok(Some(row));
        }
        k = end;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{SeedRange, Vary};

    #[test]
    fn a_panicking_run_is_reported_with_its_seed_and_cell() {
        let text = "[client]\nip = \"10.0.0.1\"\nsteps = [\"connect\", \"close\"]\n\
                    [server]\nip = \"10.0.0.2\"\nport = 7\n";
        let mut s = crate::scenario::parse(text, "dir/panics.toml").unwrap();
        // Past the parser's checks: smoltcp refuses a multicast address
        // with a panic.
        s.hosts[0].ip = "224.0.0.1".parse().unwrap();
        s.hosts[1].ip = "224.0.0.2".parse().unwrap();
        let seeds = SeedRange { first: 5, last: 7 };
        let vary = vec![Vary::parse("loss=0,0.5").unwrap()];
        let plan = Plan::new(s, "dir/panics.toml", seeds, &[], vary).unwrap();
        let runs: Vec<u64> = (0..plan.spec.runs()).collect();
        let e = run_all(&plan, &runs, &|| {}).unwrap_err();
        assert_eq!(e.seed, 5);
        let text = e.to_string();
        assert!(
            text.starts_with("simulation panicked (scenario panics, seed 5): "),
            "{text}"
        );
        assert!(
            text.ends_with("; replay with: tcpsim run dir/panics.toml --seed 5 --set loss=0"),
            "{text}"
        );
        let e = run_one(&plan, 4).unwrap_err();
        assert!(e.to_string().ends_with("--seed 6 --set loss=0.5"), "{e}");
    }
}
