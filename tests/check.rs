//! The trace checker on the reference scenarios, on doctored captures, and
//! through pcapng files.

use std::path::Path;

use tcpsim::scenario::model::Role;
use tcpsim::trace::check::{Rule, Violation, check_trace};

fn load(file: &str) -> tcpsim::scenario::model::Scenario {
    tcpsim::scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).expect("loads")
}

#[test]
fn every_reference_scenario_passes_from_both_ends() {
    for file in [
        "sim-scenarios/v0.toml",
        "sim-scenarios/v1.toml",
        "sim-scenarios/v2.toml",
        "sim-scenarios/v3.toml",
        "sim-scenarios/v4.toml",
        "sim-scenarios/lossy.toml",
    ] {
        for capture in [Role::Client, Role::Server] {
            let mut scenario = load(file);
            scenario.capture = capture;
            let trace = tcpsim::run(scenario);
            let v: Vec<Violation> = check_trace(&trace);
            let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
            assert!(
                v.is_empty(),
                "{file} at the {capture:?}:\n{}",
                shown.join("\n")
            );
        }
    }
    let _ = Rule::Delivery;
}

// ---------------------------------------------------------------------------
// Captures as pcapng files, and hand-doctored ones
// ---------------------------------------------------------------------------

use smoltcp::wire::{EthernetFrame, IpAddress, Ipv4Packet, TcpPacket, TcpSeqNumber};
use tcpsim::trace::check::{check_pcapng, check_pcapng_at};
use tcpsim::trace::{Trace, flags};

/// The capture as a pcapng file (Ethernet, one packet per record).
fn pcapng(frames: &[(u64, Vec<u8>)]) -> Vec<u8> {
    use pcap_file::DataLink;
    use pcap_file::pcapng::PcapNgWriter;
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
    let mut w = PcapNgWriter::new(Vec::new()).expect("header");
    w.write_pcapng_block(InterfaceDescriptionBlock {
        linktype: DataLink::ETHERNET,
        snaplen: 65535,
        options: vec![],
    })
    .expect("idb");
    for (time_us, frame) in frames {
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: 0,
            timestamp: std::time::Duration::from_micros(*time_us),
            original_len: frame.len() as u32,
            data: std::borrow::Cow::Borrowed(frame),
            options: vec![],
        })
        .expect("epb");
    }
    w.into_inner()
}

fn frames(trace: &Trace) -> Vec<(u64, Vec<u8>)> {
    trace
        .records
        .iter()
        .map(|r| (r.time_us, r.frame.clone()))
        .collect()
}

/// Edit a TCP frame's header in place and fix its checksum.
fn edit(frame: &mut [u8], change: impl FnOnce(&mut TcpPacket<&mut [u8]>)) {
    let mut eth = EthernetFrame::new_unchecked(&mut frame[..]);
    let mut ip = Ipv4Packet::new_unchecked(eth.payload_mut());
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    let mut tcp = TcpPacket::new_unchecked(ip.payload_mut());
    change(&mut tcp);
    tcp.fill_checksum(&IpAddress::Ipv4(src), &IpAddress::Ipv4(dst));
}

fn seq_of(frame: &[u8]) -> u32 {
    tcpsim::wire::frame::parse(frame).expect("TCP").seq
}

fn ack_of(frame: &[u8]) -> u32 {
    tcpsim::wire::frame::parse(frame).expect("TCP").ack
}

fn trace_of(file: &str, capture: Role) -> Trace {
    let mut scenario = load(file);
    scenario.capture = capture;
    tcpsim::run(scenario)
}

/// A capture's frames with their times.
type Frames = Vec<(u64, Vec<u8>)>;

/// One doctored capture: which scenario and end it comes from, what was done
/// to it, and the frame and rule the checker must name.
struct Doctored {
    file: &'static str,
    scenario: &'static str,
    capture: Role,
    doctor: fn(&Trace, &mut Frames) -> usize,
    rule: Rule,
}

/// The frame number (1-based) of the first record matching `pick`.
fn find(trace: &Trace, pick: impl Fn(&tcpsim::trace::Record) -> bool) -> usize {
    trace
        .records
        .iter()
        .position(pick)
        .expect("a matching frame")
        + 1
}

