//! CUBIC (RFC 9438) as Linux's tcp_cubic.c runs it, with its defaults:
//! beta 717/1024, C = 0.4 (bic_scale 41), fast convergence, the TCP-friendly
//! region, and HyStart (ACK-train and delay detection) to leave slow start
//! before the first loss.
//!
//! Time is counted in jiffies where Linux counts jiffies (the epoch, the
//! once-per-jiffy update) and in microseconds where it counts microseconds
//! (HyStart, the minimum delay). Linux's cube root is a table-driven
//! approximation (within about 0.2%); this one is exact.

use crate::linux::sender::cwnd::Window;
use crate::linux::sender::rtt::{JIFFY, jiffies};
use crate::scenario::model::Micros;
use crate::wire::seq;

const BETA_SCALE: u64 = 1024;
const BETA: u64 = 717;
/// The kernel's HZ (jiffies per second).
const HZ: u64 = 1_000_000 / JIFFY;
/// Time in the cubic function is counted in 1/1024 s (BICTCP_HZ = 10).
const CUBIC_HZ: u32 = 10;
/// bic_scale * 10.
const CUBE_RTT_SCALE: u128 = 410;
/// 2^(10 + 3 * BICTCP_HZ) / (bic_scale * 10).
const CUBE_FACTOR: u128 = (1u128 << 40) / 410;
/// 8 * (BETA_SCALE + beta) / 3 / (BETA_SCALE - beta), in integers.
const BETA_FRIENDLY: u64 = 8 * (BETA_SCALE + BETA) / 3 / (BETA_SCALE - BETA);
const HYSTART_LOW_WINDOW: u32 = 16;
const HYSTART_ACK_DELTA: Micros = 2_000;
const HYSTART_MIN_SAMPLES: u32 = 8;
const HYSTART_DELAY_MIN: Micros = 4_000;
const HYSTART_DELAY_MAX: Micros = 16_000;
/// hystart_ack_delay with Linux's pacing rate at these window sizes: 1 ms.
const HYSTART_ACK_DELAY: Micros = 1_000;

/// One connection's CUBIC state (struct bictcp).
#[derive(Debug, Clone, Default)]
pub(crate) struct Cubic {
    cnt: u32,
    last_max_cwnd: u32,
    last_cwnd: u32,
    last_time: u64,
    origin: u32,
    k: u64,
    delay_min: Micros,
    epoch_start: Option<u64>,
    ack_cnt: u32,
    tcp_cwnd: u32,
    found: bool,
    round_start: Micros,
    end_seq: u32,
    last_ack: Micros,
    curr_rtt: Micros,
    sample_cnt: u32,
}

fn cbrt(a: u128) -> u64 {
    let mut x = (a as f64).cbrt() as u64;
    while u128::from(x) * u128::from(x) * u128::from(x) > a {
        x -= 1;
    }
    while u128::from(x + 1) * u128::from(x + 1) * u128::from(x + 1) <= a {
        x += 1;
    }
    x
}

impl Cubic {
    /// bictcp_reset (the connection entered the Loss state) and a new
    /// HyStart round.
    pub(crate) fn reset(&mut self, now: Micros, snd_nxt: u32) {
        *self = Cubic::default();
        self.hystart_reset(now, snd_nxt);
    }

    /// bictcp_hystart_reset: a new round starts at `snd_nxt`.
    pub(crate) fn hystart_reset(&mut self, now: Micros, snd_nxt: u32) {
        self.round_start = now;
        self.last_ack = now;
        self.end_seq = snd_nxt;
        self.curr_rtt = Micros::MAX;
        self.sample_cnt = 0;
    }

    /// cubictcp_recalc_ssthresh.
    pub(crate) fn recalc_ssthresh(&mut self, cwnd: u32) -> u32 {
        self.epoch_start = None;
        self.last_max_cwnd = if cwnd < self.last_max_cwnd {
            ((u64::from(cwnd) * (BETA_SCALE + BETA)) / (2 * BETA_SCALE)) as u32
        } else {
            cwnd
        };
        (((u64::from(cwnd) * BETA) / BETA_SCALE) as u32).max(2)
    }

    /// cubictcp_cwnd_event(CA_EVENT_TX_START): shift the epoch by the idle time.
    pub(crate) fn tx_start(&mut self, now: Micros, last_send: Micros) {
        let now_j = now / JIFFY;
        let delta = now_j.saturating_sub(last_send / JIFFY);
        if let Some(start) = self.epoch_start.as_mut()
            && delta > 0
        {
            *start = (*start + delta).min(now_j);
        }
    }

    /// cubictcp_cong_avoid (the caller has checked tcp_is_cwnd_limited).
    pub(crate) fn cong_avoid(
        &mut self,
        w: &mut Window,
        acked: u32,
        now: Micros,
        _srtt: Option<Micros>,
    ) {
        let mut acked = acked;
        if w.in_slow_start() {
            acked = w.slow_start(acked);
            if acked == 0 {
                return;
            }
        }
        self.update(w.cwnd, acked, now);
        let cnt = self.cnt;
        w.avoid_ai(cnt, acked);
    }

