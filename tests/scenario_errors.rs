//! Scenario files: what a valid file turns into, and where each kind of
//! mistake is reported (line, column, dotted field, rendered text).

use std::net::Ipv4Addr;
use std::path::PathBuf;

use tcpsim::scenario::model::*;
use tcpsim::scenario::{ScenarioError, load, parse, parse_duration, parse_rate, parse_size};

const FILE: &str = "scenarios/case.toml";

/// The smallest valid scenario; error cases put their lines before it.
const MINIMAL: &str = r#"[client]
ip = "10.0.0.1"
steps = ["connect", "close"]

[server]
ip = "10.0.0.2"
port = 7
"#;

fn fails(text: &str) -> ScenarioError {
    match parse(text, FILE) {
        Ok(s) => panic!("expected an error, got {s:#?}\nfor:\n{text}"),
        Err(e) => e,
    }
}

/// The error names `field` and points at `line:col`, in the struct and in the
/// rendered `--> file:line:col` line.
#[track_caller]
fn assert_at(e: &ScenarioError, line: usize, col: usize, field: &str) {
    assert_eq!(
        (e.line, e.col, e.field.as_str()),
        (line, col, field),
        "wrong position or field in:\n{e}"
    );
    assert_eq!(e.file, FILE);
    let arrow = format!("--> {FILE}:{line}:{col}\n");
    assert!(e.to_string().contains(&arrow), "no `{arrow}` in:\n{e}");
}

/// A client section whose steps are `steps` (line 3 of the file).
fn with_steps(steps: &str) -> String {
    format!(
        "[client]\nip = \"10.0.0.1\"\nsteps = {steps}\n\n[server]\nip = \"10.0.0.2\"\nport = 7\n"
    )
}

// ---------------------------------------------------------------------------
// Valid files
// ---------------------------------------------------------------------------

const FULL: &str = r#"# Every section, with a c2s override of one link key.
seed = 7
capture = "client"
max_sim_time = "2min"
max_events = 5000

[link]
latency = "2.5ms"
jitter = "100us"
loss = 0.01
dup = 0.001
reorder = 0.02
reorder_delay = "3ms"
rate = "10Mbit"
queue = "64KiB"

[link.c2s]
latency = "5ms"

[[fault]]
dir = "s2c"
flags = "PSH,ACK"
seq = 11585
len = 1416
action = "drop"

[[fault]]
dir = "c2s"
flags = "syn"
nth = 2
action = "delay"
delay = "20ms"

[[fault]]
dir = "c2s"
flags = "ACK"
seq = 14
len = 0
action = "stall"
delay = "3ms"

[client]
ip = "192.168.1.13"
mac = "02:00:00:00:00:0a"
profile = "smoltcp"
rx_buffer = "64KiB"
tx_buffer = 4096
rx_coalesce = "50us"
delayed_ack = "10ms"
wakeup = "80us"
call_cost = "0us"
arp = true
port = 52060
steps = [
  "connect",
  { send = "Hello World!\n" },
  { recv = 1024 },
  { sleep = "5ms" },
  { send_bytes = 13000 },
  { repeat = { times = 4, steps = [ { send = "x\u0000" }, { repeat = { times = 2, steps = [ { recv = 1 } ] } } ] } },
  "shutdown",
  { recv_all = "1KiB" },
  "close",
]

[server]
ip = "192.168.1.1"
port = 12345
backlog = 16
delayed_ack = "40ms"

[server.echo]
recv = 2048
sleep = "1ms"
transform = "upper"
times = 3
connections = 2
"#;

