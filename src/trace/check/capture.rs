//! Reading capture files (pcapng, and classic pcap) into segments, and
//! finding which host the capture was taken at.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use pcap_file::DataLink;
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketOption;
use pcap_file::pcapng::{Block, PcapNgReader};

use super::segment::{self, Link, Seg};
use crate::wire::flags;
use crate::wire::seq;

fn link_of(datalink: DataLink) -> Option<Link> {
    match datalink {
        DataLink::ETHERNET => Some(Link::Ethernet),
        DataLink::RAW | DataLink::IPV4 => Some(Link::RawIp),
        DataLink::LINUX_SLL => Some(Link::LinuxSll),
        DataLink::LINUX_SLL2 => Some(Link::LinuxSll2),
        _ => None,
    }
}

fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The TCP segments of a pcapng (or pcap) file, numbered as Wireshark numbers
/// packets (every packet counts, TCP or not).
pub fn read(bytes: &[u8]) -> Result<Vec<Seg>, String> {
    let magic = bytes
        .get(..4)
        .ok_or("not a capture file: shorter than 4 bytes")?;
    match magic {
        [0x0a, 0x0d, 0x0d, 0x0a] => read_pcapng(bytes),
        [0xd4, 0xc3, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0xc3, 0xd4]
        | [0x4d, 0x3c, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0x3c, 0x4d] => read_pcap(bytes),
        _ => Err("not a pcapng or pcap file (unknown magic number)".to_string()),
    }
}

fn read_pcapng(bytes: &[u8]) -> Result<Vec<Seg>, String> {
    let mut reader = PcapNgReader::new(bytes).map_err(|e| format!("not a pcapng file: {e}"))?;
    let mut links: Vec<Option<Link>> = Vec::new();
    let mut out = Vec::new();
    let mut frame = 0usize;
    while let Some(block) = reader.next_block() {
        let block = block.map_err(|e| format!("pcapng block after packet {frame}: {e}"))?;
        let (interface, time_us, data, outbound) = match block {
            Block::SectionHeader(_) => {
                // Interface numbers start again in every section.
                links.clear();
                continue;
            }
            Block::InterfaceDescription(idb) => {
                links.push(link_of(idb.linktype));
                continue;
            }
            Block::EnhancedPacket(epb) => {
                // epb_flags bits 0-1: 01 inbound, 10 outbound (pcapng 4.3.1).
                let outbound = epb.options.iter().find_map(|o| match o {
                    EnhancedPacketOption::Flags(f) => match f & 0b11 {
                        0b01 => Some(false),
                        0b10 => Some(true),
                        _ => None,
                    },
                    _ => None,
                });
                (
                    epb.interface_id as usize,
                    micros(epb.timestamp),
                    epb.data,
                    outbound,
                )
            }
            Block::SimplePacket(spb) => (0, 0, spb.data, None),
            Block::Packet(pb) => (usize::from(pb.interface_id), pb.timestamp, pb.data, None),
            _ => continue,
        };
        frame += 1;
        let link = links.get(interface).ok_or_else(|| {
            format!("packet {frame} names interface {interface}, which is not described")
        })?;
        if let Some(link) = link
            && let Some(mut seg) = segment::parse(*link, &data, frame, time_us)
        {
            seg.outbound = outbound;
            out.push(seg);
        }
    }
    Ok(out)
}

fn read_pcap(bytes: &[u8]) -> Result<Vec<Seg>, String> {
    let mut reader = PcapReader::new(bytes).map_err(|e| format!("not a pcap file: {e}"))?;
    let link = link_of(reader.header().datalink);
    let mut out = Vec::new();
    let mut frame = 0usize;
    while let Some(packet) = reader.next_packet() {
        let packet = packet.map_err(|e| format!("pcap packet after {frame}: {e}"))?;
        frame += 1;
        if let Some(link) = link
            && let Some(seg) = segment::parse(link, &packet.data, frame, micros(packet.timestamp))
        {
            out.push(seg);
        }
    }
    Ok(out)
}

/// Which host took the capture, from the handshake's timing: a host answers a
/// segment it receives at once, but waits a round trip for the answer to one
/// it sends. So at the server the SYN,ACK follows the SYN closely and the
/// client's ACK comes a round trip later; at the client it is the other way
/// round. The first connection whose three handshake segments are all in the
/// capture decides; `None` when none is, or the two gaps are equal.
pub fn infer_capture_host(segs: &[Seg]) -> Option<Ipv4Addr> {
    if let Some(s) = segs.iter().find(|s| s.outbound.is_some()) {
        return Some(if s.outbound == Some(true) {
            s.src
        } else {
            s.dst
        });
    }
    type End = (Ipv4Addr, u16);
    // Per connection (client end, server end): the last SYN's time; the first
    // SYN,ACK's time, its seq, and the time of the SYN it answered.
    let mut syns: BTreeMap<(End, End), u64> = BTreeMap::new();
    let mut synacks: BTreeMap<(End, End), (u64, u32, u64)> = BTreeMap::new();
    for s in segs {
        let from = (s.src, s.src_port);
        let to = (s.dst, s.dst_port);
        let syn = s.has(flags::SYN) && !s.has(flags::RST);
        if syn && !s.has(flags::ACK) {
            syns.insert((from, to), s.time_us);
        } else if syn {
            if let Some(&syn_at) = syns.get(&(to, from)) {
                synacks
                    .entry((to, from))
                    .or_insert((s.time_us, s.seq, syn_at));
            }
        } else if s.has(flags::ACK)
            && let Some(&(synack_at, y, syn_at)) = synacks.get(&(from, to))
            && s.ack == seq::add(y, 1)
        {
            let server_gap = synack_at.saturating_sub(syn_at);
            let client_gap = s.time_us.saturating_sub(synack_at);
            return match server_gap.cmp(&client_gap) {
                std::cmp::Ordering::Less => Some(s.dst),
                std::cmp::Ordering::Greater => Some(s.src),
                std::cmp::Ordering::Equal => None,
            };
        }
    }
    None
}
