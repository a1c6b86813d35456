//! The reference captures in `tests/reference/` parse, and hold what the write-up shows.

use std::path::PathBuf;

use tcpsim::scenario::model::Dir;
use tcpsim::trace::fidelity::{RefRow, parse_reference};
use tcpsim::wire::flags;

fn load(version: usize) -> Vec<RefRow> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "reference",
        &format!("v{version}.tsv"),
    ]
    .iter()
    .collect();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse_reference(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_reference_parses_with_its_row_count() {
    for (version, rows) in [(0, 13), (1, 10), (2, 12), (3, 19), (4, 13)] {
        let parsed = load(version);
        assert_eq!(parsed.len(), rows, "v{version}.tsv");
        // Rows are numbered 1, 2, 3, ... in file order.
        for (i, row) in parsed.iter().enumerate() {
            assert_eq!(row.no, i + 1, "v{version}.tsv row {}", i + 1);
        }
    }
}

#[test]
fn every_reference_opens_with_the_handshake() {
    for version in 0..5 {
        let rows = load(version);
        let opening: Vec<(Dir, u8, u32, u32)> = rows[..3]
            .iter()
            .map(|r| (r.dir, r.flags, r.seq, r.ack))
            .collect();
        assert_eq!(
            opening,
            [
                (Dir::ClientToServer, flags::SYN, 0, 0),
                (Dir::ServerToClient, flags::SYN | flags::ACK, 0, 1),
                (Dir::ClientToServer, flags::ACK, 1, 1),
            ],
            "v{version}.tsv"
        );
    }
}

#[test]
fn v3_has_eight_full_server_segments() {
    let rows = load(3);
    let full: Vec<&RefRow> = rows
        .iter()
        .filter(|r| r.dir == Dir::ServerToClient && r.len == 1448)
        .collect();
    assert_eq!(full.len(), 8);
    for (k, r) in full.iter().enumerate() {
        assert_eq!(r.seq, 1 + 1448 * k as u32);
        assert_eq!(r.flags, flags::ACK);
        assert_eq!(r.frame_len, 1514);
    }
    // The last segment and its retransmission complete the 13000-byte reply.
    let last: Vec<&RefRow> = rows
        .iter()
        .filter(|r| r.dir == Dir::ServerToClient && r.len == 1416)
        .collect();
    assert_eq!(last.len(), 2);
    assert!(
        last.iter()
            .all(|r| r.seq == 11585 && r.flags == flags::PSH | flags::ACK)
    );
    assert_eq!(8 * 1448 + 1416, 13000);
}

#[test]
fn v2_ends_with_two_bare_resets() {
    let rows = load(2);
    let resets: Vec<(u32, u32)> = rows
        .iter()
        .filter(|r| r.flags == flags::RST)
        .map(|r| (r.seq, r.ack))
        .collect();
    assert_eq!(resets, [(21, 0), (22, 0)]);
}

#[test]
fn frame_length_is_payload_plus_headers() {
    // 54 bytes of Ethernet, IPv4 and TCP headers, plus 20 bytes of options on a
    // SYN and 12 of timestamps on every other segment except a bare RST.
    for version in 0..5 {
        for r in load(version) {
            let options = if r.flags & flags::SYN != 0 {
                20
            } else if r.flags == flags::RST {
                0
            } else {
                12
            };
            assert_eq!(
                r.frame_len,
                54 + options + r.len,
                "v{version}.tsv row {}",
                r.no
            );
        }
    }
}
