//! Files as carriers and police systems deliver them (fixtures/delivered,
//! made from fixtures/tiny by fixtures/delivered/make_delivered.py): the
//! same case read from per-number bills in XLSX, XLS, GBK and UTF-16 CSV,
//! a station table and Chinese-headed person, phone and incident files
//! must give the same graph as the contract's CSV.

use super::util::*;
use casegraph::graph::NONE;
use casegraph::CaseGraph;

/// Every call event as text: numbers, time, duration, kind, cells, handsets.
pub(super) fn events(g: &CaseGraph) -> Vec<String> {
    let loc = |i: u32| {
        if i == NONE {
            String::new()
        } else {
            g.str(g.locations.at(i as usize).location_id).to_string()
        }
    };
    let handset = |i: u32| {
        if i == NONE {
            String::new()
        } else {
            g.str(*g.handsets.at(i as usize)).to_string()
        }
    };
    let mut v: Vec<String> = g
        .events
        .iter()
        .map(|e| {
            format!(
                "{} -> {} at {} for {}s {} cells {}/{} handsets {}/{}",
                g.phone_number(e.caller),
                g.phone_number(e.callee),
                casegraph::model::time::show(e.start),
                e.duration_s,
                e.kind(),
                loc(e.caller_location),
                loc(e.callee_location),
                handset(e.caller_handset),
                handset(e.callee_handset)
            )
        })
        .collect();
    v.sort();
    v
}

pub(super) fn call_links(g: &CaseGraph) -> Vec<String> {
    let mut v: Vec<String> = g
        .call_links
        .iter()
        .map(|l| {
            format!(
                "{} -> {}: {} calls, {} texts, {} s, {}..{}",
                g.phone_number(l.caller),
                g.phone_number(l.callee),
                l.n_calls,
                l.n_texts,
                l.total_seconds,
                l.first,
                l.last
            )
        })
        .collect();
    v.sort();
    v
}

