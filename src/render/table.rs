//! The packet list as Wireshark shows it, then the run's summary.

use std::net::Ipv4Addr;

use crate::scenario::model::Micros;
use crate::trace::analysis::{self, Flag};
use crate::trace::{Fate, Record, Trace};

use super::columns::{info, window_shifts};
use super::{one_line, seconds, summary};

const HEADERS: [&str; 7] = [
    "No.",
    "Time",
    "Source",
    "Destination",
    "Protocol",
    "Length",
    "Info",
];

/// Columns aligned to the right (numbers); the others are aligned to the left.
const RIGHT: [bool; 7] = [true, true, false, false, false, true, false];

/// Space between two columns.
const GAP: &str = "  ";

/// The Info cell as the table shows it: the fate as a prefix when the frame did
/// not simply arrive, then Wireshark's Info column (its TCP analysis labels,
/// `[TCP Retransmission] `, before the segment), the simulator's note after an
/// arrow.
fn info_cell(record: &Record, marks: &[Flag], shift: Option<u8>) -> String {
    let prefix = match record.fate {
        Fate::Delivered => "",
        Fate::Dropped => "[dropped] ",
        Fate::Duplicated => "[duplicated] ",
    };
    let labels = analysis::info_prefix(marks);
    let mut text = format!("{prefix}{labels}{}", info(record, shift));
    let note = one_line(&record.note);
    let note = note.trim();
    if !note.is_empty() {
        text.push_str("  ← ");
        text.push_str(note);
    }
    text
}

/// Addresses as text, each formatted once: a trace has two or a few.
#[derive(Default)]
struct Addresses(Vec<(Ipv4Addr, String)>);

impl Addresses {
    fn text(&mut self, ip: Ipv4Addr) -> String {
        if let Some((_, text)) = self.0.iter().find(|(a, _)| *a == ip) {
            return text.clone();
        }
        let text = ip.to_string();
        self.0.push((ip, text.clone()));
        text
    }
}

/// One row; `start` is the first frame's time, Wireshark's zero.
fn row(
    record: &Record,
    marks: &[Flag],
    shift: Option<u8>,
    start: Micros,
    ips: &mut Addresses,
) -> [String; 7] {
    [
        record.no.to_string(),
        seconds(record.time_us - start),
        ips.text(record.src),
        ips.text(record.dst),
        "TCP".to_string(),
        record.frame_len.to_string(),
        info_cell(record, marks, shift),
    ]
}

/// Wireshark's packet list (`No.  Time  Source  Destination  Protocol  Length  Info`)
/// with aligned columns, as `tshark -r` prints the capture (Time counts from
/// the first frame, windows are scaled, options are listed), then a blank
/// line, a line saying where Time's zero lies in simulated time, and
/// [`summary`](super::summary).
pub fn table(trace: &Trace) -> String {
    let header: [String; 7] = HEADERS.map(str::to_string);
    let analysis = analysis::analyze(trace);
    let shifts = window_shifts(trace);
    let start = trace.records.first().map_or(0, |r| r.time_us);
    let mut ips = Addresses::default();
    let rows: Vec<[String; 7]> = trace
        .records
        .iter()
        .zip(&analysis)
        .zip(&shifts)
        .map(|((r, marks), shift)| row(r, marks, *shift, start, &mut ips))
        .collect();

    let mut widths = [0usize; 7];
    for cells in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }

    let mut out = String::new();
    let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n));
    for cells in std::iter::once(&header).chain(&rows) {
        let line = out.len();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push_str(GAP);
            }
            let n = widths[i] - cell.chars().count();
            if RIGHT[i] {
                pad(&mut out, n);
                out.push_str(cell);
            } else if i + 1 == cells.len() {
                // The last column is not padded: no trailing spaces.
                out.push_str(cell);
            } else {
                out.push_str(cell);
                pad(&mut out, n);
            }
        }
        let kept = out[line..].trim_end().len();
        out.truncate(line + kept);
        out.push('\n');
    }
    out.push('\n');
    if !trace.records.is_empty() {
        out.push_str(&format!(
            "Time: seconds since frame 1, which the capture saw at {} s of simulated time (the clock of the lines below, of tsv, json and --explain)\n",
            seconds(start)
        ));
    }
    out.push_str(&summary(trace));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::fixture;

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    #[test]
    fn table_rows_are_aligned() {
        let text = table(&fixture::trace());
        let l = lines(&text);
        assert_eq!(
            l[0],
            "No.       Time  Source        Destination   Protocol  Length  Info"
        );
        assert_eq!(
            l[1],
            "  1   0.000000  192.168.1.13  192.168.1.21  TCP           74  \
             52060 → 12345 [SYN] Seq=0 Win=64240 Len=0"
        );
        assert_eq!(
            l[2],
            "  2   0.000200  192.168.1.21  192.168.1.13  TCP           74  \
             12345 → 52060 [SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0"
        );
        assert_eq!(
            l[4],
            "  4   0.001500  192.168.1.13  192.168.1.21  TCP           75  \
             52060 → 12345 [PSH, ACK] Seq=1 Ack=1 Win=502 Len=9  ← send(\"Ido Zeira\")"
        );
        assert_eq!(
            l[5],
            "  5   0.001700  192.168.1.21  192.168.1.13  TCP           75  \
             [dropped] 12345 → 52060 [PSH, ACK] Seq=1 Ack=10 Win=510 Len=9  ← lost on the link"
        );
        assert_eq!(
            l[6],
            "  6  12.000345  192.168.1.13  192.168.1.21  TCP           66  \
             [duplicated] [TCP Dup ACK 3#1] 52060 → 12345 [ACK] Seq=10 Ack=1 Win=502 Len=0"
        );
        assert_eq!(
            l[7],
            "  7  12.000400  192.168.1.13  192.168.1.21  TCP           54  \
             52060 → 12345 [RST] Seq=10 Win=0 Len=0  ← close() with 15 unread bytes"
        );
        for line in &l[..8] {
            assert_eq!(line.trim_end(), *line, "no trailing spaces");
        }
    }

    #[test]
    fn table_ends_with_summary() {
        let t = fixture::trace();
        let text = table(&t);
        let expected_tail = format!(
            "\n\nTime: seconds since frame 1, which the capture saw at 0.000000 s of simulated time (the clock of the lines below, of tsv, json and --explain)\n{}",
            summary(&t)
        );
        assert!(text.ends_with(&expected_tail), "{text}");
        assert_eq!(
            text.lines().count(),
            1 + t.records.len() + 2 + summary(&t).lines().count()
        );
    }

    #[test]
    fn empty_trace_has_header_and_summary() {
        let mut t = fixture::trace();
        t.records.clear();
        let text = table(&t);
        assert!(text.starts_with("No.  Time  Source  Destination  Protocol  Length  Info\n\n"));
        assert!(!text.contains("Time: seconds since"));
    }

    #[test]
    fn time_counts_from_the_first_frame() {
        let mut t = fixture::trace();
        for r in &mut t.records {
            r.time_us += 1_000;
        }
        let text = table(&t);
        assert!(
            text.lines().nth(1).unwrap().starts_with("  1   0.000000  "),
            "{text}"
        );
        assert!(
            text.lines().nth(7).unwrap().starts_with("  7  12.000400  "),
            "{text}"
        );
        assert!(text.contains("which the capture saw at 0.001000 s of simulated time"));
    }
}
