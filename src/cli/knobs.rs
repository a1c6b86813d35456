//! The override flags `tcpsim run` and `tcpsim sweep` share: short flags for
//! the link (both directions) and `--set PATH=VALUE` for anything else.

use clap::Args as ClapArgs;

use tcpsim::scenario::model::Scenario;
use tcpsim::scenario::overrides::{self, OverrideError};

#[derive(ClapArgs, Debug, Clone, Default)]
pub struct Knobs {
    /// Loss probability, both directions (link.loss): 0.05 or 5%.
    #[arg(
        long,
        value_name = "P",
        allow_hyphen_values = true,
        help_heading = "Overrides"
    )]
    loss: Option<String>,
    /// One-way latency, both directions (link.latency): 20ms.
    #[arg(
        long,
        value_name = "DURATION",
        allow_hyphen_values = true,
        help_heading = "Overrides"
    )]
    delay: Option<String>,
    /// Jitter, both directions (link.jitter): 2ms.
    #[arg(
        long,
        value_name = "DURATION",
        allow_hyphen_values = true,
        help_heading = "Overrides"
    )]
    jitter: Option<String>,
    /// Line rate, both directions (link.rate): 10Mbit or unlimited.
    #[arg(
        long,
        value_name = "RATE",
        allow_hyphen_values = true,
        help_heading = "Overrides"
    )]
    rate: Option<String>,
    /// Drop-tail queue, both directions (link.queue): 64KiB or unlimited.
    #[arg(
        long,
        value_name = "SIZE",
        allow_hyphen_values = true,
        help_heading = "Overrides"
    )]
    queue: Option<String>,
    /// Duplication probability, both directions (link.dup).
    #[arg(
        long,
        value_name = "P",
        allow_hyphen_values = true,
        help_heading = "Overrides"
    )]
    dup: Option<String>,
    /// Reordering probability, both directions (link.reorder).
    #[arg(
        long,
        value_name = "P",
        allow_hyphen_values = true,
        help_heading = "Overrides"
    )]
    reorder: Option<String>,
    /// Set any value by its path in the scenario file, e.g. server.echo.recv=7,
    /// link.s2c.loss=0.1, client.congestion=reno; applied after the short flags, in order.
    #[arg(long = "set", value_name = "PATH=VALUE", help_heading = "Overrides")]
    set: Vec<String>,
}

/// One override as given: the name (a path or shorthand), its value, and the
/// flag it came from when that was a short flag.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub name: String,
    pub value: String,
    pub flag: Option<&'static str>,
}

impl Knobs {
    /// The overrides in the order they apply: the short flags, then each `--set`.
    pub fn assignments(&self) -> Result<Vec<Assignment>, OverrideError> {
        let mut out = Vec::new();
        for (flag, name, value) in [
            ("--loss", "loss", &self.loss),
            ("--delay", "delay", &self.delay),
            ("--jitter", "jitter", &self.jitter),
            ("--rate", "rate", &self.rate),
            ("--queue", "queue", &self.queue),
            ("--dup", "dup", &self.dup),
            ("--reorder", "reorder", &self.reorder),
        ] {
            if let Some(value) = value {
                out.push(Assignment {
                    name: name.to_string(),
                    value: value.clone(),
                    flag: Some(flag),
                });
            }
        }
        for text in &self.set {
            let (name, value) = overrides::split_assignment(text)?;
            out.push(Assignment {
                name: name.to_string(),
                value: value.to_string(),
                flag: None,
            });
        }
        Ok(out)
    }

    /// Apply every override to `scenario`, then the checks that span values
    /// (which a single override cannot judge: `--set client.ip=...` then
    /// `--set server.ip=...` may pass through two networks); returns them as
    /// `name=value` strings, the form `--set` takes, for replay commands.
    pub fn apply(&self, scenario: &mut Scenario) -> Result<Vec<String>, String> {
        let mut applied = Vec::new();
        for a in self.assignments().map_err(|e| e.to_string())? {
            overrides::apply(scenario, &a.name, &a.value).map_err(|e| match a.flag {
                Some(flag) => e.from_flag(flag).to_string(),
                None => e.to_string(),
            })?;
            applied.push(format!("{}={}", a.name, a.value));
        }
        if !applied.is_empty() {
            tcpsim::scenario::check_combined(scenario)
                .map_err(|broken| format!("with the overrides, {broken}"))?;
        }
        Ok(applied)
    }
}
