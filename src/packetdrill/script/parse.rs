//! Turns the token stream of one script into a [`Script`].
//!
//! This file holds the script-level grammar (header options, the untimed
//! init/cleanup commands, event times) and system call lines; argument
//! expressions live in `expr.rs` and packet lines in `packet.rs`. The parser
//! is hand-written recursive descent over a token vector so it can promise what a runner
//! needs from untrusted input: it never panics (no failing indexing, checked
//! arithmetic), every error has a line and column inside the input, and
//! recursion is capped at [`MAX_DEPTH`] nested expressions.
//!
//! Where packetdrill's bison grammar applies semantic checks (value ranges,
//! `*` and `a~b` times only on outbound packets, `<...>` options only on
//! outbound packets, consistent sequence ranges), this parser applies the
//! same checks, so a script it accepts is one packetdrill would accept.

use crate::packetdrill::script::ast::{
    Command, Direction, Event, EventKind, HeaderOption, Script, Syscall, Time,
};
use crate::packetdrill::script::error::{ErrorKind, ParseError, quote};
use crate::packetdrill::script::lex::{Tok, Token, tokenize};

/// The deepest nesting of expressions accepted: each `[`, `{`, `name(` and
/// `name=` inside an argument adds one level. All recursion in the parser
/// goes through `Parser::expr`, which enforces it.
pub const MAX_DEPTH: usize = 64;

/// Parses the text of one `.pkt` file. `path` is used only in error messages.
/// Symbols defined in the header (`--define=NAME=VALUE`) are substituted.
pub fn parse(path: &str, text: &str) -> Result<Script, ParseError> {
    parse_with_defines(path, text, &[])
}

/// Like [`parse`], with extra `(NAME, VALUE)` definitions, as packetdrill's
/// command line gives with `-D NAME=VALUE`. They override header definitions
/// of the same name. See `defines.rs` for how values are read.
pub fn parse_with_defines(
    path: &str,
    text: &str,
    defines: &[(String, String)],
) -> Result<Script, ParseError> {
    let toks = tokenize(path, text)?;
    let mut all = crate::packetdrill::script::defines::from_header(&toks);
    all.extend_from_slice(defines);
    let mut p = Parser::new(
        path,
        crate::packetdrill::script::defines::substitute(toks, &all),
    );
    p.script()
}

/// Parser state: the tokens, a cursor and the current nesting depth.
pub(crate) struct Parser<'a> {
    toks: Vec<Token>,
    pub(crate) pos: usize,
    path: &'a str,
    depth: usize,
    /// False while parsing a system call's result, where `WORD (` is a
    /// symbol followed by a note, not a call (as in packetdrill's grammar).
    pub(crate) calls_allowed: bool,
    eof: Token,
}

impl<'a> Parser<'a> {
    fn new(path: &'a str, toks: Vec<Token>) -> Self {
        let eof = toks.last().cloned().unwrap_or(Token {
            tok: Tok::Eof,
            text: String::new(),
            line: 1,
            col: 1,
        });
        Parser {
            toks,
            pos: 0,
            path,
            depth: 0,
            calls_allowed: true,
            eof,
        }
    }

    pub(crate) fn peek(&self) -> &Token {
        self.peek_n(0)
    }

    pub(crate) fn peek_n(&self, n: usize) -> &Token {
        self.pos
            .checked_add(n)
            .and_then(|i| self.toks.get(i))
            .unwrap_or(&self.eof)
    }

