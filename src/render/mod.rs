//! Outputs: a finished [`Trace`](crate::trace::Trace) as text, pictures and
//! capture files. In: a trace (and its scenario, for the summary). Out:
//! strings and bytes; writing them to files is the caller's (the CLI's) job.
//!
//! - [`table`]: Wireshark's packet list for people (`columns.rs`: the Time and
//!   Info columns as `tshark -r` prints them), followed by [`summary`].
//! - [`tsv`]: one tab-separated row per frame, for scripts and diffs.
//! - [`json`]: JSON Lines, one object per frame.
//! - [`summary`]: the run's closing lines (scenario, seed, ISNs, endings, byte counts).
//! - [`write_pcapng`]: the capture as a pcapng file for Wireshark and tshark
//!   ([`crate::trace::pcapng::PcapngStream`] writes one a packet at a time, as a run goes).
//! - [`svg()`]: a ladder diagram as a textbook draws it (lifelines, slanted arrows).
//! - [`mermaid`]: the same ladder as a Mermaid `sequenceDiagram` for GitHub.
//! - [`time_sequence()`]: a Stevens/tcptrace time-sequence graph of one
//!   direction, with the congestion window below (`timeseq/`).
//! - [`explain()`]: every segment explained, in the course write-up's X/Y notation.

mod columns;
pub mod explain;
mod json;
mod labels;
mod ladder;
mod mermaid;
mod pcapng;
mod states;
mod summary;
pub mod svg;
mod table;
mod timeline;
pub mod timeseq;
mod tsv;

pub use explain::explain;
pub use json::json;
pub use mermaid::mermaid;
pub use pcapng::{pcapng_bytes, write_pcapng};
pub use summary::summary;
pub use svg::svg;
pub use table::table;
pub use timeseq::time_sequence;
pub use tsv::tsv;

pub(crate) use crate::trace::text::{one_line, seconds};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_exact() {
        assert_eq!(seconds(0), "0.000000");
        assert_eq!(seconds(1_700), "0.001700");
        assert_eq!(seconds(12_000_345), "12.000345");
        assert_eq!(seconds(u64::MAX), "18446744073709.551615");
    }

    #[test]
    fn one_line_replaces_breaks() {
        assert_eq!(one_line("a\tb\nc\r\nd"), "a b c  d");
        assert_eq!(one_line("plain → text"), "plain → text");
    }
}
