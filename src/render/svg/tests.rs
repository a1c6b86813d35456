use super::*;
use crate::trace::fixture;

#[test]
fn escapes_xml() {
    assert_eq!(
        xml_escape("a<b & \"c\" 'd'>\t\u{1}é"),
        "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;  é"
    );
}

#[test]
fn one_frame_element_per_record_and_a_cross_per_lost_frame() {
    let t = fixture::trace();
    let s = svg(&t);
    assert_eq!(s.matches(r#"<line class="frame"#).count(), t.records.len());
    assert_eq!(s.matches(r#"class="cross""#).count(), 1);
    assert!(s.contains(r#"class="cross" data-no="5""#));
    // The RST is highlighted and leaves the client's lifeline; the note's
    // tab and newline are spaces in its tooltip.
    let rst = s
        .lines()
        .find(|l| l.starts_with(r#"<line class="frame rst" data-no="7""#))
        .unwrap();
    assert!(rst.contains(r#" x1="270.0" "#) && rst.contains(r#" x2="790.0" "#));
    assert!(rst.contains(&format!(r#"stroke="{HIGHLIGHT}""#)));
    assert!(rst.contains(r#"marker-end="url(#head-hl)""#));
    assert!(rst.contains("close() with 15 unread bytes"));
}

#[test]
fn a_frame_still_in_flight_is_dashed_without_a_head_or_cross() {
    let mut t = fixture::trace();
    t.records[6].arrived_us = None;
    let s = svg(&t);
    let line = s
        .lines()
        .find(|l| l.contains(r#"data-no="7""#) && l.starts_with("<line"))
        .unwrap();
    assert!(
        line.starts_with(r#"<line class="frame rst in-flight""#),
        "{line}"
    );
    assert!(line.contains("stroke-dasharray") && !line.contains("marker-end"));
    assert!(line.contains("still in flight at the end"));
    assert!(!s.contains(r#"class="cross" data-no="7""#));
    assert!(s.contains("Dashed: "));
}

#[test]
fn an_empty_trace_still_draws_hosts_and_legend() {
    let mut t = fixture::trace();
    t.records.clear();
    t.connections.clear();
    for p in &mut t.programs {
        p.log.clear();
    }
    let s = svg(&t);
    assert!(s.starts_with("<svg ") && s.ends_with("</svg>\n"));
    assert!(!s.contains(r#"class="frame"#) && !s.contains("NaN"));
    assert!(s.contains(">192.168.1.13</text>"));
    assert_eq!(s.matches(r#"class="lifeline""#).count(), 2);
}

#[test]
fn same_trace_same_bytes() {
    let t = fixture::trace();
    assert_eq!(svg(&t), svg(&t.clone()));
}
