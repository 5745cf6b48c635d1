//! Ingest throughput and snapshot speed on a generated case.
//!
//! The case is made once per run by the project's generator (`small`: about
//! 100k calls; set `CASEGRAPH_BENCH_SIZE=medium` for 2M calls) in a temp
//! folder, never committed. Throughput is reported in call rows per second.

use casegraph::generate::{generate, GenerateConfig, Size};
use casegraph::ingest::{ingest_case, IngestConfig};
use casegraph::snapshot;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn size() -> Size {
    match std::env::var("CASEGRAPH_BENCH_SIZE").as_deref() {
        Ok("tiny") => Size::Tiny,
        Ok("medium") => Size::Medium,
        _ => Size::Small,
    }
}

fn ingest(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(
        &GenerateConfig {
            seed: 7,
            size: size(),
        },
        dir.path(),
    )
    .expect("generate a case");
    let config = IngestConfig::default();
    let graph = ingest_case(dir.path(), &config).expect("ingest");
    let rows = graph
        .report
        .files
        .iter()
        .find(|f| f.file == "calls.csv")
        .map(|f| f.rows_read)
        .unwrap_or(0);

    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows));
    group.bench_function("case folder to graph", |b| {
        b.iter(|| ingest_case(dir.path(), &config).expect("ingest"))
    });
    let bytes = snapshot::to_bytes(&graph);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("graph to snapshot bytes", |b| {
        b.iter(|| snapshot::to_bytes(&graph))
    });
    group.bench_function("snapshot bytes to graph", |b| {
        b.iter(|| snapshot::from_bytes(&bytes).expect("load"))
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
