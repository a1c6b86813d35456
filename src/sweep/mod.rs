//! Sweeps: one scenario run over a range of seeds and a grid of overridden
//! values, with per-cell statistics, shards and a search for the first
//! matching seed.
//!
//! A sweep is a [`Spec`]: the scenario file, the seed range, the overrides
//! applied to every run (`--set`) and the varied parameters (`--vary`), each
//! with its list of values. The grid's cells are the combinations of the
//! varied values, the first `--vary` changing slowest; each cell runs every
//! seed. Runs are numbered in that order (`run = cell × seeds + seed − first`),
//! and every output is a function of the spec and the per-run rows taken in
//! that order, so the number of threads, and whether the rows were computed in
//! one process or in shards, cannot change a byte of it.
//!
//! - [`spec`]: the spec, the grid, and shards (`i/n` takes runs with
//!   `run mod n = i − 1`, which spreads slow cells evenly over the shards).
//! - [`metrics`]: one run's row, from its trace.
//! - [`exec`]: running rows in parallel (rayon), and `--find`.
//! - [`stats`]: per-cell aggregates (nearest-rank percentiles).
//! - [`report`]: table, CSV and JSON.
//! - [`predicate`]: the `--find` language.
//! - [`shard`]: shard files and merging them.
//! - [`plot`]: an SVG of one metric against a varied parameter.

pub mod exec;
pub mod metrics;
pub mod plot;
pub mod predicate;
pub mod report;
pub mod shard;
pub mod spec;
pub mod stats;

pub use metrics::RunRow;
pub use spec::{Plan, SeedRange, Shard, Spec, Vary};
