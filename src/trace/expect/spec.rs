//! The expected-sequence language: one segment pattern per line, parsed into
//! [`Expected`].
//!
//! The notation is tcpdump's and packetdrill's (`S. 0:0(0) ack 1`): flag
//! letters, then `start:end(length)` in relative sequence numbers, then
//! keywords. Those tools were chosen as the model because people who debug TCP
//! already read it fluently, and because a line says in a few characters what
//! a Wireshark row says in a hundred.

use std::fmt;
use std::str::FromStr;

use crate::scenario::model::Role;
use crate::trace::expect::pattern::{AckField, Direction, FLAG_LETTERS, Item, Pattern};
use crate::trace::{Fate, Trace, flags};

/// A parsed expected sequence, ready to check any number of traces.
///
/// Parse once and [`check`](Expected::check) many runs, for example the same
/// exchange over a range of seeds. The language is described on the
/// [module page](crate::trace::expect).
///
/// ```
/// use tcpsim::trace::expect::Expected;
///
/// let expected: Expected = "
///     c> S 0:0(0)            # the client's SYN
///     s> S. 0:0(0) ack 1
///     ...                    # whatever happens in between
///     ? c> R *:*(0)          # maybe a reset at the very end
/// "
/// .parse()
/// .unwrap();
/// assert_eq!(expected.len(), 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub(super) items: Vec<Item>,
}

impl Expected {
    /// Parse an expected sequence; a mistake is reported with its line and
    /// column (1-based, in characters).
    ///
    /// ```
    /// let err = tcpsim::trace::expect::Expected::parse("c> S 0:0(0)\ns> S. 0:0(0) ack x").unwrap_err();
    /// assert_eq!((err.line, err.column), (2, 18));
    /// assert!(err.message.contains("number"), "{err}");
    /// ```
    pub fn parse(spec: &str) -> Result<Expected, SpecError> {
        let mut items = Vec::new();
        for (index, raw) in spec.lines().enumerate() {
            if let Some(item) = parse_line(index + 1, raw)? {
                items.push(item);
            }
        }
        Ok(Expected { items })
    }

    /// The number of meaningful lines (segments and `...`), comments and
    /// blank lines not counted.
    ///
    /// ```
    /// let e = tcpsim::trace::expect::Expected::parse("# nothing\n\n").unwrap();
    /// assert_eq!(e.len(), 0);
    /// assert!(e.is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no meaningful lines: such a sequence matches only a
    /// trace without records.
    ///
    /// ```
    /// assert!(!tcpsim::trace::expect::Expected::parse("...").unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Match the trace's records, all of them and in order, against this
    /// sequence; on failure the error shows both side by side.
    ///
    /// ```
    /// # let trace = tcpsim::run(tcpsim::scenario::parse(r#"
    /// # [client]
    /// # ip = "10.0.0.1"
    /// # steps = ["connect", "close"]
    /// # [server]
    /// # ip = "10.0.0.2"
    /// # port = 7
    /// # "#, "hello.toml").unwrap());
    /// let handshake = tcpsim::trace::expect::Expected::parse(
    ///     "c> S 0:0(0)\ns> S. 0:0(0) ack 1\nc> . 1:1(0) ack 1\n...",
    /// )
    /// .unwrap();
    /// assert!(handshake.check(&trace).is_ok());
    /// ```
    pub fn check(&self, trace: &Trace) -> Result<(), super::Mismatch> {
        super::matcher::check(self, trace)
            .map_err(|steps| super::report::mismatch(&self.items, trace, &steps))
    }
}

impl FromStr for Expected {
    type Err = SpecError;

    fn from_str(spec: &str) -> Result<Expected, SpecError> {
        Expected::parse(spec)
    }
}

