//! Reading typed values out of the TOML tree, each error naming the dotted
//! field and pointing at the offending bytes.

use std::net::Ipv4Addr;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use crate::scenario::error::{ScenarioError, clip, closest, list, quoted_list};
use crate::scenario::limits::FLAG_NAMES;
use crate::scenario::model::{FlagBits, Micros};
use crate::scenario::units::{parse_duration, parse_rate, parse_size, show_size};

// Walking the document
// ---------------------------------------------------------------------------

pub(super) type Value<'i> = Spanned<DeValue<'i>>;
pub(super) type Res<T> = Result<T, ScenarioError>;

/// The text being validated, for building errors.
pub(super) struct Cx<'t> {
    pub(super) text: &'t str,
    pub(super) file: &'t str,
}

/// One TOML table, with its entries in source order.
pub(super) struct Table<'a, 'i> {
    /// Dotted path; empty for the document root.
    pub(super) path: String,
    pub(super) span: Range<usize>,
    pub(super) entries: Vec<(&'a Spanned<DeString<'i>>, &'a Value<'i>)>,
}

impl<'a, 'i> Table<'a, 'i> {
    pub(super) fn new(path: String, span: Range<usize>, map: &'a DeTable<'i>) -> Table<'a, 'i> {
        let mut entries: Vec<_> = map.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        Table {
            path,
            span,
            entries,
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&'a Value<'i>> {
        self.entries
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| *v)
    }

    /// The dotted path of `key` in this table.
    pub(super) fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// How messages name this table.
    pub(super) fn named(&self) -> String {
        if self.path.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in `{}`", self.path)
        }
    }
}

impl<'t> Cx<'t> {
    pub(super) fn error(
        &self,
        span: Range<usize>,
        field: &str,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError::at(self.file, self.text, span, field, message)
    }

    pub(super) fn syntax_error(&self, e: &toml::de::Error) -> ScenarioError {
        let message = e.message().trim();
        let message = message
            .strip_suffix(", expected nothing")
            .unwrap_or(message)
            .replace('\n', "; ");
        // toml says only "duplicate key"; the span holds which one.
        let key = e
            .span()
            .and_then(|span| self.text.get(span))
            .map(|k| k.trim().trim_matches(['[', ']']).trim());
        let message = match key {
            Some(key) if message == "duplicate key" && !key.is_empty() => format!(
                "duplicate key `{}`: it is set earlier in the file",
                super::error::clip(key)
            ),
            _ => message,
        };
        let message = format!("invalid TOML: {message}");
        match e.span() {
            Some(span) => self.error(span, "", message),
            None => ScenarioError::without_position(self.file, "", message),
        }
    }

    /// The source text of a value, shortened for messages.
    pub(super) fn shown(&self, value: &Value<'_>) -> String {
        match value.get_ref() {
            DeValue::Table(_) => return "a table".to_string(),
            DeValue::Array(_) => return "an array".to_string(),
            DeValue::String(s) if s.len() > 40 || s.contains('\n') => {
                let head: String = s.chars().take(30).collect();
                return format!("{head:?}...");
            }
            _ => {}
        }
        let span = value.span();
        match self.text.get(span) {
            Some(src) => src.trim().to_string(),
            None => "this value".to_string(),
        }
    }

    pub(super) fn expected(&self, value: &Value<'_>, field: &str, what: &str) -> ScenarioError {
        self.error(
            value.span(),
            field,
            format!("`{field}` must be {what}, got {}", self.shown(value)),
        )
    }

    pub(super) fn table<'a, 'i>(&self, value: &'a Value<'i>, field: &str) -> Res<Table<'a, 'i>> {
        match value.get_ref() {
            DeValue::Table(map) => Ok(Table::new(field.to_string(), value.span(), map)),
            _ => Err(self.expected(value, field, "a table")),
        }
    }

    /// Reject the first key (in source order) not in `allowed`.
    pub(super) fn known_keys(&self, table: &Table<'_, '_>, allowed: &[&str]) -> Res<()> {
        for (key, _) in &table.entries {
            let name: &str = key.get_ref();
            if allowed.contains(&name) {
                continue;
            }
            let field = table.field(name);
            let mut err = self.error(
                key.span(),
                &field,
                format!("unknown field `{}` {}", clip(name), table.named()),
            );
            err = match closest(name, allowed) {
                Some(guess) => err.with_help(format!("did you mean `{guess}`?")),
                None => err.with_help(format!("expected one of: {}", list(allowed))),
            };
            return Err(err);
        }
        Ok(())
    }

