//! Prints the syntax tree back as packetdrill text.
//!
//! The runner quotes events in its failure messages ("expected `> P.
//! 1:1001(1000) ack 1`, got ..."), so every AST type prints in the script
//! language, in a normal form: times in seconds (`+0.01`), one space
//! between fields, options comma-separated. Printing a parsed script and
//! parsing the result gives the same tree (positions aside); the tests check
//! this on every upstream script and on fuzzed inputs.

use crate::packetdrill::script::ast::{
    Direction, Ecn, Event, EventKind, Expr, Field, IcmpEchoed, IpInfo, Options, OtherPacket,
    OtherPacketKind, Packet, Script, Syscall, TcpOption, Time,
};
use std::fmt::{self, Display, Formatter, Write};

/// Microseconds as seconds, without trailing zeros (`11000` is `0.011`,
/// `2000000` is `2`).
fn secs(f: &mut Formatter<'_>, usecs: u64) -> fmt::Result {
    let (whole, frac) = (usecs / 1_000_000, usecs % 1_000_000);
    if frac == 0 {
        return write!(f, "{whole}");
    }
    let digits = format!("{frac:06}");
    write!(f, "{whole}.{}", digits.trim_end_matches('0'))
}

impl Display for Time {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            Time::Absolute(t) => secs(f, t),
            Time::Relative(t) => {
                f.write_char('+')?;
                secs(f, t)
            }
            Time::Range {
                relative,
                start,
                end,
            } => {
                let plus = if relative { "+" } else { "" };
                f.write_str(plus)?;
                secs(f, start)?;
                write!(f, "~{plus}")?;
                secs(f, end)
            }
            Time::Any => f.write_char('*'),
        }
    }
}

impl Display for Direction {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char(if *self == Direction::Inbound {
            '<'
        } else {
            '>'
        })
    }
}

impl Display for IpInfo {
    /// `[ect0, tos 0x2, flowlabel 0x1, ttl 64]` (only the fields present).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(e) = self.ecn {
            parts.push(
                match e {
                    Ecn::NotEct => "noecn",
                    Ecn::Ect0 => "ect0",
                    Ecn::Ect1 => "ect1",
                    Ecn::Ce => "ce",
                    Ecn::Ect0OrEct1 => "ect01",
                }
                .to_string(),
            );
        }
        if let Some(t) = self.tos {
            parts.push(format!("tos 0x{t:x}"));
        }
        if let Some(l) = self.flow_label {
            parts.push(format!("flowlabel 0x{l:x}"));
        }
        if let Some(t) = self.ttl {
            parts.push(format!("ttl {t}"));
        }
        write!(f, "[{}]", parts.join(", "))
    }
}

impl Display for Packet {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.direction)?;
        if let Some(ip) = &self.ip {
            write!(f, " {ip}")?;
        }
        if let Some((s, d)) = self.ports {
            write!(f, " {s}>{d}")?;
        }
        write!(
            f,
            " {} {}:{}({})",
            self.flags, self.seq_start, self.seq_end, self.payload_len
        )?;
        if let Some(a) = self.ack {
            write!(f, " ack {a}")?;
        }
        if let Some(w) = self.window {
            write!(f, " win {w}")?;
        }
        if let Some(u) = self.urg {
            write!(f, " urg {u}")?;
        }
        match &self.options {
            Options::NotGiven => Ok(()),
            Options::Any => f.write_str(" <...>"),
            Options::List(list) => write!(f, " <{}>", join(list, ",")),
        }
    }
}

impl Display for TcpOption {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let opt = |v: &Option<u32>| v.map_or("...".to_string(), |x| x.to_string());
        let cookie = |name: &str, c: &Option<String>| match c {
            Some(c) => format!("{name} {c}"),
            None => name.to_string(),
        };
        match self {
            TcpOption::Nop => f.write_str("nop"),
            TcpOption::Eol => f.write_str("eol"),
            TcpOption::Mss(m) => write!(f, "mss {m}"),
            TcpOption::WindowScale(w) => write!(f, "wscale {w}"),
            TcpOption::SackPermitted => f.write_str("sackOK"),
            TcpOption::Sack(blocks) => {
                f.write_str("sack")?;
                blocks.iter().try_for_each(|(l, r)| write!(f, " {l}:{r}"))
            }
            TcpOption::Timestamp { val, ecr } => write!(f, "TS val {} ecr {}", opt(val), opt(ecr)),
            TcpOption::FastOpen { cookie: c } => f.write_str(&cookie("FO", c)),
            TcpOption::FastOpenExp { cookie: c } => f.write_str(&cookie("FOEXP", c)),
            TcpOption::Md5(d) => write!(f, "md5 {d}"),
            TcpOption::AccEcn(fields) => {
                f.write_str("ECN")?;
                fields
                    .iter()
                    .try_for_each(|(name, v)| write!(f, " {name}b {v}"))
            }
        }
    }
}

