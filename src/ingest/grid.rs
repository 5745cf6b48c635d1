//! A delivered file as grids of text cells: a CSV file (in any encoding
//! [`super::decode`] detects) is one grid, a workbook (XLSX, XLSM, XLSB,
//! XLS, ODS, read with calamine) one grid per sheet. Each row keeps the
//! number an analyst sees: the physical line of a CSV file, the row number
//! of a sheet (1-based, as Excel shows it).
//!
//! Typed cells become text the value readers accept: a date cell becomes
//! `2026-03-14 21:05:33`, a duration cell (`[h]:mm:ss`) `00:03:25`, a
//! whole number (a phone number saved as a number) its digits without
//! `.0`, a cell error `#ERROR(...)`, which no reader accepts.

use super::decode::{decode, TextEncoding};
use calamine::{Data, Reader};
use std::path::Path;

/// One grid of a delivered file.
pub struct Grid {
    /// The file's name as found in the case folder (`calls/bill_1.xlsx`).
    pub file: String,
    /// The sheet's name, for workbooks.
    pub sheet: Option<String>,
    /// `CSV, GBK/GB18030`, `XLSX`, ...
    pub format: String,
    rows: Rows,
}

enum Rows {
    /// Records with their line numbers.
    Text(Vec<(u32, Vec<String>)>),
    /// A sheet: the number of its first row (1-based) and the cells.
    Sheet(u32, calamine::Range<Data>),
}

/// Extensions read as workbooks.
pub const WORKBOOK_EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xlsb", "xls", "ods"];
/// Extensions read as delimited text.
pub const TEXT_EXTENSIONS: &[&str] = &["csv", "txt", "tsv"];

