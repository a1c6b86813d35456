use super::*;
use crate::wire::flags::PSH;

/// ISNs of the two directions; B sits just below 2^32 so that the server's
/// numbers wrap around during the tests.
const A: u32 = 1_000;
const B: u32 = u32::MAX - 50;

/// Plays segments into one connection, numbering frames from 1.
struct Capture {
    conn: Conn,
    no: usize,
}

impl Capture {
    fn new() -> Capture {
        Capture {
            conn: Conn::default(),
            no: 0,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn seg(
        &mut self,
        dir: usize,
        t: Micros,
        flags: u8,
        seq: u32,
        ack: u32,
        win: u16,
        len: u32,
    ) -> Marks {
        self.seg_ws(dir, t, flags, seq, ack, win, len, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn seg_ws(
        &mut self,
        dir: usize,
        t: Micros,
        flags: u8,
        seq: u32,
        ack: u32,
        win: u16,
        len: u32,
        window_scale: Option<u8>,
    ) -> Marks {
        self.no += 1;
        let seg = Seg {
            no: self.no,
            time_us: t,
            seq,
            ack,
            flags,
            win,
            len,
            window_scale,
        };
        self.conn.segment(dir, &seg)
    }

    /// SYN at 100 us, SYN-ACK at 100 us, ACK at 1100 us: a 1 ms first
    /// round trip, window scale 2 both ways, windows of 1000 (4000 bytes).
    fn handshake() -> Capture {
        let mut c = Capture::new();
        assert_eq!(c.seg_ws(0, 100, SYN, A, 0, 1000, 0, Some(2)).bits, 0);
        assert_eq!(
            c.seg_ws(1, 100, SYN | ACK, B, A + 1, 1000, 0, Some(2)).bits,
            0
        );
        assert_eq!(
            c.seg(0, 1_100, ACK, A + 1, B.wrapping_add(1), 1000, 0).bits,
            0
        );
        c
    }
}

/// Server data at sequence offset `off` (1 is the first byte).
fn b(off: u32) -> u32 {
    B.wrapping_add(off)
}

#[test]
fn a_clean_exchange_has_no_marks() {
    let mut c = Capture::handshake();
    assert_eq!(c.seg(0, 1_200, PSH | ACK, A + 1, b(1), 1000, 13).bits, 0);
    assert_eq!(c.seg(1, 1_300, ACK, b(1), A + 14, 1000, 0).bits, 0);
    assert_eq!(c.seg(1, 1_300, PSH | ACK, b(1), A + 14, 1000, 100).bits, 0);
    assert_eq!(c.seg(0, 2_300, ACK, A + 14, b(101), 1000, 0).bits, 0);
    assert_eq!(c.seg(0, 2_400, FIN | ACK, A + 14, b(101), 1000, 0).bits, 0);
    assert_eq!(c.seg(1, 3_400, FIN | ACK, b(101), A + 15, 1000, 0).bits, 0);
    assert_eq!(c.seg(0, 4_400, ACK, A + 15, b(102), 1000, 0).bits, 0);
}

#[test]
fn old_data_after_a_round_trip_is_a_retransmission() {
    let mut c = Capture::handshake();
    c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
    c.seg(1, 2_000, ACK, b(101), A + 1, 1000, 100);
    // 8 ms later, well past the 1 ms first round trip; the sequence
    // numbers wrapped past 2^32 in between.
    let m = c.seg(1, 10_000, ACK, b(1), A + 1, 1000, 100);
    assert_eq!(m.bits, mark::RETRANSMISSION);
}

#[test]
fn a_gap_then_the_missing_data_within_a_round_trip() {
    let mut c = Capture::handshake();
    c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
    let gap = c.seg(1, 2_000, ACK, b(201), A + 1, 1000, 100);
    assert_eq!(gap.bits, mark::LOST_SEGMENT);
    let late = c.seg(1, 2_500, ACK, b(101), A + 1, 1000, 100);
    assert_eq!(late.bits, mark::OUT_OF_ORDER);
    // The same late data a round trip later is a retransmission.
    let again = c.seg(1, 3_100, ACK, b(101), A + 1, 1000, 100);
    assert_eq!(again.bits, mark::RETRANSMISSION);
}

#[test]
fn without_a_handshake_the_out_of_order_threshold_is_3_ms() {
    let mut c = Capture::new();
    c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
    c.seg(1, 2_000, ACK, b(201), A + 1, 1000, 100);
    assert_eq!(
        c.seg(1, 4_900, ACK, b(101), A + 1, 1000, 100).bits,
        mark::OUT_OF_ORDER
    );
    assert_eq!(
        c.seg(1, 5_000, ACK, b(101), A + 1, 1000, 100).bits,
        mark::RETRANSMISSION
    );
}

#[test]
fn duplicate_acks_count_up_and_ask_for_a_fast_retransmission() {
    let mut c = Capture::handshake();
    // Four segments; the capture misses none, the client misses the first.
    for (i, off) in [1, 101, 201, 301].into_iter().enumerate() {
        c.seg(1, 2_000 + i as Micros, ACK, b(off), A + 1, 1000, 100);
    }
    for n in 1..=3 {
        let m = c.seg(0, 3_000 + n, ACK, A + 1, b(1), 1000, 0);
        assert_eq!(m.bits, mark::DUPLICATE_ACK);
        // Repeats of the handshake ACK, frame 3.
        assert_eq!((m.dup_of, m.dup_count), (3, n as u32));
    }
    let m = c.seg(1, 3_100, ACK, b(1), A + 1, 1000, 100);
    assert_eq!(m.bits, mark::FAST_RETRANSMISSION);
    // A new ACK ends the run.
    assert_eq!(c.seg(0, 4_000, ACK, A + 1, b(401), 1000, 0).bits, 0);
    assert_eq!(c.seg(0, 4_100, ACK, A + 1, b(401), 1000, 0).dup_of, 12);
}

#[test]
fn a_retransmission_later_than_20_ms_after_the_dup_acks_is_not_fast() {
    let mut c = Capture::handshake();
    c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
    c.seg(1, 2_000, ACK, b(101), A + 1, 1000, 100);
    c.seg(0, 3_000, ACK, A + 1, b(1), 1000, 0);
    c.seg(0, 3_001, ACK, A + 1, b(1), 1000, 0);
    let m = c.seg(1, 23_001, ACK, b(1), A + 1, 1000, 100);
    assert_eq!(m.bits, mark::RETRANSMISSION);
}

#[test]
fn data_already_acknowledged_is_a_spurious_retransmission() {
    let mut c = Capture::handshake();
    c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
    c.seg(0, 3_000, ACK, A + 1, b(101), 1000, 0);
    let m = c.seg(1, 9_000, ACK, b(1), A + 1, 1000, 100);
    assert_eq!(m.bits, mark::SPURIOUS_RETRANSMISSION);
}

#[test]
fn zero_window_probe_its_ack_and_the_window_reopening() {
    let mut c = Capture::handshake();
    c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
    let closed = c.seg(0, 3_000, ACK, A + 1, b(101), 0, 0);
    assert_eq!(closed.bits, mark::ZERO_WINDOW);
    let probe = c.seg(1, 5_000, ACK, b(101), A + 1, 1000, 1);
    assert_eq!(probe.bits, mark::ZERO_WINDOW_PROBE);
    let still = c.seg(0, 6_000, ACK, A + 1, b(101), 0, 0);
    assert_eq!(still.bits, mark::ZERO_WINDOW | mark::ZERO_WINDOW_PROBE_ACK);
    let open = c.seg(0, 7_000, ACK, A + 1, b(101), 1000, 0);
    assert_eq!(open.bits, mark::WINDOW_UPDATE);
    // The probe did not move the flow: the same byte with more data is new.
    assert_eq!(c.seg(1, 8_000, ACK, b(101), A + 1, 1000, 100).bits, 0);
}

#[test]
fn keep_alive_and_its_ack() {
    let mut c = Capture::handshake();
    c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
    c.seg(0, 3_000, ACK, A + 1, b(101), 1000, 0);
    let ka = c.seg(1, 60_000_000, ACK, b(100), A + 1, 1000, 0);
    assert_eq!(ka.bits, mark::KEEP_ALIVE);
    let answer = c.seg(0, 60_001_000, ACK, A + 1, b(101), 1000, 0);
    assert_eq!(answer.bits, mark::KEEP_ALIVE_ACK);
    // A keep-alive with one byte of garbage is not a retransmission either.
    let ka1 = c.seg(1, 120_000_000, ACK, b(100), A + 1, 1000, 1);
    assert_eq!(ka1.bits, mark::KEEP_ALIVE);
}

#[test]
fn window_full_at_the_scaled_right_edge() {
    let mut c = Capture::handshake();
    // The client's window is 1000 << 2 bytes from the byte it acknowledged.
    c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 2000);
    let m = c.seg(1, 2_000, ACK, b(2001), A + 1, 1000, 2000);
    assert_eq!(m.bits, mark::WINDOW_FULL);
}

#[test]
fn the_syn_acks_window_is_never_scaled() {
    let mut c = Capture::handshake();
    // The server has sent nothing since its SYN-ACK (window 1000): 1000
    // bytes fill it, although its scale is 2 (RFC 7323 2.2).
    let m = c.seg(0, 1_200, ACK, A + 1, b(1), 1000, 1000);
    assert_eq!(m.bits, mark::WINDOW_FULL);
}

#[test]
fn without_the_option_in_both_syns_there_is_no_scaling() {
    let mut c = Capture::new();
    c.seg_ws(0, 100, SYN, A, 0, 1000, 0, Some(2));
    c.seg_ws(1, 100, SYN | ACK, B, A + 1, 1000, 0, None);
    c.seg(0, 1_100, ACK, A + 1, b(1), 1000, 0);
    let m = c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 1000);
    assert_eq!(m.bits, mark::WINDOW_FULL);
}

#[test]
fn window_full_needs_a_known_scale() {
    // No handshake captured: the window's unit is unknown.
    let mut c = Capture::new();
    c.seg(0, 1_100, ACK, A + 1, b(1), 1000, 0);
    assert_eq!(c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 1000).bits, 0);
}

#[test]
fn acknowledging_data_the_capture_missed() {
    let mut c = Capture::handshake();
    c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
    // b(101) .. b(201) went by unseen.
    let m = c.seg(0, 3_000, ACK, A + 1, b(201), 1000, 0);
    assert_eq!(m.bits, mark::ACK_LOST_SEGMENT);
}

#[test]
fn a_reset_is_never_after_a_gap() {
    let mut c = Capture::handshake();
    assert_eq!(c.seg(0, 2_000, RST, A + 500, 0, 0, 0).bits, 0);
}

#[test]
fn a_syn_sent_again_is_a_retransmission() {
    let mut c = Capture::new();
    c.seg_ws(0, 100, SYN, A, 0, 1000, 0, Some(2));
    let again = c.seg_ws(0, 1_000_100, SYN, A, 0, 1000, 0, Some(2));
    assert_eq!(again.bits, mark::RETRANSMISSION);
}

#[test]
fn a_new_syn_on_the_same_ports_starts_afresh() {
    let mut c = Capture::handshake();
    c.seg(1, 2_000, ACK, b(1), A + 1, 1000, 100);
    let syn = c.seg_ws(0, 9_000, SYN, A + 7_777, 0, 1000, 0, Some(2));
    assert_eq!(syn.bits, mark::REUSED_PORTS);
    // The new connection's numbers are not compared with the old one's.
    let synack = c.seg_ws(1, 9_000, SYN | ACK, 42, A + 7_778, 1000, 0, Some(2));
    assert_eq!(synack.bits, 0);
    assert_eq!(c.seg(0, 9_500, ACK, A + 7_778, 43, 1000, 0).bits, 0);
}
