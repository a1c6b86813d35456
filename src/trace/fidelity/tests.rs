use std::net::Ipv4Addr;

use super::*;
use crate::scenario::model::Role;
use crate::trace::{Ending, Fate, Seen};

const V1: &str = "no\tdir\tflags\tseq\tack\tlen\tframe_len\tnote
1\tC>S\tSYN\t0\t0\t0\t74\t
2\tS>C\tSYN,ACK\t0\t1\t0\t74\t
3\tC>S\tACK\t1\t1\t0\t66\t
4\tC>S\tPSH,ACK\t1\t1\t13\t79\t\"Hello World!\" plus newline
5\tS>C\tACK\t1\t14\t0\t66\t
6\tS>C\tPSH,ACK\t1\t14\t13\t79\t\"HELLO WORLD!\" plus newline
7\tC>S\tACK\t14\t14\t0\t66\t
8\tC>S\tFIN,ACK\t14\t14\t0\t66\t
9\tS>C\tFIN,ACK\t14\t15\t0\t66\t
10\tC>S\tACK\t15\t15\t0\t66\t
";

fn reference() -> Vec<RefRow> {
    parse_reference(V1).unwrap()
}

/// A trace whose records mirror the given reference rows.
fn trace_of(rows: &[RefRow]) -> Trace {
    let client = Ipv4Addr::new(192, 168, 1, 13);
    let server = Ipv4Addr::new(192, 168, 1, 21);
    let records = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let sender = row.dir.sender();
            let (src, dst) = match sender {
                Role::Client => (client, server),
                Role::Server => (server, client),
            };
            Record {
                no: i + 1,
                time_us: 100 * i as u64,
                sender,
                src,
                src_port: if sender == Role::Client { 52060 } else { 12345 },
                dst,
                dst_port: if sender == Role::Client { 12345 } else { 52060 },
                flags: row.flags,
                seq: row.seq,
                ack: row.ack,
                raw_seq: row.seq,
                raw_ack: row.ack,
                win: 502,
                len: row.len,
                frame_len: row.frame_len,
                fate: Fate::Delivered,
                note: String::new(),
                sent_us: 100 * i as u64,
                arrived_us: Some(100 * i as u64 + 50),
                seen: if sender == Role::Client {
                    Seen::Leaving
                } else {
                    Seen::Arriving
                },
                frame: Vec::new(),
            }
        })
        .collect();
    Trace {
        scenario: "test".to_string(),
        seed: 1,
        capture: Role::Client,
        host_ips: [client, server],
        records,
        connections: vec![],
        programs: vec![],
        ending: Ending::Finished,
        counters: Default::default(),
        conn_info: Vec::new(),
        cwnd: Vec::new(),
        end_time_us: 0,
    }
}

fn marks(c: &Comparison) -> String {
    c.lines.iter().map(|l| l.chars().next().unwrap()).collect()
}

#[test]
fn parses_rows() {
    let rows = reference();
    assert_eq!(rows.len(), 10);
    assert_eq!(
        rows[3],
        RefRow {
            no: 4,
            dir: Dir::ClientToServer,
            flags: flags::PSH | flags::ACK,
            seq: 1,
            ack: 1,
            len: 13,
            frame_len: 79,
            note: "\"Hello World!\" plus newline".to_string(),
        }
    );
    assert_eq!(rows[8].dir, Dir::ServerToClient);
    assert_eq!(rows[8].flags, flags::FIN | flags::ACK);
    assert_eq!(rows[9].note, "");
}

#[test]
fn accepts_crlf_blank_lines_and_missing_note() {
    let text = "no\tdir\tflags\tseq\tack\tlen\tframe_len\r\n\r\n1\tC>S\tRST\t21\t0\t0\t54\r\n\n";
    let rows = parse_reference(text).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].flags, flags::RST);
    assert_eq!(rows[0].seq, 21);
    assert_eq!(rows[0].note, "");
}

