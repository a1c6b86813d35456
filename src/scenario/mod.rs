//! Scenario files: a TOML document in, a validated [`Scenario`] out.
//!
//! The document is parsed with `toml`'s span-preserving parser ([`DeTable`]),
//! then walked by hand. Walking the tree ourselves (rather than deriving serde
//! structs) lets every error name the dotted field it is about and point at the
//! exact bytes of the offending value, in the style of rustc:
//!
//! ```text
//! error: `link.loss` must be a probability between 0 and 1, got 1.5
//!   --> sim-scenarios/v2.toml:7:8
//!    |
//!  7 | loss = 1.5
//!    |        ^^^
//! ```
//!
//! The unit parsers ([`parse_duration`], [`parse_rate`], [`parse_size`]) are
//! public so that command-line overrides accept the same spellings as files.

use std::fmt;
use std::net::Ipv4Addr;
use std::ops::Range;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

pub mod model;
pub mod overrides;

use crate::scenario::model::{
    ClientProgram, Congestion, Dir, EchoServer, Fault, FaultAction, FlagBits, HostConfig,
    LinkConfig, Micros, Profile, Role, Scenario, ServerMode, Step, Transform, defaults,
};

// ---------------------------------------------------------------------------
// Limits and defaults
// ---------------------------------------------------------------------------

pub(crate) const KIB: u64 = 1024;
pub(crate) const GIB: u64 = 1024 * 1024 * 1024;

/// Longest duration accepted anywhere: one day.
const MAX_DURATION_US: u128 = 86_400 * 1_000_000;
/// Smallest drop-tail queue: one full Ethernet frame.
pub(crate) const MIN_QUEUE_BYTES: u64 = 1514;
pub(crate) const MIN_BUFFER: u64 = 64;
pub(crate) const MAX_BUFFER: u64 = GIB;
pub(crate) const MAX_RECV: u64 = GIB;
pub(crate) const MAX_SEND_BYTES: u64 = 1 << 40;
pub(crate) const MAX_ECHO_TIMES: u64 = 1_000_000;
pub(crate) const MAX_BACKLOG: u64 = 4096;
const MAX_CONNECTIONS: u64 = 10_000;

const DEFAULT_SEED: u64 = defaults::SEED;
const DEFAULT_MAX_SIM_TIME: Micros = defaults::MAX_SIM_TIME;
const DEFAULT_MAX_EVENTS: u64 = defaults::MAX_EVENTS;
const DEFAULT_LATENCY: Micros = defaults::LATENCY;
const DEFAULT_REORDER_DELAY: Micros = defaults::REORDER_DELAY;
const DEFAULT_RATE_BPS: u64 = defaults::RATE_BPS;
const DEFAULT_BUFFER: u64 = defaults::BUFFER as u64;
const DEFAULT_DELAYED_ACK: Micros = defaults::DELAYED_ACK;
const DEFAULT_ECHO_RECV: u64 = defaults::ECHO_RECV as u64;
const DEFAULT_BACKLOG: u64 = defaults::BACKLOG as u64;
const CLIENT_MAC: [u8; 6] = defaults::CLIENT_MAC;
const SERVER_MAC: [u8; 6] = defaults::SERVER_MAC;

const TOP_KEYS: &[&str] = &[
    "seed",
    "capture",
    "max_sim_time",
    "max_events",
    "link",
    "fault",
    "client",
    "server",
];
const LINK_DIR_KEYS: &[&str] = &[
    "latency",
    "jitter",
    "loss",
    "dup",
    "reorder",
    "reorder_delay",
    "rate",
    "queue",
];
const LINK_KEYS: &[&str] = &[
    "latency",
    "jitter",
    "loss",
    "dup",
    "reorder",
    "reorder_delay",
    "rate",
    "queue",
    "c2s",
    "s2c",
];
const FAULT_KEYS: &[&str] = &["dir", "flags", "seq", "len", "nth", "action", "delay"];
const CLIENT_KEYS: &[&str] = &[
    "ip",
    "mac",
    "profile",
    "rx_buffer",
    "tx_buffer",
    "rx_coalesce",
    "delayed_ack",
    "arp",
    "congestion",
    "port",
    "connections",
    "steps",
];
const SERVER_KEYS: &[&str] = &[
    "ip",
    "mac",
    "profile",
    "rx_buffer",
    "tx_buffer",
    "rx_coalesce",
    "delayed_ack",
    "arp",
    "congestion",
    "port",
    "backlog",
    "echo",
    "sink",
    "source",
];
const ECHO_KEYS: &[&str] = &["recv", "sleep", "transform", "times", "connections"];
const SINK_KEYS: &[&str] = &["recv", "sleep", "connections"];
const SOURCE_KEYS: &[&str] = &["bytes", "recv", "connections"];
const STEP_KINDS: &[&str] = &["send", "send_bytes", "recv", "recv_all", "sleep", "repeat"];
const REPEAT_KEYS: &[&str] = &["times", "steps"];

