//! Building a simulation from Rust: the hosts, the link, and programs written as
//! `async` blocks against the same socket layer the scenario files use.
//!
//! ```
//! use tcpsim::SimBuilder;
//!
//! let trace = SimBuilder::new()
//!     .seed(7)
//!     .server(|os| async move {
//!         let listener = os.listen(7, 5);
//!         let conn = listener.accept().await;
//!         while let Ok(data) = conn.recv(1024).await {
//!             if data.is_empty() {
//!                 break;
//!             }
//!             conn.send_all(&data.to_ascii_uppercase()).await.unwrap();
//!         }
//!         conn.close();
//!     })
//!     .client(|os| async move {
//!         let conn = os.connect((os.server_ip(), 7)).await.unwrap();
//!         conn.send_all(b"hello").await.unwrap();
//!         assert_eq!(conn.recv(1024).await.unwrap(), b"HELLO");
//!         conn.close();
//!     })
//!     .run();
//! assert_eq!(trace.programs[0].received, 5);
//! ```

use std::future::Future;
use std::net::Ipv4Addr;
use std::rc::Rc;

use crate::engine::sim::{Recording, RunOptions, Simulation};
use crate::program::driver::Driver;
use crate::program::executor::{Executor, Main, Style};
use crate::program::os::Os;
use crate::program::{Echo, Program};
use crate::scenario::model::{
    ClientProgram, Dir, EchoServer, Fault, HostConfig, LinkConfig, Micros, Role, Scenario, Step,
};
use crate::trace::Trace;

/// A simulation under construction. Start from [`SimBuilder::new`] (every
/// default of the scenario format) or [`SimBuilder::from_scenario`].
pub struct SimBuilder {
    scenario: Scenario,
    programs: [Option<(Main, Style)>; 2],
    options: RunOptions,
}

impl Default for SimBuilder {
    fn default() -> Self {
        SimBuilder::new()
    }
}

impl SimBuilder {
    /// Client 10.0.0.1, server 10.0.0.2 (echo on port 7), 100 µs and 100 Mbit/s
    /// each way, seed 1, capture at the server.
    pub fn new() -> SimBuilder {
        SimBuilder::from_scenario(Scenario::new("rust"))
    }

    /// Start from a scenario (for example one read with [`crate::scenario::load`]).
    pub fn from_scenario(scenario: Scenario) -> SimBuilder {
        SimBuilder {
            scenario,
            programs: [None, None],
            options: RunOptions::default(),
        }
    }

    /// The name shown in summaries.
    pub fn name(mut self, name: &str) -> Self {
        self.scenario.name = name.to_string();
        self
    }

    /// The seed every random draw derives from (ISNs, loss, jitter, ...).
    pub fn seed(mut self, seed: u64) -> Self {
        self.scenario.seed = seed;
        self
    }

    /// Whose capture the trace shows.
    pub fn capture(mut self, role: Role) -> Self {
        self.scenario.capture = role;
        self
    }

    /// Stop at this much virtual time (microseconds).
    pub fn max_sim_time(mut self, limit: Micros) -> Self {
        self.scenario.max_sim_time = limit;
        self
    }

    /// Stop after this many events (a runaway guard).
    pub fn max_events(mut self, limit: u64) -> Self {
        self.scenario.max_events = limit;
        self
    }

    /// The same link in both directions.
    pub fn link(mut self, link: LinkConfig) -> Self {
        self.scenario.link = [link.clone(), link];
        self
    }

    /// The link in one direction.
    pub fn link_dir(mut self, dir: Dir, link: LinkConfig) -> Self {
        self.scenario.link[dir.index()] = link;
        self
    }

