//! What `async` programs cost: one bulk transfer written as an `Os` program
//! (variant 0) and as a tokio program over `tcpsim::net` (variant 1), the
//! same frames either way, recording off.
//!
//! Variant 0 is what the executor with real wakers must not make slower (it
//! ran before it, with every program re-polled at every host step); variant
//! 1 adds tokio's runtime and its virtual clock. Run one variant alone under
//! callgrind to count instructions:
//!
//! ```sh
//! valgrind --tool=callgrind target/release/deps/tasks-* --only 0 --mib 10
//! ```
//!
//! Without arguments (as `cargo test --benches` runs it) it does a 1 MiB
//! smoke run of each. Options (after `--`): `--mib N` (default 1), `--only I`.

use std::time::Instant as WallClock;

use tcpsim::trace::Trace;
use tcpsim::{Os, Recording, SimBuilder};

const PORT: u16 = 5001;
const CHUNK: usize = 64 * 1024;

fn builder() -> SimBuilder {
    SimBuilder::new()
        .recording(Recording::Off)
        .keep_received(false)
}

/// The transfer as an `Os` program: send_all in 64 KiB pieces, recv to the end.
fn os_program(mib: usize) -> Trace {
    builder()
        .server(|os: Os| async move {
            let conn = os.listen(PORT, 1).accept().await;
            while !conn.recv(CHUNK).await.expect("no reset").is_empty() {}
            conn.close();
        })
        .client(move |os: Os| async move {
            let conn = os.connect((os.server_ip(), PORT)).await.expect("connects");
            let chunk = vec![7u8; CHUNK];
            for _ in 0..mib * 16 {
                conn.send_all(&chunk).await.expect("sends");
            }
            conn.close();
        })
        .run()
}

/// The same transfer as a tokio program.
#[cfg(feature = "tokio")]
fn tokio_program(mib: usize) -> Trace {
    use tcpsim::net::{TcpListener, TcpStream};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    builder()
        .server_main(|| async {
            let listener = TcpListener::bind(("0.0.0.0", PORT)).await?;
            let (mut stream, _) = listener.accept().await?;
            let mut buf = vec![0u8; CHUNK];
            while stream.read(&mut buf).await? > 0 {}
            Ok::<_, std::io::Error>(())
        })
        .client_main(move || async move {
            let mut stream = TcpStream::connect(("server", PORT)).await?;
            let chunk = vec![7u8; CHUNK];
            for _ in 0..mib * 16 {
                stream.write_all(&chunk).await?;
            }
            Ok::<_, std::io::Error>(())
        })
        .run()
}

#[cfg(not(feature = "tokio"))]
fn tokio_program(_mib: usize) -> Trace {
    panic!("variant 1 needs the tokio feature")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| v.parse::<usize>().expect("a number"))
    };
    let mib = value("--mib").unwrap_or(1);
    let variants: Vec<usize> = match value("--only") {
        Some(i) => vec![i],
        None if cfg!(feature = "tokio") => vec![0, 1],
        None => vec![0],
    };
    for variant in variants {
        let start = WallClock::now();
        let trace = match variant {
            0 => os_program(mib),
            1 => tokio_program(mib),
            _ => panic!("variants: 0 (Os program), 1 (tokio program)"),
        };
        let received = trace.programs[1].received;
        assert_eq!(received, (mib * 16 * CHUNK) as u64, "the whole transfer");
        println!(
            "variant {variant}: {mib} MiB, {} frames, {:.1} ms",
            trace.counters.frames,
            start.elapsed().as_secs_f64() * 1e3
        );
    }
}
