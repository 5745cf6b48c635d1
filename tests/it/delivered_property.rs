//! Delivered formats, as a property: proptest draws a small case of calls
//! and texts among a few monitored numbers and others, writes it once as
//! the contract's calls.csv and once as carriers deliver it — one bill per
//! monitored number, with title rows above the header, a totals row, a
//! blank row and a note below, the monitored number in a column, in the
//! title or only in the file name, times, durations and directions spelled
//! the ways carriers spell them, and every call between two monitored
//! numbers in both bills (the callee's copy up to 3 s late) — and checks
//! that both read to the same phones, call links and call events, that
//! every bill balances with exactly its titles, blanks, totals and notes as
//! non-data rows (with their row numbers), and that exactly the second
//! copies are merged.
//!
//! Two properties: bills as CSV text in UTF-8 (with or without BOM), GBK or
//! UTF-16 with BOM; and bills as sheets of XLSX workbooks written with
//! rust_xlsxwriter (several sheets to a workbook, up to two workbooks, a
//! notes sheet that holds no table, some bills as CSV beside them), with
//! typed cells as Excel delivers them: start times as date-time cells in
//! one of [`DATE_FORMATS`] or as text, durations as numbers, `[h]:mm:ss`
//! time cells or text, phone numbers as numeric or text cells, and the
//! table moved down and right on the sheet.
//!
//! XLS (BIFF8) is left to the fixed case in fixtures/delivered (with one
//! XLSX and one XLS workbook): no maintained Rust crate writes XLS.

use super::delivered::{call_links, events, phones};
use super::util::ingest;
use proptest::prelude::*;

/// Monitored numbers `1390000000k`; others `1370000000k`.
fn monitored(k: u8) -> String {
    format!("1390000000{k}")
}

fn other(k: u8) -> String {
    format!("1370000000{k}")
}

#[derive(Debug, Clone)]
struct Call {
    caller: String,
    callee: String,
    /// Seconds after 2026-03-04 08:00:00 (+08:00).
    at: u32,
    duration: u32,
    text: bool,
}

/// How one bill is written.
#[derive(Debug, Clone, Copy)]
struct Style {
    encoding: u8,
    own: u8,
    time: u8,
    duration: u8,
    /// Callee's copy late by this many seconds.
    late: u32,
}

fn style() -> impl Strategy<Value = Style> {
    (0u8..4, 0u8..3, 0u8..4, 0u8..4, 0u32..=3).prop_map(|(encoding, own, time, duration, late)| {
        Style {
            encoding,
            own,
            time,
            duration,
            late,
        }
    })
}

/// `n` monitored numbers, calls among them and three others; starts ten
/// minutes apart (two calls of one pair never look like one call's two
/// copies).
fn case<S: Strategy>(style: fn() -> S) -> impl Strategy<Value = (u8, Vec<Call>, Vec<S::Value>)> {
    (2u8..=4).prop_flat_map(move |n| {
        let call = (
            0..n,
            0u8..n + 3,
            1u32..4000,
            any::<bool>(),
            any::<bool>(),
            0u32..300,
        );
        (
            Just(n),
            prop::collection::vec(call, 1..14),
            prop::collection::vec(style(), n as usize),
        )
            .prop_map(|(n, raw, styles)| {
                let calls = raw
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, (a, b, d, text, a_calls, jitter))| {
                        let mine = monitored(a);
                        let theirs = if b < n { monitored(b) } else { other(b - n) };
                        if mine == theirs {
                            return None;
                        }
                        let (caller, callee) = if a_calls {
                            (mine, theirs)
                        } else {
                            (theirs, mine)
                        };
                        Some(Call {
                            caller,
                            callee,
                            at: i as u32 * 600 + jitter,
                            duration: if text { 0 } else { d },
                            text,
                        })
                    })
                    .collect();
                (n, calls, styles)
            })
    })
}

fn clock(at: u32) -> (u32, u32, u32, u32) {
    let s = 8 * 3600 + at;
    (4 + s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60)
}

fn contract_time(at: u32) -> String {
    let (d, h, m, s) = clock(at);
    format!("2026-03-{d:02} {h:02}:{m:02}:{s:02}")
}

