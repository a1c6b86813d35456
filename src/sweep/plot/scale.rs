//! A plot axis, linear or logarithmic, chosen from the data: values that
//! span [`DECADES`] powers of ten or more are drawn on a log scale (a 5.7 ms
//! median and a 1,000 ms p95 both stay readable), others linearly.
//!
//! The logarithm is computed here with additions, multiplications and
//! divisions only (IEEE-exact, so every machine draws the same bytes, as the
//! ladder does; the platform's `ln` may differ in its last bit).

/// Values whose largest is this many powers of ten above their smallest
/// positive one get a log axis.
pub const DECADES: f64 = 1.5;

/// `ln 2` and `ln 10`, correctly rounded.
const LN2: f64 = std::f64::consts::LN_2;
const LN10: f64 = std::f64::consts::LN_10;

/// log10 of a positive, finite `x`, with basic arithmetic only: `x = m·2^e`
/// with `m` in [1, 2), `ln m` from the series of atanh (|s| ≤ 1/3, 30 terms
/// leave an error far below the last bit a pixel can show).
pub fn log10(x: f64) -> f64 {
    let x = x.max(1e-300);
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023 << 52));
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    for k in 0..30 {
        sum += term / f64::from(2 * k + 1);
        term *= s2;
    }
    (2.0 * sum + e as f64 * LN2) / LN10
}

/// 10^k by repeated multiplication (exact for the powers a plot uses).
pub fn pow10(k: i32) -> f64 {
    let mut v = 1.0;
    for _ in 0..k.unsigned_abs() {
        v *= 10.0;
    }
    if k < 0 { 1.0 / v } else { v }
}

/// One axis: the value range, whether it is logarithmic, and the pixels it
/// maps onto.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    /// The lowest value drawn.
    pub lo: f64,
    /// The highest value drawn.
    pub hi: f64,
    /// Whether the scale is logarithmic.
    pub log: bool,
    /// The pixel of `lo`.
    pub px0: f64,
    /// The pixel of `hi`.
    pub px1: f64,
}

impl Axis {
    /// An axis over `values` (with 0 included for a linear one, so bars
    /// and medians are read against zero); `force_log` asks for a log scale
    /// whatever the spread. A log axis needs a positive value; without one
    /// it stays linear.
    pub fn fit(values: &[f64], force_log: bool, px: (f64, f64)) -> Axis {
        let positive: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
        let max = values.iter().copied().fold(0.0f64, f64::max);
        let min_pos = positive.iter().copied().fold(f64::INFINITY, f64::min);
        let spread = if positive.is_empty() {
            0.0
        } else {
            log10(max) - log10(min_pos)
        };
        if !positive.is_empty() && (force_log || spread >= DECADES) {
            // The nearest 1, 2 or 5 times a power of ten around the data.
            let decade = |v: f64| pow10(log10(v).floor() as i32);
            let lo = [5.0, 2.0, 1.0]
                .iter()
                .map(|m| m * decade(min_pos))
                .find(|v| *v <= min_pos)
                .unwrap_or(decade(min_pos));
            let hi = [1.0, 2.0, 5.0, 10.0]
                .iter()
                .map(|m| m * decade(max))
                .find(|v| *v >= max)
                .unwrap_or(10.0 * decade(max))
                .max(lo * 10.0);
            return Axis {
                lo,
                hi,
                log: true,
                px0: px.0,
                px1: px.1,
            };
        }
        let hi = if max > 0.0 { max * 1.08 } else { 1.0 };
        Axis {
            lo: 0.0,
            hi,
            log: false,
            px0: px.0,
            px1: px.1,
        }
    }

    /// The pixel of `v`; on a log axis, values at or below the floor sit
    /// on it.
    pub fn at(&self, v: f64) -> f64 {
        let t = if self.log {
            let (lo, hi) = (log10(self.lo), log10(self.hi));
            (log10(v.max(self.lo)) - lo) / (hi - lo)
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        self.px0 + t * (self.px1 - self.px0)
    }

    /// Tick values: 1, 2 and 5 times powers of ten on a log axis (fewer
    /// when there are many decades), round steps on a linear one.
    pub fn ticks(&self) -> Vec<f64> {
        if self.log {
            let (a, b) = (log10(self.lo).floor() as i32, log10(self.hi).ceil() as i32);
            let span = log10(self.hi) - log10(self.lo);
            let mults: &[f64] = if span <= 3.0 {
                &[1.0, 2.0, 5.0]
            } else {
                &[1.0]
            };
            let mut out = Vec::new();
            for k in a..=b {
                for m in mults {
                    let v = m * pow10(k);
                    if v >= self.lo * 0.999_999 && v <= self.hi * 1.000_001 {
                        out.push(v);
                    }
                }
            }
            return out;
        }
        let rough = self.hi / 6.0;
        let power = pow10(log10(rough).floor() as i32);
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * power)
            .find(|s| *s >= rough)
            .unwrap_or(10.0 * power);
        (0..)
            .map(|i| f64::from(i) * step)
            .take_while(|v| *v <= self.hi)
            .collect()
    }
}

/// A tick value without float noise: `0.060000000000000005` → `0.06`,
/// `2000000` → `2000000`.
pub fn tidy(v: f64) -> String {
    let text = format!("{v:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log10_is_right_to_the_pixel() {
        for (x, want) in [
            (1.0, 0.0),
            (10.0, 1.0),
            (1000.0, 3.0),
            (0.01, -2.0),
            (2.0, std::f64::consts::LOG10_2),
            (5.7, 0.755_874_855_672_491_4),
        ] {
            assert!((log10(x) - want).abs() < 1e-12, "{x}: {}", log10(x));
        }
        assert_eq!(pow10(3), 1000.0);
        assert_eq!(pow10(-2), 0.01);
    }

    #[test]
    fn an_axis_goes_log_when_values_span_decades() {
        let a = Axis::fit(&[5.7, 13.9, 1013.8], false, (0.0, 100.0));
        assert!(a.log);
        assert_eq!((a.lo, a.hi), (5.0, 2000.0));
        assert_eq!(
            a.ticks(),
            [5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0]
        );
        let wide = Axis::fit(&[1.0, 10_000.0], false, (0.0, 100.0));
        assert_eq!(wide.ticks(), [1.0, 10.0, 100.0, 1000.0, 10_000.0]);
        assert_eq!(wide.at(100.0), 50.0);
        let b = Axis::fit(&[5.7, 13.9], false, (0.0, 100.0));
        assert!(!b.log && b.lo == 0.0);
        assert!(Axis::fit(&[5.7, 13.9], true, (0.0, 1.0)).log);
        assert!(!Axis::fit(&[0.0, 0.0], true, (0.0, 1.0)).log);
        assert_eq!(tidy(0.060000000000000005), "0.06");
        assert_eq!(tidy(2.0), "2");
    }
}
