//! Where to draw each node of a link chart: a seeded Fruchterman–Reingold
//! force-directed layout with a pull towards a ring per node, so the boss
//! sits near the centre, lieutenants around him and operators outside —
//! the picture investigators draw by hand.
//!
//! Forces: every pair of nodes repels (k²/d), every link attracts (d²/k,
//! heavier links a little more), and a node with a ring is pulled towards
//! its radius from the centre; nodes without one feel a weak pull inwards.
//! The step size cools linearly. Starting positions come from a ChaCha
//! generator with a fixed seed and every loop runs in index order, so the
//! same chart comes out every time, on every machine and thread count.
//!
//! Up to [`EXACT_REPULSION_UP_TO`] nodes (every chart of the report, which
//! draws at most [`super::svg::MAX_CHART_NODES`]) every pair repels. Above
//! that, repulsion is cell-bucketed as in Fruchterman and Reingold's grid
//! variant: the disc is cut into square cells of twice the ideal distance
//! and a node is pushed only by nodes in its own and the eight neighbouring
//! cells — by at most [`MAX_PUSHERS_PER_CELL`] of each cell (the first in
//! index order), their push scaled up by the cell's count, so a crowded
//! cell costs no more than a sparse one. Far nodes push as if spread evenly
//! round the centre (the charts are rings): in two dimensions a k²/d force
//! from a ring of nodes pushes a node outside it straight outwards by
//! k² · (nodes inside) / r and one inside it not at all, so a node is pushed
//! out by k² times the number of nodes nearer the centre, over its radius.
//!
//! # Complexity
//! O(I · (N² + E)) for N ≤ [`EXACT_REPULSION_UP_TO`], a bounded cost; above,
//! O(I · (N log N + E)) — each node meets at most 9 · [`MAX_PUSHERS_PER_CELL`]
//! others per iteration, the grid holds about N / π cells, and the nodes are
//! sorted by radius once per iteration — for I iterations (fixed by
//! [`LayoutConfig::iterations`]), N nodes and E links.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Up to this many nodes every pair repels (and the picture is exactly the
/// one the report always drew); above, repulsion is cell-bucketed.
pub const EXACT_REPULSION_UP_TO: usize = 400;

/// In the cell-bucketed layout, how many nodes of one cell push a node.
pub const MAX_PUSHERS_PER_CELL: usize = 24;

/// A link between nodes `a` and `b` with a weight (calls, say) ≥ 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    pub a: usize,
    pub b: usize,
    pub weight: f64,
}

/// The layout's knobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutConfig {
    pub iterations: u32,
    pub seed: u64,
    /// How strongly a node is pulled to its ring, relative to the link forces.
    pub ring_pull: f64,
}

impl Default for LayoutConfig {
    fn default() -> Self {
        LayoutConfig {
            iterations: 400,
            seed: 0x0c45_e9a9,
            ring_pull: 1.2,
        }
    }
}

