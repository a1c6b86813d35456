//! tcpsim::net: tokio programs on the simulated hosts. What tokio's own
//! sockets do, these must do (the calls, the errors, closing on drop); tasks
//! run when woken and only then; tokio::time reads the virtual clock; what
//! is not simulated says so.

#![cfg(feature = "tokio")]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io::ErrorKind;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use tcpsim::net::{TcpListener, TcpStream, sim_time, spawn};
use tcpsim::scenario::model::{LinkConfig, Role};
use tcpsim::trace::{Ending, Trace, flags};
use tcpsim::{Os, SimBuilder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server that upper-cases what it reads, a task per connection.
async fn upper_server() -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:7").await?;
    loop {
        let (mut stream, _) = listener.accept().await?;
        spawn(async move {
            let mut buf = vec![0; 1024];
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0
                    || stream
                        .write_all(&buf[..n].to_ascii_uppercase())
                        .await
                        .is_err()
                {
                    break;
                }
            }
        });
    }
}

/// What a program saw, kept to look at after the run.
type Kept<T> = Rc<RefCell<Option<T>>>;

/// Two handles on one place to keep what a program saw.
fn keep<T: 'static>() -> (Kept<T>, Kept<T>) {
    let cell = Rc::new(RefCell::new(None));
    (Rc::clone(&cell), cell)
}

#[test]
fn an_echo_with_addresses_and_a_clean_close() {
    let (seen, out) = keep();
    let trace = SimBuilder::new()
        .server_main(upper_server)
        .client_main(move || async move {
            let mut stream = TcpStream::connect("server:7").await.unwrap();
            stream.write_all(b"hello, world").await.unwrap();
            let mut buf = [0; 12];
            stream.read_exact(&mut buf).await.unwrap();
            let addrs = (stream.local_addr().unwrap(), stream.peer_addr().unwrap());
            *out.borrow_mut() = Some((buf, addrs));
        })
        .run();
    let (buf, (local, peer)) = seen.take().unwrap();
    assert_eq!(&buf, b"HELLO, WORLD");
    assert_eq!(local.ip().to_string(), "10.0.0.1");
    assert_eq!(peer.to_string(), "10.0.0.2:7");
    assert_eq!(trace.ending, Ending::Finished);
    // main returned: the stream was dropped, so closed: FIN both ways, no RST.
    let fins = trace
        .records
        .iter()
        .filter(|r| r.flags & flags::FIN != 0)
        .count();
    assert_eq!(fins, 2);
    assert!(trace.records.iter().all(|r| r.flags & flags::RST == 0));
    assert_eq!(trace.programs[1].received, 12);
}

/// Counts the polls of the future it wraps.
struct Counted<F> {
    polls: Rc<Cell<u32>>,
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.inner.as_mut().poll(cx)
    }
}

#[test]
fn a_task_waiting_on_a_quiet_connection_is_not_polled_while_another_is_busy() {
    let polls = Rc::new(Cell::new(0));
    let counter = Rc::clone(&polls);
    let trace = SimBuilder::new()
        .server_main(move || async move {
            let listener = TcpListener::bind("0.0.0.0:7").await?;
            // The quiet connection: its reader waits until the very end.
            let (mut quiet, _) = listener.accept().await?;
            let reader = spawn(Counted {
                polls: counter,
                inner: Box::pin(async move {
                    let mut buf = [0; 8];
                    quiet.read(&mut buf).await.map(|n| buf[..n].to_vec())
                }),
            });
            // The busy one: 200 kB to read, a few hundred segments.
            let (mut busy, _) = listener.accept().await?;
            let mut all = Vec::new();
            busy.read_to_end(&mut all).await?;
            assert_eq!(all.len(), 200_000);
            assert_eq!(reader.await.unwrap()?, b"bye");
            Ok::<_, std::io::Error>(())
        })
        .client_main(|| async {
            let mut quiet = TcpStream::connect("server:7").await.unwrap();
            let mut busy = TcpStream::connect("server:7").await.unwrap();
            busy.write_all(&vec![7; 200_000]).await.unwrap();
            busy.shutdown().await.unwrap();
            drop(busy);
            tokio::time::sleep(Duration::from_millis(50)).await;
            quiet.write_all(b"bye").await.unwrap();
        })
        .run();
    assert_eq!(trace.ending, Ending::Finished);
    assert!(trace.records.len() > 200, "{} frames", trace.records.len());
    // Spawned, its connection's handshake ACK, its data: a few polls, not one
    // per host step.
    assert!(
        polls.get() <= 4,
        "the quiet reader was polled {} times",
        polls.get()
    );
}