impl Grid {
    pub fn len(&self) -> usize {
        match &self.rows {
            Rows::Text(r) => r.len(),
            Rows::Sheet(_, range) => range.height(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` (0-based within the grid) into `out`; returns its number.
    pub fn row(&self, i: usize, out: &mut Vec<String>) -> u32 {
        out.clear();
        match &self.rows {
            Rows::Text(r) => {
                out.extend(r[i].1.iter().cloned());
                r[i].0
            }
            Rows::Sheet(first, range) => {
                let width = range.width();
                for c in 0..width {
                    let cell = range.get((i, c));
                    out.push(cell.map(cell_text).unwrap_or_default());
                }
                first + i as u32
            }
        }
    }

    /// The text of cell `c` of row `i` (empty when out of range).
    pub fn cell(&self, i: usize, c: usize) -> String {
        match &self.rows {
            Rows::Text(r) => r[i].1.get(c).cloned().unwrap_or_default(),
            Rows::Sheet(_, range) => range.get((i, c)).map(cell_text).unwrap_or_default(),
        }
    }

    /// A sheet's typed cells as a grid: what [`read_file`] makes of each
    /// sheet of a workbook, for cells read some other way (a test's or a
    /// fuzzer's). Row numbers start at the range's first row, as in Excel.
    pub fn from_sheet(file: &str, sheet: &str, format: &str, cells: calamine::Range<Data>) -> Grid {
        let first = cells.start().map_or(1, |(r, _)| r + 1);
        Grid {
            file: file.to_string(),
            sheet: Some(sheet.to_string()),
            format: format.to_string(),
            rows: Rows::Sheet(first, cells),
        }
    }

    /// Where a row is, for messages: `bill.xlsx[话单]` or `bill.csv`.
    pub fn place(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{}[{s}]", self.file),
            None => self.file.clone(),
        }
    }
}

/// Read a delivered file into its grids. `name` is its name in the case.
pub fn read_file(path: &Path, name: &str) -> Result<Vec<Grid>, String> {
    let ext = extension(path);
    if WORKBOOK_EXTENSIONS.contains(&ext.as_str()) {
        return read_workbook(path, name, &ext);
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    read_text(&bytes, name).map(|g| vec![g])
}

/// The lower-case extension of a path (`xlsx`), or empty.
pub fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// A delimited text file: comma-separated, or tab-separated when its first
/// line holds tabs and no commas.
pub fn read_text(bytes: &[u8], name: &str) -> Result<Grid, String> {
    let (text, encoding) = decode(bytes)?;
    if text.contains('\0') {
        return Err("expected text, found binary data (NUL characters)".into());
    }
    let first = text.lines().next().unwrap_or("");
    let tab = first.contains('\t') && !first.contains(',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(if tab { b'\t' } else { b',' })
        .from_reader(text.as_bytes());
    let data = text.as_bytes();
    let mut rows = Vec::new();
    let (mut mark, mut line) = (0usize, 1u32);
    let mut rec = csv::StringRecord::new();
    // Blank lines, which the csv reader passes over, are rows of one empty
    // cell, as a sheet's blank rows are: the bill's ledger counts them with
    // its other non-data lines. `after` is the last line of the record
    // before (0 before the first).
    let mut after = 0u32;
    let blank = |rows: &mut Vec<(u32, Vec<String>)>, from: u32, to: u32| {
        for n in from..to {
            rows.push((n, vec![String::new()]));
        }
    };
    loop {
        let at = reader.position().byte() as usize;
        match reader.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(format!("cannot read it as CSV past line {line}: {e}")),
        }
        // The record starts at the first byte that is not a line ending
        // (the csv reader's own line count is off after blank lines).
        let mut start = at.min(data.len());
        while start < data.len() && (data[start] == b'\n' || data[start] == b'\r') {
            start += 1;
        }
        line += memchr::memchr_iter(b'\n', &data[mark.min(start)..start]).count() as u32;
        mark = start;
        blank(&mut rows, after + 1, line);
        // Its last line: its own line endings (quoted) left out.
        let mut end = (reader.position().byte() as usize).clamp(start, data.len());
        while end > start && (data[end - 1] == b'\n' || data[end - 1] == b'\r') {
            end -= 1;
        }
        after = line + memchr::memchr_iter(b'\n', &data[start..end]).count() as u32;
        rows.push((line, rec.iter().map(|f| f.trim().to_string()).collect()));
    }
    // Blank lines at the end, each ended by a line ending.
    let n_lines = memchr::memchr_iter(b'\n', data).count() as u32
        + u32::from(!data.is_empty() && !data.ends_with(b"\n"));
    if !rows.is_empty() {
        blank(&mut rows, after + 1, n_lines + 1);
    }
    Ok(Grid {
        file: name.to_string(),
        sheet: None,
        format: format!(
            "{}, {}",
            if tab { "TSV" } else { "CSV" },
            TextEncoding::as_str(encoding)
        ),
        rows: Rows::Text(rows),
    })
}

/// A workbook's sheets. A panic inside the workbook parser (a damaged or
/// hostile file reaching a bug of calamine's) is an error naming the file,
/// not a crash of the run.
fn read_workbook(path: &Path, name: &str, ext: &str) -> Result<Vec<Grid>, String> {
    std::panic::catch_unwind(|| read_workbook_inner(path, name, ext)).unwrap_or_else(|_| {
        Err(format!(
            "expected an {} workbook, found one its parser fails on (damaged?)",
            ext.to_uppercase()
        ))
    })
}

fn read_workbook_inner(path: &Path, name: &str, ext: &str) -> Result<Vec<Grid>, String> {
    let mut book = calamine::open_workbook_auto(path)
        .map_err(|e| format!("expected an {} workbook, found: {e}", ext.to_uppercase()))?;
    let mut grids = Vec::new();
    for sheet in book.sheet_names() {
        let range = book
            .worksheet_range(&sheet)
            .map_err(|e| format!("sheet {sheet:?}: cannot read it: {e}"))?;
        grids.push(Grid::from_sheet(name, &sheet, &ext.to_uppercase(), range));
    }
    Ok(grids)
}

/// The largest date or duration serial (in days) a cell is converted:
/// far beyond Excel's last date, far below where the conversion overflows.
const MAX_SERIAL_DAYS: f64 = 1e9;

/// A cell as text (see the module doc).
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                format!("{f}")
            }
        }
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => {
            let days = dt.as_f64();
            // Far outside any date (a damaged sheet), the serial would
            // overflow chrono's milliseconds and panic in calamine's
            // conversion; Excel itself stops at 9999-12-31 (2958465).
            if !(days.is_finite() && days.abs() <= MAX_SERIAL_DAYS) {
                let what = if dt.is_duration() { "duration" } else { "date" };
                return format!("#ERROR({what} {days})");
            }
            if dt.is_duration() {
                let s = (days * 86400.0).round() as i64;
                format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
            } else {
                match dt.as_datetime() {
                    Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                    None => format!("#ERROR(date {days})"),
                }
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERROR({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(u32, String)> {
        let g = read_text(text.as_bytes(), "t.csv").unwrap();
        let mut out = Vec::new();
        let mut cells = Vec::new();
        for i in 0..g.len() {
            let n = g.row(i, &mut cells);
            out.push((n, cells.join("|")));
        }
        out
    }

    #[test]
    fn date_and_duration_cells_far_out_of_range_are_error_text() {
        use calamine::{ExcelDateTime, ExcelDateTimeType::*};
        let cell = |v: f64, kind| cell_text(&Data::DateTime(ExcelDateTime::new(v, kind, false)));
        assert_eq!(cell(46082.375, DateTime), "2026-03-01 09:00:00");
        assert!(cell(-1e300, DateTime).starts_with("#ERROR(date -1000"));
        assert_eq!(cell(f64::NEG_INFINITY, DateTime), "#ERROR(date -inf)");
        assert_eq!(cell(f64::NAN, TimeDelta), "#ERROR(duration NaN)");
        assert_eq!(cell(205.0 / 86400.0, TimeDelta), "00:03:25");
        assert_eq!(cell(1e12, TimeDelta), "#ERROR(duration 1000000000000)");
    }

    #[test]
    fn blank_lines_are_rows_of_their_own_with_their_line_numbers() {
        // Found by the delivered-formats property test: a bill saved as CSV
        // had its blank lines left out of the ledger, where a sheet's blank
        // rows are counted.
        let want = |v: &[(u32, &str)]| -> Vec<(u32, String)> {
            v.iter().map(|(n, s)| (*n, s.to_string())).collect()
        };
        assert_eq!(
            lines("a,b\r\n\r\nc,d\r\n"),
            want(&[(1, "a|b"), (2, ""), (3, "c|d")])
        );
        assert_eq!(
            lines("a\n\n\nb\n"),
            want(&[(1, "a"), (2, ""), (3, ""), (4, "b")])
        );
        assert_eq!(lines("\na\n"), want(&[(1, ""), (2, "a")]));
        assert_eq!(lines("a\n\n"), want(&[(1, "a"), (2, "")]));
        assert_eq!(lines("a\r\n"), want(&[(1, "a")]));
        assert_eq!(lines("a"), want(&[(1, "a")]));
        assert_eq!(
            lines("\"x\ny\",z\n\nw\n"),
            want(&[(1, "x\ny|z"), (3, ""), (4, "w")])
        );
    }
}