fn carrier_time(at: u32, how: u8) -> String {
    let (d, h, m, s) = clock(at);
    match how {
        0 => format!("2026-03-{d:02} {h:02}:{m:02}:{s:02}"),
        1 => format!("2026/3/{d} {h}:{m:02}:{s:02}"),
        2 => format!("202603{d:02}{h:02}{m:02}{s:02}"),
        _ => format!("2026年3月{d}日 {h:02}时{m:02}分{s:02}秒"),
    }
}

fn carrier_duration(d: u32, how: u8) -> String {
    match how {
        0 => d.to_string(),
        1 => format!("{:02}:{:02}:{:02}", d / 3600, d / 60 % 60, d % 60),
        2 => format!("{}分{}秒", d / 60, d % 60),
        _ => format!("{d}秒"),
    }
}

fn contract_calls(calls: &[Call]) -> String {
    let mut out = String::from("caller,callee,start,duration_s,kind\n");
    for c in calls {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            c.caller,
            c.callee,
            contract_time(c.at),
            c.duration,
            if c.text { "sms" } else { "voice" }
        ));
    }
    out
}

/// One row of a bill, as the monitored number's carrier lists it.
struct Entry {
    other: String,
    direction: &'static str,
    service: &'static str,
    at: u32,
    duration: u32,
}

/// The rows of `number`'s bill. The callee's copy of a call the caller's
/// bill has too is `late`; a call from an unmonitored number is only in
/// the callee's bill, on time.
fn entries(number: &str, calls: &[Call], late: u32) -> Vec<Entry> {
    let mut out = Vec::new();
    for c in calls {
        let own_is_caller = c.caller == number;
        if !own_is_caller && c.callee != number {
            continue;
        }
        let (other, at) = if own_is_caller {
            (&c.callee, c.at)
        } else if c.caller.starts_with("139") {
            (&c.caller, c.at + late)
        } else {
            (&c.caller, c.at)
        };
        let (direction, service) = match (c.text, own_is_caller) {
            (true, true) => ("短信发送", "短信"),
            (true, false) => ("短信接收", "短信"),
            (false, true) => ("主叫", "语音"),
            (false, false) => ("被叫", "语音"),
        };
        out.push(Entry {
            other: other.clone(),
            direction,
            service,
            at,
            duration: c.duration,
        });
    }
    out
}

/// The bill of `number` as text, the file name it is saved under and the
/// line numbers of its non-data lines.
fn bill(number: &str, calls: &[Call], st: Style) -> (String, String, Vec<u32>) {
    let mut lines: Vec<String> = vec!["中国移动通信 通话详单".into()];
    lines.push(match st.own {
        1 => format!("本机号码：{number}    查询时段：2026-03-01 至 2026-03-31"),
        _ => "查询时段：2026-03-01 至 2026-03-31    协查编号：NJ-2026-0117".into(),
    });
    lines.push(String::new());
    let mut header = Vec::new();
    if st.own == 0 {
        header.push("本机号码");
    }
    header.extend(["对方号码", "呼叫类型", "业务类型", "通话起始时间"]);
    header.push(if st.duration == 0 {
        "通话时长(秒)"
    } else {
        "通话时长"
    });
    lines.push(header.join(","));
    let rows = entries(number, calls, st.late);
    for e in &rows {
        let mut row = Vec::new();
        if st.own == 0 {
            row.push(number.to_string());
        }
        row.extend([
            e.other.clone(),
            e.direction.into(),
            e.service.into(),
            carrier_time(e.at, st.time),
            carrier_duration(e.duration, st.duration),
        ]);
        lines.push(row.join(","));
    }
    let below = lines.len() as u32 + 1;
    lines.push(format!("合计：{} 条", rows.len()));
    lines.push(String::new());
    lines.push("注：本详单仅供公安机关办案使用".into());
    let name = match st.own {
        2 => format!("{number}.csv"),
        _ => format!("详单_{}.csv", &number[number.len() - 1..]),
    };
    let non_data = vec![1, 2, 3, below, below + 1, below + 2];
    (name, lines.join("\r\n") + "\r\n", non_data)
}

