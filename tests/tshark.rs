//! Cross-check with Wireshark: our pcapng files open in tshark without a
//! warning, every checksum is good, tshark reads the same segments as our
//! tsv rows, and its TCP analysis marks the same segments as ours.
//!
//! Without tshark these tests are skipped with a warning, except in CI (`CI`
//! set) or with `TCPSIM_REQUIRE_TSHARK=1`, where they fail.
//! `cargo test --test tshark -- --ignored --nocapture` runs the agreement
//! survey over many seeds (`TCPSIM_TSHARK_SEEDS`, default 40) and prints it:
//! rows and flags compared, per field how often both, only we or only tshark
//! set it, and the first example of every disagreement.
//!
//! The scenarios: V0-V4 as captured at either host (their analysis must agree
//! with tshark's flag for flag), and four troubled links over the lossy
//! scenario's 13000-byte reply: `lossy.toml` itself, reordering only,
//! duplication only, and a slow reader with a 2 KiB receive buffer (full and
//! zero windows, window updates, keep-alive-like probes).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tcpsim::scenario::model::{Role, Scenario};
use tcpsim::trace::analysis::{self, Flag};
use tcpsim::trace::{Trace, flags};

/// What tshark prints on stderr for every file when it runs as root; it is
/// about the user running the test, not about the file.
const ROOT_WARNING: &str = "Running as user \"root\" and group \"root\". This could be dangerous.";

/// tshark's analysis fields that are set (to 1) or absent.
const ANALYSIS_FIELDS: [&str; 15] = [
    "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission",
    "tcp.analysis.out_of_order",
    "tcp.analysis.lost_segment",
    "tcp.analysis.ack_lost_segment",
    "tcp.analysis.duplicate_ack",
    "tcp.analysis.zero_window",
    "tcp.analysis.zero_window_probe",
    "tcp.analysis.zero_window_probe_ack",
    "tcp.analysis.window_full",
    "tcp.analysis.window_update",
    "tcp.analysis.keep_alive",
    "tcp.analysis.keep_alive_ack",
    "tcp.analysis.reused_ports",
];

/// The fields asked for, in this order, before the analysis fields.
const FIELDS: [&str; 11] = [
    "frame.len",
    "tcp.flags",
    "tcp.seq",
    "tcp.ack",
    "tcp.len",
    "tcp.checksum.status",
    "ip.checksum.status",
    "tcp.analysis.duplicate_ack_num",
    "tcp.analysis.duplicate_ack_frame",
    "frame.comment",
    "_ws.col.Info",
];

/// Wireshark's value of a checksum status field for a verified, good checksum
/// (`PROTO_CHECKSUM_E_GOOD`).
const CHECKSUM_GOOD: &str = "1";

/// One packet as tshark dissected it.
#[derive(Debug)]
struct Dissected {
    frame_len: u32,
    flags: u8,
    seq: u32,
    ack: u32,
    len: u32,
    tcp_checksum: String,
    ip_checksum: String,
    dup_num: Option<u32>,
    dup_frame: Option<usize>,
    comment: String,
    info: String,
    analysis: Vec<&'static str>,
}

#[path = "common/tshark.rs"]
mod tshark_here;
use tshark_here::tshark_version;

/// Whether tshark can be run (see `tests/common/tshark.rs`: a skip with a
/// warning where it is missing, a failure in CI).
fn tshark_ready() -> bool {
    tshark_version().is_some()
}

