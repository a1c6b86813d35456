//! Many concurrent connections through one link, with the engine's own
//! programs: the client scenario's `connections = N` copies, each sending its
//! bytes and shutting down, and a sink server serving all of them at once.
#![allow(dead_code)]

use tcpsim::scenario::model::{EchoServer, Micros, Scenario, ServerMode, Step};
use tcpsim::trace::{Counters, Ending};
use tcpsim::{Recording, RunOptions};

/// `n` connections, each sending `bytes_each` bytes to the server, which sinks
/// them; the link and hosts come from `scenario` (its programs are replaced).
pub fn run(scenario: &Scenario, n: usize, bytes_each: u64, options: RunOptions) -> Outcome {
    let mut s = scenario.clone();
    s.client.connections = n as u32;
    s.client.port = Some(20000);
    s.client.steps = vec![
        Step::Connect,
        Step::SendBytes(bytes_each),
        Step::Shutdown,
        Step::RecvAll(65536),
        Step::Close,
    ];
    s.server = EchoServer {
        mode: ServerMode::Sink,
        backlog: n as u32,
        recv: 65536,
        connections: n as u32,
        ..EchoServer::echo(scenario.server.port)
    };
    let trace = tcpsim::run_with(s, options);
    Outcome {
        records: trace.records.len(),
        received: trace.programs[1].received,
        finished: trace.ending == Ending::Finished,
        // Frames stand in for events: the engine does not export its event count.
        events: trace.counters.frames,
        end_us: trace.end_time_us,
        counters: trace.counters,
    }
}

/// What a concurrent run did.
#[derive(Debug)]
pub struct Outcome {
    pub counters: Counters,
    pub records: usize,
    /// Bytes the server received over all connections.
    pub received: u64,
    pub finished: bool,
    pub events: u64,
    pub end_us: Micros,
}

/// The options a sweep or a scaling run uses.
pub fn options(recording: Recording) -> RunOptions {
    RunOptions {
        recording,
        keep_received: false,
        digests: false,
    }
}
