//! TCP flag bits as on the wire (RFC 9293 3.1), with Wireshark's names.

/// No more data from the sender.
pub const FIN: u8 = 0x01;
/// Synchronize sequence numbers.
pub const SYN: u8 = 0x02;
/// Reset the connection.
pub const RST: u8 = 0x04;
/// Push.
pub const PSH: u8 = 0x08;
/// The acknowledgment field is significant.
pub const ACK: u8 = 0x10;
/// The urgent pointer is significant.
pub const URG: u8 = 0x20;
/// ECN echo.
pub const ECE: u8 = 0x40;
/// Congestion window reduced.
pub const CWR: u8 = 0x80;

/// Wireshark's order of flag names.
pub const NAMES: [(u8, &str); 8] = [
    (FIN, "FIN"),
    (SYN, "SYN"),
    (RST, "RST"),
    (PSH, "PSH"),
    (ACK, "ACK"),
    (URG, "URG"),
    (ECE, "ECE"),
    (CWR, "CWR"),
];

/// `PSH,ACK`: names in Wireshark's order, comma-separated, no spaces.
pub fn to_csv(bits: u8) -> String {
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| *n)
        .collect();
    names.join(",")
}

/// Parse `PSH,ACK` (any order, any case) back to bits.
pub fn from_csv(text: &str) -> Option<u8> {
    let mut bits = 0;
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (b, _) = NAMES.iter().find(|(_, n)| n.eq_ignore_ascii_case(part))?;
        bits |= b;
    }
    Some(bits)
}
