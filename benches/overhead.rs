//! The headline overhead number: tcpsim's cost for a 100 MiB transfer divided by
//! the cost of the same transfer through two bare smoltcp interfaces joined by a
//! plain in-memory queue (no link model, no trace), measured in one process,
//! alternating, over several rounds.
//!
//! `cargo bench --bench overhead` prints one line per variant, then the ratios;
//! the last line is `ratio=<x>`: tcpsim with every frame recorded (headers, as a
//! capture without payload keeps them) over the baseline. Targets (issue 6):
//! at most 1.3 with recording, at most 1.1 with recording off.
//!
//! Both sides are configured alike so that the two runs are the same transfer,
//! frame for frame: 128 KiB socket buffers, smoltcp's own socket defaults
//! (tcpsim profile `smoltcp`: Nagle on, 10 ms ACK delay, no timestamps), cubic
//! congestion control, real checksums, a wire with no rate limit and no latency.
//! Each line shows its frame count so that the sameness can be checked.
//!
//! Without any argument (as `cargo test --benches` runs it) it does a 1 MiB
//! smoke run. Options (after `--`): `--rounds N` (default 5), `--mib N` (default 100),
//! `--only I` (run variant I alone, for a profiler: 0 baseline, 1 off, 2 headers,
//! 3 full, 4 linux profile, 5 linux profile with recording off: issue 18's
//! memory target, peak RSS flat in the run's length, is measured on it with
//! `/usr/bin/time -v ... --only 5 --rounds 1 --mib 1024`).

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration, Instant as WallClock};

use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, ChecksumCapabilities, Device, DeviceCapabilities, Medium};
use smoltcp::socket::tcp;
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, IpAddress, IpCidr};
use tcpsim::{Recording, RunOptions};

#[path = "common/scenarios.rs"]
mod scenarios;

const BUFFER: usize = 128 * 1024;
const PORT: u16 = 5001;

// ----- the baseline: two bare smoltcp interfaces and two queues ---------------------------

/// A device that is a receive queue and a transmit list; the loop moves frames
/// from one side's transmit list to the other side's receive queue.
#[derive(Default)]
struct Pipe {
    rx: VecDeque<Vec<u8>>,
    tx: Vec<Vec<u8>>,
}

impl Device for Pipe {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx<'a>;

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.max_transmission_unit = 1514;
        caps.medium = Medium::Ethernet;
        caps.checksum = ChecksumCapabilities::default();
        caps
    }

    fn receive(&mut self, _: Instant) -> Option<(Rx, Tx<'_>)> {
        let frame = self.rx.pop_front()?;
        Some((Rx(frame), Tx(&mut self.tx)))
    }

    fn transmit(&mut self, _: Instant) -> Option<Tx<'_>> {
        Some(Tx(&mut self.tx))
    }
}

struct Rx(Vec<u8>);

impl phy::RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

struct Tx<'a>(&'a mut Vec<Vec<u8>>);

impl phy::TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = vec![0; len];
        let r = f(&mut frame);
        self.0.push(frame);
        r
    }
}

struct Side {
    iface: Interface,
    pipe: Pipe,
    sockets: SocketSet<'static>,
    handle: SocketHandle,
}

impl Side {
    fn new(mac: u8, ip: IpAddress) -> Side {
        let mut pipe = Pipe::default();
        let config = Config::new(EthernetAddress([2, 0, 0, 0, 0, mac]).into());
        let mut iface = Interface::new(config, &mut pipe, Instant::ZERO);
        iface.update_ip_addrs(|a| a.push(IpCidr::new(ip, 24)).expect("one address"));
        let mut socket = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; BUFFER]),
            tcp::SocketBuffer::new(vec![0; BUFFER]),
        );
        socket.set_congestion_control(tcp::CongestionControl::Cubic);
        let mut sockets = SocketSet::new(Vec::new());
        let handle = sockets.add(socket);
        Side {
            iface,
            pipe,
            sockets,
            handle,
        }
    }

    fn socket(&mut self) -> &mut tcp::Socket<'static> {
        self.sockets.get_mut(self.handle)
    }
}