/// Positions in the unit disc (x, y in [-1, 1]) of `n` nodes. `rings[i]`:
/// the radius (0 = centre, 1 = rim) node `i` should sit at, if any.
pub fn layout(
    n: usize,
    links: &[Link],
    rings: &[Option<f64>],
    config: &LayoutConfig,
) -> Vec<(f64, f64)> {
    assert_eq!(rings.len(), n, "one ring (or none) per node");
    if n == 0 {
        return Vec::new();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ (n as u64).wrapping_mul(0x9e37_79b9));
    // Start each node at its ring, at a random angle.
    let mut pos: Vec<(f64, f64)> = rings
        .iter()
        .map(|r| {
            let angle = rng.gen_range(0.0..std::f64::consts::TAU);
            let radius = r.unwrap_or(0.5).max(0.05) * rng.gen_range(0.8..1.0);
            (radius * angle.cos(), radius * angle.sin())
        })
        .collect();
    // The ideal distance between nodes: the disc's area shared out.
    let k = 1.0 * (std::f64::consts::PI / n as f64).sqrt();
    let max_weight = links.iter().map(|l| l.weight).fold(1.0, f64::max);
    let mut disp = vec![(0.0f64, 0.0f64); n];
    let mut grid = Grid::new(n, k);
    let iterations = config.iterations.max(1);
    for it in 0..iterations {
        let temperature = 0.12 * (1.0 - it as f64 / iterations as f64) + 0.002;
        disp.iter_mut().for_each(|d| *d = (0.0, 0.0));
        if n <= EXACT_REPULSION_UP_TO {
            repel_every_pair(&pos, k, &mut disp);
        } else {
            grid.repel_neighbours(&pos, k, &mut disp);
            repel_from_the_centre(&pos, k, &mut disp);
        }
        for l in links {
            if l.a == l.b {
                continue;
            }
            let (dx, dy) = (pos[l.a].0 - pos[l.b].0, pos[l.a].1 - pos[l.b].1);
            let d = (dx * dx + dy * dy).sqrt().max(1e-3);
            // d²/k along the unit vector, a heavy link up to twice as strong.
            let strength = 1.0 + (l.weight.max(1.0).ln() / max_weight.max(1.0).ln().max(1.0));
            let f = d / k * strength;
            disp[l.a].0 -= dx * f;
            disp[l.a].1 -= dy * f;
            disp[l.b].0 += dx * f;
            disp[l.b].1 += dy * f;
        }
        for i in 0..n {
            let (x, y) = pos[i];
            let r = (x * x + y * y).sqrt().max(1e-6);
            let (target, pull) = match rings[i] {
                // The centre is one point: hold its node there firmly.
                Some(t) if t < 0.05 => (t, 6.0 * config.ring_pull),
                Some(t) => (t, config.ring_pull),
                None => (0.0, 0.15),
            };
            // Towards the ring along the radius, scaled like a link force.
            let f = pull * (r - target) / k;
            disp[i].0 -= x / r * f;
            disp[i].1 -= y / r * f;
        }
        for i in 0..n {
            let (dx, dy) = disp[i];
            let len = (dx * dx + dy * dy).sqrt();
            if len > 0.0 {
                let step = len.min(temperature);
                pos[i].0 += dx / len * step;
                pos[i].1 += dy / len * step;
            }
            // Stay inside the disc.
            let r = (pos[i].0 * pos[i].0 + pos[i].1 * pos[i].1).sqrt();
            if r > 1.0 {
                pos[i].0 /= r;
                pos[i].1 /= r;
            }
        }
    }
    pos
}

/// k²/d along the unit vector between every pair: k² · (dx, dy) / d².
fn repel_every_pair(pos: &[(f64, f64)], k: f64, disp: &mut [(f64, f64)]) {
    let n = pos.len();
    for i in 0..n {
        for j in (i + 1)..n {
            let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
            let d2 = (dx * dx + dy * dy).max(1e-6);
            let f = k * k / d2;
            disp[i].0 += dx * f;
            disp[i].1 += dy * f;
            disp[j].0 -= dx * f;
            disp[j].1 -= dy * f;
        }
    }
}

/// The far field of a ring layout: each node pushed outwards by k² times
/// the number of nodes nearer the centre, over its radius.
fn repel_from_the_centre(pos: &[(f64, f64)], k: f64, disp: &mut [(f64, f64)]) {
    let radius: Vec<f64> = pos.iter().map(|p| (p.0 * p.0 + p.1 * p.1).sqrt()).collect();
    let mut by_radius: Vec<usize> = (0..pos.len()).collect();
    by_radius.sort_by(|&a, &b| radius[a].total_cmp(&radius[b]).then(a.cmp(&b)));
    for (inside, &i) in by_radius.iter().enumerate() {
        let r = radius[i].max(1e-3);
        let f = k * k * inside as f64 / (r * r);
        disp[i].0 += pos[i].0 * f;
        disp[i].1 += pos[i].1 * f;
    }
}

/// Square cells over [-1, 1]², nodes bucketed by cell (a counting sort,
/// redone each iteration; nodes keep index order inside a cell).
struct Grid {
    /// Cells per side.
    side: usize,
    cell: f64,
    /// `start[c]..start[c + 1]`: the slice of `members` in cell `c`.
    start: Vec<usize>,
    members: Vec<usize>,
    cell_of: Vec<usize>,
}

