//! The congestion window as Linux keeps it (snd_cwnd, snd_ssthresh,
//! snd_cwnd_cnt, all in segments), and the two ways every module grows it:
//! slow start and additive increase (tcp_slow_start, tcp_cong_avoid_ai).

/// TCP_INFINITE_SSTHRESH.
pub(crate) const INFINITE_SSTHRESH: u32 = 0x7fff_ffff;

/// The window state a module reads and changes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    /// snd_cwnd, in segments.
    pub(crate) cwnd: u32,
    /// snd_ssthresh.
    pub(crate) ssthresh: u32,
    /// snd_cwnd_cnt: segments acknowledged towards the next increase.
    pub(crate) cnt: u32,
}

impl Window {
    /// tcp_in_slow_start.
    pub(crate) fn in_slow_start(&self) -> bool {
        self.cwnd < self.ssthresh
    }

    /// tcp_slow_start: grow by the segments acknowledged, up to ssthresh;
    /// returns what is left of `acked` for congestion avoidance.
    pub(crate) fn slow_start(&mut self, acked: u32) -> u32 {
        let cwnd = self.cwnd.saturating_add(acked).min(self.ssthresh);
        let left = acked - (cwnd - self.cwnd);
        self.cwnd = cwnd;
        left
    }

    /// tcp_cong_avoid_ai: one segment more per `w` segments acknowledged.
    pub(crate) fn avoid_ai(&mut self, w: u32, acked: u32) {
        let w = w.max(1);
        if self.cnt >= w {
            self.cnt = 0;
            self.cwnd += 1;
        }
        self.cnt += acked;
        if self.cnt >= w {
            let delta = self.cnt / w;
            self.cnt -= delta * w;
            self.cwnd += delta;
        }
    }
}
