//! Bad rows: each spoils one good row in exactly one way the engine rejects
//! (see `src/ingest/`), and says which. The reasons, as truth/bad_rows.csv
//! names them:
//!
//! | reason | what the row has |
//! |---|---|
//! | `missing_field` | an empty required field |
//! | `bad_time` | a time that is not `YYYY-MM-DD HH:MM:SS` or ISO 8601 |
//! | `negative_duration` | `duration_s` below 0 |
//! | `number_with_letters` | a phone number with a letter in it |
//! | `unknown_kind` | a call kind other than voice or sms |
//! | `unknown_category` | an incident category outside the contract |
//! | `bad_date` | a date that is not `YYYY-MM-DD` |
//! | `date_order` | a registration deactivated before it was activated |
//! | `bad_role` | a person role outside the contract |
//! | `bad_coordinate` | a latitude that is not degrees in range |
//! | `bad_loss` | a loss that is not an amount >= 0 |
//! | `duplicate_id` | a person_id, location_id or incident_id already used |
//! | `field_count` | more or fewer fields than the header |

use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub const CALL_REASONS: &[&str] = &[
    "missing_field",
    "bad_time",
    "negative_duration",
    "number_with_letters",
    "unknown_kind",
    "field_count",
];

/// Put a letter in place of one of a number's digits (`138OO138000`).
pub fn letterify(number: &str, rng: &mut ChaCha8Rng) -> String {
    let digits: Vec<usize> = number
        .char_indices()
        .filter(|(_, c)| c.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    let pos = digits[digits.len() - 1 - rng.gen_range(0..digits.len().min(6))];
    let letter = ['O', 'I', 'l', 'S', 'B', 'o'][rng.gen_range(0..6)];
    let mut s = number.to_string();
    s.replace_range(pos..pos + 1, &letter.to_string());
    s
}

/// A time the engine cannot read, made from a readable one.
pub fn spoil_time(time: &str, rng: &mut ChaCha8Rng) -> String {
    let t = &time[..19.min(time.len())];
    match rng.gen_range(0..4) {
        0 => t.replacen('-', "/", 2),
        1 => format!("{}/{}/{} {}", &t[8..10], &t[5..7], &t[..4], &t[11..16]),
        2 => format!("{}25{}", &t[..11], &t[13..]),
        _ => format!("{}{}", &t[..10], &t[10..].replace(':', ".")),
    }
}

/// A date the engine cannot read, made from a readable one or from scratch.
pub fn spoil_date(date: &str, rng: &mut ChaCha8Rng) -> String {
    if date.len() == 10 {
        match rng.gen_range(0..3) {
            0 => return date.replace('-', ""),
            1 => return format!("{}/{}/{}", &date[8..10], &date[5..7], &date[..4]),
            _ => return format!("{}-13-{}", &date[..4], &date[8..10]),
        }
    }
    "1987-02-30".to_string()
}

/// Spoil a calls.csv row (caller, callee, start, duration_s, kind, ...) for `reason`.
pub fn spoil_call(f: &mut Vec<String>, reason: &'static str, rng: &mut ChaCha8Rng) {
    match reason {
        "missing_field" => f[rng.gen_range(0..3)].clear(),
        "bad_time" => f[2] = spoil_time(&f[2], rng),
        "negative_duration" => {
            let d: u32 = f[3].parse().unwrap_or(0);
            f[3] = format!("-{}", d.max(1));
        }
        "number_with_letters" => {
            let i = rng.gen_range(0..2);
            f[i] = letterify(&f[i], rng);
        }
        "unknown_kind" => f[4] = ["video", "mms", "fax", "data"][rng.gen_range(0..4)].to_string(),
        "field_count" => {
            if rng.gen_bool(0.5) {
                f.pop();
            } else {
                f.push("1".to_string());
            }
        }
        other => unreachable!("not a calls.csv reason: {other}"),
    }
}

/// Drop or add a field.
pub fn spoil_count(f: &mut Vec<String>, rng: &mut ChaCha8Rng) {
    if rng.gen_bool(0.5) {
        f.pop();
    } else {
        f.push("note".to_string());
    }
}
