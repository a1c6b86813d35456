//! Tokens of the Python subset used in `%{ ... }%` blocks.
//!
//! packetdrill hands these blocks to a real Python interpreter after
//! defining the `tcpi_*` fields of `struct tcp_info`. tcpsim evaluates them
//! itself, so it needs Python's lexical rules for the part of the language
//! the scripts use: integers, quoted strings, names, operators, `#` comments,
//! statements ended by newline or `;`, newlines ignored inside brackets,
//! and backslash-newline continuation. Indentation is not tracked: the
//! statements accepted here are all simple statements, and compound ones
//! (`if`, `for`, `def`, ...) are refused by the parser before indentation
//! would matter.

use crate::packetdrill::script::pyast::Unsupported;

/// A Python token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyTok {
    /// An integer literal (decimal, `0x`, `0o` or `0b`), within `i64`.
    Int(i64),
    /// A string literal, escapes decoded.
    Str(String),
    /// A name or keyword.
    Name(String),
    /// An operator or delimiter, e.g. `==`, `//=`, `(`.
    Op(&'static str),
    /// The end of a statement: a newline outside brackets, or `;`.
    End,
}

/// A token with its 1-based line and column inside the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyToken {
    /// What kind of token it is.
    pub tok: PyTok,
    /// 1-based line inside the block.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

/// Operators, longest first so that `//=` wins over `//` and `/`.
const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "&=",
    "|=", "^=", "**", "//", "<<", ">>", "->", ":=", "<", ">", "+", "-", "*", "/", "%", "&", "|",
    "^", "~", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "=", "@",
];

/// A position in the block's characters.
struct Cursor {
    chars: Vec<char>,
    i: usize,
    line: usize,
    col: usize,
}

impl Cursor {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i.checked_add(ahead)?).copied()
    }

    fn bump(&mut self, n: usize) {
        for _ in 0..n {
            match self.peek(0) {
                Some('\n') => {
                    self.line += 1;
                    self.col = 1;
                }
                Some(_) => self.col += 1,
                None => return,
            }
            self.i += 1;
        }
    }

    /// Consumes and returns characters while `f` holds.
    fn take_while(&mut self, f: impl Fn(char) -> bool) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0).filter(|&c| f(c)) {
            s.push(c);
            self.bump(1);
        }
        s
    }
}

fn unsupported(line: usize, col: usize, what: &str) -> Unsupported {
    Unsupported {
        construct: what.to_string(),
        line,
        col,
    }
}

/// Splits a code block into tokens, or names the first thing it cannot read.
pub fn tokenize(text: &str) -> Result<Vec<PyToken>, Unsupported> {
    let mut cur = Cursor {
        chars: text.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
    };
    let mut out = Vec::new();
    let mut brackets = 0usize;
    while let Some(c) = cur.peek(0) {
        let (line, col) = (cur.line, cur.col);
        let push = |out: &mut Vec<PyToken>, tok| out.push(PyToken { tok, line, col });
        if c == '\n' {
            cur.bump(1);
            if brackets == 0 {
                push(&mut out, PyTok::End);
            }
        } else if c == '\\' && cur.peek(1) == Some('\n') {
            cur.bump(2);
        } else if c == '\\' && cur.peek(1) == Some('\r') && cur.peek(2) == Some('\n') {
            cur.bump(3);
        } else if c.is_whitespace() {
            cur.bump(1);
        } else if c == '#' {
            cur.take_while(|c| c != '\n');
        } else if c == '\'' || c == '"' {
            push(&mut out, PyTok::Str(string(&mut cur, c)?));
        } else if c.is_ascii_digit()
            || (c == '.' && cur.peek(1).is_some_and(|d| d.is_ascii_digit()))
        {
            let word = cur.take_while(|d| d.is_ascii_alphanumeric() || d == '_' || d == '.');
            push(&mut out, PyTok::Int(int_literal(&word, line, col)?));
        } else if c.is_alphabetic() || c == '_' {
            let word = cur.take_while(|d| d.is_alphanumeric() || d == '_');
            if matches!(cur.peek(0), Some('\'') | Some('"')) {
                return Err(unsupported(
                    line,
                    col,
                    &format!("a `{word}`-prefixed string"),
                ));
            }
            push(&mut out, PyTok::Name(word));
        } else {
            let rest: String = (0..3).filter_map(|k| cur.peek(k)).collect();
            let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) else {
                return Err(unsupported(line, col, &format!("the character `{c}`")));
            };
            cur.bump(op.chars().count());
            match *op {
                "(" | "[" | "{" => brackets += 1,
                ")" | "]" | "}" => brackets = brackets.saturating_sub(1),
                _ => {}
            }
            push(
                &mut out,
                if *op == ";" {
                    PyTok::End
                } else {
                    PyTok::Op(op)
                },
            );
        }
    }
    out.push(PyToken {
        tok: PyTok::End,
        line: cur.line,
        col: cur.col,
    });
    Ok(out)
}

/// A single- or double-quoted string starting at the cursor.
fn string(cur: &mut Cursor, quote: char) -> Result<String, Unsupported> {
    let (line, col) = (cur.line, cur.col);
    if cur.peek(1) == Some(quote) && cur.peek(2) == Some(quote) {
        return Err(unsupported(line, col, "a triple-quoted string"));
    }
    cur.bump(1);
    let mut s = String::new();
    loop {
        match cur.peek(0) {
            None | Some('\n') => return Err(unsupported(line, col, "an unterminated string")),
            Some(q) if q == quote => {
                cur.bump(1);
                return Ok(s);
            }
            Some('\\') => {
                let e = cur.peek(1).unwrap_or('\\');
                s.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    '\\' | '\'' | '"' => e,
                    _ => {
                        return Err(unsupported(
                            cur.line,
                            cur.col,
                            "a string escape other than \\n \\t \\r \\0 \\\\ \\' \\\"",
                        ));
                    }
                });
                cur.bump(2);
            }
            Some(ch) => {
                s.push(ch);
                cur.bump(1);
            }
        }
    }
}

/// Reads a Python integer literal (`1_000`, `0x1f`, `0o17`, `0b101`).
fn int_literal(word: &str, line: usize, col: usize) -> Result<i64, Unsupported> {
    let err = |what: &str| Unsupported {
        construct: what.to_string(),
        line,
        col,
    };
    let clean: String = word.chars().filter(|&c| c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    if lower.contains('.')
        || (!lower.starts_with("0x") && (lower.contains('e') || lower.ends_with('j')))
    {
        return Err(err(&format!("the non-integer number `{word}`")));
    }
    let (digits, radix) = match lower.get(..2) {
        Some("0x") => (lower.get(2..).unwrap_or(""), 16),
        Some("0o") => (lower.get(2..).unwrap_or(""), 8),
        Some("0b") => (lower.get(2..).unwrap_or(""), 2),
        _ => (lower.as_str(), 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(err(&format!("the malformed number `{word}`")));
    }
    if radix == 10
        && digits.len() > 1
        && digits.starts_with('0')
        && digits.chars().any(|c| c != '0')
    {
        return Err(err(&format!(
            "the malformed number `{word}` (leading zero)"
        )));
    }
    u64::from_str_radix(digits, radix)
        .ok()
        .and_then(|v| i64::try_from(v).ok())
        .ok_or_else(|| err(&format!("the integer `{word}`, beyond 64 bits")))
}
