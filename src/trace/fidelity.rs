//! How closely a simulated trace follows a reference capture.
//!
//! A reference is a tab-separated table (`no dir flags seq ack len frame_len note`,
//! `dir` is `C>S` or `S>C`), as in `tests/reference/vN.tsv`. Rows are compared on
//! the key (direction, flags, seq, ack, len); the rows are aligned by a longest
//! common subsequence, so one extra or missing segment costs one row, not every
//! row after it.

use std::fmt;

use crate::scenario::model::Dir;
use crate::trace::{Record, Trace, flags};

/// The columns a reference file starts with, in order.
const COLUMNS: [&str; 8] = [
    "no",
    "dir",
    "flags",
    "seq",
    "ack",
    "len",
    "frame_len",
    "note",
];

/// One row of a reference capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefRow {
    /// Row number in the reference capture.
    pub no: usize,
    /// Who sent the segment.
    pub dir: Dir,
    /// TCP flag bits.
    pub flags: u8,
    /// Relative to the sender's ISN.
    pub seq: u32,
    /// Relative to the receiver's ISN; 0 without ACK.
    pub ack: u32,
    /// TCP payload bytes.
    pub len: u32,
    /// Whole Ethernet frame in bytes.
    pub frame_len: u32,
    /// What the reference says the segment is.
    pub note: String,
}

fn dir_name(dir: Dir) -> &'static str {
    match dir {
        Dir::ClientToServer => "C>S",
        Dir::ServerToClient => "S>C",
    }
}

fn parse_dir(text: &str) -> Option<Dir> {
    match text {
        "C>S" => Some(Dir::ClientToServer),
        "S>C" => Some(Dir::ServerToClient),
        _ => None,
    }
}

/// Parses a reference table: the header line, then one row per segment. Blank
/// lines are skipped; `\r\n` line ends are accepted; the note column may be left
/// out. Errors name the line (1-based) and the column (1-based, with its name).
pub fn parse_reference(text: &str) -> Result<Vec<RefRow>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.strip_suffix('\r').unwrap_or(line)))
        .filter(|(_, line)| !line.trim().is_empty());

    let expected = COLUMNS.join("\t");
    match lines.next() {
        None => return Err("empty reference: no header line".to_string()),
        Some((n, header)) => {
            let header = header.trim_end_matches('\t');
            if header != expected && header != COLUMNS[..7].join("\t") {
                return Err(format!(
                    "line {n}: expected the header {expected:?}, found {header:?}"
                ));
            }
        }
    }

    let mut rows = Vec::new();
    for (n, line) in lines {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() < 7 || cells.len() > 8 {
            return Err(format!(
                "line {n}: expected 8 tab-separated columns ({}), found {}",
                COLUMNS.join(" "),
                cells.len()
            ));
        }
        let err = |col: usize, what: String| {
            format!("line {n}, column {} ({}): {what}", col + 1, COLUMNS[col])
        };
        let number = |col: usize| -> Result<u32, String> {
            let cell = cells[col].trim();
            cell.parse::<u32>()
                .map_err(|_| err(col, format!("{cell:?} is not a number")))
        };

        let no_cell = cells[0].trim();
        let no = no_cell
            .parse::<usize>()
            .map_err(|_| err(0, format!("{no_cell:?} is not a row number")))?;
        let dir_cell = cells[1].trim();
        let dir = parse_dir(dir_cell)
            .ok_or_else(|| err(1, format!("{dir_cell:?} is neither C>S nor S>C")))?;
        let flags_cell = cells[2].trim();
        if flags_cell.is_empty() {
            return Err(err(2, "no flags".to_string()));
        }
        let bits = flags::from_csv(flags_cell)
            .ok_or_else(|| err(2, format!("{flags_cell:?} has an unknown flag name")))?;
        rows.push(RefRow {
            no,
            dir,
            flags: bits,
            seq: number(3)?,
            ack: number(4)?,
            len: number(5)?,
            frame_len: number(6)?,
            note: cells.get(7).map_or_else(String::new, |s| s.to_string()),
        });
    }
    Ok(rows)
}

/// The part of a segment the comparison looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    dir: Dir,
    flags: u8,
    seq: u32,
    ack: u32,
    len: u32,
}

impl Key {
    fn of_ref(row: &RefRow) -> Key {
        Key {
            dir: row.dir,
            flags: row.flags,
            seq: row.seq,
            ack: row.ack,
            len: row.len,
        }
    }

    fn of_record(r: &Record) -> Key {
        Key {
            dir: Dir::from_sender(r.sender),
            flags: r.flags,
            seq: r.seq,
            ack: r.ack,
            len: r.len,
        }
    }

    /// The cells shown in the diff: dir, flags, seq, ack, len.
    fn cells(&self) -> [String; 5] {
        [
            dir_name(self.dir).to_string(),
            flags::to_csv(self.flags),
            format!("seq={}", self.seq),
            format!("ack={}", self.ack),
            format!("len={}", self.len),
        ]
    }
}