const FLAG_NAMES: [(&str, FlagBits); 8] = [
    ("FIN", 0x01),
    ("SYN", 0x02),
    ("RST", 0x04),
    ("PSH", 0x08),
    ("ACK", 0x10),
    ("URG", 0x20),
    ("ECE", 0x40),
    ("CWR", 0x80),
];

// ---------------------------------------------------------------------------
// The error type
// ---------------------------------------------------------------------------

/// Why a scenario file was rejected, and where.
///
/// `Display` renders it the way rustc renders a diagnostic: the message, the
/// `--> file:line:col` location, the source line and carets under the
/// offending value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file name as given to [`load`] or [`parse`].
    pub file: String,
    /// 1-based line of the offending text; 0 when the error has no position
    /// (a file that cannot be read).
    pub line: usize,
    /// 1-based column, counted in characters; 0 when `line` is 0.
    pub col: usize,
    /// Dotted path of the field at fault, such as `link.s2c.loss` or
    /// `client.steps[2].recv`; empty for errors about the file as a whole.
    pub field: String,
    /// What is wrong, as one sentence.
    pub message: String,
    /// What `Display` draws besides the message (boxed to keep the error,
    /// and every `Result` carrying it, small).
    snippet: Box<Snippet>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Snippet {
    /// The full text of the error's line, without its line break.
    source_line: String,
    /// How many characters from the column on the error covers.
    width: usize,
    /// A suggestion, rendered as `= help: ...`.
    help: Option<String>,
}

impl ScenarioError {
    /// An error about a file as a whole, without a position in it.
    pub fn without_position(
        file: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError {
            file: file.into(),
            line: 0,
            col: 0,
            field: field.into(),
            message: message.into(),
            snippet: Box::default(),
        }
    }

    /// An error pointing at the bytes `span` of `text`.
    pub fn at(
        file: impl Into<String>,
        text: &str,
        span: Range<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> ScenarioError {
        let (line, col, source_line, width) = locate(text, span);
        ScenarioError {
            file: file.into(),
            line,
            col,
            field: field.into(),
            message: message.into(),
            snippet: Box::new(Snippet {
                source_line,
                width,
                help: None,
            }),
        }
    }

    /// The same error with a suggestion, shown as `= help: ...`.
    pub fn with_help(mut self, help: impl Into<String>) -> ScenarioError {
        self.snippet.help = Some(help.into());
        self
    }

    /// The suggestion, if the error has one.
    pub fn help(&self) -> Option<&str> {
        self.snippet.help.as_deref()
    }

    /// The text of the line the error points into (empty without a position).
    pub fn source_line(&self) -> &str {
        &self.snippet.source_line
    }
}

/// Line, column, line text and caret width of a byte span.
fn locate(text: &str, span: Range<usize>) -> (usize, usize, String, usize) {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[..start].matches('\n').count() + 1;
    let col = text[line_start..start].chars().count() + 1;
    let source_line = text[line_start..line_end]
        .strip_suffix('\r')
        .unwrap_or(&text[line_start..line_end]);
    let width = text[start..end.min(line_end)].chars().count().max(1);
    (line, col, source_line.to_string(), width)
}

/// Characters of a source line shown around the caret at most.
const SNIPPET_CHARS: usize = 100;

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if self.line == 0 {
            write!(f, "\n  --> {}", self.file)?;
            if let Some(help) = self.help() {
                write!(f, "\n   = help: {help}")?;
            }
            return Ok(());
        }
        let number = self.line.to_string();
        let pad = number.len() + 1;
        write!(
            f,
            "\n{:pad$}--> {}:{}:{}",
            "", self.file, self.line, self.col
        )?;
        write!(f, "\n{:pad$} |", "")?;

        // Control characters (tabs included) would break the alignment or the
        // terminal; show each as one space. Very long lines are cut to a
        // window around the caret.
        let chars: Vec<char> = self
            .snippet
            .source_line
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let caret = self.col.saturating_sub(1).min(chars.len());
        let (from, to) = if chars.len() <= SNIPPET_CHARS {
            (0, chars.len())
        } else {
            let from = caret.saturating_sub(SNIPPET_CHARS / 2);
            (from, (from + SNIPPET_CHARS).min(chars.len()))
        };
        let mut shown = String::new();
        if from > 0 {
            shown.push_str("...");
        }
        shown.extend(&chars[from..to]);
        if to < chars.len() {
            shown.push_str("...");
        }
        let row = format!("{number:>pad$} | {shown}");
        write!(f, "\n{}", row.trim_end())?;
        let offset = caret - from + if from > 0 { 3 } else { 0 };
        let width = self
            .snippet
            .width
            .max(1)
            .min(to.saturating_sub(caret).max(1));
        write!(f, "\n{:pad$} | {:offset$}{}", "", "", "^".repeat(width))?;
        if let Some(help) = self.help() {
            write!(f, "\n{:pad$} = help: {help}", "")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/// Read and validate the scenario file at `path`; its name is the file stem.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        ScenarioError::without_position(&file, "", format!("cannot read the scenario file: {e}"))
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let byte = e.as_bytes()[at];
            // Everything before `at` is valid, so its line and column are
            // exact; the bad byte shows as U+FFFD in the quoted line.
            let bytes = e.as_bytes();
            let visible = |s: &str| s.replace('\0', "\u{fffd}");
            let before = visible(&String::from_utf8_lossy(&bytes[..at]));
            let start = before.len();
            let shown = before + &visible(&String::from_utf8_lossy(&bytes[at..]));
            return Err(ScenarioError::at(
                &file,
                &shown,
                start..start + '\u{fffd}'.len_utf8(),
                "",
                format!(
                    "not a UTF-8 text file (byte 0x{byte:02x} at offset {at} is not valid UTF-8)"
                ),
            )
            .with_help("scenario files are TOML text; is this the right file?"));
        }
    };
    if let Some(at) = text.find('\0') {
        // NULs show as U+FFFD, which is longer: the offset moves with them.
        let start = text[..at].replace('\0', "\u{fffd}").len();
        let shown = text.replace('\0', "\u{fffd}");
        return Err(ScenarioError::at(
            &file,
            &shown,
            start..start + '\u{fffd}'.len_utf8(),
            "",
            format!("not a UTF-8 text file (it contains a NUL byte at offset {at})"),
        )
        .with_help("scenario files are TOML text; is this the right file?"));
    }
    parse(&text, &file)
}

