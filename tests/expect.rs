//! Assertions on traces (`tcpsim::trace::expect`): the expected-sequence language
//! against the reference experiments, the side-by-side report of a failure,
//! the whole-trace helpers, and `compact` as an exact expectation of any
//! trace.

use std::path::Path;

use proptest::prelude::*;
use tcpsim::scenario::model::{Role, Scenario};
use tcpsim::trace::Trace;
use tcpsim::trace::expect::{
    self, CompactOptions, Expected, Mismatch, all_bytes_delivered, compact, compact_with,
    exactly_n_retransmissions, expect_segments, no_rst, retransmissions,
};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scenario(name: &str) -> Scenario {
    tcpsim::scenario::load(&root().join(format!("sim-scenarios/{name}.toml"))).expect("loads")
}

fn trace(name: &str) -> Trace {
    tcpsim::run(scenario(name))
}

fn captured_at(name: &str, capture: Role) -> Trace {
    let mut s = scenario(name);
    s.capture = capture;
    tcpsim::run(s)
}

/// V2 as the course write-up tells it (tests/reference/v2.tsv), from the
/// server's capture.
const V2: &str = "
    # handshake
    c> S 0:0(0)
    s> S. 0:0(0) ack 1
    c> . 1:1(0) ack 1
    # \"World! Hello, World!\": 20 bytes, quick-ACKed
    c> P. 1:21(20) ack 1
    s> . 1:1(0) ack 21
    # the server reads 5 bytes per recv(): \"WORLD\" goes out at once ...
    s> P. 1:6(5) ack 21
    c> . 21:21(0) ack 6
    # ... and Nagle holds the other 15 until that is ACKed
    s> P. 6:21(15) ack 21
    # the client has read once and closes; the server closes on its FIN
    c> F. 21:21(0) ack 6
    s> F. 21:21(0) ack 22
    # the 15 bytes reached a closed socket: RST with seq = their ACK;
    # the server's FIN then finds no connection: RST with its ACK, 22
    c> R 21:21(0)
    c> R 22:22(0)
";

fn segments_mismatch(result: Result<(), Mismatch>) -> (Option<usize>, Option<usize>, String) {
    match result {
        Err(Mismatch::Segments {
            line,
            record,
            report,
        }) => (line, record, report),
        other => panic!("expected a segments mismatch, got {other:?}"),
    }
}

/// The 1-based line of `text` that holds `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).expect("line") + 1
}

/// The report row that holds `needle`.
fn row_with<'a>(report: &'a str, needle: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no row with `{needle}` in\n{report}"))
}

#[test]
fn v2_written_compactly_passes() {
    let v2 = trace("v2");
    expect::assert_segments(&v2, V2);
    assert_eq!(Expected::parse(V2).unwrap().len(), 12);
}

#[test]
fn a_changed_line_fails_with_both_rows_side_by_side() {
    let v2 = trace("v2");
    // Claim the server's Nagle-held segment carried 16 bytes instead of 15.
    let changed = V2.replace("s> P. 6:21(15) ack 21", "s> P. 6:22(16) ack 21");
    let (line, record, report) = segments_mismatch(expect_segments(&v2, &changed));
    let changed_line = line_of(&changed, "s> P. 6:22(16) ack 21");
    assert_eq!((line, record), (Some(changed_line), Some(8)));

    let row = row_with(&report, "<- first difference");
    let expected_at = row.find("s> P. 6:22(16) ack 21").expect("expected cell");
    let actual_at = row.find("s> P. 6:21(15) ack 21").expect("actual cell");
    assert!(expected_at < actual_at, "expected on the left: {row}");
    assert!(row.contains(" ! "), "marked as differing: {row}");
    assert!(
        row.trim_start().starts_with(&format!("{changed_line} ")),
        "names the line: {row}"
    );

    // Every other row is a pair of equal segments, in aligned columns.
    let pairs: Vec<&str> = report.lines().filter(|l| l.contains(" = ")).collect();
    assert_eq!(pairs.len(), 11, "{report}");
    let mark_column = row.find(" ! ").unwrap();
    for p in &pairs {
        assert_eq!(p.find(" = "), Some(mark_column), "aligned: {p}\n{report}");
    }
    let handshake = row_with(&report, "s> S. 0:0(0) ack 1");
    assert_eq!(handshake.matches("s> S. 0:0(0) ack 1").count(), 2);

    assert!(report.contains("end: expected 22, got 21"), "{report}");
    assert!(report.contains("len: expected 16, got 15"), "{report}");
    assert!(!report.contains("seq: expected"), "seq was right: {report}");
}

