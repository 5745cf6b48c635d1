//! The default contact graph stored in a snapshot (format version 4): the
//! analysis commands map it instead of rebuilding it, it is the graph they
//! would have built, version 3 snapshots (without it) still read, and the
//! commands say how many hubs they left out.

use super::util::*;
use casegraph::analysis::{ContactConfig, ContactGraph};
use casegraph::snapshot;

/// A version 3 file made from a version 4 one: the same sections without
/// the `cg.*` ones, resealed.
fn as_version_3(v4: &[u8]) -> Vec<u8> {
    let at = v4
        .windows(16)
        .position(|w| w == b"cg.offsets\0\0\0\0\0\0")
        .expect("a cg.offsets section");
    let mut v3 = v4[..at].to_vec();
    v3.extend_from_slice(&[0u8; 8]);
    v3.extend_from_slice(snapshot::TRAILER);
    v3[8..12].copy_from_slice(&3u32.to_le_bytes());
    v3[12..16].copy_from_slice(&28u32.to_le_bytes());
    snapshot::reseal(&mut v3).unwrap();
    v3
}

#[test]
fn a_snapshot_stores_the_default_contact_graph_the_commands_would_build() {
    for dir in ["fixtures/tiny", "fixtures/demo"] {
        let built = ingest(&fixture(dir));
        let want =
            ContactGraph::from_case_grouped(&built, &ContactConfig::default(), None).unwrap();
        let bytes = snapshot::to_bytes(&built);
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("case.cgs");
        std::fs::write(&path, &bytes).unwrap();

        let lazy = snapshot::read(&path).unwrap();
        assert!(lazy.contact.get().is_some(), "{dir}: stored");
        let mapped = ContactGraph::from_case(&lazy, &ContactConfig::default()).unwrap();
        assert_eq!(mapped.n_nodes(), want.n_nodes(), "{dir}");
        assert_eq!(mapped.csr().0, want.csr().0, "{dir}: offsets");
        assert_eq!(mapped.csr().1, want.csr().1, "{dir}: neighbours");
        assert_eq!(mapped.csr().2, want.csr().2, "{dir}: weights");
        assert_eq!(mapped.strengths(), want.strengths(), "{dir}: strengths");
        assert!(
            (0..want.n_nodes() as u32)
                .all(|v| mapped.name(v) == want.name(v) && mapped.kind(v) == want.kind(v)),
            "{dir}: names"
        );
        assert_eq!(mapped.hubs, want.hubs, "{dir}: hubs");
        assert_eq!(mapped, want, "{dir}");
        assert_eq!(mapped.hubs, want.hubs, "{dir}");
        let verified = snapshot::read_verified(&path).unwrap();
        assert_eq!(
            ContactGraph::from_case(&verified, &ContactConfig::default()).unwrap(),
            want
        );
        // Other settings are built from the rows, as before.
        let filtered = ContactConfig {
            min_events: 2,
            ..Default::default()
        };
        assert!(!ContactGraph::is_kept(&lazy, &filtered));
        assert_eq!(
            ContactGraph::from_case(&lazy, &filtered).unwrap(),
            ContactGraph::from_case_grouped(&built, &filtered, None).unwrap()
        );
    }
}

#[test]
fn a_version_3_snapshot_still_reads_and_builds_its_contact_graph() {
    let built = ingest(&fixture("fixtures/tiny"));
    let v4 = snapshot::to_bytes(&built);
    let v3 = as_version_3(&v4);
    let back = snapshot::from_bytes(&v3).unwrap();
    assert!(back.contact.get().is_none());
    assert_eq!(
        ContactGraph::from_case(&back, &ContactConfig::default()).unwrap(),
        ContactGraph::from_case_grouped(&built, &ContactConfig::default(), None).unwrap()
    );
    // Written again, it is the version 4 file.
    assert_eq!(snapshot::to_bytes(&back), v4);
}

#[test]
fn a_corrupted_contact_section_is_an_error_when_read() {
    let bytes = snapshot::to_bytes(&ingest(&fixture("fixtures/demo")));
    let at = bytes
        .windows(16)
        .position(|w| w == b"cg.neighbours\0\0\0")
        .unwrap();
    let mut bad = bytes.clone();
    bad[at + 48 + 100] ^= 0x20; // in the payload, after the 48-byte header
    let err = snapshot::from_bytes(&bad).unwrap_err();
    assert!(err.contains("cg.neighbours"), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.cgs");
    std::fs::write(&path, &bad).unwrap();
    let case = snapshot::read(&path).unwrap();
    let err = snapshot::catch_corruption(|| {
        ContactGraph::from_case(&case, &ContactConfig::default()).map(|g| g.pairs().count())
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("cg.neighbours"), "{err}");
}

#[test]
fn commands_map_the_stored_graph_and_count_the_hubs_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("demo.cgs");
    std::fs::write(
        &path,
        snapshot::to_bytes(&ingest(&fixture("fixtures/demo"))),
    )
    .unwrap();
    let n_hubs = snapshot::read(&path)
        .map(|c| {
            ContactGraph::from_case(&c, &ContactConfig::default())
                .unwrap()
                .hubs
                .len()
        })
        .unwrap();
    assert!(n_hubs > 1, "the demo case has service numbers");
    let run = |args: &[&str]| {
        let out = casegraph().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let p = path.to_str().unwrap();
    let stderr = run(&["components", p, "--timings", "--format", "csv"]);
    assert!(
        stderr.contains("contact graph mapped from the snapshot"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{n_hubs} hubs (service numbers) left out")),
        "{stderr}"
    );
    assert!(!stderr.contains("hub left out:"), "{stderr}");
    let stderr = run(&["components", p, "--verbose", "--format", "csv"]);
    assert_eq!(stderr.matches("hub left out:").count(), n_hubs, "{stderr}");
    let stderr = run(&[
        "components",
        p,
        "--min-calls",
        "2",
        "--timings",
        "--format",
        "csv",
    ]);
    assert!(stderr.contains("contact graph built"), "{stderr}");
}
