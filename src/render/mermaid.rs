//! A Mermaid `sequenceDiagram` of a trace, for places that render Mermaid
//! (GitHub issues, pull requests and Markdown files).
//!
//! One message per record, in the capture host's order (so `autonumber`
//! matches the table's No. column): `->>` for a frame that arrived, `-x` for
//! one the link lost, `-)` for one still in flight when the run stopped. The
//! simulator's note for a frame (a timer that fired, a probe, why a RST was
//! sent, what the link did) follows as `Note over` its sender, one per reason;
//! a gap longer than a few flight times is a `Note over` both hosts; and
//! retransmissions and resets sit on a tinted background.

use std::fmt::Write as _;

use crate::scenario::model::Role;
use crate::trace::{Fate, Trace};

use super::ladder;

/// Background of retransmissions and resets: the SVG's highlight colour, faint.
const HIGHLIGHT_RECT: &str = "rgba(217, 72, 15, 0.14)";

/// Longest note that fits one line of a default-width note box.
const WRAP_CHARS: usize = 28;

fn id(role: Role) -> &'static str {
    match role {
        Role::Client => "C",
        Role::Server => "S",
    }
}

/// Text safe after a Mermaid `:`: the sequence-diagram grammar ends a message
/// at `;` or `#` and the renderer reads `<` as HTML, so those become Mermaid's
/// `#code;` entities; line breaks and other control characters become spaces.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Notes wider than a lifeline's box ask Mermaid to wrap them (`:wrap:`);
/// otherwise they would run past their box.
fn wrap(note: &str) -> &'static str {
    if note.chars().count() > WRAP_CHARS {
        "wrap: "
    } else {
        " "
    }
}

/// Renders the whole diagram; every line ends in `\n`.
pub fn mermaid(trace: &Trace) -> String {
    let facts = ladder::facts(trace);
    let long_gap = ladder::long_gap_us(trace);
    let mut out = String::from("sequenceDiagram\n");
    let _ = writeln!(
        out,
        "    title {}",
        escape(&format!(
            "{} (seed {}), captured at the {}",
            trace.scenario,
            trace.seed,
            trace.capture_point_name()
        ))
    );
    out.push_str("    autonumber\n");
    for role in [Role::Client, Role::Server] {
        let _ = writeln!(
            out,
            "    participant {} as {}",
            id(role),
            escape(&format!(
                "{} {}",
                role.name(),
                ladder::endpoint(trace, role)
            ))
        );
    }
    if trace.records.is_empty() {
        out.push_str("    Note over C,S: no frames captured\n");
    }
    let mut previous = None;
    for (r, f) in trace.records.iter().zip(&facts) {
        if let Some(p) = previous
            && r.time_us.saturating_sub(p) > long_gap
        {
            let _ = writeln!(
                out,
                "    Note over C,S: ≈ {} later",
                escape(&ladder::duration(r.time_us - p))
            );
        }
        previous = Some(r.time_us);
        let indent = if f.highlight() {
            let _ = writeln!(out, "    rect {HIGHLIGHT_RECT}");
            "        "
        } else {
            "    "
        };
        let arrow = match (r.arrived_us, r.fate) {
            (Some(_), _) => "->>",
            (None, Fate::Dropped) => "-x",
            (None, _) => "-)",
        };
        let mut text = f.label.clone();
        if let Some(tag) = f.tag {
            text.push_str(" (");
            text.push_str(tag);
            text.push(')');
        }
        let _ = writeln!(
            out,
            "{indent}{}{arrow}{}: {}",
            id(r.sender),
            id(r.sender.peer()),
            escape(&text)
        );
        // The sender's reason and the link's are joined by "; ": a note each.
        for part in r.note.split("; ").filter(|p| !p.trim().is_empty()) {
            let _ = writeln!(
                out,
                "{indent}Note over {}:{}{}",
                id(r.sender),
                wrap(part),
                escape(part)
            );
        }
        if f.highlight() {
            out.push_str("    end\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::fixture;

    #[test]
    fn escapes_what_mermaid_would_misread() {
        assert_eq!(escape("a;b#c<d>e\tf"), "a#59;b#35;c#lt;d#gt;e f");
        assert_eq!(escape("recv(5) -> 5 bytes"), "recv(5) -#gt; 5 bytes");
    }

    #[test]
    fn fixture_diagram() {
        let text = mermaid(&fixture::trace());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "sequenceDiagram");
        assert_eq!(lines[3], "    participant C as client 192.168.1.13:52060");
        assert_eq!(lines[4], "    participant S as server 192.168.1.21:12345");
        assert!(lines.contains(&"    C->>S: SYN seq=0 len=0"));
        assert!(lines.contains(&"    S-xC: PSH,ACK seq=1 ack=10 len=9"));
        assert!(lines.contains(&"    Note over S: lost on the link"));
        // The 12 s pause before frame 6 (flights are 100 µs).
        assert!(lines.contains(&"    Note over C,S: ≈ 12.0 s later"));
        // The RST is tinted, and its note is on one line.
        let rst = lines
            .iter()
            .position(|l| l.contains("C->>S: RST seq=10 len=0"))
            .unwrap();
        assert_eq!(lines[rst - 1], format!("    rect {HIGHLIGHT_RECT}"));
        assert_eq!(
            lines[rst + 1],
            "        Note over C: close() with 15 unread bytes"
        );
        assert_eq!(lines[rst + 2], "    end");
    }

    #[test]
    fn notes_are_split_by_reason_and_long_ones_wrap() {
        let mut t = fixture::trace();
        t.records[5].note =
            "quick ACK; the link's duplicate of a frame held back for a while".into();
        let text = mermaid(&t);
        assert!(text.contains("\n    Note over C: quick ACK\n"));
        assert!(text.contains(
            "\n    Note over C:wrap: the link's duplicate of a frame held back for a while\n"
        ));
    }
}
