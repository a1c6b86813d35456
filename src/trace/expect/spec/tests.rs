use super::*;

fn err(spec: &str) -> SpecError {
    Expected::parse(spec).unwrap_err()
}

fn pattern(spec: &str) -> Pattern {
    match Expected::parse(spec).unwrap().items.remove(0) {
        Item::Segment { pattern, .. } => pattern,
        other => panic!("not a segment: {other:?}"),
    }
}

#[test]
fn a_full_line_sets_every_field() {
    let p = pattern("s> P. 1:10(9) ack 21 win 512 dropped");
    assert_eq!(p.direction, Direction::Sender(Role::Server));
    assert_eq!(p.flags, Some(flags::PSH | flags::ACK));
    assert_eq!((p.seq, p.end, p.len), (Some(1), Some(10), Some(9)));
    assert_eq!(p.ack, AckField::Is(21));
    assert_eq!(p.win, Some(512));
    assert_eq!(p.fate, Some(Fate::Dropped));
}

#[test]
fn flags_in_any_order_and_wildcards() {
    assert_eq!(pattern(".S 0:0(0)").flags, pattern("S. 0:0(0)").flags);
    assert_eq!(pattern("none 0:0(0)").flags, Some(0));
    let p = pattern("* *:*(*) ack *");
    assert_eq!(p.flags, None);
    assert_eq!((p.seq, p.end, p.len), (None, None, None));
    assert_eq!(p.ack, AckField::Any);
    assert_eq!(p.direction, Direction::Any);
    assert_eq!(pattern("< R 0:0(0)").direction, Direction::ToCapture);
    assert_eq!(pattern("> R 0:0(0)").direction, Direction::FromCapture);
}

#[test]
fn comments_blank_lines_gaps_and_optional_lines() {
    let e = Expected::parse("# head\n\n  c> S 0:0(0)  # syn\n...\n? s> R 0:0(0)\n").unwrap();
    assert_eq!(e.len(), 3);
    assert_eq!(e.items[0].line(), 3);
    assert_eq!(e.items[0].text(), "c> S 0:0(0)");
    assert!(matches!(e.items[1], Item::Gap { line: 4, .. }));
    assert!(matches!(
        e.items[2],
        Item::Segment {
            optional: true,
            line: 5,
            ..
        }
    ));
}

#[test]
fn errors_name_line_and_column() {
    let e = err("c> S 0:0(0)\n  s> S. 0:1(0) ack 1");
    assert_eq!((e.line, e.column, e.width), (2, 9, 6));
    assert!(e.message.contains("`0:0(0)`"), "{}", e.message);

    let e = err("c> S 0:0(0) ack 1");
    assert_eq!((e.line, e.column), (1, 13));
    assert!(e.message.contains("ACK flag"), "{}", e.message);

    let e = err("c> SS 0:0(0)");
    assert_eq!(e.column, 5);
    assert!(e.message.contains("twice"));

    let e = err("c> S 0:0(0) ack");
    assert!(e.message.contains("needs the ACK flag"), "{}", e.message);
    let e = err("c> S. 0:0(0) ack");
    assert_eq!(e.column, 17);
    assert!(e.message.contains("needs a number"), "{}", e.message);

    let e = err("c> S. 0:0(0) ack 1 ack 1");
    assert_eq!(e.column, 20);
    let e = err("c> S. 0:0(0) mss 1460");
    assert_eq!(e.column, 14);
    assert!(e.message.contains("unexpected `mss`"));
    let e = err("c> S. 0:0(0) win 70000");
    assert!(e.message.contains("16 bits"));
    let e = err("c> S. 5000000000:0(0)");
    assert!(e.message.contains("out of range"));
    assert_eq!((e.column, e.width), (7, 10));
    let e = err("c> S. 0-0");
    assert!(e.message.contains("start:end(length)"));
    let e = err("c> S.");
    assert!(e.message.contains("after the flags"));
    let e = err("c>");
    assert!(e.message.contains("after the direction"));
    let e = err("?");
    assert!(e.message.contains("followed by"));
    let e = err("? ...");
    assert_eq!(e.column, 1);
    let e = err("... c> S 0:0(0)");
    assert_eq!(e.column, 5);
    let e = err("c> S 0:0()");
    assert!(e.message.contains("the length"), "{}", e.message);
    assert_eq!(e.column, 10);
}

#[test]
fn columns_count_characters_not_bytes() {
    let e = err("c> µ 0:0(0)");
    assert_eq!((e.column, e.width), (4, 1));
    let e = err("c> S 0:0(0) # µµ\nc> S 0:0(x)");
    assert_eq!((e.line, e.column), (2, 10));
}

#[test]
fn display_draws_the_line_and_carets() {
    let e = err("\n\n\n\n\n\n\n\n\nc> S 0:x(0)");
    assert_eq!(
        e.to_string(),
        concat!(
            "error: the end sequence number must be a number or `*`, got `x`\n",
            "  --> expected sequence, line 10, column 8\n",
            "   |\n",
            "10 | c> S 0:x(0)\n",
            "   |        ^\n",
        )
    );
}