#[test]
fn tokio_sync_works_between_tasks_of_a_host() {
    let (seen, out) = keep();
    SimBuilder::new()
        .server_main(upper_server)
        .client_main(move || async move {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<(usize, String)>(1);
            let lock = Rc::new(tokio::sync::Mutex::new(Vec::new()));
            for i in 0..3 {
                let tx = tx.clone();
                let lock = Rc::clone(&lock);
                spawn(async move {
                    let mut stream = TcpStream::connect("server:7").await.unwrap();
                    stream
                        .write_all(format!("task {i}").as_bytes())
                        .await
                        .unwrap();
                    let mut buf = [0; 6];
                    stream.read_exact(&mut buf).await.unwrap();
                    lock.lock().await.push(i);
                    tx.send((i, String::from_utf8_lossy(&buf).into_owned()))
                        .await
                        .unwrap();
                });
            }
            drop(tx);
            let mut got = Vec::new();
            while let Some(reply) = rx.recv().await {
                got.push(reply);
            }
            got.sort();
            *out.borrow_mut() = Some((got, lock.lock().await.len()));
        })
        .run();
    let (got, locked) = seen.take().unwrap();
    let expected: Vec<(usize, String)> = (0..3).map(|i| (i, format!("TASK {i}"))).collect();
    assert_eq!(got, expected);
    assert_eq!(locked, 3);
}

#[test]
fn os_programs_get_real_wakers_too() {
    // The Os API, with a channel and a spawned task: before tasks had wakers
    // the receiver was never woken.
    let trace = SimBuilder::new()
        .client(|os: Os| async move {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let conn = os.connect((os.server_ip(), 7)).await.unwrap();
            tcpsim::program::spawn(async move {
                conn.send_all(b"spawned").await.unwrap();
                let reply = conn.recv(64).await.unwrap();
                conn.close();
                tx.send(reply).unwrap();
            });
            assert_eq!(rx.await.unwrap(), b"spawned");
        })
        .run();
    assert_eq!(trace.programs[0].received, 7);
    assert_eq!(trace.ending, Ending::Finished);
}

#[test]
fn join_handles_give_outputs_and_cancellations() {
    let (seen, out) = keep();
    SimBuilder::new()
        .client_main(move || async move {
            let answer = spawn(async { 6 * 7 });
            let forever = spawn(std::future::pending::<()>());
            forever.abort();
            let sleeper = spawn(tokio::time::sleep(Duration::from_secs(1)));
            tokio::task::yield_now().await;
            let finished_early = sleeper.is_finished();
            *out.borrow_mut() = Some((
                answer.await.unwrap(),
                forever.await.unwrap_err().is_cancelled(),
                finished_early,
                sleeper.await.is_ok(),
                sim_time(),
            ));
        })
        .run();
    assert_eq!(
        seen.take().unwrap(),
        (42, true, false, true, Duration::from_secs(1))
    );
}

#[test]
fn when_main_returns_its_tasks_are_dropped_and_their_sockets_closed() {
    let trace = SimBuilder::new()
        .capture(Role::Client)
        .client_main(|| async {
            let start = tokio::time::Instant::now();
            let mut stream = TcpStream::connect("server:7").await.unwrap();
            stream.write_all(b"ping").await.unwrap();
            // A task that would read forever; main returns at 10 ms.
            spawn(async move {
                let mut buf = vec![0; 64];
                while stream.read(&mut buf).await.unwrap() > 0 {}
            });
            tokio::time::sleep_until(start + Duration::from_millis(10)).await;
        })
        .run();
    // The echo's 4 bytes were read; the dropped task's stream sent its FIN at 10 ms.
    let fin = trace
        .records
        .iter()
        .find(|r| r.sender == Role::Client && r.flags & flags::FIN != 0)
        .expect("the stream was closed");
    assert_eq!(fin.time_us, 10_000);
    assert_eq!(trace.programs[0].received, 4);
}

