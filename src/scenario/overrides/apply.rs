//! Walking a dotted path into the scenario and setting the value it names.
//! The paths and their checks mirror `scenario.rs`, table by table.

use crate::scenario::model::{
    Congestion, Dir, FaultAction, HostConfig, LinkConfig, Profile, Role, Scenario, ServerMode,
    Step, Transform,
};

use super::OverrideError;
use super::value::{self as v, Parsed};

/// One path segment: a key, with an array index when written `steps[2]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seg<'a> {
    key: &'a str,
    index: Option<usize>,
}

const TOP_KEYS: &[&str] = &["seed", "capture", "max_sim_time", "max_events"];
const TABLES: &[&str] = &["link", "fault", "client", "server"];
const LINK_KEYS: &[&str] = &[
    "latency",
    "jitter",
    "loss",
    "dup",
    "reorder",
    "reorder_delay",
    "rate",
    "queue",
];
const HOST_KEYS: &[&str] = &[
    "ip",
    "mac",
    "profile",
    "rx_buffer",
    "tx_buffer",
    "rx_coalesce",
    "delayed_ack",
    "arp",
    "congestion",
    "port",
];
const SERVER_ONLY_KEYS: &[&str] = &["backlog"];
const FAULT_KEYS: &[&str] = &["dir", "flags", "seq", "len", "nth", "action", "delay"];
const ECHO_KEYS: &[&str] = &["recv", "sleep", "transform", "times", "connections"];
const SINK_KEYS: &[&str] = &["recv", "sleep", "connections"];
const SOURCE_KEYS: &[&str] = &["bytes", "recv", "connections"];
const PROGRAM_KEYS: &[&str] = &[
    "recv",
    "sleep",
    "transform",
    "times",
    "connections",
    "bytes",
];

/// Set one path (no shorthands) to one value.
pub(super) fn one(s: &mut Scenario, path: &str, value: &str) -> Result<(), OverrideError> {
    let err = |reason: String| OverrideError::new(path, value, reason);
    let segs = parse_path(path).ok_or_else(|| {
        err(format!("`{path}` is not a dotted path")).with_help(
            "write a path as in the scenario file, like link.s2c.loss or client.steps[1].recv",
        )
    })?;
    walk(s, &segs, value.trim(), value).map_err(|e| match e {
        Walk::Bad(reason) => err(reason),
        Walk::Unknown { reason, help } => {
            let e = err(reason);
            match help {
                Some(h) => e.with_help(h),
                None => e,
            }
        }
    })
}

enum Walk {
    /// The path is fine, the value is not.
    Bad(String),
    /// The path names nothing; `help` suggests what it might have meant.
    Unknown {
        reason: String,
        help: Option<String>,
    },
}

impl From<String> for Walk {
    fn from(reason: String) -> Walk {
        Walk::Bad(reason)
    }
}

type Res = Result<(), Walk>;

/// `client.steps[2].recv` → [client, steps[2], recv].
fn parse_path(path: &str) -> Option<Vec<Seg<'_>>> {
    path.split('.')
        .map(|part| {
            let (key, index) = match part.split_once('[') {
                Some((key, rest)) => {
                    let n = rest.strip_suffix(']')?.parse::<usize>().ok()?;
                    (key, Some(n))
                }
                None => (part, None),
            };
            let ok = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            ok.then_some(Seg { key, index })
        })
        .collect()
}

fn unknown(prefix: &str, key: &str, allowed: &[&str]) -> Walk {
    let place = if prefix.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in `{prefix}`")
    };
    let help = match closest(key, allowed) {
        Some(guess) => format!("did you mean `{guess}`?"),
        None => format!("expected one of: {}", allowed.join(", ")),
    };
    Walk::Unknown {
        reason: format!("unknown field `{key}` {place}"),
        help: Some(help),
    }
}

/// A path that goes on past a value, or stops at a table.
fn shape(path: &str, what: &str) -> Walk {
    Walk::Unknown {
        reason: format!("`{path}` is {what}"),
        help: None,
    }
}

