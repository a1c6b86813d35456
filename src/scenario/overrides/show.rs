//! Every effective value of a scenario as `path=value`, in the spellings
//! [`apply`](super::apply) accepts, so each one can be pasted back after
//! `--set` and gives the same scenario.

use crate::scenario::model::{
    CapturePoint, Congestion, Dir, FaultAction, HostConfig, LinkConfig, Micros, Profile, Role,
    Scenario, ServerMode, Step, Transform,
};
use crate::wire::flags;

use super::set::step_kind;

/// One effective value: `--set {path}={value}` reproduces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Dotted path, as `--set` takes it.
    pub path: String,
    /// The effective value, as `--set` takes it.
    pub value: String,
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.path, self.value)
    }
}

/// All effective values of `s`, in the order of the scenario file's tables.
/// A link key with the same value in both directions is listed once, as
/// `link.KEY` (as `[link]` would set it); otherwise once per direction.
pub fn settings(s: &Scenario) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut put = |path: String, value: String| out.push(Setting { path, value });
    put("seed".into(), s.seed.to_string());
    let capture = match s.capture_point {
        CapturePoint::Host => s.capture.name(),
        CapturePoint::Wire => "wire",
    };
    put("capture".into(), capture.into());
    put("max_sim_time".into(), show_duration(s.max_sim_time));
    put("max_events".into(), s.max_events.to_string());

    let [c2s, s2c] = [
        &s.link[Dir::ClientToServer.index()],
        &s.link[Dir::ServerToClient.index()],
    ];
    for ((key, a), (_, b)) in link_values(c2s).into_iter().zip(link_values(s2c)) {
        if a == b {
            put(format!("link.{key}"), a);
        } else {
            put(format!("link.c2s.{key}"), a);
            put(format!("link.s2c.{key}"), b);
        }
    }

    for (i, f) in s.faults.iter().enumerate() {
        let p = format!("fault[{i}]");
        if let FaultAction::Partition {
            from,
            until,
            both_ways,
        } = f.action
        {
            let dir = if both_ways { "both" } else { f.dir.name() };
            put(format!("{p}.dir"), dir.into());
            put(format!("{p}.action"), "partition".into());
            put(format!("{p}.from"), show_duration(from));
            put(format!("{p}.until"), show_duration(until));
            continue;
        }
        put(format!("{p}.dir"), f.dir.name().into());
        put(
            format!("{p}.flags"),
            f.flags.map_or("any".into(), flags::to_csv),
        );
        put(
            format!("{p}.seq"),
            f.seq.map_or("any".into(), |n| n.to_string()),
        );
        put(
            format!("{p}.len"),
            f.len.map_or("any".into(), |n| n.to_string()),
        );
        put(format!("{p}.nth"), f.nth.to_string());
        match f.action {
            FaultAction::Drop | FaultAction::Partition { .. } => {
                put(format!("{p}.action"), "drop".into())
            }
            FaultAction::Delay(d) | FaultAction::Stall(d) => {
                let name = if matches!(f.action, FaultAction::Delay(_)) {
                    "delay"
                } else {
                    "stall"
                };
                put(format!("{p}.action"), name.into());
                put(format!("{p}.delay"), show_duration(d));
            }
        }
    }

    for (key, value) in host_values(&s.hosts[Role::Client.index()]) {
        put(format!("client.{key}"), value);
    }
    put(
        "client.port".into(),
        s.client.port.map_or("auto".into(), |p| p.to_string()),
    );
    step_values(&s.client.steps, "client.steps", &mut put);

    for (key, value) in host_values(&s.hosts[Role::Server.index()]) {
        put(format!("server.{key}"), value);
    }
    let server = &s.server;
    put("server.port".into(), server.port.to_string());
    put("server.backlog".into(), server.backlog.to_string());
    let (program, keys): (&str, &[&str]) = match server.mode {
        ServerMode::Echo => (
            "echo",
            &["recv", "sleep", "transform", "times", "connections"],
        ),
        ServerMode::Sink => ("sink", &["recv", "sleep", "connections"]),
        ServerMode::Source(_) => ("source", &["bytes", "recv", "connections"]),
    };
    for key in keys {
        let value = match *key {
            "recv" => show_size(server.recv as u64),
            "sleep" => show_duration(server.sleep),
            "transform" => match server.transform {
                Transform::None => "none",
                Transform::Upper => "upper",
                Transform::Lower => "lower",
            }
            .into(),
            "times" => server.times.to_string(),
            "connections" => server.connections.to_string(),
            "bytes" => match server.mode {
                ServerMode::Source(n) => show_size(n),
                _ => unreachable!("only a source has bytes"),
            },
            _ => unreachable!("listed above"),
        };
        put(format!("server.{program}.{key}"), value);
    }
    out
}

