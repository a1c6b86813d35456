//! Programs that run on a host: the trait the event loop steps, and the two
//! declarative programs of the scenario format (a client running steps, an
//! echo server).

use std::net::Ipv4Addr;

mod activities;
mod cursor;
pub mod os;

use crate::linux::socket::{ConnId, ConnectState, ListenerId, Recv};
use crate::program::os::Os;
use crate::scenario::model::{ClientProgram, EchoServer, Micros, ServerMode, Step, Transform};
use activities::Activities;
use cursor::StepCursor;

/// What a program is waiting for after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting on a socket: run again whenever the host runs.
    Blocked,
    /// Sleeping until this time, and only then.
    Sleeping(Micros),
    /// Waiting on a socket, or until this time at the latest (a timeout).
    Waiting(Micros),
    /// Finished.
    Done,
}

/// An account of a byte stream: its length, an order-sensitive digest and,
/// when asked for, the bytes themselves.
///
/// The digest exists to compare streams (what one side sent against what the
/// other received), so only equality matters and its value is never shown.
/// It takes words, not bytes: four independent 64-bit lanes each fold one
/// word of every 32-byte block of the stream (xor, multiply, rotate), so the
/// multiplies of one block overlap instead of forming one chain per byte as
/// FNV-1a does (about 0.2 instead of 4 cycles per byte; at 100 MiB a side that
/// is the difference between a few milliseconds and 400 ms). Blocks are cut at
/// fixed offsets of the stream, not of the calls, so the digest does not depend
/// on how the stream was split into send() or recv() calls.
#[derive(Debug, Clone)]
pub struct ByteLog {
    /// Bytes in the stream.
    pub count: u64,
    /// The bytes, when kept.
    pub kept: Option<Vec<u8>>,
    /// None when digests are off (runs that never compare streams).
    lanes: Option<[u64; 4]>,
    /// The stream's bytes after its last whole block.
    tail: [u8; ByteLog::BLOCK],
}

impl ByteLog {
    const BLOCK: usize = 32;
    const PRIME: u64 = 0x9e37_79b9_7f4a_7c15;
    const SEEDS: [u64; 4] = [
        0xcbf2_9ce4_8422_2325,
        0x8422_2325_cbf2_9ce4,
        0x0000_0100_0000_01b3,
        0x1b87_3593_9e37_79b9,
    ];

    /// `keep`: hold on to the bytes (tests want them; bulk runs do not).
    pub fn new(keep: bool) -> ByteLog {
        ByteLog::with_digest(keep, true)
    }

    /// `digest`: compute the stream digest (off: only count, and keep if asked).
    pub fn with_digest(keep: bool, digest: bool) -> ByteLog {
        ByteLog {
            count: 0,
            kept: keep.then(Vec::new),
            lanes: digest.then_some(Self::SEEDS),
            tail: [0; Self::BLOCK],
        }
    }

    fn fold(lanes: &mut [u64; 4], block: &[u8]) {
        for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            let w = u64::from_le_bytes(word.try_into().expect("8-byte word"));
            *lane = (*lane ^ w).wrapping_mul(Self::PRIME).rotate_left(29);
        }
    }

    /// Account for more bytes of the stream.
    pub fn add(&mut self, data: &[u8]) {
        if let Some(lanes) = &mut self.lanes {
            let mut rest = data;
            let filled = (self.count % Self::BLOCK as u64) as usize;
            if filled > 0 {
                let k = rest.len().min(Self::BLOCK - filled);
                self.tail[filled..filled + k].copy_from_slice(&rest[..k]);
                rest = &rest[k..];
                if filled + k == Self::BLOCK {
                    Self::fold(lanes, &self.tail);
                }
            }
            let blocks = rest.chunks_exact(Self::BLOCK);
            let left = blocks.remainder();
            for block in blocks {
                Self::fold(lanes, block);
            }
            if !left.is_empty() {
                self.tail[..left.len()].copy_from_slice(left);
            }
        }
        self.count += data.len() as u64;
        if let Some(kept) = &mut self.kept {
            kept.extend_from_slice(data);
        }
    }

    /// The digest of the stream so far; 0 when digests are off.
    pub fn digest(&self) -> u64 {
        let Some(lanes) = self.lanes else {
            return 0;
        };
        let mut h = self.count.wrapping_mul(Self::PRIME);
        for lane in lanes {
            h = (h ^ lane).wrapping_mul(Self::PRIME).rotate_left(31);
        }
        let tail = (self.count % Self::BLOCK as u64) as usize;
        for &b in &self.tail[..tail] {
            h = (h ^ u64::from(b)).wrapping_mul(Self::PRIME);
        }
        // Final avalanche, so every input bit reaches every output bit.
        h ^= h >> 32;
        h = h.wrapping_mul(Self::PRIME);
        h ^ (h >> 29)
    }

    /// The digest of a whole byte string, for comparing with a log.
    pub fn digest_of(data: &[u8]) -> u64 {
        let mut log = ByteLog::new(false);
        log.add(data);
        log.digest()
    }
}

