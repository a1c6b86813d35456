//! Parsing one override value, with the limits the scenario file enforces
//! (sim-scenarios/README.md gives each field's range). Every error names the
//! path, as the file parser's errors name the field.

use std::net::Ipv4Addr;

use crate::scenario::model::Micros;
use crate::scenario::{parse_duration, parse_rate, parse_size};
use crate::wire::flags;

// The limits are the scenario file's own, so an override accepts exactly what
// a file would.
pub(crate) use crate::scenario::{
    GIB, KIB, MAX_BACKLOG, MAX_BUFFER, MAX_ECHO_TIMES, MAX_RECV, MAX_SEND_BYTES, MIN_BUFFER,
    MIN_QUEUE_BYTES,
};

pub(crate) type Parsed<T> = Result<T, String>;

/// A probability: a decimal number such as `0.05`, or a percentage (`5%`).
pub(crate) fn probability(path: &str, v: &str) -> Parsed<f64> {
    let bad = || {
        format!(
            "`{path}` must be a probability between 0 and 1 (or a percentage like 5%), got {v:?}"
        )
    };
    let (number, scale) = match v.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (v, 1.0),
    };
    // Only plain decimals: Rust's f64 parser would also take `inf` and `nan`.
    if number.is_empty()
        || !number
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
    {
        return Err(bad());
    }
    let p = number.parse::<f64>().map_err(|_| bad())? / scale;
    if p.is_finite() && (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(bad())
    }
}

pub(crate) fn duration(path: &str, v: &str) -> Parsed<Micros> {
    parse_duration(v).map_err(|reason| format!("invalid `{path}`: {reason}"))
}

/// A line rate, or `unlimited` (an infinitely fast wire).
pub(crate) fn rate(path: &str, v: &str) -> Parsed<Option<u64>> {
    if v == "unlimited" {
        return Ok(None);
    }
    parse_rate(v)
        .map(Some)
        .map_err(|reason| format!("invalid `{path}`: {reason}"))
}

/// A size within `min..=max` bytes.
pub(crate) fn size_in(path: &str, v: &str, min: u64, max: u64) -> Parsed<u64> {
    let n = parse_size(v).map_err(|reason| format!("invalid `{path}`: {reason}"))?;
    if n < min || n > max {
        let range = if max == u64::MAX {
            format!("at least {}", show_size_words(min))
        } else {
            format!(
                "between {} and {}",
                show_size_words(min),
                show_size_words(max)
            )
        };
        return Err(format!("`{path}` must be {range}, got {v} ({n} bytes)"));
    }
    Ok(n)
}

/// A drop-tail queue limit, or `unlimited`.
pub(crate) fn queue(path: &str, v: &str) -> Parsed<Option<u64>> {
    if v == "unlimited" {
        return Ok(None);
    }
    size_in(path, v, MIN_QUEUE_BYTES, u64::MAX).map(Some)
}

