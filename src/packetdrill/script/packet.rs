//! Packet lines: `< S. 0:0(0) ack 1 win 32768 <mss 1000,nop,wscale 6>`.
//!
//! A TCP line is, in this fixed order: direction, optional IP info
//! (`[ect0]`, `(tos 0x2)`), optional `src>dst` ports, flags, `start:end(len)`,
//! then optional `ack N`, `win N`, `urg N` and `<options>`. UDP
//! (`udp (len)`) and ICMP (`icmp unreachable ...`) lines are parsed into
//! [`OtherPacket`] for the runner to refuse by name. Encapsulation prefixes
//! (`ipv4 a > b:`, `gre`, `mpls`, `encap psp`) are refused here, as
//! unsupported, because nothing downstream could use them.

use crate::packetdrill::script::ast::{
    Direction, Ecn, EventKind, IcmpEchoed, IpInfo, MAX_TCP_OPTION_BYTES, Options, OtherPacket,
    OtherPacketKind, Packet, TcpFlags, TcpOption, hex_bytes,
};
use crate::packetdrill::script::error::{ParseError, quote};
use crate::packetdrill::script::lex::Tok;
use crate::packetdrill::script::parse::Parser;

const U16: u64 = u16::MAX as u64;
const U32: u64 = u32::MAX as u64;