impl Grid {
    /// Cells of twice the ideal distance `k` (empty for a small chart).
    fn new(n: usize, k: f64) -> Grid {
        let side = if n <= EXACT_REPULSION_UP_TO {
            0
        } else {
            ((2.0 / (2.0 * k)).ceil() as usize).max(1)
        };
        Grid {
            side,
            cell: 2.0 / side.max(1) as f64,
            start: vec![0; side * side + 1],
            members: vec![0; if side == 0 { 0 } else { n }],
            cell_of: vec![0; if side == 0 { 0 } else { n }],
        }
    }

    fn column(&self, x: f64) -> usize {
        (((x + 1.0) / self.cell).floor().max(0.0) as usize).min(self.side - 1)
    }

    fn bucket(&mut self, pos: &[(f64, f64)]) {
        self.start.iter_mut().for_each(|s| *s = 0);
        for (i, &(x, y)) in pos.iter().enumerate() {
            let c = self.column(y) * self.side + self.column(x);
            self.cell_of[i] = c;
            self.start[c + 1] += 1;
        }
        for c in 0..self.side * self.side {
            self.start[c + 1] += self.start[c];
        }
        let mut next = self.start.clone();
        for i in 0..pos.len() {
            let c = self.cell_of[i];
            self.members[next[c]] = i;
            next[c] += 1;
        }
    }

