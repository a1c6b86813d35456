//! close() as Linux does it (RFC 2525 2.17, RFC 1122 4.2.2.13): a close with
//! unread data resets; a close after reading everything is a plain FIN exchange.

use tcpsim::scenario::model::Role;
use tcpsim::trace::{Record, flags};

fn run(client_steps: &str) -> Vec<Record> {
    let text = format!(
        r#"
        [client]
        ip = "10.0.0.1"
        port = 40000
        steps = {client_steps}
        [server]
        ip = "10.0.0.2"
        port = 80
        [server.echo]
        times = 100
        "#
    );
    let scenario = tcpsim::scenario::parse(&text, "close.toml").expect("valid scenario");
    tcpsim::run(scenario).records
}

fn from(records: &[Record], role: Role) -> Vec<&Record> {
    records.iter().filter(|r| r.sender == role).collect()
}

#[test]
fn close_with_unread_data_sends_rst_ack_not_fin() {
    // The echo replies 100 x 10 bytes; the client reads 10 of them and closes.
    let records =
        run(r#"["connect", { send = "0123456789" }, { recv = 10 }, { sleep = "10ms" }, "close"]"#);
    let client = from(&records, Role::Client);
    assert!(
        client.iter().all(|r| r.flags & flags::FIN == 0),
        "no FIN from the client"
    );
    let rst = client
        .iter()
        .find(|r| r.flags & flags::RST != 0)
        .expect("a RST from the client");
    assert_eq!(rst.flags, flags::RST | flags::ACK);
    assert_eq!(rst.seq, 11, "RST at the client's next sequence number");
    assert_eq!(
        rst.ack, 1001,
        "RST,ACK acknowledges all 1000 bytes received"
    );
    assert!(rst.note.contains("990 unread bytes"), "{}", rst.note);
}

#[test]
fn close_after_reading_everything_is_a_plain_fin_exchange() {
    let records = run(
        r#"["connect", { send = "0123456789" }, { repeat = { times = 4, steps = [{ recv = 250 }] } }, { sleep = "10ms" }, "close"]"#,
    );
    assert!(
        records.iter().all(|r| r.flags & flags::RST == 0),
        "no RST at all"
    );
    let fins: Vec<&Record> = records
        .iter()
        .filter(|r| r.flags & flags::FIN != 0)
        .collect();
    assert_eq!(fins.len(), 2, "one FIN each way");
    assert_eq!(fins[0].sender, Role::Client);
    assert_eq!(fins[1].sender, Role::Server);
    let last = records.last().unwrap();
    assert_eq!(last.sender, Role::Client);
    assert_eq!(last.flags, flags::ACK, "the client ACKs the server's FIN");
}

#[test]
fn data_arriving_after_close_is_answered_with_rst_seq_equal_to_its_ack() {
    // V2's situation: the client closes after one short read; the rest of the
    // echo arrives at a closed socket.
    let text = r#"
        [client]
        ip = "10.0.0.1"
        steps = ["connect", { send = "World! Hello, World!" }, { recv = 1024 }, "close"]
        [server]
        ip = "10.0.0.2"
        port = 80
        [server.echo]
        recv = 5
    "#;
    let trace = tcpsim::run(tcpsim::scenario::parse(text, "v2like.toml").unwrap());
    let rsts: Vec<&Record> = trace
        .records
        .iter()
        .filter(|r| r.flags & flags::RST != 0)
        .collect();
    assert_eq!(rsts.len(), 2);
    assert_eq!(
        (rsts[0].flags, rsts[0].seq, rsts[0].ack),
        (flags::RST, 21, 0)
    );
    assert_eq!(
        (rsts[1].flags, rsts[1].seq, rsts[1].ack),
        (flags::RST, 22, 0)
    );
    assert!(rsts[0].note.contains("after close()"), "{}", rsts[0].note);
}
