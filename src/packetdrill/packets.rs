//! Script packets and live ones: an inbound (`<`) line made into the frame
//! the host receives, and the frames the host sent checked against an
//! outbound (`>`) line, as packetdrill does (run_packet.c).
//!
//! Script sequence numbers are relative, as tcpdump prints them: a SYN's
//! are absolute; in other segments the host's are counted from its ISN and
//! the script's own from the ISN its SYN gave. The host picks its ISN, so
//! outbound values are mapped from live to script space before they are
//! compared, and inbound ACK numbers, SACK blocks and TS echo replies from
//! script to live space before they are sent.

use std::collections::BTreeMap;

use crate::packetdrill::harness::Sniffed;
use crate::packetdrill::script::{Options, Packet, TcpFlags, TcpOption};
use crate::wire::flags;
use crate::wire::frame::{self, Endpoints, SegmentSpec};
use crate::wire::options::{self, TcpOptions};

const NOP: u8 = 1;
const EOL: u8 = 0;

/// The connection a script's packets belong to, with packetdrill's mapping
/// between script and live numbers (`struct socket`'s script and live halves).
#[derive(Debug, Clone)]
pub(crate) struct ScriptConn {
    /// The host's port.
    pub(crate) local_port: u16,
    /// The script's port.
    pub(crate) remote_port: u16,
    /// The script's ISN (script and live are the same: the script picks it).
    pub(crate) remote_isn: u32,
    /// The host's ISN as the script writes it (from its SYN or SYN-ACK line).
    pub(crate) script_local_isn: u32,
    /// The host's real ISN, once its SYN or SYN-ACK has been seen.
    pub(crate) live_local_isn: Option<u32>,
    /// Script TS val -> the live TS val seen in its place.
    ts_map: BTreeMap<u32, u32>,
    /// The first (script, live) TS val pair, the base of the mapping.
    first_ts: Option<(u32, u32)>,
}

impl ScriptConn {
    /// A connection the script opens with a SYN to a listening host.
    pub(crate) fn passive(local_port: u16, remote_port: u16, remote_isn: u32) -> ScriptConn {
        ScriptConn {
            local_port,
            remote_port,
            remote_isn,
            script_local_isn: 0,
            live_local_isn: None,
            ts_map: BTreeMap::new(),
            first_ts: None,
        }
    }

    /// A connection the host opens: its SYN, matched to the script's.
    pub(crate) fn active(
        local_port: u16,
        remote_port: u16,
        script_isn: u32,
        live_isn: u32,
    ) -> ScriptConn {
        ScriptConn {
            local_port,
            remote_port,
            remote_isn: 0,
            script_local_isn: script_isn,
            live_local_isn: Some(live_isn),
            ts_map: BTreeMap::new(),
            first_ts: None,
        }
    }

    /// Script -> live offset of the host's sequence numbers.
    fn local_offset(&self, syn: bool) -> u32 {
        let live = self.live_local_isn.unwrap_or(0);
        if syn {
            live.wrapping_sub(self.script_local_isn)
        } else {
            live
        }
    }

    /// Script -> live offset of the script's sequence numbers.
    fn remote_offset(&self, syn: bool) -> u32 {
        if syn { 0 } else { self.remote_isn }
    }
}

/// TCP flag bits of a script line (the AccECN bits are refused before a run).
pub(crate) fn flag_bits(f: &TcpFlags) -> u8 {
    let mut bits = 0;
    for (on, bit) in [
        (f.fin, flags::FIN),
        (f.syn, flags::SYN),
        (f.rst, flags::RST),
        (f.psh, flags::PSH),
        (f.ack, flags::ACK),
        (f.urg, flags::URG),
        (f.ece, flags::ECE),
        (f.cwr, flags::CWR),
    ] {
        if on {
            bits |= bit;
        }
    }
    bits
}