#[test]
fn full_file_becomes_the_expected_model() {
    let scenario = parse(FULL, "sim-scenarios/full.toml").expect("valid");
    let s2c = LinkConfig {
        latency: 2_500,
        jitter: 100,
        loss: 0.01,
        dup: 0.001,
        reorder: 0.02,
        reorder_delay: 3_000,
        rate_bps: Some(10_000_000),
        queue_bytes: Some(65_536),
    };
    // [link.c2s] overrides only the latency; the rest comes from [link].
    let c2s = LinkConfig {
        latency: 5_000,
        ..s2c.clone()
    };
    let expected = Scenario {
        name: "full".to_string(),
        seed: 7,
        capture: Role::Client,
        capture_point: CapturePoint::Host,
        max_sim_time: 120_000_000,
        max_events: 5000,
        link: [c2s, s2c],
        faults: vec![
            Fault {
                dir: Dir::ServerToClient,
                flags: Some(0x08 | 0x10),
                seq: Some(11585),
                len: Some(1416),
                nth: 1,
                action: FaultAction::Drop,
            },
            Fault {
                dir: Dir::ClientToServer,
                flags: Some(0x02),
                seq: None,
                len: None,
                nth: 2,
                action: FaultAction::Delay(20_000),
            },
            Fault {
                dir: Dir::ClientToServer,
                flags: Some(0x10),
                seq: Some(14),
                len: Some(0),
                nth: 1,
                action: FaultAction::Stall(3_000),
            },
        ],
        hosts: [
            HostConfig {
                ip: Ipv4Addr::new(192, 168, 1, 13),
                mac: [2, 0, 0, 0, 0, 10],
                profile: Profile::Smoltcp,
                rx_buffer: 65_536,
                tx_buffer: 4096,
                rx_coalesce: 50,
                delayed_ack: 10_000,
                arp: true,
                congestion: Congestion::Cubic,
                wakeup: 80,
                call_cost: 0,
            },
            HostConfig {
                ip: Ipv4Addr::new(192, 168, 1, 1),
                mac: [2, 0, 0, 0, 0, 2],
                profile: Profile::Linux,
                rx_buffer: 131_072,
                tx_buffer: 131_072,
                rx_coalesce: 0,
                delayed_ack: 40_000,
                arp: false,
                congestion: Congestion::Cubic,
                wakeup: defaults::WAKEUP,
                call_cost: defaults::CALL_COST,
            },
        ],
        client: ClientProgram {
            connections: 1,
            port: Some(52060),
            steps: vec![
                Step::Connect,
                Step::Send(b"Hello World!\n".to_vec()),
                Step::Recv(1024),
                Step::Sleep(5_000),
                Step::SendBytes(13_000),
                Step::Repeat {
                    times: 4,
                    steps: vec![
                        Step::Send(vec![b'x', 0]),
                        Step::Repeat {
                            times: 2,
                            steps: vec![Step::Recv(1)],
                        },
                    ],
                },
                Step::Shutdown,
                Step::RecvAll(1024),
                Step::Close,
            ],
        },
        server: EchoServer {
            mode: ServerMode::Echo,
            port: 12345,
            backlog: 16,
            recv: 2048,
            sleep: 1_000,
            transform: Transform::Upper,
            times: 3,
            connections: 2,
        },
    };
    assert_eq!(scenario, expected);
}

#[test]
fn minimal_file_gets_the_documented_defaults() {
    let s = parse(MINIMAL, "some/dir/minimal.toml").expect("valid");
    assert_eq!(s.name, "minimal");
    assert_eq!(s.seed, 1);
    assert_eq!(s.capture, Role::Server);
    assert_eq!(s.max_sim_time, 600_000_000);
    assert_eq!(s.max_events, 10_000_000);
    let link = LinkConfig {
        latency: 100,
        jitter: 0,
        loss: 0.0,
        dup: 0.0,
        reorder: 0.0,
        reorder_delay: 1_000,
        rate_bps: Some(100_000_000),
        queue_bytes: None,
    };
    assert_eq!(s.link, [link.clone(), link]);
    assert!(s.faults.is_empty());
    let host = |ip: [u8; 4], last: u8| HostConfig {
        ip: Ipv4Addr::from(ip),
        mac: [2, 0, 0, 0, 0, last],
        profile: Profile::Linux,
        rx_buffer: 131_072,
        tx_buffer: 131_072,
        rx_coalesce: 0,
        delayed_ack: 40_000,
        arp: false,
        congestion: Congestion::Cubic,
        wakeup: defaults::WAKEUP,
        call_cost: defaults::CALL_COST,
    };
    assert_eq!(s.hosts, [host([10, 0, 0, 1], 1), host([10, 0, 0, 2], 2)]);
    assert_eq!(
        s.client,
        ClientProgram {
            connections: 1,
            port: None,
            steps: vec![Step::Connect, Step::Close],
        }
    );
    assert_eq!(
        s.server,
        EchoServer {
            mode: ServerMode::Echo,
            port: 7,
            backlog: 5,
            recv: 1024,
            sleep: 0,
            transform: Transform::None,
            times: 1,
            connections: 1,
        }
    );
}