const DOCTORED: &[Doctored] = &[
    Doctored {
        // The server's second data segment starts 100 bytes too far on.
        file: "new-data-gap.pcapng",
        scenario: "sim-scenarios/v3.toml",
        capture: Role::Server,
        doctor: |t, f| {
            let n = find(t, |r| r.sender == Role::Server && r.len > 0 && r.seq > 1);
            let s = seq_of(&f[n - 1].1);
            edit(&mut f[n - 1].1, |tcp| {
                tcp.set_seq_number(TcpSeqNumber(s.wrapping_add(100) as i32))
            });
            n
        },
        rule: Rule::NewData,
    },
    Doctored {
        // The tail loss probe resends the tail with one byte changed.
        file: "retransmission-differs.pcapng",
        scenario: "sim-scenarios/v3.toml",
        capture: Role::Server,
        doctor: |t, f| {
            let n = find(t, |r| r.note.contains("tail loss probe"));
            edit(&mut f[n - 1].1, |tcp| {
                let p = tcp.payload_mut();
                p[7] ^= 0x20;
            });
            n
        },
        rule: Rule::Retransmission,
    },
    Doctored {
        // The client's first ACK of data acknowledges 1000 bytes more.
        file: "ack-of-unsent.pcapng",
        scenario: "sim-scenarios/v1.toml",
        capture: Role::Server,
        doctor: |t, f| {
            let n = find(t, |r| r.sender == Role::Client && r.ack > 1 && r.len == 0);
            let a = ack_of(&f[n - 1].1);
            edit(&mut f[n - 1].1, |tcp| {
                tcp.set_ack_number(TcpSeqNumber(a.wrapping_add(1000) as i32))
            });
            n
        },
        rule: Rule::AckOfUnsent,
    },
    Doctored {
        // The server's FIN acknowledges less than its earlier segments did.
        file: "ack-backwards.pcapng",
        scenario: "sim-scenarios/v1.toml",
        capture: Role::Server,
        doctor: |t, f| {
            let n = find(t, |r| r.sender == Role::Server && r.flags & flags::FIN != 0);
            let a = ack_of(&f[n - 1].1);
            edit(&mut f[n - 1].1, |tcp| {
                tcp.set_ack_number(TcpSeqNumber(a.wrapping_sub(5) as i32))
            });
            n
        },
        rule: Rule::AckBackwards,
    },
    Doctored {
        // Every client segment advertises a window of one unit: 128 bytes
        // at the shift of 7 the SYNs announce (1 byte on the SYN itself),
        // which the server's first full-sized segment overruns.
        file: "window.pcapng",
        scenario: "sim-scenarios/v3.toml",
        capture: Role::Server,
        doctor: |t, f| {
            for (r, (_, frame)) in t.records.iter().zip(f.iter_mut()) {
                if r.sender == Role::Client && r.flags & flags::RST == 0 {
                    edit(frame, |tcp| tcp.set_window_len(1));
                }
            }
            find(t, |r| r.sender == Role::Server && r.len > 0)
        },
        rule: Rule::Window,
    },
    Doctored {
        // The client's RST,ACK (close with unread data) carries a sequence
        // number 1000000 on: beyond the server's 128 KiB window.
        file: "rst-out-of-window.pcapng",
        scenario: "sim-scenarios/v3.toml",
        capture: Role::Server,
        doctor: |t, f| {
            let n = find(t, |r| {
                r.sender == Role::Client && r.flags == flags::RST | flags::ACK
            });
            let s = seq_of(&f[n - 1].1);
            edit(&mut f[n - 1].1, |tcp| {
                tcp.set_seq_number(TcpSeqNumber(s.wrapping_add(1_000_000) as i32))
            });
            n
        },
        rule: Rule::RstUnacceptable,
    },
];

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Writes tests/fixtures/ again: `TCPSIM_WRITE_FIXTURES=1 cargo test --test
/// check write_fixtures -- --ignored`. The files are committed; the tests
/// below read them, so a change in the simulator does not silently change
/// what the checker is tested on.
#[test]
#[ignore = "writes tests/fixtures; run by hand"]
fn write_fixtures() {
    assert_eq!(std::env::var("TCPSIM_WRITE_FIXTURES").as_deref(), Ok("1"));
    std::fs::create_dir_all(fixture("")).expect("fixtures directory");
    for (name, scenario, capture) in [
        (
            "clean-v2-server.pcapng",
            "sim-scenarios/v2.toml",
            Role::Server,
        ),
        (
            "clean-v3-client.pcapng",
            "sim-scenarios/v3.toml",
            Role::Client,
        ),
        (
            "clean-lossy-server.pcapng",
            "sim-scenarios/lossy.toml",
            Role::Server,
        ),
    ] {
        let trace = trace_of(scenario, capture);
        std::fs::write(fixture(name), pcapng(&frames(&trace))).expect("write");
    }
    for d in DOCTORED {
        let trace = trace_of(d.scenario, d.capture);
        let mut f = frames(&trace);
        let n = (d.doctor)(&trace, &mut f);
        std::fs::write(fixture(d.file), pcapng(&f)).expect("write");
        eprintln!("{}: frame {n}, {}", d.file, d.rule);
    }
}

fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn clean_captures_pass() {
    for name in [
        "clean-v2-server.pcapng",
        "clean-v3-client.pcapng",
        "clean-lossy-server.pcapng",
    ] {
        let v = check_pcapng(&read_fixture(name)).expect("readable");
        assert!(v.is_empty(), "{name}: {v:?}");
    }
}

/// Each doctored capture fails, first at the doctored frame, on the rule the
/// doctoring breaks (later frames may break more: an ACK of the moved bytes,
/// say).
#[test]
fn doctored_captures_fail_naming_the_frame_and_the_rule() {
    // The frame each doctoring touched, as tests/fixtures/README.md lists it.
    let frames_doctored: [(&str, usize); 6] = [
        ("new-data-gap.pcapng", 7),
        ("retransmission-differs.pcapng", 15),
        ("ack-of-unsent.pcapng", 7),
        ("ack-backwards.pcapng", 9),
        ("window.pcapng", 6),
        ("rst-out-of-window.pcapng", 17),
    ];
    for d in DOCTORED {
        let frame = frames_doctored
            .iter()
            .find(|(f, _)| *f == d.file)
            .map(|(_, n)| *n)
            .expect("listed");
        let v = check_pcapng(&read_fixture(d.file)).expect("readable");
        let first = v
            .first()
            .unwrap_or_else(|| panic!("{}: no violation", d.file));
        assert_eq!(
            (first.frame, first.rule),
            (frame, d.rule),
            "{}: {v:#?}",
            d.file
        );
        let shown = first.to_string();
        assert!(
            shown.starts_with(&format!("frame {frame}: [{}] ", d.rule.name())),
            "{shown}"
        );
        // The same verdict when the capture host is given rather than inferred.
        let at_server = check_pcapng_at(&read_fixture(d.file), Some(SERVER)).expect("readable");
        assert_eq!(at_server, v, "{}", d.file);
    }
}

/// The doctorings still do what the README says on today's simulator: each
/// breaks its rule at its frame (so the fixtures could be written again).
#[test]
fn doctoring_a_fresh_capture_gives_the_same_verdict() {
    for d in DOCTORED {
        let trace = trace_of(d.scenario, d.capture);
        let mut f = frames(&trace);
        let n = (d.doctor)(&trace, &mut f);
        let v = check_pcapng(&pcapng(&f)).expect("readable");
        assert_eq!(
            v.first().map(|x| (x.frame, x.rule)),
            Some((n, d.rule)),
            "{}: {v:#?}",
            d.file
        );
    }
}

const SERVER: std::net::Ipv4Addr = std::net::Ipv4Addr::new(192, 168, 1, 21);

#[test]
#[ignore = "prints the verdicts on the fixtures"]
fn show_fixture_verdicts() {
    for entry in std::fs::read_dir(fixture("")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pcapng") {
            let v = check_pcapng(&std::fs::read(&path).unwrap()).unwrap();
            eprintln!("{}:", path.file_name().unwrap().to_string_lossy());
            for x in v {
                eprintln!("  {x}");
            }
        }
    }
}