impl Parser<'_> {
    /// A packet event, starting at its `<` or `>`.
    pub(crate) fn packet(&mut self) -> Result<EventKind, ParseError> {
        let direction = if self.next().is_punct('<') {
            Direction::Inbound
        } else {
            Direction::Outbound
        };
        let ip = self.ip_info(direction)?;
        let t = self.peek().clone();
        if t.tok == Tok::Word {
            match t.text.as_str() {
                "ipv4" | "ipv6" | "gre" | "GREv0" | "mpls" => {
                    return Err(self.unsupported(
                        &t,
                        format!(
                            "encapsulated packets (`{}` prefix) are not supported",
                            t.text
                        ),
                    ));
                }
                "encap" => {
                    return Err(self.unsupported(
                        &t,
                        "PSP-encapsulated packets (`encap psp`) are not supported",
                    ));
                }
                "udp" => {
                    if ip.is_some_and(|i| i.ecn.is_some()) {
                        return Err(self.err(&t, "ECN can only be used with TCP packets"));
                    }
                    self.next();
                    let ports = self.ports()?;
                    self.expect_punct('(', "before the UDP payload length")?;
                    let payload_len = self.uint("UDP payload length", U16)? as u32;
                    self.expect_punct(')', "after the UDP payload length")?;
                    let kind = OtherPacketKind::Udp { ports, payload_len };
                    return Ok(EventKind::OtherPacket(OtherPacket {
                        direction,
                        ip,
                        kind,
                    }));
                }
                "icmp" => {
                    self.next();
                    let kind = self.icmp()?;
                    return Ok(EventKind::OtherPacket(OtherPacket {
                        direction,
                        ip,
                        kind,
                    }));
                }
                _ => {}
            }
        }
        let ports = self.ports()?;
        let start = self.peek().clone();
        let flags = self.flags()?;
        let (seq_start, seq_end, payload_len) = self.seq_range()?;
        let ack = if self.eat_word("ack") {
            Some(self.uint("TCP ack sequence number", U32)? as u32)
        } else {
            None
        };
        let window = if self.eat_word("win") {
            Some(self.uint("TCP window value", U16)? as u32)
        } else {
            None
        };
        let urg = if self.eat_word("urg") {
            Some(self.uint("urg_ptr value", U16)? as u32)
        } else {
            None
        };
        let options = self.tcp_options(direction)?;
        let t = self.peek();
        if ["ack", "win", "urg"].iter().any(|w| t.is_word(w)) {
            return Err(self.err(
                t,
                "a TCP packet's fields go in this order: flags, seq, ack, win, urg, <options>",
            ));
        }
        if window.is_none() && direction == Direction::Inbound {
            return Err(self.err(
                &start,
                "window must be specified for inbound packets (`win N`)",
            ));
        }
        Ok(EventKind::Packet(Packet {
            direction,
            ip,
            ports,
            flags,
            seq_start,
            seq_end,
            payload_len,
            ack,
            window,
            urg,
            options,
        }))
    }

    /// `[ip_info]` or `(ip_info)`: comma-separated `noecn|ect0|ect1|ce|ect01`,
    /// `tos 0xNN`, `flowlabel 0xNNNNN`, `ttl N`.
    fn ip_info(&mut self, direction: Direction) -> Result<Option<IpInfo>, ParseError> {
        let close = match &self.peek().tok {
            Tok::Punct('[') => ']',
            Tok::Punct('(') => ')',
            _ => return Ok(None),
        };
        self.next();
        let mut info = IpInfo::default();
        loop {
            let t = self.next();
            let dup = |p: &Self, set: bool| {
                if set {
                    Err(p.err(&t, "repeated IP field"))
                } else {
                    Ok(())
                }
            };
            let ecn = match t.text.as_str() {
                _ if t.tok != Tok::Word => None,
                "noecn" => Some(Ecn::NotEct),
                "ect0" => Some(Ecn::Ect0),
                "ect1" => Some(Ecn::Ect1),
                "ce" => Some(Ecn::Ce),
                "ect01" => Some(Ecn::Ect0OrEct1),
                _ => None,
            };
            if let Some(e) = ecn {
                dup(self, info.ecn.is_some())?;
                if e == Ecn::Ect0OrEct1 && direction != Direction::Outbound {
                    return Err(self.err(&t, "[ect01] can only be used with outbound packets"));
                }
                info.ecn = Some(e);
            } else if t.is_word("tos") {
                dup(self, info.tos.is_some())?;
                info.tos = Some(self.uint("IP TOS value", u64::from(u8::MAX))? as u8);
            } else if t.is_word("flowlabel") {
                dup(self, info.flow_label.is_some())?;
                info.flow_label = Some(self.uint("IPv6 flow label", 0xf_ffff)? as u32);
            } else if t.is_word("ttl") {
                dup(self, info.ttl.is_some())?;
                info.ttl = Some(self.uint("IP TTL", u64::from(u8::MAX))? as u8);
            } else {
                return Err(self.err(
                    &t,
                    "expected an IP field: noecn, ect0, ect1, ce, ect01, tos, flowlabel or ttl",
                ));
            }
            if self.eat_punct(close) {
                return Ok(Some(info));
            }
            self.expect_punct(',', &format!("or `{close}` after an IP field"))?;
        }
    }

    /// Optional `src>dst` ports.
    fn ports(&mut self) -> Result<Option<(u16, u16)>, ParseError> {
        if !(self.peek().tok == Tok::Int && self.peek_n(1).is_punct('>')) {
            return Ok(None);
        }
        let src = self.uint("source port", U16)? as u16;
        self.next();
        let dst = self.uint("destination port", U16)? as u16;
        Ok(Some((src, dst)))
    }

    /// `S`, `S.`, `.`, `-`, `SEW`, or an AccECN spelling such as `S.5`.
    fn flags(&mut self) -> Result<TcpFlags, ParseError> {
        let t = self.peek().clone();
        let mut spelling = String::new();
        match t.tok {
            Tok::Punct('-') => {
                self.next();
                return Ok(TcpFlags::default());
            }
            Tok::Punct('.') | Tok::Float => spelling.push_str(&self.next().text),
            Tok::Word => {
                spelling.push_str(&self.next().text);
                if matches!(self.peek().tok, Tok::Punct('.') | Tok::Float) {
                    spelling.push_str(&self.next().text);
                }
            }
            _ => {
                return Err(self.err(
                    &t,
                    "expected TCP flags (e.g. `S`, `S.`, `.`, `P.`, `F.`, `R` or `-`)",
                ));
            }
        }
        let mut f = TcpFlags::default();
        let (mut ecn_letter, mut ace_digit) = (false, false);
        for c in spelling.chars() {
            match c {
                'S' => f.syn = true,
                'F' => f.fin = true,
                'R' => f.rst = true,
                'P' => f.psh = true,
                '.' => f.ack = true,
                'U' => f.urg = true,
                'E' | 'W' | 'A' => {
                    if ace_digit {
                        return Err(self.err(
                            &t,
                            format!("conflicting TCP flag '{c}' (an ACE digit is already given)"),
                        ));
                    }
                    ecn_letter = true;
                    match c {
                        'E' => f.ece = true,
                        'W' => f.cwr = true,
                        _ => f.ae = true,
                    }
                }
                '0'..='7' => {
                    if ecn_letter || ace_digit {
                        return Err(self.err(
                            &t,
                            format!(
                                "conflicting TCP flag '{c}' (only one ACE digit, without E/W/A)"
                            ),
                        ));
                    }
                    ace_digit = true;
                    let d = (c as u8).saturating_sub(b'0');
                    f.ace = Some(d);
                    (f.ece, f.cwr, f.ae) = (d & 1 != 0, d & 2 != 0, d & 4 != 0);
                }
                _ => {
                    return Err(self.err(
                        &t,
                        format!("invalid TCP flag '{c}' (valid: S F R P . U E W A, or 0-7)"),
                    ));
                }
            }
        }
        Ok(f)
    }

    /// `start:end(len)`, checking `end == start + len`.
    fn seq_range(&mut self) -> Result<(u32, u32, u32), ParseError> {
        if self.peek().tok != Tok::Int {
            return Err(self.err(self.peek(), "expected a sequence range `start:end(length)`"));
        }
        let first = self.peek().clone();
        let start = self.uint("TCP start sequence number", U32)?;
        self.expect_punct(':', "between the start and end sequence numbers")?;
        let end = self.uint("TCP end sequence number", U32)?;
        self.expect_punct('(', "before the payload length")?;
        let len = self.uint("TCP payload size", U16)?;
        self.expect_punct(')', "after the payload length")?;
        if start.checked_add(len) != Some(end) {
            return Err(self.err(
                &first,
                "inconsistent TCP sequence numbers and payload size (end must be start + length)",
            ));
        }
        Ok((start as u32, end as u32, len as u32))
    }
}

