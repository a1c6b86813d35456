//! Tests of the packetdrill script parser (`tcpsim::packetdrill::script`),
//! one module per area: tokens, script-level constructs, packet lines, system
//! calls, errors and limits, the Python subset of `%{ }%` blocks, the upstream
//! corpus (only when `PACKETDRILL_DIR` is set), and property tests.
//!
//! The property tests in `fuzz` run a small number of cases by default so the
//! whole file stays fast; set `PROPTEST_CASES` (e.g. `PROPTEST_CASES=100000
//! cargo test --test packetdrill_script fuzz`) for a long fuzzing session.

mod common {
    //! Helpers shared by the modules below.

    use tcpsim::packetdrill::script::{Script, parse};

    /// `script` with every line and column set to 0, so trees parsed from
    /// differently laid-out text compare equal.
    pub fn without_positions(script: &Script) -> Script {
        let mut s = script.clone();
        for o in &mut s.options {
            o.line = 0;
        }
        for c in s
            .init_command
            .iter_mut()
            .chain(s.cleanup_command.iter_mut())
        {
            c.line = 0;
            c.col = 0;
        }
        for e in &mut s.events {
            e.line = 0;
            e.col = 0;
        }
        s
    }

    /// Prints `script` and parses the text again; panics with both texts if the
    /// result differs from `script` (positions aside).
    pub fn assert_round_trips(script: &Script) {
        let printed = script.to_string();
        let again = parse("printed.pkt", &printed)
            .unwrap_or_else(|e| panic!("printed script does not parse: {e}\n{printed}"));
        assert_eq!(
            without_positions(script),
            without_positions(&again),
            "round trip changed the tree:\n{printed}"
        );
    }

    /// Whether `(line, col)` lies in `text`: on one of its lines, at most one
    /// column past that line's last character.
    pub fn position_inside(text: &str, line: usize, col: usize) -> bool {
        let lines: Vec<&str> = text.split('\n').collect();
        line >= 1
            && col >= 1
            && lines
                .get(line - 1)
                .is_some_and(|l| col <= l.chars().count() + 1)
    }
}

mod lex {
    //! The tokenizer: token kinds, positions, and the flex-compatible choices
    //! (longest word match, floats vs `...`, option values taken verbatim).

    use tcpsim::packetdrill::script::error::quote;
    use tcpsim::packetdrill::script::lex::{Tok, tokenize};

    /// (kind, text, line, col) of every token but the final `Eof`.
    fn toks(text: &str) -> Vec<(Tok, String, usize, usize)> {
        let mut v: Vec<_> = tokenize("t", text)
            .unwrap()
            .into_iter()
            .map(|t| (t.tok, t.text, t.line, t.col))
            .collect();
        assert_eq!(v.pop().map(|t| t.0), Some(Tok::Eof));
        v
    }

    fn kinds(text: &str) -> Vec<Tok> {
        toks(text).into_iter().map(|t| t.0).collect()
    }

    #[test]
    fn positions_are_one_based_lines_and_character_columns() {
        let t = toks("0 close(3)\n\t+.1 > é");
        let pos: Vec<(&str, usize, usize)> =
            t.iter().map(|(_, s, l, c)| (s.as_str(), *l, *c)).collect();
        assert_eq!(
            pos,
            vec![
                ("0", 1, 1),
                ("close", 1, 3),
                ("(", 1, 8),
                ("3", 1, 9),
                (")", 1, 10),
                ("+", 2, 2),
                (".1", 2, 3),
                (">", 2, 6),
                ("é", 2, 8)
            ]
        );
    }

    #[test]
    fn numbers_floats_and_ellipsis() {
        use Tok::*;
        assert_eq!(
            kinds("+.01...0.011"),
            vec![Punct('+'), Float, Ellipsis, Float]
        );
        assert_eq!(kinds("0...0"), vec![Int, Ellipsis, Int]);
        assert_eq!(
            kinds("1:1001(1000)"),
            vec![Int, Punct(':'), Int, Punct('('), Int, Punct(')')]
        );
        assert_eq!(
            kinds("0x1F 0xg1 3021b9d6eeb -1"),
            vec![Hex, Word, Word, Punct('-'), Int]
        );
        assert_eq!(
            kinds("S. . S.5"),
            vec![Word, Punct('.'), Punct('.'), Word, Float]
        );
    }

    #[test]
    fn options_take_their_value_verbatim() {
        let t = kinds("--local_ip=fd::1 --x=\"a b\" --flag // c\n--d=K=\"v w\" --e=");
        assert_eq!(
            t,
            vec![
                Tok::Opt {
                    name: "local_ip".into(),
                    value: Some("fd::1".into())
                },
                Tok::Opt {
                    name: "x".into(),
                    value: Some("a b".into())
                },
                Tok::Opt {
                    name: "flag".into(),
                    value: None
                },
                Tok::Opt {
                    name: "d".into(),
                    value: Some("K=\"v w\"".into())
                },
                Tok::Opt {
                    name: "e".into(),
                    value: Some(String::new())
                },
            ]
        );
        assert_eq!(kinds("--"), vec![Tok::Punct('-'), Tok::Punct('-')]);
    }

    #[test]
    fn quoted_tokens() {
        assert_eq!(
            kinds(r#""a\tb\x41\101\q""#),
            vec![Tok::Str(b"a\tbAAq".to_vec())]
        );
        assert_eq!(kinds("`a \\` b`"), vec![Tok::BackQuoted("a \\` b".into())]);
        assert_eq!(
            kinds("%{ \t x = 1 } y \t}%"),
            vec![Tok::Code("x = 1 } y".into())]
        );
        assert_eq!(kinds("/* a */ // b\n"), vec![]);
    }

    #[test]
    fn quote_cuts_to_80_characters_and_one_line() {
        assert_eq!(quote("short"), "short");
        assert_eq!(quote("first\nsecond"), "first...");
        let q = quote(&"é".repeat(200));
        assert_eq!(q.chars().count(), 80);
        assert!(q.ends_with("..."));
        assert_eq!(quote(&"x".repeat(80)), "x".repeat(80));
    }
}

mod script {
    //! Script-level constructs: header options, untimed commands, event times,
    //! blocking calls, code blocks, `--define` substitution.

    use super::common::assert_round_trips;
    use tcpsim::packetdrill::script::{
        EventKind, Expr, Options, TcpOption, Time, parse, parse_with_defines,
    };

    fn ok(text: &str) -> tcpsim::packetdrill::script::Script {
        let s = parse("t.pkt", text).unwrap_or_else(|e| panic!("{e}"));
        assert_round_trips(&s);
        s
    }

    fn err(text: &str) -> tcpsim::packetdrill::script::ParseError {
        parse("t.pkt", text).expect_err("script should not parse")
    }

    #[test]
    fn header_options_are_all_kept_in_order() {
        let s = ok("--tolerance_usecs=10000\n\
                --mss=1000\n\
                --wire_server_ip=192.168.0.1 // a comment\n\
                --local_ip=fd::1\n\
                --strict_segments\n\
                --greeting=\"two words\"\n\
                0 close(3) = 0\n");
        let got: Vec<(&str, Option<&str>, usize)> = s
            .options
            .iter()
            .map(|o| (o.name.as_str(), o.value.as_deref(), o.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("tolerance_usecs", Some("10000"), 1),
                ("mss", Some("1000"), 2),
                ("wire_server_ip", Some("192.168.0.1"), 3),
                ("local_ip", Some("fd::1"), 4),
                ("strict_segments", None, 5),
                ("greeting", Some("two words"), 6),
            ]
        );
    }

    #[test]
    fn options_after_the_first_event_are_rejected() {
        let e = err("0 close(3) = 0\n--mss=1000\n");
        assert_eq!((e.line, e.col), (2, 1));
        assert!(
            e.message.contains("must come before the first event"),
            "{e}"
        );
    }

    #[test]
    fn untimed_first_and_last_commands_are_init_and_cleanup() {
        let s = ok(
            "// setup\n`./defaults.sh\n ./more.sh`\n0 close(3) = 0\n+0 `echo timed`\n`./cleanup.sh`\n",
        );
        let init = s.init_command.as_ref().expect("init command");
        assert_eq!(
            (init.line, init.col, init.text.as_str()),
            (2, 1, "./defaults.sh\n ./more.sh")
        );
        assert_eq!(
            s.cleanup_command.as_ref().map(|c| c.text.as_str()),
            Some("./cleanup.sh")
        );
        assert_eq!(s.events.len(), 2);
        assert_eq!(s.events[1].kind, EventKind::Command("echo timed".into()));
    }

    #[test]
    fn untimed_command_between_events_is_an_error() {
        let e = err("0 close(3) = 0\n`echo hi`\n+0 close(4) = 0\n");
        assert_eq!((e.line, e.col), (2, 1));
        assert!(e.message.contains("needs a time"), "{e}");
    }

    #[test]
    fn a_script_needs_events() {
        assert!(
            err("--mss=1000\n`./defaults.sh`\n")
                .message
                .contains("no events")
        );
        assert!(err("").message.contains("no events"));
    }

