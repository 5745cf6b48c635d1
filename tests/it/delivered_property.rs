//! Delivered formats, as a property: proptest draws a small case of calls
//! and texts among a few monitored numbers and others, writes it once as
//! the contract's calls.csv and once as carriers deliver it — one bill per
//! monitored number, with title rows above the header, a totals row, a
//! blank row and a note below, in UTF-8 (with or without BOM), GBK or
//! UTF-16 with BOM, the monitored number in a column, in the title or only
//! in the file name, times, durations and directions spelled the ways
//! carriers spell them, and every call between two monitored numbers in
//! both bills (the callee's copy up to 3 s late) — and checks that both
//! read to the same phones, call links and call events, that every bill
//! balances, and that exactly the second copies are merged.
//!
//! fixtures/delivered covers XLSX and XLS workbooks with one fixed case;
//! this covers the text encodings and the spellings over many cases.

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
fn case() -> impl Strategy<Value = (u8, Vec<Call>, Vec<Style>)> {
    (2u8..=4).prop_flat_map(|n| {
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

/// The bill of `number` as text, and the file name it is saved under.
fn bill(number: &str, calls: &[Call], st: Style) -> (String, String) {
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
    let mut rows = 0;
    for c in calls {
        let own_is_caller = c.caller == number;
        if !own_is_caller && c.callee != number {
            continue;
        }
        // The callee's copy of a call the caller's bill has too is late;
        // a call from an unmonitored number is only here, on time.
        let (other, at) = if own_is_caller {
            (&c.callee, c.at)
        } else if c.caller.starts_with("139") {
            (&c.caller, c.at + st.late)
        } else {
            (&c.caller, c.at)
        };
        let (direction, service) = match (c.text, own_is_caller) {
            (true, true) => ("短信发送", "短信"),
            (true, false) => ("短信接收", "短信"),
            (false, true) => ("主叫", "语音"),
            (false, false) => ("被叫", "语音"),
        };
        let mut row = Vec::new();
        if st.own == 0 {
            row.push(number.to_string());
        }
        row.extend([
            other.clone(),
            direction.into(),
            service.into(),
            carrier_time(at, st.time),
            carrier_duration(c.duration, st.duration),
        ]);
        lines.push(row.join(","));
        rows += 1;
    }
    lines.push(format!("合计：{rows} 条"));
    lines.push(String::new());
    lines.push("注：本详单仅供公安机关办案使用".into());
    let name = match st.own {
        2 => format!("{number}.csv"),
        _ => format!("详单_{}.csv", &number[number.len() - 1..]),
    };
    (name, lines.join("\r\n") + "\r\n")
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn bills_as_delivered_read_as_the_contract_case((n, calls, styles) in case()) {
        prop_assume!(!calls.is_empty());
        let contract = tempfile::tempdir().unwrap();
        std::fs::write(contract.path().join("calls.csv"), contract_calls(&calls)).unwrap();
        let delivered = tempfile::tempdir().unwrap();
        for k in 0..n {
            let (name, text) = bill(&monitored(k), &calls, styles[k as usize]);
            std::fs::write(delivered.path().join(name), encode(&text, styles[k as usize].encoding))
                .unwrap();
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
            prop_assert_eq!(f.non_data_lines.len(), 6, "{:?}", f);
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
