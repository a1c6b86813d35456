//! `[client]` and `[server]`: the hosts and the server's program.

use std::ops::Range;

use crate::scenario::cx::{Cx, Res, Table, to_usize};
use crate::scenario::limits::{
    CLIENT_MAC, DEFAULT_BACKLOG, DEFAULT_BUFFER, DEFAULT_CALL_COST, DEFAULT_DELAYED_ACK,
    DEFAULT_ECHO_RECV, DEFAULT_WAKEUP, ECHO_KEYS, MAX_BACKLOG, MAX_BUFFER, MAX_ECHO_TIMES,
    MAX_RECV, MAX_SEND_BYTES, MIN_BUFFER, SERVER_MAC, SINK_KEYS, SOURCE_KEYS,
};
use crate::scenario::model::{
    Congestion, EchoServer, HostConfig, Profile, Role, ServerMode, Transform,
};

impl<'t> Cx<'t> {
    pub(super) fn host(&self, t: &Table<'_, '_>, role: Role) -> Res<(HostConfig, HostSpans)> {
        let ip_value = t.get("ip").ok_or_else(|| self.missing(t, "ip"))?;
        let ip = self.ipv4(ip_value, &t.field("ip"))?;
        let mac_value = t.get("mac");
        let mac = match mac_value {
            Some(v) => self.mac(v, &t.field("mac"))?,
            None => match role {
                Role::Client => CLIENT_MAC,
                Role::Server => SERVER_MAC,
            },
        };
        let profile = self
            .opt(t, "profile", |cx, v, f| {
                cx.choice(
                    v,
                    f,
                    &[("linux", Profile::Linux), ("smoltcp", Profile::Smoltcp)],
                )
            })?
            .unwrap_or(Profile::Linux);
        let buffer = |key: &str| -> Res<usize> {
            let n = self
                .opt(t, key, |cx, v, f| cx.size_in(v, f, MIN_BUFFER, MAX_BUFFER))?
                .unwrap_or(DEFAULT_BUFFER);
            Ok(to_usize(n))
        };
        let rx_buffer = buffer("rx_buffer")?;
        let tx_buffer = buffer("tx_buffer")?;
        let rx_coalesce = self.opt(t, "rx_coalesce", Cx::duration)?.unwrap_or(0);
        let delayed_ack = self
            .opt(t, "delayed_ack", Cx::duration)?
            .unwrap_or(DEFAULT_DELAYED_ACK);
        let arp = self.opt(t, "arp", Cx::boolean)?.unwrap_or(false);
        let wakeup = self
            .opt(t, "wakeup", Cx::duration)?
            .unwrap_or(DEFAULT_WAKEUP);
        let call_cost = self
            .opt(t, "call_cost", Cx::duration)?
            .unwrap_or(DEFAULT_CALL_COST);
        let congestion = self
            .opt(t, "congestion", |cx, v, f| {
                cx.choice(
                    v,
                    f,
                    &[
                        ("none", Congestion::None),
                        ("reno", Congestion::Reno),
                        ("cubic", Congestion::Cubic),
                    ],
                )
            })?
            .unwrap_or(Congestion::Cubic);
        Ok((
            HostConfig {
                ip,
                mac,
                profile,
                rx_buffer,
                tx_buffer,
                rx_coalesce,
                delayed_ack,
                arp,
                congestion,
                wakeup,
                call_cost,
            },
            HostSpans {
                ip: ip_value.span(),
                mac: mac_value.map(|v| v.span()),
            },
        ))
    }

    pub(super) fn server(&self, t: &Table<'_, '_>) -> Res<EchoServer> {
        let port = self.req(t, "port", Cx::port)?;
        let backlog = self
            .opt(t, "backlog", |cx, v, f| {
                cx.int_in(v, f, 1, MAX_BACKLOG, "a backlog")
            })?
            .unwrap_or(DEFAULT_BACKLOG) as u32;
        let mut server = EchoServer {
            mode: ServerMode::Echo,
            port,
            backlog,
            recv: to_usize(DEFAULT_ECHO_RECV),
            sleep: 0,
            transform: Transform::None,
            times: 1,
            connections: 1,
        };
        let programs: Vec<&str> = ["echo", "sink", "source"]
            .into_iter()
            .filter(|k| t.get(k).is_some())
            .collect();
        if programs.len() > 1 {
            let second = programs[1];
            let value = t.get(second).expect("present");
            return Err(self.error(
                value.span(),
                &t.field(second),
                format!(
                    "a server runs one program: `[server.{}]` and `[server.{second}]` both given",
                    programs[0]
                ),
            ));
        }
        if let Some(value) = t.get("sink") {
            let sink = self.table(value, &t.field("sink"))?;
            self.known_keys(&sink, SINK_KEYS)?;
            server.mode = ServerMode::Sink;
            self.server_common(&sink, &mut server)?;
            return Ok(server);
        }
        if let Some(value) = t.get("source") {
            let source = self.table(value, &t.field("source"))?;
            self.known_keys(&source, SOURCE_KEYS)?;
            let bytes = self.req(&source, "bytes", |cx, v, f| {
                cx.size_in(v, f, 1, MAX_SEND_BYTES)
            })?;
            server.mode = ServerMode::Source(bytes);
            self.server_common(&source, &mut server)?;
            return Ok(server);
        }
        let Some(value) = t.get("echo") else {
            return Ok(server);
        };
        let echo = self.table(value, &t.field("echo"))?;
        self.known_keys(&echo, ECHO_KEYS)?;
        self.server_common(&echo, &mut server)?;
        if let Some(tr) = self.opt(&echo, "transform", |cx, v, f| {
            cx.choice(
                v,
                f,
                &[
                    ("none", Transform::None),
                    ("upper", Transform::Upper),
                    ("lower", Transform::Lower),
                ],
            )
        })? {
            server.transform = tr;
        }
        if let Some(n) = self.opt(&echo, "times", |cx, v, f| {
            cx.int_in(v, f, 1, MAX_ECHO_TIMES, "a repeat count")
        })? {
            server.times = n as u32;
        }
        Ok(server)
    }

    /// Keys every server program has: recv, sleep, connections.
    pub(super) fn server_common(&self, t: &Table<'_, '_>, server: &mut EchoServer) -> Res<()> {
        if let Some(n) = self.opt(t, "recv", |cx, v, f| cx.size_in(v, f, 1, MAX_RECV))? {
            server.recv = to_usize(n);
        }
        if let Some(d) = self.opt(t, "sleep", Cx::duration)? {
            server.sleep = d;
        }
        if let Some(n) = self.opt(t, "connections", |cx, v, f| {
            cx.u32_in(v, f, 1, "a connection count")
        })? {
            server.connections = n;
        }
        Ok(())
    }
}

/// Where the host values that cross-checks point at are.
pub(super) struct HostSpans {
    pub(super) ip: Range<usize>,
    pub(super) mac: Option<Range<usize>>,
}
