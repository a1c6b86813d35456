//! Splits a script into tokens, each with its line and column.
//!
//! The token set follows packetdrill's flex scanner, with three deliberate
//! simplifications that keep the grammar in `parse.rs` context-free of lexer
//! state:
//!
//! - Keywords (`ack`, `win`, `mss`, `TS`, ...) are ordinary [`Tok::Word`]s;
//!   the parser recognises them where they are expected, so they remain usable
//!   as symbol names elsewhere.
//! - `-` is always punctuation; the parser applies it to a following integer.
//!   (packetdrill lexes `-1` as one token; the result is the same.)
//! - An option value (`--local_ip=fd::1`, `--x="a b"`) is taken verbatim up to
//!   whitespace or `//`, so IPv4 and IPv6 addresses need no token of their
//!   own. Addresses elsewhere are written as strings (`inet_addr("...")`).
//!
//! A run of letters, digits and `_` is one token (the longest match, as in
//! flex): all digits is [`Tok::Int`], `0x` plus hex digits is [`Tok::Hex`],
//! anything else is a [`Tok::Word`] (so a Fast Open cookie `3021b9d6eeb` is one
//! word).

use crate::packetdrill::script::error::{ErrorKind, ParseError, quote};

/// What a token is. Literal and identifier text lives in [`Token::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// Decimal digits.
    Int,
    /// `0x` followed by hex digits.
    Hex,
    /// `1.5`, `.01`: digits, a dot, digits (the leading digits may be absent).
    Float,
    /// Any other run of `[A-Za-z0-9_]`.
    Word,
    /// A double-quoted string, escapes decoded.
    Str(Vec<u8>),
    /// A backquoted shell command, contents verbatim.
    BackQuoted(String),
    /// A `%{ ... }%` block, spaces and tabs trimmed from both ends.
    Code(String),
    /// `--name` or `--name=value` (value's surrounding `"` removed).
    Opt {
        /// The name without the leading `--`.
        name: String,
        /// The text after `=`; `None` for a bare flag.
        value: Option<String>,
    },
    /// `...`
    Ellipsis,
    /// Any other single character.
    Punct(char),
    /// The end of the input (always the last token).
    Eof,
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What kind of token it is (with a string's decoded bytes).
    pub tok: Tok,
    /// The source text of the token (empty for [`Tok::Eof`]).
    pub text: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

impl Token {
    /// True if this is the punctuation character `c`.
    pub fn is_punct(&self, c: char) -> bool {
        self.tok == Tok::Punct(c)
    }

    /// True if this is a word spelled exactly `w`.
    pub fn is_word(&self, w: &str) -> bool {
        self.tok == Tok::Word && self.text == w
    }
}

/// Turns `text` into tokens ending with one [`Tok::Eof`], or reports an
/// unterminated string, command, code block or comment.
pub fn tokenize(path: &str, text: &str) -> Result<Vec<Token>, ParseError> {
    let mut lx = Lexer {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
        col: 1,
        path,
    };
    let mut out = Vec::new();
    loop {
        lx.skip_space_and_comments()?;
        let (line, col, start) = (lx.line, lx.col, lx.pos);
        let Some(c) = lx.peek(0) else {
            out.push(Token {
                tok: Tok::Eof,
                text: String::new(),
                line,
                col,
            });
            return Ok(out);
        };
        let tok = lx.token(c, line, col)?;
        let raw: String = lx.chars.get(start..lx.pos).unwrap_or(&[]).iter().collect();
        out.push(Token {
            tok,
            text: raw,
            line,
            col,
        });
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

struct Lexer<'a> {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    col: usize,
    path: &'a str,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos.checked_add(ahead)?).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.pos = self.pos.saturating_add(1);
        if c == '\n' {
            self.line = self.line.saturating_add(1);
            self.col = 1;
        } else {
            self.col = self.col.saturating_add(1);
        }
        Some(c)
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.peek(i) == Some(c))
    }

    fn error(&self, line: usize, col: usize, token: &str, message: &str) -> ParseError {
        ParseError {
            path: self.path.to_string(),
            line,
            col,
            token: quote(token),
            message: message.to_string(),
            kind: ErrorKind::Syntax,
        }
    }

    fn skip_space_and_comments(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek(0) {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('/') if self.peek(1) == Some('/') => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                Some('/') if self.peek(1) == Some('*') => {
                    let (line, col) = (self.line, self.col);
                    self.bump();
                    self.bump();
                    loop {
                        if self.starts_with("*/") {
                            self.bump();
                            self.bump();
                            break;
                        }
                        if self.bump().is_none() {
                            return Err(self.error(line, col, "/*", "unterminated /* comment"));
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Reads characters while `f` holds and returns them.
    fn take_while(&mut self, f: impl Fn(char) -> bool) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0).filter(|&c| f(c)) {
            s.push(c);
            self.bump();
        }
        s
    }

    /// Reads one token starting with `c` (already known to exist).
    fn token(&mut self, c: char, line: usize, col: usize) -> Result<Tok, ParseError> {
        if c == '%' && self.peek(1) == Some('{') {
            return self.code(line, col);
        }
        if c == '-' && self.peek(1) == Some('-') && self.peek(2).is_some_and(is_word_char) {
            return Ok(self.option());
        }
        if c == '"' {
            return self.string(line, col);
        }
        if c == '`' {
            self.bump();
            let mut s = String::new();
            loop {
                match self.bump() {
                    None => return Err(self.error(line, col, "`", "unterminated `command`")),
                    Some('`') => return Ok(Tok::BackQuoted(s)),
                    Some('\\') => {
                        s.push('\\');
                        if let Some(n) = self.bump() {
                            s.push(n);
                        }
                    }
                    Some(ch) => s.push(ch),
                }
            }
        }
        if c == '.' {
            if self.starts_with("...") {
                self.pos_advance(3);
                return Ok(Tok::Ellipsis);
            }
            if self.peek(1).is_some_and(|d| d.is_ascii_digit()) {
                self.bump();
                self.take_while(|d| d.is_ascii_digit());
                return Ok(Tok::Float);
            }
        }
        if is_word_char(c) {
            let word = self.take_while(is_word_char);
            let bytes = word.as_bytes();
            if bytes.iter().all(u8::is_ascii_digit) {
                if self.peek(0) == Some('.') && self.peek(1).is_some_and(|d| d.is_ascii_digit()) {
                    self.bump();
                    self.take_while(|d| d.is_ascii_digit());
                    return Ok(Tok::Float);
                }
                return Ok(Tok::Int);
            }
            let is_hex = word.len() > 2
                && (word.starts_with("0x") || word.starts_with("0X"))
                && bytes
                    .get(2..)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            return Ok(if is_hex { Tok::Hex } else { Tok::Word });
        }
        self.bump();
        Ok(Tok::Punct(c))
    }

    fn pos_advance(&mut self, n: usize) {
        for _ in 0..n {
            self.bump();
        }
    }

    /// `--name` with an optional `=value`.
    fn option(&mut self) -> Tok {
        self.pos_advance(2);
        let name = self.take_while(is_word_char);
        if self.peek(0) != Some('=') {
            return Tok::Opt { name, value: None };
        }
        self.bump();
        let mut value = String::new();
        while let Some(c) = self.peek(0) {
            if c.is_whitespace() || self.starts_with("//") {
                break;
            }
            self.bump();
            value.push(c);
            if c == '"' || c == '`' {
                // A quoted part may hold spaces; read to its closing quote.
                while let Some(q) = self.bump() {
                    value.push(q);
                    if q == c {
                        break;
                    }
                }
            }
        }
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .filter(|v| !v.contains('"'))
            .map(str::to_string);
        Tok::Opt {
            name,
            value: Some(unquoted.unwrap_or(value)),
        }
    }

    /// `%{ ... }%`, ending at the first `}%`.
    fn code(&mut self, line: usize, col: usize) -> Result<Tok, ParseError> {
        self.pos_advance(2);
        let mut s = String::new();
        loop {
            if self.starts_with("}%") {
                self.pos_advance(2);
                let trimmed = s.trim_matches(|c| c == ' ' || c == '\t');
                return Ok(Tok::Code(trimmed.to_string()));
            }
            match self.bump() {
                Some(c) => s.push(c),
                None => return Err(self.error(line, col, "%{", "unterminated %{ code block }%")),
            }
        }
    }

    /// A C string literal: `\n \t \r \0 \\ \" \' \a \b \f \v \xHH \ooo` are
    /// decoded; any other escaped character stands for itself.
    fn string(&mut self, line: usize, col: usize) -> Result<Tok, ParseError> {
        self.bump();
        let mut out = Vec::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(self.error(line, col, "\"", "unterminated string"));
            };
            match c {
                '"' => return Ok(Tok::Str(out)),
                '\\' => {
                    let Some(e) = self.bump() else {
                        return Err(self.error(line, col, "\"", "unterminated string"));
                    };
                    let simple = match e {
                        'n' => Some(b'\n'),
                        't' => Some(b'\t'),
                        'r' => Some(b'\r'),
                        'a' => Some(7),
                        'b' => Some(8),
                        'f' => Some(12),
                        'v' => Some(11),
                        _ => None,
                    };
                    if let Some(b) = simple {
                        out.push(b);
                    } else if e == 'x' && self.peek(0).is_some_and(|h| h.is_ascii_hexdigit()) {
                        out.push(self.radix_byte(16, 2));
                    } else if let Some(d) = e.to_digit(8) {
                        // Up to two more octal digits follow the first.
                        let rest = self.radix_digits(8, 2);
                        let v = rest.into_iter().fold(d, |acc, x| acc * 8 + x);
                        out.push(u8::try_from(v & 0xff).unwrap_or(0));
                    } else {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(e.encode_utf8(&mut buf).as_bytes());
                    }
                }
                other => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
    }

    /// Reads up to `max` digits of `radix` and returns their values.
    fn radix_digits(&mut self, radix: u32, max: usize) -> Vec<u32> {
        let mut v = Vec::new();
        while v.len() < max {
            match self.peek(0).and_then(|c| c.to_digit(radix)) {
                Some(d) => {
                    v.push(d);
                    self.bump();
                }
                None => break,
            }
        }
        v
    }

    fn radix_byte(&mut self, radix: u32, max: usize) -> u8 {
        let v = self
            .radix_digits(radix, max)
            .into_iter()
            .fold(0u32, |acc, d| acc * radix + d);
        u8::try_from(v & 0xff).unwrap_or(0)
    }
}
