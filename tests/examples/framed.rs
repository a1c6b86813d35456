//! The program of `example_tokio_framed.rs`: a length-delimited
//! request/response protocol on tokio-util's `Framed<_, LengthDelimitedCodec>`,
//! generic over the stream, and a run of it over tcpsim at 5% loss.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tcpsim::SimBuilder;
use tcpsim::net::{TcpListener, TcpStream};
use tcpsim::scenario::model::LinkConfig;
use tcpsim::trace::Trace;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

/// The requests: sizes from one byte to a few segments' worth.
pub fn requests() -> Vec<Vec<u8>> {
    (0..20u32)
        .map(|i| {
            let len = 1 + (i * i * 37) % 4000;
            (0..len).map(|j| (i * 7 + j) as u8).collect()
        })
        .collect()
}

/// The answer to a request: its bytes in reverse order.
pub fn answer(request: &[u8]) -> Vec<u8> {
    request.iter().rev().copied().collect()
}

/// The server side of the protocol, over any stream.
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(stream: S) -> std::io::Result<()> {
    let mut frames = Framed::new(stream, LengthDelimitedCodec::new());
    while let Some(request) = frames.next().await {
        frames.send(Bytes::from(answer(&request?))).await?;
    }
    Ok(())
}

/// The client side: each request in turn, its answer awaited.
pub async fn call<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    requests: &[Vec<u8>],
) -> std::io::Result<Vec<Vec<u8>>> {
    let mut frames = Framed::new(stream, LengthDelimitedCodec::new());
    let mut answers = Vec::new();
    for request in requests {
        frames.send(Bytes::copy_from_slice(request)).await?;
        match frames.next().await {
            Some(answer) => answers.push(answer?.to_vec()),
            None => return Err(std::io::ErrorKind::UnexpectedEof.into()),
        }
    }
    Ok(answers)
}

/// The server program: a connection per task, as tokio servers are written.
pub async fn server() -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:9000").await?;
    loop {
        let (stream, _) = listener.accept().await?;
        tcpsim::net::spawn(serve(stream));
    }
}

/// One run at 5% loss each way: the answers the client got, and the trace.
pub fn run(seed: u64) -> (Vec<Vec<u8>>, Trace) {
    let answers = Rc::new(RefCell::new(Vec::new()));
    let out = Rc::clone(&answers);
    let trace = SimBuilder::new()
        .seed(seed)
        .link(LinkConfig {
            latency: 5_000,
            loss: 0.05,
            ..LinkConfig::default()
        })
        .server_main(server)
        .client_main(move || async move {
            let stream = TcpStream::connect("server:9000").await?;
            *out.borrow_mut() = call(stream, &requests()).await?;
            Ok::<_, std::io::Error>(())
        })
        .run();
    (answers.take(), trace)
}
