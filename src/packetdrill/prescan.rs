//! Before a run: everything in the script tcpsim cannot honour, found up
//! front so the script is skipped with the reason instead of failing (or,
//! worse, passing) halfway. Also prepares the `%{ }%` blocks.

use std::collections::BTreeMap;

use crate::packetdrill::code;
use crate::packetdrill::config::Settings;
use crate::packetdrill::script::assert::Statement;
use crate::packetdrill::script::{Ecn, EventKind, Options, Script};

/// The system calls the runner makes.
const CALLS: &[&str] = &[
    "socket",
    "bind",
    "listen",
    "accept",
    "accept4",
    "connect",
    "read",
    "recv",
    "recvfrom",
    "readv",
    "recvmsg",
    "write",
    "send",
    "sendto",
    "writev",
    "sendmsg",
    "close",
    "shutdown",
    "fcntl",
    "setsockopt",
    "getsockopt",
    "ioctl",
];

/// What the runner needs of a script that passed the scan.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    /// Each `%{ }%` block's statements, by the line of its event.
    pub(crate) code: BTreeMap<usize, Vec<Statement>>,
}

/// The script's prepared blocks, or (line, reason) for the first thing
/// tcpsim does not model.
pub(crate) fn prescan(script: &Script, settings: &Settings) -> Result<Prepared, (usize, String)> {
    if let Some((line, reason)) = &settings.unsupported {
        return Err((*line, reason.clone()));
    }
    let mut prepared = Prepared::default();
    let mut assigned = Vec::new();
    for ev in &script.events {
        let line = ev.line;
        match &ev.kind {
            EventKind::Packet(p) => {
                if let Some(ip) = &p.ip {
                    let plain = ip.tos.is_none()
                        && ip.flow_label.is_none()
                        && ip.ttl.is_none()
                        && matches!(ip.ecn, None | Some(Ecn::NotEct));
                    if !plain {
                        return Err((line, "IP-level fields (ECN codepoints, tos, flow label, ttl) are not supported".to_string()));
                    }
                }
                if p.flags.ae || p.flags.ace.is_some() {
                    return Err((line, "AccECN flags are not supported".to_string()));
                }
                if p.flags.urg || p.urg.is_some() {
                    return Err((line, "urgent data is not supported".to_string()));
                }
                if let Options::List(list) = &p.options
                    && let Some(what) = list.iter().find_map(|o| o.unsupported())
                {
                    return Err((line, format!("{what} is not supported")));
                }
            }
            EventKind::OtherPacket(o) => return Err((line, o.refusal())),
            EventKind::Syscall(sc) => {
                if !CALLS.contains(&sc.name.as_str()) {
                    return Err((line, format!("{}() is not supported", sc.name)));
                }
            }
            EventKind::Code(text) => {
                let stmts = code::prepare(text, &mut assigned).map_err(|r| (line, r))?;
                prepared.code.insert(line, stmts);
            }
            EventKind::Command(_) => {}
        }
    }
    Ok(prepared)
}
