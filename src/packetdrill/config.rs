//! A script's settings: its `--name=value` header lines and the `sysctl`
//! settings in its shell commands, mapped to the host under test.
//!
//! Shell commands are never run. The runner reads the settings packetdrill
//! scripts make with them (`sysctl -q net.ipv4.tcp_x=v`, `sysctl -w`,
//! `echo v > /proc/sys/net/ipv4/tcp_x`, upstream's `defaults.sh`) and applies
//! each one tcpsim models; the others are listed, by name, in the notes
//! `--verbose` prints.

use std::net::Ipv4Addr;

use crate::linux::sysctl::Sysctls;
use crate::packetdrill::script::{HeaderOption, Script};
use crate::scenario::model::Congestion;

/// packetdrill's defaults (config.c): 4 ms or 12.5 % of the time since the
/// previous event, whichever is larger.
pub const DEFAULT_TOLERANCE_USECS: i64 = 4000;
/// See [`DEFAULT_TOLERANCE_USECS`].
pub const DEFAULT_TOLERANCE_PERCENT: f64 = 12.5;

/// Everything a run of one script is configured by.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Timing tolerance in microseconds (`--tolerance_usecs`).
    pub tolerance_usecs: i64,
    /// Timing tolerance as a share of the time since the previous event
    /// (`--tolerance_percent`).
    pub tolerance_percent: f64,
    /// Microseconds per outbound TS val tick to check TS val against the
    /// script's (`--tcp_ts_tick_usecs`); 0, the default, does not check.
    pub ts_tick_usecs: u32,
    /// The host under test's address (`--local_ip`, default 192.168.0.1).
    pub local_ip: Ipv4Addr,
    /// The script's own address (`--remote_ip`, default 192.0.2.1).
    pub remote_ip: Ipv4Addr,
    /// Port `bind(..., ...)` takes (`--bind_port`, default 8080).
    pub bind_port: u16,
    /// Port `connect(..., ...)` goes to (`--connect_port`, default 8080).
    pub connect_port: u16,
    /// The host's TCP settings.
    pub sysctl: Sysctls,
    /// `tcp_congestion_control`.
    pub congestion: Congestion,
    /// `tcp_rmem`'s largest size: the receive buffer a socket may grow to
    /// (its window starts from the default, `sysctl.rmem[1]`).
    pub rcvbuf: usize,
    /// `tcp_wmem`'s default: the send buffer a socket starts with.
    pub sndbuf: usize,
    /// A setting the script depends on that tcpsim cannot model, with its
    /// line: the script is skipped.
    pub unsupported: Option<(usize, String)>,
    /// What was applied, ignored or not recognised, in script order.
    pub notes: Vec<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            tolerance_usecs: DEFAULT_TOLERANCE_USECS,
            tolerance_percent: DEFAULT_TOLERANCE_PERCENT,
            ts_tick_usecs: 0,
            local_ip: Ipv4Addr::new(192, 168, 0, 1),
            remote_ip: Ipv4Addr::new(192, 0, 2, 1),
            bind_port: 8080,
            connect_port: 8080,
            // Linux's defaults: cubic, tcp_rmem up to 6 MiB, tcp_wmem 16384
            // growing to 4 MiB.
            sysctl: Sysctls {
                wmem: Some([16_384, 4_194_304]),
                ..Sysctls::default()
            },
            congestion: Congestion::Cubic,
            rcvbuf: 6_291_456,
            sndbuf: 16_384,
            unsupported: None,
            notes: Vec::new(),
        }
    }
}

/// The settings upstream's `gtests/net/common/defaults.sh` makes (the values
/// are Linux facts; the file itself is not copied).
const UPSTREAM_DEFAULTS: &[(&str, &str)] = &[
    ("tcp_rmem", "4096 540000 15728640"),
    ("tcp_wmem", "4096 262144 4194304"),
    ("tcp_timestamps", "1"),
    ("tcp_syn_retries", "5"),
    ("tcp_synack_retries", "5"),
    ("tcp_frto", "2"),
    ("tcp_sack", "1"),
    ("tcp_dsack", "1"),
    ("tcp_fack", "0"),
    ("tcp_reordering", "3"),
    ("tcp_congestion_control", "cubic"),
    ("tcp_slow_start_after_idle", "0"),
    ("tcp_early_retrans", "4"),
    ("tcp_recovery", "1"),
    ("tcp_tso_win_divisor", "3"),
    ("tcp_ecn", "0"),
    ("tcp_ecn_option", "2"),
    ("tcp_pacing_ss_ratio", "200"),
    ("tcp_pacing_ca_ratio", "120"),
    ("tcp_notsent_lowat", "4294967295"),
    ("tcp_fastopen", "0x70403"),
    ("tcp_syncookies", "1"),
];

