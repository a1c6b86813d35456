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
use crate::trace::{Fate, Record, Trace, flags};

/// tcpdump's flag letters in tcpdump's printing order (`print-tcp.c`), which
/// is also the order [`compact`](super::compact) writes them in.
pub(super) const FLAG_LETTERS: [(u8, char); 8] = [
    (flags::FIN, 'F'),
    (flags::SYN, 'S'),
    (flags::RST, 'R'),
    (flags::PSH, 'P'),
    (flags::ACK, '.'),
    (flags::URG, 'U'),
    (flags::ECE, 'E'),
    (flags::CWR, 'W'),
];

/// Flag bits as tcpdump letters (`S.`, `FP.`), or `none` for a segment without
/// flags, as tcpdump prints it.
pub(super) fn flag_letters(bits: u8) -> String {
    let letters: String = FLAG_LETTERS
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, c)| *c)
        .collect();
    if letters.is_empty() {
        "none".to_string()
    } else {
        letters
    }
}

/// Which way a line's segment must travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    /// No prefix: either way.
    Any,
    /// `c>` (client to server) or `s>` (server to client): named by sender,
    /// whatever host the capture is on.
    Sender(Role),
    /// `>`: sent by the capture host. packetdrill's outbound arrow: its
    /// scripts are written from the host under test, as the trace is.
    FromCapture,
    /// `<`: received by the capture host (packetdrill's inbound arrow).
    ToCapture,
}

impl Direction {
    fn sender(self, capture: Role) -> Option<Role> {
        match self {
            Direction::Any => None,
            Direction::Sender(role) => Some(role),
            Direction::FromCapture => Some(capture),
            Direction::ToCapture => Some(capture.peer()),
        }
    }
}

/// A constraint on the acknowledgment number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AckField {
    /// No `ack` keyword: anything, with or without the ACK flag.
    Absent,
    /// `ack *`: the ACK flag is set, any number.
    Any,
    /// `ack N`: the ACK flag is set and the relative number is N.
    Is(u32),
}

/// One line's segment pattern. `None` in a field means `*` (or left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pattern {
    direction: Direction,
    flags: Option<u8>,
    seq: Option<u32>,
    end: Option<u32>,
    len: Option<u32>,
    ack: AckField,
    win: Option<u32>,
    fate: Option<Fate>,
}

fn role_words(role: Role) -> &'static str {
    match role {
        Role::Client => "client to server (c>)",
        Role::Server => "server to client (s>)",
    }
}

/// The parts of a segment a pattern can constrain, in the order a report
/// explains them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Direction,
    Flags,
    Seq,
    End,
    Len,
    Ack,
    Win,
    Fate,
}

const FIELDS: [Field; 8] = [
    Field::Direction,
    Field::Flags,
    Field::Seq,
    Field::End,
    Field::Len,
    Field::Ack,
    Field::Win,
    Field::Fate,
];

/// Where a segment ends in sequence space as tcpdump writes it: start plus
/// payload length (SYN and FIN are not counted, as in `S 0:0(0)`).
fn end_of(rec: &Record) -> u32 {
    rec.seq.wrapping_add(rec.len)
}

impl Pattern {
    /// Whether the record fits every field the pattern constrains.
    pub(super) fn matches(&self, rec: &Record, capture: Role) -> bool {
        FIELDS.iter().all(|&f| self.field_ok(f, rec, capture))
    }

    /// One phrase per field the record gets wrong, e.g. `seq: expected 6, got 7`.
    pub(super) fn differences(&self, rec: &Record, capture: Role) -> Vec<String> {
        FIELDS
            .iter()
            .filter(|&&f| !self.field_ok(f, rec, capture))
            .map(|&f| self.explain(f, rec, capture))
            .collect()
    }

