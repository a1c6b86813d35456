//! Criterion benches of the engine (issue 6, item 1): replaying V0-V4, a 100 MiB
//! bulk transfer at 0% and 1% loss (1 Gbit/s, 10 ms RTT, cubic), many
//! concurrent connections through one link, and a 1,000-seed sweep of V3 on one
//! and two threads.
//!
//! Kept short (10 samples, a few seconds each) so `cargo bench --bench replay`
//! finishes in a few minutes; pick a group with a filter, e.g.
//! `cargo bench --bench replay -- bulk/`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use tcpsim::trace::Ending;
use tcpsim::{Recording, RunOptions};

#[path = "common/concurrent.rs"]
mod concurrent;
#[path = "common/scenarios.rs"]
mod scenarios;

fn options(recording: Recording) -> RunOptions {
    RunOptions {
        recording,
        keep_received: false,
        digests: false,
    }
}

/// V0-V4 exactly as `tcpsim run` replays them (full recording).
fn replay(c: &mut Criterion) {
    let mut g = c.benchmark_group("replay");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for v in ["v0", "v1", "v2", "v3", "v4"] {
        let s = scenarios::reference(v);
        g.bench_function(v, |b| {
            b.iter_batched(|| s.clone(), tcpsim::run, BatchSize::SmallInput)
        });
    }
    g.finish();
}

/// 100 MiB one way, 1 Gbit/s, 10 ms RTT, cubic, Linux profile.
fn bulk(c: &mut Criterion) {
    let mut g = c.benchmark_group("bulk");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Bytes(100 * 1024 * 1024));
    for (name, loss, recording) in [
        ("100MiB_loss0_headers", 0.0, Recording::Headers),
        ("100MiB_loss0_off", 0.0, Recording::Off),
        ("100MiB_loss1_headers", 0.01, Recording::Headers),
        ("100MiB_loss1_off", 0.01, Recording::Off),
    ] {
        let s = scenarios::Bulk::gigabit("100MiB", loss).scenario();
        g.bench_function(name, |b| {
            b.iter_batched(
                || s.clone(),
                |s| {
                    let t = tcpsim::run_with(s, options(recording));
                    assert_eq!(t.programs[1].received, 100 * 1024 * 1024, "{name}");
                    t
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

/// Bytes each connection sends in the concurrency benches.
const PER_CONNECTION: u64 = 16 * 1024;

/// N concurrent connections, 16 KiB each, through one 1 Gbit/s, 10 ms RTT link
/// (see benches/common/concurrent.rs for why this drives the engine's parts).
/// The cost per frame over N is printed by `cargo bench --bench scaling`.
fn connections(c: &mut Criterion) {
    let mut g = c.benchmark_group("connections");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(3));
    let s = scenarios::Bulk::gigabit("16KiB", 0.0).scenario();
    for n in [1usize, 10, 100, 1000] {
        g.bench_function(format!("{n}_headers"), |b| {
            b.iter(|| {
                let out = concurrent::run(&s, n, PER_CONNECTION, options(Recording::Headers));
                assert!(out.finished, "{n} connections finish: {out:?}");
                assert_eq!(out.received, n as u64 * PER_CONNECTION);
                out
            })
        });
    }
    g.finish();
}

/// V3 under seeds 1..=1000 with recording off, sequentially and on a rayon pool
/// of one and of two threads.
fn sweep(c: &mut Criterion) {
    let mut g = c.benchmark_group("sweep_v3_1000_seeds");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(1000));
    let s = scenarios::reference("v3");
    let one = |seed: u64| {
        let mut s = s.clone();
        s.seed = seed;
        let t = tcpsim::run_with(s, options(Recording::Off));
        debug_assert_eq!(t.ending, Ending::Finished);
        t.counters.frames
    };
    g.bench_function("sequential", |b| {
        b.iter(|| black_box((1..=1000u64).map(one).sum::<u64>()))
    });
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        g.bench_function(format!("rayon_{threads}_threads"), |b| {
            b.iter(|| {
                pool.install(|| black_box((1..=1000u64).into_par_iter().map(one).sum::<u64>()))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, replay, bulk, connections, sweep);
criterion_main!(benches);
