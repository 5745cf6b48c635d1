//! The one time window of every command (`--from/--to`), read on the
//! case's own clock.
//!
//! Times in a case are its wall-clock seconds ([`super::time`]): a bound
//! written without an offset is read as written, and one written with an
//! offset (`2026-03-14T13:05:33Z`) is moved onto the case's clock, exactly
//! as ingest moved the case's own times. So one text means one instant for
//! `query`, `contacts`, `components`, `central`, `communities` and `export`
//! alike, whatever `--utc-offset` the case was read with.

use super::time::{self, Clock, Time, NO_TIME};

/// Why a `--from/--to` bound could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag}: {message}")]
pub struct WindowError {
    pub flag: &'static str,
    pub message: String,
}

/// A closed time range; open ends are unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    pub from: Option<Time>,
    pub to: Option<Time>,
}

impl TimeRange {
    pub const ALL: TimeRange = TimeRange {
        from: None,
        to: None,
    };

    /// Read `--from/--to` (either may be absent) on `clock`. A date alone
    /// means its midnight for `from` and its last second for `to`; a time
    /// may leave out its seconds (`2026-03-14 21:05`).
    pub fn parse(clock: &Clock, from: Option<&str>, to: Option<&str>) -> Result<Self, WindowError> {
        let from = from
            .map(|s| parse_bound(clock, "--from", s, false))
            .transpose()?;
        let to = to
            .map(|s| parse_bound(clock, "--to", s, true))
            .transpose()?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(WindowError {
                    flag: "--from/--to",
                    message: format!(
                        "expected --from before --to, found {} after {}",
                        time::show(f),
                        time::show(t)
                    ),
                });
            }
        }
        Ok(TimeRange { from, to })
    }

    /// [`TimeRange::parse`] on the clock of a case read at `utc_offset_s`
    /// seconds from UTC (`CaseGraph::meta.utc_offset_s`).
    pub fn parse_on_case_clock(
        utc_offset_s: i32,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Self, WindowError> {
        TimeRange::parse(&case_clock(utc_offset_s), from, to)
    }

    pub fn contains(&self, t: Time) -> bool {
        t != NO_TIME && self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|e| t <= e)
    }

    /// Whether `[first, last]` overlaps the range.
    pub fn overlaps(&self, first: Time, last: Time) -> bool {
        first != NO_TIME
            && self.from.is_none_or(|f| last >= f)
            && self.to.is_none_or(|e| first <= e)
    }

    pub fn is_all(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }
}

/// The clock of a case read at `utc_offset_s` seconds from UTC.
pub fn case_clock(utc_offset_s: i32) -> Clock {
    let sign = if utc_offset_s < 0 { '-' } else { '+' };
    let a = utc_offset_s.unsigned_abs();
    Clock::with_offset(&format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)).unwrap_or_default()
}

/// One bound: a time (seconds optional, offset optional) or a date.
pub fn parse_bound(
    clock: &Clock,
    flag: &'static str,
    raw: &str,
    end: bool,
) -> Result<Time, WindowError> {
    if let Ok(t) = clock.parse_time(raw) {
        return Ok(t);
    }
    // `2026-03-14 21:05` (or with `T`, or followed by an offset): the
    // seconds are :00 for --from and :59 for --to, so the minute is whole.
    let s = raw.trim();
    let b = s.as_bytes();
    if b.len() >= 16 && b[13] == b':' && (b.len() == 16 || !b[16].is_ascii_digit() && b[16] != b':')
    {
        let secs = if end { ":59" } else { ":00" };
        let with_seconds = format!("{}{secs}{}", &s[..16], &s[16..]);
        if let Ok(t) = clock.parse_time(&with_seconds) {
            return Ok(t);
        }
    }
    match Clock::parse_date(raw) {
        Ok(d) => Ok(if end { d + 86_399 } else { d }),
        Err(_) => Err(WindowError {
            flag,
            message: format!(
                "expected a time like 2026-03-14 21:05:33 (or 21:05) or a date like 2026-03-14, found {raw:?}"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_bounds_take_times_and_whole_dates() {
        let c = Clock::default();
        let r = TimeRange::parse(&c, Some("2026-03-04"), Some("2026-03-04")).unwrap();
        assert!(r.contains(c.parse_time("2026-03-04 00:00:00").unwrap()));
        assert!(r.contains(c.parse_time("2026-03-04 23:59:59").unwrap()));
        assert!(!r.contains(c.parse_time("2026-03-05 00:00:00").unwrap()));
        assert!(TimeRange::parse(&c, Some("yesterday"), None).is_err());
        assert!(TimeRange::parse(&c, Some("2026-03-05"), Some("2026-03-04")).is_err());
    }

    #[test]
    fn a_time_without_seconds_is_its_whole_minute() {
        let c = Clock::default();
        let r = TimeRange::parse(&c, Some("2026-02-01 10:00"), Some("2026-02-01T10:05")).unwrap();
        assert_eq!(r.from, Some(c.parse_time("2026-02-01 10:00:00").unwrap()));
        assert_eq!(r.to, Some(c.parse_time("2026-02-01 10:05:59").unwrap()));
        let z = parse_bound(&c, "--from", "2026-02-01 02:00Z", false).unwrap();
        assert_eq!(z, c.parse_time("2026-02-01 10:00:00").unwrap());
        assert!(parse_bound(&c, "--from", "2026-02-01 10", false).is_err());
    }

    #[test]
    fn a_bound_with_an_offset_is_read_on_the_cases_clock() {
        let utc = Clock::with_offset("+00:00").unwrap();
        let cst = Clock::default();
        let raw = "2026-03-04 10:00:00+08:00";
        assert_eq!(
            parse_bound(&utc, "--from", raw, false).unwrap(),
            utc.parse_time("2026-03-04 02:00:00").unwrap()
        );
        assert_eq!(
            parse_bound(&cst, "--from", raw, false).unwrap(),
            cst.parse_time("2026-03-04 10:00:00").unwrap()
        );
    }
}