/// A mistake in an expected sequence, with where it is.
///
/// `Display` draws it like a compiler diagnostic: the message, the position,
/// the line and carets under the offending text.
///
/// ```
/// let err = tcpsim::trace::expect::Expected::parse("c> SX 0:0(0)").unwrap_err();
/// assert_eq!(err.to_string(), "\
/// error: unknown flag letter `X`: flags are letters from F S R P . U E W, `none` or `*`
///  --> expected sequence, line 1, column 5
///   |
/// 1 | c> SX 0:0(0)
///   |     ^
/// ");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// 1-based line number in the expected sequence.
    pub line: usize,
    /// 1-based column, in characters, where the problem starts.
    pub column: usize,
    /// How many characters the carets cover (at least 1).
    pub width: usize,
    /// What is wrong, as one sentence.
    pub message: String,
    /// The full line the error points into.
    pub text: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = " ".repeat(self.line.to_string().len());
        writeln!(f, "error: {}", self.message)?;
        writeln!(
            f,
            "{gutter}--> expected sequence, line {}, column {}",
            self.line, self.column
        )?;
        writeln!(f, "{gutter} |")?;
        writeln!(f, "{} | {}", self.line, self.text)?;
        writeln!(
            f,
            "{gutter} | {}{}",
            " ".repeat(self.column - 1),
            "^".repeat(self.width.max(1))
        )
    }
}

impl std::error::Error for SpecError {}

/// A whitespace-separated word of a line, with its byte offset in the line.
#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    at: usize,
    text: &'a str,
}

struct LineParser<'a> {
    line: usize,
    raw: &'a str,
}

impl<'a> LineParser<'a> {
    /// An error covering `width` characters from byte offset `at` of the line.
    fn error(&self, at: usize, width: usize, message: impl Into<String>) -> SpecError {
        SpecError {
            line: self.line,
            column: self.raw[..at].chars().count() + 1,
            width: width.max(1),
            message: message.into(),
            text: self.raw.to_string(),
        }
    }

    fn token_error(&self, token: Token<'_>, message: impl Into<String>) -> SpecError {
        self.error(token.at, token.text.chars().count(), message)
    }

    /// A number or `*` within a token, at byte offset `at` of the line.
    fn number(&self, text: &str, at: usize, what: &str) -> Result<Option<u32>, SpecError> {
        if text == "*" {
            return Ok(None);
        }
        if text.is_empty() {
            return Err(self.error(at, 1, format!("expected {what}: a number or `*`")));
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.error(
                at,
                text.chars().count(),
                format!("{what} must be a number or `*`, got `{text}`"),
            ));
        }
        text.parse::<u32>().map(Some).map_err(|_| {
            self.error(
                at,
                text.len(),
                format!("{what} {text} is out of range (0 ..= 4294967295)"),
            )
        })
    }

    fn flags(&self, token: Token<'_>) -> Result<Option<u8>, SpecError> {
        match token.text {
            "*" => return Ok(None),
            "none" => return Ok(Some(0)),
            _ => {}
        }
        let mut bits = 0u8;
        for (offset, c) in token.text.char_indices() {
            let at = token.at + offset;
            let Some((bit, _)) = FLAG_LETTERS.iter().find(|(_, l)| *l == c) else {
                return Err(self.error(
                    at,
                    1,
                    format!(
                        "unknown flag letter `{c}`: flags are letters from F S R P . U E W, `none` or `*`"
                    ),
                ));
            };
            if bits & bit != 0 {
                return Err(self.error(at, 1, format!("flag `{c}` is given twice")));
            }
            bits |= bit;
        }
        Ok(Some(bits))
    }

    /// `start:end(length)`, each part a number or `*`.
    fn range(&self, token: Token<'_>) -> Result<[Option<u32>; 3], SpecError> {
        let text = token.text;
        let shape = "expected `start:end(length)`, such as `1:21(20)` or `*:*(*)`";
        let Some(colon) = text.find(':') else {
            return Err(self.token_error(token, shape));
        };
        let Some(open) = text[colon..].find('(').map(|i| colon + i) else {
            return Err(self.token_error(token, shape));
        };
        if !text.ends_with(')') || text.len() < open + 2 {
            return Err(self.token_error(token, shape));
        }
        let close = text.len() - 1;
        let seq = self.number(&text[..colon], token.at, "the start sequence number")?;
        let end = self.number(
            &text[colon + 1..open],
            token.at + colon + 1,
            "the end sequence number",
        )?;
        let len = self.number(&text[open + 1..close], token.at + open + 1, "the length")?;
        if let (Some(s), Some(e), Some(l)) = (seq, end, len)
            && s.wrapping_add(l) != e
        {
            return Err(self.token_error(
                token,
                format!(
                    "end {e} is not start {s} plus length {l}: write `{s}:{}({l})`",
                    s.wrapping_add(l)
                ),
            ));
        }
        Ok([seq, end, len])
    }
}

