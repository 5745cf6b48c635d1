//! Snapshots: a round trip gives the same graph; a truncated, corrupted or
//! other-version file gets a clear error, never a panic or a wrong answer.

use super::util::*;
use casegraph::snapshot;

#[test]
fn a_snapshot_round_trips_the_whole_graph() {
    for dir in ["fixtures/tiny", "tests/fixtures/messy"] {
        let g = ingest(&fixture(dir));
        let back = snapshot::from_bytes(&snapshot::to_bytes(&g)).unwrap();
        // NaN coordinates make PartialEq false, so compare the bytes.
        assert_eq!(snapshot::to_bytes(&back), snapshot::to_bytes(&g), "{dir}");
        assert_eq!(back.report, g.report);
        assert_eq!(back.events, g.events);
    }
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = snapshot::to_bytes(&ingest(&fixture("fixtures/tiny")));
    for len in (0..bytes.len()).step_by(7) {
        let err = snapshot::from_bytes(&bytes[..len]).unwrap_err();
        assert!(!err.is_empty());
    }
}

#[test]
fn every_flipped_byte_is_an_error() {
    let bytes = snapshot::to_bytes(&ingest(&fixture("fixtures/tiny")));
    for at in (0..bytes.len()).step_by(5) {
        let mut bad = bytes.clone();
        bad[at] ^= 0x5a;
        assert!(
            snapshot::from_bytes(&bad).is_err(),
            "flipping byte {at} went unnoticed"
        );
    }
}

#[test]
fn another_version_is_named() {
    let mut bytes = snapshot::to_bytes(&ingest(&fixture("fixtures/tiny")));
    bytes[8] = 99;
    let err = snapshot::from_bytes(&bytes).unwrap_err();
    assert!(
        err.contains("expected snapshot format version 1, found 99"),
        "{err}"
    );
}

#[test]
fn one_thread_and_two_threads_give_the_same_bytes() {
    let dir = fixture("fixtures/tiny");
    let with = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
            .install(|| snapshot::to_bytes(&ingest(&dir)))
    };
    assert_eq!(with(1), with(2));
}
