//! The trace as a pcapng capture file that Wireshark and tshark open as is:
//! what the capture host's interface would have recorded, one packet per
//! [`Record`], in the trace's order, written through
//! [`crate::trace::pcapng::PcapngStream`] (the same code the engine streams a
//! run's capture through, so both give the same bytes).

use std::io::Write;

use pcap_file::PcapError;

use crate::trace::pcapng::PcapngStream;
use crate::trace::{Record, Trace};

/// Write `trace` as pcapng to `out`.
///
/// Timestamps are the records' `time_us`, counted from the Unix epoch (the
/// simulation starts at 1970-01-01 00:00:00 UTC in the file), so Wireshark's
/// Time column shows the same seconds as the table.
pub fn write_pcapng<W: Write>(trace: &Trace, out: W) -> Result<(), PcapError> {
    let mut stream = PcapngStream::new(out)?;
    for record in &trace.records {
        append(&mut stream, record)?;
    }
    Ok(())
}

/// The whole pcapng file in memory.
pub fn pcapng_bytes(trace: &Trace) -> Vec<u8> {
    let mut out = Vec::new();
    write_pcapng(trace, &mut out).expect("writing to a Vec<u8> cannot fail");
    out
}

/// Append `record`'s packet to `stream`.
pub(crate) fn append<W: Write>(
    stream: &mut PcapngStream<W>,
    record: &Record,
) -> Result<(), PcapError> {
    stream.packet(
        record.time_us,
        &record.frame,
        record.frame_len,
        &record.note,
        record.fate,
    )
}

#[cfg(test)]
mod tests {
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketOption;
    use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
    use pcap_file::pcapng::{Block, PcapNgReader};
    use pcap_file::{DataLink, Endianness};

    use super::*;
    use crate::trace::Fate;
    use crate::trace::fixture;
    use crate::trace::pcapng::comment;

    fn blocks(bytes: &[u8]) -> Vec<Block<'static>> {
        let mut reader = PcapNgReader::new(bytes).expect("a section header");
        let mut out = vec![Block::SectionHeader(reader.section().clone().into_owned())];
        while let Some(block) = reader.next_block() {
            out.push(block.expect("a well-formed block").into_owned());
        }
        out
    }

    fn with_frames() -> Trace {
        let mut t = fixture::trace();
        for r in &mut t.records {
            // Recognisable bytes of the frame's own length.
            r.frame = (0..r.frame_len).map(|i| (i as u8) ^ (r.no as u8)).collect();
        }
        t
    }

    #[test]
    fn one_interface_then_one_packet_per_record() {
        let t = with_frames();
        let b = blocks(&pcapng_bytes(&t));
        assert_eq!(b.len(), 2 + t.records.len());
        let Block::SectionHeader(shb) = &b[0] else {
            panic!("{:?}", b[0])
        };
        assert_eq!(shb.endianness, Endianness::Little);
        assert_eq!((shb.major_version, shb.minor_version), (1, 0));
        let Block::InterfaceDescription(idb) = &b[1] else {
            panic!("{:?}", b[1])
        };
        assert_eq!(idb.linktype, DataLink::ETHERNET);
        assert_eq!(idb.options, vec![InterfaceDescriptionOption::IfTsResol(6)]);
        for (block, r) in b[2..].iter().zip(&t.records) {
            let Block::EnhancedPacket(epb) = block else {
                panic!("{block:?}")
            };
            assert_eq!(epb.interface_id, 0);
            // The raw timestamp counts microseconds (see write_pcapng).
            assert_eq!(epb.timestamp.as_nanos(), u128::from(r.time_us));
            assert_eq!(epb.original_len, r.frame_len);
            assert_eq!(epb.data.as_ref(), r.frame.as_slice());
        }
    }

    #[test]
    fn comments_carry_note_and_fate() {
        let t = with_frames();
        let b = blocks(&pcapng_bytes(&t));
        let comments: Vec<Vec<String>> = b[2..]
            .iter()
            .map(|block| match block {
                Block::EnhancedPacket(epb) => epb
                    .options
                    .iter()
                    .map(|o| match o {
                        EnhancedPacketOption::Comment(c) => c.to_string(),
                        other => panic!("unexpected option {other:?}"),
                    })
                    .collect(),
                other => panic!("{other:?}"),
            })
            .collect();
        // No note, delivered: no comment at all.
        assert!(comments[0].is_empty());
        assert_eq!(comments[3], vec!["send(\"Ido Zeira\")"]);
        assert_eq!(comments[4], vec!["dropped by the link: lost on the link"]);
        // Duplicated without a note from the link: the fate alone.
        assert_eq!(comments[5], vec!["duplicated by the link"]);
        // Line breaks survive: a comment is free text.
        assert_eq!(comments[6], vec!["close()\twith\n15 unread bytes"]);
    }

    #[test]
    fn duplicated_note_is_not_repeated() {
        let mut r = fixture::trace().records[5].clone();
        r.note = "quick ACK; duplicated by the link".to_string();
        assert_eq!(
            comment(&r.note, r.fate),
            "quick ACK; duplicated by the link"
        );
        r.fate = Fate::Dropped;
        r.note = String::new();
        assert_eq!(comment(&r.note, r.fate), "dropped by the link");
    }

    #[test]
    fn bytes_are_deterministic_and_start_with_the_magic() {
        let t = with_frames();
        let a = pcapng_bytes(&t);
        assert_eq!(a, pcapng_bytes(&t));
        // Section Header Block type, then the little-endian byte-order magic.
        assert_eq!(&a[..4], &[0x0a, 0x0d, 0x0d, 0x0a]);
        assert_eq!(&a[8..12], &[0x4d, 0x3c, 0x2b, 0x1a]);
    }

    #[test]
    fn packets_written_one_by_one_make_the_trace_file() {
        // The streaming path hands over fields, not records.
        let t = with_frames();
        let mut stream = PcapngStream::new(Vec::new()).unwrap();
        for r in &t.records {
            stream
                .packet(r.time_us, &r.frame, r.frame_len, &r.note, r.fate)
                .unwrap();
        }
        assert_eq!(stream.into_inner(), pcapng_bytes(&t));
    }

    #[test]
    fn an_empty_trace_is_a_valid_empty_capture() {
        let mut t = fixture::trace();
        t.records.clear();
        assert_eq!(blocks(&pcapng_bytes(&t)).len(), 2);
    }

    #[test]
    fn write_errors_are_reported() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        match write_pcapng(&with_frames(), Full) {
            Err(PcapError::IoError(e)) => assert_eq!(e.to_string(), "disk full"),
            other => panic!("expected the writer's error, got {other:?}"),
        }
    }
}
