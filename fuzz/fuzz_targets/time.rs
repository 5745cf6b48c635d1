//! The time and date parsers and the UTC-offset setting on arbitrary text:
//! never a panic, and a parsed wall-clock time shown again parses back to
//! itself.
#![no_main]

use casegraph::model::{time, Clock};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str)| {
    let (offset, raw) = input;
    let clock = Clock::with_offset(offset).unwrap_or_default();
    if let Ok(t) = clock.parse_time(raw) {
        let shown = time::show(t);
        if let Ok(again) = clock.parse_time(&shown) {
            assert_eq!(again, t, "{raw:?} shown as {shown:?}");
        }
    }
    if let Ok(d) = Clock::parse_date(raw) {
        let _ = time::show_date(d);
        let _ = time::day_of_week(d);
        let _ = time::hour_of_day(d);
    }
});