/// Settings whose value tcpsim's host already behaves as, whatever the
/// script says, with that value: a script setting them to it needs nothing.
const FIXED: &[(&str, &str)] = &[
    ("tcp_frto", "2"),
    ("tcp_reordering", "3"),
    ("tcp_fack", "0"),
    ("tcp_recovery", "1"),
    ("tcp_no_metrics_save", "1"),
    ("tcp_autocorking", "0"),
    ("tcp_min_tso_segs", "2"),
    ("tcp_tso_win_divisor", "3"),
    ("tcp_ecn", "0"),
    ("tcp_syncookies", "1"),
    ("tcp_notsent_lowat", "4294967295"),
];

impl Settings {
    /// The settings of `script`: header options first, then every shell
    /// command's sysctls, in order.
    pub fn of(script: &Script) -> Settings {
        let mut s = Settings::default();
        for opt in &script.options {
            s.header_option(opt);
        }
        if let Some(cmd) = &script.init_command {
            s.command(cmd.line, &cmd.text);
        }
        s
    }

    fn note(&mut self, line: usize, text: String) {
        self.notes.push(format!("line {line}: {text}"));
    }

    fn header_option(&mut self, opt: &HeaderOption) {
        let value = opt.value.as_deref().unwrap_or("");
        let line = opt.line;
        let name = opt.name.as_str();
        match name {
            "tolerance_usecs" => match value.parse::<i64>() {
                Ok(v) if v > 0 => self.tolerance_usecs = v,
                _ => self.note(
                    line,
                    format!("--{name}={value} is not a positive number: ignored"),
                ),
            },
            "tolerance_percent" => match value.parse::<f64>() {
                Ok(v) if (0.0..=100.0).contains(&v) => self.tolerance_percent = v,
                _ => self.note(
                    line,
                    format!("--{name}={value} is not a percentage: ignored"),
                ),
            },
            "tcp_ts_tick_usecs" => match value.parse::<u32>() {
                Ok(v) if v <= 1_000_000 => self.ts_tick_usecs = v,
                _ => self.note(line, format!("--{name}={value} is out of range: ignored")),
            },
            "local_ip" | "remote_ip" => match value.parse::<Ipv4Addr>() {
                Ok(ip) if name == "local_ip" => self.local_ip = ip,
                Ok(ip) => self.remote_ip = ip,
                Err(_) => self.note(
                    line,
                    format!("--{name}={value}: tcpsim runs IPv4 only; the default address is used"),
                ),
            },
            "bind_port" | "connect_port" => match value.parse::<u16>() {
                Ok(p) if p > 0 && name == "bind_port" => self.bind_port = p,
                Ok(p) if p > 0 => self.connect_port = p,
                _ => self.note(line, format!("--{name}={value} is not a port: ignored")),
            },
            "ip_version" if value == "ipv4" => {}
            "ip_version" => self.note(
                line,
                format!("--ip_version={value}: tcpsim runs the script over IPv4"),
            ),
            "define" => {} // substituted by the parser
            "mss" | "mtu" | "strict_segments" | "non_fatal" | "verbose" | "dry_run"
            | "init_scripts" | "gateway_ip" | "netmask_ip" | "speed" | "persistent_tun" => self
                .note(
                    line,
                    format!("--{name}: has no meaning for a simulated host; ignored"),
                ),
            _ if name.starts_with("wire_") => self.note(
                line,
                format!(
                    "--{name}: tcpsim runs scripts locally (no wire client or server); ignored"
                ),
            ),
            _ => self.note(line, format!("--{name}: not recognised; ignored")),
        }
    }

