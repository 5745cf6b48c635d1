//! A delivered text file (a carrier bill, a station table, a person list
//! saved from Excel as CSV in any encoding) on arbitrary bytes, read as a
//! case folder holding only it: encoding detection, header-row search,
//! translation of carriers' spellings, bill merging and the strict readers
//! behind them. Checks that ingest never panics, that every file's rows are
//! accounted for (read = kept + rejected + duplicates + merged + non-data)
//! and that the graph's snapshot loads back with every index checked. The
//! leading byte picks the file's name, so the bill's own number can also
//! come from it. Workbook sheets are fuzzed as typed cells by `workbook.rs`.
#![no_main]

use casegraph::ingest::{ingest_case, IngestConfig};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = [
    "bill_13800138000.csv",
    "话单.csv",
    "stations.tsv",
    "bills/13900000001.txt",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let name = NAMES[pick as usize % NAMES.len()];
    let path = dir.path().join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, file).unwrap();
    // A second bill, so merging across bills is reached.
    std::fs::write(
        dir.path().join("bill_13900000001.csv"),
        "本机号码,对方号码,呼叫类型,通话起始时间,通话时长\n13900000001,13800138000,被叫,2026/3/1 9:00:02,60\n",
    )
    .unwrap();
    let Ok(graph) = ingest_case(dir.path(), &IngestConfig::default()) else {
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
