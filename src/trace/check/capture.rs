//! Reading capture files (pcapng, and classic pcap) into segments, and
//! finding which host the capture was taken at.

use std::collections::BTreeMap;
use std::io::{BufRead, Read};
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

/// How many packets a capture held and how many were TCP segments the
/// checker read; the rest (ARP, ICMP, UDP, ...) were skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Every packet, as Wireshark numbers them.
    pub frames: usize,
    /// TCP segments over IPv4, the ones checked.
    pub segments: usize,
}

impl Tally {
    /// Packets that were not TCP over IPv4.
    pub fn skipped(&self) -> usize {
        self.frames - self.segments
    }
}

/// The TCP segments of a pcapng (or pcap) file, numbered as Wireshark numbers
/// packets (every packet counts, TCP or not).
pub fn read(bytes: &[u8]) -> Result<Vec<Seg>, String> {
    let mut out = Vec::new();
    read_each(bytes, &mut |seg| {
        out.push(seg);
        true
    })?;
    Ok(out)
}

/// Read a capture packet by packet, handing each TCP segment to `f` (which
/// returns false to stop early), so a capture of any size takes only one
/// packet's memory here. Refused, with the packet's number: a link type
/// other than Ethernet, raw IPv4 or Linux cooked; an IPv6 packet; a packet
/// cut shorter than its IP length (a snap length), whose payload the
/// retransmission rule could not compare.
pub fn read_each(
    mut reader: impl BufRead,
    f: &mut dyn FnMut(Seg) -> bool,
) -> Result<Tally, String> {
    let magic = reader.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
    let magic: [u8; 4] = magic
        .get(..4)
        .and_then(|m| m.try_into().ok())
        .ok_or("not a capture file: shorter than 4 bytes")?;
    match magic {
        [0x0a, 0x0d, 0x0d, 0x0a] => read_pcapng(reader, f),
        [0xd4, 0xc3, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0xc3, 0xd4]
        | [0x4d, 0x3c, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0x3c, 0x4d] => read_pcap(reader, f),
        _ => Err("not a pcapng or pcap file (unknown magic number)".to_string()),
    }
}

/// One packet: its segment, if TCP over IPv4, counted in `tally`.
fn packet(
    tally: &mut Tally,
    link: Result<Link, DataLink>,
    data: &[u8],
    time_us: u64,
) -> Result<Option<Seg>, String> {
    tally.frames += 1;
    let frame = tally.frames;
    let link = link.map_err(|datalink| {
        format!(
            "packet {frame} has link type {datalink:?}, which tcpsim check cannot read (it reads Ethernet, raw IPv4 and Linux cooked captures)"
        )
    })?;
    let seg = segment::parse_strict(link, data, frame, time_us)
        .map_err(|why| format!("packet {frame} {why}"))?;
    tally.segments += usize::from(seg.is_some());
    Ok(seg)
}

fn read_pcapng(reader: impl Read, f: &mut dyn FnMut(Seg) -> bool) -> Result<Tally, String> {
    let mut reader = PcapNgReader::new(reader).map_err(|e| format!("not a pcapng file: {e}"))?;
    let mut links: Vec<Result<Link, DataLink>> = Vec::new();
    let mut tally = Tally::default();
    while let Some(block) = reader.next_block() {
        let frame = tally.frames;
        let block = block.map_err(|e| format!("pcapng block after packet {frame}: {e}"))?;
        let (interface, time_us, data, outbound) = match block {
            Block::SectionHeader(_) => {
                // Interface numbers start again in every section.
                links.clear();
                continue;
            }
            Block::InterfaceDescription(idb) => {
                links.push(link_of(idb.linktype).ok_or(idb.linktype));
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
        let link = *links.get(interface).ok_or_else(|| {
            format!(
                "packet {} names interface {interface}, which is not described",
                frame + 1
            )
        })?;
        if let Some(mut seg) = packet(&mut tally, link, &data, time_us)? {
            seg.outbound = outbound;
            if !f(seg) {
                break;
            }
        }
    }
    Ok(tally)
}

fn read_pcap(reader: impl Read, f: &mut dyn FnMut(Seg) -> bool) -> Result<Tally, String> {
    let mut reader = PcapReader::new(reader).map_err(|e| format!("not a pcap file: {e}"))?;
    let datalink = reader.header().datalink;
    let link = link_of(datalink).ok_or(datalink);
    let mut tally = Tally::default();
    while let Some(packet_read) = reader.next_packet() {
        let frame = tally.frames;
        let p = packet_read.map_err(|e| format!("pcap packet after {frame}: {e}"))?;
        if let Some(seg) = packet(&mut tally, link, &p.data, micros(p.timestamp))?
            && !f(seg)
        {
            break;
        }
    }
    Ok(tally)
}

/// Which host took the capture, from the handshake's timing: a host answers a
/// segment it receives at once, but waits a round trip for the answer to one
/// it sends. So at the server the SYN,ACK follows the SYN closely and the
/// client's ACK comes a round trip later; at the client it is the other way
/// round. The first connection whose three handshake segments are all in the
/// capture decides; `None` when none is, or the two gaps are equal. A
/// segment with a direction flag (pcapng `epb_flags`) outranks the timing.
pub fn infer_capture_host(segs: &[Seg]) -> Option<Ipv4Addr> {
    let mut guess = HostGuess::default();
    for s in segs {
        if guess.see(s) {
            break;
        }
    }
    guess.host()
}

type End = (Ipv4Addr, u16);

/// [`infer_capture_host`] one segment at a time, so a capture can be
/// streamed through it.
#[derive(Debug, Default)]
pub struct HostGuess {
    /// From the first segment with a direction flag: final.
    flagged: Option<Ipv4Addr>,
    /// From the first whole handshake; a flag seen later still wins.
    timed: Option<Option<Ipv4Addr>>,
    /// Per connection (client end, server end): the last SYN's time.
    syns: BTreeMap<(End, End), u64>,
    /// The first SYN,ACK's time, its seq, and the time of the SYN it answered.
    synacks: BTreeMap<(End, End), (u64, u32, u64)>,
}

impl HostGuess {
    /// Take in one segment; true once the answer cannot change.
    pub fn see(&mut self, s: &Seg) -> bool {
        if let Some(out) = s.outbound {
            self.flagged = Some(if out { s.src } else { s.dst });
            return true;
        }
        if self.timed.is_some() {
            return false;
        }
        let from = (s.src, s.src_port);
        let to = (s.dst, s.dst_port);
        let syn = s.has(flags::SYN) && !s.has(flags::RST);
        if syn && !s.has(flags::ACK) {
            self.syns.insert((from, to), s.time_us);
        } else if syn {
            if let Some(&syn_at) = self.syns.get(&(to, from)) {
                self.synacks
                    .entry((to, from))
                    .or_insert((s.time_us, s.seq, syn_at));
            }
        } else if s.has(flags::ACK)
            && let Some(&(synack_at, y, syn_at)) = self.synacks.get(&(from, to))
            && s.ack == seq::add(y, 1)
        {
            let server_gap = synack_at.saturating_sub(syn_at);
            let client_gap = s.time_us.saturating_sub(synack_at);
            self.timed = Some(match server_gap.cmp(&client_gap) {
                std::cmp::Ordering::Less => Some(s.dst),
                std::cmp::Ordering::Greater => Some(s.src),
                std::cmp::Ordering::Equal => None,
            });
            self.syns.clear();
            self.synacks.clear();
        }
        false
    }

    /// The capture host, as far as the segments seen tell.
    pub fn host(&self) -> Option<Ipv4Addr> {
        self.flagged.or(self.timed.flatten())
    }
}
