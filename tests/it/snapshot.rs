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
        err.contains(&format!(
            "expected snapshot format version {}, found 99",
            snapshot::FORMAT_VERSION
        )),
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

/// The lazy loader ([`snapshot::read`], what commands use) checks only the
/// index at open; every other flipped byte must still be caught, when the
/// damaged part is read, as an error from `catch_corruption`.
#[test]
fn a_lazily_read_snapshot_catches_every_flipped_byte_when_read() {
    let g = ingest(&fixture("fixtures/tiny"));
    let bytes = snapshot::to_bytes(&g);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.cgs");
    // The intact file reads back to the same graph.
    std::fs::write(&path, &bytes).unwrap();
    let back = snapshot::read(&path).unwrap();
    assert_eq!(snapshot::to_bytes(&back), bytes);
    for at in (0..bytes.len()).step_by(5) {
        let mut bad = bytes.clone();
        bad[at] ^= 0x5a;
        std::fs::write(&path, &bad).unwrap();
        let caught = match snapshot::read(&path) {
            Err(_) => true,
            // Reading every row must now hit the damaged block.
            Ok(g) => snapshot::catch_corruption(|| snapshot::to_bytes(&g)).is_err(),
        };
        assert!(caught, "flipping byte {at} went unnoticed");
    }
}

#[test]
fn a_lazily_read_snapshot_checks_only_the_blocks_a_query_reads() {
    let g = ingest(&fixture("fixtures/tiny"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.cgs");
    snapshot::write(&g, &path).unwrap();
    let lazy = snapshot::read(&path).unwrap();
    let boss = lazy.find_phone("13900000001").unwrap();
    let peers: Vec<u32> = lazy.calls_from(boss).iter().map(|l| l.callee).collect();
    let want: Vec<u32> = g.calls_from(boss).iter().map(|l| l.callee).collect();
    assert_eq!(peers, want);
    assert_eq!(lazy.events_of(boss).count(), 5);
}