/// Two logs are equal when they account for the same stream the same way
/// (the block buffer's unused bytes do not count).
impl PartialEq for ByteLog {
    fn eq(&self, other: &ByteLog) -> bool {
        self.count == other.count
            && self.kept == other.kept
            && self.lanes.is_some() == other.lanes.is_some()
            && self.digest() == other.digest()
    }
}

impl Eq for ByteLog {}

/// A program stepped by the event loop. `resume` runs until the program must
/// wait, and says for what. Bytes sent and received and the call log are kept
/// by its [`Os`].
pub trait Program {
    /// Run until the program must wait; say for what.
    fn resume(&mut self, os: &Os) -> Status;
}

/// The byte at `offset` of a generated payload (`send_bytes`): a repeating
/// alphabet, so a reader can check order and integrity.
pub fn generated_byte(offset: u64) -> u8 {
    b'a' + (offset % 26) as u8
}

/// Largest piece of generated payload handed to send() at once.
const PATTERN_CHUNK: usize = 65536;

/// The generated payload, long enough to slice any chunk from any phase.
static PATTERN: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    (0..(PATTERN_CHUNK + 26) as u64)
        .map(generated_byte)
        .collect()
});

/// The client of the scenario format: runs its steps in order.
pub struct Client {
    steps: StepCursor,
    server: (Ipv4Addr, u16),
    local_port: Option<u16>,
    conn: Option<ConnId>,
    /// Progress inside the current send step.
    offset: u64,
    sleep_until: Option<Micros>,
}

impl Client {
    /// The client of a scenario, connecting to `server`.
    pub fn new(program: &ClientProgram, server: (Ipv4Addr, u16)) -> Client {
        Client {
            steps: StepCursor::new(&program.steps),
            server,
            local_port: program.port,
            conn: None,
            offset: 0,
            sleep_until: None,
        }
    }

    fn next(&mut self) {
        self.steps.advance();
        self.offset = 0;
        self.sleep_until = None;
    }
}

