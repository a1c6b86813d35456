//! Symbol definitions: packetdrill's `--define NAME=VALUE` (in a script
//! header or on the command line, where it is also spelled `-D NAME=VALUE`).
//!
//! packetdrill substitutes a defined word while scanning, before the grammar
//! sees it, so `<mss MSS,nop>` becomes `<mss 1100,nop>` and
//! `FO TFO_COOKIE` gets a real cookie. This module does the same on the token
//! vector: a value in double quotes becomes a string, one in backquotes a
//! command, one that reads as a C integer (`strtol` base 0: decimal, `0x`
//! hex, leading-`0` octal, optional sign) a number, anything else a word.
//! Keywords of the packet grammar (`ack`, `win`, `mss`, ...) are never
//! substituted, because packetdrill's scanner matches them first.

use crate::packetdrill::script::lex::{Tok, Token};

/// Words the packetdrill scanner treats as keywords, which definitions
/// cannot replace.
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "sa_family", "sin_port", "sin_addr", "msg_name", "msg_iov", "msg_flags", "msg_control", "cmsg_data",
    "cmsg_level", "cmsg_type", "ee_errno", "ee_origin", "ee_type", "ee_code", "ee_info", "ee_data", "scm_sec",
    "scm_nsec", "fd", "u32", "u64", "ptr", "events", "revents", "onoff", "linger", "htons", "ipv4", "ipv6",
    "icmp", "udp", "GREv0", "gre", "raw", "sum", "off", "key", "seq", "none", "checksum", "present", "encap",
    "psp", "spi", "mpls", "label", "tc", "ttl", "inet_addr", "inet6_addr", "ack", "eol", "ecr", "mss", "mtu",
    "nop", "sack", "sackOK", "md5", "TS", "FO", "FOEXP", "ECN", "e0b", "e1b", "ceb", "tos", "flowlabel",
    "flags", "Flags", "val", "win", "urg", "wscale", "ect01", "ect0", "ect1", "noecn", "ce", "id",
];

/// Collects the `--define=NAME=VALUE` header options of a token stream.
pub fn from_header(toks: &[Token]) -> Vec<(String, String)> {
    toks.iter()
        .map_while(|t| match &t.tok {
            Tok::Opt { name, value } => Some((name, value)),
            _ => None,
        })
        .filter(|(name, _)| name.as_str() == "define")
        .filter_map(|(_, value)| {
            let (k, v) = value.as_deref()?.split_once('=')?;
            (!k.is_empty()).then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// Replaces every defined, non-keyword word in `toks` by its value. Later
/// definitions of a name win over earlier ones.
pub fn substitute(toks: Vec<Token>, defines: &[(String, String)]) -> Vec<Token> {
    if defines.is_empty() {
        return toks;
    }
    let mut out = Vec::with_capacity(toks.len());
    for t in toks {
        let value = (t.tok == Tok::Word && !KEYWORDS.contains(&t.text.as_str()))
            .then(|| defines.iter().rev().find(|(k, _)| *k == t.text))
            .flatten();
        match value {
            None => out.push(t),
            Some((_, v)) => out.extend(value_tokens(v, &t)),
        }
    }
    out
}

/// The tokens that stand for the definition `v` at the position of `at`.
fn value_tokens(v: &str, at: &Token) -> Vec<Token> {
    let tok = |tok: Tok, text: String| Token {
        tok,
        text,
        line: at.line,
        col: at.col,
    };
    if let Some(s) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return vec![tok(Tok::Str(s.as_bytes().to_vec()), v.to_string())];
    }
    if let Some(s) = v.strip_prefix('`').and_then(|s| s.strip_suffix('`')) {
        return vec![tok(Tok::BackQuoted(s.to_string()), v.to_string())];
    }
    match c_integer(v) {
        Some((negative, magnitude)) => {
            let mut toks = Vec::new();
            if negative {
                toks.push(tok(Tok::Punct('-'), "-".to_string()));
            }
            toks.push(tok(Tok::Int, magnitude.to_string()));
            toks
        }
        None => vec![tok(Tok::Word, v.to_string())],
    }
}

/// Reads `v` as C's `strtol(v, &end, 0)` would with `*end == '\0'`:
/// returns the sign and magnitude.
fn c_integer(v: &str) -> Option<(bool, u64)> {
    let (negative, body) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let (digits, radix) =
        if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (h, 16)
        } else if body.len() > 1 && body.starts_with('0') {
            (body.get(1..)?, 8)
        } else {
            (body, 10)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix)
        .ok()
        .map(|m| (negative, m))
}
