//! The checks that span several values: the two hosts on one network, the
//! order of the client's socket steps, and the products of counts that
//! decide how much memory a run takes (the echo's reply to one recv, socket
//! buffers times sockets). Steps after `repeat` are not bounded: a repeat
//! is never unrolled, and with recording off the calls are not kept. They run on a whole
//! [`Scenario`], so the file parser and the command line (after every
//! override, in any order) apply the same rules; each limit is in
//! `limits.rs` and sim-scenarios/README.md.

use crate::scenario::address::same_network;
use crate::scenario::limits::{MAX_ECHO_REPLY, MAX_SOCKET_MEMORY};
use crate::scenario::model::{Role, Scenario, ServerMode};
use crate::scenario::socket_order::{self, Socket};

/// A broken rule: the field to point at, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Combined {
    /// The dotted path of the value to blame (`server.echo.times`).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl std::fmt::Display for Combined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n  help: {}", self.message, self.help)
    }
}

/// Check the rules that span values; the first broken one.
pub fn check_combined(s: &Scenario) -> Result<(), Combined> {
    let fail = |field: &str, message: String, help: &str| {
        Err(Combined {
            field: field.to_string(),
            message,
            help: help.to_string(),
        })
    };
    let [client, server] = &s.hosts;
    if !same_network(client.ip, server.ip) {
        return fail(
            "server.ip",
            format!(
                "the server ({}) is not on the client's /24 network ({})",
                server.ip, client.ip
            ),
            "each host has a /24 and there is no router: put both on one /24, like 10.0.0.1 and 10.0.0.2",
        );
    }
    if let Err((field, misuse)) =
        socket_order::check(&s.client.steps, "client.steps", &mut Socket::default())
    {
        return fail(&field, misuse.message(&field), misuse.help());
    }
    if s.server.mode == ServerMode::Echo {
        let one = s.server.recv.min(server.rx_buffer) as u64;
        let reply = one.saturating_mul(u64::from(s.server.times));
        if reply > MAX_ECHO_REPLY {
            return fail(
                "server.echo.times",
                format!(
                    "the echo would answer one recv with up to {reply} bytes (recv {} B, at most the {} B receive buffer, times {}); the limit is {MAX_ECHO_REPLY} bytes (1 GiB), built in memory",
                    s.server.recv, server.rx_buffer, s.server.times
                ),
                "lower `server.echo.times` or `server.echo.recv`",
            );
        }
    }
    for role in [Role::Client, Role::Server] {
        let host = &s.hosts[role.index()];
        let sockets = match role {
            Role::Client => u64::from(s.client.connections),
            // Listening sockets wait with their buffers, besides the connections.
            Role::Server => u64::from(s.server.connections) + u64::from(s.server.backlog),
        };
        let per_socket = host.rx_buffer as u64 + host.tx_buffer as u64;
        let memory = sockets.saturating_mul(per_socket);
        if memory > MAX_SOCKET_MEMORY {
            let name = role.name();
            return fail(
                &format!("{name}.rx_buffer"),
                format!(
                    "the {name}'s {sockets} sockets would hold {memory} bytes of buffers ({per_socket} B each, rx_buffer + tx_buffer); the limit is {MAX_SOCKET_MEMORY} bytes (4 GiB) per host"
                ),
                "use smaller buffers, or fewer connections (or a smaller backlog)",
            );
        }
    }
    Ok(())
}
