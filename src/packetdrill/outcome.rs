//! What running one script gives: its verdict, and the trace of the run.

use std::fmt;

use crate::trace::Trace;

/// The verdict on one script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every event happened as the script says.
    Pass,
    /// The first event that did not, with packetdrill's wording of why.
    Fail {
        /// 1-based line of the event.
        line: usize,
        /// What differed, e.g. `live packet field tcp_seq: expected: 1001
        /// vs actual: 1`.
        message: String,
    },
    /// The script asks for something tcpsim does not model (a UDP packet, a
    /// `%{ }%` block reading a field tcpsim cannot know, `poll()`): it is
    /// neither passed nor failed.
    Skip {
        /// 1-based line of the construct.
        line: usize,
        /// What is not supported.
        reason: String,
    },
}

impl Verdict {
    /// The word the CLI prints: PASS, FAIL or SKIP.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail { .. } => "FAIL",
            Verdict::Skip { .. } => "SKIP",
        }
    }

    /// Whether the script passed.
    pub fn passed(&self) -> bool {
        *self == Verdict::Pass
    }
}

/// The result of running a script: the verdict, the run's trace (the host
/// under test's capture: every segment injected and sent, up to where the
/// script ended or failed), and notes for `--verbose` (settings applied or
/// ignored, shell commands not run).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// PASS, FAIL or SKIP.
    pub verdict: Verdict,
    /// The run as any tcpsim run is recorded.
    pub trace: Trace,
    /// One line per setting or command the runner applied, ignored or did not
    /// recognise, in script order.
    pub notes: Vec<String>,
}

impl Outcome {
    /// `PASS path`, `FAIL path:LINE: message` or `SKIP path:LINE: reason`.
    pub fn line(&self, path: &str) -> String {
        match &self.verdict {
            Verdict::Pass => format!("PASS {path}"),
            Verdict::Fail { line, message } => format!("FAIL {path}:{line}: {message}"),
            Verdict::Skip { line, reason } => format!("SKIP {path}:{line}: {reason}"),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Pass => f.write_str("PASS"),
            Verdict::Fail { line, message } => write!(f, "FAIL line {line}: {message}"),
            Verdict::Skip { line, reason } => write!(f, "SKIP line {line}: {reason}"),
        }
    }
}

/// Seconds as packetdrill prints them in timing errors: three decimals when
/// the time is a whole millisecond, six otherwise.
pub(crate) fn secs(us: i64) -> String {
    let sign = if us < 0 { "-" } else { "" };
    let abs = us.unsigned_abs();
    if abs.is_multiple_of(1000) {
        format!("{sign}{}.{:03}", abs / 1_000_000, (abs / 1000) % 1000)
    } else {
        format!("{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::secs;

    #[test]
    fn seconds_keep_microseconds_only_when_there_are_some() {
        assert_eq!(secs(240_000), "0.240");
        assert_eq!(secs(231_500), "0.231500");
        assert_eq!(secs(2_000_000), "2.000");
        assert_eq!(secs(-4_000), "-0.004");
    }
}
