//! smoltcp's own netsim grid (smoltcp 0.14 tests/netsim.rs, test `netsim`) run
//! through tcpsim: socket buffer x random loss, 10 MiB one way per cell, 100 ms
//! RTT, unlimited bandwidth. Prints the wall time of the whole grid and the
//! grid of throughputs in netsim's layout (bytes per second of virtual time,
//! up to the last byte read), to compare with smoltcp's snapshot
//! `tests/snapshots/netsim__netsim.snap`.
//!
//! `cargo bench --bench netsim_grid` runs the grid on one thread, then on a
//! rayon pool of two; `-- --threads N` runs it once on N threads;
//! `-- --cell BUFFER LOSS` runs one cell (for a profiler). Without any argument
//! (as `cargo test --benches` runs it) it runs one cell as a smoke run.

use std::time::Instant as WallClock;

use rayon::prelude::*;
use tcpsim::trace::{Ending, Trace};
use tcpsim::{Recording, RunOptions};

#[path = "common/scenarios.rs"]
mod scenarios;

const BYTES: u64 = 10 * 1024 * 1024;

/// Virtual time (µs) of the server's last read that returned data.
fn last_byte_at(trace: &Trace) -> u64 {
    trace.programs[1]
        .log
        .iter()
        .rev()
        .find(|e| e.call.ends_with(" bytes"))
        .map_or(trace.end_time_us, |e| e.time_us)
}

struct Cell {
    buffer: usize,
    loss: f64,
    throughput: f64,
    frames: u64,
    /// Wall time of this cell alone.
    secs: f64,
}

fn cell(buffer: usize, loss: f64) -> Cell {
    let start = WallClock::now();
    let trace = tcpsim::run_with(
        scenarios::netsim_cell(buffer, loss),
        RunOptions {
            recording: Recording::Off,
            keep_received: false,
            digests: false,
        },
    );
    assert_eq!(
        trace.ending,
        Ending::Finished,
        "buffer {buffer}, loss {loss}"
    );
    assert_eq!(
        trace.programs[1].received, BYTES,
        "buffer {buffer}, loss {loss}"
    );
    Cell {
        buffer,
        loss,
        throughput: BYTES as f64 / (last_byte_at(&trace) as f64 / 1e6),
        frames: trace.counters.frames,
        secs: start.elapsed().as_secs_f64(),
    }
}

/// Run every cell on a pool of `threads`; returns the cells row by row and the wall time.
fn grid(threads: usize) -> (Vec<Cell>, f64) {
    let cells: Vec<(usize, f64)> = scenarios::NETSIM_BUFFERS
        .iter()
        .flat_map(|&b| scenarios::NETSIM_LOSSES.iter().map(move |&l| (b, l)))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let start = WallClock::now();
    // par_iter keeps the order of the cells in the collected Vec.
    let out = pool.install(|| cells.par_iter().map(|&(b, l)| cell(b, l)).collect());
    (out, start.elapsed().as_secs_f64())
}

fn print_grid(cells: &[Cell]) {
    print!("buf\\loss");
    for loss in scenarios::NETSIM_LOSSES {
        print!("{loss:9.3} ");
    }
    println!();
    for (row, buffer) in scenarios::NETSIM_BUFFERS.iter().enumerate() {
        print!("{buffer:7}");
        for c in &cells[row * 8..row * 8 + 8] {
            print!(" {:9.2}", c.throughput);
        }
        println!();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--cell") {
        let buffer = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(1024);
        let loss = args.get(i + 2).and_then(|v| v.parse().ok()).unwrap_or(0.01);
        let c = cell(buffer, loss);
        println!(
            "buffer {buffer} loss {loss}: {:.2} B/s, {} frames, {:.3} s",
            c.throughput, c.frames, c.secs
        );
        return;
    }
    if args.len() == 1 {
        // `cargo test --benches` (no `--bench`): one cell as a smoke run.
        let c = cell(32768, 0.0);
        println!("smoke run: buffer 32768, no loss: {:.2} B/s", c.throughput);
        return;
    }
    let threads: Vec<usize> = match args.iter().position(|a| a == "--threads") {
        Some(i) => vec![args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(1)],
        None => vec![1, 2],
    };
    let mut shown = false;
    for t in threads {
        let (cells, secs) = grid(t);
        let frames: u64 = cells.iter().map(|c| c.frames).sum();
        println!(
            "netsim grid through tcpsim: 72 cells, {frames} frames, {t} thread(s): {secs:.2} s wall, {:.0} ns of wall time per frame",
            secs * 1e9 / frames as f64
        );
        if !shown {
            print_grid(&cells);
            let mut slow: Vec<&Cell> = cells.iter().collect();
            slow.sort_by(|a, b| b.secs.total_cmp(&a.secs));
            for c in &slow[..3] {
                println!(
                    "slow cell: buffer {} loss {}: {:.2} s, {} frames",
                    c.buffer, c.loss, c.secs, c.frames
                );
            }
            shown = true;
        }
    }
}
