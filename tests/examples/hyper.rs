//! The program of `example_tokio_hyper.rs`: an HTTP/1.1 server and client
//! written with hyper 1.x over hyper-util's `TokioIo`, exchanging a 100 kB
//! response over tcpsim.

use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::Rc;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tcpsim::SimBuilder;
use tcpsim::net::{TcpListener, TcpStream};
use tcpsim::scenario::model::LinkConfig;
use tcpsim::trace::Trace;

/// The size of the report the server sends.
pub const BODY_LEN: usize = 100_000;

/// The report: `BODY_LEN` bytes of text.
pub fn report() -> Bytes {
    (0..BODY_LEN)
        .map(|i| b"tcpsim "[i % 7])
        .collect::<Vec<u8>>()
        .into()
}

/// The service: the report at `/report`, 404 elsewhere.
async fn handle(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = if request.uri().path() == "/report" {
        Response::new(Full::new(report()))
    } else {
        let mut missing = Response::new(Full::new(Bytes::from_static(b"not found")));
        *missing.status_mut() = StatusCode::NOT_FOUND;
        missing
    };
    Ok(response)
}

/// An HTTP/1.1 server: a hyper connection per accepted stream, each in a task.
pub async fn server() -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:80").await?;
    loop {
        let (stream, _) = listener.accept().await?;
        tcpsim::net::spawn(async move {
            let service = hyper::service::service_fn(handle);
            // hyper stamps each response with a Date header read from the
            // machine's clock, which no simulation can move: off, or every
            // run's capture would differ in those bytes.
            let connection = hyper::server::conn::http1::Builder::new()
                .auto_date_header(false)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = connection.await {
                panic!("server connection failed: {e}");
            }
        });
    }
}

/// The client: one GET, the status and the whole body.
pub async fn fetch() -> Result<(StatusCode, Bytes), Box<dyn std::error::Error>> {
    let stream = TcpStream::connect("server:80").await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tcpsim::net::spawn(connection);
    let request = Request::get("/report")
        .header(hyper::header::HOST, "server")
        .body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// One exchange over 20 ms of latency each way at 10 Mbit/s: the status,
/// the body and the trace.
pub fn exchange() -> (StatusCode, Bytes, Trace) {
    let got = Rc::new(RefCell::new(None));
    let out = Rc::clone(&got);
    let trace = SimBuilder::new()
        .link(LinkConfig {
            latency: 20_000,
            rate_bps: Some(10_000_000),
            ..LinkConfig::default()
        })
        .server_main(server)
        .client_main(move || async move {
            *out.borrow_mut() = Some(fetch().await.map_err(|e| e.to_string()));
        })
        .run();
    let (status, body) = got.take().expect("the client ran").expect("the GET worked");
    (status, body, trace)
}