#[test]
fn dropping_a_stream_with_unread_data_resets_it() {
    let trace = SimBuilder::new()
        .capture(Role::Client)
        .client_main(|| async {
            let mut stream = TcpStream::connect("server:7").await.unwrap();
            stream.write_all(b"never read back").await.unwrap();
            tokio::time::sleep(Duration::from_millis(5)).await;
            drop(stream);
        })
        .run();
    let rst = trace
        .records
        .iter()
        .find(|r| r.sender == Role::Client && r.flags & flags::RST != 0)
        .expect("a RST");
    assert!(rst.note.contains("unread"), "{}", rst.note);
    let log = &trace.programs[0].log;
    assert!(
        log.iter().any(|e| e.call == "close() with 15 bytes unread"),
        "{log:?}"
    );
}

#[test]
fn errors_have_the_kinds_tokio_gives() {
    let (seen, out) = keep();
    SimBuilder::new()
        .server_main(|| async {
            let listener = TcpListener::bind("0.0.0.0:7").await?;
            // First connection: shut down at once. Second: dropped unread (RST).
            let (mut first, _) = listener.accept().await?;
            first.shutdown().await?;
            let (second, _) = listener.accept().await?;
            tokio::time::sleep(Duration::from_millis(5)).await;
            drop(second);
            std::future::pending::<()>().await;
            Ok::<_, std::io::Error>(())
        })
        .client_main(move || async move {
            let refused = TcpStream::connect("server:8").await.unwrap_err().kind();
            let mut first = TcpStream::connect("server:7").await.unwrap();
            let mut buf = [0; 4];
            let eof = first.read_exact(&mut buf).await.unwrap_err().kind();
            first.shutdown().await.unwrap();
            let pipe = first.write_all(b"late").await.unwrap_err().kind();
            let mut second = TcpStream::connect("server:7").await.unwrap();
            second.write_all(b"unread").await.unwrap();
            tokio::time::sleep(Duration::from_millis(10)).await;
            let reset = second.read(&mut buf).await.unwrap_err().kind();
            let write_reset = second.write_all(b"x").await.unwrap_err().kind();
            *out.borrow_mut() = Some([refused, eof, pipe, reset, write_reset]);
        })
        .run();
    assert_eq!(
        seen.take().unwrap(),
        [
            ErrorKind::ConnectionRefused,
            ErrorKind::UnexpectedEof,
            ErrorKind::BrokenPipe,
            ErrorKind::ConnectionReset,
            ErrorKind::ConnectionReset,
        ]
    );
}

#[test]
fn connect_gives_up_after_131_seconds_as_linux_does() {
    let (seen, out) = keep();
    let trace = SimBuilder::new()
        .capture(Role::Client)
        .partition(0, 1_000_000_000)
        .client_main(move || async move {
            let error = TcpStream::connect("server:7").await.unwrap_err().kind();
            *out.borrow_mut() = Some((error, sim_time()));
        })
        .run();
    assert_eq!(
        seen.take().unwrap(),
        (ErrorKind::TimedOut, tcpsim::net::CONNECT_TIMEOUT)
    );
    // The SYNs as Linux 6.18 sends them: 1 s apart five times, then doubling.
    let syns: Vec<u64> = trace
        .records
        .iter()
        .filter(|r| r.flags & flags::SYN != 0)
        .map(|r| r.time_us / 1_000_000)
        .collect();
    assert_eq!(syns, [0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67]);
}

