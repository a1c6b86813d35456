//! The vertical axis of a ladder diagram: where each send, arrival and socket
//! call sits.
//!
//! Time runs downwards to scale (the typical one-way flight time gets a fixed
//! height, so arrows are visibly slanted as in Stevens' and Kurose & Ross's
//! figures), with two departures a reader can see on the time axis:
//!
//! - events closer together than a label is tall are pushed apart (the axis
//!   stretches; no time passes in the stretch), so labels never sit on top of
//!   each other;
//! - a gap longer than [`ladder::LONG_GAP_FLIGHTS`] flight times (an RTO, a
//!   user's pause) is cut to a fixed height and marked as a break.
//!
//! The mapping stays monotone: a later event is never drawn above an earlier one.

use crate::scenario::model::Micros;
use crate::trace::Trace;

use super::ladder;

/// Height given to the median one-way flight time.
pub(crate) const FLIGHT_PX: f64 = 44.0;
/// Height of a compressed gap.
pub(crate) const BREAK_PX: f64 = 54.0;
/// Vertical room a frame label needs below the previous frame event on the
/// same lifeline.
pub(crate) const SEND_SEP: f64 = 21.0;
/// Room between two arrowheads on the same lifeline.
pub(crate) const ARRIVE_SEP: f64 = 7.0;
/// Room between two socket-call marks on the same lifeline.
pub(crate) const APP_SEP: f64 = 13.0;

/// A compressed gap: from `y0` to `y1` nothing happened for `gap_us`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Break {
    pub y0: f64,
    pub y1: f64,
    pub gap_us: Micros,
}

/// Where everything goes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    /// Per record: y at the sender's lifeline.
    pub send_y: Vec<f64>,
    /// Per record: y at the receiver's lifeline, or for a frame that never
    /// arrived, the half-way point where its arrow stops.
    pub end_y: Vec<f64>,
    /// Per program (as in `trace.programs`), per log entry: y of the mark.
    pub app_y: Vec<Vec<f64>>,
    /// Each distinct event time with the y where it starts.
    pub ticks: Vec<(Micros, f64)>,
    pub breaks: Vec<Break>,
    /// The lowest y used.
    pub bottom: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum What {
    /// A frame reaches its receiver.
    Arrive(usize),
    /// A socket call: program index, log index.
    App(usize, usize),
    /// A frame leaves its sender.
    Send(usize),
}

/// Lanes where marks need room from each other: frame ends on each lifeline
/// and socket-call marks beside each lifeline.
#[derive(Default)]
struct Lanes {
    last_send: [Option<f64>; 2],
    last_arrive: [Option<f64>; 2],
    last_app: [Option<f64>; 2],
}

fn after(last: Option<f64>, sep: f64) -> f64 {
    last.map_or(f64::MIN, |y| y + sep)
}

/// Lays out `trace` starting at `top`.
pub(crate) fn layout(trace: &Trace, top: f64) -> Layout {
    let records = &trace.records;
    let flight = ladder::median_flight_us(trace);
    let long_gap = ladder::long_gap_us(trace);
    // px per µs: the median flight gets FLIGHT_PX; without flights, the long
    // gap (1 s) does.
    let scale = FLIGHT_PX / flight.unwrap_or(long_gap / ladder::LONG_GAP_FLIGHTS).max(1) as f64;

    // Sort key: time, then arrivals before the socket calls they wake and the
    // calls before the frames they send. A frame with zero flight time arrives
    // after every send at its instant, so its arrow never points upwards.
    let mut events: Vec<(Micros, u8, What)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        events.push((r.sent_us, 2, What::Send(i)));
        if let Some(a) = r.arrived_us {
            let phase = if a <= r.sent_us { 3 } else { 0 };
            events.push((a.max(r.sent_us), phase, What::Arrive(i)));
        }
    }
    for (p, program) in trace.programs.iter().enumerate() {
        for (k, e) in program.log.iter().enumerate() {
            events.push((e.time_us, 1, What::App(p, k)));
        }
    }
    events.sort();

    let mut send_y = vec![0.0; records.len()];
    let mut arrive_y: Vec<Option<f64>> = vec![None; records.len()];
    let mut app_y: Vec<Vec<f64>> = trace
        .programs
        .iter()
        .map(|p| vec![0.0; p.log.len()])
        .collect();
    let mut ticks: Vec<(Micros, f64)> = Vec::new();
    // (time, first y) of the instant being stacked.
    let mut instant: Option<(Micros, f64)> = None;
    let mut breaks = Vec::new();
    let mut lanes = Lanes::default();
    let mut stack_bottom = top;

    for &(t, _, what) in &events {
        let base = match instant {
            Some((pt, _)) if pt == t => None,
            Some((pt, _)) => {
                let gap = t - pt;
                let y0 = stack_bottom;
                let base = if gap > long_gap {
                    breaks.push(Break {
                        y0,
                        y1: y0 + BREAK_PX,
                        gap_us: gap,
                    });
                    y0 + BREAK_PX
                } else {
                    y0 + gap as f64 * scale
                };
                Some(base)
            }
            None => Some(top),
        };
        if let Some(base) = base {
            instant = Some((t, base));
            ticks.push((t, base));
        }
        let base = instant.map_or(top, |s| s.1);
        let y = match what {
            What::Send(i) => {
                let h = records[i].sender.index();
                let y = base
                    .max(after(lanes.last_send[h], SEND_SEP))
                    .max(after(lanes.last_arrive[h], SEND_SEP));
                lanes.last_send[h] = Some(y);
                send_y[i] = y;
                y
            }
            What::Arrive(i) => {
                let h = records[i].sender.peer().index();
                let y = base
                    .max(after(lanes.last_send[h], SEND_SEP))
                    .max(after(lanes.last_arrive[h], ARRIVE_SEP))
                    .max(send_y[i]);
                lanes.last_arrive[h] = Some(y);
                arrive_y[i] = Some(y);
                y
            }
            What::App(p, k) => {
                let h = trace.programs[p].role.index();
                // After the arrivals that woke it, even if they were pushed down.
                let y = base
                    .max(after(lanes.last_app[h], APP_SEP))
                    .max(after(lanes.last_arrive[h], 0.0));
                lanes.last_app[h] = Some(y);
                app_y[p][k] = y;
                y
            }
        };
        stack_bottom = stack_bottom.max(y);
    }

    let end_y = lost_ends(trace, &send_y, &arrive_y);
    let bottom = end_y.iter().copied().fold(stack_bottom, f64::max);

    Layout {
        send_y,
        end_y,
        app_y,
        ticks,
        breaks,
        bottom,
    }
}

