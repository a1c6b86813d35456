//! Scenarios the benches run, built as scenario-file text and parsed with
//! `tcpsim::scenario::parse`, so every bench exercises the same validated path a
//! user's file takes.
//!
//! Shared by several bench targets; each uses a subset, hence the allow.
#![allow(dead_code)]

use std::path::Path;

use tcpsim::scenario::model::Scenario;

/// A reference experiment from `sim-scenarios/`, e.g. `v3`.
pub fn reference(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sim-scenarios")
        .join(format!("{name}.toml"));
    tcpsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Knobs of a one-way bulk transfer.
#[derive(Debug, Clone)]
pub struct Bulk {
    /// Scenario-file size string, e.g. `"100MiB"`.
    pub bytes: &'static str,
    pub rate: &'static str,
    /// One-way latency (half the RTT).
    pub latency: &'static str,
    pub loss: f64,
    /// `"linux"` or `"smoltcp"`.
    pub profile: &'static str,
    /// `"none"`, `"reno"` or `"cubic"`.
    pub congestion: &'static str,
    /// Socket buffers on both hosts, in bytes (rx and tx alike).
    pub buffer: usize,
}

impl Bulk {
    /// The issue's bulk transfer: 1 Gbit/s, 10 ms RTT, cubic, Linux profile.
    pub fn gigabit(bytes: &'static str, loss: f64) -> Bulk {
        Bulk {
            bytes,
            rate: "1Gbit",
            latency: "5ms",
            loss,
            profile: "linux",
            congestion: "cubic",
            buffer: 128 * 1024,
        }
    }

    /// The text of the scenario file: the client sends, shuts down its side and
    /// reads to end of stream; the server sinks everything, then closes.
    pub fn toml(&self) -> String {
        let Bulk {
            bytes,
            rate,
            latency,
            loss,
            profile,
            congestion,
            buffer,
        } = self;
        format!(
            r#"
seed = 1
capture = "client"

[link]
rate = "{rate}"
latency = "{latency}"
loss = {loss:?}

[client]
ip = "10.0.0.1"
profile = "{profile}"
congestion = "{congestion}"
rx_buffer = {buffer}
tx_buffer = {buffer}
steps = ["connect", {{ send_bytes = "{bytes}" }}, "shutdown", {{ recv_all = 65536 }}, "close"]

[server]
ip = "10.0.0.2"
port = 5001
profile = "{profile}"
congestion = "{congestion}"
rx_buffer = {buffer}
tx_buffer = {buffer}

[server.sink]
recv = 65536
"#
        )
    }

    pub fn scenario(&self) -> Scenario {
        tcpsim::scenario::parse(&self.toml(), "bulk.toml").unwrap_or_else(|e| panic!("{e}"))
    }
}

/// smoltcp's tests/netsim.rs grid: socket buffers (bytes) ...
pub const NETSIM_BUFFERS: [usize; 9] = [128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768];
/// ... by random loss on both directions.
pub const NETSIM_LOSSES: [f64; 8] = [0.0, 0.001, 0.01, 0.02, 0.05, 0.10, 0.20, 0.30];

/// One cell of smoltcp's netsim grid as a tcpsim scenario: 10 MiB one way,
/// 100 ms RTT, unlimited bandwidth and queue, `loss` both ways, sockets left at
/// smoltcp's defaults (profile `smoltcp`: Nagle on, 10 ms ACK delay, no
/// timestamps) with no congestion control, as netsim builds smoltcp without the
/// `socket-tcp-reno`/`-cubic` features.
///
/// The slow corner (128-byte buffers at 30% loss) needs about 17 days of
/// virtual time; the scenario format caps `max_sim_time` at one day, so the
/// limit is raised on the model after parsing.
pub fn netsim_cell(buffer: usize, loss: f64) -> Scenario {
    let bulk = Bulk {
        bytes: "10MiB",
        rate: "unlimited",
        latency: "50ms",
        loss,
        profile: "smoltcp",
        congestion: "none",
        buffer,
    };
    let mut s = bulk.scenario();
    s.max_sim_time = 365 * 86_400 * 1_000_000;
    s.max_events = u64::MAX;
    s
}