    /// Each node pushed by the nodes of its own and the eight neighbouring
    /// cells, at most [`MAX_PUSHERS_PER_CELL`] of each, scaled by the count.
    fn repel_neighbours(&mut self, pos: &[(f64, f64)], k: f64, disp: &mut [(f64, f64)]) {
        self.bucket(pos);
        let side = self.side as isize;
        for i in 0..pos.len() {
            let c = self.cell_of[i] as isize;
            let (row, col) = (c / side, c % side);
            for r in (row - 1).max(0)..=(row + 1).min(side - 1) {
                for q in (col - 1).max(0)..=(col + 1).min(side - 1) {
                    let cell = (r * side + q) as usize;
                    let all = &self.members[self.start[cell]..self.start[cell + 1]];
                    let pushers = &all[..all.len().min(MAX_PUSHERS_PER_CELL)];
                    let scale = all.len() as f64 / pushers.len().max(1) as f64;
                    for &j in pushers.iter().filter(|&&j| j != i) {
                        let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                        let d2 = (dx * dx + dy * dy).max(1e-6);
                        let f = scale * k * k / d2;
                        disp[i].0 += dx * f;
                        disp[i].1 += dy * f;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A boss, two lieutenants, each with five operators.
    fn star() -> (usize, Vec<Link>, Vec<Option<f64>>) {
        let mut links = vec![
            Link {
                a: 0,
                b: 1,
                weight: 40.0,
            },
            Link {
                a: 0,
                b: 2,
                weight: 30.0,
            },
        ];
        let mut rings = vec![Some(0.0), Some(0.4), Some(0.4)];
        for i in 0..10 {
            links.push(Link {
                a: 1 + i / 5,
                b: 3 + i,
                weight: 1.0 + i as f64,
            });
            rings.push(Some(0.85));
        }
        (13, links, rings)
    }

    #[test]
    fn the_same_input_gives_the_same_picture() {
        let (n, links, rings) = star();
        let a = layout(n, &links, &rings, &LayoutConfig::default());
        let b = layout(n, &links, &rings, &LayoutConfig::default());
        assert_eq!(a, b);
        // Another seed draws another picture.
        let c = layout(
            n,
            &links,
            &rings,
            &LayoutConfig {
                seed: 1,
                ..Default::default()
            },
        );
        assert_ne!(a, c);
    }

    #[test]
    fn the_boss_sits_in_the_middle_and_nodes_keep_apart() {
        let (n, links, rings) = star();
        let p = layout(n, &links, &rings, &LayoutConfig::default());
        let r = |i: usize| (p[i].0 * p[i].0 + p[i].1 * p[i].1).sqrt();
        assert!(r(0) < 0.2, "boss at radius {}", r(0));
        for i in 3..n {
            assert!(r(i) > r(1).min(r(2)), "operator {i} inside a lieutenant");
            assert!(r(i) <= 1.0 + 1e-9);
        }
        for i in 0..n {
            for j in (i + 1)..n {
                let d = ((p[i].0 - p[j].0).powi(2) + (p[i].1 - p[j].1).powi(2)).sqrt();
                assert!(d > 0.08, "nodes {i} and {j} only {d} apart");
            }
        }
    }

    /// A gang of `n` phones: one boss, a lieutenant per 50 phones, the
    /// rest operators calling their lieutenant.
    fn giant(n: usize) -> (Vec<Link>, Vec<Option<f64>>) {
        let lieutenants = (n / 50).max(1);
        let mut rings = vec![Some(0.0)];
        let mut links = Vec::new();
        for i in 1..n {
            if i <= lieutenants {
                rings.push(Some(0.3));
                links.push(Link {
                    a: 0,
                    b: i,
                    weight: 5.0,
                });
            } else {
                rings.push(Some(0.7));
                links.push(Link {
                    a: 1 + i % lieutenants,
                    b: i,
                    weight: 1.0,
                });
            }
        }
        (links, rings)
    }

    #[test]
    fn a_giant_chart_is_laid_out_the_same_way_twice_inside_the_disc() {
        // Fewer iterations than the report's to keep the suite quick: the
        // cost is linear in them, and the picture settles early.
        let n = 50_000;
        let (links, rings) = giant(n);
        let config = LayoutConfig {
            iterations: 40,
            ..Default::default()
        };
        let a = layout(n, &links, &rings, &config);
        assert_eq!(a.len(), n);
        let r = |p: (f64, f64)| (p.0 * p.0 + p.1 * p.1).sqrt();
        assert!(a.iter().all(|&p| p.0.is_finite() && r(p) <= 1.0 + 1e-9));
        assert!(r(a[0]) < 0.2, "boss at radius {}", r(a[0]));
        // Operators sit outside lieutenants on average.
        let mean = |from: usize, to: usize| {
            a[from..to].iter().map(|&p| r(p)).sum::<f64>() / (to - from) as f64
        };
        let lieutenants = n / 50;
        assert!(mean(1, lieutenants + 1) < mean(lieutenants + 1, n));
        // Bucketed repulsion still keeps nodes apart: no two on one spot.
        let mut spots: Vec<(i64, i64)> = a
            .iter()
            .map(|p| ((p.0 * 1e6) as i64, (p.1 * 1e6) as i64))
            .collect();
        spots.sort_unstable();
        spots.dedup();
        assert!(
            spots.len() > n * 99 / 100,
            "{} distinct spots of {n}",
            spots.len()
        );
        let b = layout(n, &links, &rings, &config);
        assert_eq!(a, b);
    }

    /// Share of nodes with a neighbour nearer than a third of the ideal
    /// distance, in a layout of `n` nodes with no rings or links.
    fn crowded(n: usize) -> f64 {
        let p = layout(n, &[], &vec![None; n], &LayoutConfig::default());
        let k = (std::f64::consts::PI / n as f64).sqrt();
        let close = (0..n)
            .filter(|&i| {
                (0..n).filter(|&j| j != i).any(|j| {
                    ((p[i].0 - p[j].0).powi(2) + (p[i].1 - p[j].1).powi(2)).sqrt() < k / 3.0
                })
            })
            .count();
        close as f64 / n as f64
    }

    #[test]
    fn bucketed_repulsion_spreads_nodes_about_as_well_as_the_exact_one() {
        let exact = crowded(EXACT_REPULSION_UP_TO);
        let bucketed = crowded(EXACT_REPULSION_UP_TO + 100);
        assert!(
            bucketed <= 2.0 * exact + 0.05,
            "crowded: {bucketed} bucketed, {exact} exact"
        );
    }

    #[test]
    fn empty_and_single_node_charts() {
        assert!(layout(0, &[], &[], &LayoutConfig::default()).is_empty());
        let p = layout(1, &[], &[Some(0.0)], &LayoutConfig::default());
        assert!(p[0].0.abs() < 0.2 && p[0].1.abs() < 0.2);
    }
}
