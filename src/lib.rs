//! casegraph: a link-analysis engine for police case teams.
//!
//! A case bundle (call records, person records, subscriber registrations,
//! cell sites, incident reports; see `docs/case-format.md`) is read by
//! [`ingest`] into a [`graph::CaseGraph`]: typed nodes (person, phone,
//! handset, location, incident, account) and links, each traceable to the
//! source rows behind it. [`snapshot`] stores a graph on disk and maps it
//! back fast. [`stats`] summarises a case; [`analysis`] runs components,
//! centrality and communities on the contact graph; [`resolve`] resolves
//! person records and phones into individuals; [`query`] answers the
//! investigator's questions; [`export`] writes GraphML, GEXF, Gephi CSV and
//! Neo4j files; [`lead`] is the main job (patterns, gangs, roles, ranked
//! leads), [`report`] its page and [`results`] its output folder. [`generate`] writes realistic synthetic cases with planted
//! answers for demos, tests and benchmarks.
//!
//! The library prints nothing and never exits; the `casegraph` binary is a
//! thin command-line layer over it.

pub mod analysis;
pub mod atomic;
pub mod column;
pub mod dist;
pub mod error;
pub mod export;
pub mod generate;
pub mod graph;
pub mod ingest;
pub mod lead;
pub mod ledger;
pub mod model;
pub mod notes;
pub mod query;
pub mod report;
pub mod resolve;
pub mod results;
pub mod safe_csv;
pub mod serve;
pub mod snapshot;
pub mod stats;

pub use error::{Error, Position, Result, RowError};
pub use graph::CaseGraph;

use std::path::Path;

/// Open a case: load it if `path` is a snapshot, ingest it if it is a case
/// folder.
pub fn open_case(path: &Path, config: &ingest::IngestConfig) -> Result<CaseGraph> {
    if path.is_file() {
        if snapshot::looks_like_snapshot(path) {
            return snapshot::read(path);
        }
        return Err(Error::Invalid(format!(
            "{}: expected a case folder or a casegraph snapshot (.cgs), found another kind of file",
            path.display()
        )));
    }
    ingest::ingest_case(path, config)
}
