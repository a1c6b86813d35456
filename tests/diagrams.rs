//! Ladder diagrams of V2, V3 and the lossy what-if: the SVG is well-formed
//! XML with one arrow per frame, a cross on every lost frame, the highlight
//! colour on retransmissions and the reset colour on RSTs; the Mermaid text
//! has one message per frame, `-x` exactly for the dropped ones. The
//! committed `sim-scenarios/v2.svg` is checked, with the README's other
//! pictures, by `tests/readme.rs` (`TCPSIM_BLESS=1 cargo test --test readme`
//! regenerates it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use tcpsim::render::svg::{HIGHLIGHT, NORMAL, RESET};
use tcpsim::trace::{Fate, Trace, flags};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn trace(name: &str) -> Trace {
    let path = root().join(format!("sim-scenarios/{name}.toml"));
    tcpsim::run(tcpsim::scenario::load(&path).expect("scenario loads"))
}

// ---------------------------------------------------------------------------
// A minimal XML well-formedness checker (elements, attributes, comments, the
// XML declaration, character data and the five predefined entities plus
// character references). Enough to prove an SVG parses; no DTDs, no CDATA.

#[derive(Debug, Clone)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
}

impl Element {
    fn classes(&self) -> Vec<&str> {
        self.attrs
            .get("class")
            .map_or_else(Vec::new, |c| c.split_whitespace().collect())
    }
    fn no(&self) -> Option<usize> {
        self.attrs.get("data-no").and_then(|n| n.parse().ok())
    }
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')
}

/// Checks `&...;` references and forbidden characters in text or attribute
/// values.
fn check_chars(text: &str, in_attr: bool) -> Result<(), String> {
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => return Err(format!("raw '<' in {text:?}")),
            '"' if in_attr => return Err(format!("raw '\"' in attribute {text:?}")),
            '&' => {
                let end = rest
                    .find(';')
                    .ok_or_else(|| format!("unterminated reference in {text:?}"))?;
                let name = &rest[1..end];
                let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                    || name
                        .strip_prefix("#x")
                        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
                    || name
                        .strip_prefix('#')
                        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
                if !ok {
                    return Err(format!("bad reference &{name}; in {text:?}"));
                }
                rest = &rest[end + 1..];
                continue;
            }
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {
                return Err(format!("control character {c:?} in {text:?}"));
            }
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    Ok(())
}

fn parse_xml(text: &str) -> Result<Vec<Element>, String> {
    let mut rest = text;
    if let Some(after) = rest.strip_prefix("<?xml") {
        let end = after.find("?>").ok_or("unterminated XML declaration")?;
        rest = &after[end + 2..];
    }
    let mut elements = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut seen_root = false;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").ok_or("unterminated comment")?;
            if after[..end].contains("--") {
                return Err("'--' inside a comment".into());
            }
            rest = &after[end + 3..];
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').ok_or("unterminated end tag")?;
            let name = after[..end].trim_end();
            match open.pop() {
                Some(top) if top == name => {}
                Some(top) => return Err(format!("</{name}> closes <{top}>")),
                None => return Err(format!("</{name}> with nothing open")),
            }
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            if open.is_empty() && seen_root {
                return Err("more than one root element".into());
            }
            let name_len = after
                .find(|c: char| !is_name_char(c))
                .ok_or("unterminated start tag")?;
            if name_len == 0 {
                return Err(format!("bad tag start {:?}", &after[..after.len().min(20)]));
            }
            let name = after[..name_len].to_string();
            let mut tag = &after[name_len..];
            let mut attrs = BTreeMap::new();
            let self_closing = loop {
                let trimmed = tag.trim_start();
                let had_space = trimmed.len() < tag.len();
                tag = trimmed;
                if let Some(t) = tag.strip_prefix("/>") {
                    tag = t;
                    break true;
                }
                if let Some(t) = tag.strip_prefix('>') {
                    tag = t;
                    break false;
                }
                if !had_space {
                    return Err(format!("<{name}>: attributes must be separated by space"));
                }
                let key_len = tag.find(|c: char| !is_name_char(c)).unwrap_or(tag.len());
                if key_len == 0 {
                    return Err(format!(
                        "<{name}>: bad attribute at {:?}",
                        &tag[..tag.len().min(20)]
                    ));
                }
                let key = tag[..key_len].to_string();
                let after_key = tag[key_len..].trim_start();
                let after_eq = after_key
                    .strip_prefix('=')
                    .ok_or_else(|| format!("<{name}>: attribute {key} without '='"))?
                    .trim_start();
                let quote = after_eq
                    .chars()
                    .next()
                    .filter(|&q| q == '"' || q == '\'')
                    .ok_or_else(|| format!("<{name}>: attribute {key} not quoted"))?;
                let body = &after_eq[1..];
                let end = body
                    .find(quote)
                    .ok_or_else(|| format!("<{name}>: attribute {key} unterminated"))?;
                let value = &body[..end];
                if quote == '"' {
                    check_chars(value, true)?;
                } else {
                    check_chars(&value.replace('"', ""), false)?;
                }
                if attrs.insert(key.clone(), value.to_string()).is_some() {
                    return Err(format!("<{name}>: attribute {key} twice"));
                }
                tag = &body[end + 1..];
            };
            if !self_closing {
                open.push(name.clone());
            }
            seen_root = true;
            elements.push(Element { name, attrs });
            rest = tag;
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let chunk = &rest[..end];
            if open.is_empty() && !chunk.trim().is_empty() {
                return Err(format!("text outside the root: {:?}", chunk.trim()));
            }
            check_chars(chunk, false)?;
            rest = &rest[end..];
        }
    }
    if let Some(top) = open.last() {
        return Err(format!("<{top}> never closed"));
    }
    if !seen_root {
        return Err("no root element".into());
    }
    Ok(elements)
}

