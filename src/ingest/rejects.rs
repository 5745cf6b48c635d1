//! The one rejects format, written by `ingest` and `leads` alike:
//!
//! ```text
//! file,line,reason,sheet,field_1,field_2,...
//! calls.csv,17,"column ""start"": expected a time like 2026-03-14 21:05:33, found ""yesterday""",,13800138000,10086,yesterday,...
//! bill_13800138000.xlsx,9,...,话单,...
//! ```
//!
//! `file` is the file as found in the case folder, `line` the line of a CSV
//! file or the row of a sheet, as an analyst sees them, `sheet` the
//! workbook's sheet (empty for CSV). The first three columns are those the
//! rejects files always had, so scripts that read them keep working. The
//! rejected row's raw fields follow as columns of their own, `field_1` to `field_N` (N the widest rejected row;
//! shorter rows end in empty cells), so a field holding a comma stays one
//! field. Cells go through [`crate::safe_csv`], as every CSV casegraph
//! writes.
//!
//! Exact duplicates are listed too, among the rejected rows of their file
//! in line order, with the reason `exact duplicate of line N` (N the copy
//! that was kept) and no fields: the row is not lost, its first copy is in
//! the case. The file is then every row that did not enter the case as
//! its own, which is what a reviewer checks against the source.

use crate::error::{Position, Result, RowError};
use crate::ledger::FileReport;
use std::borrow::Cow;
use std::path::Path;

/// The fixed columns before the raw fields.
pub const REJECTS_COLUMNS: &[&str] = &["file", "line", "reason", "sheet"];

/// The rejects file's bytes: the rejected rows and the exact duplicates
/// of `files`.
pub fn rejects_csv(rejects: &[RowError], files: &[FileReport]) -> Vec<u8> {
    let mut w = crate::safe_csv::Writer::from_writer(Vec::new());
    fill(&mut w, &listed(rejects, files)).expect("writing CSV into memory cannot fail");
    w.into_inner().expect("writing into memory cannot fail")
}

/// Write the rejects file at `path` atomically, through the one
/// CSV-to-file helper ([`crate::safe_csv::write_file`]).
pub fn write_rejects(path: &Path, rejects: &[RowError], files: &[FileReport]) -> Result<()> {
    let rows = listed(rejects, files);
    crate::safe_csv::write_file(path, |w| fill(w, &rows))
}

/// The reason written for an exact duplicate.
pub fn duplicate_reason(first: u32) -> String {
    format!("exact duplicate of line {first}")
}

/// The rejected rows with every exact duplicate among them: files in the
/// order they were read, rows of a file by line (a stable sort, so rows
/// on one line keep the order they were reported in).
fn listed<'a>(rejects: &'a [RowError], files: &[FileReport]) -> Vec<Cow<'a, RowError>> {
    let mut places: Vec<(&str, Option<&str>)> = files
        .iter()
        .map(|f| (f.file.as_str(), f.sheet.as_deref()))
        .collect();
    for r in rejects {
        let place = (r.position.file.as_str(), r.position.sheet.as_deref());
        if !places.contains(&place) {
            places.push(place);
        }
    }
    let rank = |r: &RowError| {
        let place = (r.position.file.as_str(), r.position.sheet.as_deref());
        places
            .iter()
            .position(|p| *p == place)
            .unwrap_or(usize::MAX)
    };
    let mut rows: Vec<Cow<'a, RowError>> = rejects.iter().map(Cow::Borrowed).collect();
    for f in files {
        rows.extend(f.duplicate_rows.iter().map(|d| {
            Cow::Owned(RowError {
                position: Position {
                    file: f.file.clone(),
                    sheet: f.sheet.clone(),
                    line: u64::from(d.line),
                },
                reason: duplicate_reason(d.duplicate_of),
                raw: Vec::new(),
            })
        }));
    }
    if rows.len() > rejects.len() {
        rows.sort_by_cached_key(|r| (rank(r), r.position.line));
    }
    rows
}

/// The header and one row per listed row.
fn fill<W: std::io::Write>(
    w: &mut crate::safe_csv::Writer<W>,
    rejects: &[Cow<'_, RowError>],
) -> std::io::Result<()> {
    let width = rejects.iter().map(|r| r.raw.len()).max().unwrap_or(0);
    let mut header: Vec<String> = REJECTS_COLUMNS.iter().map(|s| s.to_string()).collect();
    header.extend((1..=width).map(|i| format!("field_{i}")));
    w.write_record(&header).map_err(crate::safe_csv::csv_io)?;
    for r in rejects {
        let mut row = Vec::with_capacity(REJECTS_COLUMNS.len() + width);
        row.push(r.position.file.clone());
        row.push(r.position.line.to_string());
        row.push(r.reason.clone());
        row.push(r.position.sheet.clone().unwrap_or_default());
        row.extend(r.raw.iter().cloned());
        row.resize(REJECTS_COLUMNS.len() + width, String::new());
        w.write_record(&row).map_err(crate::safe_csv::csv_io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Position;

    #[test]
    fn raw_fields_are_columns_of_their_own() {
        let rejects = vec![
            RowError {
                position: Position {
                    file: "calls.csv".into(),
                    sheet: None,
                    line: 3,
                },
                reason: "bad".into(),
                raw: vec!["a,b".into(), "c".into()],
            },
            RowError {
                position: Position {
                    file: "bill.xlsx".into(),
                    sheet: Some("话单".into()),
                    line: 9,
                },
                reason: "worse".into(),
                raw: vec!["x".into()],
            },
        ];
        let text = String::from_utf8(rejects_csv(&rejects, &[])).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            ["file", "line", "reason", "sheet", "field_1", "field_2"]
        );
        let rows: Vec<Vec<String>> = r
            .records()
            .map(|x| x.unwrap().iter().map(String::from).collect())
            .collect();
        assert_eq!(rows[0], ["calls.csv", "3", "bad", "", "a,b", "c"]);
        assert_eq!(rows[1], ["bill.xlsx", "9", "worse", "话单", "x", ""]);
    }
}
