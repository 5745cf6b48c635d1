//! Ingest: the only reader of case CSV. Reads the five files of the case
//! contract (see `docs/case-format.md`) into a [`CaseGraph`], and accounts
//! for every row: each is kept, rejected (with file, line and reason) or
//! counted as an exact duplicate of an earlier row.
//!
//! One file per input file; [`table`] holds what they share.

pub mod calls;
pub mod columns;
pub mod decode;
pub mod delivered;
pub mod grid;
pub mod headers;
pub mod incidents;
pub mod inspect;
pub mod locations;
pub mod persons;
pub mod phones;
pub mod rejects;
pub mod spec;
pub mod table;
pub mod values;

pub use columns::ColumnMapping;
pub use spec::FileSpec;
pub use table::Table;
// The row ledger lives in `crate::ledger`; these names stay valid here.
pub use crate::ledger::{Duplicate, FileReport, IngestReport, Merged, Rejects, SourceSegment};

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

/// Read the case folder `dir` into a graph: the contract's files and the
/// files as delivered beside them ([`delivered`]). Fails only when a file
/// is unreadable as a whole; bad rows are in the graph's `report`.
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
    let files = delivered::discover(dir, config)?;
    let (located, not_read) = delivered::locate_all(&files, config)?;
    let delivered_calls = located.iter().any(|l| l.spec == FileSpec::CALLS);
    let mut graph = ingest_tables(
        &dir.display().to_string(),
        config,
        &located,
        |spec, mapping| {
            let name = mapping
                .and_then(|m| m.file.clone())
                .unwrap_or_else(|| spec.file.to_string());
            if delivered_calls && !dir.join(&name).exists() {
                return Ok(None);
            }
            Table::open(dir, *spec, mapping)
        },
    )?;
    report_not_read(&mut graph, not_read);
    Ok(graph)
}

/// Read a case whose delivered files are given as grids already read (a
/// workbook's sheets as typed cells, see [`grid::Grid::from_sheet`]),
/// with no contract files: located, translated, merged and read as
/// [`ingest_case`] reads the delivered files of a folder. `source` names
/// the case in the graph's metadata.
pub fn ingest_grids(
    source: &str,
    grids: Vec<grid::Grid>,
    config: &IngestConfig,
) -> Result<CaseGraph> {
    let (located, not_read) = delivered::locate_grids(grids, config);
    let mut graph = ingest_tables(source, config, &located, |_, _| Ok(None))?;
    report_not_read(&mut graph, not_read);
    Ok(graph)
}

/// A notice per delivered grid that holds no table.
fn report_not_read(graph: &mut CaseGraph, not_read: Vec<delivered::NotRead>) {
    for n in not_read {
        let place = match &n.sheet {
            Some(s) => format!("{}[{s}]", n.file),
            None => n.file.clone(),
        };
        graph
            .report
            .notices
            .push(format!("{place}: not read ({}): {}", n.format, n.reason));
    }
}

