//! `casegraph inspect CASE_DIR`: how each file and sheet of a case will be
//! read, before a run. For each: the table it is read as (or why it is
//! not read), the encoding or workbook format, the header row, every
//! column's mapping and the rule that reads it, the columns left
//! unmapped, the rows skipped as non-data, and the first rows as the
//! readers will see them (translated into the contract's columns).

use super::delivered::{self, OwnNumber, Stations};
use super::table::{FileSpec, Table};
use super::IngestConfig;
use crate::error::Result;
use std::path::Path;

/// How many data rows [`inspect_case`] shows per file.
pub const SHOWN_ROWS: usize = 5;

/// The reading of one file or sheet.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Inspection {
    pub file: String,
    pub sheet: Option<String>,
    /// `CSV, GBK/GB18030`, `XLSX`, or `CSV (case contract)`.
    pub format: String,
    /// The contract table it is read as, or `None` when it is not read.
    pub table: Option<String>,
    /// `contract` (strict rules) or `delivered` (carriers' spellings).
    pub rules: String,
    pub header_row: Option<u32>,
    /// The monitored number of a per-number bill and where it came from.
    pub own_number: Option<String>,
    pub columns: Vec<ColumnReading>,
    /// Headers that name nothing casegraph knows.
    pub unmapped: Vec<String>,
    /// Rows skipped as non-data: (row, why).
    pub skipped: Vec<(u32, String)>,
    /// The contract columns of `first_rows`.
    pub row_columns: Vec<String>,
    /// The first data rows as the readers see them: (row, fields).
    pub first_rows: Vec<(u32, Vec<String>)>,
    /// Of those first rows, the ones rejected already while translating.
    pub first_rejects: Vec<(u32, String)>,
    /// Why the file or sheet is not read.
    pub problem: Option<String>,
}

/// One column's reading.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ColumnReading {
    pub header: String,
    /// The field it is read as (`own_number`, `start`, ...).
    pub field: String,
    pub rule: String,
}

/// Inspect every file of a case folder. Fails only when a file cannot be
/// read at all (as `ingest` would).
pub fn inspect_case(dir: &Path, config: &IngestConfig) -> Result<Vec<Inspection>> {
    let mut out = Vec::new();
    for spec in FileSpec::ALL {
        let mapping = config.mapping.for_file(spec);
        let name = mapping
            .and_then(|m| m.file.clone())
            .unwrap_or_else(|| spec.file.to_string());
        if !dir.join(&name).is_file() {
            continue;
        }
        let Some(mut table) = Table::open(dir, *spec, mapping)? else {
            continue;
        };
        out.push(contract(&mut table, spec)?);
    }
    let files = delivered::discover(dir, config)?;
    let (located, not_read) = delivered::locate_all(&files, config)?;
    let mut stations = Stations::default();
    // Station tables first, so call rows show their cells joined.
    let mut order: Vec<&delivered::Located> = located.iter().collect();
    order.sort_by_key(|l| FileSpec::ALL.iter().position(|s| *s == l.spec));
    for l in order {
        if l.spec == FileSpec::LOCATIONS {
            delivered::translate(l, config, &mut stations, None);
        }
        let t = delivered::translate(l, config, &mut stations, Some(SHOWN_ROWS));
        let own_number = l.own_number.as_ref().map(|o| match o {
            OwnNumber::Column => "from the column".to_string(),
            OwnNumber::Title(n) => format!("{n} (from the title)"),
            OwnNumber::FileName(n) => format!("{n} (from the file name)"),
        });
        let mut row_columns: Vec<String> =
            l.spec.columns.iter().map(|c| c.name.to_string()).collect();
        row_columns.extend(t.extra.iter().cloned());
        out.push(Inspection {
            file: l.grid.file.clone(),
            sheet: l.grid.sheet.clone(),
            format: l.grid.format.clone(),
            table: Some(l.spec.file.to_string()),
            rules: if l.is_bill() {
                "delivered: per-number bill".into()
            } else {
                "delivered".into()
            },
            header_row: Some(l.header_row),
            own_number,
            columns: l
                .columns
                .iter()
                .filter_map(|(h, f)| {
                    f.map(|f| ColumnReading {
                        header: h.clone(),
                        field: f.to_string(),
                        rule: l.rule(f).to_string(),
                    })
                })
                .collect(),
            unmapped: l.unmapped(),
            skipped: t
                .non_data
                .iter()
                .map(|(r, w)| (*r, w.to_string()))
                .collect(),
            row_columns,
            first_rows: t.rows.iter().map(|r| (r.row, r.fields.clone())).collect(),
            first_rejects: t
                .rejects
                .iter()
                .map(|(r, why, _)| (*r, why.clone()))
                .collect(),
            problem: None,
        });
    }
    for n in not_read {
        out.push(Inspection {
            file: n.file,
            sheet: n.sheet,
            format: n.format,
            table: None,
            rules: String::new(),
            header_row: None,
            own_number: None,
            columns: Vec::new(),
            unmapped: Vec::new(),
            skipped: Vec::new(),
            row_columns: Vec::new(),
            first_rows: Vec::new(),
            first_rejects: Vec::new(),
            problem: Some(n.reason),
        });
    }
    Ok(out)
}

/// A contract file: its header as matched, and its first rows.
fn contract(table: &mut Table, spec: &FileSpec) -> Result<Inspection> {
    let mut buf = Vec::new();
    let n = table.rows.read_chunk(&mut buf, SHOWN_ROWS)?;
    let columns = spec
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            table.field_index(i).map(|_| ColumnReading {
                header: c.name.to_string(),
                field: c.name.to_string(),
                rule: "contract (strict)".into(),
            })
        })
        .collect();
    let extra: Vec<String> = table.extra.iter().map(|(_, h)| h.clone()).collect();
    let mut row_columns: Vec<String> = spec.columns.iter().map(|c| c.name.to_string()).collect();
    row_columns.extend(extra.iter().cloned());
    let first_rows = buf[..n]
        .iter()
        .map(|rec| {
            let row = table.row(rec);
            let mut fields: Vec<String> = (0..spec.columns.len())
                .map(|i| row.at(i).to_string())
                .collect();
            fields.extend(row.extra().map(|(_, v)| v.to_string()));
            (row.line(), fields)
        })
        .collect();
    Ok(Inspection {
        file: table.name.clone(),
        sheet: None,
        format: "CSV (case contract)".into(),
        table: Some(spec.file.to_string()),
        rules: "contract".into(),
        header_row: Some(1),
        own_number: None,
        columns,
        unmapped: if spec.keeps_extra { Vec::new() } else { extra },
        skipped: Vec::new(),
        row_columns,
        first_rows,
        first_rejects: Vec::new(),
        problem: None,
    })
}