    fn field_ok(&self, field: Field, rec: &Record, capture: Role) -> bool {
        let is = |want: Option<u32>, got: u32| want.is_none_or(|w| w == got);
        match field {
            Field::Direction => self
                .direction
                .sender(capture)
                .is_none_or(|want| want == rec.sender),
            Field::Flags => self.flags.is_none_or(|want| want == rec.flags),
            Field::Seq => is(self.seq, rec.seq),
            Field::End => is(self.end, end_of(rec)),
            Field::Len => is(self.len, rec.len),
            Field::Ack => match self.ack {
                AckField::Absent => true,
                AckField::Any => rec.flags & flags::ACK != 0,
                AckField::Is(want) => rec.flags & flags::ACK != 0 && want == rec.ack,
            },
            Field::Win => is(self.win, u32::from(rec.win)),
            Field::Fate => self.fate.is_none_or(|want| want == rec.fate),
        }
    }

    fn explain(&self, field: Field, rec: &Record, capture: Role) -> String {
        let number = |name: &str, want: Option<u32>, got: u32| {
            format!("{name}: expected {}, got {got}", want.unwrap_or_default())
        };
        match field {
            Field::Direction => format!(
                "direction: expected {}, got {}",
                role_words(self.direction.sender(capture).unwrap_or(rec.sender)),
                role_words(rec.sender)
            ),
            Field::Flags => format!(
                "flags: expected {}, got {}",
                flag_letters(self.flags.unwrap_or_default()),
                flag_letters(rec.flags)
            ),
            Field::Seq => number("seq", self.seq, rec.seq),
            Field::End => number("end", self.end, end_of(rec)),
            Field::Len => number("len", self.len, rec.len),
            Field::Ack => match self.ack {
                AckField::Is(want) if rec.flags & flags::ACK != 0 => {
                    format!("ack: expected {want}, got {}", rec.ack)
                }
                _ => "ack: expected an ACK, the segment has no ACK flag".to_string(),
            },
            Field::Win => number("win", self.win, u32::from(rec.win)),
            Field::Fate => format!(
                "fate: expected {}, got {}",
                self.fate.unwrap_or(Fate::Delivered).name(),
                rec.fate.name()
            ),
        }
    }

    /// Whether the pattern constrains the window (then the actual side of a
    /// report shows it too).
    pub(super) fn has_win(&self) -> bool {
        self.win.is_some()
    }
}

/// One meaningful line of an expected sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Item {
    /// `...`: any number of records, none included.
    Gap { line: usize, text: String },
    /// A segment pattern; `optional` when the line starts with `?`.
    Segment {
        line: usize,
        text: String,
        optional: bool,
        pattern: Pattern,
    },
}

impl Item {
    pub(super) fn line(&self) -> usize {
        match self {
            Item::Gap { line, .. } | Item::Segment { line, .. } => *line,
        }
    }

    /// The line as written, without its comment and surrounding blanks.
    pub(super) fn text(&self) -> &str {
        match self {
            Item::Gap { text, .. } | Item::Segment { text, .. } => text,
        }
    }
}

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
mod tests {
    use super::*;

    fn err(spec: &str) -> SpecError {
        Expected::parse(spec).unwrap_err()
    }

    fn pattern(spec: &str) -> Pattern {
        match Expected::parse(spec).unwrap().items.remove(0) {
            Item::Segment { pattern, .. } => pattern,
            other => panic!("not a segment: {other:?}"),
        }
    }

    #[test]
    fn a_full_line_sets_every_field() {
        let p = pattern("s> P. 1:10(9) ack 21 win 512 dropped");
        assert_eq!(p.direction, Direction::Sender(Role::Server));
        assert_eq!(p.flags, Some(flags::PSH | flags::ACK));
        assert_eq!((p.seq, p.end, p.len), (Some(1), Some(10), Some(9)));
        assert_eq!(p.ack, AckField::Is(21));
        assert_eq!(p.win, Some(512));
        assert_eq!(p.fate, Some(Fate::Dropped));
    }

