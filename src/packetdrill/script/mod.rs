//! The packetdrill script language (`.pkt` files, google/packetdrill): text
//! in, a [`Script`] out, or an error naming file, line, column and token.
//!
//! This module only reads scripts: [`parse()`] turns text into a
//! [`Script`], and [`assert::parse_code`] turns the Python in `%{ }%` blocks
//! into statements. Nothing is executed. Constructs that tcpsim cannot
//! honour still parse into values (UDP/ICMP packets, Fast Open, MD5 and
//! AccECN options, shell commands) so the runner can refuse them by name.
//! It never panics on any input, and reports errors as
//! `path:line:col: message (at `token`)`.
//!
//! # Grammar
//!
//! Comments are `// ...` and `/* ... */`; whitespace and newlines are free.
//!
//! ```text
//! script    := option* [`command`] event+ [`command`]
//! option    := --name | --name=value        (e.g. --tolerance_usecs=10000)
//! event     := time action
//! time      := secs | +secs | secs~secs | +secs~+secs | *
//!              (secs: 1, 0.011, .5; ranges and * only for outbound packets)
//! action    := packet | [...secs] syscall | `shell command` | %{ python }%
//!
//! packet    := (< | >) [ipinfo] [port>port] flags start:end(len)
//!              [ack N] [win N] [urg N] [<options> | <...>]
//!            | (< | >) [ipinfo] udp [port>port] (len)
//!            | (< | >) [ipinfo] icmp TYPE [CODE] [mtu N] [id N] [[start:end(len)]]
//! ipinfo    := [f, ...] | (f, ...)   f: noecn ect0 ect1 ce ect01 | tos 0xN | flowlabel 0xN | ttl N
//! flags     := letters from S F R P . U E W A (or one ACE digit 0-7) | . | -
//! option    := nop | eol | mss N | wscale N | sackOK | sack a:b ... | TS val N|... ecr N|...
//!            | FO [cookie] | FOEXP [cookie] | md5 hex | ECN e0b N [ceb N] [e1b N]
//!
//! syscall   := name(expr, ...) = expr [ERRNO] [(note words)]
//! expr      := operand (| operand)*
//! operand   := ... | [-]int | 0xhex | SYMBOL | "string"... [...] | name(expr, ...)
//!            | name=expr | [expr, ...] | {field, ...}
//! field     := name=expr | name(expr)=expr | expr
//! ```
//!
//! The struct initialiser covers packetdrill's sockaddr, linger, msghdr
//! (`{msg_name(...)=..., msg_iov(1)=[{..., 1000}], msg_flags=0}`), iovec,
//! pollfd, epoll_event, cmsg, scm_timestamping and sock_extended_err forms.
//! Words defined with `--define=NAME=VALUE` (or passed to
//! [`parse_with_defines`], like packetdrill's `-D`) are substituted first.
//!
//! Refused as [`ErrorKind::Unsupported`]: encapsulated packets (`ipv4`/`ipv6`
//! outer headers, `gre`, `mpls`, `encap psp`).
//!
//! # Modules
//!
//! - [`ast`] holds the tree; [`display`] prints it back as script text.
//! - [`lex`] makes tokens with positions; [`defines`] substitutes `--define`s.
//! - `parse.rs` reads scripts, events and system calls (expressions and packet
//!   lines in private modules).
//! - `assert.rs` and [`pylex`] read the Python subset of code blocks into
//!   [`pyast`]'s tree.
//! - [`error`] defines [`ParseError`].

pub mod assert;
pub mod ast;
pub mod defines;
pub mod display;
pub mod error;
mod expr;
pub mod lex;
mod packet;
pub mod parse;
pub mod pyast;
pub mod pylex;

pub use ast::*;
pub use error::{ErrorKind, ParseError};
pub use parse::{parse, parse_with_defines};