#[test]
fn a_missing_and_an_extra_record_are_marked() {
    let v2 = trace("v2");
    // Forget the client's quick ACK of "WORLD".
    let missing_line = V2.replace("    c> . 21:21(0) ack 6\n", "");
    let (line, record, report) = segments_mismatch(expect_segments(&v2, &missing_line));
    assert_eq!((line, record), (None, Some(7)));
    let row = row_with(&report, "<- first difference");
    assert!(
        row.contains(" + ") && row.contains("c> . 21:21(0) ack 6"),
        "{row}"
    );
    assert!(report.contains("record 7 `c> . 21:21(0) ack 6` is not expected"));

    // Expect a third RST that never came.
    let extra_line = format!("{V2}    c> R 23:23(0)\n");
    let (line, record, report) = segments_mismatch(expect_segments(&v2, &extra_line));
    assert_eq!((line, record), (Some(V2.lines().count() + 1), None));
    let row = row_with(&report, "<- first difference");
    assert!(
        row.contains(" - ") && row.contains("c> R 23:23(0)"),
        "{row}"
    );
}

#[test]
fn wildcards_gaps_and_optional_lines() {
    let v2 = trace("v2");
    let ok = |spec: &str| expect_segments(&v2, spec);

    // `*` in every number, and in the flags.
    ok("S *:*(*)\nS. *:*(*) ack *\n. *:*(*) ack *\nP. *:*(*) ack *\n...").unwrap();
    ok("* 0:0(0)\n* 0:0(0)\n...").unwrap();
    // Only the data segments' lengths pinned: the client's 20, the server's 5 + 15.
    ok("...\nc> P. *:*(20) ack *\n...\ns> P. *:*(5) ack *\n...\ns> P. *:*(15) ack *\n...").unwrap();
    // `...` may match nothing, at either end or between two lines.
    ok("...\nc> S 0:0(0)\n...\nc> R 22:22(0)\n...").unwrap();
    ok("...\n...\nc> R 21:21(0)\nc> R 22:22(0)").unwrap();
    // An optional line matches when present and is skipped when absent.
    ok("...\nc> R 21:21(0)\n? c> R 22:22(0)").unwrap();
    ok("...\nc> R 21:21(0)\nc> R 22:22(0)\n? c> R 23:23(0)").unwrap();
    ok("? s> R 0:0(0)\nc> S 0:0(0)\n...").unwrap();

    // Wildcards do not loosen what is written: the exact flag set, the direction.
    let (line, _, report) = segments_mismatch(ok("S *:*(*)\nS *:*(*)\n..."));
    assert_eq!(line, Some(2));
    assert!(report.contains("flags: expected S, got S."), "{report}");
    let (line, _, report) = segments_mismatch(ok("c> S 0:0(0)\nc> S. 0:0(0) ack 1\n..."));
    assert_eq!(line, Some(2));
    assert!(
        report.contains("direction: expected client to server (c>), got server to client (s>)"),
        "{report}"
    );
    // `...` cannot skip over the end: a fourth RST is not there.
    segments_mismatch(ok("...\nc> R *:*(0)\n...\nc> R *:*(0)\n...\nc> R *:*(0)"));
    // The window and the link's verdict, when written, must match too.
    ok("c> S 0:0(0) win 64240 delivered\n...").unwrap();
    let (_, _, report) = segments_mismatch(ok("c> S 0:0(0) win 1000\n..."));
    assert!(report.contains("win: expected 1000, got 64240"), "{report}");
    assert!(row_with(&report, "<- first difference").contains("c> S 0:0(0) win 64240"));
}

