//! Analysis passes over the contact graph: who is connected to whom
//! ([`components`]), who matters ([`centrality`]), and which phones form
//! groups ([`communities`]).
//!
//! Every pass is a pure function `fn(&ContactGraph, &Config) -> Result<_>`:
//! it prints nothing, does no I/O, and gives the same result for any number
//! of rayon threads (work is split into chunks whose size does not depend on
//! the thread count, partial results are combined in chunk order, and ties
//! are broken by node id). [`contact`] builds the graph from a case (with
//! [`hubs`] left out) or from an edge list.

pub mod betweenness;
pub mod centrality;
pub mod closeness;
pub mod communities;
pub mod components;
pub mod contact;
pub mod degree;
pub mod eigenvector;
pub mod hubs;
pub mod pagerank;
pub mod pairs;

pub use centrality::{centrality, Centrality, CentralityConfig, Measure};
pub use communities::{communities, modularity, Communities, CommunityConfig};
pub use components::{components, Components, ComponentsConfig};
pub use contact::{ContactConfig, ContactGraph, EventKinds, Grouping};
pub use hubs::{Hub, HubConfig};

use rayon::prelude::*;

/// Nodes per chunk in parallel sums. A constant, so that the order in which
/// floating-point partial sums are added never depends on the thread count.
pub(crate) const SUM_CHUNK: usize = 4096;

/// Sum of `f(i)` for `i in 0..n`, in parallel, with the same result for any
/// thread count: fixed-size chunks are summed in index order, and the chunk
/// sums are added in chunk order.
pub(crate) fn det_sum(n: usize, f: impl Fn(usize) -> f64 + Sync) -> f64 {
    let chunks: Vec<f64> = (0..n.div_ceil(SUM_CHUNK))
        .into_par_iter()
        .map(|c| {
            let lo = c * SUM_CHUNK;
            let hi = (lo + SUM_CHUNK).min(n);
            let mut s = 0.0;
            for i in lo..hi {
                s += f(i);
            }
            s
        })
        .collect();
    chunks.iter().sum()
}

/// Rank of each node by value, highest first, ties by node id: `rank[v]` is
/// 1-based. Also returns the nodes in rank order.
pub fn rank_desc(values: &[f64]) -> (Vec<u32>, Vec<u32>) {
    let mut order: Vec<u32> = (0..values.len() as u32).collect();
    order.par_sort_by(|&a, &b| {
        values[b as usize]
            .total_cmp(&values[a as usize])
            .then(a.cmp(&b))
    });
    let mut rank = vec![0u32; values.len()];
    for (i, &v) in order.iter().enumerate() {
        rank[v as usize] = i as u32 + 1;
    }
    (rank, order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn det_sum_is_the_same_for_one_and_many_threads() {
        let f = |i: usize| 1.0 / (i as f64 + 1.0);
        let n = 3 * SUM_CHUNK + 17;
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| det_sum(n, f));
        let many = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(|| det_sum(n, f));
        assert_eq!(one.to_bits(), many.to_bits());
    }

    #[test]
    fn ranks_break_ties_by_node_id() {
        let (rank, order) = rank_desc(&[0.5, 0.9, 0.5, 0.1]);
        assert_eq!(order, vec![1, 0, 2, 3]);
        assert_eq!(rank, vec![2, 1, 3, 4]);
    }
}
