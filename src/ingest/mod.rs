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
pub mod table;

pub use columns::ColumnMapping;
pub use table::{FileSpec, Table};

use crate::error::{Result, RowError};
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

/// A later copy of a row seen earlier in the same file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Duplicate {
    pub line: u32,
    pub duplicate_of: u32,
}

/// What happened to the rows of one file:
/// `rows_read == kept + rejected + duplicates`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileReport {
    pub file: String,
    pub present: bool,
    pub rows_read: u64,
    pub kept: u64,
    pub rejected: u64,
    pub duplicates: u64,
    /// Columns outside the contract that were ignored (reported once).
    pub ignored_columns: Vec<String>,
    /// Columns outside the contract kept as attributes of their rows.
    pub kept_columns: Vec<String>,
    #[serde(default)]
    pub duplicate_rows: Vec<Duplicate>,
}

/// The rejected rows of a case, in file order. Owned after ingest; from a
/// memory-mapped snapshot they stay unparsed until first read, so a query
/// on a case with tens of thousands of bad rows does not parse them all
/// to answer one question. Reads like a slice.
#[derive(Default)]
pub struct Rejects {
    rows: std::sync::OnceLock<Vec<RowError>>,
    /// The snapshot's `rejects` section (JSON), when not parsed yet.
    raw: Option<crate::graph::Column<u8>>,
}

impl Rejects {
    pub fn new(rows: Vec<RowError>) -> Self {
        Rejects {
            rows: std::sync::OnceLock::from(rows),
            raw: None,
        }
    }

    /// Rows to be parsed from `raw` (JSON) on first read. A section whose
    /// checksums hold but which is not the JSON casegraph writes unwinds
    /// with [`crate::snapshot::Corrupted`], as a damaged block does.
    pub fn deferred(raw: crate::graph::Column<u8>) -> Self {
        Rejects {
            rows: std::sync::OnceLock::new(),
            raw: Some(raw),
        }
    }

    pub fn rows(&self) -> &Vec<RowError> {
        self.rows.get_or_init(|| match &self.raw {
            None => Vec::new(),
            Some(raw) => serde_json::from_slice(raw).unwrap_or_else(|_| {
                std::panic::panic_any(crate::snapshot::Corrupted {
                    section: "rejects".into(),
                    block: 0,
                })
            }),
        })
    }

    pub fn rows_mut(&mut self) -> &mut Vec<RowError> {
        self.rows();
        self.rows.get_mut().expect("initialised just above")
    }
}

impl std::ops::Deref for Rejects {
    type Target = [RowError];
    fn deref(&self) -> &[RowError] {
        self.rows()
    }
}

impl<'a> IntoIterator for &'a Rejects {
    type Item = &'a RowError;
    type IntoIter = std::slice::Iter<'a, RowError>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows().iter()
    }
}

impl Clone for Rejects {
    fn clone(&self) -> Self {
        Rejects::new(self.rows().clone())
    }
}

impl PartialEq for Rejects {
    fn eq(&self, other: &Self) -> bool {
        self.rows() == other.rows()
    }
}

impl Eq for Rejects {}

impl std::fmt::Debug for Rejects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.rows().fmt(f)
    }
}

impl serde::Serialize for Rejects {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.rows().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Rejects {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Vec::<RowError>::deserialize(d).map(Rejects::new)
    }
}

/// The account of every row of a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IngestReport {
    pub files: Vec<FileReport>,
    /// Every rejected row, in file order.
    pub rejects: Rejects,
    /// Things worth knowing that are not row errors (a victim_id that names
    /// no person record, say).
    pub notices: Vec<String>,
}

impl IngestReport {
    pub fn rows_rejected(&self) -> u64 {
        self.files.iter().map(|f| f.rejected).sum()
    }
    pub fn rows_kept(&self) -> u64 {
        self.files.iter().map(|f| f.kept).sum()
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