#[test]
fn gaps_show_the_records_they_took() {
    let v2 = trace("v2");
    let (_, _, report) = segments_mismatch(expect_segments(
        &v2,
        "c> S 0:0(0)\n...\nc> R 21:21(0)\nc> . 23:23(0)",
    ));
    // Records 2 to 10 went to `...`, 11 matched, 12 is not the ACK expected.
    let row = row_with(&report, "<- first difference");
    assert!(
        row.contains("c> . 23:23(0)") && row.contains("c> R 22:22(0)"),
        "{row}"
    );
    let mark = row.find(" ! ").expect("marked") + 1;
    let marks: String = report
        .lines()
        .skip(3)
        .take_while(|l| !l.is_empty())
        .map(|l| l.as_bytes()[mark] as char)
        .collect();
    assert_eq!(marks, "=.........=!", "{report}");
    let taken: Vec<&str> = report
        .lines()
        .filter(|l| l.as_bytes().get(mark) == Some(&b'.'))
        .collect();
    assert!(taken[0].contains("...") && taken[0].contains("s> S. 0:0(0) ack 1"));
    assert!(taken[8].contains("s> F. 21:21(0) ack 22") && !taken[8].contains("..."));
}

#[test]
fn arrows_are_seen_from_the_capture_host() {
    // packetdrill's view: `<` arrives at the capture host, `>` leaves it.
    let at_server = trace("v2");
    let at_client = captured_at("v2", Role::Client);
    let from_server_view = "< S 0:0(0)\n> S. 0:0(0) ack 1\n...\n< R 22:22(0)";
    let from_client_view = "> S 0:0(0)\n< S. 0:0(0) ack 1\n...\n> R 22:22(0)";
    expect_segments(&at_server, from_server_view).unwrap();
    expect_segments(&at_client, from_client_view).unwrap();
    segments_mismatch(expect_segments(&at_client, from_server_view));
    // `c>`/`s>` name the sender whatever the capture.
    let named = "c> S 0:0(0)\ns> S. 0:0(0) ack 1\n...\nc> R 22:22(0)";
    expect_segments(&at_server, named).unwrap();
    expect_segments(&at_client, named).unwrap();
}

#[test]
fn a_spec_mistake_is_reported_with_line_and_column() {
    let v2 = trace("v2");
    match expect_segments(&v2, "c> S 0:0(0)\ns> S. 0:0(0) ack one") {
        Err(Mismatch::Spec(e)) => {
            assert_eq!((e.line, e.column), (2, 18));
            let text = Mismatch::Spec(e).to_string();
            assert!(text.contains("line 2, column 18"), "{text}");
            assert!(
                text.contains("2 | s> S. 0:0(0) ack one\n  |                  ^^^"),
                "{text}"
            );
        }
        other => panic!("expected a spec error, got {other:?}"),
    }
}

#[test]
#[should_panic(expected = "len: expected 16, got 15")]
fn assert_segments_panics_with_the_report() {
    let changed = V2.replace("s> P. 6:21(15) ack 21", "s> P. 6:22(16) ack 21");
    expect::assert_segments(&trace("v2"), &changed);
}