/// Move what `from` transmitted into `to`'s receive queue; returns the count.
fn carry(from: &mut Side, to: &mut Side) -> u64 {
    let n = from.pipe.tx.len() as u64;
    to.pipe.rx.extend(from.pipe.tx.drain(..));
    n
}

/// The same generated payload as tcpsim's `send_bytes`: a repeating alphabet.
fn pattern() -> Vec<u8> {
    (0..65536 + 26).map(|i| b'a' + (i % 26) as u8).collect()
}

/// Send `total` bytes from a client socket to a server socket, close both ends,
/// and return the number of frames that crossed the queue.
fn baseline(total: u64) -> u64 {
    let pattern = pattern();
    let client_ip = IpAddress::v4(10, 0, 0, 1);
    let server_ip = IpAddress::v4(10, 0, 0, 2);
    let mut client = Side::new(1, client_ip);
    let mut server = Side::new(2, server_ip);
    server.socket().listen(PORT).expect("listen");
    let cx = client.iface.context();
    let handle = client.handle;
    client
        .sockets
        .get_mut::<tcp::Socket>(handle)
        .connect(cx, (server_ip, PORT), 49152)
        .expect("connect");

    let mut now = Instant::ZERO;
    let (mut sent, mut received, mut frames) = (0u64, 0u64, 0u64);
    let (mut client_closed, mut server_closed) = (false, false);
    loop {
        client
            .iface
            .poll(now, &mut client.pipe, &mut client.sockets);
        let s = client.socket();
        while sent < total && s.can_send() {
            let phase = (sent % 26) as usize;
            let len = (total - sent).min(65536) as usize;
            sent += s.send_slice(&pattern[phase..phase + len]).expect("send") as u64;
        }
        if sent == total && !client_closed {
            s.close();
            client_closed = true;
        }
        frames += carry(&mut client, &mut server);

        server
            .iface
            .poll(now, &mut server.pipe, &mut server.sockets);
        let s = server.socket();
        while s.can_recv() {
            received += s.recv(|b| (b.len(), b.len())).expect("recv") as u64;
        }
        if !s.may_recv() && s.state() == tcp::State::CloseWait && !server_closed {
            s.close();
            server_closed = true;
        }
        frames += carry(&mut server, &mut client);

        if server_closed && server.socket().state() == tcp::State::Closed {
            break;
        }
        if client.pipe.rx.is_empty() && server.pipe.rx.is_empty() {
            // Nothing in flight: jump to the next deadline, as a simulator would.
            let next = [
                client.iface.poll_at(now, &client.sockets),
                server.iface.poll_at(now, &server.sockets),
            ]
            .into_iter()
            .flatten()
            .min()
            .expect("a stalled transfer has a timer");
            now = now.max(next);
        }
    }
    assert_eq!(received, total, "baseline delivered every byte");
    frames
}

// ----- tcpsim doing the same transfer ----------------------------------------------------

fn same_transfer(bytes: &'static str, profile: &'static str) -> scenarios::Bulk {
    scenarios::Bulk {
        bytes,
        rate: "unlimited",
        latency: "0us",
        loss: 0.0,
        profile,
        congestion: "cubic",
        buffer: BUFFER,
    }
}

fn engine(bulk: &scenarios::Bulk, recording: Recording, total: u64) -> u64 {
    let trace = tcpsim::run_with(
        bulk.scenario(),
        RunOptions {
            recording,
            keep_received: false,
            digests: false,
        },
    );
    assert_eq!(
        trace.programs[1].received, total,
        "tcpsim delivered every byte"
    );
    assert_eq!(trace.ending, tcpsim::trace::Ending::Finished);
    black_box(&trace.records);
    trace.counters.frames
}

// ----- measuring -------------------------------------------------------------------------

