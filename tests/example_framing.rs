//! Example: testing a length-prefixed message reader against TCP's byte stream.
//!
//! TCP delivers bytes, not messages. One `recv()` can return several messages
//! (here the client's small `send()` calls are coalesced by Nagle's algorithm,
//! as in experiment V4) or part of one (here the server reads 5 bytes at a time,
//! as in experiment V2). A reader that treats one `recv()` as one message works
//! on a quiet loopback and breaks on a real network. tcpsim makes both
//! situations happen on every run, deterministically.

use std::cell::RefCell;
use std::rc::Rc;

use tcpsim::{Os, SimBuilder};

/// The messages the client sends, each as `u16` big-endian length + payload.
const MESSAGES: [&str; 4] = ["hello", "length-prefixed", "framing", "works"];

fn encode(message: &str) -> Vec<u8> {
    let mut frame = (message.len() as u16).to_be_bytes().to_vec();
    frame.extend_from_slice(message.as_bytes());
    frame
}

/// A reader that believes one recv() is one message.
fn naive_reader(chunk: &[u8], _buffer: &mut Vec<u8>) -> Vec<String> {
    if chunk.len() < 2 {
        return vec![];
    }
    let len = u16::from_be_bytes([chunk[0], chunk[1]]) as usize;
    let end = (2 + len).min(chunk.len());
    vec![String::from_utf8_lossy(&chunk[2..end]).into_owned()]
}

/// A reader that buffers bytes and takes out every complete frame.
fn buffering_reader(chunk: &[u8], buffer: &mut Vec<u8>) -> Vec<String> {
    buffer.extend_from_slice(chunk);
    let mut messages = Vec::new();
    while buffer.len() >= 2 {
        let len = u16::from_be_bytes([buffer[0], buffer[1]]) as usize;
        if buffer.len() < 2 + len {
            break;
        }
        messages.push(String::from_utf8_lossy(&buffer[2..2 + len]).into_owned());
        buffer.drain(..2 + len);
    }
    messages
}

type Reader = fn(&[u8], &mut Vec<u8>) -> Vec<String>;

/// Run the exchange: the client sends each message with its own send() call;
/// the server reads `recv_size` bytes at a time and feeds them to `reader`.
/// Returns the messages the server's reader produced.
fn messages_read(reader: Reader, recv_size: usize) -> Vec<String> {
    let got = Rc::new(RefCell::new(Vec::new()));
    let out = Rc::clone(&got);
    let trace = SimBuilder::new()
        .server(move |os: Os| async move {
            let listener = os.listen(7, 5);
            let conn = listener.accept().await;
            // Let all four sends arrive before the first read, as a busy server would.
            os.sleep(5_000).await;
            let mut buffer = Vec::new();
            loop {
                let chunk = conn.recv(recv_size).await.expect("no reset");
                if chunk.is_empty() {
                    break;
                }
                out.borrow_mut().extend(reader(&chunk, &mut buffer));
            }
            conn.close();
        })
        .client(|os: Os| async move {
            let conn = os.connect((os.server_ip(), 7)).await.expect("connects");
            for message in MESSAGES {
                conn.send_all(&encode(message)).await.expect("sends");
            }
            conn.close();
        })
        .run();
    // The network really did split and merge the messages: fewer data segments
    // than send() calls (Nagle held three of them back).
    let client_data_segments = trace
        .records
        .iter()
        .filter(|r| r.sender == tcpsim::scenario::model::Role::Client && r.len > 0)
        .count();
    assert!(
        client_data_segments < MESSAGES.len(),
        "{client_data_segments} segments"
    );
    got.take()
}

/// The check a protocol implementation must pass: every message, in order,
/// whether the bytes come coalesced (big reads) or split (5-byte reads).
fn check_reader(reader: Reader) {
    let expected: Vec<String> = MESSAGES.iter().map(|m| m.to_string()).collect();
    assert_eq!(messages_read(reader, 1024), expected, "coalesced sends");
    assert_eq!(messages_read(reader, 5), expected, "short reads");
}

#[test]
fn buffering_reader_gets_every_message() {
    check_reader(buffering_reader);
}

/// The naive reader loses messages when sends are coalesced and garbles them
/// when reads are short: the same check catches it.
#[test]
#[should_panic(expected = "coalesced sends")]
fn naive_reader_fails_the_check() {
    check_reader(naive_reader);
}