/// The reference captures of the write-up (`tests/reference/vN.tsv`), each
/// row turned into a line of the language by hand-independent code: the
/// language's reading of flags, numbers and directions agrees with
/// Wireshark's columns on every row of every experiment.
#[test]
fn every_reference_capture_written_in_the_language_matches_its_replay() {
    for v in 0..=4 {
        let tsv = std::fs::read_to_string(root().join(format!("tests/reference/v{v}.tsv")))
            .expect("reference");
        let mut spec = String::new();
        for row in tsv.lines().skip(1) {
            let f: Vec<&str> = row.split('\t').collect();
            let dir = if f[1] == "C>S" { "c>" } else { "s>" };
            let names: Vec<&str> = f[2].split(',').collect();
            let mut letters = String::new();
            for (name, letter) in [("FIN", 'F'), ("SYN", 'S'), ("RST", 'R'), ("PSH", 'P')] {
                if names.contains(&name) {
                    letters.push(letter);
                }
            }
            if names.contains(&"ACK") {
                letters.push('.');
            }
            let (seq, ack, len): (u32, u32, u32) = (
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
                f[5].parse().unwrap(),
            );
            spec.push_str(&format!("{dir} {letters} {seq}:{}({len})", seq + len));
            if names.contains(&"ACK") {
                spec.push_str(&format!(" ack {ack}"));
            }
            spec.push('\n');
        }
        let replay = trace(&format!("v{v}"));
        if let Err(e) = expect_segments(&replay, &spec) {
            panic!("v{v}:\n{e}");
        }
    }
}

#[test]
fn no_rst_on_v1_and_both_resets_of_v2() {
    assert!(no_rst(&trace("v1")).is_ok());
    expect::assert_no_rst(&trace("v1"));
    let err = no_rst(&trace("v2")).unwrap_err();
    let Mismatch::Check { check, message } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*check, "no_rst");
    assert!(
        message.starts_with("expected no RST, found 2:"),
        "{message}"
    );
    assert!(message.contains("record 11: c> R 21:21(0)"), "{message}");
    assert!(message.contains("record 12: c> R 22:22(0)"), "{message}");
}

#[test]
#[should_panic(expected = "no_rst: expected no RST, found 2")]
fn assert_no_rst_panics_on_v2() {
    expect::assert_no_rst(&trace("v2"));
}

#[test]
fn v3_has_exactly_one_retransmission_the_tail_loss_probe() {
    let v3 = trace("v3");
    let found = retransmissions(&v3);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].no, found[0].seq, found[0].len), (15, 11585, 1416));
    assert!(found[0].note.starts_with("tail loss probe"));
    expect::assert_retransmissions(&v3, 1);

    let err = exactly_n_retransmissions(&v3, 0).unwrap_err().to_string();
    assert!(
        err.starts_with("exactly_n_retransmissions: expected 0 retransmissions, found 1:"),
        "{err}"
    );
    assert!(err.contains("record 15: s> P. 11585:13001(1416) ack 14  (tail loss probe"));

    // The client never saw the lost original, only the probe: still one.
    let at_client = captured_at("v3", Role::Client);
    let found = retransmissions(&at_client);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].seq, 11585);
}

#[test]
fn v1_and_v2_have_no_retransmission() {
    for name in ["v1", "v2"] {
        exactly_n_retransmissions(&trace(name), 0).unwrap();
        assert!(exactly_n_retransmissions(&trace(name), 1).is_err());
    }
}

#[test]
fn link_copies_are_not_retransmissions() {
    // Lossy duplicates frames: a copy that arrives repeats its original's
    // sequence numbers and note; neither makes it a retransmission.
    let mut found_copy = false;
    for seed in 1..=8 {
        let mut s = scenario("lossy");
        s.seed = seed;
        s.capture = Role::Client;
        let t = tcpsim::run(s);
        let copies: Vec<usize> = t
            .records
            .iter()
            .filter(|r| r.note.contains("the link's duplicate") && r.len > 0)
            .map(|r| r.no)
            .collect();
        found_copy |= !copies.is_empty();
        for r in retransmissions(&t) {
            assert!(
                !copies.contains(&r.no),
                "seed {seed}: copy {} counted",
                r.no
            );
        }
    }
    assert!(found_copy, "some seed duplicates a data segment");
}

#[test]
fn all_bytes_delivered_on_v1_but_not_v2() {
    // V1: "Hello World!\n" up, "HELLO WORLD!\n" down: different bytes, each
    // delivered as sent.
    let v1 = trace("v1");
    all_bytes_delivered(&v1).unwrap();
    expect::assert_all_bytes_delivered(&v1);

    // V2: the client read "WORLD" once and closed; 15 bytes were never read.
    let err = all_bytes_delivered(&trace("v2")).unwrap_err().to_string();
    assert_eq!(
        err,
        "all_bytes_delivered: the client received 5 bytes, the server sent 20"
    );
}

