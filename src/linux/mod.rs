//! The Linux socket layer.
pub(crate) mod ack_policy;
mod calls;
pub mod conn;
pub(crate) mod device;
pub(crate) mod dup_ack;
pub(crate) mod hold;
mod inbound;
mod listen;
pub(crate) mod marks;
mod nagle;
mod outbound;
mod resets;
pub(crate) mod sockets;
pub mod stack;
mod timers;
pub(crate) mod tlp;
