//! What a capture showed of one direction's sequence space: which positions
//! were seen (for "ACK of bytes never sent" and in-order delivery), and which
//! bytes were seen at each position (for "a retransmission carries the same
//! bytes"). Positions come from [`crate::wire::seq::Unwrap`].

use std::collections::BTreeMap;

/// A set of half-open ranges `[start, end)` of positions, kept merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ranges {
    /// start -> end; no two ranges overlap or touch.
    ranges: BTreeMap<i64, i64>,
}

impl Ranges {
    /// Add `[start, end)`.
    pub fn insert(&mut self, start: i64, end: i64) {
        if start >= end {
            return;
        }
        let (mut start, mut end) = (start, end);
        // Absorb every range that overlaps or touches [start, end].
        let touching: Vec<(i64, i64)> = self
            .ranges
            .range(..=end)
            .rev()
            .take_while(|(_, e)| **e >= start)
            .map(|(s, e)| (*s, *e))
            .collect();
        for (s, e) in touching {
            self.ranges.remove(&s);
            start = start.min(s);
            end = end.max(e);
        }
        self.ranges.insert(start, end);
    }

    /// The end of the range holding `from`, or `from` itself when it is not
    /// covered: everything in `[from, result)` was seen.
    pub fn contiguous_from(&self, from: i64) -> i64 {
        match self.ranges.range(..=from).next_back() {
            Some((_, &end)) if end > from => end,
            _ => from,
        }
    }
}

/// Bytes seen at each position, up to a memory cap; compared when seen again.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// start -> bytes; chunks never overlap (they may touch).
    chunks: BTreeMap<i64, Vec<u8>>,
    stored: usize,
}

/// Keep at most this many payload bytes per direction; beyond it, later
/// bytes are not compared (ranges are still tracked).
pub const CONTENT_CAP: usize = 64 << 20;

impl Content {
    /// Record `bytes` at `start`. Where they overlap bytes seen before, the
    /// two must agree: returns the first position where they do not.
    pub fn insert(&mut self, start: i64, bytes: &[u8]) -> Option<i64> {
        let end = start + bytes.len() as i64;
        let mut mismatch = None;
        let mut gaps = Vec::new();
        let mut cursor = start;
        // The chunk that may begin before `start` and reach into it, then every
        // chunk beginning inside [start, end).
        let first = self
            .chunks
            .range(..start)
            .next_back()
            .map(|(s, _)| *s)
            .unwrap_or(start);
        for (&s, old) in self.chunks.range(first..end) {
            let e = s + old.len() as i64;
            if e <= start {
                continue;
            }
            if s > cursor {
                gaps.push((cursor, s));
            }
            let from = s.max(start);
            let to = e.min(end);
            if mismatch.is_none() {
                let mine = &bytes[(from - start) as usize..(to - start) as usize];
                let theirs = &old[(from - s) as usize..(to - s) as usize];
                if let Some(i) = mine.iter().zip(theirs).position(|(a, b)| a != b) {
                    mismatch = Some(from + i as i64);
                }
            }
            cursor = cursor.max(to);
        }
        if cursor < end {
            gaps.push((cursor, end));
        }
        for (s, e) in gaps {
            if self.stored >= CONTENT_CAP {
                break;
            }
            let piece = bytes[(s - start) as usize..(e - start) as usize].to_vec();
            self.stored += piece.len();
            self.chunks.insert(s, piece);
        }
        mismatch
    }

    /// The bytes seen in `[from, ..)` without a gap.
    pub fn contiguous_bytes(&self, from: i64) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cursor = from;
        if let Some((&s, old)) = self.chunks.range(..=from).next_back() {
            let e = s + old.len() as i64;
            if e > from {
                out.extend_from_slice(&old[(from - s) as usize..]);
                cursor = e;
            }
        }
        while let Some(next) = self.chunks.get(&cursor) {
            if next.is_empty() {
                break;
            }
            out.extend_from_slice(next);
            cursor += next.len() as i64;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_and_report_the_contiguous_prefix() {
        let mut r = Ranges::default();
        r.insert(0, 1);
        r.insert(5, 9);
        assert_eq!(r.contiguous_from(0), 1);
        r.insert(1, 5);
        assert_eq!(r.contiguous_from(0), 9);
        r.insert(3, 4);
        r.insert(20, 20);
        assert_eq!(r.contiguous_from(0), 9);
        assert_eq!(r.contiguous_from(12), 12);
        assert_eq!(r.ranges.len(), 1);
    }

    #[test]
    fn content_compares_overlaps_and_fills_gaps() {
        let mut c = Content::default();
        assert_eq!(c.insert(1, b"hello"), None);
        assert_eq!(c.insert(8, b"world"), None);
        // Overlaps both chunks and fills the gap between them.
        assert_eq!(c.insert(4, b"lo, wo"), None);
        assert_eq!(c.contiguous_bytes(1), b"hello, world".to_vec());
        // A retransmission with a changed byte is caught at that position.
        assert_eq!(c.insert(2, b"eLlo"), Some(3));
        assert_eq!(c.contiguous_bytes(1), b"hello, world".to_vec());
        assert_eq!(c.contiguous_bytes(0), Vec::<u8>::new());
    }
}
