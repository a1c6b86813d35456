//! The order of a client's socket steps. A client program has one socket:
//! a second `connect` reuses it and does nothing, and a step after `close`
//! acts on a socket that is gone, so both would run without complaint and
//! mean nothing. They are refused when the file (or `--set`) is read, as is
//! socket use before `connect`. A `repeat` of two or more runs its steps
//! again from where its first round left the socket, so its body is checked
//! twice (a third round starts where the second did: the state after a
//! round is the same from then on).

use crate::scenario::model::Step;

/// Where a client's socket stands after the steps so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Socket {
    #[default]
    Unconnected,
    Open,
    Closed,
}

/// A socket step out of order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Misuse {
    BeforeConnect(&'static str),
    ConnectTwice,
    AfterClose(&'static str),
}

impl Misuse {
    /// What is wrong, naming the step's `field`.
    pub(crate) fn message(self, field: &str) -> String {
        match self {
            Misuse::BeforeConnect(verb) => {
                format!("`{field}` {verb} before the client has connected")
            }
            Misuse::ConnectTwice => format!(
                "`{field}` connects again, but the client is already connected (a client program has one socket)"
            ),
            Misuse::AfterClose(verb) => {
                format!("`{field}` {verb} after the client closed its socket")
            }
        }
    }

    /// How to fix it.
    pub(crate) fn help(self) -> &'static str {
        match self {
            Misuse::BeforeConnect(_) => "the client's first socket step must be \"connect\"",
            Misuse::ConnectTwice => {
                "connect once, before any repeat (a repeat runs its steps more than once)"
            }
            Misuse::AfterClose(_) => {
                "\"close\" ends the socket: only sleep may follow it (put close after any repeat)"
            }
        }
    }
}

fn verb(step: &Step) -> &'static str {
    match step {
        Step::Connect => "connects",
        Step::Send(_) | Step::SendBytes(_) => "sends",
        Step::Recv(_) | Step::RecvAll(_) => "receives",
        Step::Shutdown => "shuts down",
        Step::Close => "closes",
        Step::Sleep(_) | Step::Repeat { .. } => "waits",
    }
}

impl Socket {
    /// The socket after one step other than a repeat.
    pub(crate) fn after(self, step: &Step) -> Result<Socket, Misuse> {
        match (self, step) {
            (_, Step::Sleep(_) | Step::Repeat { .. }) => Ok(self),
            (Socket::Closed, _) => Err(Misuse::AfterClose(verb(step))),
            (Socket::Unconnected, Step::Connect) => Ok(Socket::Open),
            (Socket::Unconnected, _) => Err(Misuse::BeforeConnect(verb(step))),
            (Socket::Open, Step::Connect) => Err(Misuse::ConnectTwice),
            (Socket::Open, Step::Close) => Ok(Socket::Closed),
            (Socket::Open, _) => Ok(Socket::Open),
        }
    }
}

/// Check validated `steps` (after an override changed one) from `state`;
/// `field` is their path (`client.steps`). Err: the step's path and misuse.
pub(crate) fn check(
    steps: &[Step],
    field: &str,
    state: &mut Socket,
) -> Result<(), (String, Misuse)> {
    for (i, step) in steps.iter().enumerate() {
        let here = format!("{field}[{i}]");
        match step {
            Step::Repeat { times, steps } => {
                let inner = format!("{here}.steps");
                for _ in 0..(*times).min(2) {
                    check(steps, &inner, state)?;
                }
            }
            _ => *state = state.after(step).map_err(|m| (here, m))?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_misuse(steps: &[Step]) -> Option<(String, Misuse)> {
        check(steps, "client.steps", &mut Socket::default()).err()
    }

    #[test]
    fn connect_once_and_nothing_after_close() {
        let ok = [
            Step::Connect,
            Step::Send(b"a".to_vec()),
            Step::Shutdown,
            Step::Close,
            Step::Sleep(1),
        ];
        assert_eq!(first_misuse(&ok), None);
        let twice = [Step::Connect, Step::Connect];
        assert_eq!(
            first_misuse(&twice),
            Some(("client.steps[1]".into(), Misuse::ConnectTwice))
        );
        let after = [Step::Connect, Step::Close, Step::Shutdown];
        assert_eq!(
            first_misuse(&after),
            Some(("client.steps[2]".into(), Misuse::AfterClose("shuts down")))
        );
        let repeated = [Step::Repeat {
            times: 2,
            steps: vec![Step::Connect, Step::Close],
        }];
        assert_eq!(
            first_misuse(&repeated),
            Some((
                "client.steps[0].steps[0]".into(),
                Misuse::AfterClose("connects")
            ))
        );
        let once = [Step::Repeat {
            times: 1,
            steps: vec![Step::Connect, Step::Close],
        }];
        assert_eq!(first_misuse(&once), None);
        let nested = [
            Step::Connect,
            Step::Repeat {
                times: 1000,
                steps: vec![Step::Repeat {
                    times: 1000,
                    steps: vec![Step::Recv(1), Step::Sleep(1)],
                }],
            },
        ];
        assert_eq!(first_misuse(&nested), None);
    }
}
