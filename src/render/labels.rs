//! Where each arrow's label goes.
//!
//! A label runs along its arrow, just above it, as in textbook ladder
//! diagrams. Near the sender is the natural place (two arrows that cross
//! mid-way then have their labels at opposite ends), but an arrow arriving
//! close by, or a burst of segments, can put other lines through it. Each
//! label therefore tries a few positions along its arrow, from the sender's end
//! towards the receiver's, and takes the first one with the fewest other arrows
//! crossing it and no overlap with a label already placed. Greedy, in record
//! order, with fixed candidates: the same trace always gets the same layout.

use std::collections::BTreeMap;

/// A point in SVG user units.
pub(crate) type Point = (f64, f64);

/// Distance from either end of the arrow that a label keeps clear.
pub(crate) const INSET: f64 = 16.0;
/// Extra room left at the head end for the arrowhead.
const HEAD: f64 = 10.0;
/// Room a line of 10.5 px text takes across the arrow: from its baseline,
/// this far up (ascent) and down (descent), plus a pixel of the halo.
const ASCENT: f64 = 9.5;
const DESCENT: f64 = 3.5;
/// Baselines tried, across the arrow (negative is above the line): above it
/// as textbooks print labels, or, when that is crowded, just below it.
const BASELINES: [f64; 2] = [-4.0, 11.5];
/// Positions tried: this many steps between the sender's end and the far end.
const STEPS: usize = 12;
/// How close another arrow may come to a label's far side before the label
/// could be read as that arrow's.
const MARGIN: f64 = 5.0;

/// One arrow to label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Arrow {
    pub from: Point,
    pub to: Point,
    /// Whether `to` carries an arrowhead.
    pub head: bool,
    /// Width of the label text.
    pub width: f64,
}

/// Where a label went: its text starts at `origin` on the arrow, runs along
/// the unit vector `dir` (always rightwards, so the text reads left to right)
/// and sits on a baseline `baseline` across the arrow (negative: above it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Placement {
    pub origin: Point,
    pub dir: Point,
    pub baseline: f64,
}

impl Placement {
    fn corners(&self, width: f64) -> [Point; 4] {
        self.band(width, self.baseline - ASCENT, self.baseline + DESCENT)
    }

    /// The strip just beyond the text's far side from its own arrow: an
    /// arrow there is as close to the label as its own, and a reader could
    /// take the label for that arrow's.
    fn margin(&self, width: f64) -> [Point; 4] {
        if self.baseline < 0.0 {
            let top = self.baseline - ASCENT;
            self.band(width, top - MARGIN, top)
        } else {
            let bottom = self.baseline + DESCENT;
            self.band(width, bottom, bottom + MARGIN)
        }
    }

    /// The box from `top` to `bottom` across the arrow, along the text.
    fn band(&self, width: f64, top: f64, bottom: f64) -> [Point; 4] {
        let (o, (cx, cy)) = (self.origin, self.dir);
        let normal = (-cy, cx);
        let at = |u: f64, v: f64| (o.0 + cx * u + normal.0 * v, o.1 + cy * u + normal.1 * v);
        [
            at(0.0, top),
            at(width, top),
            at(width, bottom),
            at(0.0, bottom),
        ]
    }
}

/// Places every arrow's label; `obstacles` are extra segments labels should
/// avoid (the crosses on lost frames). Labels with the least room to move
/// along their arrow (short arrows, such as lost frames') choose first.
pub(crate) fn place(arrows: &[Arrow], obstacles: &[(Point, Point)]) -> Vec<Placement> {
    let mut segments: Vec<(Point, Point)> = arrows.iter().map(|a| (a.from, a.to)).collect();
    segments.extend_from_slice(obstacles);
    let mut segment_rows = Rows::default();
    for (j, s) in segments.iter().enumerate() {
        segment_rows.insert(j, s.0.1.min(s.1.1), s.0.1.max(s.1.1));
    }
    let mut order: Vec<(f64, usize)> = arrows
        .iter()
        .enumerate()
        .map(|(i, a)| (room(a), i))
        .collect();
    order.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    let mut placed: Vec<[Point; 4]> = Vec::with_capacity(arrows.len());
    let mut placed_rows = Rows::default();
    let mut result: Vec<Option<Placement>> = vec![None; arrows.len()];
    for (_, i) in order {
        let a = &arrows[i];
        let mut best: Option<(u64, Placement)> = None;
        for (rank, p) in candidates(a).into_iter().enumerate() {
            let corners = p.corners(a.width);
            let (top, bottom) = extent(&corners);
            let crossings = segment_rows
                .near(top, bottom)
                .into_iter()
                .filter(|&j| j != i && polygon_meets_segment(&corners, segments[j]))
                .count() as u64;
            let overlaps = placed_rows
                .near(top, bottom)
                .into_iter()
                .filter(|&k| polygons_overlap(&corners, &placed[k]))
                .count() as u64;
            let margin = p.margin(a.width);
            let (m_top, m_bottom) = extent(&margin);
            let ambiguous = segment_rows
                .near(m_top, m_bottom)
                .into_iter()
                .filter(|&j| j != i && j < arrows.len())
                .filter(|&j| polygon_meets_segment(&margin, segments[j]))
                .count() as u64;
            // Overlapping text is unreadable; a label nearer another arrow
            // than its own misleads; a line through text (drawn with a halo)
            // is only untidy; then above beats below, and near the sender
            // beats far from it.
            let score = overlaps * 1_000 + ambiguous * 200 + crossings * 40 + rank as u64;
            if best.is_none_or(|(b, _)| score < b) {
                best = Some((score, p));
            }
        }
        let p = best.map_or_else(|| candidates(a)[0], |(_, p)| p);
        let corners = p.corners(a.width);
        let (top, bottom) = extent(&corners);
        placed_rows.insert(placed.len(), top, bottom);
        placed.push(corners);
        result[i] = Some(p);
    }
    result.into_iter().flatten().collect()
}