    pub(super) fn missing(&self, table: &Table<'_, '_>, key: &str) -> ScenarioError {
        let field = table.field(key);
        if table.path.is_empty() {
            self.error(0..0, &field, format!("missing required table `{key}`"))
        } else {
            self.error(
                table.span.clone(),
                &field,
                format!("missing required key `{key}` in `{}`", table.path),
            )
        }
    }

    /// An optional key, converted by `read`.
    pub(super) fn opt<T>(
        &self,
        table: &Table<'_, '_>,
        key: &str,
        read: impl FnOnce(&Self, &Value<'_>, &str) -> Res<T>,
    ) -> Res<Option<T>> {
        match table.get(key) {
            Some(value) => read(self, value, &table.field(key)).map(Some),
            None => Ok(None),
        }
    }

    /// A required key, converted by `read`.
    pub(super) fn req<T>(
        &self,
        table: &Table<'_, '_>,
        key: &str,
        read: impl FnOnce(&Self, &Value<'_>, &str) -> Res<T>,
    ) -> Res<T> {
        match table.get(key) {
            Some(value) => read(self, value, &table.field(key)),
            None => Err(self.missing(table, key)),
        }
    }

    /// Any TOML integer, as written (sign included).
    pub(super) fn integer(&self, value: &Value<'_>, field: &str, what: &str) -> Res<i128> {
        match value.get_ref() {
            DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix())
                .map_err(|_| self.expected(value, field, what)),
            DeValue::Float(_) => Err(self
                .expected(value, field, what)
                .with_help("write a whole number, without a decimal point")),
            _ => Err(self.expected(value, field, what)),
        }
    }

    /// An integer in `min..=max`.
    pub(super) fn int_in(
        &self,
        value: &Value<'_>,
        field: &str,
        min: u64,
        max: u64,
        what: &str,
    ) -> Res<u64> {
        let what = if max == u64::MAX && min == 0 {
            format!("a non-negative {what}")
        } else if max == u64::MAX {
            format!("{what} of at least {min}")
        } else {
            format!("{what} between {min} and {max}")
        };
        let n = self.integer(value, field, &what)?;
        if n < i128::from(min) || n > i128::from(max) {
            return Err(self.expected(value, field, &what));
        }
        Ok(n as u64)
    }

    pub(super) fn u32_in(&self, value: &Value<'_>, field: &str, min: u32, what: &str) -> Res<u32> {
        self.int_in(value, field, u64::from(min), u64::from(u32::MAX), what)
            .map(|n| n as u32)
    }

    pub(super) fn port(&self, value: &Value<'_>, field: &str) -> Res<u16> {
        self.int_in(value, field, 1, 65535, "a port number")
            .map(|n| n as u16)
    }

    pub(super) fn probability(&self, value: &Value<'_>, field: &str) -> Res<f64> {
        let what = "a probability between 0 and 1";
        let p = match value.get_ref() {
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|n| n as f64),
            _ => return Err(self.expected(value, field, what)),
        };
        match p {
            Some(p) if (0.0..=1.0).contains(&p) => Ok(p),
            _ => Err(self.expected(value, field, what)),
        }
    }

