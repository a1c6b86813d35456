//! One script run against the host under test, event by event, in virtual
//! time, with packetdrill's timing rules (run.c):
//!
//! - a `+t` time counts from when the previous event actually happened,
//!   except an inbound packet after an inbound packet, which counts from
//!   the previous line's script time (`adjust_relative_event_times`);
//! - an outbound line takes the next frame(s) the host sent and checks
//!   them, then their time: within max(`tolerance_usecs`, `tolerance_percent`
//!   of the time since the previous event) of the script's (`verify_time`);
//!   no frame within 2 s of the expected time is a timeout;
//! - a blocking call (`t1...t2`) starts at t1 and the script goes on; it
//!   must return at t2, within the tolerance; a call without `...` that
//!   blocks holds up the script until it returns, as packetdrill's main
//!   thread is held.

use crate::packetdrill::code::{self, Globals};
use crate::packetdrill::config::Settings;
use crate::packetdrill::harness::Harness;
use crate::packetdrill::outcome::{Outcome, Verdict, secs};
use crate::packetdrill::packets::{ScriptConn, inbound_frame, take_matching, verify_outbound};
use crate::packetdrill::prescan::{Prepared, prescan};
use crate::packetdrill::script::{Direction, Event, EventKind, Packet, Script, Syscall, Time};
use crate::packetdrill::symbols::{errno, errno_name, int};
use crate::packetdrill::syscalls::{Effect, Fds, Progress, Step};
use crate::scenario::model::{Micros, Role};

/// Why a run stopped early.
enum Stop {
    Fail(usize, String),
    Skip(usize, String),
}

/// How long a non-blocking-annotated call that blocks may hold up the
/// script before the run gives up (virtual time).
const MAX_BLOCK: Micros = 600_000_000;
/// packetdrill waits this long past an outbound packet's expected time.
const SNIFF_TIMEOUT: Micros = 2_000_000;

/// A blocking call in progress.
struct Pending {
    line: usize,
    call: Syscall,
    progress: Progress,
    /// Its script start time, and expected return time.
    start: i64,
    end: i64,
}

/// The timing of an event: script time (and range end), and how checked.
#[derive(Clone, Copy)]
struct When {
    at: i64,
    end: Option<i64>,
    any: bool,
    range: bool,
    /// The base a relative time was counted from (for messages).
    offset: i64,
    relative: bool,
}

struct Run<'a> {
    settings: &'a Settings,
    prepared: Prepared,
    h: Harness,
    fds: Fds,
    conn: Option<ScriptConn>,
    listening: Option<u16>,
    next_remote_port: u16,
    /// Script time of the previous event, and whether it was an inbound packet.
    last: Option<(i64, bool)>,
    pending: Option<Pending>,
    globals: Globals,
    notes: Vec<String>,
}

/// Run `script` (named `name` in the trace) against a `linux`-profile host.
pub fn run(script: &Script, name: &str) -> Outcome {
    run_with(script, name, None)
}

/// [`run`] with a tolerance other than the script's (`--tolerance-usecs`).
pub fn run_with(script: &Script, name: &str, tolerance_usecs: Option<i64>) -> Outcome {
    let mut settings = Settings::of(script);
    if let Some(t) = tolerance_usecs {
        settings.tolerance_usecs = t;
    }
    let role = if script_listens(script) {
        Role::Server
    } else {
        Role::Client
    };
    let prepared = match prescan(script, &settings) {
        Ok(p) => p,
        Err((line, reason)) => {
            let h = Harness::new(&settings, role);
            return Outcome {
                verdict: Verdict::Skip { line, reason },
                trace: h.finish(name),
                notes: settings.notes.clone(),
            };
        }
    };
    let mut run = Run {
        settings: &settings,
        prepared,
        h: Harness::new(&settings, role),
        fds: Fds::default(),
        conn: None,
        listening: None,
        next_remote_port: 40000,
        last: None,
        pending: None,
        globals: Globals::default(),
        notes: settings.notes.clone(),
    };
    let verdict = match run.events(script) {
        Ok(()) => Verdict::Pass,
        Err(Stop::Fail(line, message)) => Verdict::Fail { line, message },
        Err(Stop::Skip(line, reason)) => Verdict::Skip { line, reason },
    };
    let notes = std::mem::take(&mut run.notes);
    Outcome {
        verdict,
        trace: run.h.finish(name),
        notes,
    }
}