    /// Add a scripted fault.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.scenario.faults.push(fault);
        self
    }

    /// Cut the link both ways from `from` until `until` (virtual time): a
    /// partition fault (see [`crate::scenario::model::FaultAction::Partition`]).
    pub fn partition(self, from: Micros, until: Micros) -> Self {
        self.fault(Fault::partition(None, from, until))
    }

    /// Replace a host's configuration (see [`HostConfig::new`]).
    pub fn host(mut self, role: Role, config: HostConfig) -> Self {
        self.scenario.hosts[role.index()] = config;
        self
    }

    /// Change a host's address.
    pub fn ip(mut self, role: Role, ip: Ipv4Addr) -> Self {
        self.scenario.hosts[role.index()].ip = ip;
        self
    }

    /// What the run keeps (frames with payload, headers only, or nothing).
    pub fn recording(mut self, recording: Recording) -> Self {
        self.options.recording = recording;
        self
    }

    /// Keep every received byte in the trace's program summaries.
    pub fn keep_received(mut self, keep: bool) -> Self {
        self.options.keep_received = keep;
        self
    }

    /// The client runs these declarative steps (as in a scenario file).
    pub fn client_steps(mut self, steps: Vec<Step>) -> Self {
        self.scenario.client = ClientProgram {
            port: None,
            connections: 1,
            steps,
        };
        self.programs[0] = None;
        self
    }

    /// The server runs this declarative program (as in a scenario file).
    pub fn server_program(mut self, program: EchoServer) -> Self {
        self.scenario.server = program;
        self.programs[1] = None;
        self
    }

    /// The client runs `program`, an async function of its [`Os`].
    pub fn client<F, Fut>(mut self, program: F) -> Self
    where
        F: FnOnce(Os) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        self.programs[0] = Some((Box::new(move |os| Box::pin(program(os))), Style::Os));
        self
    }

    /// The server runs `program`, an async function of its [`Os`].
    pub fn server<F, Fut>(mut self, program: F) -> Self
    where
        F: FnOnce(Os) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        self.programs[1] = Some((Box::new(move |os| Box::pin(program(os))), Style::Os));
        self
    }

    /// The client runs `main`, a tokio program written with
    /// [`crate::net`]'s sockets (see the crate's front page): its tasks are
    /// polled when woken, and `tokio::time` runs on the virtual clock. The
    /// run is over when `main` returns (its other tasks are then dropped,
    /// as when a tokio program's `main` returns) and nothing is in flight.
    /// `main` may return `()` or a `Result`; an `Err` ends the run with a
    /// panic naming it.
    #[cfg(feature = "tokio")]
    pub fn client_main<F, Fut>(mut self, main: F) -> Self
    where
        F: FnOnce() -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: crate::net::MainResult,
    {
        self.programs[0] = Some((net_main(main, "client"), Style::Woken));
        self
    }

    /// The server runs `main`, a tokio program written with [`crate::net`]'s
    /// sockets, as [`SimBuilder::client_main`]. A server usually serves
    /// forever, so the run may end while it waits with nothing to do
    /// (typically in accept()), once the client is done and nothing is in
    /// flight; its pending tokio timers do not keep the run going.
    #[cfg(feature = "tokio")]
    pub fn server_main<F, Fut>(mut self, main: F) -> Self
    where
        F: FnOnce() -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: crate::net::MainResult,
    {
        self.programs[1] = Some((net_main(main, "server"), Style::Serving));
        self
    }

    /// The scenario as built so far.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Run to the end and return the trace.
    pub fn run(self) -> Trace {
        let scenario = self.scenario;
        let server_at = (scenario.hosts[1].ip, scenario.server.port);
        let [client, server] = self.programs;
        let runtime = runtime_for(&[&client, &server]);
        let driver = runtime.as_ref().map(|r| Rc::clone(r) as Rc<dyn Driver>);
        let client: Box<dyn Program> = match client {
            Some((main, style)) => Box::new(Executor::new(main, style, driver.clone())),
            None => crate::engine::sim::client_program(&scenario.client, server_at),
        };
        let server: Box<dyn Program> = match server {
            Some((main, style)) => Box::new(Executor::new(main, style, driver)),
            None => Box::new(Echo::new(&scenario.server)),
        };
        let sim = Simulation::with_programs(scenario, [client, server], self.options);
        match runtime {
            Some(runtime) => sim.with_timers(runtime).run(),
            None => sim.run(),
        }
    }
}

/// The tokio runtime the hosts' tasks run in, when a host runs a
/// `tcpsim::net` program (`Os` programs then run in it too, so that they may
/// use `tokio::time` beside it).
#[cfg(feature = "tokio")]
fn runtime_for(programs: &[&Option<(Main, Style)>]) -> Option<Rc<crate::net::runtime::Runtime>> {
    let tokio = programs
        .iter()
        .any(|p| p.as_ref().is_some_and(|(_, style)| *style != Style::Os));
    tokio.then(|| Rc::new(crate::net::runtime::Runtime::new()))
}

#[cfg(not(feature = "tokio"))]
fn runtime_for(_: &[&Option<(Main, Style)>]) -> Option<Rc<NoRuntime>> {
    None
}

/// Stands for the runtime when there is no `tokio` feature.
#[cfg(not(feature = "tokio"))]
enum NoRuntime {}

#[cfg(not(feature = "tokio"))]
impl Driver for NoRuntime {
    fn drive(&self, _: &mut dyn FnMut() -> bool) {
        match *self {}
    }

    fn wake_hook(&self) -> Option<crate::program::wake::WakeHook> {
        match *self {}
    }
}

#[cfg(not(feature = "tokio"))]
impl crate::program::driver::Timers for NoRuntime {
    fn advance(&self, _: Micros) -> Option<Micros> {
        match *self {}
    }
}

/// A tokio program's `main` as a host's main task: called inside the host,
/// its result checked.
#[cfg(feature = "tokio")]
fn net_main<F, Fut>(main: F, host: &'static str) -> Main
where
    F: FnOnce() -> Fut + 'static,
    Fut: Future + 'static,
    Fut::Output: crate::net::MainResult,
{
    use crate::net::MainResult;
    Box::new(move |_os| Box::pin(async move { main().await.check(host) }))
}