#[test]
fn unlimited_rate_and_queue_and_per_direction_overrides() {
    let text = format!(
        "[link]\nrate = \"unlimited\"\n[link.s2c]\nrate = \"1Gbit\"\nqueue = 1514\nloss = 1\n{MINIMAL}"
    );
    let s = parse(&text, FILE).expect("valid");
    let c2s = &s.link[Dir::ClientToServer.index()];
    let s2c = &s.link[Dir::ServerToClient.index()];
    assert_eq!((c2s.rate_bps, c2s.queue_bytes, c2s.loss), (None, None, 0.0));
    assert_eq!(
        (s2c.rate_bps, s2c.queue_bytes, s2c.loss),
        (Some(1_000_000_000), Some(1514), 1.0)
    );
}

#[test]
fn connect_may_come_after_sleeps_or_inside_a_repeat() {
    let text = with_steps(
        r#"[{ sleep = "1ms" }, { repeat = { times = 1, steps = ["connect", { send = "a" }, "close"] } }]"#,
    );
    let s = parse(&text, FILE).expect("valid");
    assert_eq!(s.client.steps.len(), 2);
    assert_eq!(s.client.steps[0], Step::Sleep(1_000));
}

#[test]
fn a_second_connect_or_a_step_after_close_is_refused() {
    // A client has one socket: the second round of this repeat would
    // connect the closed socket again.
    let text = with_steps(
        r#"[{ sleep = "1ms" }, { repeat = { times = 2, steps = ["connect", { send = "a" }, "close"] } }]"#,
    );
    let e = fails(&text);
    assert_at(&e, 3, 62, "client.steps[1].repeat.steps[0]");
    assert_eq!(
        e.message,
        "`client.steps[1].repeat.steps[0]` connects after the client closed its socket"
    );
    let e = fails(&with_steps(r#"["connect", "connect"]"#));
    assert_at(&e, 3, 21, "client.steps[1]");
    assert!(e.message.contains("already connected"), "{e}");
    let e = fails(&with_steps(r#"["connect", "close", "shutdown"]"#));
    assert_at(&e, 3, 30, "client.steps[2]");
    assert_eq!(
        e.message,
        "`client.steps[2]` shuts down after the client closed its socket"
    );
}

#[test]
fn load_reads_a_file_and_names_the_scenario_after_its_stem() {
    let path = temp_file("load-ok.toml", MINIMAL.as_bytes());
    let s = load(&path).expect("valid");
    assert_eq!(s.name, format!("tcpsim-{}-load-ok", std::process::id()));
    let _ = std::fs::remove_file(&path);
}

// ---------------------------------------------------------------------------
// Errors: position, field and text
// ---------------------------------------------------------------------------

#[test]
fn display_is_rustc_style() {
    let e = fails(&format!("seed = 3\n[link]\nloss = 1.5\n{MINIMAL}"));
    assert_at(&e, 3, 8, "link.loss");
    assert_eq!(
        e.to_string(),
        "error: `link.loss` must be a probability between 0 and 1, got 1.5\n\
         \x20 --> scenarios/case.toml:3:8\n\
         \x20  |\n\
         \x203 | loss = 1.5\n\
         \x20  |        ^^^"
    );
}

#[test]
fn wrong_types_point_at_the_value() {
    let e = fails(&format!("[link]\nloss = \"high\"\n{MINIMAL}"));
    assert_at(&e, 2, 8, "link.loss");
    assert!(e.message.contains("probability"), "{e}");
    assert!(e.message.contains("\"high\""), "{e}");

    let e = fails(&format!("[link]\nlatency = 5\n{MINIMAL}"));
    assert_at(&e, 2, 11, "link.latency");
    assert!(e.help().unwrap_or("").contains("\"5ms\""), "{e}");

    let e = fails(&format!("seed = 1.5\n{MINIMAL}"));
    assert_at(&e, 1, 8, "seed");

    let e = fails(&format!("[server.echo]\ntimes = \"3\"\n{MINIMAL}"));
    // The echo table comes first here but is checked with the server.
    assert_at(&e, 2, 9, "server.echo.times");

    let e = fails("client = 5\n");
    assert_at(&e, 1, 10, "client");
}

#[test]
fn probabilities_must_be_finite_and_within_0_and_1() {
    for (value, col) in [("1.5", 8), ("-0.1", 8), ("nan", 8), ("inf", 8), ("+inf", 8)] {
        let e = fails(&format!("[link.s2c]\ndup = 0.5\nloss = {value}\n{MINIMAL}"));
        assert_at(&e, 3, col, "link.s2c.loss");
        assert!(e.message.contains(value), "{e}");
    }
    let e = fails(&format!("[link]\nreorder = 2\n{MINIMAL}"));
    assert_at(&e, 2, 11, "link.reorder");
}

#[test]
fn unknown_fields_are_named_with_their_table() {
    let e = fails(&format!("seed = 1\nsed = 2\n{MINIMAL}"));
    assert_at(&e, 2, 1, "sed");
    assert!(e.message.contains("`sed`"), "{e}");
    assert!(e.message.contains("top level"), "{e}");

    let e = fails(&format!(
        "[link.c2s]\nlatency = \"1ms\"\nlantecy = \"2ms\"\n{MINIMAL}"
    ));
    assert_at(&e, 3, 1, "link.c2s.lantecy");
    assert!(e.message.contains("`link.c2s`"), "{e}");
    assert_eq!(e.help(), Some("did you mean `latency`?"));

    // c2s/s2c may only nest one level.
    let e = fails(&format!("[link.c2s.s2c]\nloss = 0.1\n{MINIMAL}"));
    assert_at(&e, 1, 11, "link.c2s.s2c");

    let text = format!("{MINIMAL}[server.echo]\nrecv = 10\nreply = \"x\"\n");
    let e = fails(&text);
    assert_at(&e, 10, 1, "server.echo.reply");
    assert!(e.message.contains("`server.echo`"), "{e}");

    let e = fails(&format!(
        "[[fault]]\ndir = \"s2c\"\naction = \"drop\"\nwhen = 1\n{MINIMAL}"
    ));
    assert_at(&e, 4, 1, "fault[0].when");

    let e = fails(&with_steps(r#"["connect", { sned = "x" }]"#));
    assert_at(&e, 3, 23, "client.steps[1].sned");
    assert_eq!(e.help(), Some("did you mean `send`?"));
}

#[test]
fn negative_and_absurd_numbers_are_rejected() {
    let e = fails(&format!("seed = -1\n{MINIMAL}"));
    assert_at(&e, 1, 8, "seed");

    let e = fails(&format!("max_events = 0\n{MINIMAL}"));
    assert_at(&e, 1, 14, "max_events");

    let e = fails(&format!("max_sim_time = \"0s\"\n{MINIMAL}"));
    assert_at(&e, 1, 16, "max_sim_time");

    let e = fails(&format!(
        "[[fault]]\ndir = \"c2s\"\nlen = -5\naction = \"drop\"\n{MINIMAL}"
    ));
    assert_at(&e, 3, 7, "fault[0].len");

    let e = fails(&format!(
        "[[fault]]\ndir = \"c2s\"\nseq = 4294967296\naction = \"drop\"\n{MINIMAL}"
    ));
    assert_at(&e, 3, 7, "fault[0].seq");

    let e = fails(&format!(
        "[[fault]]\ndir = \"c2s\"\nnth = 0\naction = \"drop\"\n{MINIMAL}"
    ));
    assert_at(&e, 3, 7, "fault[0].nth");

    let e = fails(&format!("[link]\nqueue = 1000\n{MINIMAL}"));
    assert_at(&e, 2, 9, "link.queue");

    let e = fails(&format!("[link]\nrate = \"0Mbit\"\n{MINIMAL}"));
    assert_at(&e, 2, 8, "link.rate");

    let e = fails(&format!("[link]\njitter = \"2days\"\n{MINIMAL}"));
    assert_at(&e, 2, 10, "link.jitter");
}

#[test]
fn ports_and_limits_are_checked() {
    // Server port 0 (line 7 of MINIMAL is `port = 7`).
    let e = fails(&MINIMAL.replace("port = 7", "port = 0"));
    assert_at(&e, 7, 8, "server.port");
    assert!(e.message.contains("between 1 and 65535"), "{e}");

    let e = fails(&MINIMAL.replace("port = 7", "port = 65536"));
    assert_at(&e, 7, 8, "server.port");

    let e = fails(&MINIMAL.replace("ip = \"10.0.0.1\"", "ip = \"10.0.0.1\"\nport = 0"));
    assert_at(&e, 3, 8, "client.port");

    let e = fails(&MINIMAL.replace("port = 7", "port = 7\nbacklog = 5000"));
    assert_at(&e, 8, 11, "server.backlog");

    let e = fails(&MINIMAL.replace(
        "ip = \"10.0.0.1\"",
        "ip = \"10.0.0.1\"\nrx_buffer = \"2GiB\"",
    ));
    assert_at(&e, 3, 13, "client.rx_buffer");
    assert!(e.message.contains("1 GiB"), "{e}");

    let e = fails(&MINIMAL.replace("port = 7", "port = 7\ntx_buffer = 63"));
    assert_at(&e, 8, 13, "server.tx_buffer");

    let echo = "[server.echo]\nrecv = 0\n";
    let e = fails(&format!("{MINIMAL}{echo}"));
    assert_at(&e, 9, 8, "server.echo.recv");

    let echo = "[server.echo]\ntimes = 1000001\n";
    let e = fails(&format!("{MINIMAL}{echo}"));
    assert_at(&e, 9, 9, "server.echo.times");

    let echo = "[server.echo]\nconnections = 0\n";
    let e = fails(&format!("{MINIMAL}{echo}"));
    assert_at(&e, 9, 15, "server.echo.connections");
}

#[test]
fn step_values_are_checked_with_their_index() {
    let e = fails(&with_steps(r#"["connect", { recv = 0 }]"#));
    assert_at(&e, 3, 30, "client.steps[1].recv");

    let e = fails(&with_steps(
        r#"["connect", { send_bytes = 1000000000000000 }]"#,
    ));
    assert_at(&e, 3, 36, "client.steps[1].send_bytes");

    let e = fails(&with_steps(r#"["connect", { recv_all = -1 }]"#));
    assert_at(&e, 3, 34, "client.steps[1].recv_all");

    let e = fails(&with_steps(r#"["connect", "open"]"#));
    assert_at(&e, 3, 21, "client.steps[1]");
    assert!(e.message.contains("\"open\""), "{e}");

    let e = fails(&with_steps(r#"["connect", { send = "a", recv = 1 }]"#));
    assert_at(&e, 3, 35, "client.steps[1].recv");

    let e = fails(&with_steps(r#"["connect", {}]"#));
    assert_at(&e, 3, 21, "client.steps[1]");

    let e = fails(&with_steps(
        r#"["connect", { repeat = { times = 2, steps = [{ sleep = "1s" }, { recv = "lots" }] } }]"#,
    ));
    assert_at(&e, 3, 81, "client.steps[1].repeat.steps[1].recv");

    let e = fails(&with_steps(
        r#"["connect", { repeat = { times = 0, steps = ["close"] } }]"#,
    ));
    assert_at(&e, 3, 42, "client.steps[1].repeat.times");

    let e = fails(&with_steps(
        r#"["connect", { repeat = { times = 3, steps = [] } }]"#,
    ));
    assert_at(&e, 3, 53, "client.steps[1].repeat.steps");

    let e = fails(&with_steps(
        r#"["connect", { repeat = { steps = ["close"] } }]"#,
    ));
    assert_at(&e, 3, 32, "client.steps[1].repeat.times");

    let e = fails(&with_steps("[]"));
    assert_at(&e, 3, 9, "client.steps");
}

#[test]
fn socket_use_before_connect_is_an_error_at_that_step() {
    let e = fails(&with_steps(
        r#"[{ sleep = "1ms" }, { send = "hi" }, "connect"]"#,
    ));
    assert_at(&e, 3, 29, "client.steps[1]");
    assert!(e.message.contains("connect"), "{e}");

    let e = fails(&with_steps(r#"["close"]"#));
    assert_at(&e, 3, 10, "client.steps[0]");

    let e = fails(&with_steps(r#"["shutdown", "connect"]"#));
    assert_at(&e, 3, 10, "client.steps[0]");

    let e = fails(&with_steps(
        r#"[{ repeat = { times = 2, steps = [{ recv = 1 }] } }]"#,
    ));
    assert_at(&e, 3, 43, "client.steps[0].repeat.steps[0]");
}

#[test]
fn missing_tables_and_keys() {
    let e = fails("");
    assert_at(&e, 1, 1, "client");
    assert_eq!(e.message, "missing required table `client`");

    let e = fails("# only a comment\nseed = 3\n");
    assert_at(&e, 1, 1, "client");

    let server_only = "[server]\nip = \"10.0.0.2\"\nport = 7\n";
    let e = fails(server_only);
    assert_at(&e, 1, 1, "client");

    let client_only = "seed = 1\n[client]\nip = \"10.0.0.1\"\nsteps = [\"connect\"]\n";
    let e = fails(client_only);
    assert_at(&e, 1, 1, "server");
    assert_eq!(e.message, "missing required table `server`");

    // A missing key points at its table's header.
    let e = fails(&MINIMAL.replace("steps = [\"connect\", \"close\"]\n", ""));
    assert_at(&e, 1, 1, "client.steps");
    assert!(e.message.contains("`steps`"), "{e}");

    let e = fails(&MINIMAL.replace("port = 7\n", ""));
    assert_at(&e, 5, 1, "server.port");

    let e = fails(&MINIMAL.replace("ip = \"10.0.0.2\"\n", ""));
    assert_at(&e, 5, 1, "server.ip");
}

#[test]
fn hosts_must_differ() {
    let e = fails(&MINIMAL.replace("10.0.0.2", "10.0.0.1"));
    assert_at(&e, 6, 6, "server.ip");
    assert!(e.message.contains("10.0.0.1"), "{e}");

    let both = MINIMAL
        .replace(
            "ip = \"10.0.0.1\"",
            "ip = \"10.0.0.1\"\nmac = \"02:00:00:00:00:09\"",
        )
        .replace(
            "ip = \"10.0.0.2\"",
            "ip = \"10.0.0.2\"\nmac = \"02:00:00:00:00:09\"",
        );
    let e = fails(&both);
    assert_at(&e, 8, 7, "server.mac");

    // Only the client names a MAC, and it is the server's default.
    let e = fails(&MINIMAL.replace(
        "ip = \"10.0.0.1\"",
        "ip = \"10.0.0.1\"\nmac = \"02:00:00:00:00:02\"",
    ));
    assert_at(&e, 3, 7, "client.mac");

    let e = fails(&MINIMAL.replace(
        "ip = \"10.0.0.1\"",
        "ip = \"10.0.0.1\"\nmac = \"02:00:00:00:01\"",
    ));
    assert_at(&e, 3, 7, "client.mac");

    let e = fails(&MINIMAL.replace("10.0.0.2", "10.0.0.300"));
    assert_at(&e, 6, 6, "server.ip");
}

#[test]
fn fault_rules() {
    let e = fails(&format!(
        "[fault]\ndir = \"s2c\"\naction = \"drop\"\n{MINIMAL}"
    ));
    assert_at(&e, 1, 1, "fault");
    assert!(e.help().unwrap_or("").contains("[[fault]]"), "{e}");

    let e = fails(&format!(
        "seed = 2\n[[fault]]\naction = \"drop\"\n{MINIMAL}"
    ));
    assert_at(&e, 2, 1, "fault[0].dir");

    let e = fails(&format!(
        "[[fault]]\ndir = \"up\"\naction = \"drop\"\n{MINIMAL}"
    ));
    assert_at(&e, 2, 7, "fault[0].dir");

    let e = fails(&format!("[[fault]]\ndir = \"c2s\"\n{MINIMAL}"));
    assert_at(&e, 1, 1, "fault[0].action");

    let e = fails(&format!(
        "[[fault]]\ndir = \"c2s\"\naction = \"drop\"\n[[fault]]\ndir = \"c2s\"\naction = \"delay\"\n{MINIMAL}"
    ));
    assert_at(&e, 6, 10, "fault[1].delay");

    let e = fails(&format!(
        "[[fault]]\ndir = \"c2s\"\naction = \"stall\"\n{MINIMAL}"
    ));
    assert_at(&e, 3, 10, "fault[0].delay");
    assert!(e.message.contains("\"stall\""), "{e}");

    let e = fails(&format!(
        "[[fault]]\ndir = \"c2s\"\naction = \"drop\"\ndelay = \"1ms\"\n{MINIMAL}"
    ));
    assert_at(&e, 4, 9, "fault[0].delay");

    let e = fails(&format!(
        "[[fault]]\ndir = \"c2s\"\nflags = \"SYN,FOO\"\naction = \"drop\"\n{MINIMAL}"
    ));
    assert_at(&e, 3, 9, "fault[0].flags");
    assert!(e.message.contains("FOO"), "{e}");

    let text = format!(
        "[[fault]]\ndir = \"c2s\"\nflags = \"fin, syn,RST,psh,ACK,URG,ECE,CWR\"\naction = \"drop\"\n{MINIMAL}"
    );
    let s = parse(&text, FILE).expect("valid");
    assert_eq!(s.faults[0].flags, Some(0xff));
}

#[test]
fn toml_syntax_errors_keep_toml_position() {
    let e = fails("seed = 1\nseed = 2\n");
    assert_at(&e, 2, 1, "");
    assert!(
        e.message
            .contains("duplicate key `seed`: it is set earlier in the file"),
        "{e}"
    );
    let e = fails("[link]\nloss = 0\n[link]\nrate = \"1Mbit\"\n");
    assert_at(&e, 3, 2, "");
    assert!(e.message.contains("duplicate key `link`"), "{e}");

    let e = fails("seed = 1\n[link\nloss = 0.1\n");
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.starts_with("invalid TOML"), "{e}");
}

#[test]
fn long_lines_are_cut_around_the_caret() {
    let padding = " ".repeat(300);
    let e = fails(&format!("[link]\nloss = {{{padding}}}\n{MINIMAL}"));
    assert_at(&e, 2, 8, "link.loss");
    let shown = e.to_string();
    assert!(shown.len() < 600, "{shown}");
    assert!(shown.contains("..."), "{shown}");
}

#[test]
fn no_input_makes_it_panic() {
    // Every prefix of a full file, and some odd inputs: errors, never panics.
    let mut boundaries: Vec<usize> = FULL.char_indices().map(|(i, _)| i).collect();
    boundaries.push(FULL.len());
    for end in boundaries {
        let _ = parse(&FULL[..end], FILE);
    }
    for text in [
        "\u{feff}",
        "\r\n\r\n",
        "[a]\n[a.b]\n[[a.b.c]]\n",
        "client = []\nserver = []\n",
        "fault = [1, 2]\n",
        "[client]\nsteps = \"connect\"\n",
        "[client]\nip = 5\nsteps = [[[[]]]]\n",
        "seed = 0x7fffffffffffffff\nmax_events = 99999999999999999999\n",
        "x = 1979-05-27T07:32:00Z\n",
    ] {
        assert!(parse(text, FILE).is_err(), "{text:?} should be rejected");
    }
}

// ---------------------------------------------------------------------------
// load: files that are not text
// ---------------------------------------------------------------------------

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("tcpsim-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("write temp file");
    path
}

#[test]
fn load_rejects_files_that_are_not_utf8_text() {
    let png = temp_file("image.toml", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let e = load(&png).expect_err("binary");
    assert_eq!(e.file, png.display().to_string());
    // b"\x89" is not UTF-8: the first character of line 1.
    assert_eq!((e.line, e.col), (1, 1));
    assert!(e.message.contains("not a UTF-8 text file"), "{e}");
    assert!(e.to_string().contains(&png.display().to_string()), "{e}");
    let _ = std::fs::remove_file(&png);

    let nul = temp_file("nul.toml", b"seed = 1\n\0\0\0\0");
    let e = load(&nul).expect_err("NUL bytes");
    assert!(e.message.contains("not a UTF-8 text file"), "{e}");
    assert_eq!((e.line, e.col), (2, 1));
    let _ = std::fs::remove_file(&nul);

    let missing = std::env::temp_dir().join("tcpsim-no-such-dir/none.toml");
    let e = load(&missing).expect_err("missing");
    assert_eq!(e.file, missing.display().to_string());
    assert_eq!(e.line, 0);

    // An error inside a loaded file names the path as given.
    let bad = temp_file(
        "bad.toml",
        format!("[link]\nloss = 2\n{MINIMAL}").as_bytes(),
    );
    let e = load(&bad).expect_err("loss");
    assert_eq!((e.line, e.col, e.field.as_str()), (2, 8, "link.loss"));
    assert!(
        e.to_string()
            .contains(&format!("--> {}:2:8", bad.display())),
        "{e}"
    );
    let _ = std::fs::remove_file(&bad);
}

// ---------------------------------------------------------------------------
// Unit parsers
// ---------------------------------------------------------------------------

#[test]
fn durations() {
    for (text, us) in [
        ("0us", 0),
        ("0", 0),
        ("0.0", 0),
        ("100us", 100),
        ("100µs", 100),
        ("100μs", 100),
        ("1.5ms", 1_500),
        (".25ms", 250),
        ("2s", 2_000_000),
        ("0.000001s", 1),
        ("10min", 600_000_000),
        (" 40 ms ", 40_000),
        ("1440min", 86_400_000_000),
        ("24h", 86_400_000_000),
    ] {
        assert_eq!(parse_duration(text), Ok(us), "{text:?}");
    }
    for text in [
        "",
        "5",
        "ms",
        "-5ms",
        "nan",
        "NaNms",
        "infs",
        "1.5us",
        "0.0000001s",
        "1441min",
        "25h",
        "5parsecs",
        "5m",
        "1.2.3ms",
        "5 m s",
        "1e3ms",
    ] {
        let err = parse_duration(text).expect_err(text);
        assert!(!err.is_empty());
    }
    assert!(parse_duration("-5ms").unwrap_err().contains("negative"));
    assert!(parse_duration("2days").unwrap_err().contains("\"days\""));
    assert!(parse_duration("25h").unwrap_err().contains("one day"));
}

#[test]
fn rates() {
    for (text, bps) in [
        ("100Mbit", 100_000_000),
        ("1.5Gbit", 1_500_000_000),
        ("64kbit", 64_000),
        ("64Kbit", 64_000),
        ("10Mbps", 10_000_000),
        ("9600bit", 9_600),
        ("1 Gbit/s", 1_000_000_000),
        ("2.5mbit", 2_500_000),
    ] {
        assert_eq!(parse_rate(text), Ok(bps), "{text:?}");
    }
    for text in [
        "",
        "100",
        "0Mbit",
        "-1Mbit",
        "fast",
        "1.5bit",
        "100MB",
        "nanMbit",
        "unlimited",
    ] {
        assert!(parse_rate(text).is_err(), "{text:?}");
    }
}

#[test]
fn sizes() {
    for (text, bytes) in [
        ("0", 0),
        ("1500", 1500),
        ("1500B", 1500),
        ("64KiB", 65_536),
        ("1.5MiB", 1_572_864),
        ("1GiB", 1 << 30),
        ("10KB", 10_000),
        ("2MB", 2_000_000),
        ("128 kib", 131_072),
    ] {
        assert_eq!(parse_size(text), Ok(bytes), "{text:?}");
    }
    for text in [
        "",
        "KiB",
        "1.5B",
        "-1KiB",
        "5 parsecs",
        "nanKiB",
        "1.0.0B",
        "99999999999999999999GiB",
    ] {
        assert!(parse_size(text).is_err(), "{text:?}");
    }
}

// ---------------------------------------------------------------------------
// The format's documentation
// ---------------------------------------------------------------------------

#[test]
fn every_toml_example_in_the_readme_is_valid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sim-scenarios/README.md");
    let readme = std::fs::read_to_string(path).expect("sim-scenarios/README.md");
    let mut blocks = 0;
    for (i, part) in readme.split("```toml\n").enumerate().skip(1) {
        let block = part.split("```").next().unwrap_or("");
        // Fragments are completed: a step list goes into a client, other
        // tables go before a minimal client and server.
        let text = if block.contains("[client]") {
            block.to_string()
        } else if block.trim_start().starts_with("steps") {
            with_steps(block.trim_start().trim_start_matches("steps =").trim())
        } else {
            format!("{block}{MINIMAL}")
        };
        if let Err(e) = parse(&text, "README.md") {
            panic!("README example #{i} does not parse:\n{e}\n---\n{text}");
        }
        blocks += 1;
    }
    assert!(blocks >= 4, "found only {blocks} toml examples");
}