pub(super) fn phones(g: &CaseGraph) -> Vec<String> {
    let mut v: Vec<String> = (0..g.phones.len() as u32)
        .map(|p| g.phone_number(p).to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn the_delivered_case_reads_as_the_contract_case() {
    let tiny = ingest(&fixture("fixtures/tiny"));
    let delivered = ingest(&fixture("fixtures/delivered"));
    assert!(
        delivered.report.rejects.is_empty(),
        "{:?}",
        delivered.report.rejects
    );
    assert_eq!(phones(&delivered), phones(&tiny));
    assert_eq!(call_links(&delivered), call_links(&tiny));
    assert_eq!(events(&delivered), events(&tiny));
    let counts = |g: &CaseGraph| {
        let s = casegraph::stats::case_stats(g, 3);
        let nodes: Vec<(String, u64)> = s.nodes.iter().map(|k| (k.kind.clone(), k.count)).collect();
        let edges: Vec<(String, u64)> = s.edges.iter().map(|k| (k.kind.clone(), k.count)).collect();
        (nodes, edges, g.events.len(), g.registrations.len())
    };
    assert_eq!(counts(&delivered), counts(&tiny));
}

#[test]
fn every_row_is_accounted_for_and_each_call_counted_once() {
    let g = ingest(&fixture("fixtures/delivered"));
    let r = &g.report;
    for f in &r.files {
        assert!(f.balances(), "{f:?}");
    }
    let calls: Vec<_> = r.files.iter().filter(|f| f.table == "calls.csv").collect();
    // 11 monitored numbers; the XLSX workbook and the XLS workbook hold two
    // bills each.
    assert_eq!(calls.len(), 11);
    let kept: u64 = calls.iter().map(|f| f.kept).sum();
    let merged: u64 = calls.iter().map(|f| f.merged).sum();
    // 19 calls; 16 of them are between two monitored numbers (all but the
    // three to 10086), so in two bills.
    assert_eq!((kept, merged), (19, 16));
    // Titles above the header, totals, blank rows and notes are counted
    // with their row numbers.
    let bill = r
        .files
        .iter()
        .find(|f| f.file == "话单/bill_13700000001.xlsx")
        .unwrap();
    assert_eq!(bill.sheet.as_deref(), Some("话单"));
    assert_eq!(bill.header_row, 4);
    assert_eq!(bill.non_data_lines, [1, 2, 3, 9, 10, 11]);
    // Each dropped copy names the kept one.
    let m = &bill.merged_rows[0];
    assert!(m.kept_file.starts_with("话单/"), "{m:?}");
    // The sheet that is no table is reported, not guessed at.
    assert!(
        r.notices
            .iter()
            .any(|n| n.starts_with("话单/移动_详单_139.xlsx[说明]: not read")),
        "{:?}",
        r.notices
    );
    assert!(
        r.notices
            .iter()
            .any(|n| n.starts_with("16 call(s) were in both parties' bills")),
        "{:?}",
        r.notices
    );
    // Formats and encodings are reported.
    let formats: Vec<&str> = r.files.iter().map(|f| f.format.as_str()).collect();
    for want in [
        "XLSX",
        "XLS",
        "CSV, GBK/GB18030",
        "CSV, UTF-16LE with BOM",
        "CSV, UTF-8 with BOM",
    ] {
        assert!(formats.contains(&want), "{want} in {formats:?}");
    }
}

#[test]
fn every_kept_call_names_its_delivered_row() {
    let g = ingest(&fixture("fixtures/delivered"));
    for e in g.events.iter() {
        let at = g.report.locate("calls.csv", e.line as u64);
        assert!(at.file.starts_with("话单/"), "{at}");
        assert!(at.line >= 3, "{at}");
    }
    // The boss's first call is row 5 of his sheet (title, title, blank,
    // header, then the call).
    let first = g.events.iter().min_by_key(|e| (e.start, e.line)).unwrap();
    assert_eq!(
        g.report.locate("calls.csv", first.line as u64).to_string(),
        "话单/移动_详单_139.xlsx[13900000001]:5"
    );
}

#[test]
fn inspect_shows_every_mapping() {
    let found = casegraph::ingest::inspect::inspect_case(
        &fixture("fixtures/delivered"),
        &casegraph::ingest::IngestConfig::default(),
    )
    .unwrap();
    assert_eq!(found.len(), 16);
    let not_read: Vec<_> = found.iter().filter(|f| f.problem.is_some()).collect();
    assert_eq!(not_read.len(), 1);
    assert_eq!(not_read[0].sheet.as_deref(), Some("说明"));
    let bill = found
        .iter()
        .find(|f| f.file == "话单/13900000003.xls")
        .unwrap();
    assert_eq!(
        bill.own_number.as_deref(),
        Some("13900000003 (from the file name)")
    );
    let field = |h: &str| {
        bill.columns
            .iter()
            .find(|c| c.header == h)
            .map(|c| (c.field.as_str(), c.rule.as_str()))
    };
    assert_eq!(field("对方号码").unwrap().0, "other_number");
    assert_eq!(field("呼叫类型").unwrap().0, "direction");
    assert!(field("LAC").unwrap().1.contains("hex"));
    assert!(field("IMSI").unwrap().1.contains("not used"));
    assert!(!bill.first_rows.is_empty());
    assert!(bill.first_rejects.is_empty());
}

#[test]
fn inspect_cli_prints_json_for_scripts() {
    let out = casegraph()
        .args(["inspect", "--format", "json"])
        .arg(fixture("fixtures/delivered"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 16);
}

/// A bill in GBK with an impossible time, a negative duration and an
/// unknown direction: each rejected with file, line and reason; the other
/// rows kept.
#[test]
fn bad_values_in_a_delivered_bill_are_rejected_where_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let text = "通话详单\r\n本机号码：13800138000\r\n对方号码,呼叫类型,通话起始时间,通话时长\r\n\
                13900000001,主叫,2026/3/14 26:05:00,60\r\n\
                13900000001,主叫,2026/2/30 10:00:00,60\r\n\
                13900000001,被叫,2026/3/14 10:00:00,-5\r\n\
                13900000001,转接,2026/3/14 10:00:00,5\r\n\
                13900000001,被叫,2026/3/14 11:00:00,3分5秒\r\n\
                合计,5\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    std::fs::write(dir.path().join("bill.csv"), &gbk).unwrap();
    let g = ingest(dir.path());
    let r = &g.report;
    let lines: Vec<(u64, &str)> = r
        .rejects
        .iter()
        .map(|e| (e.position.line, e.reason.as_str()))
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines.iter().map(|l| l.0).collect::<Vec<_>>(), [4, 5, 6, 7]);
    assert!(lines[0].1.contains("2026/3/14 26:05:00"), "{}", lines[0].1);
    assert!(lines[2].1.contains("duration"), "{}", lines[2].1);
    assert!(lines[3].1.contains("direction"), "{}", lines[3].1);
    assert_eq!(g.events.len(), 1);
    let e = g.events.at(0);
    assert_eq!(
        (
            g.phone_number(e.caller),
            g.phone_number(e.callee),
            e.duration_s
        ),
        ("+8613900000001", "+8613800138000", 185)
    );
    let f = r.files.iter().find(|f| f.file == "bill.csv").unwrap();
    assert_eq!((f.rows_read, f.kept, f.rejected, f.non_data), (8, 1, 4, 3));
    // The rejects file keeps the raw fields as columns of their own.
    let csv = String::from_utf8(casegraph::ingest::rejects::rejects_csv(
        &r.rejects, &r.files,
    ))
    .unwrap();
    assert!(
        csv.starts_with("file,line,reason,sheet,field_1,field_2,field_3,field_4\n"),
        "{csv}"
    );
    assert!(
        csv.contains(",13900000001,转接,2026/3/14 10:00:00,5\n"),
        "{csv}"
    );
}

#[test]
fn a_file_valid_in_no_encoding_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("calls.csv"), "caller,callee,start\n").unwrap();
    std::fs::write(dir.path().join("bill.csv"), b"\xff\xfe\xff\x00\xd8").unwrap();
    let Err(e) = casegraph::ingest::ingest_case(dir.path(), &Default::default()) else {
        panic!("a file valid in no encoding is refused");
    };
    let msg = e.to_string();
    assert!(msg.starts_with("bill.csv: expected UTF-16LE"), "{msg}");
}