impl Display for OtherPacket {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.direction)?;
        if let Some(ip) = &self.ip {
            write!(f, " {ip}")?;
        }
        match &self.kind {
            OtherPacketKind::Udp { ports, payload_len } => {
                f.write_str(" udp")?;
                if let Some((s, d)) = ports {
                    write!(f, " {s}>{d}")?;
                }
                write!(f, " ({payload_len})")
            }
            OtherPacketKind::Icmp {
                icmp_type,
                code,
                mtu,
                echo_id,
                echoed,
            } => {
                write!(f, " icmp {icmp_type}")?;
                if let Some(c) = code {
                    write!(f, " {c}")?;
                }
                if let Some(m) = mtu {
                    write!(f, " mtu {m}")?;
                }
                if let Some(i) = echo_id {
                    write!(f, " id {i}")?;
                }
                match echoed {
                    None => Ok(()),
                    Some(IcmpEchoed::Tcp {
                        seq_start,
                        seq_end,
                        payload_len,
                    }) => {
                        write!(f, " [{seq_start}:{seq_end}({payload_len})]")
                    }
                    Some(IcmpEchoed::Udp(n)) => write!(f, " [udp ({n})]"),
                    Some(IcmpEchoed::Raw(n)) => write!(f, " [raw ({n})]"),
                }
            }
        }
    }
}

impl Display for Syscall {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}({}) = {}",
            self.name,
            join(&self.args, ", "),
            self.result
        )?;
        if let Some(e) = &self.errno {
            write!(f, " {e}")?;
        }
        if let Some(n) = &self.errno_note {
            write!(f, " ({n})")?;
        }
        Ok(())
    }
}

/// Writes bytes as a C string literal body: printable ASCII as itself,
/// everything else (and `"`, `\`) escaped.
fn c_string(f: &mut Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    f.write_char('"')?;
    for &b in bytes {
        match b {
            b'"' => f.write_str("\\\"")?,
            b'\\' => f.write_str("\\\\")?,
            0x20..=0x7e => f.write_char(char::from(b))?,
            _ => write!(f, "\\x{b:02x}")?,
        }
    }
    f.write_char('"')
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Ellipsis => f.write_str("..."),
            Expr::Int(v) => write!(f, "{v}"),
            Expr::Symbol(s) => f.write_str(s),
            Expr::Str(b) => c_string(f, b),
            Expr::StrPrefix(b) => {
                c_string(f, b)?;
                f.write_str("...")
            }
            Expr::BitOr(parts) => f.write_str(&join(parts, "|")),
            Expr::Array(items) => write!(f, "[{}]", join(items, ", ")),
            Expr::Struct(fields) => write!(f, "{{{}}}", join(fields, ", ")),
            Expr::Call { name, args } => write!(f, "{name}({})", join(args, ", ")),
            Expr::Named { name, value } => write!(f, "{name}={value}"),
        }
    }
}

impl Display for Field {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(n) = &self.name {
            f.write_str(n)?;
            if let Some(a) = &self.arg {
                write!(f, "({a})")?;
            }
            f.write_char('=')?;
        }
        write!(f, "{}", self.value)
    }
}

impl Display for EventKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::Packet(p) => write!(f, "{p}"),
            EventKind::OtherPacket(p) => write!(f, "{p}"),
            EventKind::Syscall(s) => write!(f, "{s}"),
            EventKind::Command(c) => write!(f, "`{c}`"),
            EventKind::Code(c) => write!(f, "%{{ {c} }}%"),
        }
    }
}

impl Display for Event {
    /// The event on one line (a multi-line command or code block aside).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.time)?;
        if let Some(end) = self.end_time {
            // The end is written without `+` even when relative.
            let usecs = match end {
                Time::Absolute(t) | Time::Relative(t) => t,
                Time::Range { start, .. } => start,
                Time::Any => 0,
            };
            f.write_str("...")?;
            secs(f, usecs)?;
        }
        write!(f, " {}", self.kind)
    }
}

impl Display for Script {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for o in &self.options {
            write!(f, "--{}", o.name)?;
            match &o.value {
                Some(v)
                    if (v.chars().any(char::is_whitespace) || v.contains("//"))
                        && !v.contains('"') =>
                {
                    writeln!(f, "=\"{v}\"")?
                }
                Some(v) => writeln!(f, "={v}")?,
                None => writeln!(f)?,
            }
        }
        if let Some(c) = &self.init_command {
            writeln!(f, "`{}`", c.text)?;
        }
        for e in &self.events {
            writeln!(f, "{e}")?;
        }
        if let Some(c) = &self.cleanup_command {
            writeln!(f, "`{}`", c.text)?;
        }
        Ok(())
    }
}

fn join<T: Display>(items: &[T], sep: &str) -> String {
    let mut s = String::new();
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            s.push_str(sep);
        }
        let _ = write!(s, "{it}");
    }
    s
}