/// The frame an inbound line stands for, in live numbers.
pub(crate) fn inbound_frame(
    p: &Packet,
    conn: &ScriptConn,
    macs: ([u8; 6], [u8; 6]),
    ips: (std::net::Ipv4Addr, std::net::Ipv4Addr),
) -> Result<Vec<u8>, String> {
    let syn = p.flags.syn;
    let seq = p.seq_start.wrapping_add(conn.remote_offset(syn));
    let ack = match p.ack {
        Some(a) if p.flags.ack => a.wrapping_add(conn.local_offset(syn)),
        Some(a) => a,
        None => 0,
    };
    let payload = vec![0u8; p.payload_len as usize];
    let spec = SegmentSpec {
        src_mac: macs.0,
        dst_mac: macs.1,
        ends: Endpoints {
            src: ips.0,
            src_port: conn.remote_port,
            dst: ips.1,
            dst_port: conn.local_port,
        },
        seq,
        ack,
        flags: flag_bits(&p.flags),
        win: p.window.unwrap_or(0) as u16,
        options: TcpOptions::default(),
        payload: &payload,
    };
    let frame = frame::build_segment(&spec);
    let Options::List(list) = &p.options else {
        return Ok(frame);
    };
    let mut bytes = Vec::new();
    for opt in list {
        match opt {
            TcpOption::Nop => bytes.push(NOP),
            TcpOption::Eol => bytes.push(EOL),
            TcpOption::Mss(m) => {
                bytes.extend_from_slice(&[2, 4]);
                bytes.extend_from_slice(&m.to_be_bytes());
            }
            TcpOption::WindowScale(s) => bytes.extend_from_slice(&[3, 3, *s]),
            TcpOption::SackPermitted => bytes.extend_from_slice(&[4, 2]),
            TcpOption::Sack(blocks) => {
                bytes.extend_from_slice(&[5, 2 + 8 * blocks.len() as u8]);
                let off = conn.local_offset(syn);
                for (l, r) in blocks {
                    bytes.extend_from_slice(&l.wrapping_add(off).to_be_bytes());
                    bytes.extend_from_slice(&r.wrapping_add(off).to_be_bytes());
                }
            }
            TcpOption::Timestamp { val, ecr } => {
                let val = val.unwrap_or(0);
                let script_ecr = ecr.unwrap_or(0);
                let live_ecr = if p.flags.ack {
                    match conn.ts_map.get(&script_ecr) {
                        Some(live) => *live,
                        None => {
                            return Err(format!(
                                "unable to infer live TS ecr for script TS ecr {script_ecr};  no matching or preceding outbound TS val"
                            ));
                        }
                    }
                } else {
                    script_ecr
                };
                bytes.extend_from_slice(&[8, 10]);
                bytes.extend_from_slice(&val.to_be_bytes());
                bytes.extend_from_slice(&live_ecr.to_be_bytes());
            }
            other => {
                return Err(format!(
                    "{} is not supported",
                    other.unsupported().unwrap_or("this option")
                ));
            }
        }
    }
    if !bytes.len().is_multiple_of(4) {
        return Err(format!(
            "TCP options are {} bytes, not a multiple of 4",
            bytes.len()
        ));
    }
    options::with_option_bytes(&frame, &bytes).ok_or_else(|| "TCP options do not fit".to_string())
}

/// The live frames one outbound line matches: the next one, or as many as
/// add up to the line's payload (a TSO packet the host sent as several).
pub(crate) fn take_matching(
    queue: &mut std::collections::VecDeque<Sniffed>,
    want: u32,
) -> Option<Vec<Sniffed>> {
    let mut got = 0;
    let mut n = 0;
    for s in queue.iter() {
        n += 1;
        got += s.seg.payload_len;
        if got >= want {
            break;
        }
    }
    if n == 0 || got < want {
        return None;
    }
    Some(queue.drain(..n).collect())
}

/// What the host sent for one outbound line, mapped to script numbers.
struct Actual {
    flags: u8,
    seq: u32,
    ack: u32,
    win: u16,
    payload_len: u32,
    payload_zero: bool,
    /// (kind, data) per option, SACK blocks and TS val mapped.
    options: Vec<(u8, Vec<u8>)>,
    options_len: usize,
}

