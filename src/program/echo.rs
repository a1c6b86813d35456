//! The echo server of the scenario format: accept, then read and answer
//! (or only read, as a sink) on every connection.

use crate::linux::conn::{ConnId, ListenerId, Recv};
use crate::program::activities::Activities;
use crate::program::bytelog::{PATTERN, PATTERN_CHUNK};
use crate::program::os::Os;
use crate::program::status::{Program, Status, combine};
use crate::scenario::model::{EchoServer, Micros, ServerMode, Transform};

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
            // The program's previous call is still under way.
            if let Some(t) = os.busy_until() {
                return Status::Sleeping(t);
            }
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
        while self.accepted < self.config.connections && os.busy_until().is_none() {
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
            // More connections may come: wait for them as well as for the
            // sessions (and accept() once the call under way is over).
            let accepting = os.busy_until().map_or(Status::Blocked, Status::Sleeping);
            return combine(&[sessions, accepting]);
        }
        if sessions == Status::Done {
            os.unlisten(listener);
            return Status::Done;
        }
        sessions
    }
}
