//! The event loop: one virtual clock, moved only here, straight to the next
//! event (a frame arriving, a stack deadline, a program waking up).

use crate::engine::fault::FaultBook;
use crate::engine::host::Host;
use crate::engine::link::Link;
use crate::engine::record::{Recorder, Sink, io_error};
use crate::program::driver::Timers;
use crate::program::os::Keep;
use crate::program::{Client, Echo, Parallel, Program};
use crate::scenario::model::{CapturePoint, ClientProgram, Dir, Micros, Role, Scenario};
use crate::trace::pcapng::PcapngStream;
use crate::trace::{Ending, ProgramSummary, Trace};
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::rc::Rc;

pub use crate::engine::record::Recording;

/// How far past the time limit the tokio clock looks for a timer when
/// nothing else is pending (a year of virtual time, well within tokio's range).
const YEAR: Micros = 365 * 24 * 3600 * 1_000_000;

/// How to run a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// What the trace keeps of each frame.
    pub recording: Recording,
    /// Keep every byte each program received (else only counts and digests).
    pub keep_received: bool,
    /// Compute each program's stream digests (`ProgramSummary::sent_digest`,
    /// `received_digest`), which sweeps and checks compare to tell whether the
    /// bytes arrived intact. Off, they read 0: for runs that never compare
    /// streams (benches), where hashing every byte would cost more than the
    /// rest of the transfer.
    pub digests: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            recording: Recording::Full,
            keep_received: true,
            digests: true,
        }
    }
}

/// A scenario made ready to run.
pub struct Simulation {
    scenario: Scenario,
    hosts: [Host; 2],
    /// Timers outside the hosts' stacks (the tokio runtime of `tcpsim::net`
    /// programs), asked before the clock moves. After `hosts`, so the
    /// hosts' tasks are dropped before the runtime they registered timers with.
    timers: Option<Rc<dyn Timers>>,
    link: Link,
    recorder: Recorder,
    now: Micros,
    events: u64,
    frames_sent: u64,
    /// Each host's next wake as last computed; None when it must be computed
    /// again (see [`Simulation::wake`]).
    wakes: [Option<Option<Micros>>; 2],
}

/// The scenario's client: one copy of its steps per connection.
pub(crate) fn client_program(
    program: &ClientProgram,
    server_at: (Ipv4Addr, u16),
) -> Box<dyn Program> {
    if program.connections <= 1 {
        return Box::new(Client::new(program, server_at));
    }
    let copies = (0..program.connections)
        .map(|i| {
            let mut copy = program.clone();
            copy.port = program.port.map(|p| p.wrapping_add(i as u16));
            Box::new(Client::new(&copy, server_at)) as Box<dyn Program>
        })
        .collect();
    Box::new(Parallel::new(copies))
}

impl Simulation {
    /// A simulation running the scenario's own declarative programs.
    pub fn new(scenario: Scenario, options: RunOptions) -> Simulation {
        let server_at = (scenario.hosts[1].ip, scenario.server.port);
        let client_program = client_program(&scenario.client, server_at);
        let server_program: Box<dyn Program> = Box::new(Echo::new(&scenario.server));
        Simulation::with_programs(scenario, [client_program, server_program], options)
    }

    /// A simulation whose hosts run the given programs (index with `Role::index()`)
    /// instead of the scenario's declarative ones.
    pub fn with_programs(
        scenario: Scenario,
        programs: [Box<dyn Program>; 2],
        options: RunOptions,
    ) -> Simulation {
        let seed = scenario.seed;
        let [client_cfg, server_cfg] = scenario.hosts.clone();
        let keep = Keep {
            received: options.keep_received,
            digests: options.digests,
            log: options.recording != Recording::Off,
        };
        let [client_program, server_program] = programs;
        let client = Host::new(
            Role::Client,
            client_cfg.clone(),
            &server_cfg,
            seed,
            client_program,
            keep,
        );
        let server = Host::new(
            Role::Server,
            server_cfg,
            &client_cfg,
            seed,
            server_program,
            keep,
        );
        let link = Link::new(
            seed,
            scenario.link.clone(),
            FaultBook::new(scenario.faults.clone()),
        );
        let recorder = Recorder::new(scenario.capture, options.recording);
        let recorder = match scenario.capture_point {
            CapturePoint::Host => recorder,
            CapturePoint::Wire => recorder.on_the_wire(),
        };
        if options.recording != Recording::Off {
            for host in [&client, &server] {
                host.stack.borrow_mut().record_cwnd();
            }
        }
        Simulation {
            scenario,
            hosts: [client, server],
            timers: None,
            link,
            recorder,
            now: 0,
            events: 0,
            frames_sent: 0,
            wakes: [None, None],
        }
    }