#[test]
fn the_xml_checker_rejects_what_it_should() {
    assert!(parse_xml(r#"<a x="1"><b/>t &amp; &#233; &#x41;</a>"#).is_ok());
    for bad in [
        "<a>",
        "<a></b>",
        "<a/><b/>",
        "<a>x & y</a>",
        "<a>&nbsp;</a>",
        r#"<a x="1" x="2"/>"#,
        r#"<a x=1/>"#,
        r#"<a x="<"/>"#,
        r#"<a x="1"y="2"/>"#,
        "<a>\u{1}</a>",
        "text<a/>",
        "<a><!-- a -- b --></a>",
        "",
    ] {
        assert!(parse_xml(bad).is_err(), "accepted {bad:?}");
    }
}

// ---------------------------------------------------------------------------

/// The arrow elements, keyed by frame number; panics on duplicates.
fn arrows(elements: &[Element]) -> BTreeMap<usize, &Element> {
    let mut by_no = BTreeMap::new();
    for e in elements.iter().filter(|e| e.classes().contains(&"frame")) {
        let no = e.no().expect("every arrow names its frame");
        assert!(by_no.insert(no, e).is_none(), "two arrows for frame {no}");
    }
    by_no
}

fn crosses(elements: &[Element]) -> BTreeSet<usize> {
    elements
        .iter()
        .filter(|e| e.classes().contains(&"cross"))
        .map(|e| e.no().expect("every cross names its frame"))
        .collect()
}

/// The frames drawn in `colour`.
fn coloured(elements: &[Element], colour: &str) -> BTreeSet<usize> {
    arrows(elements)
        .into_iter()
        .filter(|(_, e)| e.attrs.get("stroke").map(String::as_str) == Some(colour))
        .map(|(no, _)| no)
        .collect()
}

/// What every diagram must satisfy, whatever the scenario.
fn check_svg(name: &str) -> (Trace, Vec<Element>) {
    let t = trace(name);
    let text = tcpsim::render::svg(&t);
    let elements = parse_xml(&text).unwrap_or_else(|e| panic!("{name}.svg is not XML: {e}"));
    assert_eq!(elements[0].name, "svg");
    assert!(
        !text.contains("NaN") && !text.contains("inf"),
        "{name}: bad number"
    );

    let by_no = arrows(&elements);
    let numbers: Vec<usize> = t.records.iter().map(|r| r.no).collect();
    assert_eq!(
        by_no.keys().copied().collect::<Vec<_>>(),
        numbers,
        "{name}: one arrow per frame"
    );

    let lost: BTreeSet<usize> = t
        .records
        .iter()
        .filter(|r| r.fate == Fate::Dropped)
        .map(|r| r.no)
        .collect();
    assert_eq!(
        crosses(&elements),
        lost,
        "{name}: crosses on exactly the lost frames"
    );
    for r in &t.records {
        let e = by_no[&r.no];
        let coord = |k: &str| e.attrs[k].parse::<f64>().expect("numeric coordinate");
        assert!(
            coord("y2") > coord("y1"),
            "{name}: frame {} slants downwards",
            r.no
        );
        // Lost frames stop half-way and carry no arrowhead.
        let lost = r.fate == Fate::Dropped;
        assert_eq!(
            e.attrs.contains_key("marker-end"),
            !lost,
            "{name}: frame {}",
            r.no
        );
        if r.flags & flags::RST != 0 {
            assert_eq!(
                e.attrs["stroke"], RESET,
                "{name}: RST {} in its colour",
                r.no
            );
        }
    }
    (t, elements)
}

#[test]
fn v2_svg() {
    let (_, elements) = check_svg("v2");
    // V2 has no retransmission; its two RSTs (11, 12) are in the reset colour.
    assert!(coloured(&elements, HIGHLIGHT).is_empty());
    assert_eq!(coloured(&elements, RESET), BTreeSet::from([11, 12]));
    assert!(crosses(&elements).is_empty());
}

#[test]
fn v3_svg() {
    let (t, elements) = check_svg("v3");
    // The tail (14) is lost on the wire; the tail loss probe resends it (15);
    // the client's close() with unread data sends RST,ACK (17) and RSTs (18, 19).
    assert_eq!(crosses(&elements), BTreeSet::from([14]));
    assert!(t.records[14].note.contains("tail loss probe"));
    assert_eq!(coloured(&elements, HIGHLIGHT), BTreeSet::from([15]));
    assert_eq!(coloured(&elements, RESET), BTreeSet::from([17, 18, 19]));
    let by_no = arrows(&elements);
    assert!(by_no[&15].classes().contains(&"retransmission"));
    assert_eq!(by_no[&14].attrs["stroke"], NORMAL);
    // The 12 ms wait for the probe (PTO: 2·SRTT in whole 4 ms jiffies plus
    // two jiffies) is cut short and says how long it was.
    let texts = text_contents(&tcpsim::render::svg(&t));
    assert!(texts.iter().any(|s| s == "≈ 10.5 ms"), "{texts:?}");
}

#[test]
fn lossy_svg() {
    let (t, elements) = check_svg("lossy");
    assert!(
        t.records.iter().any(|r| r.fate == Fate::Dropped),
        "a 5% loss run loses frames"
    );
    // Highlighted: exactly the frames the simulator says it resent (tail
    // loss probes, RTO); the resets have their own colour.
    let resent: BTreeSet<usize> = t
        .records
        .iter()
        .filter(|r| {
            (r.note.contains("probe") || r.note.contains("retransmission"))
                && r.flags & flags::RST == 0
        })
        .map(|r| r.no)
        .collect();
    assert!(resent.len() >= 2, "{resent:?}");
    assert_eq!(coloured(&elements, HIGHLIGHT), resent);
}

/// The character data of every `<text>` element, references resolved for `&amp;`.
fn text_contents(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|chunk| {
            let start = chunk.find('>')? + 1;
            let end = chunk.find("</text>")?;
            Some(chunk[start..end].replace("&amp;", "&"))
        })
        .collect()
}

#[test]
fn svg_is_deterministic() {
    assert_eq!(
        tcpsim::render::svg(&trace("lossy")),
        tcpsim::render::svg(&trace("lossy"))
    );
}

// ---------------------------------------------------------------------------

/// `(sender, arrow)` of every message line, in order.
fn messages(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let (head, _) = line.split_once(": ")?;
            for arrow in ["->>", "-x", "-)"] {
                if let Some((from, to)) = head.split_once(arrow)
                    && ["C", "S"].contains(&from)
                    && ["C", "S"].contains(&to)
                    && from != to
                {
                    return Some((from.to_string(), arrow.to_string()));
                }
            }
            None
        })
        .collect()
}