/// Read a case whose files are given as readers rather than a folder (a
/// case held in memory, an archive's entries): `files` are (file name,
/// reader) pairs, the names as in a folder (`calls.csv`, or what the column
/// mapping names). Each reader is read to its end. `source` names the case
/// in the graph's metadata. Only the contract's files are read this way.
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
    ingest_tables(source, config, &[], |spec, mapping| {
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

/// Read one table through its strict reader.
fn read_table(
    spec: &FileSpec,
    table: &mut Table,
    builder: &mut CaseBuilder,
    config: &IngestConfig,
    rejects: &mut Vec<RowError>,
    notices: &mut Vec<String>,
) -> Result<()> {
    match spec.file {
        "locations.csv" => locations::read(table, builder, rejects),
        "persons.csv" => persons::read(table, builder, config, rejects),
        "phones.csv" => phones::read(table, builder, config, rejects),
        "calls.csv" => calls::read(table, builder, config, rejects),
        "incidents.csv" => incidents::read(table, builder, config, rejects, notices),
        other => unreachable!("no reader for {other}"),
    }
}

/// Read the five tables of the contract, in order: each from its contract
/// file (wherever `open` finds it), then from the delivered grids located
/// as that table.
fn ingest_tables(
    source: &str,
    config: &IngestConfig,
    located: &[delivered::Located],
    mut open: impl FnMut(&FileSpec, Option<&columns::FileMapping>) -> Result<Option<Table>>,
) -> Result<CaseGraph> {
    let mut builder = CaseBuilder::new(CaseMeta {
        country_code: config.phone_rules.country_code().to_string(),
        utc_offset_s: config.clock.offset_seconds(),
        source: source.to_string(),
    });
    let mut report = IngestReport::default();
    let mut stations = delivered::Stations::default();
    for spec in FileSpec::ALL {
        let table = open(spec, config.mapping.for_file(spec))?;
        let mut base = 0u32;
        let has_delivered = located.iter().any(|l| l.spec == *spec);
        match table {
            None if has_delivered => {}
            None => report.files.push(FileReport {
                file: spec.file.to_string(),
                table: spec.file.to_string(),
                ..FileReport::default()
            }),
            Some(mut table) => {
                let rejects = report.rejects.rows_mut();
                read_table(
                    spec,
                    &mut table,
                    &mut builder,
                    config,
                    rejects,
                    &mut report.notices,
                )?;
                base = table.rows.last_line().min(u32::MAX as u64 / 2) as u32;
                let mut file = table.ledger.report;
                file.table = spec.file.to_string();
                file.header_row = 1;
                debug_assert!(file.balances());
                report.files.push(file);
            }
        }
        let mut grids: Vec<(&delivered::Located, delivered::Translation)> = located
            .iter()
            .filter(|l| l.spec == *spec)
            .map(|l| (l, delivered::translate(l, config, &mut stations, None)))
            .collect();
        let dropped = if *spec == FileSpec::CALLS {
            delivered::merge_bills(&mut grids, config)
        } else {
            vec![Vec::new(); grids.len()]
        };
        let merged: Vec<Vec<(u32, String, u32)>> = dropped
            .iter()
            .enumerate()
            .map(|(g, rows)| {
                rows.iter()
                    .map(|&(row, kg, kr)| {
                        (
                            grids[g].1.rows[row].row,
                            grids[kg].0.grid.place(),
                            grids[kg].1.rows[kr].row,
                        )
                    })
                    .collect()
            })
            .collect();
        for ((l, t), merged) in grids.into_iter().zip(merged) {
            let rejects = report.rejects.rows_mut();
            let notices = &mut report.notices;
            let (file, segment) = delivered::read_grid(
                l,
                t,
                merged,
                base,
                |table, rejects| read_table(spec, table, &mut builder, config, rejects, notices),
                rejects,
            )?;
            debug_assert!(file.balances(), "{file:?}");
            base = segment.last;
            report.files.push(file);
            report.sources.push(segment);
        }
        if *spec == FileSpec::CALLS {
            report.notices.extend(merge_notice(&report.files));
        }
    }
    Ok(builder.finish(report))
}

/// How many bill rows were the other party's copy of a call, and from
/// which files, for the ingest summary.
fn merge_notice(files: &[FileReport]) -> Option<String> {
    let merged: Vec<&FileReport> = files.iter().filter(|f| f.merged > 0).collect();
    let total: u64 = merged.iter().map(|f| f.merged).sum();
    if total == 0 {
        return None;
    }
    const SHOWN: usize = 10;
    let mut from: Vec<String> = merged
        .iter()
        .take(SHOWN)
        .map(|f| format!("{} {}", f.place(), f.merged))
        .collect();
    if merged.len() > SHOWN {
        from.push(format!("and {} more files", merged.len() - SHOWN));
    }
    Some(format!(
        "{total} call(s) were in both parties' bills and are counted once (same caller, callee and kind, starts within {} s, durations within {} s); the other party's copies, from: {}",
        delivered::MERGE_START_TOLERANCE_S,
        delivered::MERGE_DURATION_TOLERANCE_S,
        from.join(", ")
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Snapshots written before delivered files were read keep loading: the
    /// report's new fields default (no snapshot version bump needed).
    #[test]
    fn a_report_without_the_delivered_fields_still_reads() {
        let old = r#"{"files":[{"file":"calls.csv","present":true,"rows_read":3,"kept":2,
            "rejected":1,"duplicates":0,"ignored_columns":[],"kept_columns":[]}],
            "rejects":[{"position":{"file":"calls.csv","line":3},"reason":"bad","raw":["x"]}],
            "notices":[]}"#;
        let r: IngestReport = serde_json::from_str(old).unwrap();
        assert!(r.files[0].balances());
        assert_eq!(r.files[0].merged, 0);
        assert_eq!(r.rejects[0].position.sheet, None);
        assert_eq!(r.rejects[0].position.to_string(), "calls.csv:3");
        assert!(r.sources.is_empty());
        assert_eq!(r.locate("calls.csv", 3).to_string(), "calls.csv:3");
    }

    #[test]
    fn locate_names_the_delivered_row_behind_a_line() {
        let r = IngestReport {
            sources: vec![
                SourceSegment {
                    table: "calls.csv".into(),
                    base: 20,
                    last: 30,
                    file: "bill.xlsx".into(),
                    sheet: Some("话单".into()),
                },
                SourceSegment {
                    table: "calls.csv".into(),
                    base: 30,
                    last: 39,
                    file: "bill.csv".into(),
                    sheet: None,
                },
            ],
            ..IngestReport::default()
        };
        assert_eq!(r.locate("calls.csv", 17).to_string(), "calls.csv:17");
        assert_eq!(r.locate("calls.csv", 25).to_string(), "bill.xlsx[话单]:5");
        assert_eq!(r.locate("calls.csv", 31).to_string(), "bill.csv:1");
        assert_eq!(r.locate("persons.csv", 25).to_string(), "persons.csv:25");
    }
}
