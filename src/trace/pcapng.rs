//! The trace's capture file, pcapng (draft-ietf-opsawg-pcapng), written one
//! packet at a time.
//!
//! One Section Header Block, one Interface Description Block (Ethernet,
//! microsecond timestamps), then one Enhanced Packet Block per frame. Each
//! packet's bytes are the whole Ethernet frame the simulator put on the wire,
//! checksums included, so Wireshark's checksum validation passes. The
//! simulator's note on a frame, and what the link did with it, travel in the
//! packet's comment (`opt_comment`), which Wireshark shows as `frame.comment`.
//!
//! The output is byte-for-byte deterministic: little-endian whatever the
//! machine, no capture-time options, timestamps from virtual time. Every block
//! carries its own length and nothing refers forward (no packet count in the
//! header), so the engine can write a frame the moment it is recorded, and
//! [`crate::render`] writes a finished trace through the same code.

use std::borrow::Cow;
use std::io::Write;
use std::time::Duration;

use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::{DataLink, Endianness, PcapError};

use crate::scenario::model::Micros;
use crate::trace::Fate;

/// `if_tsresol` = 6: timestamps count microseconds (the pcapng default, written
/// out so that no reader has to assume it).
const MICROSECONDS: u8 = 6;

/// Largest frame we ever capture; recorded as the interface's snap length.
const SNAPLEN: u32 = 65_535;

/// A pcapng file written one packet at a time: the section and interface
/// blocks when it is made, then one Enhanced Packet Block per packet.
///
/// [`crate::render::write_pcapng`] writes a finished trace through it, and the simulator
/// writes each frame through it the moment the capture host records it
/// ([`crate::engine::sim::run_streaming`]), so a run's streamed capture and the one
/// rendered from its trace are the same bytes: there is one way to make each
/// block.
pub struct PcapngStream<W: Write> {
    writer: PcapNgWriter<W>,
}

impl<W: Write> PcapngStream<W> {
    /// Start the file: Section Header Block (little-endian, whatever the
    /// machine) and the one Ethernet interface every packet is on.
    pub fn new(out: W) -> Result<PcapngStream<W>, PcapError> {
        let mut writer = PcapNgWriter::with_endianness(out, Endianness::Little)?;
        writer.write_pcapng_block(InterfaceDescriptionBlock {
            linktype: DataLink::ETHERNET,
            snaplen: SNAPLEN,
            options: vec![InterfaceDescriptionOption::IfTsResol(MICROSECONDS)],
        })?;
        Ok(PcapngStream { writer })
    }

    /// Append one packet: `frame` is the captured bytes (the whole frame, for
    /// Wireshark to dissect), `frame_len` its length on the wire, `note` and
    /// `fate` what the packet comment says about it.
    pub fn packet(
        &mut self,
        time_us: Micros,
        frame: &[u8],
        frame_len: u32,
        note: &str,
        fate: Fate,
    ) -> Result<(), PcapError> {
        self.writer
            .write_pcapng_block(packet_block(time_us, frame, frame_len, note, fate))?;
        Ok(())
    }

    /// The writer, with everything written so far handed to it (a buffered
    /// writer may still hold some: flush it).
    pub fn into_inner(self) -> W {
        self.writer.into_inner()
    }
}

/// The Enhanced Packet Block of one captured frame.
fn packet_block<'a>(
    time_us: Micros,
    frame: &'a [u8],
    frame_len: u32,
    note: &str,
    fate: Fate,
) -> EnhancedPacketBlock<'a> {
    let text = comment(note, fate);
    let options = if text.is_empty() {
        Vec::new()
    } else {
        vec![EnhancedPacketOption::Comment(Cow::Owned(text))]
    };
    EnhancedPacketBlock {
        interface_id: 0,
        // pcap-file 2.0 writes `timestamp.as_nanos()` as the raw count of
        // `if_tsresol` units; with microsecond resolution the raw count
        // must be the microseconds, hence `from_nanos(time_us)`.
        timestamp: Duration::from_nanos(time_us),
        original_len: frame_len,
        data: Cow::Borrowed(frame),
        options,
    }
}

/// The packet comment: the simulator's note, and the link's verdict when the
/// frame was not simply delivered (a capture file has no column for it).
pub(crate) fn comment(note: &str, fate: Fate) -> String {
    let note = note.trim();
    let fate = match fate {
        Fate::Delivered => return note.to_string(),
        Fate::Dropped => "dropped by the link",
        // The link already says so in its part of the note.
        Fate::Duplicated if note.contains("duplicated") => return note.to_string(),
        Fate::Duplicated => "duplicated by the link",
    };
    if note.is_empty() {
        fate.to_string()
    } else {
        format!("{fate}: {note}")
    }
}
