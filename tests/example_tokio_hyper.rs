//! Example: an HTTP/1.1 server and client written with hyper 1.x, over
//! tcpsim, and the capture that Wireshark reads as HTTP.
//!
//! The server answers `GET /report` with a 100 kB body; the client sends the
//! request and reads the whole body (both in `examples/hyper.rs`). Both are hyper's own connection
//! drivers over hyper-util's `TokioIo` adapter, unchanged: tcpsim's
//! `TcpStream` is a tokio `AsyncRead + AsyncWrite`. The capture is written
//! as pcapng and handed to tshark, which must decode the request and the
//! response as HTTP (this part is skipped, with a note, where tshark is not
//! installed; `.ci/run` installs it).

#![cfg(feature = "tokio")]

#[path = "examples/hyper.rs"]
mod hyper_example;

use std::process::Command;

use hyper::StatusCode;
use hyper_example::{BODY_LEN, exchange, report};
use tcpsim::trace::Ending;

#[test]
fn a_hundred_kilobyte_response_arrives_whole() {
    let (status, body, trace) = exchange();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, report());
    assert_eq!(trace.ending, Ending::Finished);
    assert!(tcpsim::trace::check::check_trace(&trace).is_empty());
    // 100 kB at 1448 bytes a segment, and the headers.
    let server_data = trace
        .records
        .iter()
        .filter(|r| r.sender == tcpsim::scenario::model::Role::Server && r.len > 0)
        .count();
    assert!(
        server_data >= BODY_LEN / 1448,
        "{server_data} data segments"
    );
}

/// tshark reads the pcapng as HTTP: one GET /report, one 200 with the
/// whole body reassembled.
#[test]
fn wireshark_decodes_the_capture_as_http() {
    if Command::new("tshark").arg("--version").output().is_err() {
        eprintln!("tshark is not installed: skipping the HTTP decode (.ci/run installs it)");
        return;
    }
    let (_, _, trace) = exchange();
    let dir = std::env::temp_dir().join(format!("tcpsim-hyper-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("http.pcapng");
    std::fs::write(&file, tcpsim::render::pcapng_bytes(&trace)).unwrap();
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&file)
        .args(["-Y", "http", "-T", "fields", "-E", "separator=|"])
        .args(["-e", "http.request.method", "-e", "http.request.uri"])
        .args(["-e", "http.response.code", "-e", "http.content_length"])
        .output()
        .expect("tshark runs");
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        rows,
        ["GET|/report||", &format!("||200|{BODY_LEN}")],
        "tshark's HTTP rows"
    );
}
