//! `[link]`, `[link.c2s]`, `[link.s2c]` and `[[fault]]`.

use toml::de::DeValue;

use crate::scenario::cx::{Cx, Res, Table, Value};
use crate::scenario::limits::{
    DEFAULT_LATENCY, DEFAULT_RATE_BPS, DEFAULT_REORDER_DELAY, FAULT_KEYS, LINK_DIR_KEYS, LINK_KEYS,
    MIN_QUEUE_BYTES,
};
use crate::scenario::model::{Dir, Fault, FaultAction, LinkConfig, Micros};

impl<'t> Cx<'t> {
    pub(super) fn link(&self, value: &Value<'_>) -> Res<[LinkConfig; 2]> {
        let table = self.table(value, "link")?;
        self.known_keys(&table, LINK_KEYS)?;
        let base = self.link_settings(&table)?;
        let direction = |dir: Dir| -> Res<LinkConfig> {
            let over = match table.get(dir.name()) {
                Some(v) => {
                    let sub = self.table(v, &table.field(dir.name()))?;
                    self.known_keys(&sub, LINK_DIR_KEYS)?;
                    self.link_settings(&sub)?
                }
                None => LinkSettings::default(),
            };
            Ok(base.over(&over))
        };
        let c2s = direction(Dir::ClientToServer)?;
        let s2c = direction(Dir::ServerToClient)?;
        Ok([c2s, s2c])
    }

    pub(super) fn link_settings(&self, t: &Table<'_, '_>) -> Res<LinkSettings> {
        Ok(LinkSettings {
            latency: self.opt(t, "latency", Cx::duration)?,
            jitter: self.opt(t, "jitter", Cx::duration)?,
            loss: self.opt(t, "loss", Cx::probability)?,
            dup: self.opt(t, "dup", Cx::probability)?,
            reorder: self.opt(t, "reorder", Cx::probability)?,
            reorder_delay: self.opt(t, "reorder_delay", Cx::duration)?,
            rate: self.opt(t, "rate", Cx::rate)?,
            queue: self.opt(t, "queue", |cx, v, f| {
                if let DeValue::String(s) = v.get_ref()
                    && s.trim() == "unlimited"
                {
                    return Ok(None);
                }
                cx.size_in(v, f, MIN_QUEUE_BYTES, u64::MAX).map(Some)
            })?,
        })
    }

