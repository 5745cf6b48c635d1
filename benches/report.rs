//! Criterion bench of report.html on the demo case: the whole page, and the
//! link-chart layout of the largest gang alone (the part that grows fastest
//! with gang size). The pipeline runs once, outside the timing.

use casegraph::lead::{self, LeadConfig};
use casegraph::report::layout::{layout, LayoutConfig, Link};
use criterion::{criterion_group, criterion_main, Criterion};
use std::path::Path;

fn bench(c: &mut Criterion) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let reading = casegraph::ingest::IngestConfig::default();
    let g = casegraph::open_case(&demo, &reading).unwrap();
    let config = LeadConfig::default();
    let run = lead::run(&g, &config).unwrap();
    let inputs = casegraph::results::RunInputs {
        case: &demo,
        reading: &reading,
        columns_file: None,
        config: &config,
        config_file: None,
    };
    let manifest = casegraph::results::manifest(
        &g,
        &run,
        &inputs,
        &["report.html".to_string()],
        &Default::default(),
    )
    .unwrap();
    c.bench_function("report/demo_page", |b| {
        b.iter(|| casegraph::report::render(&g, &run, &manifest).len())
    });

    // A ring of 60 phones around a boss, each calling its neighbours.
    let n = 61;
    let mut links: Vec<Link> = (1..n)
        .map(|i| Link {
            a: i,
            b: 1 + i % (n - 1),
            weight: 1.0 + (i % 7) as f64,
        })
        .collect();
    links.extend((1..4).map(|i| Link {
        a: 0,
        b: i * 15,
        weight: 40.0,
    }));
    let rings: Vec<Option<f64>> = (0..n)
        .map(|i| Some(if i == 0 { 0.0 } else { 0.85 }))
        .collect();
    c.bench_function("report/layout_61_nodes", |b| {
        b.iter(|| layout(n, &links, &rings, &LayoutConfig::default()).len())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
