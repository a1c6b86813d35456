//! The table is Wireshark's packet list: on V0-V4, captured at either host,
//! every row of `tcpsim run`'s table reads as the line `tshark -r` prints for
//! the same run's pcapng, token for token. Only spacing, the arrow tshark
//! puts between the addresses, and tcpsim's own notes (`[dropped] `,
//! `[duplicated] ` before Info, `  ← why` after it) are left out of the
//! comparison; times, scaled windows, options and analysis labels are not.
//!
//! Without tshark the test is skipped with a warning (it fails in CI: see
//! `tests/common/tshark.rs`).

use std::path::Path;
use std::process::Command;

use tcpsim::scenario::model::Role;

#[path = "common/tshark.rs"]
mod tshark_here;
use tshark_here::tshark_version;

/// What tshark prints on stderr when it runs as root.
const ROOT_WARNING: &str = "Running as user \"root\" and group \"root\". This could be dangerous.";

/// One of our table's rows as tshark would print it, spaces aside.
fn ours(line: &str) -> String {
    let line = line.split("  ← ").next().unwrap_or(line);
    let words: Vec<&str> = line
        .split_whitespace()
        .filter(|w| *w != "[dropped]" && *w != "[duplicated]")
        .collect();
    words.join(" ")
}

/// One of tshark's lines with the `→` between source and destination taken
/// out (the fourth word; the Info column's own `→` stays).
fn theirs(line: &str) -> String {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    if words.get(3) == Some(&"→") {
        words.remove(3);
    }
    words.join(" ")
}

#[test]
fn the_table_reads_as_tsharks_packet_list_on_v0_to_v4() {
    let Some(version) = tshark_version() else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("tcpsim-tshark-table-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rows = 0;
    for v in 0..=4 {
        for capture in [Role::Client, Role::Server] {
            let mut scenario =
                tcpsim::scenario::load(&root.join(format!("sim-scenarios/v{v}.toml"))).unwrap();
            scenario.capture = capture;
            let trace = tcpsim::run(scenario);
            let file = dir.join(format!("v{v}-{}.pcapng", capture.name()));
            std::fs::write(&file, tcpsim::render::pcapng_bytes(&trace)).unwrap();
            let out = Command::new("tshark")
                .arg("-r")
                .arg(&file)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let complaints: Vec<&str> = stderr.lines().filter(|l| *l != ROOT_WARNING).collect();
            assert!(out.status.success() && complaints.is_empty(), "{stderr}");
            let wireshark: Vec<String> = String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(theirs)
                .collect();
            let table = tcpsim::render::table(&trace);
            let mine: Vec<String> = table
                .lines()
                .skip(1)
                .take(trace.records.len())
                .map(ours)
                .collect();
            assert_eq!(
                mine.len(),
                wireshark.len(),
                "v{v} at the {}: rows",
                capture.name()
            );
            for (m, w) in mine.iter().zip(&wireshark) {
                assert_eq!(
                    m,
                    w,
                    "v{v} at the {} ({version}): tcpsim's row, then tshark's",
                    capture.name()
                );
                rows += 1;
            }
        }
    }
    assert!(rows > 100, "{rows} rows compared");
    std::fs::remove_dir_all(&dir).unwrap();
}
