//! JSON Lines: one object per frame, keys in a fixed order.

use serde::Serialize;

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
}

impl<'a> From<&'a Record> for Row<'a> {
    fn from(r: &'a Record) -> Self {
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
        }
    }
}

/// One JSON object per record, each on its own `\n`-ended line. Keys: `no`,
/// `time_us`, `src`, `dst` (`ip:port`), `flags` (`PSH,ACK`), `seq`, `ack`
/// (relative), `win`, `len`, `frame_len`, `fate`, `note`, `raw_seq`, `raw_ack`.
pub fn json(trace: &Trace) -> String {
    let mut out = String::new();
    for r in &trace.records {
        let line = serde_json::to_string(&Row::from(r))
            .expect("a row of strings and integers always serializes");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture;

    #[test]
    fn one_object_per_line_in_key_order() {
        let text = json(&fixture::trace());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 7);
        assert_eq!(
            lines[0],
            r#"{"no":1,"time_us":0,"src":"192.168.1.13:52060","dst":"192.168.1.21:12345","flags":"SYN","seq":0,"ack":0,"win":64240,"len":0,"frame_len":74,"fate":"delivered","note":"","raw_seq":1000000,"raw_ack":0}"#
        );
        assert_eq!(
            lines[1],
            r#"{"no":2,"time_us":200,"src":"192.168.1.21:12345","dst":"192.168.1.13:52060","flags":"SYN,ACK","seq":0,"ack":1,"win":65160,"len":0,"frame_len":74,"fate":"delivered","note":"","raw_seq":3000000000,"raw_ack":1000001}"#
        );
        assert_eq!(
            lines[4],
            r#"{"no":5,"time_us":1700,"src":"192.168.1.21:12345","dst":"192.168.1.13:52060","flags":"PSH,ACK","seq":1,"ack":10,"win":510,"len":9,"frame_len":75,"fate":"dropped","note":"lost on the link","raw_seq":3000000001,"raw_ack":1000010}"#
        );
        // Quotes, tabs and newlines in notes are escaped, keeping one object per line.
        assert_eq!(
            lines[6],
            r#"{"no":7,"time_us":12000400,"src":"192.168.1.13:52060","dst":"192.168.1.21:12345","flags":"RST","seq":10,"ack":0,"win":0,"len":0,"frame_len":54,"fate":"delivered","note":"close()\twith\n15 unread bytes","raw_seq":1000010,"raw_ack":0}"#
        );
        assert!(lines[3].contains(r#""note":"send(\"Ido Zeira\")""#));
    }

    #[test]
    fn lines_parse_back() {
        let t = fixture::trace();
        for (line, r) in json(&t).lines().zip(&t.records) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["no"], r.no);
            assert_eq!(v.as_object().unwrap().len(), 14);
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
