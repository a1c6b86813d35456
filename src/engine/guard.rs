//! Running a scenario so that a panic inside the engine (smoltcp's own
//! assertions, an index out of range in the socket layer) becomes an error
//! report that names the scenario and seed to replay, instead of taking down a
//! whole sweep or property run.
//!
//! The panic's message and location are caught by a panic hook installed once
//! per process. The hook only swallows panics on a thread that is inside
//! [`run_catching`]; every other panic goes to the hook that was there before,
//! so test harnesses and the default message keep working.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::Once;

use crate::scenario::model::Scenario;
use crate::trace::Trace;

/// A run that panicked: what to replay, and what the panic said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPanic {
    /// The scenario's name (its file stem).
    pub scenario: String,
    /// The seed of the run.
    pub seed: u64,
    /// The panic message.
    pub message: String,
    /// Where the panic was raised (`file:line:column`), when known.
    pub location: Option<String>,
    /// The scenario file to name in the replay command; `None` shows `NAME.toml`.
    pub file: Option<String>,
    /// More arguments of the replay command (a sweep cell's `--set`s),
    /// ready for a shell (a boxed slice: `Result`s carrying the error stay small).
    pub args: Box<[String]>,
}

impl RunPanic {
    /// Name the scenario file in the replay command.
    pub fn with_file(mut self, file: impl Into<String>) -> RunPanic {
        self.file = Some(file.into());
        self
    }

    /// Add arguments to the replay command (already quoted for a shell).
    pub fn with_args(mut self, args: Vec<String>) -> RunPanic {
        self.args = args.into_boxed_slice();
        self
    }
}

impl fmt::Display for RunPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self
            .file
            .clone()
            .unwrap_or_else(|| format!("{}.toml", self.scenario));
        write!(
            f,
            "simulation panicked (scenario {}, seed {}): {}",
            self.scenario, self.seed, self.message
        )?;
        if let Some(at) = &self.location {
            write!(f, " at {at}")?;
        }
        write!(f, "; replay with: tcpsim run {file} --seed {}", self.seed)?;
        for arg in &self.args {
            write!(f, " {arg}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RunPanic {}

/// A caught panic's message and location.
type Caught = (String, Option<String>);

thread_local! {
    /// `Some` while this thread is inside `run_catching`: where the hook
    /// leaves what it saw.
    static CATCHING: RefCell<Option<Option<Caught>>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            let caught = CATCHING.with(|c| {
                let mut slot = c.borrow_mut();
                match slot.as_mut() {
                    Some(seen) => {
                        let location = info
                            .location()
                            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                        *seen = Some((payload_text(info.payload()), location));
                        true
                    }
                    None => false,
                }
            });
            if !caught {
                previous(info);
            }
        }));
    });
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Run `scenario` like [`crate::run`], turning a panic into a [`RunPanic`].
pub fn run_catching(scenario: Scenario) -> Result<Trace, RunPanic> {
    catching(scenario, crate::run)
}

/// Run `scenario` with `run` (other options, a streamed capture), turning a
/// panic into a [`RunPanic`] that names the scenario and seed.
///
/// The engine holds no state between runs, so nothing is left half-updated
/// when a run is abandoned (hence `AssertUnwindSafe`); whatever `run` owns
/// (an output file, say) is dropped on the way out.
pub fn catching<T>(scenario: Scenario, run: impl FnOnce(Scenario) -> T) -> Result<T, RunPanic> {
    install_hook();
    let name = scenario.name.clone();
    let seed = scenario.seed;
    CATCHING.with(|c| *c.borrow_mut() = Some(None));
    let result = panic::catch_unwind(AssertUnwindSafe(move || run(scenario)));
    let seen = CATCHING.with(|c| c.borrow_mut().take()).flatten();
    result.map_err(|payload| {
        let (message, location) = seen.unwrap_or_else(|| (payload_text(payload.as_ref()), None));
        RunPanic {
            scenario: name,
            seed,
            message,
            location,
            file: None,
            args: Box::default(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_scenario_seed_message_and_replay() {
        let p = RunPanic {
            scenario: "v3".to_string(),
            seed: 7,
            message: "attempt to subtract with overflow".to_string(),
            location: None,
            file: None,
            args: Box::default(),
        };
        assert_eq!(
            p.to_string(),
            "simulation panicked (scenario v3, seed 7): attempt to subtract with overflow; \
             replay with: tcpsim run v3.toml --seed 7"
        );
        let p = p.with_file("sim-scenarios/v3.toml");
        assert!(
            p.to_string()
                .ends_with("replay with: tcpsim run sim-scenarios/v3.toml --seed 7")
        );
    }
}
