//! Wire formats: the bytes that travel on the link, and the arithmetic on
//! their sequence numbers. The lowest stage: everything else reads frames
//! through it, and it imports nothing of the project's.
//!
//! In: Ethernet frames as bytes. Out: their TCP headers as [`frame::Segment`]s,
//! frames built or edited (RSTs, a segment with a changed field), and
//! sequence numbers compared and made relative.
//!
//! - `flags.rs`: TCP flag bits and Wireshark's names for them;
//! - `frame.rs`: parsing, building and editing Ethernet/IPv4/TCP frames,
//!   checksums included;
//! - `options.rs`: TCP options read and written in Linux's layout;
//! - `patch.rs`: one field of a frame changed in place (window, PSH);
//! - `seq.rs`: sequence-number arithmetic modulo 2^32 (RFC 9293 3.4) and
//!   Wireshark's relative numbering.

pub mod flags;
pub mod frame;
pub mod options;
pub mod patch;
pub mod seq;
