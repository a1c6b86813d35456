//! The `net.ipv4.tcp_*` settings of a Linux host that this layer models,
//! with Linux's defaults. Scenario hosts run with the defaults; a packetdrill
//! script's `sysctl` lines change them (`crate::packetdrill::config`).

/// Per-host TCP settings (Documentation/networking/ip-sysctl.rst).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sysctls {
    /// `tcp_timestamps`: offer and accept the timestamps option (RFC 7323).
    pub timestamps: bool,
    /// `tcp_sack`: offer and accept SACK (RFC 2018).
    pub sack: bool,
    /// `tcp_dsack`: report duplicates with D-SACK blocks (RFC 2883).
    pub dsack: bool,
    /// `tcp_window_scaling`: offer and accept window scaling (RFC 7323 2).
    pub window_scaling: bool,
    /// `tcp_slow_start_after_idle`: shrink the window after an idle time
    /// longer than the RTO (RFC 5681 4.1; tcp_cwnd_restart).
    pub slow_start_after_idle: bool,
    /// `tcp_early_retrans` 3 or 4: tail loss probes (RFC 8985 7); any other
    /// value turns them off (tcp_schedule_loss_probe).
    pub tlp: bool,
    /// `tcp_rmem`: the receive buffer's minimum, starting and largest sizes;
    /// the start sets the first window, the largest the window-scale shift.
    pub rmem: [usize; 3],
    /// `tcp_syn_retries`: SYN retransmissions before connect() fails.
    pub syn_retries: u32,
    /// `tcp_synack_retries`: SYN-ACK retransmissions before a listener
    /// drops the half-open connection.
    pub synack_retries: u32,
    /// `tcp_wmem`'s starting and largest send buffer when the send buffer
    /// grows as Linux's does (tcp_sndbuf_expand); `None` keeps the host's
    /// `tx_buffer` fixed, as a program that set SO_SNDBUF has it.
    pub wmem: Option<[usize; 2]>,
}

impl Default for Sysctls {
    /// Linux's defaults: everything on.
    fn default() -> Sysctls {
        Sysctls {
            timestamps: true,
            sack: true,
            dsack: true,
            window_scaling: true,
            slow_start_after_idle: true,
            tlp: true,
            rmem: [4096, 131_072, 6_291_456],
            syn_retries: 6,
            synack_retries: 5,
            wmem: None,
        }
    }
}
