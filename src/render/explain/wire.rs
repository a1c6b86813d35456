//! What an explanation reads from a frame's own bytes: the TCP options (the MSS
//! a SYN announces, whether the timestamps option is present) and the payload,
//! for a short preview. Frames recorded without their payload simply give no
//! preview; nothing here ever panics on a short frame.

/// Ethernet header bytes before the IPv4 header.
const ETHERNET: usize = 14;
/// TCP option kinds (RFC 9293 3.2; RFC 7323 3 for timestamps).
const OPT_END: u8 = 0;
const OPT_NOP: u8 = 1;
const OPT_MSS: u8 = 2;
const OPT_TIMESTAMPS: u8 = 8;
/// Longest preview, in characters between the quotes.
const PREVIEW_CHARS: usize = 40;

/// The TCP options of one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Options {
    /// Option bytes after the 20-byte fixed header (padding included).
    pub len: u32,
    pub timestamps: bool,
    pub mss: Option<u16>,
}

/// Byte offsets of the TCP header and of the payload, when the frame is IPv4.
fn offsets(frame: &[u8]) -> Option<(usize, usize)> {
    if frame.get(12..14)? != [0x08, 0x00] {
        return None;
    }
    let ihl = usize::from(frame.get(ETHERNET)? & 0x0f) * 4;
    let tcp = ETHERNET + ihl;
    let data_offset = usize::from(frame.get(tcp + 12)? >> 4) * 4;
    if ihl < 20 || data_offset < 20 || frame.len() < tcp + data_offset {
        return None;
    }
    Some((tcp, tcp + data_offset))
}

/// The options of the segment in `frame`, or `None` when the header is not there.
pub(super) fn options(frame: &[u8]) -> Option<Options> {
    let (tcp, payload) = offsets(frame)?;
    let bytes = &frame[tcp + 20..payload];
    let mut found = Options {
        len: bytes.len() as u32,
        timestamps: false,
        mss: None,
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            OPT_END => break,
            OPT_NOP => i += 1,
            kind => {
                let Some(&len) = bytes.get(i + 1) else { break };
                let len = usize::from(len);
                if len < 2 || i + len > bytes.len() {
                    break;
                }
                if kind == OPT_TIMESTAMPS {
                    found.timestamps = true;
                }
                if kind == OPT_MSS && len == 4 {
                    found.mss = Some(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
                }
                i += len;
            }
        }
    }
    Some(found)
}

/// The `len` payload bytes of the segment, if the frame holds all of them.
pub(super) fn payload(frame: &[u8], len: u32) -> Option<&[u8]> {
    let (_, start) = offsets(frame)?;
    frame.get(start..start + len as usize)
}

/// The payload as a quoted string with Rust-style escapes (`"Hi\n"`), cut to
/// about 40 characters; `None` for payload that is not printable text.
pub(super) fn preview(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    if bytes.is_empty()
        || text
            .chars()
            .any(|c| c.is_control() && !"\n\r\t".contains(c))
    {
        return None;
    }
    // Escape only as far as the preview can reach: a bulk segment's 1,448
    // bytes would otherwise be escaped whole for 40 characters.
    let mut out = String::from("\"");
    // `out`'s length when the escapes so far fit in PREVIEW_CHARS - 1, the
    // room left beside the ellipsis of a cut preview.
    let mut cut = out.len();
    let mut used = 0;
    for c in text.chars() {
        let e = c.escape_debug();
        used += e.len();
        if used > PREVIEW_CHARS {
            out.truncate(cut);
            out.push('…');
            out.push('"');
            return Some(out);
        }
        out.extend(e);
        if used < PREVIEW_CHARS {
            cut = out.len();
        }
    }
    out.push('"');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ethernet + IPv4 (20) + TCP with `opts`, then `data`.
    fn frame(opts: &[u8], data: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend([0x08, 0x00]);
        let mut ip = vec![0u8; 20];
        ip[0] = 0x45;
        f.extend(ip);
        let mut tcp = vec![0u8; 20];
        tcp[12] = ((20 + opts.len()) / 4 * 16) as u8;
        f.extend(tcp);
        f.extend(opts);
        f.extend(data);
        f
    }

    #[test]
    fn reads_mss_and_timestamps() {
        let syn = frame(
            &[2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0],
            b"",
        );
        let o = options(&syn).unwrap();
        assert_eq!((o.len, o.timestamps, o.mss), (16, true, Some(1460)));
        let plain = options(&frame(&[], b"hi")).unwrap();
        assert_eq!((plain.len, plain.timestamps, plain.mss), (0, false, None));
    }

    #[test]
    fn payload_needs_every_byte() {
        let f = frame(&[], b"Hello");
        assert_eq!(payload(&f, 5), Some(&b"Hello"[..]));
        assert_eq!(
            payload(&f, 6),
            None,
            "a header-only recording has no payload"
        );
        assert_eq!(payload(&[], 0), None);
        assert_eq!(options(&f[..40]), None);
    }

    #[test]
    fn previews_escape_and_cut() {
        assert_eq!(preview(b"Ido Zeira").unwrap(), "\"Ido Zeira\"");
        assert_eq!(preview(b"Hi\n").unwrap(), "\"Hi\\n\"");
        let long = "Hello World!\n".repeat(10);
        let p = preview(long.as_bytes()).unwrap();
        assert_eq!(p, "\"Hello World!\\nHello World!\\nHello World…\"");
        assert_eq!(p.chars().count(), 2 + 40);
        assert_eq!(preview(&[0, 1, 2]), None);
        assert_eq!(preview(b""), None);
    }
}