    #[test]
    fn event_times_in_every_form() {
        let s = ok("0 a() = 0\n\
                +.01 > . 1:1(0) ack 1\n\
                1.5 b() = 0\n\
                +0.000001 c() = 0\n\
                0.3~0.4 > . 1:1(0) ack 1\n\
                +.1~+.105 > P. 1:2(1) ack 1\n\
                * > F. 2:2(0) ack 1\n\
                2 d() = 0\n");
        let times: Vec<Time> = s.events.iter().map(|e| e.time).collect();
        assert_eq!(
            times,
            vec![
                Time::Absolute(0),
                Time::Relative(10_000),
                Time::Absolute(1_500_000),
                Time::Relative(1),
                Time::Range {
                    relative: false,
                    start: 300_000,
                    end: 400_000
                },
                Time::Range {
                    relative: true,
                    start: 100_000,
                    end: 105_000
                },
                Time::Any,
                Time::Absolute(2_000_000),
            ]
        );
        assert_eq!((s.events[1].line, s.events[1].col), (2, 1));
    }

    #[test]
    fn times_are_exact_decimal_microseconds() {
        // 1.001 * 1e6 is 1000999.99... in floating point; the parser is exact.
        let s = ok("1.001 a() = 0\n+0.0000019 b() = 0\n");
        assert_eq!(s.events[0].time, Time::Absolute(1_001_000));
        assert_eq!(
            s.events[1].time,
            Time::Relative(1),
            "digits past the sixth decimal are dropped"
        );
    }

    #[test]
    fn time_errors() {
        let e = err("0.4~0.3 > . 1:1(0) ack 1\n");
        assert!(e.message.contains("backwards"), "{e}");
        let e = err("+.1~.2 > . 1:1(0) ack 1\n");
        assert!(e.message.contains("both ends"), "{e}");
        let e = err("* close(3) = 0\n");
        assert!(
            e.message
                .contains("`*` can only be used with outbound packets"),
            "{e}"
        );
        let e = err("0~1 < . 1:1(0) ack 1 win 100\n");
        assert!(
            e.message
                .contains("range can only be used with outbound packets"),
            "{e}"
        );
        let e = err("+ close(3) = 0\n");
        assert!(e.message.contains("expected a number after `+`"), "{e}");
        let e = err("0 close(3) = 0\n99999999999999999999 close(3) = 0\n");
        assert!(e.message.contains("time out of range"), "{e}");
    }

    #[test]
    fn blocking_calls_take_the_start_time_base() {
        let s = ok(
            "0...0.2 accept(3, ..., ...) = 4\n+.1...0.250 read(4, ..., 10) = 10\n+0...0 write(4, ..., 1) = 1\n",
        );
        assert_eq!(s.events[0].end_time, Some(Time::Absolute(200_000)));
        assert_eq!(s.events[1].time, Time::Relative(100_000));
        assert_eq!(s.events[1].end_time, Some(Time::Relative(250_000)));
        assert_eq!(s.events[2].end_time, Some(Time::Relative(0)));
        assert!(matches!(&s.events[0].kind, EventKind::Syscall(c) if c.name == "accept"));
        let e = err("0.3...0.2 accept(3, ..., ...) = 4\n");
        assert!(e.message.contains("before it starts"), "{e}");
        let e = err("0...0.2 > S 0:0(0)\n");
        assert!(e.message.contains("expected a system call"), "{e}");
    }

    #[test]
    fn code_blocks_are_kept_raw_and_trimmed() {
        let s = ok("0 %{ assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd }%\n+0 %{\nx = 1 // 2\n}%\n");
        assert_eq!(
            s.events[0].kind,
            EventKind::Code("assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd".into())
        );
        assert_eq!(
            s.events[1].kind,
            EventKind::Code("\nx = 1 // 2\n".into()),
            "`//` inside code is not a comment"
        );
    }

    #[test]
    fn comments_of_both_styles() {
        let s = ok(
            "/* block\n comment */ 0 close(3) = 0 // trailing\n// whole line\n+0 close(4) = 0 /* x */\n",
        );
        assert_eq!(s.events.len(), 2);
        assert_eq!((s.events[0].line, s.events[0].col), (2, 13));
    }

    #[test]
    fn defines_from_header_and_caller() {
        let text = "--define=MSS=1100\n--define=COOKIE=3021b9d889017eeb\n\
                0 > S. 0:0(0) ack 1 <mss MSS,nop,nop,FO COOKIE>\n\
                +0 setsockopt(3, SOL_TCP, TCP_MAXSEG, [MSS], 4) = 0\n";
        let s = ok(text);
        let EventKind::Packet(p) = &s.events[0].kind else {
            panic!()
        };
        assert_eq!(
            p.options,
            Options::List(vec![
                TcpOption::Mss(1100),
                TcpOption::Nop,
                TcpOption::Nop,
                TcpOption::FastOpen {
                    cookie: Some("3021b9d889017eeb".into())
                }
            ])
        );
        let EventKind::Syscall(c) = &s.events[1].kind else {
            panic!()
        };
        assert_eq!(c.args[3], Expr::Array(vec![Expr::Int(1100)]));

        // The caller's definitions win over the header's.
        let d = vec![("MSS".to_string(), "0x10".to_string())];
        let s = parse_with_defines("t.pkt", text, &d).unwrap();
        let EventKind::Packet(p) = &s.events[0].kind else {
            panic!()
        };
        assert!(matches!(&p.options, Options::List(l) if l[0] == TcpOption::Mss(16)));
    }

    #[test]
    fn define_values_take_c_forms_and_keywords_are_not_replaced() {
        let d: Vec<(String, String)> =
            [("NEG", "-5"), ("OCT", "010"), ("S", "\"hi\""), ("ack", "7")]
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
        let s =
            parse_with_defines("t.pkt", "0 f(NEG, OCT, S) = 0\n+0 > . 1:1(0) ack 1\n", &d).unwrap();
        let EventKind::Syscall(c) = &s.events[0].kind else {
            panic!()
        };
        assert_eq!(
            c.args,
            vec![Expr::Int(-5), Expr::Int(8), Expr::Str(b"hi".to_vec())]
        );
        let EventKind::Packet(p) = &s.events[1].kind else {
            panic!()
        };
        assert_eq!(p.ack, Some(1));
    }

    #[test]
    fn undefined_symbol_where_a_number_is_needed_says_so() {
        let e = err("0 > S. 0:0(0) ack 1 <mss MSS>\n");
        assert_eq!((e.line, e.col, e.token.as_str()), (1, 26, "MSS"));
        assert!(e.message.contains("`MSS` is not defined"), "{e}");
    }

    #[test]
    fn events_print_in_normal_form() {
        let s = ok(
            "0.500 a() = 0\n+.01 > . 1:1(0) ack 1\n2 b() = 0\n+1.5...3 c() = 0\n+.1~+.105 > . 1:1(0)\n* > . 1:1(0)\n",
        );
        let printed: Vec<String> = s.events.iter().map(ToString::to_string).collect();
        assert_eq!(
            printed,
            [
                "0.5 a() = 0",
                "+0.01 > . 1:1(0) ack 1",
                "2 b() = 0",
                "+1.5...3 c() = 0",
                "+0.1~+0.105 > . 1:1(0)",
                "* > . 1:1(0)"
            ]
        );
    }
}

mod packets {
    //! Packet lines: flags, sequence ranges, ack/win/urg, TCP options, IP info,
    //! and the non-TCP and encapsulated packets the runner refuses.

    use super::common::assert_round_trips;
    use tcpsim::packetdrill::script::{
        Direction, Ecn, ErrorKind, EventKind, IcmpEchoed, IpInfo, Options, OtherPacket,
        OtherPacketKind, Packet, TcpFlags, TcpOption, parse,
    };

    /// Parses a one-event script `0 LINE` and returns its TCP packet.
    fn packet(line: &str) -> Packet {
        let s = parse("t.pkt", &format!("0 {line}\n")).unwrap_or_else(|e| panic!("{e}"));
        assert_round_trips(&s);
        match s.events.into_iter().next().map(|e| e.kind) {
            Some(EventKind::Packet(p)) => p,
            other => panic!("not a TCP packet: {other:?}"),
        }
    }

    fn other(line: &str) -> OtherPacket {
        let s = parse("t.pkt", &format!("0 {line}\n")).unwrap_or_else(|e| panic!("{e}"));
        assert_round_trips(&s);
        match s.events.into_iter().next().map(|e| e.kind) {
            Some(EventKind::OtherPacket(p)) => p,
            other => panic!("not a non-TCP packet: {other:?}"),
        }
    }

    fn err(line: &str) -> tcpsim::packetdrill::script::ParseError {
        parse("t.pkt", &format!("0 {line}\n")).expect_err("should not parse")
    }

    #[test]
    fn a_syn_ack_with_every_common_field() {
        let p = packet("< S. 0:0(0) ack 1 win 32768 <mss 1000,nop,wscale 6,nop,nop,sackOK>");
        assert_eq!(p.direction, Direction::Inbound);
        assert_eq!(
            p.flags,
            TcpFlags {
                syn: true,
                ack: true,
                ..Default::default()
            }
        );
        assert_eq!((p.seq_start, p.seq_end, p.payload_len), (0, 0, 0));
        assert_eq!((p.ack, p.window, p.urg), (Some(1), Some(32768), None));
        assert_eq!(
            p.options,
            Options::List(vec![
                TcpOption::Mss(1000),
                TcpOption::Nop,
                TcpOption::WindowScale(6),
                TcpOption::Nop,
                TcpOption::Nop,
                TcpOption::SackPermitted
            ])
        );
        assert_eq!((p.ip, p.ports), (None, None));
    }