/// A fresh directory for this test's files.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tcpsim-tshark-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Write the trace's pcapng into `dir` and dissect it with tshark.
fn dissect(trace: &Trace, dir: &Path, name: &str) -> Vec<Dissected> {
    let file = dir.join(format!("{name}.pcapng"));
    let out = std::fs::File::create(&file).expect("create pcapng");
    tcpsim::render::write_pcapng(trace, std::io::BufWriter::new(out)).expect("write pcapng");
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(&file)
        .args(["-o", "tcp.check_checksum:TRUE"])
        .args(["-o", "ip.check_checksum:TRUE"])
        .args(["-o", "tcp.relative_sequence_numbers:TRUE"])
        .args(["-o", "tcp.analyze_sequence_numbers:TRUE"])
        // The payload is test bytes, not the protocol of the port it uses.
        .args(["-o", "tcp.try_heuristic_first:FALSE"])
        .args(["--disable-protocol", "http"])
        .args(["-T", "fields", "-E", "occurrence=f"]);
    for field in FIELDS.iter().chain(&ANALYSIS_FIELDS) {
        cmd.args(["-e", field]);
    }
    let out = cmd.output().expect("tshark runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let complaints: Vec<&str> = stderr.lines().filter(|l| *l != ROOT_WARNING).collect();
    assert!(
        out.status.success() && complaints.is_empty(),
        "{name}: tshark exited with {} and said:\n{}",
        out.status,
        complaints.join("\n")
    );
    String::from_utf8(out.stdout)
        .expect("tshark prints UTF-8")
        .lines()
        .map(|line| parse_line(line, name))
        .collect()
}

fn parse_line(line: &str, name: &str) -> Dissected {
    let cells: Vec<&str> = line.split('\t').collect();
    assert_eq!(
        cells.len(),
        FIELDS.len() + ANALYSIS_FIELDS.len(),
        "{name}: {line:?}"
    );
    let num = |i: usize| -> u32 {
        cells[i]
            .parse()
            .unwrap_or_else(|_| panic!("{name}: field {} is {:?}", FIELDS[i], cells[i]))
    };
    let flags = u16::from_str_radix(cells[1].trim_start_matches("0x"), 16)
        .unwrap_or_else(|_| panic!("{name}: tcp.flags {:?}", cells[1]));
    Dissected {
        frame_len: num(0),
        flags: flags as u8,
        seq: num(2),
        ack: num(3),
        len: num(4),
        tcp_checksum: cells[5].to_string(),
        ip_checksum: cells[6].to_string(),
        dup_num: cells[7].parse().ok(),
        dup_frame: cells[8].parse().ok(),
        comment: cells[9].to_string(),
        info: cells[10].to_string(),
        analysis: ANALYSIS_FIELDS
            .iter()
            .zip(&cells[FIELDS.len()..])
            .filter(|(_, v)| !v.is_empty())
            .map(|(f, _)| *f)
            .collect(),
    }
}

/// Our tsv, parsed back: (flags, seq, ack, len, frame_len, analysis) per row.
fn tsv_rows(trace: &Trace) -> Vec<(u8, u32, u32, u32, u32, String)> {
    let text = tcpsim::render::tsv(trace);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (f, s, a, l, fl, an) = (
        col("flags"),
        col("seq"),
        col("ack"),
        col("len"),
        col("frame_len"),
        col("analysis"),
    );
    lines
        .map(|line| {
            let c: Vec<&str> = line.split('\t').collect();
            (
                flags::from_csv(c[f]).expect("flags"),
                c[s].parse().unwrap(),
                c[a].parse().unwrap(),
                c[l].parse().unwrap(),
                c[fl].parse().unwrap(),
                c[an].to_string(),
            )
        })
        .collect()
}

/// The analysis fields tshark sets for our flags: fast and spurious
/// retransmissions are also plain retransmissions to Wireshark.
fn expected_fields(flags: &[Flag]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = flags.iter().map(Flag::name).collect();
    if flags
        .iter()
        .any(|f| matches!(f, Flag::FastRetransmission | Flag::SpuriousRetransmission))
    {
        out.push("tcp.analysis.retransmission");
    }
    out.sort();
    out.dedup();
    out
}

/// The `[TCP ...] ` labels at the start of an Info column.
fn leading_labels(info: &str) -> String {
    let mut rest = info;
    let mut out = String::new();
    while rest.starts_with("[TCP ") {
        let Some(end) = rest.find("] ") else { break };
        out.push_str(&rest[..end + 2]);
        rest = &rest[end + 2..];
    }
    out
}

/// Everything but the analysis must agree exactly.
fn assert_same_packets(trace: &Trace, seen: &[Dissected], name: &str) {
    let ours = tsv_rows(trace);
    assert_eq!(seen.len(), ours.len(), "{name}: tshark's packet count");
    for (i, (d, o)) in seen.iter().zip(&ours).enumerate() {
        let no = i + 1;
        assert_eq!(d.tcp_checksum, CHECKSUM_GOOD, "{name} #{no}: TCP checksum");
        assert_eq!(d.ip_checksum, CHECKSUM_GOOD, "{name} #{no}: IPv4 checksum");
        let theirs = (d.flags, d.seq, d.ack, d.len, d.frame_len);
        let mine = (o.0, o.1, o.2, o.3, o.4);
        assert_eq!(
            theirs, mine,
            "{name} #{no}: (flags, seq, ack, len, frame_len)"
        );
        // The tsv's analysis column is the flags' short names.
        let flags = &analysis::analyze(trace)[i];
        assert_eq!(o.5, analysis::short_names(flags), "{name} #{no}");
        // The comment tshark reads back is the simulator's note (with the fate).
        let note = trace.records[i].note.trim();
        assert!(
            d.comment.contains(&note.replace('\n', "\\n")),
            "{name} #{no}: {:?}",
            d.comment
        );
    }
}

/// How our analysis compares with tshark's on one capture.
#[derive(Default)]
struct Agreement {
    rows: usize,
    rows_equal: usize,
    /// Flag occurrences marked by either side.
    flags: usize,
    /// Flag occurrences marked by both.
    flags_equal: usize,
    /// Per field: rows where both set it, only we did, only tshark did.
    by_field: BTreeMap<&'static str, [usize; 3]>,
    /// (field, "ours only" / "tshark only") -> count and the first example.
    differences: BTreeMap<(String, &'static str), (usize, String)>,
    /// (what the simulator's note says a segment was, tshark's retransmission
    /// labels for it) -> count: where the simulator knows better.
    truth: BTreeMap<(&'static str, String), usize>,
}

/// What the simulator's note says about a segment that carries data, SYN or
/// FIN: whether it was sent again, copied or held back by the link.
fn truth(note: &str) -> &'static str {
    if note.contains("the link's duplicate") {
        "a copy made by the link"
    } else if note.contains("reordered") {
        "held back by the link"
    } else if note.contains("retransmission") || note.contains("tail loss probe") {
        "resent by the sender"
    } else {
        "no note of a resend"
    }
}

impl Agreement {
    fn add(&mut self, trace: &Trace, seen: &[Dissected], name: &str) {
        let ours = analysis::analyze(trace);
        for (i, (d, flags)) in seen.iter().zip(&ours).enumerate() {
            let mine = expected_fields(flags);
            let mut theirs = d.analysis.clone();
            theirs.sort();
            self.rows += 1;
            let mut row_equal = mine == theirs;
            let mut both: Vec<&str> = mine
                .iter()
                .filter(|f| theirs.contains(f))
                .copied()
                .collect();
            // A duplicate ACK agrees only with the same number and frame.
            let dup = flags.iter().find_map(|f| match f {
                Flag::DuplicateAck { of, count } => Some((*of, *count)),
                _ => None,
            });
            let their_dup = d.dup_num.zip(d.dup_frame).map(|(n, f)| (f, n));
            if dup.is_some() && theirs.contains(&"tcp.analysis.duplicate_ack") && dup != their_dup {
                both.retain(|f| *f != "tcp.analysis.duplicate_ack");
                row_equal = false;
                self.note(
                    "tcp.analysis.duplicate_ack (number)",
                    "differs",
                    name,
                    i,
                    d,
                    flags,
                );
            }
            // Same flags, same labels in the same order as Info shows them.
            if row_equal && leading_labels(&d.info) != analysis::info_prefix(flags) {
                row_equal = false;
                self.note("Info labels", "differ", name, i, d, flags);
            }
            self.rows_equal += usize::from(row_equal);
            let record = &trace.records[i];
            if record.len > 0 || record.flags & (flags::SYN | flags::FIN) != 0 {
                let labels: Vec<String> = flags
                    .iter()
                    .filter(|f| {
                        matches!(
                            f,
                            Flag::Retransmission
                                | Flag::FastRetransmission
                                | Flag::SpuriousRetransmission
                                | Flag::OutOfOrder
                                | Flag::KeepAlive
                                | Flag::ZeroWindowProbe
                        )
                    })
                    .map(Flag::label)
                    .collect();
                let kind = truth(&record.note);
                if kind != "no note of a resend" || !labels.is_empty() {
                    let labels = if labels.is_empty() {
                        "(no label)".to_string()
                    } else {
                        labels.join(" ")
                    };
                    *self.truth.entry((kind, labels)).or_default() += 1;
                }
            }
            self.flags += mine.len() + theirs.len() - both.len();
            self.flags_equal += both.len();
            for f in &both {
                self.by_field.entry(f).or_default()[0] += 1;
            }
            for f in mine.iter().filter(|f| !theirs.contains(f)) {
                self.by_field.entry(f).or_default()[1] += 1;
            }
            for f in theirs.iter().filter(|f| !mine.contains(f)) {
                self.by_field.entry(f).or_default()[2] += 1;
            }
            for f in mine.iter().filter(|f| !theirs.contains(f)) {
                self.note(f, "ours only", name, i, d, flags);
            }
            for f in theirs.iter().filter(|f| !mine.contains(f)) {
                self.note(f, "tshark only", name, i, d, flags);
            }
        }
    }

    fn note(
        &mut self,
        field: &str,
        side: &'static str,
        name: &str,
        i: usize,
        d: &Dissected,
        ours: &[Flag],
    ) {
        let entry = self
            .differences
            .entry((field.to_string(), side))
            .or_insert((0, String::new()));
        if entry.0 == 0 {
            entry.1 = format!(
                "{name} #{}: tshark {:?}, ours {:?}",
                i + 1,
                d.info,
                analysis::info_prefix(ours)
            );
        }
        entry.0 += 1;
    }

    fn report(&self) -> String {
        let mut out = format!(
            "rows compared: {}, rows with identical analysis: {} ({:.2}%)\n\
             flags compared: {}, flags on which both agree: {} ({:.2}%)\n",
            self.rows,
            self.rows_equal,
            percent(self.rows_equal, self.rows),
            self.flags,
            self.flags_equal,
            percent(self.flags_equal, self.flags),
        );
        for (field, [both, mine, theirs]) in &self.by_field {
            out.push_str(&format!(
                "  {field:40} both {both:5}  ours only {mine:4}  tshark only {theirs:4}\n"
            ));
        }
        for ((field, side), (count, example)) in &self.differences {
            out.push_str(&format!("  {count:6}  {field} {side}; first: {example}\n"));
        }
        out.push_str(
            "segments the simulator resent, copied or held back, and Wireshark's labels:\n",
        );
        for ((kind, labels), count) in &self.truth {
            out.push_str(&format!("  {count:6}  {kind:24} {labels}\n"));
        }
        out
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn load(path: &str) -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    tcpsim::scenario::load(&root.join(path)).expect("scenario loads")
}

/// The lossy scenario's link with only one kind of trouble.
fn only(knob: &str) -> Scenario {
    with_client(
        knob,
        r#"steps = ["connect", { send = "Hello World!\n" }, "shutdown", { recv_all = 4096 }, "close"]"#,
    )
}

/// A client with a 2 KiB receive buffer that reads 700 bytes every 30 ms,
/// over a slightly lossy link: full windows, zero windows, window updates.
fn slow_reader() -> Scenario {
    with_client(
        "loss = 0.02",
        r#"rx_buffer = "2KiB"
        steps = ["connect", { send = "Hello World!\n" }, "shutdown",
                 { repeat = { times = 30, steps = [{ sleep = "30ms" }, { recv = 700 }] } },
                 { recv_all = 4096 }, "close"]"#,
    )
}

/// Lossy's hosts and 13000-byte reply, with this link trouble and client program.
fn with_client(knob: &str, client: &str) -> Scenario {
    let text = format!(
        r#"
        max_sim_time = "10min"
        [link]
        latency = "5ms"
        rate = "10Mbit"
        {knob}
        [client]
        ip = "10.0.0.1"
        {client}
        [server]
        ip = "10.0.0.2"
        port = 8080
        [server.echo]
        transform = "upper"
        times = 1000
        "#
    );
    tcpsim::scenario::parse(&text, "only.toml").expect("scenario parses")
}

/// Every scenario family of the cross-check, by name.
fn families() -> Vec<(&'static str, Scenario)> {
    vec![
        ("lossy", load("sim-scenarios/lossy.toml")),
        ("reorder", only("reorder = 0.2\nreorder_delay = \"3ms\"")),
        ("dup", only("dup = 0.1")),
        ("slow-reader", slow_reader()),
    ]
}

/// Run `scenario` with `seed`, captured at `capture`.
fn run(scenario: &Scenario, seed: u64, capture: Role) -> Trace {
    let mut s = scenario.clone();
    s.seed = seed;
    s.capture = capture;
    tcpsim::run(s)
}

#[test]
fn reference_experiments_read_back_identically_with_identical_analysis() {
    if !tshark_ready() {
        return;
    }
    let dir = scratch_dir("reference");
    for v in 0..=4 {
        let scenario = load(&format!("sim-scenarios/v{v}.toml"));
        for capture in [Role::Server, Role::Client] {
            let name = format!("v{v}-{}", capture.name());
            let trace = run(&scenario, scenario.seed, capture);
            let seen = dissect(&trace, &dir, &name);
            assert_same_packets(&trace, &seen, &name);
            let mut agreement = Agreement::default();
            agreement.add(&trace, &seen, &name);
            assert!(
                agreement.differences.is_empty(),
                "{name}:\n{}",
                agreement.report()
            );
        }
    }
    // V3's tail loss probe is the one retransmission, as in the reference capture.
    let v3 = run(&load("sim-scenarios/v3.toml"), 1, Role::Server);
    let seen = dissect(&v3, &dir, "v3-again");
    assert!(
        seen[14].info.starts_with("[TCP Retransmission] 12345 → "),
        "{}",
        seen[14].info
    );
    assert_eq!(analysis::analyze(&v3)[14], vec![Flag::Retransmission]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn troubled_links_read_back_identically() {
    if !tshark_ready() {
        return;
    }
    let dir = scratch_dir("troubled");
    let mut marked = 0;
    for (family, scenario) in families() {
        for seed in 1..=3 {
            for capture in [Role::Server, Role::Client] {
                let name = format!("{family}-{seed}-{}", capture.name());
                let trace = run(&scenario, seed, capture);
                let seen = dissect(&trace, &dir, &name);
                assert_same_packets(&trace, &seen, &name);
                marked += seen.iter().filter(|d| !d.analysis.is_empty()).count();
            }
        }
    }
    // The troubled links do give tshark something to analyse.
    assert!(marked > 50, "only {marked} packets with tcp.analysis flags");
    std::fs::remove_dir_all(&dir).ok();
}

/// The agreement survey: `cargo test --test tshark -- --ignored --nocapture`.
#[test]
#[ignore = "a survey over many seeds; run it by name with --ignored --nocapture"]
fn analysis_agreement_survey() {
    let Some(version) = tshark_version() else {
        return;
    };
    println!("{version}");
    let seeds: u64 = std::env::var("TCPSIM_TSHARK_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let dir = scratch_dir("survey");
    let mut total = Agreement::default();
    for (family, scenario) in families() {
        let mut agreement = Agreement::default();
        for seed in 1..=seeds {
            for capture in [Role::Server, Role::Client] {
                let name = format!("{family}-{seed}-{}", capture.name());
                let trace = run(&scenario, seed, capture);
                let seen = dissect(&trace, &dir, &name);
                assert_same_packets(&trace, &seen, &name);
                agreement.add(&trace, &seen, &name);
                total.add(&trace, &seen, &name);
            }
        }
        println!(
            "== {family}, seeds 1..={seeds}, both captures\n{}",
            agreement.report()
        );
    }
    println!("== all\n{}", total.report());
    std::fs::remove_dir_all(&dir).ok();
}