fn encode(text: &str, how: u8) -> Vec<u8> {
    match how {
        0 => text.as_bytes().to_vec(),
        1 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        2 => encoding_rs::GBK.encode(text).0.into_owned(),
        _ => {
            let mut out = vec![0xFF, 0xFE];
            for u in text.encode_utf16() {
                out.extend(u.to_le_bytes());
            }
            out
        }
    }
}

/// How one bill is delivered in a workbook, as Excel holds it.
#[derive(Debug, Clone, Copy)]
struct Sheet {
    /// 0..4: the text spellings of [`carrier_time`]; 4..7: a date-time
    /// cell with one of [`DATE_FORMATS`].
    time: u8,
    /// 0..4: the text spellings of [`carrier_duration`]; 4: a number;
    /// 5: a time cell formatted `[h]:mm:ss`.
    duration: u8,
    /// Phone numbers (own, other, in the title) as numeric cells.
    numeric: bool,
    own: u8,
    late: u32,
    /// Empty rows above the title and empty columns left of the table.
    lead: u8,
    indent: u8,
    /// Workbook 0 or 1, or 2: a CSV file of its own in `encoding`.
    book: u8,
    encoding: u8,
}

const DATE_FORMATS: [&str; 3] = [
    "yyyy-mm-dd hh:mm:ss",
    "yyyy/m/d h:mm:ss",
    "yyyy\"年\"m\"月\"d\"日\" hh:mm:ss",
];

fn sheet_style() -> impl Strategy<Value = Sheet> {
    (
        (0u8..7, 0u8..6, any::<bool>(), 0u8..3, 0u32..=3),
        (0u8..3, 0u8..2, 0u8..3, 0u8..4),
    )
        .prop_map(
            |((time, duration, numeric, own, late), (lead, indent, book, encoding))| Sheet {
                time,
                duration,
                numeric,
                own,
                late,
                lead,
                indent,
                book,
                encoding,
            },
        )
}

