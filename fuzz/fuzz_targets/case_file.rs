//! Each case file's row reader on arbitrary bytes. The first byte picks the
//! file (locations, persons, phones, calls, incidents); the rest is that
//! file, read beside the other four files of `fixtures/tiny`. Checks that
//! ingest never panics, that every row is accounted for (read = kept +
//! rejected + duplicates) and that the graph it builds is consistent (its
//! snapshot loads back with every index checked).
#![no_main]

use casegraph::ingest::{ingest_readers, FileSpec, IngestConfig};
use libfuzzer_sys::fuzz_target;

const TINY: [(&str, &[u8]); 5] = [
    (
        "locations.csv",
        include_bytes!("../../fixtures/tiny/locations.csv"),
    ),
    (
        "persons.csv",
        include_bytes!("../../fixtures/tiny/persons.csv"),
    ),
    (
        "phones.csv",
        include_bytes!("../../fixtures/tiny/phones.csv"),
    ),
    ("calls.csv", include_bytes!("../../fixtures/tiny/calls.csv")),
    (
        "incidents.csv",
        include_bytes!("../../fixtures/tiny/incidents.csv"),
    ),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    let fuzzed = FileSpec::ALL[pick as usize % FileSpec::ALL.len()].file;
    let files = TINY.iter().map(|&(name, bytes)| {
        let bytes = if name == fuzzed { file } else { bytes };
        (name.to_string(), bytes)
    });
    let Ok(graph) = ingest_readers("fuzz", files, &IngestConfig::default()) else {
        return;
    };
    for f in &graph.report.files {
        assert!(f.balances(), "{f:?}");
    }
    let bytes = casegraph::snapshot::to_bytes(&graph);
    if let Err(e) = casegraph::snapshot::from_bytes(&bytes) {
        panic!("the ingested graph does not load back: {e}");
    }
});