#[test]
fn tokio_time_is_the_virtual_clock_at_millisecond_resolution() {
    let (seen, out) = keep();
    SimBuilder::new()
        .client_main(move || async move {
            let start = tokio::time::Instant::now();
            let mut marks = Vec::new();
            // tokio rounds a deadline up to the next whole millisecond.
            tokio::time::sleep(Duration::from_micros(1500)).await;
            marks.push(sim_time());
            let mut ticks = tokio::time::interval(Duration::from_millis(250));
            for _ in 0..3 {
                ticks.tick().await;
                marks.push(sim_time());
            }
            marks.push(start.elapsed());
            *out.borrow_mut() = Some(marks);
        })
        .run();
    let ms = Duration::from_millis;
    assert_eq!(
        seen.take().unwrap(),
        [ms(2), ms(2), ms(252), ms(502), ms(502)]
    );
}

#[test]
fn timers_of_both_hosts_share_one_clock() {
    let (seen, out) = keep();
    let trace = SimBuilder::new()
        .link(LinkConfig {
            latency: 1_000,
            ..LinkConfig::default()
        })
        .server_main(|| async {
            let listener = TcpListener::bind("0.0.0.0:7").await?;
            let (mut stream, _) = listener.accept().await?;
            for i in 0..3u8 {
                tokio::time::sleep(Duration::from_millis(300)).await;
                stream.write_all(&[i]).await?;
            }
            Ok::<_, std::io::Error>(())
        })
        .client_main(move || async move {
            let mut stream = TcpStream::connect("server:7").await.unwrap();
            let mut arrivals = Vec::new();
            let mut buf = [0; 1];
            // The client's own timer runs between the server's.
            let tick = spawn(async {
                tokio::time::sleep(Duration::from_millis(450)).await;
                sim_time()
            });
            while stream.read(&mut buf).await.unwrap() == 1 {
                arrivals.push(sim_time());
            }
            *out.borrow_mut() = Some((arrivals, tick.await.unwrap()));
        })
        .run();
    let (arrivals, tick) = seen.take().unwrap();
    let us = Duration::from_micros;
    // The server accepted at 3 ms and a bit (handshake, 1 ms each way); its
    // first 300 ms sleep ends at the next whole millisecond after 303 ms
    // (tokio's resolution), the next ones 300 ms later each: it writes at
    // 304, 604, 904 ms, and each byte arrives 1 ms later (and a few µs of
    // wire time).
    assert_eq!(arrivals.len(), 3);
    for (arrival, sent) in arrivals.iter().zip([304_000, 604_000, 904_000]) {
        assert!(
            *arrival > us(sent + 1_000) && *arrival < us(sent + 1_100),
            "{arrival:?}"
        );
    }
    // Spawned once connected (2 ms and a bit): 450 ms later, rounded up.
    assert_eq!(tick, Duration::from_millis(453));
    assert_eq!(trace.ending, Ending::Finished);
}

#[test]
fn a_program_waiting_for_nothing_is_a_deadlock_and_a_late_timer_a_time_limit() {
    let stuck: Trace = SimBuilder::new()
        .client_main(|| async {
            let (_tx, rx) = tokio::sync::oneshot::channel::<()>();
            let _ = rx.await;
        })
        .run();
    assert_eq!(stuck.ending, Ending::Deadlock);
    let late = SimBuilder::new()
        .max_sim_time(60_000_000)
        .client_main(|| tokio::time::sleep(Duration::from_secs(3600)))
        .run();
    assert_eq!(late.ending, Ending::TimeLimit(60_000_000));
}

