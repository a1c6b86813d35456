//! Why a scenario was rejected, where, and what was probably meant.

use std::fmt;
use std::ops::Range;

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
    /// The file name as given to [`load`](super::load) or [`parse`](super::parse).
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

pub(super) fn list(names: &[&str]) -> String {
    names.join(", ")
}

pub(super) fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Longest input an error message quotes whole, in characters.
pub const QUOTE_CHARS: usize = 80;

/// `text` as an error message quotes it: whole up to [`QUOTE_CHARS`]
/// characters, else its start, `…` and its length, so a 10 MB key or value
/// does not come back as a 10 MB message.
pub fn clip(text: &str) -> String {
    if text.chars().count() <= QUOTE_CHARS {
        return text.to_string();
    }
    let start: String = text.chars().take(QUOTE_CHARS - 3).collect();
    format!("{start}… ({} bytes)", text.len())
}

/// Longest word the did-you-mean search looks at: nothing longer is a
/// misspelling of a short name, and the distance costs length × length.
const MAX_GUESS_LEN: usize = 64;

/// The allowed name closest to a misspelt one, if any is close enough.
pub(super) fn closest<'n>(word: &str, names: &[&'n str]) -> Option<&'n str> {
    if word.len() > MAX_GUESS_LEN {
        return None;
    }
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
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
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
    use crate::scenario::limits::LINK_KEYS;

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
