//! The top level of a scenario file and the checks that span its tables
//! (distinct addresses, a client that can reach the server).

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::scenario::combined::check_combined;
use crate::scenario::cx::{Cx, Res, Table, Value};
use crate::scenario::limits::{
    CLIENT_KEYS, DEFAULT_MAX_EVENTS, DEFAULT_MAX_SIM_TIME, DEFAULT_SEED, MAX_CONNECTIONS,
    SERVER_KEYS, TOP_KEYS,
};
use crate::scenario::link::LinkSettings;
use crate::scenario::model::{CapturePoint, ClientProgram, Role, Scenario};
use crate::scenario::socket_order::Socket;
use crate::scenario::units::show_mac;

impl<'t> Cx<'t> {
    pub(super) fn scenario(
        &self,
        name: String,
        span: Range<usize>,
        map: &DeTable<'_>,
    ) -> Res<Scenario> {
        let root = Table::new(String::new(), span, map);
        self.known_keys(&root, TOP_KEYS)?;

        let seed = self
            .opt(&root, "seed", |cx, v, f| {
                cx.int_in(v, f, 0, crate::scenario::MAX_SEED, "integer")
            })?
            .unwrap_or(DEFAULT_SEED);
        let (capture_point, capture) = self
            .opt(&root, "capture", |cx, v, f| {
                cx.choice(
                    v,
                    f,
                    &[
                        ("client", (CapturePoint::Host, Role::Client)),
                        ("server", (CapturePoint::Host, Role::Server)),
                        ("wire", (CapturePoint::Wire, Role::Server)),
                    ],
                )
            })?
            .unwrap_or((CapturePoint::Host, Role::Server));
        let max_sim_time = self
            .opt(&root, "max_sim_time", |cx, v, f| {
                let t = cx.duration(v, f)?;
                if t == 0 {
                    return Err(cx.error(v.span(), f, format!("`{f}` must be greater than zero")));
                }
                Ok(t)
            })?
            .unwrap_or(DEFAULT_MAX_SIM_TIME);
        let max_events = self
            .opt(&root, "max_events", |cx, v, f| {
                cx.int_in(v, f, 1, u64::MAX, "an integer")
            })?
            .unwrap_or(DEFAULT_MAX_EVENTS);

        let link = match root.get("link") {
            Some(value) => self.link(value)?,
            None => {
                let config = LinkSettings::default().over(&LinkSettings::default());
                [config.clone(), config]
            }
        };
        let faults = match root.get("fault") {
            Some(value) => self.faults(value)?,
            None => Vec::new(),
        };

        let client_value = root.get("client").ok_or_else(|| {
            self.missing(&root, "client")
                .with_help("add a [client] table with at least `ip` and `steps`")
        })?;
        let client_table = self.table(client_value, "client")?;
        self.known_keys(&client_table, CLIENT_KEYS)?;
        let (client_host, client_spans) = self.host(&client_table, Role::Client)?;
        let client_port = self.opt(&client_table, "port", Cx::port)?;
        let connections = self
            .opt(&client_table, "connections", |cx, v, f| {
                cx.int_in(v, f, 1, MAX_CONNECTIONS, "a connection count")
            })?
            .unwrap_or(1) as u32;
        let steps = self.req(&client_table, "steps", |cx, v, f| {
            cx.steps(v, f, &mut Socket::default())
        })?;

        let server_value = root.get("server").ok_or_else(|| {
            self.missing(&root, "server")
                .with_help("add a [server] table with at least `ip` and `port`")
        })?;
        let server_table = self.table(server_value, "server")?;
        self.known_keys(&server_table, SERVER_KEYS)?;
        let (server_host, server_spans) = self.host(&server_table, Role::Server)?;
        let server = self.server(&server_table)?;

        if client_host.ip == server_host.ip {
            return Err(self
                .error(
                    server_spans.ip,
                    "server.ip",
                    format!(
                        "the server has the same IP address as the client ({})",
                        server_host.ip
                    ),
                )
                .with_help("give the two hosts different addresses"));
        }
        if client_host.mac == server_host.mac {
            let (span, field) = match (server_spans.mac, client_spans.mac) {
                (Some(span), _) => (span, "server.mac"),
                (None, Some(span)) => (span, "client.mac"),
                (None, None) => (server_spans.ip, "server.mac"),
            };
            return Err(self
                .error(
                    span,
                    field,
                    format!(
                        "the client and the server have the same MAC address ({})",
                        show_mac(&server_host.mac)
                    ),
                )
                .with_help("give the two hosts different MAC addresses"));
        }

        let scenario = Scenario {
            name,
            seed,
            capture,
            capture_point,
            max_sim_time,
            max_events,
            link,
            faults,
            hosts: [client_host, server_host],
            client: ClientProgram {
                port: client_port,
                connections,
                steps,
            },
            server,
        };
        if let Err(broken) = check_combined(&scenario) {
            let span = span_of(&root, &broken.field).unwrap_or(root.span.start..root.span.start);
            return Err(self
                .error(span, &broken.field, broken.message)
                .with_help(broken.help));
        }
        Ok(scenario)
    }
}

/// Where the value at a dotted `field` (`server.echo.times`,
/// `client.steps[2].steps[0]`) is written; `None` when the file leaves it out
/// (a default), or for `server.echo.*` written as `server.*`.
fn span_of(root: &Table<'_, '_>, field: &str) -> Option<Range<usize>> {
    let mut here: Option<&Value<'_>> = None;
    for part in field.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((key, rest)) => (key, rest.strip_suffix(']')?.parse::<usize>().ok()),
            None => (part, None),
        };
        let found = match here.map(|v| v.get_ref()) {
            None => root.get(key)?,
            Some(DeValue::Table(map)) => map.get(key)?,
            Some(_) => return None,
        };
        here = Some(match (index, found.get_ref()) {
            (None, _) => found,
            (Some(i), DeValue::Array(items)) => items.get(i)?,
            (Some(_), _) => return None,
        });
    }
    here.map(|v| v.span())
}
