//! Whether Wireshark's tshark can be run. Tests that compare with it skip,
//! with a warning on standard error, when it is missing; CI installs it
//! (`.ci/run`), and there (`CI` set) or with `TCPSIM_REQUIRE_TSHARK=1` a
//! missing tshark fails the test instead, so the comparison cannot silently
//! stop running.

use std::io::Write;
use std::process::Command;

/// tshark's version line, e.g. `TShark (Wireshark) 4.0.17 (...)`, or `None`
/// after warning that the calling test is skipped.
pub fn tshark_version() -> Option<String> {
    let why = match Command::new("tshark").arg("--version").output() {
        Ok(out) if out.status.success() => {
            return Some(
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        Ok(out) => format!("`tshark --version` exited with {}", out.status),
        Err(e) => format!("tshark could not be run: {e}"),
    };
    let required = std::env::var_os("CI").is_some()
        || std::env::var("TCPSIM_REQUIRE_TSHARK").as_deref() == Ok("1");
    if required {
        panic!(
            "{why}.\nThe Wireshark cross-check needs tshark (apt-get install -y tshark); \
             it is required here because CI or TCPSIM_REQUIRE_TSHARK=1 is set"
        );
    }
    // Straight to stderr, past the test harness's output capture, so that the
    // skip shows even though the test passes.
    let _ = writeln!(
        std::io::stderr(),
        "\nSKIPPED: {why}; the Wireshark cross-check did not run. \
         Install tshark to run it: apt-get install -y tshark\n"
    );
    None
}