/// The single plain key that ends a path here.
fn leaf<'a>(prefix: &str, rest: &[Seg<'a>]) -> Result<&'a str, Walk> {
    match rest {
        [Seg { key, index: None }] => Ok(key),
        [] => Err(shape(prefix, "a table; name a key inside it")),
        [
            Seg {
                key,
                index: Some(_),
            },
        ] => Err(shape(
            &format!("{prefix}.{key}"),
            "not an array; remove the [index]",
        )),
        [first, ..] => Err(shape(
            &format!("{prefix}.{}", first.key),
            "a value, not a table",
        )),
    }
}

/// `value` is trimmed; `raw` is as given (the data of a `send` step).
fn walk(s: &mut Scenario, segs: &[Seg<'_>], value: &str, raw: &str) -> Res {
    let (first, rest) = segs.split_first().expect("a path has a segment");
    match (first.key, first.index) {
        ("fault", Some(i)) => {
            let count = s.faults.len();
            let fault = s.faults.get_mut(i).ok_or_else(|| Walk::Unknown {
                reason: format!("`fault[{i}]` does not exist: the scenario has {count} fault(s)"),
                help: (count > 0)
                    .then(|| format!("faults count from 0: fault[0] .. fault[{}]", count - 1)),
            })?;
            let prefix = format!("fault[{i}]");
            let key = leaf(&prefix, rest)?;
            set_fault(fault, &prefix, key, value)
        }
        (key, Some(_)) => Err(shape(key, "not an array; remove the [index]")),
        ("link", None) => match rest {
            [
                Seg {
                    key: dir @ ("c2s" | "s2c"),
                    index: None,
                },
                tail @ ..,
            ] => {
                let prefix = format!("link.{dir}");
                let key = leaf(&prefix, tail)?;
                let d = if *dir == "c2s" {
                    Dir::ClientToServer
                } else {
                    Dir::ServerToClient
                };
                set_link(&mut s.link[d.index()], &prefix, key, value)
            }
            _ => {
                let key = leaf("link", rest).map_err(|e| match e {
                    Walk::Unknown { .. } if !rest.is_empty() => {
                        unknown("link", rest[0].key, &[LINK_KEYS, &["c2s", "s2c"]].concat())
                    }
                    e => e,
                })?;
                // Like a key in `[link]`: both directions.
                let mut both = s.link.clone();
                for l in &mut both {
                    set_link(l, "link", key, value)?;
                }
                s.link = both;
                Ok(())
            }
        },
        ("client", None) => match rest {
            [
                Seg {
                    key: "steps",
                    index: Some(i),
                },
                tail @ ..,
            ] => set_step(&mut s.client.steps, "client.steps", *i, tail, value, raw),
            [
                Seg {
                    key: "steps",
                    index: None,
                },
                ..,
            ] => Err(shape(
                "client.steps",
                "a list; name one step, like client.steps[1].recv",
            )),
            _ => {
                let key = leaf("client", rest)?;
                if key == "port" {
                    s.client.port = if value == "auto" {
                        None
                    } else {
                        Some(
                            v::int_in("client.port", value, 1, 65535, "a port number (or auto)")?
                                as u16,
                        )
                    };
                    return Ok(());
                }
                if !HOST_KEYS.contains(&key) {
                    return Err(unknown("client", key, &[HOST_KEYS, &["steps"]].concat()));
                }
                set_host(s, Role::Client, key, value)
            }
        },
        ("server", None) => set_server(s, rest, value),
        (key, None) if TOP_KEYS.contains(&key) => {
            if !rest.is_empty() {
                return Err(shape(key, "a value, not a table"));
            }
            set_top(s, key, value)
        }
        (key, None) => Err(unknown("", key, &[TOP_KEYS, TABLES].concat())),
    }
}

fn set_top(s: &mut Scenario, key: &str, value: &str) -> Res {
    match key {
        "seed" => s.seed = v::int_in(key, value, 0, u64::MAX, "an integer")?,
        "capture" => {
            s.capture = v::choice(
                key,
                value,
                &[("client", Role::Client), ("server", Role::Server)],
            )?
        }
        "max_sim_time" => {
            let t = v::duration(key, value)?;
            if t == 0 {
                return Err(format!("`{key}` must be greater than zero").into());
            }
            s.max_sim_time = t;
        }
        "max_events" => s.max_events = v::int_in(key, value, 1, u64::MAX, "an integer")?,
        _ => unreachable!("checked by the caller"),
    }
    Ok(())
}

fn set_link(l: &mut LinkConfig, prefix: &str, key: &str, value: &str) -> Res {
    let path = format!("{prefix}.{key}");
    let p = path.as_str();
    match key {
        "latency" => l.latency = v::duration(p, value)?,
        "jitter" => l.jitter = v::duration(p, value)?,
        "loss" => l.loss = v::probability(p, value)?,
        "dup" => l.dup = v::probability(p, value)?,
        "reorder" => l.reorder = v::probability(p, value)?,
        "reorder_delay" => l.reorder_delay = v::duration(p, value)?,
        "rate" => l.rate_bps = v::rate(p, value)?,
        "queue" => l.queue_bytes = v::queue(p, value)?,
        _ => return Err(unknown(prefix, key, LINK_KEYS)),
    }
    Ok(())
}

fn set_fault(f: &mut crate::scenario::model::Fault, prefix: &str, key: &str, value: &str) -> Res {
    let path = format!("{prefix}.{key}");
    let p = path.as_str();
    match key {
        "dir" => {
            f.dir = v::choice(
                p,
                value,
                &[("c2s", Dir::ClientToServer), ("s2c", Dir::ServerToClient)],
            )?
        }
        "flags" => f.flags = v::flag_set(p, value)?,
        "seq" => f.seq = v::u32_or_any(p, value, "a relative sequence number")?,
        "len" => f.len = v::u32_or_any(p, value, "a payload length")?,
        "nth" => f.nth = v::int_in(p, value, 1, u64::from(u32::MAX), "a match count")? as u32,
        "action" => {
            let held = match f.action {
                FaultAction::Drop => None,
                FaultAction::Delay(d) | FaultAction::Stall(d) => Some(d),
            };
            f.action = match (value, held) {
                ("drop", _) => FaultAction::Drop,
                ("delay", Some(d)) => FaultAction::Delay(d),
                ("stall", Some(d)) => FaultAction::Stall(d),
                ("delay" | "stall", None) => {
                    return Err(format!(
                        "`{p}` cannot become {value:?} here: this fault drops, and a {value} needs a `{prefix}.delay`, which a drop does not have"
                    )
                    .into());
                }
                _ => {
                    return Err(format!(
                        "`{p}` must be one of \"drop\", \"delay\", \"stall\", got {value:?}"
                    )
                    .into());
                }
            };
        }
        "delay" => {
            let d = v::duration(p, value)?;
            f.action = match f.action {
                FaultAction::Delay(_) => FaultAction::Delay(d),
                FaultAction::Stall(_) => FaultAction::Stall(d),
                FaultAction::Drop => {
                    return Err(format!(
                        "`{p}` is only allowed with action = \"delay\" or \"stall\", and `{prefix}` drops"
                    )
                    .into());
                }
            };
        }
        _ => return Err(unknown(prefix, key, FAULT_KEYS)),
    }
    Ok(())
}

fn set_host(s: &mut Scenario, role: Role, key: &str, value: &str) -> Res {
    let name = role.name();
    let path = format!("{name}.{key}");
    let p = path.as_str();
    let h: &mut HostConfig = &mut s.hosts[role.index()];
    match key {
        "ip" => h.ip = v::ipv4(p, value)?,
        "mac" => h.mac = v::mac(p, value)?,
        "profile" => {
            h.profile = v::choice(
                p,
                value,
                &[("linux", Profile::Linux), ("smoltcp", Profile::Smoltcp)],
            )?
        }
        "rx_buffer" => h.rx_buffer = buffer(p, value)?,
        "tx_buffer" => h.tx_buffer = buffer(p, value)?,
        "rx_coalesce" => h.rx_coalesce = v::duration(p, value)?,
        "delayed_ack" => h.delayed_ack = v::duration(p, value)?,
        "arp" => h.arp = v::boolean(p, value)?,
        "congestion" => {
            h.congestion = v::choice(
                p,
                value,
                &[
                    ("none", Congestion::None),
                    ("reno", Congestion::Reno),
                    ("cubic", Congestion::Cubic),
                ],
            )?
        }
        _ => unreachable!("checked by the caller"),
    }
    let [c, sv] = &s.hosts;
    if c.ip == sv.ip {
        return Err(format!(
            "`{p}`: the client and the server would have the same IP address ({})",
            c.ip
        )
        .into());
    }
    if c.mac == sv.mac {
        return Err(
            format!("`{p}`: the client and the server would have the same MAC address").into(),
        );
    }
    Ok(())
}

fn buffer(p: &str, value: &str) -> Parsed<usize> {
    v::size_in(p, value, v::MIN_BUFFER, v::MAX_BUFFER).map(|n| n as usize)
}

fn set_server(s: &mut Scenario, rest: &[Seg<'_>], value: &str) -> Res {
    let program = match s.server.mode {
        ServerMode::Echo => "echo",
        ServerMode::Sink => "sink",
        ServerMode::Source(_) => "source",
    };
    match rest {
        [
            Seg {
                key: table @ ("echo" | "sink" | "source"),
                index: None,
            },
            tail @ ..,
        ] => {
            let prefix = format!("server.{table}");
            if *table != program {
                return Err(Walk::Unknown {
                    reason: format!(
                        "`{prefix}` is not this scenario's server program: it runs `server.{program}`"
                    ),
                    help: Some(format!(
                        "set server.{program}.KEY, or write the program in the file"
                    )),
                });
            }
            let key = leaf(&prefix, tail)?;
            set_program(s, &prefix, key, value)
        }
        _ => {
            let key = leaf("server", rest)?;
            match key {
                "port" => {
                    s.server.port =
                        v::int_in("server.port", value, 1, 65535, "a port number")? as u16
                }
                "backlog" => {
                    s.server.backlog =
                        v::int_in("server.backlog", value, 1, v::MAX_BACKLOG, "a backlog")? as u32
                }
                // `server.recv`: shorthand for the running program's key.
                k if PROGRAM_KEYS.contains(&k) => {
                    return set_program(s, &format!("server.{program}"), key, value);
                }
                k if HOST_KEYS.contains(&k) => return set_host(s, Role::Server, key, value),
                _ => {
                    let allowed =
                        [HOST_KEYS, SERVER_ONLY_KEYS, &["echo", "sink", "source"]].concat();
                    return Err(unknown("server", key, &allowed));
                }
            }
            Ok(())
        }
    }
}

fn set_program(s: &mut Scenario, prefix: &str, key: &str, value: &str) -> Res {
    let path = format!("{prefix}.{key}");
    let p = path.as_str();
    let allowed = match s.server.mode {
        ServerMode::Echo => ECHO_KEYS,
        ServerMode::Sink => SINK_KEYS,
        ServerMode::Source(_) => SOURCE_KEYS,
    };
    if !allowed.contains(&key) {
        return Err(unknown(prefix, key, allowed));
    }
    let server = &mut s.server;
    match key {
        "recv" => server.recv = v::size_in(p, value, 1, v::MAX_RECV)? as usize,
        "sleep" => server.sleep = v::duration(p, value)?,
        "connections" => {
            server.connections =
                v::int_in(p, value, 1, u64::from(u32::MAX), "a connection count")? as u32
        }
        "transform" => {
            server.transform = v::choice(
                p,
                value,
                &[
                    ("none", Transform::None),
                    ("upper", Transform::Upper),
                    ("lower", Transform::Lower),
                ],
            )?
        }
        "times" => {
            server.times = v::int_in(p, value, 1, v::MAX_ECHO_TIMES, "a repeat count")? as u32
        }
        "bytes" => server.mode = ServerMode::Source(v::size_in(p, value, 1, v::MAX_SEND_BYTES)?),
        _ => unreachable!("checked against the program's keys"),
    }
    Ok(())
}

/// The kind of a step as the file writes it.
pub(crate) fn step_kind(step: &Step) -> &'static str {
    match step {
        Step::Connect => "connect",
        Step::Send(_) => "send",
        Step::SendBytes(_) => "send_bytes",
        Step::Recv(_) => "recv",
        Step::RecvAll(_) => "recv_all",
        Step::Sleep(_) => "sleep",
        Step::Shutdown => "shutdown",
        Step::Close => "close",
        Step::Repeat { .. } => "repeat",
    }
}

/// `client.steps[i]...`: a step keeps its kind (so "connect comes first"
/// still holds); only its value changes. `shutdown` and `close` may trade places.
fn set_step(
    steps: &mut [Step],
    prefix: &str,
    i: usize,
    rest: &[Seg<'_>],
    value: &str,
    raw: &str,
) -> Res {
    let count = steps.len();
    let here = format!("{prefix}[{i}]");
    let step = steps.get_mut(i).ok_or_else(|| Walk::Unknown {
        reason: format!("`{here}` does not exist: the list has {count} step(s), counted from 0"),
        help: None,
    })?;
    let kind = step_kind(step);
    match (step, rest) {
        (plain @ (Step::Shutdown | Step::Close), []) => {
            *plain = match value {
                "shutdown" => Step::Shutdown,
                "close" => Step::Close,
                _ => {
                    return Err(format!(
                        "`{here}` is \"{kind}\"; it can be set to \"shutdown\" or \"close\", got {value:?}"
                    )
                    .into());
                }
            };
            Ok(())
        }
        (Step::Connect, []) => {
            if value == "connect" {
                Ok(())
            } else {
                Err(format!("`{here}` is \"connect\", which the client needs first; it cannot become {value:?}").into())
            }
        }
        (
            Step::Repeat {
                times,
                steps: inner,
            },
            [
                Seg {
                    key: "repeat",
                    index: None,
                },
                tail @ ..,
            ],
        ) => {
            let prefix = format!("{here}.repeat");
            match tail {
                [
                    Seg {
                        key: "times",
                        index: None,
                    },
                ] => {
                    *times = v::int_in(
                        &format!("{prefix}.times"),
                        value,
                        1,
                        u64::from(u32::MAX),
                        "a repeat count",
                    )? as u32;
                    Ok(())
                }
                [
                    Seg {
                        key: "steps",
                        index: Some(j),
                    },
                    more @ ..,
                ] => set_step(inner, &format!("{prefix}.steps"), *j, more, value, raw),
                _ => Err(Walk::Unknown {
                    reason: format!("`{prefix}` has `times` and `steps[N]`"),
                    help: None,
                }),
            }
        }
        (step, [Seg { key, index: None }]) if *key == kind => {
            let p = format!("{here}.{key}");
            *step = match step {
                Step::Send(_) => {
                    if raw.is_empty() {
                        return Err(format!("`{p}` must not be empty").into());
                    }
                    Step::Send(raw.as_bytes().to_vec())
                }
                Step::SendBytes(_) => Step::SendBytes(v::size_in(&p, value, 1, v::MAX_SEND_BYTES)?),
                Step::Recv(_) => Step::Recv(v::size_in(&p, value, 1, v::MAX_RECV)? as usize),
                Step::RecvAll(_) => Step::RecvAll(v::size_in(&p, value, 1, v::MAX_RECV)? as usize),
                Step::Sleep(_) => Step::Sleep(v::duration(&p, value)?),
                _ => unreachable!("plain steps and repeat are handled above"),
            };
            Ok(())
        }
        (Step::Connect | Step::Shutdown | Step::Close, _) => Err(Walk::Unknown {
            reason: format!("`{here}` is \"{kind}\", which has no fields"),
            help: Some(format!("set it as a whole: --set {here}=close")),
        }),
        (_, []) => Err(Walk::Unknown {
            reason: format!("`{here}` is a {kind} step; name its value"),
            help: Some(format!("write {here}.{kind}=VALUE")),
        }),
        (_, [first, ..]) => Err(Walk::Unknown {
            reason: format!(
                "`{here}` is a {kind} step, not {}: an override changes a step's value, not its kind",
                first.key
            ),
            help: Some(format!("write {here}.{kind}=VALUE")),
        }),
    }
}

/// The allowed word nearest to `word`, if it is close enough to be a typo.
fn closest<'n>(word: &str, names: &[&'n str]) -> Option<&'n str> {
    names
        .iter()
        .map(|n| (edit_distance(word, n), *n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
