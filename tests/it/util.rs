//! The harness of the integration tests, the one place for what several
//! modules need: where the repository and its fixtures are, the casegraph
//! binary as a command, golden files, and the criminal networks of
//! `tests/data/networks/`.

use casegraph::analysis::{Communities, ContactGraph};
use casegraph::model::NodeKind;
use std::path::{Path, PathBuf};

/// The repository root (fixtures are relative to it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join(rel)
}

/// Ingest a case folder with default settings.
pub fn ingest(dir: &Path) -> casegraph::CaseGraph {
    casegraph::ingest::ingest_case(dir, &casegraph::ingest::IngestConfig::default())
        .unwrap_or_else(|e| panic!("ingest {}: {e}", dir.display()))
}

/// The casegraph binary, for assertions on its output and exit status.
pub fn casegraph() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("casegraph").expect("binary built")
}

/// The casegraph binary as a plain process, for tests that spawn, kill or
/// wait on it themselves.
pub fn casegraph_process() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_casegraph"))
}

/// Compare `actual` with the golden file `tests/golden/REL`, or rewrite it
/// when UPDATE_GOLDEN=1.
pub fn golden(rel: &str, actual: &[u8]) {
    let path = root().join("tests/golden").join(rel);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run UPDATE_GOLDEN=1 cargo test --test it",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .iter()
            .zip(actual)
            .position(|(a, b)| a != b)
            .unwrap_or(expected.len().min(actual.len()));
        let line = actual[..first].iter().filter(|&&b| b == b'\n').count() + 1;
        panic!(
            "{}: differs from the output at line {line}; if the change is intended, run UPDATE_GOLDEN=1 cargo test --test it and review the diff",
            path.display()
        );
    }
}

/// The golden values of the analysis passes (`tests/reference/`).
pub fn reference_dir() -> PathBuf {
    root().join("tests/reference")
}

/// The criminal networks kept with the tests, one folder each with its
/// `edges.csv` and a `NOTE.md` on where it comes from.
pub fn networks_dir() -> PathBuf {
    root().join("tests/data/networks")
}

/// The edge list of one network of `tests/data/networks/`.
pub fn network_edges(name: &str) -> PathBuf {
    networks_dir().join(name).join("edges.csv")
}

/// A path relative to `tests/` (the reference files name their edge lists
/// so: `data/networks/NAME/edges.csv`, `reference/NAME.edges.csv`).
pub fn edges_path(rel: &str) -> PathBuf {
    root().join("tests").join(rel)
}

pub fn read_edges(path: &Path) -> ContactGraph {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ContactGraph::read_edge_list(f, &path.display().to_string(), NodeKind::Person).unwrap()
}

/// One network of `tests/data/networks/` as a contact graph.
pub fn network(name: &str) -> ContactGraph {
    read_edges(&network_edges(name))
}

/// Every community induces a connected subgraph.
pub fn assert_communities_connected(g: &ContactGraph, c: &Communities) {
    for k in 0..c.len() as u32 {
        let members = c.members(k);
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![members[0]];
        seen.insert(members[0]);
        while let Some(v) = stack.pop() {
            for &u in g.neighbours(v) {
                if c.community_of[u as usize] == k && seen.insert(u) {
                    stack.push(u);
                }
            }
        }
        assert_eq!(seen.len(), members.len(), "community {k} is not connected");
    }
}