    pub(super) fn faults(&self, value: &Value<'_>) -> Res<Vec<Fault>> {
        let items = match value.get_ref() {
            DeValue::Array(items) => items,
            DeValue::Table(_) => {
                return Err(self
                    .expected(value, "fault", "an array of tables")
                    .with_help("write each fault as [[fault]] (double brackets)"));
            }
            _ => return Err(self.expected(value, "fault", "an array of tables")),
        };
        let mut faults = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let table = self.table(item, &format!("fault[{i}]"))?;
            self.known_keys(&table, FAULT_KEYS)?;
            faults.push(self.fault(&table)?);
        }
        Ok(faults)
    }

    pub(super) fn fault(&self, t: &Table<'_, '_>) -> Res<Fault> {
        let partition = t
            .get("action")
            .is_some_and(|v| matches!(v.get_ref(), DeValue::String(s) if s.trim() == "partition"));
        if partition {
            return self.partition(t);
        }
        self.refuse(t, &["from", "until"], |field, key| {
            (
                format!("`{field}` is only allowed with action = \"partition\""),
                format!("remove `{key}`, or choose action = \"partition\""),
            )
        })?;
        let dir = self.req(t, "dir", |cx, v, f| {
            cx.choice(
                v,
                f,
                &[("c2s", Dir::ClientToServer), ("s2c", Dir::ServerToClient)],
            )
        })?;
        let flags = self.opt(t, "flags", Cx::flags)?;
        let seq = self.opt(t, "seq", |cx, v, f| {
            cx.u32_in(v, f, 0, "a relative sequence number")
        })?;
        let len = self.opt(t, "len", |cx, v, f| cx.u32_in(v, f, 0, "a payload length"))?;
        let nth = self
            .opt(t, "nth", |cx, v, f| cx.u32_in(v, f, 1, "a match count"))?
            .unwrap_or(1);
        #[derive(Clone, Copy, PartialEq)]
        enum Kind {
            Drop,
            Delay,
            Stall,
            Partition,
        }
        let kind = self.req(t, "action", |cx, v, f| {
            cx.choice(
                v,
                f,
                &[
                    ("drop", Kind::Drop),
                    ("delay", Kind::Delay),
                    ("stall", Kind::Stall),
                    ("partition", Kind::Partition),
                ],
            )
        })?;
        let delay = self.opt(t, "delay", Cx::duration)?;
        let action = match (kind, delay) {
            (Kind::Partition, _) => unreachable!("a partition is read by `partition`"),
            (Kind::Drop, None) => FaultAction::Drop,
            (Kind::Delay, Some(d)) => FaultAction::Delay(d),
            (Kind::Stall, Some(d)) => FaultAction::Stall(d),
            (Kind::Drop, Some(_)) => {
                let field = t.field("delay");
                let span = t.get("delay").map_or(t.span.clone(), |v| v.span());
                return Err(self
                    .error(
                        span,
                        &field,
                        format!("`{field}` is only allowed with action = \"delay\" or \"stall\""),
                    )
                    .with_help("remove `delay`, or choose action = \"delay\" or \"stall\""));
            }
            (Kind::Delay | Kind::Stall, None) => {
                let field = t.field("delay");
                let action = t.get("action");
                let span = action.map_or(t.span.clone(), |v| v.span());
                let name = action.map_or("delay".to_string(), |v| self.shown(v));
                return Err(self
                    .error(
                        span,
                        &field,
                        format!("action = {name} needs a `delay` in `{}`", t.path),
                    )
                    .with_help("add a line like delay = \"20ms\""));
            }
        };
        Ok(Fault {
            dir,
            flags,
            seq,
            len,
            nth,
            action,
        })
    }

    /// An error at the first of `keys` that `t` has; `say(field, key)` gives
    /// the message and the help.
    fn refuse(
        &self,
        t: &Table<'_, '_>,
        keys: &[&str],
        say: impl Fn(&str, &str) -> (String, String),
    ) -> Res<()> {
        for key in keys {
            if let Some(value) = t.get(key) {
                let field = t.field(key);
                let (message, help) = say(&field, key);
                return Err(self.error(value.span(), &field, message).with_help(help));
            }
        }
        Ok(())
    }

    /// A `[[fault]]` with action = "partition": a window of time in which
    /// the link drops every frame, one way (`dir`) or both (the default).
    fn partition(&self, t: &Table<'_, '_>) -> Res<Fault> {
        self.refuse(t, &["flags", "seq", "len", "nth", "delay"], |field, key| {
            (
                format!("`{field}` is not allowed with action = \"partition\""),
                format!("a partition drops every frame from `from` until `until`: remove `{key}`"),
            )
        })?;
        let dir = self.opt(t, "dir", |cx, v, f| {
            cx.choice(
                v,
                f,
                &[
                    ("c2s", Some(Dir::ClientToServer)),
                    ("s2c", Some(Dir::ServerToClient)),
                    ("both", None),
                ],
            )
        })?;
        let from = self.req(t, "from", Cx::duration)?;
        let until = self.req(t, "until", Cx::duration)?;
        if until <= from {
            let field = t.field("until");
            let span = t.get("until").map_or(t.span.clone(), |v| v.span());
            return Err(self
                .error(span, &field, format!("`{field}` must be later than `from`"))
                .with_help("the link drops frames from `from` until `until`"));
        }
        Ok(Fault::partition(dir.flatten(), from, until))
    }
}

/// Link keys given in one table; `None` where the table leaves them out.
#[derive(Default)]
pub(super) struct LinkSettings {
    pub(super) latency: Option<Micros>,
    pub(super) jitter: Option<Micros>,
    pub(super) loss: Option<f64>,
    pub(super) dup: Option<f64>,
    pub(super) reorder: Option<f64>,
    pub(super) reorder_delay: Option<Micros>,
    pub(super) rate: Option<Option<u64>>,
    pub(super) queue: Option<Option<u64>>,
}

impl LinkSettings {
    /// `over`'s keys, falling back to `self`'s, falling back to the defaults.
    pub(super) fn over(&self, over: &LinkSettings) -> LinkConfig {
        LinkConfig {
            latency: over.latency.or(self.latency).unwrap_or(DEFAULT_LATENCY),
            jitter: over.jitter.or(self.jitter).unwrap_or(0),
            loss: over.loss.or(self.loss).unwrap_or(0.0),
            dup: over.dup.or(self.dup).unwrap_or(0.0),
            reorder: over.reorder.or(self.reorder).unwrap_or(0.0),
            reorder_delay: over
                .reorder_delay
                .or(self.reorder_delay)
                .unwrap_or(DEFAULT_REORDER_DELAY),
            rate_bps: over.rate.or(self.rate).unwrap_or(Some(DEFAULT_RATE_BPS)),
            queue_bytes: over.queue.or(self.queue).unwrap_or(None),
        }
    }
}
