//! Closeness and harmonic centrality: how near a phone is to all the others.
//!
//! Closeness is NetworkX's `closeness_centrality` with its default
//! `wf_improved=True` (Wasserman & Faust), so that phones in small
//! components are not rated as close as hubs of the big one: for a node
//! reaching `r - 1` others at total distance `D`,
//! `closeness = ((r - 1) / D) × ((r - 1) / (n - 1))`, and 0 if it reaches
//! none. Harmonic is NetworkX's `harmonic_centrality`: the sum of
//! `1 / distance` over every other node reached (unnormalised).
//!
//! Weighted: a pair with `w` events has length `1 / w`.
//!
//! # Complexity
//! O(n · m) time unweighted, O(n · m log n) weighted (one search per node,
//! parallel over nodes); O(n) memory per thread. Each node's value comes
//! from its own search alone, so the result does not depend on the thread
//! count.

use crate::analysis::contact::ContactGraph;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Sum of distances to, sum of inverse distances to, and number of other
/// nodes reached from each node.
fn distance_sums(g: &ContactGraph, weighted: bool) -> Vec<(f64, f64, usize)> {
    let n = g.n_nodes();
    let weighted = weighted && !g.is_unit_weight();
    let (offsets, neighbours, weights) = g.csr();
    (0..n as u32)
        .into_par_iter()
        .map_init(
            || {
                (
                    vec![u32::MAX; n],
                    vec![f64::INFINITY; n],
                    Vec::<u32>::new(),
                    BinaryHeap::<Reverse<(u64, u32)>>::new(),
                )
            },
            |(hops, dist, seen, heap), s| {
                let (mut total, mut inv, mut reached) = (0.0f64, 0.0f64, 0usize);
                seen.clear();
                if !weighted {
                    hops[s as usize] = 0;
                    seen.push(s);
                    let mut head = 0;
                    let mut hop_total: u64 = 0;
                    while head < seen.len() {
                        let v = seen[head];
                        head += 1;
                        let dv = hops[v as usize];
                        if v != s {
                            hop_total += dv as u64;
                            inv += 1.0 / dv as f64;
                            reached += 1;
                        }
                        let r = offsets[v as usize] as usize..offsets[v as usize + 1] as usize;
                        for &w in &neighbours[r] {
                            if hops[w as usize] == u32::MAX {
                                hops[w as usize] = dv + 1;
                                seen.push(w);
                            }
                        }
                    }
                    total = hop_total as f64;
                    for &v in seen.iter() {
                        hops[v as usize] = u32::MAX;
                    }
                } else {
                    dist[s as usize] = 0.0;
                    heap.push(Reverse((0f64.to_bits(), s)));
                    while let Some(Reverse((bits, v))) = heap.pop() {
                        let dv = f64::from_bits(bits);
                        if hops[v as usize] == 0 || dv > dist[v as usize] {
                            continue;
                        }
                        hops[v as usize] = 0;
                        seen.push(v);
                        if v != s {
                            total += dv;
                            inv += 1.0 / dv;
                            reached += 1;
                        }
                        let r = offsets[v as usize] as usize..offsets[v as usize + 1] as usize;
                        for (&w, &wt) in neighbours[r.clone()].iter().zip(&weights[r]) {
                            let nd = dv + 1.0 / wt;
                            if hops[w as usize] != 0 && nd < dist[w as usize] {
                                dist[w as usize] = nd;
                                heap.push(Reverse((nd.to_bits(), w)));
                            }
                        }
                    }
                    for &v in seen.iter() {
                        hops[v as usize] = u32::MAX;
                        dist[v as usize] = f64::INFINITY;
                    }
                }
                (total, inv, reached)
            },
        )
        .collect()
}

/// Closeness of every node (Wasserman–Faust scaled, as NetworkX).
pub fn closeness(g: &ContactGraph, weighted: bool) -> Vec<f64> {
    let n = g.n_nodes();
    distance_sums(g, weighted)
        .into_iter()
        .map(|(total, _, reached)| {
            if total > 0.0 && n > 1 {
                let r = reached as f64;
                (r / total) * (r / (n as f64 - 1.0))
            } else {
                0.0
            }
        })
        .collect()
}

/// Harmonic centrality of every node (unnormalised, as NetworkX).
pub fn harmonic(g: &ContactGraph, weighted: bool) -> Vec<f64> {
    distance_sums(g, weighted)
        .into_iter()
        .map(|(_, inv, _)| inv)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeKind;

    #[test]
    fn small_components_are_scaled_down() {
        // a-b-c and d-e: n = 5.
        let g = ContactGraph::from_edges(
            [("a", "b", 1.0), ("b", "c", 1.0), ("d", "e", 1.0)],
            NodeKind::Phone,
        )
        .unwrap();
        let c = closeness(&g, false);
        assert!((c[1] - (2.0 / 2.0) * (2.0 / 4.0)).abs() < 1e-15);
        assert!((c[0] - (2.0 / 3.0) * (2.0 / 4.0)).abs() < 1e-15);
        assert!((c[3] - 1.0 * 0.25).abs() < 1e-15);
        let h = harmonic(&g, false);
        assert_eq!(h, vec![1.5, 2.0, 1.5, 1.0, 1.0]);
        let hw = harmonic(
            &ContactGraph::from_edges([("a", "b", 4.0), ("b", "c", 4.0)], NodeKind::Phone).unwrap(),
            true,
        );
        assert_eq!(hw, vec![4.0 + 2.0, 8.0, 6.0]);
    }
}
