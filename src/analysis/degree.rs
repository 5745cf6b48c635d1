//! Degree and strength: how many phones a phone talked to, and how much.
//!
//! Degree centrality is normalised as NetworkX's `degree_centrality`:
//! `degree / (n - 1)` (1 for every node of a one-node graph). Strength is
//! the raw sum of pair weights (calls and texts), NetworkX's
//! `G.degree(weight="weight")`.
//!
//! # Complexity
//! O(n + m) time, O(n) memory.

use crate::analysis::contact::ContactGraph;
use rayon::prelude::*;

/// Degree of each node, `degree / (n - 1)` when `normalized`.
pub fn degree(g: &ContactGraph, normalized: bool) -> Vec<f64> {
    let n = g.n_nodes();
    let scale = if !normalized {
        1.0
    } else if n <= 1 {
        return vec![1.0; n];
    } else {
        1.0 / (n as f64 - 1.0)
    };
    (0..n as u32)
        .into_par_iter()
        .map(|v| g.degree(v) as f64 * scale)
        .collect()
}

/// Sum of the pair weights of each node.
pub fn strength(g: &ContactGraph) -> Vec<f64> {
    (0..g.n_nodes() as u32)
        .into_par_iter()
        .map(|v| g.strength(v))
        .collect()
}
