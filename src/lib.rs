#![warn(missing_docs)]
//! tcpsim: a deterministic, userspace TCP simulator.
//!
//! Two hosts run real TCP stacks (smoltcp interfaces, under a socket layer that
//! behaves like Linux where it matters) joined by a virtual link. Time is
//! virtual and every random draw comes from a seeded ChaCha stream, so the same
//! program and seed give the same trace, byte for byte, every time.
//!
//! Hello, world: an upper-casing echo server and a client, in about ten lines.
//!
//! ```
//! let trace = tcpsim::SimBuilder::new()
//!     .server(|os| async move {
//!         let conn = os.listen(7, 5).accept().await;
//!         let hello = conn.recv(64).await.unwrap();
//!         conn.send_all(&hello.to_ascii_uppercase()).await.unwrap();
//!         conn.close();
//!     })
//!     .client(|os| async move {
//!         let conn = os.connect((os.server_ip(), 7)).await.unwrap();
//!         conn.send_all(b"hello, world").await.unwrap();
//!         assert_eq!(conn.recv(64).await.unwrap(), b"HELLO, WORLD");
//!         conn.close();
//!     })
//!     .run();
//! print!("{}", tcpsim::render::table(&trace)); // every segment, Wireshark-style
//! ```
//!
//! The pieces:
//! - [`SimBuilder`] builds a simulation: seed, link per direction
//!   ([`scenario::model::LinkConfig`]), hosts ([`scenario::model::HostConfig`]), scripted faults,
//!   and programs, either `async` blocks over an [`Os`] (as above) or the
//!   declarative programs of scenario files ([`scenario::load`]).
//! - A run returns a [`trace::Trace`]: the frames one host's capture saw, what
//!   each program sent and received, how each connection ended. The
//!   [`render`] module turns it into a table, tsv or json.
//! - [`run`] and [`run_with`] run a [`scenario::model::Scenario`] directly; that is
//!   what the `tcpsim` command does.

pub mod engine;
pub mod linux;
#[cfg(feature = "tokio")]
pub mod net;
pub mod program;
pub mod render;
pub mod scenario;
pub mod sweep;
pub mod trace;
pub mod wire;

pub use engine::builder::SimBuilder;
pub use engine::sim::{Recording, RunOptions, run, run_with};
pub use program::os::{Conn, Listener, Os, SocketError};
