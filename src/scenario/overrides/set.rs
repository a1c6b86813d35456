//! Setting one value where a path ends: a top-level key, a link direction,
//! a fault, a host, the server's program, or a client step.

use crate::scenario::model::{
    CapturePoint, Congestion, Dir, FaultAction, HostConfig, LinkConfig, Profile, Role, Scenario,
    ServerMode, Step, Transform,
};

use super::partition::{only_for_partitions, set_partition};
use super::value::{self as v, Parsed};

use super::path::{
    ECHO_KEYS, FAULT_KEYS, HOST_KEYS, LINK_KEYS, PROGRAM_KEYS, Res, SERVER_ONLY_KEYS, SINK_KEYS,
    SOURCE_KEYS, Seg, Walk, leaf, unknown,
};

pub(super) fn set_top(s: &mut Scenario, key: &str, value: &str) -> Res {
    match key {
        "seed" => s.seed = v::int_in(key, value, 0, crate::scenario::MAX_SEED, "an integer")?,
        "capture" => {
            let (point, role) = v::choice(
                key,
                value,
                &[
                    ("client", (CapturePoint::Host, Role::Client)),
                    ("server", (CapturePoint::Host, Role::Server)),
                    ("wire", (CapturePoint::Wire, Role::Server)),
                ],
            )?;
            s.capture_point = point;
            s.capture = role;
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

pub(super) fn set_link(l: &mut LinkConfig, prefix: &str, key: &str, value: &str) -> Res {
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

pub(super) fn set_fault(
    f: &mut crate::scenario::model::Fault,
    prefix: &str,
    key: &str,
    value: &str,
) -> Res {
    if matches!(f.action, FaultAction::Partition { .. }) {
        return set_partition(f, prefix, key, value);
    }
    let path = format!("{prefix}.{key}");
    let p = path.as_str();
    match key {
        "from" | "until" => return only_for_partitions(prefix, key),
        "dir" if value == "both" => return only_for_partitions(prefix, "dir = both"),
        "action" if value == "partition" => {
            return only_for_partitions(prefix, "action = partition");
        }
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
                FaultAction::Drop | FaultAction::Partition { .. } => None,
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
                FaultAction::Drop | FaultAction::Partition { .. } => {
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

pub(super) fn set_host(s: &mut Scenario, role: Role, key: &str, value: &str) -> Res {
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
        "wakeup" => h.wakeup = v::duration(p, value)?,
        "call_cost" => h.call_cost = v::duration(p, value)?,
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

pub(super) fn buffer(p: &str, value: &str) -> Parsed<usize> {
    v::size_in(p, value, v::MIN_BUFFER, v::MAX_BUFFER).map(|n| n as usize)
}

pub(super) fn set_server(s: &mut Scenario, rest: &[Seg<'_>], value: &str) -> Res {
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

pub(super) fn set_program(s: &mut Scenario, prefix: &str, key: &str, value: &str) -> Res {
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
pub(super) fn set_step(
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