    /// Returns the current token and moves past it (never past the end).
    pub(crate) fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::Eof {
            self.pos = self.pos.saturating_add(1);
        }
        t
    }

    pub(crate) fn err(&self, at: &Token, message: impl Into<String>) -> ParseError {
        self.error_kind(at, message.into(), ErrorKind::Syntax)
    }

    pub(crate) fn unsupported(&self, at: &Token, message: impl Into<String>) -> ParseError {
        self.error_kind(at, message.into(), ErrorKind::Unsupported)
    }

    fn error_kind(&self, at: &Token, message: String, kind: ErrorKind) -> ParseError {
        ParseError {
            path: self.path.to_string(),
            line: at.line,
            col: at.col,
            token: quote(&at.text),
            message,
            kind,
        }
    }

    /// Consumes the punctuation `c` or fails with "expected `c` `context`".
    pub(crate) fn expect_punct(&mut self, c: char, context: &str) -> Result<Token, ParseError> {
        if self.peek().is_punct(c) {
            Ok(self.next())
        } else {
            Err(self.err(self.peek(), format!("expected `{c}` {context}")))
        }
    }

    /// Consumes the punctuation `c` if it is next.
    pub(crate) fn eat_punct(&mut self, c: char) -> bool {
        let yes = self.peek().is_punct(c);
        if yes {
            self.next();
        }
        yes
    }

    /// Consumes the keyword `w` if it is next.
    pub(crate) fn eat_word(&mut self, w: &str) -> bool {
        let yes = self.peek().is_word(w);
        if yes {
            self.next();
        }
        yes
    }

    /// Reads a decimal integer no larger than `max`; `what` names the value
    /// in errors ("TCP window value").
    pub(crate) fn uint(&mut self, what: &str, max: u64) -> Result<u64, ParseError> {
        let t = self.peek().clone();
        let value = match t.tok {
            Tok::Int => t.text.parse::<u64>().ok(),
            Tok::Hex => t.text.get(2..).and_then(|h| u64::from_str_radix(h, 16).ok()),
            Tok::Word => {
                return Err(self.err(
                    &t,
                    format!(
                        "expected a number for the {what}; `{}` is not defined (define it with --define {}=VALUE)",
                        quote(&t.text),
                        quote(&t.text)
                    ),
                ))
            }
            _ => return Err(self.err(&t, format!("expected a number for the {what}"))),
        };
        match value.filter(|v| *v <= max) {
            Some(v) => {
                self.next();
                Ok(v)
            }
            None => Err(self.err(&t, format!("{what} out of range (0 to {max})"))),
        }
    }

    /// Runs `f` one nesting level deeper, failing past [`MAX_DEPTH`].
    pub(crate) fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(
                self.peek(),
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.depth += 1;
        let r = f(self);
        self.depth = self.depth.saturating_sub(1);
        r
    }

    fn script(&mut self) -> Result<Script, ParseError> {
        let mut options = Vec::new();
        while let Tok::Opt { name, value } = &self.peek().tok {
            options.push(HeaderOption {
                name: name.clone(),
                value: value.clone(),
                line: self.peek().line,
            });
            self.next();
        }
        let init_command = self.untimed_command();
        let mut events = Vec::new();
        let mut cleanup_command = None;
        loop {
            let t = self.peek();
            match &t.tok {
                Tok::Eof => break,
                Tok::BackQuoted(_) if self.peek_n(1).tok == Tok::Eof => {
                    cleanup_command = self.untimed_command();
                    break;
                }
                Tok::BackQuoted(_) => {
                    return Err(self.err(
                        t,
                        "a shell command between events needs a time (e.g. `+0 `command``); \
                         only the first and last lines may be untimed",
                    ));
                }
                Tok::Opt { .. } => {
                    return Err(self.err(
                        t,
                        "header options (`--name=value`) must come before the first event",
                    ));
                }
                _ => events.push(self.event()?),
            }
        }
        if events.is_empty() {
            return Err(self.err(self.peek(), "the script has no events"));
        }
        Ok(Script {
            options,
            init_command,
            events,
            cleanup_command,
        })
    }

    fn untimed_command(&mut self) -> Option<Command> {
        let t = self.peek().clone();
        match t.tok {
            Tok::BackQuoted(text) => {
                self.next();
                Some(Command {
                    line: t.line,
                    col: t.col,
                    text,
                })
            }
            _ => None,
        }
    }

    fn event(&mut self) -> Result<Event, ParseError> {
        let start = self.peek().clone();
        let time = self.event_time()?;
        let action = self.peek().clone();
        let (end_time, kind) = match &action.tok {
            Tok::Punct('<') | Tok::Punct('>') => (None, self.packet()?),
            Tok::BackQuoted(text) => {
                self.next();
                (None, EventKind::Command(text.clone()))
            }
            Tok::Code(text) => {
                self.next();
                (None, EventKind::Code(text.clone()))
            }
            Tok::Ellipsis => {
                self.next();
                let end_tok = self.peek().clone();
                let end = self.seconds(&end_tok)?;
                let (end_time, start_usecs) = match time {
                    Time::Absolute(s) => (Time::Absolute(end), s),
                    Time::Relative(s) => (Time::Relative(end), s),
                    _ => {
                        return Err(self.err(&start, "a blocking system call (`start...end`) needs a plain start time"))
                    }
                };
                if end < start_usecs {
                    return Err(self.err(&end_tok, "a blocking call cannot return before it starts"));
                }
                if !matches!(self.peek().tok, Tok::Word) {
                    return Err(self.err(self.peek(), "expected a system call after `start...end`"));
                }
                (Some(end_time), EventKind::Syscall(self.syscall()?))
            }
            Tok::Word => (None, EventKind::Syscall(self.syscall()?)),
            _ => {
                return Err(self.err(
                    &action,
                    "expected a packet (`<` or `>`), a system call, a `command` or a %{ code }% block after the time",
                ))
            }
        };
        let outbound = match &kind {
            EventKind::Packet(p) => p.direction == Direction::Outbound,
            EventKind::OtherPacket(p) => p.direction == Direction::Outbound,
            _ => false,
        };
        match time {
            Time::Any if !outbound => {
                return Err(self.err(
                    &start,
                    "event time `*` can only be used with outbound packets",
                ));
            }
            Time::Range { .. } if !outbound => {
                return Err(self.err(
                    &start,
                    "an event time range can only be used with outbound packets",
                ));
            }
            _ => {}
        }
        Ok(Event {
            line: start.line,
            col: start.col,
            time,
            end_time,
            kind,
        })
    }

    /// `*`, `t`, `+t`, `a~b` or `+a~+b`.
    fn event_time(&mut self) -> Result<Time, ParseError> {
        if self.eat_punct('*') {
            return Ok(Time::Any);
        }
        let relative = self.eat_punct('+');
        let first = self.peek().clone();
        if !matches!(first.tok, Tok::Int | Tok::Float) {
            let what = if relative {
                "a number after `+`"
            } else {
                "an event time (`0.1`, `+0.1`, `*` or `a~b`)"
            };
            return Err(self.err(&first, format!("expected {what}")));
        }
        let start = self.seconds(&first)?;
        if !self.eat_punct('~') {
            return Ok(if relative {
                Time::Relative(start)
            } else {
                Time::Absolute(start)
            });
        }
        let end_relative = self.eat_punct('+');
        let end_tok = self.peek().clone();
        if end_relative != relative {
            return Err(self.err(
                &end_tok,
                "both ends of a time range must be relative (`+a~+b`) or absolute (`a~b`)",
            ));
        }
        let end = self.seconds(&end_tok)?;
        if end < start {
            return Err(self.err(&end_tok, "time range is backwards"));
        }
        Ok(Time::Range {
            relative,
            start,
            end,
        })
    }

    /// Reads an `Int` or `Float` token of seconds as exact microseconds
    /// (digits past the sixth decimal are dropped).
    fn seconds(&mut self, t: &Token) -> Result<u64, ParseError> {
        if !matches!(t.tok, Tok::Int | Tok::Float) {
            return Err(self.err(t, "expected a time in seconds"));
        }
        let (whole, frac) = t.text.split_once('.').unwrap_or((&t.text, ""));
        let whole: u64 = if whole.is_empty() {
            Some(0)
        } else {
            whole.parse().ok()
        }
        .ok_or_else(|| self.err(t, "time out of range"))?;
        let mut frac_usecs: u64 = 0;
        for i in 0..6 {
            let d = frac
                .as_bytes()
                .get(i)
                .map_or(0, |b| u64::from(b.saturating_sub(b'0')));
            frac_usecs = frac_usecs * 10 + d;
        }
        let usecs = whole
            .checked_mul(1_000_000)
            .and_then(|w| w.checked_add(frac_usecs));
        let usecs = usecs.ok_or_else(|| self.err(t, "time out of range"))?;
        self.next();
        Ok(usecs)
    }

    /// `name(args) = result [ERRNO] [(note words)]`.
    fn syscall(&mut self) -> Result<Syscall, ParseError> {
        let name = self.next().text;
        self.expect_punct(
            '(',
            &format!("after the system call name `{}`", quote(&name)),
        )?;
        let args = self.list(')', "the argument list")?;
        self.expect_punct('=', "and the expected result after the system call")?;
        self.calls_allowed = false;
        let result = self.expr();
        self.calls_allowed = true;
        let result = result?;
        let errno = if self.peek().tok == Tok::Word {
            Some(self.next().text)
        } else {
            None
        };
        let errno_note = if self.peek().is_punct('(') {
            Some(self.note()?)
        } else {
            None
        };
        Ok(Syscall {
            name,
            args,
            result,
            errno,
            errno_note,
        })
    }

    /// `(words ...)` after a result; the words are joined by single spaces.
    fn note(&mut self) -> Result<String, ParseError> {
        let open = self.next();
        let mut words: Vec<String> = Vec::new();
        loop {
            let t = self.peek().clone();
            match t.tok {
                Tok::Eof => return Err(self.err(&open, "unterminated `(` note after the result")),
                Tok::Punct(')') => {
                    self.next();
                    return Ok(words.join(" "));
                }
                Tok::Punct('(') => {
                    return Err(self.err(&t, "nested `(` in the note after the result"));
                }
                _ => words.push(self.next().text),
            }
        }
    }
}
