//! Seeded synthetic contact graphs for benches and tests: heavy-tailed
//! degrees (Chung–Lu with a power-law expected degree, exponent 2.5, like
//! call graphs) and call counts per pair drawn from a geometric
//! distribution (most pairs call once or twice, a few very often).
#![allow(dead_code)]

use casegraph::analysis::ContactGraph;
use casegraph::model::NodeKind;
use rand::{Rng, SeedableRng};

/// `n` phones and about `m` call pairs (before merging repeats).
pub fn heavy_tailed(n: usize, m: usize, seed: u64) -> ContactGraph {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    // Expected degree of phone i proportional to (i + 10)^(-1/(2.5-1)).
    let mut cumulative = Vec::with_capacity(n);
    let mut total = 0.0;
    for i in 0..n {
        total += ((i + 10) as f64).powf(-1.0 / 1.5);
        cumulative.push(total);
    }
    let pick = |rng: &mut rand_chacha::ChaCha8Rng| -> u32 {
        let x = rng.gen::<f64>() * total;
        cumulative.partition_point(|&c| c < x).min(n - 1) as u32
    };
    let mut pairs = Vec::with_capacity(m);
    while pairs.len() < m {
        let (a, b) = (pick(&mut rng), pick(&mut rng));
        if a == b {
            continue;
        }
        let mut calls = 1.0;
        while rng.gen::<f64>() < 0.4 {
            calls += 1.0;
        }
        pairs.push((a, b, calls));
    }
    let labels = (0..n).map(|i| (NodeKind::Phone, format!("{i}"))).collect();
    ContactGraph::from_pairs(labels, pairs, Vec::new()).expect("valid pairs")
}
