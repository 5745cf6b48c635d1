//! Ingest: the only reader of case CSV. Reads the five files of the case
//! contract (see `docs/case-format.md`) into a [`CaseGraph`], and accounts
//! for every row: each is kept, rejected (with file, line and reason) or
//! counted as an exact duplicate of an earlier row.
//!
//! One file per input file; [`table`] holds what they share.

pub mod calls;
pub mod columns;
pub mod incidents;
pub mod locations;
pub mod persons;
pub mod phones;
pub mod spec;
pub mod table;

pub use columns::ColumnMapping;
pub use spec::FileSpec;
pub use table::Table;
// The row ledger lives in `crate::ledger`; these names stay valid here.
pub use crate::ledger::{Duplicate, FileReport, IngestReport, Rejects};

use crate::error::Result;
use crate::graph::{CaseBuilder, CaseGraph, CaseMeta};
use crate::model::{Clock, PhoneRules};
use indicatif::ProgressBar;
use std::path::Path;

/// How to read a case.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    pub phone_rules: PhoneRules,
    pub clock: Clock,
    pub mapping: ColumnMapping,
    /// Progress of the calls file, in bytes; hidden unless the CLI shows it.
    pub progress: ProgressBar,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            phone_rules: PhoneRules::default(),
            clock: Clock::default(),
            mapping: ColumnMapping::default(),
            progress: ProgressBar::hidden(),
        }
    }
}

/// Read the case folder `dir` into a graph. Fails only when a file is
/// unreadable as a whole; bad rows are in the graph's `report`.
pub fn ingest_case(dir: &Path, config: &IngestConfig) -> Result<CaseGraph> {
    if !dir.is_dir() {
        return Err(crate::error::Error::Invalid(format!(
            "{}: expected a case folder (with calls.csv) or a .cgs snapshot, found {}",
            dir.display(),
            if dir.exists() {
                "something else"
            } else {
                "nothing"
            }
        )));
    }
    ingest_tables(&dir.display().to_string(), config, |spec, mapping| {
        Table::open(dir, *spec, mapping)
    })
}

/// Read a case whose files are given as readers rather than a folder (a
/// case held in memory, an archive's entries): `files` are (file name,
/// reader) pairs, the names as in a folder (`calls.csv`, or what the column
/// mapping names). Each reader is read to its end. `source` names the case
/// in the graph's metadata.
pub fn ingest_readers<R: std::io::Read>(
    source: &str,
    files: impl IntoIterator<Item = (String, R)>,
    config: &IngestConfig,
) -> Result<CaseGraph> {
    let mut held = std::collections::BTreeMap::new();
    for (name, mut reader) in files {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| crate::error::Error::UnreadableFile {
                file: name.clone(),
                reason: format!("cannot read it: {e}"),
            })?;
        held.insert(name, bytes);
    }
    ingest_tables(source, config, |spec, mapping| {
        let name = mapping
            .and_then(|m| m.file.clone())
            .unwrap_or_else(|| spec.file.to_string());
        match held.remove(&name) {
            Some(bytes) => {
                Table::from_bytes(name.clone(), name.into(), *spec, mapping, bytes.into()).map(Some)
            }
            None if spec.file == FileSpec::CALLS.file => Err(crate::error::Error::UnreadableFile {
                file: name,
                reason: format!("expected the required file in {source}, found none"),
            }),
            None => Ok(None),
        }
    })
}

/// Read the five files of the contract, in order, from wherever `open`
/// finds them.
fn ingest_tables(
    source: &str,
    config: &IngestConfig,
    mut open: impl FnMut(&FileSpec, Option<&columns::FileMapping>) -> Result<Option<Table>>,
) -> Result<CaseGraph> {
    let mut builder = CaseBuilder::new(CaseMeta {
        country_code: config.phone_rules.country_code().to_string(),
        utc_offset_s: config.clock.offset_seconds(),
        source: source.to_string(),
    });
    let mut report = IngestReport::default();
    for spec in FileSpec::ALL {
        let table = open(spec, config.mapping.for_file(spec))?;
        let Some(mut table) = table else {
            report.files.push(FileReport {
                file: spec.file.to_string(),
                ..FileReport::default()
            });
            continue;
        };
        let rejects = report.rejects.rows_mut();
        let notices = &mut report.notices;
        match spec.file {
            "locations.csv" => locations::read(&mut table, &mut builder, rejects)?,
            "persons.csv" => persons::read(&mut table, &mut builder, config, rejects)?,
            "phones.csv" => phones::read(&mut table, &mut builder, config, rejects)?,
            "calls.csv" => calls::read(&mut table, &mut builder, config, rejects)?,
            "incidents.csv" => incidents::read(&mut table, &mut builder, config, rejects, notices)?,
            other => unreachable!("no reader for {other}"),
        }
        debug_assert_eq!(
            table.ledger.report.rows_read,
            table.ledger.report.kept
                + table.ledger.report.rejected
                + table.ledger.report.duplicates
        );
        report.files.push(table.ledger.report);
    }
    Ok(builder.finish(report))
}

/// Parse an optional date column (`YYYY-MM-DD`); empty gives `NO_TIME`.
pub(crate) fn optional_date(name: &str, value: &str) -> Result<crate::model::Time, String> {
    if value.is_empty() {
        return Ok(crate::model::NO_TIME);
    }
    Clock::parse_date(value).map_err(|e| format!("column {name:?}: {e}"))
}

/// Normalise every number of a `;`-separated list.
pub(crate) fn phone_list(
    name: &str,
    value: &str,
    rules: &PhoneRules,
    builder: &mut CaseBuilder,
) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for item in table::list_items(value) {
        let number = rules
            .normalise(item)
            .map_err(|e| format!("column {name:?}: {e}"))?;
        out.push(builder.phone(&number));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