    /// The settings a shell command makes (it is never run).
    pub fn command(&mut self, line: usize, text: &str) {
        for part in split_commands(text) {
            let words = shell_words(&part);
            let Some(first) = words.first() else { continue };
            if first == "sysctl" {
                for w in words.iter().skip(1).filter(|w| !w.starts_with('-')) {
                    match w.split_once('=') {
                        Some((key, value)) => self.sysctl(line, key, value),
                        None => self.note(line, format!("`sysctl {w}` reads a setting: ignored")),
                    }
                }
            } else if first == "echo" && words.len() >= 4 && words[words.len() - 2] == ">" {
                let target = &words[words.len() - 1];
                let value = words[1..words.len() - 2].join(" ");
                match target.strip_prefix("/proc/sys/") {
                    Some(path) => self.sysctl(line, &path.replace('/', "."), &value),
                    None => self.note(line, format!("`{part}`: not a setting; ignored")),
                }
            } else if first.ends_with("set_sysctls.py") {
                // upstream's helper: `set_sysctls.py /proc/sys/net/ipv4/KEY=VALUE ...`
                for w in words.iter().skip(1) {
                    match w
                        .split_once('=')
                        .map(|(k, v)| (k.strip_prefix("/proc/sys/"), v))
                    {
                        Some((Some(path), value)) => {
                            self.sysctl(line, &path.replace('/', "."), value)
                        }
                        _ => self.note(line, format!("`{first} {w}`: not a setting; ignored")),
                    }
                }
            } else if first.ends_with("defaults.sh") {
                self.note(line, format!("`{first}`: upstream's defaults applied"));
                for (key, value) in UPSTREAM_DEFAULTS {
                    self.sysctl(line, &format!("net.ipv4.{key}"), value);
                }
            } else {
                self.note(line, format!("`{part}`: not run, not recognised; ignored"));
            }
        }
    }

    fn sysctl(&mut self, line: usize, key: &str, value: &str) {
        let value = value.trim().trim_matches('"').trim_matches('\'');
        let Some(name) = key.strip_prefix("net.ipv4.") else {
            self.note(line, format!("sysctl {key}={value}: not modelled; ignored"));
            return;
        };
        let flag = || match value {
            "0" => Some(false),
            "1" => Some(true),
            _ => None,
        };
        match name {
            "tcp_timestamps"
            | "tcp_sack"
            | "tcp_dsack"
            | "tcp_window_scaling"
            | "tcp_slow_start_after_idle" => {
                let Some(on) = flag().or_else(|| value.parse::<u32>().ok().map(|v| v != 0)) else {
                    self.note(
                        line,
                        format!("sysctl {name}={value}: not a number; ignored"),
                    );
                    return;
                };
                let field = match name {
                    "tcp_timestamps" => &mut self.sysctl.timestamps,
                    "tcp_sack" => &mut self.sysctl.sack,
                    "tcp_dsack" => &mut self.sysctl.dsack,
                    "tcp_window_scaling" => &mut self.sysctl.window_scaling,
                    _ => &mut self.sysctl.slow_start_after_idle,
                };
                *field = on;
                self.note(line, format!("sysctl {name}={value}: applied"));
            }
            "tcp_early_retrans" => {
                self.sysctl.tlp = matches!(value, "3" | "4");
                self.note(
                    line,
                    format!(
                        "sysctl {name}={value}: applied (tail loss probes {})",
                        if self.sysctl.tlp { "on" } else { "off" }
                    ),
                );
            }
            "tcp_congestion_control" => match value {
                "reno" => self.congestion = Congestion::Reno,
                "cubic" => self.congestion = Congestion::Cubic,
                other => {
                    if self.unsupported.is_none() {
                        self.unsupported = Some((
                            line,
                            format!(
                                "congestion control {other} is not modelled (reno and cubic are)"
                            ),
                        ));
                    }
                }
            },
            "tcp_rmem" | "tcp_wmem" => {
                let nums: Vec<usize> = value
                    .split_whitespace()
                    .filter_map(|v| v.parse().ok())
                    .collect();
                match nums.as_slice() {
                    [min, default, max] if *default > 0 => {
                        if name == "tcp_rmem" {
                            self.rcvbuf = *max.max(default);
                            self.sysctl.rmem = [*min, *default, *max.max(default)];
                        } else {
                            self.sndbuf = *default;
                            self.sysctl.wmem = Some([*default, *max.max(default)]);
                        }
                        self.note(
                            line,
                            format!("sysctl {name}=\"{value}\": buffer {default} bytes"),
                        );
                    }
                    _ => self.note(
                        line,
                        format!("sysctl {name}=\"{value}\": not three sizes; ignored"),
                    ),
                }
            }
            _ => match FIXED.iter().find(|(k, _)| *k == name) {
                Some((_, v)) if *v == value => {
                    self.note(line, format!("sysctl {name}={value}: tcpsim behaves so"))
                }
                Some((_, v)) => self.note(
                    line,
                    format!("sysctl {name}={value}: not modelled; tcpsim behaves as with {v}"),
                ),
                None => self.note(
                    line,
                    format!("sysctl {name}={value}: not modelled; ignored"),
                ),
            },
        }
    }
}

