//! The side-by-side report of a failed match: expected lines on the left,
//! the trace's records on the right, a mark between them, and the first
//! difference pointed at and explained field by field.

use super::Mismatch;
use super::compact::segment_text;
use super::matcher::Step;
use super::pattern::Item;
use crate::trace::Trace;

/// Reports longer than this many rows show a window around the first
/// difference instead of every row.
const FULL_ROWS: usize = 60;
/// Rows shown before and after the first difference in a long report.
const ROWS_BEFORE: usize = 5;
const ROWS_AFTER: usize = 30;

/// The legend printed under every table.
const LEGEND: &str = "= same   ! differs   - expected, not in the trace   + in the trace, not expected   \
                      ? optional, absent   . taken by `...`";

/// One rendered row: line number and text, mark, record number and text.
struct Row {
    line: String,
    expected: String,
    mark: char,
    no: String,
    actual: String,
}

fn row(items: &[Item], trace: &Trace, step: Step, first_of_gap: bool) -> Row {
    let item_cells = |i: usize| (items[i].line().to_string(), items[i].text().to_string());
    let rec_cells = |j: usize, i: Option<usize>| {
        let rec = &trace.records[j];
        let win = match i.map(|i| &items[i]) {
            Some(Item::Segment { pattern, .. }) => pattern.has_win(),
            _ => false,
        };
        (rec.no.to_string(), segment_text(rec, win))
    };
    let blank = || (String::new(), String::new());
    let ((line, expected), mark, (no, actual)) = match step {
        Step::Same { item, rec } => (item_cells(item), '=', rec_cells(rec, Some(item))),
        Step::Differs { item, rec } => (item_cells(item), '!', rec_cells(rec, Some(item))),
        Step::Missing { item } => (item_cells(item), '-', blank()),
        Step::Extra { rec } => (blank(), '+', rec_cells(rec, None)),
        Step::Skipped { item } => (item_cells(item), '?', blank()),
        Step::Absorbed { item, rec } => (
            if first_of_gap {
                item_cells(item)
            } else {
                blank()
            },
            '.',
            rec_cells(rec, None),
        ),
        Step::EmptyGap { item } => (item_cells(item), '.', blank()),
    };
    Row {
        line,
        expected,
        mark,
        no,
        actual,
    }
}

/// The error for a failed match, with its report.
pub(super) fn mismatch(items: &[Item], trace: &Trace, steps: &[Step]) -> Mismatch {
    let first = steps.iter().position(|s| s.is_difference());
    let (line, record) = match first.map(|k| steps[k]) {
        Some(Step::Differs { item, rec }) => {
            (Some(items[item].line()), Some(trace.records[rec].no))
        }
        Some(Step::Missing { item }) => (Some(items[item].line()), None),
        Some(Step::Extra { rec }) => (None, Some(trace.records[rec].no)),
        _ => (None, None),
    };
    let mut rows: Vec<Row> = Vec::with_capacity(steps.len());
    let mut previous_gap = None;
    for &step in steps {
        let gap = match step {
            Step::Absorbed { item, .. } => Some(item),
            _ => None,
        };
        rows.push(row(
            items,
            trace,
            step,
            gap.is_some() && gap != previous_gap,
        ));
        previous_gap = gap;
    }
    let report = render(items, trace, steps, &rows, first);
    Mismatch::Segments {
        line,
        record,
        report,
    }
}

fn render(
    items: &[Item],
    trace: &Trace,
    steps: &[Step],
    rows: &[Row],
    first: Option<usize>,
) -> String {
    let mut out = format!(
        "the trace does not match the expected sequence ({} records captured at the {}, {} expected lines)\n\n",
        trace.records.len(),
        trace.capture.name(),
        items.len()
    );
    let (from, to) = match first {
        Some(k) if rows.len() > FULL_ROWS => (
            k.saturating_sub(ROWS_BEFORE),
            (k + ROWS_AFTER + 1).min(rows.len()),
        ),
        _ => (0, rows.len()),
    };
    let shown = &rows[from..to];
    let w_line = shown.iter().map(|r| r.line.len()).max().unwrap_or(0).max(4);
    let w_expected = shown
        .iter()
        .map(|r| r.expected.chars().count())
        .max()
        .unwrap_or(0)
        .max("expected".len());
    let w_no = shown.iter().map(|r| r.no.len()).max().unwrap_or(0).max(2);
    let mut lines = vec![format!(
        "{:>w_line$}  {:<w_expected$}  {}  {:>w_no$}  actual",
        "line", "expected", " ", "no"
    )];
    if from > 0 {
        lines.push(format!("{:>w_line$}  ({from} rows above not shown)", ""));
    }
    for (k, r) in shown.iter().enumerate() {
        let pointer = if Some(from + k) == first {
            "   <- first difference"
        } else {
            ""
        };
        let cells = format!(
            "{:>w_line$}  {:<w_expected$}  {}  {:>w_no$}  {}",
            r.line, r.expected, r.mark, r.no, r.actual
        );
        lines.push(format!("{}{pointer}", cells.trim_end()));
    }
    if to < rows.len() {
        let later = steps[to..].iter().filter(|s| s.is_difference()).count();
        lines.push(format!(
            "{:>w_line$}  ({} rows below not shown, {later} of them differences)",
            "",
            rows.len() - to
        ));
    }
    for l in lines {
        out.push_str(l.trim_end());
        out.push('\n');
    }
    out.push('\n');
    if let Some(k) = first {
        out.push_str(&explain(items, trace, steps[k]));
        out.push('\n');
    }
    out.push_str(LEGEND);
    out.push('\n');
    out
}

/// Why the first differing row differs, in words.
fn explain(items: &[Item], trace: &Trace, step: Step) -> String {
    match step {
        Step::Differs { item, rec } => {
            let r = &trace.records[rec];
            let Item::Segment { pattern, .. } = &items[item] else {
                return String::new();
            };
            format!(
                "first difference: line {} `{}` vs record {} `{}`:\n  {}\n",
                items[item].line(),
                items[item].text(),
                r.no,
                segment_text(r, pattern.has_win()),
                pattern.differences(r, trace.capture).join("\n  ")
            )
        }
        Step::Missing { item } => format!(
            "first difference: line {} `{}` has no record to match\n",
            items[item].line(),
            items[item].text()
        ),
        Step::Extra { rec } => {
            let r = &trace.records[rec];
            format!(
                "first difference: record {} `{}` is not expected by any line\n",
                r.no,
                segment_text(r, false)
            )
        }
        _ => String::new(),
    }
}
