//! Criterion benches of the analysis passes on a seeded heavy-tailed
//! contact graph (see `common`), each on one thread and on the full rayon
//! pool. `CASEGRAPH_BENCH_NODES` sets the size (default 200,000 phones with
//! 4 pairs per phone); exact betweenness/closeness are benched on a smaller
//! graph because they are O(n·m).

mod common;

use casegraph::analysis::{
    centrality, communities, components, CentralityConfig, CommunityConfig, ComponentsConfig,
    ContactGraph, Measure,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn pools() -> Vec<(String, rayon::ThreadPool)> {
    let full = rayon::current_num_threads();
    let mut sizes = vec![1];
    if full > 1 {
        sizes.push(full);
    }
    sizes
        .into_iter()
        .map(|t| {
            (
                format!("{t}_threads"),
                rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .unwrap(),
            )
        })
        .collect()
}

fn bench_pass(
    c: &mut Criterion,
    name: &str,
    g: &ContactGraph,
    pass: impl Fn(&ContactGraph) + Sync,
) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    for (label, pool) in pools() {
        group.bench_with_input(BenchmarkId::from_parameter(label), g, |b, g| {
            b.iter(|| pool.install(|| pass(g)))
        });
    }
    group.finish();
}

fn analysis(c: &mut Criterion) {
    let n: usize = std::env::var("CASEGRAPH_BENCH_NODES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let big = common::heavy_tailed(n, 4 * n, 42);
    let small = common::heavy_tailed(2_000, 8_000, 42);
    bench_pass(c, "components", &big, |g| {
        components(g, &ComponentsConfig::default()).unwrap();
    });
    for m in [Measure::Degree, Measure::Pagerank, Measure::Eigenvector] {
        bench_pass(c, m.as_str(), &big, move |g| {
            centrality(g, &CentralityConfig::new(m)).unwrap();
        });
    }
    bench_pass(c, "betweenness_sampled_100", &big, |g| {
        let mut cfg = CentralityConfig::new(Measure::Betweenness);
        cfg.sample = Some(100);
        centrality(g, &cfg).unwrap();
    });
    bench_pass(c, "communities", &big, |g| {
        communities(g, &CommunityConfig::default()).unwrap();
    });
    for m in [Measure::Betweenness, Measure::Closeness] {
        bench_pass(c, &format!("{}_exact_2k", m.as_str()), &small, move |g| {
            centrality(g, &CentralityConfig::new(m)).unwrap();
        });
    }
    bench_pass(c, "contact_graph_from_pairs", &big, |g| {
        let labels = (0..g.n_nodes() as u32)
            .map(|v| (g.kind(v), g.name(v).to_string()))
            .collect();
        ContactGraph::from_pairs(labels, g.pairs().collect(), Vec::new()).unwrap();
    });
}

criterion_group!(benches, analysis);
criterion_main!(benches);
