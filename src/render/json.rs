//! JSON Lines: one object per frame, keys in a fixed order.

use serde::Serialize;

use crate::trace::analysis::{self, Flag};
use crate::trace::{Record, Trace, flags};

/// One frame as written; field order is the key order on output.
#[derive(Serialize)]
struct Row<'a> {
    no: usize,
    time_us: u64,
    src: String,
    dst: String,
    flags: String,
    seq: u32,
    ack: u32,
    win: u16,
    len: u32,
    frame_len: u32,
    fate: &'static str,
    note: &'a str,
    raw_seq: u32,
    raw_ack: u32,
    analysis: Vec<&'static str>,
}

impl<'a> Row<'a> {
    fn new(r: &'a Record, marks: &[Flag]) -> Self {
        Row {
            no: r.no,
            time_us: r.time_us,
            src: format!("{}:{}", r.src, r.src_port),
            dst: format!("{}:{}", r.dst, r.dst_port),
            flags: flags::to_csv(r.flags),
            seq: r.seq,
            ack: r.ack,
            win: r.win,
            len: r.len,
            frame_len: r.frame_len,
            fate: r.fate.name(),
            note: &r.note,
            raw_seq: r.raw_seq,
            raw_ack: r.raw_ack,
            analysis: marks.iter().map(Flag::short_name).collect(),
        }
    }
}

/// One JSON object per record, each on its own `\n`-ended line. Keys: `no`,
/// `time_us`, `src`, `dst` (`ip:port`), `flags` (`PSH,ACK`), `seq`, `ack`
/// (relative), `win`, `len`, `frame_len`, `fate`, `note`, `raw_seq`, `raw_ack`,
/// and `analysis`: Wireshark's TCP analysis flags as an array of short names
/// (`["retransmission"]`, see [`Flag::short_name`]), empty when there are none.
pub fn json(trace: &Trace) -> String {
    let analysis = analysis::analyze(trace);
    let mut out = String::new();
    for (r, marks) in trace.records.iter().zip(&analysis) {
        let line = serde_json::to_string(&Row::new(r, marks))
            .expect("a row of strings and integers always serializes");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::fixture;

    #[test]
    fn one_object_per_line_in_key_order() {
        let text = json(&fixture::trace());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 7);
        assert_eq!(
            lines[0],
            r#"{"no":1,"time_us":0,"src":"192.168.1.13:52060","dst":"192.168.1.21:12345","flags":"SYN","seq":0,"ack":0,"win":64240,"len":0,"frame_len":74,"fate":"delivered","note":"","raw_seq":1000000,"raw_ack":0,"analysis":[]}"#
        );
        assert_eq!(
            lines[1],
            r#"{"no":2,"time_us":200,"src":"192.168.1.21:12345","dst":"192.168.1.13:52060","flags":"SYN,ACK","seq":0,"ack":1,"win":65160,"len":0,"frame_len":74,"fate":"delivered","note":"","raw_seq":3000000000,"raw_ack":1000001,"analysis":[]}"#
        );
        assert_eq!(
            lines[4],
            r#"{"no":5,"time_us":1700,"src":"192.168.1.21:12345","dst":"192.168.1.13:52060","flags":"PSH,ACK","seq":1,"ack":10,"win":510,"len":9,"frame_len":75,"fate":"dropped","note":"lost on the link","raw_seq":3000000001,"raw_ack":1000010,"analysis":[]}"#
        );
        // Quotes, tabs and newlines in notes are escaped, keeping one object per line.
        assert_eq!(
            lines[6],
            r#"{"no":7,"time_us":12000400,"src":"192.168.1.13:52060","dst":"192.168.1.21:12345","flags":"RST","seq":10,"ack":0,"win":0,"len":0,"frame_len":54,"fate":"delivered","note":"close()\twith\n15 unread bytes","raw_seq":1000010,"raw_ack":0,"analysis":[]}"#
        );
        assert!(lines[3].contains(r#""note":"send(\"Ido Zeira\")""#));
        // Row 6 repeats row 3's ACK (the reply was lost): a duplicate ACK.
        assert!(lines[5].ends_with(r#""raw_ack":3000000001,"analysis":["duplicate_ack"]}"#));
    }

    #[test]
    fn lines_parse_back() {
        let t = fixture::trace();
        for (line, r) in json(&t).lines().zip(&t.records) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["no"], r.no);
            assert_eq!(v.as_object().unwrap().len(), 15);
            assert!(v["analysis"].is_array());
            assert_eq!(v["note"], r.note.as_str());
            assert_eq!(v["fate"], r.fate.name());
        }
    }

    #[test]
    fn empty_trace_is_empty() {
        let mut t = fixture::trace();
        t.records.clear();
        assert_eq!(json(&t), "");
    }
}
