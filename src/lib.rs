//! tcpsim: a deterministic, userspace TCP simulator.
//!
//! Two endpoints run real TCP stacks (smoltcp interfaces, with a socket layer
//! that behaves like Linux where the reference experiments need it) joined by a
//! virtual link. Time is virtual and every random draw comes from a seeded
//! ChaCha stream, so the same scenario and seed give byte-identical traces.
//!
//! ```
//! let scenario = tcpsim::scenario::parse(
//!     r#"
//!     [client]
//!     ip = "10.0.0.1"
//!     steps = ["connect", { send = "hi" }, { recv = 16 }, "close"]
//!     [server]
//!     ip = "10.0.0.2"
//!     port = 7
//!     [server.echo]
//!     transform = "upper"
//!     "#,
//!     "hello.toml",
//! )
//! .unwrap();
//! let trace = tcpsim::run(scenario);
//! assert_eq!(trace.programs[0].received, 2);
//! print!("{}", tcpsim::render::table(&trace));
//! ```

pub mod ack_policy;
pub mod device;
pub mod fault;
pub mod fidelity;
pub mod frame;
pub mod host;
pub mod link;
pub mod model;
pub mod overrides;
pub mod program;
pub mod record;
pub mod render;
pub mod rng;
pub mod scenario;
pub mod seq;
pub mod sim;
pub mod socket;
pub mod sweep;
pub mod tlp;
pub mod trace;

pub use sim::{Recording, RunOptions, run, run_with};