#[test]
fn a_bill_workbook_with_a_date_cell_far_out_of_range_rejects_the_row_not_crashes() {
    // Found while writing the workbook fuzz target: a date-formatted cell
    // holding -1e300 (a damaged or hand-edited sheet) made the conversion
    // of the cell to text panic inside chrono, killing the whole run.
    use rust_xlsxwriter::{Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (c, h) in [
        "本机号码",
        "对方号码",
        "呼叫类型",
        "通话起始时间",
        "通话时长",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, start) in [(1, 46082.375), (2, -1e300), (3, f64::MAX)] {
        sheet.write_string(r, 0, "13900000001").unwrap();
        sheet.write_string(r, 1, "13800138000").unwrap();
        sheet.write_string(r, 2, "主叫").unwrap();
        sheet.write_number_with_format(r, 3, start, &date).unwrap();
        sheet.write_number(r, 4, 60).unwrap();
    }
    book.save(dir.path().join("bill.xlsx")).unwrap();
    let g = ingest(dir.path());
    let f = g
        .report
        .files
        .iter()
        .find(|f| f.file == "bill.xlsx")
        .unwrap();
    assert_eq!((f.rows_read, f.kept, f.rejected), (3, 1, 2), "{f:?}");
    let lines: Vec<u64> = g.report.rejects.iter().map(|r| r.position.line).collect();
    assert_eq!(lines, [3, 4]);
}

#[test]
fn sheets_given_as_typed_cells_read_as_a_workbook_would() {
    // `ingest_grids` is how the workbook fuzz target reaches the reader:
    // a bill of typed cells (numeric phone numbers, a date-time start, a
    // `[h]:mm:ss` duration) must read as the same bill saved as XLSX.
    use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Range};
    use casegraph::ingest::grid::Grid;
    let date = |v: f64| Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false));
    let span = |v: f64| Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::TimeDelta, false));
    let text = |s: &str| Data::String(s.to_string());
    let rows = [
        vec![text("本机号码："), Data::Float(13900000001.0)],
        vec![
            text("对方号码"),
            text("呼叫类型"),
            text("通话起始时间"),
            text("通话时长"),
        ],
        vec![
            Data::Float(13800138000.0),
            text("主叫"),
            date(46082.375),
            span(185.0 / 86400.0),
        ],
        vec![text("合计"), Data::Int(1)],
    ];
    // The sheet's first used cell is B3, as calamine gives a range.
    let mut cells = Range::new((2, 1), (5, 4));
    for (i, row) in rows.into_iter().enumerate() {
        for (j, v) in row.into_iter().enumerate() {
            cells.set_value((2 + i as u32, 1 + j as u32), v);
        }
    }
    let grid = Grid::from_sheet("bill.xlsx", "话单", "XLSX", cells);
    let g = casegraph::ingest::ingest_grids("typed", vec![grid], &Default::default()).unwrap();
    let f = g
        .report
        .files
        .iter()
        .find(|f| f.file == "bill.xlsx")
        .unwrap();
    assert_eq!(
        (f.rows_read, f.kept, f.header_row, f.non_data_lines.clone()),
        (3, 1, 4, vec![3, 6]),
        "{f:?}"
    );
    assert_eq!(
        events(&g),
        ["+8613900000001 -> +8613800138000 at 2026-03-01 09:00:00 for 185s voice cells / handsets /"]
    );
}
