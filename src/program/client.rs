//! The client of the scenario format: connect, then its steps in order.

use std::net::Ipv4Addr;

use crate::linux::conn::{ConnId, ConnectState, Recv};
use crate::program::bytelog::{PATTERN, PATTERN_CHUNK};
use crate::program::cursor::StepCursor;
use crate::program::os::Os;
use crate::program::status::{Program, Status};
use crate::scenario::model::{ClientProgram, Micros, Step};

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
            // The program's previous call is still under way.
            if let Some(t) = os.busy_until() {
                return Status::Sleeping(t);
            }
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
