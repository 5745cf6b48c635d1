//! Helpers shared by the analysis test binaries.
#![allow(dead_code)]

use casegraph::analysis::{Communities, ContactGraph};
use casegraph::model::NodeKind;
use std::path::PathBuf;

pub fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference")
}

/// The criminal-network datasets: `$CASEGRAPH_DATASETS`, else
/// `../shared/datasets` beside the repository. They are not copied into the
/// repository (several have no stated licence); a missing folder fails the
/// tests loudly rather than skipping them.
pub fn datasets_dir() -> PathBuf {
    match std::env::var_os("CASEGRAPH_DATASETS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets"),
    }
}

/// `datasets/NAME/edges.csv` or `reference/NAME.edges.csv`.
pub fn edges_path(rel: &str) -> PathBuf {
    if let Some(rest) = rel.strip_prefix("datasets/") {
        let p = datasets_dir().join(rest);
        assert!(
            p.exists(),
            "{}: dataset edge list missing; set CASEGRAPH_DATASETS to the shared datasets folder",
            p.display()
        );
        p
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join(rel)
    }
}

pub fn read_edges(path: &std::path::Path) -> ContactGraph {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ContactGraph::read_edge_list(f, &path.display().to_string(), NodeKind::Person).unwrap()
}

pub fn dataset(name: &str) -> ContactGraph {
    read_edges(&datasets_dir().join(name).join("edges.csv"))
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