/// Validate scenario `text`; `file_name` is used in errors and its stem
/// becomes the scenario's name.
pub fn parse(text: &str, file_name: &str) -> Result<Scenario, ScenarioError> {
    // A byte-order mark is not part of the document (and would shift columns).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let cx = Cx {
        text,
        file: file_name,
    };
    let root = DeTable::parse(text).map_err(|e| cx.syntax_error(&e))?;
    let name = Path::new(file_name).file_stem().map_or_else(
        || file_name.to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    cx.scenario(name, root.span(), root.get_ref())
}

// ---------------------------------------------------------------------------
// Unit parsers
// ---------------------------------------------------------------------------

/// Parse a duration such as `100us`, `1.5ms`, `2s` or `10min` into whole
/// microseconds. Also accepted: `µs`/`μs` for microseconds and `h` for hours.
/// Negative, non-finite, fractional-microsecond and over-one-day values are
/// rejected.
pub fn parse_duration(s: &str) -> Result<Micros, String> {
    let (number, unit) = split_quantity(s, "duration", "5ms")?;
    let factor: u128 = match unit {
        "us" | "µs" | "μs" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "min" => 60_000_000,
        "h" => 3_600_000_000,
        "" => {
            return Err(format!(
                "duration \"{}\" has no unit; write it like \"{}ms\" (units: us, ms, s, min)",
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
                "unknown unit \"{other}\" in duration \"{}\"; use us, ms, s or min",
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
    Ok((Decimal { whole, fraction }, unit.trim()))
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
// Walking the document
// ---------------------------------------------------------------------------

type Value<'i> = Spanned<DeValue<'i>>;
type Res<T> = Result<T, ScenarioError>;

/// The text being validated, for building errors.
struct Cx<'t> {
    text: &'t str,
    file: &'t str,
}

/// One TOML table, with its entries in source order.
struct Table<'a, 'i> {
    /// Dotted path; empty for the document root.
    path: String,
    span: Range<usize>,
    entries: Vec<(&'a Spanned<DeString<'i>>, &'a Value<'i>)>,
}

impl<'a, 'i> Table<'a, 'i> {
    fn new(path: String, span: Range<usize>, map: &'a DeTable<'i>) -> Table<'a, 'i> {
        let mut entries: Vec<_> = map.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        Table {
            path,
            span,
            entries,
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value<'i>> {
        self.entries
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| *v)
    }

    /// The dotted path of `key` in this table.
    fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// How messages name this table.
    fn named(&self) -> String {
        if self.path.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in `{}`", self.path)
        }
    }
}

impl<'t> Cx<'t> {
    fn error(&self, span: Range<usize>, field: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError::at(self.file, self.text, span, field, message)
    }

    fn syntax_error(&self, e: &toml::de::Error) -> ScenarioError {
        let message = e.message().trim();
        let message = message
            .strip_suffix(", expected nothing")
            .unwrap_or(message)
            .replace('\n', "; ");
        let message = format!("invalid TOML: {message}");
        match e.span() {
            Some(span) => self.error(span, "", message),
            None => ScenarioError::without_position(self.file, "", message),
        }
    }

    /// The source text of a value, shortened for messages.
    fn shown(&self, value: &Value<'_>) -> String {
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

    fn expected(&self, value: &Value<'_>, field: &str, what: &str) -> ScenarioError {
        self.error(
            value.span(),
            field,
            format!("`{field}` must be {what}, got {}", self.shown(value)),
        )
    }

    // -- tables ---------------------------------------------------------------

    fn table<'a, 'i>(&self, value: &'a Value<'i>, field: &str) -> Res<Table<'a, 'i>> {
        match value.get_ref() {
            DeValue::Table(map) => Ok(Table::new(field.to_string(), value.span(), map)),
            _ => Err(self.expected(value, field, "a table")),
        }
    }

    /// Reject the first key (in source order) not in `allowed`.
    fn known_keys(&self, table: &Table<'_, '_>, allowed: &[&str]) -> Res<()> {
        for (key, _) in &table.entries {
            let name: &str = key.get_ref();
            if allowed.contains(&name) {
                continue;
            }
            let field = table.field(name);
            let mut err = self.error(
                key.span(),
                &field,
                format!("unknown field `{name}` {}", table.named()),
            );
            err = match closest(name, allowed) {
                Some(guess) => err.with_help(format!("did you mean `{guess}`?")),
                None => err.with_help(format!("expected one of: {}", list(allowed))),
            };
            return Err(err);
        }
        Ok(())
    }

    fn missing(&self, table: &Table<'_, '_>, key: &str) -> ScenarioError {
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
    fn opt<T>(
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
    fn req<T>(
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

    // -- scalars --------------------------------------------------------------

    /// Any TOML integer, as written (sign included).
    fn integer(&self, value: &Value<'_>, field: &str, what: &str) -> Res<i128> {
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
    fn int_in(&self, value: &Value<'_>, field: &str, min: u64, max: u64, what: &str) -> Res<u64> {
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

    fn u32_in(&self, value: &Value<'_>, field: &str, min: u32, what: &str) -> Res<u32> {
        self.int_in(value, field, u64::from(min), u64::from(u32::MAX), what)
            .map(|n| n as u32)
    }

    fn port(&self, value: &Value<'_>, field: &str) -> Res<u16> {
        self.int_in(value, field, 1, 65535, "a port number")
            .map(|n| n as u16)
    }

    fn probability(&self, value: &Value<'_>, field: &str) -> Res<f64> {
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

    fn boolean(&self, value: &Value<'_>, field: &str) -> Res<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(self.expected(value, field, "true or false")),
        }
    }

    fn string<'v>(&self, value: &'v Value<'_>, field: &str, what: &str) -> Res<&'v str> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s),
            _ => Err(self.expected(value, field, what)),
        }
    }

    /// One of a fixed set of strings.
    fn choice<T: Copy>(&self, value: &Value<'_>, field: &str, options: &[(&str, T)]) -> Res<T> {
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
    fn quantity<T>(
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

    fn duration(&self, value: &Value<'_>, field: &str) -> Res<Micros> {
        self.quantity(
            value,
            field,
            "a duration string like \"5ms\"",
            "ms",
            parse_duration,
        )
    }

    /// A line rate; the string `"unlimited"` is `None`.
    fn rate(&self, value: &Value<'_>, field: &str) -> Res<Option<u64>> {
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
    fn size(&self, value: &Value<'_>, field: &str) -> Res<u64> {
        let what = "a size (bytes, or a string like \"64KiB\")";
        match value.get_ref() {
            DeValue::Integer(_) => self.int_in(value, field, 0, u64::MAX, "size in bytes"),
            DeValue::String(_) => self.quantity(value, field, what, "B", parse_size),
            _ => Err(self.expected(value, field, what)),
        }
    }

    /// A size within `min..=max` bytes.
    fn size_in(&self, value: &Value<'_>, field: &str, min: u64, max: u64) -> Res<u64> {
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

    fn ipv4(&self, value: &Value<'_>, field: &str) -> Res<Ipv4Addr> {
        let what = "an IPv4 address like \"192.168.1.13\"";
        let s = self.string(value, field, what)?;
        s.trim()
            .parse()
            .map_err(|_| self.expected(value, field, what))
    }

    fn mac(&self, value: &Value<'_>, field: &str) -> Res<[u8; 6]> {
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

    fn flags(&self, value: &Value<'_>, field: &str) -> Res<FlagBits> {
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

    // -- the document ---------------------------------------------------------

    fn scenario(&self, name: String, span: Range<usize>, map: &DeTable<'_>) -> Res<Scenario> {
        let root = Table::new(String::new(), span, map);
        self.known_keys(&root, TOP_KEYS)?;

        let seed = self
            .opt(&root, "seed", |cx, v, f| {
                cx.int_in(v, f, 0, u64::MAX, "integer")
            })?
            .unwrap_or(DEFAULT_SEED);
        let capture = self
            .opt(&root, "capture", |cx, v, f| {
                cx.choice(v, f, &[("client", Role::Client), ("server", Role::Server)])
            })?
            .unwrap_or(Role::Server);
        let max_sim_time = self
            .opt(&root, "max_sim_time", |cx, v, f| {
                let t = cx.duration(v, f)?;
                if t == 0 {
                    return Err(cx.error(v.span(), f, format!("`{f}` must be greater than zero")));
                }
                Ok(t)
            })?
            .unwrap_or(DEFAULT_MAX_SIM_TIME);
        let max_events = self
            .opt(&root, "max_events", |cx, v, f| {
                cx.int_in(v, f, 1, u64::MAX, "an integer")
            })?
            .unwrap_or(DEFAULT_MAX_EVENTS);

        let link = match root.get("link") {
            Some(value) => self.link(value)?,
            None => {
                let config = LinkSettings::default().over(&LinkSettings::default());
                [config.clone(), config]
            }
        };
        let faults = match root.get("fault") {
            Some(value) => self.faults(value)?,
            None => Vec::new(),
        };

        let client_value = root.get("client").ok_or_else(|| {
            self.missing(&root, "client")
                .with_help("add a [client] table with at least `ip` and `steps`")
        })?;
        let client_table = self.table(client_value, "client")?;
        self.known_keys(&client_table, CLIENT_KEYS)?;
        let (client_host, client_spans) = self.host(&client_table, Role::Client)?;
        let client_port = self.opt(&client_table, "port", Cx::port)?;
        let connections = self
            .opt(&client_table, "connections", |cx, v, f| {
                cx.int_in(v, f, 1, MAX_CONNECTIONS, "a connection count")
            })?
            .unwrap_or(1) as u32;
        let steps = self.req(&client_table, "steps", |cx, v, f| {
            let mut connected = false;
            cx.steps(v, f, &mut connected)
        })?;

        let server_value = root.get("server").ok_or_else(|| {
            self.missing(&root, "server")
                .with_help("add a [server] table with at least `ip` and `port`")
        })?;
        let server_table = self.table(server_value, "server")?;
        self.known_keys(&server_table, SERVER_KEYS)?;
        let (server_host, server_spans) = self.host(&server_table, Role::Server)?;
        let server = self.server(&server_table)?;

        if client_host.ip == server_host.ip {
            return Err(self
                .error(
                    server_spans.ip,
                    "server.ip",
                    format!(
                        "the server has the same IP address as the client ({})",
                        server_host.ip
                    ),
                )
                .with_help("give the two hosts different addresses"));
        }
        if client_host.mac == server_host.mac {
            let (span, field) = match (server_spans.mac, client_spans.mac) {
                (Some(span), _) => (span, "server.mac"),
                (None, Some(span)) => (span, "client.mac"),
                (None, None) => (server_spans.ip, "server.mac"),
            };
            return Err(self
                .error(
                    span,
                    field,
                    format!(
                        "the client and the server have the same MAC address ({})",
                        show_mac(&server_host.mac)
                    ),
                )
                .with_help("give the two hosts different MAC addresses"));
        }

        Ok(Scenario {
            name,
            seed,
            capture,
            max_sim_time,
            max_events,
            link,
            faults,
            hosts: [client_host, server_host],
            client: ClientProgram {
                port: client_port,
                connections,
                steps,
            },
            server,
        })
    }

    fn link(&self, value: &Value<'_>) -> Res<[LinkConfig; 2]> {
        let table = self.table(value, "link")?;
        self.known_keys(&table, LINK_KEYS)?;
        let base = self.link_settings(&table)?;
        let direction = |dir: Dir| -> Res<LinkConfig> {
            let over = match table.get(dir.name()) {
                Some(v) => {
                    let sub = self.table(v, &table.field(dir.name()))?;
                    self.known_keys(&sub, LINK_DIR_KEYS)?;
                    self.link_settings(&sub)?
                }
                None => LinkSettings::default(),
            };
            Ok(base.over(&over))
        };
        let c2s = direction(Dir::ClientToServer)?;
        let s2c = direction(Dir::ServerToClient)?;
        Ok([c2s, s2c])
    }

    fn link_settings(&self, t: &Table<'_, '_>) -> Res<LinkSettings> {
        Ok(LinkSettings {
            latency: self.opt(t, "latency", Cx::duration)?,
            jitter: self.opt(t, "jitter", Cx::duration)?,
            loss: self.opt(t, "loss", Cx::probability)?,
            dup: self.opt(t, "dup", Cx::probability)?,
            reorder: self.opt(t, "reorder", Cx::probability)?,
            reorder_delay: self.opt(t, "reorder_delay", Cx::duration)?,
            rate: self.opt(t, "rate", Cx::rate)?,
            queue: self.opt(t, "queue", |cx, v, f| {
                if let DeValue::String(s) = v.get_ref()
                    && s.trim() == "unlimited"
                {
                    return Ok(None);
                }
                cx.size_in(v, f, MIN_QUEUE_BYTES, u64::MAX).map(Some)
            })?,
        })
    }

    fn faults(&self, value: &Value<'_>) -> Res<Vec<Fault>> {
        let items = match value.get_ref() {
            DeValue::Array(items) => items,
            DeValue::Table(_) => {
                return Err(self
                    .expected(value, "fault", "an array of tables")
                    .with_help("write each fault as [[fault]] (double brackets)"));
            }
            _ => return Err(self.expected(value, "fault", "an array of tables")),
        };
        let mut faults = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let table = self.table(item, &format!("fault[{i}]"))?;
            self.known_keys(&table, FAULT_KEYS)?;
            faults.push(self.fault(&table)?);
        }
        Ok(faults)
    }

    fn fault(&self, t: &Table<'_, '_>) -> Res<Fault> {
        let dir = self.req(t, "dir", |cx, v, f| {
            cx.choice(
                v,
                f,
                &[("c2s", Dir::ClientToServer), ("s2c", Dir::ServerToClient)],
            )
        })?;
        let flags = self.opt(t, "flags", Cx::flags)?;
        let seq = self.opt(t, "seq", |cx, v, f| {
            cx.u32_in(v, f, 0, "a relative sequence number")
        })?;
        let len = self.opt(t, "len", |cx, v, f| cx.u32_in(v, f, 0, "a payload length"))?;
        let nth = self
            .opt(t, "nth", |cx, v, f| cx.u32_in(v, f, 1, "a match count"))?
            .unwrap_or(1);
        #[derive(Clone, Copy, PartialEq)]
        enum Kind {
            Drop,
            Delay,
            Stall,
        }
        let kind = self.req(t, "action", |cx, v, f| {
            cx.choice(
                v,
                f,
                &[
                    ("drop", Kind::Drop),
                    ("delay", Kind::Delay),
                    ("stall", Kind::Stall),
                ],
            )
        })?;
        let delay = self.opt(t, "delay", Cx::duration)?;
        let action = match (kind, delay) {
            (Kind::Drop, None) => FaultAction::Drop,
            (Kind::Delay, Some(d)) => FaultAction::Delay(d),
            (Kind::Stall, Some(d)) => FaultAction::Stall(d),
            (Kind::Drop, Some(_)) => {
                let field = t.field("delay");
                let span = t.get("delay").map_or(t.span.clone(), |v| v.span());
                return Err(self
                    .error(
                        span,
                        &field,
                        format!("`{field}` is only allowed with action = \"delay\" or \"stall\""),
                    )
                    .with_help("remove `delay`, or choose action = \"delay\" or \"stall\""));
            }
            (Kind::Delay | Kind::Stall, None) => {
                let field = t.field("delay");
                let action = t.get("action");
                let span = action.map_or(t.span.clone(), |v| v.span());
                let name = action.map_or("delay".to_string(), |v| self.shown(v));
                return Err(self
                    .error(
                        span,
                        &field,
                        format!("action = {name} needs a `delay` in `{}`", t.path),
                    )
                    .with_help("add a line like delay = \"20ms\""));
            }
        };
        Ok(Fault {
            dir,
            flags,
            seq,
            len,
            nth,
            action,
        })
    }

    fn host(&self, t: &Table<'_, '_>, role: Role) -> Res<(HostConfig, HostSpans)> {
        let ip_value = t.get("ip").ok_or_else(|| self.missing(t, "ip"))?;
        let ip = self.ipv4(ip_value, &t.field("ip"))?;
        let mac_value = t.get("mac");
        let mac = match mac_value {
            Some(v) => self.mac(v, &t.field("mac"))?,
            None => match role {
                Role::Client => CLIENT_MAC,
                Role::Server => SERVER_MAC,
            },
        };
        let profile = self
            .opt(t, "profile", |cx, v, f| {
                cx.choice(
                    v,
                    f,
                    &[("linux", Profile::Linux), ("smoltcp", Profile::Smoltcp)],
                )
            })?
            .unwrap_or(Profile::Linux);
        let buffer = |key: &str| -> Res<usize> {
            let n = self
                .opt(t, key, |cx, v, f| cx.size_in(v, f, MIN_BUFFER, MAX_BUFFER))?
                .unwrap_or(DEFAULT_BUFFER);
            Ok(to_usize(n))
        };
        let rx_buffer = buffer("rx_buffer")?;
        let tx_buffer = buffer("tx_buffer")?;
        let rx_coalesce = self.opt(t, "rx_coalesce", Cx::duration)?.unwrap_or(0);
        let delayed_ack = self
            .opt(t, "delayed_ack", Cx::duration)?
            .unwrap_or(DEFAULT_DELAYED_ACK);
        let arp = self.opt(t, "arp", Cx::boolean)?.unwrap_or(false);
        let congestion = self
            .opt(t, "congestion", |cx, v, f| {
                cx.choice(
                    v,
                    f,
                    &[
                        ("none", Congestion::None),
                        ("reno", Congestion::Reno),
                        ("cubic", Congestion::Cubic),
                    ],
                )
            })?
            .unwrap_or(Congestion::Cubic);
        Ok((
            HostConfig {
                ip,
                mac,
                profile,
                rx_buffer,
                tx_buffer,
                rx_coalesce,
                delayed_ack,
                arp,
                congestion,
            },
            HostSpans {
                ip: ip_value.span(),
                mac: mac_value.map(|v| v.span()),
            },
        ))
    }

    fn server(&self, t: &Table<'_, '_>) -> Res<EchoServer> {
        let port = self.req(t, "port", Cx::port)?;
        let backlog = self
            .opt(t, "backlog", |cx, v, f| {
                cx.int_in(v, f, 1, MAX_BACKLOG, "a backlog")
            })?
            .unwrap_or(DEFAULT_BACKLOG) as u32;
        let mut server = EchoServer {
            mode: ServerMode::Echo,
            port,
            backlog,
            recv: to_usize(DEFAULT_ECHO_RECV),
            sleep: 0,
            transform: Transform::None,
            times: 1,
            connections: 1,
        };
        let programs: Vec<&str> = ["echo", "sink", "source"]
            .into_iter()
            .filter(|k| t.get(k).is_some())
            .collect();
        if programs.len() > 1 {
            let second = programs[1];
            let value = t.get(second).expect("present");
            return Err(self.error(
                value.span(),
                &t.field(second),
                format!(
                    "a server runs one program: `[server.{}]` and `[server.{second}]` both given",
                    programs[0]
                ),
            ));
        }
        if let Some(value) = t.get("sink") {
            let sink = self.table(value, &t.field("sink"))?;
            self.known_keys(&sink, SINK_KEYS)?;
            server.mode = ServerMode::Sink;
            self.server_common(&sink, &mut server)?;
            return Ok(server);
        }
        if let Some(value) = t.get("source") {
            let source = self.table(value, &t.field("source"))?;
            self.known_keys(&source, SOURCE_KEYS)?;
            let bytes = self.req(&source, "bytes", |cx, v, f| {
                cx.size_in(v, f, 1, MAX_SEND_BYTES)
            })?;
            server.mode = ServerMode::Source(bytes);
            self.server_common(&source, &mut server)?;
            return Ok(server);
        }
        let Some(value) = t.get("echo") else {
            return Ok(server);
        };
        let echo = self.table(value, &t.field("echo"))?;
        self.known_keys(&echo, ECHO_KEYS)?;
        self.server_common(&echo, &mut server)?;
        if let Some(tr) = self.opt(&echo, "transform", |cx, v, f| {
            cx.choice(
                v,
                f,
                &[
                    ("none", Transform::None),
                    ("upper", Transform::Upper),
                    ("lower", Transform::Lower),
                ],
            )
        })? {
            server.transform = tr;
        }
        if let Some(n) = self.opt(&echo, "times", |cx, v, f| {
            cx.int_in(v, f, 1, MAX_ECHO_TIMES, "a repeat count")
        })? {
            server.times = n as u32;
        }
        Ok(server)
    }

    /// Keys every server program has: recv, sleep, connections.
    fn server_common(&self, t: &Table<'_, '_>, server: &mut EchoServer) -> Res<()> {
        if let Some(n) = self.opt(t, "recv", |cx, v, f| cx.size_in(v, f, 1, MAX_RECV))? {
            server.recv = to_usize(n);
        }
        if let Some(d) = self.opt(t, "sleep", Cx::duration)? {
            server.sleep = d;
        }
        if let Some(n) = self.opt(t, "connections", |cx, v, f| {
            cx.u32_in(v, f, 1, "a connection count")
        })? {
            server.connections = n;
        }
        Ok(())
    }

    // -- client steps ---------------------------------------------------------

    /// A non-empty list of steps. `connected` records whether a `connect` has
    /// been seen (in program order) so socket use before it is caught.
    fn steps(&self, value: &Value<'_>, field: &str, connected: &mut bool) -> Res<Vec<Step>> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self
                .expected(value, field, "an array of steps")
                .with_help("write steps = [\"connect\", { send = \"hi\" }, \"close\"]"));
        };
        if items.is_empty() {
            return Err(self
                .error(
                    value.span(),
                    field,
                    format!("`{field}` must list at least one step"),
                )
                .with_help("for example: steps = [\"connect\", \"close\"]"));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.step(item, &format!("{field}[{i}]"), connected))
            .collect()
    }

    fn step(&self, value: &Value<'_>, field: &str, connected: &mut bool) -> Res<Step> {
        let step = match value.get_ref() {
            DeValue::String(s) => match s.as_ref() {
                "connect" => {
                    *connected = true;
                    return Ok(Step::Connect);
                }
                "close" => Step::Close,
                "shutdown" => Step::Shutdown,
                other => {
                    let err = self.error(
                        value.span(),
                        field,
                        format!(
                            "unknown step {} at `{field}`; the plain-string steps are \"connect\", \"shutdown\" and \"close\"",
                            self.shown(value)
                        ),
                    );
                    return Err(if STEP_KINDS.contains(&other) {
                        err.with_help(format!(
                            "`{other}` takes a value: write {{ {other} = ... }}"
                        ))
                    } else if let Some(guess) = closest(other, &["connect", "shutdown", "close"]) {
                        err.with_help(format!("did you mean \"{guess}\"?"))
                    } else {
                        err.with_help(format!(
                            "table steps are {}",
                            STEP_KINDS
                                .iter()
                                .map(|k| format!("{{ {k} = ... }}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    });
                }
            },
            DeValue::Table(map) => {
                let table = Table::new(field.to_string(), value.span(), map);
                let (key, inner) = match table.entries.as_slice() {
                    [] => {
                        return Err(self
                            .error(
                                value.span(),
                                field,
                                format!("`{field}` is an empty step table"),
                            )
                            .with_help(format!(
                                "a step table has exactly one key: {}",
                                list(STEP_KINDS)
                            )));
                    }
                    [(key, inner)] => (key.get_ref().as_ref(), *inner),
                    [(first, _), (second, _), ..] => {
                        return Err(self
                            .error(
                                second.span(),
                                &table.field(second.get_ref()),
                                format!(
                                    "a step does one thing, but `{field}` has both `{}` and `{}`",
                                    first.get_ref(),
                                    second.get_ref()
                                ),
                            )
                            .with_help("split it into two steps"));
                    }
                };
                self.known_keys(&table, STEP_KINDS)?;
                let inner_field = table.field(key);
                let f = inner_field.as_str();
                match key {
                    "send" => {
                        let s = self.string(inner, f, "a string of data to send")?;
                        if s.is_empty() {
                            return Err(self
                                .error(inner.span(), f, format!("`{f}` must not be empty"))
                                .with_help("to send nothing, remove the step"));
                        }
                        Step::Send(s.as_bytes().to_vec())
                    }
                    "send_bytes" => Step::SendBytes(self.size_in(inner, f, 1, MAX_SEND_BYTES)?),
                    "recv" => Step::Recv(to_usize(self.size_in(inner, f, 1, MAX_RECV)?)),
                    "recv_all" => Step::RecvAll(to_usize(self.size_in(inner, f, 1, MAX_RECV)?)),
                    "sleep" => return Ok(Step::Sleep(self.duration(inner, f)?)),
                    _ => return self.repeat(inner, f, connected),
                }
            }
            _ => {
                return Err(self.expected(
                    value,
                    field,
                    "\"connect\", \"shutdown\", \"close\" or a table such as { send = \"hi\" }",
                ));
            }
        };
        if !*connected {
            let verb = match &step {
                Step::Send(_) | Step::SendBytes(_) => "sends",
                Step::Recv(_) | Step::RecvAll(_) => "receives",
                Step::Shutdown => "shuts down",
                _ => "closes",
            };
            return Err(self
                .error(
                    value.span(),
                    field,
                    format!("`{field}` {verb} before the client has connected"),
                )
                .with_help("the client's first socket step must be \"connect\""));
        }
        Ok(step)
    }

    fn repeat(&self, value: &Value<'_>, field: &str, connected: &mut bool) -> Res<Step> {
        let table = self.table(value, field)?;
        self.known_keys(&table, REPEAT_KEYS)?;
        let times = self.req(&table, "times", |cx, v, f| {
            cx.u32_in(v, f, 1, "a repeat count")
        })?;
        let steps = self.req(&table, "steps", |cx, v, f| cx.steps(v, f, connected))?;
        Ok(Step::Repeat { times, steps })
    }
}

/// Where the host values that cross-checks point at are.
struct HostSpans {
    ip: Range<usize>,
    mac: Option<Range<usize>>,
}

/// Link keys given in one table; `None` where the table leaves them out.
#[derive(Default)]
struct LinkSettings {
    latency: Option<Micros>,
    jitter: Option<Micros>,
    loss: Option<f64>,
    dup: Option<f64>,
    reorder: Option<f64>,
    reorder_delay: Option<Micros>,
    rate: Option<Option<u64>>,
    queue: Option<Option<u64>>,
}

impl LinkSettings {
    /// `over`'s keys, falling back to `self`'s, falling back to the defaults.
    fn over(&self, over: &LinkSettings) -> LinkConfig {
        LinkConfig {
            latency: over.latency.or(self.latency).unwrap_or(DEFAULT_LATENCY),
            jitter: over.jitter.or(self.jitter).unwrap_or(0),
            loss: over.loss.or(self.loss).unwrap_or(0.0),
            dup: over.dup.or(self.dup).unwrap_or(0.0),
            reorder: over.reorder.or(self.reorder).unwrap_or(0.0),
            reorder_delay: over
                .reorder_delay
                .or(self.reorder_delay)
                .unwrap_or(DEFAULT_REORDER_DELAY),
            rate_bps: over.rate.or(self.rate).unwrap_or(Some(DEFAULT_RATE_BPS)),
            queue_bytes: over.queue.or(self.queue).unwrap_or(None),
        }
    }
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

/// Sizes are capped at 1 GiB before they become `usize`; saturate anyway.
fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// A byte count in the largest binary unit that divides it exactly.
fn show_size(n: u64) -> String {
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

fn show_mac(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn list(names: &[&str]) -> String {
    names.join(", ")
}

fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The allowed name closest to a misspelt one, if any is close enough.
fn closest<'n>(word: &str, names: &[&'n str]) -> Option<&'n str> {
    let word = word.to_ascii_lowercase();
    names
        .iter()
        .map(|n| (edit_distance(&word, n), *n))
        .filter(|(d, n)| *d <= (n.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Edit distance counting insertions, deletions, substitutions and swaps of
/// neighbouring characters (optimal string alignment), in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between the first i chars of a and the first j of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("latency", "latency"), 0);
        assert_eq!(edit_distance("latncy", "latency"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("sned", "send"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(closest("lantecy", LINK_KEYS), Some("latency"));
        assert_eq!(closest("zzz", LINK_KEYS), None);
    }

    #[test]
    fn locate_counts_lines_and_characters() {
        let text = "a = 1\nµ = \"x\"\n";
        let start = text.find('"').unwrap_or(0);
        let (line, col, source, width) = locate(text, start..start + 3);
        assert_eq!((line, col, source.as_str(), width), (2, 5, "µ = \"x\"", 3));
        // A span at the very end points just past the last line.
        let (line, col, _, width) = locate(text, text.len()..text.len());
        assert_eq!((line, col, width), (3, 1, 1));
    }
}