    pub(super) fn boolean(&self, value: &Value<'_>, field: &str) -> Res<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(self.expected(value, field, "true or false")),
        }
    }

    pub(super) fn string<'v>(&self, value: &'v Value<'_>, field: &str, what: &str) -> Res<&'v str> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s),
            _ => Err(self.expected(value, field, what)),
        }
    }

    /// One of a fixed set of strings.
    pub(super) fn choice<T: Copy>(
        &self,
        value: &Value<'_>,
        field: &str,
        options: &[(&str, T)],
    ) -> Res<T> {
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let what = quoted_list(&names);
        let s = self.string(value, field, &what)?;
        if let Some((_, t)) = options.iter().find(|(n, _)| *n == s) {
            return Ok(*t);
        }
        let err = self.expected(value, field, &what);
        Err(match closest(s, &names) {
            Some(guess) => err.with_help(format!("did you mean \"{guess}\"?")),
            None => err,
        })
    }

    /// A unit-parsed string (duration, rate, size) with a hint for bare numbers.
    pub(super) fn quantity<T>(
        &self,
        value: &Value<'_>,
        field: &str,
        what: &str,
        example_unit: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Res<T> {
        match value.get_ref() {
            DeValue::String(s) => parse(s).map_err(|reason| {
                self.error(value.span(), field, format!("invalid `{field}`: {reason}"))
            }),
            DeValue::Integer(_) | DeValue::Float(_) => {
                let number = self.shown(value);
                Err(self.expected(value, field, what).with_help(format!(
                    "write the unit in a string, like \"{number}{example_unit}\""
                )))
            }
            _ => Err(self.expected(value, field, what)),
        }
    }

    pub(super) fn duration(&self, value: &Value<'_>, field: &str) -> Res<Micros> {
        self.quantity(
            value,
            field,
            "a duration string like \"5ms\"",
            "ms",
            parse_duration,
        )
    }

    /// A line rate; the string `"unlimited"` is `None`.
    pub(super) fn rate(&self, value: &Value<'_>, field: &str) -> Res<Option<u64>> {
        if let DeValue::String(s) = value.get_ref()
            && s.trim() == "unlimited"
        {
            return Ok(None);
        }
        self.quantity(
            value,
            field,
            "a rate string like \"100Mbit\" or \"unlimited\"",
            "Mbit",
            parse_rate,
        )
        .map(Some)
    }

    /// A size: a plain integer (bytes) or a string with a unit.
    pub(super) fn size(&self, value: &Value<'_>, field: &str) -> Res<u64> {
        let what = "a size (bytes, or a string like \"64KiB\")";
        match value.get_ref() {
            DeValue::Integer(_) => self.int_in(value, field, 0, u64::MAX, "size in bytes"),
            DeValue::String(_) => self.quantity(value, field, what, "B", parse_size),
            _ => Err(self.expected(value, field, what)),
        }
    }

    /// A size within `min..=max` bytes.
    pub(super) fn size_in(&self, value: &Value<'_>, field: &str, min: u64, max: u64) -> Res<u64> {
        let n = self.size(value, field)?;
        if n < min || n > max {
            let range = if max == u64::MAX {
                format!("at least {}", show_size(min))
            } else {
                format!("between {} and {}", show_size(min), show_size(max))
            };
            let exact = match value.get_ref() {
                DeValue::String(_) => format!(" ({n} bytes)"),
                _ => String::new(),
            };
            return Err(self.error(
                value.span(),
                field,
                format!(
                    "`{field}` must be {range}, got {}{exact}",
                    self.shown(value)
                ),
            ));
        }
        Ok(n)
    }

    pub(super) fn ipv4(&self, value: &Value<'_>, field: &str) -> Res<Ipv4Addr> {
        let what = "an IPv4 address like \"192.168.1.13\"";
        let s = self.string(value, field, what)?;
        let ip: Ipv4Addr = s
            .trim()
            .parse()
            .map_err(|_| self.expected(value, field, what))?;
        match crate::scenario::address::host_address_problem(ip) {
            None => Ok(ip),
            Some(why) => Err(self
                .error(value.span(), field, format!("`{field}` {ip} is {why}"))
                .with_help("give each host a unicast address on one /24 network, like 10.0.0.1 and 10.0.0.2")),
        }
    }

    pub(super) fn mac(&self, value: &Value<'_>, field: &str) -> Res<[u8; 6]> {
        let what = "a MAC address like \"02:00:00:00:00:01\"";
        let s = self.string(value, field, what)?;
        let mut mac = [0u8; 6];
        let parts: Vec<&str> = s.trim().split([':', '-']).collect();
        let ok = parts.len() == 6
            && parts.iter().zip(mac.iter_mut()).all(|(part, byte)| {
                part.len() == 2 && u8::from_str_radix(part, 16).map(|b| *byte = b).is_ok()
            });
        if !ok {
            return Err(self.expected(value, field, what));
        }
        if mac[0] & 1 != 0 {
            return Err(self.error(
                value.span(),
                field,
                format!(
                    "`{field}` must be a unicast MAC address, but {} is a group (multicast) address",
                    self.shown(value)
                ),
            )
            .with_help("the lowest bit of the first byte must be 0, as in \"02:00:00:00:00:01\""));
        }
        Ok(mac)
    }

    pub(super) fn flags(&self, value: &Value<'_>, field: &str) -> Res<FlagBits> {
        let names: Vec<&str> = FLAG_NAMES.iter().map(|(n, _)| *n).collect();
        let s = self.string(value, field, "a flag list like \"PSH,ACK\"")?;
        let mut bits = 0;
        for part in s.split(',').map(str::trim) {
            if part.is_empty() {
                return Err(self
                    .error(
                        value.span(),
                        field,
                        format!(
                            "`{field}` must be a comma-separated list of flag names, got {}",
                            self.shown(value)
                        ),
                    )
                    .with_help(format!(
                        "flag names are {}; leave `flags` out to match any flags",
                        list(&names)
                    )));
            }
            match FLAG_NAMES
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(part))
            {
                Some((_, bit)) => bits |= bit,
                None => {
                    return Err(self
                        .error(
                            value.span(),
                            field,
                            format!("unknown TCP flag `{part}` in `{field}`"),
                        )
                        .with_help(format!("flag names are {}", list(&names))));
                }
            }
        }
        Ok(bits)
    }
}

/// Sizes are capped at 1 GiB before they become `usize`; saturate anyway.
pub(super) fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}
