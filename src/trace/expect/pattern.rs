//! What one line of an expected sequence asks of a segment: its direction,
//! flags, sequence range, ACK and window, and how each field is checked
//! against a trace record.

use crate::scenario::model::Role;
use crate::trace::{Fate, Record, flags};

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
pub(super) enum AckField {
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
    pub(super) direction: Direction,
    pub(super) flags: Option<u8>,
    pub(super) seq: Option<u32>,
    pub(super) end: Option<u32>,
    pub(super) len: Option<u32>,
    pub(super) ack: AckField,
    pub(super) win: Option<u32>,
    pub(super) fate: Option<Fate>,
}

pub(super) fn role_words(role: Role) -> &'static str {
    match role {
        Role::Client => "client to server (c>)",
        Role::Server => "server to client (s>)",
    }
}

/// The parts of a segment a pattern can constrain, in the order a report
/// explains them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Direction,
    Flags,
    Seq,
    End,
    Len,
    Ack,
    Win,
    Fate,
}

pub(super) const FIELDS: [Field; 8] = [
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
pub(super) fn end_of(rec: &Record) -> u32 {
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