/// One step of an alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// Reference row `.0` matches simulated row `.1`.
    Same(usize, usize),
    /// Reference row without a simulated counterpart.
    Missing(usize),
    /// Simulated row without a reference counterpart.
    Extra(usize),
}

/// Aligns `a` and `b` along a longest common subsequence. Common leading and
/// trailing runs are taken first, so the quadratic table covers only the part
/// in between.
fn align(a: &[Key], b: &[Key]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let (n, m) = (ma.len(), mb.len());

    // lcs[i * (m + 1) + j]: LCS length of ma[i..] and mb[j..].
    let width = m + 1;
    let mut lcs = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * width + j] = if ma[i] == mb[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }

    let mut ops: Vec<Op> = (0..prefix).map(|k| Op::Same(k, k)).collect();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && ma[i] == mb[j] {
            ops.push(Op::Same(prefix + i, prefix + j));
            i += 1;
            j += 1;
        } else if j == m || (i < n && lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
            ops.push(Op::Missing(prefix + i));
            i += 1;
        } else {
            ops.push(Op::Extra(prefix + j));
            j += 1;
        }
    }
    ops.extend((0..suffix).map(|k| Op::Same(prefix + n + k, prefix + m + k)));
    ops
}

/// One side of a diff line: row number, dir, flags, seq, ack, len.
type Cells = [String; 6];

/// One line of the diff before it is laid out.
struct Pair<'a> {
    /// `=`, `-` or `+`.
    mark: char,
    /// The reference row, if any.
    left: Option<Cells>,
    /// The simulated row, if any.
    right: Option<Cells>,
    /// The reference row's note.
    note: &'a str,
}

/// The result of [`compare`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Rows in the reference.
    pub reference_rows: usize,
    /// Rows in the simulated trace.
    pub simulated_rows: usize,
    /// Length of the longest common subsequence of the two key sequences.
    pub matched: usize,
    /// A side-by-side diff, one line per aligned pair: `=` both sides agree,
    /// `-` a reference row the simulation lacks, `+` a simulated row the
    /// reference lacks. Reference notes follow after `#`.
    pub lines: Vec<String>,
}

impl Comparison {
    /// Every row matched and neither side has more.
    pub fn exact(&self) -> bool {
        self.matched == self.reference_rows && self.matched == self.simulated_rows
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "matched {} of {} reference rows ({} simulated)",
            self.matched, self.reference_rows, self.simulated_rows
        )?;
        for line in &self.lines {
            write!(f, "\n{line}")?;
        }
        Ok(())
    }
}

/// Compares a simulated trace with a reference on (direction, flags, seq, ack,
/// len), aligning the two by their longest common subsequence.
pub fn compare(reference: &[RefRow], trace: &Trace) -> Comparison {
    let ref_keys: Vec<Key> = reference.iter().map(Key::of_ref).collect();
    let sim_keys: Vec<Key> = trace.records.iter().map(Key::of_record).collect();
    let ops = align(&ref_keys, &sim_keys);
    let matched = ops.iter().filter(|op| matches!(op, Op::Same(..))).count();

    // Each side's cells: row number, then the key's cells.
    let side = |no: usize, key: &Key| -> Cells {
        let [dir, bits, seq, ack, len] = key.cells();
        [format!("#{no}"), dir, bits, seq, ack, len]
    };
    let pairs: Vec<Pair> = ops
        .iter()
        .map(|op| match *op {
            Op::Same(i, j) => Pair {
                mark: '=',
                left: Some(side(reference[i].no, &ref_keys[i])),
                right: Some(side(trace.records[j].no, &sim_keys[j])),
                note: &reference[i].note,
            },
            Op::Missing(i) => Pair {
                mark: '-',
                left: Some(side(reference[i].no, &ref_keys[i])),
                right: None,
                note: &reference[i].note,
            },
            Op::Extra(j) => Pair {
                mark: '+',
                left: None,
                right: Some(side(trace.records[j].no, &sim_keys[j])),
                note: "",
            },
        })
        .collect();

    // One width per cell position, shared by both sides so that they line up.
    let mut widths = [0usize; 6];
    for pair in &pairs {
        for cells in [&pair.left, &pair.right].into_iter().flatten() {
            for (w, c) in widths.iter_mut().zip(cells) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let blank: usize = widths.iter().sum::<usize>() + widths.len() - 1;
    let render = |cells: &Option<Cells>| -> String {
        match cells {
            None => " ".repeat(blank),
            Some(cells) => cells
                .iter()
                .zip(widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join(" "),
        }
    };

    let lines = pairs
        .iter()
        .map(|pair| {
            let mut line = format!(
                "{} {} | {}",
                pair.mark,
                render(&pair.left),
                render(&pair.right)
            );
            let note = pair.note.trim();
            if !note.is_empty() {
                line.push_str("  # ");
                line.push_str(note);
            }
            line.trim_end().to_string()
        })
        .collect();

    Comparison {
        reference_rows: reference.len(),
        simulated_rows: trace.records.len(),
        matched,
        lines,
    }
}

#[cfg(test)]
mod tests;