/// Where each arrow ends. A frame that never arrived is drawn half-way, as
/// steep as the arrived frame its sender sent closest in time (so a lost
/// segment in a burst lies parallel to its neighbours), within one to four
/// typical flights.
fn lost_ends(trace: &Trace, send_y: &[f64], arrive_y: &[Option<f64>]) -> Vec<f64> {
    let records = &trace.records;
    records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if let Some(y) = arrive_y[i] {
                return y;
            }
            let neighbour = records
                .iter()
                .enumerate()
                .filter(|&(j, o)| o.sender == r.sender && arrive_y[j].is_some())
                .min_by_key(|&(j, o)| (o.sent_us.abs_diff(r.sent_us), j.abs_diff(i), j));
            let drop = neighbour
                .and_then(|(j, _)| arrive_y[j].map(|a| a - send_y[j]))
                .unwrap_or(FLIGHT_PX)
                .clamp(FLIGHT_PX, 4.0 * FLIGHT_PX);
            send_y[i] + drop / 2.0
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::Role;
    use crate::trace::fixture;

    #[test]
    fn arrows_point_down_and_time_is_monotone() {
        let t = fixture::trace();
        let l = layout(&t, 100.0);
        for (i, r) in t.records.iter().enumerate() {
            assert!(l.end_y[i] > l.send_y[i], "frame {} slants down", r.no);
        }
        for w in l.ticks.windows(2) {
            assert!(w[0].0 < w[1].0 && w[0].1 < w[1].1, "{w:?}");
        }
    }

    #[test]
    fn a_long_gap_becomes_one_break() {
        let t = fixture::trace();
        let l = layout(&t, 100.0);
        // Flights are 100 µs, so gaps over 400 µs break: the 1 ms pause
        // before frame 4 and the ~12 s after frame 5.
        let gaps: Vec<Micros> = l.breaks.iter().map(|b| b.gap_us).collect();
        assert_eq!(gaps, vec![1_000, 12_000_345 - 1_700]);
        for b in &l.breaks {
            assert_eq!(b.y1 - b.y0, BREAK_PX);
        }
        assert!(
            l.bottom < 100.0 + 600.0,
            "the 12 s gap is not drawn to scale"
        );
    }

    #[test]
    fn same_host_sends_get_room_for_their_labels() {
        let mut t = fixture::trace();
        for r in &mut t.records {
            r.sent_us = 0;
            r.arrived_us = r.arrived_us.map(|_| 100);
        }
        let l = layout(&t, 0.0);
        let client: Vec<f64> = t
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.sender == Role::Client)
            .map(|(i, _)| l.send_y[i])
            .collect();
        for w in client.windows(2) {
            assert!(w[1] - w[0] >= SEND_SEP, "{client:?}");
        }
    }

    #[test]
    fn zero_flight_frames_do_not_point_up() {
        let mut t = fixture::trace();
        for r in &mut t.records {
            r.arrived_us = r.arrived_us.map(|_| r.sent_us);
        }
        let l = layout(&t, 0.0);
        for i in 0..t.records.len() {
            assert!(l.end_y[i] >= l.send_y[i]);
        }
    }
}