/// Check the live `frames` against outbound line `p`, in packetdrill's
/// order and words; `conn` learns the host's ISN and TS vals on the way.
pub(crate) fn verify_outbound(
    p: &Packet,
    frames: &[Sniffed],
    conn: &mut ScriptConn,
) -> Result<(), String> {
    let first = &frames[0];
    let last = &frames[frames.len() - 1];
    if first.seg.ends.dst_port != conn.remote_port || first.seg.ends.src_port != conn.local_port {
        return Err("packet is not for expected socket".to_string());
    }
    let syn = first.seg.has(flags::SYN);
    if syn && p.flags.syn && p.flags.ack && conn.live_local_isn.is_none() {
        conn.script_local_isn = p.seq_start;
        conn.live_local_isn = Some(first.seg.seq);
    }
    let mut bits = first.seg.flags & !(flags::FIN | flags::PSH);
    bits |= last.seg.flags & (flags::FIN | flags::PSH);
    let payload_len: u32 = frames.iter().map(|f| f.seg.payload_len).sum();
    let payload_zero = frames.iter().all(|f| {
        let start = f.frame.len() - f.seg.payload_len as usize;
        f.frame[start..].iter().all(|&b| b == 0)
    });
    let local_off = conn.local_offset(syn);
    let remote_off = conn.remote_offset(syn);
    let raw = options::raw_options(&first.frame).unwrap_or_default();
    let options_len = raw
        .iter()
        .map(|(k, d)| if *k <= NOP { 1 } else { 2 + d.len() })
        .sum();
    let mut mapped = Vec::with_capacity(raw.len());
    for (kind, data) in raw {
        let data = match kind {
            5 => data
                .chunks_exact(4)
                .flat_map(|c| {
                    let v = u32::from_be_bytes([c[0], c[1], c[2], c[3]]).wrapping_sub(remote_off);
                    v.to_be_bytes()
                })
                .collect(),
            8 if data.len() == 8 => {
                let live_val = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
                let script_val = script_ts_val(p);
                if let Some(sv) = script_val {
                    conn.ts_map.insert(sv, live_val);
                    if conn.first_ts.is_none() {
                        conn.first_ts = Some((sv, live_val));
                    }
                }
                let v = match conn.first_ts {
                    Some((s0, l0)) => s0.wrapping_add(live_val.wrapping_sub(l0)),
                    None => live_val,
                };
                let mut d = v.to_be_bytes().to_vec();
                d.extend_from_slice(&data[4..8]);
                d
            }
            _ => data,
        };
        mapped.push((kind, data));
    }
    let actual = Actual {
        flags: bits,
        seq: first.seg.seq.wrapping_sub(local_off),
        ack: if first.seg.has(flags::ACK) {
            first.seg.ack.wrapping_sub(remote_off)
        } else {
            first.seg.ack
        },
        win: first.seg.win,
        payload_len,
        payload_zero,
        options: mapped,
        options_len,
    };
    compare(p, &actual)
}

/// The TS val a script line gives, if any.
fn script_ts_val(p: &Packet) -> Option<u32> {
    match &p.options {
        Options::List(list) => list.iter().find_map(|o| match o {
            TcpOption::Timestamp { val, .. } => *val,
            _ => None,
        }),
        _ => None,
    }
}

fn field(name: &str, expected: u32, actual: u32) -> Result<(), String> {
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "live packet field {name}: expected: {expected} vs actual: {actual}"
        ))
    }
}

