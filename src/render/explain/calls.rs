//! A program's socket log read back as calls, so that a segment's bytes can be
//! traced to the send() calls that wrote them: a TCP stream is the
//! concatenation of everything send() accepted, in order, so the n-th
//! `send(N bytes)` entry owns the N stream bytes after those of the calls before it.

use crate::scenario::model::{Micros, Role};
use crate::trace::ProgramSummary;

/// What a recv() call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Got {
    Bytes(u64),
    End,
    Reset,
    Other,
}

/// One logged socket call, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Call {
    Connect,
    Listen,
    Accept,
    Send(u64),
    Recv { max: String, got: Got },
    Close { unread: Option<u64> },
    Shutdown,
    Other,
}

impl Call {
    fn parse(text: &str) -> Call {
        let number = |s: &str| s.trim().parse::<u64>().ok();
        if text.starts_with("connect(") && !text.contains("failed") {
            Call::Connect
        } else if text.starts_with("listen(") {
            Call::Listen
        } else if text.starts_with("accept(") {
            Call::Accept
        } else if let Some(n) = text
            .strip_prefix("send(")
            .and_then(|rest| rest.strip_suffix(" bytes)"))
            .and_then(number)
        {
            Call::Send(n)
        } else if let Some((head, result)) = text
            .strip_prefix("recv(")
            .and_then(|t| t.split_once(") -> "))
        {
            let got = if result.starts_with("0 (end of stream)") {
                Got::End
            } else if result.contains("reset") {
                Got::Reset
            } else if let Some(n) = result.strip_suffix(" bytes").and_then(number) {
                Got::Bytes(n)
            } else {
                Got::Other
            };
            Call::Recv {
                max: head.to_string(),
                got,
            }
        } else if text.starts_with("close()") {
            let unread = text
                .strip_prefix("close() with ")
                .and_then(|t| t.strip_suffix(" bytes unread"))
                .and_then(number);
            Call::Close { unread }
        } else if text.starts_with("shutdown(") {
            Call::Shutdown
        } else {
            Call::Other
        }
    }
}

/// A call with its time and the log's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Logged {
    pub time: Micros,
    pub call: Call,
    pub text: String,
}

/// A recv() that returned data: its number among the program's recv() calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RecvCall {
    pub number: usize,
    pub max: String,
    pub got: u64,
}

/// A send() call and the stream bytes it owns: `start .. start + len` (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SendCall {
    /// 1-based, among this program's send() calls.
    pub number: usize,
    pub time: Micros,
    pub start: u64,
    pub len: u64,
    /// The server's recv() this send() answers: the call logged just before it.
    pub answers: Option<RecvCall>,
}

/// The send() calls a run of stream bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Span<'a> {
    pub calls: &'a [SendCall],
    /// Bytes of the first call that lie before the run.
    pub skip: u64,
    /// Bytes of the last call that lie inside the run.
    pub take: u64,
}

impl Span<'_> {
    /// The run is exactly the bytes of its calls.
    pub fn whole(&self) -> bool {
        let last = &self.calls[self.calls.len() - 1];
        self.skip == 0 && self.take == last.len
    }
}

/// One program's log, classified.
#[derive(Debug, Clone)]
pub(super) struct Program {
    pub role: Role,
    pub calls: Vec<Logged>,
    pub sends: Vec<SendCall>,
    /// At most one connect() or accept(): stream offsets map onto the log.
    pub one_connection: bool,
    /// The log is in time order (it is as the simulator writes it), so a
    /// time is a binary search away; otherwise the lookups scan.
    sorted: bool,
}

impl Program {
    pub fn new(summary: &ProgramSummary) -> Program {
        let calls: Vec<Logged> = summary
            .log
            .iter()
            .map(|e| Logged {
                time: e.time_us,
                call: Call::parse(&e.call),
                text: e.call.clone(),
            })
            .collect();
        let mut sends = Vec::new();
        let mut recvs = 0;
        let mut offset = 0;
        let mut last_recv: Option<RecvCall> = None;
        for logged in &calls {
            match &logged.call {
                Call::Recv { max, got } => {
                    recvs += 1;
                    last_recv = match got {
                        Got::Bytes(n) => Some(RecvCall {
                            number: recvs,
                            max: max.clone(),
                            got: *n,
                        }),
                        _ => None,
                    };
                    continue;
                }
                Call::Send(n) => {
                    sends.push(SendCall {
                        number: sends.len() + 1,
                        time: logged.time,
                        start: offset,
                        len: *n,
                        answers: if summary.role == Role::Server {
                            last_recv.clone()
                        } else {
                            None
                        },
                    });
                    offset += n;
                }
                _ => {}
            }
            last_recv = None;
        }
        let opens = calls
            .iter()
            .filter(|c| matches!(c.call, Call::Connect | Call::Accept))
            .count();
        let sorted = calls.windows(2).all(|w| w[0].time <= w[1].time);
        Program {
            role: summary.role,
            calls,
            sends,
            one_connection: opens <= 1,
            sorted,
        }
    }