/// Parse one line: `None` for a blank or comment-only line.
fn parse_line(line: usize, raw: &str) -> Result<Option<Item>, SpecError> {
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    let p = LineParser { line, raw };
    let body = raw.find('#').map_or(raw, |i| &raw[..i]);
    let mut tokens = Vec::new();
    let mut start = None;
    for (i, c) in body.char_indices().chain([(body.len(), ' ')]) {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                tokens.push(Token {
                    at: s,
                    text: &body[s..i],
                });
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    let Some(first) = tokens.first().copied() else {
        return Ok(None);
    };
    let text = body.trim().to_string();
    let mut rest = &tokens[..];
    let optional = first.text == "?";
    if optional {
        rest = &rest[1..];
    }
    let Some(head) = rest.first().copied() else {
        return Err(p.error(
            first.at + 1,
            1,
            "`?` must be followed by a segment on the same line",
        ));
    };
    if head.text == "..." {
        if optional {
            return Err(p.token_error(first, "`...` already matches nothing; drop the `?`"));
        }
        if let Some(extra) = rest.get(1) {
            return Err(p.token_error(*extra, "`...` stands alone on its line"));
        }
        return Ok(Some(Item::Gap { line, text }));
    }
    let direction = match head.text {
        "c>" => Some(Direction::Sender(Role::Client)),
        "s>" => Some(Direction::Sender(Role::Server)),
        ">" => Some(Direction::FromCapture),
        "<" => Some(Direction::ToCapture),
        _ => None,
    };
    if direction.is_some() {
        rest = &rest[1..];
    }
    let direction = direction.unwrap_or(Direction::Any);
    let Some(flags_token) = rest.first().copied() else {
        return Err(p.error(
            body.trim_end().len(),
            1,
            "expected flags after the direction, such as `S`, `S.`, `P.` or `*`",
        ));
    };
    let flags = p.flags(flags_token)?;
    let Some(range_token) = rest.get(1).copied() else {
        return Err(p.error(
            body.trim_end().len(),
            1,
            "expected `start:end(length)` after the flags, such as `1:21(20)` or `*:*(*)`",
        ));
    };
    let [seq, end, len] = p.range(range_token)?;
    let mut pattern = Pattern {
        direction,
        flags,
        seq,
        end,
        len,
        ack: AckField::Absent,
        win: None,
        fate: None,
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut words = rest[2..].iter().copied();
    while let Some(word) = words.next() {
        let key = match word.text {
            "ack" | "win" => word.text,
            "dropped" | "duplicated" | "delivered" => "fate",
            other => {
                return Err(p.token_error(
                    word,
                    format!(
                        "unexpected `{other}`: after the range come `ack N`, `win N` and `dropped`, `duplicated` or `delivered`"
                    ),
                ));
            }
        };
        if seen.contains(&key) {
            return Err(p.token_error(word, format!("`{}` is given twice", word.text)));
        }
        seen.push(key);
        match word.text {
            "ack" | "win" => {
                if word.text == "ack"
                    && let Some(bits) = flags
                    && bits & flags::ACK == 0
                {
                    return Err(p.token_error(
                        word,
                        "`ack` needs the ACK flag `.` among the flags: without it a segment carries no acknowledgment number",
                    ));
                }
                let Some(value) = words.next() else {
                    return Err(p.error(
                        word.at + word.text.len(),
                        1,
                        format!("`{}` needs a number or `*` after it", word.text),
                    ));
                };
                let n = p.number(value.text, value.at, &format!("the {} value", word.text))?;
                if word.text == "win" {
                    if let Some(w) = n
                        && w > u32::from(u16::MAX)
                    {
                        return Err(p.token_error(
                            value,
                            format!("the window field has 16 bits: {w} is more than 65535"),
                        ));
                    }
                    pattern.win = n;
                } else {
                    pattern.ack = n.map_or(AckField::Any, AckField::Is);
                }
            }
            "dropped" => pattern.fate = Some(Fate::Dropped),
            "duplicated" => pattern.fate = Some(Fate::Duplicated),
            _ => pattern.fate = Some(Fate::Delivered),
        }
    }
    Ok(Some(Item::Segment {
        line,
        text,
        optional,
        pattern,
    }))
}

#[cfg(test)]
mod tests;