/// A whole number within `min..=max`.
pub(crate) fn int_in(path: &str, v: &str, min: u64, max: u64, what: &str) -> Parsed<u64> {
    match v.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{path}` must be {what} between {min} and {max}, got {v:?}"
        )),
    }
}

pub(crate) fn boolean(path: &str, v: &str) -> Parsed<bool> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("`{path}` must be true or false, got {v:?}")),
    }
}

/// One of a fixed set of words.
pub(crate) fn choice<T: Copy>(path: &str, v: &str, options: &[(&str, T)]) -> Parsed<T> {
    match options.iter().find(|(name, _)| *name == v) {
        Some((_, t)) => Ok(*t),
        None => {
            let names: Vec<String> = options.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            Err(format!(
                "`{path}` must be one of {}, got {v:?}",
                names.join(", ")
            ))
        }
    }
}

/// A host's address: unicast, not loopback, not a /24's network or
/// broadcast address (see `scenario/address.rs`).
pub(crate) fn ipv4(path: &str, v: &str) -> Parsed<Ipv4Addr> {
    let ip: Ipv4Addr = v.parse().map_err(|_| {
        format!("`{path}` must be an IPv4 address like \"192.168.1.13\", got {v:?}")
    })?;
    match crate::scenario::address::host_address_problem(ip) {
        None => Ok(ip),
        Some(why) => Err(format!("`{path}` {ip} is {why}")),
    }
}

/// A unicast MAC address, `02:00:00:00:00:01` (or with dashes).
pub(crate) fn mac(path: &str, v: &str) -> Parsed<[u8; 6]> {
    let mut mac = [0u8; 6];
    let parts: Vec<&str> = v.split([':', '-']).collect();
    let ok = parts.len() == 6
        && parts.iter().zip(mac.iter_mut()).all(|(part, byte)| {
            part.len() == 2 && u8::from_str_radix(part, 16).map(|b| *byte = b).is_ok()
        });
    if !ok {
        return Err(format!(
            "`{path}` must be a MAC address like \"02:00:00:00:00:01\", got {v:?}"
        ));
    }
    if mac[0] & 1 != 0 {
        return Err(format!(
            "`{path}` must be a unicast MAC address, but {v} is a group (multicast) address"
        ));
    }
    Ok(mac)
}

/// A fault's exact flag set (`PSH,ACK`), or `any`.
pub(crate) fn flag_set(path: &str, v: &str) -> Parsed<Option<u8>> {
    if v == "any" {
        return Ok(None);
    }
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "`{path}` must be a comma-separated list of flag names like \"PSH,ACK\", or any, got {v:?}"
        ));
    }
    flags::from_csv(v).map(Some).ok_or_else(|| {
        format!(
            "`{path}` has an unknown TCP flag in {v:?}; flag names are FIN, SYN, RST, PSH, ACK, URG, ECE, CWR"
        )
    })
}

/// A `u32` match field of a fault, or `any`.
pub(crate) fn u32_or_any(path: &str, v: &str, what: &str) -> Parsed<Option<u32>> {
    if v == "any" {
        return Ok(None);
    }
    int_in(path, v, 0, u64::from(u32::MAX), what)
        .map(|n| Some(n as u32))
        .map_err(|e| format!("{e} (or any)"))
}

/// `128 KiB`, `1 GiB`, `1514 B`: for messages.
fn show_size_words(n: u64) -> String {
    for (unit, size) in [
        ("TiB", 1u64 << 40),
        ("GiB", GIB),
        ("MiB", 1 << 20),
        ("KiB", KIB),
    ] {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
    }
    format!("{n} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_accept_decimals_and_percentages_only() {
        assert_eq!(probability("p", "0.05"), Ok(0.05));
        assert_eq!(probability("p", "5%"), Ok(0.05));
        assert_eq!(probability("p", "1"), Ok(1.0));
        for bad in ["1.5", "-0.1", "nan", "inf", "", "0.1x", "101%"] {
            let e = probability("link.loss", bad).unwrap_err();
            assert!(e.starts_with("`link.loss` must be a probability"), "{e}");
        }
    }

    #[test]
    fn sizes_keep_the_file_limits() {
        assert_eq!(size_in("b", "64KiB", MIN_BUFFER, MAX_BUFFER), Ok(65536));
        let e = size_in("client.rx_buffer", "32", MIN_BUFFER, MAX_BUFFER).unwrap_err();
        assert_eq!(
            e,
            "`client.rx_buffer` must be between 64 B and 1 GiB, got 32 (32 bytes)"
        );
        assert_eq!(queue("q", "unlimited"), Ok(None));
        assert!(queue("q", "1KiB").is_err());
    }

    #[test]
    fn flags_and_matches() {
        assert_eq!(flag_set("f", "psh,ack"), Ok(Some(0x18)));
        assert_eq!(flag_set("f", "any"), Ok(None));
        assert!(flag_set("f", "PSH,,ACK").is_err());
        assert!(flag_set("f", "PUSH").is_err());
        assert_eq!(u32_or_any("s", "any", "n"), Ok(None));
        assert_eq!(u32_or_any("s", "7", "n"), Ok(Some(7)));
        assert!(u32_or_any("s", "-1", "n").is_err());
    }
}
