//! Scaling (issue 6, item 5): the cost per frame from 1 to 1,000 concurrent
//! connections through one link, and a 10,000-seed sweep of V3 on one and two
//! threads. Prints a table; no criterion statistics, so it runs in seconds.
//!
//! It also prints what the 100 MiB bulk transfers of `benches/replay.rs` cost per
//! frame and how much virtual time they cover (1% loss with cubic is slow in
//! virtual time, not in wall time).
//!
//! `cargo bench --bench scaling` runs all three; `-- --connections N` runs only
//! N concurrent connections once (for `/usr/bin/time -v`, peak RSS),
//! `-- --sweep` only the sweep, `-- --bulk` only the bulk table. Without any
//! argument (as `cargo test --benches` runs it) it does a small smoke run.

use std::time::Instant as WallClock;

use rayon::prelude::*;
use tcpsim::{Recording, RunOptions};

#[path = "common/concurrent.rs"]
mod concurrent;
#[path = "common/scenarios.rs"]
mod scenarios;

/// Seeds in the V3 sweep: enough runs (about half a second on one thread)
/// that thread start-up and a cold heap do not decide the speedup.
const SWEEP_SEEDS: u64 = 10_000;

/// Bytes each connection sends.
const PER_CONNECTION: u64 = 16 * 1024;

/// Best of `rounds` wall times of `f`, in seconds, with f's last result.
fn best<T>(rounds: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..rounds {
        let start = WallClock::now();
        let out = f();
        best = best.min(start.elapsed().as_secs_f64());
        last = Some(out);
    }
    (best, last.expect("at least one round"))
}

fn connections(counts: &[usize]) {
    let s = scenarios::Bulk::gigabit("16KiB", 0.0).scenario();
    println!(
        "concurrent connections, {PER_CONNECTION} bytes each, 1 Gbit/s, 10 ms RTT, recording headers"
    );
    println!(
        "{:>6} {:>8} {:>8} {:>8} {:>10} {:>12}",
        "conns", "frames", "retrans", "events", "wall_ms", "ns_per_frame"
    );
    for &n in counts {
        let rounds = if n >= 1000 { 1 } else { 3 };
        let (secs, out) = best(rounds, || {
            concurrent::run(
                &s,
                n,
                PER_CONNECTION,
                concurrent::options(Recording::Headers),
            )
        });
        assert!(out.finished, "{n} connections finish: {out:?}");
        assert_eq!(out.received, n as u64 * PER_CONNECTION);
        println!(
            "{:>6} {:>8} {:>8} {:>8} {:>10.1} {:>12.0}",
            n,
            out.counters.frames,
            out.counters.retransmissions,
            out.events,
            secs * 1e3,
            secs * 1e9 / out.counters.frames as f64
        );
    }
}

fn sweep() {
    let s = scenarios::reference("v3");
    let one = |seed: u64| {
        let mut s = s.clone();
        s.seed = seed;
        // As `tcpsim sweep` runs: no records, stream digests kept (its `intact`).
        let options = RunOptions {
            digests: true,
            ..concurrent::options(Recording::Off)
        };
        tcpsim::run_with(s, options).counters.frames
    };
    println!("sweep of V3 over seeds 1..={SWEEP_SEEDS}, recording off, digests on");
    let mut base = 0.0;
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        let (secs, frames) = best(5, || {
            pool.install(|| (1..=SWEEP_SEEDS).into_par_iter().map(one).sum::<u64>())
        });
        if threads == 1 {
            base = secs;
        }
        println!(
            "{threads} thread(s): {:.1} ms for {SWEEP_SEEDS} runs ({:.1} us per run, {frames} frames), speedup {:.2}",
            secs * 1e3,
            secs * 1e6 / SWEEP_SEEDS as f64,
            base / secs
        );
    }
}

fn bulk() {
    println!("100 MiB bulk, 1 Gbit/s, 10 ms RTT, cubic, linux profile, recording headers");
    println!(
        "{:>5} {:>8} {:>8} {:>9} {:>10} {:>12}",
        "loss", "frames", "retrans", "virtual_s", "wall_ms", "ns_per_frame"
    );
    for loss in [0.0, 0.01] {
        let s = scenarios::Bulk::gigabit("100MiB", loss).scenario();
        let (secs, t) = best(1, || {
            tcpsim::run_with(s.clone(), concurrent::options(Recording::Headers))
        });
        assert_eq!(t.programs[1].received, 100 * 1024 * 1024);
        println!(
            "{:>5} {:>8} {:>8} {:>9.2} {:>10.1} {:>12.0}",
            loss,
            t.counters.frames,
            t.counters.retransmissions,
            t.end_time_us as f64 / 1e6,
            secs * 1e3,
            secs * 1e9 / t.counters.frames as f64
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 1 {
        // `cargo test --benches` (no `--bench`): a smoke run.
        connections(&[1, 10]);
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--connections") {
        let n = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(1000);
        connections(&[n]);
        return;
    }
    if args.iter().any(|a| a == "--sweep") {
        sweep();
        return;
    }
    if args.iter().any(|a| a == "--bulk") {
        bulk();
        return;
    }
    connections(&[1, 10, 100, 300, 1000]);
    sweep();
    bulk();
}
