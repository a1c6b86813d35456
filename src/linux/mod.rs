//! The Linux socket layer.
pub(crate) mod ack_policy;
pub(crate) mod device;
pub(crate) mod dup_ack;
pub(crate) mod hold;
pub(crate) mod marks;
pub mod socket;
pub(crate) mod sockets;
pub(crate) mod tlp;