/// A typed cell as Excel stores it.
enum Cell {
    Text(String),
    Number(f64),
    /// A start time: seconds after the case's first morning, and the
    /// number format.
    Date(u32, &'static str),
    /// A duration in seconds, as a time cell formatted `[h]:mm:ss`.
    Duration(u32),
}

fn phone_cell(number: &str, numeric: bool) -> Cell {
    if numeric {
        Cell::Number(number.parse().unwrap())
    } else {
        Cell::Text(number.to_string())
    }
}

/// The rows of `number`'s bill as a sheet (an empty row is a blank row),
/// and the indices of its non-data rows. `own` is where the number is
/// named (0 column, 1 title, 2 only the file name).
fn sheet_rows(number: &str, calls: &[Call], st: Sheet, own: u8) -> (Vec<Vec<Cell>>, Vec<usize>) {
    let text = |s: &str| Cell::Text(s.to_string());
    let mut rows = vec![vec![text("中国移动通信 通话详单")]];
    rows.push(match (own, st.numeric) {
        (1, true) => vec![text("本机号码："), phone_cell(number, true)],
        (1, false) => vec![
            text(&format!("本机号码：{number}")),
            text("查询时段：2026-03-01 至 2026-03-31"),
        ],
        _ => vec![
            text("查询时段：2026-03-01 至 2026-03-31"),
            text("协查编号：NJ-2026-0117"),
        ],
    });
    rows.push(Vec::new());
    let mut header = Vec::new();
    if own == 0 {
        header.push("本机号码");
    }
    header.extend(["对方号码", "呼叫类型", "业务类型", "通话起始时间"]);
    header.push(if st.duration == 0 || st.duration == 4 {
        "通话时长(秒)"
    } else {
        "通话时长"
    });
    rows.push(header.into_iter().map(text).collect());
    let entries = entries(number, calls, st.late);
    for e in &entries {
        let mut row = Vec::new();
        if own == 0 {
            row.push(phone_cell(number, st.numeric));
        }
        row.push(phone_cell(&e.other, st.numeric));
        row.push(text(e.direction));
        row.push(text(e.service));
        row.push(match st.time {
            0..=3 => Cell::Text(carrier_time(e.at, st.time)),
            t => Cell::Date(e.at, DATE_FORMATS[t as usize - 4]),
        });
        row.push(match st.duration {
            0..=3 => Cell::Text(carrier_duration(e.duration, st.duration)),
            4 => Cell::Number(e.duration as f64),
            _ => Cell::Duration(e.duration),
        });
        rows.push(row);
    }
    let below = rows.len();
    rows.push(if st.numeric {
        vec![text("合计"), Cell::Number(entries.len() as f64)]
    } else {
        vec![text(&format!("合计：{} 条", entries.len()))]
    });
    rows.push(Vec::new());
    rows.push(vec![text("注：本详单仅供公安机关办案使用")]);
    (rows, vec![0, 1, 2, below, below + 1, below + 2])
}

/// Write `rows` into a new sheet of `book`, `lead` rows down and `indent`
/// columns right; the Excel row numbers of the rows `marked`.
fn write_sheet(
    book: &mut rust_xlsxwriter::Workbook,
    name: &str,
    rows: &[Vec<Cell>],
    (lead, indent): (u8, u8),
    marked: &[usize],
) -> Vec<u32> {
    use rust_xlsxwriter::{ExcelDateTime, Format};
    let sheet = book.add_worksheet();
    sheet.set_name(name).unwrap();
    let duration = Format::new().set_num_format("[h]:mm:ss");
    for (i, row) in rows.iter().enumerate() {
        let r = lead as u32 + i as u32;
        for (j, cell) in row.iter().enumerate() {
            let c = indent as u16 + j as u16;
            match cell {
                Cell::Text(s) => sheet.write_string(r, c, s).map(drop),
                Cell::Number(x) => sheet.write_number(r, c, *x).map(drop),
                Cell::Date(at, format) => {
                    let (d, h, m, s) = clock(*at);
                    let t = ExcelDateTime::from_ymd(2026, 3, d as u8)
                        .unwrap()
                        .and_hms(h as u16, m as u8, s as f64)
                        .unwrap();
                    let f = Format::new().set_num_format(*format);
                    sheet.write_datetime_with_format(r, c, &t, &f).map(drop)
                }
                Cell::Duration(secs) => sheet
                    .write_number_with_format(r, c, *secs as f64 / 86_400.0, &duration)
                    .map(drop),
            }
            .unwrap();
        }
    }
    marked.iter().map(|&i| lead as u32 + i as u32 + 1).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn bills_as_delivered_read_as_the_contract_case((n, calls, styles) in case(style)) {
        prop_assume!(!calls.is_empty());
        let contract = tempfile::tempdir().unwrap();
        std::fs::write(contract.path().join("calls.csv"), contract_calls(&calls)).unwrap();
        let delivered = tempfile::tempdir().unwrap();
        let mut lines = std::collections::BTreeMap::new();
        for k in 0..n {
            let (name, text, non_data) = bill(&monitored(k), &calls, styles[k as usize]);
            std::fs::write(delivered.path().join(&name), encode(&text, styles[k as usize].encoding))
                .unwrap();
            lines.insert(name, non_data);
        }
        let want = ingest(contract.path());
        let got = ingest(delivered.path());
        prop_assert!(got.report.rejects.is_empty(), "{:?}", got.report.rejects);
        prop_assert_eq!(phones(&got), phones(&want));
        prop_assert_eq!(call_links(&got), call_links(&want));
        prop_assert_eq!(events(&got), events(&want));
        let bills: Vec<_> = got.report.files.iter().filter(|f| f.table == "calls.csv").collect();
        prop_assert_eq!(bills.len(), n as usize);
        for f in &bills {
            prop_assert!(f.balances(), "{:?}", f);
            prop_assert_eq!(Some(&f.non_data_lines), lines.get(&f.file), "{:?}", f);
        }
        let both = calls
            .iter()
            .filter(|c| c.caller.starts_with("139") && c.callee.starts_with("139"))
            .count() as u64;
        let merged: u64 = bills.iter().map(|f| f.merged).sum();
        let kept: u64 = bills.iter().map(|f| f.kept).sum();
        prop_assert_eq!((kept, merged), (calls.len() as u64, both));
    }
}

proptest! {
    // About 10 ms a case (two workbooks written and read back).
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn bills_in_workbooks_read_as_the_contract_case((n, calls, sheets) in case(sheet_style)) {
        prop_assume!(!calls.is_empty());
        let contract = tempfile::tempdir().unwrap();
        std::fs::write(contract.path().join("calls.csv"), contract_calls(&calls)).unwrap();
        let delivered = tempfile::tempdir().unwrap();
        // (file, sheet) -> the Excel row numbers of its non-data rows.
        let mut lines = std::collections::BTreeMap::new();
        let mut books = [rust_xlsxwriter::Workbook::new(), rust_xlsxwriter::Workbook::new()];
        // A workbook's name names the monitored number only when it holds
        // that one bill.
        let book_file: Vec<String> = (0..2u8)
            .map(|b| {
                let mut held = (0..n).filter(|&k| sheets[k as usize].book == b);
                match (held.next(), held.next()) {
                    (Some(k), None) if sheets[k as usize].own == 2 => {
                        format!("bill_{}.xlsx", monitored(k))
                    }
                    _ => format!("移动详单_{b}.xlsx"),
                }
            })
            .collect();
        for k in 0..n {
            let st = sheets[k as usize];
            let number = monitored(k);
            if st.book == 2 {
                let style = Style {
                    encoding: st.encoding,
                    own: st.own,
                    time: st.time % 4,
                    duration: st.duration % 4,
                    late: st.late,
                };
                let (name, text, non_data) = bill(&number, &calls, style);
                std::fs::write(delivered.path().join(&name), encode(&text, st.encoding)).unwrap();
                lines.insert((name, None), non_data);
                continue;
            }
            let file = book_file[st.book as usize].clone();
            let own = if st.own == 2 && !file.contains(&number) { 1 } else { st.own };
            let name = format!("详单{k}");
            let (rows, marked) = sheet_rows(&number, &calls, st, own);
            let book = &mut books[st.book as usize];
            let non_data = write_sheet(book, &name, &rows, (st.lead, st.indent), &marked);
            lines.insert((file, Some(name)), non_data);
        }
        let mut notes = Vec::new();
        for (b, mut book) in books.into_iter().enumerate() {
            if !sheets.iter().any(|s| s.book == b as u8) {
                continue;
            }
            let file = &book_file[b];
            // A sheet of notes beside the bills holds no table.
            let note = vec![vec![Cell::Text("说明：本文件由运营商协查平台导出".into())]];
            write_sheet(&mut book, "说明", &note, (0, 0), &[]);
            notes.push(format!("{file}[说明]: not read"));
            book.save(delivered.path().join(file)).unwrap();
        }
        let want = ingest(contract.path());
        let got = ingest(delivered.path());
        prop_assert!(got.report.rejects.is_empty(), "{:?}", got.report.rejects);
        prop_assert_eq!(phones(&got), phones(&want));
        prop_assert_eq!(call_links(&got), call_links(&want));
        prop_assert_eq!(events(&got), events(&want));
        for note in &notes {
            prop_assert!(
                got.report.notices.iter().any(|m| m.starts_with(note.as_str())),
                "{} in {:?}", note, got.report.notices
            );
        }
        let bills: Vec<_> = got.report.files.iter().filter(|f| f.table == "calls.csv").collect();
        prop_assert_eq!(bills.len(), n as usize);
        for f in &bills {
            prop_assert!(f.balances(), "{:?}", f);
            let key = (f.file.clone(), f.sheet.clone());
            prop_assert_eq!(Some(&f.non_data_lines), lines.get(&key), "{:?}", f);
        }
        let both = calls
            .iter()
            .filter(|c| c.caller.starts_with("139") && c.callee.starts_with("139"))
            .count() as u64;
        let merged: u64 = bills.iter().map(|f| f.merged).sum();
        let kept: u64 = bills.iter().map(|f| f.kept).sum();
        prop_assert_eq!((kept, merged), (calls.len() as u64, both));
    }
}
