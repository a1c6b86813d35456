//! The `tcpsim` command as a newcomer runs it.

use std::process::Command;

fn tcpsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tcpsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("tcpsim runs")
}

#[test]
fn run_v2_prints_the_trace_ending_in_two_rsts() {
    let out = tcpsim(&["run", "sim-scenarios/v2.toml"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.parse::<u32>().is_ok())
        })
        .collect();
    assert_eq!(rows.len(), 12, "{text}");
    assert!(rows[10].contains("[RST] Seq=21 "), "{}", rows[10]);
    assert!(rows[11].contains("[RST] Seq=22 "), "{}", rows[11]);
    assert!(text.contains("seed 1"), "the seed is printed: {text}");
}

#[test]
fn tsv_has_the_documented_header_and_one_row_per_frame() {
    let out = tcpsim(&["run", "sim-scenarios/v3.toml", "--format", "tsv"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("no\ttime_us\tsrc\tdst\tflags\tseq\tack\twin\tlen\tframe_len\tfate\tnote\tanalysis")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 19);
    assert!(rows.iter().all(|r| r.len() == 13));
    assert_eq!(rows[13][10], "dropped");
    assert_eq!(rows[16][4], "RST,ACK");
}

#[test]
fn json_lines_carry_raw_numbers() {
    let out = tcpsim(&[
        "run",
        "sim-scenarios/v1.toml",
        "--format",
        "json",
        "--seed",
        "9",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["flags"], "SYN");
    assert_eq!(first["seq"], 0);
    assert!(first["raw_seq"].as_u64().is_some());
}

#[test]
fn capture_at_the_client_shows_the_clients_view() {
    let out = tcpsim(&[
        "run",
        "sim-scenarios/v3.toml",
        "--capture",
        "client",
        "--format",
        "tsv",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    // The dropped tail never reaches the client: it is not in the client's capture.
    assert!(!text.contains("\tdropped\t"), "{text}");
}

#[test]
fn a_bad_scenario_is_an_error_naming_file_line_and_field_with_exit_code_2() {
    let dir = std::env::temp_dir().join(format!("tcpsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "[link]\nloss = 1.5\n[client]\nip = \"10.0.0.1\"\nsteps = [\"connect\"]\n[server]\nip = \"10.0.0.2\"\nport = 1\n",
    )
    .unwrap();
    let out = tcpsim(&["run", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.toml:2:8"), "{err}");
    assert!(err.contains("link.loss"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn time_seq_draws_v3s_lost_tail_and_its_probe() {
    let dir = std::env::temp_dir().join(format!("tcpsim-cli-timeseq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("v3-ts.svg");
    let out = tcpsim(&[
        "run",
        "sim-scenarios/v3.toml",
        "--time-seq",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = std::fs::read_to_string(&file).unwrap();
    assert!(
        svg.contains("server → client (port 12345 → 52196)"),
        "{svg}"
    );
    // Nine full segments and the lost 1416-byte tail, then the probe.
    assert_eq!(svg.matches(r#"class="segment new""#).count(), 10);
    assert_eq!(svg.matches(r#"class="segment tlp""#).count(), 1);
    assert_eq!(svg.matches(r#"class="lost""#).count(), 1);
    assert!(
        svg.contains(r#"class="in-flight""#),
        "the cwnd panel is there"
    );
    // The other direction, and a port that is not there.
    let out = tcpsim(&[
        "run",
        "sim-scenarios/v3.toml",
        "--time-seq",
        file.to_str().unwrap(),
        "--dir",
        "c2s",
    ]);
    assert!(out.status.success());
    let svg = std::fs::read_to_string(&file).unwrap();
    assert!(svg.contains("client → server"));
    let out = tcpsim(&[
        "run",
        "sim-scenarios/v3.toml",
        "--time-seq",
        file.to_str().unwrap(),
        "--conn",
        "9",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--conn 9: no connection has client port 9; the trace has 52196"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