    /// Let `timers` (the hosts' tokio timers) stop the clock where they wake a task.
    pub(crate) fn with_timers(mut self, timers: Rc<dyn Timers>) -> Simulation {
        self.timers = Some(timers);
        for host in &mut self.hosts {
            host.timers_outside = true;
        }
        self
    }

    /// Reference mode for tests: every host step looks at every socket,
    /// connection and program activity, as smoltcp's one-set polling did,
    /// instead of only at those that changed. It is slower by the number of
    /// connections and must give the same trace; tests compare the two.
    #[doc(hidden)]
    pub fn poll_everything(self) -> Simulation {
        for host in &self.hosts {
            host.stack.borrow_mut().set_exhaustive(true);
        }
        self
    }

    /// Run to the end and return the trace.
    pub fn run(mut self) -> Trace {
        let ending = self.run_events();
        self.finish(ending)
    }

    /// Run to the end, writing the capture host's frames to `out` as pcapng
    /// as they are recorded (see [`run_streaming`]).
    pub fn run_streaming<W: Write + 'static>(mut self, out: W) -> io::Result<(Trace, W)> {
        let sink: Box<dyn Sink> = Box::new(out);
        self.recorder
            .stream_to(PcapngStream::new(sink).map_err(io_error)?);
        let ending = self.run_events();
        let mut sink = self
            .recorder
            .end_stream()
            .expect("the stream attached above")?;
        sink.flush()?;
        let out = sink
            .into_any()
            .downcast::<W>()
            .expect("the stream's writer is the one given");
        Ok((self.finish(ending), *out))
    }

    /// Handle events until the run ends, and say how it ended.
    fn run_events(&mut self) -> Ending {
        // Both programs start at time zero; the server first, so it listens
        // before the client's SYN can reach it.
        self.step_host(Role::Server.index());
        self.step_host(Role::Client.index());
        loop {
            if self.hosts.iter().all(Host::finished) && self.link.is_idle() {
                break Ending::Finished;
            }
            let mut next = [self.link.next_arrival(), self.wake(0), self.wake(1)]
                .into_iter()
                .flatten()
                .min();
            if self.timers.is_some() {
                next = self.advance_timers(next);
            }
            let Some(next) = next else {
                // Nothing in flight and no timer anywhere, yet a program is not done.
                break Ending::Deadlock;
            };
            // A deadline in the past means "as soon as possible"; the clock never goes back.
            let next = next.max(self.now);
            if next > self.scenario.max_sim_time {
                self.now = self.scenario.max_sim_time;
                break Ending::TimeLimit(self.scenario.max_sim_time);
            }
            self.events += 1;
            if self.events > self.scenario.max_events {
                break Ending::EventLimit(self.scenario.max_events);
            }
            let advanced = next > self.now;
            self.now = next;
            while let Some((at, dir, carried)) = self.link.pop_arrived(self.now) {
                let receiver = dir.sender().peer();
                let seg = carried.seg;
                let frame = self.recorder.arrived(at, receiver, carried);
                self.hosts[receiver.index()].arrive(at, frame, seg);
                self.wakes[receiver.index()] = None;
            }
            let mut stepped = false;
            for i in [Role::Client.index(), Role::Server.index()] {
                if self.wake(i).is_some_and(|t| t <= self.now) {
                    self.step_host(i);
                    stepped = true;
                }
            }
            if !stepped && !advanced {
                // Nothing due and time did not move: a deadline smoltcp will not act on.
                self.now += 1;
            }
        }
    }

    /// Move the tokio clock to the next event, or to the first instant
    /// before it at which one of its timers wakes a task, which is then the
    /// next event. With no event at all, look far ahead: a timer past the
    /// time limit still means the run is not deadlocked. (Out of line: most
    /// runs have no tokio clock, and the event loop stays small.)
    #[inline(never)]
    fn advance_timers(&mut self, next: Option<Micros>) -> Option<Micros> {
        let Some(timers) = &self.timers else {
            return next;
        };
        let limit = next.map_or(self.scenario.max_sim_time.saturating_add(YEAR), |n| {
            n.max(self.now)
        });
        match timers.advance(limit) {
            Some(t) => {
                self.wakes = [None, None];
                Some(t)
            }
            None => next,
        }
    }

    /// When host `i` next needs to run. A host's wake (its stack's deadlines,
    /// its receive batch, its program's timer) changes only when it is stepped
    /// or a frame reaches it, and smoltcp's deadlines are absolute times, so
    /// the value is kept until one of those happens instead of being asked of
    /// every socket several times per event.
    #[inline]
    fn wake(&mut self, i: usize) -> Option<Micros> {
        *self.wakes[i].get_or_insert_with(|| self.hosts[i].next_wake())
    }

    fn step_host(&mut self, i: usize) {
        let now = self.now;
        self.wakes[i] = None;
        self.hosts[i].step(now);
        let role = self.hosts[i].role;
        for out in self.hosts[i].take_outgoing() {
            // Parsed once, by the stack; the link and the recorder share it.
            let seg = out.seg;
            self.frames_sent += 1;
            let id = self.frames_sent;
            // The recorder copies what it keeps before the frame moves into the
            // link, so no frame is cloned whole unless whole frames are recorded.
            let kept = self.recorder.copy_if_kept(role, &out.frame);
            let note_travels = self.recorder.records_arrivals_at(role.peer());
            let verdict = self.link.send(
                now,
                Dir::from_sender(role),
                out.frame,
                note_travels.then_some(out.note.as_str()),
                id,
                seg.as_ref(),
            );
            if let Some(seg) = seg {
                let note = if verdict.note.is_empty() {
                    out.note
                } else {
                    crate::trace::text::join_notes(&out.note, &verdict.note)
                };
                self.recorder
                    .sent(now, role, id, &seg, kept, verdict.fate, note);
            }
        }
    }

    fn finish(self, ending: Ending) -> Trace {
        let programs = self
            .hosts
            .iter()
            .map(|h| (h, h.os.take_log()))
            .map(|(h, log)| ProgramSummary {
                role: h.role,
                sent: h.os.record().sent.count,
                received: h.os.record().received.count,
                sent_digest: h.os.record().sent.digest(),
                received_digest: h.os.record().received.digest(),
                received_data: h.os.record().received.kept.clone(),
                // Moved, not cloned: a bulk run logs one line per recv().
                log,
            })
            .collect();
        let (records, connections, counters) = self.recorder.finish();
        let conn_info = self
            .hosts
            .iter()
            .flat_map(|h| h.stack.borrow().conn_infos())
            .collect();
        let mut cwnd: Vec<_> = self
            .hosts
            .iter()
            .flat_map(|h| h.stack.borrow_mut().take_cwnd_samples())
            .collect();
        cwnd.sort_by_key(|s| (s.time_us, s.role.index()));
        Trace {
            scenario: self.scenario.name.clone(),
            seed: self.scenario.seed,
            capture: self.scenario.capture,
            host_ips: [self.scenario.hosts[0].ip, self.scenario.hosts[1].ip],
            records,
            connections,
            programs,
            ending,
            end_time_us: self.now,
            counters,
            conn_info,
            cwnd,
        }
    }
}

/// Run a scenario and return its trace, recording everything.
pub fn run(scenario: Scenario) -> Trace {
    Simulation::new(scenario, RunOptions::default()).run()
}

/// Run a scenario with the given options.
pub fn run_with(scenario: Scenario, options: RunOptions) -> Trace {
    Simulation::new(scenario, options).run()
}

/// Run a scenario, writing what the capture host sees to `out` as a pcapng
/// file while the run goes: each frame, whole, the moment it is recorded, as
/// the same bytes [`crate::render::write_pcapng`] makes of a
/// `Recording::Full` trace of the run. The trace keeps what
/// `options.recording` asks for, so with `Recording::Headers` memory does not
/// grow with the payload though the file has every byte.
///
/// Returns the trace and `out`, flushed. On the first error writing `out`
/// nothing more is written to it and the run's result is that error (the run
/// itself still goes to its end: a capture never changes what happens).
pub fn run_streaming<W: Write + 'static>(
    scenario: Scenario,
    options: RunOptions,
    out: W,
) -> io::Result<(Trace, W)> {
    Simulation::new(scenario, options).run_streaming(out)
}
