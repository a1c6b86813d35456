//! Command-line overrides: set one value of a validated [`Scenario`] by its
//! dotted path, the path a scenario file would use (`link.s2c.loss`,
//! `server.echo.recv`, `client.steps[2].recv`, `fault[0].delay`, `seed`).
//!
//! What-if questions ("what if 5% of segments are lost?") should not need an
//! edited copy of the file: `tcpsim run v3.toml --set link.loss=0.05` gives the
//! same scenario as writing `loss = 0.05` under `[link]`. Values are the
//! strings people type, parsed with the same unit parsers and the same limits
//! as the file (see sim-scenarios/README.md), so an override can never make a
//! scenario the file parser would reject.
//!
//! A few names stand for a path, or for several paths set together
//! ([`SHORTHANDS`]): `loss` is `link.loss` (both directions), `delay` is
//! `link.latency`, `buffer` sets both hosts' receive and send buffers, as
//! smoltcp's own netsim test does.
//!
//! [`settings`] lists every effective value of a scenario in the same
//! `path=value` form, and [`describe`] lays them out for a summary, so a result
//! always carries what is needed to reproduce it.

mod apply;
mod partition;
mod path;
mod set;
mod show;
mod value;

use std::fmt;

use crate::scenario::error::clip;
use crate::scenario::model::Scenario;

pub use show::{Setting, describe, settings};

/// Names that stand for one or more paths: the short flags of `tcpsim run`
/// and `tcpsim sweep --vary`. Link keys set both directions, like the same key
/// in `[link]`.
pub const SHORTHANDS: &[(&str, &[&str])] = &[
    ("loss", &["link.loss"]),
    ("delay", &["link.latency"]),
    ("latency", &["link.latency"]),
    ("jitter", &["link.jitter"]),
    ("rate", &["link.rate"]),
    ("queue", &["link.queue"]),
    ("dup", &["link.dup"]),
    ("reorder", &["link.reorder"]),
    ("reorder_delay", &["link.reorder_delay"]),
    (
        "buffer",
        &[
            "client.rx_buffer",
            "client.tx_buffer",
            "server.rx_buffer",
            "server.tx_buffer",
        ],
    ),
    ("congestion", &["client.congestion", "server.congestion"]),
];

/// The paths a name sets: a shorthand's paths, or the name itself.
pub fn targets(name: &str) -> Vec<String> {
    match SHORTHANDS.iter().find(|(short, _)| *short == name) {
        Some((_, paths)) => paths.iter().map(|p| p.to_string()).collect(),
        None => vec![name.to_string()],
    }
}

/// Why an override was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideError {
    /// The path (or shorthand) as given.
    pub path: String,
    /// The value as given.
    pub value: String,
    /// What is wrong, naming the path.
    pub reason: String,
    /// A hint at the fix, when there is one.
    pub help: Option<String>,
    /// How the user wrote it (`--loss 1.5`), when not as `--set path=value`.
    pub origin: Option<String>,
}

impl OverrideError {
    pub(crate) fn new(path: &str, value: &str, reason: impl Into<String>) -> OverrideError {
        OverrideError {
            path: path.to_string(),
            value: value.to_string(),
            reason: reason.into(),
            help: None,
            origin: None,
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> OverrideError {
        self.help = Some(help.into());
        self
    }

    /// Name the flag the value came from in the message (`--loss 1.5`).
    pub fn from_flag(mut self, flag: &str) -> OverrideError {
        self.origin = Some(format!("{flag} {}", self.value));
        self
    }
}

impl fmt::Display for OverrideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Inputs are quoted clipped: a 10 MB value is not echoed whole.
        match &self.origin {
            Some(origin) => write!(f, "invalid `{}`: {}", clip(origin), self.reason)?,
            None => write!(
                f,
                "invalid override `{}={}`: {}",
                clip(&self.path),
                clip(&self.value),
                self.reason
            )?,
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OverrideError {}

/// Set the value at `path` (a dotted path as in the scenario file, or a
/// [shorthand](SHORTHANDS)) to `value`, parsed and checked as the file
/// parser checks it. Spaces around the value are ignored, except in the
/// data of a `send` step, which is taken as given. On error the scenario is
/// unchanged.
pub fn apply(scenario: &mut Scenario, path: &str, value: &str) -> Result<(), OverrideError> {
    let mut changed = scenario.clone();
    for target in targets(path.trim()) {
        apply::one(&mut changed, &target, value).map_err(|mut e| {
            // Report the name as the user wrote it.
            e.path = path.to_string();
            e.value = value.to_string();
            // The reasons quote the value; a long one only in part.
            for v in [value, value.trim()] {
                if v.chars().count() > crate::scenario::QUOTE_CHARS {
                    e.reason = e
                        .reason
                        .replace(&format!("{v:?}"), &format!("{:?}", clip(v)))
                        .replace(v, &clip(v));
                }
            }
            e
        })?;
    }
    *scenario = changed;
    Ok(())
}

/// Split a `--set` argument `PATH=VALUE` at its first `=`.
pub fn split_assignment(text: &str) -> Result<(&str, &str), OverrideError> {
    match text.split_once('=') {
        Some((path, value)) if !path.trim().is_empty() => Ok((path.trim(), value)),
        _ => Err(OverrideError {
            path: text.to_string(),
            value: String::new(),
            reason: "expected PATH=VALUE".to_string(),
            help: Some("for example --set link.loss=0.05 or --set server.echo.recv=7".to_string()),
            origin: Some(format!("--set {text}")),
        }),
    }
}
