//! An analyst's decisions about person records: pairs of records that are
//! different people (`--reject-pair`). A decision belongs to the case, not
//! to one command: kept in `decisions.csv` in the case folder (or
//! `NAME.decisions.csv` beside a snapshot `NAME.cgs`), it is honoured by
//! every command that resolves (`resolve`, `query`, `central`/`components`/
//! `communities --level individual`, `export --level individual`, and
//! `leads` through [`config_for_case`]).
//!
//! The file is CSV, two person_ids a row (`a,b`; a header row, blank rows
//! and `#` comments allowed). Together with the stable individual ids
//! (`I` and the first record's position), a rejected pair changes only the
//! individual it splits.

use super::ResolveConfig;
use crate::error::{Error, Result};
use crate::graph::CaseGraph;
use std::path::{Path, PathBuf};

/// The decisions file of a case given as a folder or a snapshot.
pub fn case_file(case: &Path) -> PathBuf {
    if case.is_dir() {
        return case.join("decisions.csv");
    }
    let stem = case
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "case".into());
    case.with_file_name(format!("{stem}.decisions.csv"))
}

/// Read pairs of person_ids to keep apart from `path`. Every id must name
/// a record of the case (an unknown id is an error with its line: a typo
/// would silently keep nothing apart).
pub fn read_pairs(path: &Path, graph: &CaseGraph) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let known: std::collections::HashSet<&str> = graph
        .persons
        .iter()
        .map(|p| graph.str(p.person_id))
        .collect();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 1;
        let row = row.map_err(|e| Error::Invalid(format!("{}:{line}: {e}", path.display())))?;
        if row.iter().all(str::is_empty) || row.get(0).is_some_and(|c| c.starts_with('#')) {
            continue;
        }
        if row.len() < 2 {
            return Err(Error::Invalid(format!(
                "{}:{line}: expected two person_ids, found {} field(s)",
                path.display(),
                row.len()
            )));
        }
        let (a, b) = (row[0].to_string(), row[1].to_string());
        if line == 1 && !known.contains(a.as_str()) && !known.contains(b.as_str()) {
            continue; // a header
        }
        for id in [&a, &b] {
            if !known.contains(id.as_str()) {
                return Err(Error::Invalid(format!(
                    "{}:{line}: expected a person_id of the case, found {id:?}",
                    path.display()
                )));
            }
        }
        out.push((a, b));
    }
    Ok(out)
}

/// The rejected pairs recorded for a case (none when it has no decisions
/// file).
pub fn case_pairs(case: &Path, graph: &CaseGraph) -> Result<Vec<(String, String)>> {
    let path = case_file(case);
    if path.is_file() {
        read_pairs(&path, graph)
    } else {
        Ok(Vec::new())
    }
}

/// The resolver's default configuration with the case's recorded
/// decisions: what every command that resolves a case should use.
pub fn config_for_case(case: &Path, graph: &CaseGraph) -> Result<ResolveConfig> {
    Ok(ResolveConfig {
        rejected: case_pairs(case, graph)?,
        ..ResolveConfig::default()
    })
}

/// Add pairs to the case's decisions file (atomically; pairs already
/// there are not repeated). Returns the file written.
pub fn record(case: &Path, graph: &CaseGraph, pairs: &[(String, String)]) -> Result<PathBuf> {
    let path = case_file(case);
    let mut all = case_pairs(case, graph)?;
    let key = |(a, b): &(String, String)| {
        if a <= b {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        }
    };
    for p in pairs {
        if !all.iter().any(|q| key(q) == key(p)) {
            all.push(p.clone());
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["person_id_a", "person_id_b"])
        .map_err(|e| Error::Invalid(e.to_string()))?;
    for (a, b) in &all {
        w.write_record([a, b])
            .map_err(|e| Error::Invalid(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Invalid(e.to_string()))?;
    crate::snapshot::write_atomically(&path, &bytes)?;
    Ok(path)
}
