#![warn(missing_docs)]
//! tcpsim: a deterministic, userspace TCP simulator.
//!
//! # Test your tokio code
//!
//! Write your client and server with tokio as usual. To test them over a
//! lossy, slow or partitioned network, switch two imports and run them on
//! tcpsim's two simulated hosts: every segment goes through a real TCP stack
//! (smoltcp, behaving like Linux), `tokio::time` runs on the simulation's
//! virtual clock, and the same seed gives the same run, byte for byte, on
//! every machine. The trace shows every segment, Wireshark-style, and
//! explains it.
//!
//! Before, on the real network:
//!
//! ```ignore
//! use tokio::net::{TcpListener, TcpStream};   // server() binds 0.0.0.0:7,
//! use tokio::spawn;                           // client() connects to ADDR
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     spawn(server());
//!     client().await
//! }
//! ```
//!
//! After, in a test, at 5% loss (`"server"` names the server host):
//!
//! ```ignore
//! use tcpsim::net::{TcpListener, TcpStream};  // the same server() and client()
//! use tcpsim::net::spawn;
//!
//! #[test]
//! fn client_and_server_at_five_percent_loss() {
//!     let trace = tcpsim::SimBuilder::new()
//!         .link(LinkConfig { loss: 0.05, ..LinkConfig::default() })
//!         .server_main(server)
//!         .client_main(client)
//!         .run();
//!     assert!(tcpsim::trace::check::check_trace(&trace).is_empty());
//! }
//! ```
//!
//! In full, an upper-casing echo as tokio code, run over tcpsim:
//!
//! ```
//! use tcpsim::net::{TcpListener, TcpStream, spawn};
//! use tcpsim::scenario::model::LinkConfig;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! async fn server() -> std::io::Result<()> {
//!     let listener = TcpListener::bind("0.0.0.0:7").await?;
//!     loop {
//!         let (mut stream, _) = listener.accept().await?;
//!         spawn(async move {
//!             let mut buf = [0; 1024];
//!             while let Ok(n @ 1..) = stream.read(&mut buf).await {
//!                 stream.write_all(&buf[..n].to_ascii_uppercase()).await.unwrap();
//!             }
//!         });
//!     }
//! }
//!
//! async fn client() -> std::io::Result<()> {
//!     let mut stream = TcpStream::connect("server:7").await?;
//!     stream.write_all(b"hello, world").await?;
//!     let mut reply = [0; 12];
//!     stream.read_exact(&mut reply).await?;
//!     assert_eq!(&reply, b"HELLO, WORLD");
//!     Ok(())
//! }
//!
//! let trace = tcpsim::SimBuilder::new()
//!     .link(LinkConfig { loss: 0.05, ..LinkConfig::default() })
//!     .server_main(server)
//!     .client_main(client)
//!     .run();
//! assert!(tcpsim::trace::check::check_trace(&trace).is_empty());
//! print!("{}", tcpsim::render::table(&trace)); // every segment, Wireshark-style
//! ```
//!
//! [`net`] says what of tokio runs unchanged (`tokio::time`, `tokio::sync`,
//! `tokio::io`, tokio-util's codecs, hyper over hyper-util's `TokioIo`) and
//! what is not simulated (UDP, Unix sockets, `tokio::fs` and blocking work:
//! a panic naming the call). Worked examples, as tests: `tests/example_tokio_framed.rs`
//! (a `Framed<_, LengthDelimitedCodec>` protocol over 100 seeds at 5% loss),
//! `tests/example_tokio_hyper.rs` (hyper's HTTP/1.1, a 100 kB response, the
//! capture decoded by tshark), `tests/example_tokio_timeout.rs`
//! (`tokio::time::timeout` while the link is partitioned); their programs
//! are shown in [`net::examples`].
//!
//! # Programs against tcpsim's own API
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
//! # The pieces
//!
//! - [`SimBuilder`] builds a simulation: seed, link per direction
//!   ([`scenario::model::LinkConfig`]), hosts ([`scenario::model::HostConfig`]), scripted faults
//!   (a partition among them), and programs: tokio programs over [`net`],
//!   `async` blocks over an [`Os`] (as above), or the declarative programs of
//!   scenario files ([`scenario::load`]).
//! - A run returns a [`trace::Trace`]: the frames one host's capture saw, what
//!   each program sent and received, how each connection ended. The
//!   [`render`] module turns it into a table, tsv or json.
//! - [`run`] and [`run_with`] run a [`scenario::model::Scenario`] directly; that is
//!   what the `tcpsim` command does.

pub mod engine;
pub mod linux;
#[cfg(feature = "tokio")]
pub mod net;
pub mod packetdrill;
pub mod program;
pub mod render;
pub mod scenario;
pub mod sweep;
pub mod trace;
pub mod wire;

pub use engine::builder::SimBuilder;
pub use engine::sim::{Recording, RunOptions, run, run_with};
pub use program::os::{Conn, Listener, Os, SocketError};