struct Variant {
    name: &'static str,
    run: Box<dyn Fn() -> u64>,
    times: Vec<Duration>,
    frames: u64,
}

impl Variant {
    fn new(name: &'static str, run: impl Fn() -> u64 + 'static) -> Variant {
        Variant {
            name,
            run: Box::new(run),
            times: Vec::new(),
            frames: 0,
        }
    }

    fn measure(&mut self) {
        let start = WallClock::now();
        self.frames = black_box((self.run)());
        self.times.push(start.elapsed());
    }

    fn min(&self) -> Duration {
        *self.times.iter().min().expect("measured")
    }

    fn median(&self) -> Duration {
        let mut t = self.times.clone();
        t.sort();
        t[t.len() / 2]
    }
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // cargo bench passes `--bench`; anything not ours is ignored.
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing:
    // then only a smoke run (1 MiB, one round) that checks both sides work.
    let smoke = args.len() == 1;
    let rounds = arg(&args, "--rounds", if smoke { 1 } else { 5 }).max(1);
    let mib = arg(&args, "--mib", if smoke { 1 } else { 100 }).max(1);
    let total = mib * 1024 * 1024;
    let bytes: &'static str = Box::leak(format!("{mib}MiB").into_boxed_str());
    let same = same_transfer(bytes, "smoltcp");
    let linux = same_transfer(bytes, "linux");

    let (s1, s2, s3, s4, s5) = (
        same.clone(),
        same.clone(),
        same.clone(),
        linux.clone(),
        linux.clone(),
    );
    let mut variants = [
        Variant::new("baseline: bare smoltcp pair, in-memory queue", move || {
            baseline(total)
        }),
        Variant::new("tcpsim, recording off", move || {
            engine(&s1, Recording::Off, total)
        }),
        Variant::new("tcpsim, recording headers", move || {
            engine(&s2, Recording::Headers, total)
        }),
        Variant::new("tcpsim, recording full (payload kept)", move || {
            engine(&s3, Recording::Full, total)
        }),
        Variant::new("tcpsim, linux profile, recording headers", move || {
            engine(&s4, Recording::Headers, total)
        }),
        Variant::new("tcpsim, linux profile, recording off", move || {
            engine(&s5, Recording::Off, total)
        }),
    ];
    // `--only I`: run variant I alone, `rounds` times (for a profiler).
    if args.iter().any(|a| a == "--only") {
        let last = variants.len() - 1;
        let v = &mut variants[(arg(&args, "--only", 0) as usize).min(last)];
        for _ in 0..rounds {
            v.measure();
        }
        println!("{}: frames={} min={:.2?}", v.name, v.frames, v.min());
        return;
    }
    // One unmeasured round to fault in code and allocator pages.
    for v in &mut variants {
        (v.run)();
    }
    for _ in 0..rounds {
        for v in &mut variants {
            v.measure();
        }
    }
    println!("{mib} MiB one way, {rounds} rounds, alternating; min and median wall time");
    for v in &variants {
        let per_frame = v.min().as_nanos() as f64 / v.frames as f64;
        println!(
            "{:<44} frames={:>7}  min={:>8.2?}  median={:>8.2?}  {:>6.0} ns/frame",
            v.name,
            v.frames,
            v.min(),
            v.median(),
            per_frame
        );
    }
    let base = &variants[0];
    let ratio = |v: &Variant| v.min().as_secs_f64() / base.min().as_secs_f64();
    let per_frame_ratio = |v: &Variant| {
        (v.min().as_secs_f64() / v.frames as f64) / (base.min().as_secs_f64() / base.frames as f64)
    };
    println!(
        "ratio_linux_profile_per_frame={:.2}",
        per_frame_ratio(&variants[4])
    );
    println!("ratio_full={:.2}", ratio(&variants[3]));
    println!("ratio_off={:.2}", ratio(&variants[1]));
    println!("ratio={:.2}", ratio(&variants[2]));
}