fn link_values(l: &LinkConfig) -> [(&'static str, String); 8] {
    [
        ("latency", show_duration(l.latency)),
        ("jitter", show_duration(l.jitter)),
        ("loss", show_probability(l.loss)),
        ("dup", show_probability(l.dup)),
        ("reorder", show_probability(l.reorder)),
        ("reorder_delay", show_duration(l.reorder_delay)),
        ("rate", l.rate_bps.map_or("unlimited".into(), show_rate)),
        ("queue", l.queue_bytes.map_or("unlimited".into(), show_size)),
    ]
}

fn host_values(h: &HostConfig) -> [(&'static str, String); 11] {
    [
        ("ip", h.ip.to_string()),
        (
            "mac",
            h.mac
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":"),
        ),
        (
            "profile",
            match h.profile {
                Profile::Linux => "linux",
                Profile::Smoltcp => "smoltcp",
            }
            .into(),
        ),
        ("rx_buffer", show_size(h.rx_buffer as u64)),
        ("tx_buffer", show_size(h.tx_buffer as u64)),
        ("rx_coalesce", show_duration(h.rx_coalesce)),
        ("delayed_ack", show_duration(h.delayed_ack)),
        ("arp", h.arp.to_string()),
        ("wakeup", show_duration(h.wakeup)),
        ("call_cost", show_duration(h.call_cost)),
        (
            "congestion",
            match h.congestion {
                Congestion::None => "none",
                Congestion::Reno => "reno",
                Congestion::Cubic => "cubic",
            }
            .into(),
        ),
    ]
}

fn step_values(steps: &[Step], prefix: &str, put: &mut impl FnMut(String, String)) {
    for (i, step) in steps.iter().enumerate() {
        let here = format!("{prefix}[{i}]");
        let kind = step_kind(step);
        let value = match step {
            Step::Connect | Step::Shutdown | Step::Close => {
                put(here, kind.into());
                continue;
            }
            Step::Repeat { times, steps } => {
                put(format!("{here}.repeat.times"), times.to_string());
                step_values(steps, &format!("{here}.repeat.steps"), put);
                continue;
            }
            Step::Send(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Step::SendBytes(n) => show_size(*n),
            Step::Recv(n) | Step::RecvAll(n) => show_size(*n as u64),
            Step::Sleep(d) => show_duration(*d),
        };
        put(format!("{here}.{kind}"), value);
    }
}

/// The settings laid out for a summary, one line per table:
///
/// ```text
/// seed=1 capture=server max_sim_time=600s max_events=10000000
/// link: latency=100us jitter=0ms loss=0 ...
/// client.steps: [0]=connect [1].send="Hello World!\n" [2].recv=1024B ...
/// ```
///
/// Values with spaces, quotes or control characters are quoted with escapes.
pub fn describe(settings: &[Setting]) -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    // Where each group is in `groups` (which keeps first-seen order): a
    // scan for it made 100,000 faults take minutes.
    let mut position: std::collections::BTreeMap<String, usize> = Default::default();
    for s in settings {
        let (group, key) = match s.path.find(".steps[") {
            Some(at) => {
                let end = at + ".steps".len();
                (&s.path[..end], &s.path[end..])
            }
            None => match s.path.rfind('.') {
                Some(at) => (&s.path[..at], &s.path[at + 1..]),
                None => ("", s.path.as_str()),
            },
        };
        let item = format!("{key}={}", quote(&s.value));
        match position.get(group) {
            Some(&at) => groups[at].1.push(item),
            None => {
                position.insert(group.to_string(), groups.len());
                groups.push((group.to_string(), vec![item]));
            }
        }
    }
    let mut out = String::new();
    for (group, items) in groups {
        if !group.is_empty() {
            out.push_str(&group);
            out.push_str(": ");
        }
        out.push_str(&items.join(" "));
        out.push('\n');
    }
    out
}

/// `value` as is, or quoted with Rust's escapes when it would not read back
/// as one word.
pub(crate) fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\' && c != '\'');
    if plain {
        value.to_string()
    } else {
        format!("{value:?}")
    }
}