fn check_mermaid(name: &str) -> String {
    let t = trace(name);
    let text = tcpsim::render::mermaid(&t);
    assert!(text.starts_with("sequenceDiagram\n"));
    let msgs = messages(&text);
    assert_eq!(msgs.len(), t.records.len(), "{name}: one message per frame");
    for (r, (from, arrow)) in t.records.iter().zip(&msgs) {
        let sender = if r.sender == tcpsim::scenario::model::Role::Client {
            "C"
        } else {
            "S"
        };
        assert_eq!(from, sender, "{name}: frame {}", r.no);
        let expected = if r.fate == Fate::Dropped { "-x" } else { "->>" };
        assert_eq!(arrow, expected, "{name}: frame {}", r.no);
    }
    // `rect ... end` blocks balance, and no line carries a raw `;` or `#` that
    // Mermaid would cut the message at.
    let opens = text
        .lines()
        .filter(|l| l.trim_start().starts_with("rect "))
        .count();
    let ends = text.lines().filter(|l| l.trim() == "end").count();
    assert_eq!(opens, ends);
    for line in text.lines() {
        let body = line.split_once(": ").map_or("", |(_, b)| b);
        let stripped = body
            .replace("#59;", "")
            .replace("#35;", "")
            .replace("#lt;", "")
            .replace("#gt;", "");
        assert!(!stripped.contains(';') && !stripped.contains('#'), "{line}");
    }
    text
}

#[test]
fn v2_mermaid() {
    let text = check_mermaid("v2");
    assert!(text.contains("    participant C as client 192.168.1.13:52176\n"));
    assert!(text.contains("    participant S as server 192.168.1.21:12345\n"));
    // The RST's reason is a note over the client, its RFC reference intact,
    // wrapped by Mermaid as it is wider than the client's box.
    assert!(text.contains(
        "        Note over C:wrap: 15 bytes arrived after close(): RST, seq = their ACK (RFC 1122 4.2.2.13)\n"
    ));
}

#[test]
fn v3_mermaid() {
    let text = check_mermaid("v3");
    assert_eq!(text.matches("-xC:").count(), 1);
    assert!(text.contains("S->>C: PSH,ACK seq=11585 ack=14 len=1416 (TLP)\n"));
    assert!(text.contains("Note over S:wrap: tail loss probe: last segment resent"));
    // The probe's 12 ms wait is a gap note.
    assert!(
        text.contains("    Note over C,S: ≈ 12.0 ms later\n"),
        "{text}"
    );
}

#[test]
fn lossy_mermaid() {
    let text = check_mermaid("lossy");
    // The wait for the retransmission timeout is a gap note.
    assert!(
        text.lines()
            .any(|l| l.starts_with("    Note over C,S: ≈ ") && l.ends_with(" later")),
        "{text}"
    );
}

// ---------------------------------------------------------------------------