/// TCP options and the ICMP packet forms.
impl Parser<'_> {
    /// `<...>`, `<opt, opt, ...>` or nothing.
    fn tcp_options(&mut self, direction: Direction) -> Result<Options, ParseError> {
        if !self.peek().is_punct('<') {
            return Ok(Options::NotGiven);
        }
        let open = self.next();
        if self.peek().tok == Tok::Ellipsis {
            self.next();
            self.expect_punct('>', "after `<...`")?;
            if direction != Direction::Outbound {
                return Err(self.err(
                    &open,
                    "<...> for TCP options can only be used with outbound packets",
                ));
            }
            return Ok(Options::Any);
        }
        let mut list = Vec::new();
        loop {
            list.push(self.tcp_option()?);
            if self.peek().is_punct('>') {
                break;
            }
            self.expect_punct(',', "or `>` in the TCP option list")?;
        }
        // Lengths are unknown only for cookies that are undefined symbols.
        let total: Option<usize> = list.iter().map(TcpOption::wire_len).sum();
        if let Some(total) = total {
            if total > MAX_TCP_OPTION_BYTES {
                let m = format!(
                    "TCP option list too long ({total} bytes; at most {MAX_TCP_OPTION_BYTES})"
                );
                return Err(self.err(&open, m));
            }
            if total % 4 != 0 {
                return Err(self.err(
                    &open,
                    format!(
                        "TCP options are not padded correctly to ensure TCP header is a multiple of 4 bytes: \
                         {} excess bytes",
                        total % 4
                    ),
                ));
            }
        }
        self.next();
        Ok(Options::List(list))
    }

    fn tcp_option(&mut self) -> Result<TcpOption, ParseError> {
        let t = self.next();
        let name = if t.tok == Tok::Word {
            t.text.as_str()
        } else {
            ""
        };
        Ok(match name {
            "nop" => TcpOption::Nop,
            "eol" => TcpOption::Eol,
            "mss" => TcpOption::Mss(self.uint("mss value", U16)? as u16),
            "wscale" => TcpOption::WindowScale(self.uint("window scale shift count", u64::from(u8::MAX))? as u8),
            "sackOK" => TcpOption::SackPermitted,
            "sack" => {
                let mut blocks = Vec::new();
                while self.peek().tok == Tok::Int {
                    let left = self.uint("TCP SACK left sequence number", U32)? as u32;
                    self.expect_punct(':', "between the edges of a SACK block")?;
                    let right = self.uint("TCP SACK right sequence number", U32)? as u32;
                    blocks.push((left, right));
                }
                if blocks.is_empty() {
                    return Err(self.err(self.peek(), "expected at least one SACK block `left:right`"));
                }
                TcpOption::Sack(blocks)
            }
            "TS" => {
                if !self.eat_word("val") {
                    return Err(self.err(self.peek(), "expected `val` after `TS`"));
                }
                let val = self.u32_or_ellipsis("TS val")?;
                if !self.eat_word("ecr") {
                    return Err(self.err(self.peek(), "expected `ecr` after the TS val"));
                }
                let ecr = self.u32_or_ellipsis("TS ecr")?;
                TcpOption::Timestamp { val, ecr }
            }
            "FO" | "FOEXP" => {
                let exp = name == "FOEXP";
                let at = self.peek().clone();
                let cookie = self.hex_blob();
                let is_hex = cookie.as_deref().is_some_and(|c| c.bytes().all(|b| b.is_ascii_hexdigit()));
                if let Some(c) = cookie.as_deref().filter(|_| is_hex) {
                    let max = MAX_TCP_OPTION_BYTES - if exp { 4 } else { 2 };
                    if c.len() % 2 != 0 {
                        return Err(self.err(&at, "TCP fast open cookie has an odd number of digits"));
                    }
                    if c.len() / 2 > max {
                        let m = format!("TCP fast open cookie of {} bytes exceeds maximum cookie length of {max} bytes", c.len() / 2);
                        return Err(self.err(&at, m));
                    }
                }
                if exp {
                    TcpOption::FastOpenExp { cookie }
                } else {
                    TcpOption::FastOpen { cookie }
                }
            }
            "md5" => {
                let at = self.peek().clone();
                match self.hex_blob() {
                    Some(d) if hex_bytes(&d).is_some_and(|n| n <= 16) => TcpOption::Md5(d),
                    Some(d) if hex_bytes(&d).is_some() => {
                        return Err(self.err(&at, "TCP MD5 digest longer than 16 bytes"))
                    }
                    Some(_) => return Err(self.err(&at, "TCP MD5 digest is not a valid hex string")),
                    None => return Err(self.err(&at, "expected the MD5 digest in hex after `md5`")),
                }
            }
            "ECN" => {
                let mut fields = Vec::new();
                while let Some(field) = ["e0b", "ceb", "e1b"].iter().find(|w| self.peek().is_word(w)) {
                    self.next();
                    let v = self.uint("TCP AccECN field value", 0xff_ffff)? as u32;
                    fields.push((field.trim_end_matches('b').to_string(), v));
                }
                let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
                let in_order = |order: [&str; 3]| order.starts_with(&names) && !names.is_empty();
                if !in_order(["e0", "ce", "e1"]) && !in_order(["e1", "ce", "e0"]) {
                    return Err(self.err(&t, "AccECN counters go in the order `e0b [ceb [e1b]]` or `e1b [ceb [e0b]]`"));
                }
                TcpOption::AccEcn(fields)
            }
            _ => {
                return Err(self.err(
                    &t,
                    format!(
                        "unknown TCP option `{}` (known: nop, eol, mss, wscale, sackOK, sack, TS, FO, FOEXP, md5, ECN)",
                        quote(&t.text)
                    ),
                ))
            }
        })
    }

    fn u32_or_ellipsis(&mut self, what: &str) -> Result<Option<u32>, ParseError> {
        if self.peek().tok == Tok::Ellipsis {
            self.next();
            return Ok(None);
        }
        Ok(Some(self.uint(what, U32)? as u32))
    }

    /// An optional hex cookie or digest: a word or number, kept as text.
    fn hex_blob(&mut self) -> Option<String> {
        matches!(self.peek().tok, Tok::Word | Tok::Int | Tok::Hex).then(|| self.next().text)
    }

    /// After `icmp`: `TYPE [CODE] [mtu N] [id N] [[echoed]]`.
    fn icmp(&mut self) -> Result<OtherPacketKind, ParseError> {
        if self.peek().tok != Tok::Word {
            return Err(self.err(
                self.peek(),
                "expected an ICMP type (e.g. `unreachable`) after `icmp`",
            ));
        }
        let icmp_type = self.next().text;
        let code = if self.peek().tok == Tok::Word
            && !self.peek().is_word("mtu")
            && !self.peek().is_word("id")
        {
            Some(self.next().text)
        } else {
            None
        };
        let mtu = if self.eat_word("mtu") {
            Some(self.uint("ICMP MTU", U32)? as u32)
        } else {
            None
        };
        let echo_id = if self.eat_word("id") {
            Some(self.uint("ICMP echo id", U16)? as u32)
        } else {
            None
        };
        let echoed = if self.eat_punct('[') {
            let e = if self.peek().is_word("udp") || self.peek().is_word("raw") {
                let udp = self.next().is_word("udp");
                self.expect_punct('(', "before the echoed length")?;
                let len = self.uint("echoed payload length", U16)? as u32;
                self.expect_punct(')', "after the echoed length")?;
                if udp {
                    IcmpEchoed::Udp(len)
                } else {
                    IcmpEchoed::Raw(len)
                }
            } else {
                let (seq_start, seq_end, payload_len) = self.seq_range()?;
                IcmpEchoed::Tcp {
                    seq_start,
                    seq_end,
                    payload_len,
                }
            };
            self.expect_punct(']', "after the echoed packet")?;
            Some(e)
        } else {
            None
        };
        Ok(OtherPacketKind::Icmp {
            icmp_type,
            code,
            mtu,
            echo_id,
            echoed,
        })
    }
}