#[test]
fn recording_off_is_an_error_not_a_pass() {
    let t = tcpsim::run_with(
        scenario("v2"),
        tcpsim::RunOptions {
            recording: tcpsim::Recording::Off,
            keep_received: false,
            digests: true,
        },
    );
    assert!(t.records.is_empty());
    let err = no_rst(&t).unwrap_err().to_string();
    assert!(err.contains("no records"), "{err}");
    assert!(exactly_n_retransmissions(&t, 0).is_err());
}

#[test]
fn v3_compact_snapshot() {
    insta::assert_snapshot!(compact(&trace("v3")));
}

#[test]
fn compact_with_comments_still_matches() {
    let v3 = trace("v3");
    let all = CompactOptions {
        win: true,
        times: true,
        notes: true,
    };
    let text = compact_with(&v3, all);
    expect_segments(&v3, &text).unwrap();
    let tlp = row_with(&text, "tail loss probe");
    assert!(
        tlp.starts_with("s> P. 11585:13001(1416) ack 14 win "),
        "{tlp}"
    );
    assert!(tlp.contains("# 0.013139 tail loss probe"), "{tlp}");
    // Comments start in one column.
    let columns: Vec<usize> = text.lines().filter_map(|l| l.find('#')).collect();
    assert_eq!(columns.len(), v3.records.len());
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{text}");
}

/// A 10 MiB transfer (17 000 records): the round trip, and a failure whose
/// report shows a window around the first difference. One run only: it
/// takes seconds in a debug build, which is why the property below leaves
/// `bulk.toml` out.
#[test]
fn bulk_round_trips_and_a_long_report_stays_short() {
    let t = trace("bulk");
    assert!(t.records.len() > 10_000);
    let text = compact(&t);
    expect_segments(&t, &text).unwrap();

    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // The first of the client's data segments from line 5000 on.
    let at = (5000..lines.len())
        .find(|&i| lines[i].ends_with(" ack 1"))
        .expect("client data after line 5000");
    let wrong = lines[at].replace(" ack 1", " ack 7");
    assert_ne!(wrong, lines[at]);
    lines[at] = wrong.clone();
    lines.insert(1, "...".to_string());
    let (line, record, report) = segments_mismatch(expect_segments(&t, &lines.join("\n")));
    assert_eq!((line, record), (Some(at + 2), Some(at + 1)));
    assert!(row_with(&report, "<- first difference").contains(&wrong));
    assert!(report.lines().count() < 60, "{report}");
    assert!(report.contains("rows above not shown"));
    assert!(report.contains("rows below not shown, 0 of them differences"));
}

/// Every other scenario file, any seed, either capture.
fn any_run() -> impl Strategy<Value = (&'static str, u64, bool)> {
    (
        prop::sample::select(vec!["v0", "v1", "v2", "v3", "v4", "lossy"]),
        0u64..1_000_000,
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// `compact` is an exact expectation of the trace it came from, with or
    /// without windows, times and notes.
    #[test]
    fn compact_round_trips((name, seed, client) in any_run(), win in any::<bool>()) {
        let mut s = scenario(name);
        s.seed = seed;
        if client {
            s.capture = Role::Client;
        }
        let t = tcpsim::run(s);
        let plain = compact(&t);
        prop_assert_eq!(plain.lines().count(), t.records.len());
        if let Err(e) = expect_segments(&t, &plain) {
            prop_assert!(false, "{name} seed {seed}:\n{e}");
        }
        let rich = compact_with(&t, CompactOptions { win, times: true, notes: true });
        if let Err(e) = expect_segments(&t, &rich) {
            prop_assert!(false, "{name} seed {seed} (win {win}):\n{e}");
        }
    }
}
