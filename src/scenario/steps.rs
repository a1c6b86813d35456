//! A client's `steps`: connect, send, recv, sleep, shutdown, close, repeat.

use toml::de::DeValue;

use crate::scenario::cx::{Cx, Res, Table, Value, to_usize};
use crate::scenario::error::{closest, list};
use crate::scenario::limits::{MAX_RECV, MAX_SEND_BYTES, REPEAT_KEYS, STEP_KINDS};
use crate::scenario::model::Step;
use crate::scenario::socket_order::Socket;

impl<'t> Cx<'t> {
    /// A non-empty list of steps. `socket` is where the client's socket
    /// stands (in program order), so that use before `connect`, a second
    /// `connect` and use after `close` are caught (`socket_order.rs`).
    pub(super) fn steps(
        &self,
        value: &Value<'_>,
        field: &str,
        socket: &mut Socket,
    ) -> Res<Vec<Step>> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self
                .expected(value, field, "an array of steps")
                .with_help("write steps = [\"connect\", { send = \"hi\" }, \"close\"]"));
        };
        if items.is_empty() {
            return Err(self
                .error(
                    value.span(),
                    field,
                    format!("`{field}` must list at least one step"),
                )
                .with_help("for example: steps = [\"connect\", \"close\"]"));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.step(item, &format!("{field}[{i}]"), socket))
            .collect()
    }

    pub(super) fn step(&self, value: &Value<'_>, field: &str, socket: &mut Socket) -> Res<Step> {
        let step = match value.get_ref() {
            DeValue::String(s) => match s.as_ref() {
                "connect" => Step::Connect,
                "close" => Step::Close,
                "shutdown" => Step::Shutdown,
                other => {
                    let err = self.error(
                        value.span(),
                        field,
                        format!(
                            "unknown step {} at `{field}`; the plain-string steps are \"connect\", \"shutdown\" and \"close\"",
                            self.shown(value)
                        ),
                    );
                    return Err(if STEP_KINDS.contains(&other) {
                        err.with_help(format!(
                            "`{other}` takes a value: write {{ {other} = ... }}"
                        ))
                    } else if let Some(guess) = closest(other, &["connect", "shutdown", "close"]) {
                        err.with_help(format!("did you mean \"{guess}\"?"))
                    } else {
                        err.with_help(format!(
                            "table steps are {}",
                            STEP_KINDS
                                .iter()
                                .map(|k| format!("{{ {k} = ... }}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    });
                }
            },
            DeValue::Table(map) => {
                let table = Table::new(field.to_string(), value.span(), map);
                let (key, inner) = match table.entries.as_slice() {
                    [] => {
                        return Err(self
                            .error(
                                value.span(),
                                field,
                                format!("`{field}` is an empty step table"),
                            )
                            .with_help(format!(
                                "a step table has exactly one key: {}",
                                list(STEP_KINDS)
                            )));
                    }
                    [(key, inner)] => (key.get_ref().as_ref(), *inner),
                    [(first, _), (second, _), ..] => {
                        return Err(self
                            .error(
                                second.span(),
                                &table.field(second.get_ref()),
                                format!(
                                    "a step does one thing, but `{field}` has both `{}` and `{}`",
                                    first.get_ref(),
                                    second.get_ref()
                                ),
                            )
                            .with_help("split it into two steps"));
                    }
                };
                self.known_keys(&table, STEP_KINDS)?;
                let inner_field = table.field(key);
                let f = inner_field.as_str();
                match key {
                    "send" => {
                        let s = self.string(inner, f, "a string of data to send")?;
                        if s.is_empty() {
                            return Err(self
                                .error(inner.span(), f, format!("`{f}` must not be empty"))
                                .with_help("to send nothing, remove the step"));
                        }
                        Step::Send(s.as_bytes().to_vec())
                    }
                    "send_bytes" => Step::SendBytes(self.size_in(inner, f, 1, MAX_SEND_BYTES)?),
                    "recv" => Step::Recv(to_usize(self.size_in(inner, f, 1, MAX_RECV)?)),
                    "recv_all" => Step::RecvAll(to_usize(self.size_in(inner, f, 1, MAX_RECV)?)),
                    "sleep" => return Ok(Step::Sleep(self.duration(inner, f)?)),
                    _ => return self.repeat(inner, f, socket),
                }
            }
            _ => {
                return Err(self.expected(
                    value,
                    field,
                    "\"connect\", \"shutdown\", \"close\" or a table such as { send = \"hi\" }",
                ));
            }
        };
        *socket = socket.after(&step).map_err(|misuse| {
            self.error(value.span(), field, misuse.message(field))
                .with_help(misuse.help())
        })?;
        Ok(step)
    }

    pub(super) fn repeat(&self, value: &Value<'_>, field: &str, socket: &mut Socket) -> Res<Step> {
        let table = self.table(value, field)?;
        self.known_keys(&table, REPEAT_KEYS)?;
        let times = self.req(&table, "times", |cx, v, f| {
            cx.u32_in(v, f, 1, "a repeat count")
        })?;
        let steps = self.req(&table, "steps", |cx, v, f| cx.steps(v, f, socket))?;
        if times >= 2 {
            // The second round starts where the first left the socket.
            self.req(&table, "steps", |cx, v, f| cx.steps(v, f, socket))?;
        }
        Ok(Step::Repeat { times, steps })
    }
}
