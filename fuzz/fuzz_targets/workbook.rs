//! Workbook sheets as typed cells (what calamine hands over for an XLSX,
//! XLS or ODS sheet), read as the delivered files of a case through
//! `ingest::ingest_grids`: cell-to-text conversion (dates, durations,
//! whole numbers, errors), header-row search, translation of carriers'
//! spellings, bill merging and the strict readers behind them. Checks that
//! ingest never panics, that every sheet's rows are accounted for (read =
//! kept + rejected + duplicates + merged + non-data) and that the graph's
//! snapshot loads back with every index checked. The file format itself
//! is calamine's to parse and is not fuzzed here.
//!
//! The input is text, so seeds are readable sheets: lines are rows, cells
//! are separated by tabs, a line `---` starts the next sheet, and a line
//! `@R C` first in a sheet puts its top-left cell at row R, column C
//! (0-based, as calamine's ranges start where the first used cell is). A
//! cell is typed by a prefix: `n:` float, `i:` integer, `d:` date-time
//! serial, `t:` duration serial (`[h]:mm:ss`), `b:` boolean, `e:` error,
//! `D:` ISO date-time, `P:` ISO duration; an empty cell is empty and any
//! other cell a string. The sheets are one workbook named after a
//! monitored number, beside one small bill from another monitored number.
#![no_main]

use calamine::{CellErrorType, Data, ExcelDateTime, ExcelDateTimeType, Range};
use casegraph::ingest::grid::Grid;
use casegraph::ingest::{ingest_grids, IngestConfig};
use libfuzzer_sys::fuzz_target;

/// Sheets and cells beyond these are dropped: enough for headers, titles,
/// rows and notes, small enough to keep runs fast.
const MAX_SHEETS: usize = 6;
const MAX_ROWS: usize = 200;
const MAX_COLS: usize = 24;
/// Offsets of a sheet's first cell stay small so that rows are numbered
/// far from `u32::MAX` as in any real sheet.
const MAX_OFFSET: u32 = 1_000_000;

fn cell(text: &str) -> Data {
    let typed = |f: fn(f64) -> Data| {
        text[2..]
            .trim()
            .parse::<f64>()
            .map_or_else(|_| Data::String(text.to_string()), f)
    };
    match text.get(..2) {
        _ if text.is_empty() => Data::Empty,
        Some("n:") => typed(Data::Float),
        Some("d:") => {
            typed(|v| Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false)))
        }
        Some("t:") => {
            typed(|v| Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::TimeDelta, false)))
        }
        Some("i:") => text[2..]
            .trim()
            .parse::<i64>()
            .map_or_else(|_| Data::String(text.to_string()), Data::Int),
        Some("b:") => Data::Bool(text[2..].trim() == "1"),
        Some("e:") => Data::Error(match text.as_bytes().get(2).copied().unwrap_or(0) % 8 {
            0 => CellErrorType::Div0,
            1 => CellErrorType::NA,
            2 => CellErrorType::Name,
            3 => CellErrorType::Null,
            4 => CellErrorType::Num,
            5 => CellErrorType::Ref,
            6 => CellErrorType::Value,
            _ => CellErrorType::GettingData,
        }),
        Some("D:") => Data::DateTimeIso(text[2..].to_string()),
        Some("P:") => Data::DurationIso(text[2..].to_string()),
        _ => Data::String(text.to_string()),
    }
}

/// One sheet of the input as a calamine range.
fn sheet(text: &str) -> Range<Data> {
    let mut lines: Vec<&str> = text.lines().collect();
    let (mut r0, mut c0) = (0u32, 0u32);
    if let Some(at) = lines.first().and_then(|l| l.strip_prefix('@')) {
        let mut it = at
            .split_whitespace()
            .map(|v| v.parse::<u32>().unwrap_or(0) % MAX_OFFSET);
        r0 = it.next().unwrap_or(0);
        c0 = it.next().unwrap_or(0) % 64;
        lines.remove(0);
    }
    lines.truncate(MAX_ROWS);
    let rows: Vec<Vec<Data>> = lines
        .iter()
        .map(|l| l.split('\t').take(MAX_COLS).map(cell).collect())
        .collect();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    if rows.is_empty() || width == 0 {
        return Range::empty();
    }
    let mut range = Range::new(
        (r0, c0),
        (r0 + rows.len() as u32 - 1, c0 + width as u32 - 1),
    );
    for (i, row) in rows.into_iter().enumerate() {
        for (j, v) in row.into_iter().enumerate() {
            range.set_value((r0 + i as u32, c0 + j as u32), v);
        }
    }
    range
}

const OTHER_BILL: &str = "本机号码\t对方号码\t呼叫类型\t通话起始时间\t通话时长\nn:13900000001\tn:13800138000\t被叫\td:46082.375023148\tn:60";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut grids: Vec<Grid> = text
        .split("\n---\n")
        .take(MAX_SHEETS)
        .enumerate()
        .map(|(i, s)| {
            Grid::from_sheet(
                "bill_13800138000.xlsx",
                &format!("Sheet{}", i + 1),
                "XLSX",
                sheet(s),
            )
        })
        .collect();
    // A second bill, so merging across bills is reached.
    grids.push(Grid::from_sheet(
        "bill_13900000001.xlsx",
        "话单",
        "XLSX",
        sheet(OTHER_BILL),
    ));
    let Ok(graph) = ingest_grids("fuzz", grids, &IngestConfig::default()) else {
        return;
    };
    for f in &graph.report.files {
        assert!(f.balances(), "{f:?}");
    }
    let bytes = casegraph::snapshot::to_bytes(&graph);
    if let Err(e) = casegraph::snapshot::from_bytes(&bytes) {
        panic!("the ingested graph does not load back: {e}");
    }
});