    /// The send() calls that wrote stream bytes `start .. start + len` (0-based),
    /// or `None` when the log does not account for all of them.
    pub fn span(&self, start: u64, len: u64) -> Option<Span<'_>> {
        if len == 0 {
            return None;
        }
        let end = start + len;
        // The calls' ends never decrease (each starts where the last ended),
        // so the first call ending past a point is a binary search away.
        let after = |point: u64| {
            let k = self.sends.partition_point(|c| c.start + c.len <= point);
            (k < self.sends.len()).then_some(k)
        };
        let first = after(start)?;
        let last = after(end - 1)?;
        let calls = &self.sends[first..=last];
        Some(Span {
            calls,
            skip: start - calls[0].start,
            take: end - calls[calls.len() - 1].start,
        })
    }

    /// The last call at or before `time` that `pick` accepts.
    pub fn last_until(&self, time: Micros, pick: impl Fn(&Call) -> bool) -> Option<&Logged> {
        let calls = if self.sorted {
            &self.calls[..self.calls.partition_point(|c| c.time <= time)]
        } else {
            &self.calls[..]
        };
        calls.iter().rev().find(|c| c.time <= time && pick(&c.call))
    }

    /// The first call after `time`.
    pub fn first_after(&self, time: Micros) -> Option<&Logged> {
        if self.sorted {
            return self
                .calls
                .get(self.calls.partition_point(|c| c.time <= time));
        }
        self.calls.iter().find(|c| c.time > time)
    }

    /// recv() calls that returned data up to `time`: how many, and their bytes.
    pub fn read_until(&self, time: Micros) -> (usize, u64) {
        self.calls
            .iter()
            .filter(|c| c.time <= time)
            .filter_map(|c| match c.call {
                Call::Recv {
                    got: Got::Bytes(n), ..
                } => Some(n),
                _ => None,
            })
            .fold((0, 0), |(k, sum), n| (k + 1, sum + n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::AppEvent;

    fn program(role: Role, log: &[(Micros, &str)]) -> Program {
        // Built from the shared fixture so new summary fields need no change here.
        let mut summary = crate::trace::fixture::trace().programs[0].clone();
        summary.role = role;
        summary.log = log
            .iter()
            .map(|(t, c)| AppEvent {
                time_us: *t,
                role,
                call: c.to_string(),
            })
            .collect();
        Program::new(&summary)
    }

    #[test]
    fn classifies_every_logged_call() {
        let cases = [
            ("connect(192.168.1.21:12345)", Call::Connect),
            ("connect() failed", Call::Other),
            ("listen(12345, backlog 5)", Call::Listen),
            ("accept()", Call::Accept),
            ("send(13 bytes)", Call::Send(13)),
            ("send() failed: ResetByPeer", Call::Other),
            (
                "recv(1024) -> 13 bytes",
                Call::Recv {
                    max: "1024".into(),
                    got: Got::Bytes(13),
                },
            ),
            (
                "recv(5) -> 0 (end of stream)",
                Call::Recv {
                    max: "5".into(),
                    got: Got::End,
                },
            ),
            (
                "recv(1024) -> connection reset",
                Call::Recv {
                    max: "1024".into(),
                    got: Got::Reset,
                },
            ),
            (
                "close() with 5192 bytes unread",
                Call::Close { unread: Some(5192) },
            ),
            ("close()", Call::Close { unread: None }),
            ("shutdown(SHUT_WR)", Call::Shutdown),
            ("sleep", Call::Other),
        ];
        for (text, call) in cases {
            assert_eq!(Call::parse(text), call, "{text}");
        }
    }

    #[test]
    fn stream_bytes_map_onto_send_calls() {
        let p = program(
            Role::Server,
            &[
                (0, "accept()"),
                (10, "recv(5) -> 5 bytes"),
                (10, "send(5 bytes)"),
                (10, "recv(5) -> 5 bytes"),
                (10, "send(5 bytes)"),
                (10, "recv(5) -> 3 bytes"),
                (11, "send(3 bytes)"),
            ],
        );
        assert!(p.one_connection);
        let s = p.span(5, 8).unwrap();
        assert_eq!(s.calls.iter().map(|c| c.number).collect::<Vec<_>>(), [2, 3]);
        assert!(s.whole());
        assert_eq!(
            s.calls[1].answers.as_ref().map(|r| (r.number, r.got)),
            Some((3, 3))
        );
        let part = p.span(1, 5).unwrap();
        assert_eq!(
            (part.calls.len(), part.skip, part.take, part.whole()),
            (2, 1, 1, false)
        );
        assert_eq!(p.span(12, 2), None, "beyond what the log accounts for");
        assert_eq!(p.span(0, 0), None);
        assert_eq!(p.read_until(10), (3, 13));
        assert_eq!(p.read_until(9), (0, 0));
        assert_eq!(p.first_after(10).map(|c| c.time), Some(11));
    }

    #[test]
    fn client_sends_answer_nothing_and_two_connections_are_flagged() {
        let p = program(
            Role::Client,
            &[
                (0, "connect(a)"),
                (1, "recv(9) -> 9 bytes"),
                (2, "send(9 bytes)"),
                (3, "connect(b)"),
            ],
        );
        assert_eq!(p.sends[0].answers, None);
        assert!(!p.one_connection);
    }
}
