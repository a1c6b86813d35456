//! Per-cell aggregates over the runs of one cell.

use serde::Serialize;

use super::metrics::RunRow;

/// The value at nearest rank `p` percent of `sorted` (ascending): the
/// smallest value with at least `p`% of the values at or below it. No
/// interpolation, so the answer is always one of the runs' own values.
pub fn percentile(sorted: &[u64], p: u64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let n = sorted.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    sorted[(rank - 1) as usize]
}

/// What one cell's runs add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellStats {
    /// Runs in the cell.
    pub runs: u64,
    /// Runs whose streams both arrived whole ([`RunRow::intact`]).
    pub intact: u64,
    /// Connections that ended with FIN both ways.
    pub ended_fin: u64,
    /// Connections that ended with a RST.
    pub ended_rst: u64,
    /// Connections still open at the end.
    pub ended_open: u64,
    /// Runs stopped by the time limit.
    pub time_limit: u64,
    /// Runs stopped by the event limit.
    pub event_limit: u64,
    /// Median simulated completion time.
    pub completion_p50_us: u64,
    /// 95th percentile of completion time.
    pub completion_p95_us: u64,
    /// Slowest completion time.
    pub completion_max_us: u64,
    /// Data segments resent.
    pub retransmissions: u64,
    /// Duplicate ACKs.
    pub dup_acks: u64,
    /// Segments with RST.
    pub rsts: u64,
    /// Bytes delivered over all runs.
    pub delivered_bytes: u64,
    /// Median over runs of delivered bytes per simulated second.
    pub goodput_p50_bytes_per_s: u64,
}

impl CellStats {
    /// Statistics over the runs of a cell.
    pub fn of(rows: &[&RunRow]) -> CellStats {
        let mut completion: Vec<u64> = rows.iter().map(|r| r.completion_us).collect();
        completion.sort_unstable();
        let mut goodput: Vec<u64> = rows.iter().map(|r| r.goodput()).collect();
        goodput.sort_unstable();
        let count = |f: &dyn Fn(&RunRow) -> bool| rows.iter().filter(|r| f(r)).count() as u64;
        let sum = |f: &dyn Fn(&RunRow) -> u64| rows.iter().map(|r| f(r)).sum::<u64>();
        CellStats {
            runs: rows.len() as u64,
            intact: count(&|r| r.intact),
            ended_fin: sum(&|r| u64::from(r.ended_fin)),
            ended_rst: sum(&|r| u64::from(r.ended_rst)),
            ended_open: sum(&|r| u64::from(r.ended_open)),
            time_limit: count(&|r| r.ending == "time_limit"),
            event_limit: count(&|r| r.ending == "event_limit"),
            completion_p50_us: percentile(&completion, 50),
            completion_p95_us: percentile(&completion, 95),
            completion_max_us: completion.last().copied().unwrap_or(0),
            retransmissions: sum(&|r| r.retransmissions),
            dup_acks: sum(&|r| r.dup_acks),
            rsts: sum(&|r| r.rsts),
            delivered_bytes: sum(&|r| r.delivered_bytes),
            goodput_p50_bytes_per_s: percentile(&goodput, 50),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=200).collect();
        assert_eq!(percentile(&v, 50), 100);
        assert_eq!(percentile(&v, 95), 190);
        assert_eq!(percentile(&v, 100), 200);
        assert_eq!(percentile(&[7], 95), 7);
        assert_eq!(percentile(&[1, 2, 3], 50), 2);
        assert_eq!(percentile(&[], 50), 0);
    }
}
