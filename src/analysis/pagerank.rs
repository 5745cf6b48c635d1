//! PageRank on the undirected contact graph, by power iteration that streams
//! the CSR once per iteration.
//!
//! The contact graph is undirected, so PageRank here is NetworkX's
//! `pagerank(G)` on the same undirected graph (each pair is a link both
//! ways): damping `alpha` (0.85), uniform teleport, and the rank of nodes
//! without links (none exist in a contact graph, but edge lists are
//! checked) spread uniformly, as NetworkX does. Weighted (the default in
//! NetworkX, `weight="weight"`) when `weighted`: a phone passes its rank to
//! its contacts in proportion to the calls between them.
//!
//! Convergence: iteration stops when the change of the whole vector is
//! below `tol`, measured by the L1 norm (the default) or the L2 norm
//! ([`Norm::L2`], NetworKit's default rule, for like-for-like comparisons). NetworkX stops at `n × tol`, so its default (1e-6) is much
//! looser on large graphs than ours (1e-10 absolute); the golden values are
//! made with NetworkX at tol 1e-13 and match within 1e-9.
//!
//! # Complexity
//! O(m) time per iteration (one fused pull over the CSR, parallel over
//! fixed chunks of nodes), O(n) extra memory. Deterministic: each node's new value is a sum in
//! neighbour order, and the L1 change is summed in fixed chunks.

use crate::analysis::contact::ContactGraph;
use crate::analysis::SUM_CHUNK;
use crate::error::{Error, Result};
use rayon::prelude::*;

pub const DEFAULT_ALPHA: f64 = 0.85;
pub const DEFAULT_TOL: f64 = 1e-10;
pub const DEFAULT_MAX_ITER: usize = 1000;

/// How the change between two iterations is measured against `tol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Norm {
    /// Sum of absolute changes: bounds every node's error.
    #[default]
    L1,
    /// Euclidean length of the change (NetworKit's rule): looser than L1
    /// by up to a factor sqrt(n).
    L2,
}

/// PageRank values (summing to 1) and the number of iterations taken.
pub fn pagerank(
    g: &ContactGraph,
    alpha: f64,
    tol: f64,
    max_iter: usize,
    weighted: bool,
    norm: Norm,
) -> Result<(Vec<f64>, usize)> {
    let n = g.n_nodes();
    if n == 0 {
        return Ok((Vec::new(), 0));
    }
    if !(0.0..1.0).contains(&alpha) {
        return Err(Error::Invalid(format!(
            "pagerank: expected a damping factor in [0, 1), found {alpha}"
        )));
    }
    let (offsets, neighbours, weights) = g.csr();
    let weighted = weighted && !g.is_unit_weight();
    let out_weight: Vec<f64> = (0..n as u32)
        .into_par_iter()
        .map(|v| {
            if weighted {
                g.strength(v)
            } else {
                g.degree(v) as f64
            }
        })
        .collect();
    let inv_n = 1.0 / n as f64;
    let inv_w: Vec<f64> = out_weight
        .iter()
        .map(|&w| if w > 0.0 { 1.0 / w } else { 0.0 })
        .collect();
    // Nodes without links keep no rank for themselves: it is spread evenly.
    let dangling: Vec<usize> = (0..n).filter(|&v| out_weight[v] == 0.0).collect();
    let mut x = vec![inv_n; n];
    let mut share: Vec<f64> = inv_w.iter().map(|&iw| inv_n * iw).collect();
    let mut next = vec![0.0; n];
    let mut next_share = vec![0.0; n];
    for iter in 1..=max_iter {
        let lost: f64 = dangling.iter().map(|&v| x[v]).sum();
        let base = (alpha * lost + (1.0 - alpha)) * inv_n;
        // One fused pass per iteration: pull the new rank over the CSR,
        // its share for the next pull, and this chunk's L1 change. Chunks
        // are fixed-size and their changes summed in order, so the result
        // does not depend on the thread count.
        let changes: Vec<f64> = next
            .par_chunks_mut(SUM_CHUNK)
            .zip(next_share.par_chunks_mut(SUM_CHUNK))
            .enumerate()
            .map(|(c, (out, out_share))| {
                let lo = c * SUM_CHUNK;
                let mut change = 0.0;
                for (i, (o, os)) in out.iter_mut().zip(out_share.iter_mut()).enumerate() {
                    let v = lo + i;
                    let (a, b) = (offsets[v] as usize, offsets[v + 1] as usize);
                    let mut s = 0.0;
                    if weighted {
                        for (&u, &w) in neighbours[a..b].iter().zip(&weights[a..b]) {
                            s += share[u as usize] * w;
                        }
                    } else {
                        for &u in &neighbours[a..b] {
                            s += share[u as usize];
                        }
                    }
                    let r = alpha * s + base;
                    let d = r - x[v];
                    change += match norm {
                        Norm::L1 => d.abs(),
                        Norm::L2 => d * d,
                    };
                    *o = r;
                    *os = r * inv_w[v];
                }
                change
            })
            .collect();
        let sum: f64 = changes.iter().sum();
        let err = match norm {
            Norm::L1 => sum,
            Norm::L2 => sum.sqrt(),
        };
        std::mem::swap(&mut x, &mut next);
        std::mem::swap(&mut share, &mut next_share);
        if err < tol {
            return Ok((x, iter));
        }
    }
    Err(Error::Invalid(format!(
        "pagerank: expected convergence to tol {tol} within {max_iter} iterations, found none"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeKind;

    #[test]
    fn a_star_gives_the_centre_the_closed_form_rank() {
        // Star with k leaves: centre c, leaves l. c = (1-a)/n + a*k*l,
        // l = (1-a)/n + a*c/k.
        let k = 5usize;
        let names: Vec<String> = (0..k).map(|i| format!("l{i}")).collect();
        let g = ContactGraph::from_edges(
            names.iter().map(|l| ("c", l.as_str(), 1.0)),
            NodeKind::Phone,
        )
        .unwrap();
        let (pr, _) = pagerank(&g, 0.85, 1e-14, 1000, true, Norm::L1).unwrap();
        let (a, n) = (0.85, (k + 1) as f64);
        // Solve: c = (1-a)/n + a*k*((1-a)/n + a*c/k) = (1-a)/n*(1+a*k) + a^2 c
        let c = (1.0 - a) / n * (1.0 + a * k as f64) / (1.0 - a * a);
        assert!((pr[0] - c).abs() < 1e-12, "{} vs {c}", pr[0]);
        assert!((pr.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // The L2 rule stops no later than the L1 rule at the same tolerance
        // (the L2 norm never exceeds the L1 norm) and lands close by.
        let (l1, it1) = pagerank(&g, 0.85, 1e-9, 1000, false, Norm::L1).unwrap();
        let (l2, it2) = pagerank(&g, 0.85, 1e-9, 1000, false, Norm::L2).unwrap();
        assert!(it2 <= it1, "{it2} > {it1}");
        assert!(l1.iter().zip(&l2).all(|(a, b)| (a - b).abs() < 1e-8));
    }
}
