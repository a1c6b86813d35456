//! How a trace's times and notes are written as text, the same in every output.

use crate::scenario::model::Micros;

/// Microseconds as seconds with six decimals (`1234567` → `1.234567`), exact.
pub fn seconds(us: Micros) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// A note made safe for one line of a tab-separated file: tabs, carriage returns
/// and newlines become spaces.
pub fn one_line(note: &str) -> String {
    note.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c => c,
        })
        .collect()
}

/// [`join_notes`] that reuses `first` when there is nothing to add.
pub fn join_onto(first: String, second: &str) -> String {
    if second.is_empty() {
        first
    } else {
        join_notes(&first, second)
    }
}

/// "sender's reason; link's reason", leaving out an empty part.
pub fn join_notes(first: &str, second: &str) -> String {
    match (first.is_empty(), second.is_empty()) {
        (_, true) => first.to_string(),
        (true, false) => second.to_string(),
        (false, false) => format!("{first}; {second}"),
    }
}