#[test]
fn same_instant_wakes_run_in_spawn_order() {
    let (seen, out) = keep();
    SimBuilder::new()
        .client_main(move || async move {
            let order = Rc::new(RefCell::new(Vec::new()));
            let mut handles = Vec::new();
            for (i, delay) in [(0, 30), (1, 20), (2, 30), (3, 10), (4, 30)] {
                let order = Rc::clone(&order);
                handles.push(spawn(async move {
                    // Everyone ends up due at 30 ms.
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                    tokio::time::sleep_until(
                        tokio::time::Instant::now() + Duration::from_millis(30 - delay),
                    )
                    .await;
                    order.borrow_mut().push(i);
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
            *out.borrow_mut() = Some(order.take());
        })
        .run();
    assert_eq!(seen.take().unwrap(), [0, 1, 2, 3, 4]);
}

#[test]
fn halves_work_in_separate_tasks() {
    let (seen, out) = keep();
    SimBuilder::new()
        .server_main(upper_server)
        .client_main(move || async move {
            let stream = TcpStream::connect("server:7").await.unwrap();
            let (mut read, mut write) = stream.into_split();
            let writer = spawn(async move {
                for word in ["one ", "two ", "three"] {
                    write.write_all(word.as_bytes()).await.unwrap();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                // Dropping the write half sends the FIN; the server closes back.
            });
            let mut all = String::new();
            read.read_to_string(&mut all).await.unwrap();
            writer.await.unwrap();
            *out.borrow_mut() = Some(all);
        })
        .run();
    assert_eq!(seen.take().unwrap(), "ONE TWO THREE");
}

#[test]
fn futures_io_traits_read_and_write_the_same_stream() {
    use futures_util::io::AsyncWriteExt as _;
    let (seen, out) = keep();
    SimBuilder::new()
        .server_main(upper_server)
        .client_main(move || async move {
            let mut stream = TcpStream::connect("server:7").await.unwrap();
            futures_util::io::AsyncWriteExt::write_all(&mut stream, b"futures")
                .await
                .unwrap();
            let mut buf = [0; 7];
            futures_util::io::AsyncReadExt::read_exact(&mut stream, &mut buf)
                .await
                .unwrap();
            stream.close().await.unwrap();
            let n = futures_util::io::AsyncReadExt::read(&mut stream, &mut buf)
                .await
                .unwrap();
            *out.borrow_mut() = Some((buf, n));
        })
        .run();
    assert_eq!(seen.take().unwrap(), (*b"FUTURES", 0));
}

#[test]
fn a_task_started_with_tokio_spawn_runs_on_the_virtual_clock_too() {
    // Without a socket (which is not Send), a tokio::spawn'ed task runs on
    // tokio's own scheduler, beside the hosts: its timer still stops the clock.
    let (seen, out) = keep();
    SimBuilder::new()
        .client_main(move || async move {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let start = tokio::time::Instant::now();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                tx.send(start.elapsed()).unwrap();
            });
            let sent_at = rx.await.unwrap();
            *out.borrow_mut() = Some((sent_at, sim_time()));
        })
        .run();
    let ms = Duration::from_millis;
    assert_eq!(seen.take().unwrap(), (ms(1500), ms(1500)));
}

#[test]
#[should_panic(expected = "spawn_local")]
fn spawn_local_says_there_is_no_local_set() {
    SimBuilder::new()
        .client_main(|| async {
            tokio::task::spawn_local(async {});
        })
        .run();
}

#[test]
#[should_panic(expected = "tcpsim::net::UdpSocket::bind: UDP is not simulated")]
fn udp_says_it_is_not_simulated() {
    SimBuilder::new()
        .client_main(|| async {
            let _ = tcpsim::net::UdpSocket::bind("0.0.0.0:53").await;
        })
        .run();
}

#[test]
#[should_panic(expected = "tokio::task::spawn_blocking")]
fn blocking_work_says_it_is_not_simulated() {
    SimBuilder::new()
        .client_main(|| async {
            let _ = tokio::task::spawn_blocking(|| 1).await;
        })
        .run();
}

#[test]
#[should_panic(expected = "tcpsim::net::TcpStream::connect called outside a simulated host")]
fn sockets_outside_a_host_say_so() {
    let _ = futures_util::FutureExt::now_or_never(TcpStream::connect("server:7"));
}

#[test]
#[should_panic(expected = "the client's main returned Err")]
fn an_error_from_main_ends_the_run_naming_the_host() {
    SimBuilder::new()
        .client_main(|| async { TcpStream::connect("server:9").await.map(drop) })
        .run();
}