/// Lowest and highest y of a box.
fn extent(corners: &[Point; 4]) -> (f64, f64) {
    corners.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    })
}

/// Things indexed by the horizontal bands of the picture they reach into, so
/// a label is only tested against what is near it (long traces have
/// thousands of arrows).
#[derive(Default)]
struct Rows {
    bands: BTreeMap<i64, Vec<usize>>,
}

impl Rows {
    const BAND: f64 = 64.0;

    fn band(y: f64) -> i64 {
        (y / Self::BAND).floor() as i64
    }

    fn insert(&mut self, index: usize, top: f64, bottom: f64) {
        for b in Self::band(top)..=Self::band(bottom) {
            self.bands.entry(b).or_default().push(index);
        }
    }

    /// Indexes of everything reaching into the bands `top..=bottom` touch, in
    /// increasing order.
    fn near(&self, top: f64, bottom: f64) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .bands
            .range(Self::band(top)..=Self::band(bottom))
            .flat_map(|(_, v)| v.iter().copied())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// How far a label can slide along its arrow.
fn room(a: &Arrow) -> f64 {
    let (dx, dy) = (a.to.0 - a.from.0, a.to.1 - a.from.1);
    (dx * dx + dy * dy).sqrt() - a.width
}

/// Positions along the arrow, the sender's end first: first above the line,
/// then below it (ranked after the first few above).
fn candidates(a: &Arrow) -> Vec<Placement> {
    let (dx, dy) = (a.to.0 - a.from.0, a.to.1 - a.from.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    // The text runs rightwards; `left` is the arrow's left end.
    let rightwards = ux >= 0.0;
    let (dir, left) = if rightwards {
        ((ux, uy), a.from)
    } else {
        ((-ux, -uy), a.to)
    };
    let head = if a.head { HEAD } else { 0.0 };
    // Distances of the text's left end from the arrow's left end.
    let (near_sender, far) = if rightwards {
        (INSET, len - a.width - INSET - head)
    } else {
        (len - a.width - INSET, INSET + head)
    };
    let steps = if (far - near_sender).abs() < 1.0 || rightwards != (far > near_sender) {
        0
    } else {
        STEPS
    };
    let along = |k: usize| {
        let t = if steps == 0 {
            0.0
        } else {
            k as f64 / steps as f64
        };
        let u = near_sender + (far - near_sender) * t;
        (left.0 + dir.0 * u, left.1 + dir.1 * u)
    };
    // Above: every step; below: every step, ranked as if three steps further.
    let mut ranked: Vec<(usize, usize, Placement)> = Vec::new();
    for (side, &baseline) in BASELINES.iter().enumerate() {
        for k in 0..=steps {
            let origin = along(k);
            ranked.push((
                k + side * 3,
                side,
                Placement {
                    origin,
                    dir,
                    baseline,
                },
            ));
        }
    }
    ranked.sort_by_key(|&(rank, side, _)| (rank, side));
    ranked.into_iter().map(|(_, _, p)| p).collect()
}

fn cross(o: Point, a: Point, b: Point) -> f64 {
    (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
}

fn segments_intersect(p: (Point, Point), q: (Point, Point)) -> bool {
    let d1 = cross(q.0, q.1, p.0);
    let d2 = cross(q.0, q.1, p.1);
    let d3 = cross(p.0, p.1, q.0);
    let d4 = cross(p.0, p.1, q.1);
    (d1 > 0.0) != (d2 > 0.0) && (d3 > 0.0) != (d4 > 0.0)
}

fn inside(poly: &[Point; 4], p: Point) -> bool {
    let signs: Vec<bool> = (0..4)
        .map(|i| cross(poly[i], poly[(i + 1) % 4], p) >= 0.0)
        .collect();
    signs.iter().all(|&s| s) || signs.iter().all(|&s| !s)
}

fn polygon_meets_segment(poly: &[Point; 4], s: (Point, Point)) -> bool {
    inside(poly, s.0)
        || inside(poly, s.1)
        || (0..4).any(|i| segments_intersect((poly[i], poly[(i + 1) % 4]), s))
}

/// Two convex quadrilaterals overlap (separating-axis test on their edges).
fn polygons_overlap(a: &[Point; 4], b: &[Point; 4]) -> bool {
    let separated_by = |poly: &[Point; 4], other: &[Point; 4]| {
        (0..4).any(|i| {
            let (p, q) = (poly[i], poly[(i + 1) % 4]);
            let axis = (p.1 - q.1, q.0 - p.0);
            let project = |pts: &[Point; 4]| {
                pts.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| {
                    let d = v.0 * axis.0 + v.1 * axis.1;
                    (lo.min(d), hi.max(d))
                })
            };
            let (a0, a1) = project(poly);
            let (b0, b1) = project(other);
            a1 <= b0 || b1 <= a0
        })
    };
    !separated_by(a, b) && !separated_by(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrow(from: Point, to: Point) -> Arrow {
        Arrow {
            from,
            to,
            head: true,
            width: 100.0,
        }
    }

    #[test]
    fn an_unhindered_label_sits_near_its_sender() {
        let right = place(&[arrow((0.0, 0.0), (500.0, 50.0))], &[]);
        let d = right[0].origin.0;
        assert!((d - INSET * 500.0 / 502.5).abs() < 0.1, "{right:?}");
        let left = place(&[arrow((500.0, 0.0), (0.0, 50.0))], &[]);
        // Text ends INSET before the sender, reading rightwards (upwards here).
        assert!(left[0].dir.0 > 0.0 && left[0].dir.1 < 0.0);
        let end = left[0].origin.0 + left[0].dir.0 * 100.0;
        assert!(
            (500.0 - end - INSET * 500.0 / 502.5).abs() < 0.1,
            "{left:?}"
        );
    }

    #[test]
    fn a_label_moves_off_a_crossing_arrow() {
        // A steep arrow crosses the first one near its sender.
        let arrows = [
            arrow((0.0, 100.0), (500.0, 150.0)),
            arrow((120.0, 0.0), (40.0, 300.0)),
        ];
        let p = place(&arrows, &[]);
        let corners = p[0].corners(100.0);
        assert!(!polygon_meets_segment(
            &corners,
            (arrows[1].from, arrows[1].to)
        ));
        assert!(p[0].origin.0 > 40.0);
    }

    #[test]
    fn labels_of_a_burst_do_not_overlap() {
        // Ten parallel arrows 20 px apart.
        let arrows: Vec<Arrow> = (0..10)
            .map(|k| {
                let y = 20.0 * k as f64;
                arrow((500.0, y), (0.0, y + 60.0))
            })
            .collect();
        let p = place(&arrows, &[]);
        for i in 0..p.len() {
            for j in 0..i {
                assert!(!polygons_overlap(
                    &p[i].corners(100.0),
                    &p[j].corners(100.0)
                ));
            }
        }
    }

    #[test]
    fn a_label_keeps_clear_of_a_neighbouring_arrow() {
        // A second arrow 16 px above the first: the first's label above its
        // line would touch it, so it goes below.
        let arrows = [
            arrow((0.0, 100.0), (500.0, 100.0)),
            arrow((0.0, 84.0), (500.0, 84.0)),
        ];
        let p = place(&arrows, &[]);
        assert!(p[0].baseline > 0.0, "{p:?}");
        let margin = p[0].margin(100.0);
        assert!(!polygon_meets_segment(
            &margin,
            (arrows[1].from, arrows[1].to)
        ));
    }

    #[test]
    fn geometry() {
        let square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        assert!(polygon_meets_segment(&square, ((-5.0, 5.0), (15.0, 5.0))));
        assert!(polygon_meets_segment(&square, ((2.0, 2.0), (3.0, 3.0))));
        assert!(!polygon_meets_segment(
            &square,
            ((-5.0, -1.0), (15.0, -1.0))
        ));
        let shifted = square.map(|(x, y)| (x + 9.0, y + 9.0));
        assert!(polygons_overlap(&square, &shifted));
        let apart = square.map(|(x, y)| (x + 11.0, y));
        assert!(!polygons_overlap(&square, &apart));
    }
}