    #[test]
    fn flags_in_any_order_and_wildcards() {
        assert_eq!(pattern(".S 0:0(0)").flags, pattern("S. 0:0(0)").flags);
        assert_eq!(pattern("none 0:0(0)").flags, Some(0));
        let p = pattern("* *:*(*) ack *");
        assert_eq!(p.flags, None);
        assert_eq!((p.seq, p.end, p.len), (None, None, None));
        assert_eq!(p.ack, AckField::Any);
        assert_eq!(p.direction, Direction::Any);
        assert_eq!(pattern("< R 0:0(0)").direction, Direction::ToCapture);
        assert_eq!(pattern("> R 0:0(0)").direction, Direction::FromCapture);
    }

    #[test]
    fn comments_blank_lines_gaps_and_optional_lines() {
        let e = Expected::parse("# head\n\n  c> S 0:0(0)  # syn\n...\n? s> R 0:0(0)\n").unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e.items[0].line(), 3);
        assert_eq!(e.items[0].text(), "c> S 0:0(0)");
        assert!(matches!(e.items[1], Item::Gap { line: 4, .. }));
        assert!(matches!(
            e.items[2],
            Item::Segment {
                optional: true,
                line: 5,
                ..
            }
        ));
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = err("c> S 0:0(0)\n  s> S. 0:1(0) ack 1");
        assert_eq!((e.line, e.column, e.width), (2, 9, 6));
        assert!(e.message.contains("`0:0(0)`"), "{}", e.message);

        let e = err("c> S 0:0(0) ack 1");
        assert_eq!((e.line, e.column), (1, 13));
        assert!(e.message.contains("ACK flag"), "{}", e.message);

        let e = err("c> SS 0:0(0)");
        assert_eq!(e.column, 5);
        assert!(e.message.contains("twice"));

        let e = err("c> S 0:0(0) ack");
        assert!(e.message.contains("needs the ACK flag"), "{}", e.message);
        let e = err("c> S. 0:0(0) ack");
        assert_eq!(e.column, 17);
        assert!(e.message.contains("needs a number"), "{}", e.message);

        let e = err("c> S. 0:0(0) ack 1 ack 1");
        assert_eq!(e.column, 20);
        let e = err("c> S. 0:0(0) mss 1460");
        assert_eq!(e.column, 14);
        assert!(e.message.contains("unexpected `mss`"));
        let e = err("c> S. 0:0(0) win 70000");
        assert!(e.message.contains("16 bits"));
        let e = err("c> S. 5000000000:0(0)");
        assert!(e.message.contains("out of range"));
        assert_eq!((e.column, e.width), (7, 10));
        let e = err("c> S. 0-0");
        assert!(e.message.contains("start:end(length)"));
        let e = err("c> S.");
        assert!(e.message.contains("after the flags"));
        let e = err("c>");
        assert!(e.message.contains("after the direction"));
        let e = err("?");
        assert!(e.message.contains("followed by"));
        let e = err("? ...");
        assert_eq!(e.column, 1);
        let e = err("... c> S 0:0(0)");
        assert_eq!(e.column, 5);
        let e = err("c> S 0:0()");
        assert!(e.message.contains("the length"), "{}", e.message);
        assert_eq!(e.column, 10);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let e = err("c> µ 0:0(0)");
        assert_eq!((e.column, e.width), (4, 1));
        let e = err("c> S 0:0(0) # µµ\nc> S 0:0(x)");
        assert_eq!((e.line, e.column), (2, 10));
    }

    #[test]
    fn display_draws_the_line_and_carets() {
        let e = err("\n\n\n\n\n\n\n\n\nc> S 0:x(0)");
        assert_eq!(
            e.to_string(),
            concat!(
                "error: the end sequence number must be a number or `*`, got `x`\n",
                "  --> expected sequence, line 10, column 8\n",
                "   |\n",
                "10 | c> S 0:x(0)\n",
                "   |        ^\n",
            )
        );
    }
}