/// A command's parts split at newlines, `;` and `&&` (outside quotes).
fn split_commands(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, '\n' | ';') => parts.push(std::mem::take(&mut cur)),
            (None, '&') if chars.peek() == Some(&'&') => {
                chars.next();
                parts.push(std::mem::take(&mut cur));
            }
            (None, '\\') if chars.peek() == Some(&'\n') => {
                chars.next();
                cur.push(' ');
            }
            (None, c) => cur.push(c),
        }
    }
    parts.push(cur);
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty() && !p.starts_with('#'))
        .collect()
}

/// A command's words, quotes removed (a quoted string is one word) and
/// `$((a*b))` arithmetic of plain numbers evaluated.
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words.into_iter().map(|w| arithmetic(&w)).collect()
}

/// `$((15*1024*1024))` inside a word, as the shell expands it: products of
/// plain numbers only.
fn arithmetic(word: &str) -> String {
    let mut out = word.to_string();
    while let Some(start) = out.find("$((") {
        let Some(len) = out[start..].find("))") else {
            break;
        };
        let expr = &out[start + 3..start + len];
        let value = expr
            .split('*')
            .map(|n| n.trim().parse::<u64>().ok())
            .try_fold(1u64, |acc, n| n.and_then(|n| acc.checked_mul(n)));
        match value {
            Some(v) => out.replace_range(start..start + len + 2, &v.to_string()),
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctl_lines_set_what_tcpsim_models_and_note_the_rest() {
        let mut s = Settings::default();
        s.command(
            1,
            "sysctl -q net.ipv4.tcp_timestamps=0 net.ipv4.tcp_sack=1\nsysctl -q net.ipv4.tcp_congestion_control=reno net.ipv4.tcp_rmem=\"4096 131072 6291456\"\necho 0 > /proc/sys/net/ipv4/tcp_slow_start_after_idle; ip tcp_metrics flush",
        );
        assert!(!s.sysctl.timestamps);
        assert!(s.sysctl.sack);
        assert!(!s.sysctl.slow_start_after_idle);
        assert_eq!(s.congestion, Congestion::Reno);
        assert_eq!(s.rcvbuf, 6_291_456);
        assert_eq!(s.sysctl.rmem[1], 131_072);
        assert!(s.notes.iter().any(|n| n.contains("ip tcp_metrics flush")));
        assert!(s.unsupported.is_none());
    }

    #[test]
    fn an_unmodelled_congestion_control_makes_the_script_skip() {
        let mut s = Settings::default();
        s.command(3, "sysctl -q net.ipv4.tcp_congestion_control=bbr");
        assert_eq!(s.unsupported.as_ref().map(|u| u.0), Some(3));
    }

    #[test]
    fn upstream_defaults_expand_arithmetic() {
        assert_eq!(
            arithmetic("4096 540000 $((15*1024*1024))"),
            "4096 540000 15728640"
        );
        let mut s = Settings::default();
        s.command(1, "../common/defaults.sh");
        assert_eq!(s.sysctl.rmem[1], 540_000);
        assert!(!s.sysctl.slow_start_after_idle);
    }
}
