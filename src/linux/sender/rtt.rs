//! Round-trip time and the retransmission timeout as Linux computes them
//! (tcp_rtt_estimator, __tcp_set_rto, tcp_bound_rto), which refines RFC 6298:
//! the variance term never falls below TCP_RTO_MIN (200 ms) and decays only
//! once per round trip, so RTO = SRTT + max(4·RTTVAR, 200 ms) in effect.
//!
//! Times are microseconds; timeouts are whole jiffies (HZ = 250 on the
//! reference kernel, 4 ms), rounded up as usecs_to_jiffies does.

use crate::scenario::model::Micros;
use crate::wire::seq;

/// One jiffy at HZ = 250 (the reference kernel's CONFIG_HZ).
pub(crate) const JIFFY: Micros = 4_000;
/// TCP_RTO_MIN.
pub(crate) const RTO_MIN: Micros = 200_000;
/// TCP_RTO_MAX.
pub(crate) const RTO_MAX: Micros = 120_000_000;
/// TCP_TIMEOUT_FALLBACK (RFC 6298 5.7).
pub(crate) const TIMEOUT_FALLBACK: Micros = 3_000_000;

/// TCP_TIMEOUT_INIT: the RTO before any sample (RFC 6298 2.1).
pub(crate) const TIMEOUT_INIT: Micros = 1_000_000;

/// `us` rounded up to whole jiffies, as usecs_to_jiffies rounds.
pub(crate) fn jiffies(us: Micros) -> Micros {
    us.div_ceil(JIFFY) * JIFFY
}

/// Linux's RTT state of one connection.
#[derive(Debug, Clone)]
pub(crate) struct Rtt {
    /// Smoothed RTT, times 8 (tp->srtt_us); 0 before the first sample.
    pub(crate) srtt8: Micros,
    /// Mean deviation, times 4 (tp->mdev_us).
    mdev4: Micros,
    /// The largest mdev in the current round trip (tp->mdev_max_us).
    mdev_max: Micros,
    /// The variance term RTO uses (tp->rttvar_us).
    pub(crate) rttvar: Micros,
    /// SND.NXT when the round trip being watched started (tp->rtt_seq).
    rtt_seq: u32,
    /// The smallest RTT seen (tcp_min_rtt; Linux keeps a 5-minute window).
    pub(crate) min_rtt: Option<Micros>,
    /// The current timeout (icsk_rto), backoff not applied.
    pub(crate) rto: Micros,
}

impl Default for Rtt {
    fn default() -> Rtt {
        Rtt {
            srtt8: 0,
            mdev4: 0,
            mdev_max: 0,
            rttvar: 0,
            rtt_seq: 0,
            min_rtt: None,
            rto: TIMEOUT_INIT,
        }
    }
}

impl Rtt {
    /// The smoothed RTT in microseconds, if any sample was taken.
    pub(crate) fn srtt(&self) -> Option<Micros> {
        (self.srtt8 > 0).then_some(self.srtt8 >> 3)
    }

    /// Take an RTT sample `m` (tcp_rtt_estimator), `snd_una` and `snd_nxt` as
    /// they are after the ACK that gave it; then recompute the RTO.
    pub(crate) fn sample(&mut self, m: Micros, snd_una: u32, snd_nxt: u32) {
        let m = m.max(1);
        if self.srtt8 != 0 {
            let srtt = self.srtt8 >> 3;
            let mut srtt8 = self.srtt8 as i64;
            let mut err = m as i64 - srtt as i64;
            srtt8 += err;
            let mdev4 = self.mdev4 as i64;
            if err < 0 {
                err = -err;
                err -= mdev4 >> 2;
                if err > 0 {
                    err >>= 3;
                }
            } else {
                err -= mdev4 >> 2;
            }
            self.mdev4 = (mdev4 + err).max(0) as Micros;
            if self.mdev4 > self.mdev_max {
                self.mdev_max = self.mdev4;
                if self.mdev_max > self.rttvar {
                    self.rttvar = self.mdev_max;
                }
            }
            if seq::lt(self.rtt_seq, snd_una) {
                if self.mdev_max < self.rttvar {
                    self.rttvar -= (self.rttvar - self.mdev_max) >> 2;
                }
                self.rtt_seq = snd_nxt;
                self.mdev_max = RTO_MIN;
            }
            self.srtt8 = srtt8.max(1) as Micros;
        } else {
            self.srtt8 = m << 3;
            self.mdev4 = m << 1;
            self.rttvar = self.mdev4.max(RTO_MIN);
            self.mdev_max = self.rttvar;
            self.rtt_seq = snd_nxt;
        }
        self.min_rtt = Some(self.min_rtt.map_or(m, |old| old.min(m)));
        self.rto = jiffies((self.srtt8 >> 3) + self.rttvar).min(RTO_MAX);
    }

    /// No RTT sample from a handshake that was retransmitted: the RTO falls
    /// back to TCP_TIMEOUT_FALLBACK, 3 s (RFC 6298 5.7; tcp_init_metrics).
    pub(crate) fn fallback(&mut self) {
        self.rttvar = TIMEOUT_FALLBACK;
        self.mdev4 = TIMEOUT_FALLBACK;
        self.mdev_max = TIMEOUT_FALLBACK;
        self.rto = TIMEOUT_FALLBACK;
    }

    /// tcpi_rtt / tcpi_rttvar as `ss -i` shows them: srtt/8, mdev/4.
    pub(crate) fn info(&self) -> (Micros, Micros) {
        (self.srtt8 >> 3, self.mdev4 >> 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_sample_gives_rto_of_rtt_plus_the_200_ms_floor() {
        let mut rtt = Rtt::default();
        assert_eq!(rtt.rto, 1_000_000);
        rtt.sample(20_000, 1, 1);
        assert_eq!(rtt.srtt(), Some(20_000));
        // rttvar = max(2 * 20 ms, 200 ms): RTO = 20 + 200 ms.
        assert_eq!(rtt.rto, 220_000);
    }

    #[test]
    fn steady_samples_keep_the_floor() {
        let mut rtt = Rtt::default();
        for i in 0..50u32 {
            rtt.sample(20_000, i * 10, i * 10 + 10);
        }
        assert_eq!(rtt.srtt(), Some(20_000));
        assert_eq!(rtt.rto, 220_000);
    }

    #[test]
    fn timeouts_round_up_to_whole_jiffies() {
        assert_eq!(jiffies(1), 4_000);
        assert_eq!(jiffies(4_000), 4_000);
        assert_eq!(jiffies(202_001), 204_000);
    }
}
