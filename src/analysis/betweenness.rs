//! Betweenness: how often a phone lies on the shortest chains between other
//! phones (brokers, go-betweens), by Brandes' algorithm.
//!
//! Exact: one shortest-path search from every node. Sampled: from `k`
//! sources drawn uniformly without replacement (ChaCha8 seeded with `seed`),
//! scaled as NetworkX 3.6 does (a node that is itself a source is estimated
//! from the other `k - 1` sources), so that the estimate is unbiased.
//!
//! Normalisation (default, NetworkX's `normalized=True` for undirected
//! graphs): the sum over unordered pairs `{s, t}` (neither being `v`) of the
//! share of shortest s–t paths through `v`, divided by `(n-1)(n-2)/2`.
//! Unnormalised: the sum over unordered pairs (NetworKit's raw value counts
//! ordered pairs and is twice this).
//!
//! Weighted: a pair with `w` events has length `1 / w`, so the shortest
//! chains run through frequent contacts (NetworkX with the attribute
//! `dist = 1 / weight`).
//!
//! # Error of the sampled estimate
//! For every node the normalised estimate is the mean of `k` (or `k - 1`)
//! terms in `[0, 1]` drawn without replacement from the node's per-source
//! dependencies, whose mean is the exact value. By Hoeffding's inequality
//! (which holds for sampling without replacement) and a union bound over all
//! `n` nodes, with probability at least `1 - delta` *every* node's estimate
//! is within `sqrt(ln(2n / delta) / (2 (k - 1)))` of its exact normalised
//! betweenness. [`sampled_error_bound`] computes it (delta = 0.05 in outputs).
//!
//! # Complexity
//! O(s · m) time for `s` sources unweighted, O(s · m log n) weighted;
//! O(n) memory per parallel task. Sources are split into fixed chunks of
//! [`CHUNK`] processed [`WAVE`] at a time in parallel; each chunk adds into
//! its own accumulator and accumulators are added in chunk order, so the
//! result does not depend on the thread count.

use crate::analysis::contact::ContactGraph;
use crate::error::{Error, Result};
use rand::SeedableRng;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Sources per chunk.
pub const CHUNK: usize = 8;
/// Chunks run in parallel per wave (bounds the accumulator memory to
/// `WAVE × n` floats).
pub const WAVE: usize = 4;
/// Confidence used for the reported sampling error.
pub const DEFAULT_DELTA: f64 = 0.05;

