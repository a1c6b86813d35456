//! Quantities with units, as files and the command line spell them:
//! durations, rates and sizes.

use crate::scenario::limits::{GIB, KIB, MAX_DURATION_US};
use crate::scenario::model::Micros;

// ---------------------------------------------------------------------------
// Unit parsers
// ---------------------------------------------------------------------------

/// Parse a duration such as `100us`, `1.5ms`, `2s` or `10min` into whole
/// microseconds. Also accepted: `µs`/`μs` for microseconds and `h` for hours.
/// Zero needs no unit (`0`, as in `--vary server.wakeup=0,20us,80us`).
/// Negative, non-finite, fractional-microsecond and over-one-day values are
/// rejected.
pub fn parse_duration(s: &str) -> Result<Micros, String> {
    let (number, unit) = split_quantity(s, "duration", "5ms")?;
    let factor: u128 = match unit {
        "" if scale(number, 1) == Some(0) => 1,
        "us" | "µs" | "μs" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "min" => 60_000_000,
        "h" => 3_600_000_000,
        "" => {
            return Err(format!(
                "duration \"{}\" has no unit; write it like \"{}ms\" (units: us, ms, s, min, h)",
                s.trim(),
                s.trim()
            ));
        }
        "m" => {
            return Err(format!(
                "unit \"m\" in duration \"{}\" is ambiguous; write \"min\" for minutes or \"ms\" for milliseconds",
                s.trim()
            ));
        }
        other => {
            return Err(format!(
                "unknown unit \"{other}\" in duration \"{}\"; use us, ms, s, min or h",
                s.trim()
            ));
        }
    };
    let value = scale(number, factor).ok_or_else(|| {
        format!(
            "duration \"{}\" is not a whole number of microseconds",
            s.trim()
        )
    })?;
    if value > MAX_DURATION_US {
        return Err(format!(
            "duration \"{}\" is longer than the limit of one day",
            s.trim()
        ));
    }
    Ok(value as Micros)
}

/// Parse a line rate such as `100Mbit`, `1.5Gbit` or `64kbit` into bits per
/// second. Prefixes are SI (1000-based); `bit`, `bps` and `bit/s` spellings
/// are accepted, case-insensitively. Zero is rejected.
pub fn parse_rate(s: &str) -> Result<u64, String> {
    let (number, unit) = split_quantity(s, "rate", "100Mbit")?;
    let lower = unit.to_ascii_lowercase();
    let base = lower
        .strip_suffix("bit/s")
        .or_else(|| lower.strip_suffix("bits"))
        .or_else(|| lower.strip_suffix("bit"))
        .or_else(|| lower.strip_suffix("bps"));
    let factor: u128 = match base {
        Some("") => 1,
        Some("k") => 1_000,
        Some("m") => 1_000_000,
        Some("g") => 1_000_000_000,
        Some("t") => 1_000_000_000_000,
        _ if unit.is_empty() => {
            return Err(format!(
                "rate \"{}\" has no unit; write it like \"{}Mbit\" (units: bit, Kbit, Mbit, Gbit)",
                s.trim(),
                s.trim()
            ));
        }
        _ => {
            return Err(format!(
                "unknown unit \"{unit}\" in rate \"{}\"; use bit, Kbit, Mbit or Gbit (bits per second)",
                s.trim()
            ));
        }
    };
    let value = scale(number, factor)
        .ok_or_else(|| format!("rate \"{}\" is not a whole number of bits", s.trim()))?;
    if value == 0 {
        return Err(format!("rate \"{}\" must be greater than zero", s.trim()));
    }
    u64::try_from(value).map_err(|_| format!("rate \"{}\" is too large", s.trim()))
}

/// Parse a size such as `64KiB`, `1.5MiB`, `1500B` or `10KB` into bytes.
/// `KiB`, `MiB`, `GiB` are 1024-based, `KB`, `MB`, `GB` 1000-based (units are
/// case-insensitive); a bare number is bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let (number, unit) = split_quantity(s, "size", "64KiB")?;
    let factor: u128 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" | "byte" | "bytes" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => {
            return Err(format!(
                "unknown unit \"{unit}\" in size \"{}\"; use B, KiB, MiB, GiB (or KB, MB, GB)",
                s.trim()
            ));
        }
    };
    let value = scale(number, factor)
        .ok_or_else(|| format!("size \"{}\" is not a whole number of bytes", s.trim()))?;
    u64::try_from(value).map_err(|_| format!("size \"{}\" is too large", s.trim()))
}

/// A non-negative decimal number split from its unit.
#[derive(Clone, Copy)]
struct Decimal<'a> {
    whole: &'a str,
    fraction: &'a str,
}

/// Split `"1.5 ms"` into the number `1.5` and the unit `ms`, rejecting signs,
/// NaN, infinities and malformed numbers with a message naming `kind`.
fn split_quantity<'a>(
    s: &'a str,
    kind: &str,
    example: &str,
) -> Result<(Decimal<'a>, &'a str), String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(format!(
            "empty {kind}; write a number and a unit, like \"{example}\""
        ));
    }
    if t.starts_with('-') {
        return Err(format!("{kind} \"{t}\" must not be negative"));
    }
    let body = t.strip_prefix('+').unwrap_or(t);
    let lower = body.to_ascii_lowercase();
    if lower.starts_with("nan") || lower.starts_with("inf") {
        return Err(format!("{kind} \"{t}\" is not a finite number"));
    }
    let split = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, unit) = body.split_at(split);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return Err(format!(
            "\"{t}\" is not a valid {kind}; write a number and a unit, like \"{example}\""
        ));
    }
    if whole.len() > 20 {
        return Err(format!("{kind} \"{t}\" is too large"));
    }
    if fraction.len() > 18 {
        return Err(format!("{kind} \"{t}\" has too many decimal places"));
    }
    // Plain spaces only between number and unit: a non-breaking or other
    // Unicode space looks like one but is a different character.
    let unit = unit.trim_start_matches([' ', '\t']);
    if let Some(c) = unit.chars().next().filter(|c| c.is_whitespace()) {
        return Err(format!(
            "{kind} \"{t}\" has a U+{:04X} space before its unit; use a plain space or none",
            u32::from(c)
        ));
    }
    Ok((Decimal { whole, fraction }, unit))
}

/// `number * factor`, if that is a whole number.
fn scale(number: Decimal<'_>, factor: u128) -> Option<u128> {
    let whole: u128 = if number.whole.is_empty() {
        0
    } else {
        number.whole.parse().ok()?
    };
    let mut total = whole.checked_mul(factor)?;
    if !number.fraction.is_empty() {
        let digits: u128 = number.fraction.parse().ok()?;
        let denominator = 10u128.checked_pow(number.fraction.len() as u32)?;
        let scaled = digits.checked_mul(factor)?;
        if scaled % denominator != 0 {
            return None;
        }
        total = total.checked_add(scaled / denominator)?;
    }
    Some(total)
}

// ---------------------------------------------------------------------------
/// A byte count in the largest binary unit that divides it exactly.
pub(super) fn show_size(n: u64) -> String {
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

pub(super) fn show_mac(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}
