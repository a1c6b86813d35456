//! Programs that run on a host: the trait the event loop steps, and the two
//! declarative programs of the scenario format (a client running steps, an
//! echo server).

use std::net::Ipv4Addr;
use std::rc::Rc;

use crate::model::{ClientProgram, EchoServer, Micros, ServerMode, Step, Transform};
use crate::os::Os;
use crate::socket::{ConnId, ConnectState, ListenerId, Recv};

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

/// An account of a byte stream: its length, an order-sensitive digest
/// (FNV-1a, 64 bit) and, when asked for, the bytes themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteLog {
    /// Bytes in the stream.
    pub count: u64,
    /// FNV-1a 64 digest of the stream, in order.
    pub digest: u64,
    /// The bytes, when kept.
    pub kept: Option<Vec<u8>>,
}

impl ByteLog {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

    /// `keep`: hold on to the bytes (tests want them; bulk runs do not).
    pub fn new(keep: bool) -> ByteLog {
        ByteLog {
            count: 0,
            digest: Self::FNV_OFFSET,
            kept: keep.then(Vec::new),
        }
    }

    /// Account for more bytes of the stream.
    pub fn add(&mut self, data: &[u8]) {
        self.count += data.len() as u64;
        for &b in data {
            self.digest = (self.digest ^ u64::from(b)).wrapping_mul(Self::FNV_PRIME);
        }
        if let Some(kept) = &mut self.kept {
            kept.extend_from_slice(data);
        }
    }

    /// The digest of a whole byte string, for comparing with a log.
    pub fn digest_of(data: &[u8]) -> u64 {
        let mut log = ByteLog::new(false);
        log.add(data);
        log.digest
    }
}

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

fn flatten(steps: &[Step], out: &mut Vec<Step>) {
    for step in steps {
        match step {
            Step::Repeat { times, steps } => {
                for _ in 0..*times {
                    flatten(steps, out);
                }
            }
            other => out.push(other.clone()),
        }
    }
}

/// The client of the scenario format: runs its steps in order.
pub struct Client {
    steps: Rc<[Step]>,
    pc: usize,
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
        let mut steps = Vec::new();
        flatten(&program.steps, &mut steps);
        Client {
            steps: steps.into(),
            pc: 0,
            server,
            local_port: program.port,
            conn: None,
            offset: 0,
            sleep_until: None,
        }
    }

    fn next(&mut self) {
        self.pc += 1;
        self.offset = 0;
        self.sleep_until = None;
    }
}

impl Program for Client {
    fn resume(&mut self, os: &Os) -> Status {
        let steps = Rc::clone(&self.steps);
        while let Some(step) = steps.get(self.pc) {
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
                    match os.try_recv(conn, max) {
                        Recv::WouldBlock => return Status::Blocked,
                        Recv::Data(d) => {
                            os.log(format!("recv({max}) -> {} bytes", d.len()));
                            if matches!(step, Step::Recv(_)) {
                                self.next();
                            }
                        }
                        Recv::Eof => {
                            os.log(format!("recv({max}) -> 0 (end of stream)"));
                            self.next();
                        }
                        Recv::Reset => {
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
enum EchoState {
    Accepting,
    Sleeping(Micros),
    Receiving,
    Replying,
}

/// The echo server of the scenario format: accept, then loop (sleep, recv n,
/// reply transformed and repeated) until end of stream, then close.
pub struct Echo {
    config: EchoServer,
    listener: Option<ListenerId>,
    conn: Option<ConnId>,
    state: EchoState,
    reply: Vec<u8>,
    reply_offset: usize,
    /// A source shuts its sending side down once its bytes are sent.
    shutdown_after_reply: bool,
    served: u32,
}

impl Echo {
    /// The server program of a scenario.
    pub fn new(config: &EchoServer) -> Echo {
        Echo {
            config: config.clone(),
            listener: None,
            conn: None,
            state: EchoState::Accepting,
            reply: Vec::new(),
            reply_offset: 0,
            shutdown_after_reply: false,
            served: 0,
        }
    }

    fn transform(&self, data: &[u8]) -> Vec<u8> {
        let one: Vec<u8> = match self.config.transform {
            Transform::None => data.to_vec(),
            Transform::Upper => data.to_ascii_uppercase(),
            Transform::Lower => data.to_ascii_lowercase(),
        };
        one.repeat(self.config.times as usize)
    }

    fn after_recv(&mut self, now: Micros) -> EchoState {
        if self.config.sleep > 0 {
            EchoState::Sleeping(now + self.config.sleep)
        } else {
            EchoState::Receiving
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
        loop {
            let now = os.now();
            match self.state {
                EchoState::Accepting => match os.try_accept(listener) {
                    None => return Status::Blocked,
                    Some(c) => {
                        self.conn = Some(c);
                        os.log("accept()".to_string());
                        if let ServerMode::Source(n) = self.config.mode {
                            self.reply = (0..n).map(generated_byte).collect();
                            self.reply_offset = 0;
                            self.shutdown_after_reply = true;
                            self.state = EchoState::Replying;
                        } else {
                            self.state = self.after_recv(now);
                        }
                    }
                },
                EchoState::Sleeping(t) => {
                    if now < t {
                        return Status::Sleeping(t);
                    }
                    self.state = EchoState::Receiving;
                }
                EchoState::Receiving => {
                    let conn = self.conn.expect("accepted");
                    match os.try_recv(conn, self.config.recv) {
                        Recv::WouldBlock => return Status::Blocked,
                        Recv::Data(d) => {
                            os.log(format!("recv({}) -> {} bytes", self.config.recv, d.len()));
                            if self.config.mode == ServerMode::Echo {
                                self.reply = self.transform(&d);
                                self.reply_offset = 0;
                                self.state = EchoState::Replying;
                            } else {
                                self.state = self.after_recv(now);
                            }
                        }
                        Recv::Eof | Recv::Reset => {
                            let why = if matches!(os.try_recv(conn, 1), Recv::Reset) {
                                "connection reset"
                            } else {
                                "0 (end of stream)"
                            };
                            os.log(format!("recv({}) -> {why}", self.config.recv));
                            os.close(conn);
                            os.log("close()".to_string());
                            self.served += 1;
                            self.conn = None;
                            if self.served >= self.config.connections {
                                os.unlisten(listener);
                                return Status::Done;
                            }
                            self.state = EchoState::Accepting;
                        }
                    }
                }
                EchoState::Replying => {
                    let conn = self.conn.expect("accepted");
                    while self.reply_offset < self.reply.len() {
                        match os.try_send(conn, &self.reply[self.reply_offset..]) {
                            Ok(0) => return Status::Blocked,
                            Ok(n) => self.reply_offset += n,
                            Err(_) => {
                                self.reply_offset = self.reply.len();
                            }
                        }
                    }
                    let len = self.reply.len();
                    os.log(format!("send({len} bytes)"));
                    self.reply = Vec::new();
                    if std::mem::take(&mut self.shutdown_after_reply) {
                        os.shutdown(conn);
                        os.log("shutdown(SHUT_WR)".to_string());
                    }
                    self.state = self.after_recv(now);
                }
            }
        }
    }
}
