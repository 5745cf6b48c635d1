//! Times and dates of the case. All times are local wall-clock times of the
//! case's area, kept as seconds since 1970-01-01 00:00:00 *of that wall
//! clock* ([`Time`]). A time written with an offset (`Z`, `+08:00`) is moved
//! onto the case's wall clock (UTC+8 by default, `--utc-offset` to change),
//! so that `2026-03-14T13:05:33Z` and `2026-03-14 21:05:33` are one instant.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Timelike};
use std::fmt;

/// Seconds since 1970-01-01 00:00:00 on the case's wall clock.
pub type Time = i64;

/// Marker for "no time" in compact columns.
pub const NO_TIME: Time = i64::MIN;

/// The default wall clock of a case: China Standard Time.
pub const DEFAULT_UTC_OFFSET_S: i32 = 8 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    offset: FixedOffset,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            offset: FixedOffset::east_opt(DEFAULT_UTC_OFFSET_S).expect("valid offset"),
        }
    }
}

impl Clock {
    /// A clock at `+HH:MM` / `-HH:MM` from UTC.
    pub fn with_offset(spec: &str) -> Result<Self, String> {
        let bad = || format!("expected a UTC offset like +08:00, found {spec:?}");
        let s = spec.trim();
        let (sign, rest) = match s.as_bytes().first() {
            Some(b'+') => (1, &s[1..]),
            Some(b'-') => (-1, &s[1..]),
            _ => return Err(bad()),
        };
        let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
        // Digits only (no sign of their own), minutes under 60, and the
        // hours small enough not to overflow: `+99999999` is an error.
        let digits =
            |t: &str| !t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || !digits(m) {
            return Err(bad());
        }
        let h: i32 = h.parse().map_err(|_| bad())?;
        let m: i32 = m.parse().map_err(|_| bad())?;
        if m >= 60 {
            return Err(bad());
        }
        let offset = FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)?;
        Ok(Clock { offset })
    }

    pub fn offset_seconds(&self) -> i32 {
        self.offset.local_minus_utc()
    }

    /// Parse a time in one of the contract's forms.
    pub fn parse_time(&self, raw: &str) -> Result<Time, String> {
        let s = raw.trim();
        let bad = || format!("expected a time like 2026-03-14 21:05:33, found {raw:?}");
        if s.len() < 19 {
            return Err(bad());
        }
        // The common case first: no offset, space or T between date and time.
        let sep = s.as_bytes()[10];
        if sep != b' ' && sep != b'T' && sep != b't' {
            return Err(bad());
        }
        if s.len() == 19 {
            if let Some(t) = fast_parse(s.as_bytes()) {
                return Ok(t);
            }
        }
        let tail = s.get(19..).ok_or_else(bad)?;
        let has_offset = tail.ends_with(['Z', 'z']) || tail.contains(['+', '-']);
        if !has_offset {
            let fmt = if sep == b' ' {
                "%Y-%m-%d %H:%M:%S%.f"
            } else {
                "%Y-%m-%dT%H:%M:%S%.f"
            };
            let t = NaiveDateTime::parse_from_str(s, fmt).map_err(|_| bad())?;
            return Ok(t.and_utc().timestamp());
        }
        let mut normal = s.to_string();
        normal.replace_range(10..11, "T");
        let t = DateTime::parse_from_rfc3339(&normal).map_err(|_| bad())?;
        let local = t.with_timezone(&self.offset).naive_local();
        Ok(local.and_utc().timestamp())
    }

    /// Parse a date (`YYYY-MM-DD`) as midnight of that day.
    pub fn parse_date(raw: &str) -> Result<Time, String> {
        let s = raw.trim();
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(|d| {
                d.and_hms_opt(0, 0, 0)
                    .expect("midnight")
                    .and_utc()
                    .timestamp()
            })
            .map_err(|_| format!("expected a date like 2026-03-14, found {raw:?}"))
    }
}

/// `YYYY-MM-DD HH:MM:SS` (or with `T`), the carriers' usual form, without
/// going through a format string: the digits are read directly and chrono
/// validates the calendar. `None` sends the value to the general parser.
fn fast_parse(b: &[u8]) -> Option<Time> {
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |v, &c| {
            c.is_ascii_digit().then(|| v * 10 + (c - b'0') as u32)
        })
    };
    if b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let t = date.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?;
    Some(t.and_utc().timestamp())
}

/// A time for people: `2026-03-14 21:05:33`.
pub struct Show(pub Time);

/// Seconds of 0001-01-01 and of 9999-12-31 23:59:59: the span [`Show`]
/// writes digit by digit.
const FOUR_DIGIT_YEARS: std::ops::RangeInclusive<Time> = -62_135_596_800..=253_402_300_799;

