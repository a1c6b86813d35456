//! The Linux socket layer: smoltcp's TCP underneath, Linux's behaviour on top.
//!
//! smoltcp keeps each connection's state machine, buffers and in-order
//! delivery; this layer sits between it and both the programs above and the
//! link below, and changes what smoltcp would do where Linux does otherwise.
//! With the `linux` profile (every host's default) all of it applies; the
//! `smoltcp` profile keeps only the fixes that stop smoltcp 0.14 from losing
//! data or stalling (each says so in the README's table).
//!
//! In: socket calls from programs (`calls.rs`), frames from the link
//! (`Stack::inbound`), the clock (`Stack::set_clock`). Out: frames for the
//! link (`Stack::outbox`), each with a note saying why it was sent, and what
//! the calls return.
//!
//! The stack and its connections:
//! - `stack.rs`: [`stack::Stack`], one host's stack, and the bookkeeping that
//!   keeps an event's cost independent of the number of connections;
//! - `conn.rs`: one connection (made of the behaviour parts below) and the
//!   types the calls return;
//! - `calls.rs`: listen, accept, connect, send, recv, close, shutdown,
//!   TCP_NODELAY, each a thin layer over the behaviours;
//! - `sockets.rs`, `device.rs`, `marks.rs`: smoltcp's sockets, each polled only
//!   when it has something to do; the in-memory device; marked-once lists.
//!
//! The way frames go:
//! - `inbound.rs`: frames from the link, screened by each behaviour's rule;
//! - `outbound.rs`: frames smoltcp writes, corrected, noted, passed to the
//!   ACK policy;
//! - `push.rs`: a program's bytes into smoltcp, and the FIN after them;
//! - `adopt.rs`, `listen.rs`: the accept queue (a pool of listening sockets);
//! - `timers.rs`: this layer's timers and when the host must run next.
//!
//! One file per Linux behaviour, each with its state and rules:
//! - `ack_policy.rs`: quick ACKs, delayed ACKs and the ACK that rides on a
//!   reply (Linux tcp_event_ack_sent, tcp_send_delayed_ack);
//! - `nagle.rs`: Minshall's Nagle (RFC 896; Linux tcp_nagle_check);
//! - `psh.rs`: PSH on the segment that ends a write() (tcp_mark_push);
//! - `close.rs`, `resets.rs`: close() and shutdown(), RST for unread data
//!   (RFC 2525 2.17), for data after close (RFC 1122 4.2.2.13) and for
//!   segments of a connection that is gone (RFC 9293 3.10.7.1);
//! - `window.rs`: window edges both ways (tcp_may_update_window,
//!   tcp_acceptable_seq, tcp_sequence);
//! - `rwnd.rs`, `window_update.rs`: the receive window and window scale
//!   Linux advertises, and its update after a read frees the buffer;
//! - `hold.rs`: bytes smoltcp would send past the peer's window;
//! - `dup_ack.rs`: duplicate ACKs and the fast retransmissions they start;
//! - `sack.rs`: the receiver's SACK and D-SACK blocks and immediate ACKs
//!   for out-of-order data (RFC 2018, 2883; RFC 5681 4.2);
//! - `sockopt.rs`: TCP_CORK, MSG_MORE, tcp_info and SO_ERROR;
//! - `sysctl.rs`: the host's `net.ipv4.tcp_*` settings this layer reads;
//! - `sender/`, `send.rs`: congestion control, loss detection and recovery,
//!   the retransmission timer and the tail loss probe (RFC 5681, 6298, 6937,
//!   8985, 9438), for the `linux` profile.

pub(crate) mod ack_policy;
mod adopt;
mod calls;
mod close;
pub mod conn;
pub(crate) mod device;
pub(crate) mod dup_ack;
pub(crate) mod hold;
mod inbound;
mod listen;
pub(crate) mod marks;
mod nagle;
mod outbound;
pub(crate) mod psh;
mod push;
mod resets;
pub(crate) mod rwnd;
mod sack;
mod send;
pub mod sender;
pub(crate) mod sockets;
pub mod sockopt;
pub mod stack;
pub mod sysctl;
mod timers;
mod window;
mod window_update;