/// A duration in the largest unit that holds it exactly (`1500us`, `3ms`, `10min`).
pub fn show_duration(us: Micros) -> String {
    if us == 0 {
        return "0ms".into();
    }
    for (unit, size) in [
        ("h", 3_600_000_000),
        ("min", 60_000_000),
        ("s", 1_000_000),
        ("ms", 1_000),
    ] {
        if us.is_multiple_of(size) {
            return format!("{}{unit}", us / size);
        }
    }
    format!("{us}us")
}

/// A rate in the largest SI unit that holds it exactly (`100Mbit`, `1500Kbit`).
pub fn show_rate(bps: u64) -> String {
    for (unit, size) in [
        ("Tbit", 1_000_000_000_000),
        ("Gbit", 1_000_000_000),
        ("Mbit", 1_000_000),
        ("Kbit", 1_000),
    ] {
        if bps.is_multiple_of(size) {
            return format!("{}{unit}", bps / size);
        }
    }
    format!("{bps}bit")
}

/// A size in the largest binary unit that holds it exactly (`128KiB`, `1500B`).
pub fn show_size(n: u64) -> String {
    for (unit, size) in [
        ("TiB", 1u64 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ] {
        if n >= size && n.is_multiple_of(size) {
            return format!("{}{unit}", n / size);
        }
    }
    format!("{n}B")
}

/// Shortest decimal that reads back as the same `f64` (`0.05`, `1`, `0`).
pub fn show_probability(p: f64) -> String {
    format!("{p}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_pick_the_largest_exact_one() {
        assert_eq!(show_duration(0), "0ms");
        assert_eq!(show_duration(650), "650us");
        assert_eq!(show_duration(3_000), "3ms");
        assert_eq!(show_duration(600_000_000), "10min");
        assert_eq!(show_duration(1_500_000), "1500ms");
        assert_eq!(show_rate(100_000_000), "100Mbit");
        assert_eq!(show_rate(1_500), "1500bit");
        assert_eq!(show_size(131_072), "128KiB");
        assert_eq!(show_size(1_500), "1500B");
        assert_eq!(show_probability(0.05), "0.05");
        assert_eq!(show_probability(0.0), "0");
    }

    #[test]
    fn quoting_only_when_needed() {
        assert_eq!(quote("1024B"), "1024B");
        assert_eq!(quote("Hello World!\n"), "\"Hello World!\\n\"");
        assert_eq!(quote(""), "\"\"");
    }

    #[test]
    fn describe_groups_by_table() {
        let list: Vec<Setting> = [
            ("seed", "1"),
            ("link.loss", "0.05"),
            ("link.c2s.latency", "1ms"),
            ("client.steps[0]", "connect"),
            ("client.steps[1].send", "hi there"),
            ("client.steps[2].repeat.times", "3"),
            ("server.echo.recv", "7B"),
        ]
        .iter()
        .map(|(p, v)| Setting {
            path: p.to_string(),
            value: v.to_string(),
        })
        .collect();
        assert_eq!(
            describe(&list),
            "seed=1\n\
             link: loss=0.05\n\
             link.c2s: latency=1ms\n\
             client.steps: [0]=connect [1].send=\"hi there\" [2].repeat.times=3\n\
             server.echo: recv=7B\n"
        );
    }
}
