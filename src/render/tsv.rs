//! One tab-separated row per frame, for scripts and diffs (no summary).

use crate::trace::analysis;
use crate::trace::{Trace, flags};

use super::one_line;

/// The header line, without its line end.
pub const TSV_HEADER: &str =
    "no\ttime_us\tsrc\tdst\tflags\tseq\tack\twin\tlen\tframe_len\tfate\tnote\tanalysis";

/// The header, then one row per record; `\n` line ends. `src`/`dst` are
/// `ip:port`, flags as `PSH,ACK`, `seq`/`ack` relative, the note on one line,
/// and last Wireshark's TCP analysis flags as short names
/// (`retransmission,lost_segment`; see [`crate::trace::analysis::Flag::short_name`]),
/// empty when there are none.
pub fn tsv(trace: &Trace) -> String {
    let analysis = analysis::analyze(trace);
    let mut out = String::with_capacity(64 * (trace.records.len() + 1));
    out.push_str(TSV_HEADER);
    out.push('\n');
    for (r, marks) in trace.records.iter().zip(&analysis) {
        let fields = [
            r.no.to_string(),
            r.time_us.to_string(),
            format!("{}:{}", r.src, r.src_port),
            format!("{}:{}", r.dst, r.dst_port),
            flags::to_csv(r.flags),
            r.seq.to_string(),
            r.ack.to_string(),
            r.win.to_string(),
            r.len.to_string(),
            r.frame_len.to_string(),
            r.fate.name().to_string(),
            one_line(&r.note),
            analysis::short_names(marks),
        ];
        out.push_str(&fields.join("\t"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::fixture;

    #[test]
    fn header_and_rows() {
        let text = tsv(&fixture::trace());
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(
            lines[0],
            "no\ttime_us\tsrc\tdst\tflags\tseq\tack\twin\tlen\tframe_len\tfate\tnote\tanalysis"
        );
        assert_eq!(
            lines[1],
            "1\t0\t192.168.1.13:52060\t192.168.1.21:12345\tSYN\t0\t0\t64240\t0\t74\tdelivered\t\t"
        );
        assert_eq!(
            lines[2],
            "2\t200\t192.168.1.21:12345\t192.168.1.13:52060\tSYN,ACK\t0\t1\t65160\t0\t74\tdelivered\t\t"
        );
        assert_eq!(
            lines[4],
            "4\t1500\t192.168.1.13:52060\t192.168.1.21:12345\tPSH,ACK\t1\t1\t502\t9\t75\tdelivered\t\
             send(\"Ido Zeira\")\t"
        );
        assert_eq!(
            lines[5],
            "5\t1700\t192.168.1.21:12345\t192.168.1.13:52060\tPSH,ACK\t1\t10\t510\t9\t75\tdropped\t\
             lost on the link\t"
        );
        assert_eq!(
            lines[6],
            "6\t12000345\t192.168.1.13:52060\t192.168.1.21:12345\tACK\t10\t1\t502\t0\t66\tduplicated\t\tduplicate_ack"
        );
        assert_eq!(
            lines[7],
            "7\t12000400\t192.168.1.13:52060\t192.168.1.21:12345\tRST\t10\t0\t0\t0\t54\tdelivered\t\
             close() with 15 unread bytes\t"
        );
        // Header + 7 rows, each ended by '\n'.
        assert_eq!(lines.len(), 9);
        assert_eq!(lines[8], "");
        for line in &lines[..8] {
            assert_eq!(line.split('\t').count(), 13, "{line:?}");
        }
    }

    #[test]
    fn empty_trace_is_header_only() {
        let mut t = fixture::trace();
        t.records.clear();
        assert_eq!(tsv(&t), format!("{TSV_HEADER}\n"));
    }
}
