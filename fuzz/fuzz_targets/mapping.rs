//! The column-mapping file (TOML) on arbitrary text: parsing never panics,
//! and a mapping that parses is used to read `fixtures/tiny` (renaming
//! headers and files as it says), which must not panic either.
#![no_main]

use casegraph::ingest::{ingest_readers, ColumnMapping, FileSpec, IngestConfig};
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

fuzz_target!(|text: &str| {
    let Ok(mapping) = ColumnMapping::parse(text) else {
        return;
    };
    // Offer each file under the name the mapping gives it.
    let files: Vec<(String, &[u8])> = TINY
        .iter()
        .map(|&(file, bytes)| {
            let spec = FileSpec::ALL
                .iter()
                .find(|s| s.file == file)
                .expect("a contract file");
            let name = mapping
                .for_file(spec)
                .and_then(|m| m.file.clone())
                .unwrap_or_else(|| file.to_string());
            (name, bytes)
        })
        .collect();
    let config = IngestConfig {
        mapping,
        ..IngestConfig::default()
    };
    if let Ok(graph) = ingest_readers("fuzz", files, &config) {
        for f in &graph.report.files {
            assert_eq!(
                f.rows_read,
                f.kept + f.rejected + f.duplicates,
                "{}",
                f.file
            );
        }
    }
});
