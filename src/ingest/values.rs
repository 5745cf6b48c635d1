//! Values as carriers write them, read into the contract's spelling. These
//! wider rules apply only to delivered files (see [`super::delivered`]);
//! the contract's own files keep their strict rules. Impossible values (hour
//! 26, 30 February, a negative duration) are rejected under every rule.

use crate::model::{CallKind, Clock};
use chrono::{NaiveDate, NaiveDateTime};

/// Excel's serial day numbers between 1970 and 2100 are read as dates.
const SERIAL_MIN: f64 = 25_569.0;
const SERIAL_MAX: f64 = 73_051.0;

/// A time in any of the carriers' spellings, as the contract writes it
/// (`2026-03-14 21:05:33`): the contract's own forms (offsets included),
/// `2026/3/14 21:05:33`, `2026-03-14 21:05` (seconds 0), `20260314210533`,
/// `2026年3月14日 21时05分33秒`, an Excel serial number (`46095.876`).
pub fn time(raw: &str, clock: &Clock) -> Result<String, String> {
    let s = raw.trim();
    let bad =
        || format!("expected a time like 2026-03-14 21:05:33 or 2026/3/14 21:05, found {raw:?}");
    if let Ok(t) = clock.parse_time(s) {
        // Already the contract's plain form: keep it as written.
        if s.len() == 19 && s.as_bytes()[10] == b' ' {
            return Ok(s.to_string());
        }
        return Ok(crate::model::time::show(t));
    }
    let t = wide_datetime(s, true).ok_or_else(bad)?;
    Ok(t.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// A date in the carriers' spellings (`2026/3/14`, `20260314`,
/// `2026年3月14日`, a date cell, a serial number), as `2026-03-14`.
pub fn date(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let bad = || format!("expected a date like 2026-03-14 or 2026/3/14, found {raw:?}");
    let t = wide_datetime(s, false).ok_or_else(bad)?;
    Ok(t.format("%Y-%m-%d").to_string())
}

/// Dates and times from digit groups. `with_time`: a time of day is
/// required (hours and minutes at least).
fn wide_datetime(s: &str, with_time: bool) -> Option<NaiveDateTime> {
    if s.is_empty() {
        return None;
    }
    if let Some(t) = serial(s) {
        return Some(t);
    }
    let all_digits = s.bytes().all(|b| b.is_ascii_digit());
    let groups: Vec<&str> = if all_digits {
        match s.len() {
            14 => vec![
                &s[0..4],
                &s[4..6],
                &s[6..8],
                &s[8..10],
                &s[10..12],
                &s[12..14],
            ],
            12 => vec![&s[0..4], &s[4..6], &s[6..8], &s[8..10], &s[10..12]],
            8 => vec![&s[0..4], &s[4..6], &s[6..8]],
            _ => return None,
        }
    } else {
        // Only these separators may stand between the digit groups.
        let ok = s.chars().all(|c| {
            c.is_ascii_digit()
                || matches!(
                    c,
                    '-' | '/'
                        | '.'
                        | ' '
                        | ':'
                        | 'T'
                        | '年'
                        | '月'
                        | '日'
                        | '时'
                        | '分'
                        | '秒'
                        | '点'
                )
        });
        if !ok {
            return None;
        }
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|g| !g.is_empty())
            .collect()
    };
    // A fraction of a second may follow as a 7th group; a date part is
    // otherwise at most two digits after the four-digit year.
    if groups.len() < 3
        || groups.len() > 7
        || groups[0].len() != 4
        || groups.iter().skip(1).take(5).any(|g| g.len() > 2)
    {
        return None;
    }
    let n = |i: usize| groups.get(i).and_then(|g| g.parse::<u32>().ok());
    let d = NaiveDate::from_ymd_opt(groups[0].parse().ok()?, n(1)?, n(2)?)?;
    match groups.len() {
        3 if !with_time => d.and_hms_opt(0, 0, 0),
        5 => d.and_hms_opt(n(3)?, n(4)?, 0),
        6 | 7 => d.and_hms_opt(n(3)?, n(4)?, n(5)?),
        _ => None,
    }
}

/// An Excel serial day number (days since 1899-12-30, the fraction the
/// time of day).
fn serial(s: &str) -> Option<NaiveDateTime> {
    if !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') || s.len() < 5 {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    if !(SERIAL_MIN..SERIAL_MAX).contains(&v) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    let secs = (v * 86_400.0).round() as i64;
    Some(epoch + chrono::Duration::seconds(secs))
}

/// A duration in seconds: `205`, `205.0`, `205秒`, `00:03:25`, `3:25`,
/// `3分25秒`, `1小时2分3秒`.
pub fn duration(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let bad = || format!("expected a duration like 205, 00:03:25 or 3分25秒, found {raw:?}");
    let plain = s.strip_suffix('秒').unwrap_or(s).trim();
    if let Ok(v) = plain.parse::<u64>() {
        return Ok(v.to_string());
    }
    if let Some(whole) = plain.strip_suffix(".0") {
        if let Ok(v) = whole.parse::<u64>() {
            return Ok(v.to_string());
        }
    }
    if s.contains(':') {
        let parts: Vec<&str> = s.split(':').collect();
        let nums: Option<Vec<u64>> = parts
            .iter()
            .map(|p| {
                (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect();
        let nums = nums.ok_or_else(bad)?;
        return match nums[..] {
            [h, m, sec] if m < 60 && sec < 60 => Ok((h * 3600 + m * 60 + sec).to_string()),
            [m, sec] if sec < 60 => Ok((m * 60 + sec).to_string()),
            _ => Err(bad()),
        };
    }
    // 1小时2分3秒, 3分25秒, 2时5分.
    let mut total = 0u64;
    let mut digits = String::new();
    let mut any = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            '小' if chars.peek() == Some(&'时') => {
                chars.next();
                3600
            }
            '时' => 3600,
            '分' => {
                if chars.peek() == Some(&'钟') {
                    chars.next();
                }
                60
            }
            '秒' => 1,
            _ => return Err(bad()),
        };
        let v: u64 = digits.parse().map_err(|_| bad())?;
        if unit < 3600 && v >= 60 && any {
            return Err(bad());
        }
        total += v * unit;
        digits.clear();
        any = true;
    }
    if !digits.is_empty() || !any {
        return Err(bad());
    }
    Ok(total.to_string())
}

/// A cell (the place a call was made from) as the key a station table is
/// joined on: `LAC-CI` in decimal. Accepted: `LAC-CI`, `LAC/CI`, `LAC_CI`,
/// `LAC:CI`, with an MCC-MNC prefix (`460-00-LAC-CI`), in decimal or hex
/// (`0x1A2B`, or any part holding the letters a-f).
pub fn cell(raw: &str, hex: bool) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let parts: Vec<&str> = s
        .split(['-', '/', '_', ':', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let bad = || format!("expected a cell like 4301-12345 or 460-00-4301-12345, found {raw:?}");
    let (lac, ci) = match parts[..] {
        [lac, ci] | [_, _, lac, ci] => (lac, ci),
        _ => return Err(bad()),
    };
    Ok(format!(
        "{}-{}",
        cell_part(lac, hex).ok_or_else(bad)?,
        cell_part(ci, hex).ok_or_else(bad)?
    ))
}

/// The key of separate LAC and CI values (see [`cell`]).
pub fn lac_ci(lac: &str, ci: &str, hex: (bool, bool)) -> Result<String, String> {
    let (lac, ci) = (lac.trim(), ci.trim());
    match (lac.is_empty(), ci.is_empty()) {
        (true, true) => Ok(String::new()),
        (false, false) => {
            let l = cell_part(lac, hex.0).ok_or_else(|| {
                format!("column \"lac\": expected a number in decimal or hex, found {lac:?}")
            })?;
            let c = cell_part(ci, hex.1).ok_or_else(|| {
                format!("column \"ci\": expected a number in decimal or hex, found {ci:?}")
            })?;
            Ok(format!("{l}-{c}"))
        }
        _ => Err(format!(
            "columns \"lac\" and \"ci\": expected both or neither, found {lac:?} and {ci:?}"
        )),
    }
}

/// One part of a cell. `hex`: the column is written in hex (see
/// [`is_hex_column`]); otherwise only a `0x` prefix makes a part hex.
fn cell_part(p: &str, hex: bool) -> Option<u64> {
    let p = p.trim();
    if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        return u64::from_str_radix(h, 16).ok();
    }
    if hex {
        return u64::from_str_radix(p, 16).ok();
    }
    if p.bytes().all(|b| b.is_ascii_digit()) {
        return p.parse().ok();
    }
    None
}

/// Whether a column of cells is written in hex: some value in it holds the
/// letters a-f (without a `0x` prefix). A column of hex values that all
/// happen to be digits cannot be told from decimal; the station table's
/// join then fails and `inspect` shows the cells as read.
pub fn is_hex_column<'a>(values: impl IntoIterator<Item = &'a str>) -> bool {
    values.into_iter().any(|v| {
        v.split(['-', '/', '_', ':', ' '])
            .filter(|p| !p.starts_with("0x") && !p.starts_with("0X"))
            .any(|p| {
                !p.is_empty()
                    && p.bytes().all(|b| b.is_ascii_hexdigit())
                    && p.bytes().any(|b| b.is_ascii_alphabetic())
            })
    })
}

/// What a per-number bill's direction column says: the kind, and whether
/// the own number is the caller.
pub fn direction(raw: &str, kind: &str) -> Result<(CallKind, bool), String> {
    let d = raw.trim().to_ascii_lowercase();
    let k = kind.trim().to_ascii_lowercase();
    let text_kind = matches!(k.as_str(), "短信" | "sms" | "彩信" | "mms" | "text");
    let voice_kind =
        k.is_empty() || matches!(k.as_str(), "语音" | "通话" | "voice" | "call" | "电话");
    let forwarded_kind = matches!(k.as_str(), "呼转" | "呼叫转移" | "forwarded" | "forward");
    if !text_kind && !voice_kind && !forwarded_kind {
        return Err(format!(
            "column \"kind\": expected 语音/通话/voice, 短信/sms or 呼转/forwarded, found {kind:?}"
        ));
    }
    let base = |k: CallKind| {
        if text_kind {
            CallKind::Sms
        } else if forwarded_kind {
            CallKind::Forwarded
        } else {
            k
        }
    };
    let out = match d.as_str() {
        "主叫" | "呼出" | "主叫通话" | "moc" | "mo" | "出" | "outgoing" | "out" | "caller" | "主" => {
            (base(CallKind::Voice), true)
        }
        "被叫" | "呼入" | "被叫通话" | "mtc" | "mt" | "入" | "incoming" | "in" | "callee" | "被" => {
            (base(CallKind::Voice), false)
        }
        "短信发送" | "发短信" | "短信主叫" | "主叫短信" | "发送" | "mo_sms" | "smsmo" | "sms_out" | "sms sent" => {
            (CallKind::Sms, true)
        }
        "短信接收" | "收短信" | "短信被叫" | "被叫短信" | "接收" | "mt_sms" | "smsmt" | "sms_in" | "sms received" => {
            (CallKind::Sms, false)
        }
        "呼转" | "呼叫转移" | "前转" | "cfw" | "forward" | "forwarded" => (CallKind::Forwarded, true),
        _ => {
            return Err(format!(
                "column \"direction\": expected 主叫/被叫, 短信发送/短信接收 or 呼转 (or MO/MT), found {raw:?}"
            ))
        }
    };
    Ok(out)
}

/// A person's role in Chinese or the contract's spelling.
pub fn role(raw: &str) -> String {
    match raw.trim() {
        "嫌疑人" | "犯罪嫌疑人" => "suspect".into(),
        "受害人" | "被害人" | "事主" => "victim".into(),
        "证人" => "witness".into(),
        "机主" | "登记人" => "subscriber".into(),
        "未知" => "unknown".into(),
        other => other.into(),
    }
}

/// An incident category in Chinese or the contract's spelling.
pub fn category(raw: &str) -> String {
    match raw.trim() {
        "诈骗" | "电信诈骗" | "电信网络诈骗" => "fraud".into(),
        "盗窃" => "theft".into(),
        "纠纷" => "dispute".into(),
        "殴打" | "伤害" | "故意伤害" => "assault".into(),
        "其他" => "other".into(),
        other => other.into(),
    }
}

/// A list as carriers and systems separate it (`;`, `；`, `、`, `,`, `，`),
/// in the contract's `;`.
pub fn list(raw: &str) -> String {
    raw.split([';', '；', '、', ',', '，', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carrier_times() {
        let c = Clock::default();
        for s in [
            "2026-03-14 21:05:33",
            "2026/3/14 21:05:33",
            "20260314210533",
            "2026年3月14日 21时05分33秒",
            "2026-03-14T13:05:33Z",
            "2026.03.14 21:05:33",
        ] {
            assert_eq!(time(s, &c).unwrap(), "2026-03-14 21:05:33", "{s}");
        }
        assert_eq!(time("2026-03-14 21:05", &c).unwrap(), "2026-03-14 21:05:00");
        assert_eq!(time("46095.5", &c).unwrap(), "2026-03-14 12:00:00");
        for s in [
            "2026/3/14 26:05:00",
            "2026/2/30 10:00",
            "yesterday",
            "2026/3/14",
            "1",
        ] {
            assert!(time(s, &c).is_err(), "{s}");
        }
        assert_eq!(date("2026/3/1").unwrap(), "2026-03-01");
        assert_eq!(date("2026年3月1日").unwrap(), "2026-03-01");
        assert!(date("2026/2/30").is_err());
    }

    #[test]
    fn carrier_durations() {
        for (s, want) in [
            ("205", "205"),
            ("205秒", "205"),
            ("00:03:25", "205"),
            ("3:25", "205"),
            ("3分25秒", "205"),
            ("1小时0分5秒", "3605"),
            ("205.0", "205"),
        ] {
            assert_eq!(duration(s).unwrap(), want, "{s}");
        }
        for s in ["-5", "1.5", "3分75秒", "00:61:00", "abc"] {
            assert!(duration(s).is_err(), "{s}");
        }
    }

    #[test]
    fn carrier_cells() {
        assert_eq!(cell("4301-12345", false).unwrap(), "4301-12345");
        assert_eq!(cell("460-00-4301-12345", false).unwrap(), "4301-12345");
        assert_eq!(cell("0x10CD/0x3039", false).unwrap(), "4301-12345");
        assert_eq!(cell("10CD-3039", true).unwrap(), "4301-12345");
        assert!(cell("10CD-3039", false).is_err());
        assert_eq!(
            lac_ci("4301", "0x3039", (false, false)).unwrap(),
            "4301-12345"
        );
        assert_eq!(lac_ci("10CD", "3039", (true, true)).unwrap(), "4301-12345");
        assert!(cell("4301", false).is_err());
        assert!(lac_ci("4301", "", (false, false)).is_err());
        assert!(is_hex_column(["4301-3039", "10CD-3039"]));
        assert!(!is_hex_column(["4301-3039", "0x10CD-0x3039", "460-00-1-2"]));
    }

    #[test]
    fn bill_directions() {
        assert_eq!(direction("主叫", "").unwrap(), (CallKind::Voice, true));
        assert_eq!(direction("被叫", "").unwrap(), (CallKind::Voice, false));
        assert_eq!(direction("被叫", "短信").unwrap(), (CallKind::Sms, false));
        assert_eq!(direction("短信发送", "").unwrap(), (CallKind::Sms, true));
        assert_eq!(direction("呼转", "").unwrap(), (CallKind::Forwarded, true));
        assert!(direction("未知", "").is_err());
    }
}