/// Whether the script listens before it connects: the host is then the
/// server of the trace.
fn script_listens(script: &Script) -> bool {
    for e in &script.events {
        if let EventKind::Syscall(sc) = &e.kind {
            match sc.name.as_str() {
                "listen" => return true,
                "connect" => return false,
                _ => {}
            }
        }
    }
    false
}

/// The clock, the blocked call, and the checks of times and results.
impl Run<'_> {
    fn events(&mut self, script: &Script) -> Result<(), Stop> {
        for ev in &script.events {
            self.event(ev)?;
        }
        if let Some(p) = &self.pending {
            let (line, end) = (p.line, p.end);
            let limit = end.max(self.h.now as i64) + self.tolerance(end, p.start);
            while self.pending.is_some() {
                if !self.step_once(limit as Micros)? {
                    return Err(Stop::Fail(
                        line,
                        "blocking system call still in progress when the script ended".to_string(),
                    ));
                }
            }
        }
        Ok(())
    }

    fn tolerance(&self, expected: i64, last: i64) -> i64 {
        let dynamic = (self.settings.tolerance_percent / 100.0 * (expected - last) as f64) as i64;
        self.settings.tolerance_usecs.max(dynamic)
    }

    /// When `ev` is due (adjust_relative_event_times).
    fn when(&self, ev: &Event, anchored: bool) -> When {
        let now = self.h.now as i64;
        let offset = match self.last {
            Some((t, true)) if anchored => t,
            _ => now,
        };
        let (at, end, any, range, relative) = match ev.time {
            Time::Absolute(a) => (a as i64, None, false, false, false),
            Time::Relative(r) => (offset + r as i64, None, false, false, true),
            Time::Range {
                relative: true,
                start,
                end,
            } => (
                offset + start as i64,
                Some(offset + end as i64),
                false,
                true,
                true,
            ),
            Time::Range {
                relative: false,
                start,
                end,
            } => (start as i64, Some(end as i64), false, true, false),
            Time::Any => (now, None, true, false, false),
        };
        When {
            at,
            end,
            any,
            range,
            offset: if relative { offset } else { 0 },
            relative,
        }
    }

    /// packetdrill's verify_time, with its wording.
    fn verify_time(
        &self,
        w: &When,
        actual: i64,
        last: Option<i64>,
        what: &str,
    ) -> Result<(), String> {
        if w.any {
            return Ok(());
        }
        let tol = match last {
            Some(l) => self.tolerance(w.at, l),
            None => self.settings.tolerance_usecs,
        };
        if w.range {
            let end = w.end.unwrap_or(w.at);
            if actual < w.at - tol || actual > end + tol {
                return Err(if w.relative {
                    format!(
                        "timing error: expected {what} in relative time range +{}~+{} sec but happened at +{} sec",
                        secs(w.at - w.offset),
                        secs(end - w.offset),
                        secs(actual - w.offset)
                    )
                } else {
                    format!(
                        "timing error: expected {what} in time range {}~{} sec but happened at {} sec",
                        secs(w.at),
                        secs(end),
                        secs(actual)
                    )
                });
            }
            return Ok(());
        }
        if (actual - w.at).abs() > tol {
            return Err(format!(
                "timing error: expected {what} at {} sec but happened at {} sec; tolerance {} sec",
                secs(w.at),
                secs(actual),
                secs(tol)
            ));
        }
        Ok(())
    }

    /// Run the host once (if it has anything to do by `limit`) and let a
    /// blocked call see what changed.
    fn step_once(&mut self, limit: Micros) -> Result<bool, Stop> {
        let stepped = self.h.step_once(limit);
        if stepped {
            self.poll_pending()?;
        }
        Ok(stepped)
    }

    fn advance_to(&mut self, t: i64) -> Result<(), Stop> {
        let t = t.max(self.h.now as i64) as Micros;
        let mut guard = 0u32;
        while self.step_once(t)? {
            guard += 1;
            if guard > 10_000_000 {
                return Err(Stop::Fail(0, "the host never settles".to_string()));
            }
        }
        self.h.advance_to(t).map_err(|e| Stop::Fail(0, e))
    }

    fn poll_pending(&mut self) -> Result<(), Stop> {
        let Some(mut p) = self.pending.take() else {
            return Ok(());
        };
        match self
            .call(&p.call, &mut p.progress)
            .map_err(|e| Stop::Skip(p.line, e))?
        {
            Step::Block => {
                self.pending = Some(p);
                Ok(())
            }
            step => self.returned(p.line, &p.call, &step, p.start, p.end),
        }
    }

    fn call(&mut self, sc: &Syscall, progress: &mut Progress) -> Result<Step, String> {
        let step = self
            .fds
            .call(&mut self.h, self.settings, sc, progress)
            .map_err(|r| r.0)?;
        match self.fds.effect.take() {
            Some(Effect::Listening(port)) => self.listening = Some(port),
            Some(Effect::Connecting) => {
                self.listening = None;
                self.conn = None;
            }
            None => {}
        }
        self.h.after_call();
        if step != Step::Block {
            self.h
                .os()
                .log(format!("{}(...) = {}", sc.name, describe_step(&step)));
        }
        Ok(step)
    }

    /// A blocking call (started at script time `start`) returned now: its
    /// result, then its time against `end`.
    fn returned(
        &self,
        line: usize,
        sc: &Syscall,
        step: &Step,
        start: i64,
        end: i64,
    ) -> Result<(), Stop> {
        self.check_result(sc, step)
            .map_err(|m| Stop::Fail(line, m))?;
        let w = When {
            at: end,
            end: None,
            any: false,
            range: false,
            offset: 0,
            relative: false,
        };
        let now = self.h.now as i64;
        self.verify_time(&w, now, Some(start), "system call return")
            .map_err(|m| Stop::Fail(line, m))
    }

    /// The call's result against the script's expected result and errno.
    fn check_result(&self, sc: &Syscall, step: &Step) -> Result<(), String> {
        let (ret, err) = match step {
            Step::Done { ret, errno } => (*ret, *errno),
            Step::Wrong(msg) => return Err(msg.clone()),
            Step::Block => return Ok(()),
        };
        let fd_call = matches!(sc.name.as_str(), "socket" | "accept" | "accept4");
        let expected = int(&sc.result);
        let got = |ret: i64| match err {
            Some(e) => format!("{ret} with errno {e}"),
            None => ret.to_string(),
        };
        match expected {
            Some(e) if fd_call && e >= 0 && ret >= 0 => {}
            Some(e) if e != ret => {
                return Err(format!("expected result {e} but got {}", got(ret)));
            }
            Some(_) => {}
            None => return Err("the expected result is not a number".to_string()),
        }
        if let Some(want) = &sc.errno {
            let want_v = errno(want).unwrap_or(-1);
            let got_v = err.and_then(errno).unwrap_or(0);
            if want_v != got_v {
                let got_name = if got_v == 0 {
                    "0 (no error)"
                } else {
                    errno_name(got_v)
                };
                return Err(format!("expected errno {want} but got {got_name}"));
            }
        }
        Ok(())
    }
}

