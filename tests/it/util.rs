//! Small harness shared by the integration tests.

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

/// The casegraph binary, run from a temp dir so nothing lands in the tree.
pub fn casegraph() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("casegraph").expect("binary built")
}