    #[test]
    fn omitted_fields_are_none_and_options_not_given() {
        let p = packet("> P. 1:1001(1000) ack 1");
        assert_eq!(p.direction, Direction::Outbound);
        assert_eq!((p.seq_start, p.seq_end, p.payload_len), (1, 1001, 1000));
        assert_eq!((p.window, p.urg), (None, None));
        assert_eq!(p.options, Options::NotGiven);
        assert_eq!(packet("> R 1:1(0)").ack, None);
    }

    #[test]
    fn flag_spellings() {
        let f = |s: &str| packet(&format!("> {s} 1:1(0)")).flags;
        let d = TcpFlags::default();
        assert_eq!(f("S"), TcpFlags { syn: true, ..d });
        assert_eq!(f("."), TcpFlags { ack: true, ..d });
        assert_eq!(f("-"), d);
        assert_eq!(
            f("F."),
            TcpFlags {
                fin: true,
                ack: true,
                ..d
            }
        );
        assert_eq!(
            f("FP."),
            TcpFlags {
                fin: true,
                psh: true,
                ack: true,
                ..d
            }
        );
        assert_eq!(
            f("R."),
            TcpFlags {
                rst: true,
                ack: true,
                ..d
            }
        );
        assert_eq!(
            f("SEW"),
            TcpFlags {
                syn: true,
                ece: true,
                cwr: true,
                ..d
            }
        );
        assert_eq!(
            f("SE."),
            TcpFlags {
                syn: true,
                ece: true,
                ack: true,
                ..d
            }
        );
        assert_eq!(
            f("U."),
            TcpFlags {
                urg: true,
                ack: true,
                ..d
            }
        );
        assert_eq!(
            f("SA."),
            TcpFlags {
                syn: true,
                ae: true,
                ack: true,
                ..d
            }
        );
        // AccECN: an ACE digit stands for the AE/CWR/ECE bits.
        assert_eq!(
            f("S.5"),
            TcpFlags {
                syn: true,
                ack: true,
                ace: Some(5),
                ece: true,
                ae: true,
                ..d
            }
        );
        assert_eq!(f("SEW").to_string(), "SEW");
        assert_eq!(f("FP.").to_string(), "FP.");
    }

    #[test]
    fn bad_flags() {
        assert!(err("> SX 1:1(0)").message.contains("invalid TCP flag 'X'"));
        assert!(
            err("> SE.5 1:1(0)")
                .message
                .contains("conflicting TCP flag")
        );
        assert!(err("> .12 1:1(0)").message.contains("conflicting TCP flag"));
        assert!(err("> 1:1(0)").message.contains("expected TCP flags"));
    }

    #[test]
    fn sequence_range_checks() {
        let e = err("> . 1:10(1)");
        assert!(
            e.message.contains("inconsistent TCP sequence numbers"),
            "{e}"
        );
        assert_eq!((e.line, e.col, e.token.as_str()), (1, 7, "1"));
        assert!(
            err("> . 4294967296:4294967296(0)")
                .message
                .contains("TCP start sequence number out of range")
        );
        assert!(
            err("> . 0:70000(70000)")
                .message
                .contains("TCP payload size out of range")
        );
        assert!(
            err("> . 1:1 ack 1")
                .message
                .contains("expected `(` before the payload length")
        );
        let p = packet("> . 4294967295:4294967295(0) ack 4294967295");
        assert_eq!((p.seq_start, p.ack), (u32::MAX, Some(u32::MAX)));
    }

    #[test]
    fn window_and_urgent_pointer() {
        let p = packet("< U. 1:2(1) ack 1 win 65535 urg 1");
        assert_eq!((p.window, p.urg), (Some(65535), Some(1)));
        assert!(
            err("< . 1:1(0) ack 1 win 65536")
                .message
                .contains("TCP window value out of range")
        );
        let e = err("< . 1:1(0) win 10 ack 1");
        assert!(e.message.contains("in this order"), "{e}");
    }

