use super::*;
use crate::trace::fixture;

fn count(svg: &str, needle: &str) -> usize {
    svg.matches(needle).count()
}

#[test]
fn the_fixture_draws_each_segment_and_the_lost_one_crossed() {
    let t = fixture::trace();
    let svg = time_sequence(&t, Choice::default()).unwrap();
    // The server's SYN,ACK and its lost 9 bytes.
    assert_eq!(count(&svg, r#"class="segment new""#), 2, "{svg}");
    assert_eq!(count(&svg, r#"class="lost""#), 1);
    assert!(svg.contains("each bar is one segment"));
    assert!(svg.contains(r#"class="ack""#));
    assert!(!svg.contains("cwnd"), "no samples, no panel");
    assert_eq!(svg, time_sequence(&t, Choice::default()).unwrap());
}

#[test]
fn a_large_trace_is_drawn_per_pixel_column_and_says_so() {
    let mut t = fixture::trace();
    let template = t.records[3].clone();
    t.records.truncate(4);
    for i in 0..20_000u32 {
        let mut r = template.clone();
        r.no = 5 + i as usize;
        r.seq = 10 + i * 1000;
        r.len = 1000;
        r.time_us = 2_000 + u64::from(i) * 50;
        r.note = if i % 100 == 99 {
            "tail loss probe: last segment resent".to_string()
        } else {
            String::new()
        };
        t.records.push(r);
    }
    let svg = time_sequence(
        &t,
        Choice {
            conn: None,
            dir: Some(Dir::ClientToServer),
        },
    )
    .unwrap();
    let bars = count(&svg, r#"class="segment "#);
    assert!(bars <= 2 * 1000, "{bars} bars for 20,000 segments");
    assert!(bars > 500, "{bars}");
    assert!(count(&svg, r#"class="segment tlp""#) > 0);
    assert!(svg.contains("20,002 segments are too many to draw one by one"));
    assert!(svg.len() < 400_000, "{} bytes", svg.len());
}

#[test]
fn groups_of_three_digits() {
    assert_eq!(group(0), "0");
    assert_eq!(group(999), "999");
    assert_eq!(group(100_000), "100,000");
    assert_eq!(group(1_234_567), "1,234,567");
}
