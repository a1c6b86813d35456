//! The error a script parse can end with.
//!
//! Errors are positioned like rustc's (`path:line:col: message`) so editors
//! can jump to them, and they quote the offending token, cut to 80
//! characters so a runaway string or code block cannot flood a terminal.

use std::fmt;

/// Whether a [`ParseError`] means "this is not valid packetdrill" or "this is
/// valid packetdrill that this parser deliberately does not take".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed input, or a value out of the range packetdrill accepts.
    Syntax,
    /// A construct packetdrill accepts but tcpsim cannot model, such as an
    /// encapsulated (GRE, MPLS, PSP, IP-in-IP) packet. The message names it.
    Unsupported,
}

/// A parse failure at one position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The path given to [`crate::packetdrill::script::parse::parse`].
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub col: usize,
    /// The token at the error, at most 80 characters of it (first line only);
    /// empty at the end of the input.
    pub token: String,
    /// What went wrong, e.g. "expected `)` after the arguments".
    pub message: String,
    /// Invalid packetdrill, or valid packetdrill that tcpsim refuses.
    pub kind: ErrorKind,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.col, self.message
        )?;
        if self.token.is_empty() {
            write!(f, " (at end of input)")
        } else {
            write!(f, " (at `{}`)", self.token)
        }
    }
}

impl std::error::Error for ParseError {}

/// The most of any input text an error message quotes.
pub const MAX_QUOTE_CHARS: usize = 80;

/// Cuts `text` to its first line and at most [`MAX_QUOTE_CHARS`] characters,
/// marking a cut with `...` so the quote stays within the limit.
pub fn quote(text: &str) -> String {
    let first = text.split('\n').next().unwrap_or("");
    let cut_at_newline = first.len() < text.len();
    let count = first.chars().count();
    if count <= MAX_QUOTE_CHARS && !cut_at_newline {
        return first.to_string();
    }
    let keep = count.min(MAX_QUOTE_CHARS.saturating_sub(3));
    let mut out: String = first.chars().take(keep).collect();
    out.push_str("...");
    out
}