fn compare(p: &Packet, a: &Actual) -> Result<(), String> {
    if a.payload_len != p.payload_len {
        return Err(format!(
            "live packet payload: expected {} bytes vs actual {} bytes",
            p.payload_len, a.payload_len
        ));
    }
    let script_opts: Option<&Vec<TcpOption>> = match &p.options {
        Options::List(l) => Some(l),
        Options::NotGiven => None,
        Options::Any => None,
    };
    let script_len: usize =
        script_opts.map_or(0, |l| l.iter().filter_map(TcpOption::wire_len).sum());
    let doff_expected = if p.options == Options::Any {
        5 + a.options_len.div_ceil(4)
    } else {
        5 + script_len.div_ceil(4)
    };
    field(
        "tcp_data_offset",
        doff_expected as u32,
        5 + a.options_len.div_ceil(4) as u32,
    )?;
    let bit = |b: u8| u32::from(a.flags & b != 0);
    let f = &p.flags;
    field("tcp_fin", u32::from(f.fin), bit(flags::FIN))?;
    field("tcp_syn", u32::from(f.syn), bit(flags::SYN))?;
    field("tcp_rst", u32::from(f.rst), bit(flags::RST))?;
    field("tcp_psh", u32::from(f.psh), bit(flags::PSH))?;
    field("tcp_ack", u32::from(f.ack), bit(flags::ACK))?;
    field("tcp_urg", u32::from(f.urg), bit(flags::URG))?;
    field("tcp_ece", u32::from(f.ece), bit(flags::ECE))?;
    field("tcp_cwr", u32::from(f.cwr), bit(flags::CWR))?;
    field("tcp_seq", p.seq_start, a.seq)?;
    field("tcp_ack_seq", p.ack.unwrap_or(0), a.ack)?;
    if let Some(w) = p.window {
        field("tcp_window", w, u32::from(a.win))?;
    }
    if let Some(list) = script_opts {
        compare_options(list, &a.options)?;
    } else if p.options == Options::NotGiven && !a.options.is_empty() {
        return Err("bad outbound TCP options".to_string());
    }
    if !a.payload_zero {
        return Err("incorrect outbound data payload".to_string());
    }
    Ok(())
}

/// Option by option, kinds in order; values of all but timestamps (whose
/// TS val is only checked with `--tcp_ts_tick_usecs`, and TS ecr never).
fn compare_options(script: &[TcpOption], actual: &[(u8, Vec<u8>)]) -> Result<(), String> {
    let mut s = script.iter();
    let mut a = actual.iter();
    loop {
        match (s.next(), a.next()) {
            (None, None) => return Ok(()),
            (Some(so), Some((kind, data))) => {
                let (skind, sdata) = script_option_bytes(so);
                if skind != *kind {
                    return Err("bad outbound TCP options".to_string());
                }
                if skind == 8 || skind <= NOP {
                    continue;
                }
                let err = if sdata.len() != data.len() {
                    Some("bad length")
                } else if sdata != *data {
                    Some("bad value")
                } else {
                    None
                };
                if let Some(err) = err {
                    return Err(format!(
                        "{err} in outbound TCP option (kind={skind}): expected: {} actual: {}",
                        describe(skind, &sdata),
                        describe(*kind, data)
                    ));
                }
            }
            _ => return Err("bad outbound TCP options".to_string()),
        }
    }
}

/// A script option as (kind, data after kind and length), SACK blocks in
/// script numbers.
fn script_option_bytes(o: &TcpOption) -> (u8, Vec<u8>) {
    match o {
        TcpOption::Nop => (NOP, Vec::new()),
        TcpOption::Eol => (EOL, Vec::new()),
        TcpOption::Mss(m) => (2, m.to_be_bytes().to_vec()),
        TcpOption::WindowScale(s) => (3, vec![*s]),
        TcpOption::SackPermitted => (4, Vec::new()),
        TcpOption::Sack(blocks) => (
            5,
            blocks
                .iter()
                .flat_map(|(l, r)| [l.to_be_bytes(), r.to_be_bytes()])
                .flatten()
                .collect(),
        ),
        TcpOption::Timestamp { .. } => (8, Vec::new()),
        TcpOption::FastOpen { .. } => (34, Vec::new()),
        TcpOption::FastOpenExp { .. } => (254, Vec::new()),
        TcpOption::Md5(_) => (19, Vec::new()),
        TcpOption::AccEcn(_) => (172, Vec::new()),
    }
}

/// An option's value as a script writes it.
fn describe(kind: u8, data: &[u8]) -> String {
    let be32 = |c: &[u8]| u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
    match (kind, data.len()) {
        (2, 2) => format!("mss {}", u16::from_be_bytes([data[0], data[1]])),
        (3, 1) => format!("wscale {}", data[0]),
        (4, 0) => "sackOK".to_string(),
        (5, n) if n % 8 == 0 => {
            let blocks: Vec<String> = data
                .chunks_exact(8)
                .map(|c| format!("{}:{}", be32(&c[0..4]), be32(&c[4..8])))
                .collect();
            format!("sack {}", blocks.join(" "))
        }
        _ => format!("kind {kind} with {} bytes", data.len()),
    }
}