    /// The options of `> S 0:0(0) <LIST>`.
    fn options(list: &str) -> Vec<TcpOption> {
        match packet(&format!("> S 0:0(0) <{list}>")).options {
            Options::List(l) => l,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_tcp_option() {
        assert_eq!(
            options("mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8"),
            vec![
                TcpOption::Mss(1460),
                TcpOption::SackPermitted,
                TcpOption::Timestamp {
                    val: Some(100),
                    ecr: Some(0)
                },
                TcpOption::Nop,
                TcpOption::WindowScale(8),
            ]
        );
        assert_eq!(
            options("nop,nop,sack 1:2 3:4,eol,eol,eol,eol"),
            vec![
                TcpOption::Nop,
                TcpOption::Nop,
                TcpOption::Sack(vec![(1, 2), (3, 4)]),
                TcpOption::Eol,
                TcpOption::Eol,
                TcpOption::Eol,
                TcpOption::Eol
            ]
        );
        assert_eq!(
            options("nop,nop,TS val ... ecr ..."),
            vec![
                TcpOption::Nop,
                TcpOption::Nop,
                TcpOption::Timestamp {
                    val: None,
                    ecr: None
                }
            ]
        );
        assert_eq!(
            options("FO,nop,nop,FO 3021b9d6,nop,nop"),
            vec![
                TcpOption::FastOpen { cookie: None },
                TcpOption::Nop,
                TcpOption::Nop,
                TcpOption::FastOpen {
                    cookie: Some("3021b9d6".into())
                },
                TcpOption::Nop,
                TcpOption::Nop
            ]
        );
        assert_eq!(
            options("FOEXP,FOEXP 00abaaabe8e954c2"),
            vec![
                TcpOption::FastOpenExp { cookie: None },
                TcpOption::FastOpenExp {
                    cookie: Some("00abaaabe8e954c2".into())
                }
            ]
        );
        // An undefined symbol as cookie is kept by name; its length is unknown.
        let o = options("mss 1460,FOEXP TFO_COOKIE");
        assert_eq!(
            o[1],
            TcpOption::FastOpenExp {
                cookie: Some("TFO_COOKIE".into())
            }
        );
        assert_eq!(o[1].wire_len(), None);
        assert_eq!(
            options("md5 000102030405060708090a0b0c0d0e0f,nop,nop"),
            vec![
                TcpOption::Md5("000102030405060708090a0b0c0d0e0f".into()),
                TcpOption::Nop,
                TcpOption::Nop
            ]
        );
        assert_eq!(
            options("ECN e0b 1 ceb 2 e1b 3,nop"),
            vec![
                TcpOption::AccEcn(vec![("e0".into(), 1), ("ce".into(), 2), ("e1".into(), 3)]),
                TcpOption::Nop
            ]
        );
        assert_eq!(
            options("ECN e1b 7,nop,nop,nop"),
            vec![
                TcpOption::AccEcn(vec![("e1".into(), 7)]),
                TcpOption::Nop,
                TcpOption::Nop,
                TcpOption::Nop
            ]
        );
        let unsupported: Vec<&str> = options("FO,nop,nop,md5 00,ECN e0b 1")
            .iter()
            .filter_map(TcpOption::unsupported)
            .collect();
        assert_eq!(unsupported.len(), 3);
        assert!(unsupported[0].contains("Fast Open"));
    }

    #[test]
    fn option_list_length_and_padding() {
        let e = err("> S 0:0(0) <mss 1000,nop>");
        assert!(
            e.message.contains("not padded correctly") && e.message.contains("1 excess bytes"),
            "{e}"
        );
        assert_eq!((e.col, e.token.as_str()), (14, "<"));
        let e = err("> S 0:0(0) <sack 1:2 3:4 5:6 7:8 9:10,nop,nop>");
        assert!(
            e.message
                .contains("TCP option list too long (44 bytes; at most 40)"),
            "{e}"
        );
        assert!(
            err("> S 0:0(0) <FO 123,nop,nop>")
                .message
                .contains("odd number of digits")
        );
        let long = "ab".repeat(39);
        assert!(
            err(&format!("> S 0:0(0) <FO {long}>"))
                .message
                .contains("exceeds maximum cookie length of 38 bytes")
        );
        assert!(
            err("> S 0:0(0) <md5 xyz>")
                .message
                .contains("not a valid hex string")
        );
        assert!(
            err(&format!("> S 0:0(0) <md5 {}>", "00".repeat(17)))
                .message
                .contains("longer than 16 bytes")
        );
        assert!(
            err("> S 0:0(0) <ECN ceb 1 e0b 2>")
                .message
                .contains("AccECN counters go in the order")
        );
        assert!(
            err("> S 0:0(0) <ECN e0b 1 e0b 2>")
                .message
                .contains("AccECN counters go in the order")
        );
    }

    #[test]
    fn inbound_packets_need_a_window() {
        let e = err("< . 1:1(0) ack 1");
        assert!(
            e.message
                .contains("window must be specified for inbound packets"),
            "{e}"
        );
        assert_eq!(packet("> . 1:1(0) ack 1").window, None);
    }

    #[test]
    fn option_errors() {
        assert!(
            err("> S 0:0(0) <mss 65536>")
                .message
                .contains("mss value out of range")
        );
        assert!(
            err("> S 0:0(0) <wscale 256>")
                .message
                .contains("window scale shift count out of range")
        );
        assert!(
            err("> S 0:0(0) <foo 1>")
                .message
                .contains("unknown TCP option `foo`")
        );
        assert!(
            err("> S 0:0(0) <sack>")
                .message
                .contains("at least one SACK block")
        );
        assert!(
            err("> S 0:0(0) <TS 1 ecr 2>")
                .message
                .contains("expected `val`")
        );
        assert!(err("> S 0:0(0) <md5>").message.contains("MD5 digest"));
        assert!(err("> S 0:0(0) <ECN>").message.contains("AccECN counters"));
        assert!(
            err("> S 0:0(0) <mss 1 nop>")
                .message
                .contains("expected `,` or `>`")
        );
        assert!(err("> S 0:0(0) <>").message.contains("unknown TCP option"));
    }

    #[test]
    fn any_options_only_outbound() {
        assert_eq!(packet("> S. 0:0(0) ack 1 <...>").options, Options::Any);
        let e = err("< S 0:0(0) win 100 <...>");
        assert!(
            e.message
                .contains("<...> for TCP options can only be used with outbound packets"),
            "{e}"
        );
    }

    #[test]
    fn ip_info_and_ports() {
        let p = packet("> [ect0] P. 1:1001(1000) ack 1");
        assert_eq!(
            p.ip,
            Some(IpInfo {
                ecn: Some(Ecn::Ect0),
                ..Default::default()
            })
        );
        let p = packet("< [noecn] E. 1:1(0) ack 1 win 320");
        assert_eq!(p.ip.and_then(|i| i.ecn), Some(Ecn::NotEct));
        let p = packet("> (tos 0x2, flowlabel 0x12345, ttl 64) 8080>9090 . 1:1(0) ack 1");
        assert_eq!(
            p.ip,
            Some(IpInfo {
                ecn: None,
                tos: Some(2),
                flow_label: Some(0x12345),
                ttl: Some(64)
            })
        );
        assert_eq!(p.ports, Some((8080, 9090)));
        assert_eq!(
            packet("> [ce] . 1:1(0)").ip.and_then(|i| i.ecn),
            Some(Ecn::Ce)
        );
        assert_eq!(
            packet("> [ect01] . 1:1(0)").ip.and_then(|i| i.ecn),
            Some(Ecn::Ect0OrEct1)
        );
        assert!(
            err("< [ect01] . 1:1(0) win 1")
                .message
                .contains("[ect01] can only be used with outbound packets")
        );
        assert!(
            err("> [foo] . 1:1(0)")
                .message
                .contains("expected an IP field")
        );
        assert!(
            err("> [ect0, ect1] . 1:1(0)")
                .message
                .contains("repeated IP field")
        );
        assert!(
            err("> (flowlabel 0x100000) . 1:1(0)")
                .message
                .contains("flow label out of range")
        );
    }

    #[test]
    fn udp_and_icmp_parse_for_refusal() {
        let u = other("< udp 1000>2000 (100)");
        assert!(
            err("< [ect0] udp (1)")
                .message
                .contains("ECN can only be used with TCP packets")
        );
        assert_eq!(
            u.kind,
            OtherPacketKind::Udp {
                ports: Some((1000, 2000)),
                payload_len: 100
            }
        );
        assert_eq!(u.refusal(), "udp packets are not supported");
        let i = other("< icmp unreachable frag_needed mtu 800 [0:1000(1000)]");
        assert_eq!(
            i.kind,
            OtherPacketKind::Icmp {
                icmp_type: "unreachable".into(),
                code: Some("frag_needed".into()),
                mtu: Some(800),
                echo_id: None,
                echoed: Some(IcmpEchoed::Tcp {
                    seq_start: 0,
                    seq_end: 1000,
                    payload_len: 1000
                }),
            }
        );
        assert_eq!(i.refusal(), "icmp packets are not supported");
        let i = other("> [ect0] icmp echo_reply id 7 [udp (8)]");
        assert!(matches!(
            i.kind,
            OtherPacketKind::Icmp {
                echo_id: Some(7),
                echoed: Some(IcmpEchoed::Udp(8)),
                ..
            }
        ));
        assert!(matches!(
            other("< icmp packet_too_big mtu 1400").kind,
            OtherPacketKind::Icmp { code: None, .. }
        ));
        assert!(matches!(
            other("< icmp x [raw (20)]").kind,
            OtherPacketKind::Icmp {
                echoed: Some(IcmpEchoed::Raw(20)),
                ..
            }
        ));
    }

    #[test]
    fn encapsulation_is_refused_as_unsupported() {
        for (line, word) in [
            (
                "< ipv4 192.0.2.1 > 192.168.0.1: gre: . 1:1(0) ack 1 win 10",
                "ipv4",
            ),
            ("< gre: . 1:1(0) ack 1 win 10", "gre"),
            ("< mpls (label 1, tc 0, ttl 1): . 1:1(0)", "mpls"),
            ("> encap psp spi 23 P. 501:1001(500) ack 501", "encap"),
        ] {
            let e = err(line);
            assert_eq!(e.kind, ErrorKind::Unsupported, "{e}");
            assert_eq!(e.token, word);
            assert!(e.message.contains("not supported"), "{e}");
        }
    }

    #[test]
    fn display_prints_the_script_language() {
        let p = packet("<   S.  0:0(0)  ack 1   win 32768   <mss 1000,  nop,nop,TS val 1 ecr ...>");
        assert_eq!(
            p.to_string(),
            "< S. 0:0(0) ack 1 win 32768 <mss 1000,nop,nop,TS val 1 ecr ...>"
        );
        assert_eq!(
            packet("> [ect0] - 1:1(0) <...>").to_string(),
            "> [ect0] - 1:1(0) <...>"
        );
    }
}

mod syscalls {
    //! System call lines and their argument expressions.

    use super::common::assert_round_trips;
    use tcpsim::packetdrill::script::{EventKind, Expr, Field, Syscall, parse};

    fn call(line: &str) -> Syscall {
        let s = parse("t.pkt", &format!("0 {line}\n")).unwrap_or_else(|e| panic!("{e}"));
        assert_round_trips(&s);
        match s.events.into_iter().next().map(|e| e.kind) {
            Some(EventKind::Syscall(c)) => c,
            other => panic!("not a syscall: {other:?}"),
        }
    }

    fn err(line: &str) -> tcpsim::packetdrill::script::ParseError {
        parse("t.pkt", &format!("0 {line}\n")).expect_err("should not parse")
    }

    fn sym(s: &str) -> Expr {
        Expr::Symbol(s.into())
    }

    fn named(name: &str, value: Expr) -> Field {
        Field {
            name: Some(name.into()),
            arg: None,
            value,
        }
    }

    #[test]
    fn socket_with_elided_and_symbolic_arguments() {
        let c = call("socket(..., SOCK_STREAM, IPPROTO_TCP) = 3");
        assert_eq!(c.name, "socket");
        assert_eq!(
            c.args,
            vec![Expr::Ellipsis, sym("SOCK_STREAM"), sym("IPPROTO_TCP")]
        );
        assert_eq!(
            (c.result, c.errno, c.errno_note),
            (Expr::Int(3), None, None)
        );
    }

    #[test]
    fn no_arguments() {
        assert!(call("getpid() = 1").args.is_empty());
    }

    #[test]
    fn binary_or_of_flags() {
        let c = call("fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0");
        assert_eq!(
            c.args[2],
            Expr::BitOr(vec![sym("O_RDWR"), sym("O_NONBLOCK")])
        );
        let c = call("send(4, ..., 10, MSG_MORE | MSG_EOR | 0x40) = 10");
        assert_eq!(
            c.args[3],
            Expr::BitOr(vec![sym("MSG_MORE"), sym("MSG_EOR"), Expr::Int(0x40)])
        );
    }

    #[test]
    fn errno_and_notes() {
        let c = call("connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)");
        assert_eq!(c.result, Expr::Int(-1));
        assert_eq!(c.errno.as_deref(), Some("EINPROGRESS"));
        assert_eq!(c.errno_note.as_deref(), Some("Operation now in progress"));
        let c = call("fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)");
        assert_eq!(
            (c.result, c.errno, c.errno_note.as_deref()),
            (Expr::Int(2), None, Some("flags O_RDWR"))
        );
        let c = call("sendto(4, NULL, 1, 0, ..., ...) = -1");
        assert_eq!((c.errno, c.errno_note), (None, None));
        let c = call("read(3, ..., 1) = -1 EAGAIN");
        assert_eq!(c.errno.as_deref(), Some("EAGAIN"));
        // A symbolic result followed by a note is not a call.
        let c = call("fcntl(3, F_GETFL) = O_RDWR (flags)");
        assert_eq!(
            (c.result, c.errno_note.as_deref()),
            (sym("O_RDWR"), Some("flags"))
        );
        assert!(
            err("f() = -1 EBAD (unclosed")
                .message
                .contains("unterminated `(` note")
        );
    }

    #[test]
    fn integers_hex_and_negative() {
        let c = call("f(0, -1, 0xffffffff, -0x10, 9223372036854775807, -9223372036854775808) = 0");
        assert_eq!(
            c.args,
            vec![
                Expr::Int(0),
                Expr::Int(-1),
                Expr::Int(0xffff_ffff),
                Expr::Int(-16),
                Expr::Int(i64::MAX),
                Expr::Int(i64::MIN)
            ]
        );
        assert!(
            err("f(9223372036854775808) = 0")
                .message
                .contains("out of range")
        );
        assert!(
            err("f(99999999999999999999999) = 0")
                .message
                .contains("out of range")
        );
        assert!(
            err("f(-X) = 0")
                .message
                .contains("expected a number after `-`")
        );
    }

    #[test]
    fn arrays_for_int_pointers() {
        let c = call("setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0");
        assert_eq!(c.args[3], Expr::Array(vec![Expr::Int(1)]));
        let c = call("getsockopt(3, SOL_TCP, TCP_MAXSEG, [1100], [4]) = 0");
        assert_eq!(c.args[4], Expr::Array(vec![Expr::Int(4)]));
        assert_eq!(
            call("pipe([5, 6]) = 0").args[0],
            Expr::Array(vec![Expr::Int(5), Expr::Int(6)])
        );
        assert_eq!(call("f([]) = 0").args[0], Expr::Array(vec![]));
        let c = call("setsockopt(3, SOL_SOCKET, SO_TIMESTAMPING, [A | B |\n C], 4) = 0");
        assert_eq!(
            c.args[3],
            Expr::Array(vec![Expr::BitOr(vec![sym("A"), sym("B"), sym("C")])])
        );
    }

    #[test]
    fn strings_escapes_concatenation_and_prefix() {
        let c = call(r#"open("/tmp/x", O_RDONLY) = 5"#);
        assert_eq!(c.args[0], Expr::Str(b"/tmp/x".to_vec()));
        let c = call(r#"setsockopt(3, SOL_TCP, TCP_FASTOPEN_KEY, "\xf7\x63\n\\\"\101", 16) = 0"#);
        assert_eq!(
            c.args[3],
            Expr::Str(vec![0xf7, 0x63, b'\n', b'\\', b'"', b'A'])
        );
        let c = call(r#"write(4, "ab" "cd", 4) = 4"#);
        assert_eq!(c.args[1], Expr::Str(b"abcd".to_vec()));
        let c = call(r#"read(4, "HTTP/1.1"..., 100) = 100"#);
        assert_eq!(c.args[1], Expr::StrPrefix(b"HTTP/1.1".to_vec()));
        assert_eq!(call(r#"f("") = 0"#).args[0], Expr::Str(vec![]));
    }

    #[test]
    fn sockaddr_and_linger_structs() {
        let c = call(
            r#"bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")}, 16) = 0"#,
        );
        assert_eq!(
            c.args[1],
            Expr::Struct(vec![
                named("sa_family", sym("AF_INET")),
                named(
                    "sin_port",
                    Expr::Call {
                        name: "htons".into(),
                        args: vec![Expr::Int(8080)]
                    }
                ),
                named(
                    "sin_addr",
                    Expr::Call {
                        name: "inet_addr".into(),
                        args: vec![Expr::Str(b"192.0.2.1".to_vec())]
                    }
                ),
            ])
        );
        assert_eq!(
            c.args[1]
                .field("sin_port")
                .map(|f| &f.value)
                .and_then(|v| match v {
                    Expr::Call { args, .. } => args[0].as_int(),
                    _ => None,
                }),
            Some(8080)
        );
        let c = call("setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0");
        assert_eq!(
            c.args[3],
            Expr::Struct(vec![
                named("onoff", Expr::Int(1)),
                named("linger", Expr::Int(0))
            ])
        );
    }

    #[test]
    fn msghdr_with_iovecs_in_both_spellings() {
        let c = call(
            "sendmsg(4, {msg_name(...)=...,\n\
                     msg_iov(2)=[{..., 600}, {iov_base=..., iov_len=400}],\n\
                     msg_flags=0}, MSG_MORE) = 1000",
        );
        let msg = &c.args[1];
        let name = msg.field("msg_name").expect("msg_name");
        assert_eq!(
            (name.arg.as_ref(), &name.value),
            (Some(&Expr::Ellipsis), &Expr::Ellipsis)
        );
        let iov = msg.field("msg_iov").expect("msg_iov");
        assert_eq!(iov.arg, Some(Expr::Int(2)));
        assert_eq!(
            iov.value,
            Expr::Array(vec![
                Expr::Struct(vec![
                    Field {
                        name: None,
                        arg: None,
                        value: Expr::Ellipsis
                    },
                    Field {
                        name: None,
                        arg: None,
                        value: Expr::Int(600)
                    }
                ]),
                Expr::Struct(vec![
                    named("iov_base", Expr::Ellipsis),
                    named("iov_len", Expr::Int(400))
                ]),
            ])
        );
        assert_eq!(
            msg.field("msg_flags").map(|f| &f.value),
            Some(&Expr::Int(0))
        );
        assert!(
            err("sendmsg(4, {msg_iov(1, 2)=[]}, 0) = 0")
                .message
                .contains("takes exactly one argument")
        );
    }

    #[test]
    fn control_messages_and_extended_errors() {
        let c = call(
            "recvmsg(3, {msg_name(...)=..., msg_iov(1)=[{...,0}], msg_flags=MSG_ERRQUEUE|MSG_TRUNC,\n\
           msg_control=[{cmsg_level=SOL_SOCKET, cmsg_type=SCM_TIMESTAMPING,\n\
                         cmsg_data={scm_sec=0,scm_nsec=20000000}},\n\
                        {cmsg_level=CMSG_LEVEL_IP, cmsg_type=CMSG_TYPE_RECVERR,\n\
                         cmsg_data={ee_errno=ENOMSG, ee_origin=SO_EE_ORIGIN_TIMESTAMPING,\n\
                                    ee_type=0, ee_code=0, ee_info=SCM_TSTAMP_SCHED, ee_data=10999}}]},\n\
           MSG_ERRQUEUE) = 0",
        );
        let Some(Field {
            value: Expr::Array(cmsgs),
            ..
        }) = c.args[1].field("msg_control")
        else {
            panic!()
        };
        assert_eq!(cmsgs.len(), 2);
        let data = &cmsgs[1].field("cmsg_data").expect("cmsg_data").value;
        assert_eq!(
            data.field("ee_data").map(|f| &f.value),
            Some(&Expr::Int(10999))
        );
    }

    #[test]
    fn poll_and_epoll_structs() {
        let c = call("poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1");
        let Expr::Array(fds) = &c.args[0] else {
            panic!()
        };
        assert_eq!(
            fds[0].field("revents").map(|f| &f.value),
            Some(&sym("POLLOUT"))
        );
        let c = call("epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLOUT|EPOLLET, fd=4}) = 0");
        assert_eq!(c.args[3].field("fd").map(|f| &f.value), Some(&Expr::Int(4)));
        let c = call("epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0");
        assert_eq!(
            c.args[1].field("ptr").map(|f| &f.value),
            Some(&Expr::Int(0))
        );
    }

    #[test]
    fn named_values_outside_braces() {
        let c = call("f(x=1) = 0");
        assert_eq!(
            c.args[0],
            Expr::Named {
                name: "x".into(),
                value: Box::new(Expr::Int(1))
            }
        );
    }

    #[test]
    fn syntax_errors_name_what_was_expected() {
        let e = err("close 3 = 0");
        assert!(
            e.message
                .contains("expected `(` after the system call name `close`"),
            "{e}"
        );
        let e = err("close(3 = 0");
        assert!(
            e.message
                .contains("expected `,` or `)` in the argument list"),
            "{e}"
        );
        let e = err("close(3)");
        assert!(e.message.contains("expected `=`"), "{e}");
        assert_eq!(e.token, "", "the error is at the end of the input");
        let e = err("close(3) = ");
        assert!(e.message.contains("expected an expression"), "{e}");
        let e = err("f({a=1 b=2}) = 0");
        assert!(e.message.contains("expected `,` or `}`"), "{e}");
        let e = err("f([1, 2) = 0");
        assert!(
            e.message.contains("expected `,` or `]` in the array"),
            "{e}"
        );
    }

    #[test]
    fn display_prints_the_script_language() {
        let c = call(
            "sendmsg(4,{msg_name(...)=...,msg_iov(1)=[{...,10}],msg_flags=0},MSG_MORE|MSG_EOR)=10",
        );
        assert_eq!(
            c.to_string(),
            "sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 10}], msg_flags=0}, MSG_MORE|MSG_EOR) = 10"
        );
        let c = call(r#"write(4, "a\x00\"", 3) = -1 EPIPE (Broken pipe)"#);
        assert_eq!(
            c.to_string(),
            r#"write(4, "a\x00\"", 3) = -1 EPIPE (Broken pipe)"#
        );
    }
}

mod errors {
    //! The error format, lexical errors, and the limits that keep hostile input
    //! from crashing the parser.

    use super::common::position_inside;
    use tcpsim::packetdrill::script::{ErrorKind, parse};

    #[test]
    fn display_is_rustc_style_with_the_token() {
        let e = parse(
            "tests/x.pkt",
            "0 socket(..., SOCK_STREAM) = 3\n+0 > Q 1:1(0)\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "tests/x.pkt:2:6: invalid TCP flag 'Q' (valid: S F R P . U E W A, or 0-7) (at `Q`)"
        );
        assert_eq!(e.kind, ErrorKind::Syntax);
    }

    #[test]
    fn errors_at_the_end_of_input_say_so() {
        let e = parse("x.pkt", "0 close(3) =").unwrap_err();
        assert_eq!((e.line, e.col), (1, 13));
        assert!(e.to_string().ends_with("(at end of input)"), "{e}");
    }

    #[test]
    fn long_tokens_are_quoted_to_80_characters() {
        let word = "A".repeat(500);
        let e = parse("x.pkt", &format!("0 > S 0:0(0) <mss {word}>\n")).unwrap_err();
        assert_eq!(e.token.chars().count(), 80);
        assert!(e.token.ends_with("..."));
        assert!(
            e.message.len() < 300,
            "the message quotes at most 80 characters of input too: {}",
            e.message
        );
        // Multi-line tokens are quoted by their first line only.
        let e = parse("x.pkt", "0 > S 0:0(0)\n+0 `a\nb` `c\nd`\n+0 f() = 0\n").unwrap_err();
        assert_eq!(e.token, "`c...");
        assert!(!e.token.contains('\n'), "{:?}", e.token);
    }

    #[test]
    fn unterminated_lexemes() {
        for (text, what, line, col) in [
            ("0 f(\"abc) = 0\n", "unterminated string", 1, 5),
            ("0 `echo\n", "unterminated `command`", 1, 3),
            ("0 %{ assert 1\n", "unterminated %{ code block }%", 1, 3),
            (
                "0 f() = 0 /* never closed\n",
                "unterminated /* comment",
                1,
                11,
            ),
        ] {
            let e = parse("x.pkt", text).unwrap_err();
            assert_eq!(
                (e.message.as_str(), e.line, e.col),
                (what, line, col),
                "{text:?}"
            );
        }
    }

    #[test]
    fn stray_characters_are_reported_where_they_are() {
        let e = parse("x.pkt", "0 close(3) = 0\n  +0 close(3) = 0 ; \n").unwrap_err();
        assert_eq!((e.line, e.col, e.token.as_str()), (2, 19, ";"));
        let e = parse("x.pkt", "0 close(3) = 0\n+0 ☃\n").unwrap_err();
        assert_eq!((e.line, e.col, e.token.as_str()), (2, 4, "☃"));
    }

    #[test]
    fn deep_nesting_is_capped_not_a_stack_overflow() {
        for open in ["[", "{", "f("] {
            let text = format!("0 g({}1) = 0\n", open.repeat(100_000));
            let e = parse("x.pkt", &text).unwrap_err();
            assert!(e.message.contains("nesting deeper than 64"), "{e}");
        }
        let chain = "x=".repeat(100_000);
        assert!(
            parse("x.pkt", &format!("0 g({chain}1) = 0\n"))
                .unwrap_err()
                .message
                .contains("nesting")
        );
        // 60 levels is fine.
        let ok = format!("0 g({}1{}) = 0\n", "[".repeat(60), "]".repeat(60));
        parse("x.pkt", &ok).unwrap();
    }

    #[test]
    fn huge_numbers_never_overflow() {
        for text in [
            "0 > S 0:0(0) <mss 99999999999999999999999999>\n",
            "18446744073709551615 close(3) = 0\n",
            "0 > . 4294967295:0(1)\n",
            "0 > . 4294967295:4294967296(1)\n",
        ] {
            let e = parse("x.pkt", text).unwrap_err();
            assert!(position_inside(text, e.line, e.col), "{e}");
        }
    }

    #[test]
    fn crlf_line_endings_are_whitespace() {
        let s = parse("x.pkt", "0 close(3) = 0\r\n+0 > . 1:1(0) ack 1\r\n").unwrap();
        assert_eq!(s.events.len(), 2);
        assert_eq!(s.events[1].line, 2);
    }
}

mod code {
    //! The Python subset of `%{ }%` blocks (`assert::parse_code`).

    use tcpsim::packetdrill::script::assert::{
        BinOp, CmpOp, PyExpr, Statement, StatementKind, UnaryOp, parse_code,
    };

    fn name(n: &str) -> PyExpr {
        PyExpr::Name(n.into())
    }

    fn int(v: i64) -> PyExpr {
        PyExpr::Int(v)
    }

    fn bin(op: BinOp, l: PyExpr, r: PyExpr) -> PyExpr {
        PyExpr::Binary {
            op,
            lhs: Box::new(l),
            rhs: Box::new(r),
        }
    }

    fn cmp(first: PyExpr, rest: Vec<(CmpOp, PyExpr)>) -> PyExpr {
        PyExpr::Compare {
            first: Box::new(first),
            rest,
        }
    }

    fn one(text: &str) -> StatementKind {
        let mut v = parse_code(text).unwrap_or_else(|u| panic!("{u}"));
        assert_eq!(v.len(), 1, "{v:?}");
        v.remove(0).kind
    }

    fn refused(text: &str) -> String {
        parse_code(text)
            .expect_err("should be unsupported")
            .to_string()
    }

    #[test]
    fn assert_equality_with_message() {
        assert_eq!(
            one("assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd"),
            StatementKind::Assert {
                cond: cmp(name("tcpi_snd_cwnd"), vec![(CmpOp::Eq, int(10))]),
                message: Some(name("tcpi_snd_cwnd")),
            }
        );
    }

    #[test]
    fn every_comparison_operator() {
        for (src, op) in [
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            ("<", CmpOp::Lt),
            ("<=", CmpOp::Le),
            (">", CmpOp::Gt),
            (">=", CmpOp::Ge),
        ] {
            let StatementKind::Assert {
                cond,
                message: None,
            } = one(&format!("assert tcpi_rtt {src} 5"))
            else {
                panic!()
            };
            assert_eq!(cond, cmp(name("tcpi_rtt"), vec![(op, int(5))]));
        }
    }

    #[test]
    fn chained_range() {
        let StatementKind::Assert { cond, .. } =
            one("assert 990 <= tcpi_last_data_recv <= 1010, tcpi_last_data_recv")
        else {
            panic!()
        };
        assert_eq!(
            cond,
            cmp(
                int(990),
                vec![
                    (CmpOp::Le, name("tcpi_last_data_recv")),
                    (CmpOp::Le, int(1010))
                ]
            )
        );
    }

    #[test]
    fn and_or_not_and_precedence() {
        let StatementKind::Assert { cond, .. } = one("assert a == 1 and b < 2 or not c") else {
            panic!()
        };
        assert_eq!(
            cond,
            PyExpr::Or(vec![
                PyExpr::And(vec![
                    cmp(name("a"), vec![(CmpOp::Eq, int(1))]),
                    cmp(name("b"), vec![(CmpOp::Lt, int(2))])
                ]),
                PyExpr::Unary {
                    op: UnaryOp::Not,
                    operand: Box::new(name("c"))
                },
            ])
        );
    }

    #[test]
    fn arithmetic_precedence_and_parentheses() {
        let StatementKind::Assert { cond, .. } =
            one("assert tcpi_snd_cwnd == (a + b) * 2 - c // 3 % 4")
        else {
            panic!()
        };
        let rhs = bin(
            BinOp::Sub,
            bin(BinOp::Mul, bin(BinOp::Add, name("a"), name("b")), int(2)),
            bin(BinOp::Mod, bin(BinOp::FloorDiv, name("c"), int(3)), int(4)),
        );
        assert_eq!(cond, cmp(name("tcpi_snd_cwnd"), vec![(CmpOp::Eq, rhs)]));
        let StatementKind::Assign { value, .. } = one("x = -2 ** 2 / 1") else {
            panic!()
        };
        let pow = bin(BinOp::Pow, int(2), int(2));
        assert_eq!(
            value,
            bin(
                BinOp::Div,
                PyExpr::Unary {
                    op: UnaryOp::Neg,
                    operand: Box::new(pow)
                },
                int(1)
            )
        );
    }

    #[test]
    fn bitwise_and_hex() {
        let StatementKind::Assert { cond, .. } =
            one("assert (tcpi_options & TCPI_OPT_SYN_DATA) != 0, tcpi_options")
        else {
            panic!()
        };
        assert_eq!(
            cond,
            cmp(
                bin(
                    BinOp::BitAnd,
                    name("tcpi_options"),
                    name("TCPI_OPT_SYN_DATA")
                ),
                vec![(CmpOp::Ne, int(0))]
            )
        );
        assert_eq!(
            one("TCP_INFINITE_SSTHRESH = 0x7fffffff"),
            StatementKind::Assign {
                target: "TCP_INFINITE_SSTHRESH".into(),
                op: None,
                value: int(0x7fff_ffff)
            }
        );
        assert!(matches!(
            one("x = 1 << 3 | 0b1 ^ 0o7"),
            StatementKind::Assign {
                value: PyExpr::Binary {
                    op: BinOp::BitOr,
                    ..
                },
                ..
            }
        ));
    }

    #[test]
    fn message_with_string_formatting() {
        let StatementKind::Assert { message, .. } = one(
            "assert tcpi_ca_state == TCP_CA_Recovery, 'ca_state: %d rtt: %d' % (tcpi_ca_state, tcpi_rtt)",
        ) else {
            panic!()
        };
        assert_eq!(
            message,
            Some(bin(
                BinOp::Mod,
                PyExpr::Str("ca_state: %d rtt: %d".into()),
                PyExpr::Tuple(vec![name("tcpi_ca_state"), name("tcpi_rtt")])
            ))
        );
        let StatementKind::Assert { message, .. } = one(r#"assert x, "double \"quoted\"""#) else {
            panic!()
        };
        assert_eq!(message, Some(PyExpr::Str("double \"quoted\"".into())));
    }

    #[test]
    fn assignments_print_and_statement_separators() {
        let v = parse_code(
        "print(tcpi_snd_cwnd); cwnd = 58; cwnd += 1\nassert tcpi_snd_cwnd == cwnd, tcpi_snd_cwnd ",
    )
    .unwrap();
        let kinds: Vec<&StatementKind> = v.iter().map(|s| &s.kind).collect();
        assert_eq!(kinds[0], &StatementKind::Print(vec![name("tcpi_snd_cwnd")]));
        assert_eq!(
            kinds[1],
            &StatementKind::Assign {
                target: "cwnd".into(),
                op: None,
                value: int(58)
            }
        );
        assert_eq!(
            kinds[2],
            &StatementKind::Assign {
                target: "cwnd".into(),
                op: Some(BinOp::Add),
                value: int(1)
            }
        );
        assert!(matches!(kinds[3], StatementKind::Assert { .. }));
        assert_eq!(
            v.iter().map(|s| s.line).collect::<Vec<_>>(),
            vec![1, 1, 1, 2]
        );
        assert_eq!(one("print()"), StatementKind::Print(vec![]));
        assert_eq!(
            one("print('a', 1,)"),
            StatementKind::Print(vec![PyExpr::Str("a".into()), int(1)])
        );
    }

    #[test]
    fn comments_continuations_and_blank_lines() {
        let text = "\n# Since the comment says cwnd = 3 + 1 = 4,\nassert 298000 <= tcpi_rwnd_limited <= 310000, tcpi_rwnd_limited;\\\n         assert tcpi_lost == 1,tcpi_lost # RACK\n\n";
        let v: Vec<Statement> = parse_code(text).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].line, v[1].line), (3, 4));
        let v = parse_code("assert (a ==\n  1)").unwrap();
        assert_eq!(
            v.len(),
            1,
            "newlines inside brackets do not end a statement"
        );
        assert!(parse_code("").unwrap().is_empty());
        assert!(parse_code(" ; ;\n").unwrap().is_empty());
    }

    #[test]
    fn booleans() {
        assert_eq!(
            one("x = True"),
            StatementKind::Assign {
                target: "x".into(),
                op: None,
                value: PyExpr::Bool(true)
            }
        );
    }

    #[test]
    fn names_are_visited_in_order() {
        let StatementKind::Assert { cond, message } =
            one("assert a <= tcpi_x + b <= c, (tcpi_x, d)")
        else {
            panic!()
        };
        let mut names = Vec::new();
        cond.visit_names(&mut |n| names.push(n.to_string()));
        message
            .unwrap()
            .visit_names(&mut |n| names.push(n.to_string()));
        assert_eq!(names, ["a", "tcpi_x", "b", "c", "tcpi_x", "d"]);
    }

    #[test]
    fn unsupported_constructs_are_named() {
        for (text, needle) in [
            ("import os", "`import`"),
            ("from x import y", "`from`"),
            ("for i in range(3): pass", "`for`"),
            ("while True: pass", "`while`"),
            ("if x: assert y", "`if`"),
            ("def f(): pass", "`def`"),
            ("assert len(x) == 1", "a call to `len()`"),
            ("foo()", "a call to `foo()`"),
            ("assert x.y == 1", "attribute access"),
            ("assert x[0] == 1", "subscripting"),
            ("x = [1, 2]", "a list"),
            ("x = {}", "a dict or set"),
            ("assert x == 1.5", "the non-integer number `1.5`"),
            ("x = 1e3", "the non-integer number `1e3`"),
            ("x = 99999999999999999999", "beyond 64 bits"),
            ("x = f'{y}'", "`f`-prefixed string"),
            ("x = '''doc'''", "triple-quoted string"),
            ("assert x in y", "`in` / `is` comparison"),
            ("assert x not in y", "`in` / `is` comparison"),
            ("assert x is None", "`in` / `is` comparison"),
            ("x = 1 if y else 2", "conditional expression"),
            ("x = y = 1", "chained assignment"),
            ("x.y = 1", "attribute access"),
            ("tcpi_snd_cwnd", "an expression statement"),
            ("print 'hi'", "Python 2 `print` statement"),
            ("print(end='')", "keyword argument `end=`"),
            ("assert x == 1 assert y", "more than one expression"),
            ("assert (x == 1", "expected `)`"),
            ("assert $", "the character `$`"),
            ("x = 'unterminated", "unterminated string"),
            ("assert", "expected an expression"),
            ("x = 012", "leading zero"),
        ] {
            let msg = refused(text);
            assert!(
                msg.contains(needle),
                "{text:?} gave {msg:?}, wanted {needle:?}"
            );
            assert!(msg.ends_with("is not supported"), "{msg}");
        }
    }

    #[test]
    fn unsupported_reports_its_position() {
        let u = parse_code("assert x == 1\nimport os").unwrap_err();
        assert_eq!((u.line, u.col), (2, 1));
        assert_eq!(
            u.to_string(),
            "line 2 col 1 of the %{ }% block: `import` is not supported"
        );
    }

    #[test]
    fn deep_expressions_are_capped() {
        for text in [
            format!("assert {}1{}", "(".repeat(10_000), ")".repeat(10_000)),
            format!("assert {}1", "-".repeat(10_000)),
            format!("assert {}1", "not ".repeat(10_000)),
            format!("x = 2{}", " ** 2".repeat(10_000)),
        ] {
            let u = parse_code(&text).unwrap_err();
            assert!(u.construct.contains("nested deeper than 64"), "{u}");
        }
    }
}

mod upstream {
    //! Parses every `.pkt` under `$PACKETDRILL_DIR/gtests/net/tcp/` (skipped when
    //! the variable is unset) and prints one outcome line per file; run with
    //! `cargo test --test packetdrill_script upstream -- --nocapture` to see the list.
    //!
    //! Every script must either parse or be refused with an
    //! [`ErrorKind::Unsupported`] error; the groups tcpsim targets first must all
    //! parse. Each parsed script must print back to text that parses to the
    //! same tree. The Python blocks of parsed scripts are also run through
    //! `assert::parse_code` and counted, so the runner's SKIP rate is visible.

    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use tcpsim::packetdrill::script::{
        ErrorKind, EventKind, Options, TcpOption, assert::parse_code, parse,
    };

    /// Groups whose every script must parse without error.
    const MUST_PARSE: &[&str] = &[
        "close",
        "shutdown",
        "blocking",
        "nagle",
        "eor",
        "mss",
        "validate",
        "ts_recent",
        "user_timeout",
        "tcp_info",
        "slow_start",
        "cubic",
        "fast_retransmit",
        "fast_recovery",
        "limited_transmit",
        "sack",
    ];

    fn pkt_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                pkt_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "pkt") {
                out.push(p);
            }
        }
    }

    #[test]
    fn upstream_tcp_scripts() {
        let Ok(root) = std::env::var("PACKETDRILL_DIR") else {
            println!("PACKETDRILL_DIR is not set; skipping the upstream corpus test");
            return;
        };
        let tcp = Path::new(&root).join("gtests/net/tcp");
        let mut files = Vec::new();
        pkt_files(&tcp, &mut files);
        assert!(!files.is_empty(), "no .pkt files under {}", tcp.display());
        let (mut parsed, mut refused, mut failed) = (0, 0, Vec::new());
        let (mut blocks, mut blocks_ok, mut must_fail) = (0, 0, Vec::new());
        // Parsed scripts the runner will still refuse, by reason.
        let mut refusals_by_reason: BTreeMap<String, usize> = BTreeMap::new();
        for f in &files {
            let rel = f.strip_prefix(&tcp).unwrap_or(f).display().to_string();
            let text =
                String::from_utf8_lossy(&std::fs::read(f).expect("read script")).into_owned();
            match parse(&rel, &text) {
                Ok(s) => {
                    parsed += 1;
                    super::common::assert_round_trips(&s);
                    let mut refusals = Vec::new();
                    let mut reasons = std::collections::BTreeSet::new();
                    for e in &s.events {
                        match &e.kind {
                            EventKind::OtherPacket(p) => {
                                reasons.insert(p.refusal());
                            }
                            EventKind::Packet(p) => {
                                if let Options::List(l) = &p.options {
                                    for o in l.iter().filter_map(TcpOption::unsupported) {
                                        reasons.insert(format!("{o} is not supported"));
                                    }
                                }
                            }
                            _ => {}
                        }
                        if let EventKind::Code(code) = &e.kind {
                            blocks += 1;
                            match parse_code(code) {
                                Ok(_) => blocks_ok += 1,
                                Err(u) => refusals.push(format!("line {}: {u}", e.line)),
                            }
                        }
                    }
                    println!("PARSED   {rel} ({} events)", s.events.len());
                    for r in &reasons {
                        println!("         runner will refuse: {r}");
                        *refusals_by_reason.entry(r.clone()).or_default() += 1;
                    }
                    for r in refusals {
                        println!("         python block refused at {r}");
                    }
                }
                Err(e) if MUST_PARSE.iter().any(|g| rel.starts_with(&format!("{g}/"))) => {
                    println!("FAILED   {e}");
                    must_fail.push(e.to_string());
                }
                Err(e) if e.kind == ErrorKind::Unsupported => {
                    refused += 1;
                    println!("REFUSED  {e}");
                }
                Err(e) => {
                    println!("FAILED   {e}");
                    failed.push(e.to_string());
                }
            }
        }
        println!(
            "{} scripts: {parsed} parsed, {refused} refused, {} failed",
            files.len(),
            failed.len() + must_fail.len()
        );
        for (reason, n) in &refusals_by_reason {
            println!("parsed, but the runner will refuse {n} scripts: {reason}");
        }
        println!(
            "{blocks} %{{ }}% blocks in parsed scripts: {blocks_ok} in the supported Python subset"
        );
        assert!(
            must_fail.is_empty(),
            "scripts in must-parse groups failed:\n{}",
            must_fail.join("\n")
        );
        assert!(
            failed.is_empty(),
            "scripts failed to parse:\n{}",
            failed.join("\n")
        );
    }
}

mod fuzz {
    //! Property tests: no input panics the parser, every error points inside the
    //! input, and whatever parses prints back to text that parses to the same
    //! tree.
    //!
    //! Inputs are random bytes, and random edits of small valid scripts that
    //! splice in fragments of the language, so the parser is driven deep into
    //! every construct rather than failing on the first character.

    use super::common::{position_inside, without_positions};
    use proptest::prelude::*;
    use tcpsim::packetdrill::script::assert::parse_code;
    use tcpsim::packetdrill::script::parse;

    /// Valid scripts written for these tests, covering every construct.
    const SEEDS: &[&str] = &[
        "--tolerance_usecs=10000\n`./defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\
     +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n\
     +0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>\n\
     +0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>\n+.1 < . 1:1(0) ack 1 win 257\n\
     +0 accept(3, ..., ...) = 4\n`./cleanup.sh`\n",
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n\
     +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n\
     +0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 8>\n\
     +.01 < S. 0:0(0) ack 1 win 10000 <mss 1000,sackOK,nop,nop,nop,wscale 8>\n+0 > . 1:1(0) ack 1\n\
     +1 %{ assert 990 <= tcpi_last_data_recv <= 1010, tcpi_last_data_recv }%\n",
        "0...0.2 accept(3, ..., ...) = 4\n+.1~+.105 > P. 1:1001(1000) ack 1\n* > F. 1001:1001(0) ack 1\n\
     +0 < [ect0] . 1:1(0) ack 1002 win 257 <sack 1:2 3:4,nop,nop>\n+0 > [ect01] SEW 0:0(0) <...>\n\
     +0 < icmp unreachable frag_needed mtu 800 [0:1000(1000)]\n+0 < udp (100)\n",
        "0 sendmsg(4, {msg_name(...)=..., msg_iov(2)=[{..., 600}, {iov_base=..., iov_len=400}], msg_flags=0}, \
     MSG_MORE) = 1000\n+0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"192.0.2.1\")}, 16) = 0\n\
     +0 poll([{fd=4, events=POLLIN, revents=POLLOUT}], 1, 0) = 1\n\
     +0 write(4, \"a\\x01\" \"b\"..., 3) = 3\n+0 f(x=-0x10) = 0x2 (flags O_RDWR)\n\
     +0 %{ print(tcpi_snd_cwnd); cwnd = 58; cwnd += 1 }%\n+0 `echo timed`\n",
        "--define=MSS=1100\n0 > S. 0:0(0) ack 1 <mss MSS,FO 3021b9d6,nop,nop>\n\
     +0 > S. 0:0(0) ack 1 <FOEXP,md5 000102030405060708090a0b0c0d0e0f,nop,nop>\n\
     +0 > S. 0:0(0) ack 1 <ECN e0b 1 ceb 2 e1b 3,nop>\n\
     +0 < U. 1:2(1) ack 1 win 65535 urg 1\n+0 > (tos 0x2, ttl 64) 8080>9090 R. 1:1(0) ack 1\n",
    ];

    /// Fragments spliced into seeds: delimiters, keywords and edge values.
    const FRAGMENTS: &[&str] = &[
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "<",
        ">",
        ",",
        ":",
        "=",
        "|",
        "-",
        "+",
        "*",
        "~",
        ".",
        "...",
        "%{",
        "}%",
        "`",
        "\"",
        "//",
        "/*",
        "*/",
        "\n",
        " ",
        "\\",
        "0",
        "1",
        "+.5",
        "0x1f",
        "-1",
        "4294967295",
        "4294967296",
        "99999999999999999999999",
        "S.",
        "F.",
        "R",
        "SEW",
        "S.5",
        "mss",
        "wscale",
        "sack",
        "TS val",
        "ecr",
        "nop",
        "<...>",
        "ack",
        "win",
        "urg",
        "udp",
        "icmp",
        "ipv4",
        "gre",
        "[ect0]",
        "(tos 0x1)",
        "--x=1",
        "x=",
        "f(",
        "msg_iov(1)=",
        "{..., 1}",
        "EAGAIN (Try again)",
        "1:1(0)",
        "0:10(10)",
        "é",
        "\u{0}",
    ];

    #[derive(Debug, Clone)]
    enum Edit {
        Insert(usize, usize),
        Delete(usize, usize),
        Duplicate(usize, usize),
    }

    fn edit_strategy() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (any::<usize>(), 0..FRAGMENTS.len()).prop_map(|(p, f)| Edit::Insert(p, f)),
            (any::<usize>(), 1usize..12).prop_map(|(p, n)| Edit::Delete(p, n)),
            (any::<usize>(), 1usize..40).prop_map(|(p, n)| Edit::Duplicate(p, n)),
        ]
    }

    /// Applies edits at character positions (taken modulo the current length).
    fn mutate(seed: &str, edits: &[Edit]) -> String {
        let mut chars: Vec<char> = seed.chars().collect();
        for e in edits {
            let len = chars.len().max(1);
            match *e {
                Edit::Insert(p, f) => {
                    let at = p % (chars.len() + 1);
                    let frag: Vec<char> = FRAGMENTS[f].chars().collect();
                    chars.splice(at..at, frag);
                }
                Edit::Delete(p, n) => {
                    let at = p % len;
                    let end = (at + n).min(chars.len());
                    chars.drain(at.min(end)..end);
                }
                Edit::Duplicate(p, n) => {
                    let at = p % len;
                    let end = (at + n).min(chars.len());
                    let piece: Vec<char> = chars.get(at.min(end)..end).unwrap_or(&[]).to_vec();
                    chars.splice(end..end, piece);
                }
            }
        }
        chars.into_iter().collect()
    }

    /// The property every input must satisfy.
    fn check(text: &str) -> Result<(), TestCaseError> {
        match parse("fuzz.pkt", text) {
            Err(e) => {
                prop_assert!(
                    position_inside(text, e.line, e.col),
                    "error outside the input: {e}\n{text:?}"
                );
                prop_assert!(e.token.chars().count() <= 80);
                let _ = e.to_string();
            }
            Ok(script) => {
                let printed = script.to_string();
                let again = parse("printed.pkt", &printed);
                prop_assert!(
                    again.is_ok(),
                    "printed script does not parse: {:?}\n{printed}",
                    again.err()
                );
                if let Ok(again) = again {
                    prop_assert_eq!(
                        without_positions(&script),
                        without_positions(&again),
                        "{}",
                        printed
                    );
                }
                for ev in &script.events {
                    if let tcpsim::packetdrill::script::EventKind::Code(code) = &ev.kind {
                        check_code(code)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn check_code(code: &str) -> Result<(), TestCaseError> {
        if let Err(u) = parse_code(code) {
            prop_assert!(
                position_inside(code, u.line, u.col),
                "python error outside the block: {u}\n{code:?}"
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            // 256 cases per property keeps the default `cargo test` well under a
            // second; PROPTEST_CASES overrides it for long fuzzing sessions.
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
            ..ProptestConfig::default()
        })]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            check(&text)?;
            check_code(&text)?;
        }

        #[test]
        fn random_printable_text_never_panics(text in "[ -~\n\t]{0,300}") {
            check(&text)?;
            check_code(&text)?;
        }

        #[test]
        fn mutated_scripts_never_panic_and_round_trip(
            seed in 0..SEEDS.len(),
            edits in proptest::collection::vec(edit_strategy(), 1..4),
        ) {
            let text = mutate(SEEDS[seed], &edits);
            if std::env::var("FUZZ_STATS").is_ok() {
                println!("STAT {}", if parse("s", &text).is_ok() { "ok" } else { "err" });
            }
            check(&text)?;
        }

        #[test]
        fn mutated_python_never_panics(
            edits in proptest::collection::vec(edit_strategy(), 1..8),
        ) {
            let base = "print(tcpi_snd_cwnd); cwnd = 0x3a\ncwnd += 1 # c\n\
                        assert 1 <= (tcpi_options & 2) <= cwnd and not x, 'v=%d' % (cwnd,)";
            check_code(&mutate(base, &edits))?;
        }
    }

    #[test]
    fn seeds_are_valid_and_round_trip() {
        for s in SEEDS {
            let script = parse("seed.pkt", s).unwrap_or_else(|e| panic!("{e}"));
            super::common::assert_round_trips(&script);
        }
    }
}