/// Per-source search state, reused across sources.
struct Search {
    hops: Vec<u32>,
    dist: Vec<f64>,
    sigma: Vec<f64>,
    delta: Vec<f64>,
    order: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Search {
    fn new(n: usize) -> Self {
        Search {
            hops: vec![u32::MAX; n],
            dist: vec![f64::INFINITY; n],
            sigma: vec![0.0; n],
            delta: vec![0.0; n],
            order: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Add source `s`'s dependencies into `acc`.
    fn run(&mut self, g: &ContactGraph, s: u32, weighted: bool, acc: &mut [f64]) {
        self.order.clear();
        self.sigma[s as usize] = 1.0;
        if weighted {
            self.run_weighted(g, s, acc);
        } else {
            self.run_hops(g, s, acc);
        }
    }

    /// Brandes from `s` counting hops: a breadth-first search for the
    /// shortest chains, then dependencies summed back from the farthest
    /// phones; the arrays are left clean for the next source.
    fn run_hops(&mut self, g: &ContactGraph, s: u32, acc: &mut [f64]) {
        let (offsets, neighbours, _) = g.csr();
        let adj = |v: u32| offsets[v as usize] as usize..offsets[v as usize + 1] as usize;
        self.hops[s as usize] = 0;
        self.order.push(s);
        let mut head = 0;
        while head < self.order.len() {
            let v = self.order[head];
            head += 1;
            let dv = self.hops[v as usize];
            let sv = self.sigma[v as usize];
            for &w in &neighbours[adj(v)] {
                let dw = &mut self.hops[w as usize];
                if *dw == u32::MAX {
                    *dw = dv + 1;
                    self.order.push(w);
                }
                if *dw == dv + 1 {
                    self.sigma[w as usize] += sv;
                }
            }
        }
        for &v in self.order.iter().rev() {
            let dv = self.hops[v as usize];
            let sv = self.sigma[v as usize];
            let mut d = 0.0;
            for &w in &neighbours[adj(v)] {
                if self.hops[w as usize] == dv + 1 {
                    d += sv / self.sigma[w as usize] * (1.0 + self.delta[w as usize]);
                }
            }
            self.delta[v as usize] = d;
            if v != s {
                acc[v as usize] += d;
            }
        }
        for &v in &self.order {
            self.hops[v as usize] = u32::MAX;
            self.sigma[v as usize] = 0.0;
            self.delta[v as usize] = 0.0;
        }
    }

    /// Brandes from `s` with contact lengths 1 / weight (more calls, closer
    /// phones); the arrays are left clean for the next source.
    fn run_weighted(&mut self, g: &ContactGraph, s: u32, acc: &mut [f64]) {
        let (offsets, neighbours, weights) = g.csr();
        let adj = |v: u32| offsets[v as usize] as usize..offsets[v as usize + 1] as usize;
        // Dijkstra with lengths 1 / weight. Non-negative floats order like
        // their bit patterns, so the heap key is the bits.
        self.dist[s as usize] = 0.0;
        self.heap.push(Reverse((0f64.to_bits(), s)));
        let mut settled = vec![];
        std::mem::swap(&mut settled, &mut self.order);
        while let Some(Reverse((bits, v))) = self.heap.pop() {
            let dv = f64::from_bits(bits);
            if dv > self.dist[v as usize] || self.hops[v as usize] == 0 {
                continue;
            }
            // `hops` marks settled nodes in the weighted search.
            self.hops[v as usize] = 0;
            settled.push(v);
            let sv = self.sigma[v as usize];
            let r = adj(v);
            for (&w, &wt) in neighbours[r.clone()].iter().zip(&weights[r]) {
                if self.hops[w as usize] == 0 {
                    continue;
                }
                let nd = dv + 1.0 / wt;
                let dw = self.dist[w as usize];
                if nd < dw {
                    self.dist[w as usize] = nd;
                    self.sigma[w as usize] = sv;
                    self.heap.push(Reverse((nd.to_bits(), w)));
                } else if nd == dw {
                    self.sigma[w as usize] += sv;
                }
            }
        }
        for &v in settled.iter().rev() {
            let dv = self.dist[v as usize];
            let sv = self.sigma[v as usize];
            let r = adj(v);
            let mut d = 0.0;
            for (&w, &wt) in neighbours[r.clone()].iter().zip(&weights[r]) {
                if self.dist[w as usize] == dv + 1.0 / wt {
                    d += sv / self.sigma[w as usize] * (1.0 + self.delta[w as usize]);
                }
            }
            self.delta[v as usize] = d;
            if v != s {
                acc[v as usize] += d;
            }
        }
        for &v in &settled {
            self.hops[v as usize] = u32::MAX;
            self.dist[v as usize] = f64::INFINITY;
            self.sigma[v as usize] = 0.0;
            self.delta[v as usize] = 0.0;
        }
        // Nodes reached but never settled cannot exist (every pushed node is
        // popped), so `dist` is clean again.
        settled.clear();
        self.order = settled;
    }
}

/// Which sources to run from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sources {
    All,
    Sample { k: usize, seed: u64 },
}

/// Betweenness of every node; see the module documentation.
pub fn betweenness(
    g: &ContactGraph,
    sources: Sources,
    weighted: bool,
    normalized: bool,
) -> Result<Vec<f64>> {
    let n = g.n_nodes();
    let weighted = weighted && !g.is_unit_weight();
    let (list, is_source): (Vec<u32>, Option<Vec<bool>>) = match sources {
        Sources::All => ((0..n as u32).collect(), None),
        Sources::Sample { k, seed } => {
            if k == 0 || k > n {
                return Err(Error::Invalid(format!(
                    "betweenness: expected a sample of 1..={n} sources, found {k}"
                )));
            }
            let list = sample_sources(n, k, seed);
            let mut mark = vec![false; n];
            for &s in &list {
                mark[s as usize] = true;
            }
            (list, Some(mark))
        }
    };
    let mut total = vec![0.0; n];
    let chunks: Vec<&[u32]> = list.chunks(CHUNK).collect();
    let mut slots: Vec<(Search, Vec<f64>)> = (0..WAVE.min(chunks.len()))
        .map(|_| (Search::new(n), vec![0.0; n]))
        .collect();
    for wave in chunks.chunks(WAVE) {
        slots
            .par_iter_mut()
            .zip(wave.par_iter())
            .for_each(|((search, acc), chunk)| {
                acc.iter_mut().for_each(|a| *a = 0.0);
                for &s in chunk.iter() {
                    search.run(g, s, weighted, acc);
                }
            });
        for (_, acc) in slots.iter().take(wave.len()) {
            total.par_iter_mut().zip(acc).for_each(|(t, a)| *t += a);
        }
    }
    // Rescale as NetworkX 3.6 `_rescale` (endpoints excluded).
    let big_n = n as f64 - 1.0;
    if n < 3 {
        return Ok(vec![0.0; n]);
    }
    let k = list.len() as f64;
    let correction = if normalized { 1.0 } else { 2.0 };
    let scale = |k_eff: f64| {
        if normalized {
            1.0 / (k_eff * (big_n - 1.0))
        } else {
            big_n / (k_eff * correction)
        }
    };
    match is_source {
        None => {
            let s = scale(big_n);
            total.iter_mut().for_each(|t| *t *= s);
        }
        Some(mark) => {
            let (s_src, s_other) = (scale(k - 1.0), scale(k));
            for (t, &m) in total.iter_mut().zip(&mark) {
                *t *= if m {
                    if k > 1.0 {
                        s_src
                    } else {
                        0.0
                    }
                } else {
                    s_other
                };
            }
        }
    }
    Ok(total)
}

/// `k` distinct nodes of `0..n`, uniformly, sorted.
pub fn sample_sources(n: usize, k: usize, seed: u64) -> Vec<u32> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut picked = rand::seq::index::sample(&mut rng, n, k).into_vec();
    picked.sort_unstable();
    picked.into_iter().map(|v| v as u32).collect()
}

/// With probability at least `1 - delta`, every node's sampled normalised
/// betweenness from `k` of `n` sources is within this of the exact value.
pub fn sampled_error_bound(n: usize, k: usize, delta: f64) -> f64 {
    if k >= n {
        return 0.0;
    }
    if k <= 1 {
        return 1.0;
    }
    ((2.0 * n as f64 / delta).ln() / (2.0 * (k as f64 - 1.0)))
        .sqrt()
        .min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeKind;

    fn path(k: usize) -> ContactGraph {
        let names: Vec<String> = (0..k).map(|i| format!("p{i}")).collect();
        ContactGraph::from_edges(
            names
                .windows(2)
                .map(|w| (w[0].as_str(), w[1].as_str(), 1.0)),
            NodeKind::Phone,
        )
        .unwrap()
    }

    #[test]
    fn the_middle_of_a_path_carries_every_chain() {
        // Path of 5: the middle node is on 2*2 = 4 of the 6 pairs not
        // involving it; normalised by (n-1)(n-2)/2 = 6.
        let b = betweenness(&path(5), Sources::All, false, true).unwrap();
        assert!((b[2] - 4.0 / 6.0).abs() < 1e-15);
        assert!((b[1] - 3.0 / 6.0).abs() < 1e-15);
        assert_eq!(b[0], 0.0);
        let raw = betweenness(&path(5), Sources::All, false, false).unwrap();
        assert!((raw[2] - 4.0).abs() < 1e-15);
    }

    #[test]
    fn weighted_chains_prefer_frequent_contacts() {
        // a-b-d with 5 calls on each link is shorter (0.4) than a-c-d with 1
        // (2.0): b carries the a-d chain, c none.
        let g = ContactGraph::from_edges(
            [
                ("a", "b", 5.0),
                ("b", "d", 5.0),
                ("a", "c", 1.0),
                ("c", "d", 1.0),
            ],
            NodeKind::Phone,
        )
        .unwrap();
        let w = betweenness(&g, Sources::All, true, false).unwrap();
        assert_eq!(w[g.find("b").unwrap() as usize], 1.0);
        assert_eq!(w[g.find("c").unwrap() as usize], 0.0);
        let u = betweenness(&g, Sources::All, false, false).unwrap();
        assert_eq!(u[g.find("b").unwrap() as usize], 0.5);
    }

    #[test]
    fn sampling_every_node_is_exact() {
        let g = path(7);
        let exact = betweenness(&g, Sources::All, false, true).unwrap();
        let all = betweenness(&g, Sources::Sample { k: 7, seed: 3 }, false, true).unwrap();
        for (a, b) in exact.iter().zip(&all) {
            assert!((a - b).abs() < 1e-15);
        }
        assert_eq!(sampled_error_bound(7, 7, 0.05), 0.0);
        assert!(sampled_error_bound(1_000_000, 1000, 0.05) < 0.1);
    }
}