/// `t` as `YYYY-MM-DD HH:MM:SS` for a year of four digits, written digit
/// by digit (the civil date from days since 1970, as in H. Hinnant's
/// `civil_from_days`): a time is formatted for every row of an export, and
/// chrono's `format` reads its pattern again for each.
fn four_digit_year_text(t: Time) -> [u8; 19] {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut b = *b"0000-00-00 00:00:00";
    let mut put = |at: usize, width: usize, mut v: i64| {
        for i in (0..width).rev() {
            b[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, secs / 3_600);
    put(14, 2, secs / 60 % 60);
    put(17, 2, secs % 60);
    b
}

impl fmt::Display for Show {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == NO_TIME {
            return Ok(());
        }
        if FOUR_DIGIT_YEARS.contains(&self.0) {
            let b = four_digit_year_text(self.0);
            return f.write_str(std::str::from_utf8(&b).expect("ASCII digits"));
        }
        match DateTime::from_timestamp(self.0, 0) {
            Some(t) => write!(f, "{}", t.naive_utc().format("%Y-%m-%d %H:%M:%S")),
            None => write!(f, "{}", self.0),
        }
    }
}

/// Format a time (empty for [`NO_TIME`]).
pub fn show(t: Time) -> String {
    Show(t).to_string()
}

/// Format a date (`YYYY-MM-DD`, empty for [`NO_TIME`]).
pub fn show_date(t: Time) -> String {
    if t == NO_TIME {
        return String::new();
    }
    DateTime::from_timestamp(t, 0)
        .map(|d| d.naive_utc().format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Hour of day (0..24) of a wall-clock time.
pub fn hour_of_day(t: Time) -> u32 {
    DateTime::from_timestamp(t, 0)
        .map(|d| d.hour())
        .unwrap_or(0)
}

/// Day of week, Monday = 0.
pub fn day_of_week(t: Time) -> u32 {
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    ((t.div_euclid(86_400) + 3).rem_euclid(7)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_contract_forms_are_one_instant() {
        let c = Clock::default();
        let a = c.parse_time("2026-03-14 21:05:33").unwrap();
        assert_eq!(c.parse_time("2026-03-14T21:05:33").unwrap(), a);
        assert_eq!(c.parse_time("2026-03-14T21:05:33+08:00").unwrap(), a);
        assert_eq!(c.parse_time("2026-03-14T13:05:33Z").unwrap(), a);
        assert_eq!(c.parse_time("2026-03-14 13:05:33Z").unwrap(), a);
        assert_eq!(show(a), "2026-03-14 21:05:33");
        assert_eq!(hour_of_day(a), 21);
        assert_eq!(day_of_week(a), 5); // a Saturday
    }

    #[test]
    fn bad_times_say_what_was_expected() {
        let c = Clock::default();
        for raw in [
            "yesterday",
            "2026-13-01 00:00:00",
            "2026-03-14",
            "2026/03/14 21:05:33",
            "",
            "2026-03-14 25:00:00",
        ] {
            let e = c.parse_time(raw).unwrap_err();
            assert!(e.contains("expected a time like"), "{raw}: {e}");
        }
    }

    #[test]
    fn dates_and_offsets() {
        assert_eq!(
            show_date(Clock::parse_date("2026-03-14").unwrap()),
            "2026-03-14"
        );
        assert!(Clock::parse_date("14/03/2026").is_err());
        let utc = Clock::with_offset("+00:00").unwrap();
        assert_eq!(
            utc.parse_time("2026-03-14T13:05:33Z").unwrap(),
            Clock::default().parse_time("2026-03-14 13:05:33").unwrap()
        );
        assert!(Clock::with_offset("8").is_err());
        // Found by the `time` fuzz target (its first crash, `-05130205`):
        // hours that overflow the seconds (a panic with overflow checks on,
        // a wrapped offset without); and signs or minutes out of place.
        for bad in [
            "-05130205",
            "+99999999",
            "+2147483647:00",
            "-08:-30",
            "+08:75",
            "++8",
            "+8:+5",
            "+",
        ] {
            assert!(Clock::with_offset(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Clock::with_offset("-05:30").unwrap().offset_seconds(),
            -19_800
        );
        assert_eq!(Clock::with_offset("+8").unwrap().offset_seconds(), 28_800);
    }

    proptest! {
        #[test]
        fn times_are_written_as_chrono_writes_them(t in -62_135_596_800i64..=253_402_300_799) {
            let chrono_text = DateTime::from_timestamp(t, 0)
                .unwrap()
                .naive_utc()
                .format("%Y-%m-%d %H:%M:%S")
                .to_string();
            prop_assert_eq!(show(t), chrono_text);
        }
    }

    #[test]
    fn times_at_the_edges_of_four_digit_years_are_written_as_chrono_writes_them() {
        for t in [
            -62_135_596_800i64,
            -62_135_596_801,
            253_402_300_799,
            253_402_300_800,
            0,
            -1,
            951_782_400, // 2000-02-29
            4_107_542_399,
        ] {
            let chrono_text = DateTime::from_timestamp(t, 0)
                .map(|d| d.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_else(|| t.to_string());
            assert_eq!(show(t), chrono_text, "{t}");
        }
    }

    proptest! {
        #[test]
        fn shown_times_parse_back(t in 0i64..4_000_000_000) {
            let c = Clock::default();
            prop_assert_eq!(c.parse_time(&show(t)), Ok(t));
        }

        #[test]
        fn never_panics(raw in "\\PC{0,40}") {
            let _ = Clock::default().parse_time(&raw);
            let _ = Clock::parse_date(&raw);
        }
    }
}
