//! The program of `example_tokio_timeout.rs`: a line-based echo server and a
//! client that bounds each request with `tokio::time::timeout`, run while
//! the link is cut from 1 s to 5 s.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use tcpsim::SimBuilder;
use tcpsim::net::{TcpListener, TcpStream};
use tcpsim::scenario::model::{LinkConfig, Role};
use tcpsim::trace::Trace;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::time::{Instant, sleep_until, timeout};

/// A line-based echo server: every line comes back in upper case.
pub async fn server() -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:7").await?;
    loop {
        let (stream, _) = listener.accept().await?;
        tcpsim::net::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let reply = format!("{}\n", line.to_uppercase());
                if write.write_all(reply.as_bytes()).await.is_err() {
                    break;
                }
            }
        });
    }
}

/// Send one line and wait for the answer.
pub async fn ask(
    lines: &mut BufReader<TcpStream>,
    question: &str,
) -> std::io::Result<Option<String>> {
    lines
        .get_mut()
        .write_all(format!("{question}\n").as_bytes())
        .await?;
    let mut answer = String::new();
    lines.read_line(&mut answer).await?;
    Ok(Some(answer.trim_end().to_string()))
}

/// What the client saw: each answer (None: the timeout gave up) and the
/// virtual time at which the exchange ended.
pub type Seen = Vec<(Option<String>, Duration)>;

/// The client asks once before the partition and once during it, each with
/// a `deadline`, and records what happened when; the link has 10 ms of
/// latency each way and is cut from 1 s to 5 s.
pub fn run(deadline: Duration) -> (Seen, Trace) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let out = Rc::clone(&seen);
    let trace = SimBuilder::new()
        .link(LinkConfig {
            latency: 10_000,
            ..LinkConfig::default()
        })
        .partition(1_000_000, 5_000_000)
        .capture(Role::Client)
        .server_main(server)
        .client_main(move || async move {
            let start = Instant::now();
            let stream = TcpStream::connect("server:7").await?;
            let mut lines = BufReader::new(stream);
            for (question, at) in [("hello", 0), ("are you there", 1500)] {
                sleep_until(start + Duration::from_millis(at)).await;
                let answer = timeout(deadline, ask(&mut lines, question))
                    .await
                    .unwrap_or(Ok(None))?;
                out.borrow_mut().push((answer, tcpsim::net::sim_time()));
            }
            Ok::<_, std::io::Error>(())
        })
        .run();
    let seen = seen.borrow().clone();
    (seen, trace)
}
