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
    assert!(rst.contains(r#" x1="360.0" "#) && rst.contains(r#" x2="880.0" "#));
    assert!(rst.contains(&format!(r#"stroke="{RESET}""#)));
    assert!(rst.contains(r#"marker-end="url(#head-rst)""#));
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

#[test]
fn every_label_starts_with_its_frame_number() {
    let t = fixture::trace();
    let s = svg(&t);
    let labels: Vec<&str> = s
        .lines()
        .filter(|l| l.starts_with(r#"<text class="label""#))
        .collect();
    assert_eq!(labels.len(), t.records.len());
    for r in &t.records {
        assert!(
            labels.iter().any(|l| l.contains(&format!(">{}: ", r.no))),
            "frame {} has no numbered label",
            r.no
        );
    }
    assert!(s.contains(">7: RST seq=10 len=0</text>"), "{s}");
}

#[test]
fn the_lifelines_carry_the_tcp_states() {
    let s = svg(&fixture::trace());
    let states: Vec<&str> = s
        .lines()
        .filter(|l| l.starts_with(r#"<text class="state""#))
        .map(|l| l.rsplit_once('>').unwrap().0.rsplit_once('>').unwrap().1)
        .map(|t| t.trim_end_matches("</text"))
        .collect();
    assert_eq!(
        states,
        [
            "LISTEN",
            "SYN-SENT",
            "SYN-RECEIVED",
            "ESTABLISHED",
            "ESTABLISHED",
            "CLOSED",
            "CLOSED"
        ]
    );
}

#[test]
fn a_long_run_draws_its_first_frames_and_says_so() {
    let mut t = fixture::trace();
    let template = t.records[5].clone();
    for i in 0..400u64 {
        let mut r = template.clone();
        r.no = 8 + i as usize;
        r.sent_us = 13_000_000 + i * 1_000;
        r.time_us = r.sent_us;
        r.arrived_us = Some(r.sent_us + 100);
        t.records.push(r);
    }
    let s = svg(&t);
    assert_eq!(s.matches(r#"<line class="frame"#).count(), MAX_FRAMES);
    assert!(s.contains("only its first 300 of 407 frames (--time-seq draws the whole run)"));
    assert!(s.contains("Only the first 300 of 407 frames are drawn."));
    assert!(!svg(&fixture::trace()).contains("Only the first"));
}