    /// bictcp_update: how many segments must be acknowledged per one segment
    /// of growth (`cnt`), from the cubic function and the TCP-friendly rate.
    fn update(&mut self, cwnd: u32, acked: u32, now: Micros) {
        let now_j = now / JIFFY;
        self.ack_cnt += acked;
        if self.last_cwnd == cwnd && now_j.saturating_sub(self.last_time) <= HZ / 32 {
            return;
        }
        let recompute = !(self.epoch_start.is_some() && now_j == self.last_time);
        if recompute {
            self.last_cwnd = cwnd;
            self.last_time = now_j;
            let epoch = match self.epoch_start {
                Some(e) => e,
                None => {
                    self.epoch_start = Some(now_j);
                    self.ack_cnt = acked;
                    self.tcp_cwnd = cwnd;
                    if self.last_max_cwnd <= cwnd {
                        self.k = 0;
                        self.origin = cwnd;
                    } else {
                        self.k = cbrt(CUBE_FACTOR * u128::from(self.last_max_cwnd - cwnd));
                        self.origin = self.last_max_cwnd;
                    }
                    now_j
                }
            };
            let mut t = now_j - epoch + jiffies(self.delay_min) / JIFFY;
            t = (t << CUBIC_HZ) / HZ;
            let offs = u128::from(t.abs_diff(self.k));
            let delta = ((CUBE_RTT_SCALE * offs * offs * offs) >> (10 + 3 * CUBIC_HZ)) as u64;
            let target = if t < self.k {
                u64::from(self.origin).saturating_sub(delta)
            } else {
                u64::from(self.origin) + delta
            };
            let cwnd64 = u64::from(cwnd);
            self.cnt = if target > cwnd64 {
                (cwnd64 / (target - cwnd64)) as u32
            } else {
                100 * cwnd
            };
            if self.last_max_cwnd == 0 && self.cnt > 20 {
                self.cnt = 20;
            }
        }
        // The TCP-friendly region: never grow slower than Reno would.
        let delta = ((u64::from(cwnd) * BETA_FRIENDLY) >> 3).max(1) as u32;
        while self.ack_cnt > delta {
            self.ack_cnt -= delta;
            self.tcp_cwnd += 1;
        }
        if self.tcp_cwnd > cwnd {
            let max_cnt = cwnd / (self.tcp_cwnd - cwnd);
            self.cnt = self.cnt.min(max_cnt);
        }
        self.cnt = self.cnt.max(2);
    }

    /// cubictcp_acked: an RTT sample `rtt` at `now`.
    pub(crate) fn acked(
        &mut self,
        w: &mut Window,
        rtt: Micros,
        now: Micros,
        (snd_una, snd_nxt): (u32, u32),
    ) {
        let now_j = now / JIFFY;
        if self
            .epoch_start
            .is_some_and(|e| now_j.saturating_sub(e) < HZ)
        {
            return;
        }
        let delay = rtt.max(1);
        if self.delay_min == 0 || self.delay_min > delay {
            self.delay_min = delay;
        }
        if !self.found && w.in_slow_start() {
            self.hystart_update(w, delay, now, (snd_una, snd_nxt));
        }
    }

    fn hystart_update(
        &mut self,
        w: &mut Window,
        delay: Micros,
        now: Micros,
        (snd_una, snd_nxt): (u32, u32),
    ) {
        if seq::lt(self.end_seq, snd_una) {
            // The round that ended at end_seq is over: a new one ends at SND.NXT.
            self.hystart_reset(now, snd_nxt);
        }
        if w.cwnd < HYSTART_LOW_WINDOW {
            return;
        }
        // ACK train: ACKs close together for longer than half the minimum RTT.
        if now.saturating_sub(self.last_ack) <= HYSTART_ACK_DELTA {
            self.last_ack = now;
            let threshold = (self.delay_min + HYSTART_ACK_DELAY) >> 1;
            if now.saturating_sub(self.round_start) > threshold {
                self.found = true;
                w.ssthresh = w.cwnd;
            }
        }
        // Delay: the round's smallest RTT clearly above the minimum.
        self.curr_rtt = self.curr_rtt.min(delay);
        if self.sample_cnt < HYSTART_MIN_SAMPLES {
            self.sample_cnt += 1;
        } else {
            let thresh = (self.delay_min >> 3).clamp(HYSTART_DELAY_MIN, HYSTART_DELAY_MAX);
            if self.curr_rtt > self.delay_min + thresh {
                self.found = true;
                w.ssthresh = w.cwnd;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linux::sender::cwnd::INFINITE_SSTHRESH;

    #[test]
    fn cube_roots_are_exact() {
        for x in [0u64, 1, 2, 3, 10, 1000, 123_456] {
            let cube = u128::from(x).pow(3);
            assert_eq!(cbrt(cube), x);
            if x > 0 {
                assert_eq!(cbrt(cube - 1), x - 1);
            }
        }
    }

    #[test]
    fn a_loss_keeps_seven_tenths_and_growth_returns_towards_the_old_maximum() {
        let mut c = Cubic::default();
        assert_eq!(c.recalc_ssthresh(100), 70);
        let mut w = Window {
            cwnd: 70,
            ssthresh: 70,
            cnt: 0,
        };
        // One ACK per segment for 8 s of 20 ms round trips: K is about 4.2 s.
        let mut now = 0;
        for _ in 0..400 {
            now += 20_000;
            for _ in 0..w.cwnd {
                c.cong_avoid(&mut w, 1, now, Some(20_000));
            }
        }
        assert!(w.cwnd > 100, "cwnd {} passed the old maximum", w.cwnd);
    }

    #[test]
    fn hystart_leaves_slow_start_on_a_long_ack_train() {
        let mut c = Cubic::default();
        c.hystart_reset(0, 0);
        let mut w = Window {
            cwnd: 32,
            ssthresh: INFINITE_SSTHRESH,
            cnt: 0,
        };
        // ACKs every 1 ms for 20 ms with a 20 ms minimum RTT.
        for i in 1..=20u64 {
            c.acked(&mut w, 20_000, i * 1_000, (0, 0));
        }
        assert_eq!(w.ssthresh, 32);
    }
}
