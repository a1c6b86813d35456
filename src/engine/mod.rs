//! The engine: one virtual clock and the event loop that moves it, the two
//! hosts, the link between them, and the recorder that writes the trace.
//!
//! In: a validated [`Scenario`](crate::scenario::model::Scenario), or hosts
//! and `async` programs from the [`builder::SimBuilder`]. Out: a
//! [`Trace`](crate::trace::Trace) (and, when asked, a pcapng stream as the run
//! goes).
//!
//! - `sim.rs`: the event loop, straight to the next event; `run`, `run_with`,
//!   `run_streaming`;
//! - `host.rs`: one endpoint and the order of work inside one host step;
//! - `link.rs`: the wire per direction (queue, rate, latency, jitter, loss,
//!   duplication, reordering);
//! - `fault.rs`: scripted faults on the exact segment a scenario names;
//! - `rng.rs`: seeded ChaCha streams, one per purpose;
//! - `record.rs`: building the trace as frames are sent and received;
//! - `builder.rs`: the Rust API to build a simulation;
//! - `guard.rs`: a run whose engine panic becomes a report with the seed.

pub mod builder;
pub(crate) mod fault;
pub mod guard;
pub(crate) mod host;
pub(crate) mod link;
pub(crate) mod record;
pub(crate) mod rng;
pub mod sim;