impl Program for Client {
    fn resume(&mut self, os: &Os) -> Status {
        while self.steps.settle() {
            // `next()` moves `self.steps` on; the step read stays in `here`.
            let here = self.steps.clone();
            let Some(step) = here.step() else { break };
            let now = os.now();
            match step {
                Step::Connect => {
                    let conn = match self.conn {
                        Some(c) => c,
                        None => {
                            let c = os.try_connect(self.server, self.local_port);
                            self.conn = Some(c);
                            os.log(format!("connect({}:{})", self.server.0, self.server.1));
                            c
                        }
                    };
                    match os.connect_state(conn) {
                        ConnectState::Pending => return Status::Blocked,
                        ConnectState::Established => self.next(),
                        ConnectState::Failed => {
                            os.log("connect() failed".to_string());
                            return Status::Done;
                        }
                    }
                }
                Step::Send(_) | Step::SendBytes(_) => {
                    let Some(conn) = self.conn else {
                        self.next();
                        continue;
                    };
                    let total = match &step {
                        Step::Send(b) => b.len() as u64,
                        Step::SendBytes(n) => *n,
                        _ => 0,
                    };
                    while self.offset < total {
                        let chunk: &[u8] = match step {
                            Step::Send(bytes) => &bytes[self.offset as usize..],
                            _ => {
                                let len = (total - self.offset).min(PATTERN_CHUNK as u64) as usize;
                                let start = (self.offset % 26) as usize;
                                &PATTERN[start..start + len]
                            }
                        };
                        match os.try_send(conn, chunk) {
                            Ok(0) => return Status::Blocked,
                            Ok(n) => {
                                self.offset += n as u64;
                            }
                            Err(why) => {
                                os.log(format!("send() failed: {why:?}"));
                                return Status::Done;
                            }
                        }
                    }
                    os.log(format!("send({total} bytes)"));
                    self.next();
                }
                &Step::Recv(max) | &Step::RecvAll(max) => {
                    let Some(conn) = self.conn else {
                        self.next();
                        continue;
                    };
                    // The client only counts what it reads: read in place.
                    match os.try_recv_with(conn, max, |_| {}) {
                        Err(Recv::WouldBlock) => return Status::Blocked,
                        Ok(n) => {
                            os.log(format!("recv({max}) -> {n} bytes"));
                            if matches!(step, Step::Recv(_)) {
                                self.next();
                            }
                        }
                        Err(Recv::Eof | Recv::Data(_)) => {
                            os.log(format!("recv({max}) -> 0 (end of stream)"));
                            self.next();
                        }
                        Err(Recv::Reset) => {
                            os.log(format!("recv({max}) -> connection reset"));
                            self.next();
                        }
                    }
                }
                &Step::Sleep(d) => match self.sleep_until {
                    None => {
                        self.sleep_until = Some(now + d);
                        return Status::Sleeping(now + d);
                    }
                    Some(t) if now < t => return Status::Sleeping(t),
                    Some(_) => self.next(),
                },
                Step::Shutdown => {
                    if let Some(conn) = self.conn {
                        os.shutdown(conn);
                        os.log("shutdown(SHUT_WR)".to_string());
                    }
                    self.next();
                }
                Step::Close => {
                    if let Some(conn) = self.conn {
                        let unread = os.unread(conn);
                        os.close(conn);
                        os.log(format!("close() with {unread} bytes unread"));
                    }
                    self.next();
                }
                Step::Repeat { .. } => self.next(),
            }
        }
        Status::Done
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionState {
    Sleeping(Micros),
    Receiving,
    Replying,
    Finished,
}

/// What a session is sending back.
enum Reply {
    Bytes(Vec<u8>),
    /// `send_bytes`-style generated payload of this length.
    Generated(u64),
}

impl Reply {
    fn len(&self) -> u64 {
        match self {
            Reply::Bytes(b) => b.len() as u64,
            Reply::Generated(n) => *n,
        }
    }

    fn chunk(&self, offset: u64) -> &[u8] {
        match self {
            Reply::Bytes(b) => &b[offset as usize..],
            Reply::Generated(n) => {
                let len = (n - offset).min(PATTERN_CHUNK as u64) as usize;
                let start = (offset % 26) as usize;
                &PATTERN[start..start + len]
            }
        }
    }
}

/// One accepted connection of the server program.
struct Session {
    conn: ConnId,
    state: SessionState,
    reply: Reply,
    reply_offset: u64,
    /// A source shuts its sending side down once its bytes are sent.
    shutdown_after_reply: bool,
}

/// The server program of the scenario format. It accepts up to `connections`
/// connections and serves them concurrently; each one loops (sleep, recv n,
/// reply) until end of stream, then closes. An echo replies with the data
/// transformed and repeated, a sink discards it, a source first sends its bytes.
pub struct Echo {
    config: EchoServer,
    listener: Option<ListenerId>,
    /// Every session accepted, finished ones included (indexes stay put).
    sessions: Vec<Session>,
    /// What each session waits for.
    activities: Activities,
    accepted: u32,
}

impl Echo {
    /// The server program of a scenario.
    pub fn new(config: &EchoServer) -> Echo {
        Echo {
            config: config.clone(),
            listener: None,
            sessions: Vec::new(),
            activities: Activities::default(),
            accepted: 0,
        }
    }

    fn transform(config: &EchoServer, data: &[u8]) -> Vec<u8> {
        let one: Vec<u8> = match config.transform {
            Transform::None => data.to_vec(),
            Transform::Upper => data.to_ascii_uppercase(),
            Transform::Lower => data.to_ascii_lowercase(),
        };
        one.repeat(config.times as usize)
    }

    fn after_recv(config: &EchoServer, now: Micros) -> SessionState {
        if config.sleep > 0 {
            SessionState::Sleeping(now + config.sleep)
        } else {
            SessionState::Receiving
        }
    }

    fn open(&self, conn: ConnId, now: Micros) -> Session {
        let (state, reply, shutdown_after_reply) = match self.config.mode {
            ServerMode::Source(n) => (SessionState::Replying, Reply::Generated(n), true),
            _ => (
                Echo::after_recv(&self.config, now),
                Reply::Bytes(Vec::new()),
                false,
            ),
        };
        Session {
            conn,
            state,
            reply,
            reply_offset: 0,
            shutdown_after_reply,
        }
    }

    /// recv() for a session: how many bytes were read and, for an echo, the
    /// bytes. A sink or source only counts what it reads, so it reads in place
    /// (no copy out of the socket). Err: what recv() returned instead of data.
    fn recv(config: &EchoServer, os: &Os, conn: ConnId) -> Result<(usize, Vec<u8>), Recv> {
        if config.mode != ServerMode::Echo {
            return os
                .try_recv_with(conn, config.recv, |_| {})
                .map(|n| (n, Vec::new()));
        }
        match os.try_recv(conn, config.recv) {
            Recv::Data(d) => Ok((d.len(), d)),
            other => Err(other),
        }
    }

    /// Run one session until it must wait; returns what it waits for.
    fn step(config: &EchoServer, session: &mut Session, os: &Os) -> Status {
        loop {
            let now = os.now();
            let conn = session.conn;
            match session.state {
                SessionState::Finished => return Status::Done,
                SessionState::Sleeping(t) => {
                    if now < t {
                        return Status::Sleeping(t);
                    }
                    session.state = SessionState::Receiving;
                }
                SessionState::Receiving => match Echo::recv(config, os, conn) {
                    Err(Recv::WouldBlock) => return Status::Blocked,
                    Ok((n, d)) => {
                        os.log(format!("recv({}) -> {n} bytes", config.recv));
                        if config.mode == ServerMode::Echo {
                            session.reply = Reply::Bytes(Echo::transform(config, &d));
                            session.reply_offset = 0;
                            session.state = SessionState::Replying;
                        } else {
                            session.state = Echo::after_recv(config, now);
                        }
                    }
                    Err(Recv::Data(_) | Recv::Eof | Recv::Reset) => {
                        let why = if matches!(os.try_recv(conn, 1), Recv::Reset) {
                            "connection reset"
                        } else {
                            "0 (end of stream)"
                        };
                        os.log(format!("recv({}) -> {why}", config.recv));
                        os.close(conn);
                        os.log("close()".to_string());
                        session.state = SessionState::Finished;
                    }
                },
                SessionState::Replying => {
                    while session.reply_offset < session.reply.len() {
                        match os.try_send(conn, session.reply.chunk(session.reply_offset)) {
                            Ok(0) => return Status::Blocked,
                            Ok(n) => session.reply_offset += n as u64,
                            Err(_) => session.reply_offset = session.reply.len(),
                        }
                    }
                    os.log(format!("send({} bytes)", session.reply.len()));
                    session.reply = Reply::Bytes(Vec::new());
                    if std::mem::take(&mut session.shutdown_after_reply) {
                        os.shutdown(conn);
                        os.log("shutdown(SHUT_WR)".to_string());
                    }
                    session.state = Echo::after_recv(config, now);
                }
            }
        }
    }
}

impl Program for Echo {
    fn resume(&mut self, os: &Os) -> Status {
        let listener = match self.listener {
            Some(l) => l,
            None => {
                let l = os.try_listen(self.config.port, self.config.backlog);
                os.log(format!(
                    "listen({}, backlog {})",
                    self.config.port, self.config.backlog
                ));
                self.listener = Some(l);
                l
            }
        };
        while self.accepted < self.config.connections {
            let Some(conn) = os.try_accept(listener) else {
                break;
            };
            os.log("accept()".to_string());
            self.accepted += 1;
            let session = self.open(conn, os.now());
            self.sessions.push(session);
            self.activities.add();
        }
        let (config, sessions) = (&self.config, &mut self.sessions);
        self.activities
            .resume(os, |i, os| Echo::step(config, &mut sessions[i], os));
        let sessions = self.activities.status();
        if self.accepted < self.config.connections {
            // More connections may come: wait for them as well as for the sessions.
            return combine(&[sessions, Status::Blocked]);
        }
        if sessions == Status::Done {
            os.unlisten(listener);
            return Status::Done;
        }
        sessions
    }
}

/// Several programs running side by side on one host (for example a client
/// scenario's `connections = N` copies), each resumed only when it may run.
pub struct Parallel {
    children: Vec<Box<dyn Program>>,
    activities: Activities,
}

impl Parallel {
    /// Run `programs` concurrently.
    pub fn new(programs: Vec<Box<dyn Program>>) -> Parallel {
        let mut activities = Activities::default();
        for _ in &programs {
            activities.add();
        }
        Parallel {
            children: programs,
            activities,
        }
    }
}

impl Program for Parallel {
    fn resume(&mut self, os: &Os) -> Status {
        let children = &mut self.children;
        self.activities.resume(os, |i, os| children[i].resume(os));
        self.activities.status()
    }
}

/// What several concurrent activities wait for, together: done when all are
/// done; otherwise woken by any event, or at the earliest timer.
pub fn combine(statuses: &[Status]) -> Status {
    let mut earliest: Option<Micros> = None;
    let mut event_driven = false;
    let mut active = false;
    for status in statuses {
        match *status {
            Status::Done => {}
            Status::Blocked => {
                active = true;
                event_driven = true;
            }
            Status::Waiting(t) => {
                active = true;
                event_driven = true;
                earliest = Some(earliest.map_or(t, |e| e.min(t)));
            }
            Status::Sleeping(t) => {
                active = true;
                earliest = Some(earliest.map_or(t, |e| e.min(t)));
            }
        }
    }
    match (active, event_driven, earliest) {
        (false, _, _) => Status::Done,
        (true, false, Some(t)) => Status::Sleeping(t),
        (true, _, Some(t)) => Status::Waiting(t),
        (true, _, None) => Status::Blocked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(len: usize) -> Vec<u8> {
        (0..len as u64).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn digest_does_not_depend_on_how_the_stream_is_split() {
        let data = stream(1000);
        let whole = ByteLog::digest_of(&data);
        for piece in [1, 3, 7, 31, 32, 33, 64, 100, 999] {
            let mut log = ByteLog::new(false);
            for chunk in data.chunks(piece) {
                log.add(chunk);
            }
            assert_eq!(log.digest(), whole, "pieces of {piece}");
            assert_eq!(log.count, 1000);
        }
    }

    #[test]
    fn digest_sees_order_length_and_every_byte() {
        let data = stream(96);
        let whole = ByteLog::digest_of(&data);
        // Two whole blocks swapped.
        let mut swapped = data.clone();
        swapped[..32].copy_from_slice(&data[32..64]);
        swapped[32..64].copy_from_slice(&data[..32]);
        assert_ne!(ByteLog::digest_of(&swapped), whole);
        // Two words of one block swapped.
        let mut words = data.clone();
        words[..8].copy_from_slice(&data[8..16]);
        words[8..16].copy_from_slice(&data[..8]);
        assert_ne!(ByteLog::digest_of(&words), whole);
        // One bit flipped anywhere, in a block or in the tail.
        let odd = stream(100);
        for i in [0, 31, 32, 95, 96, 99] {
            let mut flipped = odd.clone();
            flipped[i] ^= 1;
            assert_ne!(
                ByteLog::digest_of(&flipped),
                ByteLog::digest_of(&odd),
                "byte {i}"
            );
        }
        // A trailing zero byte is not nothing.
        assert_ne!(ByteLog::digest_of(&[0]), ByteLog::digest_of(&[]));
        assert_ne!(ByteLog::digest_of(&[0; 32]), ByteLog::digest_of(&[0; 31]));
    }

    #[test]
    fn digests_off_still_count_and_keep() {
        let mut log = ByteLog::with_digest(true, false);
        log.add(b"hello");
        assert_eq!((log.count, log.digest()), (5, 0));
        assert_eq!(log.kept.as_deref(), Some(&b"hello"[..]));
    }
}