/// The events, one kind each.
impl Run<'_> {
    fn event(&mut self, ev: &Event) -> Result<(), Stop> {
        let line = ev.line;
        match &ev.kind {
            EventKind::Packet(p) if p.direction == Direction::Inbound => {
                let w = self.when(ev, true);
                self.advance_to(w.at)?;
                self.inbound(line, p)?;
                self.last = Some((w.at, true));
            }
            EventKind::Packet(p) => {
                let w = self.when(ev, false);
                self.outbound(line, p, &w)?;
                self.last = Some((w.at, false));
            }
            EventKind::Syscall(sc) => {
                let w = self.when(ev, false);
                self.syscall(ev, sc, &w)?;
                self.last = Some((w.at, false));
            }
            EventKind::Code(_) => {
                let w = self.when(ev, false);
                self.advance_to(w.at)?;
                self.code(line)?;
                self.last = Some((w.at, false));
            }
            EventKind::Command(text) => {
                let w = self.when(ev, false);
                self.advance_to(w.at)?;
                self.notes
                    .push(format!("line {line}: `{}`: not run", text.trim()));
                self.last = Some((w.at, false));
            }
            EventKind::OtherPacket(o) => return Err(Stop::Skip(line, o.refusal())),
        }
        Ok(())
    }

    fn inbound(&mut self, line: usize, p: &Packet) -> Result<(), Stop> {
        let new_syn = p.flags.syn && !p.flags.ack;
        if new_syn && (self.conn.is_none() || self.listening.is_some()) {
            let local = self.listening.take().unwrap_or(self.settings.bind_port);
            let remote = self.next_remote_port;
            self.next_remote_port = self.next_remote_port.wrapping_add(1).max(1024);
            self.conn = Some(ScriptConn::passive(local, remote, p.seq_start));
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err(Stop::Fail(
                line,
                "no matching socket for script packet".to_string(),
            ));
        };
        if p.flags.syn && p.flags.ack {
            // The script's SYN-ACK to the host's connect(): its ISN.
            conn.remote_isn = p.seq_start;
        }
        let frame = inbound_frame(p, conn, self.h.inbound_macs(), self.h.addresses())
            .map_err(|m| Stop::Fail(line, m))?;
        self.h.inject(frame, format!("script line {line}"));
        self.poll_pending()
    }

    fn outbound(&mut self, line: usize, p: &Packet, w: &When) -> Result<(), Stop> {
        let deadline = (w.end.unwrap_or(w.at).max(self.h.now as i64) as Micros)
            + if w.any { MAX_BLOCK } else { SNIFF_TIMEOUT };
        let frames = loop {
            if let Some(frames) = take_matching(&mut self.h.sniffed, p.payload_len) {
                break frames;
            }
            if !self.step_once(deadline)? {
                return Err(Stop::Fail(
                    line,
                    format!(
                        "timed out waiting for outbound packet (expected at {} sec)",
                        secs(w.at)
                    ),
                ));
            }
        };
        let first = &frames[0];
        if self.conn.is_none() && first.seg.has(crate::wire::flags::SYN) && p.flags.syn {
            self.conn = Some(ScriptConn::active(
                first.seg.ends.src_port,
                first.seg.ends.dst_port,
                p.seq_start,
                first.seg.seq,
            ));
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err(Stop::Fail(
                line,
                "no matching socket for script packet".to_string(),
            ));
        };
        verify_outbound(p, &frames, conn).map_err(|m| Stop::Fail(line, m))?;
        let sent = frames[frames.len() - 1].at;
        self.h.now = self.h.now.max(sent);
        let last = self.last.map(|(t, _)| t);
        self.verify_time(w, sent as i64, last, "outbound packet")
            .map_err(|m| Stop::Fail(line, m))
    }

    fn syscall(&mut self, ev: &Event, sc: &Syscall, w: &When) -> Result<(), Stop> {
        let line = ev.line;
        if let Some(p) = &self.pending {
            // packetdrill waits (up to a second) for the blocked call first.
            let limit = self.h.now + 1_000_000;
            let pline = p.line;
            while self.pending.is_some() && self.step_once(limit)? {}
            if self.pending.is_some() && ev.end_time.is_some() {
                return Err(Stop::Fail(
                    line,
                    format!(
                        "blocking system call while another blocking system call (line {pline}) is already in progress"
                    ),
                ));
            }
        }
        self.advance_to(w.at)?;
        let mut progress = Progress::default();
        let step = self
            .call(sc, &mut progress)
            .map_err(|m| Stop::Skip(line, m))?;
        if let Some(end) = ev.end_time {
            let end = match end {
                Time::Absolute(a) => a as i64,
                Time::Relative(r) => w.offset + r as i64,
                _ => w.at,
            };
            if step == Step::Block {
                self.pending = Some(Pending {
                    line,
                    call: sc.clone(),
                    progress,
                    start: w.at,
                    end,
                });
                return Ok(());
            }
            return self.returned(line, sc, &step, w.at, end);
        }
        let mut step = step;
        let limit = self.h.now + MAX_BLOCK;
        while step == Step::Block {
            if !self.step_once(limit)? {
                return Err(Stop::Fail(
                    line,
                    format!(
                        "{}() blocks and nothing can unblock it (the script gives no `...` end time)",
                        sc.name
                    ),
                ));
            }
            step = self
                .call(sc, &mut progress)
                .map_err(|m| Stop::Skip(line, m))?;
        }
        self.check_result(sc, &step)
            .map_err(|m| Stop::Fail(line, m))
    }

    fn code(&mut self, line: usize) -> Result<(), Stop> {
        let Some(stmts) = self.prepared.code.get(&line) else {
            return Ok(());
        };
        let Some(conn) = self.fds.last_conn() else {
            return Err(Stop::Fail(
                line,
                "%{ }% block with no connection to read tcp_info from".to_string(),
            ));
        };
        let info = self.h.stack().socket_info(conn);
        let printed =
            code::run(stmts, &info, &mut self.globals).map_err(|m| Stop::Fail(line, m))?;
        for p in printed {
            self.notes.push(format!("line {line}: print: {p}"));
        }
        Ok(())
    }
}

fn describe_step(step: &Step) -> String {
    match step {
        Step::Done {
            ret,
            errno: Some(e),
        } => format!("{ret} {e}"),
        Step::Done { ret, errno: None } => ret.to_string(),
        Step::Wrong(m) => m.clone(),
        Step::Block => "(blocked)".to_string(),
    }
}