#[test]
fn parse_errors_name_line_and_column() {
    let header = "no\tdir\tflags\tseq\tack\tlen\tframe_len\tnote\n";
    // (with the header line?, text, how the error starts)
    let cases = [
        (false, "", "empty reference"),
        (false, "no\tdir\n", "line 1: expected the header"),
        (
            false,
            "1\tC>S\tSYN\t0\t0\t0\t74\t\n",
            "line 1: expected the header",
        ),
        (
            true,
            "1\tC>S\tSYN\t0\t0\t0\n",
            "line 2: expected 8 tab-separated columns",
        ),
        (
            true,
            "1\tC>S\tSYN\t0\t0\t0\t74\tnote\textra\n",
            "line 2: expected 8",
        ),
        (
            true,
            "x\tC>S\tSYN\t0\t0\t0\t74\t\n",
            "line 2, column 1 (no): \"x\"",
        ),
        (
            true,
            "1\tC->S\tSYN\t0\t0\t0\t74\t\n",
            "line 2, column 2 (dir): \"C->S\"",
        ),
        (
            true,
            "1\tC>S\tSYN,FOO\t0\t0\t0\t74\t\n",
            "line 2, column 3 (flags): \"SYN,FOO\"",
        ),
        (
            true,
            "1\tC>S\t\t0\t0\t0\t74\t\n",
            "line 2, column 3 (flags): no flags",
        ),
        (
            true,
            "1\tC>S\tSYN\t-1\t0\t0\t74\t\n",
            "line 2, column 4 (seq): \"-1\"",
        ),
        (
            true,
            "1\tC>S\tSYN\t0\t0x1\t0\t74\t\n",
            "line 2, column 5 (ack): \"0x1\"",
        ),
        (
            true,
            "1\tC>S\tSYN\t0\t0\t\t74\t\n",
            "line 2, column 6 (len): \"\"",
        ),
        (
            true,
            "1\tC>S\tSYN\t0\t0\t0\t4294967296\t\n",
            "line 2, column 7 (frame_len)",
        ),
    ];
    for (with_header, body, expected) in cases {
        let text = if with_header {
            format!("{header}{body}")
        } else {
            body.to_string()
        };
        let err = parse_reference(&text).unwrap_err();
        assert!(
            err.starts_with(expected),
            "{body:?}: got {err:?}, want {expected:?}"
        );
    }
    // Errors further down name the right line.
    let text = format!("{header}1\tC>S\tSYN\t0\t0\t0\t74\t\n\n3\tS>C\tACK\tx\t1\t0\t66\t\n");
    assert_eq!(
        parse_reference(&text).unwrap_err(),
        "line 4, column 4 (seq): \"x\" is not a number"
    );
}

#[test]
fn identical_sequences_match_exactly() {
    let rows = reference();
    let c = compare(&rows, &trace_of(&rows));
    assert_eq!(
        (c.reference_rows, c.simulated_rows, c.matched),
        (10, 10, 10)
    );
    assert!(c.exact());
    assert_eq!(marks(&c), "==========");
    assert_eq!(
        c.lines[0],
        "= #1  C>S SYN     seq=0  ack=0  len=0  | #1  C>S SYN     seq=0  ack=0  len=0"
    );
    assert_eq!(
        c.lines[3],
        "= #4  C>S PSH,ACK seq=1  ack=1  len=13 | #4  C>S PSH,ACK seq=1  ack=1  len=13  \
         # \"Hello World!\" plus newline"
    );
    assert!(
        c.to_string()
            .starts_with("matched 10 of 10 reference rows (10 simulated)\n= #1 ")
    );
    assert_eq!(c.to_string().lines().count(), 11);
}

#[test]
fn one_inserted_row_costs_one_line() {
    let rows = reference();
    let mut sim = rows.clone();
    let mut extra = rows[4].clone();
    extra.ack = 99;
    sim.insert(5, extra);
    let c = compare(&rows, &trace_of(&sim));
    assert_eq!(
        (c.reference_rows, c.simulated_rows, c.matched),
        (10, 11, 10)
    );
    assert!(!c.exact());
    assert_eq!(marks(&c), "=====+=====");
    assert!(c.lines[5].starts_with("+ "), "{}", c.lines[5]);
    assert!(
        c.lines[5].ends_with("| #6  S>C ACK     seq=1  ack=99 len=0"),
        "{c}"
    );
    // Later rows pair up with simulated numbers shifted by one.
    assert!(c.lines[6].starts_with("= #6  S>C PSH,ACK"), "{c}");
    assert!(c.lines[6].contains("| #7  S>C PSH,ACK"), "{c}");
}

#[test]
fn one_missing_row_costs_one_line() {
    let rows = reference();
    let mut sim = rows.clone();
    sim.remove(4);
    let c = compare(&rows, &trace_of(&sim));
    assert_eq!((c.reference_rows, c.simulated_rows, c.matched), (10, 9, 9));
    assert!(!c.exact());
    assert_eq!(marks(&c), "====-=====");
    assert_eq!(c.lines[4], "- #5  S>C ACK     seq=1  ack=14 len=0  |");
    assert!(
        c.to_string()
            .starts_with("matched 9 of 10 reference rows (9 simulated)\n")
    );
}

#[test]
fn changed_row_is_missing_then_extra() {
    let rows = reference();
    let mut sim = rows.clone();
    sim[9].ack = 16;
    sim[0].len = 1;
    let c = compare(&rows, &trace_of(&sim));
    assert_eq!(c.matched, 8);
    assert_eq!(marks(&c), "-+========-+");
}

#[test]
fn empty_sides() {
    let rows = reference();
    let c = compare(&rows, &trace_of(&[]));
    assert_eq!((c.matched, c.simulated_rows), (0, 0));
    assert_eq!(marks(&c), "----------");
    let c = compare(&[], &trace_of(&rows));
    assert_eq!(marks(&c), "++++++++++");
    let c = compare(&[], &trace_of(&[]));
    assert!(c.exact());
    assert_eq!(c.to_string(), "matched 0 of 0 reference rows (0 simulated)");
}

#[test]
fn lcs_is_longest() {
    // Rows out of order: the best alignment keeps the longer run.
    let rows = reference();
    let mut sim = rows.clone();
    let moved = sim.remove(0);
    sim.push(moved);
    let c = compare(&rows, &trace_of(&sim));
    assert_eq!(c.matched, 9);
    assert_eq!(marks(&c), "-=========+");
}
